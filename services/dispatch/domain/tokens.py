"""Signed, expiring ack-link tokens, each bound to one person and one notice.

A token is ``<payload>.<signature>``, both base64url: the payload names the person, the
notice and the expiry (Unix seconds); the signature is HMAC-SHA256 over the payload
with the deployment's secret key, cut to 128 bits. Nothing is stored: the link proves
itself. The same inputs always give the same token, so a rebuilt notice has the same link.

>>> from datetime import UTC, datetime, timedelta
>>> at = datetime(2024, 5, 4, tzinfo=UTC)
>>> token = sign_token(b"k" * 32, "P00001", "n-1", at)
>>> verify_token(b"k" * 32, token, at - timedelta(minutes=1))
AckClaim(person_id='P00001', notice_id='n-1')
>>> verify_token(b"k" * 32, token, at)
Traceback (most recent call last):
...
services.dispatch.domain.tokens.TokenRefused: the link has expired
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime
from typing import NamedTuple

__all__ = ["AckClaim", "TokenRefused", "sign_token", "verify_token"]

_SEPARATOR = "\x1f"
_SIGNATURE_BYTES = 16


class TokenRefused(ValueError):
    """The token is forged, damaged or expired."""


class AckClaim(NamedTuple):
    """What a valid token allows: this person acknowledges this notice."""

    person_id: str
    notice_id: str


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(secret: bytes, payload: bytes) -> bytes:
    return hmac.new(secret, payload, hashlib.sha256).digest()[:_SIGNATURE_BYTES]


def sign_token(secret: bytes, person_id: str, notice_id: str, expires_at: datetime) -> str:
    """The token letting ``person_id`` acknowledge ``notice_id`` until ``expires_at``."""
    if expires_at.tzinfo is None:
        raise ValueError("the expiry must be timezone-aware")
    payload = _SEPARATOR.join((person_id, notice_id, str(int(expires_at.timestamp())))).encode()
    return f"{_b64(payload)}.{_b64(_signature(secret, payload))}"


def verify_token(secret: bytes, token: str, now: datetime) -> AckClaim:
    """The claim of a genuine, unexpired token; :class:`TokenRefused` otherwise."""
    try:
        encoded, signature = token.split(".")
        payload = _unb64(encoded)
        given = _unb64(signature)
    except ValueError as exc:  # binascii.Error is a ValueError
        raise TokenRefused("the link is damaged") from exc
    # compare_digest: the time taken must not tell a forger how much of the signature is right.
    if not hmac.compare_digest(given, _signature(secret, payload)):
        raise TokenRefused("the link is not genuine")
    try:
        person_id, notice_id, expires = payload.decode().split(_SEPARATOR)
        expiry = int(expires)
    except ValueError as exc:
        raise TokenRefused("the link is damaged") from exc
    if now.timestamp() >= expiry:
        raise TokenRefused("the link has expired")
    return AckClaim(person_id, notice_id)
