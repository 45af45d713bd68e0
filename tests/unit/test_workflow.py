"""The workflow module against DESIGN.md §2, whose table is copied here by hand.

The expectations are written from the design document, not from the code: if the two disagree,
the code is wrong (or the design changed and this copy must follow it).
"""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest

from gridloop.cases.workflow import (
    OPEN_STATUSES,
    TERMINAL_STATUSES,
    Action,
    Actor,
    Facts,
    Pending,
    Status,
    Verification,
    actions_from,
    available,
    may_act,
    next_status,
    unmet_need,
)

# action: (from, to, who) — DESIGN.md §2, "Actions". `None` is "—" (the case does not exist).
# deny_suspension is gridloop's addition (a refused request must end somehow).
DESIGN: dict[str, tuple[str | None, str, set[str]]] = {
    "file": (None, "reported", {"inspector", "intake_client"}),
    "register": ("reported", "registered", {"dispatcher"}),
    "reject": ("reported", "rejected", {"dispatcher"}),
    "dispatch": ("registered", "dispatched", {"dispatcher"}),
    "whistle": ("registered", "dispatched", {"dispatcher"}),
    "accept": ("dispatched", "handling", {"liaison"}),
    "return": ("dispatched", "registered", {"liaison"}),
    "request_extension": ("handling", "handling", {"liaison"}),
    "approve_extension": ("handling", "handling", {"dispatcher"}),
    "deny_extension": ("handling", "handling", {"dispatcher"}),
    "request_suspension": ("handling", "handling", {"liaison"}),
    "approve_suspension": ("handling", "suspended", {"dispatcher"}),
    "deny_suspension": ("handling", "handling", {"dispatcher"}),
    "resume": ("suspended", "handling", {"dispatcher"}),
    "report_handled": ("handling", "handled", {"liaison"}),
    "verify": ("handled", "handled", {"inspector"}),
    "close": ("handled", "closed", {"dispatcher"}),
    "rework": ("handled", "handling", {"dispatcher"}),
    "evaluate": ("closed", "evaluated", {"auditor", "reporter"}),
}
# Issue 4 §4 (吹哨报到): a summoned office reports in; the status stays. Several sources.
REPORT_IN_FROM = {"dispatched", "handling"}
STATES = [
    "reported",
    "registered",
    "rejected",
    "dispatched",
    "handling",
    "suspended",
    "handled",
    "closed",
    "evaluated",
]
ROLES = ["inspector", "dispatcher", "liaison", "auditor", "admin", "intake_client", "reporter"]


def test_the_states_and_actions_are_those_of_the_design() -> None:
    assert sorted(status.value for status in Status) == sorted(STATES)
    assert sorted(action.value for action in Action) == sorted([*DESIGN, "report_in"])


@pytest.mark.parametrize("status", [None, *STATES])
def test_report_in_keeps_the_status_while_dispatched_or_handling(status: str | None) -> None:
    expected = Status(status) if status in REPORT_IN_FROM else None

    assert next_status(None if status is None else Status(status), Action.REPORT_IN) == expected
    assert may_act(Actor.LIAISON, Action.REPORT_IN)
    assert not may_act(Actor.DISPATCHER, Action.REPORT_IN)


@pytest.mark.parametrize(
    ("status", "action"), list(itertools.product([None, *STATES], sorted(DESIGN)))
)
def test_next_status_follows_the_design_table_and_refuses_everything_else(
    status: str | None, action: str
) -> None:
    source, target, _ = DESIGN[action]
    expected = Status(target) if status == source else None

    assert next_status(None if status is None else Status(status), Action(action)) == expected


@pytest.mark.parametrize(("role", "action"), list(itertools.product(ROLES, sorted(DESIGN))))
def test_only_the_roles_the_design_names_may_act(role: str, action: str) -> None:
    assert may_act(Actor(role), Action(action)) == (role in DESIGN[action][2])


def test_supervision_and_command_stay_apart() -> None:
    # The inspector files and verifies; the dispatcher dispatches and closes; never the other.
    for action in (Action.DISPATCH, Action.CLOSE, Action.REGISTER, Action.REWORK):
        assert not may_act(Actor.INSPECTOR, action)
    for action in (Action.FILE, Action.VERIFY):
        assert not may_act(Actor.DISPATCHER, action)


def test_admins_read_but_take_no_action() -> None:
    assert not any(may_act(Actor.ADMIN, action) for action in Action)


def test_rejected_and_evaluated_are_terminal_and_the_rest_lead_somewhere() -> None:
    assert {Status.REJECTED, Status.EVALUATED} == TERMINAL_STATUSES
    for status in set(Status) - TERMINAL_STATUSES:
        assert actions_from(status)
    assert Status.CLOSED not in OPEN_STATUSES
    assert Status.SUSPENDED in OPEN_STATUSES


