"""The working calendar: known years, admin uploads, and deadlines on working time."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from gridloop.calendar import repository
from gridloop.calendar.models import FIRST_YEAR, LAST_YEAR, CalendarSource, DayKind
from gridloop.calendar.repository import DayRow
from gridloop.calendar.schemas import CalendarDayCreate, CalendarDayRead, CalendarYearRead, DueRead
from gridloop.calendar.worktime import (
    Interval,
    TimeUnit,
    WorkCalendar,
    due_at,
)
from gridloop.config import get_settings
from gridloop.errors import InvalidImport, InvalidInput, NotFound, ProblemItem
from gridloop.localtime import parse_timezone, parse_working_periods

WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")


# Every deadline needs the calendar; loading it costs more than the rest of a filing, so each
# process keeps the last one and reloads it only when the stored calendar's fingerprint changes.
_cached: tuple[tuple[object, ...], WorkCalendar] | None = None


def work_calendar(session: Session) -> WorkCalendar:
    """The calendar of every known year, with the configured working hours and time zone."""
    global _cached
    settings = get_settings()
    fingerprint = (*repository.fingerprint(session), settings.working_periods, settings.timezone)
    if _cached is not None and _cached[0] == fingerprint:
        return _cached[1]
    calendar = _load_calendar(session)
    _cached = (fingerprint, calendar)
    return calendar


def _load_calendar(session: Session) -> WorkCalendar:
    settings = get_settings()
    days = repository.all_days(session)
    return WorkCalendar(
        years=frozenset(repository.known_years(session)),
        holidays=frozenset(row.day for row in days if row.kind == DayKind.HOLIDAY),
        workdays=frozenset(row.day for row in days if row.kind == DayKind.WORKDAY),
        periods=parse_working_periods(settings.working_periods),
        tz=parse_timezone(settings.timezone),
    )


def deadline(
    session: Session,
    *,
    start: datetime,
    value: float,
    unit: TimeUnit | str,
    paused: Sequence[Interval] = (),
) -> datetime:
    """The due time of a time limit from `start`; CalendarMissing when a year is not known."""
    return due_at(start, value, unit, calendar=work_calendar(session), paused=paused)


def explain_due(session: Session, *, start: datetime, value: float, unit: TimeUnit) -> DueRead:
    """What `deadline` gives, with its inputs, for a person checking a time limit."""
    if not FIRST_YEAR <= start.year <= LAST_YEAR:
        raise InvalidInput(
            f"开始时间须在 {FIRST_YEAR}–{LAST_YEAR} 年 / start must lie in {FIRST_YEAR}–{LAST_YEAR}"
        )
    due = deadline(session, start=start, value=value, unit=unit)
    return DueRead(start=start, value=value, unit=unit, due_at=due)


def list_years(session: Session) -> list[CalendarYearRead]:
    return [_year_read(row) for row in repository.years_with_counts(session)]


def days_of_year(session: Session, *, year: int) -> list[CalendarDayRead]:
    """A known year's holidays and make-up working days; NotFound for a year not known."""
    if repository.year_source(session, year) is None:
        raise NotFound(f"没有 {year} 年的工作日历 / no calendar data for {year}")
    return [
        CalendarDayRead(day=row.day, kind=DayKind(row.kind), name=row.name)
        for row in repository.days_of_year(session, year)
    ]


def upload_year(
    session: Session, *, year: int, days: Sequence[CalendarDayCreate], now: datetime
) -> CalendarYearRead:
    """Replace a year's days with an admin's list, all or nothing, listing every bad row."""
    errors = _upload_problems(year, days)
    if errors:
        raise InvalidImport(
            f"{len({e.index for e in errors})} 行有问题，未写入任何数据 / "
            f"{len({e.index for e in errors})} row(s) rejected, nothing was written",
            errors=errors,
        )
    repository.lock_year(session, year)
    repository.save_year(
        session,
        year=year,
        source=CalendarSource.UPLOAD.value,
        loaded_at=now,
        days=[(d.day, d.kind, d.name.strip()) for d in sorted(days, key=lambda d: d.day)],
    )
    session.flush()
    row = repository.year_with_counts(session, year)
    assert row is not None
    return _year_read(row)


@dataclass(frozen=True)
class YearsLoaded:
    created: list[int]
    updated: list[int]
    unchanged: list[int]
    kept_uploads: list[int]

    def __str__(self) -> str:
        return (
            f"calendar: {len(self.created)} years created, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged, {len(self.kept_uploads)} uploaded kept"
        )


def load_years(
    session: Session,
    *,
    years: Mapping[int, Sequence[DayRow]],
    source: CalendarSource,
    now: datetime,
) -> YearsLoaded:
    """Store years from a maintained source; loading the same data again changes nothing.

    A year an admin uploaded is kept: the upload is the newer, deliberate word.
    """
    created: list[int] = []
    updated: list[int] = []
    unchanged: list[int] = []
    kept: list[int] = []
    for year, days in sorted(years.items()):
        repository.lock_year(session, year)
        stored_source = repository.year_source(session, year)
        if stored_source == CalendarSource.UPLOAD and source != CalendarSource.UPLOAD:
            kept.append(year)
            continue
        stored = {(row.day, row.kind, row.name) for row in repository.days_of_year(session, year)}
        if stored_source == source and stored == set(days):
            unchanged.append(year)
            continue
        (created if stored_source is None else updated).append(year)
        repository.save_year(session, year=year, source=source.value, loaded_at=now, days=days)
    session.flush()
    return YearsLoaded(created=created, updated=updated, unchanged=unchanged, kept_uploads=kept)


def _upload_problems(year: int, days: Sequence[CalendarDayCreate]) -> list[ProblemItem]:
    problems: list[ProblemItem] = []
    first_row: dict[date, int] = {}

    def report(index: int, reason: str) -> None:
        problems.append(ProblemItem(location=f"days[{index}]", index=index, reason=reason))

    for index, item in enumerate(days):
        if item.day.year != year:
            report(index, f"{item.day} 不在 {year} 年 / {item.day} is not in {year}")
        if item.kind not in {kind.value for kind in DayKind}:
            report(
                index,
                f"类型须为 holiday 或 workday / kind must be holiday or workday, not {item.kind!r}",
            )
        elif item.kind == DayKind.WORKDAY and item.day.weekday() < 5:
            report(
                index,
                f"调休上班日须在周末，{item.day} 是{WEEKDAYS[item.day.weekday()]} / "
                f"a make-up working day falls on a weekend, {item.day} is a {item.day:%A}",
            )
        if item.day in first_row:
            report(
                index,
                f"{item.day} 与第 {first_row[item.day]} 行重复 / "
                f"{item.day} is listed again (first at days[{first_row[item.day]}])",
            )
        first_row.setdefault(item.day, index)
        if not item.name.strip():
            report(index, "名称不能为空 / name must not be blank")
    return problems


def _year_read(row: repository.YearRow) -> CalendarYearRead:
    return CalendarYearRead(
        year=row.year,
        source=CalendarSource(row.source),
        loaded_at=row.loaded_at,
        holidays=row.holidays,
        workdays=row.workdays,
    )
