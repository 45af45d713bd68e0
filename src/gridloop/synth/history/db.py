"""`gridloop seed history`, the database side: what the histories are written for, the COPY
into the tables, and the finish (identity sequences, statistics). The command line then asks the
reports to recompute their rollups, in the same transaction.

Everything happens in the caller's transaction, with `session_replication_role = replica`: no
foreign key checks and no triggers (the event-immutability trigger, the reports' rollup
trigger), so the rows are right by construction (`plan.py`, `walk.py`); CHECK constraints and unique
indexes still hold. Rows get explicit ids from max(id) + 1; the sequences follow at the end.
Python generates the next chunk while a writer thread COPYs the previous one, so generation and
PostgreSQL's parsing overlap on two cores.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import psycopg
from sqlalchemy import text
from sqlalchemy.orm import Session

from gridloop.auth import service as auth_service
from gridloop.auth.models import IntakeSource
from gridloop.errors import Conflict
from gridloop.org.models import GRID_CENTER
from gridloop.synth.history import plan as history_plan
from gridloop.synth.history.model import (
    COLUMNS,
    POINTS_PER_GRID,
    TABLES,
    Chunk,
    FirstIds,
    Grid,
    Item,
    Point,
    World,
)
from gridloop.synth.history.plan import Plan

SEED_KEY_NAMES = {
    IntakeSource.HOTLINE_12345: "history-seed-hotline",
    IntakeSource.PUBLIC_APP: "history-seed-public",
}
_UNIT_SECONDS = {
    "working_hours": 3600,
    "natural_hours": 3600,
    "working_days": 86400,
    "natural_days": 86400,
}
# Chunks generated ahead of the COPY: enough to keep both sides busy, little memory.
_QUEUE_CHUNKS = 2

_POINTS_SQL = """
SELECT u.code, ST_X(d.geom) AS lon, ST_Y(d.geom) AS lat, encode(ST_AsEWKB(d.geom), 'hex') AS ewkb,
       coalesce(
           (SELECT r.code FROM responsibility_grid r
            WHERE ST_Covers(r.geom, d.geom) ORDER BY r.code LIMIT 1),
           u.responsibility_grid_code
       ) AS responsibility_grid_code
