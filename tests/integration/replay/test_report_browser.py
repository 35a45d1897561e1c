"""The season's report in a real headless Chromium: it opens offline with no console error,
every plot is drawn with data, notice latencies read in seconds (the services took seconds),
acks more than a day late are listed apart with their cause and kept out of the percentiles,
the seed's figures are unchanged, and its tables sort when a header is clicked."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest

from schemas.notices import Acknowledgement, Channel, Notice, NoticeChange
from schemas.topics import AnyEvent
from services.demo.season.log import season_log, small_directory
from services.replay.domain.ledger import Ledger
from services.replay.domain.people import People
from services.replay.domain.review import Review, build_review
from services.replay.report.html import REPORT_CSP
from services.replay.run import write_report
from services.rules.service import read_rules_file

pytestmark = pytest.mark.e2e

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[3]
RULES = ROOT / "rules"
ARTIFACTS = ROOT / "test-artifacts"
SERVED = "http://sanfang.invalid/review"
PLOTS = (
    "rain-station",
    "rain-street",
    "ack-curve",
    "levels",
    "notices-acks",
    "ack-channel",
    "ack-unit",
    "season-map",
)


def _late_sms_reply(events: list[AnyEvent]) -> Acknowledgement:
    """What the live season recorded (issue 14): a person who never acknowledged a notice
    replies "1" to the SMS of a notice weeks later, and the reply is matched to the old notice
    still open. Made here from the season's own notices, as dispatch would record it."""
    notices = [e for e in events if isinstance(e, Notice) and not e.drill]
    acked = {e.notice_id for e in events if isinstance(e, Acknowledgement)}
    for old in notices:
        if old.event_id in acked or old.ack_by is None:
            continue
        later = [
            n
            for n in notices
            if n.person_id == old.person_id
            and n.occurred_at - old.occurred_at > timedelta(days=30)
            and n.change is NoticeChange.ENDED
        ]
        if later:
            at = later[0].occurred_at + timedelta(seconds=40)
            return Acknowledgement(
                event_id="late-sms-reply",
                occurred_at=at,
                notice_id=old.event_id,
                person_id=old.person_id,
                response_id=old.response_id,
                channel=Channel.SMS,
                received_at=at,
            )
    raise AssertionError("the season has no unanswered notice followed a month later by another")


@pytest.fixture(scope="module")
def review() -> Review:
    directory = small_directory(1)
    events = list(season_log(directory))
    ledger = Ledger()
    ledger.add_all([*events, _late_sms_reply(events)])
    return build_review(
        ledger,
        People.from_directory(directory.units, directory.persons),
        source="generated",
        start=None,
        end=None,
        rules=[read_rules_file(RULES / "loose.yaml")],
    )


