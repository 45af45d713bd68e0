"""What every benchmark script needs: timing, latencies, a scratch database, the real server.

Kept in one place so the scripts measure the same way and print the same kind of table.
The scripts run as `python bench/<name>.py`, which puts this folder on sys.path: they import
it as `harness`.
"""

from __future__ import annotations

import contextlib
import http.client
import math
import os
import platform
import re
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import NoReturn, Self, TypeVar

import httpx2
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from gridloop import console, localdb, migrations
from gridloop.auth import service as auth_service
from gridloop.auth.models import Role
from gridloop.config import get_settings

USERNAME = "bench-auditor"
PASSWORD = "bench-password"  # a throwaway user in a throwaway database
SERVER_START_TIMEOUT_S = 60.0

T = TypeVar("T")


# --------------------------------------------------------------------------------------------
# timing
# --------------------------------------------------------------------------------------------


def log(message: str) -> None:
    """Progress on stderr, so that stdout holds only the report."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def timed(action: Callable[[], T]) -> tuple[T, float]:
    """The result of `action` and its wall time in seconds, for one-off steps."""
    start = time.perf_counter()
    result = action()
    return result, time.perf_counter() - start


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile of already sorted values (q in 0..100): always a measured value."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(q / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


@dataclass
class Latencies:
    """Per-operation latencies in milliseconds, summarised the same way by every script."""

    values_ms: list[float] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.values_ms)

    @property
    def mean(self) -> float:
        return sum(self.values_ms) / len(self.values_ms) if self.values_ms else math.nan

    def pct(self, q: float) -> float:
        return percentile(sorted(self.values_ms), q)

    @property
    def per_second(self) -> float:
        """Throughput of one client issuing the operations back to back: 1 / mean."""
        return 1000.0 / self.mean if self.values_ms else math.nan


# --------------------------------------------------------------------------------------------
# load
# --------------------------------------------------------------------------------------------

# (method, path, headers, body) of the n-th request
RequestOf = Callable[[int], tuple[str, str, dict[str, str], bytes]]


@dataclass
class HttpResult:
    latencies: Latencies = field(default_factory=Latencies)
    statuses: Counter[int] = field(default_factory=Counter)
    seconds: float = 0.0

    @property
    def per_second(self) -> float:
        return self.latencies.count / self.seconds if self.seconds else 0.0


def closed_loop(
    port: int, request_of: RequestOf, *, clients: int, seconds: float, warmup: float
) -> HttpResult:
    """`clients` threads, each one keep-alive connection sending back to back; client `n`
    sends requests `n × 1,000,000 + i`. Nothing is counted during the first `warmup` seconds."""
    result = HttpResult()
    lock = threading.Lock()
    start_gate = threading.Barrier(clients + 1)
    started = 0.0
    stop_at = 0.0

    def client(number: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        local = Latencies()
        statuses: Counter[int] = Counter()
        start_gate.wait()
        index = 0
        try:
            while (now := time.perf_counter()) < stop_at:
                method, path, headers, body = request_of(number * 1_000_000 + index)
                index += 1
                begin = time.perf_counter_ns()
                connection.request(method, path, body=body, headers=headers)
                reply = connection.getresponse()
                reply.read()
                elapsed = (time.perf_counter_ns() - begin) / 1e6
                if now >= started + warmup:
                    local.values_ms.append(elapsed)
                    statuses[reply.status] += 1
        finally:
            connection.close()
        with lock:
            result.latencies.values_ms.extend(local.values_ms)
            result.statuses.update(statuses)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    started = time.perf_counter()
    stop_at = started + warmup + seconds
    start_gate.wait()
    for thread in threads:
        thread.join()
    result.seconds = seconds
    return result


# --------------------------------------------------------------------------------------------
# the database
# --------------------------------------------------------------------------------------------


def admin_url() -> str:
    """The server to create scratch databases on: GRIDLOOP_DATABASE_URL's, else the local one."""
    settings = get_settings()
    if settings.database_url:
        return settings.database_url
    log(f"starting the local cluster ({localdb.status(settings)})")
    localdb.start(settings)
    return settings.local_database_url


@contextlib.contextmanager
def scratch_database(admin: str, name: str, *, keep: bool) -> Iterator[tuple[str, Engine]]:
    """Database `name`, dropped first and migrated, as (URL, engine); dropped on exit unless
    `keep`, so that a run starts clean and leaves nothing behind."""
    url = localdb.ensure_database(admin, name, drop_first=True)
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            migrations.upgrade(connection)
        yield url, engine
    finally:
        engine.dispose()
        if keep:
            log(f"kept database {name}: {make_url(url).render_as_string(hide_password=True)}")
        else:
            localdb.drop_database(admin, name)
            log(f"dropped database {name}")


