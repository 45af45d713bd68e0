"""Fixtures of the report tests: the small world of the case tests, and the hand-built history.

Two ways the rollups are kept here:

- `world` (the case tests' world, rolled back after each test): its outer transaction never
  commits, and the rollups are refreshed by a deferred trigger at COMMIT, so the trigger fires
  at the end of each statement instead. A request appends its event after it changed the case,
  so the facts are the same.
- `history` (built once for the package): the 40 cases of `history.py` in a scratch database of
  their own, every request committed, so the trigger fires at COMMIT as in production.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, text

from gridloop.auth import service as auth_service
from gridloop.auth.models import IntakeSource
from gridloop.cases import sweeper
from gridloop.config import get_settings
from tests.factories.cases import World
from tests.factories.reports import History
from tests.integration.cases.scratch import scratch_world
from tests.integration.reports.history import build_history


@pytest.fixture(autouse=True)
def rollups_at_each_statement(connection: Connection) -> None:
    connection.execute(text("SET CONSTRAINTS refresh_rollups IMMEDIATE"))


@pytest.fixture(scope="package")
def history(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[History]:
    with pytest.MonkeyPatch.context() as patch, scratch_world("reports") as scratch:
        patch.setattr(get_settings(), "photo_dir", tmp_path_factory.mktemp("photos"))
        with scratch.sessions.begin() as session:
            key = auth_service.create_api_key(
                session, name="hotline", source=IntakeSource.HOTLINE_12345
            )
        scratch.headers["hotline"] = {"X-API-Key": key}

        def sweep(now: datetime) -> sweeper.SweepResult:
            with scratch.sessions.begin() as session:
                return sweeper.sweep(session, now=now)

        with TestClient(scratch.app()) as client:
            world = World(client=client, clock=scratch.clock, headers=scratch.headers)
            cases = build_history(world, sweep)
            yield History(world, cases, scratch.url, scratch.engine, scratch.sessions)
