"""Departments (职能部门) and their dispatched offices (派出机构) with jurisdictions (辖区).

A department is one per type and district (长宁区城管执法局 is the 城管 of 310105). An office
belongs to one department and covers a jurisdiction polygon that need not follow street
boundaries. Jurisdictions of one department may not share interior points; the database refuses
it with a trigger (see migration 0004), the service with a 422 that lists the conflicts.
"""

from __future__ import annotations

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Identity,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from gridloop.catalog.departments import DEPARTMENT_TYPES
from gridloop.db import Base, CreatedAtMixin

# The department type of the street grid centers: the fallback office of a street (属地兜底).
GRID_CENTER = "grid_center"

# Lower-case ASCII, digits, '-' and '_': safe in URLs, usernames and C-collation order.
CODE_REGEX = "^[a-z0-9][a-z0-9_-]*$"


def department_type_check() -> str:
    return "department_type IN ({})".format(", ".join(repr(code) for code in DEPARTMENT_TYPES))


class Department(CreatedAtMixin, Base):
    __tablename__ = "department"
    __table_args__ = (
        CheckConstraint(f"code ~ '{CODE_REGEX}'", name="code_format"),
        CheckConstraint(department_type_check(), name="department_type_known"),
        UniqueConstraint("district_code", "department_type"),
        # The target of the office's (department_id, department_type) foreign key.
        UniqueConstraint("department_id", "department_type"),
    )

    department_id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(Text)
    department_type: Mapped[str] = mapped_column(Text)
    district_code: Mapped[str] = mapped_column(ForeignKey("district.code"))


class Office(CreatedAtMixin, Base):
    """A dispatched office. Without a jurisdiction it is never chosen by location."""

    __tablename__ = "office"
    __table_args__ = (
        # department_type is a copy kept equal to the department's by this foreign key, so the
        # question "which office of type T covers P" needs no join.
        ForeignKeyConstraint(
            ["department_id", "department_type"],
            ["department.department_id", "department.department_type"],
            onupdate="CASCADE",
        ),
        CheckConstraint(f"code ~ '{CODE_REGEX}'", name="code_format"),
        CheckConstraint("ST_IsValid(jurisdiction)", name="jurisdiction_valid"),
        Index("ix_office_jurisdiction", "jurisdiction", postgresql_using="gist"),
    )

    office_id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(Text)
    department_id: Mapped[int] = mapped_column(index=True)
    department_type: Mapped[str] = mapped_column(Text)
    street_code: Mapped[str | None] = mapped_column(ForeignKey("street.code"), index=True)
    jurisdiction: Mapped[WKBElement | None] = mapped_column(
        Geometry("MULTIPOLYGON", srid=4326, spatial_index=False), nullable=True
    )
