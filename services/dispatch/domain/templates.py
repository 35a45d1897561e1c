"""The Chinese title and text of a notice: what changed, where, what to do, by when to ack;
and of a duty officer's manual notice (their own words, with the same marks and ack clause).

Times are written in Beijing time (Asia/Shanghai) whatever zone they come in; drills
are marked 【演练】 at the start of both the title and the text.

>>> from datetime import UTC, datetime
>>> title, text = render_notice(NoticeChange.ACTIVATED, Level.IV, Scope.district(), False,
...     "市气象台发布台风蓝色预警信号", datetime(2024, 5, 3, 23, 15, tzinfo=UTC), "https://x/ack/1")
>>> title
'【宝安区三防】启动防汛防风Ⅳ级应急响应'
>>> text.endswith("请于05月04日 07:15前点击链接确认收到：https://x/ack/1")
True
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from schemas.areas import Scope
from schemas.notices import NoticeChange
from schemas.responses import Level

__all__ = [
    "BEIJING",
    "TEXT_LIMIT",
    "TITLE_LIMIT",
    "beijing_time",
    "manual_subject",
    "render_manual",
    "render_notice",
]

BEIJING = ZoneInfo("Asia/Shanghai")
TITLE_LIMIT = 200
TEXT_LIMIT = 2000
_DRILL = "【演练】"
_SENDER = "宝安区三防指挥部"
_HEAD = "【宝安区三防】"
_DRILL_NOTE = "本条为演练信息，非真实险情。"
_SENTENCE_END = "。！？!?.…"

# What each level asks of the persons told; each text stands alone, since a person may
# first hear of a response at a higher level.
_DUTIES: dict[Level, str] = {
    Level.WATCH: "密切关注天气和雨情变化；保持通讯畅通；做好防御准备",
    Level.IV: (
        "值班人员到岗到位，24小时值班；保持通讯畅通；加强对内涝积水点、地下空间、危险边坡、"
        "在建工地等隐患点的巡查；抢险队伍和物资做好准备"
    ),
    Level.III: (
        "各级责任人到岗到位；加密隐患点巡查，地下空间落实挡水措施；及时转移危险区域人员；"
        "户外和高空作业视情停工；抢险队伍集结待命"
    ),
    Level.II: (
        "全体责任人到岗到位；停止户外和高空作业，在建工地停工，工棚、危房人员全部转移；"
        "渔船回港避风；抢险队伍前置待命，随时报告险情"
    ),
    Level.I: (
        "全体责任人立即到岗，全力投入抢险救灾；落实停工、停业、停课、停运、停航等措施；"
        "危险区域人员应转尽转；每小时报告一次险情灾情"
    ),
}
_AFTER = "做好灾后巡查、隐患排查和恢复工作，及时报送灾情和损失情况"


def beijing_time(moment: datetime) -> str:
    """``moment`` in Beijing time as notices write it; naive datetimes are refused.

    >>> from datetime import UTC, datetime
    >>> beijing_time(datetime(2024, 5, 3, 22, 45, tzinfo=UTC))
    '05月04日 06:45'
    """
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{moment!r} has no time zone; notices need aware datetimes")
    local = moment.astimezone(BEIJING)
    return f"{local.month:02d}月{local.day:02d}日 {local:%H:%M}"


def render_notice(
    change: NoticeChange,
    level: Level,
    scope: Scope,
    drill: bool,
    hazard_text: str,
    ack_by: datetime | None,
    ack_url: str | None,
    *,
    previous_level: Level | None = None,
    issued_at: datetime | None = None,
) -> tuple[str, str]:
    """The notice's title and text for ``change`` at ``level`` over ``scope``.

    ``level`` is the new level for an activation or change and the level that ended for
    an end; a change needs ``previous_level``. ``hazard_text`` (the reason, e.g. the
    signal) is shortened if the text would pass the Notice limit.

    >>> from schemas.areas import Street
    >>> title, _ = render_notice(NoticeChange.LEVEL_CHANGED, Level.III,
    ...     Scope.of_streets([Street.SONGGANG]), True, "", None, None, previous_level=Level.IV)
    >>> title
    '【演练】【宝安区三防】松岗街道防汛防风应急响应由Ⅳ级提升至Ⅲ级'
    """
    area = scope.describe()
    when = f"于{beijing_time(issued_at)}" if issued_at is not None else ""
    if change is NoticeChange.LEVEL_CHANGED:
        if previous_level is None or previous_level == level:
            raise ValueError("a level change needs a previous_level other than the new level")
        verb = "提升至" if level > previous_level else "调整为"
        headline = f"防汛防风应急响应由{previous_level.chinese}{verb}{level.chinese}"
        decision = f"决定{when}将{area}{headline}"
        duties = f"请：{_DUTIES[level]}。"
    elif change is NoticeChange.ACTIVATED:
        headline = f"启动{_response(level)}"
        decision = f"决定{when}在{area}{headline}"
        duties = f"请：{_DUTIES[level]}。"
    elif change is NoticeChange.ENDED:
        headline = f"终止{_response(level)}"
        decision = f"决定{when}终止{area}{_response(level)}"
        duties = f"请各单位{_AFTER}。"
    else:
        raise ValueError(f"a {change} notice has no response template; see render_manual")
    where = "" if scope.kind == "district" else area
    marker = _DRILL if drill else ""
    title = f"{marker}{_HEAD}{where}{headline}"
    # The drill note goes before the link so that no linkifier takes it for part of the URL.
    closing = (_DRILL_NOTE if drill else "") + _ack_clause(ack_by, ack_url)
    return title, _fit(f"{marker}{_SENDER}通知：", hazard_text, f"{decision}。{duties}{closing}")


def render_manual(
    title: str, text: str, drill: bool, ack_by: datetime | None, ack_url: str | None
) -> tuple[str, str]:
    """A duty officer's notice: their title and text, marked as the bureau's (and as a drill),
    with the ack clause; the officer's words are shortened (…) only if the limits require it.

    >>> from datetime import UTC, datetime
    >>> title, text = render_manual("请各单位负责人到岗", "17时前到指挥部参加会商", True,
    ...     datetime(2024, 5, 4, 8, 0, tzinfo=UTC), "https://x/ack/1")
    >>> title
    '【演练】【宝安区三防】请各单位负责人到岗'
    >>> text
    '【演练】宝安区三防指挥部通知：17时前到指挥部参加会商。本条为演练信息，非真实险情。请于05月04日 16:00前点击链接确认收到：https://x/ack/1'
    """
    marker = _DRILL if drill else ""
    head = f"{marker}{_HEAD}"
    opening = f"{marker}{_SENDER}通知："
    closing = (_DRILL_NOTE if drill else "") + _ack_clause(ack_by, ack_url)
    body = text.strip()
    if body and body[-1] not in _SENTENCE_END:
        body += "。"
    room = TEXT_LIMIT - len(opening) - len(closing)
    return _cut(head + title.strip(), TITLE_LIMIT), opening + _cut(body, room) + closing


def manual_subject(title: str) -> str:
    """A manual notice's title without the marks ``render_manual`` put in front of it.

    >>> manual_subject("【演练】【宝安区三防】请各单位负责人到岗")
    '请各单位负责人到岗'
    """
    return title.removeprefix(_DRILL).removeprefix(_HEAD)


def _cut(words: str, room: int) -> str:
    if room <= 0:
        raise ValueError("no room left for the officer's words")
    return words if len(words) <= room else words[: room - 1] + "…"


def _response(level: Level) -> str:
    if level is Level.WATCH:
        return "防汛防风防御关注"
    return f"防汛防风{level.chinese}应急响应"


def _ack_clause(ack_by: datetime | None, ack_url: str | None) -> str:
    deadline = f"请于{beijing_time(ack_by)}前" if ack_by is not None else "请"
    if ack_url:
        return f"{deadline}点击链接确认收到：{ack_url}"
    if ack_by is not None:
        return f"{deadline}在“一键通”中确认收到。"
    return "本通知无需确认。"


def _fit(opening: str, hazard_text: str, rest: str) -> str:
    """Join the parts, shortening only the reason if the text would pass ``TEXT_LIMIT``."""
    reason = hazard_text.strip().rstrip("。.")
    room = TEXT_LIMIT - len(opening) - len(rest) - 1
    if room < 0:
        raise ValueError(f"the notice text is {-room} characters over {TEXT_LIMIT} even without the reason")
    if len(reason) > room:
        reason = reason[: max(room - 1, 0)] + "…" if room > 0 else ""
    return f"{opening}{reason}。{rest}" if reason else f"{opening}{rest}"
