"""The sandbox gateway answers 502 when Sanfang's webhook does not answer (no stack trace)."""

from __future__ import annotations

import httpx

from services.core.broker import free_port
from services.sandbox.app import create_sandbox_app
from services.sandbox.state import GatewayState, Sent


async def test_a_reply_to_a_webhook_that_is_down_is_a_502() -> None:
    state = GatewayState()
    down = f"http://127.0.0.1:{free_port()}/api/v1/gateway/sms"
    state.sent.append(Sent("sms", "r1", "13800000000", "text", down, 0.0))
    state.sent.append(Sent("voice", "c1", "13800000000", "text", down, 0.0))
    app = create_sandbox_app(state, token="t")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sandbox") as http:
        reply = await http.post("/sandbox/reply", json={"from": "13800000000", "text": "1"})
        keypress = await http.post("/sandbox/keypress", json={"ref": "c1", "digits": "1"})
    assert (reply.status_code, reply.json()["status"]) == (502, 502)
    assert "did not answer" in reply.json()["error"]
    assert keypress.status_code == 502
