"""The six-step closed loop as one table: states, actions, who may act, what an action needs.

Pure: no database and no web imports. Everything else asks this module; nothing else knows
which status follows which (DESIGN.md §2).

An action moves a case from one status to the next (`next_status`); the roles that may take it
are `may_act`. A few actions also depend on facts beyond the status — a pending request, the
result of the last verification, photos of the step — and `unmet_need` says which is missing.
Supervision and command stay apart (监督轴/指挥轴): the inspector who files and verifies never
dispatches or closes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Status(StrEnum):
    REPORTED = "reported"  # 上报
    REGISTERED = "registered"  # 立案
    REJECTED = "rejected"  # 不予立案/作废
    DISPATCHED = "dispatched"  # 派遣
    HANDLING = "handling"  # 处置中
    SUSPENDED = "suspended"  # 挂账/缓办
    HANDLED = "handled"  # 处置完毕
    CLOSED = "closed"  # 结案
    EVALUATED = "evaluated"  # 考核


class Action(StrEnum):
    FILE = "file"
    REGISTER = "register"
    REJECT = "reject"
    DISPATCH = "dispatch"
    WHISTLE = "whistle"
    ACCEPT = "accept"
    RETURN = "return"
    REQUEST_EXTENSION = "request_extension"
    APPROVE_EXTENSION = "approve_extension"
    DENY_EXTENSION = "deny_extension"
    REQUEST_SUSPENSION = "request_suspension"
    APPROVE_SUSPENSION = "approve_suspension"
    DENY_SUSPENSION = "deny_suspension"
    RESUME = "resume"
    REPORT_HANDLED = "report_handled"
    VERIFY = "verify"
    CLOSE = "close"
    REWORK = "rework"
    EVALUATE = "evaluate"
    # 吹哨报到: a summoned office's liaison reports in at the grid; the status stays.
    REPORT_IN = "report_in"


class Actor(StrEnum):
    """Who takes an action: a user's role, an intake client, or the case's own reporter."""

    INSPECTOR = "inspector"
    DISPATCHER = "dispatcher"
    LIAISON = "liaison"
    AUDITOR = "auditor"
    ADMIN = "admin"
    INTAKE_CLIENT = "intake_client"
    # Whoever filed this case (an inspector or an intake client): a relation, not a role.
    REPORTER = "reporter"
    # The deadline sweeper and other jobs; never takes a workflow action.
    SYSTEM = "system"


class Pending(StrEnum):
    """A request of the office waiting for the center's decision."""

    EXTENSION = "extension"
    SUSPENSION = "suspension"


class Verification(StrEnum):
    """The result of the inspector's check (核查) of the current handling round."""

    PASSED = "passed"
    FAILED = "failed"


@dataclass(frozen=True)
class Transition:
    action: Action
    source: Status | None  # None: the case does not exist yet
    target: Status
    actors: frozenset[Actor]


def _t(action: Action, source: Status | None, target: Status, *actors: Actor) -> Transition:
    return Transition(action, source, target, frozenset(actors))


S, A, R = Status, Action, Actor

# DESIGN.md §2, row by row. deny_suspension is not in the design table: without it a request
# the center refuses would stay pending for good.
TABLE: tuple[Transition, ...] = (
    _t(A.FILE, None, S.REPORTED, R.INSPECTOR, R.INTAKE_CLIENT),
    _t(A.REGISTER, S.REPORTED, S.REGISTERED, R.DISPATCHER),
    _t(A.REJECT, S.REPORTED, S.REJECTED, R.DISPATCHER),
    _t(A.DISPATCH, S.REGISTERED, S.DISPATCHED, R.DISPATCHER),
    _t(A.WHISTLE, S.REGISTERED, S.DISPATCHED, R.DISPATCHER),
    _t(A.ACCEPT, S.DISPATCHED, S.HANDLING, R.LIAISON),
    _t(A.RETURN, S.DISPATCHED, S.REGISTERED, R.LIAISON),
    _t(A.REQUEST_EXTENSION, S.HANDLING, S.HANDLING, R.LIAISON),
    _t(A.APPROVE_EXTENSION, S.HANDLING, S.HANDLING, R.DISPATCHER),
    _t(A.DENY_EXTENSION, S.HANDLING, S.HANDLING, R.DISPATCHER),
    _t(A.REQUEST_SUSPENSION, S.HANDLING, S.HANDLING, R.LIAISON),
    _t(A.APPROVE_SUSPENSION, S.HANDLING, S.SUSPENDED, R.DISPATCHER),
    _t(A.DENY_SUSPENSION, S.HANDLING, S.HANDLING, R.DISPATCHER),
    _t(A.RESUME, S.SUSPENDED, S.HANDLING, R.DISPATCHER),
    _t(A.REPORT_HANDLED, S.HANDLING, S.HANDLED, R.LIAISON),
    _t(A.VERIFY, S.HANDLED, S.HANDLED, R.INSPECTOR),
    _t(A.CLOSE, S.HANDLED, S.CLOSED, R.DISPATCHER),
    _t(A.REWORK, S.HANDLED, S.HANDLING, R.DISPATCHER),
    _t(A.EVALUATE, S.CLOSED, S.EVALUATED, R.AUDITOR, R.REPORTER),
    # Not in the design table: after a whistle each summoned office reports in, before or after
    # the lead office accepts.
    _t(A.REPORT_IN, S.DISPATCHED, S.DISPATCHED, R.LIAISON),
    _t(A.REPORT_IN, S.HANDLING, S.HANDLING, R.LIAISON),
)
del S, A, R

