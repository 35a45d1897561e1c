"""What each officer's role may do; pure, so the rules of who-may-what read in one place.

The roles and permissions themselves are contracts (``schemas.console``); which role
holds which permission, and which levels need a commander, is the console's policy.

>>> allows(Role.DUTY_OFFICER, Permission.DECIDE)
True
>>> allows(Role.VIEWER, Permission.DECIDE)
False
>>> needs_commander(Level.II), needs_two_officers(Level.I)
(True, True)
"""

from __future__ import annotations

from schemas.console import Permission, Role
from schemas.responses import Level

__all__ = ["allows", "needs_commander", "needs_two_officers"]

_GRANTS: dict[Role, frozenset[Permission]] = {
    Role.VIEWER: frozenset({Permission.VIEW}),
    Role.DUTY_OFFICER: frozenset({Permission.VIEW, Permission.DECIDE, Permission.DRILL}),
    Role.COMMANDER: frozenset(
        {Permission.VIEW, Permission.DECIDE, Permission.DECIDE_HIGH, Permission.DRILL, Permission.AUDIT}
    ),
    Role.ADMINISTRATOR: frozenset({Permission.VIEW, Permission.AUDIT, Permission.ACCOUNTS, Permission.RULES}),
}


def allows(role: Role, permission: Permission) -> bool:
    """Whether ``role`` may do ``permission``."""
    return permission in _GRANTS[role]


def needs_commander(level: Level) -> bool:
    """Levels II and I are a commander's to activate, confirm, change to or end."""
    return level >= Level.II


def needs_two_officers(level: Level) -> bool:
    """A level I decision takes effect only when a second, different commander agrees."""
    return level is Level.I
