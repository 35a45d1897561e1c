"""The exception tree of Sanfang's plumbing.

    SanfangError
    ├── ConfigError          settings or a config file are wrong; refuse to start
    ├── BrokerError          the embedded broker could not start or answer
    │   └── BrokerGone       the embedded broker died while running; the process starts again
    └── TransientError       something is away for now; the work is tried again later
        ├── BusError         Kafka refused or lost a message
        ├── StoreError       the database could not be reached or migrated
        └── (PushError …)    a channel's server is away (defined by dispatch)

Third-party errors are translated once, where they are caught: ``raise BusError(...) from exc``.
"""

from __future__ import annotations

__all__ = [
    "BrokerError",
    "BrokerGone",
    "BusError",
    "ConfigError",
    "SanfangError",
    "StoreError",
    "TransientError",
]


class SanfangError(Exception):
    """Root of every error Sanfang raises on purpose."""


class ConfigError(SanfangError):
    """Settings or a configuration file are invalid."""


class BrokerError(SanfangError):
    """The embedded Kafka-compatible broker could not be started or did not answer."""


class BrokerGone(BrokerError):
    """The embedded broker's process ended while the services ran: its topics are gone."""


class TransientError(SanfangError):
    """A dependency is away for now: a consumer retries the batch after a backoff."""


class BusError(TransientError):
    """The Kafka bus refused a message, or a message could not be read."""


class StoreError(TransientError):
    """The database could not be reached, migrated or written."""
