"""One case walked through the closed loop, as the live workflow would take it, into COPY rows.

Each action applies what its step in `cases/actions.py` changes (columns, due times, offices,
suspensions) and appends its event with the payload keys of that step (the routing decision,
which it cannot fill, left out); the workflow table (`workflow.next_status`) says the status it
leads to, and refuses a move the live service would refuse. Before each action, `Case.at`
reports the deadlines the sweeper saw missed meanwhile (see `plan.py` on the simplifications).
"""

from __future__ import annotations

import math
from datetime import tzinfo
from typing import Any, TypeVar

from gridloop.cases.models import Deadline, OfficeRole, RejectReason, Satisfaction, Source
from gridloop.cases.workflow import Action, Actor, Pending, Verification
from gridloop.synth.history.case import (
    INSPECTOR,
    INTAKE,
    LIAISON,
    NULL,
    Case,
    Ledger,
    id_text,
)
from gridloop.synth.history.model import (
    DAY,
    HOUR,
    MINUTE,
    SOURCE_SHARES,
    Chunk,
    Draws,
    FirstIds,
    World,
)

T = TypeVar("T")

# How often things happen (fractions of the cases that reach the step).
INTAKE_SOURCES = frozenset({Source.HOTLINE_12345, Source.PUBLIC})
NO_ITEM_SHARE = 0.30  # intake reports filed without an item: it is named at registration
REJECT_SHARE = 0.08
REJECT_REASONS = (
    (RejectReason.DUPLICATE, 0.5),
    (RejectReason.OUT_OF_SCOPE, 0.3),
    (RejectReason.INSUFFICIENT_INFORMATION, 0.2),
)
RETURN_SHARE = 0.05
EXTENSION_SHARE = 0.03
SUSPENSION_SHARE = 0.01
SUSPENSION_MEAN_DAYS = 25.0
REWORK_SHARE = 0.06  # a failed verification
SECOND_REWORK_SHARE = 0.12  # of the reworked, failing again
LATE = {
    Deadline.REGISTER: 0.03,
    Deadline.DISPATCH: 0.04,
    Deadline.HANDLE: 0.10,
    Deadline.VERIFY: 0.05,
    Deadline.CLOSE: 0.04,
}
EVALUATED_SHARE = 0.85
SATISFACTION_SHARES = (
    (Satisfaction.SATISFIED, 0.80),
    (Satisfaction.BASICALLY_SATISFIED, 0.15),
    (Satisfaction.DISSATISFIED, 0.05),
)
CONTACTED_SHARE = 0.97
SOLVED_SHARE = 0.90

RETURN_REASON = "不属于本单位职责 / not this office's task"
EXTENSION_REASON = "需协调多部门处置 / needs several departments"
SUSPENSION_REASON = "涉及规划调整，暂缓处置 / waits for a planning decision"
REWORK_REASON = "核查未通过，现场问题仍在 / the problem is still there"
HANDLED_RESULT = "已处置完毕 / handled"


# The columns of `Draws.chance`: one uniform number per decision of a case.
(
    U_REJECT,
    U_REASON,
    U_NO_ITEM,
    U_LATE_REGISTER,
    U_REGISTER,
    U_LATE_DISPATCH,
    U_DISPATCH,
    U_RETURN,
    U_RETURN_AT,
    U_REDISPATCH,
    U_WRONG_OFFICE,
    U_ACCEPT,
    U_EXTENSION,
    U_EXTENSION_AT,
    U_EXTENSION_UNTIL,
    U_EXTENSION_APPROVAL,
    U_SUSPENSION,
    U_SUSPENSION_AT,
    U_SUSPENSION_APPROVAL,
    U_SUSPENSION_DAYS,
    U_LATE_HANDLE,
    U_HANDLE,
    U_REWORK,
    U_SECOND_REWORK,
    U_LATE_VERIFY,
    U_VERIFY,
    U_REWORK_AT,
    U_LATE_REHANDLE,
    U_REHANDLE,
    U_LATE_CLOSE,
    U_CLOSE,
    U_EVALUATED,
    U_EVALUATE_AT,
    U_SATISFACTION,
    U_CONTACTED,
    U_SOLVED,
    U_COLUMNS,
) = range(37)


