"""`allowed_actions` in a case read: what each role may do now, status by status, from the
workflow table, the case's facts and the caller's office; nothing for those who only look."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.factories.cases import World, act, file_case, image, ok, to_handled, to_handling, upload
from tests.factories.web import assert_problem

WHISTLE = {"office_codes": ["310105001-lvhua", "310105001-chengguan"]}


def offered(world: World, case_id: int, who: str) -> list[str]:
    response = world.client.get(f"/cases/{case_id}", headers=world[who])
    assert response.status_code == 200, response.text
    actions: list[str] = response.json()["allowed_actions"]
    return actions


def offers(world: World, case_id: int, expected: dict[str, list[str]]) -> None:
    """Each caller is offered exactly these actions, in the workflow table's order."""
    assert {who: offered(world, case_id, who) for who in expected} == expected


def test_a_reported_case_offers_register_and_reject_to_its_dispatcher_only(world: World) -> None:
    case_id = file_case(world)["case_id"]

    offers(world, case_id, {"disp1": ["register", "reject"], "ins1": [], "aud": [], "adm": []})


def test_a_registered_case_offers_dispatch_and_whistle(world: World) -> None:
    case_id = file_case(world)["case_id"]
    ok(act(world, case_id, "register", "disp1"))

    offers(world, case_id, {"disp1": ["dispatch", "whistle"], "ins1": [], "aud": []})


def test_a_dispatched_case_offers_accept_and_return_to_the_lead_office(world: World) -> None:
    case_id = file_case(world)["case_id"]
    ok(act(world, case_id, "register", "disp1"))
    ok(act(world, case_id, "dispatch", "disp1"))

    offers(world, case_id, {"lia1": ["accept", "return"], "disp1": [], "ins1": [], "aud": []})


def test_an_assisting_office_sees_its_case_but_is_offered_none_of_the_leads_actions(
    world: World,
) -> None:
    case_id = file_case(world)["case_id"]
    ok(act(world, case_id, "register", "disp1"))
    assist = {"assist_office_codes": ["310105001-chengguan"], "override_reason": "需城管协助"}
    ok(act(world, case_id, "dispatch", "disp1", assist))
    offers(world, case_id, {"lia1": ["accept", "return"], "lia1cg": []})
    assert_problem(act(world, case_id, "accept", "lia1cg"), 403, "forbidden")

    ok(act(world, case_id, "accept", "lia1"))

    offers(
        world,
        case_id,
        {"lia1": ["request_extension", "request_suspension", "report_handled"], "lia1cg": []},
    )


@pytest.mark.parametrize("who", ["lia2", "lia1cg", "disp2"])
def test_a_case_out_of_the_callers_scope_is_still_404(world: World, who: str) -> None:
    case_id = file_case(world)["case_id"]
    ok(act(world, case_id, "register", "disp1"))
    ok(act(world, case_id, "dispatch", "disp1"))

    response = world.client.get(f"/cases/{case_id}", headers=world[who])

    assert_problem(response, 404, "not-found")


def test_a_whistle_offers_report_in_to_each_summoned_office_until_it_reports(
    world: World,
) -> None:
    case_id = file_case(world)["case_id"]
    ok(act(world, case_id, "register", "disp1"))
    ok(act(world, case_id, "whistle", "disp1", WHISTLE))
    offers(world, case_id, {"lia1": ["accept", "return", "report_in"], "lia1cg": ["report_in"]})

    ok(act(world, case_id, "report_in", "lia1cg"))

    offers(world, case_id, {"lia1": ["accept", "return", "report_in"], "lia1cg": []})


def test_handling_offers_the_lead_office_its_requests_and_report_handled(world: World) -> None:
    case_id = to_handling(world)

    offers(
        world,
        case_id,
        {
            "lia1": ["request_extension", "request_suspension", "report_handled"],
            "disp1": [],
            "aud": [],
        },
    )


