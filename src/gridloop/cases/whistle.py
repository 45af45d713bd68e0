"""吹哨报到: the street summons several offices at once; each office reports in at the grid.

The whistle is a dispatch to several offices (the first, or the one named, leads) with an
arrival deadline, 30 minutes unless told; the handling clock starts as for a dispatch. Each
summoned office's liaison then reports in (`report_in`); whether it came late is kept per office
and shown by `GET /cases/{case_id}/whistle`. A liaison of an office not summoned does not see
the case at all (404).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from gridloop.cases import repository
from gridloop.cases.action_context import ActionContext
from gridloop.cases.callers import Caller, CaseFacts, visible_case
from gridloop.cases.models import CaseSummons
from gridloop.cases.schemas import NoteBody, SummonsRead, WhistleBody, WhistleRead
from gridloop.errors import ActionNotAllowed, invalid_field
from gridloop.org import service as org_service


def whistle_step(step: ActionContext, body: WhistleBody) -> dict[str, Any]:
    session, case = step.session, step.case
    codes = body.office_codes or _covering(step, body.department_types or [])
    codes = list(dict.fromkeys(codes))
    if len(codes) < 2:
        raise invalid_field(
            "body", "吹哨须召集至少两个单位 / a whistle summons at least two offices"
        )
    lead = body.lead_office_code or codes[0]
    if lead not in codes:
        raise invalid_field(
            "body.lead_office_code",
            f"主办单位 {lead} 不在召集之列 / the lead office {lead} is not among those summoned",
        )
    offices = step.send_to_offices(lead=lead, assists=[code for code in codes if code != lead])
    arrival_due_at = step.now + timedelta(minutes=body.arrival_minutes)
    repository.add_summons(
        session,
        case_id=case.case_id,
        office_ids=[offices[code].office_id for code in codes],
        at=step.now,
        arrival_due_at=arrival_due_at,
    )
    return {
        **body.model_dump(mode="json", exclude_none=True),
        "lead_office_code": lead,
        "office_codes": codes,
        "arrival_due_at": arrival_due_at.isoformat(),
        "handle_due_at": None if case.handle_due_at is None else case.handle_due_at.isoformat(),
    }


def _covering(step: ActionContext, department_types: list[str]) -> list[str]:
    """The offices of these department types whose jurisdiction covers the case's point."""
    lon, lat = repository.point_of(step.session, step.case.case_id)
    covering = org_service.offices_covering(step.session, lon=lon, lat=lat)
    missing = [kind for kind in department_types if kind not in covering]
    if missing:
        raise invalid_field(
            "body.department_types",
            f"案件位置无 {', '.join(missing)} 的派出机构 / no office of {', '.join(missing)} "
            "covers the case's point",
        )
    return [covering[kind].code for kind in department_types]


def report_in_refusal(session: Session, caller: Caller, case: CaseFacts) -> str | None:
    """Why the caller's office cannot report in at this case now; None when it can."""
    answer = _awaited_summons(session, caller, case)
    return answer if isinstance(answer, str) else None


def _awaited_summons(session: Session, caller: Caller, case: CaseFacts) -> CaseSummons | str:
    """The summons of the caller's office that waits for it to report in, or why there is none."""
    office_id = None if caller.user is None else caller.user.office_id
    summons = (
        None
        if office_id is None
        else repository.latest_summons(session, case_id=case.case_id, office_id=office_id)
    )
    if summons is None:
        return "本案未召集贵单位 / this case did not summon your office"
    if summons.arrived_at is not None:
        return (
            f"贵单位已于 {summons.arrived_at.isoformat()} 报到 / your office reported in at "
            f"{summons.arrived_at.isoformat()}"
        )
    return summons


def report_in_step(step: ActionContext, body: NoteBody) -> dict[str, Any]:
    session, case, caller = step.session, step.case, step.caller
    summons = _awaited_summons(session, caller, case)
    if isinstance(summons, str):
        raise ActionNotAllowed(summons)
    office_id = summons.office_id
    summons.arrived_at = step.now
    summons.arrived_by_user_id = caller.user_id
    repository.mark_arrived(session, case_id=case.case_id, office_id=office_id, at=step.now)
    late, minutes = _lateness(summons.arrival_due_at, step.now, now=step.now)
    return {
        **body.model_dump(mode="json", exclude_none=True),
        "office_id": office_id,
        "arrival_due_at": summons.arrival_due_at.isoformat(),
        "late": late,
        "minutes_late": minutes,
    }


def _lateness(
    due_at: datetime, arrived_at: datetime | None, *, now: datetime
) -> tuple[bool | None, float | None]:
    """(late, minutes late): unknown while still waiting before the deadline."""
    moment = arrived_at if arrived_at is not None else now
    if moment <= due_at:
        return (False, None) if arrived_at is not None else (None, None)
    return True, round((moment - due_at).total_seconds() / 60, 1)


def whistle_read(session: Session, *, caller: Caller, case_id: int, now: datetime) -> WhistleRead:
    """The summons of a case the caller sees, with each office's lateness."""
    visible_case(session, caller=caller, case_id=case_id)
    items = []
    for row in repository.summons(session, case_id=case_id):
        summons = row.CaseSummons
        late, minutes = _lateness(summons.arrival_due_at, summons.arrived_at, now=now)
        items.append(
            SummonsRead(
                office_code=row.office_code,
                office_name=row.office_name,
                summoned_at=summons.summoned_at,
                arrival_due_at=summons.arrival_due_at,
                arrived_at=summons.arrived_at,
                late=late,
                minutes_late=minutes,
            )
        )
    return WhistleRead(case_id=case_id, summons=items)
