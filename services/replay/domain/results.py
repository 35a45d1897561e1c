"""What a review says, as models: the JSON twin of the report is these, dumped.

Durations are in seconds, times are timezone-aware (UTC on the wire).
"""

from __future__ import annotations

from pydantic import AwareDatetime, Field

from schemas.envelope import Model
from services.replay.domain.stats import Spread

__all__ = [
    "AckCurve",
    "AckOutlier",
    "ActivationDelay",
    "Counts",
    "DayCount",
    "Entry",
    "Figures",
    "GroupSpread",
    "LevelStep",
    "LevelTrack",
    "NoticeLag",
    "NoticeLatency",
    "RainSeries",
    "StepCount",
    "Unacked",
]


class Entry(Model):
    """One line of the timeline. Person-level events are one line per response change and
    kind (``count`` of them, from ``at`` to ``until``), not one line per person."""

    at: AwareDatetime
    until: AwareDatetime | None = None
    kind: str
    scope: str = ""
    level: str | None = None
    drill: bool = False
    who: str = ""
    what: str
    ref: str = ""
    count: int = 1


class ActivationDelay(Model):
    """How long after its signal a response started, or how far ahead of the signal it was."""

    response_id: str
    scope: str
    level: str
    activated_at: AwareDatetime
    activated_by: str
    source: str = Field(description="signal, rainfall or officer")
    signal_id: str | None = None
    signal_at: AwareDatetime | None = None
    delay_seconds: float | None = None
    pre_emptive: bool = False
    lead_seconds: float | None = Field(default=None, description="how long before the signal it came")


class NoticeLag(Model):
    """From a response change to its first and last notice."""

    response_event_id: str
    response_id: str
    change: str
    scope: str
    level: str
    at: AwareDatetime
    notices: int
    first_seconds: float | None
    last_seconds: float | None
    written_seconds: float | None = Field(
        default=None, description="to the last notice dispatch wrote (the store's notices table only)"
    )
    delivered_seconds: float | None = Field(default=None, description="to the last app push delivered")


class NoticeLatency(Model):
    """How fast notices went out, over every response change of the window.

    ``times_from`` says whose times these are: ``store`` (each notice's ``created_at`` /
    ``sent_at`` / ``delivered_at``, written by dispatch as it worked) or ``events`` (the
    response change's and the deliveries' own ``occurred_at``; a replay from Kafka has no
    notices table). Either way they are the services' clock: on an accelerated demo clock,
    the demo's pace (docs/review.md).
    """

    times_from: str
    change_to_first: Spread
    change_to_last: Spread
    change_to_written: Spread = Field(description="per notice; store only")
    notice_to_delivered: Spread = Field(
        description="per notice: written → app push delivered (store), or change → delivered (events)"
    )


class DayCount(Model):
    """Notices made, first acks received and escalation steps taken on one Beijing day."""

    day: str
    notices: int
    acks: int
    escalations: int


class AckCurve(Model):
    """The share of notices acknowledged, minutes after the change (cumulative)."""

    key: str
    label: str
    notices: int
    points: tuple[tuple[float, float], ...]


class GroupSpread(Model):
    """The time to acknowledge of one group (a unit, a street, a role, a channel)."""

    key: str
    label: str
    spread: Spread


class Unacked(Model):
    """A person who left notices unacknowledged."""

    person_id: str
    name: str
    unit: str
    street: str
    role: str
    unacknowledged: int
    responses: tuple[str, ...]


class AckOutlier(Model):
    """An acknowledgement so late it no longer answers its notice: listed apart, with why,
    and left out of the percentiles (a notice acknowledged 41 days later is a finding)."""

    notice_id: str
    person_id: str
    unit: str
    channel: str
    notice_at: AwareDatetime
    acked_at: AwareDatetime
    wait_seconds: float
    cause: str


class StepCount(Model):
    """How often one step of the escalation ladder was taken."""

    step: int
    action: str
    count: int


class Counts(Model):
    """How much of everything there was."""

    signals_issued: int = 0
    signals_updated: int = 0
    signals_cancelled: int = 0
    activations: int = Field(default=0, description="decisions to activate; one may start several streets")
    responses: int = Field(default=0, description="responses started, one per scope")
    pre_emptive: int = 0
    proposals: int = 0
    confirmations: int = 0
    rejections: int = 0
    level_changes: int = 0
    ends: int = 0
    notices: int = 0
    notices_asking_ack: int = 0
    acknowledged: int = 0
    deliveries: int = 0
    failed_deliveries: int = 0
    escalations: int = 0


class Figures(Model):
    """The metrics of real events, or of drills: the two are never mixed."""

    counts: Counts
    signal_to_activation: tuple[ActivationDelay, ...]
    notice_lags: tuple[NoticeLag, ...]
    ack_rate: float | None
    ack_curves: tuple[AckCurve, ...]
    time_to_ack: Spread
    time_to_ack_by: dict[str, tuple[GroupSpread, ...]]
    never_acknowledged: tuple[Unacked, ...]
    escalations_by_step: tuple[StepCount, ...]
    ack_outliers: tuple[AckOutlier, ...] = ()
    notice_latency: NoticeLatency | None = None
    per_day: tuple[DayCount, ...] = ()
    activations_by_street: dict[str, int] = Field(
        default_factory=dict, description="responses started per street (street-level scopes)"
    )
    district_activations: int = Field(default=0, description="district-wide responses started")


class RainSeries(Model):
    """Rainfall of one station or one street (street: mean of its stations), per day."""

    key: str
    label: str
    street: str
    total_mm: float
    peak_hour_mm: float
    daily: tuple[tuple[str, float], ...]


class LevelStep(Model):
    """From ``at`` the scope's level was ``rank`` (0 watch … 4 level I; -1 none)."""

    at: AwareDatetime
    rank: int
    level: str | None


class LevelTrack(Model):
    """The steps of one scope's level, real or drill."""

    scope: str
    label: str
    drill: bool
    steps: tuple[LevelStep, ...]
