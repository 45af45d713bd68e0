"""Filing: a report at a point becomes a case, located to its grids, its register clock started.

An inspector files inside their own responsibility grids and names the item; an intake client's
source is its API key's, and it may give the requester's contact, kept beside the case for the
follow-up visit. Open cases of the same item nearby are returned as duplicate candidates, and can
be asked for before filing, with their photos, so a reporter can stop.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from gridloop.auth.models import IntakeSource
from gridloop.calendar import service as calendar_service
from gridloop.cases import deadlines, events, photos, repository, workflow
from gridloop.cases.callers import Caller
from gridloop.cases.items import current_limits
from gridloop.cases.models import Source
from gridloop.cases.reads import candidate_of, read_of
from gridloop.cases.repository import Visibility
from gridloop.cases.schemas import (
    CaseCreate,
    CaseFiledRead,
    DuplicateCandidateRead,
    DuplicateQuery,
    PointCreate,
)
from gridloop.cases.workflow import Action, Actor, Status
from gridloop.errors import Forbidden, OutsideYourGrids, invalid_field
from gridloop.geo import service as geo_service
from gridloop.geo.schemas import LocateRead

# Sources an inspector may give; an intake client's source is its API key's.
INSPECTOR_SOURCES = frozenset({Source.INSPECTOR, Source.VIDEO, Source.SELF_FOUND})
CLIENT_SOURCES = {
    IntakeSource.HOTLINE_12345: Source.HOTLINE_12345,
    IntakeSource.PUBLIC_APP: Source.PUBLIC,
}


def file_case(
    session: Session, *, caller: Caller, body: CaseCreate, now: datetime
) -> CaseFiledRead:
    """File a report at a point: located to its grids, register clock started, duplicate
    candidates listed. An inspector files only inside their own responsibility grids.
    """
    if not workflow.may_act(caller.actor, Action.FILE):
        raise Forbidden("只有监督员和受理渠道可以上报 / Only inspectors and intake clients file")
    source = _source(caller, body.source)
    if body.requester is not None and caller.client is None:
        raise invalid_field(
            "body.requester",
            "只有受理渠道代人上报时填写报告人 / only intake clients file for a requester",
        )
    limits = _limits(session, caller=caller, item_code=body.item_code, field="body.item_code")
    location = _located(session, caller=caller, point=body.point)
    register_due_at = None
    if limits is not None:
        calendar = calendar_service.work_calendar(session)
        register_due_at = deadlines.due(now, limits.register, calendar=calendar)
    status = workflow.next_status(None, Action.FILE)
    assert status is not None  # the workflow's table files every case into one status
    case, candidates = repository.file_case(
        session,
        values={
            **_where(location),
            **_what(body, source, status),
            "reported_by_user_id": caller.user_id,
            "reported_by_api_key_id": caller.api_key_id,
            "reported_at": now,
            "register_due_at": register_due_at,
            "updated_at": now,
        },
        event=events.values(
            district_code=location.district.code,
            to_status=status,
            caller=caller,
            action=Action.FILE,
            from_status=None,
            payload={"source": source.value, "item_code": body.item_code},
            at=now,
        ),
        **_duplicate_rule(location, now),
    )
    if body.requester is not None:
        repository.add_requester(
            session,
            case_id=case.case_id,
            values=body.requester.model_dump(exclude_none=True),
            at=now,
        )
    return CaseFiledRead(
        # A new case is dispatched to no office yet.
        **read_of(case, now).model_dump(),
        duplicate_candidates=[candidate_of(row) for row in candidates],
    )


def duplicate_candidates(
    session: Session, *, caller: Caller, query: DuplicateQuery, now: datetime
) -> list[DuplicateCandidateRead]:
    """What filing this report now would list as duplicate candidates, among the cases the
    caller sees, each with its photos: to look before filing. The point and the item are
    checked as filing checks them (an inspector's own grids, a current item)."""
    _limits(session, caller=caller, item_code=query.item_code, field="query.item_code")
    location = _located(session, caller=caller, point=query)
    rows = _nearby_open_cases(
        session,
        location=location,
        item_code=query.item_code,
        now=now,
        visibility=caller.visibility,
    )
    found = photos.photos_by_case(session, case_ids=[row.case_id for row in rows])
    return [
        DuplicateCandidateRead(**dict(candidate_of(row)), photos=found[row.case_id]) for row in rows
    ]


def _nearby_open_cases(
    session: Session,
    *,
    location: LocateRead,
    item_code: str | None,
    now: datetime,
    visibility: Visibility | None,
) -> list[Any]:
    """The duplicate rule: open cases of the item (of any item when None) within 50 m of the
    located point and reported within the last 24 h, among those `visibility` sees (every one
    when None); nearest first."""
    return repository.duplicate_candidates(
        session,
        item_code=item_code,
        visibility=visibility,
        **_duplicate_rule(location, now),
    )


def _duplicate_rule(location: LocateRead, now: datetime) -> dict[str, Any]:
    """Where and since when the duplicate rule looks, and for which statuses."""
    return {
        "lon": location.point.lon,
        "lat": location.point.lat,
        "since": now - repository.DUPLICATE_WINDOW,
        "statuses": [status.value for status in workflow.OPEN_STATUSES],
    }


def _limits(
    session: Session, *, caller: Caller, item_code: str | None, field: str
) -> deadlines.Limits | None:
    """The named item's limits; an intake report may name no item (then it has no clock yet)."""
    if item_code is None:
        if caller.actor == Actor.INSPECTOR:
            raise invalid_field(field, "监督员上报须填管理条目 / inspectors name the item")
        return None
    return current_limits(session, code=item_code, field=field)


def _located(session: Session, *, caller: Caller, point: PointCreate) -> LocateRead:
    """The point located to its grids; an inspector's only inside their responsibility grids."""
    location = geo_service.locate(session, lon=point.lon, lat=point.lat, crs=point.crs)
    grid = location.responsibility_grid
    if caller.actor == Actor.INSPECTOR and (
        grid is None or grid.code not in (caller.visibility.responsibility_grid_codes or ())
    ):
        raise OutsideYourGrids(
            f"该点位于单元网格 {location.unit_grid_code}，不在您的责任网格内 / the point lies in "
            f"unit grid {location.unit_grid_code}, outside your responsibility grids"
        )
    return location


def _where(location: LocateRead) -> dict[str, Any]:
    """The located grids of a case (its point is the located point, made by the insert)."""
    grid = location.responsibility_grid
    return {
        "district_code": location.district.code,
        "street_code": location.street.code,
        "community_code": location.community.code,
        "unit_grid_code": location.unit_grid_code,
        "responsibility_grid_code": None if grid is None else grid.code,
    }


def _what(body: CaseCreate, source: Source, status: Status) -> dict[str, Any]:
    return {
        "status": status,
        "item_code": body.item_code,
        "source": source.value,
        "description": body.description,
        "address": body.address,
        "attributes": dict(body.attributes),
        "input_lon": body.point.lon,
        "input_lat": body.point.lat,
        "input_crs": body.point.crs.value,
    }


def _source(caller: Caller, given: Source | None) -> Source:
    if caller.client is not None:
        source = CLIENT_SOURCES[IntakeSource(caller.client.source)]
        if given is not None and given != source:
            raise invalid_field(
                "body.source", f"该 API key 的来源是 {source} / this API key's source is {source}"
            )
        return source
    source = given or Source.INSPECTOR
    if source not in INSPECTOR_SOURCES:
        raise invalid_field(
            "body.source",
            f"监督员上报的来源须为 {', '.join(sorted(INSPECTOR_SOURCES))} / an inspector's "
            f"source is one of {', '.join(sorted(INSPECTOR_SOURCES))}",
        )
    return source
