"""The workflow actions after filing: one call, one transaction, one appended event each.

`act` is the one door: scope (404), role (403), If-Match (428/412), the workflow table and its
needs (409), then the action's own step, the version bump and the event. The steps below set
what each action changes beyond the status: due times, offices, requests, verification.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from gridloop.cases import allowed, deadlines, events, repository, whistle, workflow
from gridloop.cases.action_context import ActionContext
from gridloop.cases.callers import Caller, check_if_match, visible_case
from gridloop.cases.items import catalog_item, limits_of
from gridloop.cases.models import CaseEvent, Deadline, GridCase, RejectReason
from gridloop.cases.schemas import (
    ActionBody,
    DispatchBody,
    EvaluateBody,
    ExtensionApprovalBody,
    ExtensionRequestBody,
    ReasonBody,
    RegisterBody,
    RejectBody,
    ReportHandledBody,
    VerifyBody,
)
from gridloop.cases.workflow import Action, Pending, Status, Verification
from gridloop.errors import (
    ActionNotAllowed,
    Conflict,
    PreconditionFailed,
    invalid_field,
)
from gridloop.routing import service as routing_service


def act(
    session: Session,
    *,
    caller: Caller,
    case_id: int,
    action: Action,
    body: ActionBody,
    if_match: str | None,
    now: datetime,
) -> GridCase:
    """Take a workflow action on a case and record it; the changed case."""
    case = visible_case(session, caller=caller, case_id=case_id, for_update=True)
    allowed.check_actor(session, caller=caller, case=case, action=action)
    check_if_match(case, if_match)
    source = Status(case.status)
    target = workflow.next_status(source, action)
    if target is None:
        raise ActionNotAllowed(
            f"状态 {source} 不允许操作 {action} / action {action} is not allowed in status {source}"
        )
    photos = action in (Action.REPORT_HANDLED, Action.VERIFY)
    need = workflow.unmet_need(action, allowed.facts(session, case=case, photos=photos))
    if need is not None:
        raise ActionNotAllowed(
            f"状态 {source} 下不能 {action}：{need} / action {action} in {source}: {need}"
        )
    run = STEPS.get(action)
    if run is None:
        raise ActionNotAllowed(f"操作 {action} 尚未提供 / action {action} is not available yet")
    payload = run(ActionContext(session=session, case=case, caller=caller, now=now), body)
    case.status = target.value
    case.updated_at = now
    session.flush()
    # The row is locked since it was read, so this cannot miss; it is the optimistic lock's
    # `UPDATE … WHERE case_id = :id AND version = :v` all the same.
    if not repository.bump_version(session, case_id=case.case_id, version=case.version):
        raise PreconditionFailed("案件已被修改 / the case changed meanwhile")
    session.expire(case, ["version"])
    events.record(
        session,
        case=case,
        caller=caller,
        action=action,
        from_status=source,
        payload=payload,
        at=now,
    )
    return case


# ----------------------------------------------------------------------------- the steps


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _note(body: Any) -> dict[str, Any]:
    return body.model_dump(mode="json", exclude_none=True)  # type: ignore[no-any-return]


def _register(step: ActionContext, body: RegisterBody) -> dict[str, Any]:
    case = step.case
    code = body.item_code or case.item_code
    if code is None:
        raise invalid_field(
            "body.item_code", "上报未含管理条目，立案须指定 / the report names no item"
        )
    item = catalog_item(step.session, code=code, field="body.item_code")
    limits = limits_of(item)
    case.item_code = item.code
    case.tier = (body.tier or item.tier).value
    case.registered_at = step.now
    if case.register_due_at is None:  # an intake report without an item: counted from filing
        case.register_due_at = step.due(case.reported_at, limits.register)
    case.dispatch_due_at = step.due(step.now, limits.dispatch)
    return {
        **_note(body),
        "item_code": case.item_code,
        "tier": case.tier,
        "dispatch_due_at": _iso(case.dispatch_due_at),
    }


def _reject(step: ActionContext, body: RejectBody) -> dict[str, Any]:
    case = step.case
    # The original must be another case the dispatcher sees: others' cases are not probed.
    if body.duplicate_of is not None and (
        body.duplicate_of == case.case_id
        or repository.get_case(
            step.session, case_id=body.duplicate_of, visibility=step.caller.visibility
        )
        is None
    ):
        raise invalid_field("body.duplicate_of", f"案件 {body.duplicate_of} 不存在 / no such case")
    case.rejection_reason = RejectReason(body.reason).value
    case.duplicate_of_case_id = body.duplicate_of
    return _note(body)


def _dispatch(step: ActionContext, body: DispatchBody) -> dict[str, Any]:
    session, case = step.session, step.case
    assert case.item_code is not None
    lon, lat = repository.point_of(session, case.case_id)
    decision = routing_service.decide(
        session,
        lon=lon,
        lat=lat,
        unit_grid_code=case.unit_grid_code,
        community_code=case.community_code,
        street_code=case.street_code,
        item_code=case.item_code,
        at=step.now,
        attributes=case.attributes,
        tier=case.tier,
    )
    routed_lead = None if decision.lead.office is None else decision.lead.office.code
    lead = body.office_code or routed_lead
    if lead is None:
        raise Conflict(
            f"路由未找到可派遣的派出机构（街道 {case.street_code} 无网格化中心记录），请指定 "
            f"office_code / routing found no office (street {case.street_code} has no grid "
            "center on record): name one with office_code and override_reason"
        )
    assists = (
        body.assist_office_codes
        if body.assist_office_codes is not None
        else [office.code for office in decision.assisting]
    )
    assists = [code for code in dict.fromkeys(assists) if code != lead]
    step.send_to_offices(lead=lead, assists=assists)
    return {
        **_note(body),
        "lead_office_code": lead,
        "assist_office_codes": assists,
        "override": body.office_code is not None or body.assist_office_codes is not None,
        "rule_id": decision.rule_id,
        "rule_set_version": decision.rule_set_version,
        "decision": routing_service.decision_read(decision).model_dump(mode="json"),
        "handle_due_at": _iso(case.handle_due_at),
    }


def _accept(step: ActionContext, body: ActionBody) -> dict[str, Any]:
    step.case.accepted_at = step.now
    return _note(body)


def _return(step: ActionContext, body: ReasonBody) -> dict[str, Any]:
    case = step.case
    office_id = repository.lead_office_id(step.session, case_id=case.case_id)
    repository.release_case_offices(step.session, case_id=case.case_id, at=step.now)
    # Back to the center: no office, no handling clock until the next dispatch.
    case.handle_due_at = case.close_due_at = None
    case.accepted_at = None
    return {**_note(body), "office_id": office_id}


def _request_extension(step: ActionContext, body: ExtensionRequestBody) -> dict[str, Any]:
    case = step.case
    if case.handle_due_at is not None and body.until <= case.handle_due_at:
        raise invalid_field(
            "body.until",
            f"延期须晚于当前处置时限 {case.handle_due_at.isoformat()} / an extension must end "
            f"after the current deadline {case.handle_due_at.isoformat()}",
        )
    case.pending_request = Pending.EXTENSION.value
    case.requested_due_at = body.until
    return _note(body)


def _approve_extension(step: ActionContext, body: ExtensionApprovalBody) -> dict[str, Any]:
    case = step.case
    until = body.until or case.requested_due_at
    assert until is not None  # a pending extension has its requested deadline
    if case.handle_due_at is not None and until <= case.handle_due_at:
        raise invalid_field(
            "body.until",
            f"新时限须晚于 {case.handle_due_at.isoformat()} / the new deadline must be after "
            f"{case.handle_due_at.isoformat()}",
        )
    previous = case.handle_due_at
    step.set_handle_due(until, step.limits())
    case.pending_request = case.requested_due_at = None
    return {**_note(body), "from": _iso(previous), "handle_due_at": _iso(case.handle_due_at)}


def _decline(step: ActionContext, body: ActionBody) -> dict[str, Any]:
    step.case.pending_request = step.case.requested_due_at = None
    return _note(body)


def _request_suspension(step: ActionContext, body: ReasonBody) -> dict[str, Any]:
    step.case.pending_request = Pending.SUSPENSION.value
    return _note(body)


def _approve_suspension(step: ActionContext, body: ActionBody) -> dict[str, Any]:
    step.case.pending_request = None
    repository.start_suspension(step.session, case_id=step.case.case_id, at=step.now)
    return _note(body)


def _resume(step: ActionContext, body: ActionBody) -> dict[str, Any]:
    case = step.case
    suspension = repository.end_suspension(step.session, case_id=case.case_id, at=step.now)
    # A suspension starts while handling, so it has its start and the handling deadline.
    assert suspension is not None
    assert case.handle_due_at is not None
    limits = step.limits()
    handle_due_at = deadlines.pushed(
        case.handle_due_at,
        pause=(suspension.started_at, step.now),
        unit=limits.handle.unit,
        calendar=step.calendar,
    )
    step.set_handle_due(handle_due_at, limits)
    return {
        **_note(body),
        "suspended_from": _iso(suspension.started_at),
        "handle_due_at": _iso(case.handle_due_at),
    }


def _report_handled(step: ActionContext, body: ReportHandledBody) -> dict[str, Any]:
    case = step.case
    case.handled_at = step.now
    case.pending_request = case.requested_due_at = None  # a request is moot once handled
    case.verify_due_at = step.due(step.now, step.limits().verify)
    return {**_note(body), "verify_due_at": _iso(case.verify_due_at)}


def _verify(step: ActionContext, body: VerifyBody) -> dict[str, Any]:
    result = Verification.PASSED if body.passed else Verification.FAILED
    step.case.verification = result.value
    # The deadline of this check, so that its timeliness is read from the event itself.
    return {
        **_note(body),
        "verification": result.value,
        "verify_due_at": _iso(step.case.verify_due_at),
    }


def _close(step: ActionContext, body: ActionBody) -> dict[str, Any]:
    step.case.closed_at = step.now
    return _note(body)


def _rework(step: ActionContext, body: ReasonBody) -> dict[str, Any]:
    case = step.case
    case.rework_count += 1
    case.verification = None
    case.handled_at = case.verify_due_at = None
    step.start_handling_clock(step.now)
    return {
        **_note(body),
        "rework_count": case.rework_count,
        "handle_due_at": _iso(case.handle_due_at),
    }


def _evaluate(step: ActionContext, body: EvaluateBody) -> dict[str, Any]:
    case = step.case
    case.satisfaction = body.satisfaction.value
    return {
        **_note(body),
        "satisfaction": case.satisfaction,
        # The reporter's own verdict, or an auditor's follow-up visit (回访).
        "channel": "reporter" if step.caller.reported(case) else "follow_up",
        "contacted": body.contacted,
        "solved": body.solved,
        "timeliness": timeliness(
            case, [row.CaseEvent for row in repository.events(step.session, case_id=case.case_id)]
        ),
    }


def timeliness(case: GridCase, events: Sequence[CaseEvent]) -> dict[str, bool | None]:
    """Whether each step was taken by its deadline: the time of the step's last event against
    the due time the case holds for it. None: the step was never taken or had no deadline.
    """
    last = {event.action: event.occurred_at for event in events}
    steps = (
        (Deadline.REGISTER, Action.REGISTER, case.register_due_at),
        (Deadline.DISPATCH, Action.DISPATCH, case.dispatch_due_at),
        (Deadline.HANDLE, Action.REPORT_HANDLED, case.handle_due_at),
        (Deadline.VERIFY, Action.VERIFY, case.verify_due_at),
        (Deadline.CLOSE, Action.CLOSE, case.close_due_at),
    )
    return {
        deadline.value: None
        if due_at is None or action.value not in last
        else last[action.value] <= due_at
        for deadline, action, due_at in steps
    }


STEPS: dict[Action, Callable[[ActionContext, Any], dict[str, Any]]] = {
    Action.REGISTER: _register,
    Action.REJECT: _reject,
    Action.DISPATCH: _dispatch,
    Action.ACCEPT: _accept,
    Action.RETURN: _return,
    Action.REQUEST_EXTENSION: _request_extension,
    Action.APPROVE_EXTENSION: _approve_extension,
    Action.DENY_EXTENSION: _decline,
    Action.REQUEST_SUSPENSION: _request_suspension,
    Action.APPROVE_SUSPENSION: _approve_suspension,
    Action.DENY_SUSPENSION: _decline,
    Action.RESUME: _resume,
    Action.REPORT_HANDLED: _report_handled,
    Action.VERIFY: _verify,
    Action.CLOSE: _close,
    Action.REWORK: _rework,
    Action.EVALUATE: _evaluate,
    Action.WHISTLE: whistle.whistle_step,
    Action.REPORT_IN: whistle.report_in_step,
}
