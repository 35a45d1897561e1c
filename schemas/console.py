"""The console's contracts: officers' roles and permissions, and the bodies of its API,
split by role (In / Public / Out); never a storage row.

Which role holds which permission is the console's policy, in ``services.console.roles``.

>>> LevelIn(streets=["松岗"], level="III", reason="会商决定").scope().describe()
'松岗街道'
>>> Role.DUTY_OFFICER.chinese
'值班员'
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import AwareDatetime, Field, field_validator

from schemas.api import ResponsePublic
from schemas.areas import Scope, Street
from schemas.directory import Role as PersonRole
from schemas.envelope import Model
from schemas.notices import Channel
from schemas.responses import Level

__all__ = [
    "AccountIn",
    "AccountPublic",
    "ApprovalPublic",
    "AuditEntry",
    "Board",
    "BoardCounts",
    "BoardRow",
    "ConfirmIn",
    "DecisionOut",
    "DrillIn",
    "DrillPublic",
    "EndIn",
    "LevelIn",
    "LoginIn",
    "LoginOut",
    "ManualNoticeIn",
    "ManualNoticeOut",
    "ManualNoticePreview",
    "ManualNoticePublic",
    "NoticeAckIn",
    "OfficerPublic",
    "OnBehalfIn",
    "OnBehalfOut",
    "PendingPerson",
    "Permission",
    "PersonHistory",
    "PersonNotice",
    "RejectIn",
    "Role",
    "UnitPublic",
]


class Permission(StrEnum):
    """Something an officer may be allowed to do; ``GET /api/v1/auth/me`` lists the caller's."""

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


_CHINESE = {
    Role.VIEWER: "观察员",
    Role.DUTY_OFFICER: "值班员",
    Role.COMMANDER: "指挥长",
    Role.ADMINISTRATOR: "管理员",
}

_USERNAME = r"^[a-z][a-z0-9_.-]{1,29}$"


class _StreetsIn(Model):
    """A scope given as streets by code or Chinese name; none means the whole district."""

    streets: tuple[Street, ...] = Field(default=(), max_length=10)

    @field_validator("streets", mode="before")
    @classmethod
    def _parse(cls, value: object) -> object:
        if isinstance(value, list | tuple):
            return tuple(Street.parse(item) if isinstance(item, str) else item for item in value)
        return value

    def scope(self) -> Scope:
        """The district, or the named streets."""
        return Scope.of_streets(self.streets) if self.streets else Scope.district()


class LoginIn(Model):
    """``POST /api/v1/auth/login``."""

    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class OfficerPublic(Model):
    """The officer a session belongs to."""

    username: str
    display_name: str
    role: Role
    role_zh: str


class LoginOut(Model):
    """A new session: the bearer token (also set as an HttpOnly cookie) and its CSRF token."""

    token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the scheme's name, not a secret
    expires_at: datetime
    csrf_token: str = Field(description="send as X-CSRF-Token with every change made with the cookie")
    officer: OfficerPublic


class AccountIn(Model):
    """``POST /api/v1/accounts``: a new officer's account."""

    username: str = Field(pattern=_USERNAME)
    display_name: str = Field(min_length=1, max_length=64)
    role: Role
    password: str = Field(min_length=1, max_length=256)


class AccountPublic(Model):
    """An account as listed; never its password hash."""

    username: str
    display_name: str
    role: Role
    active: bool
    created_at: datetime


class ConfirmIn(Model):
    """Confirm a proposal, with an optional note."""

    note: str = Field(default="", max_length=1000)


class RejectIn(Model):
    """Reject a proposal; the note says why."""

    note: str = Field(min_length=1, max_length=1000)


class LevelIn(_StreetsIn):
    """Activate, or change the level of, the district or some streets by hand."""

    level: Level
    reason: str = Field(min_length=1, max_length=1000)


class EndIn(Model):
    """End a response by hand."""

    reason: str = Field(min_length=1, max_length=1000)


class DecisionOut(Model):
    """What became of an officer's decision: published to the rules, or waiting for a second
    commander (level I)."""

    status: Literal["published", "awaiting_second_officer"]
    command_id: str | None = None
    approval_id: str | None = None
    officers: tuple[str, ...]


class ApprovalPublic(Model):
    """A level I decision waiting for a second commander."""

    approval_id: str
    action: str
    subject: str
    requested_by: str
    requested_at: datetime
    expires_at: datetime
    detail: dict[str, Any]


class NoticeAckIn(Model):
    """Acknowledge a notice for its person, who answered another way (a phone call to the duty
    room …); the reason is required."""

    reason: str = Field(min_length=1, max_length=500, pattern=r"\S", description="why, in words")


