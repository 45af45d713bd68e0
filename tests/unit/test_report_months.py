"""The calendar months a monthly report reads from the monthly rollups."""

from __future__ import annotations

from datetime import date

import pytest

from gridloop.reports.repository import Period, RowFilter, months_covered


@pytest.mark.parametrize(
    ("start", "end", "covered"),
    [
        (date(2026, 1, 1), date(2026, 1, 31), (date(2026, 1, 1), date(2026, 1, 31))),
        (date(2026, 1, 1), date(2026, 3, 15), (date(2026, 1, 1), date(2026, 2, 28))),
        (date(2025, 12, 2), date(2026, 2, 28), (date(2026, 1, 1), date(2026, 2, 28))),
        (date(2024, 2, 1), date(2024, 2, 29), (date(2024, 2, 1), date(2024, 2, 29))),
        (date(2026, 1, 2), date(2026, 2, 27), None),  # no month whole
        (date(2026, 1, 1), date(2026, 1, 30), None),
        (date(2026, 1, 15), date(2026, 1, 15), None),
        (date(9999, 12, 1), date(9999, 12, 31), (date(9999, 12, 1), date(9999, 12, 31))),
        (date(9999, 12, 2), date(9999, 12, 31), None),  # the calendar's edges
        (date(1, 1, 1), date(1, 1, 30), None),
    ],
)
def test_a_monthly_report_reads_the_months_its_range_covers_whole(
    start: date, end: date, covered: tuple[date, date] | None
) -> None:
    assert months_covered(Period.MONTH, RowFilter(start=start, end=end)) == covered


@pytest.mark.parametrize("period", [Period.DAY, Period.WEEK])
def test_reports_by_day_or_week_read_only_daily_rows(period: Period) -> None:
    assert months_covered(period, RowFilter(start=date(2026, 1, 1), end=date(2026, 12, 31))) is None
