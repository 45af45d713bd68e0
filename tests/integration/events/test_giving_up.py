"""Retries end: a receiver failing for the whole retry window fails the delivery and disables
its subscription with a note; a `Retry-After` is waited out."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from gridloop.events.worker import Worker
from tests.factories.cases import World, file_case
from tests.integration.cases.scratch import ScratchWorld
from tests.integration.events.conftest import fast_settings
from tests.integration.events.receiver import receiving
from tests.integration.events.webhooks import subscribe, worker_running

WINDOW_S = 1.5


@pytest.fixture(scope="module")
def impatient_worker(scratch: ScratchWorld) -> Iterator[Worker]:
    """A worker whose retries end after 1.5 s instead of 24 h."""
    settings = fast_settings(webhook_retry_hours=WINDOW_S / 3600)
    with worker_running(scratch.sessions, settings) as running:
        yield running


def test_a_receiver_failing_for_the_whole_window_disables_the_subscription(
    committed: World, impatient_worker: Worker
) -> None:
    with receiving(configure=lambda r: setattr(r, "then", 503)) as receiver:
        hook = subscribe(committed, receiver.url, events=["file"])
        file_case(committed, "ins1")
        url = f"/webhooks/{hook['webhook_id']}"
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            read = committed.client.get(url, headers=committed["adm"]).json()
            if not read["enabled"]:
                break
            time.sleep(0.1)
        deliveries = committed.client.get(f"{url}/deliveries", headers=committed["adm"]).json()
        committed.client.delete(url, headers=committed["adm"])
    assert read["enabled"] is False
    assert "failed for" in read["disabled_reason"]
    assert [d["status"] for d in deliveries] == ["failed"]
    assert deliveries[0]["attempts"] >= 2
    assert deliveries[0]["last_status_code"] == 503
    assert len(receiver.received) == deliveries[0]["attempts"]


def test_a_retry_after_is_waited_out(committed: World, impatient_worker: Worker) -> None:
    def answer_429_once(receiver: Any) -> None:
        receiver.script = [429]
        receiver.extra_headers = {"Retry-After": "1"}

    with receiving(configure=answer_429_once) as receiver:
        hook = subscribe(committed, receiver.url, events=["file"])
        file_case(committed, "ins1")
        arrived = receiver.wait_for(2)
        committed.client.delete(f"/webhooks/{hook['webhook_id']}", headers=committed["adm"])
    # The base delay is 0.3 s; the receiver asked for a second.
    assert arrived[1].at - arrived[0].at >= 0.95
