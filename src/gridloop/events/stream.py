"""The live event stream: Server-Sent Events woken by PostgreSQL's LISTEN/NOTIFY.

One listening connection per process and database (a thread) wakes every open stream of that
process; each stream then reads the events after the last one it sent, in its caller's scope.
Event ids are taken when a transaction inserts the event, not when it commits, so a later id
may be seen before an earlier one commits: a stream never passes a missing id until it has been
missing for `GAP_SECONDS` (a rolled-back id never comes), so `Last-Event-ID` resumes without a
gap.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import AsyncIterator
from typing import Any

import anyio
import psycopg
from fastapi import Request
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from gridloop.cases import reads
from gridloop.cases.callers import Caller
from gridloop.config import get_settings
from gridloop.events.payload import event_out

log = logging.getLogger(__name__)

CHANNEL = "gridloop_events"
GAP_SECONDS = 3.0
# How soon the listener tries again after losing its connection, doubling up to the most.
RECONNECT_FIRST_SECONDS = 1.0
RECONNECT_MOST_SECONDS = 30.0
WINDOW = 500


def libpq_url(sessions: sessionmaker[Session]) -> str:
    """The libpq URL of the database the sessions work on (NOTIFY is per database)."""
    bind: Any = sessions.kw.get("bind")
    engine = bind.engine if isinstance(bind, Connection) else bind
    assert isinstance(engine, Engine)
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


class Listener:
    """A thread LISTENing on one database; wakes the waiting streams on every notification."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._lock = threading.Lock()
        self._waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()
        self._thread = threading.Thread(target=self._run, name="gridloop-listen", daemon=True)
        self._thread.start()

    def subscribe(self) -> tuple[asyncio.AbstractEventLoop, asyncio.Event]:
        waiter = (asyncio.get_running_loop(), asyncio.Event())
        with self._lock:
            self._waiters.add(waiter)
        return waiter

    def unsubscribe(self, waiter: tuple[asyncio.AbstractEventLoop, asyncio.Event]) -> None:
        with self._lock:
            self._waiters.discard(waiter)

    def _wake(self) -> None:
        with self._lock:
            waiters = list(self._waiters)
        for loop, event in waiters:
            try:
                loop.call_soon_threadsafe(event.set)
            except RuntimeError:  # its loop has closed
                self.unsubscribe((loop, event))

    def _run(self) -> None:
        pause = RECONNECT_FIRST_SECONDS
        while True:
            try:
                with psycopg.connect(self._url, autocommit=True) as connection:
                    connection.execute(f"LISTEN {CHANNEL}")
                    pause = RECONNECT_FIRST_SECONDS
                    # Whatever happened while not listening: let every stream look.
                    self._wake()
                    for _ in connection.notifies():
                        self._wake()
            except Exception as exc:  # the database went away: listen again, less often
                # Said once when the connection goes, not at every try while it stays away.
                if pause == RECONNECT_FIRST_SECONDS:
                    log.warning("event listener lost its connection (%s); reconnecting", exc)
                self._wake()
                time.sleep(pause)
                pause = min(pause * 2, RECONNECT_MOST_SECONDS)


_listeners: dict[str, Listener] = {}
_listeners_lock = threading.Lock()


def listener_for(url: str) -> Listener:
    with _listeners_lock:
        if url not in _listeners:
            _listeners[url] = Listener(url)
        return _listeners[url]


class _Cursor:
    """Where a stream stands: the last id passed, and since when an id has been missing."""

    def __init__(self, after: int) -> None:
        self.after = after
        self.missing_since: float | None = None

    def settled(self, ids: list[int]) -> int:
        """The highest id up to which no id is missing (or missing for too long)."""
        upto = self.after
        for event_id in ids:
            if event_id != upto + 1:
                now = time.monotonic()
                if self.missing_since is None:
                    self.missing_since = now
                if now - self.missing_since < GAP_SECONDS:
                    break
            self.missing_since = None
            upto = event_id
        return upto


def _read(
    sessions: sessionmaker[Session], caller: Caller, cursor: _Cursor
) -> tuple[list[str], int, bool]:
    """The messages of the settled events after the cursor, how far they reach, and whether
    more may be waiting right away."""
    with sessions() as session:
        ids = reads.event_ids_after(session, after=cursor.after, limit=WINDOW)
        upto = cursor.settled(ids)
        if upto == cursor.after:
            return [], upto, False
        messages = [
            f"id: {event.case_event_id}\nevent: case\n"
            f"data: {event_out(event).model_dump_json()}\n\n"
            for event in reads.visible_events(session, caller=caller, after=cursor.after, upto=upto)
        ]
    return messages, upto, len(ids) == WINDOW and upto == ids[-1]


async def events(
    request: Request, *, caller: Caller, sessions: sessionmaker[Session], after: int | None
) -> AsyncIterator[str]:
    """The stream's text: a `retry` hint, then each event, a heartbeat comment when idle."""
    heartbeat = get_settings().stream_heartbeat_seconds
    listener = listener_for(libpq_url(sessions))
    waiter = listener.subscribe()
    try:
        if after is None:
            after = await anyio.to_thread.run_sync(_newest, sessions)
        cursor = _Cursor(after)
        yield "retry: 3000\n\n"
        while True:
            waiter[1].clear()
            messages, upto, more = await anyio.to_thread.run_sync(_read, sessions, caller, cursor)
            cursor.after = upto
            for message in messages:
                yield message
            if more:
                continue
            if await request.is_disconnected():
                return
            # A missing id is looked at again soon, with or without a notification.
            timeout = GAP_SECONDS / 3 if cursor.missing_since is not None else heartbeat
            try:
                await asyncio.wait_for(waiter[1].wait(), timeout)
            except TimeoutError:
                if cursor.missing_since is None:
                    yield ": heartbeat\n\n"
    finally:
        listener.unsubscribe(waiter)


def _newest(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return reads.newest_event_id(session)
