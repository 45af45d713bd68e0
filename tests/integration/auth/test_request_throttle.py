"""The request throttle: counts per caller and minute, striped by the counting thread and summed,
refused past the limit with Retry-After, started again each minute, forgotten by the sweeper."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gridloop.auth import service as auth_service
from gridloop.auth.models import RequestThrottle
from gridloop.cases import sweeper
from gridloop.errors import TooManyRequests

NOW = datetime(2026, 3, 2, 9, 0, 20, tzinfo=UTC)


def _count(session: Session, subject: str = "203.0.113.9", at: datetime = NOW) -> None:
    auth_service.count_request(session, scope="test", subject=subject, limit=5, now=at)


def test_counts_of_several_threads_add_up_to_the_limit(session: Session) -> None:
    release = threading.Event()

    def count_twice(counted: threading.Event) -> None:
        for _ in range(2):
            _count(session)
        counted.set()
        release.wait(timeout=10)  # alive until the other has counted: two threads, two shards

    counted = [threading.Event(), threading.Event()]
    threads = [threading.Thread(target=count_twice, args=(event,)) for event in counted]
    for thread, event in zip(threads, counted, strict=True):
        thread.start()
        event.wait(timeout=10)  # one after the other: they share the test's connection
    release.set()
    for thread in threads:
        thread.join()
    _count(session)  # the fifth
    with pytest.raises(TooManyRequests) as refused:
        _count(session)

    shards = session.scalar(select(func.count()).select_from(RequestThrottle))
    assert shards == 3  # two threads and this one
    assert refused.value.headers["Retry-After"] == "40"  # the minute ends at 9:01:00


def test_each_caller_and_each_minute_count_apart(session: Session) -> None:
    for _ in range(5):
        _count(session)

    _count(session, subject="198.51.100.7")
    _count(session, at=NOW + timedelta(minutes=1))


def test_the_sweeper_forgets_ended_minutes(session: Session) -> None:
    _count(session)
    _count(session, subject="198.51.100.7", at=NOW + timedelta(minutes=2))

    sweeper.sweep(session, now=NOW + timedelta(minutes=2, seconds=30))

    left = session.scalars(select(RequestThrottle.subject)).all()
    assert left == ["198.51.100.7"]
