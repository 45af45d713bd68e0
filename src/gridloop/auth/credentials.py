"""What each process remembers of the credentials it has seen: who holds a bearer token, which
intake client an API key is, so that a request needs no database round trip and no worker
thread to learn who is calling.

What a credential stands for changes rarely (a logout, a revoked key, a role or scope changed,
a user deactivated), and every such change notifies `gridloop_credentials` when it commits
(migration 0014's triggers, whoever makes the change: a route, the CLI, SQL by hand). On that
notification a process forgets all it remembers. So a change holds:

- in the process that made it through the service: from its commit, before its response;
- in every other process: as soon as the notification arrives and its listener thread gets
  to run, within milliseconds (on a loaded 2-core machine, 3 of 80 requests sent to a
  two-worker server right after a revocation committed were still let through);
- while a process's listener is not connected, it would miss notifications: it remembers
  nothing then, and every request asks the database as if there were no memory.

An entry is also trusted for at most `MAX_AGE_SECONDS`, and a token's never past its expiry.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

import anyio.to_thread
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from gridloop import metrics
from gridloop.auth.models import ApiKey, User
from gridloop.listening import Listener, libpq_url, listener_for

CHANNEL = "gridloop_credentials"
MAX_AGE_SECONDS = 60.0
MAX_ENTRIES = 10_000

T = TypeVar("T")
# The counters' children, made once: `labels()` costs more than the count.
_FROM_MEMORY = metrics.CREDENTIAL_LOOKUPS.labels("memory")
_FROM_DATABASE = metrics.CREDENTIAL_LOOKUPS.labels("database")


@dataclass(frozen=True)
class TokenHolder:
    """The user holding a live token: their columns (not the password hash), an inspector's
    responsibility grids, and when the token expires."""

    user: Mapping[str, Any]
    responsibility_grid_codes: tuple[str, ...]
    expires_at: datetime

    def as_user(self) -> User:
        """A new, transient `User` for one request: requests never share an ORM object."""
        return User(**self.user)


@dataclass(frozen=True)
class KeyHolder:
    """The intake client of a live API key (its columns)."""

    client: Mapping[str, Any]

    def as_client(self) -> ApiKey:
        return ApiKey(**self.client)


class Memory(Generic[T]):
    """Entries by credential digest, trusted only while `listening()`, forgotten all at once.

    The generation guards against a lookup that raced a change: an entry read from the
    database before a change committed, and put after the change was forgotten, is refused,
    because the generation it was read under has passed.
    """

    def __init__(self, listening: Callable[[], bool]) -> None:
        self._listening = listening
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[float, T]] = {}
        self.generation = 0

    async def recall(
        self,
        digest: str,
        look_up: Callable[[], T | None],
        usable: Callable[[T], bool] = lambda _: True,
    ) -> T | None:
        """The remembered holder of `digest` if still `usable`, else what `look_up` finds (run
        in a worker thread: it asks the database), remembered."""
        value = self.get(digest)
        if value is not None and usable(value):
            _FROM_MEMORY.inc()
            return value
        generation = self.generation
        value = await anyio.to_thread.run_sync(look_up)
        _FROM_DATABASE.inc()
        if value is not None:
            self.put(digest, value, generation)
        return value

    def get(self, digest: str) -> T | None:
        entry = self._entries.get(digest)
        if entry is None or not self._listening():
            return None
        stored_at, value = entry
        return value if time.monotonic() - stored_at <= MAX_AGE_SECONDS else None

    def put(self, digest: str, value: T, generation: int) -> None:
        """Remember `value`, read from the database under `generation`, unless anything was
        forgotten since or notifications cannot be heard."""
        with self._lock:
            if generation != self.generation or not self._listening():
                return
            if len(self._entries) >= MAX_ENTRIES:
                del self._entries[next(iter(self._entries))]  # the oldest
            self._entries[digest] = (time.monotonic(), value)

    def forget_all(self) -> None:
        with self._lock:
            self.generation += 1
            self._entries.clear()


class Memories:
    """One database's remembered tokens and keys, and the listener that empties them."""

    def __init__(self, url: str) -> None:
        self._listener: Listener | None = None
        self.tokens: Memory[TokenHolder] = Memory(self.listening)
        self.keys: Memory[KeyHolder] = Memory(self.listening)
        self._listener = listener_for(url, CHANNEL, self.forget_all)

    def listening(self) -> bool:
        return self._listener is not None and self._listener.listening

    def forget_all(self) -> None:
        self.tokens.forget_all()
        self.keys.forget_all()


_memories: dict[str, Memories] = {}
_memories_lock = threading.Lock()
# Which database a session factory works on, found once per factory (not per request).
_memories_of_factory: weakref.WeakKeyDictionary[sessionmaker[Session], Memories] = (
    weakref.WeakKeyDictionary()
)


def memories_for(sessions: sessionmaker[Session]) -> Memories:
    """The memories of the database `sessions` work on, listening from first use."""
    memories = _memories_of_factory.get(sessions)
    if memories is not None:
        return memories
    url = libpq_url(sessions)
    with _memories_lock:
        if url not in _memories:
            _memories[url] = Memories(url)
        _memories_of_factory[sessions] = _memories[url]
        return _memories[url]


def forget_everywhere() -> None:
    """Forget every credential this process remembers, of every database."""
    with _memories_lock:
        memories = list(_memories.values())
    for each in memories:
        each.forget_all()


def forget_on_commit(session: Session) -> None:
    """A change to what credentials stand for is under way in `session`: forget now, and again
    when it commits, so that nothing read before the commit outlives it in this process (the
    other processes forget on the notification the commit sends)."""
    forget_everywhere()
    if not session.info.get(_FORGETS_ON_COMMIT):
        session.info[_FORGETS_ON_COMMIT] = True
        event.listen(session, "after_commit", _forget_after_commit)


_FORGETS_ON_COMMIT = "forgets_credentials_on_commit"


def _forget_after_commit(session: Session) -> None:
    forget_everywhere()
