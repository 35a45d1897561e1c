"""Small inline SVG plots drawn by hand: line charts, per-scope level steps, bars per day,
the spread of waits on a log axis, and the schematic street map shaded by activations.

No library and no network: the report must open on an offline duty-room PC.

>>> "<svg" in line_chart("t", [Series("a", ((0.0, 0.0), (1.0, 2.0)))], x_format=str)
True
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape

from schemas.street_map import SCHEMATIC, SCHEMATIC_NOTE, VIEWBOX
from services.core.clock import BEIJING
from services.replay.domain.results import LevelTrack

__all__ = [
    "LEVEL_COLOURS",
    "Series",
    "date_label",
    "day_bars",
    "level_chart",
    "line_chart",
    "season_map",
    "spread_chart",
]

PALETTE = (
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    "#bcbd22", "#17becf", "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd",
    "#e6550d", "#31a354", "#756bb1", "#636363", "#6baed6",
)  # fmt: skip
LEVEL_COLOURS = {0: "#9e9e9e", 1: "#1e88e5", 2: "#fdd835", 3: "#fb8c00", 4: "#e53935"}
_W, _H, _L, _R, _T, _B = 900, 300, 60, 170, 28, 36


@dataclass(frozen=True)
class Series:
    """One line: its label, (x, y) points, and optionally its colour and width."""

    label: str
    points: tuple[tuple[float, float], ...]
    colour: str = ""
    width: float = 1.5


def date_label(x: float) -> str:
    """An epoch-seconds x value as a Beijing date."""
    return datetime.fromtimestamp(x, tz=BEIJING).strftime("%m-%d")


def _ticks(low: float, high: float, count: int = 6) -> list[float]:
    if high <= low:
        return [low]
    step = (high - low) / (count - 1)
    return [low + i * step for i in range(count)]


def line_chart(
    title: str,
    series: Sequence[Series],
    *,
    x_format: Callable[[float], str] = date_label,
    y_unit: str = "",
    y_max: float | None = None,
    css_class: str = "plot",
) -> str:
    """A line chart with axes, ticks and a legend on the right."""
    xs = [x for s in series for x, _ in s.points]
    ys = [y for s in series for _, y in s.points]
    x0, x1 = (min(xs), max(xs)) if xs else (0.0, 1.0)
    y1 = y_max if y_max is not None else (max(ys) if ys else 1.0) or 1.0
    width, height = _W - _L - _R, _H - _T - _B

    def px(x: float) -> float:
        return _L + (x - x0) / ((x1 - x0) or 1) * width

    def py(y: float) -> float:
        return _T + height - y / y1 * height

    parts = [
        f'<svg class="{css_class}" role="img" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_W} {_H}"'
        f' width="{_W}" height="{_H}"><title>{escape(title)}</title>',
        f'<text x="{_L}" y="18" class="title">{escape(title)}</text>',
        f'<line x1="{_L}" y1="{_T + height}" x2="{_L + width}" y2="{_T + height}" stroke="#444"/>',
        f'<line x1="{_L}" y1="{_T}" x2="{_L}" y2="{_T + height}" stroke="#444"/>',
    ]
    for tick in _ticks(x0, x1):
        parts.append(
            f'<text x="{px(tick):.1f}" y="{_H - 14}" text-anchor="middle" class="tick">'
            f"{escape(x_format(tick))}</text>"
        )
    for tick in _ticks(0, y1, 5):
        parts.append(
            f'<text x="{_L - 6}" y="{py(tick) + 4:.1f}" text-anchor="end" class="tick">'
            f"{tick:.0f}{escape(y_unit)}</text>"
            f'<line x1="{_L}" y1="{py(tick):.1f}" x2="{_L + width}" y2="{py(tick):.1f}" stroke="#eee"/>'
        )
    for index, s in enumerate(series):
        colour = s.colour or PALETTE[index % len(PALETTE)]
        path = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in s.points)
        parts.append(
            f'<polyline class="series" fill="none" stroke="{colour}" stroke-width="{s.width}"'
            f' points="{path}">'
            f"<title>{escape(s.label)}</title></polyline>"
        )
        if index < 22:
            ly = _T + 12 * index
            parts.append(
                f'<rect x="{_W - _R + 10}" y="{ly}" width="10" height="3" fill="{colour}"/>'
                f'<text x="{_W - _R + 24}" y="{ly + 5}" class="legend">{escape(s.label[:26])}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def level_chart(tracks: Sequence[LevelTrack], start: datetime, end: datetime, title: str) -> str:
    """One lane per scope; inside it the level as a filled step, coloured by level."""
    lane = 26
    height = _T + lane * max(1, len(tracks)) + _B
    width = _W - _L - _R
    t0, t1 = start.timestamp(), end.timestamp()

    def px(moment: datetime) -> float:
        return _L + 110 + (moment.timestamp() - t0) / ((t1 - t0) or 1) * (width - 110)

    parts = [
        f'<svg class="plot levels" role="img" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_W} {height}"'
        f' width="{_W}" height="{height}"><title>{escape(title)}</title>',
        f'<text x="{_L}" y="18" class="title">{escape(title)}</text>',
    ]
    for row, track in enumerate(tracks):
        top = _T + row * lane
        parts.append(
            f'<text x="{_L + 104}" y="{top + 17}" text-anchor="end" class="tick">{escape(track.label)}</text>'
        )
        parts.append(
            f'<line x1="{_L + 110}" y1="{top + lane - 2}" x2="{_L + width}" y2="{top + lane - 2}"'
            ' stroke="#ccc"/>'
        )
        steps = list(track.steps)
        for step, following in zip(steps, [*steps[1:], None], strict=True):
            if step.rank < 0:
                continue
            until = following.at if following else end
            bar = (lane - 6) * (step.rank + 1) / 5
            parts.append(
                f'<rect class="step" x="{px(step.at):.1f}" y="{top + lane - 2 - bar:.1f}"'
                f' width="{max(1.0, px(until) - px(step.at)):.1f}" height="{bar:.1f}"'
                f' fill="{LEVEL_COLOURS[step.rank]}"><title>{escape(track.label)} {escape(step.level or "")}'
                f" {step.at.astimezone(BEIJING):%m-%d %H:%M}</title></rect>"
            )
    for tick in _ticks(t0, t1):
        x = _L + 110 + (tick - t0) / ((t1 - t0) or 1) * (width - 110)
        parts.append(
            f'<text x="{x:.1f}" y="{height - 14}" text-anchor="middle" class="tick">{date_label(tick)}</text>'
        )
    for index, (rank, name) in enumerate(((0, "防御关注"), (1, "Ⅳ"), (2, "Ⅲ"), (3, "Ⅱ"), (4, "Ⅰ"))):
        parts.append(
            f'<rect x="{_W - _R + 10}" y="{_T + 14 * index}" width="10" height="10"'
            f' fill="{LEVEL_COLOURS[rank]}"/>'
            f'<text x="{_W - _R + 24}" y="{_T + 14 * index + 9}" class="legend">{name}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def day_bars(
    title: str, days: Sequence[tuple[str, Sequence[int]]], names: Sequence[str], css_class: str
) -> str:
    """Grouped bars per day, days with nothing left out (a season is mostly quiet)."""
    peak = max((v for _, values in days for v in values), default=0) or 1
    width, height = _W - _L - _R, _H - _T - _B
    slot = width / max(1, len(days))
    bar = max(1.0, slot * 0.8 / max(1, len(names)))
    colours = ("#1f77b4", "#2ca02c", "#d62728")
    parts = [
        f'<svg class="{css_class}" role="img" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_W} {_H}"'
        f' width="{_W}" height="{_H}"><title>{escape(title)}</title>',
        f'<text x="{_L}" y="18" class="title">{escape(title)}</text>',
        f'<line x1="{_L}" y1="{_T + height}" x2="{_L + width}" y2="{_T + height}" stroke="#444"/>',
    ]
    for tick in _ticks(0, peak, 5):
        y = _T + height - tick / peak * height
        parts.append(
            f'<text x="{_L - 6}" y="{y + 4:.1f}" text-anchor="end" class="tick">{tick:,.0f}</text>'
            f'<line x1="{_L}" y1="{y:.1f}" x2="{_L + width}" y2="{y:.1f}" stroke="#eee"/>'
        )
    label_every = max(1, len(days) // 12)
    for index, (day, values) in enumerate(days):
        left = _L + index * slot + slot * 0.1
        for k, value in enumerate(values):
            tall = value / peak * height
            parts.append(
                f'<rect class="bar" x="{left + k * bar:.1f}" y="{_T + height - tall:.1f}" width="{bar:.1f}"'
                f' height="{tall:.1f}" fill="{colours[k % 3]}"><title>{escape(day)} {escape(names[k])}:'
                f" {value:,}</title></rect>"
            )
        if index % label_every == 0:
            parts.append(
                f'<text x="{left + slot * 0.4:.1f}" y="{_H - 14}" text-anchor="middle" class="tick">'
                f"{escape(day[5:])}</text>"
            )
    for k, name in enumerate(names):
        parts.append(
            f'<rect x="{_W - _R + 10}" y="{_T + 14 * k}" width="10" height="10" fill="{colours[k % 3]}"/>'
            f'<text x="{_W - _R + 24}" y="{_T + 14 * k + 9}" class="legend">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


#: Marks on the time-to-acknowledge axis (seconds), drawn on a log scale.
_WAIT_MARKS = (
    (10, "10 s"),
    (60, "1 min"),
    (300, "5 min"),
    (900, "15 min"),
    (3600, "1 h"),
    (21600, "6 h"),
    (86400, "24 h"),
)


def spread_chart(title: str, rows: Sequence[tuple[str, int, float, float, float]], css_class: str) -> str:
    """One line per group (label, count, p50, p90, p99 in seconds) on a log time axis: a bar
    from p50 to p90, a dot at p50, a tick at p99."""
    lane = 16
    height = _T + 14 + lane * max(1, len(rows)) + _B
    left, right = _L + 150, _W - 30
    low, high = math.log10(5), math.log10(86400)

    def px(seconds: float) -> float:
        value = min(max(math.log10(max(seconds, 1.0)), low), high)
        return left + (value - low) / (high - low) * (right - left)

    parts = [
        f'<svg class="{css_class}" role="img" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_W} {height}"'
        f' width="{_W}" height="{height}"><title>{escape(title)}</title>',
        f'<text x="{_L}" y="18" class="title">{escape(title)}</text>',
        f'<text x="{right}" y="18" text-anchor="end" class="legend">● p50  ▬ p50–p90  | p99</text>',
    ]
    bottom = _T + 14 + lane * len(rows)
    for seconds, name in _WAIT_MARKS:
        x = px(seconds)
        parts.append(
            f'<line x1="{x:.1f}" y1="{_T + 10}" x2="{x:.1f}" y2="{bottom}" stroke="#e3e3e3"/>'
            f'<text x="{x:.1f}" y="{bottom + 14}" text-anchor="middle" class="tick">{name}</text>'
        )
    for index, (label, count, p50, p90, p99) in enumerate(rows):
        y = _T + 14 + index * lane + lane / 2
        tip = f"{label}: n={count:,}, p50 {p50:.0f} s, p90 {p90:.0f} s, p99 {p99:.0f} s"
        parts.append(
            f'<g class="spread"><title>{escape(tip)}</title>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" class="tick">{escape(label[:24])}'
            f" ({count:,})</text>"
            f'<rect x="{px(p50):.1f}" y="{y - 4:.1f}" width="{max(1.5, px(p90) - px(p50)):.1f}" height="8"'
            ' fill="#90caf9"/>'
            f'<line x1="{px(p99):.1f}" y1="{y - 6:.1f}" x2="{px(p99):.1f}" y2="{y + 6:.1f}" stroke="#c62828"'
            ' stroke-width="2"/>'
            f'<circle cx="{px(p50):.1f}" cy="{y:.1f}" r="3.5" fill="#0d47a1"/></g>'
        )
    parts.append("</svg>")
    return "".join(parts)


def season_map(title: str, per_street: Mapping[str, int], district: int) -> str:
    """The schematic street map, each street shaded by how many responses it had (district-wide
    ones said apart, under the map)."""
    width, height = VIEWBOX
    peak = max(per_street.values(), default=0) or 1
    full_w, full_h = width + 180, height + 60
    parts = [
        f'<svg class="plot season-map" role="img" xmlns="http://www.w3.org/2000/svg"'
        f' viewBox="0 0 {full_w} {full_h}" width="{full_w * 1.2:.0f}" height="{full_h * 1.2:.0f}">'
        f"<title>{escape(title)}</title>",
        f'<text x="8" y="18" class="title">{escape(title)}</text>',
        '<g transform="translate(0,28)">',
    ]
    for street, shape in SCHEMATIC.items():
        count = per_street.get(street.value, 0)
        # White to deep orange by count: more activations, darker.
        share = count / peak
        fill = f"rgb({255 - round(25 * share)},{255 - round(150 * share)},{255 - round(235 * share)})"
        cx, cy = shape.centre
        parts.append(
            f'<g class="street" data-street="{street.value}" data-count="{count}">'
            f"<title>{escape(street.chinese)}街道 {escape(shape.english)}: {count}</title>"
            f'<polygon points="{shape.points}" fill="{fill}" stroke="#555" stroke-width="1.2"/>'
            f'<text x="{cx}" y="{cy - 4}" text-anchor="middle" class="tick">{escape(street.chinese)}</text>'
            f'<text x="{cx}" y="{cy + 14}" text-anchor="middle" class="count">{count}</text></g>'
        )
    parts.append(
        "</g>"
        f'<text x="{width + 10}" y="60" class="legend">全区响应 district-wide: {district}</text>'
        f'<text x="{width + 10}" y="74" class="legend">(cover every street;</text>'
        f'<text x="{width + 10}" y="88" class="legend">not counted in a street)</text>'
        f'<text x="8" y="{full_h - 8}" class="legend">{escape(SCHEMATIC_NOTE)}</text>'
    )
    parts.append("</svg>")
    return "".join(parts)
