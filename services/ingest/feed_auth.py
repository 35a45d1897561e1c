"""Which feed pushed: ``Authorization: Bearer <token>`` against the tokens of ``SANFANG_INGEST_TOKENS``.

With tokens configured a push must carry one of them: none is refused as ``unauthenticated``
(401), one that is not configured as ``forged_token`` (403). Without tokens (development
only: production refuses to start) pushes are open and come from no named feed.

>>> from pydantic import SecretStr
>>> feeds = FeedAuth({"gauges": SecretStr("g" * 24)})
>>> feeds.feed_of(HTTPAuthorizationCredentials(scheme="Bearer", credentials="g" * 24))
'gauges'
>>> feeds.feed_of(None)
Traceback (most recent call last):
...
services.ingest.errors.Rejected: unauthenticated: send the feed's token: Authorization: Bearer <token>
>>> push_source("/api/v1/rainfall", "gauges"), push_source("/api/v1/rainfall", None)
('api:gauges /api/v1/rainfall', 'api:/api/v1/rainfall')
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping

from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import SecretStr

from services.ingest.errors import Rejected

__all__ = ["FeedAuth", "feed_bearer", "push_source", "signal_source"]

feed_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="FeedToken",
    description="the feed's token from SANFANG_INGEST_TOKENS (required whenever tokens are configured)",
)
"""The dependency that reads the bearer credentials (and puts the scheme in the OpenAPI document)."""


class FeedAuth:
    """The feeds that may push, by token; open to anyone while no token is configured."""

    def __init__(self, tokens: Mapping[str, SecretStr]) -> None:
        self._tokens = [(name, token.get_secret_value().encode()) for name, token in tokens.items()]

    @property
    def names(self) -> list[str]:
        """The names of the feeds that may push; empty while pushes are open."""
        return [name for name, _ in self._tokens]

    def feed_of(self, credentials: HTTPAuthorizationCredentials | None) -> str | None:
        """The name of the feed whose token came, ``None`` while pushes are open.

        Raises :class:`Rejected`: 401 ``unauthenticated`` without bearer credentials, 403
        ``forged_token`` when the token is none of the configured ones. Every token is
        compared (``hmac.compare_digest``), so the time taken tells nothing about which is near.
        """
        if not self._tokens:
            return None
        if credentials is None:
            raise Rejected(
                "unauthenticated", "send the feed's token: Authorization: Bearer <token>", status=401
            )
        given = credentials.credentials.encode()
        found = None
        for name, token in self._tokens:
            if hmac.compare_digest(given, token):
                found = name
        if found is None:
            raise Rejected("forged_token", "the bearer token is not one of the feeds' tokens", status=403)
        return found


def push_source(path: str, feed: str | None) -> str:
    """Where a push came from, as dead letters and metrics name it: ``api:<feed> <path>``, or
    ``api:<path>`` when no feed is known (pushes open, or refused before one was)."""
    return f"api:{feed} {path}" if feed else f"api:{path}"


def signal_source(feed: str | None) -> str:
    """The ``source`` of a pushed warning: ``api:<feed>``, or ``api`` while pushes are open."""
    return f"api:{feed}" if feed else "api"