def _took(limit: int, late: bool, x: float) -> int:
    """How long a step took: within its limit, or past it by at least five minutes."""
    if late:
        return limit + max(5 * MINUTE, int(limit * (0.05 + x)))
    return max(MINUTE, int(limit * (0.1 + 0.8 * x)))


def _finished(start: int, due: int, limit: int, late: bool, x: float) -> int:
    """When handling that (re)started at `start` ends, against the handling deadline `due`."""
    if not late and due - start > 2 * MINUTE:
        return start + max(MINUTE, int((due - start) * (0.2 + 0.7 * x)))
    return max(due, start) + max(5 * MINUTE, int(limit * (0.05 + x)))


def _pick(shares: tuple[tuple[T, float], ...], x: float) -> T:
    for value, share in shares:
        if x < share:
            return value
        x -= share
    return shares[-1][0]


class Writer:
    """Walks cases through the loop and collects their rows; ids continue across chunks."""

    def __init__(
        self, world: World, first: FirstIds, *, start: int, end: int, zone: tzinfo
    ) -> None:
        self.world = world
        self.end = end
        self.ledger = Ledger(
            first, start=start, end=end, zone=zone, office_codes=world.office_codes
        )
        self.stamps = self.ledger.stamps
        self.first_case = first.case
        self.case_id = first.case
        self.last_in_grid = [0] * len(world.grids)
        self.sources = list(SOURCE_SHARES)
        inspectors = [
            point.inspector_id
            for grid in world.grids
            for point in grid.points
            if point.inspector_id is not None
        ]
        self.any_inspector = id_text(min(inspectors)) if inspectors else NULL
        self.keys = {
            Source.HOTLINE_12345: str(world.hotline_key_id),
            Source.PUBLIC: str(world.public_key_id),
        }

    def chunk(self, draws: Draws) -> Chunk:
        """The rows of the cases of `draws`."""
        sql = self.stamps.sql
        ledger = self.ledger
        ledger.events, ledger.overdue = [], []
        cases: list[str] = []
        offices: list[str] = []
        suspensions: list[str] = []
        statuses: dict[str, int] = {}
        events_before, overdue_before = ledger.event_id, ledger.overdue_count
        for index, reported in enumerate(draws.reported):
            case = self._walk(
                reported,
                draws.grid[index],
                draws.point[index],
                draws.item[index],
                draws.source[index],
                draws.chance[index],
            )
            self.at_end(case)
            cases.append(case.row() + "\n")
            for row_id, office_id, assigned, released in case.offices:
                offices.append(
                    f"{row_id}\t{case.case_id}\t{office_id}\t{OfficeRole.LEAD.value}\t"
                    f"{sql(assigned)}\t{NULL if released < 0 else sql(released)}\n"
                )
            for row_id, started, ended in case.suspensions:
                ended_at = NULL if ended < 0 else sql(ended)
                suspensions.append(f"{row_id}\t{case.case_id}\t{sql(started)}\t{ended_at}\n")
            status = str(case.status)
            statuses[status] = statuses.get(status, 0) + 1
        return Chunk(
            cases=len(cases),
            rows={
                "grid_case": cases,
                "case_event": ledger.events,
                "case_office": offices,
                "case_suspension": suspensions,
                "case_overdue": ledger.overdue,
            },
            statuses=statuses,
            events=ledger.event_id - events_before,
            overdue=ledger.overdue_count - overdue_before,
        )

    def at_end(self, case: Case) -> None:
        """What the sweeps up to `end` saw of a case still open then."""
        case.at(self.end + 1)

    def _walk(self, t0: int, g: int, p: int, i: int, s: int, u: list[float]) -> Case:
        """A case from its report until it is done or `end` comes."""
        c = self._file(t0, g, p, i, s, u)
        if (
            self._register(c, u)
            and self._dispatch(c, u)
            and self._accept(c, u)
            and self._handle(c, u)
            and self._close(c, u)
        ):
            self._evaluate(c, u)
        return c

    def _file(self, t0: int, g: int, p: int, i: int, s: int, u: list[float]) -> Case:
        """上报: by the inspector patrolling the point, or through an intake client."""
        grid, item = self.world.grids[g], self.world.items[i]
        point = grid.points[p]
        c = Case(self.ledger, self.case_id, grid, point, item)
        self.case_id += 1
        # The original of a duplicate: the last case of the grid, or at least an earlier one.
        c.original = self.last_in_grid[g] or (
            c.case_id - 1 if c.case_id > self.first_case else None
        )
        self.last_in_grid[g] = c.case_id
        c.dispatcher = id_text(grid.dispatcher_id)
        c.verifier = self.any_inspector if point.inspector_id is None else str(point.inspector_id)
        source = self.sources[s]
        if source not in INTAKE_SOURCES and point.inspector_id is None:
            source = Source.HOTLINE_12345  # nobody patrols there: the public calls it in
        c.source = source.value
        c.reported_at = t0
        named = True
        if source in INTAKE_SOURCES:
            c.reporter_key, c.reporter_role = self.keys[source], INTAKE
            named = u[U_NO_ITEM] >= NO_ITEM_SHARE
        else:
            c.reporter_user, c.reporter_role = c.verifier, INSPECTOR
        if named:
            c.item_code = item.code
            c.register_due = t0 + item.register
        reporter = (c.reporter_role, c.reporter_user, c.reporter_key)
        payload = {"source": c.source, "item_code": item.code if named else None}
        c.event(t0, Action.FILE, reporter, payload)
        return c

    def _register(self, c: Case, u: list[float]) -> bool:
        """立案, or rejected (不予立案)."""
        item = c.item
        late = u[U_LATE_REGISTER] < LATE[Deadline.REGISTER]
        t = c.since + _took(item.register, late, u[U_REGISTER])
        if not c.reach(t):
            return False
        if u[U_REJECT] < REJECT_SHARE:
            reason = _pick(REJECT_REASONS, u[U_REASON])
            if reason == RejectReason.DUPLICATE and c.original is None:
                reason = RejectReason.OUT_OF_SCOPE
            c.rejection_reason = reason
            payload: dict[str, Any] = {"reason": reason}
            if reason == RejectReason.DUPLICATE:
                c.duplicate_of = c.original
                payload["duplicate_of"] = c.original
            c.event(t, Action.REJECT, c.as_dispatcher(), payload)
            return False
        c.item_code = item.code
        c.registered_at = t
        if c.register_due is None:  # an intake report without an item: counted from filing
            c.register_due = c.reported_at + item.register
        c.dispatch_due = t + item.dispatch
        payload = {
            "item_code": item.code,
            "tier": item.tier,
            "dispatch_due_at": self.stamps.local_iso(c.dispatch_due),
        }
        c.event(t, Action.REGISTER, c.as_dispatcher(), payload)
        return True

    def _dispatch(self, c: Case, u: list[float]) -> bool:
        """派遣 to the lead office, perhaps after the wrong office returned the case."""
        item, grid = c.item, c.grid
        lead = grid.lead_office[item.department_type]
        late = u[U_LATE_DISPATCH] < LATE[Deadline.DISPATCH]
        t = c.since + _took(item.dispatch, late, u[U_DISPATCH])
        if t >= self.end:
            return False
        if u[U_RETURN] < RETURN_SHARE:
            others = [office for office in grid.offices if office != lead] or [lead]
            wrong = others[int(u[U_WRONG_OFFICE] * len(others))]
            c.dispatch(t, wrong)
            t += 10 * MINUTE + int(min(item.handle, 4 * HOUR) * 0.8 * u[U_RETURN_AT])
            if not c.reach(t):
                return False
            c.offices[-1][3] = t
            c.handle_due = c.close_due = c.accepted_at = None
            liaison = (LIAISON, id_text(self.world.liaisons.get(wrong)), NULL)
            c.event(t, Action.RETURN, liaison, {"reason": RETURN_REASON, "office_id": wrong})
            t += 10 * MINUTE + int(2 * HOUR * u[U_REDISPATCH])
            if t >= self.end:
                return False
        c.dispatch(t, lead)
        c.liaison = id_text(self.world.liaisons.get(lead))
        return True

    def _accept(self, c: Case, u: list[float]) -> bool:
        """The office accepts; some ask for an extension, some for a suspension."""
        t = c.since + max(MINUTE, int(c.item.handle * (0.02 + 0.18 * u[U_ACCEPT])))
        if not c.reach(t):
            return False
        c.accepted_at = t
        c.event(t, Action.ACCEPT, c.as_liaison())
        return (u[U_EXTENSION] >= EXTENSION_SHARE or self._extend(c, u)) and (
            u[U_SUSPENSION] >= SUSPENSION_SHARE or self._suspend(c, u)
        )

    def _handle(self, c: Case, u: list[float]) -> bool:
        """处置 and 核查, round after round until a verification passes."""
        reworks = 0
        if u[U_REWORK] < REWORK_SHARE:
            reworks = 2 if u[U_SECOND_REWORK] < SECOND_REWORK_SHARE else 1
        late, x = u[U_LATE_HANDLE] < LATE[Deadline.HANDLE], u[U_HANDLE]
        while True:
            passed = self._handle_round(c, u, late, x, passes=c.rework_count >= reworks)
            if passed is not False:
                return passed is True
            if not self._rework(c, u):
                return False
            late, x = u[U_LATE_REHANDLE] < LATE[Deadline.HANDLE], u[U_REHANDLE]

    def _handle_round(
        self, c: Case, u: list[float], late: bool, x: float, *, passes: bool
    ) -> bool | None:
        """One round of handling and its verification: whether it passed; None when `end`
        comes first."""
        item, iso = c.item, self.stamps.local_iso
        assert c.handle_due is not None
        t = _finished(c.since, c.handle_due, item.handle, late, x)
        if not c.reach(t):
            return None
        c.handled_at = t
        c.pending = c.requested_due = None
        c.verify_due = t + item.verify
        payload: dict[str, Any] = {"result": HANDLED_RESULT, "verify_due_at": iso(c.verify_due)}
        c.event(t, Action.REPORT_HANDLED, c.as_liaison(), payload)
        t += _took(item.verify, u[U_LATE_VERIFY] < LATE[Deadline.VERIFY], u[U_VERIFY])
        if not c.reach(t):
            return None
        c.verified_at = t
        c.verification = Verification.PASSED if passes else Verification.FAILED
        payload = {
            "passed": passes,
            "verification": c.verification,
            "verify_due_at": iso(c.verify_due),
        }
        c.event(t, Action.VERIFY, (INSPECTOR, c.verifier, NULL), payload)
        return passes

    def _rework(self, c: Case, u: list[float]) -> bool:
        """返工 after a failed verification; False when `end` comes first."""
        t = c.since + 5 * MINUTE + int(2 * HOUR * u[U_REWORK_AT])
        if not c.reach(t):
            return False
        c.rework_count += 1
        c.verification = c.handled_at = c.verify_due = None
        c.handle_due = t + c.item.handle
        c.close_due = c.handle_due + c.item.verify
        payload = {
            "reason": REWORK_REASON,
            "rework_count": c.rework_count,
            "handle_due_at": self.stamps.local_iso(c.handle_due),
        }
        c.event(t, Action.REWORK, c.as_dispatcher(), payload)
        return True

    def _close(self, c: Case, u: list[float]) -> bool:
        """结案 after the passed verification; False unless an evaluation may follow."""
        assert c.close_due is not None
        t = c.since
        if t < c.close_due and u[U_LATE_CLOSE] >= LATE[Deadline.CLOSE]:
            t += max(MINUTE, int(min(c.close_due - t, 4 * HOUR) * (0.05 + 0.6 * u[U_CLOSE])))
        else:
            t = max(t, c.close_due) + 5 * MINUTE + int(2 * HOUR * u[U_CLOSE])
        if not c.reach(t):
            return False
        c.closed_at = t
        c.event(t, Action.CLOSE, c.as_dispatcher())
        return u[U_EVALUATED] < EVALUATED_SHARE

    def _extend(self, c: Case, u: list[float]) -> bool:
        """An extension asked for and approved; False when `end` comes first."""
        iso, item, start = self.stamps.local_iso, c.item, c.since
        due = c.handle_due
        assert due is not None
        t = start + max(MINUTE, int((due - start) * (0.1 + 0.4 * u[U_EXTENSION_AT])))
        if not c.reach(t):
            return False
        until = due + max(HOUR, int(item.handle * (1 + 2 * u[U_EXTENSION_UNTIL])))
        until = until // MINUTE * MINUTE
        c.pending, c.requested_due = Pending.EXTENSION, until
        payload = {"until": iso(until), "reason": EXTENSION_REASON}
        c.event(t, Action.REQUEST_EXTENSION, c.as_liaison(), payload)
        t += max(MINUTE, int((due - t) * (0.1 + 0.8 * u[U_EXTENSION_APPROVAL])))
        if not c.reach(t):
            return False
        c.handle_due, c.close_due = until, until + item.verify
        c.pending = c.requested_due = None
        payload = {"from": iso(due), "handle_due_at": iso(until)}
        c.event(t, Action.APPROVE_EXTENSION, c.as_dispatcher(), payload)
        return True

    def _suspend(self, c: Case, u: list[float]) -> bool:
        """A suspension asked for, approved and (unless `end` comes first) ended."""
        iso, start = self.stamps.local_iso, c.since
        due = c.handle_due
        assert due is not None
        t = start + max(MINUTE, int(max(due - start, HOUR) * (0.1 + 0.4 * u[U_SUSPENSION_AT])))
        if not c.reach(t):
            return False
        c.pending = Pending.SUSPENSION
        c.event(t, Action.REQUEST_SUSPENSION, c.as_liaison(), {"reason": SUSPENSION_REASON})
        t += 10 * MINUTE + int(4 * HOUR * u[U_SUSPENSION_APPROVAL])
        if not c.reach(t):
            return False
        c.pending = None
        c.suspensions.append([self.ledger.suspension_id, t, -1])
        self.ledger.suspension_id += 1
        c.event(t, Action.APPROVE_SUSPENSION, c.as_dispatcher())
        started = t
        t += DAY + int(-math.log1p(-u[U_SUSPENSION_DAYS]) * SUSPENSION_MEAN_DAYS * DAY)
        if not c.reach(t):
            return False
        c.suspensions[-1][2] = t
        # Resuming pushes the handling deadline by the time the case was suspended.
        c.handle_due = due + (t - started)
        c.close_due = c.handle_due + c.item.verify
        payload = {"suspended_from": iso(started), "handle_due_at": iso(c.handle_due)}
        c.event(t, Action.RESUME, c.as_dispatcher(), payload)
        return True

    def _evaluate(self, c: Case, u: list[float]) -> None:
        """考核: the reporter's verdict, or an auditor's record of a follow-up visit."""
        t = c.since + HOUR + int(71 * HOUR * u[U_EVALUATE_AT])
        if not c.reach(t):
            return
        c.satisfaction = _pick(SATISFACTION_SHARES, u[U_SATISFACTION])
        if c.reporter_role == INTAKE:
            actor, channel, contacted = (INTAKE, NULL, c.reporter_key), "reporter", True
        else:
            actor = (Actor.AUDITOR.value, str(self.world.auditor_id), NULL)
            channel, contacted = "follow_up", u[U_CONTACTED] < CONTACTED_SHARE
        payload: dict[str, Any] = {
            "satisfaction": c.satisfaction,
            "channel": channel,
            "contacted": contacted,
            "solved": u[U_SOLVED] < SOLVED_SHARE,
            "timeliness": _timeliness(c),
        }
        c.event(t, Action.EVALUATE, actor, payload)


def _timeliness(c: Case) -> dict[Deadline, bool | None]:
    """Each step's last event against its deadline; None for a step without both."""
    steps = (
        (Deadline.REGISTER, c.registered_at, c.register_due),
        (Deadline.DISPATCH, c.dispatched_at, c.dispatch_due),
        (Deadline.HANDLE, c.handled_at, c.handle_due),
        (Deadline.VERIFY, c.verified_at, c.verify_due),
        (Deadline.CLOSE, c.closed_at, c.close_due),
    )
    return {step: None if done is None or due is None else done <= due for step, done, due in steps}
