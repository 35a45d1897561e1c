"""The review's metrics against values computed here, independently, from the raw events."""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import UTC, datetime, timedelta

from schemas.areas import Scope, Street
from schemas.directory import Person, Role, Unit, UnitKind
from schemas.notices import (
    Acknowledgement,
    Channel,
    Delivery,
    DeliveryStatus,
    Escalation,
    Notice,
    NoticeChange,
)
from schemas.responses import Explanation, Level, ResponseActivated
from schemas.topics import AnyEvent
from schemas.warnings import Colour, Hazard, WarningAction, WarningSignal
from services.replay.domain.ledger import Ledger, NoticeTimes
from services.replay.domain.metrics import review_figures
from services.replay.domain.people import People

T0 = datetime(2024, 5, 4, 6, 45, tzinfo=UTC)
WHY = Explanation(rules_id="r", rules_version="1", rule="typhoon-blue", inputs=("sig-1",))


def _scenario() -> tuple[list[AnyEvent], People]:
    units = [
        Unit(unit_id="U1", name="西乡街道办事处", kind=UnitKind.STREET, street=Street.XIXIANG),
        Unit(unit_id="U2", name="水务局", kind=UnitKind.AGENCY),
    ]
    persons = [
        Person(person_id="P1", name="甲", unit_id="U1", role=Role.UNIT_LEADER, street=Street.XIXIANG),
        Person(person_id="P2", name="乙", unit_id="U1", role=Role.MEMBER, street=Street.XIXIANG),
        Person(person_id="P3", name="丙", unit_id="U2", role=Role.DUTY_CONTACT),
        Person(person_id="P4", name="丁", unit_id="U2", role=Role.MEMBER),
    ]
    signal = WarningSignal(
        event_id="sig-1", occurred_at=T0, signal_id="44030041600000_20240504144500", hazard=Hazard.TYPHOON,
        colour=Colour.BLUE, action=WarningAction.ISSUE, scope=Scope.district(), issued_at=T0,
    )  # fmt: skip
    activated = ResponseActivated(
        event_id="act-1", occurred_at=T0 + timedelta(seconds=4), correlation_id="sig-1", causation_id="sig-1",
        response_id="resp-1", scope=Scope.district(), explanation=WHY, level=Level.IV,
    )  # fmt: skip
    events: list[AnyEvent] = [signal, activated]
    # person: (delivered after s, ack after s or None, ack channel)
    plan = {
        "P1": (2, 30, Channel.APP),
        "P2": (3, 400, Channel.SMS),
        "P3": (5, 90, Channel.APP),
        "P4": (9, None, None),
    }
    units_of = {p.person_id: p.unit_id for p in persons}
    for person_id, (delivered, acked, channel) in plan.items():
        notice = Notice(
            event_id=f"n-{person_id}", occurred_at=activated.occurred_at, response_id="resp-1",
            response_event_id="act-1", person_id=person_id, unit_id=units_of[person_id],
            change=NoticeChange.ACTIVATED, level=Level.IV, title="t", text="x",
            ack_by=activated.occurred_at + timedelta(minutes=15), directory_version="v",
        )  # fmt: skip
        events.append(notice)
        events.append(
            Delivery(
                event_id=f"d-{person_id}", occurred_at=notice.occurred_at + timedelta(seconds=delivered),
                notice_id=notice.event_id, person_id=person_id, response_id="resp-1", channel=Channel.APP,
                status=DeliveryStatus.DELIVERED,
            )
        )  # fmt: skip
        if acked is not None and channel is not None:
            at = notice.occurred_at + timedelta(seconds=acked)
            events.append(
                Acknowledgement(
                    event_id=f"a-{person_id}", occurred_at=at, notice_id=notice.event_id, person_id=person_id,
                    response_id="resp-1", channel=channel, received_at=at,
                )
            )  # fmt: skip
            # A second ack later must not count twice.
            events.append(
                Acknowledgement(
                    event_id=f"a2-{person_id}", occurred_at=at + timedelta(minutes=1),
                    notice_id=notice.event_id,
                    person_id=person_id, response_id="resp-1", channel=Channel.LINK,
                    received_at=at + timedelta(minutes=1),
                )
            )  # fmt: skip
    for person_id, step, action in (("P2", 1, "sms"), ("P4", 1, "sms"), ("P4", 2, "voice")):
        events.append(
            Escalation(
                event_id=f"e-{person_id}-{step}", occurred_at=T0 + timedelta(minutes=5 * step),
                notice_id=f"n-{person_id}", person_id=person_id, response_id="resp-1", step=step,
                action=action,
            )
        )  # fmt: skip
    return events, People.from_directory(units, persons)


