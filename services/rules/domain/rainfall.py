"""Rain-gauge readings in: keep each station's rolling windows, flag the rainfall rules it is
over, and let a street's rules fire when enough of its stations are flagged.

A reading is stored by assignment (station, minute) -> mm, so a redelivered reading changes
nothing; a correction (``corrects`` set) wins over the original of the same minute.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from schemas.areas import Scope, Street
from schemas.rainfall import GaugeReading
from schemas.responses import ResponseEvent
from schemas.rules import RainfallRule, RulesFile, Source
from services.rules.domain.decisions import reconcile_in
from services.rules.domain.explain import Trigger
from services.rules.domain.state import Cause, RulesState, Station, Track, track_key
from services.rules.domain.windows import KEEP_MINUTES, measure, minute_of, prune

__all__ = ["apply_reading", "dry_step", "recheck_stations"]

_LISTED = 5  # stations named in a cause's words; the rest are counted


def apply_reading(
    state: RulesState, reading: GaugeReading, rules: RulesFile
) -> tuple[RulesState, list[ResponseEvent]]:
    """Record one reading and decide what its street now needs."""
    if reading.street is None or not rules.rainfall:
        return state, []  # a station in no street cannot call for a street response
    moved = dry_step(state, reading, rules)
    if moved is not None:
        return RulesState(state.tracks, {**state.stations, reading.station_id: moved}, state.seen), []
    minute = minute_of(reading.observed_at)
    old = state.stations.get(reading.station_id)
    if old is not None and minute <= old.latest - KEEP_MINUTES:
        return state, []
    station = _evaluate(_record(old, reading, minute), rules, at=None)
    state = RulesState(state.tracks, {**state.stations, reading.station_id: station}, state.seen)
    if (old.flags if old is not None else ()) == station.flags:
        return state, []
    origin = Trigger(
        at=reading.occurred_at,
        input_id=reading.event_id,
        source=Source.RAINFALL,
        rule="rainfall",
        inputs=(reading.event_id,),
        reason=("", ""),
        causation_id=reading.event_id,
        correlation_id=reading.correlation_id or reading.event_id,
    )
    return _evaluate_street(state, station.street, rules, origin)


def recheck_stations(
    state: RulesState, now: datetime, rules: RulesFile
) -> tuple[RulesState, list[ResponseEvent]]:
    """Let time pass for stations whose rain is leaving a window (on a Tick)."""
    minute = minute_of(now)
    stations = dict(state.stations)
    streets: set[Street] = set()
    for station_id, station in sorted(state.stations.items()):
        if station.recheck_at is None or station.recheck_at > minute:
            continue
        fresh = _evaluate(station, rules, at=minute)
        stations[station_id] = fresh
        if fresh.flags != station.flags:
            streets.add(fresh.street)
    state = replace(state, stations=stations)
    events: list[ResponseEvent] = []
    tick_id = f"tick:{now.isoformat()}"
    origin = Trigger(
        at=now, input_id=tick_id, source=Source.RAINFALL, rule="rainfall", inputs=(), reason=("", "")
    )
    for street in sorted(streets):
        state, decided = _evaluate_street(state, street, rules, origin)
        events += decided
    return state, events


def dry_step(state: RulesState, reading: GaugeReading, rules: RulesFile) -> Station | None:
    """The reading's station after a reading that can decide nothing, or None when the reading
    needs :func:`apply_reading`. For batches: :func:`~services.rules.domain.engine.apply_all`
    records such readings into one stations index of its own instead of a new one each."""
    if reading.street is None or not rules.rainfall:
        return None
    old = state.stations.get(reading.station_id)
    minute = minute_of(reading.observed_at)
    if old is None or minute <= old.latest - KEEP_MINUTES:
        return None
    return _moved(old, reading, minute)


def _moved(old: Station | None, reading: GaugeReading, minute: int) -> Station | None:
    """The station after a dry reading at a station over no threshold, else None.

    Most readings of a season are such: totals can only fall, so nothing can change but the
    time. The constructor is called directly (not ``dataclasses.replace``): this runs
    millions of times a season.
    """
    if (
        old is None
        or reading.rainfall_mm != 0
        or reading.corrects
        or old.flags
        or minute in old.buckets
        or minute < old.latest
        or reading.street is not old.street
    ):
        return None
    return Station(
        street=old.street,
        latest=minute,
        as_of=max(old.as_of, minute),
        last_event=reading.event_id,
        buckets=prune(old.buckets, newest=minute),
        corrections=old.corrections,
        totals=old.totals,
        flags=old.flags,
        recheck_at=old.recheck_at,
    )


def _record(old: Station | None, reading: GaugeReading, minute: int) -> Station:
    assert reading.street is not None  # noqa: S101 - checked by the caller
    buckets = dict(old.buckets) if old else {}
    corrections = dict(old.corrections) if old else {}
    if reading.corrects:
        corrections[minute] = reading.rainfall_mm
    elif reading.rainfall_mm > 0:
        buckets[minute] = reading.rainfall_mm
    else:
        buckets.pop(minute, None)
    if old is None:
        return Station(
            street=reading.street,
            latest=minute,
            as_of=minute,
            buckets=buckets,
            corrections=corrections,
            last_event=reading.event_id,
        )
    latest = max(old.latest, minute)
    # Stations are built field by field here and below (not dataclasses.replace, which looks
    # every field up by name): this runs for every rainy reading of a season.
    return Station(
        street=reading.street,
        latest=latest,
        as_of=max(old.as_of, latest),
        last_event=reading.event_id if minute >= old.latest else old.last_event,
        buckets=prune(buckets, newest=latest),
        corrections=prune(corrections, newest=latest),
        totals=old.totals,
        flags=old.flags,
        recheck_at=old.recheck_at,
    )


def _evaluate(station: Station, rules: RulesFile, *, at: int | None) -> Station:
    """The station's totals and flags as of ``at`` (or its own ``as_of``)."""
    when = station.as_of if at is None else max(station.as_of, at)
    sums, leaving = measure(station.buckets, station.corrections, at=when)
    over = [r for r in rules.rainfall if sums[r.window_hours] >= r.threshold_mm]
    recheck = min((m for r in over if (m := leaving[r.window_hours]) is not None), default=None)
    return Station(
        street=station.street,
        latest=station.latest,
        as_of=when,
        last_event=station.last_event,
        buckets=station.buckets,
        corrections=station.corrections,
        totals=sums,
        flags=tuple(r.id for r in over),
        recheck_at=recheck,
    )


