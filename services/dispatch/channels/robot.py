"""The unit's group webhook: a WeCom / DingTalk-style robot message to the unit's chat group.

The body is the robots' common text form, ``{"msgtype": "text", "text": {"content": …}}``;
a 2xx answer with ``errcode`` 0 (or none) means the robot took it.

A robot cannot be asked what it already posted, so a post left in doubt by a crash is
posted again: the group webhook is at-least-once (``docs/dispatch.md``).

>>> async def demo(http: httpx.AsyncClient) -> None:  # doctest: +SKIP
...     robot = GroupRobot(http, RateLimit(10))
...     await robot.send([Outgoing("r-1", "n-1", "https://qyapi.weixin.qq.com/…", "某某尚未确认")])
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import httpx

from schemas.notices import Channel
from services.dispatch.channels.base import Outcome, Outgoing
from services.dispatch.channels.limits import RateLimit

__all__ = ["GroupRobot"]


class GroupRobot:
    """Posts to units' group webhooks; a :class:`~services.dispatch.channels.base.Transport`."""

    channel = Channel.WEBHOOK

    def __init__(self, http: httpx.AsyncClient, limit: RateLimit) -> None:
        self._http = http
        self._limit = limit

    async def send(self, messages: Sequence[Outgoing]) -> list[Outcome]:
        """Post each message to its group; one outcome each."""
        return list(await asyncio.gather(*(self._post(m) for m in messages)))

    async def _post(self, message: Outgoing) -> Outcome:
        await self._limit.acquire()
        body = {"msgtype": "text", "text": {"content": message.body}}
        try:
            answer = await self._http.post(message.address, json=body)
        except httpx.HTTPError as exc:
            return Outcome.failed(message.ref, f"group webhook unreachable: {exc!r}", retryable=True)
        if answer.status_code == 429 or answer.status_code >= 500:
            return Outcome.failed(message.ref, f"group webhook HTTP {answer.status_code}", retryable=True)
        if not answer.is_success:
            return Outcome.failed(message.ref, f"group webhook HTTP {answer.status_code}", retryable=False)
        try:
            code = answer.json().get("errcode", 0)
        except ValueError:
            code = 0
        if code:
            return Outcome.failed(message.ref, f"group robot errcode {code}", retryable=False)
        return Outcome.sent(message.ref, "posted to the unit's group")

    async def already_sent(self, messages: Sequence[Outgoing]) -> set[str]:
        """Robots cannot be asked: nothing is known to be sent."""
        return set()
