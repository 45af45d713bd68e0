"""The street center's work queues (待立案 … 被退回): which cases each holds, their counts in the
caller's scope and under the filters, the orders of the queue page, and a case's duplicates.
"""

from __future__ import annotations

from dataclasses import astuple, dataclass
from datetime import timedelta
from typing import Any

import pytest

from tests.factories.cases import (
    IN_A001,
    IN_A003,
    IN_B001,
    T0,
    World,
    act,
    file_case,
    image,
    ok,
    to_handled,
    to_handling,
    upload,
)
from tests.factories.web import assert_problem

QUEUES = [
    "to_register",
    "to_dispatch",
    "to_approve",
    "to_close",
    "overdue",
    "returned",
    "to_accept",
    "handling",
    "to_report_in",
]


@dataclass(frozen=True)
class Desk:
    """Cases of street 310105001 (disp1) in every queue, and one of street 310105002."""

    reported: int
    registered: int
    returned: int
    extension: int  # handling, an extension request waiting
    suspension: int  # handling, a suspension request waiting
    passed: int  # handled, verification passed
    failed: int  # handled, verification failed
    other_street: int  # reported, street 310105002


def _minutes(world: World, minutes: int) -> None:
    world.clock.now = T0 + timedelta(minutes=minutes)


def _verified(world: World, passed: bool) -> int:
    case_id = to_handled(world)
    assert upload(world, case_id, "verification", "ins1", ("v.jpg", image())).status_code == 201
    ok(act(world, case_id, "verify", "ins1", {"passed": passed}))
    return case_id


@pytest.fixture
def desk(world: World) -> Desk:
    _minutes(world, 0)
    reported = int(file_case(world, "ins1", IN_A001)["case_id"])
    _minutes(world, 1)
    registered = int(file_case(world, "ins1south", IN_A003)["case_id"])
    ok(act(world, registered, "register", "disp1"))
    _minutes(world, 2)
    returned = int(file_case(world)["case_id"])
    ok(act(world, returned, "register", "disp1"))
    ok(act(world, returned, "dispatch", "disp1"))
    ok(act(world, returned, "return", "lia1", {"reason": "非本单位职责"}))
    _minutes(world, 3)
    extension = to_handling(world)
    until = (T0 + timedelta(days=2)).isoformat()
    ok(act(world, extension, "request_extension", "lia1", {"until": until, "reason": "需协调"}))
    _minutes(world, 4)
    suspension = to_handling(world)
    ok(act(world, suspension, "request_suspension", "lia1", {"reason": "待规划"}))
    _minutes(world, 5)
    passed = _verified(world, passed=True)
    _minutes(world, 6)
    failed = _verified(world, passed=False)
    _minutes(world, 7)
    other_street = int(file_case(world, "ins2", IN_B001)["case_id"])
    return Desk(reported, registered, returned, extension, suspension, passed, failed, other_street)


def _ids(world: World, who: str, **params: Any) -> list[int]:
    response = world.client.get("/cases", params=params, headers=world[who])
    assert response.status_code == 200, response.text
    return [item["case_id"] for item in response.json()["items"]]


def _counts(world: World, who: str, **params: Any) -> dict[str, int]:
    response = world.client.get("/cases/queues", params=params, headers=world[who])
    assert response.status_code == 200, response.text
    queues = response.json()["queues"]
    assert [row["queue"] for row in queues] == QUEUES
    return {row["queue"]: row["count"] for row in queues}


def test_each_queue_holds_the_cases_waiting_for_that_step(world: World, desk: Desk) -> None:
    _minutes(world, 10)  # before any deadline

    assert _ids(world, "disp1", queue="to_register") == [desk.reported]
    assert _ids(world, "disp1", queue="to_dispatch") == [desk.returned, desk.registered]
    assert _ids(world, "disp1", queue="to_approve") == [desk.suspension, desk.extension]
    # Verified: a passed case waits to be closed, a failed one to be sent back for rework.
    assert _ids(world, "disp1", queue="to_close") == [desk.failed, desk.passed]
    assert _ids(world, "disp1", queue="returned") == [desk.returned]
    assert _ids(world, "disp1", queue="overdue") == []


def test_the_counts_are_the_queues_lengths_in_the_callers_scope(world: World, desk: Desk) -> None:
    _minutes(world, 10)

    assert _counts(world, "disp1") == {
        "to_register": 1,
        "to_dispatch": 2,
        "to_approve": 2,
        "to_close": 2,
        "overdue": 0,
        "returned": 1,
        "to_accept": 0,
        "handling": 2,
        "to_report_in": 0,
    }
    assert _counts(world, "disp2") == {queue: int(queue == "to_register") for queue in QUEUES}
    # An office counts what is dispatched to it; the auditor counts both streets.
    assert _counts(world, "lia1")["to_approve"] == 2
    assert _counts(world, "lia2") == dict.fromkeys(QUEUES, 0)
    assert _counts(world, "aud")["to_register"] == 2
    for who in ("disp1", "disp2", "lia1", "aud"):
        counts = _counts(world, who)
        assert all(len(_ids(world, who, queue=q, limit=500)) == counts[q] for q in QUEUES), who


def test_a_queue_counts_and_lists_the_cases_past_their_current_deadline(
    world: World, desk: Desk
) -> None:
    # Registering is due an hour after filing (11:00); dispatching an hour after registering.
    world.clock.now = T0.replace(hour=11, minute=0, second=30)

    overdue = _ids(world, "disp1", queue="overdue")

    assert overdue == [desk.reported]
    assert overdue == _ids(world, "disp1", overdue=True)
    assert _counts(world, "disp1")["overdue"] == 1
    world.clock.now = T0.replace(hour=12, minute=2)
    assert set(_ids(world, "disp1", queue="overdue")) == {
        desk.reported,
        desk.registered,
        desk.returned,
    }


