"""Dispatch's HTTP edge: acknowledgements."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from schemas.api import AckAccepted, AckIn
from services.core.clock import Clock
from services.core.outbox import Outbox
from services.core.web import error_response
from services.dispatch.acks import UnknownNotice, take_ack

__all__ = ["ack_router"]


def ack_router(outbox: Outbox, clock: Clock) -> APIRouter:
    """Routes through which persons acknowledge notices."""
    router = APIRouter(tags=["acknowledgements"])

    @router.post("/api/v1/acks", status_code=202, response_model=AckAccepted)
    async def acknowledge(body: AckIn) -> Any:
        """Acknowledge a notice. The first ack of a notice counts; repeats are kept, not counted."""
        try:
            return await take_ack(outbox, clock, body)
        except UnknownNotice:
            return error_response(404, "unknown_notice", f"no notice {body.notice_id!r}")

    return router
