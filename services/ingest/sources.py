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

import yaml
from pydantic import ValidationError

from schemas.sources import Source, SourcesFile
from services.core.errors import ConfigError

__all__ = ["load_sources", "parse_sources_yaml"]


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
