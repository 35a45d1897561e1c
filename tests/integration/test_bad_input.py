"""Bad input to the warning endpoint: a clear 4xx, a dead letter, and nothing else hurt."""

from __future__ import annotations

import pytest

from services.core.broker import EmbeddedBroker
from tests.integration.helpers import officer_bearer, running, wait_until

pytestmark = pytest.mark.integration

GOOD = {"id": "w-good", "hazard": "typhoon", "colour": "blue", "issued_at": "2024-06-01T08:00:00+08:00"}


@pytest.mark.parametrize(
    ("body", "content_type", "status", "reason", "words"),
    [
        (b'{"id": "w1", "hazard": ', "application/json", 422, "invalid_json", "not valid JSON"),
        (b"<alert><unclosed></alert>", "application/cap+xml", 422, "invalid_xml", "not well-formed XML"),
        (
            b'{"id": "w1", "hazard": "typhoon", "colour": "pink", "issued_at": "2024-06-01T08:00:00+08:00"}',
            "application/json",
            422,
            "unknown_colour",
            "colour",
        ),
        (
            b'{"hazard": "typhoon", "colour": "blue"}',
            "application/json",
            422,
            "missing_field",
            "Field required",
        ),
        (
            b'{"id": "w1", "hazard": "typhoon", "colour": "blue", "issued_at": "2024-06-01T08:00:00"}',
            "application/json",
            422,
            "invalid_field",
            "timezone",
        ),
        (
            b'{"id": "w1", "hazard": "typhoon", "colour": "blue", "streets": ["Atlantis"],'
            b' "issued_at": "2024-06-01T08:00:00+08:00"}',
            "application/json",
            422,
            "invalid_field",
            "unknown street",
        ),
        (b"colour=blue", "application/x-www-form-urlencoded", 415, "unsupported_media_type", "not accepted"),
        (b"[1, 2, 3]", "application/json", 422, "invalid_warning", "JSON object"),
    ],
)
async def test_refused_with_a_clear_message_and_a_dead_letter(
    broker: EmbeddedBroker,
    settings_factory,
    body: bytes,
    content_type: str,
    status: int,
    reason: str,
    words: str,
) -> None:
    settings = settings_factory()
    async with running(settings, broker.bootstrap, frozenset({"ingest", "recorder"})) as sanfang:
        answer = await sanfang.http.post(
            "/api/v1/warnings", content=body, headers={"content-type": content_type}
        )
        assert answer.status_code == status
        error = answer.json()
        assert error["error"] == reason
        assert words in error["message"]

        viewer = await officer_bearer(sanfang)
        letters = (
            await sanfang.http.get("/api/v1/deadletters", params={"reason": reason}, headers=viewer)
        ).json()
        assert [letter["event_id"] for letter in letters] == [error["dead_letter_id"]]
        assert letters[0]["raw"] == body.decode()
        assert letters[0]["source"] == "api:/api/v1/warnings"

        # The service is unharmed: a good warning right after is accepted.
        good = await sanfang.http.post("/api/v1/warnings", json=GOOD)
        assert good.status_code == 202


async def test_a_body_over_the_limit_gets_413(broker: EmbeddedBroker, settings_factory) -> None:
    settings = settings_factory(max_body_bytes=4096)
    async with running(settings, broker.bootstrap, frozenset({"ingest", "recorder"})) as sanfang:
        huge = b'{"id": "' + b"x" * 10_000 + b'"}'
        answer = await sanfang.http.post(
            "/api/v1/warnings", content=huge, headers={"content-type": "application/json"}
        )
        assert answer.status_code == 413
        assert answer.json()["error"] == "body_too_large"
        viewer = await officer_bearer(sanfang)
        letters = (
            await sanfang.http.get("/api/v1/deadletters", params={"reason": "body_too_large"}, headers=viewer)
        ).json()
        assert len(letters) == 1

        # Streamed without a Content-Length, the limit still holds.
        async def chunks():  # type: ignore[no-untyped-def]
            for _ in range(10):
                yield b"x" * 1000

        streamed = await sanfang.http.post(
            "/api/v1/warnings", content=chunks(), headers={"content-type": "application/json"}
        )
        assert streamed.status_code == 413


async def test_dead_letters_reach_the_bus_and_the_event_store(
    broker: EmbeddedBroker, settings_factory
) -> None:
    settings = settings_factory()
    async with running(settings, broker.bootstrap, frozenset({"ingest", "recorder"})) as sanfang:
        answer = await sanfang.http.post(
            "/api/v1/warnings", content=b"{", headers={"content-type": "application/json"}
        )
        letter_id = answer.json()["dead_letter_id"]
        from sqlalchemy import select

        from services.core import tables
        from services.core.store import Store

        async def recorded() -> bool:
            async with Store(settings.database_url_effective) as store, store.read() as conn:
                kinds = (
                    await conn.execute(
                        select(tables.events.c.kind).where(tables.events.c.event_id == letter_id)
                    )
                ).all()
            return kinds == [("deadletter",)]

        await wait_until(recorded, within=20, what="the dead letter in the event store")
