"""Alembic environment: the URL comes from settings, or from `config.attributes["connection"]`."""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import create_engine

from gridloop.config import get_settings
from gridloop.models import Base

# Tables that belong to PostGIS, never to us.
POSTGIS_TABLES = {"spatial_ref_sys"}


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    return not (type_ == "table" and name in POSTGIS_TABLES)


def run_migrations() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_engine(get_settings().effective_database_url)
    with engine.begin() as new_connection:
        _run(new_connection)
    engine.dispose()


def _run(connection: Any) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        include_object=include_object,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
