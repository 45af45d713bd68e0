"""ensure_database on the configured server: the local cluster unless GRIDLOOP_DATABASE_URL."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from gridloop import datadir, localdb
from gridloop.config import CHECKOUT, get_settings

PROBE_DB = "gridloop_localdb_probe"
as_root = pytest.mark.skipif(
    os.geteuid() != 0, reason="only as root does the cluster belong to another user"
)


@pytest.fixture
def admin_url() -> Iterator[str]:
    settings = get_settings()
    if settings.database_url is None:
        localdb.start(settings)
    url = settings.effective_database_url
    yield url
    localdb.drop_database(url, PROBE_DB)


def _postgis_version(sqlalchemy_url: str) -> str:
    conninfo = make_url(sqlalchemy_url).set(drivername="postgresql")
    with psycopg.connect(conninfo.render_as_string(hide_password=False)) as conn:
        row = conn.execute("SELECT postgis_version()").fetchone()
    assert row is not None
    return str(row[0])


def _count_databases(admin_url: str, name: str) -> int:
    conninfo = make_url(admin_url).set(drivername="postgresql", database="postgres")
    with psycopg.connect(conninfo.render_as_string(hide_password=False)) as conn:
        query = "SELECT count(*) FROM pg_database WHERE datname = %s"
        row = conn.execute(query, (name,)).fetchone()
    assert row is not None
    return int(row[0])


def test_ensure_database_creates_postgis_database_idempotently(admin_url: str) -> None:
    first = localdb.ensure_database(admin_url, PROBE_DB, drop_first=True)
    assert make_url(first).database == PROBE_DB
    assert make_url(first).drivername == "postgresql+psycopg"
    assert _postgis_version(first)

    second = localdb.ensure_database(admin_url, PROBE_DB)
    assert second == first
    assert _postgis_version(second)
    assert _count_databases(admin_url, PROBE_DB) == 1


def test_drop_database_removes_it(admin_url: str) -> None:
    localdb.ensure_database(admin_url, PROBE_DB)
    localdb.drop_database(admin_url, PROBE_DB)
    assert _count_databases(admin_url, PROBE_DB) == 0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _command_env(**extra: str) -> dict[str, str]:
    """This environment without the test run's database settings."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("GRIDLOOP_")}
    return {**env, "GRIDLOOP_LOCAL_DB_PORT": str(_free_port()), **extra}


def _gridloop(cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gridloop", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


@pytest.fixture
def checkout_in_a_private_home(tmp_path: Path) -> Path:
    """A copy of the package's checkout below a 0700 directory, as a clone in /root is."""
    assert CHECKOUT is not None
    checkout = tmp_path / "home" / "gridloop"
    shutil.copytree(
        CHECKOUT / "src", checkout / "src", ignore=shutil.ignore_patterns("__pycache__")
    )
    (tmp_path / "home").chmod(0o700)
    return checkout


@as_root
def test_a_checkout_postgres_cannot_reach_keeps_its_cluster_where_it_can(
    checkout_in_a_private_home: Path,
) -> None:
    checkout = checkout_in_a_private_home
    # The copy is what runs: its checkout decides the default data directory.
    env = _command_env(PYTHONPATH=str(checkout / "src"))
    port = env["GRIDLOOP_LOCAL_DB_PORT"]
    moved = datadir.fallback_dir(checkout / ".gridloop")
    try:
        started = _gridloop(checkout, env, "db", "start")
        assert started.returncode == 0, started.stderr
        assert str(moved) in started.stdout
        assert str(checkout / ".gridloop") in started.stdout  # says why it moved
        assert moved.parent == Path("/var/lib/gridloop")
        assert (moved / "pgdata" / "PG_VERSION").is_file()
        assert not (checkout / ".gridloop" / "pgdata").exists()

        status = _gridloop(checkout, env, "db", "status")
        assert status.stdout.startswith(f"running on 127.0.0.1:{port}"), status.stdout
        assert str(moved) in status.stdout
        url = _gridloop(checkout, env, "db", "url").stdout.strip()
        assert url == f"postgresql+psycopg://postgres@127.0.0.1:{port}/gridloop"
        assert _postgis_version(url)

        stopped = _gridloop(checkout, env, "db", "stop")
        assert stopped.returncode == 0, stopped.stderr
        assert not localdb._port_in_use(int(port))
    finally:
        destroyed = _gridloop(checkout, env, "db", "destroy", "--yes")
    assert destroyed.returncode == 0, destroyed.stderr
    assert not moved.exists()


@as_root
def test_an_explicit_data_dir_postgres_cannot_reach_is_one_error_line(tmp_path: Path) -> None:
    assert CHECKOUT is not None
    (tmp_path / "home").mkdir()
    (tmp_path / "home").chmod(0o700)
    explicit = tmp_path / "home" / "data"
    env = _command_env(GRIDLOOP_DATA_DIR=str(explicit))

    started = _gridloop(CHECKOUT, env, "db", "start")

    assert started.returncode == 1
    assert "Traceback" not in started.stderr
    assert started.stderr.startswith("error: ")
    assert len(started.stderr.strip().splitlines()) == 1
    assert f"cannot reach {explicit} " in started.stderr
    assert "GRIDLOOP_DATA_DIR" in started.stderr
    assert not (explicit / "pgdata" / "PG_VERSION").exists()
