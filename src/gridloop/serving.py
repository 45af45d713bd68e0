"""`gridloop serve`: uvicorn with the service's logging, metrics folder and proxy handling."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

from gridloop import metrics
from gridloop.config import get_settings
from gridloop.observability import logs


def run(*, host: str | None, port: int | None, workers: int, access_log: bool) -> None:
    """Serve until stopped."""
    import uvicorn

    settings = get_settings()
    with _metrics_dir(workers):
        uvicorn.run(
            "gridloop.app:create_app",
            factory=True,
            host=host or settings.host,
            port=port or settings.port,
            workers=workers,
            access_log=False,  # the app writes its own access lines, with the request id
            log_config=logs.dict_config(settings, access_log=access_log),
            # The app reads X-Forwarded-For itself, from GRIDLOOP_TRUSTED_PROXIES only.
            proxy_headers=False,
        )


@contextmanager
def _metrics_dir(workers: int) -> Iterator[None]:
    """Several workers share their metrics through files in a private folder, new for each
    start (a folder left by an earlier run would add its counts to ours); one worker keeps them
    in memory."""
    if workers == 1:
        yield
        return
    folder = tempfile.mkdtemp(prefix="gridloop-metrics-")
    os.environ[metrics.MULTIPROCESS_ENV] = folder  # the spawned workers inherit it
    try:
        yield
    finally:
        shutil.rmtree(folder, ignore_errors=True)
