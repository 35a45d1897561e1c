"""Notice texts say what changed, where, what to do and by when to acknowledge, in Beijing time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from schemas.areas import Scope, Street
from schemas.notices import NoticeChange
from schemas.responses import Level
from services.dispatch.domain.templates import TEXT_LIMIT, TITLE_LIMIT, render_notice

ACK_BY = datetime(2024, 5, 3, 23, 15, tzinfo=UTC)  # 07:15 in Beijing
URL = "https://sanfang.example/ack/0d5c"
SIGNAL = "深圳市气象台于05月04日06时45分发布暴雨橙色预警信号"


def _render(
    change: NoticeChange = NoticeChange.ACTIVATED,
    level: Level = Level.IV,
    scope: Scope | None = None,
    *,
    drill: bool = False,
    hazard_text: str = SIGNAL,
    ack_by: datetime | None = ACK_BY,
    ack_url: str | None = URL,
    previous_level: Level | None = None,
) -> tuple[str, str]:
    return render_notice(
        change,
        level,
        scope or Scope.district(),
        drill,
        hazard_text,
        ack_by,
        ack_url,
        previous_level=previous_level,
    )


def test_an_activation_names_the_level_area_duties_deadline_and_link() -> None:
    title, text = _render(scope=Scope.of_streets([Street.SONGGANG, Street.FUYONG]))
    assert title == "【宝安区三防】福永、松岗街道启动防汛防风Ⅳ级应急响应"
    assert SIGNAL in text
    assert "在福永、松岗街道启动防汛防风Ⅳ级应急响应" in text
    assert "到岗到位" in text
    assert "巡查" in text
    assert text.endswith(f"请于05月04日 07:15前点击链接确认收到：{URL}")


def test_a_district_activation_has_the_bureaus_title() -> None:
    title, text = _render()
    assert title == "【宝安区三防】启动防汛防风Ⅳ级应急响应"
    assert "在全区启动" in text


def test_the_deadline_is_beijing_time_whatever_zone_it_comes_in() -> None:
    eastern = ACK_BY.astimezone(timezone(timedelta(hours=-5)))
    assert _render(ack_by=eastern)[1] == _render()[1]
    assert "05月04日 07:15前" in _render(ack_by=eastern)[1]


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="no time zone"):
        _render(ack_by=datetime(2024, 5, 4, 7, 15))  # noqa: DTZ001 - the naive time is the point


def test_drills_are_marked_in_title_and_text() -> None:
    title, text = _render(drill=True)
    assert title.startswith("【演练】")
    assert text.startswith("【演练】")
    assert "演练信息" in text
    assert "演练" not in "".join(_render())


@pytest.mark.parametrize(
    ("previous", "level", "phrase"),
    [(Level.IV, Level.III, "由Ⅳ级提升至Ⅲ级"), (Level.II, Level.IV, "由Ⅱ级调整为Ⅳ级")],
)
def test_a_level_change_names_both_levels(previous: Level, level: Level, phrase: str) -> None:
    title, text = _render(NoticeChange.LEVEL_CHANGED, level, previous_level=previous)
    assert phrase in title
    assert phrase in text


def test_a_level_change_needs_the_previous_level() -> None:
    with pytest.raises(ValueError, match="previous_level"):
        _render(NoticeChange.LEVEL_CHANGED, Level.III)


def test_an_end_asks_for_no_acknowledgement() -> None:
    title, text = _render(NoticeChange.ENDED, Level.III, ack_by=None, ack_url=None)
    assert title == "【宝安区三防】终止防汛防风Ⅲ级应急响应"
    assert "灾后" in text
    assert "无需确认" in text


def test_higher_levels_ask_for_more() -> None:
    assert "停工" in _render(level=Level.I)[1]
    assert "停工" not in _render(level=Level.IV)[1]
    assert "防御关注" in _render(level=Level.WATCH)[0]


def test_a_long_reason_is_shortened_to_fit_and_the_link_survives() -> None:
    every_street = Scope.of_streets(list(Street))
    title, text = _render(scope=every_street, hazard_text="雨" * 5000, drill=True)
    assert len(title) <= TITLE_LIMIT
    assert len(text) == TEXT_LIMIT
    assert text.endswith(URL)
    assert "…" in text
