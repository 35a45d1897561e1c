"""What a duty officer's console tells the rules: confirm or reject a proposal, set or end a
level by hand.

>>> from datetime import UTC, datetime
>>> from schemas.responses import Level
>>> cmd = ManualLevelSet(event_id="c1", occurred_at=datetime(2024, 5, 4, tzinfo=UTC),
...                      scope=Scope.district(), level=Level.III, officer="duty-01", reason="会商决定")
>>> cmd.kind
'command.manual_level_set'
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from schemas.areas import Scope
from schemas.envelope import Event
from schemas.responses import Level

__all__ = ["Command", "ManualEnd", "ManualLevelSet", "ProposalConfirmed", "ProposalRejected"]

_Officer = Annotated[str, Field(min_length=1, max_length=64, description="the duty officer's id")]


_ProposalEventId = Annotated[
    str | None,
    Field(
        default=None,
        max_length=64,
        description=(
            "the event id of the ResponseProposed the officer saw (it or one of its re-raises); "
            "when given and the pending proposal is no longer that one (its level changed since), "
            "the command changes nothing"
        ),
    ),
]


class ProposalConfirmed(Event):
    """The officer confirms the pending proposal of ``response_id``; it takes effect now.

    Give ``proposal_event_id`` so that a proposal replaced meanwhile (say III became II while
    the officer was reading) is not confirmed at a level the officer never saw.
    """

    kind: Literal["command.proposal_confirmed"] = "command.proposal_confirmed"
    schema_version: Literal[1] = 1
    response_id: str = Field(min_length=1, max_length=64)
    proposal_event_id: _ProposalEventId = None
    officer: _Officer
    note: str = Field(default="", max_length=1000)


class ProposalRejected(Event):
    """The officer rejects the pending proposal of ``response_id``; it is dropped and the same
    level is not proposed again while its causes last. ``proposal_event_id`` as for
    :class:`ProposalConfirmed`."""

    kind: Literal["command.proposal_rejected"] = "command.proposal_rejected"
    schema_version: Literal[1] = 1
    response_id: str = Field(min_length=1, max_length=64)
    proposal_event_id: _ProposalEventId = None
    officer: _Officer
    note: str = Field(default="", max_length=1000)


class ManualLevelSet(Event):
    """The officer activates ``scope`` at ``level``, or changes its level, by hand.

    A level set by hand is never lowered or ended by the rules; a district scope sets the
    district response, a street scope one response per street.
    """

    kind: Literal["command.manual_level_set"] = "command.manual_level_set"
    schema_version: Literal[1] = 1
    scope: Scope
    level: Level
    drill: bool = False
    officer: _Officer
    reason: str = Field(default="", max_length=1000)


class ManualEnd(Event):
    """The officer ends the response ``response_id``, whatever its causes."""

    kind: Literal["command.manual_end"] = "command.manual_end"
    schema_version: Literal[1] = 1
    response_id: str = Field(min_length=1, max_length=64)
    officer: _Officer
    reason: str = Field(default="", max_length=1000)


Command = ProposalConfirmed | ProposalRejected | ManualLevelSet | ManualEnd
