"""How ingest's endpoints read a pushed body and answer a refusal: a dead letter, then the error.

>>> async def post(request: Request) -> Any:  # doctest: +SKIP
...     taken = await take_body(request, intake, "api:/api/v1/x", limit=1024)
...     if isinstance(taken, JSONResponse):
...         return taken                       # 413, already dead-lettered
...     body, media = taken
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import JSONResponse

from services.core.web import BodyTooLarge, error_response, media_type, read_body
from services.ingest.errors import Rejected
from services.ingest.intake import Intake

__all__ = ["refuse", "take_body"]


async def take_body(
    request: Request, intake: Intake, source: str, *, limit: int
) -> tuple[bytes, str] | JSONResponse:
    """The body and its media type, or the 413 answer (dead-lettered) when it is over ``limit``."""
    media = media_type(request)
    try:
        return await read_body(request, limit), media
    except BodyTooLarge as exc:
        return await refuse(intake, source, Rejected("body_too_large", str(exc), status=413), b"", media)


async def refuse(intake: Intake, source: str, rejected: Rejected, body: bytes, media: str) -> JSONResponse:
    """Record ``rejected`` as a dead letter with the raw body, and answer with its status."""
    letter = await intake.reject(source, rejected, body, media)
    where = {"path": rejected.path} if rejected.path else {}
    return error_response(
        rejected.status, rejected.reason, rejected.message, **where, dead_letter_id=letter.event_id
    )
