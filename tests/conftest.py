"""Test database: a throwaway PostGIS database built by the migrations, once per run.

Each test runs inside one outer transaction that is rolled back at the end; the app's request
sessions join it through savepoints, so a request's commit is visible to the test and gone after.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from sqlalchemy import Connection, Engine, create_engine
from sqlalchemy.orm import Session, sessionmaker

from gridloop import localdb, migrations
from gridloop.config import get_settings
from gridloop.db import get_engine, get_read_sessionmaker, get_sessionmaker

# One database per run, so two runs on one server do not drop each other's.
TEST_DATABASE = f"gridloop_test_{os.getpid()}"
# No background deadline sweeper in tests: they sweep when they mean to.
os.environ["GRIDLOOP_SWEEP_INTERVAL_SECONDS"] = "0"


def _reset_caches() -> None:
    get_settings.cache_clear()
    get_engine.cache_clear()
    get_sessionmaker.cache_clear()
    get_read_sessionmaker.cache_clear()


@pytest.fixture(scope="session")
def engine() -> Iterator[Engine]:
    settings = get_settings()
    if settings.database_url is None:
        localdb.start(settings)
    admin_url = settings.effective_database_url
    url = localdb.ensure_database(admin_url, TEST_DATABASE, drop_first=True)
    os.environ["GRIDLOOP_DATABASE_URL"] = url
    _reset_caches()
    test_engine = create_engine(url)
    with test_engine.begin() as connection:
        migrations.upgrade(connection)
    yield test_engine
    test_engine.dispose()
    get_engine().dispose()
    localdb.drop_database(admin_url, TEST_DATABASE)


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as conn:
        transaction = conn.begin()
        yield conn
        transaction.rollback()


@pytest.fixture
def session_factory(connection: Connection) -> sessionmaker[Session]:
    return sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )


@pytest.fixture
def session(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    with session_factory() as db_session:
        yield db_session
