"""Logging set-up for the ``sanfang`` command: one line per record, UTC timestamps."""

from __future__ import annotations

import logging
import sys
import time

__all__ = ["setup_logging"]


def setup_logging(level: str = "INFO") -> None:
    """Log to stderr as ``2024-05-04T06:45:00Z INFO sanfang.x: message``."""
    formatter = logging.Formatter("%(asctime)sZ %(levelname)s %(name)s: %(message)s", "%Y-%m-%dT%H:%M:%S")
    formatter.converter = time.gmtime
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # The Kafka client logs every reconnect attempt at ERROR; our own retry logs say enough.
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL if level != "DEBUG" else logging.DEBUG)
    # The scheduler logs every wake-up of every job; only its problems are worth a line.
    logging.getLogger("apscheduler").setLevel(logging.WARNING if level != "DEBUG" else logging.DEBUG)