class OnBehalfIn(NoticeAckIn):
    """Acknowledge for a person their notice of a response's latest change."""

    person_id: str = Field(min_length=1, max_length=32)


class OnBehalfOut(Model):
    """The acknowledgement recorded and queued on ``sanfang.acks``."""

    ack_id: str
    notice_id: str
    person_id: str
    on_behalf_by: str
    counted: bool = Field(
        description="false when the notice was already acknowledged: this ack is kept, not counted"
    )


class ManualNoticeIn(Model):
    """A notice an officer writes to chosen units, roles or persons."""

    units: tuple[str, ...] = Field(default=(), max_length=100)
    roles: tuple[PersonRole, ...] = Field(default=(), max_length=4)
    persons: tuple[str, ...] = Field(default=(), max_length=5000)
    title: str = Field(min_length=1, max_length=200)
    text: str = Field(min_length=1, max_length=2000)
    drill: bool = False
    ack_wanted: bool = Field(
        default=True, description="ask each recipient to acknowledge, and escalate when they don't"
    )


class ManualNoticePreview(Model):
    """How many persons a manual notice would reach, before it is sent."""

    recipient_count: int


class ManualNoticeOut(Model):
    """The notice request as recorded, with the persons it resolves to."""

    request_id: str
    recipient_count: int
    status: str


class UnitPublic(Model):
    """A member unit of the directory, to choose recipients by."""

    unit_id: str
    name: str
    kind: str
    street: str | None
    persons: int = Field(description="how many responsible persons it has")


class DrillIn(_StreetsIn):
    """Start a drill now, or schedule a double-blind one at a random time inside a window."""

    level: Level = Level.IV
    mode: Literal["now", "double_blind"] = "now"
    window_start: AwareDatetime | None = None
    window_end: AwareDatetime | None = None
    note: str = Field(default="", max_length=1000)


class DrillPublic(Model):
    """A drill; the time of a double-blind drill stays hidden until it has started."""

    drill_id: str
    scope: Scope
    level: Level
    mode: str
    window_start: datetime
    window_end: datetime
    started_at: datetime | None
    created_by: str
    note: str
    response_ids: list[str] = Field(description="the drill responses it started (one per street)")
    notified: int
    acknowledged: int


class AuditEntry(Model):
    """One line of the audit log."""

    seq: int
    at: datetime
    actor: str
    actor_name: str
    role: str
    action: str
    target: str
    source_ip: str
    before: dict[str, Any]
    after: dict[str, Any]
    outcome: str


class BoardCounts(Model):
    """How far the notices of a group have got."""

    notified: int = 0
    delivered: int = 0
    acknowledged: int = 0
    escalated: int = 0


class ManualNoticePublic(Model):
    """A manual notice request and how far dispatch has got with it."""

    request_id: str
    title: str
    drill: bool
    ack_wanted: bool
    created_by: str
    created_at: datetime
    recipient_count: int
    status: Literal["awaiting_dispatch", "sent"] = Field(
        description="awaiting_dispatch: dispatch has not written its notices yet; sent: it has"
    )
    counts: BoardCounts = Field(description="of the notices dispatch wrote (escalated: their ladder)")


class BoardRow(Model):
    """One unit or street on the board."""

    key: str
    name: str
    counts: BoardCounts


class PendingPerson(Model):
    """Someone who has not acknowledged, and what happens next if they don't."""

    person_id: str
    name: str
    role: str
    unit_id: str
    unit_name: str
    street: str | None
    notice_id: str
    delivered: bool
    ack_by: datetime | None
    escalation_step: int = Field(description="the last escalation step taken; 0: none yet")
    last_action: str | None
    next_step: str = Field(description="what the escalation ladder does next, in words")


class Board(Model):
    """The live board of a response's latest change."""

    response: ResponsePublic
    change_event_id: str
    totals: BoardCounts
    units: list[BoardRow]
    streets: list[BoardRow]
    pending: list[PendingPerson]
    pending_total: int


class PersonNotice(Model):
    """One notice a person received, and what came of it."""

    notice_id: str
    response_id: str = Field(description="the response, or for a manual notice (change 'manual') its request")
    change: str
    level: Level | None = Field(description="the response's level; none for a manual notice")
    drill: bool
    created_at: datetime
    delivered_at: datetime | None
    acked_at: datetime | None
    ack_channel: Channel | None
    acks: list[dict[str, Any]]
    escalations: list[dict[str, Any]]


class PersonHistory(Model):
    """A responsible person and every notice they were sent, newest first."""

    person_id: str
    name: str
    role: str
    unit_id: str
    unit_name: str
    street: str | None
    notices: list[PersonNotice]
