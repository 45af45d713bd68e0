"""The package as a wheel installs it (as the container does) works away from the checkout.

The wheel goes into a scratch venv outside the checkout without its dependencies, which come
from the project venv's site-packages as a plain path entry: that does not run the project
venv's .pth files, so the editable gridloop (a .pth pointing at src/) cannot stand in for it.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from gridloop import localdb
from gridloop.config import CHECKOUT, get_settings


def run(*args: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        [str(arg) for arg in args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def scratch_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    assert CHECKOUT is not None
    work = tmp_path_factory.mktemp("wheel")
    pip = (sys.executable, "-m", "pip", "--disable-pip-version-check", "-q")
    run(*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", work / "dist", CHECKOUT)
    (wheel,) = (work / "dist").glob("gridloop-*.whl")
    venv = work / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv)
    run(*pip, "--python", venv / "bin" / "python", "install", "--no-deps", "--no-index", wheel)
    site_packages = Path(
        run(
            venv / "bin" / "python", "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"
        ).strip()
    )
    dependencies = {sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}
    (site_packages / "project-dependencies.pth").write_text("\n".join(sorted(dependencies)) + "\n")
    return venv


@pytest.fixture(scope="module")
def scratch_database(engine: Engine) -> Iterator[str]:
    """An empty PostGIS database: the installed command migrates it itself."""
    admin_url = get_settings().effective_database_url
    name = f"gridloop_test_wheel_{os.getpid()}"
    url = localdb.ensure_database(admin_url, name, drop_first=True)
    yield url
    localdb.drop_database(admin_url, name)


@pytest.fixture
def elsewhere(tmp_path: Path) -> Path:
    """A working directory with nothing of the checkout in it."""
    path = tmp_path / "elsewhere"
    path.mkdir()
    return path


def installed_env(database_url: str, data_dir: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("GRIDLOOP_") and key not in {"PYTHONPATH", "VIRTUAL_ENV"}
    }
    return {
        **env,
        "GRIDLOOP_DATABASE_URL": database_url,
        "GRIDLOOP_DATA_DIR": str(data_dir),
        "GRIDLOOP_SWEEP_INTERVAL_SECONDS": "0",
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_healthz(server: subprocess.Popen[str], port: int) -> bytes:
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as reply:
                assert reply.status == 200
                return bytes(reply.read())
        except (urllib.error.URLError, ConnectionError):
            assert server.poll() is None, server.communicate()[1]
            assert time.monotonic() < deadline, "the installed server never answered /healthz"
            time.sleep(0.3)


def test_the_installed_command_migrates_seeds_and_serves(
    scratch_venv: Path, scratch_database: str, elsewhere: Path
) -> None:
    env = installed_env(scratch_database, elsewhere / "data")
    gridloop = scratch_venv / "bin" / "gridloop"
    where = run(
        scratch_venv / "bin" / "python",
        "-c",
        "import gridloop, gridloop.config as c; print(gridloop.__file__); print(c.PROJECT_ROOT)",
        cwd=elsewhere,
        env=env,
    ).split()
    assert all(Path(path).is_relative_to(scratch_venv) for path in where), where

    migrated = run(gridloop, "migrate", cwd=elsewhere, env=env)
    seeded = run(gridloop, "seed", "demo", cwd=elsewhere, env=env)

    assert migrated.startswith("migrated to ")
    assert "users: " in seeded
    assert "users: 0 created" not in seeded
    port = free_port()
    server = subprocess.Popen(
        [gridloop, "serve", "--port", str(port), "--no-access-log"],
        cwd=elsewhere,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert wait_for_healthz(server, port)
        # The console's build output is git-ignored: only its artifact declaration puts it in.
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/console/login", timeout=5) as reply:
            page = reply.read().decode()
        assert '<div id="app">' in page
        assert "/console/assets/" in page
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_missing_migrations_or_seeds_are_one_error_line(
    scratch_venv: Path, scratch_database: str, elsewhere: Path
) -> None:
    env = installed_env(scratch_database, elsewhere / "data")
    gridloop = scratch_venv / "bin" / "gridloop"
    project = Path(
        run(
            scratch_venv / "bin" / "python",
            "-c",
            "from gridloop.config import PROJECT_ROOT; print(PROJECT_ROOT)",
            cwd=elsewhere,
            env=env,
        ).strip()
    )
    for folder, command in (("migrations", ["migrate"]), ("seeds", ["seed", "demo"])):
        shutil.move(project / folder, elsewhere / folder)
        try:
            result = subprocess.run(
                [gridloop, *command],
                cwd=elsewhere,
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
        finally:
            shutil.move(elsewhere / folder, project / folder)
        assert result.returncode == 1
        assert "Traceback" not in result.stderr
        assert result.stderr.startswith("error: ")
        assert len(result.stderr.strip().splitlines()) == 1
        assert f"not found in {project / folder}" in result.stderr
