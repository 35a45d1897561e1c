"""Every officer's workflow through the API, on SQLite (and the audit log on PostgreSQL too):
what reaches the rules and dispatch (the outbox), what the audit log keeps, what the board shows."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from schemas.console import Role
from services.core import tables
from services.dispatch import tables as dispatch_tables
from tests.integration.console.conftest import Harness

pytestmark = pytest.mark.integration


async def test_confirm_and_reject_reach_the_rules_with_the_officer_and_are_audited(harness: Harness) -> None:
    await harness.response("r1", "IV", "proposed")
    harness.clock.advance(timedelta(minutes=1))
    await harness.response("r2", "III", "proposed")
    officer = await harness.officer("duty1", Role.DUTY_OFFICER, "张值班")
    proposals = (await harness.http.get("/api/v1/proposals", headers=officer)).json()
    assert [p["response_id"] for p in proposals] == ["r1", "r2"]

    confirmed = await harness.http.post(
        "/api/v1/proposals/r1/confirm", json={"note": "会商同意"}, headers=officer
    )
    assert confirmed.status_code == 202
    assert confirmed.json()["status"] == "published"
    (command,) = [json.loads(p) for p in await harness.outbox("command.proposal_confirmed")]
    assert (command["response_id"], command["officer"], command["note"]) == ("r1", "duty1", "会商同意")
    assert command["proposal_event_id"] == "evt-r1"  # the proposal the officer saw, nothing newer

    assert (
        await harness.http.post("/api/v1/proposals/r2/reject", json={"note": ""}, headers=officer)
    ).status_code == 422
    rejected = await harness.http.post(
        "/api/v1/proposals/r2/reject", json={"note": "雨已减弱"}, headers=officer
    )
    assert rejected.status_code == 202
    assert json.loads((await harness.outbox("command.proposal_rejected"))[0])["note"] == "雨已减弱"

    await harness.response("r3", "IV", "active")
    not_a_proposal = await harness.http.post("/api/v1/proposals/r3/confirm", json={}, headers=officer)
    assert not_a_proposal.status_code == 409
    assert (
        await harness.http.post("/api/v1/proposals/nope/confirm", json={}, headers=officer)
    ).status_code == 404

    admin = await harness.officer("admin1", Role.ADMINISTRATOR)
    lines = (await harness.http.get("/api/v1/audit", params={"action": "proposal"}, headers=admin)).json()
    assert [(line["action"], line["target"], line["actor_name"]) for line in lines] == [
        ("proposal.confirm", "response:r1", "张值班"),
        ("proposal.reject", "response:r2", "张值班"),
    ]
    assert lines[0]["before"] == {"state": "proposed", "level": "IV"}
    assert lines[0]["after"]["command_id"] == command["event_id"]
    assert lines[0]["source_ip"] == "10.1.2.3"


async def test_level_one_needs_two_different_commanders(harness: Harness) -> None:
    await harness.response("r1", "I", "proposed")
    first = await harness.officer("cmd1", Role.COMMANDER)
    second = await harness.officer("cmd2", Role.COMMANDER)
    waiting = await harness.http.post("/api/v1/proposals/r1/confirm", json={"note": "同意"}, headers=first)
    assert waiting.json()["status"] == "awaiting_second_officer"
    assert await harness.outbox("command.proposal_confirmed") == []
    assert len((await harness.http.get("/api/v1/approvals", headers=first)).json()) == 1
    again = await harness.http.post("/api/v1/proposals/r1/confirm", json={}, headers=first)
    assert again.status_code == 409
    assert "second, different commander" in again.json()["message"]
    done = await harness.http.post("/api/v1/proposals/r1/confirm", json={}, headers=second)
    assert done.json() == {
        "status": "published",
        "command_id": done.json()["command_id"],
        "approval_id": None,
        "officers": ["cmd1", "cmd2"],
    }
    (command,) = [json.loads(p) for p in await harness.outbox("command.proposal_confirmed")]
    assert command["officer"] == "cmd1+cmd2"
    assert (await harness.http.get("/api/v1/approvals", headers=first)).json() == []

    manual = {"streets": ["沙井"], "level": "I", "reason": "特大暴雨"}
    assert (await harness.http.post("/api/v1/levels", json=manual, headers=first)).json()["status"] == (
        "awaiting_second_officer"
    )
    assert (await harness.http.post("/api/v1/levels", json=manual, headers=second)).json()[
        "status"
    ] == "published"
    (level_set,) = [json.loads(p) for p in await harness.outbox("command.manual_level_set")]
    assert level_set["level"] == "I"
    assert level_set["scope"] == {"kind": "streets", "streets": ["shajing"]}


async def test_manual_level_and_end_with_a_reason(harness: Harness) -> None:
    officer = await harness.officer("duty1", Role.DUTY_OFFICER)
    answer = await harness.http.post(
        "/api/v1/levels",
        json={"streets": ["松岗街道", "fuyong"], "level": "III", "reason": "会商决定"},
        headers=officer,
    )
    assert answer.status_code == 202, answer.text
    (command,) = [json.loads(p) for p in await harness.outbox("command.manual_level_set")]
    assert command["scope"]["streets"] == ["fuyong", "songgang"]
    assert command["reason"] == "会商决定"
    assert (
        await harness.http.post("/api/v1/levels", json={"level": "IV"}, headers=officer)
    ).status_code == 422
    bad = await harness.http.post(
        "/api/v1/levels", json={"streets": ["福田"], "level": "IV", "reason": "x"}, headers=officer
    )
    assert bad.status_code == 422

    await harness.response("r1", "IV", "active")
    assert (
        await harness.http.post("/api/v1/responses/r1/end", json={"reason": ""}, headers=officer)
    ).status_code == 422
    ended = await harness.http.post("/api/v1/responses/r1/end", json={"reason": "雨停"}, headers=officer)
    assert ended.status_code == 202
    assert json.loads((await harness.outbox("command.manual_end"))[0])["response_id"] == "r1"
    await harness.response("r2", "II", "active")
    assert (
        await harness.http.post("/api/v1/responses/r2/end", json={"reason": "x"}, headers=officer)
    ).status_code == 403


async def test_board_counts_pending_and_on_behalf_ack(harness: Harness) -> None:
    change = await harness.response("r1", "IV", "active")
    await harness.directory_and_notices("r1", change, acked={"P1"})
    viewer = await harness.officer("viewer1", Role.VIEWER)
    officer = await harness.officer("duty1", Role.DUTY_OFFICER, "张值班")

    board = (await harness.http.get("/api/v1/responses/r1/board", headers=viewer)).json()
    assert board["totals"] == {"notified": 4, "delivered": 3, "acknowledged": 1, "escalated": 1}
    assert {row["name"]: row["counts"]["acknowledged"] for row in board["streets"]} == {
        "区级单位": 0,
        "松岗街道": 1,
    }
    assert {row["key"]: row["counts"]["notified"] for row in board["units"]} == {"U08": 2, "U20": 2}
    assert [p["person_id"] for p in board["pending"]] == ["P2", "P3", "P4"]
    p2, p3 = board["pending"][:2]
    assert (p2["escalation_step"], p2["last_action"]) == (1, "短信 / sms")
    assert p2["next_step"] == "08:10 第2步：语音电话 / step 2 at 08:10: voice"  # Beijing time
    assert p3["next_step"] == "08:05 第1步：短信 / step 1 at 08:05: sms"
    only = (
        await harness.http.get("/api/v1/responses/r1/pending", params={"street": "district"}, headers=viewer)
    ).json()
    assert [p["name"] for p in only] == ["王强", "刘洋"]

    body = {"person_id": "P3", "reason": "电话确认"}
    assert (
        await harness.http.post("/api/v1/responses/r1/acks", json=body, headers=viewer)
    ).status_code == 403
    acked = await harness.http.post("/api/v1/responses/r1/acks", json=body, headers=officer)
    assert acked.status_code == 202, acked.text
    (ack,) = [json.loads(p) for p in await harness.outbox("ack")]
    assert (ack["notice_id"], ack["channel"], ack["on_behalf_by"], ack["reason"]) == (
        "N-P3",
        "console",
        "duty1",
        "电话确认",
    )
    async with harness.store.read() as conn:
        e = dispatch_tables.escalations.c
        state = (await conn.execute(select(e.state).where(e.notice_id == "N-P3"))).scalar_one()
    assert state == "stopped"  # dispatch's escalation of P3 stopped with the ack
    assert acked.json()["counted"] is True
    # P1 acknowledged in the app before: the officer's ack is kept, not counted.
    already = await harness.http.post(
        "/api/v1/responses/r1/acks", json={**body, "person_id": "P1"}, headers=officer
    )
    assert already.status_code == 202
    assert already.json()["counted"] is False
    stranger = await harness.http.post(
        "/api/v1/responses/r1/acks", json={**body, "person_id": "P9"}, headers=officer
    )
    assert stranger.status_code == 404

    history = (await harness.http.get("/api/v1/persons/P1", headers=viewer)).json()
    assert history["name"] == "张伟"
    assert history["notices"][0]["acked_at"] is not None


async def test_manual_notice_resolves_units_roles_and_persons(harness: Harness) -> None:
    change = await harness.response("r1", "IV", "active")
    await harness.directory_and_notices("r1", change)
    officer = await harness.officer("duty1", Role.DUTY_OFFICER)
    leaders = {
        "units": ["U08", "U20"],
        "roles": ["unit_leader"],
        "persons": ["P4"],
        "title": "通知",
        "text": "请到岗",
    }
    answer = await harness.http.post(
        "/api/v1/notices/manual", json={**leaders, "ack_wanted": False}, headers=officer
    )
    assert answer.status_code == 202
    assert answer.json()["recipient_count"] == 3  # P1 and P3 lead their units, P4 by name
    # Handed to dispatch through the outbox, in the transaction of the request and its audit line.
    (command,) = [json.loads(p) for p in await harness.outbox("command.manual_notice")]
    assert command["request_id"] == answer.json()["request_id"]
    assert (command["recipients"], command["officer"], command["ack_wanted"]) == (
        ["P1", "P3", "P4"],
        "duty1",
        False,
    )
    request_id = command["request_id"]
    url = f"/api/v1/notices/manual/{request_id}"
    status = (await harness.http.get(url, headers=officer)).json()
    assert (status["status"], status["ack_wanted"]) == ("awaiting_dispatch", False)
    assert status["counts"]["notified"] == 0

    # Dispatch's notices, as it writes them: the request id stands in for the response.
    async with harness.store.transaction() as tx:
        await tx.execute(
            tables.notices.insert(),
            [
                {
                    "notice_id": f"M-{p}",
                    "response_id": request_id,
                    "response_event_id": request_id,
                    "person_id": p,
                    "unit_id": u,
                    "change": "manual",
                    "level": "watch",
                    "drill": False,
                    "created_at": harness.clock.now(),
                    "delivered_at": harness.clock.now(),
                    "acked_at": harness.clock.now() if p == "P3" else None,
                }
                for p, u in (("P1", "U08"), ("P3", "U20"), ("P4", "U20"))
            ],
        )
    status = (await harness.http.get(url, headers=officer)).json()
    assert status["status"] == "sent"
    assert status["counts"] == {"notified": 3, "delivered": 3, "acknowledged": 1, "escalated": 0}
    # The response's board and counts are those of its own notices only.
    board = (await harness.http.get("/api/v1/responses/r1/board", headers=officer)).json()
    assert board["totals"] == {"notified": 4, "delivered": 3, "acknowledged": 0, "escalated": 1}
    assert (await harness.http.get("/api/v1/responses/r1")).json()["counts"]["notified"] == 4
    history = (await harness.http.get("/api/v1/persons/P1", headers=officer)).json()
    assert sorted((n["change"], n["level"]) for n in history["notices"]) == [
        ("activated", "IV"),
        ("manual", None),
    ]
    assert (await harness.http.get("/api/v1/notices/manual/nope", headers=officer)).status_code == 404
    unknown = await harness.http.post(
        "/api/v1/notices/manual", json={**leaders, "units": ["U99"]}, headers=officer
    )
    assert unknown.status_code == 422
    assert "U99" in unknown.json()["message"]
    nobody = await harness.http.post(
        "/api/v1/notices/manual", json={"title": "t", "text": "x"}, headers=officer
    )
    assert nobody.status_code == 422


async def test_drills_now_and_double_blind(harness: Harness) -> None:
    officer = await harness.officer("duty1", Role.DUTY_OFFICER)
    now = await harness.http.post(
        "/api/v1/drills", json={"streets": ["沙井"], "mode": "now", "note": "桌面推演"}, headers=officer
    )
    assert now.status_code == 201, now.text
    (command,) = [json.loads(p) for p in await harness.outbox("command.manual_level_set")]
    assert command["drill"] is True
    assert command["reason"].startswith("演练")

    start = harness.clock.now() + timedelta(hours=1)
    window = {
        "mode": "double_blind",
        "window_start": start.isoformat(),
        "window_end": (start + timedelta(hours=2)).isoformat(),
    }
    blind = await harness.http.post("/api/v1/drills", json=window, headers=officer)
    assert blind.status_code == 201
    assert blind.json()["started_at"] is None
    assert "due_at" not in blind.text
    assert await harness.console.drills.fire_due() == 0
    harness.clock.advance(timedelta(hours=3, minutes=1))
    assert await harness.console.drills.fire_due() == 1
    assert await harness.console.drills.fire_due() == 0  # started once
    commands = [json.loads(p) for p in await harness.outbox("command.manual_level_set")]
    assert len(commands) == 2
    assert all(c["drill"] for c in commands)
    listed = (await harness.http.get("/api/v1/drills", headers=officer)).json()
    assert sorted(d["mode"] for d in listed if d["started_at"]) == ["double_blind", "now"]
    past = {**window, "window_end": (harness.clock.now() - timedelta(minutes=1)).isoformat()}
    assert (await harness.http.post("/api/v1/drills", json=past, headers=officer)).status_code == 422


async def test_audit_log_filters_exports_and_refuses_changes(any_harness: Harness) -> None:
    harness = any_harness
    await harness.response("r1", "IV", "proposed")
    officer = await harness.officer("duty1", Role.DUTY_OFFICER, "=cmd()")
    commander = await harness.officer("cmd1", Role.COMMANDER, "李指挥")
    await harness.http.post("/api/v1/proposals/r1/confirm", json={"note": "同意"}, headers=officer)
    mine = (await harness.http.get("/api/v1/audit", params={"actor": "duty1"}, headers=commander)).json()
    assert [line["action"] for line in mine] == ["auth.login", "proposal.confirm"]
    exported = await harness.http.get("/api/v1/audit.csv", params={"actor": "duty1"}, headers=commander)
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert [row["action"] for row in rows] == ["auth.login", "proposal.confirm"]
    assert rows[0]["actor_name"] == "'=cmd()"  # never a spreadsheet formula
    naive = await harness.http.get(
        "/api/v1/audit", params={"since": "2024-06-01T00:00:00"}, headers=commander
    )
    assert naive.status_code == 422
    for statement in ("UPDATE console_audit_log SET actor = 'someone'", "DELETE FROM console_audit_log"):
        with pytest.raises(DBAPIError, match="append-only"):
            async with harness.store.transaction() as tx:
                await tx.execute(text(statement))
