"""The review's metrics, computed from the ledger: pure, no IO, real events and drills apart.

- signal → activation: from the signal's issue time to the activation that names it among
  its inputs; an activation from rainfall that came before any rainstorm signal covering its
  street is *pre-emptive*, and its lead over that signal is given;
- change → first and last notice: a notice carries its response change's own time, so
  the time it was *given* is its first delivery attempt; with the store's ``notices`` rows
  (``recorded``) also when dispatch wrote each notice and when its app push was delivered
  (notice → delivered); every one of these times is the services' own clock;
- acknowledgements: the first ack of a notice counts; time to ack is from the notice;
  rates and curves count the notices that asked for an ack (an "ended" notice does not);
- percentiles are nearest-rank (see :mod:`services.replay.domain.stats`).

>>> from services.replay.domain.ledger import Ledger
>>> review_figures(Ledger(), People()).real.counts.notices
0
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from schemas.areas import Street
from schemas.commands import ManualLevelSet, ProposalConfirmed, ProposalRejected
from schemas.notices import Channel, DeliveryStatus
from schemas.responses import ResponseActivated, ResponseEnded, ResponseLevelChanged, ResponseProposed
from schemas.warnings import Hazard, WarningAction, WarningSignal
from services.core.clock import BEIJING
from services.replay.domain.ledger import AckRecord, EscalationRecord, Ledger, NoticeRecord, NoticeTimes
from services.replay.domain.people import People, PersonInfo
from services.replay.domain.results import (
    AckCurve,
    AckOutlier,
    ActivationDelay,
    Counts,
    DayCount,
    Figures,
    GroupSpread,
    NoticeLag,
    NoticeLatency,
    StepCount,
    Unacked,
)
from services.replay.domain.stats import spread

__all__ = ["DrillSplit", "beijing_days", "first_acks", "review_figures", "scope_label"]

#: How long after a rainfall activation a rainstorm signal still makes it "pre-emptive".
PRE_EMPTIVE_WINDOW = timedelta(hours=24)
#: An ack later than this after its notice is an outlier: listed with its cause, not in p99.
OUTLIER_AFTER = timedelta(hours=24)
_CURVE_MINUTES = (0, 1, 2, 3, 5, 7, 10, 15, 20, 25, 30, 45, 60, 90, 120, 180, 240)
_DISTRICT_WIDE = "district-wide"


@dataclass(frozen=True)
class DrillSplit:
    """The figures of real events and of drills."""

    real: Figures
    drill: Figures


def scope_label(scope_key: str) -> str:
    """``district`` → 全区; ``streets:a,b`` → the streets' Chinese names."""
    if scope_key == "district":
        return "全区"
    names = scope_key.removeprefix("streets:").split(",")
    return "、".join(Street(name).chinese for name in names if name) + "街道"


def first_acks(acks: Iterable[AckRecord]) -> dict[str, AckRecord]:
    """The first acknowledgement of each notice (the one that counts)."""
    first: dict[str, AckRecord] = {}
    for ack in acks:
        held = first.get(ack.notice_id)
        if held is None or ack.at < held.at:
            first[ack.notice_id] = ack
    return first


def review_figures(
    ledger: Ledger, people: People, recorded: Mapping[str, NoticeTimes] | None = None
) -> DrillSplit:
    """The metrics of everything in ``ledger``, real events and drills apart; ``recorded``:
    the store's times of each notice by id (None when replaying from Kafka)."""
    # The person-level lists (a million records in a season) are walked once here, for both
    # sides; each side then only looks up its own notices.
    split = {False: _Side(), True: _Side()}
    for notice_id, notice in ledger.notices.items():
        split[notice.drill].notices[notice_id] = notice
    drill_of = {notice_id: notice.drill for notice_id, notice in ledger.notices.items()}
    for notice_id, ack in first_acks(a for a in ledger.acks if a.notice_id in drill_of).items():
        split[drill_of[notice_id]].acks[notice_id] = ack
    given: dict[str, datetime] = {}
    delivered: dict[str, datetime] = {}
    failed = DeliveryStatus.FAILED
    for delivery in ledger.deliveries:
        notice_id = delivery.notice_id
        drill = drill_of.get(notice_id)
        if drill is None:
            continue
        side = split[drill]
        side.deliveries += 1
        side.failed_deliveries += delivery.status is failed
        held = given.get(notice_id)
        if held is None or delivery.at < held:
            given[notice_id] = delivery.at
        if delivery.channel is Channel.APP and delivery.status is DeliveryStatus.DELIVERED:
            done = delivered.get(notice_id)
            if done is None or delivery.at < done:
                delivered[notice_id] = delivery.at
    for step in ledger.escalations:
        drill = drill_of.get(step.notice_id)
        if drill is not None:
            split[drill].escalations.append(step)
    return DrillSplit(
        real=_figures(ledger, people, recorded, split[False], given, delivered, drill=False),
        drill=_figures(ledger, people, recorded, split[True], given, delivered, drill=True),
    )


