"""The real server, as `gridloop serve` runs it, on a scratch database of its own.

The per-test rollback connection of tests/conftest.py is invisible to another process, so the
server gets a database that is migrated and committed, created once per run and dropped after.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine

from gridloop import localdb, migrations
from gridloop.config import get_settings

STARTUP_SECONDS = 60


@dataclass(frozen=True)
class LiveServer:
    url: str  # http://127.0.0.1:<port>, the origin pages are loaded from
    database_url: str
    log: Path  # the server's output

    def gridloop(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run a `gridloop` command against the server's database."""
        return subprocess.run(
            [sys.executable, "-m", "gridloop", *args],
            env={**os.environ, "GRIDLOOP_DATABASE_URL": self.database_url},
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )


@contextmanager
def live_server(log_dir: Path, purpose: str) -> Iterator[LiveServer]:
    """Serve on a free 127.0.0.1 port over `gridloop_test_<purpose>_<pid>`, migrated: each user
    of a server names its own database, so that one ending never drops another's."""
    settings = get_settings()
    if settings.database_url is None:
        localdb.start(settings)
    admin_url = settings.effective_database_url
    name = f"gridloop_test_{purpose}_{os.getpid()}"
    database_url = localdb.ensure_database(admin_url, name, drop_first=True)
    try:
        engine = create_engine(database_url)
        with engine.begin() as connection:
            migrations.upgrade(connection)
        engine.dispose()
        with _serving(database_url, log_dir / "server.log") as server:
            yield server
    finally:
        localdb.drop_database(admin_url, name)


@contextmanager
def _serving(database_url: str, log: Path) -> Iterator[LiveServer]:
    port = _free_port()
    env = {
        **os.environ,
        "GRIDLOOP_DATABASE_URL": database_url,
        "GRIDLOOP_SWEEP_INTERVAL_SECONDS": "0",  # tests sweep when they mean to
    }
    command = [sys.executable, "-m", "gridloop", "serve", "--host", "127.0.0.1"]
    with log.open("w") as output:
        process = subprocess.Popen(
            [*command, "--port", str(port)], env=env, stdout=output, stderr=subprocess.STDOUT
        )
    server = LiveServer(url=f"http://127.0.0.1:{port}", database_url=database_url, log=log)
    try:
        _wait_until_healthy(server, process)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_until_healthy(server: LiveServer, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = server.log.read_text()
            raise RuntimeError(f"the server exited ({process.returncode}):\n{output}")
        try:
            with urllib.request.urlopen(f"{server.url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    output = server.log.read_text()
    raise RuntimeError(f"the server did not answer in {STARTUP_SECONDS} s:\n{output}")
