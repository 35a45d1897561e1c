"""The pure rules engine: rules files, the decision engine and its state. No IO here.

>>> from services.rules.domain import RulesState, next_deadline
>>> next_deadline(RulesState.empty()) is None
True
"""

from services.rules.domain.engine import Input, Tick, apply, apply_all, next_deadline
from services.rules.domain.errors import Problem, RulesError, RulesFileError
from services.rules.domain.rulesfile import load_rules
from services.rules.domain.staleness import Stale, Staleness
from services.rules.domain.state import RulesState
from services.rules.domain.summary import Table, summarise

__all__ = [
    "Input",
    "Problem",
    "RulesError",
    "RulesFileError",
    "RulesState",
    "Stale",
    "Staleness",
    "Table",
    "Tick",
    "apply",
    "apply_all",
    "load_rules",
    "next_deadline",
    "summarise",
]
