"""The review as one self-contained HTML page: summary, plots (inline SVG), sortable tables.

Nothing is fetched: styles, the few lines of sorting script and the plots are inside.

>>> from datetime import UTC, datetime
>>> from services.replay.domain.ledger import Ledger
>>> from services.replay.domain.people import People
>>> from services.replay.domain.review import build_review
>>> page = render_html(build_review(Ledger(), People(), source="store", start=None, end=None))
>>> page.startswith("<!DOCTYPE html>")
True
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from html import escape

from services.core.clock import BEIJING
from services.replay.domain.results import Figures, GroupSpread, NoticeLatency
from services.replay.domain.review import Review
from services.replay.domain.stats import Spread
from services.replay.domain.whatif import Interval, WhatIf
from services.replay.report.svg import Series, day_bars, level_chart, line_chart, season_map, spread_chart

__all__ = ["REPORT_CSP", "render_html"]

_NEVER_LISTED = 300
_ACTIVATION_HEADERS = ("activated", "scope", "level", "by", "source", "signal", "signal at", "delay", "lead")
_SHIFT_HEADERS = (
    "scope",
    "recorded start",
    "start shift",
    "recorded level",
    "what-if level",
    "steps",
    "end shift",
)

_STYLE = """
body{font-family:system-ui,"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:1.5em;color:#222}
h1{font-size:1.5em}h2{margin-top:1.6em;border-bottom:1px solid #ccc}h3{margin-bottom:.3em}
table{border-collapse:collapse;margin:.5em 0;font-size:.9em}
th,td{border:1px solid #ddd;padding:3px 7px;text-align:left;vertical-align:top}
th{background:#f3f3f3;cursor:pointer;user-select:none}th.asc::after{content:" ▲"}th.desc::after{content:" ▼"}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.plot{max-width:100%;height:auto;border:1px solid #eee;margin:.4em 0}
.title{font-size:13px;font-weight:600}.tick,.legend{font-size:10px;fill:#444}
.cards{display:flex;flex-wrap:wrap;gap:.6em}.card{border:1px solid #ddd;border-radius:6px;padding:.5em .8em}
.card b{display:block;font-size:1.4em}.drill{color:#8e24aa}.scroll{max-height:34em;overflow:auto}
.count{font-size:15px;font-weight:700;fill:#222}.note{color:#555;font-size:.9em;max-width:60em}
@media print{.scroll{max-height:none;overflow:visible}th{cursor:auto}body{margin:0}
svg,table,.cards{break-inside:avoid}h2{break-after:avoid}}
"""

# Sorts a table by the clicked header: numbers by value, anything else as text.
_SCRIPT = """
document.querySelectorAll("table.sortable th").forEach(function (th) {
  th.addEventListener("click", function () {
    var table = th.closest("table"), body = table.tBodies[0], index = th.cellIndex;
    var ascending = !th.classList.contains("asc");
    table.querySelectorAll("th").forEach(function (h) { h.classList.remove("asc", "desc"); });
    th.classList.add(ascending ? "asc" : "desc");
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = a.cells[index].getAttribute("data-v") || a.cells[index].textContent;
      var y = b.cells[index].getAttribute("data-v") || b.cells[index].textContent;
      var nx = parseFloat(x), ny = parseFloat(y);
      var c = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y, "zh");
      return ascending ? c : -c;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  });
});
"""


def _hash(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode()).digest()).decode() + "'"


#: The Content-Security-Policy the report is served with: nothing from anywhere, but its own
#: inline style and script (allowed by hash, so nothing else inline runs) and data: images.
REPORT_CSP = (
    f"default-src 'none'; style-src {_hash(_STYLE)}; script-src {_hash(_SCRIPT)}; img-src data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


def _t(moment: datetime | None) -> str:
    return "" if moment is None else moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S")


def _d(seconds: float | None) -> str:
    if seconds is None:
        return ""
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    if seconds < 10:  # a notice is out in tenths of a second: "0 s" would hide it
        return f"{sign}{seconds:.1f} s"
    if seconds < 120:
        return f"{sign}{seconds:.0f} s"
    if seconds < 7200:
        return f"{sign}{seconds / 60:.1f} min"
    return f"{sign}{seconds / 3600:.1f} h"


Cell = str | int | float | None | tuple[str, float | None]


def _cell(value: Cell) -> str:
    if isinstance(value, tuple):
        shown, sort = value
        key = "" if sort is None else f' data-v="{sort}"'
        return f'<td class="n"{key}>{escape(shown)}</td>'
    if isinstance(value, int | float):
        return (
            f'<td class="n">{value:,}</td>' if isinstance(value, int) else f'<td class="n">{value:.3f}</td>'
        )
    return f"<td>{escape(value or '')}</td>"


def _table(headers: Sequence[str], rows: Iterable[Sequence[Cell]], css: str = "") -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(_cell(v) for v in row) + "</tr>" for row in rows)
    table = f'<table class="sortable"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
    return f'<div class="scroll {css}">{table}</div>'


def _dur(seconds: float | None) -> tuple[str, float | None]:
    return _d(seconds), seconds


def _cards(figures: Figures) -> str:
    c = figures.counts
    shown = [
        ("预警信号 signals issued", c.signals_issued),
        ("启动 activations", c.activations),
        ("其中提前启动 pre-emptive", c.pre_emptive),
        ("响应 responses (per scope)", c.responses),
        ("提请 proposals", c.proposals),
        ("确认 / 否决 confirmed / rejected", f"{c.confirmations} / {c.rejections}"),
        ("级别调整 level changes", c.level_changes),
        ("通知 notices", c.notices),
        ("确认率 ack rate", "" if figures.ack_rate is None else f"{figures.ack_rate:.1%}"),
        ("升级 escalations", c.escalations),
    ]
    return (
        '<div class="cards">'
        + "".join(f'<div class="card"><b>{escape(str(v))}</b>{escape(k)}</div>' for k, v in shown)
        + "</div>"
    )


def _figures(figures: Figures, title: str, css: str) -> str:
    spread = figures.time_to_ack
    parts = [f'<h2 class="{css}">{escape(title)}</h2>', _cards(figures)]
    parts.append(
        f"<p>时间到确认 time to acknowledge: n={spread.count:,}, p50 {_d(spread.p50)}, "
        f"p90 {_d(spread.p90)}, p99 {_d(spread.p99)}</p>"
    )
    parts.append("<h3>预警到启动 signal → activation</h3>")
    parts.append(
        _table(
            _ACTIVATION_HEADERS,
            (
                [
                    _t(d.activated_at), d.scope, d.level, d.activated_by, d.source, d.signal_id,
                    _t(d.signal_at), _dur(d.delay_seconds), _dur(d.lead_seconds),
                ]
                for d in figures.signal_to_activation
            ),
        )
    )  # fmt: skip
    parts.append("<h3>启动到首条/末条通知 change → first and last notice</h3>")
    if figures.notice_latency is not None:
        parts.append(_latency(figures.notice_latency))
    parts.append(
        _table(
            ["at", "change", "scope", "level", "notices", "first", "last", "all written", "all delivered"],
            (
                [_t(n.at), n.change, n.scope, n.level, n.notices, _dur(n.first_seconds), _dur(n.last_seconds),
                 _dur(n.written_seconds), _dur(n.delivered_seconds)]
                for n in figures.notice_lags
            ),
            "notice-lags",
        )
    )  # fmt: skip
    if figures.per_day:
        parts.append(
            day_bars(
                f"每日通知、确认与升级 notices, acks and escalation steps per day ({title})",
                [(d.day, (d.notices, d.acks, d.escalations)) for d in figures.per_day],
                ("通知 notices", "确认 first acks", "升级 escalation steps"),
                "plot notices-acks",
            )
        )
    for group in ("channel", "unit"):
        shown = [g for g in figures.time_to_ack_by.get(group, ()) if g.spread.count]
        if shown:
            parts.append(
                spread_chart(
                    f"确认用时分布 time to acknowledge per {group} ({title}; log scale, outliers apart)",
                    [_spread_row(g) for g in sorted(shown, key=lambda g: g.spread.p50 or 0)],
                    f"plot ack-spread ack-{group}",
                )
            )
    for group, rows in figures.time_to_ack_by.items():
        parts.append(f"<h3>确认用时 time to acknowledge by {escape(group)}</h3>")
        parts.append(
            _table(
                [group, "acks", "p50", "p90", "p99"],
                (
                    [g.label, g.spread.count, _dur(g.spread.p50), _dur(g.spread.p90), _dur(g.spread.p99)]
                    for g in rows
                ),
                f"ack-by ack-by-{group}",
            )
        )
    late = figures.ack_outliers
    parts.append(
        f'<h3 class="outliers">异常迟到的确认 outliers: acks more than 24 h late ({len(late):,}), '
        "listed apart and left out of the percentiles</h3>"
    )
    parts.append(
        _table(
            ["notice", "person", "unit", "channel", "notice at", "acked at", "after", "cause"],
            (
                [o.notice_id[:8], o.person_id, o.unit, o.channel, _t(o.notice_at), _t(o.acked_at),
                 _dur(o.wait_seconds), o.cause]
                for o in late[:_NEVER_LISTED]
            ),
            "outliers",
        )
    )  # fmt: skip
    never = figures.never_acknowledged
    parts.append(f"<h3>从未确认 never acknowledged ({len(never):,} persons)</h3>")
    parts.append(
        _table(
            ["person", "name", "unit", "street", "role", "unacknowledged", "responses"],
            (
                [u.person_id, u.name, u.unit, u.street, u.role, u.unacknowledged, str(len(u.responses))]
                for u in never[:_NEVER_LISTED]
            ),
        )
    )
    parts.append("<h3>升级 escalations by step</h3>")
    parts.append(
        _table(
            ["step", "action", "count"], ([s.step, s.action, s.count] for s in figures.escalations_by_step)
        )
    )
    if figures.ack_curves:
        curves = [
            Series(
                c.label,
                tuple((x, y * 100) for x, y in c.points),
                "#000" if c.key == "all" else "",
                3 if c.key == "all" else 1,
            )
            for c in (figures.ack_curves[0], *sorted(figures.ack_curves[1:], key=lambda c: -c.notices)[:10])
        ]
        parts.append(
            line_chart(
                f"确认曲线 acknowledgement curves ({title})",
                curves,
                x_format=lambda x: f"{x:.0f} min",
                y_unit="%",
                y_max=100,
                css_class="plot ack-curve",
            )
        )
    return "".join(parts)


def _spread_row(group: GroupSpread) -> tuple[str, int, float, float, float]:
    s = group.spread
    return (group.label, s.count, s.p50 or 0.0, s.p90 or 0.0, s.p99 or 0.0)


_TIMES_FROM = {
    "store": "每条通知在库中的记录 the notices table: when dispatch wrote each notice (created_at), "
    "handed its app push to the broker (sent_at) and had it delivered (delivered_at)",
    "events": "事件自身时间 the events' own times: the response change's and each delivery's "
    "occurred_at (a replay from Kafka has no notices table, so no 'written' column)",
}


def _latency_line(name: str, spread: Spread) -> str:
    if not spread.count:
        return f"<li>{escape(name)}: —</li>"
    return (
        f"<li>{escape(name)}: n={spread.count:,}, p50 <b>{_d(spread.p50)}</b>, p90 {_d(spread.p90)},"
        f" p99 {_d(spread.p99)}</li>"
    )


def _latency(latency: NoticeLatency) -> str:
    source = _TIMES_FROM.get(latency.times_from, latency.times_from)
    return (
        '<ul class="latency">'
        + _latency_line("变更到首条通知 change → first notice given", latency.change_to_first)
        + _latency_line("变更到末条通知 change → last notice given", latency.change_to_last)
        + _latency_line("变更到写入通知 change → notice written by dispatch", latency.change_to_written)
        + _latency_line("通知到送达 notice → delivered to the app", latency.notice_to_delivered)
        + f'</ul><p class="note">时间来源 times from: {escape(source)}. All are the services\' own clock'
        " (in the live demo, its accelerated clock: docs/review.md).</p>"
    )


def _interval(i: Interval) -> list[Cell]:
    return [
        i.scope + (" (drill)" if i.drill else ""),
        _t(i.start),
        _t(i.end),
        i.max_level,
        "yes" if i.assumed else "",
    ]


def _what_if(w: WhatIf) -> str:
    parts = [
        f"<h3>{escape(w.rules_id)} {escape(w.rules_version)}</h3>",
        f"<p>activations {w.recorded_activations} → {w.what_if_activations}; gained {len(w.gained)}, "
        f"lost {len(w.lost)}; earlier {w.earlier}, later {w.later}; higher {w.higher}, lower {w.lower}; "
        f"assumed officer confirmations {w.assumed_confirmations} (after {_d(w.officer_delay_seconds)})</p>",
    ]
    if w.gained:
        parts.append(
            "<p>gained 新增</p>"
            + _table(["scope", "start", "end", "max level", "assumed"], map(_interval, w.gained))
        )
    if w.lost:
        parts.append(
            "<p>lost 减少</p>"
            + _table(["scope", "start", "end", "max level", "assumed"], map(_interval, w.lost))
        )
    moved = [s for s in w.shifted if s.start_seconds or s.level_steps or s.end_seconds]
    if moved:
        parts.append(
            "<p>changed 变化</p>"
            + _table(
                _SHIFT_HEADERS,
                (
                    [
                        s.recorded.scope, _t(s.recorded.start), _dur(s.start_seconds), s.recorded.max_level,
                        s.what_if.max_level, s.level_steps, _dur(s.end_seconds),
                    ]
                    for s in moved
                ),
            )
        )  # fmt: skip
    return "".join(parts)


def _bounds(review: Review) -> tuple[datetime, datetime]:
    times = [e.at for e in review.timeline]
    start = review.start or (min(times) if times else datetime(2024, 1, 1, tzinfo=UTC))
    end = review.end or (max(times) if times else start)
    return start, end


def _rain(review: Review) -> str:
    def day(text: str) -> float:
        return datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=BEIJING).timestamp()

    stations = []
    for s in review.rain_stations:
        total, points = 0.0, []
        for d, mm in s.daily:
            total += mm
            points.append((day(d), round(total, 1)))
        stations.append(Series(f"{s.key} {s.total_mm:.1f} mm", tuple(points)))
    streets = [Series(s.label, tuple((day(d), mm) for d, mm in s.daily)) for s in review.rain_streets]
    return (
        "<h2>雨量 rainfall</h2>"
        f"<p>district mean (of station totals) {review.district_mean_mm or 0:.1f} mm</p>"
        + line_chart(
            "各站累计雨量 cumulative rainfall per station (mm)",
            stations,
            y_unit="",
            css_class="plot rain-station",
        )
        + line_chart("各街道日雨量 daily rainfall per street (mm)", streets, css_class="plot rain-street")
        + _table(
            ["station / street", "street", "total mm", "peak hour mm"],
            (
                [s.label, s.street, s.total_mm, s.peak_hour_mm]
                for s in (*review.rain_stations, *review.rain_streets)
            ),
        )
    )


def render_html(review: Review) -> str:
    """The whole page."""
    start, end = _bounds(review)
    parts = [
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(review.title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{escape(review.title)}</h1>",
        f"<p>{_t(review.start)} – {_t(review.end)} · source {escape(review.source)}"
        f" · {review.events:,} events</p>",
        _figures(review.real, "实际事件 real events", "real"),
        "<h2>响应级别 response levels</h2>",
        level_chart(
            [t for t in review.levels if not t.drill],
            start,
            end,
            "各街道响应级别 level over time, district and per street",
        ),
        season_map(
            "本期各街道启动次数 responses started per street",
            review.real.activations_by_street,
            review.real.district_activations,
        ),
    ]
    if review.drill.counts.activations or review.drill.counts.notices:
        parts.append(_figures(review.drill, "演练 drills (counted apart)", "drill"))
        parts.append(level_chart([t for t in review.levels if t.drill], start, end, "演练级别 drill levels"))
    parts.append(_rain(review))
    if review.what_ifs:
        parts.append("<h2>推演 what-if</h2>")
        for w in review.what_ifs:
            parts.append(_what_if(w))
            parts.append(level_chart(w.levels, start, end, f"what-if levels: {w.rules_id}"))
    parts.append("<h2>时间线 timeline</h2>")
    parts.append(
        _table(
            ["at", "until", "kind", "scope", "level", "drill", "who", "what", "count"],
            (
                [
                    _t(e.at),
                    _t(e.until),
                    e.kind,
                    e.scope,
                    e.level,
                    "drill" if e.drill else "",
                    e.who,
                    e.what,
                    e.count,
                ]
                for e in review.timeline
            ),
            "timeline",
        )
    )
    parts.append(f"<script>{_SCRIPT}</script></body></html>")
    return "".join(parts)