def test_the_counts_follow_the_filters_of_the_list(world: World, desk: Desk) -> None:
    _minutes(world, 10)

    north_row = _counts(world, "disp1", responsibility_grid_code="31010500101")
    south_row = _counts(world, "disp1", responsibility_grid_code="31010500102")

    assert north_row["to_dispatch"] == 1  # the returned case; the registered one is south
    assert south_row == {queue: int(queue == "to_dispatch") for queue in QUEUES}
    assert _counts(world, "disp1", office_code="310105001-lvhua")["to_approve"] == 2
    assert _counts(world, "disp1", item_code="C0101") == dict.fromkeys(QUEUES, 0)
    assert _ids(world, "disp1", queue="to_dispatch", responsibility_grid_code="31010500102") == [
        desk.registered
    ]


def test_queues_take_the_same_filters_and_refuse_unknown_ones(world: World, desk: Desk) -> None:
    for route, params in (
        ("/cases", {"queue": "lost"}),
        ("/cases", {"sort": "description"}),
        ("/cases/queues", {"status": "lost"}),
        ("/cases/queues", {"bbox": "121.5,31.2,121.4,31.3"}),
    ):
        response = world.client.get(route, params=params, headers=world["disp1"])
        assert_problem(response, 422, "validation-error")
    assert_problem(world.client.get("/cases/queues"), 401, "unauthenticated")


# ----------------------------------------------------------------------------- orders


def _all_pages(world: World, who: str, **params: Any) -> list[int]:
    seen: list[int] = []
    after = None
    while True:
        page_params = {**params, "limit": 2} | ({} if after is None else {"after": after})
        page = world.client.get("/cases", params=page_params, headers=world[who]).json()
        seen += [item["case_id"] for item in page["items"]]
        after = page["next_after"]
        if after is None:
            return seen


def test_the_queue_sorts_by_deadline_with_cases_without_one_last(world: World, desk: Desk) -> None:
    _minutes(world, 10)
    listed = world.client.get(
        "/cases", params={"sort": "running_due_at", "limit": 500}, headers=world["disp1"]
    ).json()["items"]
    dues = [item["running_due_at"] for item in listed]

    # The suspension request still runs the handling clock; nothing here is suspended.
    timed = [due for due in dues if due is not None]
    assert timed == sorted(timed)
    assert dues[: len(timed)] == timed
    assert listed[0]["case_id"] == desk.reported  # due at 11:00, the soonest
    newest_deadline_first = _ids(world, "disp1", sort="-running_due_at", limit=500)
    assert newest_deadline_first == [item["case_id"] for item in reversed(listed)]


@pytest.mark.parametrize(
    "sort",
    ["-case_id", "case_id", "-reported_at", "reported_at", "-running_due_at", "running_due_at"],
)
def test_keyset_pages_cover_every_order_once(world: World, desk: Desk, sort: str) -> None:
    _minutes(world, 10)
    whole = _ids(world, "disp1", sort=sort, limit=500)

    assert _all_pages(world, "disp1", sort=sort) == whole
    assert set(whole) == set(astuple(desk)) - {desk.other_street}
    assert len(whole) == len(set(whole))


def test_cases_reported_in_the_same_instant_keep_one_order(world: World) -> None:
    same = [int(file_case(world)["case_id"]) for _ in range(3)]

    assert _all_pages(world, "disp1", sort="reported_at") == same
    assert _all_pages(world, "disp1", sort="-reported_at") == same[::-1]


# ----------------------------------------------------------------------------- duplicates


def test_a_case_lists_open_cases_of_its_item_nearby_as_duplicates(world: World) -> None:
    first = int(file_case(world)["case_id"])
    _minutes(world, 30)
    second = int(file_case(world, lon_lat=(IN_A001[0] + 0.0002, IN_A001[1]))["case_id"])
    file_case(world, item="C0101")  # another item at the same point
    _minutes(world, 60 * 25)
    late = int(file_case(world)["case_id"])  # a day later

    response = world.client.get(f"/cases/{second}/duplicates", headers=world["disp1"])

    assert response.status_code == 200, response.text
    candidates = response.json()
    assert [row["case_id"] for row in candidates] == [first]
    assert 15 < candidates[0]["distance_m"] < 25
    assert candidates[0]["status"] == "reported"
    first_listed = world.client.get(f"/cases/{first}/duplicates", headers=world["disp1"]).json()
    assert [row["case_id"] for row in first_listed] == [second]
    assert world.client.get(f"/cases/{late}/duplicates", headers=world["disp1"]).json() == []


def test_duplicates_are_open_cases_the_caller_sees(world: World) -> None:
    # 11 m apart, on either side of the line between the north and south responsibility grids.
    north, south = (121.4005, 31.20105), (121.4005, 31.20095)
    rejected = int(file_case(world, "ins1", north)["case_id"])
    ok(act(world, rejected, "reject", "disp1", {"reason": "insufficient_information"}))
    case = int(file_case(world, "ins1", north)["case_id"])
    south_neighbour = int(file_case(world, "ins1south", south)["case_id"])

    as_inspector = world.client.get(f"/cases/{case}/duplicates", headers=world["ins1"]).json()
    as_dispatcher = world.client.get(f"/cases/{case}/duplicates", headers=world["disp1"]).json()

    assert as_inspector == []  # the rejected case is finished; the other grid is not theirs
    assert [row["case_id"] for row in as_dispatcher] == [south_neighbour]
    outside = world.client.get(f"/cases/{case}/duplicates", headers=world["disp2"])
    assert_problem(outside, 404, "not-found")
