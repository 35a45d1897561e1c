"""Hostile XML never expands, never reads files or the network, and is refused with a reason."""

from __future__ import annotations

import time

import pytest

from services.ingest.errors import Rejected
from services.ingest.formats.cap import MAX_CAP_BYTES, parse_cap
from tests.unit.ingest.conftest import sample

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&lol9;</identifier></alert>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE alert [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>x</identifier><sender>s</sender>
<sent>2024-05-04T06:45:00+08:00</sent><status>Actual</status><msgType>Alert</msgType>
<info><event>&xxe;</event><description>&xxe;</description></info></alert>"""

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE alert SYSTEM "http://127.0.0.1:9/evil.dtd">
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"/>"""

PARAMETER_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE alert [<!ENTITY % remote SYSTEM "file:///etc/passwd"> %remote;]>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"/>"""

QUADRATIC = (
    b'<?xml version="1.0"?><!DOCTYPE alert [<!ENTITY a "' + b"x" * 50_000 + b'">]>'
    b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>'
    + b"&a;" * 1000
    + b"</identifier></alert>"
)


def refused(body: bytes) -> Rejected:
    started = time.perf_counter()
    with pytest.raises(Rejected) as caught:
        parse_cap(body, source="hostile")
    # Refused before any expansion: fast, and nothing of the target leaked.
    assert time.perf_counter() - started < 2.0
    assert caught.value.message
    assert "root:" not in str(caught.value)
    return caught.value


@pytest.mark.parametrize(
    "body",
    [BILLION_LAUGHS, EXTERNAL_ENTITY, EXTERNAL_DTD, PARAMETER_ENTITY, QUADRATIC],
    ids=["billion-laughs", "external-entity", "external-dtd", "parameter-entity", "quadratic-blowup"],
)
def test_dtds_and_entities_are_forbidden(body: bytes) -> None:
    assert refused(body).reason == "forbidden_xml"


def test_deep_nesting_of_ten_thousand_levels() -> None:
    body = (
        b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">'
        + b"<a>" * 10_000
        + b"</a>" * 10_000
        + b"</alert>"
    )

    rejected = refused(body)

    assert (rejected.reason, rejected.message) == ("invalid_xml", "elements nest deeper than 32 levels")


def test_huge_attribute_of_ten_megabytes() -> None:
    body = b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2" x="' + b"A" * 10_000_000 + b'"/>'

    rejected = refused(body)

    assert (rejected.reason, rejected.status) == ("too_large", 413)


def test_attribute_just_under_the_size_cap_is_still_only_a_document() -> None:
    real = sample("cap/typhoon_blue_issue.xml")
    padding = b"A" * (MAX_CAP_BYTES - len(real) - 20)
    body = real.replace(
        b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">',
        b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2" x="' + padding + b'">',
    )

    assert parse_cap(body, source="hostile").signal_id == "44030041600000_20240905081500"


def test_element_flood_is_refused() -> None:
    body = b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">' + b"<area/>" * 20_000 + b"</alert>"

    assert refused(body).message == "more than 5000 elements"


def test_xinclude_is_not_processed() -> None:
    body = sample("cap/typhoon_blue_issue.xml").replace(
        b"<description>",
        b'<description><xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file:///etc/passwd" '
        b'parse="text"/>',
    )

    signal = parse_cap(body, source="hostile")

    assert "root:" not in signal.description


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"\x00\x01",
        b"<alert",
        b"<?xml version='1.0' encoding='klingon'?><alert/>",
        "<alert>\ud800</alert>".encode("utf-8", "surrogatepass"),
        b"\xef\xbb\xbf<\xff/>",
    ],
    ids=["empty", "binary", "truncated", "unknown-encoding", "lone-surrogate", "invalid-utf8"],
)
def test_broken_documents_are_invalid_xml(body: bytes) -> None:
    assert refused(body).reason == "invalid_xml"


def test_utf16_cap_document_is_read() -> None:
    text = (
        sample("cap/rainstorm_orange_streets.xml").decode().replace('encoding="UTF-8"', 'encoding="UTF-16"')
    )

    signal = parse_cap(text.encode("utf-16"), source="utf16")

    assert signal.signal_id == "44030041600000_20240504064500"
