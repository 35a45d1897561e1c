"""The sandbox gateway's HTTP API: the providers' side (``/v1/…``) and its control side (``/sandbox/…``).

>>> app = create_sandbox_app(GatewayState(), token="t")
>>> sorted(r.path for r in app.routes if r.path.startswith("/v1"))[:2]
['/v1/calls', '/v1/calls/{ref}']
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
from typing import Annotated, Any

import httpx
from fastapi import FastAPI, Header, HTTPException, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from services.sandbox.state import Behaviour, GatewayState, Sent

__all__ = ["create_sandbox_app"]

log = logging.getLogger(__name__)

_CHANNEL_OF_PATH = {"sms": "sms", "calls": "voice"}


class SendIn(BaseModel):
    """A send request from Sanfang."""

    ref: str = Field(min_length=1, max_length=64)
    to: str = Field(min_length=1, max_length=32)
    text: str = Field(max_length=2000)
    callback: str = Field(default="", max_length=500)


class ReplyIn(BaseModel):
    """Make a person reply to an SMS (``from`` their number)."""

    sender: str = Field(alias="from")
    text: str
    callback: str | None = None


class KeypressIn(BaseModel):
    """Make the callee of a call press keys."""

    ref: str
    digits: str


def _unreachable(url: str, exc: httpx.HTTPError) -> JSONResponse:
    """Sanfang's webhook did not answer (it is down, or too slow): 502, not a stack trace."""
    return JSONResponse(
        {"status": 502, "error": f"Sanfang's webhook {url} did not answer: {type(exc).__name__}"},
        status_code=502,
    )


def create_sandbox_app(state: GatewayState, *, token: str) -> FastAPI:
    """The sandbox's app; ``token`` is checked on sends and sent on callbacks."""
    app = FastAPI(title="Sanfang sandbox SMS/voice gateway")
    pending: set[asyncio.Task[None]] = set()
    http = httpx.AsyncClient(timeout=10, headers={"authorization": f"Bearer {token}"})

    def check(authorization: str | None) -> None:
        given = (authorization or "").removeprefix("Bearer ").encode()
        if not hmac.compare_digest(given, token.encode()):
            raise HTTPException(401, "wrong or missing token")

    def later(url: str, body: dict[str, Any]) -> None:
        async def post() -> None:
            try:
                await http.post(url, json=body)
            except httpx.HTTPError as exc:
                log.warning("sandbox callback to %s failed: %s", url, exc)

        task = asyncio.create_task(post())
        pending.add(task)
        task.add_done_callback(pending.discard)

    async def take(path: str, body: SendIn, authorization: str | None) -> Any:
        check(authorization)
        channel = _CHANNEL_OF_PATH[path]
        rule = state.behaviour[channel]
        status = state.refuse(channel, time.monotonic())
        if status is not None:
            headers = {"retry-after": "1"} if status == 429 else {}
            return JSONResponse({"error": "refused by the sandbox"}, status_code=status, headers=headers)
        # Taken first, answered after the delay: like a provider that is slow to answer,
        # a client that times out cannot know whether the message went.
        state.sent.append(Sent(channel, body.ref, body.to, body.text, body.callback, time.time()))
        if body.callback:
            if rule.receipts:
                later(body.callback, {"type": "receipt", "ref": body.ref, "status": "delivered"})
            if channel == "sms" and rule.auto_reply is not None:
                later(body.callback, {"type": "reply", "from": body.to, "text": rule.auto_reply})
            if channel == "voice" and rule.auto_keypress is not None:
                later(body.callback, {"type": "keypress", "ref": body.ref, "digits": rule.auto_keypress})
        if rule.delay_seconds:
            await asyncio.sleep(rule.delay_seconds)
        return JSONResponse({"ref": body.ref, "status": "accepted"}, status_code=202)

    @app.post("/v1/sms")
    async def send_sms(body: SendIn, authorization: Annotated[str | None, Header()] = None) -> Any:
        """Send an SMS."""
        return await take("sms", body, authorization)

    @app.post("/v1/calls")
    async def place_call(body: SendIn, authorization: Annotated[str | None, Header()] = None) -> Any:
        """Place a voice call that reads ``text``."""
        return await take("calls", body, authorization)

    @app.get("/v1/sms/{ref}")
    async def sms_status(ref: str, authorization: Annotated[str | None, Header()] = None) -> Any:
        """200 when an SMS with this ref was taken, else 404."""
        check(authorization)
        if not state.has("sms", ref):
            raise HTTPException(404, "no such message")
        return {"ref": ref, "status": "accepted"}

    @app.get("/v1/calls/{ref}")
    async def call_status(ref: str, authorization: Annotated[str | None, Header()] = None) -> Any:
        """200 when a call with this ref was placed, else 404."""
        check(authorization)
        if not state.has("voice", ref):
            raise HTTPException(404, "no such call")
        return {"ref": ref, "status": "accepted"}

    @app.get("/sandbox/messages")
    async def messages(
        channel: Annotated[str | None, Query()] = None, to: Annotated[str | None, Query()] = None
    ) -> list[dict[str, Any]]:
        """Every message taken, oldest first, optionally for one channel or number."""
        return [
            s.__dict__
            for s in state.sent
            if (channel is None or s.channel == channel) and (to is None or s.to == to)
        ]

    @app.delete("/sandbox/messages", status_code=204)
    async def forget() -> None:
        """Forget every message taken."""
        state.sent.clear()

    @app.put("/sandbox/behaviour/{channel}")
    async def behave(channel: str, body: Behaviour) -> Behaviour:
        """Tell a channel (``sms`` or ``voice``) how to behave from now on."""
        if channel not in state.behaviour:
            raise HTTPException(404, "channels: sms, voice")
        state.behaviour[channel] = body
        return body

    @app.post("/sandbox/reply", response_model=None)
    async def reply(body: ReplyIn) -> dict[str, Any] | JSONResponse:
        """A person replies to an SMS; it is posted to Sanfang's SMS webhook."""
        url = body.callback or state.last_callback(body.sender)
        if url is None:
            raise HTTPException(404, "no SMS was sent to that number, and no callback given")
        try:
            answer = await http.post(url, json={"type": "reply", "from": body.sender, "text": body.text})
        except httpx.HTTPError as exc:
            return _unreachable(url, exc)
        return {"status": answer.status_code, "answer": answer.json()}

    @app.post("/sandbox/keypress", response_model=None)
    async def keypress(body: KeypressIn) -> dict[str, Any] | JSONResponse:
        """The callee of a call presses keys; it is posted to Sanfang's voice webhook."""
        calls = [s for s in state.sent if s.channel == "voice" and s.ref == body.ref]
        if not calls:
            raise HTTPException(404, "no such call")
        try:
            answer = await http.post(
                calls[-1].callback, json={"type": "keypress", "ref": body.ref, "digits": body.digits}
            )
        except httpx.HTTPError as exc:
            return _unreachable(calls[-1].callback, exc)
        return {"status": answer.status_code, "answer": answer.json()}

    @app.get("/healthz")
    async def healthz() -> dict[str, Any]:
        """Liveness, and how much was taken and refused."""
        return {"status": "ok", "sent": len(state.sent), "refused": state.refused}

    return app
