"""Where a warning applies in Bao'an, read from its area descriptions and geocodes.

A signal is district-wide unless its area names some of the ten streets; "除石岩街道外"
(all but Shiyan) names the others. An area that is clearly another district's (a
division code outside Bao'an, or only other Shenzhen district names) is refused, so a
Futian signal never activates Bao'an.

>>> scope_of_areas([("松岗、福永、沙井街道", ())]).describe()
'福永、沙井、松岗街道'
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from schemas.areas import Scope, Street
from services.ingest.errors import Rejected

__all__ = ["BAOAN_CODE", "Area", "scope_of_areas"]

Area = tuple[str, Sequence[str]]
"""One area of a message: its description and its geocode values."""

BAOAN_CODE = "440306"
"""Bao'an's GB/T 2260 administrative division code."""

_OTHER_DISTRICTS = ("福田", "罗湖", "南山", "盐田", "龙岗", "龙华", "坪山", "光明", "大鹏")
# "除石岩、燕罗街道外": the streets between 除 and 外 are excluded.
_EXCEPT = re.compile(r"除(.{1,60}?)外")


def scope_of_areas(areas: Sequence[Area], *, path: str = "area") -> Scope:
    """Resolve a scope from the areas (description, geocode values) of one message.

    Several areas are a union; if any of them names no street, the whole district is
    meant. Naming all ten streets is the district too.

    >>> scope_of_areas([("宝安区", ["440306"])]).kind
    'district'
    >>> scope_of_areas([("宝安区（除石岩街道外）", ())]).key.count(",")
    8
    """
    _refuse_other_districts(areas, path)
    streets: set[Street] = set()
    for description, geocodes in areas or [("", ())]:
        named = _streets_in(description)
        for value in geocodes:
            named |= _streets_in(value)
        if not named:
            return Scope.district()
        streets |= named
    if len(streets) == len(Street):
        return Scope.district()
    return Scope.of_streets(streets)


def _streets_in(text: str) -> set[Street]:
    excluded: set[Street] = set()
    for match in _EXCEPT.finditer(text):
        excluded |= {street for street in Street if street.chinese in match[1]}
    remainder = _EXCEPT.sub("", text)
    named = {street for street in Street if street.chinese in remainder}
    if excluded and not named:
        return set(Street) - excluded
    return named - excluded


def _refuse_other_districts(areas: Sequence[Area], path: str) -> None:
    codes = [code.strip() for _, geocodes in areas for code in geocodes if code.strip().isdigit()]
    if codes and not any(_covers_baoan(code) for code in codes):
        raise Rejected("outside_district", f"geocodes {', '.join(codes[:5])} do not cover Bao'an", path=path)
    text = "".join(description for description, _ in areas)
    # "深圳市福田区" names Shenzhen too, so only naming Bao'an or its streets counts as ours.
    names_ours = "宝安" in text or bool(_streets_in(text))
    if not names_ours and any(name in text for name in _OTHER_DISTRICTS):
        raise Rejected("outside_district", f"area {text[:80]!r} names another district", path=path)


def _covers_baoan(code: str) -> bool:
    # Inside Bao'an (44030600…), or a larger division that contains it (440300 Shenzhen,
    # 440000 Guangdong): trailing zeros of a division code mean "all of it".
    return code.startswith(BAOAN_CODE) or BAOAN_CODE.startswith(code.rstrip("0"))
