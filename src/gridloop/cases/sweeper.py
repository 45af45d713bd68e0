"""The deadline sweeper (督办): one `overdue` event per missed deadline, however many run.

Each pass also forgets idempotency keys past their 24 hours, login failures that can no
longer slow or lock anyone and request counts of ended windows, so that no such table only grows.

`sweep` is one pass in the caller's transaction. The database decides what is new (the key of
`case_overdue`), so `gridloop sweep` from cron, the loop of every server worker and a manual run
may all overlap. `SweeperThread` is the loop `serve` starts (`sweep_interval_seconds`; 0 stops
it). Suspended cases have no running deadline, so they are never overdue while suspended.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime

from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from gridloop import metrics
from gridloop.auth import service as auth_service
from gridloop.auth import time as auth_time
from gridloop.cases import idempotency, repository
from gridloop.cases.models import Deadline
from gridloop.config import get_settings
from gridloop.db import get_sessionmaker

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SweepResult:
    """What one pass did: the (case_id, deadline) pairs it reported, the keys it forgot."""

    overdue: list[tuple[int, Deadline]] = field(default_factory=list)
    purged_keys: int = 0

    def __str__(self) -> str:
        purged = f"; expired idempotency keys purged: {self.purged_keys}"
        if not self.overdue:
            return "overdue: none new" + purged
        counts = Counter(deadline for _, deadline in self.overdue)
        parts = ", ".join(
            f"{deadline} {counts[deadline]}" for deadline in Deadline if counts[deadline]
        )
        return f"overdue: {len(self.overdue)} new events ({parts})" + purged


def sweep(session: Session, *, now: datetime) -> SweepResult:
    """Append an `overdue` event for each running deadline missed by `now`, once, and forget
    the idempotency keys expired by then.
    """
    rows = repository.mark_overdue(session, now=now)
    metrics.SWEEP_LAST_RUN.set(time.time())
    metrics.SWEEP_LAST_OVERDUE.set(len(rows))
    metrics.SWEEP_OVERDUE.inc(len(rows))
    purged = idempotency.purge_idempotency_keys(session, now=now)
    auth_service.forget_old_login_failures(session, now=now)
    auth_service.forget_old_request_counts(session, now=now)
    return SweepResult(
        overdue=[(row.case_id, Deadline(row.deadline)) for row in rows], purged_keys=purged
    )


class SweeperThread(threading.Thread):
    """Sweeps every `interval` seconds in its own transactions until stopped."""

    def __init__(
        self,
        *,
        sessions: Callable[[], sessionmaker[Session]],
        clock: Callable[[], datetime],
        interval: float,
    ) -> None:
        super().__init__(name="gridloop-sweeper", daemon=True)
        self._sessions = sessions
        self._clock = clock
        self._interval = interval
        self._stopped = threading.Event()

    def run(self) -> None:
        while not self._stopped.wait(self._interval):
            try:
                with self._sessions().begin() as session:
                    result = sweep(session, now=self._clock())
                if result.overdue or result.purged_keys:
                    log.info("%s", result)
            except Exception:  # a failed pass must not end the loop; the next one retries
                log.exception("deadline sweep failed")

    def stop(self) -> None:
        self._stopped.set()
        self.join(timeout=10)


@asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
    """The app's lifespan: the sweeper loop runs while the server does (unless disabled)."""
    interval = get_settings().sweep_interval_seconds
    thread = None
    if interval > 0:
        thread = SweeperThread(sessions=get_sessionmaker, clock=auth_time.now, interval=interval)
        thread.start()
    try:
        yield
    finally:
        if thread is not None:
            thread.stop()
