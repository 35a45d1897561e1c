"""The polled-sources file (``SANFANG_SOURCES_FILE``): which feeds ingest polls, how often and
how patiently. Load one from YAML with ``services.ingest.sources.load_sources``.

>>> file = SourcesFile.model_validate({"sources": [{"name": "szmb-cap", "kind": "warnings-cap",
...     "url": "https://example.org/cap/index.atom", "interval_seconds": 60}]})
>>> file.sources[0].timeout_seconds, file.sources[0].kind
(10.0, 'warnings-cap')
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = ["Source", "SourceKind", "SourcesFile"]

SourceKind = Literal["warnings-cap", "warnings-json", "rainfall-json", "rainfall-csv"]


class Source(BaseModel):
    """One feed: what it serves, where, how often and how patiently it is polled.

    ``warnings-cap`` is one CAP 1.2 document, or an Atom/RSS index whose entries link to
    CAP documents; ``warnings-json`` a public-API answer (``{"warning": [...]}``);
    ``rainfall-*`` gauge readings. ``headers`` go with every request (API keys: keep the
    file readable by the service only).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,47}$")
    kind: SourceKind
    url: str = Field(min_length=8, max_length=2000)
    interval_seconds: float = Field(ge=0.05, le=86400)
    timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    max_backoff_seconds: float = Field(default=900.0, gt=0, le=86400)
    headers: dict[str, str] = Field(default_factory=dict)

    @field_validator("url")
    @classmethod
    def _http(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("url must start with http:// or https://")
        return value


class SourcesFile(BaseModel):
    """The whole file: a list of sources with unique names."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    sources: tuple[Source, ...] = ()

    @model_validator(mode="after")
    def _unique(self) -> SourcesFile:
        names = [source.name for source in self.sources]
        twice = sorted({name for name in names if names.count(name) > 1})
        if twice:
            raise ValueError(f"source names must be unique; repeated: {', '.join(twice)}")
        return self
