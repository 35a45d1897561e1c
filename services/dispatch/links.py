"""Ack links: ``{public_url}/ack/{notice_id}?t={token}``, signed with the deployment's secret.

The token expires ``valid_after`` past the notice's ack deadline: a late person may
still acknowledge (and so stop their escalation), but a link does not live for ever.

>>> from datetime import UTC, datetime, timedelta
>>> links = AckLinks(b"s" * 32, "https://sanfang.example/", timedelta(hours=72))
>>> links.url("P00001", "n-1", datetime(2024, 5, 4, tzinfo=UTC)).startswith("https://sanfang.example/ack/n-1?t=")
True
"""

from __future__ import annotations

from datetime import datetime, timedelta

from services.dispatch.domain.notices import link_with
from services.dispatch.domain.tokens import AckClaim, sign_token, verify_token

__all__ = ["AckLinks"]


class AckLinks:
    """Makes and checks the tokens of ack links."""

    def __init__(self, secret: bytes, public_url: str, valid_after: timedelta) -> None:
        self._secret = secret
        self._base = public_url.rstrip("/")
        self._valid_after = valid_after

    def token(self, person_id: str, notice_id: str, ack_by: datetime) -> str:
        """The token of ``person_id``'s link to ``notice_id`` (deadline ``ack_by``)."""
        return sign_token(self._secret, person_id, notice_id, ack_by + self._valid_after)

    def url(self, person_id: str, notice_id: str, ack_by: datetime) -> str:
        """The whole link."""
        return self.link(notice_id, self.token(person_id, notice_id, ack_by))

    def link(self, notice_id: str, token: str) -> str:
        """The link of ``notice_id`` carrying a token already made."""
        return link_with(self._base, notice_id, token)

    def verify(self, token: str, now: datetime) -> AckClaim:
        """The claim of a genuine, unexpired token; ``TokenRefused`` otherwise."""
        return verify_token(self._secret, token, now)