def _evaluate_street(
    state: RulesState, street: Street, rules: RulesFile, origin: Trigger
) -> tuple[RulesState, list[ResponseEvent]]:
    members = sorted((sid, st) for sid, st in state.stations.items() if st.street is street)
    scope = Scope.of_streets([street])
    key = track_key(scope, False)
    track = state.tracks.get(key) or Track(scope=scope)
    causes = dict(track.causes)
    quiet = timedelta(minutes=rules.de_escalation.rainfall_quiet_minutes)
    fired: list[Cause] = []
    for rule in rules.rainfall:
        over = [(sid, st) for sid, st in members if rule.id in st.flags]
        cause_key = f"rainfall:{rule.id}"
        cause = causes.get(cause_key)
        if len(over) >= rule.min_stations:
            if cause is None:
                cause = _cause(rule, street, over, origin)
                fired.append(cause)
            elif cause.ends_at is not None:
                cause = cause.model_copy(update={"ends_at": None, "end_input": None})  # it rains again
            causes[cause_key] = cause
        elif cause is not None and cause.ends_at is None:
            causes[cause_key] = cause.model_copy(
                update={"ends_at": origin.at + quiet, "end_input": origin.input_id}
            )
    track = track.model_copy(update={"causes": causes})
    events: list[ResponseEvent] = []
    if fired:
        top = max(fired, key=lambda c: c.level.rank)
        trigger = replace(origin, rule=top.rule, reason=(top.label_zh, top.label_en))
        track, events = reconcile_in(state, track, trigger, rules)
    return replace(state, tracks={**state.tracks, key: track}), events


def _cause(rule: RainfallRule, street: Street, over: list[tuple[str, Station]], origin: Trigger) -> Cause:
    hours = rule.window_hours
    listed = [f"{sid} {st.totals.get(hours, 0.0):.1f}" for sid, st in over[:_LISTED]]
    more_zh = f"等{len(over)}站" if len(over) > _LISTED else ""
    more_en = f" and {len(over) - _LISTED} more" if len(over) > _LISTED else ""
    return Cause(
        key=f"rainfall:{rule.id}",
        source=Source.RAINFALL,
        rule=rule.id,
        level=rule.level,
        label_zh=(
            f"{street.chinese}街道{len(over)}个雨量站{hours}小时雨量达{rule.threshold_mm:g}毫米以上"
            f"（{'、'.join(s + '毫米' for s in listed)}{more_zh}）"
        ),
        label_en=(
            f"{len(over)} station(s) in {street.value.capitalize()} with {rule.threshold_mm:g} mm or more "
            f"in {hours} h "
            f"({', '.join(s + ' mm' for s in listed)}{more_en})"
        ),
        inputs=tuple(st.last_event for _, st in over),
        correlation_id=origin.correlation_id or origin.input_id,
        since=origin.at,
    )
