"""Working time on the Chinese official calendar: pure functions, no database, no web.

A day is a working day iff it is a make-up working day (调休上班), or a Monday to Friday that is
not a holiday; either way its year must be known, else `CalendarMissing` (no silent
weekends-only guess). Working time is the time inside the working periods (default 09:00–12:00
and 13:00–17:30, Asia/Shanghai) of working days.

Deadlines count time from a start, leaving out paused intervals (挂账 suspensions):

- `working_hours`: that much working time.
- `working_days`: N × the working time of one day (7.5 h by default). Working days are counted
  as working time, not as "the end of the Nth day", because then a deadline grows smoothly with
  the start (a case registered at 17:25 does not get nearly a whole day more than one registered
  at 09:05), it is measured by the same `working_time_between` that judges timeliness, and a
  suspension extends it like any other deadline. A start inside working hours gives the same
  clock time N working days later; a start outside them (filed at night) gives the end of the
  Nth working day after it.
- `natural_hours`, `natural_days` (24 hours each): elapsed time, calendar ignored.

Each deadline is the earliest instant at which the counted time reaches the amount, so a
deadline can fall exactly at the end of a period (12:00, 17:30), never at the next opening.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from enum import StrEnum

from gridloop.errors import CalendarMissing
from gridloop.localtime import CHINA_TIME, STANDARD_PERIODS, WorkingPeriod, check_periods

Interval = tuple[datetime, datetime]

_NEVER = datetime.max.replace(tzinfo=UTC)


class TimeUnit(StrEnum):
    """The units of a catalog time limit."""

    WORKING_HOURS = "working_hours"
    WORKING_DAYS = "working_days"
    NATURAL_HOURS = "natural_hours"
    NATURAL_DAYS = "natural_days"

    @property
    def is_working(self) -> bool:
        return self in (TimeUnit.WORKING_HOURS, TimeUnit.WORKING_DAYS)


@dataclass(frozen=True)
class WorkCalendar:
    """The known years, their exceptions to the Monday–Friday week, and the working hours.

    `holidays` may include weekend days (a holiday's whole published span); `workdays` are
    the make-up working days on weekends.
    """

    years: frozenset[int]
    holidays: frozenset[date]
    workdays: frozenset[date]
    periods: tuple[WorkingPeriod, ...] = STANDARD_PERIODS
    tz: tzinfo = CHINA_TIME

    def __post_init__(self) -> None:
        check_periods(self.periods)
        unknown = {day.year for day in self.holidays | self.workdays} - self.years
        if unknown:
            raise ValueError(f"exceptions given for years not known: {sorted(unknown)}")

    def is_working_day(self, day: date) -> bool:
        if day.year not in self.years:
            raise CalendarMissing(day.year)
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays

    @property
    def daily_working_time(self) -> timedelta:
        return sum((period.length for period in self.periods), timedelta())

    def period_bounds(self, day: date) -> list[Interval]:
        """The working periods of `day` as UTC instants, whether or not it is a working day."""
        return [
            (
                datetime.combine(day, period.start, tzinfo=self.tz).astimezone(UTC),
                datetime.combine(day, period.end, tzinfo=self.tz).astimezone(UTC),
            )
            for period in self.periods
        ]


def add_working_time(
    start: datetime,
    amount: timedelta,
    *,
    calendar: WorkCalendar,
    paused: Sequence[Interval] = (),
) -> datetime:
    """The earliest instant by which `amount` of working time outside `paused` has passed, in
    the calendar's zone.
    """
    pieces = _counted(start, None, calendar, TimeUnit.WORKING_HOURS, paused)
    return _advance(start, amount, pieces).astimezone(calendar.tz)


def working_time_between(
    start: datetime,
    end: datetime,
    *,
    calendar: WorkCalendar,
    paused: Sequence[Interval] = (),
) -> timedelta:
    """The working time from `start` to `end`, paused intervals left out; zero if end ≤ start."""
    return time_between(start, end, unit=TimeUnit.WORKING_HOURS, calendar=calendar, paused=paused)


def time_between(
    start: datetime,
    end: datetime,
    *,
    unit: TimeUnit | str,
    calendar: WorkCalendar,
    paused: Sequence[Interval] = (),
) -> timedelta:
    """The time from `start` to `end` as `unit` counts it (working or elapsed), pauses left out."""
    _require_aware(start, end)
    if end <= start:
        return timedelta()
    pieces = _counted(start, end.astimezone(UTC), calendar, TimeUnit(unit), paused)
    return sum((piece_end - piece_start for piece_start, piece_end in pieces), timedelta())


def amount_of(value: float, unit: TimeUnit | str, *, calendar: WorkCalendar) -> timedelta:
    """A time limit as the amount of counted time: hours, or days of 24 h or of working hours."""
    match TimeUnit(unit):
        case TimeUnit.WORKING_HOURS | TimeUnit.NATURAL_HOURS:
            return timedelta(hours=value)
        case TimeUnit.WORKING_DAYS:
            return value * calendar.daily_working_time
        case TimeUnit.NATURAL_DAYS:
            return timedelta(days=value)


def due_at(
    start: datetime,
    value: float,
    unit: TimeUnit | str,
    *,
    calendar: WorkCalendar,
    paused: Sequence[Interval] = (),
) -> datetime:
    """The deadline of a time limit of `value` `unit` from `start`, in the calendar's zone.

    Raises `CalendarMissing` when a working-time deadline needs a year the calendar lacks.
    """
    unit = TimeUnit(unit)
    amount = amount_of(value, unit, calendar=calendar)
    pieces = _counted(start, None, calendar, unit, paused)
    return _advance(start, amount, pieces).astimezone(calendar.tz)


# ----------------------------------------------------------------------------- the walk


def _require_aware(*moments: datetime) -> None:
    for moment in moments:
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError(f"{moment.isoformat()} has no time zone")


def _advance(start: datetime, amount: timedelta, pieces: Iterator[Interval]) -> datetime:
    _require_aware(start)
    if amount < timedelta():
        raise ValueError("a time limit cannot be negative")
    if not amount:
        return start
    remaining = amount
    for piece_start, piece_end in pieces:
        if piece_end - piece_start >= remaining:
            return piece_start + remaining
        remaining -= piece_end - piece_start
    raise AssertionError("the counted time ended")  # pragma: no cover - _counted never ends


def _counted(
    start: datetime,
    until: datetime | None,
    calendar: WorkCalendar,
    unit: TimeUnit,
    paused: Sequence[Interval],
) -> Iterator[Interval]:
    """The stretches of counted time after `start` (and before `until`), in order, in UTC."""
    _require_aware(start, *(moment for interval in paused for moment in interval))
    start = start.astimezone(UTC)
    spans = (
        _working_spans(start, until, calendar)
        if unit.is_working
        else iter([(start, until or _NEVER)])
    )
    return _without(spans, _merged(paused))


def _working_spans(
    start: datetime, until: datetime | None, calendar: WorkCalendar
) -> Iterator[Interval]:
    day = start.astimezone(calendar.tz).date()
    while True:
        bounds = calendar.period_bounds(day)
        if until is not None and bounds[0][0] >= until:
            return
        # A day asks for its year only when some of its working hours are needed.
        if bounds[-1][1] > start and calendar.is_working_day(day):
            for period_start, period_end in bounds:
                span_end = period_end if until is None else min(period_end, until)
                if period_end > start and span_end > period_start:
                    yield max(period_start, start), span_end
        day += timedelta(days=1)


def _merged(paused: Sequence[Interval]) -> list[Interval]:
    merged: list[Interval] = []
    for pause_start, pause_end in sorted((a.astimezone(UTC), b.astimezone(UTC)) for a, b in paused):
        if pause_end <= pause_start:
            continue
        if merged and pause_start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], pause_end))
        else:
            merged.append((pause_start, pause_end))
    return merged


def _without(spans: Iterator[Interval], pauses: list[Interval]) -> Iterator[Interval]:
    for span_start, span_end in spans:
        cursor = span_start
        for pause_start, pause_end in pauses:
            if pause_end <= cursor or pause_start >= span_end:
                continue
            if pause_start > cursor:
                yield cursor, pause_start
            cursor = max(cursor, pause_end)
        if cursor < span_end:
            yield cursor, span_end
