"""Webhook subscriptions through the API, and the outbox: which deliveries an event owes."""

from __future__ import annotations

from typing import Any

from tests.factories.cases import IN_B001, World, act, file_case, ok
from tests.factories.web import assert_problem

HOOK = "https://orders.example.gov.cn/gridloop"


def _create(world: World, who: str, **body: Any) -> dict[str, Any]:
    response = world.client.post("/webhooks", json={"url": HOOK, **body}, headers=world[who])
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def _deliveries(world: World, webhook_id: int) -> list[dict[str, Any]]:
    response = world.client.get(f"/webhooks/{webhook_id}/deliveries", headers=world["adm"])
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()
    return found


def test_an_admin_subscribes_and_the_secret_is_shown_once(world: World) -> None:
    created = _create(world, "adm", events=["dispatch", "close"], street_code="310105001")
    assert created["secret"].startswith("whsec_")
    assert created["events"] == ["close", "dispatch"]
    webhook_id = created["webhook_id"]
    read = world.client.get(f"/webhooks/{webhook_id}", headers=world["adm"]).json()
    assert "secret" not in read
    assert [
        hook["webhook_id"] for hook in world.client.get("/webhooks", headers=world["adm"]).json()
    ] == [webhook_id]
    changed = world.client.patch(
        f"/webhooks/{webhook_id}", json={"events": []}, headers=world["adm"]
    )
    assert changed.status_code == 200
    assert changed.json()["events"] == []
    assert world.client.delete(f"/webhooks/{webhook_id}", headers=world["adm"]).status_code == 204
    missing = world.client.get(f"/webhooks/{webhook_id}", headers=world["adm"])
    assert_problem(missing, 404, "not-found")


def test_a_rotation_gives_a_new_secret_and_keeps_the_old_one_for_the_overlap(world: World) -> None:
    created = _create(world, "adm")
    rotated = world.client.post(
        f"/webhooks/{created['webhook_id']}/rotate-secret",
        json={"overlap_hours": 2},
        headers=world["adm"],
    )
    assert rotated.status_code == 200, rotated.text
    assert rotated.json()["secret"].startswith("whsec_")
    assert rotated.json()["secret"] != created["secret"]
    assert rotated.json()["previous_secret_expires_at"] is not None


def test_a_liaison_manages_only_their_own_offices_subscriptions(world: World) -> None:
    district = _create(world, "adm")
    own = _create(world, "lia1")
    assert own["office_code"] == "310105001-lvhua"
    listed = world.client.get("/webhooks", headers=world["lia1"]).json()
    assert [hook["webhook_id"] for hook in listed] == [own["webhook_id"]]
    other = world.client.get(f"/webhooks/{district['webhook_id']}", headers=world["lia1"])
    assert_problem(other, 404, "not-found")
    street = world.client.post(
        "/webhooks", json={"url": HOOK, "street_code": "310105001"}, headers=world["lia1"]
    )
    assert_problem(street, 403, "forbidden")
    elsewhere = world.client.post(
        "/webhooks", json={"url": HOOK, "office_code": "310105002-lvhua"}, headers=world["lia1"]
    )
    assert_problem(elsewhere, 403, "forbidden")
    dispatcher = world.client.post("/webhooks", json={"url": HOOK}, headers=world["disp1"])
    assert_problem(dispatcher, 403, "forbidden")


def test_bad_subscriptions_are_refused(world: World) -> None:
    for body in (
        {"url": HOOK, "street_code": "310105001", "department_type": "lvhua"},
        {"url": HOOK, "events": ["explode"]},
        {"url": "ftp://example.org/x"},
        {"url": HOOK, "office_code": "nowhere"},
        {"url": HOOK, "street_code": "310105999"},
    ):
        response = world.client.post("/webhooks", json=body, headers=world["adm"])
        assert_problem(response, 422, "validation-error")


def test_each_event_owes_a_delivery_to_the_subscriptions_whose_scope_holds_the_case(
    world: World,
) -> None:
    everything = _create(world, "adm")
    dispatches = _create(world, "adm", events=["dispatch"])
    street_one = _create(world, "adm", street_code="310105001")
    street_two = _create(world, "adm", street_code="310105002")
    office_one = _create(world, "lia1")
    office_two = _create(world, "lia2")
    lvhua = _create(world, "adm", department_type="lvhua")
    case_id = int(file_case(world, "ins1")["case_id"])
    ok(act(world, case_id, "register", "disp1"))
    ok(act(world, case_id, "dispatch", "disp1"))
    other_case = int(file_case(world, "ins2", IN_B001)["case_id"])

    def events_of(hook: dict[str, Any]) -> list[tuple[int, int]]:
        return sorted((d["case_id"], d["event_id"]) for d in _deliveries(world, hook["webhook_id"]))

    events = [
        e["case_event_id"]
        for e in world.client.get(f"/cases/{case_id}/events", headers=world["aud"]).json()
    ]
    filed, _registered, dispatched = events
    other_filed = world.client.get(f"/cases/{other_case}/events", headers=world["aud"]).json()
    other = (other_case, other_filed[0]["case_event_id"])
    assert events_of(everything) == [*((case_id, e) for e in events), other]
    assert events_of(dispatches) == [(case_id, dispatched)]
    assert events_of(street_one) == [(case_id, e) for e in events]
    assert events_of(street_two) == [other]
    # An office hears of a case from its dispatch on, and never of another office's case.
    assert events_of(office_one) == [(case_id, dispatched)]
    assert events_of(office_two) == []
    assert events_of(lvhua) == [(case_id, dispatched)]
    assert filed < dispatched
    pending = _deliveries(world, everything["webhook_id"])[0]
    assert pending["status"] == "pending"
    assert pending["attempts"] == 0
