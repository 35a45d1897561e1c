"""Failover of the production topology on Apache Kafka: a dispatch process SIGKILLed in the middle
of a fan-out, and the whole cluster and every service stopped and started again. Each time every
person gets exactly one notice per response change (over MQTT and in the ``notices`` table),
nothing from before is applied again, and acks still count."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.conftest import MQTT_HOST, MQTT_PORT
from tests.integration.helpers import NoticeWatcher, wait_until
from tests.integration.test_end_to_end import typhoon_blue
from tests.kafka.conftest import KafkaCluster
from tests.kafka.test_topology import ack_over_http, ack_over_mqtt
from tests.kafka.test_up_on_kafka import PERSONS, counts
from tests.kafka.topology import Topology, acked_per_change, group_assignment, notices_per_change

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.postgres]

SERVICES = {"ingest": "ingest", "rules": "rules", "dispatch-1": "dispatch", "console": "console"}
#: A send claimed by a process that went silent is in doubt after this long (default 30 s):
#: short here so that the survivor takes the killed process's sends over within the test.
LEASE = {"SANFANG_SEND_LEASE_SECONDS": "8"}


def typhoon_yellow() -> dict[str, str]:
    """A typhoon yellow signal issued now, for the area of :func:`typhoon_blue`: level III."""
    issued = datetime.now(UTC).replace(microsecond=0)
    return {
        "id": f"44030041600000_{issued.strftime('%Y%m%d%H%M%S')}_yellow",
        "hazard": "typhoon",
        "colour": "yellow",
        "issued_at": issued.isoformat(),
        "headline": "深圳市气象台发布台风黄色预警信号",
    }


async def once_each(database_url: str, watcher: NoticeWatcher, changes: int) -> dict[str, int]:
    """Asserts every person got exactly one notice per response change, in the table and over
    MQTT, and that MQTT carried exactly the table's notices; change → persons notified."""
    per_change = await notices_per_change(database_url)
    assert len(per_change) == changes, per_change.keys()
    for change, per_person in per_change.items():
        assert set(per_person.values()) == {1}, change
    assert watcher.duplicates == 0
    assert len(watcher.notices) == sum(len(p) for p in per_change.values())
    return {change: len(per_person) for change, per_person in per_change.items()}


async def test_killing_a_dispatch_process_mid_fan_out_the_other_takes_over(
    kafka: KafkaCluster, postgres_url: str, tmp_path: Path
) -> None:
    async with Topology(kafka, postgres_url, tmp_path, **LEASE) as topology:
        await topology.start(**SERVICES)
        await topology.start(**{"dispatch-2": "dispatch"})
        group = f"{topology.prefix}dispatch"

        async def shared() -> bool:
            owned = await group_assignment(kafka, group)
            return len(owned) == 2 and all(owned)

        await wait_until(shared, within=60, what="both dispatch processes owning partitions")
        every_partition = set.union(*await group_assignment(kafka, group))
        watcher = NoticeWatcher(MQTT_HOST, MQTT_PORT, topology.mqtt_root)
        async with watcher.watching():
            posted = await topology.http("ingest").post("/api/v1/warnings", json=typhoon_blue())
            assert posted.status_code == 202, posted.text
            await wait_until(lambda: len(watcher.notices) >= 200, within=120, what="the fan-out under way")
            assert len(watcher.notices) < PERSONS, "the fan-out ended before dispatch-1 could be killed"
            topology.processes["dispatch-1"].kill()
            killed_at = time.monotonic()

            async def taken_over() -> bool:
                return await group_assignment(kafka, group) == [every_partition]

            await wait_until(taken_over, within=60, what="dispatch-2 owning every partition")
            await wait_until(lambda: len(watcher.notices) >= PERSONS, within=120, what="3,183 MQTT notices")
            board = topology.http("console")

            async def all_delivered() -> bool:
                return (await counts(board)).get("delivered") == PERSONS

            await wait_until(all_delivered, within=60, what="3,183 delivered on the board")
            finished_after = time.monotonic() - killed_at
            ids = list(watcher.notices)
            await ack_over_http(topology, "dispatch-2", watcher, ids[:30])
            await ack_over_mqtt(topology, watcher, ids[30:60])

            async def acked() -> bool:
                return (await counts(board)).get("acknowledged") == 60

            await wait_until(acked, within=60, what="60 acknowledgements on the board")

        assert await once_each(postgres_url, watcher, changes=1) == {
            next(iter(await notices_per_change(postgres_url))): PERSONS
        }
        assert await counts(board) == {"notified": PERSONS, "delivered": PERSONS, "acknowledged": 60}
    print(f"fan-out finished {finished_after:.0f} s after dispatch-1 was killed")  # noqa: T201


