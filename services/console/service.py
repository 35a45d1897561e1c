"""The console of one process: its parts, built once from the wiring.

>>> console = Console.create(settings, outbox, clock)  # doctest: +SKIP
>>> await console.accounts.add(...)       # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass

from services.console.decisions import Decisions
from services.console.drills import Drills
from services.console.live import LiveBoards
from services.console.manual_notices import ManualNotices
from services.core.clock import Clock
from services.core.outbox import Outbox
from services.core.settings import Settings
from services.core.store import Store
from services.dispatch.domain.ladder import Ladder
from services.dispatch.policy_file import read_policy
from services.web.accounts import Accounts
from services.web.auth import Auth
from services.web.sessions import Sessions

__all__ = ["Console"]


@dataclass(frozen=True)
class Console:
    """Everything the console's routes use."""

    settings: Settings
    store: Store
    outbox: Outbox
    clock: Clock
    accounts: Accounts
    sessions: Sessions
    auth: Auth
    decisions: Decisions
    drills: Drills
    notices: ManualNotices
    live: LiveBoards
    ladder: Ladder

    @classmethod
    def create(cls, settings: Settings, outbox: Outbox, clock: Clock) -> Console:
        """Build the console's parts over the process's database and outbox."""
        store = outbox.store
        # Dispatch's escalation ladder, read from the same file dispatch reads, to say what comes next.
        ladder = read_policy(settings.targeting_file).escalation
        sessions = Sessions.from_settings(store, clock, settings)
        return cls(
            settings=settings,
            store=store,
            outbox=outbox,
            clock=clock,
            accounts=Accounts(store, clock),
            sessions=sessions,
            auth=Auth(sessions),
            decisions=Decisions(outbox, clock),
            drills=Drills(outbox, clock),
            notices=ManualNotices(outbox, clock),
            live=LiveBoards(store, ladder, poll=settings.console_board_poll_ms / 1000),
            ladder=ladder,
        )

    @property
    def secure_cookie(self) -> bool:
        """Whether the session cookie is sent over HTTPS only (default: in production)."""
        if self.settings.console_cookie_secure is not None:
            return self.settings.console_cookie_secure
        return self.settings.environment == "production"
