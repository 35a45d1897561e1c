"""A proposal nobody answered, dropped by the rules, is reported as overtaken with its reason."""

from __future__ import annotations

from schemas.areas import Street
from schemas.responses import Level
from schemas.warnings import Colour, Hazard
from services.rules.domain.decisions import overtaken
from tests.unit.rules.factories import cancel, confirm, rules_file, run, signal, streets, tick

DEFAULT = rules_file("default")
RS = Hazard.RAINSTORM
TY = Hazard.TYPHOON
SONGGANG = streets(Street.SONGGANG)


def test_a_cancelled_signal_closes_its_proposal_with_the_signal_named() -> None:
    before, events = run(DEFAULT, [signal("w1", RS, Colour.ORANGE, scope=SONGGANG)])
    assert [e.kind for e in events] == ["response.proposed"]
    after, decided = run(DEFAULT, [cancel("w2", RS, minute=10, scope=SONGGANG), tick(600)], before)
    closed = overtaken(before, after, decided)
    assert [(c.response_id, c.level, c.running) for c in closed] == [(events[0].response_id, Level.III, None)]
    zh, en = closed[0].reason
    assert "松岗街道暴雨橙色预警信号" in zh
    assert "no longer in force" in en


def test_a_confirmed_or_answered_proposal_is_not_overtaken() -> None:
    before, events = run(DEFAULT, [signal("w1", RS, Colour.ORANGE, scope=SONGGANG)])
    after, decided = run(DEFAULT, [confirm(events[0].response_id, minute=2)], before)
    assert overtaken(before, after, decided, [events[0].response_id]) == []


def test_a_raise_overtaken_by_the_cancel_falls_back_to_the_running_level() -> None:
    before, events = run(DEFAULT, [signal("w1", TY, Colour.BLUE), signal("w2", TY, Colour.ORANGE, minute=5)])
    assert [e.kind for e in events] == ["response.activated", "response.proposed"]
    after, decided = run(DEFAULT, [cancel("w3", TY, minute=20), tick(900)], before)
    closed = overtaken(before, after, decided)
    assert len(closed) == 1
    assert closed[0].level is Level.II


def test_a_street_proposal_is_closed_when_a_district_response_covers_it() -> None:
    before, events = run(DEFAULT, [signal("w1", RS, Colour.ORANGE, scope=SONGGANG)])
    assert [e.kind for e in events] == ["response.proposed"]
    after, decided = run(DEFAULT, [signal("w2", TY, Colour.YELLOW, minute=5)], before)
    assert [(e.kind, e.scope.kind) for e in decided] == [("response.activated", "district")]
    closed = overtaken(before, after, decided)
    assert [(c.response_id, c.level, c.running) for c in closed] == [(events[0].response_id, Level.III, None)]
    assert closed[0].reason == (
        "全区Ⅲ级应急响应已覆盖本街道",
        "the district-wide level III response covers this street",
    )


def test_a_district_response_below_the_street_proposal_leaves_it_waiting() -> None:
    before, _ = run(DEFAULT, [signal("w1", RS, Colour.ORANGE, scope=SONGGANG)])
    after, decided = run(DEFAULT, [signal("w2", TY, Colour.BLUE, minute=5)], before)
    assert [e.kind for e in decided] == ["response.activated"]
    assert overtaken(before, after, decided) == []
    assert after.tracks["real|streets:songgang"].proposal is not None
