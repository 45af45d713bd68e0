"""Working time on the official calendar: holidays, 调休, lunch, nights, weekends, pauses."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridloop.calendar.seed import package_years
from gridloop.calendar.worktime import (
    TimeUnit,
    WorkCalendar,
    add_working_time,
    due_at,
    time_between,
    working_time_between,
)
from gridloop.errors import CalendarMissing
from gridloop.localtime import CHINA_TIME, parse_working_periods


def calendar_of(*years: int) -> WorkCalendar:
    rows = [row for year in years for row in package_years()[year]]
    return WorkCalendar(
        years=frozenset(years),
        holidays=frozenset(day for day, kind, _ in rows if kind == "holiday"),
        workdays=frozenset(day for day, kind, _ in rows if kind == "workday"),
    )


CAL = calendar_of(2025, 2026)


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=CHINA_TIME)


def hours(value: float) -> timedelta:
    return timedelta(hours=value)


# ----------------------------------------------------------------------------- the calendar


def test_the_package_has_spring_festival_2026_from_15_to_23_february() -> None:
    spring_festival = {day for day, kind, name in package_years()[2026] if name == "春节"}
    holidays = {day for day, kind, name in package_years()[2026] if kind == "holiday"}

    assert {date(2026, 2, d) for d in range(15, 24)} <= holidays
    assert {date(2026, 2, d) for d in range(15, 24)} <= spring_festival


def test_spring_festival_2026_days_are_not_working_days() -> None:
    for day in range(15, 24):
        assert not CAL.is_working_day(date(2026, 2, day)), day
    assert CAL.is_working_day(date(2026, 2, 24))  # Tuesday: back to work


def test_the_make_up_saturdays_of_spring_festival_2026_are_working_days() -> None:
    assert date(2026, 2, 14).weekday() == 5
    assert CAL.is_working_day(date(2026, 2, 14))
    assert CAL.is_working_day(date(2026, 2, 28))
    assert not CAL.is_working_day(date(2026, 3, 7))  # an ordinary Saturday


def test_a_year_without_calendar_data_is_missing_not_guessed() -> None:
    with pytest.raises(CalendarMissing) as caught:
        CAL.is_working_day(date(2027, 1, 4))

    assert caught.value.year == 2027
    assert "2027" in caught.value.detail
    assert "日历缺失" in caught.value.detail
    assert caught.value.status == 422
    assert caught.value.slug == "calendar-missing"


# ----------------------------------------------------------------------------- working hours


def test_an_hour_from_1130_resumes_after_the_lunch_break() -> None:
    assert add_working_time(at(2026, 3, 10, 11, 30), hours(1), calendar=CAL) == at(
        2026, 3, 10, 13, 30
    )


def test_an_hour_from_1700_ends_the_next_working_morning() -> None:
    assert add_working_time(at(2026, 3, 10, 17), hours(1), calendar=CAL) == at(2026, 3, 11, 9, 30)


def test_two_hours_from_friday_1700_end_on_monday_1030() -> None:
    assert add_working_time(at(2026, 3, 6, 17), hours(2), calendar=CAL) == at(2026, 3, 9, 10, 30)


def test_friday_before_spring_festival_runs_into_the_make_up_saturday() -> None:
    assert due_at(at(2026, 2, 13, 17), 2, TimeUnit.WORKING_HOURS, calendar=CAL) == at(
        2026, 2, 14, 10, 30
    )


def test_the_make_up_saturday_evening_skips_the_whole_spring_festival() -> None:
    assert due_at(at(2026, 2, 14, 17), 1, TimeUnit.WORKING_HOURS, calendar=CAL) == at(
        2026, 2, 24, 9, 30
    )


def test_a_deadline_can_fall_at_the_end_of_a_period_not_at_the_next_opening() -> None:
    assert add_working_time(at(2026, 3, 10, 11), hours(1), calendar=CAL) == at(2026, 3, 10, 12)
    assert add_working_time(at(2026, 3, 10, 16, 30), hours(1), calendar=CAL) == at(
        2026, 3, 10, 17, 30
    )


def test_a_start_outside_working_hours_counts_from_the_next_opening() -> None:
    sunday_night = at(2026, 3, 8, 20)

    assert add_working_time(sunday_night, hours(1), calendar=CAL) == at(2026, 3, 9, 10)
    assert add_working_time(at(2026, 3, 10, 12, 20), hours(0.5), calendar=CAL) == at(
        2026, 3, 10, 13, 30
    )


def test_a_start_in_another_zone_gives_the_same_instant() -> None:
    start_utc = at(2026, 3, 10, 11, 30).astimezone(UTC)

    due = due_at(start_utc, 1, "working_hours", calendar=CAL)

    assert due == at(2026, 3, 10, 13, 30)
    assert due.utcoffset() == timedelta(hours=8)


def test_working_hours_follow_the_configured_periods() -> None:
    calendar = WorkCalendar(
        years=CAL.years,
        holidays=CAL.holidays,
        workdays=CAL.workdays,
        periods=parse_working_periods("08:30-11:30, 14:00-18:00"),
    )

    assert calendar.daily_working_time == hours(7)
    assert add_working_time(at(2026, 3, 10, 11), hours(1), calendar=calendar) == at(
        2026, 3, 10, 14, 30
    )


@pytest.mark.parametrize(
    "text",
    [
        "",
        "9-12",
        "09:00-12:00,11:00-13:00",
        "13:00-12:00",
        "09:00-25:00",
        "13:00-14:00,09:00-10:00",
    ],
)
def test_bad_working_periods_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="working period"):
        parse_working_periods(text)


def test_a_time_without_a_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="no time zone"):
        add_working_time(datetime(2026, 3, 10, 9), hours(1), calendar=CAL)


# ----------------------------------------------------------------------------- working days


def test_a_working_day_from_inside_working_hours_is_the_same_time_next_working_day() -> None:
    friday_10 = at(2026, 3, 6, 10)

    assert due_at(friday_10, 1, TimeUnit.WORKING_DAYS, calendar=CAL) == at(2026, 3, 9, 10)
    assert due_at(friday_10, 3, TimeUnit.WORKING_DAYS, calendar=CAL) == at(2026, 3, 11, 10)


def test_a_working_day_from_the_evening_ends_with_the_next_working_day() -> None:
    monday_evening = at(2026, 3, 9, 20)

    assert due_at(monday_evening, 1, TimeUnit.WORKING_DAYS, calendar=CAL) == at(2026, 3, 10, 17, 30)


def test_working_days_skip_holidays_and_count_make_up_days() -> None:
    # Thursday 12 Feb 2026 10:00 + 2 working days: Friday 13th, Saturday 14th (调休), then the
    # festival until Monday 23rd.
    assert due_at(at(2026, 2, 12, 10), 2, TimeUnit.WORKING_DAYS, calendar=CAL) == at(
        2026, 2, 14, 10
    )
    assert due_at(at(2026, 2, 12, 10), 3, TimeUnit.WORKING_DAYS, calendar=CAL) == at(
        2026, 2, 24, 10
    )


# ----------------------------------------------------------------------------- natural time


def test_natural_hours_ignore_holidays_and_nights() -> None:
    new_years_day = at(2026, 1, 1, 22)

    assert due_at(new_years_day, 6, TimeUnit.NATURAL_HOURS, calendar=CAL) == at(2026, 1, 2, 4)


def test_natural_days_are_24_hours_each() -> None:
    assert due_at(at(2026, 2, 15, 9), 2, TimeUnit.NATURAL_DAYS, calendar=CAL) == at(2026, 2, 17, 9)


def test_natural_time_needs_no_calendar_data() -> None:
    late_2026 = at(2026, 12, 31, 20)

    assert due_at(late_2026, 24, TimeUnit.NATURAL_HOURS, calendar=CAL) == at(2027, 1, 1, 20)


# ----------------------------------------------------------------------------- pauses


def test_a_suspension_in_the_middle_extends_the_deadline() -> None:
    start = at(2026, 3, 10, 9)
    suspension = (at(2026, 3, 10, 10), at(2026, 3, 10, 11))

    plain = add_working_time(start, hours(4), calendar=CAL)
    paused = add_working_time(start, hours(4), calendar=CAL, paused=[suspension])

    assert plain == at(2026, 3, 10, 14)
    assert paused == at(2026, 3, 10, 15)


def test_a_suspension_over_a_night_only_removes_working_hours() -> None:
    start = at(2026, 3, 10, 9)
    suspension = (at(2026, 3, 10, 17), at(2026, 3, 11, 10))  # 0.5 h + 1 h of working time

    # Without it: 7.5 h on Tuesday, then 09:30 on Wednesday.
    assert add_working_time(start, hours(8), calendar=CAL, paused=[suspension]) == at(
        2026, 3, 11, 11
    )


def test_a_suspension_extends_natural_hours_too() -> None:
    start = at(2026, 2, 16, 8)
    suspension = (at(2026, 2, 16, 9), at(2026, 2, 16, 12))

    assert due_at(start, 2, TimeUnit.NATURAL_HOURS, calendar=CAL, paused=[suspension]) == at(
        2026, 2, 16, 13
    )


def test_measured_working_time_leaves_out_suspensions() -> None:
    start, end = at(2026, 3, 9, 9), at(2026, 3, 10, 17, 30)
    overlapping = [
        (at(2026, 3, 10, 14), at(2026, 3, 10, 16)),
        (at(2026, 3, 10, 9), at(2026, 3, 10, 10)),
        (at(2026, 3, 10, 15), at(2026, 3, 10, 17)),  # overlaps the first: counted once
        (at(2026, 3, 8, 9), at(2026, 3, 9, 9, 30)),  # began before the start
    ]

    assert working_time_between(start, end, calendar=CAL) == hours(15)
    assert working_time_between(start, end, calendar=CAL, paused=overlapping) == hours(15 - 4.5)


def test_measured_natural_time_leaves_out_suspensions() -> None:
    start, end = at(2026, 2, 16, 8), at(2026, 2, 17, 8)
    pause = [(at(2026, 2, 16, 20), at(2026, 2, 17, 2))]

    assert time_between(start, end, unit="natural_hours", calendar=CAL, paused=pause) == hours(18)


# ----------------------------------------------------------------------------- missing years


def test_a_deadline_running_into_2027_raises_calendar_missing() -> None:
    with pytest.raises(CalendarMissing) as caught:
        due_at(at(2026, 12, 31, 16), 4, TimeUnit.WORKING_HOURS, calendar=CAL)

    assert caught.value.year == 2027


def test_a_deadline_inside_2026_does_not_need_2027() -> None:
    assert due_at(at(2026, 12, 31, 16), 1.5, TimeUnit.WORKING_HOURS, calendar=CAL) == at(
        2026, 12, 31, 17, 30
    )
    assert working_time_between(at(2026, 12, 31, 9), at(2027, 1, 1), calendar=CAL) == hours(7.5)


def test_measuring_across_a_missing_year_raises_calendar_missing() -> None:
    with pytest.raises(CalendarMissing):
        working_time_between(at(2026, 12, 31, 9), at(2027, 1, 4, 12), calendar=CAL)


def test_a_deadline_starting_in_a_missing_year_raises_calendar_missing() -> None:
    with pytest.raises(CalendarMissing) as caught:
        due_at(at(2024, 6, 3, 9), 1, TimeUnit.WORKING_DAYS, calendar=CAL)

    assert caught.value.year == 2024


# ----------------------------------------------------------------------------- properties

starts = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2026, 11, 30), timezones=st.just(CHINA_TIME)
)
amounts = st.timedeltas(min_value=timedelta(), max_value=hours(80))
pauses = st.lists(
    st.tuples(
        st.timedeltas(min_value=-hours(48), max_value=timedelta(days=14)),
        st.timedeltas(min_value=timedelta(), max_value=timedelta(days=3)),
    ),
    max_size=3,
)


def _intervals(
    start: datetime, offsets: list[tuple[timedelta, timedelta]]
) -> list[tuple[datetime, datetime]]:
    return [(start + offset, start + offset + length) for offset, length in offsets]


@given(start=starts, amount=amounts, offsets=pauses)
def test_measuring_up_to_a_deadline_gives_back_the_amount(
    start: datetime, amount: timedelta, offsets: list[tuple[timedelta, timedelta]]
) -> None:
    paused = _intervals(start, offsets)

    due = add_working_time(start, amount, calendar=CAL, paused=paused)

    assert due >= start
    assert due.tzinfo is CHINA_TIME
    assert working_time_between(start, due, calendar=CAL, paused=paused) == amount


@given(start=starts, amount=amounts.filter(bool), offsets=pauses)
def test_a_deadline_is_the_earliest_instant_that_reaches_the_amount(
    start: datetime, amount: timedelta, offsets: list[tuple[timedelta, timedelta]]
) -> None:
    paused = _intervals(start, offsets)

    due = add_working_time(start, amount, calendar=CAL, paused=paused)

    early = due - timedelta(microseconds=1)
    assert working_time_between(start, early, calendar=CAL, paused=paused) < amount


@given(start=starts, value=st.integers(min_value=0, max_value=500), offsets=pauses)
def test_natural_hours_measure_back_to_their_value(
    start: datetime, value: int, offsets: list[tuple[timedelta, timedelta]]
) -> None:
    paused = _intervals(start, offsets)

    due = due_at(start, value, TimeUnit.NATURAL_HOURS, calendar=CAL, paused=paused)

    measured = time_between(start, due, unit=TimeUnit.NATURAL_HOURS, calendar=CAL, paused=paused)
    assert measured == hours(value)
