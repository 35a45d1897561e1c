"""The report: one self-contained page with its plots, and a JSON twin that reads back."""

from __future__ import annotations

import re
from pathlib import Path

from schemas.street_map import SCHEMATIC
from services.replay.domain.ledger import Ledger
from services.replay.domain.people import People
from services.replay.domain.results import Figures
from services.replay.domain.review import Review, build_review
from services.replay.report.html import render_html
from services.replay.run import write_report
from services.rules.service import read_rules_file

RULES = Path(__file__).resolve().parents[3] / "rules"


def headline(page: str) -> dict[str, str]:
    """The figures on the first row of cards (real events), by their label."""
    cards = page.split('<div class="cards">', 2)[1].split("</div></div>", 1)[0]
    return {label: value for value, label in re.findall(r"<b>([^<]*)</b>([^<]*)", cards)}


def expected_headline(figures: Figures) -> dict[str, str]:
    c = figures.counts
    return {
        "预警信号 signals issued": str(c.signals_issued),
        "启动 activations": str(c.activations),
        "其中提前启动 pre-emptive": str(c.pre_emptive),
        "响应 responses (per scope)": str(c.responses),
        "提请 proposals": str(c.proposals),
        "确认 / 否决 confirmed / rejected": f"{c.confirmations} / {c.rejections}",
        "级别调整 level changes": str(c.level_changes),
        "通知 notices": str(c.notices),
        "确认率 ack rate": "" if figures.ack_rate is None else f"{figures.ack_rate:.1%}",
        "升级 escalations": str(c.escalations),
    }


def chart(page: str, css: str) -> str:
    """The first inline SVG plot whose classes start with ``plot {css}``."""
    match = re.search(rf'<svg class="plot {css}[ "].*?</svg>', page, re.DOTALL)
    assert match, f"no {css} plot"
    return match.group(0)


def lines(svg: str) -> list[list[str]]:
    """The points of every line a chart draws."""
    return [points.split() for points in re.findall(r'<polyline[^>]* points="([^"]*)"', svg)]


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

    # What a reader sees first: the window's size and the season's figures as the review has them.
    assert f"· {review.events:,} events" in page
    assert headline(page) == expected_headline(review.real)
    counts = review.real.counts
    assert counts.activations > 0
    assert counts.notices > 0
    assert review.real.ack_rate
    # The plots are drawn from the figures: a line per station and per street, one step per
    # level a scope was at, each street shaded with its count.
    assert len(lines(chart(page, "rain-station"))) == len(review.rain_stations)
    assert len(lines(chart(page, "rain-street"))) == len(review.rain_streets)
    assert all(len(points) > 1 for points in lines(chart(page, "rain-station")))
    curves = lines(chart(page, "ack-curve"))
    assert len(curves) == min(len(review.real.ack_curves), 11)
    assert all(len(c) > 1 for c in curves)
    real_tracks = [t for t in review.levels if not t.drill]
    steps = sum(1 for t in real_tracks for step in t.steps if step.rank >= 0)
    assert steps > 0
    assert chart(page, "levels").count('<rect class="step"') == steps
    shading = re.findall(r'data-street="([^"]+)" data-count="(\d+)"', chart(page, "season-map"))
    shaded = {street: int(count) for street, count in shading}
    assert len(shaded) == len(SCHEMATIC)
    assert sum(shaded.values()) > 0
    assert shaded == {street: review.real.activations_by_street.get(street, 0) for street in shaded}
    again = Review.model_validate_json((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert again == review


def test_an_empty_window_still_makes_a_page_with_zero_figures_and_empty_plots() -> None:
    review = build_review(Ledger(), People(), source="store", start=None, end=None)
    page = render_html(review)
    assert "· 0 events" in page
    assert headline(page) == expected_headline(review.real)
    assert set(headline(page).values()) == {"0", "0 / 0", ""}  # no ack rate without notices
    assert '<h2 class="drill"' not in page  # no drill section when there were no drills
    for rain in ("rain-station", "rain-street"):
        assert "<line" in chart(page, rain)
        assert lines(chart(page, rain)) == []
    assert '<rect class="step"' not in chart(page, "levels")
    assert 'class="plot ack-curve' not in page
    shaded = re.findall(r'data-street="[^"]+" data-count="(\d+)"', chart(page, "season-map"))
    assert shaded == ["0"] * len(SCHEMATIC)
    assert page.endswith("</script></body></html>")
