"""The console's errors, each with the HTTP status and reason it is answered with.

    ConsoleError (SanfangError)
    ├── NotAuthenticated      401  no valid session or token
    ├── Forbidden             403  the role does not allow it, or the CSRF token is wrong
    ├── NotFound              404  no such response, person, account …
    ├── Conflict              409  the state does not allow it (not a proposal, same officer twice …)
    ├── Invalid               422  a well-formed request that cannot be done as asked
    ├── Locked                423  the account is locked after failed logins
    └── TooManyAttempts       429  too many failed logins from one address

Routes raise them; one exception handler (``services.console.http``) turns them into the
API's error body, so no route builds an error response by hand.
"""

from __future__ import annotations

from services.core.errors import SanfangError

__all__ = [
    "Conflict",
    "ConsoleError",
    "Forbidden",
    "Invalid",
    "Locked",
    "NotAuthenticated",
    "NotFound",
    "TooManyAttempts",
]


class ConsoleError(SanfangError):
    """Root of the console's errors; ``status`` and ``reason`` say how the API answers."""

    status = 400
    reason = "bad_request"

    def __init__(self, message: str, *, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


class NotAuthenticated(ConsoleError):
    status, reason = 401, "not_authenticated"


class Forbidden(ConsoleError):
    status, reason = 403, "forbidden"


class NotFound(ConsoleError):
    status, reason = 404, "not_found"


class Conflict(ConsoleError):
    status, reason = 409, "conflict"


class Invalid(ConsoleError):
    status, reason = 422, "invalid"


class Locked(ConsoleError):
    status, reason = 423, "account_locked"


class TooManyAttempts(ConsoleError):
    status, reason = 429, "too_many_attempts"