def test_a_recorded_scenario_gives_the_delays_rates_and_spreads_a_reviewer_expects() -> None:
    events, people = _scenario()
    ledger = Ledger()
    ledger.add_all([*events, *events])  # redelivered: must change nothing
    real = review_figures(ledger, people).real

    assert real.counts.activations == 1
    assert real.signal_to_activation[0].delay_seconds == 4.0
    lag = real.notice_lags[0]
    assert (lag.notices, lag.first_seconds, lag.last_seconds) == (4, 2.0, 9.0)
    assert real.counts.notices_asking_ack == 4
    assert real.counts.acknowledged == 3
    assert real.ack_rate == 0.75
    assert (real.time_to_ack.p50, real.time_to_ack.p90, real.time_to_ack.p99) == (90.0, 400.0, 400.0)
    by_street = {g.key: g.spread for g in real.time_to_ack_by["street"]}
    assert by_street["xixiang"].p50 == 30.0
    assert by_street["district-wide"].count == 1
    by_channel = {g.key: g.spread.count for g in real.time_to_ack_by["channel"]}
    assert by_channel == {"app": 2, "sms": 1}
    by_role = {g.key: g.spread.p50 for g in real.time_to_ack_by["role"]}
    assert by_role == {"unit_leader": 30.0, "member": 400.0, "duty_contact": 90.0}
    assert [(u.person_id, u.unacknowledged) for u in real.never_acknowledged] == [("P4", 1)]
    assert [(s.step, s.action, s.count) for s in real.escalations_by_step] == [(1, "sms", 2), (2, "voice", 1)]
    curve = dict(real.ack_curves[0].points)
    assert curve[1.0] == 0.25
    assert curve[2.0] == 0.5
    assert curve[7.0] == 0.75
    assert curve[240.0] == 0.75
    assert review_figures(ledger, people).drill.counts.notices == 0


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[math.ceil(p / 100 * len(ordered)) - 1]


def test_the_season_metrics_match_a_count_made_straight_from_its_events(
    season_events: list[AnyEvent], season_ledger: Ledger, people: People
) -> None:
    figures = review_figures(season_ledger, people)
    notices = {e.event_id: e for e in season_events if isinstance(e, Notice)}
    first: dict[str, Acknowledgement] = {}
    for e in season_events:
        if isinstance(e, Acknowledgement) and (
            e.notice_id not in first or e.received_at < first[e.notice_id].received_at
        ):
            first[e.notice_id] = e
    waits: dict[tuple[bool, str], list[float]] = defaultdict(list)
    for notice_id, ack in first.items():
        notice = notices[notice_id]
        waits[(notice.drill, ack.channel.value)].append(
            (ack.received_at - notice.occurred_at).total_seconds()
        )
    for drill, side in ((False, figures.real), (True, figures.drill)):
        expected = {ch: v for (d, ch), v in waits.items() if d == drill}
        got = {g.key: g.spread for g in side.time_to_ack_by["channel"]}
        assert set(got) == set(expected)
        for channel, values in expected.items():
            assert got[channel].count == len(values)
            assert got[channel].p50 == _percentile(values, 50)
            assert got[channel].p90 == _percentile(values, 90)
            assert got[channel].p99 == _percentile(values, 99)
        asking = [n for n in notices.values() if n.drill == drill and n.ack_by is not None]
        assert side.ack_rate == sum(1 for n in asking if n.event_id in first) / len(asking)
    escalated = sum(1 for e in season_events if isinstance(e, Escalation) and not notices[e.notice_id].drill)
    assert figures.real.counts.escalations == escalated


def test_the_season_counts_are_the_bureaus_figures(season_ledger: Ledger, people: People) -> None:
    figures = review_figures(season_ledger, people)
    real, drill = figures.real.counts, figures.drill.counts
    assert real.signals_issued == 36
    assert real.activations == 33
    assert real.pre_emptive == 2
    assert drill.activations == 1
    assert drill.signals_issued == 1
    assert real.rejections > 0
    assert real.confirmations > 0
    assert figures.real.never_acknowledged, "a few persons never acknowledge, so escalation is seen"
    pre = [d for d in figures.real.signal_to_activation if d.pre_emptive]
    assert all(d.source == "rainfall" and d.lead_seconds and d.lead_seconds > 0 for d in pre)


