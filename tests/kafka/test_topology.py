"""The production topology on Apache Kafka: ingest, rules, two dispatch processes, console,
recorder and replay, each its own ``sanfang run`` process with its own port, on the 3-broker
cluster (the product's defaults there: replication 3, ``min.insync.replicas`` 2, the idempotent
producer), PostgreSQL and Mosquitto. A typhoon blue signal issued now becomes an activation and
one notice per person over MQTT; acks through either dispatch process and from the app count;
the console's board and the replay process's review see it all."""

from __future__ import annotations

import json
import time

import aiomqtt
import pytest

from tests.conftest import MQTT_HOST, MQTT_PORT
from tests.integration.helpers import NoticeWatcher, wait_until
from tests.integration.test_end_to_end import typhoon_blue
from tests.kafka.conftest import KafkaCluster
from tests.kafka.test_up_on_kafka import PERSONS, counts, describe
from tests.kafka.topology import Topology, group_assignment, notices_per_change, officer_bearer

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.postgres]

#: Every process of the topology: name → the service it runs.
FIRST = {
    "ingest": "ingest",
    "rules": "rules",
    "dispatch-1": "dispatch",
    "console": "console",
    "recorder": "recorder",
    "replay": "replay",
}


async def ack_over_http(topology: Topology, via: str, watcher: NoticeWatcher, notice_ids: list[str]) -> None:
    """These persons acknowledge with the token their app was pushed, through process ``via``."""
    for notice_id in notice_ids:
        body = {"notice_id": notice_id, "token": watcher.token(notice_id), "channel": "app"}
        answer = await topology.http(via).post("/api/v1/acks", json=body)
        assert answer.status_code == 202, answer.text


async def ack_over_mqtt(topology: Topology, watcher: NoticeWatcher, notice_ids: list[str]) -> None:
    """These persons acknowledge in their app over MQTT (QoS 1), as the app does."""
    async with aiomqtt.Client(MQTT_HOST, MQTT_PORT) as app:
        for notice_id in notice_ids:
            person = watcher.notices[notice_id]["person_id"]
            body = {"notice_id": notice_id, "token": watcher.token(notice_id)}
            await app.publish(f"{topology.mqtt_root}/acks/{person}", json.dumps(body), qos=1)


async def test_every_service_its_own_process_on_three_brokers(
    kafka: KafkaCluster, postgres_url: str, tmp_path
) -> None:
    began = time.monotonic()
    async with Topology(kafka, postgres_url, tmp_path) as topology:
        await topology.start(**FIRST)
        # The second dispatch joins once the first has the directory in the database.
        await topology.start(**{"dispatch-2": "dispatch"})
        started = time.monotonic() - began

        topics = await describe(kafka, topology.prefix)
        for name, partitions in topics.items():
            assert all(len(p["replicas"]) == 3 and len(p["isr"]) == 3 for p in partitions), (name, partitions)

        async def shared() -> bool:
            owned = await group_assignment(kafka, f"{topology.prefix}dispatch")
            return len(owned) == 2 and all(owned)

        await wait_until(shared, within=60, what="both dispatch processes owning partitions")

        watcher = NoticeWatcher(MQTT_HOST, MQTT_PORT, topology.mqtt_root)
        async with watcher.watching():
            posted = await topology.http("ingest").post("/api/v1/warnings", json=typhoon_blue())
            assert posted.status_code == 202, posted.text
            posted_at = time.monotonic()
            await wait_until(lambda: len(watcher.notices) >= PERSONS, within=180, what="3,183 MQTT notices")
            fan_out = time.monotonic() - posted_at
            board = topology.http("console")

            async def all_delivered() -> bool:
                return (await counts(board)).get("delivered") == PERSONS

            await wait_until(all_delivered, within=60, what="3,183 delivered on the board")
            ids = list(watcher.notices)
            await ack_over_http(topology, "dispatch-1", watcher, ids[:40])
            await ack_over_http(topology, "dispatch-2", watcher, ids[40:80])
            await ack_over_mqtt(topology, watcher, ids[80:120])

            async def acked() -> bool:
                return (await counts(board)).get("acknowledged") == 120

            await wait_until(acked, within=60, what="120 acknowledgements on the board")

        assert len(watcher.notices) == PERSONS
        assert watcher.duplicates == 0
        assert len({n["person_id"] for n in watcher.notices.values()}) == PERSONS
        assert await counts(board) == {"notified": PERSONS, "delivered": PERSONS, "acknowledged": 120}
        (per_person,) = (await notices_per_change(postgres_url)).values()
        assert len(per_person) == PERSONS
        assert set(per_person.values()) == {1}

        # The review, served by the replay process from what the recorder process stored.
        viewer = await officer_bearer(postgres_url)
        review = topology.http("replay")
        refused = await review.get("/api/v1/review")
        assert refused.status_code == 401, "a review names persons: an officer's login first"

        async def reviewed() -> bool:
            found = await review.get("/api/v1/review", headers=viewer)
            assert found.status_code == 200, found.text
            real = found.json()["real"]
            return real["counts"]["notices"] == PERSONS and real["counts"]["acknowledged"] == 120

        await wait_until(reviewed, within=60, what="the review counting 3,183 notices and 120 acks")
        real = (await review.get("/api/v1/review", headers=viewer)).json()["real"]
        assert real["counts"]["activations"] == 1
        assert len(real["never_acknowledged"]) == PERSONS - 120
        page = await review.get("/review", headers=viewer)
        assert page.status_code == 200
        assert 'class="plot ack-curve' in page.text
    print(f"processes up in {started:.0f} s; fan-out of {PERSONS} notices in {fan_out:.0f} s")  # noqa: T201