_NEXT: dict[tuple[Status | None, Action], Status] = {
    (row.source, row.action): row.target for row in TABLE
}
_ACTORS: dict[Action, frozenset[Actor]] = {row.action: row.actors for row in TABLE}

# Still being worked on: a duplicate candidate, a queue entry. Rejected, closed and evaluated
# cases are finished.
OPEN_STATUSES = frozenset(
    {
        Status.REPORTED,
        Status.REGISTERED,
        Status.DISPATCHED,
        Status.HANDLING,
        Status.SUSPENDED,
        Status.HANDLED,
    }
)
TERMINAL_STATUSES = frozenset(
    status for status in Status if not any(row.source == status for row in TABLE)
)

# Events that are not transitions: the status stays, the event records a fact (督办).
OVERDUE_EVENT = "overdue"
EVENT_KINDS: tuple[str, ...] = (*(action.value for action in Action), OVERDUE_EVENT)


def next_status(status: Status | None, action: Action) -> Status | None:
    """The status after `action` from `status`; None when the table has no such move."""
    return _NEXT.get((status, action))


def may_act(actor: Actor, action: Action) -> bool:
    """Whether `actor` may take `action` at all (the status aside)."""
    return actor in _ACTORS[action]


def actors_of(action: Action) -> frozenset[Actor]:
    return _ACTORS[action]


def actions_from(status: Status) -> tuple[Action, ...]:
    """The actions the table allows from `status`, in table order."""
    return tuple(row.action for row in TABLE if row.source == status)


@dataclass(frozen=True)
class Facts:
    """What beyond the status some actions depend on."""

    pending: Pending | None = None
    verification: Verification | None = None
    after_photos: int = 0  # after-photos of the current handling round
    verification_photos: int = 0  # verification photos of the current round


def unmet_need(action: Action, facts: Facts) -> str | None:
    """Why `action` cannot be taken now although the status allows it; None when it can."""
    return _case_need(action, facts) or _photo_need(action, facts)


def _case_need(action: Action, facts: Facts) -> str | None:
    """What the case itself lacks for `action`: a request to decide, a verification result."""
    match action:
        case Action.REQUEST_EXTENSION | Action.REQUEST_SUSPENSION if facts.pending is not None:
            return (
                f"已有待审批的{_PENDING_NAMES[facts.pending]}申请 / a {facts.pending} request "
                "is already waiting for a decision"
            )
        case Action.APPROVE_EXTENSION | Action.DENY_EXTENSION if (
            facts.pending is not Pending.EXTENSION
        ):
            return "没有待审批的延期申请 / no extension request is waiting"
        case Action.APPROVE_SUSPENSION | Action.DENY_SUSPENSION if (
            facts.pending is not Pending.SUSPENSION
        ):
            return "没有待审批的挂账申请 / no suspension request is waiting"
        case Action.VERIFY if facts.verification is not None:
            return "本轮已核查 / this handling round is already verified"
        case Action.CLOSE if facts.verification is not Verification.PASSED:
            return "结案须核查通过 / closing needs a passed verification"
        case Action.REWORK if facts.verification is not Verification.FAILED:
            return "返工须核查未通过 / rework follows a failed verification"
    return None


def _photo_need(action: Action, facts: Facts) -> str | None:
    """The photos of its step that `action` needs, uploaded by the one who takes it."""
    match action:
        case Action.REPORT_HANDLED if facts.after_photos == 0:
            return "处置完毕须附处置后照片 / reporting handled needs at least one after-photo"
        case Action.VERIFY if facts.verification_photos == 0:
            return "核查须附核查照片 / a verification needs at least one verification photo"
    return None


def available(status: Status, actors: frozenset[Actor], facts: Facts) -> tuple[Action, ...]:
    """The actions any of `actors` may take from `status` now, in table order.

    The photos an action needs do not hide it: the one who takes it uploads them as part of
    taking it (as a body is part of it), so the action is offered and refused only if sent
    without them.
    """
    offered = (
        row.action
        for row in TABLE
        if row.source == status and row.actors & actors and _case_need(row.action, facts) is None
    )
    return tuple(dict.fromkeys(offered))


_PENDING_NAMES = {Pending.EXTENSION: "延期", Pending.SUSPENSION: "挂账"}


class ReplayError(ValueError):
    """A history the table cannot produce."""


def replay(actions: Iterable[str]) -> Status:
    """The status a case's events lead to, in order, from nothing; `overdue` changes nothing.

    ReplayError names the first event the table refuses (or a history that files nothing).
    """
    status: Status | None = None
    for position, name in enumerate(actions, start=1):
        if name == OVERDUE_EVENT:
            if status is None:
                raise ReplayError(f"event {position}: overdue before the case was filed")
            continue
        try:
            action = Action(name)
        except ValueError:
            raise ReplayError(f"event {position}: unknown action {name!r}") from None
        target = next_status(status, action)
        if target is None:
            raise ReplayError(f"event {position}: {name} is not allowed from {status or 'nothing'}")
        status = target
    if status is None:
        raise ReplayError("no events")
    return status
