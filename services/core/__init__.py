"""Shared plumbing: settings, clock, the Kafka bus, the store, the outbox, the embedded broker."""
