"""The official calendar from the `chinesecalendar` package (import name `chinese_calendar`).

The package follows the State Council's yearly notices and knows 2004 to its newest year; a
later year is uploaded by an admin (`PUT /calendar/years/{year}`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from chinese_calendar import constants  # type: ignore[import-untyped]
from sqlalchemy.orm import Session

from gridloop.calendar import service
from gridloop.calendar.models import CalendarSource, DayKind
from gridloop.calendar.repository import DayRow

# The package names holidays in English; people here read Chinese.
HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "Mid-autumn Festival": "中秋节",
    "National Day": "国庆节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


def package_years() -> dict[int, list[DayRow]]:
    """Every year the package knows, with its holidays and make-up working days."""
    holidays: dict[date, str] = constants.holidays
    workdays: dict[date, str] = constants.workdays
    years: dict[int, list[DayRow]] = {day.year: [] for day in holidays}
    for kind, days in ((DayKind.HOLIDAY, holidays), (DayKind.WORKDAY, workdays)):
        for day, name in days.items():
            years[day.year].append((day, kind.value, HOLIDAY_NAMES.get(name, name)))
    return {year: sorted(rows) for year, rows in sorted(years.items())}


def load_package_calendar(
    session: Session, *, now: datetime, years: Iterable[int] | None = None
) -> service.YearsLoaded:
    """Load the package's years (all, or those of `years`); again, it duplicates nothing."""
    known = package_years()
    wanted = known if years is None else {year: known[year] for year in years}
    return service.load_years(session, years=wanted, source=CalendarSource.CHINESECALENDAR, now=now)
