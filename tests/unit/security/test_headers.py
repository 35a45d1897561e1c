"""HSTS: every answer in production says HTTPS only (a TLS proxy is in front, the app may see
plain HTTP); elsewhere only answers that went out over HTTPS do."""

from __future__ import annotations

import httpx

from services.app import create_app
from services.web.headers import HSTS

PATHS = ("/healthz", "/readyz", "/no-such-page", "/docs")


async def _headers(*, hsts: bool, base_url: str) -> list[httpx.Headers]:
    app = create_app([], [], version="test", hsts=hsts)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url) as http:
        return [(await http.get(path)).headers for path in PATHS]


async def test_production_answers_carry_hsts_even_over_plain_http_behind_the_proxy() -> None:
    for headers in await _headers(hsts=True, base_url="http://sanfang.test"):
        assert headers["strict-transport-security"] == HSTS
        assert headers["x-content-type-options"] == "nosniff"
    assert HSTS == "max-age=31536000"


async def test_development_over_http_has_none_and_https_answers_have_it() -> None:
    for headers in await _headers(hsts=False, base_url="http://127.0.0.1:8080"):
        assert "strict-transport-security" not in headers
    for headers in await _headers(hsts=False, base_url="https://sanfang.test"):
        assert headers["strict-transport-security"] == HSTS