async def test_the_whole_cluster_and_every_service_stopped_and_started_again(
    kafka: KafkaCluster, postgres_url: str, tmp_path: Path
) -> None:
    async with Topology(kafka, postgres_url, tmp_path) as topology:
        await topology.start(**SERVICES)
        await topology.start(**{"dispatch-2": "dispatch"})
        board = topology.http("console")
        watcher = NoticeWatcher(MQTT_HOST, MQTT_PORT, topology.mqtt_root)
        # One watcher across the restart: a notice pushed again would be counted twice.
        async with watcher.watching():
            posted = await topology.http("ingest").post("/api/v1/warnings", json=typhoon_blue())
            assert posted.status_code == 202, posted.text
            await wait_until(lambda: len(watcher.notices) >= PERSONS, within=120, what="3,183 MQTT notices")

            async def all_delivered() -> bool:
                return (await counts(board)).get("delivered") == PERSONS

            await wait_until(all_delivered, within=60, what="3,183 delivered on the board")
            ids = list(watcher.notices)
            await ack_over_http(topology, "dispatch-1", watcher, ids[:30])

            async def acked() -> bool:
                return (await counts(board)).get("acknowledged") == 30

            await wait_until(acked, within=60, what="30 acknowledgements on the board")
            before = await once_each(postgres_url, watcher, changes=1)

            # Everything down: the services first (SIGTERM, each exits 0), then the three brokers.
            await topology.stop()
            stopped_at = time.monotonic()
            try:
                kafka.stop()
            finally:
                kafka.start()
            await topology.start(**SERVICES)
            await topology.start(**{"dispatch-2": "dispatch"})
            restarted = time.monotonic() - stopped_at

            async def at_rest() -> bool:
                as_before = {"notified": PERSONS, "delivered": PERSONS, "acknowledged": 30}
                return await counts(board) == as_before

            await wait_until(at_rest, within=60, what="the board as it was before the restart")
            # A second warning after the restart works, and what came before is not applied again.
            posted = await topology.http("ingest").post("/api/v1/warnings", json=typhoon_yellow())
            assert posted.status_code == 202, posted.text

            async def level_three() -> bool:
                found = await responses(board)
                return len(found) == 1 and found[0]["level"] == "III"

            await wait_until(level_three, within=60, what="the response at level III")

            async def second_change_sent() -> bool:
                per_change = await notices_per_change(postgres_url)
                if len(per_change) != 2:
                    return False
                total = sum(len(p) for p in per_change.values())
                return len(watcher.notices) >= total

            await wait_until(second_change_sent, within=120, what="the level III notices over MQTT")
            new_ids = [i for i in watcher.notices if i not in set(ids)]
            await ack_over_mqtt(topology, watcher, new_ids[:20])

            async def level_three_acked() -> bool:
                # The board counts the response's latest change.
                return await counts(board) == {"notified": PERSONS, "delivered": PERSONS, "acknowledged": 20}

            await wait_until(level_three_acked, within=60, what="the level III notices delivered, 20 acked")

        after = await once_each(postgres_url, watcher, changes=2)
        assert {k: v for k, v in after.items() if k in before} == before, "the first change, as it was"
        (second,) = (v for k, v in after.items() if k not in before)
        assert second == PERSONS
        acks = await acked_per_change(postgres_url)
        assert sorted(acks.values()) == [20, 30], acks
    print(  # noqa: T201
        f"cluster and services back {restarted:.0f} s after the stop; level III notified {second} persons"
    )


async def responses(http) -> list[dict]:  # type: ignore[no-untyped-def]
    answer = await http.get("/api/v1/responses")
    assert answer.status_code == 200
    return answer.json()
