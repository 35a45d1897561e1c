"""Reads that name persons or show raw refused input are an officer's: the review (page and
JSON), the dead letters and the held warnings answer 401 without a login and 200 to any
officer, by bearer token or by the console's session cookie (a GET needs no CSRF token); the
stations list, which names no one, stays open. Ingest and replay check the console's
sessions in the shared database."""

from __future__ import annotations

import pytest

from services.core.broker import EmbeddedBroker
from services.web.auth import COOKIE
from tests.integration.helpers import OFFICER_PASSWORD, officer_bearer, running

pytestmark = pytest.mark.integration

READS = ("/review", "/api/v1/review", "/api/v1/deadletters", "/api/v1/warnings/held")


async def test_reads_naming_persons_need_an_officers_login(broker: EmbeddedBroker, settings_factory) -> None:
    settings = settings_factory()
    services = frozenset({"ingest", "replay", "console"})
    async with running(settings, broker.bootstrap, services) as sanfang:
        http = sanfang.http
        viewer = await officer_bearer(sanfang)
        for path in READS:
            refused = await http.get(path)
            assert refused.status_code == 401, path
            assert refused.headers["www-authenticate"] == "Bearer"
            forged = await http.get(path, headers={"Authorization": "Bearer not-a-session"})
            assert forged.status_code == 401, path
            allowed = await http.get(path, headers=viewer)
            assert allowed.status_code == 200, f"{path}: {allowed.text}"

        # The API answers its JSON error; the page, opened in a browser, a page to log in.
        assert (await http.get("/api/v1/deadletters")).json()["error"] == "not_authenticated"
        page = await http.get("/review")
        assert page.headers["content-type"].startswith("text/html")
        assert page.headers["cache-control"] == "no-store"
        assert 'href="/console/"' in page.text
        assert page.text.index("请先登录") < page.text.index("Log in")
        assert (await http.get("/review", headers=viewer)).text.startswith("<!DOCTYPE html>")

        # No names in the stations list: open.
        assert (await http.get("/api/v1/stations")).status_code == 200

        # The console's session cookie works as well as the bearer token.
        await officer_bearer(sanfang, username="viewer-zhao")
        login = await http.post(
            "/api/v1/auth/login", json={"username": "viewer-zhao", "password": OFFICER_PASSWORD}
        )
        assert login.status_code == 200, login.text
        assert http.cookies.get(COOKIE)
        for path in READS:
            assert (await http.get(path)).status_code == 200, path

        spec = (await http.get("/openapi.json")).json()
        for path in READS:
            assert "401" in spec["paths"][path]["get"]["responses"], path
        assert "401" not in spec["paths"]["/api/v1/stations"]["get"]["responses"]
