"""The words and codes feeds use for a signal's hazard and colour, mapped to our enums.

Three code systems appear in Chinese feeds:

* GB/T 35561 event-type codes in CAP ``eventCode`` (national release system), ``11Bnn``
  for meteorological events: 11B01 typhoon, 11B03 rainstorm, 11B20 thunderstorm gale …
* QWeather's ``10nn`` codes, which follow the same numbering (1001 typhoon, 1003
  rainstorm … 1025 forest fire), plus a few local ones such as 1034 寒冷 (cold);
* the Chinese names themselves (台风, 暴雨, 雷雨大风 …), usually written together with the
  colour, as in 暴雨橙色预警信号.

The written name wins over a code: QWeather's ``10nn`` table is published, but the
``11Bnn`` numbering is assumed to be the same (it is where QWeather's comes from) and
could not be checked against GB/T 35561 itself. The older CMA "type+level" codes
(``0202`` = rainstorm yellow) clash with ``10nn`` and are deliberately not read.

>>> signal_in_text("宝安区气象台发布暴雨橙色预警信号")
(<Hazard.RAINSTORM: 'rainstorm'>, <Colour.ORANGE: 'orange'>)
"""

from __future__ import annotations

import re

from schemas.warnings import Colour, Hazard

__all__ = [
    "colour_from_name",
    "colour_from_severity",
    "hazard_from_code",
    "hazard_from_name",
    "signal_in_text",
]

# Ordered so that the longer name wins (雷雨大风 before 大风); names that are real signal
# types but not one of ours map to OTHER, so they are recorded rather than refused.
_NAMES: dict[str, Hazard] = {
    "雷雨大风": Hazard.THUNDERSTORM_GALE,
    "森林火险": Hazard.FOREST_FIRE,
    "森林火灾": Hazard.FOREST_FIRE,
    "道路结冰": Hazard.OTHER,
    "台风": Hazard.TYPHOON,
    "暴雨": Hazard.RAINSTORM,
    "高温": Hazard.HIGH_TEMPERATURE,
    "寒冷": Hazard.COLD,
    "寒潮": Hazard.COLD,
    "大雾": Hazard.FOG,
    "灰霾": Hazard.HAZE,
    "干旱": Hazard.DROUGHT,
    "冰雹": Hazard.HAIL,
    "大风": Hazard.OTHER,
    "雷电": Hazard.OTHER,
    "暴雪": Hazard.OTHER,
    "霾": Hazard.HAZE,
}

_ENGLISH: dict[str, Hazard] = {
    "thunderstorm gale": Hazard.THUNDERSTORM_GALE,
    "thunder gust": Hazard.THUNDERSTORM_GALE,
    "tropical cyclone": Hazard.TYPHOON,
    "typhoon": Hazard.TYPHOON,
    "rainstorm": Hazard.RAINSTORM,
    "high temperature": Hazard.HIGH_TEMPERATURE,
    "cold": Hazard.COLD,
    "fog": Hazard.FOG,
    "haze": Hazard.HAZE,
    "fire": Hazard.FOREST_FIRE,
    "drought": Hazard.DROUGHT,
    "hail": Hazard.HAIL,
}

# GB/T 35561 ``11Bnn`` and QWeather ``10nn`` share the numbering; only the ones we type.
_CODE_NUMBERS: dict[int, Hazard] = {
    1: Hazard.TYPHOON,
    3: Hazard.RAINSTORM,
    5: Hazard.COLD,
    9: Hazard.HIGH_TEMPERATURE,
    15: Hazard.HAIL,
    17: Hazard.FOG,
    19: Hazard.HAZE,
    20: Hazard.THUNDERSTORM_GALE,
    22: Hazard.DROUGHT,
    25: Hazard.FOREST_FIRE,
    34: Hazard.COLD,
    41: Hazard.FOREST_FIRE,
}

_CODE = re.compile(r"(?:11B|10)(\d{2})", re.IGNORECASE)

_COLOURS: dict[str, Colour] = {
    "白色": Colour.WHITE,
    "蓝色": Colour.BLUE,
    "黄色": Colour.YELLOW,
    "橙色": Colour.ORANGE,
    "红色": Colour.RED,
    **{colour.value: colour for colour in Colour},
}

# China's CAP profile ties the colour to the CAP severity ([Ⅳ级/一般] blue … [Ⅰ级/特别严重]
# red); white (typhoon only) has no severity of its own.
_SEVERITY: dict[str, Colour] = {
    "minor": Colour.BLUE,
    "moderate": Colour.YELLOW,
    "severe": Colour.ORANGE,
    "extreme": Colour.RED,
}

_SIGNAL = re.compile(
    "(" + "|".join(sorted(_NAMES, key=len, reverse=True)) + ")(白色|蓝色|黄色|橙色|红色)(?:预警|信号)"
)


def hazard_from_code(code: str) -> Hazard | None:
    """Map a GB/T 35561 (``11B03``) or QWeather (``1003``) code to a hazard.

    A well-formed code of a type we do not model is OTHER; anything else is None.

    >>> hazard_from_code("11B01"), hazard_from_code("1003"), hazard_from_code("11B06")
    (<Hazard.TYPHOON: 'typhoon'>, <Hazard.RAINSTORM: 'rainstorm'>, <Hazard.OTHER: 'other'>)
    """
    match = _CODE.fullmatch(code.strip())
    if match is None:
        return None
    return _CODE_NUMBERS.get(int(match[1]), Hazard.OTHER)


def hazard_from_name(text: str) -> Hazard | None:
    """Find the hazard a Chinese or English signal name refers to, or None.

    >>> hazard_from_name("台风"), hazard_from_name("Rainstorm Warning")
    (<Hazard.TYPHOON: 'typhoon'>, <Hazard.RAINSTORM: 'rainstorm'>)
    """
    for name, hazard in _NAMES.items():
        if name in text:
            return hazard
    lowered = text.lower()
    for name, hazard in _ENGLISH.items():
        if name in lowered:
            return hazard
    return None


def colour_from_name(text: str) -> Colour | None:
    """Read a colour written as 蓝色, 蓝, Blue or blue; None if it is none of them.

    >>> colour_from_name("Orange"), colour_from_name("红")
    (<Colour.ORANGE: 'orange'>, <Colour.RED: 'red'>)
    """
    cleaned = text.strip().lower()
    if not cleaned:
        return None
    return _COLOURS.get(cleaned) or _COLOURS.get(cleaned + "色")


def colour_from_severity(severity: str) -> Colour | None:
    """The colour China's CAP profile pairs with a CAP ``severity``, if any.

    >>> colour_from_severity("Severe")
    <Colour.ORANGE: 'orange'>
    """
    return _SEVERITY.get(severity.strip().lower())


def signal_in_text(text: str) -> tuple[Hazard, Colour] | None:
    """Find a written signal such as 台风蓝色预警 in ``text``: its hazard and colour.

    >>> signal_in_text("解除台风白色预警信号")
    (<Hazard.TYPHOON: 'typhoon'>, <Colour.WHITE: 'white'>)
    """
    match = _SIGNAL.search(text)
    if match is None:
        return None
    return _NAMES[match[1]], _COLOURS[match[2]]
