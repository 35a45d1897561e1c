"""The kinds of hazard point (the bureau's 三个清单) a responsible person can watch over.

>>> HazardKind.parse("地下空间") is HazardKind.UNDERGROUND_SPACE
True
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["HazardKind"]


class HazardKind(StrEnum):
    """A kind of hazard point from the bureau's lists (see ``mission.md``)."""

    DANGEROUS_HOUSE = "dangerous_house"
    CONSTRUCTION_SITE = "construction_site"
    WORK_SHED = "work_shed"
    WATERLOGGING_POINT = "waterlogging_point"
    DANGEROUS_SLOPE = "dangerous_slope"
    SCENIC_SPOT = "scenic_spot"
    VESSEL = "vessel"
    UNDERGROUND_SPACE = "underground_space"

    @property
    def chinese(self) -> str:
        """The kind's Chinese name, as the lists write it."""
        return _CHINESE[self]

    @classmethod
    def parse(cls, text: str) -> HazardKind:
        """Read a kind from its code or its Chinese name; ``ValueError`` for anything else.

        >>> HazardKind.parse(" vessel ").chinese
        '渔船和船舶'
        """
        cleaned = text.strip()
        for kind in cls:
            if cleaned in (kind.value, kind.chinese):
                return kind
        raise ValueError(f"unknown hazard kind {text!r}; expected one of {', '.join(k.value for k in cls)}")


_CHINESE: dict[HazardKind, str] = {
    HazardKind.DANGEROUS_HOUSE: "危房",
    HazardKind.CONSTRUCTION_SITE: "在建工地",
    HazardKind.WORK_SHED: "工棚",
    HazardKind.WATERLOGGING_POINT: "内涝积水点",
    HazardKind.DANGEROUS_SLOPE: "危险边坡",
    HazardKind.SCENIC_SPOT: "景区",
    HazardKind.VESSEL: "渔船和船舶",
    HazardKind.UNDERGROUND_SPACE: "地下空间",
}
