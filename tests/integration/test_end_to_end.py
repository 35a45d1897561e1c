"""One warning, end to end, through every service, on the real broker, database and MQTT."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.core.broker import EmbeddedBroker
from tests.integration.dispatch.helpers import parts
from tests.integration.helpers import NoticeWatcher, Sanfang, running, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.slow]

PERSONS = 3183


def typhoon_blue() -> dict[str, str]:
    """A typhoon blue signal issued now: the ack tokens its notices carry expire
    ``SANFANG_ACK_LINK_HOURS`` after the ack deadline, so one issued long ago could not be acked."""
    issued = datetime.now(UTC).replace(microsecond=0)
    return {
        "id": f"44030041600000_{issued.strftime('%Y%m%d%H%M%S')}",
        "hazard": "typhoon",
        "colour": "blue",
        "issued_at": issued.isoformat(),
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
        warning = typhoon_blue()
        posted = await sanfang.http.post("/api/v1/warnings", json=warning)
        assert posted.status_code == 202, posted.text
        again = await sanfang.http.post("/api/v1/warnings", json=warning)
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
        # Each app is pushed its person's ack token, and the ack link the notice's text shows.
        assert all(isinstance(n["ack_token"], str) for n in watcher.notices.values())
        assert len({n["ack_token"] for n in watcher.notices.values()}) == PERSONS
        assert str(sample["ack_url"]).endswith(f"/ack/{sample['event_id']}?t={sample['ack_token']}")
        assert str(sample["ack_url"]) in str(sample["text"])

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
        # Knowing a notice id is not enough to acknowledge it: the ack needs the token that only
        # the notice's person was pushed. None of these is recorded (the count below stays 25).
        target, other = list(watcher.notices)[25:27]
        refused = await refusals(sanfang, watcher, target, other)
        assert refused == {
            "no token": (422, None),
            "forged token": (403, "token_refused"),
            "another notice's token": (403, "token_refused"),
            "another person's token for this notice": (403, "token_refused"),
        }
        for notice_id in acking:
            body = {"notice_id": notice_id, "token": watcher.token(notice_id), "channel": "app"}
            answer = await sanfang.http.post("/api/v1/acks", json=body)
            assert answer.status_code == 202, answer.text
            assert answer.json()["person_id"] == watcher.notices[notice_id]["person_id"]
        # The same person acknowledging again (say by SMS) is recorded but not counted twice.
        repeat = await sanfang.http.post(
            "/api/v1/acks", json={"notice_id": acking[0], "token": watcher.token(acking[0]), "channel": "sms"}
        )
        assert repeat.status_code == 202

        async def acked() -> bool:
            one = await sanfang.http.get(f"/api/v1/responses/{response['response_id']}")
            return bool(one.json()["counts"]["acknowledged"] == len(acking))

        await wait_until(acked, within=30, what="25 acknowledgements")
        # A genuine token for a notice that does not exist: no push carries one, so the running
        # dispatch's AckLinks signs it (the only way to reach the 404 behind the token check).
        links = parts(sanfang).links
        ack_by = datetime.fromisoformat(str(sample["ack_by"]))
        ghost = links.token(str(sample["person_id"]), "no-such-notice", ack_by)
        unknown = await sanfang.http.post(
            "/api/v1/acks", json={"notice_id": "no-such-notice", "token": ghost}
        )
        assert unknown.status_code == 404
        assert unknown.json()["error"] == "unknown_notice"
        assert (await sanfang.http.get("/healthz")).status_code == 200
        ready = await sanfang.http.get("/readyz")
        assert ready.status_code == 200, ready.text
        metrics = (await sanfang.http.get("/metrics")).text
        assert "sanfang_notices_total" in metrics

        async def caught_up() -> bool:
            # Every consumer group's lag is sampled, and all of them have read everything.
            text = (await sanfang.http.get("/metrics")).text
            lags = [line for line in text.splitlines() if line.startswith("sanfang_consumer_lag{")]
            mine = {
                line.split(settings.topic_prefix, 1)[1].split('"', 1)[0]: line.rsplit(" ", 1)[1]
                for line in lags
                if settings.topic_prefix in line
            }
            return mine == {"rules": "0.0", "dispatch": "0.0", "recorder": "0.0"}

        await wait_until(caught_up, within=30, what="every consumer group at lag 0 in /metrics")
        openapi = (await sanfang.http.get("/openapi.json")).json()
        assert {"/api/v1/warnings", "/api/v1/acks", "/api/v1/responses"} <= set(openapi["paths"])


async def refusals(
    sanfang: Sanfang, watcher: NoticeWatcher, target: str, other: str
) -> dict[str, tuple[int, str | None]]:
    """Try to acknowledge ``target`` without its person's token; each answer's status and error."""
    mine, theirs = watcher.token(target), watcher.token(other)
    person = str(watcher.notices[other]["person_id"])
    ack_by = datetime.fromisoformat(str(watcher.notices[target]["ack_by"]))
    tries = {
        "no token": {"notice_id": target},
        # The target's own payload (its person, notice, expiry) under another token's signature.
        "forged token": {"notice_id": target, "token": f"{mine.split('.')[0]}.{theirs.split('.')[1]}"},
        "another notice's token": {"notice_id": target, "token": theirs},
        # Genuine, and for this very notice, but naming another person. No push ever carries
        # such a token (each carries its own person's for its own notice), so the running
        # dispatch's AckLinks signs it: only the deployment's key can make one.
        "another person's token for this notice": {
            "notice_id": target,
            "token": parts(sanfang).links.token(person, target, ack_by),
        },
    }
    answers = {name: await sanfang.http.post("/api/v1/acks", json=body) for name, body in tries.items()}
    return {
        name: (a.status_code, a.json().get("error") if a.status_code == 403 else None)
        for name, a in answers.items()
    }
