"""Reading ``SANFANG_TARGETING_FILE``: targeting and the escalation ladder, from YAML.

>>> read_policy(None).escalation.steps[0].after_minutes
5.0
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import ValidationError

from services.core.errors import ConfigError
from services.dispatch.domain.policy import DispatchPolicy

__all__ = ["read_policy"]


def read_policy(path: Path | None) -> DispatchPolicy:
    """The policy in ``path``; the defaults (everyone, default ladder) when ``path`` is None."""
    if path is None:
        return DispatchPolicy()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise ConfigError(f"cannot read the targeting file {path}: {exc}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path} is not valid YAML: {exc}") from exc
    try:
        return DispatchPolicy.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"{path} is not a valid targeting file: {exc}") from exc
