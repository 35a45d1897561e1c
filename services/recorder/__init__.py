"""Recorder: keeps every bus event in the append-only event store that replay reads."""
