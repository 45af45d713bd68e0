"""The indicators of the hand-built history of `history.py`, worked out by hand.

Every expected number below was counted from the case list in `history.py` with the counting
rules of DOMAIN.md §5 and the counter definitions of migration 0008, not computed by the code
under test; the comment above each expectation says how. The history is built once, in a
scratch database where every request commits (the rollups are kept by the trigger at COMMIT).
The last test files two cases of its own around midnight, in the rolled-back world.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pytest
from sqlalchemy import Connection, text

from gridloop.reports import repository
from gridloop.reports.repository import GroupBy, Period, RowFilter
from tests.factories.cases import SHANGHAI, World, file_case
from tests.factories.reports import History, rollups
from tests.integration.reports.history import CG, L1, L2, S1, S2

# ----------------------------------------------------------------------------- expectations

# The codes of the counts and indicators, listed here rather than taken from the code: they are
# what a report row must carry, in the order the expectations below give their values.
COUNT_CODES = (
    "reported",
    "registered",
    "registered_on_time",
    "voided",
    "suspended",
    "should_dispatch",
    "dispatched",
    "dispatched_on_time",
    "misdispatched",
    "returns",
    "should_handle",
    "handled",
    "handled_on_time",
    "overdue_unhandled",
    "should_close",
    "closed",
    "closed_on_time",
    "reworks",
    "extensions",
    "overdue",
    "verify_due",
    "verified_on_time",
    "evaluated",
    "satisfied",
    "basically_satisfied",
    "dissatisfied",
    "contacted",
    "solved",
    "by_inspector",
)
INDICATOR_CODES = (
    "valid_report_rate",
    "on_time_registration_rate",
    "accurate_registration_rate",
    "on_time_dispatch_rate",
    "accurate_dispatch_rate",
    "handling_rate",
    "on_time_handling_rate",
    "closure_rate",
    "on_time_closure_rate",
    "rework_rate",
    "on_time_verification_rate",
    "extension_rate",
    "overdue_pending_rate",
    "average_handling_hours",
    "missed_report_rate",
    "response_rate",
    "resolution_rate",
    "satisfaction_rate",
)


@dataclass(frozen=True)
class Expected:
    """A report row: its counts in the order of COUNT_CODES, the minutes of handling, and its
    indicators in the order of INDICATOR_CODES ("-": none), each as numbers in a line."""

    counts: str
    handling_minutes: int
    indicators: str

    def check(self, row: dict[str, Any]) -> None:
        counts = dict(zip(COUNT_CODES, map(int, self.counts.split()), strict=True))
        assert {code: row["counts"][code] for code in COUNT_CODES} == counts
        assert row["counts"]["handling_hours"] == pytest.approx(self.handling_minutes / 60)
        values = [None if value == "-" else float(value) for value in self.indicators.split()]
        assert row["indicators"] == dict(zip(INDICATOR_CODES, values, strict=True))


# Street 310105001 on Friday: cases 1–17.
#   registered 15: all but 7 (rejected) and 8 (filed only); on time 14: all but 9
#   suspended 1 (13); should_dispatch = 15 − 0 − 1 = 14; dispatched and on time: those 14
#   misdispatched 3: 10 and 11 (returned), 12 (reworked); returns 2 (10, 11)
#   should_handle 13: all but 7, 8, 11 (back at the center) and 13 (suspended)
#   handled 12: the 13 but 2; on time 11: all but 1; overdue_unhandled 0 (2 was extended)
#   should_close = 12 + 0; closed 11: the handled but 16; on time 10: all but 1
#   reworks 1 (12); extensions 1 (2); overdue 5: 1, 2 (first sweep), 8, 11, 16 (last)
#   verify_due 13: one round each for the 12 handled, two for 12; on time 11: all but 16
#     (never checked) and 17 (checked late)
#   evaluated 10: 1, 3, 4, 5, 9, 10, 12, 14, 15, 17; satisfied 6: 1, 3, 9, 10, 14, 17;
#     basically 2: 4, 12; dissatisfied 2: 5, 15; contacted 9: all but 15; solved 8: not 5, 15
#   by_inspector 15: not 14, 15; handling minutes: 355 (1) + 25 (9) + 50 (12) + 9 × 20 = 610
S1_FRIDAY = Expected(
    counts="17 15 14 0 1 14 14 14 3 2 13 12 11 0 12 11 10 1 1 5 13 11 10 6 2 2 9 8 15",
    handling_minutes=610,
    # 15/17, 14/15, 15/15, 14/14, (14 − 3)/14, 12/13, 11/13, 11/12, 10/12, 1/12, 11/13, 1/13,
    # 0/13, (610/60)/12, (17 − 15)/17, 9/10, 8/10, (6 + 0.9 × 2)/10
    indicators=(
        "0.8824 0.9333 1 1 0.7857 0.9231 0.8462 0.9167 0.8333 0.0833 0.8462 0.0769 "
        "0 0.8472 0.1176 0.9 0.8 0.78"
    ),
)
# Street 310105002 on Friday: cases 18–21.
#   all 4 registered on time and dispatched, on time 3 (not 20); should_handle 4;
#   handled 3 (not 19), all on time; overdue_unhandled 1 (19); should_close 3 + 1 = 4;
#   closed 3, on time 3; overdue 1 (19); verify_due 3, on time 3; evaluated 2 (18 satisfied,
#   20 basically); by_inspector 3 (not 20); handling minutes 20 + 30 + 260 = 310
S2_FRIDAY = Expected(
    counts="4 4 4 0 0 4 4 3 0 0 4 3 3 1 4 3 3 0 0 1 3 3 2 1 1 0 2 2 3",
    handling_minutes=310,
    # 4/4, 4/4, 4/4, 3/4, 4/4, 3/4, 3/4, 3/4, 3/4, 0/4, 3/3, 0/4, 1/4, (310/60)/3, 1/4, 2/2,
    # 2/2, (1 + 0.9)/2
    indicators="1 1 1 0.75 1 0.75 0.75 0.75 0.75 0 1 0 0.25 1.7222 0.25 1 1 0.95",
)
# Street 310105001 on Monday: cases 22–32.
#   registered 9 (not 27, 28), all on time; suspended 1 (29); should_dispatch 8, all
#   dispatched on time; misdispatched 1 (32); should_handle 8 (not 27, 28, 29);
#   handled 7 (not 25), on time 6 (not 26); overdue_unhandled 1 (25); should_close 8;
#   closed 6 (not 25, 32), on time 5 (not 26); reworks 1 (32); extensions 1 (30);
#   overdue 3: 25, 28, 32; verify_due 6 + 2 (32) = 8, on time 7 (32's second round unchecked)
#   evaluated 6: 22, 23, 24, 26, 30, 31; satisfied 4: 22, 23, 30, 31; basically 1 (24);
#   dissatisfied 1 (26); contacted 5 (not 23); solved 6; by_inspector 10 (not 28)
#   handling minutes: 4 × 20 + 1430 (26) + 1430 (30) + 50 (32) = 2990
S1_MONDAY = Expected(
    counts="11 9 9 0 1 8 8 8 1 0 8 7 6 1 8 6 5 1 1 3 8 7 6 4 1 1 5 6 10",
    handling_minutes=2990,
    # 9/11, 9/9, 9/9, 8/8, (8 − 1)/8, 7/8, 6/8, 6/8, 5/8, 1/8, 7/8, 1/8, 1/8, (2990/60)/7,
    # 1/11, 5/6, 6/6, (4 + 0.9)/6
    indicators=(
        "0.8182 1 1 1 0.875 0.875 0.75 0.75 0.625 0.125 0.875 0.125 "
        "0.125 7.119 0.0909 0.8333 1 0.8167"
    ),
)
# Street 310105002 on Monday: cases 33–40.
#   registered 7 (not 40), on time; suspended 1 (38); should_dispatch 6: 33–37, 39;
#   dispatched 5 of them (35 was not), on time; misdispatched 2 (37 returned, 39 reworked);
#   returns 1; should_handle 5: 33, 34, 36, 37, 39, all handled and closed on time;
#   reworks 2 (39); overdue 1 (35); verify_due 4 + 3 (39) = 7, all on time;
#   evaluated 4: 33, 39 satisfied, 34 basically, 36 dissatisfied; contacted 4; solved 3
#   (not 34); by_inspector 6 (not 36, 40); handling minutes 4 × 20 + 80 (39) = 160
S2_MONDAY = Expected(
    counts="8 7 7 0 1 6 5 5 2 1 5 5 5 0 5 5 5 2 0 1 7 7 4 2 1 1 4 3 6",
    handling_minutes=160,
    # 7/8, 7/7, 7/7, 5/6, (5 − 2)/6, 5/5, 5/5, 5/5, 5/5, 2/5, 7/7, 0/5, 0/5, (160/60)/5, 2/8,
    # 4/4, 3/4, (2 + 0.9)/4
    indicators="0.875 1 1 0.8333 0.5 1 1 1 1 0.4 1 0 0 0.5333 0.25 1 0.75 0.725",
)
# The district (310105) in each month: the two streets of that day added up.
DISTRICT_FEBRUARY = Expected(
    counts="21 19 18 0 1 18 18 17 3 2 17 15 14 1 16 14 13 1 1 6 16 14 12 7 3 2 11 10 18",
    handling_minutes=920,
    # 19/21, 18/19, 1, 17/18, 15/18, 15/17, 14/17, 14/16, 13/16, 1/16, 14/16, 1/17, 1/17,
    # (920/60)/15, 3/21, 11/12, 10/12, (7 + 2.7)/12
    indicators=(
        "0.9048 0.9474 1 0.9444 0.8333 0.8824 0.8235 0.875 0.8125 0.0625 0.875 0.0588 "
        "0.0588 1.0222 0.1429 0.9167 0.8333 0.8083"
    ),
)
DISTRICT_MARCH = Expected(
    counts="19 16 16 0 2 14 13 13 3 1 13 12 11 1 13 11 10 3 1 4 15 14 10 6 2 2 9 9 16",
    handling_minutes=3150,
    # 16/19, 1, 1, 13/14, 10/14, 12/13, 11/13, 11/13, 10/13, 3/13, 14/15, 1/13, 1/13,
    # (3150/60)/12, 3/19, 9/10, 9/10, (6 + 1.8)/10
    indicators=(
        "0.8421 1 1 0.9286 0.7143 0.9231 0.8462 0.8462 0.7692 0.2308 0.9333 0.0769 "
        "0.0769 4.375 0.1579 0.9 0.9 0.78"
    ),
)

FEBRUARY, MARCH = "2026-02-01", "2026-03-01"
FEBRUARY_2ND = date(2026, 2, 2)
FRIDAY, MONDAY = "2026-02-27", "2026-03-02"


def rows(history: History, group_by: str, period: str, **params: str) -> dict[Any, dict[str, Any]]:
    """The report rows by (key, period start), as an auditor reads them."""
    world = history.world
    response = world.client.get(
        "/reports/indicators",
        params={"group_by": group_by, "period": period, "from": "2026-02-01", "to": "2026-03-31"}
        | params,
        headers=world["aud"],
    )
    assert response.status_code == 200, response.text
    return {(row["key"], row["period_start"]): row for row in response.json()["rows"]}


def test_indicators_by_street_and_day_are_the_hand_counted_ones(history: History) -> None:
    by_day = rows(history, "street", "day")

    assert set(by_day) == {(S1, FRIDAY), (S2, FRIDAY), (S1, MONDAY), (S2, MONDAY)}
    S1_FRIDAY.check(by_day[S1, FRIDAY])
    S2_FRIDAY.check(by_day[S2, FRIDAY])
    S1_MONDAY.check(by_day[S1, MONDAY])
    S2_MONDAY.check(by_day[S2, MONDAY])
    assert by_day[S1, FRIDAY]["name"] == "华阳路街道"


def test_by_month_each_day_is_its_month(history: History) -> None:
    by_month = rows(history, "street", "month")

    assert set(by_month) == {(S1, FEBRUARY), (S2, FEBRUARY), (S1, MARCH), (S2, MARCH)}
    S1_FRIDAY.check(by_month[S1, FEBRUARY])
    S2_FRIDAY.check(by_month[S2, FEBRUARY])
    S1_MONDAY.check(by_month[S1, MARCH])
    S2_MONDAY.check(by_month[S2, MARCH])
    # Week: Friday 27 February is in the week of Monday 23 February, Monday 2 March starts one.
    assert set(rows(history, "street", "week")) == {
        (S1, "2026-02-23"),
        (S2, "2026-02-23"),
        (S1, "2026-03-02"),
        (S2, "2026-03-02"),
    }


def test_by_month_a_range_counts_the_same_from_whole_and_partial_months(
    history: History,
) -> None:
    whole = rows(history, "street", "month")  # February and March whole: the monthly rollups

    # The days at the edges come from the daily rollups, months covered whole from the monthly.
    for start, end in (
        ("2026-02-27", "2026-03-02"),
        ("2026-02-01", "2026-03-02"),
        ("2026-02-27", "2026-03-31"),
    ):
        assert rows(history, "street", "month", **{"from": start, "to": end}) == whole
    # Up to 1 March: Monday's cases are left out although March has a monthly row.
    assert set(rows(history, "street", "month", to="2026-03-01")) == {
        (S1, FEBRUARY),
        (S2, FEBRUARY),
    }


@pytest.mark.parametrize(
    ("group_by", "key"),
    [
        (GroupBy.DISTRICT, "street_code"),
        (GroupBy.STREET, "street_code"),
        (GroupBy.OFFICE, "office_id::text"),
    ],
)
@pytest.mark.parametrize(
    ("start", "end"), [(date(2026, 2, 1), date(2026, 3, 31)), (date(2026, 2, 27), date(2026, 3, 2))]
)
def test_a_report_from_the_rollups_is_the_report_from_every_case(
    history: History, group_by: GroupBy, key: str, start: date, end: date
) -> None:
    rows = RowFilter(start=start, end=end)
    parameters = repository.indicator_parameters(group_by, Period.MONTH, rows)
    # The per-case view in the shape of the daily rollups (the benchmark's baseline).
    facts = f"(SELECT '{group_by.kind}' AS kind, {key} AS key, * FROM case_fact_source)"
    with history.engine.connect() as connection:
        from_rollups = connection.execute(
            text(repository.indicator_sql(group_by, Period.MONTH, rows)), parameters
        ).all()
        from_cases = connection.execute(
            text(repository.indicator_sql(group_by, Period.MONTH, rows, facts=facts)), parameters
        ).all()

    assert from_rollups
    assert from_rollups == from_cases


def test_a_month_covered_whole_is_read_from_its_monthly_rows(history: History) -> None:
    def reported(connection: Connection, start: date) -> dict[str, int]:
        rows = RowFilter(start=start, end=date(2026, 3, 31))
        report = connection.execute(
            text(repository.indicator_sql(GroupBy.DISTRICT, Period.MONTH, rows)),
            repository.indicator_parameters(GroupBy.DISTRICT, Period.MONTH, rows),
        )
        return {row.period_start.isoformat(): row.reported for row in report}

    with history.engine.connect() as connection:
        whole, partial = reported(connection, date(2026, 2, 1)), reported(connection, FEBRUARY_2ND)
        # Only the monthly rows of February change (rolled back below).
        changed = connection.execute(
            text(
                "UPDATE case_rollup_month SET reported = reported + 1000"
                " WHERE kind = 'street' AND month = '2026-02-01'"
            )
        ).rowcount
        whole_after = reported(connection, date(2026, 2, 1))
        partial_after = reported(connection, FEBRUARY_2ND)
        connection.rollback()

    assert changed > 0
    assert whole_after == {**whole, FEBRUARY: whole[FEBRUARY] + 1000 * changed}
    assert partial_after == partial  # February not whole: its daily rows


def test_by_district_the_streets_add_up(history: History) -> None:
    by_month = rows(history, "district", "month")

    assert set(by_month) == {("310105", FEBRUARY), ("310105", MARCH)}
    DISTRICT_FEBRUARY.check(by_month["310105", FEBRUARY])
    DISTRICT_MARCH.check(by_month["310105", MARCH])
    assert by_month["310105", MARCH]["name"] == "长宁区"


def test_the_counting_rules_hold_in_every_row(history: History) -> None:
    for group_by in ("street", "district", "office", "item", "source", "unit_grid"):
        for row in rows(history, group_by, "day").values():
            counts = row["counts"]
            # 应结案数 = 处置数 + 超期未处置数
            assert counts["should_close"] == counts["handled"] + counts["overdue_unhandled"]
            # 应派遣数 = 立案数 − 作废数 − 挂账数
            assert counts["should_dispatch"] == (
                counts["registered"] - counts["voided"] - counts["suspended"]
            )
            for code in ("on_time_dispatch_rate", "accurate_dispatch_rate", "handling_rate"):
                value = row["indicators"][code]
                assert value is None or 0 <= value <= 1, (group_by, row["key"], code, value)


# By office in each month: a case counts under its lead office now (10 under CG, though L1
# returned it; 11 under L1, which returned it); cases never dispatched have no office.
#   (reported, registered, suspended, should_dispatch, dispatched, misdispatched, returns,
#    should_handle, handled, overdue_unhandled, should_close, closed, reworks),
#   (accurate_dispatch_rate, handling_rate, closure_rate)
OFFICE_CODES = (
    "reported",
    "registered",
    "suspended",
    "should_dispatch",
    "dispatched",
    "misdispatched",
    "returns",
    "should_handle",
    "handled",
    "overdue_unhandled",
    "should_close",
    "closed",
    "reworks",
)
OFFICE_INDICATORS = ("accurate_dispatch_rate", "handling_rate", "closure_rate")
BY_OFFICE: dict[tuple[str | None, str], tuple[tuple[int, ...], tuple[float | None, ...]]] = {
    # 1–6, 9, 11–17: 13 suspended; misdispatched 11, 12; handled: not 2, 11, 13; closed: not 16
    (L1, FEBRUARY): ((14, 14, 1, 13, 13, 2, 1, 12, 11, 0, 11, 10, 1), (11 / 13, 11 / 12, 10 / 11)),
    (CG, FEBRUARY): ((1, 1, 0, 1, 1, 1, 1, 1, 1, 0, 1, 1, 0), (0.0, 1.0, 1.0)),  # 10
    (L2, FEBRUARY): ((4, 4, 0, 4, 4, 0, 0, 4, 3, 1, 4, 3, 0), (1.0, 0.75, 0.75)),  # 18–21
    (None, FEBRUARY): ((2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), (None, None, None)),  # 7, 8
    # 22–26, 29, 30, 32: 29 suspended; misdispatched 32; handled: not 25; closed: not 25, 32
    (L1, MARCH): ((8, 8, 1, 7, 7, 1, 0, 7, 6, 1, 7, 5, 1), (6 / 7, 6 / 7, 5 / 7)),
    (CG, MARCH): ((1, 1, 0, 1, 1, 0, 0, 1, 1, 0, 1, 1, 0), (1.0, 1.0, 1.0)),  # 31
    # 33, 34, 36–39: 38 suspended; misdispatched 37, 39
    (L2, MARCH): ((6, 6, 1, 5, 5, 2, 1, 5, 5, 0, 5, 5, 2), (0.6, 1.0, 1.0)),
    # 27, 28, 40 never registered; 35 registered, never dispatched: accurate 0/1
    (None, MARCH): ((4, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0), (0.0, None, None)),
}


def _subset(row: dict[str, Any], codes: tuple[str, ...], names: tuple[str, ...]) -> Any:
    return (
        tuple(row["counts"][code] for code in codes),
        tuple(row["indicators"][name] for name in names),
    )


def _rounded(expected: tuple[tuple[int, ...], tuple[float | None, ...]]) -> Any:
    counts, indicators = expected
    return counts, tuple(None if value is None else round(value, 4) for value in indicators)


def test_by_office_a_case_counts_under_its_lead_office(history: History) -> None:
    with history.engine.connect() as connection:
        offices = connection.execute(text("SELECT office_id::text, code FROM office"))
        codes: dict[str, str] = {row[0]: row[1] for row in offices}

    by_office = rows(history, "office", "month")

    got = {
        (None if key is None else codes[key], start): _subset(row, OFFICE_CODES, OFFICE_INDICATORS)
        for (key, start), row in by_office.items()
    }
    assert got == {key: _rounded(value) for key, value in BY_OFFICE.items()}
    names = {codes[key]: row["name"] for (key, _), row in by_office.items() if key is not None}
    assert names == {L1: "310105001 绿化市容所", CG: "华阳路城管中队", L2: "310105002 绿化市容所"}
    assert by_office[None, MARCH]["name"] == "（无）/ (none)"


# By item in each month. E0104: 5, 13, 16, 21 (February); 24, 25, 32, 35, 40 (March).
ITEM_CODES = (
    "reported",
    "registered",
    "suspended",
    "should_dispatch",
    "dispatched",
    "should_handle",
    "handled",
    "overdue_unhandled",
    "should_close",
    "closed",
    "evaluated",
)
ITEM_INDICATORS = ("handling_rate", "closure_rate")
BY_ITEM: dict[tuple[str | None, str], tuple[tuple[int, ...], tuple[float | None, ...]]] = {
    # 13 suspended; 5, 16, 21 handled; 5, 21 closed; 5 evaluated
    ("E0104", FEBRUARY): ((4, 4, 1, 3, 3, 3, 3, 0, 3, 2, 1), (1.0, 2 / 3)),
    # the other 17 of February: the district's 21 less those 4
    ("E0102", FEBRUARY): ((17, 15, 0, 15, 15, 14, 12, 1, 13, 12, 11), (12 / 14, 12 / 13)),
    # 40 rejected; 35 not dispatched; 25 overdue unhandled; 24, 32 handled; 24 closed
    ("E0104", MARCH): ((5, 4, 0, 4, 3, 3, 2, 1, 3, 1, 1), (2 / 3, 1 / 3)),
    ("E0102", MARCH): ((14, 12, 2, 10, 10, 10, 10, 0, 10, 10, 9), (1.0, 1.0)),
}


def test_by_item(history: History) -> None:
    by_item = rows(history, "item", "month")

    got = {key: _subset(row, ITEM_CODES, ITEM_INDICATORS) for key, row in by_item.items()}
    assert got == {key: _rounded(value) for key, value in BY_ITEM.items()}
    assert by_item["E0102", MARCH]["name"] == "暴露垃圾"


# By source in each month. 12345: 14, 15, 20 (February); 28, 36, 40 (March).
SOURCE_CODES = (
    "reported",
    "registered",
    "dispatched",
    "dispatched_on_time",
    "handled",
    "closed",
    "evaluated",
    "satisfied",
    "basically_satisfied",
    "dissatisfied",
    "contacted",
    "solved",
    "by_inspector",
)
SOURCE_INDICATORS = (
    "valid_report_rate",
    "on_time_dispatch_rate",
    "missed_report_rate",
    "response_rate",
    "resolution_rate",
    "satisfaction_rate",
)
BY_SOURCE: dict[tuple[str | None, str], tuple[tuple[int, ...], tuple[float | None, ...]]] = {
    # 20 dispatched late; 14 satisfied, 20 basically, 15 dissatisfied, not contacted nor solved
    ("hotline_12345", FEBRUARY): (
        (3, 3, 3, 2, 3, 3, 3, 1, 1, 1, 2, 2, 0),
        (1.0, 2 / 3, 1.0, 2 / 3, 2 / 3, 1.9 / 3),
    ),
    # 28 filed only, 40 rejected, 36 all round and dissatisfied
    ("hotline_12345", MARCH): ((3, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 0), (1 / 3, 1.0, 1.0, 1, 1, 0)),
    # 18 inspector cases: 7, 8 not registered; 13 suspended (out of should_dispatch 15)
    ("inspector", FEBRUARY): (
        (18, 16, 15, 15, 12, 11, 9, 6, 2, 1, 9, 8, 18),
        (16 / 18, 1.0, 0.0, 1.0, 8 / 9, 7.8 / 9),
    ),
    # 16 inspector cases: 27 not registered; 29, 38 suspended (should_dispatch 13, 35 not sent)
    ("inspector", MARCH): (
        (16, 15, 12, 12, 11, 10, 9, 6, 2, 1, 8, 8, 16),
        (15 / 16, 12 / 13, 0.0, 8 / 9, 8 / 9, 7.8 / 9),
    ),
}


def test_by_source(history: History) -> None:
    by_source = rows(history, "source", "month")

    got = {key: _subset(row, SOURCE_CODES, SOURCE_INDICATORS) for key, row in by_source.items()}
    assert got == {key: _rounded(value) for key, value in BY_SOURCE.items()}
    assert by_source["hotline_12345", MARCH]["name"] == "12345热线"


def test_suspended_cases_leave_the_denominators_only_while_suspended(history: History) -> None:
    before = rows(history, "street", "day")
    case = history.case(29)
    case.resume(3010)  # ten minutes after the last sweep

    resumed = rows(history, "street", "day")[S1, MONDAY]

    # Case 29 counts again: dispatched on time, to handle, not handled, not overdue yet.
    changed = {
        code: (before[S1, MONDAY]["counts"][code], resumed["counts"][code])
        for code in COUNT_CODES
        if before[S1, MONDAY]["counts"][code] != resumed["counts"][code]
    }
    assert changed == {
        "suspended": (1, 0),
        "should_dispatch": (8, 9),
        "dispatched": (8, 9),
        "dispatched_on_time": (8, 9),
        "should_handle": (8, 9),
    }
    assert resumed["indicators"]["handling_rate"] == round(7 / 9, 4)
    assert resumed["indicators"]["on_time_dispatch_rate"] == 1.0
    assert resumed["indicators"]["accurate_dispatch_rate"] == round(8 / 9, 4)
    # Suspended again, it leaves them again: the history is as the other tests expect it.
    case.suspend(3020)
    assert rows(history, "street", "day") == before


def test_returns_and_reworks_lower_dispatch_accuracy(history: History) -> None:
    friday = rows(history, "street", "day")[S1, FRIDAY]["indicators"]

    # 14 dispatched on time, of which 10, 11 were returned and 12 reworked.
    assert friday["on_time_dispatch_rate"] == 1.0
    assert friday["accurate_dispatch_rate"] == round(11 / 14, 4)


def test_the_rollups_kept_at_each_commit_equal_a_rebuild_from_the_events(history: History) -> None:
    with history.engine.connect() as connection:
        kept = rollups(connection)
        cases = connection.execute(text("SELECT gridloop_rebuild_rollups()")).scalar_one()
        rebuilt = rollups(connection)
        connection.rollback()

    assert cases == 40
    assert kept == rebuilt


def test_a_case_counts_on_the_local_day_it_was_reported(world: World) -> None:
    # 23:30 on Saturday 28 February and 00:30 on Sunday 1 March in Shanghai: both are
    # 28 February in UTC.
    for local in (datetime(2026, 2, 28, 23, 30), datetime(2026, 3, 1, 0, 30)):
        world.clock.now = local.replace(tzinfo=SHANGHAI)
        file_case(world)

    response = world.client.get(
        "/reports/indicators",
        params={"group_by": "street", "period": "day", "from": "2026-02-28", "to": "2026-03-01"},
        headers=world["aud"],
    )

    assert response.status_code == 200, response.text
    days = {row["period_start"]: row["counts"]["reported"] for row in response.json()["rows"]}
    assert days == {"2026-02-28": 1, "2026-03-01": 1}
