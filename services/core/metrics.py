"""Prometheus metrics, defined once for the whole process and served at ``/metrics``."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

__all__ = [
    "ACKS",
    "CONSUMER_LAG",
    "CONSUMER_RETRIES",
    "CONSUMER_STUCK",
    "DEADLETTERS",
    "ESCALATIONS",
    "MQTT_PUBLISHED",
    "MQTT_SESSION_TAKEN_OVER",
    "NOTICES",
    "RAINFALL_READINGS",
    "SENDS",
    "SOURCE_POLLS",
    "SOURCE_UP",
    "STATIONS_SILENT",
    "STATION_LAST_READING",
    "WARNINGS_ACCEPTED",
    "WARNINGS_DUPLICATE",
    "WARNINGS_HELD",
    "WARNING_TO_ACTIVATION",
]

WARNINGS_ACCEPTED = Counter("sanfang_warnings_accepted_total", "Warnings accepted by ingest", ["source"])
WARNINGS_DUPLICATE = Counter("sanfang_warnings_duplicate_total", "Warnings already seen", ["source"])
DEADLETTERS = Counter("sanfang_deadletters_total", "Inputs refused and dead-lettered", ["source", "reason"])
NOTICES = Counter("sanfang_notices_total", "Notices created by dispatch", ["change"])
MQTT_PUBLISHED = Counter("sanfang_mqtt_published_total", "Notices published to the app over MQTT")
MQTT_SESSION_TAKEN_OVER = Counter(
    "sanfang_mqtt_ack_session_taken_over_total",
    "Times another process took dispatch's persistent MQTT ack session (one client id) from this one",
)
ACKS = Counter("sanfang_acks_total", "Acknowledgements recorded", ["channel", "counted"])
# dispatch: every send attempt by channel and outcome, escalation steps taken
SENDS = Counter("sanfang_sends_total", "Send attempts by channel and outcome", ["channel", "outcome"])
ESCALATIONS = Counter("sanfang_escalations_total", "Escalation actions taken", ["action"])
SOURCE_UP = Gauge("sanfang_source_up", "1 when a polled feed answered at its last poll", ["source"])
# ingest: polls, readings, stations, warnings held for order
SOURCE_POLLS = Counter("sanfang_source_polls_total", "Polls of a feed by outcome", ["source", "outcome"])
RAINFALL_READINGS = Counter(
    "sanfang_rainfall_readings_total", "Gauge readings taken by ingest", ["source", "outcome"]
)
STATIONS_SILENT = Gauge("sanfang_stations_silent", "Active stations with no recent reading")
STATION_LAST_READING = Gauge(
    "sanfang_station_last_reading_timestamp_seconds", "When a station's newest reading was taken", ["station"]
)
WARNINGS_HELD = Gauge("sanfang_warnings_held", "Updates/cancels waiting for the message they reference")
WARNING_TO_ACTIVATION = Histogram(
    "sanfang_warning_to_activation_seconds",
    "Time from a warning's issue to the response it caused",
    buckets=(1, 5, 15, 60, 300, 900, 3600),
)
# the bus: how far each consumer group is behind its topics (sampled every few seconds)
CONSUMER_LAG = Gauge("sanfang_consumer_lag", "Records a consumer group has still to handle", ["group"])
CONSUMER_RETRIES = Counter(
    "sanfang_consumer_retries_total", "Batches tried again after a transient error", ["group"]
)
CONSUMER_STUCK = Gauge(
    "sanfang_consumer_stuck", "1 while a consumer group has events in hand and makes no progress", ["group"]
)
