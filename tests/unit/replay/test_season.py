"""The generated season: the bureau's figures, rain that matches them, and determinism."""

from __future__ import annotations

from collections import defaultdict

from services.demo.season.calendar import season_signals
from services.demo.season.rain import DISTRICT_MEAN_MM, HUANGMABU, HUANGMABU_MM, season_readings
from services.replay.domain.rain import rainfall


def test_rain_totals_match_the_bureaus_figures() -> None:
    readings = season_readings(2024)
    totals: dict[str, float] = defaultdict(float)
    for reading in readings:
        totals[reading.station_id] += reading.rainfall_mm
    assert len(totals) == 21
    assert len({r.street for r in readings}) == 10
    assert round(sum(totals.values()) / len(totals), 1) == DISTRICT_MEAN_MM
    assert round(totals[HUANGMABU], 1) == HUANGMABU_MM == max(round(t, 1) for t in totals.values())
    assert rainfall(readings).district_mean_mm == DISTRICT_MEAN_MM


def test_only_the_two_pre_emptive_hours_reach_forty_millimetres() -> None:
    heavy = [r for r in season_readings(2024) if r.rainfall_mm >= 40]
    assert sorted({r.station_id for r in heavy}) == ["BA004", "BA020"]


def test_the_same_seed_gives_the_same_season() -> None:
    assert [r.event_id for r in season_readings(7)] == [r.event_id for r in season_readings(7)]
    assert [r.rainfall_mm for r in season_readings(7)] != [r.rainfall_mm for r in season_readings(8)]
    signals = season_signals()
    assert len({s.signal_id for s in signals}) == len(signals)