def test_notice_latency_comes_from_the_times_the_services_recorded() -> None:
    """From the events alone: change → first / last notice given, change → delivered. With the
    store's notices rows: also when dispatch wrote each one, and written → delivered."""
    events, people = _scenario()
    ledger = Ledger()
    ledger.add_all(events)
    by_events = review_figures(ledger, people).real
    latency = by_events.notice_latency
    assert latency is not None
    assert latency.times_from == "events"
    assert (latency.change_to_first.p50, latency.change_to_last.p50) == (2.0, 9.0)
    assert latency.change_to_written.count == 0
    assert (latency.notice_to_delivered.count, latency.notice_to_delivered.p99) == (4, 9.0)
    assert by_events.notice_lags[0].written_seconds is None

    change_at = T0 + timedelta(seconds=4)
    recorded = {
        f"n-{p}": NoticeTimes(
            created_at=change_at + timedelta(seconds=0.4),
            sent_at=change_at + timedelta(seconds=0.5),
            delivered_at=change_at + timedelta(seconds=0.4 + 0.1 * i),
        )
        for i, p in enumerate(("P1", "P2", "P3", "P4"), start=1)
    }
    by_store = review_figures(ledger, people, recorded).real
    latency = by_store.notice_latency
    assert latency is not None
    assert latency.times_from == "store"
    assert latency.change_to_written.p99 == 0.4
    assert [round(v or 0, 3) for v in (latency.notice_to_delivered.p50, latency.notice_to_delivered.p99)] == [
        0.2,
        0.4,
    ]
    lag = by_store.notice_lags[0]
    assert (lag.written_seconds, round(lag.delivered_seconds or 0, 3)) == (0.4, 0.8)


def test_an_ack_weeks_late_is_listed_with_its_cause_and_left_out_of_every_percentile() -> None:
    """The live season's SMS p99 of 991 h: a reply to a later notice matched to an old one."""
    events, people = _scenario()
    later_at = T0 + timedelta(days=41)
    later = ResponseActivated(
        event_id="act-2", occurred_at=later_at, response_id="resp-2", scope=Scope.district(),
        explanation=WHY, level=Level.IV,
    )  # fmt: skip
    newer = Notice(
        event_id="n2-P4", occurred_at=later_at, response_id="resp-2", response_event_id="act-2",
        person_id="P4", unit_id="U2", change=NoticeChange.ACTIVATED, level=Level.IV, title="t", text="x",
        ack_by=later_at + timedelta(minutes=15), directory_version="v",
    )  # fmt: skip
    reply_at = later_at + timedelta(seconds=50)
    reply = Acknowledgement(
        event_id="a-late", occurred_at=reply_at, notice_id="n-P4", person_id="P4", response_id="resp-1",
        channel=Channel.SMS, received_at=reply_at,
    )  # fmt: skip
    ledger = Ledger()
    ledger.add_all([*events, later, newer, reply])
    real = review_figures(ledger, people).real

    assert [(o.notice_id, o.channel) for o in real.ack_outliers] == [("n-P4", "sms")]
    assert "later notice" in real.ack_outliers[0].cause
    assert real.ack_outliers[0].wait_seconds > 41 * 86400
    for groups in real.time_to_ack_by.values():
        for group in groups:
            assert (group.spread.p99 or 0) < 86400, (group.key, group.spread)
    sms = {g.key: g.spread for g in real.time_to_ack_by["channel"]}["sms"]
    assert (sms.count, sms.p99) == (1, 400.0)
    assert real.ack_rate == 4 / 5  # it still counts as acknowledged


def test_the_season_per_day_and_per_street_add_up(season_ledger: Ledger, people: People) -> None:
    real = review_figures(season_ledger, people).real
    assert sum(d.notices for d in real.per_day) == real.counts.notices
    assert sum(d.escalations for d in real.per_day) == real.counts.escalations
    assert set(real.activations_by_street) == {s.value for s in Street}
    started = real.district_activations + sum(real.activations_by_street.values())
    assert started >= real.counts.responses  # a response for several streets counts in each
    assert real.district_activations > 0
