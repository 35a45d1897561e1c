"""Prometheus metrics of the rules service (served with the rest at ``/metrics``)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

__all__ = ["RULES_REFUSED", "RULES_RELOADS"]

RULES_RELOADS = Counter(
    "sanfang_rules_reloads_total", "Rules file reloads, by outcome (applied or refused)", ["outcome"]
)
RULES_REFUSED = Gauge(
    "sanfang_rules_refused", "1 while the rules file on disk was refused and the last good rules run"
)
