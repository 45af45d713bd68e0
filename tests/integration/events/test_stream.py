"""`GET /events/stream`: the caller's events as they happen, resumed exactly after a reconnect."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from gridloop.config import get_settings
from tests.factories.cases import IN_B001, World, act, file_case, ok
from tests.integration.cases.scratch import ScratchWorld
from tests.integration.events.sse import reading, serving


@pytest.fixture(scope="module")
def base_url(scratch: ScratchWorld) -> Iterator[str]:
    settings = get_settings()
    before = settings.stream_heartbeat_seconds
    settings.stream_heartbeat_seconds = 0.5
    with serving(scratch.app()) as url:
        yield url
    settings.stream_heartbeat_seconds = before


def test_a_dispatcher_of_another_street_sees_nothing_of_the_case(
    committed: World, base_url: str
) -> None:
    with (
        reading(base_url, committed["disp1"]) as own,
        reading(base_url, committed["disp2"]) as other,
        reading(base_url, committed["lia1"]) as liaison,
    ):
        case_id = int(file_case(committed, "ins1")["case_id"])
        ok(act(committed, case_id, "register", "disp1"))
        ok(act(committed, case_id, "dispatch", "disp1"))
        other_case = int(file_case(committed, "ins2", IN_B001)["case_id"])
        seen = own.wait_for(3)
        elsewhere = other.wait_for(1)
        for_office = liaison.wait_for(1)
        time.sleep(0.3)
    assert [(e["case_id"], e["action"]) for _, e in seen] == [
        (case_id, "file"),
        (case_id, "register"),
        (case_id, "dispatch"),
    ]
    assert [event_id for event_id, _ in seen] == [e["event_id"] for _, e in seen]
    assert [(e["case_id"], e["action"]) for _, e in other.events] == [(other_case, "file")]
    assert [(e["case_id"], e["action"]) for _, e in liaison.events] == [(case_id, "dispatch")]
    assert elsewhere
    assert for_office


def test_last_event_id_resumes_exactly_where_the_stream_broke(
    committed: World, base_url: str
) -> None:
    with reading(base_url, committed["disp1"]) as first:
        case_id = int(file_case(committed, "ins1")["case_id"])
        ok(act(committed, case_id, "register", "disp1"))
        ok(act(committed, case_id, "dispatch", "disp1"))
        seen = first.wait_for(3)
    # While nobody listens: two more events of the street.
    ok(act(committed, case_id, "accept", "lia1"))
    file_case(committed, "ins1")
    resume_after = seen[1][0]
    headers = {**committed["disp1"], "Last-Event-ID": str(resume_after)}
    with reading(base_url, headers) as second:
        resumed = second.wait_for(3)
        time.sleep(0.3)
    assert [e["action"] for _, e in second.events] == ["dispatch", "accept", "file"]
    assert resumed[0][0] == seen[2][0]
    ids = [event_id for event_id, _ in second.events]
    assert ids == sorted(ids)
    assert ids[0] > resume_after


def test_an_idle_stream_sends_heartbeat_comments(committed: World, base_url: str) -> None:
    with reading(base_url, committed["aud"]) as idle:
        deadline = time.monotonic() + 5
        while not idle.comments and time.monotonic() < deadline:
            time.sleep(0.05)
    assert ": heartbeat" in idle.comments


def test_the_stream_needs_a_login(committed: World, base_url: str) -> None:
    response = committed.client.get("/events/stream")
    assert response.status_code == 401
