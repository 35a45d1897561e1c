"""The pure part of replay: timeline, metrics, rainfall, level steps and what-if over event
models. Nothing here does IO; the sources and the report writer live beside it."""
