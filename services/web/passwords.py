"""Officers' passwords: argon2id hashes (argon2-cffi), and the rule a new password must meet.

>>> hashed = hash_password("typhoon-duty-2024")
>>> verify_password(hashed, "typhoon-duty-2024"), verify_password(hashed, "guess")
(True, False)
>>> weakness("changeme", "duty01")
'at least 12 characters'
"""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

__all__ = ["MIN_LENGTH", "averify_password", "hash_password", "verify_password", "weakness"]

MIN_LENGTH = 12

_HASHER = PasswordHasher()  # argon2id with the library's (RFC 9106 low-memory) parameters
# Verified when the account does not exist, so a wrong username takes as long as a wrong password.
_DUMMY = _HASHER.hash("no-such-account-placeholder")

_COMMON = {
    "changeme",
    "change-me",
    "password",
    "secret",
    "admin",
    "administrator",
    "sanfang",
    "123456",
    "12345678",
    "123456789012",
    "qwertyuiop",
    "password1234",
    "admin1234567",
}


def hash_password(password: str) -> str:
    """An argon2id hash of ``password``, salt included."""
    return _HASHER.hash(password)


def verify_password(hashed: str | None, password: str) -> bool:
    """Whether ``password`` matches ``hashed``; None (no such account) never matches."""
    try:
        return _HASHER.verify(hashed or _DUMMY, password) and hashed is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


async def averify_password(hashed: str | None, password: str) -> bool:
    """``verify_password`` off the event loop: argon2 is made to be slow."""
    return await asyncio.to_thread(verify_password, hashed, password)


def weakness(password: str, username: str) -> str | None:
    """Why ``password`` may not be used, or None when it may."""
    if len(password) < MIN_LENGTH:
        return f"at least {MIN_LENGTH} characters"
    lowered = password.lower()
    if lowered in _COMMON or username.lower() in lowered:
        return "not a common password, and not containing the username"
    if len(set(password)) < 5:
        return "at least 5 different characters"
    return None
