"""A thread LISTENing on one channel of one database, for as long as the process runs.

PostgreSQL delivers a NOTIFY only to connections listening when it commits: whatever happened
while the listener was not connected is lost. So the listener also tells whether it is
listening, and calls back each time it connects and each time it loses its connection: what
depends on hearing every notification must not trust itself in between.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import psycopg
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

# How soon the listener tries again after losing its connection, doubling up to the most.
RECONNECT_FIRST_SECONDS = 1.0
RECONNECT_MOST_SECONDS = 30.0


def libpq_url(sessions: sessionmaker[Session]) -> str:
    """The libpq URL of the database the sessions work on (NOTIFY is per database)."""
    bind: Any = sessions.kw.get("bind")
    engine = bind.engine if isinstance(bind, Connection) else bind
    assert isinstance(engine, Engine)
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


class Listener:
    """Calls `on_notify` for every notification on `channel`, from its own thread.

    `on_notify` is also called whenever the listener connects or loses its connection, since a
    notification may have been missed; `listening` says which state it is in.
    """

    def __init__(self, url: str, channel: str, on_notify: Callable[[], None]) -> None:
        self._url = url
        self._channel = channel
        self._on_notify = on_notify
        self._listening = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"listen-{channel}", daemon=True)
        self._thread.start()

    @property
    def listening(self) -> bool:
        return self._listening.is_set()

    def _run(self) -> None:
        pause = RECONNECT_FIRST_SECONDS
        while True:
            try:
                with psycopg.connect(self._url, autocommit=True) as connection:
                    connection.execute(f"LISTEN {self._channel}")
                    pause = RECONNECT_FIRST_SECONDS
                    self._listening.set()
                    self._on_notify()  # whatever happened while not listening
                    for _ in connection.notifies():
                        self._on_notify()
            except Exception as exc:  # the database went away: listen again, less often
                self._listening.clear()
                # Said once when the connection goes, not at every try while it stays away.
                if pause == RECONNECT_FIRST_SECONDS:
                    log.warning("listener on %s lost its connection (%s)", self._channel, exc)
                self._on_notify()
                time.sleep(pause)
                pause = min(pause * 2, RECONNECT_MOST_SECONDS)


_listeners: dict[tuple[str, str], Listener] = {}
_listeners_lock = threading.Lock()


def listener_for(url: str, channel: str, on_notify: Callable[[], None]) -> Listener:
    """The process's one listener on this database and channel, started on first use with
    `on_notify` (later callers share it: give the same callback)."""
    with _listeners_lock:
        key = (url, channel)
        if key not in _listeners:
            _listeners[key] = Listener(url, channel, on_notify)
        return _listeners[key]
