"""Rules of the reports: who reads which rows, and the report rows with their names.

Reports are for the street centers (their street), the offices (their own rows), auditors and
admins (everything). Inspectors and intake clients read cases, not reports.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import islice
from typing import Any

from sqlalchemy.orm import Session

from gridloop.auth.models import Role, User
from gridloop.cases import reads as case_reads
from gridloop.cases.callers import caller_for_user
from gridloop.cases.models import Source
from gridloop.cases.repository import CaseFilter
from gridloop.cases.schemas import CasePage
from gridloop.errors import Forbidden, InvalidInput, NotFound, ProblemItem
from gridloop.reports import repository
from gridloop.reports.facts import COUNTERS
from gridloop.reports.indicators import COUNT_BY_CODE, COUNTS, INDICATORS
from gridloop.reports.repository import GroupBy, Period, RowFilter

REPORT_ROLES = frozenset({Role.DISPATCHER, Role.LIAISON, Role.AUDITOR, Role.ADMIN})

SOURCE_NAMES = {
    Source.INSPECTOR: "监督员上报",
    Source.HOTLINE_12345: "12345热线",
    Source.PUBLIC: "公众举报",
    Source.VIDEO: "视频监控",
    Source.SELF_FOUND: "部门自查",
}
# Rows are named in batches of this many, as they stream.
_NAMING_BATCH = 500


@dataclass(frozen=True)
class ReportRequest:
    group_by: GroupBy
    period: Period
    start: date
    end: date
    street_code: str | None = None
    office_code: str | None = None


@dataclass(frozen=True)
class ReportRow:
    key: str | None
    name: str
    period_start: date
    counts: dict[str, int | float]
    indicators: dict[str, float | None]
    # With `compare`: the group's indicators one period before (环比) and one year before (同比);
    # None when the group had no report then.
    previous: dict[str, float | None] | None = None
    year_before: dict[str, float | None] | None = None


def row_filter(session: Session, *, user: User, request: ReportRequest) -> RowFilter:
    """The rows `user` may read, narrowed by the request's filters.

    A dispatcher reads their street, a liaison their office: a filter outside that scope is a
    404, like a case outside it.
    """
    if Role(user.role) not in REPORT_ROLES:
        raise Forbidden(
            "报表供网格中心、处置单位、考核和管理人员使用 / Reports are for dispatchers, "
            "liaisons, auditors and admins"
        )
    if request.end < request.start:
        reason = "结束日期早于开始日期 / `to` is before `from`"
        raise InvalidInput(reason, errors=[ProblemItem(location="query.to", reason=reason)])
    street_code = request.street_code
    if user.role == Role.DISPATCHER:
        if street_code not in (None, user.street_code):
            raise NotFound(f"街道 {street_code} 不存在 / no such street")
        street_code = user.street_code
    office_id = None
    if request.office_code is not None:
        office_id = repository.office_id_of(session, code=request.office_code)
        if office_id is None or (user.role == Role.LIAISON and office_id != user.office_id):
            raise NotFound(f"单位 {request.office_code} 不存在 / no such office")
    if user.role == Role.LIAISON:
        office_id = user.office_id
    return RowFilter(
        start=request.start, end=request.end, street_code=street_code, office_id=office_id
    )


def indicator_report(
    session: Session, *, request: ReportRequest, rows: RowFilter
) -> Iterator[ReportRow]:
    """The report rows of the rollup rows `rows` (a caller's `row_filter`), by period then
    group, streamed."""
    found = repository.indicator_rows(
        session, group_by=request.group_by, period=request.period, rows=rows
    )
    while batch := list(islice(found, _NAMING_BATCH)):
        names = _names(session, request.group_by, [row.key for row in batch if row.key])
        for row in batch:
            values = row._mapping
            yield ReportRow(
                key=row.key,
                name=names.get(row.key, row.key) if row.key else "（无）/ (none)",
                period_start=row.period_start,
                counts={count.code: _number(values[count.code]) for count in COUNTS},
                indicators={
                    indicator.code: _ratio(values[indicator.code]) for indicator in INDICATORS
                },
            )


def compared_report(
    session: Session, *, request: ReportRequest, rows: RowFilter
) -> list[ReportRow]:
    """The report rows, each with its group's indicators one period before (环比) and in the same
    period a year before (同比), read from a second report over whole periods back to a year
    before the first."""
    report = list(indicator_report(session, request=request, rows=rows))
    first = period_start(request.period, rows.start)
    earlier = replace(rows, start=year_before(request.period, first))
    back = replace(request, start=earlier.start)
    past = {
        (row.key, row.period_start): row.indicators
        for row in indicator_report(session, request=back, rows=earlier)
    }
    return [
        replace(
            row,
            previous=past.get((row.key, period_before(request.period, row.period_start))),
            year_before=past.get((row.key, year_before(request.period, row.period_start))),
        )
        for row in report
    ]


def period_start(period: Period, day: date) -> date:
    """The first day of the period (weeks start on Monday) that `day` falls in."""
    if period is Period.MONTH:
        return day.replace(day=1)
    if period is Period.WEEK:
        return day - timedelta(days=day.weekday())
    return day


def period_before(period: Period, start: date) -> date:
    """The start of the period before the one starting on `start`."""
    if period is Period.MONTH:
        return (start - timedelta(days=1)).replace(day=1)
    return start - timedelta(days=7 if period is Period.WEEK else 1)


def year_before(period: Period, start: date) -> date:
    """The start of the same period a year before: the month, the 52nd week, the date."""
    if period is Period.WEEK:
        return start - timedelta(weeks=52)
    if start.month == 2 and start.day == 29:
        return start.replace(year=start.year - 1, day=28)
    return start.replace(year=start.year - 1)


_COUNTER_NAME = re.compile(r"\b[a-z_]+\b")


def counted_cases(
    session: Session,
    *,
    user: User,
    request: ReportRequest,
    key: str | None,
    count: str,
    after: int | None,
    limit: int,
    now: datetime,
) -> CasePage:
    """The cases a count of a report row counts (the row of `key` over the request's days),
    newest first, as the case list shows them; within the caller's reports and cases."""
    rows = row_filter(session, user=user, request=request)
    # The count's SQL over the counters of a case's facts `f`.
    expression = _COUNTER_NAME.sub(
        lambda name: f"f.{name[0]}" if name[0] in COUNTERS else name[0],
        COUNT_BY_CODE[count].sql,
    )
    ids = repository.counted_case_ids(
        session,
        group_by=request.group_by,
        key=key,
        count=expression,
        rows=rows,
        after=after,
        limit=limit + 1,
    )
    page = case_reads.case_list(
        session,
        caller=caller_for_user(session, user=user),
        where=CaseFilter(now=now, case_ids=ids[:limit]),
        offset=0,
        limit=limit,
        now=now,
    )
    return CasePage(items=page, next_after=ids[limit - 1] if len(ids) > limit else None)


def _names(session: Session, group_by: GroupBy, keys: list[str]) -> dict[str, str]:
    if group_by is GroupBy.SOURCE:
        return {source.value: name for source, name in SOURCE_NAMES.items()}
    return repository.group_names(session, group_by=group_by, keys=keys)


def _number(value: Any) -> int | float:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return int(value)


def _ratio(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def flat_columns() -> list[tuple[str, str]]:
    """The columns of a report as a table: (code, Chinese name) of the group, counts, indicators."""
    return [
        ("key", "编码"),
        ("name", "名称"),
        ("period_start", "统计周期"),
        *((count.code, count.name_zh) for count in COUNTS),
        *((indicator.code, indicator.name_zh) for indicator in INDICATORS),
    ]


def flat_values(row: ReportRow) -> list[Any]:
    """The cells of a report row in the order of `flat_columns`."""
    return [row.key, row.name, row.period_start, *row.counts.values(), *row.indicators.values()]


def feature_collection(
    session: Session, *, group_by: GroupBy, rows: list[ReportRow]
) -> dict[str, Any]:
    """The report as GeoJSON: one feature per row, the group's shape as its geometry."""
    shapes = repository.group_shapes(
        session, group_by=group_by, keys=sorted({row.key for row in rows if row.key})
    )
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": f"{row.key}/{row.period_start}",
                "geometry": shapes.get(row.key) if row.key else None,
                "properties": {
                    "key": row.key,
                    "name": row.name,
                    "period_start": row.period_start.isoformat(),
                    **row.counts,
                    **row.indicators,
                },
            }
            for row in rows
        ],
    }
