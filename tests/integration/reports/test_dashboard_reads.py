"""What the auditor's dashboard reads beside the report rows (issue 14):

- with `compare`, each row carries its group's indicators one period before (环比) and a year
  before (同比), equal to the rows of those periods' own reports, null without one;
- `GET /reports/cases` lists exactly the cases a count of a row counts, for geographic, office
  and derived groups and for the row without a key, within the caller's scope.

Both read the hand-built history of `history.py` (February and March 2026).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories.reports import History
from tests.factories.web import assert_problem
from tests.integration.reports.history import S1, S2

MARCH = {"from": "2026-03-01", "to": "2026-03-31"}
FEBRUARY = {"from": "2026-02-01", "to": "2026-02-28"}
BOTH = {"from": "2026-02-01", "to": "2026-03-31"}


def rows(history: History, who: str = "aud", **params: str) -> list[dict[str, Any]]:
    response = history.world.client.get(
        "/reports/indicators", params=params, headers=history.world[who]
    )
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["rows"]
    return found


def counted(history: History, who: str = "aud", **params: str) -> Any:
    return history.world.client.get("/reports/cases", params=params, headers=history.world[who])


def test_each_row_carries_the_month_before_and_the_year_before(history: History) -> None:
    compared = rows(history, group_by="street", period="month", compare="true", **MARCH)
    february = {row["key"]: row for row in rows(history, group_by="street", **FEBRUARY)}
    plain = rows(history, group_by="street", **MARCH)

    assert {row["key"] for row in compared} == {S1, S2}
    for row in compared:
        assert row["previous"] == february[row["key"]]["indicators"]
        assert row["year_before"] is None  # nothing was reported in March 2025
    # The rows themselves are the report's, unchanged.
    assert [(row["counts"], row["indicators"]) for row in compared] == [
        (row["counts"], row["indicators"]) for row in plain
    ]


def test_without_compare_the_rows_carry_no_comparison(history: History) -> None:
    for row in rows(history, group_by="street", **MARCH):
        assert row["previous"] is None
        assert row["year_before"] is None


def test_a_day_compares_with_the_day_before(history: History) -> None:
    # Monday 2 March against Sunday 1 March (no report: null) — and 27 February against none.
    compared = rows(
        history,
        group_by="district",
        period="day",
        compare="true",
        **{"from": "2026-03-02"},
        to="2026-03-02",
    )
    assert [row["previous"] for row in compared] == [None]


@pytest.mark.parametrize(
    ("group_by", "count"),
    [
        ("street", "closed"),
        ("street", "reported"),
        ("street", "should_close"),
        ("office", "handled_on_time"),
        ("department", "closed"),
        ("item_class", "evaluated"),
        ("source", "dissatisfied"),
    ],
)
def test_the_cases_of_a_count_are_as_many_as_it_counts(
    history: History, group_by: str, count: str
) -> None:
    for row in rows(history, group_by=group_by, period="month", **BOTH):
        start = row["period_start"]
        end = BOTH["to"] if start.startswith("2026-03") else FEBRUARY["to"]
        params = {"group_by": group_by, "count": count, "from": start, "to": end}
        if row["key"] is not None:
            params["key"] = row["key"]
        response = counted(history, **params)
        assert response.status_code == 200, response.text
        ids = [case["case_id"] for case in response.json()["items"]]
        assert len(ids) == row["counts"][count], (row["key"], start)
        assert ids == sorted(ids, reverse=True)


def test_a_case_reworked_twice_is_listed_once_for_its_reworks(history: History) -> None:
    [row] = [row for row in rows(history, group_by="street", **MARCH) if row["key"] == S2]
    response = counted(history, group_by="street", key=S2, count="reworks", **MARCH)

    ids = [case["case_id"] for case in response.json()["items"]]
    assert ids == [history.case(39).case_id]  # its two reworks are the street's March reworks
    assert row["counts"]["reworks"] == 2


def test_the_closed_cases_of_a_street_are_closed_and_in_the_street(history: History) -> None:
    response = counted(history, group_by="street", key=S2, count="closed", **BOTH)

    assert response.status_code == 200, response.text
    cases = response.json()["items"]
    assert cases
    assert {case["street_code"] for case in cases} == {S2}
    assert {case["status"] for case in cases} <= {"closed", "evaluated"}


def test_the_cases_come_in_pages(history: History) -> None:
    whole = counted(history, group_by="district", key="310105", count="reported", **BOTH).json()
    first = counted(
        history, group_by="district", key="310105", count="reported", limit="7", **BOTH
    ).json()
    second = counted(
        history,
        group_by="district",
        key="310105",
        count="reported",
        limit="7",
        after=str(first["next_after"]),
        **BOTH,
    ).json()

    assert len(whole["items"]) == 40
    assert [case["case_id"] for case in first["items"] + second["items"]] == [
        case["case_id"] for case in whole["items"][:14]
    ]


def test_a_dispatcher_lists_only_the_counted_cases_of_their_street(history: History) -> None:
    own = counted(history, "disp1", group_by="district", key="310105", count="reported", **BOTH)
    assert own.status_code == 200, own.text
    assert {case["street_code"] for case in own.json()["items"]} == {S1}

    other = counted(
        history, "disp1", group_by="street", key=S2, count="reported", street_code=S2, **BOTH
    )
    assert_problem(other, 404, "not-found")


def test_an_unknown_count_is_refused(history: History) -> None:
    response = counted(history, group_by="street", key=S1, count="drop table", **BOTH)
    assert_problem(response, 422, "validation-error")


def test_an_inspector_reads_no_counted_cases(history: History) -> None:
    response = counted(history, "ins1", group_by="street", key=S1, count="reported", **BOTH)
    assert_problem(response, 403, "forbidden")
