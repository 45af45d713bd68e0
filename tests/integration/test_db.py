from __future__ import annotations

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import OperationalError

from gridloop.db import get_engine, ping_idle_connections


def test_service_connections_run_without_jit(engine: Engine) -> None:
    # A report over daily rollups spent more time compiling than reading with JIT on.
    with get_engine().connect() as connection:
        assert connection.execute(text("SHOW jit")).scalar_one() == "off"


def _pool_of_one(url: str, *, ping_after_s: float) -> Engine:
    pool = create_engine(url, pool_size=1, max_overflow=0)
    ping_idle_connections(pool, after_s=ping_after_s)
    return pool


def _backend_pid(pool: Engine) -> int:
    with pool.connect() as connection:
        return int(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())


def _terminate(engine: Engine, pid: int) -> None:
    with engine.connect() as connection:
        connection.execute(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid})


def test_an_idle_pooled_connection_that_died_is_replaced(engine: Engine) -> None:
    pool = _pool_of_one(engine.url.render_as_string(hide_password=False), ping_after_s=0.0)
    try:
        dead = _backend_pid(pool)
        _terminate(engine, dead)  # what a database restart does to every pooled connection
        assert _backend_pid(pool) != dead
    finally:
        pool.dispose()


def test_a_connection_in_steady_use_is_not_pinged(engine: Engine) -> None:
    # Pinging at every checkout cost a round trip per request; within the idle limit the
    # pooled connection is handed out as it is (here: dead, so the query fails).
    pool = _pool_of_one(engine.url.render_as_string(hide_password=False), ping_after_s=60.0)
    try:
        _terminate(engine, _backend_pid(pool))
        with pytest.raises(OperationalError):
            _backend_pid(pool)
    finally:
        pool.dispose()