@dataclass
class _Side:
    """Real events' or drills' share of the person-level records."""

    notices: dict[str, NoticeRecord] = field(default_factory=dict)
    acks: dict[str, AckRecord] = field(default_factory=dict)
    escalations: list[EscalationRecord] = field(default_factory=list)
    deliveries: int = 0
    failed_deliveries: int = 0


def _figures(
    ledger: Ledger,
    people: People,
    recorded: Mapping[str, NoticeTimes] | None,
    side: _Side,
    given: Mapping[str, datetime],
    delivered: Mapping[str, datetime],
    *,
    drill: bool,
) -> Figures:
    notices, acks, escalations = side.notices, side.acks, side.escalations
    asking = [n for n in notices.values() if n.ack_by is not None]
    acked = [n for n in asking if n.notice_id in acks]
    every_wait = {n.notice_id: (acks[n.notice_id].at - n.at).total_seconds() for n in acked}
    late = {nid for nid, wait in every_wait.items() if wait > OUTLIER_AFTER.total_seconds()}
    outliers = _outliers(ledger, [n for n in acked if n.notice_id in late], acks, people)
    acked = [n for n in acked if n.notice_id not in late]
    waits = {nid: wait for nid, wait in every_wait.items() if nid not in late}
    steps = Counter((e.step, e.action) for e in escalations)
    counts = _counts(ledger, drill).model_copy(
        update={
            "notices": len(notices),
            "notices_asking_ack": len(asking),
            "acknowledged": len(acked),
            "deliveries": side.deliveries,
            "failed_deliveries": side.failed_deliveries,
            "escalations": len(escalations),
        }
    )
    delays = _activation_delays(ledger, drill)
    counts = counts.model_copy(update={"pre_emptive": len({d.response_id for d in delays if d.pre_emptive})})
    lags, latency = _notice_lags(ledger, notices, recorded, given, delivered)
    by_street, district = _activations_by_street(ledger, drill)
    return Figures(
        counts=counts,
        signal_to_activation=delays,
        notice_lags=lags,
        notice_latency=latency,
        per_day=_per_day(notices, acks, escalations),
        activations_by_street=by_street,
        district_activations=district,
        ack_rate=(len(acked) + len(late)) / len(asking) if asking else None,
        ack_curves=_curves(ledger, asking, waits),
        time_to_ack=spread(waits.values()),
        time_to_ack_by=_groups(acked, waits, acks, people),
        never_acknowledged=_unacked(asking, acks, people),
        escalations_by_step=tuple(
            StepCount(step=step, action=action, count=n) for (step, action), n in sorted(steps.items())
        ),
        ack_outliers=outliers,
    )


def _outliers(
    ledger: Ledger, late: list[NoticeRecord], acks: dict[str, AckRecord], people: People
) -> tuple[AckOutlier, ...]:
    """Each ack later than :data:`OUTLIER_AFTER`, with the likeliest cause from the record."""
    ended = {r.response_id: r.occurred_at for r in ledger.responses if isinstance(r, ResponseEnded)}
    by_person: dict[str, list[NoticeRecord]] = defaultdict(list)
    for notice in ledger.notices.values():
        by_person[notice.person_id].append(notice)
    rows = []
    for notice in late:
        ack = acks[notice.notice_id]
        wait = (ack.at - notice.at).total_seconds()
        newer = [
            n
            for n in by_person[notice.person_id]
            if notice.at < n.at <= ack.at and n.notice_id != notice.notice_id
        ]
        if newer:
            last = max(newer, key=lambda n: n.at)
            cause = (
                f"回复的是{last.at:%m-%d %H:%M}的新通知（{last.level.value}），"
                "被记到这条仍未确认的旧通知上 / "
                f"the person was answering a later notice ({last.at:%m-%d %H:%M}, level {last.level.value}); "
                f"the {ack.channel.value} reply was matched to this older notice still open"
            )
        elif notice.response_id in ended and ended[notice.response_id] < ack.at:
            cause = "响应结束后才确认 / acknowledged after its response had ended"
        else:
            cause = "超过24小时后才确认 / acknowledged more than 24 h after the notice"
        person = people.get(notice.person_id)
        rows.append(
            AckOutlier(
                notice_id=notice.notice_id,
                person_id=notice.person_id,
                unit=person.unit_name if person else notice.unit_id,
                channel=ack.channel.value,
                notice_at=notice.at,
                acked_at=ack.at,
                wait_seconds=wait,
                cause=cause,
            )
        )
    return tuple(sorted(rows, key=lambda r: -r.wait_seconds))


