"""The plain FastAPI peer that `peer.py` times gridloop against: the same SQL, token check and
JSON, with a psycopg pool, sync routes and nothing else (no ORM, middleware or schemas).

Served by `uvicorn peer_app:app --app-dir bench`; the database is GRIDLOOP_DATABASE_URL.
"""

from __future__ import annotations

import hashlib
import os
import re
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import FastAPI, Header, HTTPException, Query
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool
from sqlalchemy.engine import make_url

from gridloop.geo.repository import LOCATE_SQL

_url = make_url(os.environ["GRIDLOOP_DATABASE_URL"]).set(drivername="postgresql")
pool = ConnectionPool(
    _url.render_as_string(hide_password=False),
    min_size=4,
    max_size=4,
    kwargs={"options": "-c jit=off -c timezone=Asia/Shanghai"},
)
app = FastAPI()

USER_SQL = (
    "SELECT u.user_id, u.role FROM app_user u JOIN access_token t ON t.user_id = u.user_id "
    "WHERE t.token_hash = %s AND t.revoked_at IS NULL AND t.expires_at > %s AND u.is_active"
)
LOCATE = re.sub(r"(?<![:\w]):(\w+)", r"%(\1)s", str(LOCATE_SQL))
CASE = (
    "SELECT case_id, status, item_code, tier, source, description, address, attributes, "
    "ST_X(geom) AS lon, ST_Y(geom) AS lat, input_lon, input_lat, input_crs, district_code, "
    "street_code, community_code, unit_grid_code, responsibility_grid_code, reported_at, "
    "registered_at, dispatched_at, accepted_at, handled_at, closed_at, register_due_at, "
    "dispatch_due_at, handle_due_at, verify_due_at, close_due_at, running_due_at, "
    "pending_request, requested_due_at, verification, rework_count, rejection_reason, "
    "duplicate_of_case_id AS duplicate_of, satisfaction, version FROM grid_case"
)
OFFICES = (
    "SELECT co.case_id, o.code AS office_code, o.name AS office_name, co.role, co.assigned_at, "
    "co.arrived_at FROM case_office co JOIN office o ON o.office_id = co.office_id "
    "WHERE co.case_id = ANY(%s) AND co.released_at IS NULL ORDER BY 1, co.role DESC, o.code"
)


def check_token(cur: Any, authorization: str | None) -> None:
    token = (authorization or "").removeprefix("Bearer ")
    digest = hashlib.sha256(token.encode()).hexdigest()
    if cur.execute(USER_SQL, (digest, datetime.now(UTC))).fetchone() is None:
        raise HTTPException(401)


def cases_json(cur: Any, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    offices: dict[int, list[dict[str, Any]]] = {row["case_id"]: [] for row in rows}
    for office in cur.execute(OFFICES, (list(offices),)).fetchall():
        offices[office.pop("case_id")].append(office)
    now = datetime.now(UTC)
    for row in rows:
        row["point"] = {"lon": row.pop("lon"), "lat": row.pop("lat")}
        row["input"] = {k: row.pop(f"input_{k}") for k in ("lon", "lat", "crs")}
        row["overdue"] = row["running_due_at"] is not None and row["running_due_at"] < now
        row["offices"] = offices[row["case_id"]]
    return rows


Auth = Annotated[str | None, Header()]


@app.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/geo/locate")
def locate(lon: float, lat: float, crs: str, authorization: Auth = None) -> dict[str, Any]:
    with pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
        check_token(cur, authorization)
        row = cur.execute(LOCATE, {"lon": lon, "lat": lat}).fetchone()
    if row is None:
        raise HTTPException(422)
    area = {k: {"code": row[f"{k}_code"], "name": row[f"{k}_name"]} for k in ("district", "street")}
    return {
        "point": {"lon": lon, "lat": lat},
        "input": {"lon": lon, "lat": lat, "crs": crs},
        **area,
        "community": {"code": row["community_code"], "name": row["community_name"]},
        "unit_grid_code": row["unit_grid_code"],
        "responsibility_grid": None
        if row["responsibility_grid_code"] is None
        else {"code": row["responsibility_grid_code"], "name": row["responsibility_grid_name"]},
    }


@app.get("/cases/{case_id}")
def read_case(case_id: int, authorization: Auth = None) -> dict[str, Any]:
    with pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
        check_token(cur, authorization)
        rows = cur.execute(CASE + " WHERE case_id = %s", (case_id,)).fetchall()
        if not rows:
            raise HTTPException(404)
        return cases_json(cur, rows)[0]


@app.get("/cases")
def list_cases(limit: Annotated[int, Query()] = 50, authorization: Auth = None) -> dict[str, Any]:
    with pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
        check_token(cur, authorization)
        rows = cur.execute(CASE + " ORDER BY case_id DESC LIMIT %s", (limit + 1,)).fetchall()
        items = cases_json(cur, rows[:limit])
    return {"items": items, "next_after": items[-1]["case_id"] if len(rows) > limit else None}
