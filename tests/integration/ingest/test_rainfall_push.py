"""Rain-gauge readings pushed as JSON and CSV, end to end onto ``sanfang.rainfall``: each
reading once, the street filled from the registry, corrections saying what they replace,
refused rows dead-lettered with their reason, and the stations list showing the newest."""

from __future__ import annotations

from pathlib import Path

import pytest

from schemas.envelope import derived_id
from services.core.broker import EmbeddedBroker
from tests.integration.helpers import officer_bearer, running
from tests.integration.ingest.topic import read_topic

pytestmark = pytest.mark.integration

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "gauge"
JSON = {"content-type": "application/json"}
CSV = {"content-type": "text/csv; charset=utf-8"}


async def test_readings_pushed_as_json_and_csv_reach_the_rainfall_topic_once(
    broker: EmbeddedBroker, settings_factory, database_url: str
) -> None:
    settings = settings_factory(database_url=database_url)
    async with running(settings, broker.bootstrap, frozenset({"ingest"})) as sanfang:
        post = sanfang.http.post
        five_minute = (SAMPLES / "readings_5min.json").read_bytes()
        first = await post("/api/v1/rainfall", content=five_minute, headers=JSON)
        assert first.status_code == 202, first.text
        assert first.json() == {"accepted": 5, "corrections": 0, "duplicates": 0, "rejected": []}

        resent = await post("/api/v1/rainfall", content=five_minute, headers=JSON)
        assert resent.status_code == 200
        assert resent.json()["duplicates"] == 5

        hourly = await post(
            "/api/v1/rainfall", content=(SAMPLES / "readings_hourly.csv").read_bytes(), headers=CSV
        )
        assert hourly.status_code == 202, hourly.text
        export = await post(
            "/api/v1/rainfall", content=(SAMPLES / "readings_export_zh.csv").read_bytes(), headers=CSV
        )
        assert export.status_code == 202, export.text

        correction = await post(
            "/api/v1/rainfall", content=(SAMPLES / "correction.json").read_bytes(), headers=JSON
        )
        assert correction.json()["corrections"] == 1

        partly = await post(
            "/api/v1/rainfall", content=(SAMPLES / "reject_unknown_station.csv").read_bytes(), headers=CSV
        )
        # Its good row is BA004 06:45 again: a re-send of a slot already taken (only a
        # correction changes a value), so nothing new, and the unknown station refused.
        assert partly.status_code == 200
        assert partly.json()["duplicates"] == 1
        (refused,) = partly.json()["rejected"]
        assert (refused["reason"], refused["path"]) == ("unknown_station", "line[3].station_id")

        all_bad = [{"station_id": "BA004", "observed_at": "2024-05-04T06:50:00+08:00", "interval_minutes": 5}]
        all_bad[0]["rainfall_mm"] = -3
        refused_whole = await post("/api/v1/rainfall", json=all_bad)
        assert refused_whole.status_code == 422
        assert refused_whole.json()["error"] == "negative_rainfall"
        unreadable = await post("/api/v1/rainfall", content=b"station_id\nBA004\n", headers=CSV)
        assert (unreadable.status_code, unreadable.json()["error"]) == (422, "missing_field")
        wrong_type = await post("/api/v1/rainfall", content=b"x", headers={"content-type": "text/plain"})
        assert wrong_type.status_code == 415

        viewer = await officer_bearer(sanfang)
        letters = (
            await sanfang.http.get(
                "/api/v1/deadletters", params={"reason": "unknown_station"}, headers=viewer
            )
        ).json()
        assert (
            letters[0]["raw"]
            == "station_id,observed_at,interval_minutes,rainfall_mm\nG9999,2024-05-04 06:45,5,1.0"
        )
        assert letters[0]["source"] == "api:/api/v1/rainfall"

        # The stations name no person: open without a login.
        stations = {s["station_id"]: s for s in (await sanfang.http.get("/api/v1/stations")).json()}
        assert stations["BA004"]["last_observed_at"].startswith("2024-05-03T23:00:00")  # the 07:00 hourly
        assert stations["BA022"]["state"] == "not_expected"  # under maintenance
        assert stations["BA001"]["state"] == "silent"  # the samples are from 2024: long silent by now

        # JSON, hourly CSV (one line corrects another), Chinese export, the correction
        expected = 5 + 5 + 3 + 1
        events = await read_topic(
            broker.bootstrap, settings.topic("sanfang.rainfall"), until=lambda seen: len(seen) >= expected
        )
    assert len(events) == expected
    assert len({e["event_id"] for e in events}) == expected
    assert {e["street"] for e in events if e["station_id"] == "BA004"} == {"xixiang"}
    corrections = {e["observed_at"]: e for e in events if e["corrects"]}
    assert sorted(e["rainfall_mm"] for e in corrections.values()) == [12.9, 63.1]
    fixed = next(e for e in corrections.values() if e["interval_minutes"] == 5)
    assert fixed["corrects"] == derived_id("reading", "BA004", "2024-05-03T22:40:00+00:00", "5")
    assert fixed["corrects"] in {e["event_id"] for e in events}
