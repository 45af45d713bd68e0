"""An office's work queues (待接单, 处置中, 超期, 待报到): its own part of each, the lead office's
orders apart from the cases it only assists with, and a whistle's report-in waiting per office.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.factories.cases import IN_B001, T0, World, act, file_case, ok, to_handling

OFFICE_QUEUES = ("to_accept", "handling", "overdue", "to_report_in")


def _ids(world: World, who: str, queue: str) -> list[int]:
    response = world.client.get("/cases", params={"queue": queue}, headers=world[who])
    assert response.status_code == 200, response.text
    return [item["case_id"] for item in response.json()["items"]]


def _counts(world: World, who: str) -> dict[str, int]:
    response = world.client.get("/cases/queues", headers=world[who])
    assert response.status_code == 200, response.text
    counts = {row["queue"]: row["count"] for row in response.json()["queues"]}
    return {queue: counts[queue] for queue in OFFICE_QUEUES}


def _registered(world: World, who: str = "ins1", **extra: Any) -> int:
    case_id = int(file_case(world, who, **extra)["case_id"])
    street = "2" if who == "ins2" else "1"
    ok(act(world, case_id, "register", f"disp{street}"))
    return case_id


def test_an_office_queues_its_orders_its_handling_and_its_summons(world: World) -> None:
    world.clock.now = T0
    handling = to_handling(world)
    world.clock.now = T0 + timedelta(minutes=1)
    dispatched = _registered(world)
    ok(act(world, dispatched, "dispatch", "disp1"))
    world.clock.now = T0 + timedelta(minutes=2)
    whistled = _registered(world)
    offices = ["310105001-lvhua", "310105001-chengguan"]
    ok(act(world, whistled, "whistle", "disp1", {"office_codes": offices}))
    other_street = _registered(world, "ins2", lon_lat=IN_B001)
    ok(act(world, other_street, "dispatch", "disp2"))
    world.clock.now = T0 + timedelta(minutes=10)

    # The lead office accepts both orders and reports in at the whistle's grid.
    assert _ids(world, "lia1", "to_accept") == [whistled, dispatched]
    assert _ids(world, "lia1", "handling") == [handling]
    assert _ids(world, "lia1", "to_report_in") == [whistled]
    assert _counts(world, "lia1") == {
        "to_accept": 2,
        "handling": 1,
        "overdue": 0,
        "to_report_in": 1,
    }
    # The assisting office has nothing to accept, but must report in too.
    assert _counts(world, "lia1cg") == {
        "to_accept": 0,
        "handling": 0,
        "overdue": 0,
        "to_report_in": 1,
    }
    assert _ids(world, "lia1cg", "to_report_in") == [whistled]
    # The other street's office sees its own order only.
    assert _ids(world, "lia2", "to_accept") == [other_street]
    # The center sees every office's part.
    assert _ids(world, "disp1", "to_accept") == [whistled, dispatched]
    assert _ids(world, "disp1", "to_report_in") == [whistled]

    ok(act(world, whistled, "report_in", "lia1cg"))
    assert _ids(world, "lia1cg", "to_report_in") == []
    assert _ids(world, "lia1", "to_report_in") == [whistled]
    ok(act(world, whistled, "accept", "lia1"))
    assert _ids(world, "lia1", "to_accept") == [dispatched]
    assert _ids(world, "lia1", "handling") == [whistled, handling]


def test_an_office_counts_its_cases_past_the_handling_deadline(world: World) -> None:
    world.clock.now = T0
    handling = to_handling(world)
    world.clock.now = T0 + timedelta(days=7)

    assert handling in _ids(world, "lia1", "overdue")
    assert _counts(world, "lia1")["overdue"] >= 1
    assert _ids(world, "lia2", "overdue") == []
