"""Building a :class:`WarningSignal` from what a parser read, shared by every warning format.

>>> from datetime import UTC, datetime
>>> from schemas.areas import Scope
>>> fields = SignalFields(signal_id="s1", source="cap", action=WarningAction.ISSUE,
...     status=WarningStatus.ACTUAL, issued_at=datetime(2024, 5, 4, tzinfo=UTC), scope=Scope.district())
>>> build_signal(fields, texts=["暴雨橙色预警信号"], codes=[], severity="").colour
<Colour.ORANGE: 'orange'>
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from pydantic import ValidationError

from schemas.areas import Scope
from schemas.envelope import derived_id
from schemas.warnings import Colour, Hazard, WarningAction, WarningSignal, WarningStatus
from services.ingest.errors import Rejected
from services.ingest.formats.vocabulary import (
    colour_from_name,
    colour_from_severity,
    hazard_from_code,
    hazard_from_name,
    signal_in_text,
)

__all__ = ["SignalFields", "build_signal", "clip"]

_HEADLINE_MAX = 500
_DESCRIPTION_MAX = 5000


@dataclass(frozen=True, slots=True)
class SignalFields:
    """What a format parser read, before hazard and colour are worked out."""

    signal_id: str
    source: str
    action: WarningAction
    status: WarningStatus
    issued_at: datetime
    scope: Scope
    effective_at: datetime | None = None
    expires_at: datetime | None = None
    references: tuple[str, ...] = ()
    headline: str = ""
    description: str = ""
    colour_names: tuple[str, ...] = ()


def build_signal(
    fields: SignalFields, *, texts: Sequence[str], codes: Sequence[str], severity: str
) -> WarningSignal:
    """Work out hazard and colour, then build the signal; refuse what cannot be read.

    ``texts`` are searched in order (event name first, then headline…) for a written
    signal such as 台风蓝色预警; ``codes`` are event-type codes; ``severity`` is the
    last resort for the colour, never used for a cancellation (whose severity says
    nothing about the signal it ends).
    """
    written = next((found for text in texts if (found := signal_in_text(text))), None)
    hazard = _hazard(written, texts, codes)
    colour = written[1] if written else None
    colour = colour or next((c for name in fields.colour_names if (c := colour_from_name(name))), None)
    if colour is None and fields.action is not WarningAction.CANCEL:
        colour = colour_from_severity(severity)
        if colour is None:
            raise Rejected("unknown_colour", "no signal colour in the event, headline, level or severity")
    try:
        return WarningSignal(
            event_id=derived_id("warning", fields.signal_id),
            occurred_at=fields.issued_at,
            signal_id=fields.signal_id,
            source=fields.source,
            hazard=hazard,
            colour=colour,
            action=fields.action,
            scope=fields.scope,
            status=fields.status,
            issued_at=fields.issued_at,
            effective_at=fields.effective_at,
            expires_at=fields.expires_at,
            references=fields.references,
            headline=clip(fields.headline, _HEADLINE_MAX),
            description=clip(fields.description, _DESCRIPTION_MAX),
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        path = ".".join(str(part) for part in first["loc"])
        raise Rejected("invalid_signal", str(first["msg"]), path=path) from exc


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, marked with … when cut.

    A warning is never refused for long prose: the signal matters more than its text.
    """
    cleaned = text.strip()
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"


def _hazard(written: tuple[Hazard, Colour] | None, texts: Sequence[str], codes: Sequence[str]) -> Hazard:
    if written:
        return written[0]
    for code in codes:
        if (hazard := hazard_from_code(code)) is not None:
            return hazard
    for text in texts:
        if (hazard := hazard_from_name(text)) is not None:
            return hazard
    if any(text.strip() for text in texts):
        # A named event we do not model is recorded as OTHER rather than lost.
        return Hazard.OTHER
    raise Rejected("unknown_hazard", "no event name or code says what the warning is about")
