"""The catalog of management items (部件/事件): big classes and items.

An item is one small class: code = kind letter + big class 2 digits + small class 2 digits
(`E0102` 暴露垃圾, `C0101` 上水井盖). Items are never deleted, only retired (`retired_at`), because
cases keep their item code for good. The database refuses codes that disagree with the kind or
the class codes, unknown tiers, units and department types, and non-positive time limits.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKeyConstraint,
    Numeric,
    String,
    Text,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gridloop.catalog.departments import DEPARTMENT_TYPES
from gridloop.db import Base, CreatedAtMixin


class ItemKind(StrEnum):
    EVENT = "event"  # 事件
    COMPONENT = "component"  # 部件


KIND_LETTER: dict[ItemKind, str] = {ItemKind.EVENT: "E", ItemKind.COMPONENT: "C"}


class Tier(StrEnum):
    """Handling tier (DOMAIN.md §3)."""

    A = "A"  # the street center's own forces
    B = "B"  # one dispatched office
    C = "C"  # a district department through the district center
    D = "D"  # joint handling by several offices (联勤联动 / 吹哨报到)


class TimeUnit(StrEnum):
    WORKING_HOURS = "working_hours"  # 工作时
    WORKING_DAYS = "working_days"  # 工作日
    NATURAL_HOURS = "natural_hours"  # 自然时
    NATURAL_DAYS = "natural_days"  # 自然日


class TimedStep(StrEnum):
    """The steps of the loop that carry a time limit."""

    REGISTER = "register"  # 立案
    DISPATCH = "dispatch"  # 派遣
    HANDLE = "handle"  # 处置
    VERIFY = "verify"  # 核查


def _in(column: str, values: Iterable[str]) -> str:
    quoted = ", ".join(f"'{value}'" for value in values)
    return f"{column} IN ({quoted})"


def _limit_check(step: TimedStep) -> CheckConstraint:
    return CheckConstraint(
        f"{step}_limit_value > 0 AND {_in(f'{step}_limit_unit', TimeUnit)}",
        name=f"{step}_limit_valid",
    )


def _limit_value() -> Mapped[Decimal]:
    return mapped_column(Numeric(6, 2))


def _limit_unit() -> Mapped[str]:
    return mapped_column(Text)


class BigClass(Base):
    """A big class (大类) of events or components, e.g. event 01 市容环境, component 01 公用设施."""

    __tablename__ = "catalog_big_class"
    __table_args__ = (
        CheckConstraint(_in("kind", ItemKind), name="kind_known"),
        CheckConstraint("code ~ '^[0-9]{2}$'", name="code_format"),
    )

    kind: Mapped[str] = mapped_column(Text, primary_key=True)
    code: Mapped[str] = mapped_column(String(2), primary_key=True)
    name: Mapped[str] = mapped_column(Text)


class Item(CreatedAtMixin, Base):
    __tablename__ = "catalog_item"
    __table_args__ = (
        CheckConstraint("code ~ '^[EC][0-9]{4}$'", name="code_format"),
        CheckConstraint(_in("kind", ItemKind), name="kind_known"),
        CheckConstraint(
            "left(code, 1) = CASE kind WHEN 'event' THEN 'E' ELSE 'C' END",
            name="kind_matches_code",
        ),
        CheckConstraint(
            "substr(code, 2, 2) = big_class_code AND substr(code, 4, 2) = small_class_code",
            name="classes_match_code",
        ),
        CheckConstraint(_in("tier", Tier), name="tier_known"),
        CheckConstraint(
            _in("default_department_type", DEPARTMENT_TYPES), name="department_type_known"
        ),
        *(_limit_check(step) for step in TimedStep),
        ForeignKeyConstraint(
            ["kind", "big_class_code"], ["catalog_big_class.kind", "catalog_big_class.code"]
        ),
    )

    code: Mapped[str] = mapped_column(String(5), primary_key=True)
    kind: Mapped[str] = mapped_column(Text)
    big_class_code: Mapped[str] = mapped_column(String(2))
    small_class_code: Mapped[str] = mapped_column(String(2))
    # An item is one small class, so this is the small class's name.
    name: Mapped[str] = mapped_column(Text)
    tier: Mapped[str] = mapped_column(Text)
    default_department_type: Mapped[str] = mapped_column(Text)
    urgent: Mapped[bool] = mapped_column(Boolean, server_default=false())
    register_limit_value: Mapped[Decimal] = _limit_value()
    register_limit_unit: Mapped[str] = _limit_unit()
    dispatch_limit_value: Mapped[Decimal] = _limit_value()
    dispatch_limit_unit: Mapped[str] = _limit_unit()
    handle_limit_value: Mapped[Decimal] = _limit_value()
    handle_limit_unit: Mapped[str] = _limit_unit()
    verify_limit_value: Mapped[Decimal] = _limit_value()
    verify_limit_unit: Mapped[str] = _limit_unit()
    filing_condition: Mapped[str] = mapped_column(Text)  # 立案条件
    closing_standard: Mapped[str] = mapped_column(Text)  # 结案标准
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    big_class: Mapped[BigClass] = relationship(lazy="raise")
