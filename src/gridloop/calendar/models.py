"""The working calendar: which years are known, and their days off the Monday–Friday rule.

A year is known only when it has a `calendar_year` row, so "no data" is explicit and never read
as "no holidays". `calendar_day` holds a year's holidays (the whole published span, weekend
days included, so each day carries its festival's name) and its make-up working days (调休),
which the database keeps on weekends.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    Computed,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    Text,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from gridloop.db import Base

FIRST_YEAR = 1949
LAST_YEAR = 2100


class CalendarSource(StrEnum):
    CHINESECALENDAR = "chinesecalendar"
    UPLOAD = "upload"


class DayKind(StrEnum):
    HOLIDAY = "holiday"
    WORKDAY = "workday"


def _in(column: str, values: type[StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"


class CalendarYear(Base):
    __tablename__ = "calendar_year"
    __table_args__ = (
        CheckConstraint(_in("source", CalendarSource), name="source_known"),
        CheckConstraint(f"year BETWEEN {FIRST_YEAR} AND {LAST_YEAR}", name="year_range"),
    )

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    source: Mapped[str] = mapped_column(Text)
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class CalendarDay(Base):
    __tablename__ = "calendar_day"
    __table_args__ = (
        CheckConstraint(_in("kind", DayKind), name="kind_known"),
        CheckConstraint(
            "kind = 'holiday' OR EXTRACT(isodow FROM day) IN (6, 7)", name="workday_on_weekend"
        ),
    )

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    # Derived from the day, so a day cannot exist without its year being known.
    year: Mapped[int] = mapped_column(
        Integer,
        Computed("(EXTRACT(year FROM day))::integer", persisted=True),
        ForeignKey("calendar_year.year", ondelete="CASCADE"),
        index=True,
    )
    kind: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(Text)
