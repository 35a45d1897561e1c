"""The HTTP edge of a production process as `sanfang run` serves it: HSTS on every answer, and
no client address taken from X-Forwarded-For unless it came through a named proxy."""

from __future__ import annotations

import secrets

import pytest

from services.core.broker import EmbeddedBroker
from services.runtime import ALL_SERVICES
from tests.integration.helpers import running

pytestmark = pytest.mark.integration


async def test_a_production_process_sends_hsts_and_ignores_forwarded_for(
    broker: EmbeddedBroker, settings_factory
) -> None:
    settings = settings_factory(
        environment="production",
        demo_directory=False,
        secret_key=secrets.token_urlsafe(32),
        ingest_tokens="observatory:" + secrets.token_urlsafe(32),
    )
    # Dispatch needs an imported directory in production; the edge is the same without it.
    async with running(settings, broker.bootstrap, services=ALL_SERVICES - {"dispatch"}) as sanfang:
        answer = await sanfang.http.get("/healthz")
        assert answer.headers["strict-transport-security"].startswith("max-age=")
        # Twenty failed logins claiming to come from elsewhere still count against 127.0.0.1.
        for _ in range(settings.console_address_failures + 1):
            await sanfang.http.post(
                "/api/v1/auth/login",
                json={"username": "nobody", "password": "wrong-password-123"},
                headers={"X-Forwarded-For": f"203.0.113.{secrets.randbelow(250)}"},
            )
        throttled = await sanfang.http.post(
            "/api/v1/auth/login",
            json={"username": "nobody", "password": "wrong-password-123"},
            headers={"X-Forwarded-For": "198.51.100.7"},
        )
        assert throttled.status_code == 429, throttled.text
