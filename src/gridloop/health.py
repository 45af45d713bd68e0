"""`GET /healthz`: the process answers. `GET /readyz`: this instance should get traffic (the
database is reachable, with PostGIS, and migrated to the head this code expects).

A liveness probe that asked the database would have every instance restarted whenever the
database is away; readiness only takes an instance out of the proxy's rotation.
"""

from __future__ import annotations

from functools import lru_cache

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from gridloop import migrations
from gridloop.db import get_engine


class Alive(BaseModel):
    status: str


class Ready(BaseModel):
    status: str
    database: bool
    postgis_version: str | None = None
    migration_revision: str | None = None
    migration_head: str | None = None
    migrations_at_head: bool


router = APIRouter(tags=["health"])


@lru_cache
def _head_revision() -> str | None:
    # The migration scripts this code ships with do not change while it runs; reading them
    # costs a few milliseconds.
    return migrations.head_revision()


@router.get("/healthz")
async def healthz() -> Alive:
    """存活 / The process answers; touches nothing else."""
    return Alive(status="ok")


@router.get(
    "/readyz",
    response_model=Ready,
    responses={503: {"model": Ready, "description": "The database is down or not migrated"}},
)
def readyz() -> JSONResponse:
    """就绪 / 200 when the database is reachable and migrated to head, else 503."""
    head = _head_revision()
    ready = Ready(status="down", database=False, migration_head=head, migrations_at_head=False)
    try:
        with get_engine().connect() as connection:
            ready.database = True
            ready.postgis_version = connection.execute(
                text("SELECT postgis_lib_version()")
            ).scalar_one()
            ready.migration_revision = migrations.current_revision(connection)
    except SQLAlchemyError:
        pass
    ready.migrations_at_head = ready.database and ready.migration_revision == head
    ready.status = "ok" if ready.migrations_at_head else "down"
    return JSONResponse(ready.model_dump(), status_code=200 if ready.status == "ok" else 503)
