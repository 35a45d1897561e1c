"""Only known feeds may push: with ``SANFANG_INGEST_TOKENS`` set, both push endpoints want a
feed's bearer token; a push without one (401) or with a forged one (403) is a dead letter
without its body, and what a feed pushes is recorded as coming from it. Without tokens
(development) the endpoints stay open and ingest says so at start."""

from __future__ import annotations

import logging
import secrets
from pathlib import Path
from typing import Any

import pytest

from services.core.broker import EmbeddedBroker
from tests.integration.helpers import officer_bearer, running
from tests.integration.ingest.topic import read_topic

pytestmark = pytest.mark.integration

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "gauge"
OBSERVATORY = secrets.token_urlsafe(32)
GAUGES = secrets.token_urlsafe(32)
READINGS = (SAMPLES / "readings_5min.json").read_bytes()
JSON = {"content-type": "application/json"}


def warning(signal_id: str) -> dict[str, Any]:
    return {"id": signal_id, "hazard": "typhoon", "colour": "blue", "issued_at": "2024-06-01T08:00:00+08:00"}


def reading(minute: int) -> list[dict[str, Any]]:
    at = f"2024-05-04T07:{minute:02d}:00+08:00"
    return [{"station_id": "BA004", "observed_at": at, "interval_minutes": 5, "rainfall_mm": 1.5}]


def as_feed(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


async def test_only_the_configured_feeds_may_push_warnings_and_readings(
    broker: EmbeddedBroker, settings_factory
) -> None:
    settings = settings_factory(
        ingest_tokens=f"observatory:{OBSERVATORY},gauges:{GAUGES}", max_body_bytes=64 * 1024
    )
    async with running(settings, broker.bootstrap, frozenset({"ingest"})) as sanfang:
        post = sanfang.http.post
        refused: dict[str, list[tuple[str, str]]] = {"unauthenticated": [], "forged_token": []}
        for path, body in (
            ("/api/v1/warnings", b'{"id": "forged-red", "hazard": "typhoon", "colour": "red"}'),
            ("/api/v1/rainfall", READINGS),
        ):
            for headers in ({}, {"authorization": f"Basic {OBSERVATORY}"}):
                answer = await post(path, content=body, headers={**JSON, **headers})
                assert answer.status_code == 401, answer.text
                assert answer.headers["www-authenticate"] == "Bearer"
                assert answer.json()["error"] == "unauthenticated"
                refused["unauthenticated"].append((answer.json()["dead_letter_id"], path))
            for token in ("x" * 43, OBSERVATORY[:-1], f"{GAUGES},{OBSERVATORY}"):
                answer = await post(path, content=body, headers={**JSON, **as_feed(token)})
                assert answer.status_code == 403, answer.text
                assert "www-authenticate" not in answer.headers
                assert answer.json()["error"] == "forged_token"
                refused["forged_token"].append((answer.json()["dead_letter_id"], path))

        # Decided before the body is read: a body over the limit is still a 401, not a 413.
        huge = await post(
            "/api/v1/rainfall", content=b"x" * (128 * 1024), headers={"content-type": "text/csv"}
        )
        assert huge.status_code == 401
        refused["unauthenticated"].append((huge.json()["dead_letter_id"], "/api/v1/rainfall"))

        # Dead letters are read by an officer, not with a feed's token.
        viewer = await officer_bearer(sanfang)
        params = {"reason": "unauthenticated"}
        assert (await sanfang.http.get("/api/v1/deadletters", params=params)).status_code == 401
        fed = await sanfang.http.get("/api/v1/deadletters", params=params, headers=as_feed(OBSERVATORY))
        assert fed.status_code == 401
        for reason, expected in refused.items():
            letters = (
                await sanfang.http.get(
                    "/api/v1/deadletters", params={"reason": reason, "limit": 100}, headers=viewer
                )
            ).json()
            assert sorted((letter["event_id"], letter["source"]) for letter in letters) == sorted(
                (letter_id, f"api:{path}") for letter_id, path in expected
            )
            assert {letter["raw"] for letter in letters} == {""}, "no body is kept from a refused sender"

        # Each feed's token is good on both endpoints.
        for number, (feed, token) in enumerate((("observatory", OBSERVATORY), ("gauges", GAUGES))):
            taken = await post("/api/v1/warnings", json=warning(f"w-{feed}"), headers=as_feed(token))
            assert taken.status_code == 202, taken.text
            readings = await post("/api/v1/rainfall", json=reading(5 * number), headers=as_feed(token))
            assert readings.status_code == 202, readings.text
            assert readings.json()["accepted"] == 1
        # The scheme is case-insensitive (RFC 7235).
        lower = await post(
            "/api/v1/warnings", json=warning("w-lower"), headers={"authorization": f"bearer {GAUGES}"}
        )
        assert lower.status_code == 202, lower.text

        # What an authenticated feed gets wrong is recorded as its own.
        bad_row = await post(
            "/api/v1/rainfall",
            content=b"station_id,observed_at,interval_minutes,rainfall_mm\nG9999,2024-05-04 07:30,5,1.0\n",
            headers={"content-type": "text/csv", **as_feed(GAUGES)},
        )
        assert bad_row.status_code == 422
        bad_warning = await post("/api/v1/warnings", content=b"{", headers={**JSON, **as_feed(OBSERVATORY)})
        assert bad_warning.status_code == 422
        letters = (await sanfang.http.get("/api/v1/deadletters", params={"limit": 2}, headers=viewer)).json()
        assert [letter["source"] for letter in letters] == [
            "api:observatory /api/v1/warnings",
            "api:gauges /api/v1/rainfall",
        ]

        signals = await read_topic(
            broker.bootstrap, settings.topic("sanfang.warnings"), until=lambda seen: len(seen) >= 3
        )
    assert {s["signal_id"]: s["source"] for s in signals} == {
        "w-observatory": "api:observatory",
        "w-gauges": "api:gauges",
        "w-lower": "api:gauges",
    }


async def test_without_tokens_pushes_are_open_and_ingest_warns_once(
    broker: EmbeddedBroker, settings_factory, caplog: pytest.LogCaptureFixture
) -> None:
    settings = settings_factory()
    with caplog.at_level(logging.WARNING, logger="services.ingest"):
        async with running(settings, broker.bootstrap, frozenset({"ingest"})) as sanfang:
            taken = await sanfang.http.post("/api/v1/warnings", json=warning("w-open"))
            assert taken.status_code == 202, taken.text
            # A token is not checked when none is configured.
            readings = await sanfang.http.post("/api/v1/rainfall", json=reading(0), headers=as_feed("x" * 40))
            assert readings.status_code == 202, readings.text
            signals = await read_topic(
                broker.bootstrap, settings.topic("sanfang.warnings"), until=lambda seen: len(seen) >= 1
            )
    assert [s["source"] for s in signals] == ["api"]
    warned = [r for r in caplog.records if "NOT authenticated" in r.getMessage()]
    assert len(warned) == 1
    assert "SANFANG_INGEST_TOKENS" in warned[0].getMessage()