FROM unit_grid u
CROSS JOIN LATERAL ST_Dump(ST_GeneratePoints(u.geom, :points, :seed)) d
ORDER BY u.code, d.path
"""

# The lead office of each unit grid and department type: the office of that type whose
# jurisdiction covers a point of the grid; else the street's grid center (属地兜底); else any
# office there; else the first office of all.
_LEAD_OFFICES_SQL = f"""
WITH g AS (SELECT code, street_code, ST_PointOnSurface(geom) AS p FROM unit_grid),
t AS (SELECT DISTINCT default_department_type AS department_type FROM catalog_item)
SELECT g.code, t.department_type, coalesce(
    (SELECT o.office_id FROM office o
     WHERE o.department_type = t.department_type AND ST_Covers(o.jurisdiction, g.p)
     ORDER BY o.office_id LIMIT 1),
    (SELECT o.office_id FROM office o
     WHERE o.department_type = '{GRID_CENTER}' AND o.street_code = g.street_code
     ORDER BY o.office_id LIMIT 1),
    (SELECT o.office_id FROM office o WHERE ST_Covers(o.jurisdiction, g.p)
     ORDER BY o.office_id LIMIT 1),
    (SELECT min(office_id) FROM office)
) AS office_id
FROM g CROSS JOIN t
"""

_COVERING_OFFICES_SQL = """
WITH g AS (SELECT code, ST_PointOnSurface(geom) AS p FROM unit_grid)
SELECT g.code, array_agg(o.office_id ORDER BY o.office_id) AS offices
FROM g JOIN office o ON ST_Covers(o.jurisdiction, g.p)
GROUP BY g.code
"""


class HistoryNotPossible(Conflict):
    """The database lacks what histories need (a map, a catalog, offices, people)."""


@dataclass
class HistoryResult:
    cases: int = 0
    events: int = 0
    overdue: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def add(self, chunk: Chunk) -> None:
        self.cases += chunk.cases
        self.events += chunk.events
        self.overdue += chunk.overdue
        for status, count in chunk.statuses.items():
            self.statuses[status] = self.statuses.get(status, 0) + count


# ----------------------------------------------------------------------------- the world


def load_world(session: Session, *, seed: int) -> World:
    """The map, catalog, offices and people of the database, as the generator wants them."""
    items = tuple(_items(session))
    if not items:
        raise HistoryNotPossible("管理条目为空，请先导入 / the catalog is empty: run `seed demo`")
    rows = (
        session.execute(
            text(
                "SELECT u.code, u.community_code, u.street_code, s.district_code FROM unit_grid u "
                "JOIN street s ON s.code = u.street_code ORDER BY u.code"
            )
        )
        .tuples()
        .all()
    )
    if not rows:
        raise HistoryNotPossible("没有单元网格 / there are no unit grids: run `seed demo`")
    points = _points(session, seed=seed)
    auditor = session.scalar(
        text("SELECT min(user_id) FROM app_user WHERE role = 'auditor' AND is_active")
    )
    if auditor is None:
        raise HistoryNotPossible("没有考核员 / there is no auditor user for follow-up visits")
    leads = _lead_offices(session)
    return World(
        grids=_grids(session, rows, points, leads),
        items=items,
        office_codes=dict(
            session.execute(text("SELECT office_id, code FROM office")).tuples().all()
        ),
        liaisons=_min_user_by(
            session,
            "SELECT office_id, min(user_id) FROM app_user "
            "WHERE role = 'liaison' AND is_active GROUP BY 1",
        ),
        auditor_id=auditor,
        hotline_key_id=_intake_key(session, IntakeSource.HOTLINE_12345),
        public_key_id=_intake_key(session, IntakeSource.PUBLIC_APP),
    )


def _grids(
    session: Session,
    rows: Sequence[tuple[str, str, str, str]],
    points: dict[str, list[Point]],
    leads: dict[str, dict[str, int]],
) -> tuple[Grid, ...]:
    """The unit grids of `rows` with their points, offices and the dispatcher of their street."""
    covering: dict[str, list[int]] = {
        code: list(offices) for code, offices in session.execute(text(_COVERING_OFFICES_SQL))
    }
    dispatchers = _min_user_by(
        session,
        "SELECT street_code, min(user_id) FROM app_user "
        "WHERE role = 'dispatcher' AND is_active GROUP BY 1",
    )
    return tuple(
        Grid(
            code=code,
            community_code=community_code,
            street_code=street_code,
            district_code=district_code,
            points=tuple(points[code]),
            lead_office=leads[code],
            offices=tuple(covering.get(code, ())),
            dispatcher_id=dispatchers.get(street_code),
        )
        for code, community_code, street_code, district_code in rows
    )


def _points(session: Session, *, seed: int) -> dict[str, list[Point]]:
    """Random points of each unit grid, each with the inspector patrolling it."""
    inspectors = _min_user_by(
        session,
        "SELECT g.responsibility_grid_code, min(u.user_id) FROM responsibility_grid_inspector g "
        "JOIN app_user u ON u.user_id = g.user_id WHERE u.role = 'inspector' AND u.is_active "
        "GROUP BY 1",
    )
    if not inspectors:
        raise HistoryNotPossible(
            "没有负责网格的监督员 / no inspector patrols any responsibility grid: "
            "run `seed demo` or create inspectors"
        )
    points: dict[str, list[Point]] = {}
    for row in session.execute(
        text(_POINTS_SQL), {"points": POINTS_PER_GRID, "seed": max(1, seed)}
    ):
        points.setdefault(row.code, []).append(
            Point(
                lon=row.lon,
                lat=row.lat,
                ewkb=row.ewkb,
                responsibility_grid_code=row.responsibility_grid_code,
                inspector_id=inspectors.get(row.responsibility_grid_code),
            )
        )
    return points


def _lead_offices(session: Session) -> dict[str, dict[str, int]]:
    """The lead office of each unit grid and department type."""
    leads: dict[str, dict[str, int]] = {}
    for code, department_type, office_id in session.execute(text(_LEAD_OFFICES_SQL)):
        if office_id is None:
            raise HistoryNotPossible("没有派出机构 / there are no offices: run `seed demo`")
        leads.setdefault(code, {})[department_type] = office_id
    return leads


def _items(session: Session) -> list[Item]:
    def seconds(value: Decimal, unit: str) -> int:
        return max(60, int(value * _UNIT_SECONDS[unit]))

    rows = session.execute(
        text(
            "SELECT code, name, tier, default_department_type, "
            "register_limit_value, register_limit_unit, dispatch_limit_value, dispatch_limit_unit, "
            "handle_limit_value, handle_limit_unit, verify_limit_value, verify_limit_unit "
            "FROM catalog_item WHERE retired_at IS NULL ORDER BY code"
        )
    )
    return [
        Item(
            code=row.code,
            name=row.name,
            tier=row.tier,
            department_type=row.default_department_type,
            register=seconds(row.register_limit_value, row.register_limit_unit),
            dispatch=seconds(row.dispatch_limit_value, row.dispatch_limit_unit),
            handle=seconds(row.handle_limit_value, row.handle_limit_unit),
            verify=seconds(row.verify_limit_value, row.verify_limit_unit),
        )
        for row in rows
    ]


def _min_user_by(session: Session, sql: str) -> dict[Any, int]:
    return dict(session.execute(text(sql)).tuples().all())


def _intake_key(session: Session, source: IntakeSource) -> int:
    """An intake client of this source (a live one first); one is created if there is none."""
    sql = (
        "SELECT api_key_id FROM api_key WHERE source = :source "
        "ORDER BY revoked_at IS NOT NULL, api_key_id LIMIT 1"
    )
    key_id = session.scalar(text(sql), {"source": source.value})
    if key_id is None:
        auth_service.create_api_key(session, name=SEED_KEY_NAMES[source], source=source)
        key_id = session.scalar(text(sql), {"source": source.value})
    assert key_id is not None
    return int(key_id)


# ----------------------------------------------------------------------------- writing

_KEYS = {
    "grid_case": "case_id",
    "case_event": "case_event_id",
    "case_office": "case_office_id",
    "case_suspension": "case_suspension_id",
}


def seed_history(
    session: Session, *, plan: Plan, on_chunk: Callable[[Chunk], None] | None = None
) -> HistoryResult:
    """Write the histories of `plan` in the session's transaction; what was written."""
    began = time.perf_counter()
    world = load_world(session, seed=plan.seed)
    connection = session.connection()
    connection.execute(text("SET LOCAL synchronous_commit = off"))
    try:
        connection.execute(text("SET LOCAL session_replication_role = replica"))
    except Exception as exc:  # psycopg's InsufficientPrivilege, wrapped by SQLAlchemy
        raise HistoryNotPossible(
            "须以超级用户运行 / loading histories needs a superuser connection "
            "(session_replication_role)"
        ) from exc
    connection.execute(text(f"LOCK TABLE {', '.join(TABLES)} IN SHARE ROW EXCLUSIVE MODE"))
    first = FirstIds(
        **{
            name: int(
                connection.execute(
                    text(f"SELECT coalesce(max({_KEYS[table]}), 0) + 1 FROM {table}")
                ).scalar_one()
            )
            for name, table in (
                ("case", "grid_case"),
                ("event", "case_event"),
                ("office", "case_office"),
                ("suspension", "case_suspension"),
            )
        }
    )
    driver = connection.connection.driver_connection
    assert isinstance(driver, psycopg.Connection)
    result = HistoryResult()
    _copy_all(driver, history_plan.generate(world, plan, first), result, on_chunk)
    for table, key in _KEYS.items():
        connection.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', '{key}'), max({key})) "
                f"FROM {table} HAVING max({key}) IS NOT NULL"
            )
        )
    # Statistics for what follows in the transaction: the rollup rebuild joins the cases,
    # events and offices just written.
    connection.execute(text(f"ANALYZE {', '.join(TABLES)}"))
    result.seconds = time.perf_counter() - began
    return result


