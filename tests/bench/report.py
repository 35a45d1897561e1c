"""How every benchmark reports: the product's figure, its floor measured the same way in the
same run, and their ratio, on one line; and one JSON line appended to the history
(``tests/bench/history.jsonl``, or the file ``SANFANG_BENCH_HISTORY`` names) with the date,
the commit and the machine's cores, so that a regression shows against earlier runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HISTORY = ROOT / "tests" / "bench" / "history.jsonl"


@dataclass(frozen=True)
class Figure:
    """One measured figure: what, how much, in which unit, and whether more is better."""

    name: str
    value: float
    unit: str
    higher_is_better: bool


def history_path() -> Path:
    """Where results are appended (the CI smoke test points it at a temporary file)."""
    return Path(os.environ.get("SANFANG_BENCH_HISTORY") or HISTORY)


def _commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--", "services", "schemas"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    # Code not committed yet is not the commit's: say so, or the history would lie.
    return out.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")


def report(benchmark: str, product: Figure, baseline: Figure, **extra: float | str) -> None:
    """Print ``benchmark: product … | floor … | ratio …`` and append the record to the history.

    The ratio is product / floor: for a duration 1.0 is the floor and more is slower, for a
    rate (``higher_is_better``) 1.0 is the floor and less is slower.
    """
    ratio = product.value / baseline.value if baseline.value else float("inf")
    line = (
        f"{benchmark}: {product.name} {product.value:,.3f} {product.unit} | "
        f"floor ({baseline.name}) {baseline.value:,.3f} {baseline.unit} | "
        f"ratio {ratio:,.2f}x"
    )
    if extra:
        line += " | " + ", ".join(
            f"{k} {v:,.3f}" if isinstance(v, float) else f"{k} {v}" for k, v in extra.items()
        )
    sys.stdout.write(line + "\n")
    sys.stdout.flush()
    record = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "commit": _commit(),
        "cores": os.cpu_count(),
        "benchmark": benchmark,
        "figure": asdict(product),
        "floor": asdict(baseline),
        "ratio": round(ratio, 4),
        **extra,
    }
    path = history_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as out:
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
