"""The station registry a running ingest uses: ``SANFANG_STATIONS_FILE``, or Bao'an's shipped one.

>>> len(load_registry(None)) > 20
True
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from services.core.errors import ConfigError
from services.ingest.errors import Rejected
from services.ingest.formats.stations import StationRegistry, load_stations_csv

__all__ = ["default_stations_csv", "load_registry"]


def default_stations_csv() -> bytes:
    """The Bao'an registry shipped in the package (``services/ingest/data/stations.csv``)."""
    return resources.files("services.ingest.data").joinpath("stations.csv").read_bytes()


def load_registry(path: Path | None) -> StationRegistry:
    """Load the registry at ``path`` (None: the shipped one); refuse to start on a bad file."""
    where = str(path) if path else "the shipped Bao'an registry"
    try:
        body = path.read_bytes() if path else default_stations_csv()
        return load_stations_csv(body)
    except OSError as exc:
        raise ConfigError(f"cannot read the station registry {where}: {exc}") from exc
    except Rejected as exc:
        raise ConfigError(f"the station registry {where} is invalid: {exc}") from exc
