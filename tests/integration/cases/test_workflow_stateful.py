"""Random walks through the loop over HTTP: random actions by random people, checked each step.

After every step: the status is what `workflow.py` says (the next status, or a refusal that
changed nothing); the events replay to the status; `rework_count` is the number of reworks; and
the deadlines the status needs are set. Before every step, the actor's `allowed_actions` agree
with the outcome: a taken action was offered, and an offered one is refused only for its photos
or its body.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from gridloop.cases import workflow
from gridloop.cases.allowed import LEAD_OFFICE_ACTIONS
from gridloop.cases.workflow import Action, Actor, Status
from tests.factories.cases import T0, World, file_case, image, upload

# Who acts: the reporter, the street's dispatcher and another street's, the routed office, a
# second office of the street (whistles summon it), an office of another street, the auditor.
PEOPLE: dict[str, Actor] = {
    "ins1": Actor.INSPECTOR,
    "disp1": Actor.DISPATCHER,
    "disp2": Actor.DISPATCHER,
    "lia1": Actor.LIAISON,
    "lia1cg": Actor.LIAISON,
    "lia2": Actor.LIAISON,
    "aud": Actor.AUDITOR,
}
OFFICE_OF = {"lia1": "310105001-lvhua", "lia1cg": "310105001-chengguan", "lia2": "310105002-lvhua"}
ALWAYS_SEE = {"ins1", "disp1", "aud"}
ACTIONS = [action for action in Action if action is not Action.FILE]
# The deadlines each status needs.
NEEDS: dict[Status, tuple[str, ...]] = {
    Status.REPORTED: ("register_due_at",),
    Status.REGISTERED: ("dispatch_due_at",),
    Status.DISPATCHED: ("handle_due_at", "close_due_at"),
    Status.HANDLING: ("handle_due_at", "close_due_at"),
    Status.HANDLED: ("verify_due_at", "close_due_at"),
}


def _body(action: Action, case: dict[str, Any], passed: bool, now: datetime) -> dict[str, Any]:
    reason = {"reason": "随机测试 / random walk"}
    match action:
        case Action.REJECT:
            return {"reason": "out_of_scope"}
        case Action.WHISTLE:
            return {"office_codes": ["310105001-lvhua", "310105001-chengguan"]}
        case Action.REQUEST_EXTENSION:
            due = case["handle_due_at"]
            until = (datetime.fromisoformat(due) if due else now) + timedelta(days=1)
            return {"until": until.isoformat(), **reason}
        case Action.REPORT_HANDLED:
            return {"result": "已处置"}
        case Action.VERIFY:
            return {"passed": passed}
        case Action.EVALUATE:
            return {"satisfaction": "satisfied"}
        case (
            Action.RETURN
            | Action.DENY_EXTENSION
            | Action.REQUEST_SUSPENSION
            | Action.DENY_SUSPENSION
            | Action.REWORK
        ):
            return reason
    return {}


class LoopMachine(RuleBasedStateMachine):
    world: World  # set by the test before the machine runs

    def __init__(self) -> None:
        super().__init__()
        self.world.clock.now = T0  # each walk starts afresh: the clock too
        self.case_id = int(file_case(self.world)["case_id"])

    def case(self) -> tuple[dict[str, Any], str]:
        response = self.world.client.get(f"/cases/{self.case_id}", headers=self.world["aud"])
        assert response.status_code == 200, response.text
        return response.json(), response.headers["etag"]

    @rule(
        action=st.sampled_from(ACTIONS),
        who=st.sampled_from(sorted(PEOPLE)),
        passed=st.booleans(),
    )
    def act(self, action: Action, who: str, passed: bool) -> None:
        self.take(action, who, passed)

    @rule(data=st.data(), who=st.sampled_from(sorted(PEOPLE)), passed=st.booleans())
    def act_as_the_table_allows(self, data: st.DataObject, who: str, passed: bool) -> None:
        """An action the status allows (by anyone): walks get deep into the loop."""
        status = Status(self.case()[0]["status"])
        allowed = workflow.actions_from(status)
        if allowed:
            self.take(data.draw(st.sampled_from(allowed)), who, passed)

    def offered_to(self, who: str) -> list[str]:
        response = self.world.client.get(f"/cases/{self.case_id}", headers=self.world[who])
        if response.status_code == 404:
            return []
        assert response.status_code == 200, response.text
        offered: list[str] = response.json()["allowed_actions"]
        return offered

    def take(self, action: Action, who: str, passed: bool) -> None:
        before, tag = self.case()
        offered = self.offered_to(who)
        source = Status(before["status"])
        headers = {**self.world[who], "If-Match": tag}
        response = self.world.client.post(
            f"/cases/{self.case_id}/actions/{action}",
            json=_body(action, before, passed, self.world.clock.now),
            headers=headers,
        )
        after, _ = self.case()
        target = workflow.next_status(source, action)
        offices = {office["office_code"]: office["role"] for office in before["offices"]}
        sees = who in ALWAYS_SEE or OFFICE_OF.get(who) in offices
        actors = {PEOPLE[who], *([Actor.REPORTER] if who == "ins1" else [])}
        if action in offered:  # refused only for its photos (409) or its body (422)
            assert response.status_code in {200, 409, 422}, (action, who, response.text)
            if response.status_code == 409:
                assert action in (Action.REPORT_HANDLED, Action.VERIFY), response.text
        if response.status_code == 200:
            assert action in offered, (action, who, source, offered)
            assert target is not None, f"{action} from {source} was taken"
            assert after["status"] == target
            assert after["version"] == before["version"] + 1
            return
        assert after["version"] == before["version"], response.text
        if not sees:
            expected: set[int] = {404}
        elif not any(workflow.may_act(actor, action) for actor in actors) or (
            action in LEAD_OFFICE_ACTIONS and offices.get(OFFICE_OF[who]) != "lead"
        ):
            expected = {403}
        elif target is None:
            expected = {409}
        else:  # allowed by the table: refused only for an unmet need or a bad body
            expected = {409, 422}
        assert response.status_code in expected, (action, who, source, response.text)

    @rule(step=st.sampled_from(["after", "verification"]), who=st.sampled_from(["lia1", "ins1"]))
    def photo(self, step: str, who: str) -> None:
        response = upload(self.world, self.case_id, step, who, ("p.jpg", image()))
        assert response.status_code in {201, 403, 404, 409}, response.text

    @rule(minutes=st.integers(min_value=1, max_value=24 * 60))
    def wait(self, minutes: int) -> None:
        self.world.clock.now += timedelta(minutes=minutes)

    @invariant()
    def events_replay_to_the_status(self) -> None:
        case, _ = self.case()
        response = self.world.client.get(f"/cases/{self.case_id}/events", headers=self.world["aud"])
        actions = [event["action"] for event in response.json()]
        assert workflow.replay(actions) == case["status"]
        assert case["rework_count"] == actions.count("rework")
        for due in NEEDS.get(Status(case["status"]), ()):
            assert case[due] is not None, (case["status"], due)


def test_random_walks_follow_the_workflow_table(world: World) -> None:
    LoopMachine.world = world
    run_state_machine_as_test(
        LoopMachine,
        settings=settings(
            max_examples=50,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
