"""A street-level orange rainstorm signal for 松岗 and 沙井, over the real broker and database:
only those two streets respond; with the default rules an officer confirms first."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from schemas.areas import Street
from schemas.responses import (
    ResponseActivated,
    ResponseEnded,
    ResponseEvent,
    ResponseLevelChanged,
    ResponseProposed,
)
from schemas.warnings import Colour, Hazard
from services.core.broker import EmbeddedBroker
from services.core.clock import BEIJING, ManualClock
from tests.integration.helpers import Sanfang, running
from tests.integration.rules.support import confirmation, decided, decisions, publish, signal

pytestmark = [pytest.mark.integration, pytest.mark.slow]

RULES_ONLY = frozenset({"rules"})
RESPONSE_EVENTS = (ResponseProposed, ResponseActivated, ResponseLevelChanged, ResponseEnded)
# The orange rainstorm signal of 2024-05-04 06:45, here for two of its six streets.
T0 = datetime(2024, 5, 4, 6, 45, tzinfo=BEIJING)
ORANGE = signal(
    "44030041600000_20240504064500",
    Hazard.RAINSTORM,
    Colour.ORANGE,
    T0,
    streets=(Street.SONGGANG, Street.SHAJING),
)
AUTOMATIC_RULES = """\
id: test-automatic
version: "7"
signals:
  - {id: rainstorm-orange, hazard: rainstorm, colour: orange, level: III, bureau_confirmed: true}
confirmation: {otherwise: automatic}
"""


async def responses(sanfang: Sanfang, count: int) -> list[ResponseEvent]:
    """Wait until ``count`` decisions are on the responses topic, and return them."""
    found = await decided(sanfang.settings, sanfang.runtime.bootstrap or "", count)
    return [e for e in found if isinstance(e, RESPONSE_EVENTS)]


async def test_default_rules_propose_both_streets_and_the_officer_activates_one(
    broker: EmbeddedBroker, settings_factory, database_url: str
) -> None:
    settings = settings_factory(database_url=database_url)
    async with running(settings, broker.bootstrap, RULES_ONLY, ManualClock(T0)) as sanfang:
        await publish(settings, broker.bootstrap, ORANGE)
        proposed = await responses(sanfang, 2)
        assert sorted((e.kind, e.scope.key, e.level.value) for e in proposed) == [  # type: ignore[union-attr]
            ("response.proposed", "streets:shajing", "III"),
            ("response.proposed", "streets:songgang", "III"),
        ]
        songgang = next(e for e in proposed if e.scope.key == "streets:songgang")

        (shown,) = await decisions(sanfang.http, songgang.response_id)
        assert shown["waits_for_confirmation"] is True
        assert shown["level"] == "III"
        why = shown["explanation"]
        assert isinstance(why, dict)
        assert (why["rules_id"], why["rule"]) == ("baoan-default", "rainstorm-orange")
        assert (why["previous_level"], why["new_level"]) == (None, "III")
        assert ORANGE.event_id in why["inputs"]
        assert "松岗街道暴雨橙色预警信号" in why["summary"]
        assert "等待值班员确认" in why["summary"]

        await publish(settings, broker.bootstrap, confirmation(songgang.response_id, songgang.event_id, T0))
        after = await responses(sanfang, 3)
        activated = [e for e in after if isinstance(e, ResponseActivated)]
        assert [(e.scope.key, e.level.value, e.activated_by) for e in activated] == [
            ("streets:songgang", "III", "duty-01")
        ]
        assert all(e.scope.key != "district" for e in after)
        history = await decisions(sanfang.http, songgang.response_id)
        assert [(d["kind"], d["by"], d["previous_level"], d["level"]) for d in history] == [
            ("response.proposed", "rules", None, "III"),
            ("response.activated", "duty-01", None, "III"),
        ]
        assert "值班员duty-01确认" in str(history[1]["explanation"])
        levels = sanfang.runtime.components["rules"].handle.state.active_levels()
        assert {k: v.value for k, v in levels.items()} == {"real|streets:songgang": "III"}


async def test_with_automatic_rules_the_two_streets_activate_at_once(
    broker: EmbeddedBroker, settings_factory, tmp_path: Path
) -> None:
    rules = tmp_path / "automatic.yaml"
    rules.write_text(AUTOMATIC_RULES, encoding="utf-8")
    settings = settings_factory(rules_file=rules)
    async with running(settings, broker.bootstrap, RULES_ONLY, ManualClock(T0)) as sanfang:
        await publish(settings, broker.bootstrap, ORANGE)
        activated = await responses(sanfang, 2)
        assert sorted((e.kind, e.scope.key, e.level.value) for e in activated) == [  # type: ignore[union-attr]
            ("response.activated", "streets:shajing", "III"),
            ("response.activated", "streets:songgang", "III"),
        ]
        assert {e.explanation.rules_version for e in activated} == {"7"}
        assert {e.occurred_at for e in activated} == {T0}  # the minute of the signal
        # Those two streets only: no other street and not the district.
        levels = sanfang.runtime.components["rules"].handle.state.active_levels()
        assert {k: v.value for k, v in levels.items()} == {
            "real|streets:shajing": "III",
            "real|streets:songgang": "III",
        }
        assert len(await decided(settings, broker.bootstrap, 2)) == 2
