"""The season's report in a real headless Chromium: it opens offline with no console error,
its plots are drawn, and its tables sort when a header is clicked."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.demo.season.log import season_log, small_directory
from services.replay.domain.ledger import Ledger
from services.replay.domain.people import People
from services.replay.domain.review import build_review
from services.replay.run import write_report
from services.rules.service import read_rules_file

pytestmark = pytest.mark.e2e

CHROMIUM = Path("/usr/bin/chromium")
RULES = Path(__file__).resolve().parents[3] / "rules"


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


def test_the_report_opens_with_its_plots_and_no_console_errors(report: Path, tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is not installed (scripts/install-browser)")
    from playwright.sync_api import sync_playwright

    errors: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on(
                "request",
                lambda r: errors.append(f"fetched {r.url}") if not r.url.startswith("file:") else None,
            )
            page.goto(report.as_uri())
            for plot in ("rain-station", "rain-street", "ack-curve", "levels"):
                box = page.locator(f"svg.{plot}").first.bounding_box()
                assert box is not None, f"{plot} is not laid out"
                assert box["width"] > 300
                assert box["height"] > 100
            assert page.locator("svg.rain-station polyline").count() == 21
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
