"""All SQL of the working calendar. A miss returns None.

Reads return rows rather than ORM objects: a year is rewritten with bulk statements, which an
identity map would not see.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import Row, Select, delete, func, insert, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from gridloop.calendar.models import CalendarDay, CalendarYear, DayKind

# (day, kind, name): one exception of a year, as stored.
DayRow = tuple[date, str, str]
# year, source, loaded_at, holidays, workdays
YearRow = Row[int, str, datetime, int, int]


def _years_with_counts() -> Select[int, str, datetime, int, int]:
    holidays = func.count(CalendarDay.day).filter(CalendarDay.kind == DayKind.HOLIDAY.value)
    workdays = func.count(CalendarDay.day).filter(CalendarDay.kind == DayKind.WORKDAY.value)
    return (
        select(
            CalendarYear.year,
            CalendarYear.source,
            CalendarYear.loaded_at,
            holidays.label("holidays"),
            workdays.label("workdays"),
        )
        .outerjoin(CalendarDay, CalendarDay.year == CalendarYear.year)
        .group_by(CalendarYear.year)
        .order_by(CalendarYear.year)
    )


def years_with_counts(session: Session) -> list[YearRow]:
    """Every known year: year, source, loaded_at and its numbers of holidays and workdays."""
    return list(session.execute(_years_with_counts()))


def year_with_counts(session: Session, year: int) -> YearRow | None:
    return session.execute(_years_with_counts().where(CalendarYear.year == year)).one_or_none()


def year_source(session: Session, year: int) -> str | None:
    return session.scalar(select(CalendarYear.source).where(CalendarYear.year == year))


def known_years(session: Session) -> list[int]:
    return list(session.scalars(select(CalendarYear.year).order_by(CalendarYear.year)))


def days_of_year(session: Session, year: int) -> list[Row[date, str, str]]:
    """(day, kind, name) of a year's exceptions, in date order."""
    return list(
        session.execute(
            select(CalendarDay.day, CalendarDay.kind, CalendarDay.name)
            .where(CalendarDay.year == year)
            .order_by(CalendarDay.day)
        )
    )


def all_days(session: Session) -> list[Row[date, str]]:
    """(day, kind) of every exception of every known year."""
    return list(session.execute(select(CalendarDay.day, CalendarDay.kind)))


def lock_year(session: Session, year: int) -> None:
    """Serialise writers of one year, so two uploads cannot interleave their rows."""
    session.execute(select(func.pg_advisory_xact_lock(func.hashtext(f"calendar_year_{year}"))))


def save_year(
    session: Session, *, year: int, source: str, loaded_at: datetime, days: Iterable[DayRow]
) -> None:
    """Make `days` the exceptions of `year`, replacing what it held, and record their source."""
    session.execute(
        pg_insert(CalendarYear)
        .values(year=year, source=source, loaded_at=loaded_at)
        .on_conflict_do_update(
            index_elements=[CalendarYear.year], set_={"source": source, "loaded_at": loaded_at}
        )
    )
    session.execute(delete(CalendarDay).where(CalendarDay.year == year))
    rows = [{"day": day, "kind": kind, "name": name} for day, kind, name in days]
    if rows:
        session.execute(insert(CalendarDay), rows)


# Built once: every deadline asks for it.
FINGERPRINT_SQL = text(
    "SELECT (SELECT count(*) FROM calendar_year), "
    "(SELECT coalesce(sum(year), 0) FROM calendar_year), "
    "count(*), "
    "coalesce(sum((day - date '2000-01-01') "
    "* CASE kind WHEN 'holiday' THEN 1 ELSE 3 END), 0) "
    "FROM calendar_day"
)


def fingerprint(session: Session) -> tuple[int, ...]:
    """A cheap summary of the whole calendar that changes whenever a year or a day changes."""
    return tuple(int(value) for value in session.execute(FINGERPRINT_SQL).one())
