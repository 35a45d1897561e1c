"""Prometheus metrics, defined once for the whole process and served at ``/metrics``."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

__all__ = [
    "ACKS",
    "DEADLETTERS",
    "MQTT_PUBLISHED",
    "NOTICES",
    "SOURCE_UP",
    "WARNINGS_ACCEPTED",
    "WARNINGS_DUPLICATE",
    "WARNING_TO_ACTIVATION",
]

WARNINGS_ACCEPTED = Counter("sanfang_warnings_accepted_total", "Warnings accepted by ingest", ["source"])
WARNINGS_DUPLICATE = Counter("sanfang_warnings_duplicate_total", "Warnings already seen", ["source"])
DEADLETTERS = Counter("sanfang_deadletters_total", "Inputs refused and dead-lettered", ["source", "reason"])
NOTICES = Counter("sanfang_notices_total", "Notices created by dispatch", ["change"])
MQTT_PUBLISHED = Counter("sanfang_mqtt_published_total", "Notices published to the app over MQTT")
ACKS = Counter("sanfang_acks_total", "Acknowledgements recorded", ["channel", "counted"])
SOURCE_UP = Gauge("sanfang_source_up", "1 when a polled feed answered at its last poll", ["source"])
WARNING_TO_ACTIVATION = Histogram(
    "sanfang_warning_to_activation_seconds",
    "Time from a warning's issue to the response it caused",
    buckets=(1, 5, 15, 60, 300, 900, 3600),
)
