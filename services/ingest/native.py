"""Sanfang's own JSON warning form, read into a :class:`WarningSignal`.

>>> signal = parse_native_json(
...     b'{"id": "w1", "hazard": "typhoon", "colour": "blue", "issued_at": "2024-06-01T08:00:00+08:00"}',
...     source="api")
>>> (signal.hazard.value, signal.colour.value, signal.scope.kind)
('typhoon', 'blue', 'district')
"""

from __future__ import annotations

from pydantic import ValidationError

from schemas.api import WarningIn
from schemas.envelope import derived_id
from schemas.warnings import WarningAction, WarningSignal
from services.ingest.errors import Rejected
from services.ingest.formats.china_json import MAX_JSON_BYTES
from services.ingest.formats.safe_json import load_json

__all__ = ["parse_native_json", "signal_from", "validation_rejection"]


def parse_native_json(body: bytes, *, source: str) -> WarningSignal:
    """Read a warning in Sanfang's JSON form; raises :class:`Rejected` for anything invalid."""
    document = load_json(body, max_bytes=MAX_JSON_BYTES)
    if not isinstance(document, dict):
        raise Rejected("invalid_warning", "expected a JSON object")
    try:
        warning = WarningIn.model_validate(document)
    except ValidationError as exc:
        raise validation_rejection(exc) from exc
    return signal_from(warning, source=source)


def signal_from(warning: WarningIn, *, source: str) -> WarningSignal:
    """The normalised signal of a validated warning."""
    if warning.action is not WarningAction.CANCEL and warning.colour is None:
        raise Rejected("missing_colour", "an issued or updated signal needs a colour", path="colour")
    return WarningSignal(
        event_id=derived_id("warning", warning.id),
        occurred_at=warning.issued_at,
        signal_id=warning.id,
        source=source,
        hazard=warning.hazard,
        colour=warning.colour,
        action=warning.action,
        scope=warning.scope(),
        status=warning.status,
        issued_at=warning.issued_at,
        expires_at=warning.expires_at,
        references=warning.references,
        headline=warning.headline,
        description=warning.description,
    )


def validation_rejection(error: ValidationError) -> Rejected:
    """One :class:`Rejected` naming the first invalid field and listing every problem."""
    problems = error.errors(include_url=False)
    first = problems[0]
    path = ".".join(str(part) for part in first["loc"])
    reason = "missing_field" if first["type"] == "missing" else "invalid_field"
    if first["type"] == "enum" and path in ("colour", "hazard", "status", "action"):
        reason = f"unknown_{path}"
    if first["type"] == "value_error" and path in ("issued_at", "expires_at"):
        reason = "invalid_time"  # as every other format names a time out of range
    message = "; ".join(
        f"{'.'.join(str(p) for p in problem['loc']) or '(body)'}: {problem['msg']}" for problem in problems
    )
    return Rejected(reason, message, path=path)
