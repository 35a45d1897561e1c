"""The district, its ten streets, and the scope (district or named streets) of a signal.

>>> Street.parse("松岗街道") is Street.SONGGANG
True
>>> Scope.of_streets([Street.SHAJING, Street.SONGGANG]).describe()
'沙井、松岗街道'
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Literal

from pydantic import Field, model_validator

from schemas.envelope import Model

__all__ = ["DISTRICT_NAME", "Scope", "Street"]

DISTRICT_NAME = "宝安区"


class Street(StrEnum):
    """The ten streets (街道) of Bao'an district, in the order the bureau lists them."""

    XINAN = "xinan"
    XIXIANG = "xixiang"
    HANGCHENG = "hangcheng"
    FUYONG = "fuyong"
    FUHAI = "fuhai"
    SHAJING = "shajing"
    XINQIAO = "xinqiao"
    SONGGANG = "songgang"
    YANLUO = "yanluo"
    SHIYAN = "shiyan"

    @property
    def chinese(self) -> str:
        """The street's Chinese name without the 街道 suffix."""
        return _CHINESE[self]

    @classmethod
    def parse(cls, text: str) -> Street:
        """Read a street from its code, its Chinese name, or its name with 街道.

        Raises ``ValueError`` for anything else.
        """
        cleaned = text.strip().removesuffix("街道").removesuffix("街").strip()
        for street in cls:
            if cleaned in (street.value, street.chinese):
                return street
        lowered = cleaned.lower().replace("'", "").replace(" ", "")
        for street in cls:
            if lowered == street.value:
                return street
        raise ValueError(f"unknown street {text!r}; expected one of {', '.join(s.chinese for s in cls)}")


_CHINESE: dict[Street, str] = {
    Street.XINAN: "新安",
    Street.XIXIANG: "西乡",
    Street.HANGCHENG: "航城",
    Street.FUYONG: "福永",
    Street.FUHAI: "福海",
    Street.SHAJING: "沙井",
    Street.XINQIAO: "新桥",
    Street.SONGGANG: "松岗",
    Street.YANLUO: "燕罗",
    Street.SHIYAN: "石岩",
}


class Scope(Model):
    """Where something applies: the whole district, or a set of named streets."""

    kind: Literal["district", "streets"]
    streets: tuple[Street, ...] = Field(default=())

    @model_validator(mode="after")
    def _check(self) -> Scope:
        if self.kind == "district" and self.streets:
            raise ValueError("a district-wide scope names no streets")
        if self.kind == "streets" and not self.streets:
            raise ValueError("a street scope names at least one street")
        if list(self.streets) != sorted(set(self.streets), key=_ORDER.__getitem__):
            raise ValueError("streets must be unique and in the bureau's order; use Scope.of_streets")
        return self

    @classmethod
    def district(cls) -> Scope:
        """The whole district."""
        return cls(kind="district")

    @classmethod
    def of_streets(cls, streets: Iterable[Street]) -> Scope:
        """A scope of the given streets, deduplicated and in the bureau's order."""
        unique = sorted(set(streets), key=_ORDER.__getitem__)
        return cls(kind="streets", streets=tuple(unique))

    @property
    def key(self) -> str:
        """A stable text key: ``district`` or ``streets:fuyong,songgang``."""
        if self.kind == "district":
            return "district"
        return "streets:" + ",".join(s.value for s in self.streets)

    def covers(self, street: Street | None) -> bool:
        """Whether a person or place in ``street`` (None: district-level) is in scope."""
        if self.kind == "district":
            return True
        return street is not None and street in self.streets

    def describe(self) -> str:
        """The scope in Chinese, as it is written in notices."""
        if self.kind == "district":
            return "全区"
        return "、".join(s.chinese for s in self.streets) + "街道"


_ORDER: dict[Street, int] = {street: index for index, street in enumerate(Street)}
