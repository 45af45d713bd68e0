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

from fastapi import FastAPI, Header, HTTPException, Query, Response
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool
from sqlalchemy.engine import make_url

from gridloop.geo.layers import Layer
from gridloop.geo.repository import LOCATE_SQL
from gridloop.geo.tiles import TILE_LAYERS
from gridloop.geo.tiles_repository import BUFFER, EXTENT, tile_sql

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


def _psycopg(sql: str) -> str:
    """A statement with `:name` parameters as psycopg's `%(name)s`."""
    return re.sub(r"(?<![:\w]):(\w+)", r"%(\1)s", sql)


LOCATE = _psycopg(str(LOCATE_SQL))
# Each layer's tile statement with and without its labels, as gridloop sends them.
TILES = {
    (layer, labels): _psycopg(tile_sql(spec.table, spec.columns, labels=labels))
    for layer, spec in TILE_LAYERS.items()
    for labels in (False, True)
}
# gridloop's statements for the auditor (who sees every case), as it sends them.
OFFICES = (
    "(SELECT json_agg(json_build_object('office_code', office.code, 'office_name', office.name, "
    "'role', case_office.role, 'assigned_at', case_office.assigned_at, 'arrived_at', "
    "case_office.arrived_at) ORDER BY case_office.role DESC, office.code) AS json_agg_1 "
    "FROM case_office JOIN office ON office.office_id = case_office.office_id "
    "WHERE case_office.case_id = grid_case.case_id AND case_office.released_at IS NULL) "
    "AS offices"
)
CASE_COLUMNS = (
    "grid_case.case_id, grid_case.district_code, grid_case.street_code, "
    "grid_case.community_code, grid_case.unit_grid_code, grid_case.responsibility_grid_code, "
    "grid_case.status, grid_case.item_code, grid_case.tier, grid_case.source, "
    "grid_case.description, grid_case.address, grid_case.attributes, grid_case.input_lon, "
    "grid_case.input_lat, grid_case.input_crs, grid_case.reported_by_user_id, "
    "grid_case.reported_by_api_key_id, grid_case.reported_at, grid_case.registered_at, "
    "grid_case.dispatched_at, grid_case.accepted_at, grid_case.handled_at, grid_case.closed_at, "
    "grid_case.register_due_at, grid_case.dispatch_due_at, grid_case.handle_due_at, "
    "grid_case.verify_due_at, grid_case.close_due_at, grid_case.running_due_at, "
    "grid_case.pending_request, grid_case.requested_due_at, grid_case.verification, "
    "grid_case.rework_count, grid_case.rejection_reason, grid_case.duplicate_of_case_id, "
    "grid_case.satisfaction, grid_case.version, grid_case.updated_at, "
    f"ST_X(grid_case.geom) AS lon, ST_Y(grid_case.geom) AS lat, {OFFICES}"
)
PAGE = (
    f"SELECT {CASE_COLUMNS} FROM grid_case WHERE true ORDER BY grid_case.case_id DESC "
    "LIMIT %s::INTEGER"
)
CASE = (
    f"SELECT {CASE_COLUMNS}, case_requester.case_id AS requester_case_id, "
    "case_requester.first_name AS requester_first_name, "
    "case_requester.last_name AS requester_last_name, case_requester.email AS requester_email, "
    "case_requester.phone AS requester_phone, case_requester.device_id AS requester_device_id, "
    "case_requester.account_id AS requester_account_id, "
    "case_requester.media_url AS requester_media_url "
    "FROM grid_case LEFT OUTER JOIN case_requester ON case_requester.case_id = grid_case.case_id "
    "WHERE grid_case.case_id = %s::INTEGER"
)
REQUESTER_FIELDS = (
    "first_name", "last_name", "email", "phone", "device_id", "account_id", "media_url",
)  # fmt: skip


def check_token(cur: Any, authorization: str | None) -> None:
    token = (authorization or "").removeprefix("Bearer ")
    digest = hashlib.sha256(token.encode()).hexdigest()
    if cur.execute(USER_SQL, (digest, datetime.now(UTC))).fetchone() is None:
        raise HTTPException(401)


def offices_json(offices: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """The offices of a case, their times parsed (JSON has them as text)."""
    return [
        {
            **office,
            "assigned_at": datetime.fromisoformat(office["assigned_at"]),
            "arrived_at": office["arrived_at"] and datetime.fromisoformat(office["arrived_at"]),
        }
        for office in offices or ()
    ]


# gridloop's fields of a case, in its order.
CASE_FIELDS = (
    "case_id", "status", "item_code", "tier", "source", "description", "address", "attributes",
    "point", "input", "district_code", "street_code", "community_code", "unit_grid_code",
    "responsibility_grid_code", "reported_at", "registered_at", "dispatched_at", "accepted_at",
    "handled_at", "closed_at", "updated_at", "register_due_at", "dispatch_due_at",
    "handle_due_at", "verify_due_at", "close_due_at", "running_due_at", "overdue",
    "pending_request", "requested_due_at", "verification", "rework_count", "rejection_reason",
    "duplicate_of", "satisfaction", "offices", "version",
)  # fmt: skip


def case_json(row: dict[str, Any], now: datetime) -> dict[str, Any]:
    running = row["running_due_at"]
    derived = {
        "point": {"lon": row["lon"], "lat": row["lat"]},
        "input": {"lon": row["input_lon"], "lat": row["input_lat"], "crs": row["input_crs"]},
        "overdue": running is not None and running < now,
        "duplicate_of": row["duplicate_of_case_id"],
        "offices": offices_json(row["offices"]),
    }
    return {name: derived[name] if name in derived else row[name] for name in CASE_FIELDS}


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
        row = cur.execute(CASE, (case_id,)).fetchone()
    if row is None:
        raise HTTPException(404)
    requester = None
    if row["requester_case_id"] is not None:
        requester = {k: row[f"requester_{k}"] for k in REQUESTER_FIELDS}
    return {
        **case_json(row, datetime.now(UTC)),
        # An auditor's one action in the workflow table: evaluating a closed case.
        "allowed_actions": ["evaluate"] if row["status"] == "closed" else [],
        "requester": requester,
    }


@app.get("/cases")
def list_cases(limit: Annotated[int, Query()] = 50, authorization: Auth = None) -> dict[str, Any]:
    with pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
        check_token(cur, authorization)
        rows = cur.execute(PAGE, (limit + 1,)).fetchall()
    now = datetime.now(UTC)
    items = [case_json(row, now) for row in rows[:limit]]
    return {"items": items, "next_after": items[-1]["case_id"] if len(rows) > limit else None}


@app.get("/tiles/{layer}/{z}/{x}/{y}.mvt")
def tile(layer: Layer, z: int, x: int, y: int, authorization: Auth = None) -> Response:
    spec = TILE_LAYERS[layer]
    labels = z >= spec.label_min_zoom
    params = {"z": z, "x": x, "y": y, "margin": BUFFER / EXTENT, "name": layer.value}
    if labels:
        params["labels"] = f"{layer.value}-labels"
    with pool.connection() as conn, conn.cursor() as cur:
        check_token(cur, authorization)
        row = None if z < spec.min_zoom else cur.execute(TILES[layer, labels], params).fetchone()
        data = bytes(row[0]) if row else b""
    headers = {
        "ETag": '"' + hashlib.sha256(data).hexdigest()[:32] + '"',
        "Cache-Control": "private, max-age=60",
    }
    if not data:
        return Response(status_code=204, headers=headers)
    return Response(data, media_type="application/vnd.mapbox-vector-tile", headers=headers)