def _drill_of_responses(ledger: Ledger) -> dict[str, bool]:
    return {event.response_id: event.drill for event in ledger.responses}


def _counts(ledger: Ledger, drill: bool) -> Counts:
    signals = [s for s in ledger.signals if s.drill == drill and s.actionable]
    actions = Counter(s.action for s in signals)
    responses = [r for r in ledger.responses if r.drill == drill]
    activated = [r for r in responses if isinstance(r, ResponseActivated)]
    drills = _drill_of_responses(ledger)
    commands = [c for c in ledger.commands if drills.get(getattr(c, "response_id", ""), False) == drill]
    return Counts(
        signals_issued=actions[WarningAction.ISSUE],
        signals_updated=actions[WarningAction.UPDATE],
        signals_cancelled=actions[WarningAction.CANCEL],
        activations=len({r.correlation_id or r.response_id for r in activated}),
        responses=len(activated),
        proposals=sum(1 for r in responses if isinstance(r, ResponseProposed)),
        confirmations=sum(1 for c in commands if isinstance(c, ProposalConfirmed)),
        rejections=sum(1 for c in commands if isinstance(c, ProposalRejected)),
        level_changes=sum(1 for r in responses if isinstance(r, ResponseLevelChanged)),
        ends=sum(1 for r in responses if isinstance(r, ResponseEnded)),
    )


def _activation_delays(ledger: Ledger, drill: bool) -> tuple[ActivationDelay, ...]:
    signals = {s.event_id: s for s in ledger.signals}
    manual = {c.event_id for c in ledger.commands if isinstance(c, ManualLevelSet)}
    confirms = {c.event_id: c.officer for c in ledger.commands if isinstance(c, ProposalConfirmed)}
    rainstorms = sorted(
        (s for s in ledger.signals if s.hazard is Hazard.RAINSTORM and s.action is WarningAction.ISSUE),
        key=lambda s: s.issued_at,
    )
    delays = []
    for event in sorted(ledger.responses, key=lambda r: (r.occurred_at, r.event_id)):
        if not isinstance(event, ResponseActivated) or event.drill != drill:
            continue
        named = [signals[i] for i in event.explanation.inputs if i in signals]
        by = confirms.get(event.causation_id or "", event.activated_by)
        common = {
            "response_id": event.response_id,
            "scope": event.scope.key,
            "level": event.level.value,
            "activated_at": event.occurred_at,
            "activated_by": by,
        }
        if named:
            signal = min(named, key=lambda s: s.issued_at)
            delays.append(
                ActivationDelay(
                    **common,
                    source="signal",
                    signal_id=signal.signal_id,
                    signal_at=signal.issued_at,
                    delay_seconds=(event.occurred_at - signal.issued_at).total_seconds(),
                )
            )
            continue
        if set(event.explanation.inputs) & manual or event.causation_id in manual:
            delays.append(ActivationDelay(**common, source="officer"))
            continue
        later = _next_covering(rainstorms, event, drill)
        delays.append(
            ActivationDelay(
                **common,
                source="rainfall",
                signal_id=later.signal_id if later else None,
                signal_at=later.issued_at if later else None,
                pre_emptive=later is not None,
                lead_seconds=(later.issued_at - event.occurred_at).total_seconds() if later else None,
            )
        )
    return tuple(delays)


def _next_covering(
    rainstorms: list[WarningSignal], event: ResponseActivated, drill: bool
) -> WarningSignal | None:
    streets = event.scope.streets or ()
    for signal in rainstorms:
        if signal.drill != drill or signal.issued_at < event.occurred_at:
            continue
        if signal.issued_at - event.occurred_at > PRE_EMPTIVE_WINDOW:
            return None
        if signal.scope.kind == "district" or any(s in signal.scope.streets for s in streets):
            return signal
    return None


