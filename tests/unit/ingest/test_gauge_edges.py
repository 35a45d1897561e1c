"""Ingest's gauge helpers: refused rows' raw text, the CAP index reader, station health, the
shipped registry, and every docstring example in the service modules."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import services.ingest as ingest
from schemas.rainfall import GaugeReading
from services.ingest.errors import Rejected
from services.ingest.formats.cap_feed import cap_links
from services.ingest.registry import load_registry
from services.ingest.rows import row_texts
from services.ingest.station_health import station_reports

NOW = datetime(2024, 5, 4, 12, 0, tzinfo=UTC)
MODULES = sorted(f"{ingest.__name__}.{info.name}" for info in pkgutil.iter_modules(ingest.__path__))


def test_refused_rows_keep_their_own_text() -> None:
    csv = b"\xef\xbb\xbfstation_id,rainfall_mm\nBA004,1\nG9,2\n"
    assert row_texts(csv, "text/csv", ["line[3].station_id", "line[99]", "header"]) == [
        "station_id,rainfall_mm\nG9,2",
        "station_id,rainfall_mm\nBA004,1\nG9,2\n",
        "station_id,rainfall_mm\nBA004,1\nG9,2\n",
    ]
    assert row_texts('[{"a": "雨"}, 2]'.encode(), "application/json", ["[0].a", "[1]"]) == [
        '{"a": "雨"}',
        "2",
    ]


def test_a_cap_index_lists_its_documents_oldest_last_and_web_only() -> None:
    rss = b"""<rss version="2.0"><channel>
      <item><link>https://w.test/cap/2.xml</link></item>
      <item><enclosure url="/cap/1.xml" type="application/cap+xml"/></item>
      <item><link>file:///etc/passwd</link></item>
    </channel></rss>"""
    assert cap_links(rss, base_url="https://w.test/index.rss") == [
        "https://w.test/cap/2.xml",
        "https://w.test/cap/1.xml",
    ]
    with pytest.raises(Rejected, match="neither a CAP alert nor an Atom/RSS index"):
        cap_links(b"<html/>", base_url="https://w.test/")
    with pytest.raises(Rejected, match="forbidden_xml"):
        cap_links(b"<!DOCTYPE x [<!ENTITY a 'b'>]><rss>&a;</rss>", base_url="https://w.test/")


def reading(station: str, minutes_ago: int, interval: int = 5) -> GaugeReading:
    at = NOW - timedelta(minutes=minutes_ago)
    return GaugeReading(
        event_id=f"{station}-{minutes_ago}",
        occurred_at=at,
        station_id=station,
        observed_at=at,
        interval_minutes=interval,
        rainfall_mm=1.0,
    )


def test_stations_that_stop_reporting_are_silent_and_count_what_is_missing() -> None:
    registry = load_registry(None)
    latest = {"BA004": reading("BA004", 5), "BA016": reading("BA016", 45), "BA020": reading("BA020", 120, 60)}
    reports = {
        r.station.station_id: r
        for r in station_reports(registry, latest, now=NOW, silent_after=timedelta(minutes=30))
    }
    assert (reports["BA004"].state, reports["BA004"].missing) == ("reporting", 1)
    assert (reports["BA016"].state, reports["BA016"].missing) == ("silent", 9)
    assert (reports["BA020"].state, reports["BA020"].missing) == ("silent", 2)
    assert (reports["BA001"].state, reports["BA001"].latest) == ("silent", None)  # never heard
    assert reports["BA022"].state == "not_expected"  # under maintenance
    assert reports["BA099"].state == "not_expected"  # retired


def test_the_shipped_registry_is_baoan_with_huangmabu(tmp_path: Path) -> None:
    registry = load_registry(None)
    assert registry.require("BA004").name == "黄麻布"
    assert {station.street.value for station in registry} >= {"xinan", "shiyan", "songgang"}
    broken = tmp_path / "stations.csv"
    broken.write_text("station_id,name\nX,Y\n", encoding="utf-8")
    from services.core.errors import ConfigError

    with pytest.raises(ConfigError, match="missing columns"):
        load_registry(broken)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_of_the_service_modules(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(Path(__file__).resolve().parents[3])
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
