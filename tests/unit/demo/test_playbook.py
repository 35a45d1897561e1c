"""The live season's cues: the same inputs as the generated season, in time order, every run."""

from __future__ import annotations

from datetime import datetime, timedelta

from schemas.api import WarningIn
from services.core.clock import BEIJING
from services.demo.agenda import Action, Agenda
from services.demo.live.view import Signals
from services.demo.season.calendar import SEASON_END, SEASON_START, season_signals
from services.demo.season.playbook import RAINFALL, WARNINGS, season_cues
from services.demo.season.rain import season_readings
from services.ingest.native import signal_from


def test_the_cues_carry_every_signal_and_reading_of_the_season_in_time_order() -> None:
    cues = season_cues(2024, SEASON_START, SEASON_END)
    assert [c.at for c in cues] == sorted(c.at for c in cues)
    warnings = [c for c in cues if c.path == WARNINGS]
    assert len(warnings) == len(season_signals())
    rows = [row for c in cues if c.path == RAINFALL for row in c.body["readings"]]
    readings = season_readings(2024)
    assert len(rows) == len(readings)
    assert round(sum(r["rainfall_mm"] for r in rows), 1) == round(sum(r.rainfall_mm for r in readings), 1)


def test_a_warning_cue_is_read_by_ingest_as_the_generated_signal() -> None:
    # The live season and the generated one must be the same season: same ids, scope, status.
    for cue in season_cues(2024, SEASON_START, SEASON_END):
        if cue.signal is None:
            continue
        read = signal_from(WarningIn.model_validate(cue.body), source="demo-season")
        assert read == cue.signal


def test_a_window_holds_only_its_own_cues_and_the_same_seed_gives_the_same_ones() -> None:
    start = datetime(2024, 5, 4, tzinfo=BEIJING)
    end = start + timedelta(days=3)
    cues = season_cues(2024, start, end)
    assert all(start <= c.at < end for c in cues)
    assert [c.what for c in cues if c.path == WARNINGS] == [
        "深圳市气象台发布宝安区福永、福海、沙井、新桥、松岗、燕罗街道暴雨橙色预警信号",
        "深圳市气象台解除宝安区福永、福海、沙井、新桥、松岗、燕罗街道暴雨橙色预警信号",
        "深圳市气象台发布宝安区石岩街道暴雨黄色预警信号",
        "深圳市气象台解除宝安区石岩街道暴雨黄色预警信号",
    ]
    assert season_cues(2024, start, end) == cues
    assert season_cues(7, start, end) != cues


async def test_the_agenda_gives_due_actions_in_time_then_insertion_order() -> None:
    agenda = Agenda()
    done: list[str] = []

    def note(name: str) -> Action:
        async def action() -> None:
            done.append(name)

        return action

    agenda.add(SEASON_START + timedelta(minutes=5), note("late"))
    agenda.add(SEASON_START, note("first"))
    agenda.add(SEASON_START, note("second"))
    for action in agenda.due(SEASON_START):
        await action()
    assert done == ["first", "second"]
    assert agenda.next_at() == SEASON_START + timedelta(minutes=5)


def test_the_view_follows_issues_upgrades_and_cancellations() -> None:
    signals = Signals()
    upgraded = [s for s in season_signals() if s.issued_at.date().isoformat() == "2024-05-16"]
    signals.apply(upgraded[0])
    assert signals.in_force() == ["暴雨黄色 全区"]
    signals.apply(upgraded[1])
    assert signals.in_force() == ["暴雨橙色 全区"]
    signals.apply(upgraded[2])
    assert signals.in_force() == []


def test_calm_hours_travel_together_and_heavy_hours_alone() -> None:
    rate = 50 / 6  # street-6h-50mm: the default rules' lowest rate
    hourly = season_cues(2024, SEASON_START, SEASON_END)
    merged = season_cues(2024, SEASON_START, SEASON_END, calm_mm_per_hour=rate)
    assert len(merged) < len(hourly) / 2
    rows = [row for c in merged if c.path == RAINFALL for row in c.body["readings"]]
    assert sorted(r["observed_at"] + r["station_id"] for r in rows) == sorted(
        r["observed_at"] + r["station_id"] for c in hourly if c.path == RAINFALL for r in c.body["readings"]
    )
    for cue in merged:
        if cue.path == RAINFALL and len({r["observed_at"] for r in cue.body["readings"]}) > 1:
            assert all(r["rainfall_mm"] < rate for r in cue.body["readings"])
            assert all(datetime.fromisoformat(r["observed_at"]) <= cue.at for r in cue.body["readings"])
    # The heavy hours before the two pre-emptive signals (46 and 41.5 mm each) still go in on the hour.
    heavy = [
        c for c in merged if c.path == RAINFALL and max(r["rainfall_mm"] for r in c.body["readings"]) >= 40
    ]
    assert len(heavy) == 4
    assert all(len({r["observed_at"] for r in c.body["readings"]}) == 1 for c in heavy)