def _copy_all(
    driver: psycopg.Connection[Any],
    chunks: Any,
    result: HistoryResult,
    on_chunk: Callable[[Chunk], None] | None,
) -> None:
    """COPY chunk after chunk in a thread while the caller's thread generates the next."""
    pending: queue.Queue[Chunk | None] = queue.Queue(maxsize=_QUEUE_CHUNKS)
    failure: list[BaseException] = []

    def write() -> None:
        try:
            while (chunk := pending.get()) is not None:
                _copy_chunk(driver, chunk)
                result.add(chunk)
                if on_chunk is not None:
                    on_chunk(chunk)
        except BaseException as exc:  # handed to the generating thread, which re-raises it
            failure.append(exc)
            while pending.get() is not None:  # let the generator finish putting
                pass

    writer = threading.Thread(target=write, name="gridloop-history-copy", daemon=True)
    writer.start()
    try:
        for chunk in chunks:
            if failure:
                break
            pending.put(chunk)
    finally:
        pending.put(None)
        writer.join()
    if failure:
        raise failure[0]


def _copy_chunk(driver: psycopg.Connection[Any], chunk: Chunk) -> None:
    with driver.cursor() as cursor:
        for table in TABLES:
            rows = chunk.rows[table]
            if not rows:
                continue
            data = "".join(rows).encode()
            with cursor.copy(f"COPY {table} ({', '.join(COLUMNS[table])}) FROM STDIN") as copy:
                copy.write(data)
