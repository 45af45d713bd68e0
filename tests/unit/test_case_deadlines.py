"""Due times of cases on the working calendar: pure, no database."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from gridloop.calendar.worktime import TimeUnit, WorkCalendar
from gridloop.cases import deadlines

SHANGHAI = ZoneInfo("Asia/Shanghai")
# 2026 with one holiday, Friday 6 March, and a make-up working day, Sunday 8 March.
CALENDAR = WorkCalendar(
    years=frozenset({2026}),
    holidays=frozenset({date(2026, 3, 6)}),
    workdays=frozenset({date(2026, 3, 8)}),
)
LIMITS = deadlines.Limits(
    register=deadlines.Limit(Decimal(1), TimeUnit.WORKING_HOURS),
    dispatch=deadlines.Limit(Decimal(1), TimeUnit.WORKING_HOURS),
    handle=deadlines.Limit(Decimal(4), TimeUnit.WORKING_HOURS),
    verify=deadlines.Limit(Decimal("0.5"), TimeUnit.WORKING_HOURS),
)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=SHANGHAI)


def test_a_limit_counts_working_hours_over_lunch_and_the_night() -> None:
    assert deadlines.due(at(2, 10), LIMITS.handle, calendar=CALENDAR) == at(2, 15)
    assert deadlines.due(at(2, 16), LIMITS.handle, calendar=CALENDAR) == at(3, 11, 30)


def test_closing_is_due_the_check_time_after_handling() -> None:
    assert deadlines.close_due(at(2, 15), LIMITS, calendar=CALENDAR) == at(2, 15, 30)
    assert deadlines.close_due(at(2, 11, 45), LIMITS, calendar=CALENDAR) == at(2, 13, 15)


def test_resuming_pushes_a_working_deadline_by_the_working_time_suspended() -> None:
    # Suspended Monday 11:00 → Tuesday 11:00: 7.5 working hours.
    pushed = deadlines.pushed(
        at(2, 15), pause=(at(2, 11), at(3, 11)), unit=TimeUnit.WORKING_HOURS, calendar=CALENDAR
    )

    assert pushed == at(3, 15)


def test_a_suspension_over_a_holiday_and_a_weekend_pushes_only_its_working_time() -> None:
    # Suspended Thursday 17:00 → Monday 09:00: Thursday's last 30 minutes and the make-up
    # Sunday's 7.5 h, 8 h in all; the holiday Friday and Saturday count nothing. 8 working hours
    # after Thursday 17:30 are the make-up Sunday and Monday's first half hour.
    pushed = deadlines.pushed(
        at(5, 17, 30), pause=(at(5, 17), at(9, 9)), unit=TimeUnit.WORKING_DAYS, calendar=CALENDAR
    )

    assert pushed == at(9, 9, 30)


def test_resuming_pushes_a_natural_deadline_by_the_elapsed_time() -> None:
    pushed = deadlines.pushed(
        at(2, 15), pause=(at(2, 11), at(3, 11)), unit=TimeUnit.NATURAL_HOURS, calendar=CALENDAR
    )

    assert pushed == at(2, 15) + timedelta(days=1)
