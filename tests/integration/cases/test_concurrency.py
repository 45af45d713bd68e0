"""Concurrency on committed data: racing actions, racing retries, racing sweepers.

Each test runs against a scratch database of its own (see `scratch.py`): requests in threads
must each have their own connection, which the rolled-back per-test fixtures cannot give.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any, TypeVar

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from gridloop.cases import sweeper
from tests.factories.cases import T0, report
from tests.integration.cases.scratch import ScratchWorld, scratch_world

T = TypeVar("T")


@pytest.fixture(scope="module")
def scratch(engine: Engine) -> Iterator[ScratchWorld]:
    with scratch_world("conc") as world:
        yield world


@pytest.fixture
def client(scratch: ScratchWorld) -> Iterator[TestClient]:
    scratch.clock.now = T0
    # The default thread limit stays: gridloop.limits keeps requests in flight within the pool.
    with TestClient(scratch.app()) as test_client:
        yield test_client


def all_at_once(count: int, call: Callable[[], T]) -> list[T]:
    """`call` from `count` threads released together; their results."""
    barrier = threading.Barrier(count)

    def run() -> T:
        barrier.wait()
        return call()

    with ThreadPoolExecutor(max_workers=count) as pool:
        futures = [pool.submit(run) for _ in range(count)]
        return [future.result() for future in futures]


def file_case(client: TestClient, scratch: ScratchWorld) -> dict[str, Any]:
    response = client.post("/cases", json=report(), headers=scratch["ins1"])
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def test_fifty_identical_actions_at_once_succeed_exactly_once(
    client: TestClient, scratch: ScratchWorld
) -> None:
    filed = file_case(client, scratch)
    case_id = filed["case_id"]
    headers = {**scratch["disp1"], "If-Match": f'"{case_id}.1"'}

    responses = all_at_once(
        50, lambda: client.post(f"/cases/{case_id}/actions/register", json={}, headers=headers)
    )

    statuses = Counter(response.status_code for response in responses)
    assert statuses[200] == 1, statuses
    assert set(statuses) <= {200, 409, 412}, [r.text for r in responses if r.status_code >= 500]
    events = client.get(f"/cases/{case_id}/events", headers=scratch["aud"]).json()
    assert [event["action"] for event in events] == ["file", "register"]


def test_two_hundred_retries_with_one_idempotency_key_file_one_case(
    client: TestClient, scratch: ScratchWorld
) -> None:
    key = str(uuid.uuid4())
    headers = {**scratch["ins1"], "Idempotency-Key": key}
    body = report(description=f"重试 {key}")

    responses = all_at_once(200, lambda: client.post("/cases", json=body, headers=headers))

    statuses = Counter(response.status_code for response in responses)
    assert set(statuses) <= {201, 409}, [r.text for r in responses if r.status_code >= 500]
    created = {response.json()["case_id"] for response in responses if response.status_code == 201}
    assert len(created) == 1
    with scratch.engine.connect() as connection:
        stored = connection.execute(
            text("SELECT count(*) FROM grid_case WHERE description = :d"),
            {"d": body["description"]},
        ).scalar_one()
    assert stored == 1
    # Once the first has answered, a retry replays it.
    again = client.post("/cases", json=body, headers=headers)
    assert again.status_code == 201
    assert again.json()["case_id"] in created


def test_two_sweepers_at_once_report_each_missed_deadline_once(
    client: TestClient, scratch: ScratchWorld
) -> None:
    cases = [file_case(client, scratch)["case_id"] for _ in range(5)]  # register due T0 + 1 h
    later = T0 + timedelta(hours=2)

    def one_sweep() -> sweeper.SweepResult:
        with scratch.sessions.begin() as session:
            return sweeper.sweep(session, now=later)

    results = all_at_once(2, one_sweep)
    again = one_sweep()

    reported = Counter(case_id for result in results for case_id, _ in result.overdue)
    assert all(reported[case_id] == 1 for case_id in cases), reported
    assert again.overdue == []
    with scratch.engine.connect() as connection:
        events = connection.execute(
            text(
                "SELECT case_id, count(*) FROM case_event WHERE action = 'overdue' "
                "AND case_id = ANY(:ids) GROUP BY case_id"
            ),
            {"ids": cases},
        ).all()
    assert dict(events) == dict.fromkeys(cases, 1)
    scratch.clock.now = later
    listed = client.get("/cases", params={"overdue": "true", "limit": 500}, headers=scratch["aud"])
    assert set(cases) <= {case["case_id"] for case in listed.json()["items"]}
