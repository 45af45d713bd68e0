"""`GET /metrics`: the Prometheus text format, summed over every worker of this server.

Values that belong to the database rather than to a process (cases by status) are read at
scrape time by whichever worker answers, and kept a short while: counting tens of millions of
cases on every scrape of every instance would cost more than it tells.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy.exc import SQLAlchemyError

from gridloop import metrics
from gridloop.cases.workflow import Status
from gridloop.db import get_sessionmaker
from gridloop.observability import repository

log = logging.getLogger(__name__)

CASE_COUNT_TTL_SECONDS = 30.0
CASE_COUNT_TIMEOUT_MS = 5000


class CasesByStatus(Collector):
    """`gridloop_cases{status}`, counted in the database at most every CASE_COUNT_TTL_SECONDS."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[str, int] | None = None
        self._read_at = 0.0

    def collect(self) -> Iterator[GaugeMetricFamily]:
        counts = self._current()
        if counts is None:
            return
        family = GaugeMetricFamily("gridloop_cases", "Cases by status", labels=["status"])
        for status in Status:
            family.add_metric([status.value], counts.get(status.value, 0))
        yield family

    def _current(self) -> dict[str, int] | None:
        with self._lock:
            if self._counts is None or time.monotonic() - self._read_at > CASE_COUNT_TTL_SECONDS:
                try:
                    with get_sessionmaker().begin() as session:
                        self._counts = repository.cases_by_status(
                            session, timeout_ms=CASE_COUNT_TIMEOUT_MS
                        )
                    self._read_at = time.monotonic()
                except SQLAlchemyError as error:  # a scrape must not fail with the database
                    log.warning("cases by status: the count failed: %s", error.__class__.__name__)
                    self._counts = None
            return self._counts


# Without auto_describe: describing would collect, that is count the cases, at import.
_database_registry = CollectorRegistry(auto_describe=False)
_database_registry.register(CasesByStatus())

router = APIRouter(tags=["operations"])


def render() -> bytes:
    """The whole page: this server's processes, then the database's values."""
    if metrics.multiprocess_dir():
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        processes = generate_latest(registry)
    else:
        processes = generate_latest(REGISTRY)
    return processes + generate_latest(_database_registry)


@router.get("/metrics", include_in_schema=False)
async def metrics_page() -> Response:
    """Prometheus metrics; for the monitoring network, not for the public."""
    body = await run_in_threadpool(render)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
