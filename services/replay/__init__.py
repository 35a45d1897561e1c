"""Replay and review: the timeline, metrics and what-if of any window of recorded events."""
