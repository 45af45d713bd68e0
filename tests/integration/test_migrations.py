"""Migrations build exactly the models, and go down and up again cleanly."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, create_engine, inspect

from gridloop import localdb, migrations
from gridloop.config import get_settings
from gridloop.models import Base

POSTGIS_TABLES = {"spatial_ref_sys"}


@pytest.fixture
def scratch_engine(engine: Engine) -> Iterator[Engine]:
    admin_url = get_settings().effective_database_url
    name = f"gridloop_test_migrations_{os.getpid()}"
    scratch = create_engine(localdb.ensure_database(admin_url, name, drop_first=True))
    yield scratch
    scratch.dispose()
    localdb.drop_database(admin_url, name)


def _differences(engine: Engine) -> list[object]:
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "include_object": lambda obj, name, type_, reflected, other: (
                    not (type_ == "table" and name in POSTGIS_TABLES)
                ),
            },
        )
        return list(compare_metadata(context, Base.metadata))


def test_upgrade_matches_models_then_downgrade_and_upgrade_again(scratch_engine: Engine) -> None:
    with scratch_engine.begin() as connection:
        migrations.upgrade(connection)
    assert _differences(scratch_engine) == []

    with scratch_engine.begin() as connection:
        migrations.downgrade(connection)
    tables = set(inspect(scratch_engine).get_table_names()) - POSTGIS_TABLES - {"alembic_version"}
    assert tables == set()

    with scratch_engine.begin() as connection:
        migrations.upgrade(connection)
        assert migrations.current_revision(connection) == migrations.head_revision()
    assert _differences(scratch_engine) == []
