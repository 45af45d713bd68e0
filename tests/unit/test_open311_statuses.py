"""The status table of the Open311 façade: every gridloop status and rejection reason has its
Open311 status, its mySociety status and a public sentence."""

from __future__ import annotations

import pytest

from gridloop.cases.models import RejectReason
from gridloop.cases.workflow import Action, Status
from gridloop.open311.statuses import (
    RequestStatus,
    UpdateStatus,
    extended_status,
    request_status,
    status_note,
    update_note,
)

EXPECTED = {
    Status.REPORTED: (RequestStatus.OPEN, UpdateStatus.OPEN),
    Status.REGISTERED: (RequestStatus.OPEN, UpdateStatus.INVESTIGATING),
    Status.DISPATCHED: (RequestStatus.OPEN, UpdateStatus.ACTION_SCHEDULED),
    Status.HANDLING: (RequestStatus.OPEN, UpdateStatus.IN_PROGRESS),
    Status.SUSPENDED: (RequestStatus.OPEN, UpdateStatus.ACTION_SCHEDULED),
    Status.HANDLED: (RequestStatus.OPEN, UpdateStatus.FIXED),
    Status.CLOSED: (RequestStatus.CLOSED, UpdateStatus.CLOSED),
    Status.EVALUATED: (RequestStatus.CLOSED, UpdateStatus.CLOSED),
}
REJECTIONS = {
    RejectReason.DUPLICATE: UpdateStatus.DUPLICATE,
    RejectReason.OUT_OF_SCOPE: UpdateStatus.NOT_COUNCILS_RESPONSIBILITY,
    RejectReason.INSUFFICIENT_INFORMATION: UpdateStatus.NO_FURTHER_ACTION,
}


@pytest.mark.parametrize("status", sorted(set(Status) - {Status.REJECTED}))
def test_each_status_is_told_as_the_table_says(status: Status) -> None:
    assert (request_status(status), extended_status(status)) == EXPECTED[status]
    assert status_note(status).endswith("。")


@pytest.mark.parametrize("reason", list(RejectReason))
def test_a_rejection_is_closed_and_told_by_its_reason(reason: RejectReason) -> None:
    assert request_status(Status.REJECTED) is RequestStatus.CLOSED
    assert extended_status(Status.REJECTED, reason) is REJECTIONS[reason]
    assert status_note(Status.REJECTED, reason) != status_note(Status.REJECTED, None)


def test_every_extended_status_is_used() -> None:
    used = {extended for _, extended in EXPECTED.values()} | set(REJECTIONS.values())
    assert used == set(UpdateStatus)


def test_a_return_a_rework_and_a_resumption_say_why() -> None:
    assert "退回" in update_note(Action.RETURN, Status.REGISTERED)
    assert "返工" in update_note(Action.REWORK, Status.HANDLING)
    assert update_note(Action.REGISTER, Status.REGISTERED) == status_note(Status.REGISTERED)