def test_every_state_is_reachable_from_filing() -> None:
    reached = {Status.REPORTED}
    frontier = [Status.REPORTED]
    while frontier:
        status = frontier.pop()
        for action in actions_from(status):
            target = next_status(status, action)
            assert target is not None
            if target not in reached:
                reached.add(target)
                frontier.append(target)
    assert reached == set(Status)


# ----------------------------------------------------------------------------- needs


def test_a_decision_needs_a_request_of_its_kind() -> None:
    assert unmet_need(Action.APPROVE_EXTENSION, Facts()) is not None
    assert unmet_need(Action.APPROVE_EXTENSION, Facts(pending=Pending.SUSPENSION)) is not None
    assert unmet_need(Action.APPROVE_EXTENSION, Facts(pending=Pending.EXTENSION)) is None
    assert unmet_need(Action.DENY_EXTENSION, Facts(pending=Pending.EXTENSION)) is None
    assert unmet_need(Action.APPROVE_SUSPENSION, Facts(pending=Pending.EXTENSION)) is not None
    assert unmet_need(Action.APPROVE_SUSPENSION, Facts(pending=Pending.SUSPENSION)) is None
    assert unmet_need(Action.DENY_SUSPENSION, Facts()) is not None


def test_one_request_waits_at_a_time() -> None:
    for pending in Pending:
        assert unmet_need(Action.REQUEST_EXTENSION, Facts(pending=pending)) is not None
        assert unmet_need(Action.REQUEST_SUSPENSION, Facts(pending=pending)) is not None
    assert unmet_need(Action.REQUEST_EXTENSION, Facts()) is None
    assert unmet_need(Action.REQUEST_SUSPENSION, Facts()) is None


def test_reporting_handled_needs_after_photos() -> None:
    assert unmet_need(Action.REPORT_HANDLED, Facts(after_photos=0)) is not None
    assert unmet_need(Action.REPORT_HANDLED, Facts(after_photos=1)) is None


def test_close_needs_a_passed_verification_and_rework_a_failed_one() -> None:
    assert unmet_need(Action.CLOSE, Facts()) is not None
    assert unmet_need(Action.CLOSE, Facts(verification=Verification.FAILED)) is not None
    assert unmet_need(Action.CLOSE, Facts(verification=Verification.PASSED)) is None
    assert unmet_need(Action.REWORK, Facts()) is not None
    assert unmet_need(Action.REWORK, Facts(verification=Verification.PASSED)) is not None
    assert unmet_need(Action.REWORK, Facts(verification=Verification.FAILED)) is None


def test_a_round_is_verified_once_and_with_photos() -> None:
    assert unmet_need(Action.VERIFY, Facts(verification_photos=1)) is None
    assert unmet_need(Action.VERIFY, Facts(verification_photos=0)) is not None
    done = Facts(verification=Verification.PASSED, verification_photos=1)
    assert unmet_need(Action.VERIFY, done) is not None


def test_available_offers_what_the_table_and_the_facts_allow_the_actors() -> None:
    handling = Facts(pending=Pending.EXTENSION)

    assert available(Status.HANDLING, frozenset({Actor.LIAISON}), handling) == (
        Action.REPORT_HANDLED,
        Action.REPORT_IN,
    )
    assert available(Status.HANDLING, frozenset({Actor.DISPATCHER}), handling) == (
        Action.APPROVE_EXTENSION,
        Action.DENY_EXTENSION,
    )
    assert available(Status.CLOSED, frozenset({Actor.AUDITOR}), Facts()) == (Action.EVALUATE,)
    assert available(Status.REPORTED, frozenset({Actor.AUDITOR, Actor.ADMIN}), Facts()) == ()


def test_available_offers_photo_steps_before_their_photos_but_never_twice() -> None:
    inspector = frozenset({Actor.INSPECTOR})

    assert available(Status.HANDLED, inspector, Facts()) == (Action.VERIFY,)
    assert available(Status.HANDLED, inspector, Facts(verification=Verification.PASSED)) == ()


@pytest.mark.parametrize("status", list(Status))
def test_every_offered_action_is_one_the_table_takes_once_its_photos_are_there(
    status: Status,
) -> None:
    for pending, verification in itertools.product([None, *Pending], [None, *Verification]):
        facts = Facts(pending=pending, verification=verification)
        photographed = replace(facts, after_photos=1, verification_photos=1)
        for actor in Actor:
            for action in available(status, frozenset({actor}), facts):
                assert next_status(status, action) is not None
                assert may_act(actor, action)
                assert unmet_need(action, photographed) is None
            expected = {
                action
                for action in actions_from(status)
                if may_act(actor, action) and unmet_need(action, photographed) is None
            }
            assert set(available(status, frozenset({actor}), facts)) == expected
