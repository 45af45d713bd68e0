"""A unit grid as the map shows it when clicked: where it lies, who patrols it, and the open
cases in it that the caller sees."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from gridloop.auth import service as auth_service
from gridloop.cases import reads, repository
from gridloop.cases.callers import Caller
from gridloop.cases.repository import CaseFilter
from gridloop.cases.schemas import GRID_CASES, GridSummaryRead, InspectorRead
from gridloop.cases.workflow import OPEN_STATUSES
from gridloop.geo import service as geo_service


def grid_summary(session: Session, *, caller: Caller, code: str, now: datetime) -> GridSummaryRead:
    """The grid's places and inspectors, and its open cases in the caller's scope."""
    places = geo_service.grid_places(session, code=code)
    patrol = places.responsibility_grid
    inspectors = (
        []
        if patrol is None
        else auth_service.grid_inspectors(session, responsibility_grid_code=patrol.code)
    )
    open_here = CaseFilter(now=now, statuses=sorted(OPEN_STATUSES), unit_grid_code=code)
    latest = repository.case_page(
        session, visibility=caller.visibility, where=open_here, after=None, limit=GRID_CASES
    )
    return GridSummaryRead(
        **dict(places),
        inspectors=[
            InspectorRead(
                user_id=user.user_id, username=user.username, display_name=user.display_name
            )
            for user in inspectors
        ],
        open_cases=repository.case_count(session, visibility=caller.visibility, where=open_here),
        latest_open_cases=reads.case_reads(cases=latest, now=now),
    )
