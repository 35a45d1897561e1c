"""Who is calling: the FastAPI dependencies that turn a bearer token or session cookie into
an officer, check the role allows the action, and check the CSRF token on cookie changes.

A bearer token (``Authorization: Bearer …``) is for scripts and other systems; the web
page uses the HttpOnly, SameSite=Strict cookie and sends ``X-CSRF-Token`` with every change.

>>> async def route(caller: Annotated[Caller, Depends(auth.requires(Permission.DECIDE))]):  # doctest: +SKIP
...     ...
"""

# No "from __future__ import annotations": FastAPI reads the annotations of the dependency
# made inside ``requires`` at runtime, and they name a local.

import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer

from schemas.console import Permission
from services.core.clock import Clock
from services.core.proxies import TrustedProxies
from services.core.settings import Settings
from services.core.store import Store
from services.web.audit import Actor
from services.web.errors import Forbidden, NotAuthenticated
from services.web.roles import allows
from services.web.sessions import Officer, Sessions

__all__ = ["COOKIE", "CSRF_HEADER", "Auth", "Caller", "source_ip"]

COOKIE = "sanfang_session"
CSRF_HEADER = "X-CSRF-Token"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

_bearer = HTTPBearer(auto_error=False, description="a token from POST /api/v1/auth/login")
_cookie = APIKeyCookie(name=COOKIE, auto_error=False, description="set by POST /api/v1/auth/login")


@dataclass(frozen=True)
class Caller:
    """An authenticated officer, their token, and where the request came from."""

    officer: Officer
    token: str
    source_ip: str

    @property
    def actor(self) -> Actor:
        """The caller as the audit log names them."""
        return self.officer.actor(self.source_ip)

    def can(self, permission: Permission) -> bool:
        """Whether the caller's role allows ``permission``."""
        return allows(self.officer.role, permission)

    def need(self, permission: Permission, what: str) -> None:
        """Raise ``Forbidden`` unless the caller's role allows ``permission``."""
        if not self.can(permission):
            raise Forbidden(f"a {self.officer.role.value} may not {what}")


def source_ip(request: Request, proxies: TrustedProxies | None = None) -> str:
    """The client's address: the peer's, or, when the peer is one of ``proxies``, the one its
    ``X-Forwarded-For`` names (a header from anyone else is ignored: it is whatever they wrote).

    >>> source_ip(request, TrustedProxies.parse("10.0.0.0/8"))  # doctest: +SKIP
    """
    peer = request.client.host if request.client else "unknown"
    forwarded = ", ".join(request.headers.getlist("x-forwarded-for")) or None
    return (proxies or TrustedProxies()).client(peer, forwarded)


class Auth:
    """Builds the dependencies of every service's routes."""

    def __init__(self, sessions: Sessions) -> None:
        self.sessions = sessions

    def address(self, request: Request) -> str:
        """Where ``request`` came from, believing only the deployment's trusted proxies."""
        return source_ip(request, self.sessions.proxies)

    @classmethod
    def from_settings(cls, store: Store, clock: Clock, settings: Settings) -> "Auth":
        """The deployment's logins, for any service that checks them (they live in the
        shared database, so a rules, ingest or replay process checks the same ones)."""
        return cls(Sessions.from_settings(store, clock, settings))

    async def caller(
        self,
        request: Request,
        bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
        cookie: Annotated[str | None, Depends(_cookie)],
    ) -> Caller:
        """The authenticated caller; 401 without a live session, 403 on a cookie change
        without the session's CSRF token."""
        if bearer is not None and bearer.scheme.lower() == "bearer":
            officer = await self.sessions.resolve(bearer.credentials)
            return Caller(officer, bearer.credentials, self.address(request))
        if not cookie:
            raise NotAuthenticated("log in first (POST /api/v1/auth/login)")
        officer = await self.sessions.resolve(cookie)
        if request.method not in _SAFE_METHODS:
            sent = request.headers.get(CSRF_HEADER, "")
            if not secrets.compare_digest(sent.encode(), officer.csrf_token.encode()):
                raise Forbidden(f"missing or wrong {CSRF_HEADER} header")
        return Caller(officer, cookie, self.address(request))

    def requires(self, permission: Permission) -> Callable[..., Awaitable[Caller]]:
        """A dependency giving the caller, refusing (403) one whose role lacks ``permission``."""
        caller_dependency = self.caller

        async def dependency(caller: Annotated[Caller, Depends(caller_dependency)]) -> Caller:
            caller.need(permission, f"do this ({permission.value})")
            return caller

        return dependency
