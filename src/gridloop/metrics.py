"""What the service counts, as Prometheus metrics; imported by the parts that count.

With several workers (`gridloop serve --workers N`) every process writes its values to files in
`PROMETHEUS_MULTIPROC_DIR`, which `serve` points at a private temporary folder before the
workers start; a scrape, answered by any one worker, adds them up (`observability/exposition.py`).
"""

from __future__ import annotations

import os

from prometheus_client import Counter, Gauge, Histogram, multiprocess
from sqlalchemy import Engine, event

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"

HTTP_LABELS = ("method", "route", "status")
HTTP_REQUESTS = Counter(
    "gridloop_http_requests", "HTTP requests answered, by route template", HTTP_LABELS
)
HTTP_REQUEST_SECONDS = Histogram(
    "gridloop_http_request_duration_seconds",
    "Time from the request's arrival to its response's end, by route template",
    HTTP_LABELS,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)

# Summed over the live workers: a dead worker's connections are gone.
DB_POOL_SIZE = Gauge(
    "gridloop_db_pool_size", "Connections the pools may keep open", multiprocess_mode="livesum"
)
DB_POOL_IN_USE = Gauge(
    "gridloop_db_pool_connections_in_use",
    "Pooled connections checked out now",
    multiprocess_mode="livesum",
)

SWEEP_LAST_RUN = Gauge(
    "gridloop_sweeper_last_run_timestamp_seconds",
    "When a deadline sweep last ran (Unix time)",
    multiprocess_mode="max",
)
SWEEP_LAST_OVERDUE = Gauge(
    "gridloop_sweeper_last_overdue_found",
    "Missed deadlines the latest sweep reported",
    multiprocess_mode="mostrecent",
)
SWEEP_OVERDUE = Counter("gridloop_sweeper_overdue_found", "Missed deadlines reported by sweeps")

LOGIN_FAILURES = Counter("gridloop_login_failures", "Failed logins (wrong name or password)")
LOGIN_REFUSED = Counter(
    "gridloop_login_throttled",
    "Logins refused by the throttle, by what held them: `address` (a delay for one "
    "username from one address) or `username` (the ceiling over all addresses)",
    ["reason"],
)
REQUESTS_THROTTLED = Counter(
    "gridloop_requests_throttled",
    "Requests refused for their rate, by the limit that held them (`open311-get` per client "
    "address, `open311-post` per API key)",
    ["scope"],
)

CREDENTIAL_LOOKUPS = Counter(
    "gridloop_credential_lookups",
    "Bearer tokens and API keys resolved, by where their holder came from: `memory` (the "
    "process remembered it) or `database` (looked up)",
    ["source"],
)


def watch_pool(engine: Engine, *, size: int) -> None:
    """Count the engine's pooled connections as they are checked out and back in."""
    DB_POOL_SIZE.inc(size)
    event.listen(engine, "checkout", lambda *_: DB_POOL_IN_USE.inc())
    event.listen(engine, "checkin", lambda *_: DB_POOL_IN_USE.dec())


def multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROCESS_ENV)


def process_exit() -> None:
    """A worker stops: its live gauges (pool use) leave the sums."""
    if multiprocess_dir():
        multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]
