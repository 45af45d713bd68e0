"""kill -9 of `gridloop worker` in the middle of a burst of 500 events: after a restart every
event has reached the receiver at least once, in order per case, and a duplicate carries the
same webhook-id and body."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from sqlalchemy import text

from gridloop.config import get_settings
from tests.factories.cases import World, file_case
from tests.integration.cases.scratch import ScratchWorld
from tests.integration.events.receiver import receiving

CASES = 50
EVENTS_PER_CASE = 10


def _worker(scratch: ScratchWorld, log: Path) -> subprocess.Popen[bytes]:
    environment = {
        **os.environ,
        "GRIDLOOP_DATABASE_URL": scratch.url,
        "GRIDLOOP_WEBHOOK_ALLOW_PRIVATE": "true",
        "GRIDLOOP_WEBHOOK_RETRY_BASE_SECONDS": "0.2",
        "GRIDLOOP_WORKER_POLL_SECONDS": "0.2",
        "GRIDLOOP_LOCAL_DB_PORT": str(get_settings().local_db_port),
    }
    with log.open("ab") as output:
        return subprocess.Popen(
            [sys.executable, "-m", "gridloop", "worker"],
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )


def _burst(scratch: ScratchWorld, case_ids: list[int]) -> None:
    """Ten `overdue` events on each case, a case's events in order, in 20 commits."""
    with scratch.engine.connect() as connection:
        for round_ in range(EVENTS_PER_CASE):
            for half in (case_ids[: CASES // 2], case_ids[CASES // 2 :]):
                connection.execute(
                    text(
                        "INSERT INTO case_event (case_id, district_code, action, from_status,"
                        " to_status, actor_role, payload, occurred_at)"
                        " SELECT c.case_id, c.district_code, 'overdue', c.status, c.status,"
                        " 'system', jsonb_build_object('round', :round), now()"
                        " FROM grid_case c WHERE c.case_id = ANY(:ids) ORDER BY c.case_id"
                    ),
                    {"round": round_, "ids": half},
                )
                connection.commit()


def test_every_event_arrives_after_a_kill_9_and_duplicates_keep_their_webhook_id(
    committed: World, scratch: ScratchWorld, tmp_path: Path
) -> None:
    case_ids = [int(file_case(committed, "ins1")["case_id"]) for _ in range(CASES)]
    log = tmp_path / "worker.log"
    with receiving(configure=lambda r: setattr(r, "delay", 0.002)) as receiver:
        response = committed.client.post(
            "/webhooks",
            json={"url": receiver.url, "events": ["overdue"]},
            headers=committed["adm"],
        )
        assert response.status_code == 201, response.text
        hook: dict[str, Any] = response.json()
        first = _worker(scratch, log)
        try:
            _burst(scratch, case_ids)
            receiver.wait_for(100, timeout=60)
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=10)
            killed_at = len(receiver.received)
            second = _worker(scratch, log)
            try:
                expected = CASES * EVENTS_PER_CASE
                deadline = time.monotonic() + 90
                while time.monotonic() < deadline:
                    if len({r.webhook_id for r in list(receiver.received)}) >= expected:
                        break
                    time.sleep(0.05)
            finally:
                second.terminate()
                second.wait(timeout=10)
        finally:
            if first.poll() is None:
                first.kill()
        committed.client.delete(f"/webhooks/{hook['webhook_id']}", headers=committed["adm"])
    received = list(receiver.received)
    assert killed_at < CASES * EVENTS_PER_CASE, "the kill came after the burst was delivered"
    bodies: dict[str, set[bytes]] = defaultdict(set)
    per_case: dict[int, list[int]] = defaultdict(list)
    for request in received:
        payload = request.verify(hook["secret"])
        event = payload["data"]["event"]
        assert request.webhook_id == f"evt_{event['event_id']}"
        bodies[request.webhook_id].add(request.body)
        if event["event_id"] not in per_case[event["case_id"]]:
            per_case[event["case_id"]].append(event["event_id"])
    assert len(bodies) == CASES * EVENTS_PER_CASE, log.read_text()
    assert all(len(versions) == 1 for versions in bodies.values())
    assert sorted(per_case) == sorted(case_ids)
    for events in per_case.values():
        assert len(events) == EVENTS_PER_CASE
        assert events == sorted(events)
