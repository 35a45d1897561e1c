"""Officers' roles and what each may do; pure, so the rules of who-may-what read in one place.

>>> Role.DUTY_OFFICER.allows(Permission.DECIDE)
True
>>> Role.VIEWER.allows(Permission.DECIDE)
False
>>> needs_commander(Level.II), needs_two_officers(Level.I)
(True, True)
"""

from __future__ import annotations

from enum import StrEnum

from schemas.responses import Level

__all__ = ["Permission", "Role", "needs_commander", "needs_two_officers"]


class Permission(StrEnum):
    """Something an officer may be allowed to do."""

    VIEW = "view"  # responses, boards, persons' histories, drills
    DECIDE = "decide"  # confirm / reject, set or end levels IV, III and watch, ack on behalf, notices
    DECIDE_HIGH = "decide_high"  # the same for levels II and I
    DRILL = "drill"  # start or schedule drills
    AUDIT = "audit"  # read and export the audit log
    ACCOUNTS = "accounts"  # add, list and disable officers' accounts
    RULES = "rules"  # reload the rules file


class Role(StrEnum):
    """An officer's role. Administrators manage accounts and read the audit log but take no
    operational decision: duties are separated, as a government network expects."""

    VIEWER = "viewer"
    DUTY_OFFICER = "duty_officer"
    COMMANDER = "commander"
    ADMINISTRATOR = "administrator"

    @property
    def chinese(self) -> str:
        """The role's name on the page."""
        return _CHINESE[self]

    def allows(self, permission: Permission) -> bool:
        """Whether this role may do ``permission``."""
        return permission in _GRANTS[self]


_CHINESE = {
    Role.VIEWER: "观察员",
    Role.DUTY_OFFICER: "值班员",
    Role.COMMANDER: "指挥长",
    Role.ADMINISTRATOR: "管理员",
}

_GRANTS: dict[Role, frozenset[Permission]] = {
    Role.VIEWER: frozenset({Permission.VIEW}),
    Role.DUTY_OFFICER: frozenset({Permission.VIEW, Permission.DECIDE, Permission.DRILL}),
    Role.COMMANDER: frozenset(
        {Permission.VIEW, Permission.DECIDE, Permission.DECIDE_HIGH, Permission.DRILL, Permission.AUDIT}
    ),
    Role.ADMINISTRATOR: frozenset({Permission.VIEW, Permission.AUDIT, Permission.ACCOUNTS, Permission.RULES}),
}


def needs_commander(level: Level) -> bool:
    """Levels II and I are a commander's to activate, confirm, change to or end."""
    return level >= Level.II


def needs_two_officers(level: Level) -> bool:
    """A level I decision takes effect only when a second, different commander agrees."""
    return level is Level.I
