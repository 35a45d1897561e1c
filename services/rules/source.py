"""Where the running rules come from: the rules file, read at start (an invalid file refuses to
start) and again on request or when it changes on disk (an invalid one is refused, and the
last good rules keep running).

>>> from services.core.clock import SystemClock
>>> from services.rules.component import default_rules_file
>>> source = RulesSource.load(default_rules_file(), SystemClock())
>>> (source.current.id, source.refused)
('baoan-default', None)
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from schemas.rules import RulesFile
from services.core.clock import Clock
from services.rules.domain.errors import Problem, RulesFileError
from services.rules.domain.rulesfile import load_rules
from services.rules.metrics import RULES_REFUSED, RULES_RELOADS

__all__ = ["Refusal", "RulesSource", "read_rules_file"]

log = logging.getLogger(__name__)


def read_rules_file(path: Path) -> RulesFile:
    """Load and validate a rules file; raises ``RulesFileError`` pointing at line and field."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RulesFileError([Problem(str(path), 0, "", f"cannot read the rules file: {exc}")]) from exc
    return load_rules(text, source=str(path))


@dataclass(frozen=True)
class Refusal:
    """A reload that was refused: when, and every problem of the file (line and field)."""

    at: datetime
    message: str


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size


class RulesSource:
    """The rules file of a running service and the rules last read from it successfully."""

    def __init__(self, path: Path, rules: RulesFile, clock: Clock) -> None:
        self.path = path
        self.current = rules
        self._clock = clock
        self.loaded_at = clock.now()
        self.refused: Refusal | None = None
        self._stamp = _stamp(path)

    @classmethod
    def load(cls, path: Path, clock: Clock) -> RulesSource:
        """Read the rules at start; an invalid file raises ``RulesFileError`` (a ConfigError)."""
        return cls(path, read_rules_file(path), clock)

    def reload(self) -> bool:
        """Read the file again. Returns True when its rules now run; an invalid file is refused
        (logged, counted, kept in ``refused``) and the rules that ran before go on."""
        self._stamp = _stamp(self.path)
        try:
            rules = read_rules_file(self.path)
        except RulesFileError as exc:
            self.refused = Refusal(at=self._clock.now(), message=str(exc))
            RULES_RELOADS.labels(outcome="refused").inc()
            RULES_REFUSED.set(1)
            log.error(  # noqa: TRY400 - the message names line and field; a traceback would bury it
                "rules reload refused, keeping %s %s: %s", self.current.id, self.current.version, exc
            )
            return False
        self.current, self.loaded_at, self.refused = rules, self._clock.now(), None
        RULES_RELOADS.labels(outcome="applied").inc()
        RULES_REFUSED.set(0)
        log.info("rules reloaded from %s: %s %s", self.path, rules.id, rules.version)
        return True

    def reload_if_changed(self) -> None:
        """Reload when the file's modification time or size changed since it was last read
        (the scheduler calls this every few seconds)."""
        if _stamp(self.path) != self._stamp:
            self.reload()
