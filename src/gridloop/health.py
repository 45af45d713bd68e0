"""`GET /healthz`: is the database there, with PostGIS, migrated to head."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from gridloop import migrations
from gridloop.db import get_engine


class Health(BaseModel):
    status: str
    database: bool
    postgis_version: str | None = None
    migration_revision: str | None = None
    migration_head: str | None = None
    migrations_at_head: bool


router = APIRouter(tags=["health"])


@router.get(
    "/healthz",
    response_model=Health,
    responses={503: {"model": Health, "description": "The database is down or not migrated"}},
)
def healthz() -> JSONResponse:
    head = migrations.head_revision()
    health = Health(status="down", database=False, migration_head=head, migrations_at_head=False)
    try:
        with get_engine().connect() as connection:
            health.database = True
            health.postgis_version = connection.execute(
                text("SELECT postgis_lib_version()")
            ).scalar_one()
            health.migration_revision = migrations.current_revision(connection)
    except SQLAlchemyError:
        pass
    health.migrations_at_head = health.database and health.migration_revision == head
    health.status = "ok" if health.migrations_at_head else "down"
    return JSONResponse(health.model_dump(), status_code=200 if health.status == "ok" else 503)
