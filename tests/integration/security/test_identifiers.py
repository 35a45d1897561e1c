"""Identifiers from outside are letters, digits, '.', '_', ':' and '-': a NUL byte or markup in
a warning's id, or in an id it references, is a clear 422 and a dead letter, in JSON and CAP."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from services.core.broker import EmbeddedBroker
from tests.integration.helpers import officer_bearer, running

pytestmark = pytest.mark.integration

GOOD = {"id": "w-good", "hazard": "typhoon", "colour": "blue", "issued_at": "2024-06-01T08:00:00+08:00"}
CAP = (Path(__file__).resolve().parents[2] / "samples" / "cap" / "typhoon_blue_issue.xml").read_text("utf-8")
JSON = "application/json"

BAD = [
    (json.dumps({**GOOD, "id": "w1\x00"}), JSON, "id"),
    (json.dumps({**GOOD, "id": "<script>alert(1)</script>"}), JSON, "id"),
    (json.dumps({**GOOD, "id": "w 1"}), JSON, "id"),
    (
        json.dumps({**GOOD, "id": "w1", "action": "update", "references": ["w0", "<b>w0</b>"]}),
        JSON,
        "references.1",
    ),
    (
        CAP.replace("<identifier>44030041600000_20240905081500<", "<identifier>w1&lt;img src=x&gt;<"),
        "application/cap+xml",
        "signal_id",
    ),
]


async def test_a_nul_or_markup_in_an_identifier_is_refused_and_dead_lettered(
    broker: EmbeddedBroker, settings_factory
) -> None:
    async with running(settings_factory(), broker.bootstrap, frozenset({"ingest", "recorder"})) as sanfang:
        viewer = await officer_bearer(sanfang)
        for body, content_type, field in BAD:
            answer = await sanfang.http.post(
                "/api/v1/warnings", content=body.encode(), headers={"content-type": content_type}
            )
            assert answer.status_code == 422, (body[:60], answer.text)
            error = answer.json()
            assert error["error"] in ("invalid_field", "invalid_signal"), error
            assert "an identifier is 1 to 128 letters, digits, '.', '_', ':' or '-'" in error["message"]
            assert field in error.get("path", field)
            letters = (
                await sanfang.http.get(
                    "/api/v1/deadletters", params={"reason": error["error"]}, headers=viewer
                )
            ).json()
            assert error["dead_letter_id"] in [letter["event_id"] for letter in letters]
        # Nothing was let through, and a good warning right after is taken.
        assert (await sanfang.http.post("/api/v1/warnings", json=GOOD)).status_code == 202
