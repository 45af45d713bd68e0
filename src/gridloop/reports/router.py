"""Routes of the reports: indicator definitions, indicator reports in four formats, scorecards
and Beijing's 三率."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from sqlalchemy.orm import Session, sessionmaker

from gridloop.auth.dependencies import CurrentUser, Now
from gridloop.cases.schemas import CasePage
from gridloop.db import SessionDep, session_factory
from gridloop.errors import Forbidden, InvalidInput, NotFound, Unauthorized, problems
from gridloop.geo.schemas import GEOJSON, wants_geojson
from gridloop.reports import exports, indicators, scorecards, service
from gridloop.reports.repository import GEOGRAPHIC_TABLES, Period, RowFilter
from gridloop.reports.schemas import (
    CountedCasesQuery,
    Definitions,
    IndicatorQuery,
    IndicatorReport,
    RowsQuery,
    ScorecardQuery,
    ScorecardRead,
    ThreeRatesQuery,
    ThreeRatesReport,
)
from gridloop.responses import model_response

router = APIRouter(prefix="/reports", tags=["reports"])

CSV = "text/csv; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/definitions", response_model=Definitions, responses=problems(Unauthorized))
def definitions(_user: CurrentUser) -> Definitions:
    """指标定义 / Every count and indicator: names, numerator, denominator, formula."""
    return Definitions.model_validate(
        {
            "counts": [{**count.__dict__, "expression": count.sql} for count in indicators.COUNTS],
            "indicators": [indicator.__dict__ for indicator in indicators.INDICATORS],
        }
    )


@router.get(
    "/indicators",
    response_model=IndicatorReport,
    responses={
        200: {
            "content": {
                CSV: {"schema": {"type": "string"}},
                XLSX: {"schema": {"type": "string", "format": "binary"}},
                GEOJSON: {"schema": {"type": "object"}},
            }
        },
        **problems(Unauthorized, Forbidden, NotFound, InvalidInput),
    },
)
def indicator_report(
    request: Request,
    query: Annotated[IndicatorQuery, Query()],
    user: CurrentUser,
    session: SessionDep,
    sessions: Annotated[sessionmaker[Session], Depends(session_factory)],
) -> Response:
    """考核指标报表 / Counts and indicators per group and period (day, week, month).

    Scope: dispatcher — own street; liaison — own office; auditor and admin — all. Formats:
    JSON, CSV, XLSX (both streamed) and GeoJSON for geographic groups, so a map can colour them.
    """
    report = _report_request(query, query.period)
    geojson = wants_geojson(query.format, request.headers.get("accept"))
    if geojson and query.group_by not in GEOGRAPHIC_TABLES:
        reason = (
            f"按 {query.group_by} 分组没有地图形状 / rows grouped by {query.group_by} have no "
            "shape: GeoJSON needs district, street, community, responsibility_grid or unit_grid"
        )
        raise InvalidInput(reason)
    # Scope and filters are checked now, so that a refusal is a problem, not a broken stream.
    scope = service.row_filter(session, user=user, request=report)
    if query.format == "csv":
        return _streamed(exports.csv_chunks, report, scope, sessions, CSV, "csv")
    if query.format == "xlsx":
        return _streamed(exports.xlsx_chunks, report, scope, sessions, XLSX, "xlsx")
    if query.compare and not geojson:
        rows = service.compared_report(session, request=report, rows=scope)
    else:
        rows = list(service.indicator_report(session, request=report, rows=scope))
    if geojson:
        return JSONResponse(
            service.feature_collection(session, group_by=query.group_by, rows=rows),
            media_type=GEOJSON,
        )
    body = IndicatorReport.model_validate(
        {
            "group_by": query.group_by,
            "period": query.period,
            "from": query.from_,
            "to": query.to,
            "rows": [row.__dict__ for row in rows],
        }
    )
    return JSONResponse(json.loads(body.model_dump_json(by_alias=True)))


@router.get(
    "/cases",
    response_model=CasePage,
    responses=problems(Unauthorized, Forbidden, NotFound, InvalidInput),
)
def counted_cases(
    query: Annotated[CountedCasesQuery, Query()], user: CurrentUser, session: SessionDep, at: Now
) -> Response:
    """统计明细 / The cases one count of one report row counts: those reported on the row's
    local days (`from`–`to`), in its group (`group_by`, `key`), counted by `count`; newest
    first, in keyset pages (`after`). Scope as for the indicator reports, and the caller's cases.
    """
    report = _report_request(query, Period.DAY)
    page = service.counted_cases(
        session,
        user=user,
        request=report,
        key=query.key,
        count=query.count,
        after=query.after,
        limit=query.limit,
        now=at,
    )
    return model_response(page)


@router.get(
    "/scorecards",
    response_model=ScorecardRead,
    responses=problems(Unauthorized, Forbidden, NotFound, InvalidInput),
)
def scorecard(
    query: Annotated[ScorecardQuery, Query()], user: CurrentUser, session: SessionDep
) -> ScorecardRead:
    """考核评分 / One card per office, department, street or inspector for a month.

    Each card: every part of the scheme (value 0..1, weight, points), the total (0..100) and the
    grade A–E; offices graded A by their department total but not by a street they served are
    capped at B (`vetoed_by`). Scope: dispatcher — subjects within their street, scored on its
    cases (streets: their own); liaison — their office's card; inspector — their own card;
    auditor and admin — all.
    """
    return scorecards.scorecard(
        session,
        user=user,
        request=scorecards.ScorecardRequest(
            subject=query.subject,
            month=query.month,
            scheme=query.scheme,
            street_code=query.street_code,
            office_code=query.office_code,
        ),
    )


@router.get(
    "/three-rates",
    response_model=ThreeRatesReport,
    responses=problems(Unauthorized, Forbidden, NotFound, InvalidInput),
)
def three_rates(
    query: Annotated[ThreeRatesQuery, Query()], user: CurrentUser, session: SessionDep
) -> ThreeRatesReport:
    """接诉即办三率 / Beijing's response, resolution and satisfaction rates per group and period,
    with their weighted composite (0..100). Scope as for the indicator reports."""
    return scorecards.three_rates(
        session,
        user=user,
        request=_report_request(query, query.period),
    )


def _report_request(query: RowsQuery | CountedCasesQuery, period: Period) -> service.ReportRequest:
    """The report a query asks for, by `period` (a count's cases are found by day)."""
    return service.ReportRequest(
        group_by=query.group_by,
        period=period,
        start=query.from_,
        end=query.to,
        street_code=query.street_code,
        office_code=query.office_code,
    )


def _streamed(
    chunks: exports.Writer,
    report: service.ReportRequest,
    scope: RowFilter,
    sessions: sessionmaker[Session],
    media_type: str,
    extension: str,
) -> StreamingResponse:
    def body() -> Iterator[bytes]:
        # The request's session is closed once the route returns: the stream reads in its own,
        # from the same factory as the request's.
        with sessions() as session:
            yield from chunks(service.indicator_report(session, request=report, rows=scope))

    filename = f"indicators-{report.group_by}-{report.start}-{report.end}.{extension}"
    return StreamingResponse(
        body(),
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
