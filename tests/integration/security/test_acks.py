"""Acks that must not be forged or multiplied: the gateway's callbacks exist only with a
gateway and want its Bearer token; a token ack cannot pass for an officer's; a token replayed
a hundred times is one ack, one row, one event."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from services.core import tables
from tests.integration.security.stack import PHONES, ack_stack

pytestmark = pytest.mark.integration

GATEWAY_TOKEN = "Jd8tLr2Zs-KmW7xNbE4hGc9uFo1iTa6e"
REPLY = {"type": "reply", "from": PHONES["P1"], "text": "1"}


async def test_without_a_gateway_nobody_can_call_back_as_one(database_url: str) -> None:
    async with ack_stack(database_url, gateway_token=None) as stack:
        for authorization in ("Bearer dev-gateway-token", "dev-gateway-token", f"Bearer {GATEWAY_TOKEN}"):
            for path in ("/api/v1/gateway/sms", "/api/v1/gateway/voice"):
                answer = await stack.http.post(path, json=REPLY, headers={"Authorization": authorization})
                assert answer.status_code == 404, (path, authorization)
        assert await stack.acks() == []
        assert await stack.escalation("P1") == "waiting"


async def test_the_gateway_must_send_its_token_as_a_bearer_token(database_url: str) -> None:
    async with ack_stack(database_url, gateway_token=GATEWAY_TOKEN) as stack:
        for authorization in (
            GATEWAY_TOKEN,  # the token without its scheme
            f"Basic {GATEWAY_TOKEN}",
            f"Bearer{GATEWAY_TOKEN}",
            f"Bearer  {GATEWAY_TOKEN}",
            "Bearer dev-gateway-token",
            "Bearer ",
            "",
        ):
            refused = await stack.http.post(
                "/api/v1/gateway/sms", json=REPLY, headers={"Authorization": authorization}
            )
            assert refused.status_code == 403, authorization
        assert await stack.acks() == []
        assert await stack.escalation("P1") == "waiting"
        # The gateway itself, scheme in any case (RFC 6750), is heard.
        heard = await stack.http.post(
            "/api/v1/gateway/sms", json=REPLY, headers={"Authorization": f"bearer {GATEWAY_TOKEN}"}
        )
        assert heard.json() == {"acknowledged": True}
        assert await stack.acks() == [("N-P1", "sms", True)]
        assert await stack.escalation("P1") == "stopped"


async def test_a_token_ack_is_an_app_ack_whatever_channel_its_body_names(database_url: str) -> None:
    async with ack_stack(database_url, gateway_token=None) as stack:
        body = {"notice_id": "N-P1", "token": stack.token("P1"), "channel": "console"}
        answer = await stack.http.post("/api/v1/acks", json=body)
        assert answer.status_code == 202, answer.text
        assert await stack.acks() == [("N-P1", "app", True)]
        n = tables.notices.c
        async with stack.store.read() as conn:
            channel = await conn.scalar(select(n.ack_channel).where(n.notice_id == "N-P1"))
        assert channel == "app"
        # Nor does a body make it an SMS or a voice ack, nor set who acknowledged on whose behalf.
        for claimed in ("sms", "voice", "link"):
            body = {"notice_id": "N-P2", "token": stack.token("P2"), "channel": claimed}
            assert (await stack.http.post("/api/v1/acks", json=body)).status_code == 202
        assert (await stack.acks())[1:] == [("N-P2", "app", True)]
        extra = {"notice_id": "N-P2", "token": stack.token("P2"), "on_behalf_by": "cmd1"}
        assert (await stack.http.post("/api/v1/acks", json=extra)).status_code == 422


async def test_a_replayed_token_is_one_ack_one_row_one_event(database_url: str) -> None:
    async with ack_stack(database_url, gateway_token=GATEWAY_TOKEN) as stack:
        body = {"notice_id": "N-P1", "token": stack.token("P1")}
        answers = [await stack.http.post("/api/v1/acks", json=body) for _ in range(100)]
        assert {a.status_code for a in answers} == {202}
        # Every answer names the one ack that counted: the replay is idempotent.
        assert {a.json()["ack_id"] for a in answers} == {answers[0].json()["ack_id"]}
        # The link and a gateway reply of the same person collapse onto it too.
        link = await stack.http.post(f"/ack/N-P1?t={stack.token('P1')}")
        assert "您此前已确认过这条通知" in link.text
        auth = {"Authorization": f"Bearer {GATEWAY_TOKEN}"}
        again = await stack.http.post("/api/v1/gateway/sms", json=REPLY, headers=auth)
        assert again.json() == {"acknowledged": False}

        assert await stack.acks() == [("N-P1", "app", True)]
        assert await stack.count(tables.outbox, kind="ack") == 1
