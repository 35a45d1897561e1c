"""Polled feeds: a warning pushed and polled (twice, by two sources) is one event on the bus,
and a feed that fails (500s, then timeouts) is reported down and recovers by itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.core.broker import EmbeddedBroker
from tests.integration.helpers import running, wait_until
from tests.integration.ingest.feed_server import FeedServer, Route
from tests.integration.ingest.topic import read_topic

pytestmark = pytest.mark.integration

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
TYPHOON_BLUE = (SAMPLES / "cap/typhoon_blue_issue.xml").read_bytes()
TYPHOON_ID = "44030041600000_20240905081500"
QWEATHER = (SAMPLES / "json/qweather_v7_rainstorm_yellow.json").read_bytes()

ATOM_INDEX = b"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Shenzhen warnings</title>
  <entry>
    <id>urn:cap:44030041600000_20240905081500</id>
    <updated>2024-09-05T08:15:00+08:00</updated>
    <link rel="alternate" type="application/cap+xml" href="cap/typhoon.xml"/>
  </entry>
</feed>"""


def sources_file(tmp_path: Path, *entries: str) -> Path:
    path = tmp_path / "sources.yaml"
    path.write_text("sources:\n" + "".join(entries), encoding="utf-8")
    return path


def source(name: str, kind: str, url: str, *, interval: float = 0.2, timeout: float = 0.5) -> str:
    return (
        f"  - name: {name}\n    kind: {kind}\n    url: {url}\n"
        f"    interval_seconds: {interval}\n    timeout_seconds: {timeout}\n    max_backoff_seconds: 0.6\n"
        "    headers: {User-Agent: sanfang-test}\n"
    )


async def test_pushed_and_polled_duplicates_are_one_event(
    broker: EmbeddedBroker, settings_factory, tmp_path: Path
) -> None:
    feed = FeedServer()
    feed.routes["/alerts/index.atom"] = Route(ATOM_INDEX, content_type="application/atom+xml", etag='"idx-1"')
    feed.routes["/alerts/cap/typhoon.xml"] = Route(TYPHOON_BLUE, content_type="application/cap+xml")
    feed.routes["/single.xml"] = Route(TYPHOON_BLUE, content_type="application/cap+xml", etag='"cap-1"')
    async with feed.serving():
        settings = settings_factory(
            sources_file=sources_file(
                tmp_path,
                source("szmb-index", "warnings-cap", feed.url("/alerts/index.atom")),
                source("szmb-single", "warnings-cap", feed.url("/single.xml")),
            )
        )
        async with running(settings, broker.bootstrap, frozenset({"ingest"})) as sanfang:
            pushed = await sanfang.http.post(
                "/api/v1/warnings", content=TYPHOON_BLUE, headers={"content-type": "application/cap+xml"}
            )
            assert pushed.status_code in (200, 202), pushed.text

            # Both sources polled several times, with conditional GETs answered 304.
            await wait_until(
                lambda: (
                    feed.not_modified["/alerts/index.atom"] >= 2 and feed.not_modified["/single.xml"] >= 2
                ),
                within=20,
                what="repeated conditional polls",
            )
            again = await sanfang.http.post(
                "/api/v1/warnings", content=TYPHOON_BLUE, headers={"content-type": "application/cap+xml"}
            )
            assert again.json()["duplicate"] is True
            ready = (await sanfang.http.get("/readyz")).json()
            assert ready["checks"]["sources"]["detail"] == "szmb-index: up; szmb-single: up"

            # Outbox order is publish order and both share the district's key: once this
            # sentinel is on the topic, any second copy of the typhoon would be too.
            sentinel = {
                "id": "sentinel-1",
                "hazard": "fog",
                "colour": "yellow",
                "issued_at": "2024-09-05T09:00:00+08:00",
            }
            assert (await sanfang.http.post("/api/v1/warnings", json=sentinel)).status_code == 202
            events = await read_topic(
                broker.bootstrap,
                settings.topic("sanfang.warnings"),
                until=lambda seen: any(e["signal_id"] == "sentinel-1" for e in seen),
            )
    typhoons = [e for e in events if e["signal_id"] == TYPHOON_ID]
    assert len(typhoons) == 1
    assert typhoons[0]["hazard"] == "typhoon"
    assert typhoons[0]["colour"] == "blue"
    assert feed.hits["/alerts/cap/typhoon.xml"] == 1  # an index entry once taken is not fetched again


async def test_a_failing_source_is_reported_down_and_recovers_by_itself(
    broker: EmbeddedBroker, settings_factory, tmp_path: Path
) -> None:
    feed = FeedServer()
    feed.routes["/flaky.json"] = Route(b"oops", status=500, content_type="text/plain")
    feed.routes["/steady.json"] = Route(b'{"code": "200", "warning": []}')
    async with feed.serving():
        settings = settings_factory(
            sources_file=sources_file(
                tmp_path,
                source("flaky", "warnings-json", feed.url("/flaky.json"), timeout=0.3),
                source("steady", "warnings-json", feed.url("/steady.json")),
            )
        )
        async with running(settings, broker.bootstrap, frozenset({"ingest"})) as sanfang:

            async def detail() -> str:
                answer = await sanfang.http.get("/readyz")
                assert answer.status_code == 200  # a feed being down never makes the process unready
                return str(answer.json()["checks"]["sources"]["detail"])

            async def flaky_down_with(words: str) -> bool:
                return f"flaky: down ({words}" in await detail()

            await wait_until(lambda: flaky_down_with("HTTP 500"), within=15, what="flaky reported down (500)")
            steady_before = feed.hits["/steady.json"]

            feed.routes["/flaky.json"] = Route(QWEATHER, delay=2.0)  # answers, but too late
            await wait_until(lambda: flaky_down_with("no answer within"), within=15, what="flaky timing out")
            assert "steady: up" in await detail()
            assert feed.hits["/steady.json"] > steady_before  # the other source kept being polled

            feed.routes["/flaky.json"] = Route(QWEATHER)
            await wait_until(
                lambda: _contains(detail(), "flaky: up"), within=15, what="flaky back up by itself"
            )
            metrics = (await sanfang.http.get("/metrics")).text
            assert 'sanfang_source_up{source="flaky"} 1.0' in metrics
            assert 'sanfang_source_polls_total{outcome="failed",source="flaky"}' in metrics
            events = await read_topic(
                broker.bootstrap, settings.topic("sanfang.warnings"), until=lambda seen: len(seen) >= 1
            )
    assert [e["hazard"] for e in events] == ["rainstorm"]
    assert events[0]["source"] == "flaky"


async def _contains(text: object, words: str) -> bool:
    return words in await text  # type: ignore[operator]
