"""Migrations build exactly the models, and go down and up again cleanly."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, create_engine, inspect, text

from gridloop import localdb, migrations
from gridloop.config import get_settings
from gridloop.models import Base
from gridloop.reports import facts
from gridloop.reports.models import COUNTERS

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


def test_the_monthly_rollups_start_as_the_daily_ones_summed(scratch_engine: Engine) -> None:
    fields = ("kind", "key", "day", "street", "office", "reported", "handled")
    rows = [
        ("street", "310105001", "2026-01-31", "310105001", 1, 3, 1),
        ("street", "310105001", "2026-02-01", "310105001", 1, 2, 2),
        ("street", "310105001", "2026-02-28", "310105001", 1, 4, 0),
        ("street", "310105001", "2026-02-28", "310105001", None, 1, 0),
        ("item", "A0101", "2026-02-10", "310105002", 2, 5, 5),
        ("item", "A0101", "2026-02-11", "310105002", 2, 0, 0),  # every case left it
    ]
    zero = ", ".join("0" for name in COUNTERS if name not in ("reported", "handled"))
    others = ", ".join(name for name in COUNTERS if name not in ("reported", "handled"))
    with scratch_engine.begin() as connection:
        migrations.upgrade(connection, "0008")
        connection.execute(
            text(
                "INSERT INTO case_rollup (kind, key, day, street_code, office_id, reported, "
                f"handled, {others}) VALUES (:kind, :key, CAST(:day AS date), :street, :office, "
                f":reported, :handled, {zero})"
            ),
            [dict(zip(fields, row, strict=True)) for row in rows],
        )
        migrations.upgrade(connection)
        months = connection.execute(
            text(
                "SELECT kind, key, month::text, street_code, office_id, reported, handled "
                "FROM case_rollup_month ORDER BY kind, key, month, street_code, office_id"
            )
        ).all()

    assert [tuple(row) for row in months] == [
        ("item", "A0101", "2026-02-01", "310105002", 2, 5, 5),
        ("street", "310105001", "2026-01-01", "310105001", 1, 3, 1),
        ("street", "310105001", "2026-02-01", "310105001", 1, 6, 2),
        ("street", "310105001", "2026-02-01", "310105001", None, 1, 0),
    ]


def test_the_case_facts_function_is_the_file_in_the_package(engine: Engine) -> None:
    with engine.connect() as connection:
        source = connection.execute(
            text("SELECT prosrc FROM pg_proc WHERE proname = 'gridloop_case_facts'")
        ).scalar_one()
        columns = connection.execute(
            text(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_name = 'case_fact' ORDER BY ordinal_position"
            )
        ).scalars()
        fact_columns = tuple(columns)

    assert source == facts.function_body()
    # The function returns case_fact rows: its columns, in order, are the package's counters,
    # and the file names each one where the row has it.
    assert fact_columns == (*facts.FACT_KEY_COLUMNS, *facts.COUNTERS)
    select_list = source.split("FROM grid_case c\n")[0]
    aliases = re.findall(r" AS (\w+),?\n", select_list)
    assert [name for name in aliases if name in facts.COUNTERS] == list(facts.COUNTERS)
