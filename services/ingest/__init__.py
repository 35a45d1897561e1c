"""Ingest: takes warning and rain-gauge feeds, validates them, publishes them to the bus."""
