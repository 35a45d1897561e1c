"""How ingest's push endpoints take a body and answer a refusal: a dead letter, then the error.

>>> async def post(request: Request, bearer: HTTPAuthorizationCredentials | None) -> Any:  # doctest: +SKIP
...     taken = await take_push(request, intake, feeds, bearer, "/api/v1/x", limit=1024)
...     if isinstance(taken, JSONResponse):
...         return taken                       # 401, 403 or 413, already dead-lettered
...     taken.feed, taken.source, taken.body, taken.media
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials

from services.ingest.errors import Rejected
from services.ingest.feed_auth import FeedAuth, push_source
from services.ingest.intake import Intake
from services.web.bodies import BodyTooLarge, error_response, media_type, read_body

__all__ = ["PUSH_REFUSALS", "Push", "refuse", "take_push"]

#: The refusals every push endpoint documents (OpenAPI ``responses``) besides its own.
PUSH_REFUSALS: dict[int | str, dict[str, Any]] = {
    401: {"description": "no feed token (`Authorization: Bearer <token>`); recorded as a dead letter"},
    403: {"description": "a token that is no feed's; recorded as a dead letter"},
    413: {"description": "body too large"},
    415: {"description": "wrong content type"},
}


@dataclass(frozen=True, slots=True)
class Push:
    """A pushed body from a sender that may push.

    ``feed`` is the authenticated feed's name (``None`` while pushes are open), ``source``
    where it came from as dead letters and metrics name it (:func:`push_source`).
    """

    feed: str | None
    source: str
    body: bytes
    media: str


async def take_push(
    request: Request,
    intake: Intake,
    feeds: FeedAuth,
    credentials: HTTPAuthorizationCredentials | None,
    path: str,
    *,
    limit: int,
) -> Push | JSONResponse:
    """The push to ``path``, or its refusal (dead-lettered): 401 or 403 when the sender may not
    push (decided before a byte of the body is read, and recorded without it), 413 when the
    body is over ``limit``."""
    media = media_type(request)
    try:
        feed = feeds.feed_of(credentials)
    except Rejected as rejected:
        answer = await refuse(intake, push_source(path, None), rejected, b"", media)
        if rejected.status == 401:
            answer.headers["WWW-Authenticate"] = "Bearer"
        return answer
    source = push_source(path, feed)
    try:
        return Push(feed, source, await read_body(request, limit), media)
    except BodyTooLarge as exc:
        return await refuse(intake, source, Rejected("body_too_large", str(exc), status=413), b"", media)


async def refuse(intake: Intake, source: str, rejected: Rejected, body: bytes, media: str) -> JSONResponse:
    """Record ``rejected`` as a dead letter with the raw body, and answer with its status."""
    letter = await intake.reject(source, rejected, body, media)
    where = {"path": rejected.path} if rejected.path else {}
    return error_response(
        rejected.status, rejected.reason, rejected.message, **where, dead_letter_id=letter.event_id
    )