@contextlib.contextmanager
def kept_or_scratch_database(
    admin: str, name: str, *, reuse: bool, keep: bool
) -> Iterator[tuple[str, Engine]]:
    """The scratch database `name`, or with `reuse` the one a `keep` run left (kept again)."""
    if not reuse:
        with scratch_database(admin, name, keep=keep) as pair:
            yield pair
        return
    url = localdb.ensure_database(admin, name)
    engine = create_engine(url)
    try:
        yield url, engine
    finally:
        engine.dispose()


@contextlib.contextmanager
def served_database(
    admin: str, name: str, *, reuse: bool = False, keep: bool
) -> Iterator[tuple[str, Engine, Server]]:
    """`kept_or_scratch_database` with the real server over it, not yet started (the caller
    loads its data first), its log in a temporary folder."""
    with (
        kept_or_scratch_database(admin, name, reuse=reuse, keep=keep) as (url, engine),
        tempfile.TemporaryDirectory(prefix="gridloop-bench-", ignore_cleanup_errors=True) as tmp,
        Server(url, Path(tmp) / "server.log") as server,
    ):
        yield url, engine, server


def case_count(engine: Engine) -> int:
    """How many cases the database holds (a reused one may hold more than asked)."""
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT count(*) FROM grid_case")).scalar_one())


def require_console() -> None:
    """Fail at once, before any database work, when the console has not been built."""
    if not (console.DIST / "index.html").is_file():
        raise RuntimeError("the console is not built: run `make console` first")


def issue_token(engine: Engine) -> str:
    """A bearer token of a new auditor, who may call the read-only endpoints being timed."""
    with Session(engine) as session, session.begin():
        user = auth_service.create_user(
            session, username=USERNAME, password=PASSWORD, role=Role.AUDITOR
        )
        token, _ = auth_service.issue_token(session, user=user, now=datetime.now(UTC))
    return token


# --------------------------------------------------------------------------------------------
# pgbench, the baseline: the same SQL without the service
# --------------------------------------------------------------------------------------------


def libpq_params(url: str) -> dict[str, str]:
    """Connection keywords (libpq names) of a SQLAlchemy URL."""
    parsed = make_url(url)
    params: dict[str, str] = {"dbname": parsed.database or "postgres"}
    if parsed.host:
        params["host"] = parsed.host
    if parsed.port:
        params["port"] = str(parsed.port)
    if parsed.username:
        params["user"] = parsed.username
    if parsed.password:
        params["password"] = str(parsed.password)
    for key, value in parsed.query.items():
        params[key] = value if isinstance(value, str) else value[-1]
    return params


def pgbench_binary() -> str:
    """The pgbench next to the server binaries (same version), else the one on PATH."""
    with contextlib.suppress(localdb.LocalDbError):
        with_server = localdb.bin_dir() / "pgbench"
        if with_server.is_file():
            return str(with_server)
    found = shutil.which("pgbench")
    if found:
        return found
    raise RuntimeError("pgbench not found: install postgresql-client")


@dataclass
class PgbenchResult:
    command: list[str]
    tps: float
    latency_avg_ms: float
    transactions: int
    failed: int
    # With `log_dir`: each transaction's latency, by the index of its script in `scripts`.
    logged: dict[int, Latencies] = field(default_factory=dict)

    @property
    def logged_all(self) -> Latencies:
        return Latencies([value for part in self.logged.values() for value in part.values_ms])


