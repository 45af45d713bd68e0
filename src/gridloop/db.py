"""Declarative base, engine and the per-request session."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from functools import lru_cache
from typing import Annotated, Any, TypeVar

import anyio
import anyio.to_thread
from fastapi import Depends
from sqlalchemy import DateTime, Engine, MetaData, create_engine, event, func
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    ORMExecuteState,
    Session,
    mapped_column,
    sessionmaker,
)
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection
from sqlalchemy.sql.elements import TextClause

from gridloop import metrics
from gridloop.config import get_settings
from gridloop.errors import DomainError

T = TypeVar("T")

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class CreatedAtMixin:
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


# The service's statements are short: PostgreSQL's JIT compiler, which starts above a planned
# cost, spent 160 ms of a 450 ms district report over 20 million cases compiling it, and saves
# nothing on an indexed read.
SERVICE_CONNECTION_OPTIONS = "-c jit=off"

# A pooled connection left unused this long is pinged before a request gets it, so that one a
# database restart or a firewall dropped meanwhile is replaced instead of failing the request.
# A connection in steady use is not: pinging at every checkout cost a round trip per request.
PING_AFTER_IDLE_S = 10.0


@lru_cache
def get_engine() -> Engine:
    settings = get_settings()
    engine = create_engine(
        settings.effective_database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        connect_args={"options": SERVICE_CONNECTION_OPTIONS},
    )
    ping_idle_connections(engine, after_s=PING_AFTER_IDLE_S)
    metrics.watch_pool(engine, size=settings.db_pool_size)
    return engine


def ping_idle_connections(engine: Engine, *, after_s: float) -> None:
    """Ping a pooled connection at checkout when it has been idle over `after_s` seconds; a
    dead one is discarded and the pool hands out another (SQLAlchemy's DisconnectionError)."""

    @event.listens_for(engine, "checkin")
    def _checked_in(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        record.info["checked_in_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(
        dbapi_connection: Any, record: ConnectionPoolEntry, proxy: PoolProxiedConnection
    ) -> None:
        checked_in_at = record.info.get("checked_in_at")
        if checked_in_at is None or time.monotonic() - checked_in_at <= after_s:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as error:
            raise DisconnectionError("an idle pooled connection is dead") from error


@lru_cache
def get_sessionmaker() -> sessionmaker[Session]:
    return sessionmaker(bind=get_engine(), expire_on_commit=False)


async def session_factory() -> sessionmaker[Session]:
    """The factory of request sessions; tests override it to run inside one transaction.

    `async` although it does no I/O: a sync dependency would cost a thread hop per request.
    """
    return get_sessionmaker()


async def get_session(
    factory: Annotated[sessionmaker[Session], Depends(session_factory)],
) -> AsyncIterator[Session]:
    """One session per request, committed before the response is sent.

    A `DomainError` rolls back, unless it asks to keep what was flushed (a failed login must
    still count as a failure). `async` because opening a session does no I/O (it connects on
    its first query, in the route's worker thread): a sync generator would cost a thread hop to
    open it and another to close it; this costs one, to end a transaction that was begun.
    """
    session = factory()
    commit = False
    try:
        yield session
        commit = True
    except DomainError as error:
        commit = error.keep_changes
        raise
    finally:
        if session.in_transaction():
            # Shielded: a cancelled request still returns its connection to the pool.
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(_end, session, commit)
        else:
            session.close()


def _end(session: Session, commit: bool) -> None:
    try:
        if commit:
            session.commit()
        else:
            session.rollback()
    finally:
        session.close()


# scope="function": the commit runs before the response leaves, so nothing acknowledged is lost.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


async def committed(session: Session, work: Callable[[], T]) -> T:
    """`work`'s result once the request's transaction is committed, both in one worker thread.

    For an `async` write route: a sync route's work runs in one worker thread and the session
    dependency's commit in another, two thread hops; this is one. A `DomainError` from `work`
    commits nothing and the dependency rolls back, as for a sync route.
    """

    def work_and_commit() -> T:
        result = work()
        session.commit()
        return result

    return await anyio.to_thread.run_sync(work_and_commit)


# ----------------------------------------------------------------------------- read sessions


@lru_cache
def get_read_sessionmaker() -> sessionmaker[Session]:
    """Sessions for the routes that only read.

    Their connections run in autocommit: each statement is a transaction of its own (under
    READ COMMITTED each statement took its own snapshot anyway), so a read session sends no
    BEGIN and no COMMIT, and ends without I/O: in the event loop, with no worker thread. A
    write in one could not be rolled back, so it is refused (`read_only`).
    """
    engine = get_engine().execution_options(isolation_level="AUTOCOMMIT")
    return read_only(sessionmaker(bind=engine, expire_on_commit=False))


class WriteInReadSession(RuntimeError):
    """A route on a read session tried what needs a transaction (a write, a streamed result):
    a defect, answered 500."""


def read_only(factory: sessionmaker[Session]) -> sessionmaker[Session]:
    """Make the factory's sessions refuse what autocommit cannot do: every INSERT, UPDATE,
    DELETE and flush, and streamed results (a server-side cursor lives in a transaction)."""
    event.listen(factory, "do_orm_execute", _refuse_in_autocommit)
    event.listen(factory, "before_flush", _refuse_flush)
    return factory


_READS = ("SELECT", "WITH")


def _refuse_in_autocommit(state: ORMExecuteState) -> None:
    statement = state.statement
    if isinstance(statement, TextClause):
        writes = not statement.text.lstrip()[:6].upper().startswith(_READS)
    else:
        writes = state.is_insert or state.is_update or state.is_delete
    if writes:
        raise WriteInReadSession(f"a read session cannot run: {str(statement)[:80]}")
    options = state.execution_options
    if options.get("stream_results") or options.get("yield_per"):
        raise WriteInReadSession("a read session cannot stream results: use a request session")


def _refuse_flush(session: Session, flush_context: Any, instances: Any) -> None:
    if session.new or session.dirty or session.deleted:
        raise WriteInReadSession("a read session cannot flush changes")


async def read_session_factory() -> sessionmaker[Session]:
    """The factory of read sessions; tests override it to read inside their transaction."""
    return get_read_sessionmaker()


async def get_read_session(
    factory: Annotated[sessionmaker[Session], Depends(read_session_factory)],
) -> AsyncIterator[Session]:
    """One read session per request, closed in the event loop (closing it does no I/O)."""
    session = factory()
    try:
        yield session
    finally:
        session.close()


ReadSessionDep = Annotated[Session, Depends(get_read_session, scope="function")]
