"""Queries of the reports: indicator rows from the rollups, the names and shapes of groups.

`indicator_rows` is one SQL statement: the rollup rows of one kind are summed per group and
period, the counts of `indicators.COUNTS` computed from the sums, then the indicators from the
counts. A report by month reads the months its range covers whole from the monthly rollups and
only the days at its edges from the daily ones. Nothing else reads the rollups.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from sqlalchemy import Row, Text, bindparam, cast, select, text
from sqlalchemy.orm import Session

from gridloop.auth.models import ResponsibilityGridInspector
from gridloop.db import Base
from gridloop.geo import geojson
from gridloop.reports import facts
from gridloop.reports.indicators import COUNTS, INDICATORS
from gridloop.reports.models import COUNTERS, GroupKind


class GroupBy(StrEnum):
    """What report rows are grouped by: a rollup kind, or a coarser group read from one."""

    DISTRICT = "district"
    STREET = GroupKind.STREET.value
    COMMUNITY = GroupKind.COMMUNITY.value
    RESPONSIBILITY_GRID = GroupKind.RESPONSIBILITY_GRID.value
    UNIT_GRID = GroupKind.UNIT_GRID.value
    OFFICE = GroupKind.OFFICE.value
    DEPARTMENT = "department"
    ITEM_CLASS = "item_class"
    ITEM = GroupKind.ITEM.value
    SOURCE = GroupKind.SOURCE.value
    INSPECTOR = GroupKind.INSPECTOR.value

    @property
    def kind(self) -> GroupKind:
        """The rollup rows the groups are summed from."""
        return _DERIVED[self][0] if self in _DERIVED else GroupKind(self.value)

    @property
    def key_sql(self) -> str:
        """The group of a rollup row `r` (joined to its office `o`)."""
        return _DERIVED[self][1] if self in _DERIVED else "r.key"


# Groups read from finer rollup rows: the district from its streets (codes nest), the item
# class from items (its code is the item code's first three characters), the department from
# offices as they belong now (an office moved to another department takes its cases along).
_DERIVED: dict[GroupBy, tuple[GroupKind, str]] = {
    GroupBy.DISTRICT: (GroupKind.STREET, "left(r.key, 6)"),
    GroupBy.ITEM_CLASS: (GroupKind.ITEM, "left(r.key, 3)"),
    GroupBy.DEPARTMENT: (GroupKind.OFFICE, "o.department_id::text"),
}


class Period(StrEnum):
    DAY = "day"
    WEEK = "week"  # weeks start on Monday
    MONTH = "month"


# The geographic groups, with their table: a map can colour them.
GEOGRAPHIC_TABLES = {
    GroupBy.DISTRICT: "district",
    GroupBy.STREET: "street",
    GroupBy.COMMUNITY: "community",
    GroupBy.RESPONSIBILITY_GRID: "responsibility_grid",
    GroupBy.UNIT_GRID: "unit_grid",
}


@dataclass(frozen=True)
class RowFilter:
    """Which rollup rows a report reads: the caller's scope and the filters asked for."""

    start: date
    end: date  # inclusive
    street_code: str | None = None
    office_id: int | None = None


