"""Filing through Open311 is filing: the same case, source, scope, idempotency and routing as
`POST /cases`, and the requester's contact kept for the staff who make the follow-up visit."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories.cases import IN_A001, World, act, file_case, ok, report
from tests.factories.open311 import (
    GROUP_RENTING,
    REQUESTER,
    filed_id,
    open311_errors,
    post_request,
)


def _case(world: World, case_id: int, who: str = "aud") -> dict[str, Any]:
    response = world.client.get(f"/cases/{case_id}", headers=world[who])
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.mark.parametrize(("key", "source"), [("hotline", "hotline_12345"), ("app", "public")])
def test_the_api_keys_source_becomes_the_cases(world: World, key: str, source: str) -> None:
    case_id = filed_id(post_request(world, key=key))

    case = _case(world, case_id)

    assert case["source"] == source
    assert case["status"] == "reported"
    assert case["item_code"] == "E0102"
    assert case["street_code"] == "310105001"
    assert case["unit_grid_code"] == "310105001001001"
    assert (case["point"]["lon"], case["point"]["lat"]) == IN_A001
    assert case["input"]["crs"] == "wgs84"
    events = world.client.get(f"/cases/{case_id}/events", headers=world["aud"]).json()
    assert [(e["action"], e["actor_role"], e["actor"]) for e in events] == [
        ("file", "intake_client", key)
    ]
    # The intake client sees what it filed through the native API too.
    assert world.client.get(f"/cases/{case_id}", headers=world[key]).status_code == 200


def test_a_filing_without_a_description_is_described_by_its_service(world: World) -> None:
    case_id = filed_id(post_request(world, description=None))

    assert _case(world, case_id)["description"] == "暴露垃圾"


def test_the_street_dispatchers_and_auditors_read_the_requester_and_no_one_else(
    world: World,
) -> None:
    case_id = filed_id(
        post_request(world, **REQUESTER, media_url="https://photos.example.cn/p/1.jpg")
    )
    ok(act(world, case_id, "register", "disp1"))
    ok(act(world, case_id, "dispatch", "disp1"))
    expected = {**REQUESTER, "media_url": "https://photos.example.cn/p/1.jpg"}

    assert _case(world, case_id, "disp1")["requester"] == expected
    assert _case(world, case_id, "aud")["requester"] == expected
    for who in ("ins1", "lia1", "adm", "hotline"):
        assert _case(world, case_id, who)["requester"] is None, who
    assert world.client.get(f"/cases/{case_id}", headers=world["disp2"]).status_code == 404
    # Nor is it in the history, which more people read.
    events = world.client.get(f"/cases/{case_id}/events", headers=world["aud"]).text
    assert REQUESTER["phone"] not in events


def test_a_native_intake_filing_carries_a_requester_and_an_inspectors_may_not(
    world: World,
) -> None:
    filed = file_case(world, "hotline", requester={"phone": REQUESTER["phone"]})
    refused = world.client.post(
        "/cases", json=report(requester={"phone": "13800000000"}), headers=world["ins1"]
    )

    assert _case(world, filed["case_id"], "disp1")["requester"]["phone"] == REQUESTER["phone"]
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["location"] == "body.requester"


def test_an_idempotency_key_gives_the_first_answer_again(world: World) -> None:
    key = "hotline-call-0001"

    first = post_request(world, idempotency_key=key)
    again = post_request(world, fmt="xml", idempotency_key=key)
    other = post_request(world, idempotency_key=key, description="另一件事")

    case_id = filed_id(first)
    assert again.status_code == 201
    assert f"<service_request_id>{case_id}</service_request_id>" in again.text
    open311_errors(other, 400)
    cases = world.client.get("/cases", headers=world["hotline"]).json()["items"]
    assert [case["case_id"] for case in cases] == [case_id]
    # The same key on the native door is another request.
    native = world.client.post(
        "/cases", json=report(), headers={**world["hotline"], "Idempotency-Key": key}
    )
    assert native.status_code == 422
    assert native.json()["type"] == "/problems/idempotency-key-reused"


@pytest.mark.parametrize(
    ("given", "expected", "lead"),
    [("true", True, "310105001-chengguan"), ("false", False, "310105001-lvhua")],
)
def test_an_attribute_reaches_the_routing_rule_as_the_rule_reads_it(
    group_renting: World, given: str, expected: bool, lead: str
) -> None:
    world = group_renting
    case_id = filed_id(
        post_request(world, service_code=GROUP_RENTING, **{"attribute[repeat_offence]": given})
    )
    ok(act(world, case_id, "register", "disp1"))

    dispatched = ok(act(world, case_id, "dispatch", "disp1"))

    assert _case(world, case_id)["attributes"] == {"repeat_offence": expected}
    assert [office["office_code"] for office in dispatched["offices"]] == [lead]
