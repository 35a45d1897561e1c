"""Dispatch's HTTP edge: app acks, the ack link page, and the gateway's callbacks.

- ``POST /api/v1/acks`` — the app acknowledges a notice, with the ack token it was pushed
  with the notice (``AppNotice.ack_token``); a forged or expired token, or one of another
  notice, gets 403, so nobody acknowledges for someone else by knowing a notice id;
- ``GET /ack/{notice_id}?t=…`` — the link in a notice: a confirmation page that changes
  nothing (mail and link scanners follow GETs); ``POST`` to the same address acknowledges.
  Forged, expired and other persons' tokens get 403. ``Referrer-Policy: no-referrer``
  keeps the token out of any other site's logs;
- ``POST /api/v1/gateway/sms`` and ``…/voice`` — receipts, replies and keypresses from the
  SMS/voice gateway, with ``Authorization: Bearer <its token>``. Mounted only when a gateway
  is configured (``SANFANG_GATEWAY_URL``): without one nobody may call back.

The route says how a person acknowledged (``app`` for the API, ``link`` for the link), never
the body: a token ack cannot pass for an officer's (``console``) or a gateway's.
"""

from __future__ import annotations

import hmac
import html
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query
from fastapi.responses import HTMLResponse

from schemas.api import AckAccepted, AckIn
from schemas.notices import Channel
from services.core.clock import Clock
from services.dispatch.acks import AckBook
from services.dispatch.channels.contract import GatewayCallback
from services.dispatch.domain.tokens import TokenRefused
from services.dispatch.errors import AckRefused, UnknownNotice
from services.dispatch.inbound import Inbound
from services.dispatch.links import AckLinks
from services.web.bodies import error_response

__all__ = ["ack_router"]

_PAGE_HEADERS = {
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Robots-Tag": "noindex, nofollow",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
}


# Read on a phone, often at night: large type, a full-width button a thumb finds, strong
# contrast (white on #b71c1c is 6.6:1), long ids wrapped instead of scrolling sideways.
_PAGE_STYLE = (
    "*{box-sizing:border-box}"
    'body{font:18px/1.55 system-ui,"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;'
    "max-width:32em;margin:0 auto;padding:1.2em 1em;color:#111;background:#fff}"
    "h1{font-size:1.45em;line-height:1.3;margin:.2em 0 .6em}p{margin:0 0 1.2em;overflow-wrap:anywhere}"
    "button{display:block;width:100%;min-height:3.2em;padding:.6em 1em;font:inherit;font-size:1.3em;"
    "font-weight:700;color:#fff;background:#b71c1c;border:0;border-radius:.4em;cursor:pointer}"
    "button:focus-visible{outline:3px solid #0d47a1;outline-offset:3px}"
)


def _page(status: int, title: str, body: str) -> HTMLResponse:
    text = (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{_PAGE_STYLE}</style></head>"
        f"<body><h1>{html.escape(title)}</h1>{body}</body></html>"
    )
    return HTMLResponse(text, status_code=status, headers=_PAGE_HEADERS)


