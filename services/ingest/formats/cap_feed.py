"""What a polled CAP address serves: one CAP document, or an Atom/RSS index linking to CAP documents.

>>> index = b'''<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>e1</id>
... <link rel="alternate" type="application/cap+xml" href="cap/1.xml"/></entry></feed>'''
>>> cap_links(index, base_url="https://example.org/alerts/index.atom")
['https://example.org/alerts/cap/1.xml']
>>> cap_links(b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"/>', base_url="https://x/") is None
True
"""

from __future__ import annotations

from urllib.parse import urljoin
from xml.etree.ElementTree import Element

from services.ingest.errors import Rejected
from services.ingest.formats.cap import CAP_NAMESPACE
from services.ingest.formats.safe_xml import parse_xml

__all__ = ["MAX_INDEX_BYTES", "cap_links"]

MAX_INDEX_BYTES = 2 * 1024 * 1024

_ATOM = "{http://www.w3.org/2005/Atom}"


def cap_links(body: bytes, *, base_url: str) -> list[str] | None:
    """The absolute CAP document addresses an index lists, in its order; None for a CAP alert.

    Atom: each entry's ``link`` of a CAP type (else its alternate link); RSS 2.0: each
    item's ``enclosure`` url or ``link``. Anything else is :class:`Rejected`.
    """
    root = parse_xml(body, max_bytes=MAX_INDEX_BYTES)
    if root.tag == "{" + CAP_NAMESPACE + "}alert":
        return None
    if root.tag == _ATOM + "feed":
        found = [_atom_link(entry) for entry in root.iterfind(_ATOM + "entry")]
    elif root.tag == "rss":
        found = [_rss_link(item) for item in root.iterfind("channel/item")]
    else:
        raise Rejected("not_cap", f"root is {root.tag[:80]!r}: neither a CAP alert nor an Atom/RSS index")
    absolute = (urljoin(base_url, href) for href in found if href)
    # Only web addresses: an index must not send the poller to file:// or other schemes.
    return list(dict.fromkeys(url for url in absolute if url.startswith(("http://", "https://"))))


def _atom_link(entry: Element) -> str:
    links = entry.findall(_ATOM + "link")
    for link in links:
        if "cap" in link.get("type", "").lower():
            return link.get("href", "").strip()
    for link in links:
        if link.get("rel", "alternate") == "alternate":
            return link.get("href", "").strip()
    return ""


def _rss_link(item: Element) -> str:
    enclosure = item.find("enclosure")
    if enclosure is not None and enclosure.get("url"):
        return enclosure.get("url", "").strip()
    return (item.findtext("link") or "").strip()
