"""The deadline sweeper (督办): one `overdue` event per missed deadline, never two."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridloop.cases import sweeper
from gridloop.cases.models import Deadline, IdempotencyKey
from tests.factories.cases import T0, World, act, file_case, ok, report, to_handling


def _overdue_events(world: World, case_id: int) -> list[dict[str, Any]]:
    response = world.client.get(f"/cases/{case_id}/events", headers=world["aud"])
    assert response.status_code == 200, response.text
    return [event for event in response.json() if event["action"] == "overdue"]


def test_a_missed_deadline_gets_one_overdue_event_and_a_second_sweep_adds_nothing(
    world: World, session: Session
) -> None:
    late = int(file_case(world)["case_id"])  # register due T0 + 1 h
    on_time = int(file_case(world)["case_id"])
    world.clock.now = T0 + timedelta(minutes=30)
    ok(act(world, on_time, "register", "disp1"))  # dispatch due at T0 + 1.5 h
    world.clock.now = T0 + timedelta(minutes=61)

    first = sweeper.sweep(session, now=world.clock.now)
    second = sweeper.sweep(session, now=world.clock.now + timedelta(minutes=5))

    assert first.overdue == [(late, Deadline.REGISTER)]
    assert second.overdue == []
    [event] = _overdue_events(world, late)
    assert event["actor_role"] == "system"
    assert event["from_status"] == event["to_status"] == "reported"
    assert event["payload"]["deadline"] == "register"
    assert _overdue_events(world, on_time) == []


def test_the_overdue_filter_lists_the_cases_the_sweeper_reported(
    world: World, session: Session
) -> None:
    late = int(file_case(world)["case_id"])
    world.clock.now = T0 + timedelta(minutes=61)
    fresh = int(file_case(world)["case_id"])
    result = sweeper.sweep(session, now=world.clock.now)

    response = world.client.get("/cases", params={"overdue": "true"}, headers=world["disp1"])

    assert response.status_code == 200, response.text
    listed = [case["case_id"] for case in response.json()["items"]]
    assert listed == [late]
    assert [case_id for case_id, _ in result.overdue] == listed
    assert fresh not in listed


def test_each_deadline_of_a_case_is_reported_once_as_the_case_moves_on(
    world: World, session: Session
) -> None:
    case_id = int(file_case(world)["case_id"])
    world.clock.now = T0 + timedelta(hours=2)
    sweeper.sweep(session, now=world.clock.now)
    ok(act(world, case_id, "register", "disp1"))  # a late registration; dispatch due in 1 h
    world.clock.now = T0 + timedelta(hours=5)  # 1 working hour after 12:00 is 14:00

    sweeper.sweep(session, now=world.clock.now)
    sweeper.sweep(session, now=world.clock.now)

    deadlines = [event["payload"]["deadline"] for event in _overdue_events(world, case_id)]
    assert deadlines == ["register", "dispatch"]


def test_a_suspended_case_is_not_overdue_while_suspended(world: World, session: Session) -> None:
    case_id = to_handling(world)  # handling due 4 working hours after dispatch
    ok(act(world, case_id, "request_suspension", "lia1", {"reason": "需协调产权单位"}))
    ok(act(world, case_id, "approve_suspension", "disp1"))
    world.clock.now = T0 + timedelta(days=3)

    result = sweeper.sweep(session, now=world.clock.now)
    listed = world.client.get("/cases", params={"overdue": "true"}, headers=world["disp1"])

    assert result.overdue == []
    assert listed.json()["items"] == []


def test_a_sweep_forgets_idempotency_keys_older_than_a_day(world: World, session: Session) -> None:
    for key, at in (("day-old", T0), ("fresh", T0 + timedelta(hours=2))):
        world.clock.now = at
        headers = {**world["ins1"], "Idempotency-Key": key}
        assert world.client.post("/cases", json=report(), headers=headers).status_code == 201

    result = sweeper.sweep(session, now=T0 + timedelta(hours=25))

    assert result.purged_keys == 1
    assert session.scalars(select(IdempotencyKey.key)).all() == ["fresh"]
    assert "expired idempotency keys purged: 1" in str(result)
