"""The worker delivers to a real receiver on loopback: signed, in order, retried, disabled."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from gridloop.events.worker import Worker, backoff, retry_after_seconds
from tests.factories.cases import T0, World, act, file_case, image, ok, upload
from tests.integration.cases.scratch import ScratchWorld
from tests.integration.events.conftest import fast_settings
from tests.integration.events.receiver import receiving
from tests.integration.events.webhooks import subscribe, worker_running


@pytest.fixture(scope="module")
def worker(scratch: ScratchWorld) -> Iterator[Worker]:
    with worker_running(scratch.sessions, fast_settings()) as running:
        yield running


def _unsubscribe(world: World, hook: dict[str, Any]) -> None:
    response = world.client.delete(f"/webhooks/{hook['webhook_id']}", headers=world["adm"])
    assert response.status_code == 204


def _close_round(world: World) -> int:
    """A case filed, dispatched, handled, verified and closed; its id."""
    world.clock.now = T0
    case_id = int(file_case(world, "ins1")["case_id"])
    ok(act(world, case_id, "register", "disp1"))
    ok(act(world, case_id, "dispatch", "disp1"))
    ok(act(world, case_id, "accept", "lia1"))
    assert upload(world, case_id, "after", "lia1", ("after.jpg", image())).status_code == 201
    ok(act(world, case_id, "report_handled", "lia1", {"result": "已清运"}))
    assert upload(world, case_id, "verification", "ins1", ("v.jpg", image())).status_code == 201
    ok(act(world, case_id, "verify", "ins1", {"passed": True}))
    world.clock.now = T0 + timedelta(hours=1)
    ok(act(world, case_id, "close", "disp1"))
    return case_id


def test_filed_dispatched_and_closed_arrive_signed_and_in_order(
    committed: World, worker: Worker
) -> None:
    with receiving() as receiver:
        hook = subscribe(committed, receiver.url, events=["file", "dispatch", "close"])
        case_id = _close_round(committed)
        arrived = receiver.wait_for(3)
        _unsubscribe(committed, hook)
    payloads = [request.verify(hook["secret"]) for request in arrived]
    assert [p["type"] for p in payloads] == ["case.file", "case.dispatch", "case.close"]
    assert [p["data"]["event"]["action"] for p in payloads] == ["file", "dispatch", "close"]
    assert {p["data"]["case"]["case_id"] for p in payloads} == {case_id}
    assert [p["data"]["event"]["to_status"] for p in payloads] == [
        "reported",
        "dispatched",
        "closed",
    ]
    event_ids = [p["data"]["event"]["event_id"] for p in payloads]
    assert event_ids == sorted(event_ids)
    assert [r.webhook_id for r in arrived] == [f"evt_{event_id}" for event_id in event_ids]
    assert "requester" not in payloads[0]["data"]["case"]


def test_a_receiver_failing_twice_gets_the_event_three_times_with_growing_delays(
    committed: World, worker: Worker
) -> None:
    with receiving([500, 500]) as receiver:
        hook = subscribe(committed, receiver.url, events=["file"])
        file_case(committed, "ins1")
        arrived = receiver.wait_for(3)
        deliveries = committed.client.get(
            f"/webhooks/{hook['webhook_id']}/deliveries", headers=committed["adm"]
        ).json()
        assert len(deliveries) == 1
        detail = committed.client.get(
            f"/webhooks/{hook['webhook_id']}/deliveries/{deliveries[0]['delivery_id']}",
            headers=committed["adm"],
        ).json()
        _unsubscribe(committed, hook)
    assert len({r.webhook_id for r in arrived}) == 1
    first, second = (arrived[1].at - arrived[0].at), (arrived[2].at - arrived[1].at)
    assert 0.2 < first < second
    assert detail["status"] == "delivered"
    assert [a["status_code"] for a in detail["attempts_made"]] == [500, 500, 200]
    assert [a["outcome"] for a in detail["attempts_made"]] == [
        "retryable",
        "retryable",
        "delivered",
    ]


def test_a_410_disables_the_subscription(committed: World, worker: Worker) -> None:
    with receiving([410]) as receiver:
        hook = subscribe(committed, receiver.url, events=["file"])
        file_case(committed, "ins1")
        receiver.wait_for(1)
        url = f"/webhooks/{hook['webhook_id']}"
        for _ in range(100):
            read = committed.client.get(url, headers=committed["adm"]).json()
            if not read["enabled"]:
                break
            threading.Event().wait(0.05)
        assert read["enabled"] is False
        assert "410" in read["disabled_reason"]
        file_case(committed, "ins1")
        deliveries = committed.client.get(f"{url}/deliveries", headers=committed["adm"]).json()
        _unsubscribe(committed, hook)
    assert [d["status"] for d in deliveries] == ["failed"]
    assert len(receiver.received) == 1


def test_a_delivery_is_sent_again_on_request_with_the_same_webhook_id(
    committed: World, worker: Worker
) -> None:
    with receiving() as receiver:
        hook = subscribe(committed, receiver.url, events=["file"])
        file_case(committed, "ins1")
        receiver.wait_for(1)
        url = f"/webhooks/{hook['webhook_id']}"
        delivery = committed.client.get(f"{url}/deliveries", headers=committed["adm"]).json()[0]
        again = committed.client.post(
            f"{url}/deliveries/{delivery['delivery_id']}/redeliver", headers=committed["adm"]
        )
        assert again.status_code == 200, again.text
        arrived = receiver.wait_for(2)
        _unsubscribe(committed, hook)
    assert arrived[0].webhook_id == arrived[1].webhook_id
    assert arrived[0].body == arrived[1].body


def test_retry_after_and_backoff() -> None:
    settings = fast_settings(webhook_retry_base_seconds=10, webhook_retry_max_seconds=60)
    assert [backoff(n, settings, jitter=0) for n in (1, 2, 3, 4, 5)] == [10, 20, 40, 60, 60]
    assert backoff(1, settings, jitter=1) == 7.5
    assert retry_after_seconds("120", now=0) == 120
    assert retry_after_seconds("Thu, 01 Jan 1970 00:01:00 GMT", now=30) == 30
    assert retry_after_seconds("soon", now=0) is None
