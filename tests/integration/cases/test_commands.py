"""`gridloop sweep` and `gridloop check events`, run as commands on a scratch database."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from gridloop.cases import sweeper
from tests.factories.cases import T0, report
from tests.integration.cases.scratch import ScratchWorld, scratch_world
from tests.integration.test_cli import gridloop


@pytest.fixture(scope="module")
def scratch(engine: Engine) -> Iterator[ScratchWorld]:
    with scratch_world("cmd") as world:
        yield world


def _file(scratch: ScratchWorld, idempotency_key: str | None = None) -> int:
    scratch.clock.now = T0  # long past: every deadline of the case is missed by now
    headers = dict(scratch["ins1"])
    if idempotency_key is not None:
        headers["Idempotency-Key"] = idempotency_key
    with TestClient(scratch.app()) as client:
        response = client.post("/cases", json=report(), headers=headers)
    assert response.status_code == 201, response.text
    return int(response.json()["case_id"])


def test_sweep_reports_missed_deadlines_once(scratch: ScratchWorld) -> None:
    case_id = _file(scratch)

    first = gridloop(scratch.url, "sweep")
    second = gridloop(scratch.url, "sweep")

    assert first.returncode == 0, first.stderr
    assert "overdue: 1 new events (register 1)" in first.stdout
    assert second.returncode == 0, second.stderr
    assert "none new" in second.stdout
    with scratch.engine.connect() as connection:
        count = connection.execute(
            text("SELECT count(*) FROM case_event WHERE case_id = :id AND action = 'overdue'"),
            {"id": case_id},
        ).scalar_one()
    assert count == 1


def test_check_events_passes_when_every_status_is_the_replay_of_its_events(
    scratch: ScratchWorld,
) -> None:
    _file(scratch)

    result = gridloop(scratch.url, "check", "events")

    assert result.returncode == 0, result.stdout + result.stderr
    assert " 0 mismatches" in result.stdout


def test_check_events_names_a_case_whose_status_its_events_do_not_give(
    scratch: ScratchWorld,
) -> None:
    case_id = _file(scratch)
    with scratch.engine.begin() as connection:
        connection.execute(
            text("UPDATE grid_case SET status = 'closed' WHERE case_id = :id"), {"id": case_id}
        )

    result = gridloop(scratch.url, "check", "events")

    assert result.returncode == 1
    assert f"case {case_id} (closed): the events replay to reported" in result.stdout
    assert "1 mismatches" in result.stdout
    with scratch.engine.begin() as connection:  # leave the module's database consistent
        connection.execute(
            text("UPDATE grid_case SET status = 'reported' WHERE case_id = :id"), {"id": case_id}
        )


def test_the_background_sweeper_reports_missed_deadlines_while_it_runs(
    scratch: ScratchWorld,
) -> None:
    case_id = _file(scratch)
    loop = sweeper.SweeperThread(
        sessions=lambda: scratch.sessions, clock=lambda: T0 + timedelta(days=1), interval=0.05
    )

    loop.start()
    try:
        deadline = time.monotonic() + 10
        while _overdue_count(scratch, case_id) == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.2)  # a few more passes
    finally:
        loop.stop()

    assert _overdue_count(scratch, case_id) == 1
    assert not loop.is_alive()


def _overdue_count(scratch: ScratchWorld, case_id: int) -> int:
    with scratch.engine.connect() as connection:
        return int(
            connection.execute(
                text("SELECT count(*) FROM case_event WHERE case_id = :id AND action = 'overdue'"),
                {"id": case_id},
            ).scalar_one()
        )


def test_sweep_purges_expired_idempotency_keys(scratch: ScratchWorld) -> None:
    _file(scratch, idempotency_key="command-key")  # stored at T0, long past
    assert _keys(scratch) == ["command-key"]

    result = gridloop(scratch.url, "sweep")

    assert result.returncode == 0, result.stderr
    assert "expired idempotency keys purged: 1" in result.stdout
    assert _keys(scratch) == []


def test_the_background_sweeper_purges_expired_idempotency_keys(scratch: ScratchWorld) -> None:
    _file(scratch, idempotency_key="loop-key")
    loop = sweeper.SweeperThread(
        sessions=lambda: scratch.sessions, clock=lambda: T0 + timedelta(days=2), interval=0.05
    )

    loop.start()
    try:
        deadline = time.monotonic() + 10
        while _keys(scratch) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        loop.stop()

    assert _keys(scratch) == []


def _keys(scratch: ScratchWorld) -> list[str]:
    with scratch.engine.connect() as connection:
        return list(connection.execute(text("SELECT key FROM idempotency_key")).scalars())
