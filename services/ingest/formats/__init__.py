"""Pure parsing of warning and rain-gauge feeds: bytes in, schema events out, or :class:`Rejected`.

No network, broker or database here; the ingest service wires these to HTTP and Kafka.

===================================  ==========================================
module                               what it reads
===================================  ==========================================
:mod:`.cap`                          CAP 1.2 XML warnings
:mod:`.china_json`                   JSON warnings (QWeather-style APIs)
:mod:`.gauge`                        rain-gauge readings, JSON and CSV
:mod:`.stations`                     the station registry (CSV)
:mod:`.gaps`                         missing readings, silent stations
:mod:`.gbt`                          GB/T 35965.1 identifiers
===================================  ==========================================

>>> from services.ingest.formats import parse_gbt_identifier
>>> parse_gbt_identifier("44030041600000_20250506131649").admin_code
'440300'
"""

from services.ingest.formats.cap import parse_cap
from services.ingest.formats.china_json import parse_china_json, parse_china_json_feed
from services.ingest.formats.gaps import Gap, find_gaps, silent_stations
from services.ingest.formats.gauge import (
    GaugeBatch,
    parse_gauge_csv,
    parse_gauge_json,
    screen_gauge_csv,
    screen_gauge_json,
)
from services.ingest.formats.gbt import GbtIdentifier, parse_gbt_identifier
from services.ingest.formats.stations import Station, StationRegistry, StationStatus, load_stations_csv

__all__ = [
    "Gap",
    "GaugeBatch",
    "GbtIdentifier",
    "Station",
    "StationRegistry",
    "StationStatus",
    "find_gaps",
    "load_stations_csv",
    "parse_cap",
    "parse_china_json",
    "parse_china_json_feed",
    "parse_gauge_csv",
    "parse_gauge_json",
    "parse_gbt_identifier",
    "screen_gauge_csv",
    "screen_gauge_json",
    "silent_stations",
]
