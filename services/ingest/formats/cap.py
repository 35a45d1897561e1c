"""CAP 1.2 (OASIS Common Alerting Protocol) warnings, as Chinese observatories publish them.

Read: ``identifier``, ``sender`` (required, not kept), ``sent``, ``status``, ``msgType``
and ``references`` of the alert; of the chosen ``info`` block (Chinese first: zh-CN,
then any zh-*, else the first) ``event``, ``eventCode``, ``severity``, a colour
``parameter`` (颜色/color/level), ``effective`` (else ``onset``), ``expires``,
``headline``, ``description`` and every ``area``'s ``areaDesc`` and ``geocode`` values.
Not used: ``urgency`` and ``certainty`` (the colour already grades the signal),
``instruction``, and ``polygon``/``circle`` (response plans name streets, not shapes).

>>> from pathlib import Path
>>> body = Path("tests/samples/cap/typhoon_blue_issue.xml").read_bytes()
>>> parse_cap(body, source="szmb-cap").colour
<Colour.BLUE: 'blue'>
"""

from __future__ import annotations

from datetime import datetime
from xml.etree.ElementTree import Element

from schemas.warnings import WarningAction, WarningSignal, WarningStatus
from services.ingest.errors import Rejected
from services.ingest.formats.assemble import SignalFields, build_signal
from services.ingest.formats.safe_xml import parse_xml
from services.ingest.formats.scope import Area, scope_of_areas
from services.ingest.formats.times import parse_time

__all__ = ["CAP_NAMESPACE", "MAX_CAP_BYTES", "parse_cap"]

CAP_NAMESPACE = "urn:oasis:names:tc:emergency:cap:1.2"
MAX_CAP_BYTES = 512 * 1024
"""A real signal is a few kilobytes; the HTTP layer has its own (413) limit too."""

_NS = "{" + CAP_NAMESPACE + "}"
_STATUS = {status.value: status for status in WarningStatus}
_ACTIONS = {"alert": WarningAction.ISSUE, "update": WarningAction.UPDATE, "cancel": WarningAction.CANCEL}


def parse_cap(body: bytes, *, source: str) -> WarningSignal:
    """Parse one CAP 1.2 document into a :class:`WarningSignal`.

    Raises :class:`Rejected` (and nothing else) for anything it cannot take: malformed
    or hostile XML, another namespace, ``Ack``/``Error`` messages, an unknown status, a
    signal without hazard or colour, an area outside Bao'an.

    >>> parse_cap(b"<alert/>", source="test")
    Traceback (most recent call last):
    ...
    services.ingest.errors.Rejected: not_cap at alert: root is 'alert', expected CAP 1.2 <alert>
    """
    try:
        return _parse(parse_xml(body, max_bytes=MAX_CAP_BYTES), source)
    except Rejected:
        raise
    except (ValueError, KeyError, TypeError, IndexError, AttributeError, RecursionError) as exc:
        raise Rejected("invalid_cap", f"cannot read the CAP document: {str(exc)[:200]}") from exc


def _parse(root: Element, source: str) -> WarningSignal:
    if root.tag != _NS + "alert":
        raise Rejected("not_cap", f"root is {root.tag[:80]!r}, expected CAP 1.2 <alert>", path="alert")
    _required(root, "sender", "alert")
    status = _status(_required(root, "status", "alert"))
    action = _action(_required(root, "msgType", "alert"))
    issued_at = parse_time(_required(root, "sent", "alert"), path="alert/sent")
    info, info_path = _chinese_info(root)
    areas: list[Area] = [
        (_text(area, "areaDesc"), [_text(code, "value") for code in area.iterfind(_NS + "geocode")])
        for area in info.iterfind(_NS + "area")
    ]
    event = _required(info, "event", info_path)
    headline = _text(info, "headline")
    fields = SignalFields(
        signal_id=_required(root, "identifier", "alert"),
        source=source,
        action=action,
        status=status,
        issued_at=issued_at,
        scope=scope_of_areas(areas, path=f"{info_path}/area"),
        effective_at=_time(info, ("effective", "onset"), info_path),
        expires_at=_time(info, ("expires",), info_path),
        references=_references(_text(root, "references")),
        headline=headline,
        description=_text(info, "description"),
        colour_names=tuple(_parameters(info, ("color", "colour", "颜色", "level", "预警级别"))),
    )
    codes = [_text(code, "value") for code in info.iterfind(_NS + "eventCode")]
    try:
        return build_signal(fields, texts=[event, headline], codes=codes, severity=_text(info, "severity"))
    except Rejected as exc:
        raise Rejected(exc.reason, exc.message, path=exc.path or info_path, status=exc.status) from exc


def _chinese_info(root: Element) -> tuple[Element, str]:
    infos = root.findall(_NS + "info")
    if not infos:
        raise Rejected("missing_field", "a CAP alert needs at least one <info>", path="alert/info")
    # CAP's default language is en-US; Chinese observatories put zh-CN first, but do not
    # count on the order.
    languages = [_text(info, "language").lower() or "en-us" for info in infos]
    for wanted in ("zh-cn", "zh"):
        for index, language in enumerate(languages):
            if language == wanted or (wanted == "zh" and language.startswith("zh")):
                return infos[index], f"alert/info[{index}]"
    return infos[0], "alert/info[0]"


def _status(text: str) -> WarningStatus:
    status = _STATUS.get(text.lower())
    if status is None:
        raise Rejected("unknown_status", f"status {text[:40]!r} is not a CAP status", path="alert/status")
    return status


def _action(text: str) -> WarningAction:
    lowered = text.lower()
    if lowered in ("ack", "error"):
        raise Rejected("unsupported_msgtype", f"msgType {text} carries no warning", path="alert/msgType")
    action = _ACTIONS.get(lowered)
    if action is None:
        raise Rejected("unknown_msgtype", f"msgType {text[:40]!r} is not a CAP msgType", path="alert/msgType")
    return action


def _references(text: str) -> tuple[str, ...]:
    # CAP writes each reference as "sender,identifier,sent", space separated; some feeds
    # put the bare identifier, which is all we keep anyway.
    identifiers: list[str] = []
    for entry in text.split():
        parts = entry.split(",")
        identifier = parts[1] if len(parts) == 3 else parts[0] if len(parts) == 1 else ""
        if not identifier.strip():
            raise Rejected(
                "invalid_references", f"{entry[:80]!r} is not sender,identifier,sent", path="alert/references"
            )
        identifiers.append(identifier.strip())
    return tuple(dict.fromkeys(identifiers))


def _parameters(info: Element, names: tuple[str, ...]) -> list[str]:
    return [
        _text(parameter, "value")
        for parameter in info.iterfind(_NS + "parameter")
        if _text(parameter, "valueName").lower() in names
    ]


def _time(info: Element, names: tuple[str, ...], info_path: str) -> datetime | None:
    for name in names:
        if text := _text(info, name):
            return parse_time(text, path=f"{info_path}/{name}")
    return None


def _text(element: Element, name: str) -> str:
    child = element.find(_NS + name)
    return (child.text or "").strip() if child is not None else ""


def _required(element: Element, name: str, path: str) -> str:
    text = _text(element, name)
    if not text:
        raise Rejected("missing_field", f"<{name}> is required", path=f"{path}/{name}")
    return text
