"""Who may take which action on a case now: the workflow table asked with the case's facts,
then the caller's office (the lead office's actions, a whistle's report-in). `act` refuses by
these rules and `allowed_actions` lists by them, so a case's buttons and its refusals agree.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from gridloop.cases import repository, whistle, workflow
from gridloop.cases.callers import Caller, CaseFacts, is_lead_liaison
from gridloop.cases.models import GridCase, PhotoStep
from gridloop.cases.workflow import Action, Pending, Status, Verification
from gridloop.errors import Forbidden

# Actions of the lead office: an assisting office's liaison sees the case but may not take them.
LEAD_OFFICE_ACTIONS = frozenset(
    {
        Action.ACCEPT,
        Action.RETURN,
        Action.REQUEST_EXTENSION,
        Action.REQUEST_SUSPENSION,
        Action.REPORT_HANDLED,
    }
)


def allowed_actions(session: Session, *, caller: Caller, case: CaseFacts) -> list[Action]:
    """The actions the caller may take on the case now, as `act` would judge them: the
    workflow table from the case's status and facts, then the caller's office."""
    offered = workflow.available(
        Status(case.status), caller.actors_for(case), facts(session, case=case, photos=False)
    )
    lead: bool | None = None  # asked of the database once, and only when it matters
    permitted = []
    for action in offered:
        if action in LEAD_OFFICE_ACTIONS:
            if lead is None:
                lead = is_lead_liaison(session, caller=caller, case=case)
            if not lead:
                continue
        if action is Action.REPORT_IN and whistle.report_in_refusal(session, caller, case):
            continue
        permitted.append(action)
    return permitted


def check_actor(session: Session, *, caller: Caller, case: GridCase, action: Action) -> None:
    if not any(workflow.may_act(actor, action) for actor in caller.actors_for(case)):
        names = ", ".join(sorted(workflow.actors_of(action)))
        raise Forbidden(f"操作 {action} 须由 {names} 执行 / action {action} is for {names}")
    if action in LEAD_OFFICE_ACTIONS and not is_lead_liaison(session, caller=caller, case=case):
        raise Forbidden(f"只有主办单位可以 {action} / only the lead office may {action}")


def facts(session: Session, *, case: CaseFacts, photos: bool) -> workflow.Facts:
    """The case's facts; the photos of the current round are counted only when `photos`."""
    counts = {PhotoStep.AFTER: 0, PhotoStep.VERIFICATION: 0}
    if photos:
        for step in counts:
            counts[step] = repository.photo_count(
                session, case_id=case.case_id, step=step.value, round_=case.rework_count
            )
    return workflow.Facts(
        pending=None if case.pending_request is None else Pending(case.pending_request),
        verification=None if case.verification is None else Verification(case.verification),
        after_photos=counts[PhotoStep.AFTER],
        verification_photos=counts[PhotoStep.VERIFICATION],
    )
