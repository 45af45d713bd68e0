"""The grid map: district → street → community → unit grid, and responsibility grids.

Integrity lives in the database as well as in the import: codes must agree with their parents
(check constraints), geometry must be valid (check constraints), tiles may not overlap and a unit
grid must lie inside its community (triggers, see the foundation migration).
"""

from __future__ import annotations

from typing import Any

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import CheckConstraint, Computed, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, MappedColumn, mapped_column

from gridloop.db import Base


def multipolygon(*, nullable: bool = False) -> MappedColumn[Any]:
    return mapped_column(
        Geometry("MULTIPOLYGON", srid=4326, spatial_index=False), nullable=nullable
    )


def _geometry_checks(table: str) -> tuple[Any, ...]:
    return (
        CheckConstraint("ST_IsValid(geom)", name="geom_valid"),
        Index(f"ix_{table}_geom", "geom", postgresql_using="gist"),
    )


class District(Base):
    __tablename__ = "district"
    __table_args__ = (
        CheckConstraint("code ~ '^[0-9]{6}$'", name="code_format"),
        *_geometry_checks("district"),
    )

    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    geom: Mapped[WKBElement | None] = multipolygon(nullable=True)


class Street(Base):
    __tablename__ = "street"
    __table_args__ = (
        CheckConstraint("code ~ '^[0-9]{9}$'", name="code_format"),
        CheckConstraint("left(code, 6) = district_code", name="code_in_district"),
        *_geometry_checks("street"),
    )

    code: Mapped[str] = mapped_column(String(9), primary_key=True)
    district_code: Mapped[str] = mapped_column(ForeignKey("district.code"), index=True)
    name: Mapped[str] = mapped_column(Text)
    geom: Mapped[WKBElement] = multipolygon()


class Community(Base):
    __tablename__ = "community"
    __table_args__ = (
        CheckConstraint("code ~ '^[0-9]{12}$'", name="code_format"),
        CheckConstraint("left(code, 9) = street_code", name="code_in_street"),
        *_geometry_checks("community"),
    )

    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    street_code: Mapped[str] = mapped_column(ForeignKey("street.code"), index=True)
    name: Mapped[str] = mapped_column(Text)
    geom: Mapped[WKBElement] = multipolygon()


class ResponsibilityGrid(Base):
    __tablename__ = "responsibility_grid"
    __table_args__ = (
        CheckConstraint("code ~ '^[0-9]{11}$'", name="code_format"),
        CheckConstraint("left(code, 9) = street_code", name="code_in_street"),
        *_geometry_checks("responsibility_grid"),
    )

    code: Mapped[str] = mapped_column(String(11), primary_key=True)
    street_code: Mapped[str] = mapped_column(ForeignKey("street.code"), index=True)
    name: Mapped[str] = mapped_column(Text)
    # The union of its unit grids, kept for maps and bbox queries.
    geom: Mapped[WKBElement | None] = multipolygon(nullable=True)


class UnitGrid(Base):
    __tablename__ = "unit_grid"
    __table_args__ = (
        CheckConstraint("code ~ '^[0-9]{15}$'", name="code_format"),
        CheckConstraint("left(code, 12) = community_code", name="code_in_community"),
        *_geometry_checks("unit_grid"),
    )

    code: Mapped[str] = mapped_column(String(15), primary_key=True)
    community_code: Mapped[str] = mapped_column(ForeignKey("community.code"), index=True)
    street_code: Mapped[str] = mapped_column(
        String(9), Computed("left(code, 9)", persisted=True), index=True
    )
    responsibility_grid_code: Mapped[str | None] = mapped_column(
        ForeignKey("responsibility_grid.code", ondelete="SET NULL"), index=True
    )
    geom: Mapped[WKBElement] = multipolygon()
