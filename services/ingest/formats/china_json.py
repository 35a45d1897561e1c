"""JSON warnings in the shape of China's public weather-warning APIs (QWeather and kin).

Accepted shape — one warning object, alone or as the only element of a ``warning``
(QWeather v7) or ``alerts`` (QWeather v1) list; :func:`parse_china_json_feed` takes lists::

    {"id": "44030641600000_20240504064500",      # required; a GB/T 35965.1 id where the feed has one
     "sender": "深圳市宝安区气象台",
     "pubTime": "2024-05-04T06:45+08:00",          # required (v1: issuedTime); naive = Beijing time
     "startTime": "...", "endTime": "...",         # v1: effectiveTime / onsetTime, expireTime
     "title": "宝安区气象台发布暴雨橙色预警信号",    # v1: headline
     "status": "active" | "update" | "cancel",     # also 预警中 / 预警解除; v1: messageType.code
     "severity": "Severe", "severityColor": "Orange", "level": "橙色",   # v1: color.code
     "type": "1003", "typeName": "暴雨",           # QWeather 10nn or GB/T 11Bnn; v1: eventType
     "text": "...",                                # v1: description
     "related": "id1,id2",                         # string or list; v1: messageType.supersedes
     "areaDesc": "松岗、沙井街道"}                  # optional; else the title names the area

These feeds carry no CAP status: every message is ``actual``. The streets are read from
``areaDesc`` or the title, never from the free text, which mentions places for context.

>>> body = '{"id": "w1", "pubTime": "2024-05-04T06:45+08:00", "title": "宝安区气象台发布暴雨橙色预警信号", '
>>> body += '"status": "active"}'
>>> signal = parse_china_json(body.encode(), source="qweather")
>>> signal.hazard, signal.colour, signal.scope.kind
(<Hazard.RAINSTORM: 'rainstorm'>, <Colour.ORANGE: 'orange'>, 'district')
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from schemas.warnings import WarningAction, WarningSignal, WarningStatus
from services.ingest.errors import Rejected
from services.ingest.formats.assemble import SignalFields, build_signal
from services.ingest.formats.safe_json import load_json
from services.ingest.formats.scope import scope_of_areas
from services.ingest.formats.times import parse_time

__all__ = ["MAX_JSON_BYTES", "parse_china_json", "parse_china_json_feed"]

MAX_JSON_BYTES = 1024 * 1024

_ACTIONS = {
    "active": WarningAction.ISSUE,
    "alert": WarningAction.ISSUE,
    "预警中": WarningAction.ISSUE,
    "发布": WarningAction.ISSUE,
    "update": WarningAction.UPDATE,
    "更新": WarningAction.UPDATE,
    "cancel": WarningAction.CANCEL,
    "预警解除": WarningAction.CANCEL,
    "解除": WarningAction.CANCEL,
}


def parse_china_json(body: bytes, *, source: str) -> WarningSignal:
    """Parse one JSON warning into a :class:`WarningSignal`; refuse with :class:`Rejected`.

    >>> parse_china_json(b'{"warning": []}', source="qweather")
    Traceback (most recent call last):
    ...
    services.ingest.errors.Rejected: not_one_warning at warning: expected exactly one warning, got 0
    """
    items, key = _items(load_json(body, max_bytes=MAX_JSON_BYTES))
    if len(items) != 1:
        raise Rejected("not_one_warning", f"expected exactly one warning, got {len(items)}", path=key)
    return _parsed(items[0], source, f"{key}[0]" if key else "")


def parse_china_json_feed(body: bytes, *, source: str) -> list[WarningSignal]:
    """Parse a feed answer (``{"warning": [...]}``, ``{"alerts": [...]}``) or one warning.

    One unreadable warning refuses the whole answer, with its index in the path.

    >>> parse_china_json_feed(b'{"code": "200", "warning": []}', source="qweather")
    []
    """
    items, key = _items(load_json(body, max_bytes=MAX_JSON_BYTES))
    return [_parsed(item, source, f"{key}[{index}]" if key else "") for index, item in enumerate(items)]


def _parsed(item: Any, source: str, path: str) -> WarningSignal:
    try:
        return _signal(item, source, path)
    except Rejected:
        raise
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        raise Rejected("invalid_warning", f"cannot read the warning: {str(exc)[:200]}", path=path) from exc


def _items(document: Any) -> tuple[list[Any], str]:
    if not isinstance(document, dict):
        raise Rejected("invalid_warning", "expected a JSON object")
    for key in ("warning", "alerts"):
        if key in document:
            items = document[key]
            if not isinstance(items, list):
                raise Rejected("invalid_warning", "expected a list", path=key)
            return items, key
    return [document], ""


def _signal(item: Any, source: str, path: str) -> WarningSignal:
    if not isinstance(item, dict):
        raise Rejected("invalid_warning", "expected a JSON object", path=path)
    at = f"{path}." if path else ""
    message_type = _object(item, "messageType", at)
    event_type = _object(item, "eventType", at)
    title = _string(item, ("title", "headline"), at)
    description = _string(item, ("text", "description"), at)
    fields = SignalFields(
        signal_id=_required(item, ("id", "alertId"), at),
        source=source,
        action=_action(_string(message_type, ("code",), at) or _string(item, ("status",), at), at),
        status=WarningStatus.ACTUAL,
        issued_at=parse_time(_required(item, ("pubTime", "issuedTime"), at), path=f"{at}pubTime"),
        scope=scope_of_areas([(_string(item, ("areaDesc",), at) or title, ())], path=f"{at}title"),
        effective_at=_time(item, ("startTime", "effectiveTime", "onsetTime"), at),
        expires_at=_time(item, ("endTime", "expireTime"), at),
        references=_references(message_type.get("supersedes") or item.get("related"), at),
        headline=title,
        description=description,
        colour_names=(
            _string(item, ("severityColor",), at),
            _string(item, ("level",), at),
            _string(_object(item, "color", at), ("code",), at),
        ),
    )
    names = [_string(event_type, ("name",), at) or _string(item, ("typeName",), at), title]
    codes = [_string(event_type, ("code",), at) or _string(item, ("type",), at)]
    try:
        return build_signal(fields, texts=names, codes=codes, severity=_string(item, ("severity",), at))
    except Rejected as exc:
        raise Rejected(exc.reason, exc.message, path=exc.path or path, status=exc.status) from exc


def _action(text: str, at: str) -> WarningAction:
    action = _ACTIONS.get(text.strip().lower())
    if action is None:
        raise Rejected(
            "unknown_status", f"status {text[:40]!r} is not active, update or cancel", path=f"{at}status"
        )
    return action


def _references(value: Any, at: str) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        value = value.replace(";", ",").split(",")
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise Rejected("invalid_field", "expected a string or a list of strings", path=f"{at}related")
    return tuple(dict.fromkeys(v.strip() for v in value if v.strip()))


def _time(item: Mapping[str, Any], keys: tuple[str, ...], at: str) -> datetime | None:
    for key in keys:
        if text := _string(item, (key,), at):
            return parse_time(text, path=f"{at}{key}")
    return None


def _object(item: Mapping[str, Any], key: str, at: str) -> Mapping[str, Any]:
    value = item.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise Rejected("invalid_field", "expected a JSON object", path=f"{at}{key}")
    return value


def _string(item: Mapping[str, Any], keys: tuple[str, ...], at: str) -> str:
    for key in keys:
        value = item.get(key)
        if value is None:
            continue
        # Some feeds send numeric ids and codes as numbers; bool is an int but never an id.
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        if not isinstance(value, str):
            raise Rejected(
                "invalid_field", f"expected a string, got {type(value).__name__}", path=f"{at}{key}"
            )
        if value.strip():
            return value.strip()
    return ""


def _required(item: Mapping[str, Any], keys: tuple[str, ...], at: str) -> str:
    value = _string(item, keys, at)
    if not value:
        raise Rejected("missing_field", f"{' or '.join(keys)} is required", path=f"{at}{keys[0]}")
    return value
