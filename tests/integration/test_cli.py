"""The `gridloop` command: expected problems are one clear line and a non-zero exit."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from gridloop import localdb, migrations
from gridloop.config import get_settings
from tests.integration.small_map import COMMUNITIES, STREETS, UNIT_GRIDS


@pytest.fixture(scope="module")
def cli_database(engine: Engine) -> Iterator[str]:
    """A database of its own: the command commits, so it must not touch the test database."""
    admin_url = get_settings().effective_database_url
    name = f"gridloop_test_cli_{os.getpid()}"
    url = localdb.ensure_database(admin_url, name, drop_first=True)
    scratch = create_engine(url)
    with scratch.begin() as connection:
        migrations.upgrade(connection)
    scratch.dispose()
    yield url
    localdb.drop_database(admin_url, name)


def gridloop(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GRIDLOOP_DATABASE_URL": database_url}
    return subprocess.run(
        [sys.executable, "-m", "gridloop", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def write(tmp_path: Path, name: str, data: object) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return str(path)


def count(database_url: str, table: str) -> int:
    scratch = create_engine(database_url)
    with scratch.connect() as connection:
        value = int(connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
    scratch.dispose()
    return value


def test_import_then_export_round_trips(cli_database: str, tmp_path: Path) -> None:
    for layer, data in (
        ("streets", STREETS),
        ("communities", COMMUNITIES),
        ("unit-grids", UNIT_GRIDS),
    ):
        result = gridloop(
            cli_database, "import", "geo", write(tmp_path, layer, data), "--layer", layer
        )
        assert result.returncode == 0, result.stderr

    exported = gridloop(cli_database, "export", "geo", "--layer", "unit-grids")

    assert exported.returncode == 0, exported.stderr
    codes = [f["properties"]["code"] for f in json.loads(exported.stdout)["features"]]
    assert codes == sorted(f["properties"]["code"] for f in UNIT_GRIDS["features"])


def test_a_bad_file_is_one_line_per_problem_and_writes_nothing(
    cli_database: str, tmp_path: Path
) -> None:
    bad = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}}]}
    before = count(cli_database, "street")

    result = gridloop(
        cli_database, "import", "geo", write(tmp_path, "bad", bad), "--layer", "streets"
    )

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1
    assert "nothing was written" in errors[0]
    assert "features[0]: 缺少编码 / missing code" in result.stderr
    assert count(cli_database, "street") == before


def test_an_unreachable_database_is_one_clear_line() -> None:
    result = gridloop("postgresql+psycopg://postgres@127.0.0.1:9/nowhere", "migrate")

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "cannot reach the database" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_users_and_tokens_are_created_from_the_command(cli_database: str) -> None:
    created = gridloop(
        cli_database,
        "user",
        "create",
        "cli-auditor",
        "--role",
        "auditor",
        "--password",
        "s3cret-pw",
    )
    token = gridloop(cli_database, "token", "create", "--user", "cli-auditor")
    duplicate = gridloop(
        cli_database,
        "user",
        "create",
        "cli-auditor",
        "--role",
        "auditor",
        "--password",
        "s3cret-pw",
    )

    assert created.returncode == 0, created.stderr
    assert token.returncode == 0, token.stderr
    assert len(token.stdout.strip()) >= 40
    assert duplicate.returncode == 1
    assert "Traceback" not in duplicate.stderr


def test_the_openapi_document_needs_no_server_and_no_database(tmp_path: Path) -> None:
    # The database URL points nowhere: exporting the document must not try to connect.
    unreachable = "postgresql+psycopg://nobody@127.0.0.1:1/nowhere"
    target = tmp_path / "openapi.json"

    written = gridloop(unreachable, "openapi", "--output", str(target))
    printed = gridloop(unreachable, "openapi")

    assert written.returncode == 0, written.stderr
    document = json.loads(target.read_text(encoding="utf-8"))
    assert "/tiles/{layer}/{z}/{x}/{y}.mvt" in document["paths"]
    assert json.loads(printed.stdout) == document
