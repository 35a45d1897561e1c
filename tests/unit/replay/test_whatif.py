"""The what-if of the demo season under the stricter and the looser rules files."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.replay.domain.ledger import Ledger
from services.replay.domain.whatif import WhatIf, what_if
from services.rules.service import read_rules_file

RULES = Path(__file__).resolve().parents[3] / "rules"


@pytest.fixture(scope="module")
def strict(season_ledger: Ledger) -> WhatIf:
    return what_if(season_ledger, read_rules_file(RULES / "strict.yaml"))


@pytest.fixture(scope="module")
def loose(season_ledger: Ledger) -> WhatIf:
    return what_if(season_ledger, read_rules_file(RULES / "loose.yaml"))


def test_the_recorded_rules_reproduce_the_season_exactly(season_ledger: Ledger) -> None:
    same = what_if(season_ledger, read_rules_file(RULES / "default.yaml"))
    assert same.recorded_activations == same.what_if_activations
    assert (same.gained, same.lost, same.earlier, same.later, same.higher, same.lower) == ((), (), 0, 0, 0, 0)
    assert same.assumed_confirmations == 0


def test_stricter_rules_activate_more_earlier_and_higher(strict: WhatIf) -> None:
    assert strict.what_if_activations > strict.recorded_activations
    assert strict.gained, "rain alone now activates streets the district response covered"
    assert all(i.scope.startswith("streets:") for i in strict.gained)
    assert strict.earlier > 0
    assert strict.higher > 0
    assert strict.lower == 0
    assert strict.later == 0
    # Rainstorm yellow activates at once instead of waiting minutes for an officer.
    assert min(s.start_seconds for s in strict.shifted) <= -120
    # Typhoon blue is level III under the strict file, IV in the record.
    blue = [s for s in strict.shifted if s.recorded.scope == "district" and s.recorded.first_level == "IV"]
    assert any(s.what_if.first_level == "III" for s in blue)


def test_looser_rules_activate_lower_and_lose_the_pre_emptive_lead(loose: WhatIf) -> None:
    assert loose.lower > 0
    assert loose.higher == 0
    assert not loose.gained
    # The two streets activated on rain alone now wait for their rainstorm signal.
    late = [s for s in loose.shifted if s.start_seconds > 3600]
    assert {s.recorded.scope for s in late} == {"streets:shiyan", "streets:xixiang"}
    assert all(s.recorded.first_level == "IV" for s in late)
