"""A duty officer's manual notice on the running Sanfang (real broker, database, MQTT): the
console hands it to dispatch, exactly the chosen persons get one app notice each, their acks
count, and the console shows the request sent with its counts."""

from __future__ import annotations

import re
from typing import Any

import pytest

from schemas.console import Role
from services.core.broker import EmbeddedBroker
from services.dispatch.domain.manual import manual_notice_id
from tests.integration.console.conftest import PASSWORD
from tests.integration.console.stack import add_officer
from tests.integration.helpers import NoticeWatcher, Sanfang, running, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.slow]

# In the generated Bao'an directory: 松岗街道办事处 (U008) has three unit leaders; P02410 is
# a member of 区发展和改革局, chosen by name.
LEADERS = ["P01421", "P01422", "P01423"]
CHOSEN = "P02410"


async def login(sanfang: Sanfang, username: str) -> dict[str, str]:
    answer = await sanfang.http.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    sanfang.http.cookies.clear()
    return {"Authorization": f"Bearer {answer.json()['token']}"}


async def test_a_manual_notice_reaches_exactly_the_chosen_persons_once_and_counts_acks(
    broker: EmbeddedBroker,
    settings_factory,  # type: ignore[no-untyped-def]
) -> None:
    settings = settings_factory()
    async with running(settings, broker.bootstrap, frozenset({"dispatch", "console"})) as sanfang:
        await add_officer(sanfang, "duty1", "张值班")
        await add_officer(sanfang, "view1", "李观察", Role.VIEWER)
        officer, viewer = await login(sanfang, "duty1"), await login(sanfang, "view1")
        body = {
            "units": ["U008"],
            "roles": ["unit_leader"],
            "persons": [CHOSEN],
            "title": "请到指挥部参加会商",
            "text": "请于今晚8时前到区三防指挥部参加防御工作会商",
        }
        watcher = NoticeWatcher(settings.mqtt_host, settings.mqtt_port, settings.mqtt_topic_root)
        async with watcher.watching():
            assert (
                await sanfang.http.post("/api/v1/notices/manual", json=body, headers=viewer)
            ).status_code == 403
            assert (await sanfang.http.post("/api/v1/notices/manual", json=body)).status_code == 401
            answer = await sanfang.http.post("/api/v1/notices/manual", json=body, headers=officer)
            assert answer.status_code == 202, answer.text
            request_id = answer.json()["request_id"]
            assert answer.json()["recipient_count"] == 4

            expected = {manual_notice_id(request_id, p): p for p in [*LEADERS, CHOSEN]}
            await wait_until(lambda: len(watcher.notices) >= 4, within=60, what="four app notices")
            status = await wait_for_counts(sanfang, request_id, viewer, delivered=4)
            assert (status["status"], status["recipient_count"], status["created_by"]) == ("sent", 4, "duty1")
            assert status["counts"] == {"notified": 4, "delivered": 4, "acknowledged": 0, "escalated": 0}

            notices = watcher.notices
            assert {n: notices[n]["person_id"] for n in notices} == expected
            assert all(notices[n]["change"] == "manual" for n in notices)
            assert (
                notices[manual_notice_id(request_id, CHOSEN)]["title"] == "【宝安区三防】请到指挥部参加会商"
            )

            # One ack from the app, one through the link in the notice; a repeat counts once.
            app_notice = manual_notice_id(request_id, LEADERS[0])
            assert notices[app_notice]["ack_token"]
            for _ in range(2):
                body = {"notice_id": app_notice, "token": watcher.token(app_notice)}
                acked = await sanfang.http.post("/api/v1/acks", json=body)
                assert acked.status_code == 202
            link_notice = manual_notice_id(request_id, CHOSEN)
            token = re.search(rf"/ack/{link_notice}\?t=(\S+)", str(notices[link_notice]["text"]))
            assert token is not None
            page = await sanfang.http.post(f"/ack/{link_notice}", params={"t": token.group(1)})
            assert page.status_code == 200
            status = await wait_for_counts(sanfang, request_id, viewer, acknowledged=2)
            assert status["counts"] == {"notified": 4, "delivered": 4, "acknowledged": 2, "escalated": 0}

            # Still exactly one notice each, nobody else told.
            assert watcher.arrivals == dict.fromkeys(expected, 1)

        listed = (await sanfang.http.get("/api/v1/notices/manual", headers=viewer)).json()
        assert [(r["request_id"], r["status"]) for r in listed] == [(request_id, "sent")]
        # A manual notice is no response: the responses list stays empty, and the person's
        # history shows it as a manual notice with no level.
        assert (await sanfang.http.get("/api/v1/responses")).json() == []
        history = (await sanfang.http.get(f"/api/v1/persons/{CHOSEN}", headers=viewer)).json()
        (told,) = history["notices"]
        assert (told["change"], told["level"], told["response_id"]) == ("manual", None, request_id)
        assert told["ack_channel"] == "link"


async def wait_for_counts(
    sanfang: Sanfang, request_id: str, headers: dict[str, str], **at_least: int
) -> dict[str, Any]:
    """The request's status once its counts have reached ``at_least``."""
    found: dict[str, Any] = {}

    async def reached() -> bool:
        answer = await sanfang.http.get(f"/api/v1/notices/manual/{request_id}", headers=headers)
        found.update(answer.json())
        return all(found.get("counts", {}).get(name, 0) >= n for name, n in at_least.items())

    await wait_until(reached, within=30, what=f"counts {at_least}")
    return found
