"""The topics Sanfang creates on Apache Kafka carry their own guarantee: 3 replicas by default
once a bootstrap is configured, and ``min.insync.replicas`` 2 as a topic config (not the brokers'
default, which ``scripts/kafka`` also sets to 2: the test tells them apart by the config's source);
a creation Kafka refuses is an error, not a silent half-started service."""

from __future__ import annotations

import pytest
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from schemas.topics import Topic
from services.core.bus import Bus
from services.core.errors import BusError
from services.core.settings import Settings
from tests.conftest import unique
from tests.kafka.conftest import KafkaCluster

pytestmark = [pytest.mark.integration]

#: DescribeConfigs' config source of a value set on the topic itself (KIP-226).
TOPIC_CONFIG_SOURCE = 1


async def topic_configs(kafka: KafkaCluster, names: list[str]) -> dict[str, dict[str, tuple[str, int]]]:
    """Each topic → ``min.insync.replicas`` → (value, source), as the cluster describes it."""
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka.bootstrap)
    await admin.start()
    try:
        wanted = {"min.insync.replicas": None}
        resources = [ConfigResource(ConfigResourceType.TOPIC, name, wanted) for name in names]
        answers = await admin.describe_configs(resources)
    finally:
        await admin.close()
    found: dict[str, dict[str, tuple[str, int]]] = {}
    for answer in answers:
        for _code, _message, _type, name, entries in answer.resources:
            # v1+ entries: (name, value, read_only, config_source, is_sensitive, synonyms)
            found[name] = {entry[0]: (entry[1], entry[3]) for entry in entries}
    return found


async def replicas(kafka: KafkaCluster, names: list[str]) -> dict[str, list[int]]:
    """Each topic → the number of replicas and of in-sync replicas of each of its partitions."""
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka.bootstrap)
    await admin.start()
    try:
        described = await admin.describe_topics(names)
    finally:
        await admin.close()
    return {t["topic"]: [len(p["replicas"]) for p in t["partitions"]] for t in described}


async def test_topics_get_three_replicas_and_min_insync_two_of_their_own(kafka: KafkaCluster) -> None:
    # No SANFANG_TOPIC_REPLICATION: the default for a configured Kafka.
    settings = Settings(kafka_bootstrap=kafka.bootstrap, topic_prefix=unique("kt") + ".", topic_partitions=2)
    assert settings.topic_replication_effective == 3
    names = [settings.topic(topic.value) for topic in Topic]
    async with Bus(settings, kafka.bootstrap) as bus:
        await bus.ensure_topics()
        await bus.ensure_topics()  # a second service finding them there changes nothing
    assert await replicas(kafka, names) == {name: [3, 3] for name in names}
    configs = await topic_configs(kafka, names)
    assert configs == {name: {"min.insync.replicas": ("2", TOPIC_CONFIG_SOURCE)} for name in names}


async def test_replication_is_a_setting_and_below_three_the_broker_default_holds(kafka: KafkaCluster) -> None:
    settings = Settings(
        kafka_bootstrap=kafka.bootstrap,
        topic_prefix=unique("kt") + ".",
        topic_partitions=1,
        topic_replication=2,
    )
    names = [settings.topic(topic.value) for topic in Topic]
    async with Bus(settings, kafka.bootstrap) as bus:
        await bus.ensure_topics()
    assert await replicas(kafka, names) == {name: [2] for name in names}
    configs = await topic_configs(kafka, names)
    assert all(configs[name]["min.insync.replicas"][1] != TOPIC_CONFIG_SOURCE for name in names), configs


async def test_more_replicas_than_brokers_is_refused_with_the_reason(kafka: KafkaCluster) -> None:
    settings = Settings(kafka_bootstrap=kafka.bootstrap, topic_prefix=unique("kt") + ".", topic_replication=4)
    async with Bus(settings, kafka.bootstrap) as bus:
        with pytest.raises(BusError, match="refused to create topics") as refused:
            await bus.ensure_topics()
    assert "replication factor" in str(refused.value).lower(), refused.value
