"""What the public is told of a case's status: Open311's open/closed, mySociety's extended
statuses, and one public sentence each.

Pure: no database and no web imports. One table per question, read by the façade and printed
in the README: a gridloop status (and a rejection's reason) becomes one Open311 status, one
extended status and one sentence; a status change (an event) becomes one update.
"""

from __future__ import annotations

from enum import StrEnum

from gridloop.cases.workflow import OPEN_STATUSES, Action, Status


class RequestStatus(StrEnum):
    """GeoReport v2: a request is open until it is resolved."""

    OPEN = "open"
    CLOSED = "closed"


class UpdateStatus(StrEnum):
    """mySociety's extended statuses (servicerequestupdates)."""

    OPEN = "open"
    INVESTIGATING = "investigating"
    ACTION_SCHEDULED = "action_scheduled"
    IN_PROGRESS = "in_progress"
    FIXED = "fixed"
    CLOSED = "closed"
    DUPLICATE = "duplicate"
    NOT_COUNCILS_RESPONSIBILITY = "not_councils_responsibility"
    NO_FURTHER_ACTION = "no_further_action"


# Each status: its extended status and what the public reads. A rejected case's depend on its
# reason, below.
STATUSES: dict[Status, tuple[UpdateStatus, str]] = {
    Status.REPORTED: (UpdateStatus.OPEN, "已收到反映，等待街道网格化中心立案。"),
    Status.REGISTERED: (UpdateStatus.INVESTIGATING, "已立案，正在确定处置部门。"),
    Status.DISPATCHED: (UpdateStatus.ACTION_SCHEDULED, "已派遣处置部门，等待接单。"),
    Status.HANDLING: (UpdateStatus.IN_PROGRESS, "处置部门正在处置。"),
    Status.SUSPENDED: (
        UpdateStatus.ACTION_SCHEDULED,
        "问题暂时无法解决，已挂账缓办，条件具备后处置。",
    ),
    Status.HANDLED: (UpdateStatus.FIXED, "处置部门已处置完毕，等待核查。"),
    Status.CLOSED: (UpdateStatus.CLOSED, "经核查问题已解决，已结案。"),
    Status.EVALUATED: (UpdateStatus.CLOSED, "已结案并完成考核评价。"),
}
REJECTIONS: dict[str, tuple[UpdateStatus, str]] = {
    "duplicate": (UpdateStatus.DUPLICATE, "与已有案件重复，不予立案，随原案件一并处置。"),
    "out_of_scope": (
        UpdateStatus.NOT_COUNCILS_RESPONSIBILITY,
        "不属于网格化管理受理范围，不予立案。",
    ),
    "insufficient_information": (UpdateStatus.NO_FURTHER_ACTION, "信息不足，无法立案。"),
}
# A rejection whose reason is not on record (none should be).
REJECTED = (UpdateStatus.CLOSED, "不予立案。")

# A few moves reach a status for a reason worth saying: back from an office, after a failed
# check, out of a suspension. Every other move is told by the status it leads to.
MOVES: dict[str, str] = {
    Action.RETURN: "处置部门退回，街道网格化中心将重新派遣。",
    Action.REWORK: "核查未通过，处置部门返工。",
    Action.RESUME: "挂账结束，恢复处置。",
}


def request_status(status: Status) -> RequestStatus:
    """Open while the loop runs (a handled case waits for its check); closed once finished."""
    return RequestStatus.OPEN if status in OPEN_STATUSES else RequestStatus.CLOSED


def extended_status(status: Status, reason: str | None = None) -> UpdateStatus:
    """The extended status of a case in `status` (rejected: by its reason)."""
    return _of(status, reason)[0]


def status_note(status: Status, reason: str | None = None) -> str:
    """The public sentence of a case in `status` (rejected: by its reason)."""
    return _of(status, reason)[1]


def update_note(action: str, status: Status, reason: str | None = None) -> str:
    """The public sentence of the move `action` that led to `status`."""
    return MOVES.get(action) or status_note(status, reason)


def _of(status: Status, reason: str | None) -> tuple[UpdateStatus, str]:
    if status is Status.REJECTED:
        return REJECTIONS.get(reason or "", REJECTED)
    return STATUSES[status]


# From which status on a case's photos are public (`open311_public_photos`).
PUBLIC_PHOTOS_FROM: dict[str, frozenset[Status]] = {
    "closed": frozenset({Status.CLOSED, Status.EVALUATED}),
    "handled": frozenset({Status.HANDLED, Status.CLOSED, Status.EVALUATED}),
    "reported": frozenset(Status),
}
