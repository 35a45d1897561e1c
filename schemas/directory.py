"""The directory of member units and responsible persons that dispatch reads.

>>> Role.UNIT_LEADER.chinese
'单位负责人'
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from schemas.areas import Street
from schemas.envelope import Model

__all__ = ["Person", "Role", "Unit", "UnitKind"]


class UnitKind(StrEnum):
    """What kind of member unit (成员单位) this is."""

    STREET = "street"
    AGENCY = "agency"
    INSTITUTION = "institution"
    ENTERPRISE = "enterprise"


class Role(StrEnum):
    """A responsible person's role in the unit's flood-and-wind work."""

    UNIT_LEADER = "unit_leader"
    DUTY_CONTACT = "duty_contact"
    HAZARD_POINT = "hazard_point"
    MEMBER = "member"

    @property
    def chinese(self) -> str:
        """The role's Chinese name."""
        return _ROLE_CHINESE[self]


_ROLE_CHINESE = {
    Role.UNIT_LEADER: "单位负责人",
    Role.DUTY_CONTACT: "值班联系人",
    Role.HAZARD_POINT: "隐患点责任人",
    Role.MEMBER: "成员",
}


class Unit(Model):
    """A member unit: one of the ten streets, or an agency, institution or key enterprise."""

    unit_id: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=100)
    kind: UnitKind
    street: Street | None = Field(default=None, description="the street a street unit is")
    webhook_url: str | None = None


class Person(Model):
    """A flood-and-wind responsible person (三防责任人)."""

    person_id: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=50)
    unit_id: str
    role: Role
    street: Street | None = Field(default=None, description="None: works district-wide")
    phone: str | None = Field(default=None, max_length=20)
    app_id: str | None = Field(default=None, max_length=64)
    deputy_id: str | None = None
