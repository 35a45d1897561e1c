"""The sources file is validated with clear messages; a poller asks conditionally, backs off
with jitter on failure, and reports its health (HTTP through httpx's MockTransport)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import httpx
import pytest

from schemas.sources import Source
from services.core.clock import ManualClock
from services.core.errors import ConfigError
from services.ingest.poller import SourcePoller
from services.ingest.sources import parse_sources_yaml

GOOD = """
sources:
  - name: szmb-cap
    kind: warnings-cap
    url: https://example.org/cap/index.atom
    interval_seconds: 60
    headers: {X-Key: abc}
"""


def test_a_valid_sources_file_is_read() -> None:
    (source,) = parse_sources_yaml(GOOD)
    assert (source.name, source.kind, source.timeout_seconds, source.headers) == (
        "szmb-cap",
        "warnings-cap",
        10.0,
        {"X-Key": "abc"},
    )
    assert parse_sources_yaml("") == ()


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (GOOD.replace("warnings-cap", "warnings-fax"), "sources.0.kind"),
        (GOOD.replace("https://", "file://"), "http:// or https://"),
        (GOOD.replace("interval_seconds: 60", "interval_seconds: 0"), "sources.0.interval_seconds"),
        (GOOD + GOOD.replace("sources:\n", ""), "repeated: szmb-cap"),
        (GOOD.replace("headers", "hedaers"), "hedaers"),
        ("sources: [", "not valid YAML"),
    ],
)
def test_an_invalid_sources_file_is_refused_with_what_is_wrong(text: str, words: str) -> None:
    with pytest.raises(ConfigError, match="sources file") as caught:
        parse_sources_yaml(text)
    assert words in str(caught.value)


class Feed:
    """A fake feed behind httpx.MockTransport: answers from a script, records requests."""

    def __init__(self, *answers: httpx.Response | Exception) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


async def poll_script(feed: Feed, polls: int) -> tuple[SourcePoller, list[bytes]]:
    source = Source(name="s", kind="warnings-json", url="https://feed.test/w.json", interval_seconds=30)
    taken: list[bytes] = []

    async def handler(_poller: SourcePoller, body: bytes, _media: str) -> None:
        taken.append(body)

    clock = ManualClock(datetime(2024, 5, 4, tzinfo=UTC))
    async with httpx.AsyncClient(transport=httpx.MockTransport(feed)) as client:
        poller = SourcePoller(source, client, handler, clock, draw=lambda: 1.0)
        for _ in range(polls):
            await poller.poll()
    return poller, taken


async def test_a_poller_asks_conditionally_and_takes_only_new_answers() -> None:
    feed = Feed(
        httpx.Response(
            200, content=b"v1", headers={"ETag": '"1"', "Last-Modified": "Sat, 04 May 2024 00:00:00 GMT"}
        ),
        httpx.Response(304),
        httpx.Response(200, content=b"v2", headers={"ETag": '"2"'}),
    )
    poller, taken = await poll_script(feed, 3)
    assert taken == [b"v1", b"v2"]
    assert "if-none-match" not in feed.requests[0].headers
    assert feed.requests[1].headers["if-none-match"] == '"1"'
    assert feed.requests[1].headers["if-modified-since"] == "Sat, 04 May 2024 00:00:00 GMT"
    assert feed.requests[2].headers["if-none-match"] == '"1"'
    assert poller.health.describe() == "up"


async def test_a_failing_poller_backs_off_reports_down_and_recovers() -> None:
    feed = Feed(
        httpx.Response(500),
        httpx.ConnectTimeout("timed out"),
        httpx.Response(200, content=b"ok"),
    )
    poller, _ = await poll_script(feed, 2)
    assert poller.health.up is False
    assert poller.health.failures == 2
    assert poller.health.next_in == 60  # second failure: twice the interval (jitter drawn at the top)
    assert poller.health.describe().startswith("down (ConnectTimeout: timed out) after 2 failure(s)")
    now = asyncio.get_running_loop().time()
    assert not poller.due(now)  # backing off
    assert poller.due(now + 61)

    async with httpx.AsyncClient(transport=httpx.MockTransport(feed)) as client:
        poller._client = client
        await poller.poll()
    assert (poller.health.up, poller.health.failures, poller.health.describe()) == (True, 0, "up")