def ack_router(
    book: AckBook, inbound: Inbound, links: AckLinks, clock: Clock, gateway_token: str | None
) -> APIRouter:
    """Routes through which persons acknowledge, and (with a ``gateway_token``: a gateway is
    configured) through which the gateway calls back.

    >>> router = ack_router(book, inbound, links, clock, gateway_token=None)  # doctest: +SKIP
    """
    router = APIRouter(tags=["acknowledgements"])

    @router.post(
        "/api/v1/acks",
        status_code=202,
        response_model=AckAccepted,
        responses={
            403: {"description": "the token is forged, damaged, expired, or not this notice's person's"},
            404: {"description": "no such notice"},
            422: {"description": "invalid body, such as one without a token"},
        },
    )
    async def acknowledge(body: AckIn) -> Any:
        """Acknowledge a notice with its person's ack token (``ack_token`` of the notice pushed
        to the app). The first ack of a notice counts; a repeat is answered the same and
        recorded nowhere. The ack's channel is ``app`` whatever the body says."""
        try:
            claimed = links.verify(body.token, clock.now())
        except TokenRefused as exc:
            return error_response(403, "token_refused", str(exc))
        if claimed.notice_id != body.notice_id:
            return error_response(403, "token_refused", "the token is not for this notice")
        try:
            outcome = await book.record(body.notice_id, Channel.APP, person_id=claimed.person_id)
        except UnknownNotice:
            return error_response(404, "unknown_notice", f"no notice {body.notice_id!r}")
        except AckRefused:
            return error_response(403, "token_refused", "the token is not this notice's person's")
        return AckAccepted(ack_id=outcome.ack_id, notice_id=outcome.notice_id, person_id=outcome.person_id)

    def claim(notice_id: str, token: str) -> str | HTMLResponse:
        """The person a token lets acknowledge ``notice_id``, or the 403 page."""
        try:
            claimed = links.verify(token, clock.now())
        except TokenRefused as exc:
            return _page(
                403, "链接无效", f"<p>{html.escape(str(exc))}。请在“一键通”中确认，或联系值班室。</p>"
            )
        if claimed.notice_id != notice_id:
            return _page(403, "链接无效", "<p>此链接不属于这条通知。</p>")
        return claimed.person_id

    @router.get("/ack/{notice_id}", response_class=HTMLResponse)
    async def ack_page(notice_id: str, t: Annotated[str, Query(max_length=400)] = "") -> HTMLResponse:
        """The confirmation page of an ack link; it acknowledges nothing by itself."""
        person = claim(notice_id, t)
        if isinstance(person, HTMLResponse):
            return person
        form = (
            f"<p>请确认您（{html.escape(person)}）已收到这条三防通知。</p>"
            f'<form method="post" action="/ack/{html.escape(notice_id)}?t={html.escape(t)}">'
            '<button type="submit">确认收到</button></form>'
        )
        return _page(200, "确认收到三防通知", form)

    @router.post("/ack/{notice_id}", response_class=HTMLResponse)
    async def ack_by_link(notice_id: str, t: Annotated[str, Query(max_length=400)] = "") -> HTMLResponse:
        """Acknowledge through the link (the page's button posts here)."""
        person = claim(notice_id, t)
        if isinstance(person, HTMLResponse):
            return person
        try:
            outcome = await book.record(notice_id, Channel.LINK, person_id=person)
        except UnknownNotice:
            return _page(404, "找不到通知", "<p>这条通知不存在。</p>")
        except AckRefused:
            return _page(403, "链接无效", "<p>此链接不属于这条通知的接收人。</p>")
        said = "已确认收到，谢谢。" if outcome.counted else "您此前已确认过这条通知。"
        return _page(200, "已确认", f"<p>{said}</p>")

    if gateway_token is not None:
        _gateway_routes(router, inbound, gateway_token)
    return router


def _gateway_routes(router: APIRouter, inbound: Inbound, gateway_token: str) -> None:
    """The gateway's callbacks, authenticated by ``Authorization: Bearer <gateway_token>``."""
    expected = gateway_token.encode()

    def authorised(authorization: str | None) -> bool:
        # The Bearer scheme is required (RFC 6750; its name in any case): a bare token is refused.
        scheme, _, given = (authorization or "").partition(" ")
        ok = hmac.compare_digest(given.encode(), expected)
        return ok and scheme.lower() == "bearer" and bool(expected)

    async def gateway(channel: Channel, body: GatewayCallback, authorization: str | None) -> Any:
        if not authorised(authorization):
            return error_response(403, "forbidden", "the gateway token is missing or wrong")
        try:
            outcome = await inbound.handle(channel, body)
        except (UnknownNotice, AckRefused) as exc:
            return error_response(409, "not_applied", str(exc))
        return {"acknowledged": outcome is not None and outcome.counted}

    @router.post("/api/v1/gateway/sms")
    async def sms_callback(
        body: GatewayCallback, authorization: Annotated[str | None, Header()] = None
    ) -> Any:
        """The SMS gateway's delivery receipts and inbound replies ("1" acknowledges)."""
        return await gateway(Channel.SMS, body, authorization)

    @router.post("/api/v1/gateway/voice")
    async def voice_callback(
        body: GatewayCallback, authorization: Annotated[str | None, Header()] = None
    ) -> Any:
        """The voice gateway's call results and keypresses (1 acknowledges)."""
        return await gateway(Channel.VOICE, body, authorization)
