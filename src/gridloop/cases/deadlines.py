"""The due times of a case, from the catalog's time limits on the working calendar. Pure.

Which clock runs when (DESIGN.md §3):

- filing starts the register clock (`register_due_at`; an intake report without an item gets
  it at registration, counted from the filing);
- registration starts the dispatch clock (`dispatch_due_at`);
- dispatch starts the handling clock (`handle_due_at`): the order is the office's from the
  moment it is sent, so a slow acceptance buys no time; a return and a new dispatch restart
  it; the closing deadline (`close_due_at`) is the handling deadline plus the check time;
- reporting handled starts the check clock (`verify_due_at`);
- a rework restarts the handling clock; an approved extension moves it;
- a suspension stops the running clocks, and resuming pushes them by the suspended time as the
  clock's unit counts it (working time for working units, elapsed time otherwise).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from gridloop.calendar.worktime import (
    Interval,
    TimeUnit,
    WorkCalendar,
    add_working_time,
    due_at,
    time_between,
)


@dataclass(frozen=True)
class Limit:
    value: Decimal
    unit: TimeUnit


@dataclass(frozen=True)
class Limits:
    """The catalog item's time limit of each step."""

    register: Limit
    dispatch: Limit
    handle: Limit
    verify: Limit


def due(start: datetime, limit: Limit, *, calendar: WorkCalendar) -> datetime:
    """The deadline of `limit` counted from `start`."""
    return due_at(start, float(limit.value), limit.unit, calendar=calendar)


def close_due(handle_due_at: datetime, limits: Limits, *, calendar: WorkCalendar) -> datetime:
    """The closing deadline that follows a handling deadline: it plus the check time."""
    return due(handle_due_at, limits.verify, calendar=calendar)


def pushed(
    deadline: datetime, *, pause: Interval, unit: TimeUnit, calendar: WorkCalendar
) -> datetime:
    """`deadline` moved later by the time `pause` took, as `unit` counts time."""
    unit = TimeUnit(unit)
    amount = time_between(pause[0], pause[1], unit=unit, calendar=calendar)
    if unit.is_working:
        return add_working_time(deadline, amount, calendar=calendar).astimezone(calendar.tz)
    return (deadline + amount).astimezone(calendar.tz)