@pytest.fixture(scope="module")
def report(review: Review, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("report") / "season.html"
    write_report(review, html=path)
    return path


def _seconds(text: str) -> float:
    number, unit = re.fullmatch(r"(-?[\d.]+) (s|min|h)", text.strip()).groups()  # type: ignore[union-attr]
    return float(number) * {"s": 1, "min": 60, "h": 3600}[unit]


@pytest.mark.parametrize("opened", ["file", "served"])
def test_the_report_opens_with_its_plots_and_no_console_errors(
    report: Path, review: Review, opened: str
) -> None:
    """Opened as a file, and as ``GET /review`` serves it: with its strict CSP, under which the
    report's own style and script must still apply (a blocked one is a console error)."""
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is not installed (scripts/install-browser)")
    from playwright.sync_api import Route, sync_playwright

    errors: list[str] = []
    url = report.as_uri() if opened == "file" else SERVED

    def serve(route: Route) -> None:
        headers = {"content-type": "text/html; charset=utf-8", "content-security-policy": REPORT_CSP}
        route.fulfill(status=200, headers=headers, body=report.read_bytes())

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1366, "height": 768})
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on(
                "request",
                lambda r: errors.append(f"fetched {r.url}") if r.url not in (url, report.as_uri()) else None,
            )
            page.route(SERVED, serve)
            page.goto(url)
            if opened == "served":  # the style applied: the timeline's cells are padded
                cell = page.locator("div.timeline td").first
                padding = cell.evaluate("e => getComputedStyle(e).paddingLeft")
                assert padding != "0px", padding

            # The seed's figures: 36 signals, 33 activations, 2 of them pre-emptive.
            cards = page.locator("h2.real ~ div.cards").first.inner_text()
            assert re.search(r"\b36\s*预警信号", cards), cards
            assert re.search(r"\b33\s*启动", cards), cards
            assert re.search(r"\b2\s*其中提前启动", cards), cards

            # Every plot laid out, with data drawn in it.
            for plot in PLOTS:
                box = page.locator(f"svg.{plot}").first.bounding_box()
                assert box is not None, f"{plot} is not laid out"
                assert box["width"] > 300, plot
                assert box["height"] > 100, plot
            assert page.locator("svg.rain-station polyline").count() == 21
            assert page.locator("svg.levels rect.step").count() > 30
            assert page.locator("svg.notices-acks").first.locator("rect.bar").count() > 30
            channels = {g.key for g in review.real.time_to_ack_by["channel"]}
            assert page.locator("svg.ack-channel").first.locator("g.spread").count() == len(channels) >= 2
            assert page.locator("svg.ack-unit").first.locator("g.spread").count() == len(
                review.real.time_to_ack_by["unit"]
            )
            shaded = page.locator("svg.season-map g.street").evaluate_all(
                "gs => gs.map(g => Number(g.dataset.count))"
            )
            assert len(shaded) == 10
            assert sum(shaded) == sum(review.real.activations_by_street.values()) > 0

            # Notice latency in seconds, as the services took seconds.
            latency = page.locator("ul.latency").first.inner_text()
            p50s = re.findall(r"p50 ([\d.]+ (?:s|min|h))", latency)
            assert p50s, latency
            assert all(_seconds(p) < 60 for p in p50s), latency
            lasts = page.locator("div.notice-lags tbody tr td:nth-child(7)").all_inner_texts()
            assert lasts
            assert max(_seconds(t) for t in lasts) < 60, max(lasts, key=_seconds)

            # The late SMS reply: listed with its cause, not a p99 of hundreds of hours.
            heading = page.locator("h3.outliers").first.inner_text()
            assert "(1)" in heading, heading
            row = page.locator("div.outliers tbody tr").first.inner_text()
            assert "sms" in row
            assert "later notice" in row, row
            spreads = page.locator("div.ack-by tbody td.n").all_inner_texts()
            waits = [_seconds(t) for t in spreads if not t.replace(",", "").isdigit()]
            assert waits
            assert max(waits) < 86400, "no percentile beyond a day"
            assert all((g.spread.p99 or 0) < 86400 for gs in review.real.time_to_ack_by.values() for g in gs)

            header = page.locator("table.sortable th", has_text="count").last
            header.click()
            header.click()  # descending: the largest count first
            counts = page.locator("div.timeline tbody tr td:last-child").all_inner_texts()
            numbers = [int(c.replace(",", "")) for c in counts]
            assert numbers == sorted(numbers, reverse=True)
            if opened == "file":
                ARTIFACTS.mkdir(exist_ok=True)
                page.goto(url)
                page.screenshot(path=str(ARTIFACTS / "review-top.png"))
                for name, selector in (
                    ("review-latency", "ul.latency"),
                    ("review-ack-spread", "svg.ack-channel"),
                    ("review-season-map", "svg.season-map"),
                    ("review-notices-acks", "svg.notices-acks"),
                ):
                    page.locator(selector).first.scroll_into_view_if_needed()
                    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))
        finally:
            browser.close()
    assert errors == []
