"""The report: one self-contained page with its plots, and a JSON twin that reads back."""

from __future__ import annotations

import re
from pathlib import Path

from services.replay.domain.ledger import Ledger
from services.replay.domain.people import People
from services.replay.domain.review import Review, build_review
from services.replay.report.html import render_html
from services.replay.run import write_report
from services.rules.service import read_rules_file

RULES = Path(__file__).resolve().parents[3] / "rules"


def test_the_page_fetches_nothing_and_carries_its_plots_and_tables(
    season_ledger: Ledger, people: People, tmp_path: Path
) -> None:
    review = build_review(
        season_ledger,
        people,
        source="generated",
        start=None,
        end=None,
        rules=[read_rules_file(RULES / "strict.yaml")],
    )
    write_report(review, html=tmp_path / "r.html", json=tmp_path / "r.json")
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=", page), "no external resources"
    assert "http://" not in page.replace("http://www.w3.org/2000/svg", "")
    for plot in ("rain-station", "rain-street", "ack-curve", "levels"):
        assert f'class="plot {plot}' in page
    assert page.count("<polyline") >= 21 + 10  # a line per station and per street at least
    assert "石岩街道" in page
    assert "duty-" in page
    assert page.count('class="sortable"') > 10
    again = Review.model_validate_json((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert again == review


def test_an_empty_window_still_makes_a_page() -> None:
    page = render_html(build_review(Ledger(), People(), source="store", start=None, end=None))
    assert "</html>" in page