def run_pgbench(
    url: str,
    scripts: Sequence[Path | tuple[Path, int]],
    *,
    seconds: int,
    clients: int = 1,
    threads: int = 1,
    prepared: bool = False,
    log_dir: Path | None = None,
) -> PgbenchResult:
    """pgbench on `scripts` (each with its weight, when given) for `seconds`; with `log_dir`,
    every transaction's latency is read back from pgbench's log."""
    params = libpq_params(url)
    env = dict(os.environ)
    for key, variable in (
        ("password", "PGPASSWORD"),
        ("sslmode", "PGSSLMODE"),
        ("sslrootcert", "PGSSLROOTCERT"),
    ):
        if key in params:
            env[variable] = params[key]
    command = [pgbench_binary(), "-n", "-c", str(clients), "-j", str(threads), "-T", str(seconds)]
    if prepared:
        command += ["-M", "prepared"]
    for script in scripts:
        path, weight = script if isinstance(script, tuple) else (script, None)
        command += ["-f", str(path) if weight is None else f"{path}@{weight}"]
    if log_dir is not None:
        command += ["--log", "--log-prefix", str(log_dir / "pgbench_log")]
    for option, key in (("-h", "host"), ("-p", "port"), ("-U", "user")):
        if key in params:
            command += [option, params[key]]
    command.append(params["dbname"])
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"pgbench failed:\n{done.stdout}\n{done.stderr}")

    def number(pattern: str, default: float | None = None) -> float:
        match = re.search(pattern, done.stdout)
        if match is None:
            if default is not None:
                return default
            raise RuntimeError(f"pgbench output lacks {pattern!r}:\n{done.stdout}")
        return float(match.group(1))

    return PgbenchResult(
        command=command,
        tps=number(r"tps = ([0-9.]+)"),
        latency_avg_ms=number(r"latency average = ([0-9.]+) ms"),
        transactions=int(number(r"number of transactions actually processed: (\d+)")),
        failed=int(number(r"number of failed transactions: (\d+)", 0)),
        logged={} if log_dir is None else _pgbench_log(log_dir),
    )


def _pgbench_log(log_dir: Path) -> dict[int, Latencies]:
    logged: dict[int, Latencies] = {}
    for path in log_dir.glob("pgbench_log*"):
        for line in path.read_text(encoding="utf-8").splitlines():
            # client_id transaction_no time(us) script_no time_epoch time_us
            fields = line.split()
            if len(fields) >= 4 and fields[2].isdigit():
                logged.setdefault(int(fields[3]), Latencies()).values_ms.append(
                    int(fields[2]) / 1000.0
                )
    return logged


# --------------------------------------------------------------------------------------------
# the server
# --------------------------------------------------------------------------------------------


def free_port() -> int:
    """A port nobody listens on now, so that a run never meets a server it did not start."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Server:
    """`gridloop serve` on a free port, as a subprocess, logging to a file: the real server,
    measured from outside. Started by `start`; stopped by `stop` or on leaving a `with`."""

    def __init__(self, database_url: str, log_path: Path) -> None:
        self.port = free_port()
        # No access log: it measures the service, not the terminal it would write to.
        self.command = [
            sys.executable,
            "-m",
            "gridloop",
            "serve",
            "--no-access-log",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
        ]
        self.log_path = log_path
        self.env = {**os.environ, "GRIDLOOP_DATABASE_URL": database_url}
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self) -> None:
        """Start the server and return once /healthz answers 200 (or fail with its log)."""
        with self.log_path.open("wb") as log_file:
            self.process = subprocess.Popen(
                self.command, env=self.env, stdout=log_file, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        with httpx2.Client(base_url=self.base_url, timeout=2.0) as client:
            while True:
                if self.process.poll() is not None:
                    raise RuntimeError(f"the server exited early:\n{self.log_tail()}")
                try:
                    if client.get("/healthz").status_code == 200:
                        return
                except httpx2.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"/healthz is not 200 after startup:\n{self.log_tail()}")
                time.sleep(0.2)

    def stop(self) -> None:
        """Terminate the server (kill it if it lingers); harmless when it is not running."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=15)

    def log_tail(self, lines: int = 30) -> str:
        """The end of the server's log, to explain a failure."""
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no server log)"


# --------------------------------------------------------------------------------------------
# the report
# --------------------------------------------------------------------------------------------


def host_summary() -> str:
    """Which machine and Python the figures come from, and how busy the machine was."""
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    return (
        f"host: {platform.node()}, {os.cpu_count()} CPUs (load average {load}), "
        f"Python {platform.python_version()}"
    )


def shown_path(path: str) -> str:
    """A path relative to the working directory when it lies below it, for a shorter command."""
    try:
        return os.path.relpath(path) if Path(path).absolute().is_relative_to(Path.cwd()) else path
    except ValueError:
        return path


def this_command() -> str:
    """The command line of this run, quoted for a shell, so that a reader can run it again."""
    return " ".join(shlex.quote(part) for part in [shown_path(sys.executable), *sys.argv])


def print_table(rows: Sequence[tuple[str, str, str]]) -> None:
    """Rows of (metric, value, goal) as aligned plain-text columns."""
    headers = ("metric", "value", "goal")
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(headers)]
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


def run(main: Callable[[], int]) -> NoReturn:
    """Exit with `main`'s status; an expected failure (no database, a failed step) is one
    `error:` line instead of a traceback."""
    try:
        sys.exit(main())
    except (localdb.LocalDbError, RuntimeError) as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(1)
