"""Reading through Open311 reads the same cases: a request looks as its case does on the native
API, walks the whole loop with its updates in order, and shows its photos only once public."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from gridloop.cases.workflow import Status
from gridloop.open311.statuses import status_note
from tests.factories.cases import IN_B001, T0, World, act, file_case, image, ok, upload
from tests.factories.open311 import BASE, both, filed_id, get, post_request
from tests.factories.web import SetSettings


def _case(world: World, case_id: int) -> dict[str, Any]:
    response = world.client.get(f"/cases/{case_id}", headers=world["aud"])
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _request(world: World, case_id: int) -> dict[str, Any]:
    [request] = get(world.client, f"requests/{case_id}").json()
    assert isinstance(request, dict)
    return request


def _photo(world: World, case_id: int, step: str, who: str) -> int:
    response = upload(world, case_id, step, who, (f"{step}.jpg", image()))
    assert response.status_code == 201, response.text
    return int(response.json()[0]["photo_id"])


STEPS = [("register", "disp1"), ("dispatch", "disp1"), ("accept", "lia1")]


@pytest.mark.parametrize(
    ("moves", "status"), [(0, "reported"), (1, "registered"), (2, "dispatched"), (3, "handling")]
)
def test_a_request_looks_as_its_case_does_on_the_native_api(
    world: World, moves: int, status: str
) -> None:
    case_id = filed_id(post_request(world))
    for action, who in STEPS[:moves]:
        world.clock.now += timedelta(minutes=7)
        ok(act(world, case_id, action, who))

    case, request = _case(world, case_id), _request(world, case_id)

    assert case["status"] == status
    assert request["status"] == "open"
    assert request["status_notes"] == status_note(Status(status))
    lead = next((o["office_name"] for o in case["offices"] if o["role"] == "lead"), None)
    assert request["agency_responsible"] == lead
    assert datetime.fromisoformat(request["expected_datetime"]) == datetime.fromisoformat(
        case["running_due_at"]
    )
    assert request["requested_datetime"] == case["reported_at"]
    assert request["updated_datetime"] == case["updated_at"]
    assert (request["long"], request["lat"]) == (case["point"]["lon"], case["point"]["lat"])
    assert request["service_code"] == case["item_code"]
    assert request["description"] == case["description"]


def test_a_request_walks_the_whole_loop_and_its_updates_come_in_order(world: World) -> None:
    case_id = filed_id(post_request(world))
    moves = [
        ("register", "disp1", {"note": "内部备注：先核实一下"}),
        ("dispatch", "disp1", {}),
        ("return", "lia1", {"reason": "内部备注：不归我们管"}),
        ("dispatch", "disp1", {}),
        ("accept", "lia1", {}),
    ]
    for action, who, body in moves:
        world.clock.now += timedelta(minutes=5)
        ok(act(world, case_id, action, who, body))
    after_photo = _photo(world, case_id, "after", "lia1")
    ok(act(world, case_id, "report_handled", "lia1", {"result": "内部备注：已清运"}))
    _photo(world, case_id, "verification", "ins1")
    ok(act(world, case_id, "verify", "ins1", {"passed": True}))
    handled = get(world.client, "servicerequestupdates").json()
    world.clock.now += timedelta(minutes=5)
    ok(act(world, case_id, "close", "disp1"))
    ok(act(world, case_id, "evaluate", "aud", {"satisfaction": "satisfied"}))

    updates, _ = both(world.client, "servicerequestupdates")

    assert [update["status"] for update in updates] == [
        "open",  # filed
        "investigating",  # registered
        "action_scheduled",  # dispatched
        "investigating",  # returned: back to the center
        "action_scheduled",  # dispatched again
        "in_progress",  # accepted
        "fixed",  # handled (the verification changes no status: no update)
        "closed",  # closed
        "closed",  # evaluated
    ]
    assert [update["update_id"] for update in updates] == sorted(u["update_id"] for u in updates)
    times = [datetime.fromisoformat(update["updated_datetime"]) for update in updates]
    assert times == sorted(times)
    assert "退回" in updates[3]["description"]
    assert not any("内部备注" in update["description"] for update in updates)
    media = f"http://testserver{BASE}/requests/{case_id}/media/{after_photo}"
    assert [u["media_url"] for u in updates if u["media_url"]] == [media]
    assert not any(update["media_url"] for update in handled)  # not before closing
    closed = _request(world, case_id)
    assert closed["status"] == "closed"
    assert closed["updated_datetime"] == _case(world, case_id)["closed_at"]
    assert world.client.get(media).content.startswith(b"\xff\xd8")  # the JPEG itself


def test_a_rejected_duplicate_is_closed_and_says_so(world: World) -> None:
    first = filed_id(post_request(world))
    second = filed_id(post_request(world))
    ok(act(world, second, "reject", "disp1", {"reason": "duplicate", "duplicate_of": first}))

    request = _request(world, second)
    [*_, rejected] = get(world.client, "servicerequestupdates").json()

    assert request["status"] == "closed"
    assert "重复" in request["status_notes"]
    assert (rejected["service_request_id"], rejected["status"]) == (second, "duplicate")


def test_photos_are_public_once_closed_unless_a_setting_says_otherwise(
    world: World, set_settings: SetSettings, photo_dir: Path
) -> None:
    case_id = int(file_case(world, "ins1")["case_id"])
    before = _photo(world, case_id, "before", "ins1")
    url = f"{BASE}/requests/{case_id}/media/{before}"

    hidden = _request(world, case_id)["media_url"]
    refused = world.client.get(url)
    set_settings(GRIDLOOP_OPEN311_PUBLIC_PHOTOS="reported", GRIDLOOP_PHOTO_DIR=str(photo_dir))
    shown = _request(world, case_id)["media_url"]

    assert hidden is None
    assert refused.status_code == 404
    assert refused.text.startswith("<?xml")
    assert shown == f"http://testserver{url}"
    assert world.client.get(url).headers["content-type"] == "image/jpeg"


def test_verification_photos_are_never_public(world: World, set_settings: SetSettings) -> None:
    set_settings(GRIDLOOP_OPEN311_PUBLIC_PHOTOS="reported")
    case_id = int(file_case(world, "ins1")["case_id"])
    for action in ("register", "dispatch"):
        ok(act(world, case_id, action, "disp1"))
    ok(act(world, case_id, "accept", "lia1"))
    _photo(world, case_id, "after", "lia1")
    ok(act(world, case_id, "report_handled", "lia1", {"result": "已清运"}))
    check = _photo(world, case_id, "verification", "ins1")

    assert world.client.get(f"{BASE}/requests/{case_id}/media/{check}").status_code == 404


def test_requests_are_found_by_ids_service_status_time_box_and_page(world: World) -> None:
    first = filed_id(post_request(world))
    world.clock.now = T0 + timedelta(days=1)
    second = filed_id(post_request(world, service_code="C0101"))
    third = filed_id(post_request(world, lat=str(IN_B001[1]), long=str(IN_B001[0])))
    ok(act(world, third, "reject", "disp2", {"reason": "out_of_scope"}))
    old = filed_id(post_request(world))
    world.clock.now = T0 + timedelta(days=100)

    def ids(**params: str) -> list[int]:
        return [row["service_request_id"] for row in get(world.client, "requests", **params).json()]

    assert ids() == []  # the last 90 days
    window = {"start_date": "2026-03-01T00:00:00+08:00", "end_date": "2026-04-01T00:00:00+08:00"}
    assert ids(**window) == [old, third, second, first]
    assert ids(**window, status="closed") == [third]
    assert ids(**window, status="open,closed") == [old, third, second, first]
    assert ids(**window, service_code="C0101") == [second]
    assert ids(**window, service_code="C0101,E0102", status="open") == [old, second, first]
    assert ids(**window, bbox="121.402,31.200,121.404,31.202") == [third]
    assert ids(**window, limit="2") == [old, third]
    assert ids(**window, limit="2", offset="2") == [second, first]
    assert ids(start_date="2026-03-02T12:00:00+08:00", end_date="2026-05-01T00:00:00Z") == [
        old,
        third,
        second,
    ]
    # Ids override everything else, the window included.
    assert ids(service_request_id=f"{first},{third}", service_code="C0101") == [third, first]
    assert ids(service_request_id=str(old + 1000)) == []
