"""吹哨报到: the street summons several offices at once; each reports in, on time or late."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from tests.factories.cases import T0, World, act, file_case, ok
from tests.factories.web import assert_problem

OFFICES = ["310105001-lvhua", "310105001-chengguan"]


def _registered(world: World) -> int:
    case_id = int(file_case(world)["case_id"])
    ok(act(world, case_id, "register", "disp1"))
    return case_id


def _whistled(world: World, **body: Any) -> int:
    case_id = _registered(world)
    ok(act(world, case_id, "whistle", "disp1", {"office_codes": OFFICES, **body}))
    return case_id


def _summons(world: World, case_id: int, who: str = "aud") -> dict[str, dict[str, Any]]:
    response = world.client.get(f"/cases/{case_id}/whistle", headers=world[who])
    assert response.status_code == 200, response.text
    return {row["office_code"]: row for row in response.json()["summons"]}


def test_a_whistle_summons_every_office_with_a_30_minute_arrival_deadline(world: World) -> None:
    case_id = _registered(world)

    case = ok(act(world, case_id, "whistle", "disp1", {"office_codes": OFFICES}))

    assert case["status"] == "dispatched"
    assert {(o["office_code"], o["role"]) for o in case["offices"]} == {
        ("310105001-lvhua", "lead"),
        ("310105001-chengguan", "assist"),
    }
    assert case["handle_due_at"] is not None
    summons = _summons(world, case_id)
    assert set(summons) == set(OFFICES)
    for row in summons.values():
        assert datetime.fromisoformat(row["arrival_due_at"]) == T0 + timedelta(minutes=30)
        assert row["arrived_at"] is None
        assert row["late"] is None


def test_department_types_are_resolved_to_the_offices_covering_the_point(world: World) -> None:
    case_id = _registered(world)

    case = ok(
        act(
            world,
            case_id,
            "whistle",
            "disp1",
            {"department_types": ["chengguan", "lvhua"], "arrival_minutes": 15},
        )
    )

    lead = [o["office_code"] for o in case["offices"] if o["role"] == "lead"]
    assert lead == ["310105001-chengguan"]
    assert set(_summons(world, case_id)) == set(OFFICES)


def test_a_whistle_needs_two_offices(world: World) -> None:
    case_id = _registered(world)

    one = act(world, case_id, "whistle", "disp1", {"office_codes": ["310105001-lvhua"]})
    same_twice = act(world, case_id, "whistle", "disp1", {"office_codes": ["310105001-lvhua"] * 2})

    assert_problem(one, 422, "validation-error")
    assert_problem(same_twice, 422, "validation-error")


def test_only_a_dispatcher_whistles_and_only_a_registered_case(world: World) -> None:
    case_id = int(file_case(world)["case_id"])

    by_inspector = act(world, case_id, "whistle", "ins1", {"office_codes": OFFICES})
    too_early = act(world, case_id, "whistle", "disp1", {"office_codes": OFFICES})

    assert_problem(by_inspector, 403, "forbidden")
    assert_problem(too_early, 409, "action-not-allowed")


def test_report_in_on_time_and_late_is_recorded_per_office(world: World) -> None:
    case_id = _whistled(world)
    world.clock.now = T0 + timedelta(minutes=10)
    on_time = ok(act(world, case_id, "report_in", "lia1"))
    world.clock.now = T0 + timedelta(minutes=45)

    late = ok(act(world, case_id, "report_in", "lia1cg"))

    assert on_time["status"] == late["status"] == "dispatched"
    summons = _summons(world, case_id)
    assert summons["310105001-lvhua"]["late"] is False
    assert summons["310105001-chengguan"]["late"] is True
    assert summons["310105001-chengguan"]["minutes_late"] == 15.0
    arrived = {o["office_code"]: o["arrived_at"] for o in late["offices"]}
    assert datetime.fromisoformat(arrived["310105001-lvhua"]) == T0 + timedelta(minutes=10)
    events = world.client.get(f"/cases/{case_id}/events", headers=world["aud"]).json()
    assert [e["payload"].get("late") for e in events if e["action"] == "report_in"] == [
        False,
        True,
    ]


def test_an_office_not_yet_arrived_past_the_deadline_shows_late(world: World) -> None:
    case_id = _whistled(world)
    world.clock.now = T0 + timedelta(minutes=31)

    summons = _summons(world, case_id)

    assert all(row["late"] is True for row in summons.values())


def test_a_liaison_of_an_office_not_summoned_does_not_see_the_case(world: World) -> None:
    case_id = _whistled(world)

    headers = {**world["lia2"], "If-Match": "*"}
    report_in = world.client.post(f"/cases/{case_id}/actions/report_in", json={}, headers=headers)
    read = world.client.get(f"/cases/{case_id}/whistle", headers=world["lia2"])

    assert_problem(report_in, 404, "not-found")
    assert_problem(read, 404, "not-found")


def test_an_office_reports_in_once_and_only_after_a_whistle(world: World) -> None:
    case_id = _whistled(world)
    ok(act(world, case_id, "report_in", "lia1"))
    again = act(world, case_id, "report_in", "lia1")
    dispatched = _registered(world)
    ok(act(world, dispatched, "dispatch", "disp1"))

    no_whistle = act(world, dispatched, "report_in", "lia1")

    assert_problem(again, 409, "action-not-allowed")
    assert_problem(no_whistle, 409, "action-not-allowed")


def test_the_lead_office_accepts_and_assistants_may_still_report_in(world: World) -> None:
    case_id = _whistled(world)

    accepted = ok(act(world, case_id, "accept", "lia1"))
    assisting = ok(act(world, case_id, "report_in", "lia1cg"))
    assist_accepts = act(world, case_id, "accept", "lia1cg")

    assert accepted["status"] == assisting["status"] == "handling"
    assert_problem(assist_accepts, 403, "forbidden")


def test_a_case_returned_and_whistled_again_at_once_summons_each_office_once(world: World) -> None:
    case_id = _whistled(world, arrival_minutes=30)
    ok(act(world, case_id, "return", "lia1", {"reason": "不属本单位职责 / not ours"}))

    again = ok(act(world, case_id, "whistle", "disp1", {"office_codes": OFFICES[::-1]}))

    assert again["status"] == "dispatched"
    summons = _summons(world, case_id)
    assert set(summons) == set(OFFICES)
    assert {row["arrival_due_at"] for row in summons.values()} == {
        (T0 + timedelta(minutes=30)).isoformat()
    }
