"""The workflow actions through the API: each happy path, a forbidden role, a wrong state,
If-Match, due times, the dispatch decision, and the events every action appends.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.factories.cases import (
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


def _events(world: World, case_id: int) -> list[dict[str, Any]]:
    response = world.client.get(f"/cases/{case_id}/events", headers=world["aud"])
    assert response.status_code == 200, response.text
    events: list[dict[str, Any]] = response.json()
    return events


def _at(text: str | None) -> datetime:
    assert text is not None
    return datetime.fromisoformat(text)


# ----------------------------------------------------------------------------- If-Match


def test_an_action_without_if_match_is_428(world: World) -> None:
    case = file_case(world)

    response = world.client.post(
        f"/cases/{case['case_id']}/actions/register", json={}, headers=world["disp1"]
    )

    assert_problem(response, 428, "precondition-required")


def test_an_action_with_a_stale_etag_is_412_and_changes_nothing(world: World) -> None:
    case = file_case(world)
    stale = {**world["disp1"], "If-Match": f'"{case["case_id"]}.1"'}
    first = world.client.post(f"/cases/{case['case_id']}/actions/register", json={}, headers=stale)
    assert first.status_code == 200, first.text

    second = world.client.post(
        f"/cases/{case['case_id']}/actions/reject", json={"reason": "out_of_scope"}, headers=stale
    )

    assert_problem(second, 412, "precondition-failed")
    assert [e["action"] for e in _events(world, case["case_id"])] == ["file", "register"]


def test_each_action_bumps_the_version_and_the_etag(world: World) -> None:
    case = file_case(world)

    response = act(world, case["case_id"], "register", "disp1")

    assert ok(response)["version"] == 2
    assert response.headers["etag"] == f'"{case["case_id"]}.2"'


# ----------------------------------------------------------------------------- register, reject


def test_register_fixes_item_tier_and_the_dispatch_clock(world: World) -> None:
    case = file_case(world)
    world.clock.now = T0 + timedelta(minutes=20)

    registered = ok(act(world, case["case_id"], "register", "disp1", {"tier": "C"}))

    assert registered["status"] == "registered"
    assert registered["item_code"] == "E0102"
    assert registered["tier"] == "C"
    assert _at(registered["registered_at"]) == T0 + timedelta(minutes=20)
    # dispatch within 1 working hour of registration
    assert _at(registered["dispatch_due_at"]) == T0 + timedelta(minutes=80)
    assert _at(registered["running_due_at"]) == T0 + timedelta(minutes=80)


def test_registering_a_report_without_item_needs_one_and_dates_the_register_clock_back(
    world: World,
) -> None:
    case = world.client.post(
        "/cases",
        json={"point": {"lon": 121.4005, "lat": 31.2015, "crs": "wgs84"}, "description": "脏"},
        headers=world["hotline"],
    ).json()

    without = act(world, case["case_id"], "register", "disp1")
    registered = ok(act(world, case["case_id"], "register", "disp1", {"item_code": "E0104"}))

    assert_problem(without, 422, "validation-error")
    assert registered["item_code"] == "E0104"
    assert registered["tier"] == "B"
    assert _at(registered["register_due_at"]) == T0 + timedelta(hours=1)


def test_only_the_dispatcher_of_the_street_registers(world: World) -> None:
    case = file_case(world)

    for who in ("ins1", "aud", "adm"):
        assert_problem(act(world, case["case_id"], "register", who), 403, "forbidden")
    # Another street's dispatcher and an office it is not dispatched to do not see it at all.
    for who in ("disp2", "lia1"):
        assert_problem(act(world, case["case_id"], "register", who), 404, "not-found")


def test_reject_needs_duplicate_of_exactly_for_duplicates(world: World) -> None:
    first = file_case(world)
    second = file_case(world)

    missing = act(world, second["case_id"], "reject", "disp1", {"reason": "duplicate"})
    rejected = ok(
        act(
            world,
            second["case_id"],
            "reject",
            "disp1",
            {"reason": "duplicate", "duplicate_of": first["case_id"]},
        )
    )

    assert_problem(missing, 422, "validation-error")
    assert rejected["status"] == "rejected"
    assert rejected["rejection_reason"] == "duplicate"
    assert rejected["duplicate_of"] == first["case_id"]
    assert rejected["running_due_at"] is None


def test_an_action_the_table_does_not_allow_is_409_naming_state_and_action(world: World) -> None:
    case = file_case(world)

    response = act(world, case["case_id"], "close", "disp1")

    body = assert_problem(response, 409, "action-not-allowed")
    assert "reported" in body["detail"]
    assert "close" in body["detail"]


# ----------------------------------------------------------------------------- dispatch


def test_dispatch_follows_routing_and_stores_the_decision(world: World) -> None:
    case = file_case(world)
    ok(act(world, case["case_id"], "register", "disp1"))
    world.clock.now = T0 + timedelta(minutes=30)

    dispatched = ok(act(world, case["case_id"], "dispatch", "disp1"))

    assert dispatched["status"] == "dispatched"
    assert [(o["office_code"], o["role"]) for o in dispatched["offices"]] == [
        ("310105001-lvhua", "lead")
    ]
    # The handling clock starts at dispatch: 4 working hours, 10:30 → 14:30 (lunch left out).
    assert _at(dispatched["handle_due_at"]) == T0.replace(hour=15, minute=30)
    assert _at(dispatched["close_due_at"]) == T0.replace(hour=16, minute=0)
    event = _events(world, case["case_id"])[-1]
    assert event["action"] == "dispatch"
    assert event["payload"]["lead_office_code"] == "310105001-lvhua"
    assert event["payload"]["override"] is False
    assert event["payload"]["decision"]["lead"]["office"]["code"] == "310105001-lvhua"
    assert event["payload"]["decision"]["trace"]["steps"]
    assert "rule_id" in event["payload"]
    assert "rule_set_version" in event["payload"]


def test_a_dispatcher_may_override_the_office_with_a_reason(world: World) -> None:
    case = file_case(world)
    ok(act(world, case["case_id"], "register", "disp1"))

    no_reason = act(
        world, case["case_id"], "dispatch", "disp1", {"office_code": "310105001-chengguan"}
    )
    dispatched = ok(
        act(
            world,
            case["case_id"],
            "dispatch",
            "disp1",
            {
                "office_code": "310105001-chengguan",
                "assist_office_codes": ["310105001-lvhua"],
                "override_reason": "城管牵头清理",
            },
        )
    )

    assert_problem(no_reason, 422, "validation-error")
    assert [(o["office_code"], o["role"]) for o in dispatched["offices"]] == [
        ("310105001-chengguan", "lead"),
        ("310105001-lvhua", "assist"),
    ]
    payload = _events(world, case["case_id"])[-1]["payload"]
    assert payload["override"] is True
    assert payload["override_reason"] == "城管牵头清理"
    assert payload["decision"]["lead"]["office"]["code"] == "310105001-lvhua"


def test_dispatch_to_an_unknown_office_is_422(world: World) -> None:
    case = file_case(world)
    ok(act(world, case["case_id"], "register", "disp1"))

    response = act(
        world,
        case["case_id"],
        "dispatch",
        "disp1",
        {"office_code": "no-such-office", "override_reason": "试试"},
    )

    assert_problem(response, 422, "validation-error")


# ----------------------------------------------------------------------------- accept, return


def test_the_lead_office_accepts_and_sees_the_case(world: World) -> None:
    case_id = to_handling(world)

    case = world.client.get(f"/cases/{case_id}", headers=world["lia1"])

    assert ok(case)["status"] == "handling"
    assert _at(case.json()["accepted_at"]) == T0


def test_an_assisting_office_sees_but_may_not_accept(world: World) -> None:
    case = file_case(world)
    ok(act(world, case["case_id"], "register", "disp1"))
    ok(
        act(
            world,
            case["case_id"],
            "dispatch",
            "disp1",
            {"assist_office_codes": ["310105001-chengguan"], "override_reason": "协办"},
        )
    )

    assert world.client.get(f"/cases/{case['case_id']}", headers=world["lia1cg"]).status_code == 200
    assert_problem(act(world, case["case_id"], "accept", "lia1cg"), 403, "forbidden")
    assert_problem(act(world, case["case_id"], "accept", "lia2"), 404, "not-found")


def test_a_return_goes_back_to_the_center_and_the_office_loses_the_case(world: World) -> None:
    case = file_case(world)
    ok(act(world, case["case_id"], "register", "disp1"))
    ok(act(world, case["case_id"], "dispatch", "disp1"))

    no_reason = act(world, case["case_id"], "return", "lia1")
    returned = ok(act(world, case["case_id"], "return", "lia1", {"reason": "不归我们管"}))

    assert_problem(no_reason, 422, "validation-error")
    assert returned["status"] == "registered"
    assert returned["offices"] == []
    assert returned["handle_due_at"] is None
    assert world.client.get(f"/cases/{case['case_id']}", headers=world["lia1"]).status_code == 404
    redispatched = ok(
        act(
            world,
            case["case_id"],
            "dispatch",
            "disp1",
            {"office_code": "310105001-chengguan", "override_reason": "退回后改派"},
        )
    )
    assert redispatched["offices"][0]["office_code"] == "310105001-chengguan"


# ----------------------------------------------------------------------------- extension


def test_an_approved_extension_moves_the_handling_deadline(world: World) -> None:
    case_id = to_handling(world)
    until = T0.replace(day=4, hour=12)

    asked = ok(
        act(
            world,
            case_id,
            "request_extension",
            "lia1",
            {"until": until.isoformat(), "reason": "需拆除"},
        )
    )
    approved = ok(act(world, case_id, "approve_extension", "disp1"))

    assert asked["pending_request"] == "extension"
    assert _at(asked["requested_due_at"]) == until
    assert approved["pending_request"] is None
    assert _at(approved["handle_due_at"]) == until
    # closing: the check's 0.5 working hours after it, past the lunch break
    assert _at(approved["close_due_at"]) == until.replace(hour=13, minute=30)


def test_a_denied_extension_leaves_the_deadline(world: World) -> None:
    case_id = to_handling(world)
    before = ok(world.client.get(f"/cases/{case_id}", headers=world["aud"]))["handle_due_at"]
    until = T0.replace(day=4).isoformat()
    ok(act(world, case_id, "request_extension", "lia1", {"until": until, "reason": "忙"}))

    denied = ok(act(world, case_id, "deny_extension", "disp1", {"reason": "不予延期"}))

    assert denied["pending_request"] is None
    assert denied["handle_due_at"] == before


def test_an_extension_must_end_after_the_current_deadline(world: World) -> None:
    case_id = to_handling(world)

    response = act(
        world, case_id, "request_extension", "lia1", {"until": T0.isoformat(), "reason": "早"}
    )

    assert_problem(response, 422, "validation-error")


def test_approving_without_a_request_is_409(world: World) -> None:
    case_id = to_handling(world)

    assert_problem(act(world, case_id, "approve_extension", "disp1"), 409, "action-not-allowed")


def test_only_the_lead_liaison_requests_and_the_dispatcher_approves(world: World) -> None:
    case_id = to_handling(world)
    body = {"until": T0.replace(day=4).isoformat(), "reason": "忙"}

    assert_problem(act(world, case_id, "request_extension", "disp1", body), 403, "forbidden")
    ok(act(world, case_id, "request_extension", "lia1", body))
    assert_problem(act(world, case_id, "approve_extension", "lia1"), 403, "forbidden")


# ----------------------------------------------------------------------------- suspension


def test_a_suspension_stops_the_clock_and_resume_pushes_it_by_the_working_time(
    world: World,
) -> None:
    case_id = to_handling(world)  # dispatched at Monday 10:00: handling due 15:00
    ok(act(world, case_id, "request_suspension", "lia1", {"reason": "待规划审批"}))
    world.clock.now = T0.replace(hour=11)
    suspended = ok(act(world, case_id, "approve_suspension", "disp1"))
    assert suspended["status"] == "suspended"
    assert suspended["running_due_at"] is None
    assert suspended["overdue"] is False

    world.clock.now = T0.replace(day=3, hour=11)  # a whole working day (7.5 h) later
    resumed = ok(act(world, case_id, "resume", "disp1"))

    assert resumed["status"] == "handling"
    # 15:00 Monday + 7.5 working hours = 15:00 Tuesday
    assert _at(resumed["handle_due_at"]) == T0.replace(day=3, hour=15)
    assert _at(resumed["close_due_at"]) == T0.replace(day=3, hour=15, minute=30)


def test_a_denied_suspension_keeps_handling(world: World) -> None:
    case_id = to_handling(world)
    ok(act(world, case_id, "request_suspension", "lia1", {"reason": "难"}))

    denied = ok(act(world, case_id, "deny_suspension", "disp1", {"reason": "须按期处置"}))

    assert denied["status"] == "handling"
    assert denied["pending_request"] is None


def test_one_request_at_a_time(world: World) -> None:
    case_id = to_handling(world)
    ok(act(world, case_id, "request_suspension", "lia1", {"reason": "难"}))

    response = act(
        world,
        case_id,
        "request_extension",
        "lia1",
        {"until": T0.replace(day=4).isoformat(), "reason": "忙"},
    )

    assert_problem(response, 409, "action-not-allowed")


# ----------------------------------------------------------------------------- handled, verify


def test_reporting_handled_needs_after_photos_and_starts_the_check_clock(world: World) -> None:
    case_id = to_handling(world)

    without = act(world, case_id, "report_handled", "lia1", {"result": "已清运"})
    assert upload(world, case_id, "after", "lia1", ("after.jpg", image())).status_code == 201
    world.clock.now = T0.replace(hour=14)
    handled = ok(act(world, case_id, "report_handled", "lia1", {"result": "已清运"}))

    assert_problem(without, 409, "action-not-allowed")
    assert handled["status"] == "handled"
    assert _at(handled["handled_at"]) == T0.replace(hour=14)
    assert _at(handled["verify_due_at"]) == T0.replace(hour=14, minute=30)


def test_verify_is_the_inspectors_with_photos_and_once_per_round(world: World) -> None:
    case_id = to_handled(world)

    by_dispatcher = act(world, case_id, "verify", "disp1", {"passed": True})
    without_photos = act(world, case_id, "verify", "ins1", {"passed": True})
    assert upload(world, case_id, "verification", "ins1", ("v.jpg", image())).status_code == 201
    verified = ok(act(world, case_id, "verify", "ins1", {"passed": True}))
    again = act(world, case_id, "verify", "ins1", {"passed": False})

    assert_problem(by_dispatcher, 403, "forbidden")
    assert_problem(without_photos, 409, "action-not-allowed")
    assert verified["verification"] == "passed"
    assert verified["status"] == "handled"
    assert_problem(again, 409, "action-not-allowed")


def _verify(world: World, case_id: int, passed: bool) -> dict[str, Any]:
    assert (
        upload(world, case_id, "verification", "ins1", ("v.png", image("PNG"))).status_code == 201
    )
    return ok(act(world, case_id, "verify", "ins1", {"passed": passed}))


def test_close_needs_a_passed_verification(world: World) -> None:
    case_id = to_handled(world)

    unverified = act(world, case_id, "close", "disp1")
    _verify(world, case_id, True)
    world.clock.now = T0.replace(hour=15)
    closed = ok(act(world, case_id, "close", "disp1"))

    assert_problem(unverified, 409, "action-not-allowed")
    assert closed["status"] == "closed"
    assert _at(closed["closed_at"]) == T0.replace(hour=15)
    assert closed["running_due_at"] is None


def test_rework_after_a_failed_verification_counts_and_restarts_the_round(world: World) -> None:
    case_id = to_handled(world)
    _verify(world, case_id, False)
    assert_problem(act(world, case_id, "close", "disp1"), 409, "action-not-allowed")
    world.clock.now = T0.replace(hour=13)

    reworked = ok(act(world, case_id, "rework", "disp1", {"reason": "垃圾未清干净"}))

    assert reworked["status"] == "handling"
    assert reworked["rework_count"] == 1
    assert reworked["verification"] is None
    assert reworked["handled_at"] is None
    # a new handling deadline: 4 working hours from 13:00 → 17:00
    assert _at(reworked["handle_due_at"]) == T0.replace(hour=17)
    assert reworked["offices"][0]["office_code"] == "310105001-lvhua"  # the same office
    # the new round needs its own after-photos
    again = act(world, case_id, "report_handled", "lia1", {"result": "再次清运"})
    assert_problem(again, 409, "action-not-allowed")


def test_rework_needs_a_failed_verification(world: World) -> None:
    case_id = to_handled(world)
    _verify(world, case_id, True)

    assert_problem(
        act(world, case_id, "rework", "disp1", {"reason": "再看看"}), 409, "action-not-allowed"
    )


# ----------------------------------------------------------------------------- evaluate


def _closed(world: World) -> int:
    case_id = to_handled(world)
    _verify(world, case_id, True)
    ok(act(world, case_id, "close", "disp1"))
    return case_id


@pytest.mark.parametrize(("who", "channel"), [("aud", "follow_up"), ("ins1", "reporter")])
def test_the_auditor_or_the_reporter_evaluates(world: World, who: str, channel: str) -> None:
    case_id = _closed(world)

    evaluated = ok(act(world, case_id, "evaluate", who, {"satisfaction": "basically_satisfied"}))

    assert evaluated["status"] == "evaluated"
    assert evaluated["satisfaction"] == "basically_satisfied"
    payload = _events(world, case_id)[-1]["payload"]
    assert payload["channel"] == channel
    assert (payload["contacted"], payload["solved"]) == (True, True)
    # Every step was taken at once on the standing clock: all on time.
    assert payload["timeliness"] == dict.fromkeys(
        ("register", "dispatch", "handle", "verify", "close"), True
    )


def test_a_follow_up_visit_records_contact_and_solution(world: World) -> None:
    case_id = _closed(world)
    body = {"satisfaction": "dissatisfied", "contacted": True, "solved": False, "comment": "未修好"}

    ok(act(world, case_id, "evaluate", "aud", body))

    payload = _events(world, case_id)[-1]["payload"]
    assert (payload["satisfaction"], payload["contacted"], payload["solved"]) == (
        "dissatisfied",
        True,
        False,
    )


def test_a_late_step_is_late_in_the_evaluation(world: World) -> None:
    case_id = to_handled(world)
    world.clock.now += timedelta(hours=2)  # the check is due half an hour after the report
    _verify(world, case_id, True)
    ok(act(world, case_id, "close", "disp1"))

    ok(act(world, case_id, "evaluate", "aud", {"satisfaction": "satisfied"}))

    timeliness = _events(world, case_id)[-1]["payload"]["timeliness"]
    assert (timeliness["handle"], timeliness["verify"]) == (True, False)


def test_someone_who_did_not_report_may_not_evaluate(world: World) -> None:
    case_id = _closed(world)

    assert_problem(
        act(world, case_id, "evaluate", "disp1", {"satisfaction": "satisfied"}), 403, "forbidden"
    )


def test_an_intake_client_evaluates_what_it_filed(world: World) -> None:
    case = world.client.post(
        "/cases",
        json={
            "point": {"lon": 121.4005, "lat": 31.2015, "crs": "wgs84"},
            "description": "垃圾",
            "item_code": "E0102",
        },
        headers=world["hotline"],
    ).json()
    case_id = case["case_id"]
    ok(act(world, case_id, "register", "disp1"))
    ok(act(world, case_id, "dispatch", "disp1"))
    ok(act(world, case_id, "accept", "lia1"))
    assert upload(world, case_id, "after", "lia1", ("a.jpg", image())).status_code == 201
    ok(act(world, case_id, "report_handled", "lia1", {"result": "好了"}))
    _verify(world, case_id, True)
    ok(act(world, case_id, "close", "disp1"))

    evaluated = ok(act(world, case_id, "evaluate", "hotline", {"satisfaction": "satisfied"}))
    other_client = act(world, case_id, "evaluate", "app", {"satisfaction": "dissatisfied"})

    assert evaluated["status"] == "evaluated"
    assert_problem(other_client, 404, "not-found")


# ----------------------------------------------------------------------------- the history


def test_the_whole_loop_leaves_one_event_per_action_in_order(world: World) -> None:
    case_id = _closed(world)

    events = _events(world, case_id)

    assert [e["action"] for e in events] == [
        "file",
        "register",
        "dispatch",
        "accept",
        "report_handled",
        "verify",
        "close",
    ]
    assert [(e["from_status"], e["to_status"]) for e in events][1:] == [
        ("reported", "registered"),
        ("registered", "dispatched"),
        ("dispatched", "handling"),
        ("handling", "handled"),
        ("handled", "handled"),
        ("handled", "closed"),
    ]
    assert [e["actor"] for e in events] == [
        "ins1",
        "disp1",
        "disp1",
        "lia1",
        "lia1",
        "ins1",
        "disp1",
    ]


def test_a_case_in_another_street_is_handled_by_that_streets_people(world: World) -> None:
    case_id = to_handling(world, "ins2", IN_B001)

    case = ok(world.client.get(f"/cases/{case_id}", headers=world["lia2"]))

    assert case["offices"][0]["office_code"] == "310105002-lvhua"
    assert world.client.get(f"/cases/{case_id}", headers=world["disp1"]).status_code == 404
