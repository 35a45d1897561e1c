"""The API's typed errors, each with the HTTP status and reason it is answered with.

    ApiError (SanfangError)
    ├── NotAuthenticated      401  no valid session or token
    ├── Forbidden             403  the role does not allow it, or the CSRF token is wrong
    ├── NotFound              404  no such response, person, account …
    ├── Conflict              409  the state does not allow it (not a proposal, same officer twice …)
    ├── Invalid               422  a well-formed request that cannot be done as asked
    ├── Locked                423  the account is locked after failed logins
    └── TooManyAttempts       429  too many failed logins from one address

Routes raise them; one exception handler (``services.web.routes``) turns them into the
API's error body, so no route builds an error response by hand.
"""

from __future__ import annotations

from services.core.errors import SanfangError

__all__ = [
    "ApiError",
    "Conflict",
    "Forbidden",
    "Invalid",
    "Locked",
    "NotAuthenticated",
    "NotFound",
    "TooManyAttempts",
]


class ApiError(SanfangError):
    """Root of the API's errors; ``status`` and ``reason`` say how the API answers."""

    status = 400
    reason = "bad_request"

    def __init__(self, message: str, *, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


class NotAuthenticated(ApiError):
    status, reason = 401, "not_authenticated"


class Forbidden(ApiError):
    status, reason = 403, "forbidden"


class NotFound(ApiError):
    status, reason = 404, "not_found"


class Conflict(ApiError):
    status, reason = 409, "conflict"


class Invalid(ApiError):
    status, reason = 422, "invalid"


class Locked(ApiError):
    status, reason = 423, "account_locked"


class TooManyAttempts(ApiError):
    status, reason = 429, "too_many_attempts"
