"""The invariants of a disturbed run against the undisturbed one, and the table they print.

>>> report = Report("demo")
>>> report.check("an invariant", 3, ["person p1: two notices"])
>>> report.violations
1
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from tests.faults.faults import Injector
from tests.faults.observe import AckLedger, NoticeWatch
from tests.faults.outcome import Outcome

__all__ = ["Report", "check_run"]

_SHOWN = 5


@dataclass
class Report:
    """Invariants checked (how many facts each looked at) and the violations found."""

    name: str
    checked: dict[str, int] = field(default_factory=dict)
    found: dict[str, list[str]] = field(default_factory=dict)
    faults: Counter[str] = field(default_factory=Counter)
    failed_faults: Counter[str] = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def check(self, invariant: str, checked: int, violations: list[str]) -> None:
        self.checked[invariant] = self.checked.get(invariant, 0) + checked
        self.found.setdefault(invariant, []).extend(violations)

    @property
    def violations(self) -> int:
        return sum(len(v) for v in self.found.values())

    def table(self) -> str:
        """Faults injected by kind, invariants checked, violations (with the first examples)."""
        lines = [f"== {self.name} ({self.seconds:.0f} s)", f"{'fault injected':<58}{'count':>7}"]
        for kind in sorted(set(self.faults) | set(self.failed_faults)):
            count, failed = self.faults.get(kind, 0), self.failed_faults.get(kind, 0)
            lines.append(
                f"  {kind:<56}{count:>7}" + (f"  ({failed} could not be injected)" if failed else "")
            )
        if not self.faults:
            lines.append("  (none: the undisturbed run)")
        lines.append(f"{'invariant':<58}{'checked':>9}{'violations':>12}")
        for invariant, checked in self.checked.items():
            found = self.found.get(invariant, [])
            lines.append(f"  {invariant:<56}{checked:>9}{len(found):>12}")
            lines += [f"      - {v}" for v in found[:_SHOWN]]
            if len(found) > _SHOWN:
                lines.append(f"      … and {len(found) - _SHOWN} more")
        lines.append(f"  {'total':<56}{sum(self.checked.values()):>9}{self.violations:>12}")
        lines += [f"  note: {note}" for note in self.notes]
        return "\n".join(lines)


def check_run(
    report: Report,
    run: Outcome,
    baseline: Outcome,
    watch: NoticeWatch,
    ledger: AckLedger,
    injector: Injector | None,
    refused_cues: list[str],
) -> None:
    """Every invariant of issue 10, in the order a reader would ask."""
    report.check("the day's cues accepted by ingest", len(refused_cues) or 1, refused_cues)

    # 1. The same responses and level changes as the undisturbed run.
    wrong = [
        f"{' '.join(key)}: {run.decisions[key]} here, {baseline.decisions[key]} undisturbed"
        for key in sorted(set(run.decisions) | set(baseline.decisions))
        if run.decisions[key] != baseline.decisions[key]
    ]
    wrong += [
        f"final {key}: {run.final[key]} here, {baseline.final[key]} undisturbed"
        for key in sorted(set(run.final) | set(baseline.final))
        if run.final[key] != baseline.final[key]
    ]
    report.check(
        "same responses and level changes", sum(baseline.decisions.values()) + len(baseline.final), wrong
    )

    # 2. Every targeted person exactly one notice per change, in the store …
    here, there = run.notice_keys, baseline.notice_keys
    store_wrong = [f"missing: {_key(k)}" for k in sorted(set(there) - set(here))]
    store_wrong += [f"not in the undisturbed run: {_key(k)}" for k in sorted(set(here) - set(there))]
    store_wrong += [f"{n} notices: {_key(k)}" for k, n in sorted(here.items()) if n > 1]
    report.check("one notice per person per change (store)", len(there), store_wrong)

    # … and on MQTT: every stored notice pushed, never two notices for one change.
    mqtt_wrong = [
        f"never pushed: notice {row.notice_id} ({_key(row.key)})"
        for row in run.notices.values()
        if not watch.seen(row.notice_id)
    ]
    mqtt_wrong += [
        f"{len(ids)} different notices pushed for response {k[0]} {k[1]} {k[2]} person {k[3]}"
        for k, ids in watch.by_key.items()
        if len(ids) > 1
    ]
    mqtt_wrong += [
        f"pushed but not in the store: notice {nid}" for nid in watch.notices if nid not in run.notices
    ]
    report.check("one notice per person per change (MQTT)", len(run.notices), mqtt_wrong)
    redelivered = sum(n - 1 for n in watch.live.values() if n > 1)
    if redelivered:
        report.notes.append(f"{redelivered} QoS 1 redeliveries of a notice already received (same notice id)")

    # 3. Every ack that got a 2xx (or a PUBACK) counted exactly once.
    ack_wrong: list[str] = []
    accepted = Counter(ledger.by_notice)
    for ref, n in ledger.keypresses.items():
        notice = run.call_notice.get(ref)
        if notice is None:
            ack_wrong.append(f"keypress on call {ref} answered 2xx, but no such call in the store")
        else:
            accepted[notice] += n
    for notice_id in sorted(accepted):
        row = run.notices.get(notice_id)
        counted = run.counted_acks[notice_id]
        if row is None:
            ack_wrong.append(f"ack of notice {notice_id} answered 2xx, but the notice is not in the store")
        elif counted != 1 or row.acked_at is None:
            ack_wrong.append(
                f"ack of notice {notice_id} (person {row.person_id}) answered 2xx, counted {counted} times"
                f" (via {', '.join(sorted(ledger.channels.get(notice_id, set()))) or 'a keypress'})"
            )
    for phone, n in sorted(ledger.sms_replies.items()):
        person = run.phones.get(phone, phone)
        if run.sms_counted[person] != n:
            ack_wrong.append(
                f"person {person}: {n} SMS replies acknowledged, {run.sms_counted[person]} counted"
            )
    ack_wrong += [
        f"notice {nid}: {n} acks counted"
        for nid, n in run.counted_acks.items()
        if n > 1 and nid not in accepted
    ]
    report.check(
        "every 2xx ack counted exactly once", sum(accepted.values()) + len(ledger.sms_replies), ack_wrong
    )

    # 4. No escalation step after an ack.
    late = []
    for notice_id, step, at in run.escalations:
        row = run.notices.get(notice_id)
        if row is not None and row.acked_at is not None and at > row.acked_at:
            late.append(
                f"notice {notice_id} (person {row.person_id}): step {step} at {at:%H:%M:%S.%f}, "
                f"acked {row.acked_at:%H:%M:%S.%f}"
            )
    report.check("no escalation step after an ack", len(run.escalations), late)

    # 5. Every bus event exactly once in the event store.
    store_wrong = [f"event {eid} recorded {n} times" for eid, n in run.events.items() if n > 1]
    store_wrong += [f"outbox event {eid} never recorded" for eid in sorted(run.outbox - set(run.events))]
    store_wrong += [
        f"notice {nid} pushed over MQTT, no notice event" for nid in watch.notices if nid not in run.events
    ]
    store_wrong += [
        f"notice {nid} acknowledged in the store, no ack event"
        for nid, row in run.notices.items()
        if row.acked_at is not None and run.ack_events[nid] == 0
    ]
    if run.unpublished:
        store_wrong.append(f"{run.unpublished} outbox rows never published")
    report.check("every bus event once in the event store", len(run.events), store_wrong)

    # 6. Malformed messages end as dead letters (unless the broker died with them first).
    if injector is not None and injector.malformed:
        lost = 0
        dead: list[str] = []
        for item in injector.malformed:
            if any(item.at <= t <= item.at + 10 for t in injector.broker_losses):
                lost += 1
                continue
            if not any(item.marker in raw for raw in run.deadletters):
                dead.append(f"malformed message {item.marker} on {item.topic} not dead-lettered")
        report.check("malformed messages dead-lettered", len(injector.malformed) - lost, dead)
        if lost:
            report.notes.append(f"{lost} malformed messages were lost with the broker before being read")


def _key(key: tuple[str, str, str, str]) -> str:
    scope, change, level, person = key
    return f"person {person}, {change} {level} {scope}"
