from __future__ import annotations

import threading
from collections.abc import Callable

import anyio
import pytest
from sqlalchemy import Engine, create_engine, delete, event, select, text, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from gridloop.auth.models import User
from gridloop.db import (
    WriteInReadSession,
    committed,
    get_engine,
    get_read_sessionmaker,
    ping_idle_connections,
)
from gridloop.errors import NotFound


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


# ----------------------------------------------------------------------------- read sessions


def test_a_read_session_runs_each_statement_as_its_own_transaction(engine: Engine) -> None:
    with get_read_sessionmaker()() as session:
        session.execute(text("SELECT pg_sleep(0.01)"))
        # In a transaction begun before, the second statement's start would be later than it.
        alone = session.execute(text("SELECT statement_timestamp() = transaction_timestamp()"))
        assert alone.scalar_one() is True


def flush_a_new_user(session: Session) -> None:
    session.add(User(username="x", display_name="x", role="auditor", password_hash="x"))
    session.flush()


def test_a_read_session_refuses_every_write_and_nothing_is_written(engine: Engine) -> None:
    def users() -> int:
        with engine.connect() as connection:
            return int(connection.execute(text("SELECT count(*) FROM app_user")).scalar_one())

    before = users()
    writes: list[Callable[[Session], object]] = [
        lambda session: session.execute(
            text(
                "INSERT INTO app_user (username, display_name, role, password_hash) "
                "VALUES ('x', 'x', 'auditor', 'x')"
            )
        ),
        lambda session: session.execute(update(User).values(display_name="y")),
        lambda session: session.execute(delete(User)),
        flush_a_new_user,
    ]
    for write in writes:
        with get_read_sessionmaker()() as session, pytest.raises(WriteInReadSession):
            write(session)
    assert users() == before


def test_a_read_session_refuses_to_stream_results(engine: Engine) -> None:
    # A server-side cursor needs a transaction: PostgreSQL refuses DECLARE CURSOR without one.
    streamed = select(User).execution_options(yield_per=100)
    with get_read_sessionmaker()() as session, pytest.raises(WriteInReadSession):
        session.execute(streamed)


def test_a_read_session_holds_no_transaction_open_between_statements(engine: Engine) -> None:
    def state_of(pid: int) -> str:
        with engine.connect() as connection:
            return str(
                connection.execute(
                    text("SELECT state FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}
                ).scalar_one()
            )

    with get_read_sessionmaker()() as session:
        pid = session.execute(text("SELECT pg_backend_pid()")).scalar_one()
        # A session that had begun would be "idle in transaction" here, and need a
        # round trip to end.
        while_open = state_of(pid)
    assert (while_open, state_of(pid)) == ("idle", "idle")


# ----------------------------------------------------------------------------- write routes


def transaction_status(engine: Engine, xid: int) -> str:
    with engine.connect() as connection:
        status = connection.execute(text("SELECT txid_status(:xid)"), {"xid": xid}).scalar_one()
    return str(status)


def test_committed_runs_the_work_and_its_commit_in_one_worker_thread(engine: Engine) -> None:
    threads: list[int] = []
    with Session(engine) as session:
        event.listen(session, "after_commit", lambda _: threads.append(threading.get_ident()))

        def work() -> int:
            threads.append(threading.get_ident())
            return int(session.execute(text("SELECT txid_current()")).scalar_one())

        xid = anyio.run(committed, session, work)

        assert not session.in_transaction()  # the session dependency has nothing left to end
    worker, committer = threads
    assert worker == committer != threading.get_ident()
    assert transaction_status(engine, xid) == "committed"


def test_a_domain_error_in_committed_work_commits_nothing(engine: Engine) -> None:
    xids: list[int] = []
    with Session(engine) as session:

        def work() -> None:
            xids.append(int(session.execute(text("SELECT txid_current()")).scalar_one()))
            raise NotFound("nothing here")

        with pytest.raises(NotFound):
            anyio.run(committed, session, work)

        assert session.in_transaction()  # left to the session dependency, which rolls back
        session.rollback()
    assert transaction_status(engine, xids[0]) == "aborted"