def _notice_lags(
    ledger: Ledger,
    notices: dict[str, NoticeRecord],
    recorded: Mapping[str, NoticeTimes] | None,
    given: Mapping[str, datetime],
    delivered: Mapping[str, datetime],
) -> tuple[tuple[NoticeLag, ...], NoticeLatency]:
    """Per response change, and over all of them, how fast its notices went out; ``given``:
    each notice's first delivery attempt, ``delivered``: its first delivered app push."""
    by_change: dict[str, list[NoticeRecord]] = defaultdict(list)
    for notice in notices.values():
        by_change[notice.response_event_id].append(notice)
    lags: list[NoticeLag] = []
    written_waits: list[float] = []
    delivered_waits: list[float] = []
    for event in sorted(ledger.responses, key=lambda r: (r.occurred_at, r.event_id)):
        if isinstance(event, ResponseProposed) or event.event_id not in by_change:
            continue
        group = by_change[event.event_id]
        times = [given.get(n.notice_id, n.at) for n in group]
        written = [recorded[n.notice_id].created_at for n in group if recorded and n.notice_id in recorded]
        arrived = []
        for notice in group:
            times_of = recorded.get(notice.notice_id) if recorded else None
            if times_of is not None:
                if times_of.delivered_at is not None:
                    arrived.append(times_of.delivered_at)
                    delivered_waits.append((times_of.delivered_at - times_of.created_at).total_seconds())
            elif notice.notice_id in delivered:
                arrived.append(delivered[notice.notice_id])
                delivered_waits.append((delivered[notice.notice_id] - event.occurred_at).total_seconds())
        written_waits.extend((at - event.occurred_at).total_seconds() for at in written)
        lags.append(
            NoticeLag(
                response_event_id=event.event_id,
                response_id=event.response_id,
                change=event.kind.removeprefix("response."),
                scope=event.scope.key,
                level=(event.previous_level if isinstance(event, ResponseEnded) else event.level).value,
                at=event.occurred_at,
                notices=len(times),
                first_seconds=(min(times) - event.occurred_at).total_seconds(),
                last_seconds=(max(times) - event.occurred_at).total_seconds(),
                written_seconds=(max(written) - event.occurred_at).total_seconds() if written else None,
                delivered_seconds=(max(arrived) - event.occurred_at).total_seconds() if arrived else None,
            )
        )
    latency = NoticeLatency(
        times_from="store" if recorded is not None else "events",
        change_to_first=spread(lag.first_seconds for lag in lags if lag.first_seconds is not None),
        change_to_last=spread(lag.last_seconds for lag in lags if lag.last_seconds is not None),
        change_to_written=spread(written_waits),
        notice_to_delivered=spread(delivered_waits),
    )
    return tuple(lags), latency


def _per_day(
    notices: dict[str, NoticeRecord], acks: dict[str, AckRecord], escalations: Iterable[EscalationRecord]
) -> tuple[DayCount, ...]:
    """Notices, first acks and escalation steps per Beijing day (days with none left out)."""
    days: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for column, times in enumerate(
        (
            [n.at for n in notices.values()],
            [a.at for a in acks.values()],
            [e.at for e in escalations],
        )
    ):
        for day, n in beijing_days(times).items():
            days[day][column] += n
    return tuple(
        DayCount(day=day, notices=n, acks=a, escalations=e) for day, (n, a, e) in sorted(days.items())
    )


