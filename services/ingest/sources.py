"""The polled feeds: a YAML file (``SANFANG_SOURCES_FILE``) validated into :class:`SourcesFile`.

>>> sources = parse_sources_yaml('''
... sources:
...   - name: szmb-cap
...     kind: warnings-cap
...     url: https://example.org/cap/index.atom
...     interval_seconds: 60
... ''')
>>> sources[0].timeout_seconds, sources[0].kind
(10.0, 'warnings-cap')
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from services.core.errors import ConfigError

__all__ = ["Source", "SourceKind", "SourcesFile", "load_sources", "parse_sources_yaml"]

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


def parse_sources_yaml(text: str) -> tuple[Source, ...]:
    """The sources of a YAML document; :class:`ConfigError` says what is wrong."""
    try:
        document = yaml.safe_load(text)
        return SourcesFile.model_validate(document if document is not None else {}).sources
    except yaml.YAMLError as exc:
        raise ConfigError(f"the sources file is not valid YAML: {exc}") from exc
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in error['loc']) or '(file)'}: {error['msg']}"
            for error in exc.errors(include_url=False)
        )
        raise ConfigError(f"the sources file is invalid: {problems}") from exc


def load_sources(path: Path) -> tuple[Source, ...]:
    """Read and validate the sources file at ``path``."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read the sources file {path}: {exc}") from exc
    return parse_sources_yaml(text)
