"""Report formats and who reads what (issue 5 §5).

- CSV and XLSX read back equal the JSON rows; GeoJSON has a shape per row of a geographic
  group, and grouping by something without a shape is a 422;
- a liaison reads only their office's rows, a dispatcher only their street's; inspectors are
  refused, anonymous callers too;
- auditors read everything and change nothing: every write route but evaluate refuses them,
  and their report reads write nothing.

The formats and scopes read the hand-built history of `history.py`.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import text
from sqlalchemy.orm import Session

from tests.factories.cases import World, etag, file_case, image, report
from tests.factories.reports import History
from tests.factories.web import assert_problem
from tests.integration.reports.history import CG, L1, L2, S1, S2

INDICATORS = "/reports/indicators"
WHOLE_RANGE = {"from": "2026-02-01", "to": "2026-03-31"}


def get(history: History, who: str, **params: str) -> Any:
    headers = history.world[who] if who else {}
    return history.world.client.get(INDICATORS, params=WHOLE_RANGE | params, headers=headers)


def json_rows(history: History, who: str = "aud", **params: str) -> list[dict[str, Any]]:
    response = get(history, who, **params)
    assert response.status_code == 200, response.text
    rows: list[dict[str, Any]] = response.json()["rows"]
    return rows


def cell_of(row: dict[str, Any], code: str) -> Any:
    """The value of column `code` of a JSON row."""
    if code in ("key", "name", "period_start"):
        return row[code]
    return row["counts"][code] if code in row["counts"] else row["indicators"][code]


def office_ids(history: History) -> dict[str, str]:
    with history.engine.connect() as connection:
        offices = connection.execute(text("SELECT code, office_id::text FROM office"))
        return {row[0]: row[1] for row in offices}


# ----------------------------------------------------------------------------- formats


@pytest.mark.parametrize(("group_by", "period"), [("street", "day"), ("office", "month")])
def test_csv_reads_back_as_the_json_rows(history: History, group_by: str, period: str) -> None:
    rows = json_rows(history, group_by=group_by, period=period)
    definitions = history.world.client.get("/reports/definitions", headers=history.world["aud"])
    names = {"key": "编码", "name": "名称", "period_start": "统计周期"} | {
        entry["code"]: entry["name_zh"]
        for entry in (*definitions.json()["counts"], *definitions.json()["indicators"])
    }

    response = get(history, "aud", group_by=group_by, period=period, format="csv")

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == (
        f'attachment; filename="indicators-{group_by}-2026-02-01-2026-03-31.csv"'
    )
    assert response.content.startswith(b"\xef\xbb\xbf")  # spreadsheets read it as UTF-8
    codes, chinese, *lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert sorted(codes) == sorted(
        ["key", "name", "period_start", *rows[0]["counts"], *rows[0]["indicators"]]
    )
    assert chinese == [names[code] for code in codes]
    assert len(lines) == len(rows)
    for line, row in zip(lines, rows, strict=True):
        for code, cell in zip(codes, line, strict=True):
            value = cell_of(row, code)
            if value is None:
                assert cell == "", (code, row["key"])
            elif isinstance(value, str):
                assert cell == value, (code, row["key"])
            else:
                assert float(cell) == value, (code, row["key"])


@pytest.mark.parametrize(("group_by", "period"), [("street", "day"), ("office", "month")])
def test_xlsx_reads_back_as_the_json_rows(history: History, group_by: str, period: str) -> None:
    rows = json_rows(history, group_by=group_by, period=period)

    response = get(history, "aud", group_by=group_by, period=period, format="xlsx")

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    sheet = load_workbook(io.BytesIO(response.content))["indicators"]
    codes, chinese, *lines = [list(line) for line in sheet.iter_rows(values_only=True)]
    assert chinese[:3] == ["编码", "名称", "统计周期"]
    assert len(lines) == len(rows)
    for line, row in zip(lines, rows, strict=True):
        for code, cell in zip(codes, line, strict=True):
            assert isinstance(code, str)
            value = cell_of(row, code)
            if isinstance(cell, datetime):
                assert cell.date().isoformat() == value, (code, row["key"])
            elif isinstance(cell, float):  # a spreadsheet keeps 15 significant digits
                assert cell == pytest.approx(value, rel=1e-14), (code, row["key"])
            else:
                assert cell == value, (code, row["key"])


@pytest.mark.parametrize("group_by", ["street", "unit_grid", "district"])
def test_geojson_has_a_shape_per_row_of_a_geographic_group(history: History, group_by: str) -> None:
    rows = json_rows(history, group_by=group_by, period="month")

    response = get(history, "aud", group_by=group_by, period="month", format="geojson")

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/geo+json"
    collection = response.json()
    assert collection["type"] == "FeatureCollection"
    features = collection["features"]
    assert len(features) == len(rows) > 0
    for feature, row in zip(features, rows, strict=True):
        assert feature["geometry"]["type"] == "MultiPolygon", row["key"]
        assert feature["properties"] == {
            "key": row["key"],
            "name": row["name"],
            "period_start": row["period_start"],
            **row["counts"],
            **row["indicators"],
        }


def test_geojson_of_groups_without_a_shape_is_refused(history: History) -> None:
    by_format = get(history, "aud", group_by="item", format="geojson")
    by_accept = history.world.client.get(
        INDICATORS,
        params=WHOLE_RANGE | {"group_by": "office"},
        headers={**history.world["aud"], "Accept": "application/geo+json"},
    )

    assert "item" in assert_problem(by_format, 422, "validation-error")["detail"]
    assert_problem(by_accept, 422, "validation-error")


# ----------------------------------------------------------------------------- scope


def test_a_liaison_reads_only_their_offices_rows(history: History) -> None:
    ids = office_ids(history)

    by_office = json_rows(history, "lia1", group_by="office", period="month")
    by_street = json_rows(history, "lia1", group_by="street", period="month")
    own = json_rows(history, "lia1", group_by="street", period="month", office_code=L1)
    other = get(history, "lia1", group_by="street", office_code=L2)
    unknown = get(history, "lia1", group_by="street", office_code="no-such-office")

    assert {row["key"] for row in by_office} == {ids[L1]}
    # L1 leads 14 cases of Friday (1–6, 9, 11–17) and 8 of Monday (22–26, 29, 30, 32), all in
    # street 310105001; the cases of CG and of the other street are not among its rows.
    assert [(row["key"], row["counts"]["reported"]) for row in by_street] == [(S1, 14), (S1, 8)]
    assert own == by_street
    assert_problem(other, 404, "not-found")
    assert_problem(unknown, 404, "not-found")


def test_an_auditor_filters_by_any_office(history: History) -> None:
    ids = office_ids(history)

    by_office = json_rows(history, "aud", group_by="office", period="month", office_code=CG)

    assert [(row["key"], row["counts"]["reported"]) for row in by_office] == [
        (ids[CG], 1),  # case 10, February
        (ids[CG], 1),  # case 31, March
    ]


def test_a_dispatcher_reads_only_their_streets_rows(history: History) -> None:
    ids = office_ids(history)

    by_street = json_rows(history, "disp2", group_by="street", period="month")
    by_office = json_rows(history, "disp2", group_by="office", period="month")
    own = json_rows(history, "disp2", group_by="street", period="month", street_code=S2)
    other = get(history, "disp2", group_by="street", street_code=S1)

    # Street 310105002: 18–21 in February, 33–40 in March.
    assert [(row["key"], row["counts"]["reported"]) for row in by_street] == [(S2, 4), (S2, 8)]
    # L2's cases, and 35 and 40, never dispatched: no office.
    assert {row["key"] for row in by_office} == {ids[L2], None}
    assert own == by_street
    assert_problem(other, 404, "not-found")


def test_inspectors_and_anonymous_callers_read_no_reports(history: History) -> None:
    assert_problem(get(history, "ins1"), 403, "forbidden")
    assert_problem(get(history, "hotline"), 401, "unauthenticated")
    assert_problem(get(history, ""), 401, "unauthenticated")
    assert_problem(history.world.client.get("/reports/definitions"), 401, "unauthenticated")


def test_a_period_that_ends_before_it_starts_is_refused(history: History) -> None:
    response = get(history, "aud", **{"from": "2026-03-02", "to": "2026-03-01"})

    body = assert_problem(response, 422, "validation-error")
    assert [error["location"] for error in body["errors"]] == ["query.to"]


# ----------------------------------------------------------------------------- auditors

# Writes that are not changes to the data: logging in and out, and asking where a case would
# be routed ("files nothing"); evaluating is the auditor's own action (回访).
NOT_CHANGES = {
    "/auth/token",
    "/auth/logout",
    "/routing/explain",
    "/cases/{case_id}/actions/evaluate",
}
REASON = {"reason": "审计 / audit"}
# Bodies that pass validation, for the routes that validate the body before the caller's role.
BODIES: dict[str, Any] = {
    "/cases": report(),
    "/cases/{case_id}/actions/reject": {"reason": "out_of_scope"},
    "/cases/{case_id}/actions/return": REASON,
    "/cases/{case_id}/actions/request_extension": {"until": "2026-03-10T17:00:00+08:00"} | REASON,
    "/cases/{case_id}/actions/deny_extension": REASON,
    "/cases/{case_id}/actions/request_suspension": REASON,
    "/cases/{case_id}/actions/deny_suspension": REASON,
    "/cases/{case_id}/actions/report_handled": {"result": "审计 / audit"},
    "/cases/{case_id}/actions/verify": {"passed": True},
    "/cases/{case_id}/actions/rework": REASON,
    "/cases/{case_id}/actions/whistle": {"office_codes": [L1, CG]},
}
CASE_TABLES = (
    "grid_case",
    "case_event",
    "case_office",
    "case_photo",
    "case_summons",
    "case_overdue",
    "case_fact",
    "case_rollup",
    "case_rollup_month",
)


def snapshot(session: Session) -> dict[str, Any]:
    """A digest and the count of the rows of each case table: what a write would change."""
    digest = "md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')), count(*)"
    return {
        table: tuple(session.execute(text(f"SELECT {digest} FROM {table} t")).one())
        for table in CASE_TABLES
    }


def test_auditors_can_change_nothing_but_an_evaluation(world: World, session: Session) -> None:
    case_id = int(file_case(world)["case_id"])
    before = snapshot(session)
    paths = world.client.app.openapi()["paths"]  # type: ignore[attr-defined]
    writes = [
        (method, path)
        for path, operations in paths.items()
        for method in operations
        if method in ("post", "put", "patch", "delete") and path not in NOT_CHANGES
    ]

    answers = {}
    for method, path in writes:
        url = path.format(
            case_id=case_id,
            code="E0102",
            year=2026,
            fmt="json",
            user_id=1,
            webhook_id=1,
            delivery_id=1,
        )
        headers = {**world["aud"], "If-Match": etag(world, case_id)}
        if path.endswith("/photos"):
            files = [("files", ("a.jpg", image(), "image/jpeg"))]
            response = world.client.post(
                url, params={"step": "before"}, files=files, headers=headers
            )
        else:
            response = world.client.request(
                method.upper(), url, json=BODIES.get(path, {}), headers=headers
            )
        answers[method, path] = response.status_code

    assert len(writes) > 25
    assert {write: status for write, status in answers.items() if status != 403} == {}
    assert snapshot(session) == before


def test_an_auditors_report_reads_write_nothing(history: History) -> None:
    with history.sessions() as session:
        before = snapshot(session)

    for group_by in ("street", "district", "office", "inspector", "unit_grid"):
        for output in ("json", "csv", "xlsx"):
            assert get(history, "aud", group_by=group_by, format=output).status_code == 200
    assert get(history, "aud", group_by="street", format="geojson").status_code == 200
    assert history.world.client.get("/reports/definitions", headers=history.world["aud"]).is_success

    with history.sessions() as session:
        assert snapshot(session) == before
