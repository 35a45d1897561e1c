"""One warning, end to end, through every service, on the real broker, database and MQTT."""

from __future__ import annotations

import pytest

from services.core.broker import EmbeddedBroker
from tests.integration.helpers import NoticeWatcher, running, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.slow]

PERSONS = 3183

TYPHOON_BLUE = {
    "id": "44030041600000_20240601080000",
    "hazard": "typhoon",
    "colour": "blue",
    "issued_at": "2024-06-01T08:00:00+08:00",
    "headline": "深圳市气象台发布台风蓝色预警信号",
}


async def responses(http) -> list[dict]:  # type: ignore[no-untyped-def]
    answer = await http.get("/api/v1/responses")
    assert answer.status_code == 200
    return answer.json()


async def test_typhoon_blue_notifies_everyone_once_and_acks_count(
    broker: EmbeddedBroker, settings_factory, database_url: str
) -> None:
    settings = settings_factory(database_url=database_url)
    watcher = NoticeWatcher(settings.mqtt_host, settings.mqtt_port, settings.mqtt_topic_root)
    async with watcher.watching(), running(settings, broker.bootstrap) as sanfang:
        posted = await sanfang.http.post("/api/v1/warnings", json=TYPHOON_BLUE)
        assert posted.status_code == 202, posted.text
        again = await sanfang.http.post("/api/v1/warnings", json=TYPHOON_BLUE)
        assert again.status_code == 200
        assert again.json()["duplicate"] is True

        await wait_until(lambda: len(watcher.notices) >= PERSONS, within=90, what="3,183 MQTT notices")
        assert len(watcher.notices) == PERSONS
        assert watcher.duplicates == 0
        persons = {n["person_id"] for n in watcher.notices.values()}
        assert len(persons) == PERSONS
        sample = next(iter(watcher.notices.values()))
        assert sample["level"] == "IV"
        assert "Ⅳ级" in str(sample["title"])

        async def all_delivered() -> bool:
            found = await responses(sanfang.http)
            return bool(found) and found[0]["counts"]["delivered"] == PERSONS

        await wait_until(all_delivered, within=30, what="delivered count")
        (response,) = await responses(sanfang.http)
        assert response["level"] == "IV"
        assert response["state"] == "active"
        assert response["scope"] == {"kind": "district", "streets": []}
        assert response["counts"] == {"notified": PERSONS, "delivered": PERSONS, "acknowledged": 0}

        acking = list(watcher.notices)[:25]
        for notice_id in acking:
            answer = await sanfang.http.post("/api/v1/acks", json={"notice_id": notice_id, "channel": "app"})
            assert answer.status_code == 202, answer.text
        # The same person acknowledging again (say by SMS) is recorded but not counted twice.
        repeat = await sanfang.http.post("/api/v1/acks", json={"notice_id": acking[0], "channel": "sms"})
        assert repeat.status_code == 202

        async def acked() -> bool:
            one = await sanfang.http.get(f"/api/v1/responses/{response['response_id']}")
            return bool(one.json()["counts"]["acknowledged"] == len(acking))

        await wait_until(acked, within=30, what="25 acknowledgements")
        unknown = await sanfang.http.post("/api/v1/acks", json={"notice_id": "no-such-notice"})
        assert unknown.status_code == 404
        assert (await sanfang.http.get("/healthz")).status_code == 200
        ready = await sanfang.http.get("/readyz")
        assert ready.status_code == 200, ready.text
        metrics = (await sanfang.http.get("/metrics")).text
        assert "sanfang_notices_total" in metrics
        openapi = (await sanfang.http.get("/openapi.json")).json()
        assert {"/api/v1/warnings", "/api/v1/acks", "/api/v1/responses"} <= set(openapi["paths"])
