"""The schematic map of Bao'an's ten streets: one polygon per street, placed roughly as on a
map (north up, the Pearl River estuary to the west). Not the real boundaries; whoever draws
it says so. The console's map (served with its overview) and the review's season map both
draw these shapes, so there is one copy of the geometry.

>>> SCHEMATIC[Street.SHIYAN].english
'Shiyan'
>>> SCHEMATIC[Street.XINAN].centre
(227.0, 337.0)
"""

from __future__ import annotations

from dataclasses import dataclass

from schemas.areas import Street

__all__ = ["SCHEMATIC", "SCHEMATIC_NOTE", "VIEWBOX", "StreetShape"]

#: Width and height of the drawing's coordinate space.
VIEWBOX = (380, 420)
#: What every drawing of the map says about itself.
SCHEMATIC_NOTE = "示意图，非实际边界 Schematic map, not the real boundaries"


@dataclass(frozen=True)
class StreetShape:
    """One street's tile: its English name and polygon (SVG ``points``)."""

    street: Street
    english: str
    points: str

    @property
    def centre(self) -> tuple[float, float]:
        """The mean of the corners, where the labels go."""
        corners = [tuple(float(v) for v in pair.split(",")) for pair in self.points.split()]
        return (
            round(sum(x for x, _ in corners) / len(corners), 1),
            round(sum(y for _, y in corners) / len(corners), 1),
        )


SCHEMATIC: dict[Street, StreetShape] = {
    shape.street: shape
    for shape in (
        StreetShape(Street.SONGGANG, "Songgang", "40,20 150,12 160,80 50,92"),
        StreetShape(Street.YANLUO, "Yanluo", "150,12 250,20 246,84 160,80"),
        StreetShape(Street.SHIYAN, "Shiyan", "250,20 360,40 366,210 262,224 246,84"),
        StreetShape(Street.SHAJING, "Shajing", "24,92 50,92 160,80 150,150 20,156"),
        StreetShape(Street.XINQIAO, "Xinqiao", "160,80 246,84 262,150 150,150"),
        StreetShape(Street.FUHAI, "Fuhai", "20,156 110,152 108,222 14,226"),
        StreetShape(Street.FUYONG, "Fuyong", "110,152 150,150 262,150 262,224 108,222"),
        StreetShape(Street.HANGCHENG, "Hangcheng", "14,226 108,222 140,226 148,300 30,300"),
        StreetShape(Street.XIXIANG, "Xixiang", "108,222 262,224 300,300 148,300 140,226"),
        StreetShape(Street.XINAN, "Xin'an", "148,300 300,300 290,372 170,376"),
    )
}
