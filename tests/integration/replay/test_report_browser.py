"""The season's report in a real headless Chromium: it opens offline with no console error,
its plots are drawn, and its tables sort when a header is clicked."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.demo.season.log import season_log, small_directory
from services.replay.domain.ledger import Ledger
from services.replay.domain.people import People
from services.replay.domain.review import build_review
from services.replay.report.html import REPORT_CSP
from services.replay.run import write_report
from services.rules.service import read_rules_file

pytestmark = pytest.mark.e2e

CHROMIUM = Path("/usr/bin/chromium")
RULES = Path(__file__).resolve().parents[3] / "rules"
SERVED = "http://sanfang.invalid/review"


@pytest.fixture
def report(tmp_path: Path) -> Path:
    directory = small_directory(1)
    ledger = Ledger()
    ledger.add_all(season_log(directory))
    review = build_review(
        ledger,
        People.from_directory(directory.units, directory.persons),
        source="generated",
        start=None,
        end=None,
        rules=[read_rules_file(RULES / "loose.yaml")],
    )
    path = tmp_path / "season.html"
    write_report(review, html=path)
    return path


@pytest.mark.parametrize("opened", ["file", "served"])
def test_the_report_opens_with_its_plots_and_no_console_errors(
    report: Path, tmp_path: Path, opened: str
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
            page = browser.new_page()
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
            for plot in ("rain-station", "rain-street", "ack-curve", "levels"):
                box = page.locator(f"svg.{plot}").first.bounding_box()
                assert box is not None, f"{plot} is not laid out"
                assert box["width"] > 300
                assert box["height"] > 100
            assert page.locator("svg.rain-station polyline").count() == 21
            # Acks more than a day late are listed apart with their cause, not folded into p99.
            assert page.locator("h3.outliers").count() >= 1
            assert "outliers" in page.locator("h3.outliers").first.inner_text()
            assert page.locator("svg.levels rect.step").count() > 30
            header = page.locator("table.sortable th", has_text="count").last
            header.click()
            header.click()  # descending: the largest count first
            counts = page.locator("div.timeline tbody tr td:last-child").all_inner_texts()
            numbers = [int(c.replace(",", "")) for c in counts]
            assert numbers == sorted(numbers, reverse=True)
            page.screenshot(path=str(tmp_path / "season-report.png"), full_page=False)
        finally:
            browser.close()
    assert errors == []
