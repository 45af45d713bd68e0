"""Replaying a case's events with the workflow table."""

from __future__ import annotations

import pytest

from gridloop.cases.workflow import ReplayError, Status, replay


def test_a_history_replays_to_its_last_status_and_overdue_changes_nothing() -> None:
    history = ["file", "overdue", "register", "whistle", "report_in", "accept", "report_in"]

    assert replay(history) == Status.HANDLING


def test_rework_goes_back_to_handling() -> None:
    history = ["file", "register", "dispatch", "accept", "report_handled", "verify", "rework"]

    assert replay(history) == Status.HANDLING


@pytest.mark.parametrize(
    ("history", "problem"),
    [
        ([], "no events"),
        (["register"], "event 1: register is not allowed from nothing"),
        (["file", "close"], "event 2: close is not allowed from reported"),
        (["overdue"], "event 1: overdue before the case was filed"),
        (["file", "teleport"], "event 2: unknown action 'teleport'"),
    ],
)
def test_a_history_the_table_cannot_produce_is_refused(history: list[str], problem: str) -> None:
    with pytest.raises(ReplayError, match=problem):
        replay(history)
