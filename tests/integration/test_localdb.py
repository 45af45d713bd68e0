"""ensure_database on the configured server: the local cluster unless GRIDLOOP_DATABASE_URL."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy.engine import make_url

from gridloop import localdb
from gridloop.config import get_settings

PROBE_DB = "gridloop_localdb_probe"


@pytest.fixture
def admin_url() -> Iterator[str]:
    settings = get_settings()
    if settings.database_url is None:
        localdb.start(settings)
    url = settings.effective_database_url
    yield url
    localdb.drop_database(url, PROBE_DB)


def _postgis_version(sqlalchemy_url: str) -> str:
    conninfo = make_url(sqlalchemy_url).set(drivername="postgresql")
    with psycopg.connect(conninfo.render_as_string(hide_password=False)) as conn:
        row = conn.execute("SELECT postgis_version()").fetchone()
    assert row is not None
    return str(row[0])


def _count_databases(admin_url: str, name: str) -> int:
    conninfo = make_url(admin_url).set(drivername="postgresql", database="postgres")
    with psycopg.connect(conninfo.render_as_string(hide_password=False)) as conn:
        query = "SELECT count(*) FROM pg_database WHERE datname = %s"
        row = conn.execute(query, (name,)).fetchone()
    assert row is not None
    return int(row[0])


def test_ensure_database_creates_postgis_database_idempotently(admin_url: str) -> None:
    first = localdb.ensure_database(admin_url, PROBE_DB, drop_first=True)
    assert make_url(first).database == PROBE_DB
    assert make_url(first).drivername == "postgresql+psycopg"
    assert _postgis_version(first)

    second = localdb.ensure_database(admin_url, PROBE_DB)
    assert second == first
    assert _postgis_version(second)
    assert _count_databases(admin_url, PROBE_DB) == 1


def test_drop_database_removes_it(admin_url: str) -> None:
    localdb.ensure_database(admin_url, PROBE_DB)
    localdb.drop_database(admin_url, PROBE_DB)
    assert _count_databases(admin_url, PROBE_DB) == 0