def beijing_days(times: Sequence[datetime]) -> Counter[str]:
    """How many of ``times`` fall on each Beijing day (``YYYY-MM-DD``).

    Counted by hour of UTC first, and each hour's day found once: a season's 300,000 times
    fall in a few thousand hours. An hour that spans a Beijing midnight (only under an
    offset that is not whole hours, before 1901) has its times placed one by one.

    >>> from datetime import UTC
    >>> beijing_days([datetime(2024, 6, 1, 15, 59, tzinfo=UTC), datetime(2024, 6, 1, 16, tzinfo=UTC)])
    Counter({'2024-06-01': 1, '2024-06-02': 1})
    """
    hours = Counter(int(at.timestamp() // 3600) for at in times)
    days: Counter[str] = Counter()
    straddling = set()
    for hour, n in hours.items():
        first = datetime.fromtimestamp(hour * 3600, BEIJING)
        if first.date() == datetime.fromtimestamp(hour * 3600 + 3599.999999, BEIJING).date():
            days[f"{first:%Y-%m-%d}"] += n
        else:
            straddling.add(hour)
    for at in times if straddling else ():
        if int(at.timestamp() // 3600) in straddling:
            days[f"{at.astimezone(BEIJING):%Y-%m-%d}"] += 1
    return days


def _activations_by_street(ledger: Ledger, drill: bool) -> tuple[dict[str, int], int]:
    """Responses started per street (street-level scopes), and district-wide ones."""
    per_street = {street.value: 0 for street in Street}
    district = 0
    for event in ledger.responses:
        if not isinstance(event, ResponseActivated) or event.drill != drill:
            continue
        if event.scope.kind == "district":
            district += 1
        for street in event.scope.streets:
            per_street[street.value] += 1
    return per_street, district


def _curve(key: str, label: str, notices: list[NoticeRecord], waits: dict[str, float]) -> AckCurve:
    minutes = sorted(waits[n.notice_id] / 60 for n in notices if n.notice_id in waits)
    points = []
    done = 0
    for mark in _CURVE_MINUTES:
        while done < len(minutes) and minutes[done] <= mark:
            done += 1
        points.append((float(mark), round(done / len(notices), 4)))
    return AckCurve(key=key, label=label, notices=len(notices), points=tuple(points))


def _curves(ledger: Ledger, asking: list[NoticeRecord], waits: dict[str, float]) -> tuple[AckCurve, ...]:
    if not asking:
        return ()
    by_change: dict[str, list[NoticeRecord]] = defaultdict(list)
    for notice in asking:
        by_change[notice.response_event_id].append(notice)
    changes = {r.event_id: r for r in ledger.responses}
    curves = [_curve("all", "全部通知 all notices", asking, waits)]
    for event_id, group in sorted(by_change.items(), key=lambda item: (group_time(item[1]), item[0])):
        event = changes.get(event_id)
        when = group_time(group).strftime("%m-%d %H:%M")
        scope = scope_label(event.scope.key) if event else group[0].response_id[:8]
        curves.append(_curve(event_id, f"{when} {scope} {group[0].level.value}", group, waits))
    return tuple(curves)


def group_time(group: list[NoticeRecord]) -> datetime:
    """When the notices of one response change were made."""
    return min(n.at for n in group)


def _groups(
    acked: list[NoticeRecord], waits: dict[str, float], acks: dict[str, AckRecord], people: People
) -> dict[str, tuple[GroupSpread, ...]]:
    values: dict[str, dict[tuple[str, str], list[float]]] = {
        name: defaultdict(list) for name in ("unit", "street", "role", "channel")
    }
    unit, street, role, channel = values.values()
    for notice in acked:
        person = people.get(notice.person_id)
        wait = waits[notice.notice_id]
        unit[(notice.unit_id, person.unit_name if person else notice.unit_id)].append(wait)
        street[_street(person)].append(wait)
        role[(person.role.value, person.role.chinese) if person else ("unknown", "未知")].append(wait)
        how = acks[notice.notice_id].channel.value
        channel[(how, how)].append(wait)
    return {
        name: tuple(
            GroupSpread(key=key, label=label, spread=spread(times))
            for (key, label), times in sorted(by_key.items())
        )
        for name, by_key in values.items()
    }


def _street(person: PersonInfo | None) -> tuple[str, str]:
    if person is None:
        return "unknown", "未知"
    if person.street is None:
        return _DISTRICT_WIDE, "区级（不分街道）"
    return person.street.value, person.street.chinese


def _unacked(asking: list[NoticeRecord], acks: dict[str, AckRecord], people: People) -> tuple[Unacked, ...]:
    missing: dict[str, list[NoticeRecord]] = defaultdict(list)
    for notice in asking:
        if notice.notice_id not in acks:
            missing[notice.person_id].append(notice)
    rows = []
    for person_id, left in missing.items():
        person = people.get(person_id)
        street = _street(person)[1]
        rows.append(
            Unacked(
                person_id=person_id,
                name=person.name if person else "",
                unit=person.unit_name if person else left[0].unit_id,
                street=street,
                role=person.role.chinese if person else "",
                unacknowledged=len(left),
                responses=tuple(sorted({n.response_id for n in left})),
            )
        )
    return tuple(sorted(rows, key=lambda row: (-row.unacknowledged, row.person_id)))
