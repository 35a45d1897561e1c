"""Order of warnings: an update or cancel that arrives before what it references is held in
the database (a restart keeps it), published right after it once it comes, and published
anyway, with the reason kept, when it never comes within the hold time."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.core.broker import EmbeddedBroker
from tests.integration.helpers import officer_bearer, running, wait_until
from tests.integration.ingest.topic import read_topic

pytestmark = pytest.mark.integration

CAP = Path(__file__).resolve().parents[2] / "samples" / "cap"
XML = {"content-type": "application/cap+xml"}
ISSUE, UPDATE, CANCEL = (
    "44030041600000_20240905081500",
    "44030041600000_20240905160000",
    "44030041600000_20240907090000",
)


async def test_updates_and_cancels_wait_for_what_they_reference_across_a_restart(
    broker: EmbeddedBroker, settings_factory, database_url: str
) -> None:
    settings = settings_factory(ingest_hold_seconds=3600, database_url=database_url)
    async with running(settings, broker.bootstrap, frozenset({"ingest"})) as sanfang:
        # The cancel (of the update) and the update (of the issue) come first.
        for name in ("typhoon_cancel.xml", "typhoon_yellow_update.xml"):
            answer = await sanfang.http.post(
                "/api/v1/warnings", content=(CAP / name).read_bytes(), headers=XML
            )
            assert answer.status_code == 202, answer.text
        # Held warnings are read by officers; the session outlives the process (it is in the database).
        viewer = await officer_bearer(sanfang)
        held = (
            await sanfang.http.get("/api/v1/warnings/held", params={"pending": "true"}, headers=viewer)
        ).json()
        assert {(h["signal_id"], tuple(h["awaiting"])) for h in held} == {
            (CANCEL, (UPDATE,)),
            (UPDATE, (ISSUE,)),
        }

    # A new process, with a short hold time from now on: what was held is still held.
    settings = settings.model_copy(update={"ingest_hold_seconds": 0.5})
    async with running(settings, broker.bootstrap, frozenset({"ingest"})) as sanfang:
        issue = await sanfang.http.post(
            "/api/v1/warnings", content=(CAP / "typhoon_blue_issue.xml").read_bytes(), headers=XML
        )
        assert issue.status_code == 202
        pending = await sanfang.http.get("/api/v1/warnings/held", params={"pending": "true"}, headers=viewer)
        assert pending.json() == []

        # An update whose issue never comes is published after the hold time, and says why.
        orphan = {
            "id": "orphan-update",
            "hazard": "rainstorm",
            "colour": "orange",
            "action": "update",
            "references": ["never-seen"],
            "issued_at": "2024-09-06T10:00:00+08:00",
        }
        assert (await sanfang.http.post("/api/v1/warnings", json=orphan)).status_code == 202

        async def orphan_released() -> bool:
            rows = (await sanfang.http.get("/api/v1/warnings/held", headers=viewer)).json()
            return any(r["signal_id"] == "orphan-update" and r["outcome"] == "timed_out" for r in rows)

        await wait_until(orphan_released, within=15, what="the orphan update released after its hold time")
        events = await read_topic(
            broker.bootstrap,
            settings.topic("sanfang.warnings"),
            until=lambda seen: len(seen) >= 4,
        )
        rows = {
            r["signal_id"]: r["outcome"]
            for r in (await sanfang.http.get("/api/v1/warnings/held", headers=viewer)).json()
        }
    assert [e["signal_id"] for e in events if e["hazard"] == "typhoon"] == [ISSUE, UPDATE, CANCEL]
    assert [e["action"] for e in events if e["hazard"] == "typhoon"] == ["issue", "update", "cancel"]
    assert [e["signal_id"] for e in events if e["hazard"] == "rainstorm"] == ["orphan-update"]
    assert rows == {CANCEL: "in_order", UPDATE: "in_order", "orphan-update": "timed_out"}