def test_a_pending_extension_offers_its_decision_to_the_dispatcher_only(world: World) -> None:
    case_id = to_handling(world)
    handling: dict[str, Any] = world.client.get(f"/cases/{case_id}", headers=world["aud"]).json()
    until = (datetime.fromisoformat(handling["handle_due_at"]) + timedelta(days=1)).isoformat()
    ok(act(world, case_id, "request_extension", "lia1", {"until": until, "reason": "雨天"}))

    offers(
        world,
        case_id,
        {"disp1": ["approve_extension", "deny_extension"], "lia1": ["report_handled"]},
    )


def test_a_suspension_is_decided_then_resumed_by_the_dispatcher(world: World) -> None:
    case_id = to_handling(world)
    ok(act(world, case_id, "request_suspension", "lia1", {"reason": "待规划"}))
    offers(
        world,
        case_id,
        {"disp1": ["approve_suspension", "deny_suspension"], "lia1": ["report_handled"]},
    )

    ok(act(world, case_id, "approve_suspension", "disp1"))

    offers(world, case_id, {"disp1": ["resume"], "lia1": [], "aud": []})


def test_a_handled_case_offers_verify_to_its_inspector_before_the_photo(world: World) -> None:
    case_id = to_handled(world)

    offers(world, case_id, {"ins1": ["verify"], "disp1": [], "lia1": [], "aud": []})


@pytest.mark.parametrize(("passed", "next_step"), [(True, "close"), (False, "rework")])
def test_the_verification_decides_between_close_and_rework(
    world: World, passed: bool, next_step: str
) -> None:
    case_id = to_handled(world)
    assert upload(world, case_id, "verification", "ins1", ("v.jpg", image())).status_code == 201
    ok(act(world, case_id, "verify", "ins1", {"passed": passed}))

    offers(world, case_id, {"disp1": [next_step], "ins1": [], "aud": []})


def close(world: World, case_id: int) -> None:
    """From handled: a passed verification with its photo, then closed."""
    assert upload(world, case_id, "verification", "ins1", ("v.jpg", image())).status_code == 201
    ok(act(world, case_id, "verify", "ins1", {"passed": True}))
    ok(act(world, case_id, "close", "disp1"))


def test_a_closed_case_offers_evaluate_to_the_auditor_and_the_reporter(world: World) -> None:
    case_id = to_handled(world)
    close(world, case_id)

    offers(world, case_id, {"aud": ["evaluate"], "ins1": ["evaluate"], "disp1": [], "adm": []})
    ok(act(world, case_id, "evaluate", "aud", {"satisfaction": "satisfied"}))
    offers(world, case_id, {"aud": [], "ins1": [], "disp1": []})


def test_an_intake_client_is_offered_evaluate_of_what_it_filed_once_closed(world: World) -> None:
    case_id = file_case(world, "hotline")["case_id"]
    offers(world, case_id, {"hotline": [], "disp1": ["register", "reject"]})
    ok(act(world, case_id, "register", "disp1"))
    ok(act(world, case_id, "dispatch", "disp1"))
    ok(act(world, case_id, "accept", "lia1"))
    assert upload(world, case_id, "after", "lia1", ("a.jpg", image())).status_code == 201
    ok(act(world, case_id, "report_handled", "lia1", {"result": "已清运"}))
    close(world, case_id)

    offers(world, case_id, {"hotline": ["evaluate"], "ins1": [], "aud": ["evaluate"]})


def test_the_openapi_document_lists_the_actions_a_case_read_may_offer(
    client: TestClient,
) -> None:
    document = client.get("/openapi.json").json()
    content = document["paths"]["/cases/{case_id}"]["get"]["responses"]["200"]["content"]
    schema_name = content["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    schemas = document["components"]["schemas"]
    field = schemas[schema_name]["properties"]["allowed_actions"]

    assert field["items"] == {"$ref": "#/components/schemas/Action"}
    assert "register" in schemas["Action"]["enum"]
    assert "allowed_actions" in schemas[schema_name]["required"]
