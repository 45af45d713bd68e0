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
import threading
import time
from collections.abc import AsyncIterator

import anyio
from fastapi import Request
from sqlalchemy.orm import Session, sessionmaker

from gridloop.cases import reads
from gridloop.cases.callers import Caller
from gridloop.config import get_settings
from gridloop.events.payload import event_out
from gridloop.listening import libpq_url, listener_for

CHANNEL = "gridloop_events"
GAP_SECONDS = 3.0
WINDOW = 500


class Waiters:
    """The streams of this process waiting on one database, each woken by every notification."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()

    def subscribe(self) -> tuple[asyncio.AbstractEventLoop, asyncio.Event]:
        waiter = (asyncio.get_running_loop(), asyncio.Event())
        with self._lock:
            self._waiters.add(waiter)
        return waiter

    def unsubscribe(self, waiter: tuple[asyncio.AbstractEventLoop, asyncio.Event]) -> None:
        with self._lock:
            self._waiters.discard(waiter)

    def wake(self) -> None:
        with self._lock:
            waiters = list(self._waiters)
        for loop, event in waiters:
            try:
                loop.call_soon_threadsafe(event.set)
            except RuntimeError:  # its loop has closed
                self.unsubscribe((loop, event))


_waiters: dict[str, Waiters] = {}
_waiters_lock = threading.Lock()


def waiters_for(url: str) -> Waiters:
    """The waiting streams of one database, with the listener that wakes them."""
    with _waiters_lock:
        if url not in _waiters:
            _waiters[url] = Waiters()
            listener_for(url, CHANNEL, _waiters[url].wake)
        return _waiters[url]


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
    waiters = waiters_for(libpq_url(sessions))
    waiter = waiters.subscribe()
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
        waiters.unsubscribe(waiter)


def _newest(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return reads.newest_event_id(session)
