"""How every benchmark reports: the product's figure, the baseline measured in the same
run, and their ratio, on one line, and appended as JSON to ``bench-results/results.jsonl``."""

from __future__ import annotations

import json
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

RESULTS = Path(__file__).resolve().parents[2] / "bench-results" / "results.jsonl"


@dataclass(frozen=True)
class Figure:
    """One measured figure: what, how much, in which unit, and whether more is better."""

    name: str
    value: float
    unit: str
    higher_is_better: bool


def report(benchmark: str, product: Figure, baseline: Figure, **extra: float | str) -> None:
    """Print ``benchmark: product … | baseline … | ratio …`` and keep the record."""
    ratio = product.value / baseline.value if baseline.value else float("inf")
    line = (
        f"{benchmark}: {product.name} {product.value:,.3f} {product.unit} | "
        f"baseline ({baseline.name}) {baseline.value:,.3f} {baseline.unit} | "
        f"ratio {ratio:,.2f}x"
    )
    if extra:
        line += " | " + ", ".join(
            f"{k} {v:,.3f}" if isinstance(v, float) else f"{k} {v}" for k, v in extra.items()
        )
    sys.stdout.write(line + "\n")
    sys.stdout.flush()
    RESULTS.parent.mkdir(exist_ok=True)
    record = {
        "benchmark": benchmark,
        "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "product": asdict(product),
        "baseline": asdict(baseline),
        "ratio": ratio,
        **extra,
    }
    with RESULTS.open("a", encoding="utf-8") as out:
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
