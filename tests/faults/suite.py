"""The suite as ``scripts/faults`` and the CI test run it: the undisturbed day, then the day
under the fault plan on ``sanfang up``, then on ``sanfang run`` processes over PostgreSQL
(on the suite's own Tansu, and on the ``scripts/kafka`` cluster with Kafka broker kills);
each checked against the undisturbed run, with the table of faults and invariants.

The CI form (``short``) injects each kind of fault once or twice in a minute of play; the
long form (``--long``) plays slower persons and injects several of each kind, over minutes.

>>> sorted(k.name for k in PLANS["short"]["one machine"])[:2]
['BROKER_KILL', 'GATEWAY_5XX']
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

from tests.faults.check import Report, check_run
from tests.faults.day import Pace
from tests.faults.faults import Kind
from tests.faults.run import Played, Setup, play

__all__ = ["PLANS", "run_suite"]

#: Which shapes each form plays. The short form fits CI (about 5 minutes on 2 cores: the
#: undisturbed day and the day under faults on ``sanfang up``, each ~2 minutes); the long form
#: adds the ``sanfang run``-per-service shape on a private PostgreSQL (service SIGKILL and
#: SIGSTOP, ``pg_terminate_backend``, PostgreSQL restarts) and several faults of every kind.
VARIANTS = {"short": ("one machine",), "long": ("one machine", "split", "kafka")}
#: How each variant's report is titled.
TITLES = {
    "one machine": "faults on sanfang up (SQLite, embedded broker)",
    "split": "faults on sanfang run per service (PostgreSQL)",
    "kafka": "faults on sanfang run per service (PostgreSQL, Apache Kafka cluster)",
}

PLANS: dict[str, dict[str, dict[Kind, int]]] = {
    "short": {
        "one machine": {
            Kind.UP_SIGKILL: 2,
            Kind.UP_SIGSTOP: 1,
            Kind.BROKER_KILL: 1,
            Kind.MQTT_RESTART: 1,
            Kind.GATEWAY_5XX: 1,
            Kind.GATEWAY_TIMEOUT: 1,
            Kind.MALFORMED: 1,
        },
        "split": {
            Kind.SERVICE_SIGKILL: 2,
            Kind.PG_TERMINATE: 1,
            Kind.PG_RESTART: 1,
            Kind.MALFORMED: 1,
        },
        "kafka": {
            Kind.KAFKA_BROKER_KILL: 2,
            Kind.SERVICE_SIGKILL: 1,
            Kind.PG_TERMINATE: 1,
            Kind.MALFORMED: 1,
        },
    },
    # The long form adds: ten SIGKILLs of the whole process group, several of every other
    # kind, SIGSTOP of single services, and a slower day (more acks cross the ladder).
    "long": {
        "one machine": {
            Kind.UP_SIGKILL: 10,
            Kind.UP_SIGSTOP: 3,
            Kind.BROKER_KILL: 3,
            Kind.MQTT_RESTART: 3,
            Kind.GATEWAY_5XX: 3,
            Kind.GATEWAY_TIMEOUT: 3,
            Kind.MALFORMED: 3,
        },
        "split": {
            Kind.SERVICE_SIGKILL: 6,
            Kind.SERVICE_SIGSTOP: 3,
            Kind.PG_TERMINATE: 4,
            Kind.PG_RESTART: 3,
            Kind.MQTT_RESTART: 2,
            Kind.GATEWAY_5XX: 2,
            Kind.MALFORMED: 2,
        },
        "kafka": {
            Kind.KAFKA_BROKER_KILL: 4,
            Kind.SERVICE_SIGKILL: 3,
            Kind.SERVICE_SIGSTOP: 2,
            Kind.PG_TERMINATE: 2,
            Kind.MQTT_RESTART: 1,
            Kind.MALFORMED: 2,
        },
    },
}

PACES = {
    "short": (Pace(), (3.0, 55.0)),
    "long": (Pace(cue_speed=300.0, person_speed=20.0, answer_until=180.0), (3.0, 170.0)),
}


def _report(name: str, played: Played, baseline: Played | None) -> Report:
    report = Report(name, seconds=played.seconds)
    if played.injector is not None:
        report.faults.update({k.value: n for k, n in played.injector.injected.items()})
        report.failed_faults.update({k.value: n for k, n in played.injector.failed.items()})
    reference = baseline.outcome if baseline is not None else played.outcome
    check_run(
        report, played.outcome, reference, played.watch, played.ledger, played.injector, played.refused_cues
    )
    k = played.outcome.kinds
    report.notes.append(
        f"recorded: {k['response.activated']} activations, {k['notice']} notices, {k['ack']} acks, "
        f"{k['escalation']} escalation steps; acks accepted by channel {dict(played.ledger.by_channel)}"
    )
    if played.restarted_by_itself:
        report.notes.append(f"{played.restarted_by_itself} restarts after a process exited by itself")
    return report


async def run_suite(
    form: str, workdir: Path, *, seed: int = 2024, variants: tuple[str, ...] | None = None
) -> list[Report]:
    """The undisturbed run and each faulted variant, with a report each."""
    pace, window = PACES[form]
    variants = variants or VARIANTS[form]
    baseline = await play(Setup("undisturbed", workdir / "undisturbed", seed=seed, pace=pace))
    reports = [_report("undisturbed (sanfang up)", baseline, None)]
    for variant in variants:
        setup = Setup(
            variant,
            workdir / variant.replace(" ", "-"),
            split=variant in ("split", "kafka"),
            bus="kafka" if variant == "kafka" else "embedded",
            seed=seed,
            pace=pace,
            faults=PLANS[form][variant],
            fault_window=window,
        )
        played = await play(setup)
        reports.append(_report(TITLES[variant], played, baseline))
    return reports


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/faults", description=__doc__.split("\n\n")[0])
    parser.add_argument("--long", action="store_true", help="minutes more: more faults of every kind")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--variant", action="append", choices=list(TITLES))
    parser.add_argument("--keep", type=Path, help="keep the runs' data and logs in this directory")
    args = parser.parse_args(argv)
    form = "long" if args.long else "short"
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="sanfang-faults-") as tmp:
        workdir = args.keep or Path(tmp)
        reports = asyncio.run(
            run_suite(form, workdir, seed=args.seed, variants=tuple(args.variant or VARIANTS[form]))
        )
    for report in reports:
        sys.stdout.write(report.table() + "\n\n")
    total = sum(r.violations for r in reports)
    sys.stdout.write(
        f"{form} form, seed {args.seed}: {total} violations in {time.monotonic() - started:.0f} s\n"
    )
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
