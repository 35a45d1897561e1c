"""Parsing untrusted XML: defusedxml only, no DTD, no entities, bounded size and depth.

>>> root = parse_xml(b"<a><b>1</b></a>", max_bytes=1024)
>>> root.find("b").text
'1'
"""

from __future__ import annotations

import io
from xml.etree.ElementTree import Element, ParseError

import defusedxml
import defusedxml.ElementTree as defused_et

from services.ingest.errors import Rejected

__all__ = ["MAX_DEPTH", "MAX_ELEMENTS", "parse_xml"]

MAX_DEPTH = 32
"""A CAP document is 5 levels deep; anything far deeper is not a warning."""

MAX_ELEMENTS = 5_000
"""Generous for a CAP document with several info blocks and polygons."""


def parse_xml(body: bytes, *, max_bytes: int) -> Element:
    """Parse ``body`` and return its root element, or raise :class:`Rejected`.

    DTDs (and so entity bombs and external entities) are refused outright; size, depth
    and element count are bounded before any tree is handed back.

    >>> parse_xml(b"<!DOCTYPE a [<!ENTITY x 'y'>]><a>&x;</a>", max_bytes=1024)
    Traceback (most recent call last):
    ...
    services.ingest.errors.Rejected: forbidden_xml: DTDs and entities are not accepted (DTDForbidden)
    """
    if len(body) > max_bytes:
        raise Rejected("too_large", f"document is {len(body)} bytes; the limit is {max_bytes}", status=413)
    try:
        return _walk(body)
    except Rejected:
        raise
    except defusedxml.DefusedXmlException as exc:
        raise Rejected("forbidden_xml", f"DTDs and entities are not accepted ({type(exc).__name__})") from exc
    except (ParseError, ValueError, LookupError, UnicodeError, RecursionError) as exc:
        raise Rejected("invalid_xml", f"not well-formed XML: {str(exc)[:200]}") from exc


def _walk(body: bytes) -> Element:
    root: Element | None = None
    depth = 0
    count = 0
    events = defused_et.iterparse(
        io.BytesIO(body), events=("start", "end"), forbid_dtd=True, forbid_entities=True, forbid_external=True
    )
    for event, element in events:
        if event == "end":
            depth -= 1
            continue
        depth += 1
        count += 1
        if root is None:
            root = element
        if depth > MAX_DEPTH:
            raise Rejected("invalid_xml", f"elements nest deeper than {MAX_DEPTH} levels")
        if count > MAX_ELEMENTS:
            raise Rejected("invalid_xml", f"more than {MAX_ELEMENTS} elements")
    if root is None:
        raise Rejected("invalid_xml", "the document has no root element")
    return root
