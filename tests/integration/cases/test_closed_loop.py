"""The six-step closed loop end to end, through the API, by five different people.

One case goes straight round (发现 → 立案 → 派遣 → 处置 → 核查 → 结案 → 考核); a second one is
returned, re-dispatched, fails its check, is reworked and closed late, and the lateness shows:
an `overdue` event from the sweeper and an evaluation that says it was not closed on time.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from gridloop.auth import service as auth_service
from gridloop.auth.models import Role
from gridloop.cases import sweeper
from tests.factories.cases import T0, World, act, file_case, image, ok, upload


def _events(world: World, case_id: int) -> list[dict[str, Any]]:
    response = world.client.get(f"/cases/{case_id}/events", headers=world["aud"])
    assert response.status_code == 200, response.text
    events: list[dict[str, Any]] = response.json()
    return events


def _photo(world: World, case_id: int, step: str, who: str) -> None:
    response = upload(world, case_id, step, who, (f"{step}.jpg", image()))
    assert response.status_code == 201, response.text


def _second_inspector(world: World, session: Session) -> None:
    """Another inspector of the same grid: the one who checks is not the one who filed."""
    user = auth_service.create_user(
        session,
        username="ins1b",
        password="gridloop-demo",
        role=Role.INSPECTOR,
        responsibility_grid_codes=["31010500101"],
    )
    token, _ = auth_service.issue_token(session, user=user, now=T0 + timedelta(days=30))
    session.commit()
    world.headers["ins1b"] = {"Authorization": f"Bearer {token}"}


def test_a_case_goes_round_the_loop_by_five_people(world: World, session: Session) -> None:
    _second_inspector(world, session)
    case_id = int(file_case(world, "ins1")["case_id"])
    _photo(world, case_id, "before", "ins1")
    world.clock.now = T0 + timedelta(minutes=10)
    ok(act(world, case_id, "register", "disp1"))
    dispatched = ok(act(world, case_id, "dispatch", "disp1"))
    world.clock.now = T0 + timedelta(minutes=30)
    ok(act(world, case_id, "accept", "lia1"))
    _photo(world, case_id, "after", "lia1")
    ok(act(world, case_id, "report_handled", "lia1", {"result": "已清运并冲洗路面"}))
    _photo(world, case_id, "verification", "ins1b")
    ok(act(world, case_id, "verify", "ins1b", {"passed": True}))
    world.clock.now = T0 + timedelta(hours=1)
    ok(act(world, case_id, "close", "disp1"))

    evaluated = ok(act(world, case_id, "evaluate", "aud", {"satisfaction": "satisfied"}))

    assert [o["office_code"] for o in dispatched["offices"]] == ["310105001-lvhua"]
    assert evaluated["status"] == "evaluated"
    assert evaluated["satisfaction"] == "satisfied"
    events = _events(world, case_id)
    assert [(e["action"], e["actor"]) for e in events] == [
        ("file", "ins1"),
        ("register", "disp1"),
        ("dispatch", "disp1"),
        ("accept", "lia1"),
        ("report_handled", "lia1"),
        ("verify", "ins1b"),
        ("close", "disp1"),
        ("evaluate", "aud"),
    ]
    assert events[-1]["payload"]["timeliness"]["handle"] is True
    assert events[-1]["payload"]["timeliness"]["close"] is True
    photos = world.client.get(f"/cases/{case_id}/photos", headers=world["aud"]).json()
    assert sorted(photo["step"] for photo in photos) == ["after", "before", "verification"]
    assert sweeper.sweep(session, now=world.clock.now).overdue == []


def test_a_returned_reworked_case_is_closed_late_and_the_lateness_shows(
    world: World, session: Session
) -> None:
    case_id = int(file_case(world, "ins1")["case_id"])
    ok(act(world, case_id, "register", "disp1"))
    ok(act(world, case_id, "dispatch", "disp1"))
    returned = ok(act(world, case_id, "return", "lia1", {"reason": "属城管执法范围"}))
    redispatched = ok(
        act(
            world,
            case_id,
            "dispatch",
            "disp1",
            {"office_code": "310105001-chengguan", "override_reason": "退回后改派城管"},
        )
    )
    ok(act(world, case_id, "accept", "lia1cg"))
    _photo(world, case_id, "after", "lia1cg")
    ok(act(world, case_id, "report_handled", "lia1cg", {"result": "已清理"}))
    _photo(world, case_id, "verification", "ins1")
    ok(act(world, case_id, "verify", "ins1", {"passed": False, "note": "仍有残留"}))
    world.clock.now = T0 + timedelta(hours=1)
    reworked = ok(act(world, case_id, "rework", "disp1", {"reason": "清理不彻底"}))
    _photo(world, case_id, "after", "lia1cg")
    ok(act(world, case_id, "report_handled", "lia1cg", {"result": "已彻底清理"}))
    close_due_at = datetime.fromisoformat(reworked["close_due_at"])
    world.clock.now = close_due_at + timedelta(hours=2)  # nobody checked in time
    swept = sweeper.sweep(session, now=world.clock.now)
    _photo(world, case_id, "verification", "ins1")
    ok(act(world, case_id, "verify", "ins1", {"passed": True}))
    closed = ok(act(world, case_id, "close", "disp1"))

    evaluated = ok(act(world, case_id, "evaluate", "aud", {"satisfaction": "basically_satisfied"}))

    assert returned["status"] == "registered"
    assert returned["offices"] == []
    assert [o["office_code"] for o in redispatched["offices"]] == ["310105001-chengguan"]
    assert reworked["rework_count"] == 1
    assert datetime.fromisoformat(closed["closed_at"]) > datetime.fromisoformat(
        closed["close_due_at"]
    )
    assert evaluated["status"] == "evaluated"
    assert {deadline for listed_id, deadline in swept.overdue if listed_id == case_id} == {
        "verify",
        "close",
    }
    events = _events(world, case_id)
    actions = [e["action"] for e in events]
    assert actions.count("overdue") == 2
    assert actions[-1] == "evaluate"
    assert events[-1]["payload"]["timeliness"]["close"] is False
    dispatch_events = [e for e in events if e["action"] == "dispatch"]
    assert [e["payload"]["override"] for e in dispatch_events] == [False, True]
