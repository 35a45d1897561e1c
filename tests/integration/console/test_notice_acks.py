"""Acknowledging any notice on someone's behalf (``POST /api/v1/notices/{id}/acks``), a manual
notice's above all, and what the page needs to send one: the units, the reach before sending,
who has not acknowledged."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from schemas.console import Role
from services.core import tables
from services.dispatch import tables as dispatch_tables
from tests.integration.console.conftest import Harness

pytestmark = pytest.mark.integration

NOTICE = {"units": ["U08"], "title": "请到岗", "text": "今晚8时前到指挥部"}


async def manual_notice(harness: Harness, officer: dict[str, str]) -> str:
    """A manual notice to U08 (P1, P2), with its notices and ladder as dispatch writes them."""
    await harness.directory_and_notices("r1", await harness.response("r1", "IV", "active"))
    answer = await harness.http.post("/api/v1/notices/manual", json=NOTICE, headers=officer)
    assert answer.status_code == 202, answer.text
    request_id: str = answer.json()["request_id"]
    now = harness.clock.now()
    async with harness.store.transaction() as tx:
        await tx.execute(
            tables.notices.insert(),
            [
                {
                    "notice_id": f"M-{p}",
                    "response_id": request_id,
                    "response_event_id": request_id,
                    "person_id": p,
                    "unit_id": "U08",
                    "change": "manual",
                    "level": "watch",
                    "drill": False,
                    "created_at": now,
                    "ack_by": now + timedelta(minutes=15),
                    "delivered_at": now,
                }
                for p in ("P1", "P2")
            ],
        )
        await tx.execute(
            dispatch_tables.escalations.insert(),
            [
                {
                    "notice_id": f"M-{p}",
                    "person_id": p,
                    "response_id": request_id,
                    "started_at": now,
                    "step": 0,
                    "due_at": now + timedelta(minutes=5),
                    "state": "waiting",
                    "updated_at": now,
                }
                for p in ("P1", "P2")
            ],
        )
    return request_id


async def test_an_officer_acknowledges_a_manual_notice_for_a_person(harness: Harness) -> None:
    officer = await harness.officer("duty1", Role.DUTY_OFFICER, "张值班")
    viewer = await harness.officer("viewer1", Role.VIEWER)
    admin = await harness.officer("admin1", Role.ADMINISTRATOR)
    commander = await harness.officer("cmd1", Role.COMMANDER, "李指挥")
    request_id = await manual_notice(harness, officer)
    url, body = "/api/v1/notices/M-P2/acks", {"reason": "电话确认 by phone"}

    pending = await harness.http.get(f"/api/v1/notices/manual/{request_id}/pending", headers=viewer)
    assert [(p["person_id"], p["notice_id"]) for p in pending.json()] == [("P1", "M-P1"), ("P2", "M-P2")]

    for refused in (viewer, admin):
        assert (await harness.http.post(url, json=body, headers=refused)).status_code == 403
    for blank in ({}, {"reason": ""}, {"reason": "  "}):
        answer = await harness.http.post(url, json=blank, headers=officer)
        assert answer.status_code == 422, blank
    unknown = await harness.http.post("/api/v1/notices/M-P9/acks", json=body, headers=officer)
    assert unknown.status_code == 404
    assert unknown.json()["error"] == "not_found"
    assert await harness.outbox("ack") == []

    acked = await harness.http.post(url, json=body, headers=officer)
    assert acked.status_code == 202, acked.text
    assert acked.json() | {"ack_id": "-"} == {
        "ack_id": "-",
        "notice_id": "M-P2",
        "person_id": "P2",
        "on_behalf_by": "duty1",
        "counted": True,
    }
    (ack,) = [json.loads(p) for p in await harness.outbox("ack")]
    assert (ack["notice_id"], ack["response_id"], ack["channel"], ack["on_behalf_by"], ack["reason"]) == (
        "M-P2",
        request_id,
        "console",
        "duty1",
        "电话确认 by phone",
    )
    async with harness.store.read() as conn:
        e = dispatch_tables.escalations.c
        states = dict(
            (await conn.execute(select(e.notice_id, e.state).where(e.response_id == request_id))).all()
        )
    assert states == {"M-P1": "waiting", "M-P2": "stopped"}  # P2's escalation stopped with the ack

    # Later: a commander, not knowing, acknowledges again; it is kept but not counted.
    again = await harness.http.post(url, json={"reason": "现场确认"}, headers=commander)
    assert again.status_code == 202
    assert again.json()["counted"] is False
    async with harness.store.read() as conn:
        a = tables.acks.c
        kept = (await conn.execute(select(a.on_behalf_by, a.counted).order_by(a.received_at))).all()
    assert [tuple(row) for row in kept] == [("duty1", True), ("cmd1", False)]
    status = (await harness.http.get(f"/api/v1/notices/manual/{request_id}", headers=viewer)).json()
    assert status["counts"]["acknowledged"] == 1
    pending = await harness.http.get(f"/api/v1/notices/manual/{request_id}/pending", headers=viewer)
    assert [p["person_id"] for p in pending.json()] == ["P1"]

    history = (await harness.http.get("/api/v1/persons/P2", headers=viewer)).json()
    (told,) = [n for n in history["notices"] if n["change"] == "manual"]
    assert (told["notice_id"], told["response_id"], told["ack_channel"]) == ("M-P2", request_id, "console")
    assert [(a["on_behalf_by"], a["reason"], a["counted"]) for a in told["acks"]] == [
        ("duty1", "电话确认 by phone", True),
        ("cmd1", "现场确认", False),
    ]

    audit = await harness.http.get("/api/v1/audit", params={"action": "ack.on_behalf"}, headers=commander)
    first, second = audit.json()
    assert (first["actor"], first["actor_name"], first["role"], first["target"]) == (
        "duty1",
        "张值班",
        "duty_officer",
        "person:P2",
    )
    assert first["source_ip"] == "10.1.2.3"
    assert datetime.fromisoformat(first["at"]) == harness.clock.now()
    assert first["before"] == {"notice_id": "M-P2", "acked_at": None}
    assert first["after"] | {"ack_id": "-"} == {
        "ack_id": "-",
        "reason": "电话确认 by phone",
        "response_id": request_id,
        "change": "manual",
        "counted": True,
    }
    assert (second["actor"], second["after"]["counted"]) == ("cmd1", False)
    assert second["before"]["acked_at"] is not None


async def test_the_response_route_and_the_notice_route_are_one_ack(harness: Harness) -> None:
    change = await harness.response("r1", "IV", "active")
    await harness.directory_and_notices("r1", change)
    officer = await harness.officer("duty1", Role.DUTY_OFFICER)
    by_response = await harness.http.post(
        "/api/v1/responses/r1/acks", json={"person_id": "P3", "reason": "电话确认"}, headers=officer
    )
    by_notice = await harness.http.post("/api/v1/notices/N-P3/acks", json={"reason": "再次"}, headers=officer)
    assert (by_response.json()["notice_id"], by_response.json()["counted"]) == ("N-P3", True)
    assert (by_notice.json()["notice_id"], by_notice.json()["counted"]) == ("N-P3", False)
    board = (await harness.http.get("/api/v1/responses/r1/board", headers=officer)).json()
    assert board["totals"]["acknowledged"] == 1


async def test_units_and_the_reach_of_a_notice_before_sending(harness: Harness) -> None:
    await harness.directory_and_notices("r1", await harness.response("r1", "IV", "active"))
    officer = await harness.officer("duty1", Role.DUTY_OFFICER)
    viewer = await harness.officer("viewer1", Role.VIEWER)
    units = (await harness.http.get("/api/v1/units", headers=viewer)).json()
    assert [(u["unit_id"], u["name"], u["kind"], u["persons"]) for u in units] == [
        ("U08", "松岗街道办事处", "street", 2),
        ("U20", "区水务局", "agency", 2),
    ]
    preview = "/api/v1/notices/manual/preview"
    leaders = {**NOTICE, "units": [], "roles": ["unit_leader"], "persons": ["P2"]}
    reach = await harness.http.post(preview, json=leaders, headers=officer)
    assert reach.json() == {"recipient_count": 3}  # P1, P3 lead their units; P2 by name
    assert (await harness.http.post(preview, json=leaders, headers=viewer)).status_code == 403
    unknown = await harness.http.post(preview, json={**NOTICE, "units": ["U99"]}, headers=officer)
    assert unknown.status_code == 422
    assert "U99" in unknown.json()["message"]
    # Nothing was recorded or queued.
    assert await harness.outbox("command.manual_notice") == []
    assert (await harness.http.get("/api/v1/notices/manual", headers=viewer)).json() == []
    assert (await harness.http.get("/api/v1/notices/manual/nope/pending", headers=viewer)).status_code == 404


async def test_the_new_routes_are_in_openapi(harness: Harness) -> None:
    paths = (await harness.http.get("/openapi.json")).json()["paths"]
    ack = paths["/api/v1/notices/{notice_id}/acks"]["post"]
    assert ack["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/NoticeAckIn")
    assert "202" in ack["responses"]
    assert {
        "/api/v1/notices/manual/preview",
        "/api/v1/notices/manual/{request_id}/pending",
        "/api/v1/units",
    } <= set(paths)
