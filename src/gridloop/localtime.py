"""Local time as the settings name it: the working periods of a day and the time zone.

Pure parsing, no database and no settings: the settings check their values with it, and the
working calendar (`calendar.worktime`) counts time with what it returns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_WORKING_PERIODS = "09:00-12:00,13:00-17:30"
DEFAULT_TIMEZONE = "Asia/Shanghai"
_PERIOD = re.compile(r"^\s*([0-2]?[0-9]):([0-5][0-9])\s*-\s*([0-2]?[0-9]):([0-5][0-9])\s*$")


@dataclass(frozen=True)
class WorkingPeriod:
    """One stretch of working hours of a working day, in local time."""

    start: time
    end: time

    @property
    def length(self) -> timedelta:
        return datetime.combine(date.min, self.end) - datetime.combine(date.min, self.start)


def parse_working_periods(text: str) -> tuple[WorkingPeriod, ...]:
    """`"09:00-12:00,13:00-17:30"` → periods; ValueError unless ordered and not overlapping."""
    periods: list[WorkingPeriod] = []
    for part in text.split(","):
        match = _PERIOD.match(part)
        if match is None:
            raise ValueError(f"working period {part.strip()!r} is not HH:MM-HH:MM")
        start_h, start_m, end_h, end_m = (int(group) for group in match.groups())
        if start_h > 23 or end_h > 23:
            raise ValueError(f"working period {part.strip()!r}: hours run from 00 to 23")
        periods.append(WorkingPeriod(time(start_h, start_m), time(end_h, end_m)))
    check_periods(tuple(periods))
    return tuple(periods)


def check_periods(periods: tuple[WorkingPeriod, ...]) -> None:
    if not periods:
        raise ValueError("at least one working period is needed")
    for period in periods:
        if period.start >= period.end:
            raise ValueError(f"working period {period.start}-{period.end} ends before it starts")
    for earlier, later in pairwise(periods):
        if later.start < earlier.end:
            raise ValueError("working periods must be in order and must not overlap")


def parse_timezone(name: str) -> ZoneInfo:
    """An IANA time zone; ValueError when unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc


STANDARD_PERIODS = parse_working_periods(DEFAULT_WORKING_PERIODS)
CHINA_TIME = parse_timezone(DEFAULT_TIMEZONE)


STANDARD_PERIODS = parse_working_periods(DEFAULT_WORKING_PERIODS)
CHINA_TIME = parse_timezone(DEFAULT_TIMEZONE)
