"""Which parser reads a pushed warning: chosen by media type, and for JSON by its shape.

>>> parse_warning(b'<alert/>', "text/plain", source="api")
Traceback (most recent call last):
...
services.ingest.errors.Rejected: unsupported_media_type: content type 'text/plain' is not accepted; \
send application/json, application/cap+xml or application/xml
"""

from __future__ import annotations

from schemas.warnings import WarningSignal
from services.ingest.errors import Rejected
from services.ingest.formats import parse_cap, parse_china_json
from services.ingest.formats.china_json import MAX_JSON_BYTES
from services.ingest.formats.safe_json import load_json
from services.ingest.native import parse_native_json

__all__ = ["JSON_TYPES", "XML_TYPES", "parse_warning"]

JSON_TYPES = frozenset({"application/json"})
XML_TYPES = frozenset({"application/cap+xml", "application/xml", "text/xml"})


def parse_warning(body: bytes, media_type: str, *, source: str) -> WarningSignal:
    """Read a warning in any accepted format; raises :class:`Rejected` otherwise.

    JSON in Sanfang's own form names a ``hazard``; anything else in JSON is read as the
    public warning APIs publish it (``pubTime``, ``typeName`` …).
    """
    if media_type in XML_TYPES:
        return parse_cap(body, source=source)
    if media_type in JSON_TYPES:
        document = load_json(body, max_bytes=MAX_JSON_BYTES)
        if isinstance(document, dict) and "hazard" in document:
            return parse_native_json(body, source=source)
        return parse_china_json(body, source=source)
    raise Rejected(
        "unsupported_media_type",
        f"content type {media_type or '(none)'!r} is not accepted; "
        "send application/json, application/cap+xml or application/xml",
        status=415,
    )
