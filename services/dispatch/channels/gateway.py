"""SMS and voice calls through the providers' HTTP gateway API (the sandbox plays it locally).

The API, as Sanfang speaks it (``docs/dispatch.md`` has the full contract):

- ``POST {base}/v1/sms`` and ``POST {base}/v1/calls`` with ``{"ref", "to", "text",
  "callback"}`` → 2xx when taken; 429 (with ``Retry-After``) or 5xx to try later;
  another 4xx is a permanent refusal. ``ref`` is our idempotency key.
- ``GET {base}/v1/sms/{ref}`` / ``GET {base}/v1/calls/{ref}`` → 200 when the gateway has
  that message, 404 when not: how a send left in doubt by a crash is resolved.
- The gateway posts delivery receipts, SMS replies and keypresses to ``callback``.

>>> async def demo() -> None:  # doctest: +SKIP
...     async with GatewayClient("http://127.0.0.1:9090", token="t", timeout=5) as client:
...         sms = HttpGateway(client, Channel.SMS, RateLimit(50), callback="http://sanfang/api/v1/gateway/sms")
...         outcomes = await sms.send([Outgoing("ref-1", "n-1", "10012345678", "请回复1确认")])
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from types import TracebackType

import httpx

from schemas.notices import Channel
from services.dispatch.channels.base import Outcome, Outgoing
from services.dispatch.channels.limits import RateLimit
from services.dispatch.errors import GatewayUnsure

__all__ = ["GatewayClient", "HttpGateway"]

_PATHS = {Channel.SMS: "/v1/sms", Channel.VOICE: "/v1/calls"}


class GatewayClient:
    """The HTTP connection pool to the gateway; an async context manager."""

    def __init__(self, base_url: str, *, token: str, timeout: float) -> None:
        self.http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            # Waiting for a free connection is not the gateway's slowness: no pool timeout.
            timeout=httpx.Timeout(timeout, pool=None),
            headers={"authorization": f"Bearer {token}"},
            limits=httpx.Limits(max_connections=50, max_keepalive_connections=50),
        )

    async def __aenter__(self) -> GatewayClient:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.http.aclose()


class HttpGateway:
    """One of the gateway's channels (SMS or voice), rate-limited; a :class:`Transport`."""

    def __init__(self, client: GatewayClient, channel: Channel, limit: RateLimit, *, callback: str) -> None:
        if channel not in _PATHS:
            raise ValueError(f"the gateway carries SMS and voice, not {channel}")
        self.channel = channel
        self._client = client
        self._path = _PATHS[channel]
        self._limit = limit
        self._callback = callback

    async def send(self, messages: Sequence[Outgoing]) -> list[Outcome]:
        """Send each message (paced by the rate limit), concurrently; one outcome each."""
        return list(await asyncio.gather(*(self._send_one(m) for m in messages)))

    async def _send_one(self, message: Outgoing) -> Outcome:
        await self._limit.acquire()
        body = {"ref": message.ref, "to": message.address, "text": message.body, "callback": self._callback}
        try:
            answer = await self._client.http.post(self._path, json=body)
        except httpx.TimeoutException as exc:
            # The gateway may have taken it: retryable, and the retry asks first (already_sent).
            return Outcome.failed(message.ref, f"timeout: {exc!r}", retryable=True)
        except httpx.HTTPError as exc:
            return Outcome.failed(message.ref, f"gateway unreachable: {exc!r}", retryable=True)
        if answer.is_success:
            return Outcome.sent(
                message.ref, f"accepted by the {self.channel} gateway (HTTP {answer.status_code})"
            )
        if answer.status_code == 429:
            self._limit.pause(_retry_after(answer))
            return Outcome.failed(message.ref, "rate-limited by the gateway (HTTP 429)", retryable=True)
        retryable = answer.status_code >= 500 or answer.status_code == 408
        return Outcome.failed(
            message.ref, f"HTTP {answer.status_code}: {answer.text[:200]}", retryable=retryable
        )

    async def already_sent(self, messages: Sequence[Outgoing]) -> set[str]:
        """Ask the gateway, message by message, whether it has each ref."""

        asking = asyncio.Semaphore(10)  # a few at a time: the pool also serves the sends

        async def has(message: Outgoing) -> str | None:
            try:
                async with asking:
                    answer = await self._client.http.get(f"{self._path}/{message.ref}")
            except httpx.HTTPError as exc:
                raise GatewayUnsure(f"cannot ask the gateway about {message.ref}: {exc!r}") from exc
            if answer.status_code == 200:
                return message.ref
            if answer.status_code == 404:
                return None
            raise GatewayUnsure(f"the gateway answered {answer.status_code} about {message.ref}")

        found = await asyncio.gather(*(has(m) for m in messages))
        return {ref for ref in found if ref is not None}


def _retry_after(answer: httpx.Response) -> float:
    try:
        return min(60.0, max(0.0, float(answer.headers.get("retry-after", "1"))))
    except ValueError:
        return 1.0