def months_covered(period: Period, rows: RowFilter) -> tuple[date, date] | None:
    """The first and the last day of the calendar months a monthly report reads from the monthly
    rollups: those its range covers whole (the days at either edge come from the daily rows)."""
    if period is not Period.MONTH:
        return None
    # Months counted from year 0, so that no date past the range is ever built.
    first = rows.start.year * 12 + rows.start.month - 1 + (rows.start.day != 1)
    last = rows.end.year * 12 + rows.end.month - 1 - (rows.end.day != _days_in(rows.end))
    if first > last:
        return None
    last_year, last_month = divmod(last, 12)
    last_day = date(last_year, last_month + 1, 1)
    return date(first // 12, first % 12 + 1, 1), last_day.replace(day=_days_in(last_day))


def _days_in(day: date) -> int:
    return calendar.monthrange(day.year, day.month)[1]


def indicator_sql(
    group_by: GroupBy,
    period: Period,
    rows: RowFilter,
    *,
    regroup: bool = False,
    per_street: bool = False,
    facts: str | None = None,
) -> str:
    """The report's SQL. `facts` is a relation in the shape of the daily rollups to sum instead
    of the rollups: the benchmark's baseline passes the per-case view."""
    scope = ""
    if rows.street_code is not None:
        scope += " AND street_code = :street_code"
    if rows.office_id is not None:
        scope += " AND office_id = :office_id"
    columns = f"kind, key, street_code, office_id, {', '.join(COUNTERS)}"
    days = "day BETWEEN :start AND :end"
    if facts is None and months_covered(period, rows) is not None:
        summed = (
            f"SELECT {columns}, month AS day FROM case_rollup_month"
            f" WHERE kind = :kind AND month BETWEEN :months_start AND :months_end{scope}"
            f" UNION ALL SELECT {columns}, day FROM case_rollup WHERE kind = :kind AND {days}"
            f" AND day NOT BETWEEN :months_start AND :months_end{scope}"
        )
    else:
        relation = facts or "case_rollup"
        summed = f"SELECT {columns}, day FROM {relation} AS d WHERE kind = :kind AND {days}{scope}"
    group = group_by.key_sql
    source = f"({summed}) AS r"
    if group_by is GroupBy.DEPARTMENT:
        source += " LEFT JOIN office AS o ON o.office_id = r.office_id"
    if regroup:
        group = "g.report_key"
        source += (
            " JOIN unnest(CAST(:rollup_keys AS text[]), CAST(:report_keys AS text[]))"
            " AS g (rollup_key, report_key) ON g.rollup_key = r.key"
        )
    street = "r.street_code" if per_street else "NULL::text"
    sums = ", ".join(f"sum(r.{name}) AS {name}" for name in COUNTERS)
    counts = ", ".join(f"{count.sql} AS {count.code}" for count in COUNTS)
    indicators = ", ".join(f"{indicator.sql} AS {indicator.code}" for indicator in INDICATORS)
    return f"""
WITH sums AS (
    SELECT {group} AS key, {street} AS street_code,
        date_trunc('{period.value}', r.day)::date AS period_start, {sums}
    FROM {source}
    GROUP BY 1, 2, 3
    HAVING sum(r.reported) > 0
), counts AS (
    SELECT key, street_code, period_start, {counts} FROM sums
)
SELECT key, street_code, period_start, {", ".join(count.code for count in COUNTS)}, {indicators}
FROM counts
ORDER BY period_start, street_code, key NULLS LAST
"""


def indicator_rows(
    session: Session,
    *,
    group_by: GroupBy,
    period: Period,
    rows: RowFilter,
    regroup: Sequence[tuple[str, str]] | None = None,
    per_street: bool = False,
) -> Iterator[Row[Any]]:
    """The report rows in order of period and group, streamed from a server-side cursor.

    `regroup` gives (rollup key, report key) pairs: the rollup rows of each key are summed into
    its report keys (a grid's rows into each inspector of the grid), other keys are left out.
    `per_street` splits each group by the street of its cases (`street_code` of the rows, null
    otherwise).
    """
    statement = text(
        indicator_sql(group_by, period, rows, regroup=regroup is not None, per_street=per_street)
    )
    result = session.execute(
        statement,
        indicator_parameters(group_by, period, rows, regroup),
        execution_options={"yield_per": 2000, "stream_results": True},
    )
    yield from result


def indicator_parameters(
    group_by: GroupBy,
    period: Period,
    rows: RowFilter,
    regroup: Sequence[tuple[str, str]] | None = None,
) -> dict[str, Any]:
    """The bound values of `indicator_sql`."""
    months_start, months_end = months_covered(period, rows) or (None, None)
    return {
        "kind": group_by.kind.value,
        "start": rows.start,
        "end": rows.end,
        "months_start": months_start,
        "months_end": months_end,
        "street_code": rows.street_code,
        "office_id": rows.office_id,
        "rollup_keys": [rollup_key for rollup_key, _ in regroup or ()],
        "report_keys": [report_key for _, report_key in regroup or ()],
    }


# The name of each group, by group kind: (key, name) pairs of the keys asked for.
_NAMES: dict[GroupBy, str] = {
    GroupBy.DISTRICT: "SELECT code, name FROM district WHERE code IN :keys",
    GroupBy.STREET: "SELECT code, name FROM street WHERE code IN :keys",
    GroupBy.COMMUNITY: "SELECT code, name FROM community WHERE code IN :keys",
    GroupBy.RESPONSIBILITY_GRID: "SELECT code, name FROM responsibility_grid WHERE code IN :keys",
    GroupBy.UNIT_GRID: "SELECT code, code FROM unit_grid WHERE code IN :keys",
    GroupBy.OFFICE: "SELECT office_id::text, name FROM office WHERE office_id::text IN :keys",
    GroupBy.DEPARTMENT: (
        "SELECT department_id::text, name FROM department WHERE department_id::text IN :keys"
    ),
    GroupBy.ITEM_CLASS: (
        "SELECT left(upper(kind), 1) || code, name FROM catalog_big_class "
        "WHERE left(upper(kind), 1) || code IN :keys"
    ),
    GroupBy.ITEM: "SELECT code, name FROM catalog_item WHERE code IN :keys",
    GroupBy.INSPECTOR: (
        "SELECT user_id::text, display_name FROM app_user WHERE user_id::text IN :keys"
    ),
}


def group_names(session: Session, *, group_by: GroupBy, keys: Sequence[str]) -> dict[str, str]:
    """The display names of the groups `keys` of a kind (sources are named by the caller)."""
    sql = _NAMES.get(group_by)
    if sql is None or not keys:
        return {}
    statement = text(sql).bindparams(bindparam("keys", expanding=True))
    return {row[0]: row[1] for row in session.execute(statement, {"keys": list(keys)})}


def group_shapes(session: Session, *, group_by: GroupBy, keys: Sequence[str]) -> dict[str, Any]:
    """The GeoJSON geometry of each geographic group (WGS-84)."""
    if not keys:
        return {}
    table = Base.metadata.tables[GEOGRAPHIC_TABLES[group_by]]
    statement = select(table.c.code, geojson.as_geojson(table.c.geom)).where(
        table.c.code.in_(list(keys))
    )
    return {code: geojson.parse_optional(shape) for code, shape in session.execute(statement)}


# The group of a case's facts `f` (joined to its office `o`), as `GroupBy.key_sql` names the group
# of a rollup row: the cases a report row counts are those whose facts fall in its group.
_FACT_KEYS: dict[GroupBy, str] = {
    GroupBy.DISTRICT: "left(f.street_code, 6)",
    GroupBy.STREET: "f.street_code",
    GroupBy.COMMUNITY: "f.community_code",
    GroupBy.RESPONSIBILITY_GRID: "f.responsibility_grid_code",
    GroupBy.UNIT_GRID: "f.unit_grid_code",
    GroupBy.OFFICE: "f.office_id::text",
    GroupBy.DEPARTMENT: "o.department_id::text",
    GroupBy.ITEM_CLASS: "left(f.item_code, 3)",
    GroupBy.ITEM: "f.item_code",
    GroupBy.SOURCE: "f.source",
    GroupBy.INSPECTOR: "f.inspector_user_id::text",
}


def counted_case_ids(
    session: Session,
    *,
    group_by: GroupBy,
    key: str | None,
    count: str,
    rows: RowFilter,
    after: int | None,
    limit: int,
) -> list[int]:
    """The ids of the cases, newest first, that the count `count` (its SQL over the counters of
    `indicators.COUNTS`) of a report row counts: reported on a local day of `rows`, in the
    group `key` (None: the cases without one), within the caller's rows."""
    group = _FACT_KEYS[group_by]
    conditions = [
        "f.day BETWEEN :start AND :end",
        f"({count}) > 0",
        f"{group} IS NULL" if key is None else f"{group} = :key",
    ]
    if rows.street_code is not None:
        conditions.append("f.street_code = :street_code")
    if rows.office_id is not None:
        conditions.append("f.office_id = :office_id")
    if after is not None:
        conditions.append("f.case_id < :after")
    joined = " LEFT JOIN office AS o ON o.office_id = f.office_id" if "o." in group else ""
    statement = text(
        f"SELECT f.case_id FROM case_fact AS f{joined} WHERE {' AND '.join(conditions)}"
        " ORDER BY f.case_id DESC LIMIT :limit"
    )
    parameters = {
        "start": rows.start,
        "end": rows.end,
        "key": key,
        "street_code": rows.street_code,
        "office_id": rows.office_id,
        "after": after,
        "limit": limit,
    }
    return [int(case_id) for case_id in session.scalars(statement, parameters)]


def office_id_of(session: Session, *, code: str) -> int | None:
    office_id = session.scalar(
        text("SELECT office_id FROM office WHERE code = :code"), {"code": code}
    )
    return None if office_id is None else int(office_id)


def inspector_grids(session: Session) -> list[tuple[str, str]]:
    """(responsibility grid code, inspector user id) of every inspector's grids, as rollup keys."""
    statement = select(
        ResponsibilityGridInspector.responsibility_grid_code,
        cast(ResponsibilityGridInspector.user_id, Text),
    ).order_by(
        ResponsibilityGridInspector.user_id, ResponsibilityGridInspector.responsibility_grid_code
    )
    return [(grid_code, user_id) for grid_code, user_id in session.execute(statement)]


def report_zone(session: Session) -> str:
    """The zone of the local days the rollups count cases on."""
    return str(session.scalar(text("SELECT gridloop_report_zone()")))


def rebuild_rollups(session: Session, *, zone: str) -> int:
    """Recompute every case's facts and the rollups from the events, with the local days in
    `zone` from now on, and their statistics; the number of cases."""
    # Events wait from here: none is counted in the old zone after the rebuild has begun.
    session.execute(text("LOCK TABLE case_event IN SHARE MODE"))
    session.execute(text(facts.zone_function_sql(zone)))
    cases = int(session.scalar(text("SELECT gridloop_rebuild_rollups()")) or 0)
    session.execute(text("ANALYZE case_fact, case_rollup, case_rollup_month"))
    return cases
