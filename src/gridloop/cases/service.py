"""Cases: who is calling and what they see, filing, reads and queues, photos.

The workflow actions after filing are in `actions.py`, idempotent POSTs in `idempotency.py`;
the rules of the loop are `workflow.py`'s, due times `deadlines.py`'s.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO, Protocol, TypeVar

from geoalchemy2.shape import from_shape, to_shape
from shapely.geometry import Point as ShapelyPoint
from sqlalchemy.orm import Session

from gridloop.auth import service as auth_service
from gridloop.auth.models import ApiKey, IntakeSource, Role, User
from gridloop.calendar import service as calendar_service
from gridloop.cases import deadlines, photos, repository, workflow
from gridloop.cases.models import CasePhoto, GridCase, PhotoStep, Source
from gridloop.cases.repository import CaseFilter, Visibility
from gridloop.cases.schemas import (
    CaseCreate,
    CaseEventRead,
    CaseFiledRead,
    CaseOfficeRead,
    CasePhotoRead,
    CaseQuery,
    CaseRead,
    DuplicateCandidate,
    InputPointRead,
)
from gridloop.cases.workflow import Action, Actor, Status
from gridloop.catalog import service as catalog_service
from gridloop.catalog.schemas import ItemRead
from gridloop.catalog.schemas import Limits as CatalogLimits
from gridloop.config import get_settings
from gridloop.errors import (
    ActionNotAllowed,
    Forbidden,
    InvalidInput,
    NotFound,
    OutsideYourGrids,
    PreconditionFailed,
    PreconditionRequired,
    ProblemItem,
    TooManyPhotos,
)
from gridloop.geo import service as geo_service
from gridloop.geo.schemas import Point

NO_SUCH_CASE = "案件不存在 / No such case"
DUPLICATE_WINDOW = timedelta(hours=24)
# Sources an inspector may give; an intake client's source is its API key's.
INSPECTOR_SOURCES = frozenset({Source.INSPECTOR, Source.VIDEO, Source.SELF_FOUND})
CLIENT_SOURCES = {
    IntakeSource.HOTLINE_12345: Source.HOTLINE_12345,
    IntakeSource.PUBLIC_APP: Source.PUBLIC,
}


def invalid(field: str, reason: str) -> InvalidInput:
    """InvalidInput naming the offending field."""
    return InvalidInput(reason, errors=[ProblemItem(location=field, reason=reason)])


# ----------------------------------------------------------------------------- callers


@dataclass(frozen=True)
class Caller:
    """A logged-in user or an intake client, with the cases it may see."""

    actor: Actor
    visibility: Visibility
    user: User | None = None
    client: ApiKey | None = None

    @property
    def owner(self) -> str:
        """Who owns an idempotency key: keys of different callers never meet."""
        if self.user is not None:
            return f"user:{self.user.user_id}"
        assert self.client is not None
        return f"client:{self.client.api_key_id}"

    @property
    def user_id(self) -> int | None:
        return None if self.user is None else self.user.user_id

    @property
    def api_key_id(self) -> int | None:
        return None if self.client is None else self.client.api_key_id

    def reported(self, case: GridCase) -> bool:
        """Whether this caller filed the case."""
        if self.user is not None:
            return case.reported_by_user_id == self.user.user_id
        return self.client is not None and case.reported_by_api_key_id == self.client.api_key_id

    def actors_for(self, case: GridCase) -> frozenset[Actor]:
        return frozenset({self.actor, Actor.REPORTER} if self.reported(case) else {self.actor})


def caller_for_user(session: Session, *, user: User) -> Caller:
    """A user as a caller: admins and auditors see every case, the others their scope's."""
    role = Role(user.role)
    if role in (Role.ADMIN, Role.AUDITOR):
        visibility = Visibility(everything=True)
    elif role == Role.DISPATCHER:
        visibility = Visibility(street_code=user.street_code)
    elif role == Role.LIAISON:
        visibility = Visibility(office_id=user.office_id)
    else:
        scope = auth_service.scope_of(session, user=user)
        visibility = Visibility(
            responsibility_grid_codes=frozenset(scope.responsibility_grid_codes)
        )
    return Caller(actor=Actor(role.value), visibility=visibility, user=user)


def caller_for_client(client: ApiKey) -> Caller:
    """An intake client: it sees what it filed."""
    return Caller(
        actor=Actor.INTAKE_CLIENT,
        visibility=Visibility(api_key_id=client.api_key_id),
        client=client,
    )


def visible_case(
    session: Session, *, caller: Caller, case_id: int, for_update: bool = False
) -> GridCase:
    """The case if the caller may see it; else NotFound, exactly as if it did not exist."""
    case = repository.get_case(
        session, case_id=case_id, visibility=caller.visibility, for_update=for_update
    )
    if case is None:
        raise NotFound(NO_SUCH_CASE)
    return case


# ----------------------------------------------------------------------------- ETags


def etag_of(case_id: int, version: int) -> str:
    return f'"{case_id}.{version}"'


def etag(case: GridCase) -> str:
    return etag_of(case.case_id, case.version)


def check_if_match(case: GridCase, if_match: str | None) -> None:
    """428 without If-Match, 412 unless it names the case's current ETag (or is `*`)."""
    if if_match is None or not if_match.strip():
        raise PreconditionRequired(
            f"操作须带 If-Match 头（当前 ETag {etag(case)}）/ send the case's ETag {etag(case)} "
            "as If-Match"
        )
    tags = {tag.strip() for tag in if_match.split(",")}
    if "*" not in tags and etag(case) not in tags:
        raise PreconditionFailed(
            f"案件已被修改，当前 ETag {etag(case)} / the case changed since: its ETag is "
            f"now {etag(case)}"
        )


# ----------------------------------------------------------------------------- catalog, calendar


class _Retirable(Protocol):
    @property
    def retired_at(self) -> datetime | None: ...


Retirable = TypeVar("Retirable", bound=_Retirable)


def _current(
    read: Callable[..., Retirable], session: Session, *, code: str, field: str
) -> Retirable:
    """What `read` gives for a current catalog item; unknown or retired is InvalidInput."""
    try:
        found = read(session, code=code)
    except NotFound as exc:
        raise invalid(field, f"管理条目 {code} 不存在 / unknown catalog item {code}") from exc
    if found.retired_at is not None:
        raise invalid(field, f"管理条目 {code} 已停用 / catalog item {code} is retired")
    return found


def catalog_item(session: Session, *, code: str, field: str) -> ItemRead:
    """A current catalog item; an unknown or retired code is InvalidInput on `field`."""
    return _current(catalog_service.get_item, session, code=code, field=field)


def current_limits(session: Session, *, code: str, field: str) -> deadlines.Limits:
    """The time limits of a current catalog item, as `limits_of(catalog_item(…))` gives them
    without reading the whole item."""
    found = _current(catalog_service.get_limits, session, code=code, field=field)
    return _deadline_limits(found.limits)


def limits_of(item: ItemRead) -> deadlines.Limits:
    return _deadline_limits(item.limits)


def _deadline_limits(limits: CatalogLimits) -> deadlines.Limits:
    def limit(step: Any) -> deadlines.Limit:
        return deadlines.Limit(value=Decimal(step.value), unit=step.unit)

    return deadlines.Limits(
        register=limit(limits.register),
        dispatch=limit(limits.dispatch),
        handle=limit(limits.handle),
        verify=limit(limits.verify),
    )


# ----------------------------------------------------------------------------- events


def record(
    session: Session,
    *,
    case: GridCase,
    caller: Caller | None,
    action: str,
    from_status: Status | None,
    payload: dict[str, Any],
    at: datetime,
) -> None:
    """Append an event; `caller` None is the system (the sweeper)."""
    repository.add_event(
        session,
        {
            "case_id": case.case_id,
            "district_code": case.district_code,
            "action": action,
            "from_status": None if from_status is None else from_status.value,
            "to_status": case.status,
            "actor_role": Actor.SYSTEM.value if caller is None else caller.actor.value,
            "actor_user_id": None if caller is None else caller.user_id,
            "actor_api_key_id": None if caller is None else caller.api_key_id,
            "payload": payload,
            "occurred_at": at,
        },
    )


# ----------------------------------------------------------------------------- filing


def file_case(
    session: Session, *, caller: Caller, body: CaseCreate, now: datetime
) -> CaseFiledRead:
    """File a report at a point: located to its grids, register clock started, duplicate
    candidates listed. An inspector files only inside their own responsibility grids.
    """
    if not workflow.may_act(caller.actor, Action.FILE):
        raise Forbidden("只有监督员和受理渠道可以上报 / Only inspectors and intake clients file")
    source = _source(caller, body.source)
    limits = None
    if body.item_code is not None:
        limits = current_limits(session, code=body.item_code, field="body.item_code")
    elif caller.actor == Actor.INSPECTOR:
        raise invalid("body.item_code", "监督员上报须填管理条目 / inspectors name the item")
    point = body.point
    location = geo_service.locate(session, lon=point.lon, lat=point.lat, crs=point.crs)
    grid = location.responsibility_grid
    if caller.actor == Actor.INSPECTOR and (
        grid is None or grid.code not in (caller.visibility.responsibility_grid_codes or ())
    ):
        raise OutsideYourGrids(
            f"该点位于单元网格 {location.unit_grid_code}，不在您的责任网格内 / the point lies in "
            f"unit grid {location.unit_grid_code}, outside your responsibility grids"
        )
    register_due_at = None
    if limits is not None:
        calendar = calendar_service.work_calendar(session)
        register_due_at = deadlines.due(now, limits.register, calendar=calendar)
    # Looked for before the insert, so the new case is not among them.
    candidates = repository.duplicate_candidates(
        session,
        lon=location.point.lon,
        lat=location.point.lat,
        item_code=body.item_code,
        since=now - DUPLICATE_WINDOW,
        statuses=[status.value for status in workflow.OPEN_STATUSES],
    )
    case = repository.insert_case(
        session,
        {
            "district_code": location.district.code,
            "street_code": location.street.code,
            "community_code": location.community.code,
            "unit_grid_code": location.unit_grid_code,
            "responsibility_grid_code": None if grid is None else grid.code,
            "status": workflow.next_status(None, Action.FILE),
            "item_code": body.item_code,
            "source": source.value,
            "description": body.description,
            "address": body.address,
            "attributes": dict(body.attributes),
            "geom": from_shape(ShapelyPoint(location.point.lon, location.point.lat), srid=4326),
            "input_lon": point.lon,
            "input_lat": point.lat,
            "input_crs": point.crs.value,
            "reported_by_user_id": caller.user_id,
            "reported_by_api_key_id": caller.api_key_id,
            "reported_at": now,
            "register_due_at": register_due_at,
            "updated_at": now,
        },
    )
    record(
        session,
        case=case,
        caller=caller,
        action=Action.FILE,
        from_status=None,
        payload={"source": source.value, "item_code": body.item_code},
        at=now,
    )
    return CaseFiledRead(
        # A new case is dispatched to no office yet.
        **_read(case, [], now).model_dump(),
        duplicate_candidates=[
            DuplicateCandidate(
                case_id=row.case_id,
                status=Status(row.status),
                item_code=row.item_code,
                description=row.description,
                reported_at=row.reported_at,
                distance_m=round(float(row.distance_m), 1),
            )
            for row in candidates
        ],
    )


def _source(caller: Caller, given: Source | None) -> Source:
    if caller.client is not None:
        source = CLIENT_SOURCES[IntakeSource(caller.client.source)]
        if given is not None and given != source:
            raise invalid(
                "body.source", f"该 API key 的来源是 {source} / this API key's source is {source}"
            )
        return source
    source = given or Source.INSPECTOR
    if source not in INSPECTOR_SOURCES:
        raise invalid(
            "body.source",
            f"监督员上报的来源须为 {', '.join(sorted(INSPECTOR_SOURCES))} / an inspector's "
            f"source is one of {', '.join(sorted(INSPECTOR_SOURCES))}",
        )
    return source


# ----------------------------------------------------------------------------- reads


def case_reads(session: Session, *, cases: Sequence[GridCase], now: datetime) -> list[CaseRead]:
    """Cases as the API shows them, with their current offices (one query for all)."""
    offices: dict[int, list[CaseOfficeRead]] = {case.case_id: [] for case in cases}
    if cases:
        for row in repository.current_offices(session, case_ids=list(offices)):
            offices[row.case_id].append(
                CaseOfficeRead(
                    office_code=row.office_code,
                    office_name=row.office_name,
                    role=row.role,
                    assigned_at=row.assigned_at,
                    arrived_at=row.arrived_at,
                )
            )
    return [_read(case, offices[case.case_id], now) for case in cases]


def case_read(session: Session, *, case: GridCase, now: datetime) -> CaseRead:
    return case_reads(session, cases=[case], now=now)[0]


def _read(case: GridCase, offices: list[CaseOfficeRead], now: datetime) -> CaseRead:
    point = to_shape(case.geom)
    running = case.running_due_at
    return CaseRead(
        case_id=case.case_id,
        status=Status(case.status),
        item_code=case.item_code,
        tier=case.tier,
        source=Source(case.source),
        description=case.description,
        address=case.address,
        attributes=case.attributes,
        point=Point(lon=point.x, lat=point.y),
        input=InputPointRead(lon=case.input_lon, lat=case.input_lat, crs=case.input_crs),
        district_code=case.district_code,
        street_code=case.street_code,
        community_code=case.community_code,
        unit_grid_code=case.unit_grid_code,
        responsibility_grid_code=case.responsibility_grid_code,
        reported_at=case.reported_at,
        registered_at=case.registered_at,
        dispatched_at=case.dispatched_at,
        accepted_at=case.accepted_at,
        handled_at=case.handled_at,
        closed_at=case.closed_at,
        register_due_at=case.register_due_at,
        dispatch_due_at=case.dispatch_due_at,
        handle_due_at=case.handle_due_at,
        verify_due_at=case.verify_due_at,
        close_due_at=case.close_due_at,
        running_due_at=running,
        overdue=running is not None and running < now,
        pending_request=case.pending_request,
        requested_due_at=case.requested_due_at,
        verification=case.verification,
        rework_count=case.rework_count,
        rejection_reason=case.rejection_reason,
        duplicate_of=case.duplicate_of_case_id,
        satisfaction=case.satisfaction,
        offices=offices,
        version=case.version,
    )


def list_cases(
    session: Session, *, caller: Caller, query: CaseQuery, now: datetime
) -> tuple[list[CaseRead], int | None]:
    """A page of the caller's queue, newest first, and the `after` of the next page."""
    rows = repository.case_page(
        session,
        visibility=caller.visibility,
        where=_filter(query, now),
        after=query.after,
        limit=query.limit + 1,
    )
    page = rows[: query.limit]
    next_after = page[-1].case_id if len(rows) > query.limit else None
    return case_reads(session, cases=page, now=now), next_after


def _filter(query: CaseQuery, now: datetime) -> CaseFilter:
    if (
        query.reported_from is not None
        and query.reported_to is not None
        and query.reported_from >= query.reported_to
    ):
        raise invalid("query.reported_to", "reported_to 须晚于 reported_from / must be later")
    return CaseFilter(
        statuses=None if query.status is None else [status.value for status in query.status],
        street_code=query.street_code,
        community_code=query.community_code,
        unit_grid_code=query.unit_grid_code,
        responsibility_grid_code=query.responsibility_grid_code,
        office_code=query.office_code,
        item_code=query.item_code,
        source=None if query.source is None else query.source.value,
        overdue_at=now if query.overdue else None,
        on_time_at=now if query.overdue is False else None,
        reported_from=query.reported_from,
        reported_to=query.reported_to,
        bbox=None if query.bbox is None else _bbox(query.bbox),
    )


def _bbox(text: str) -> tuple[float, float, float, float]:
    try:
        west, south, east, north = (float(part) for part in text.split(","))
    except ValueError as exc:
        raise invalid("query.bbox", "bbox 需为四个数字 / bbox must be four numbers") from exc
    if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
        raise invalid(
            "query.bbox",
            "bbox 范围无效 / bbox must be west,south,east,north with west ≤ east, south ≤ north",
        )
    return west, south, east, north


def case_feature(case: CaseRead) -> dict[str, Any]:
    """A case as a GeoJSON Feature (WGS-84 point; the case as its properties)."""
    return {
        "type": "Feature",
        "id": case.case_id,
        "geometry": {"type": "Point", "coordinates": [case.point.lon, case.point.lat]},
        "properties": case.model_dump(mode="json"),
    }


def case_events(session: Session, *, caller: Caller, case_id: int) -> list[CaseEventRead]:
    visible_case(session, caller=caller, case_id=case_id)
    return [
        CaseEventRead(
            case_event_id=row.CaseEvent.case_event_id,
            action=row.CaseEvent.action,
            from_status=row.CaseEvent.from_status,
            to_status=row.CaseEvent.to_status,
            actor_role=row.CaseEvent.actor_role,
            actor=row.actor,
            payload=row.CaseEvent.payload,
            occurred_at=row.CaseEvent.occurred_at,
        )
        for row in repository.events(session, case_id=case_id)
    ]


# ----------------------------------------------------------------------------- photos


def _photo_read(photo: CasePhoto) -> CasePhotoRead:
    return CasePhotoRead(
        photo_id=photo.case_photo_id,
        step=PhotoStep(photo.step),
        round=photo.round,
        media_type=photo.media_type,
        byte_size=photo.byte_size,
        width=photo.width,
        height=photo.height,
        sha256=photo.sha256,
        created_at=photo.created_at,
        url=f"/cases/{photo.case_id}/photos/{photo.case_photo_id}",
    )


def case_photos(session: Session, *, caller: Caller, case_id: int) -> list[CasePhotoRead]:
    visible_case(session, caller=caller, case_id=case_id)
    return [_photo_read(photo) for photo in repository.photos(session, case_id=case_id)]


def photo_file(
    session: Session, *, caller: Caller, case_id: int, photo_id: int
) -> tuple[Path, str]:
    """The file and media type of a photo of a case the caller sees."""
    visible_case(session, caller=caller, case_id=case_id)
    photo = repository.get_photo(session, case_id=case_id, photo_id=photo_id)
    path = None if photo is None else photos.path_of(_photo_dir(), photo.storage_key)
    if photo is None or path is None or not path.is_file():
        raise NotFound("照片不存在 / No such photo")
    return path, photo.media_type


def _photo_dir() -> Path:
    return get_settings().effective_photo_dir


# Who takes the photos of each step, and in which status.
PHOTO_TAKERS: dict[PhotoStep, tuple[Actor, Status]] = {
    PhotoStep.BEFORE: (Actor.REPORTER, Status.REPORTED),
    PhotoStep.AFTER: (Actor.LIAISON, Status.HANDLING),
    PhotoStep.VERIFICATION: (Actor.INSPECTOR, Status.HANDLED),
}


def add_photos(
    session: Session,
    *,
    caller: Caller,
    case_id: int,
    step: PhotoStep,
    files: Sequence[tuple[str, BinaryIO]],
    now: datetime,
) -> list[CasePhotoRead]:
    """Check, clean and keep the photos of one step, at most 9 per step and handling round.

    Before-photos come from the reporter while the case is reported, after-photos from the lead
    office while handling, verification photos from an inspector before the round is verified.
    """
    case = visible_case(session, caller=caller, case_id=case_id, for_update=True)
    taker, status = PHOTO_TAKERS[step]
    if taker not in caller.actors_for(case) or (
        taker == Actor.LIAISON and not is_lead_liaison(session, caller=caller, case=case)
    ):
        raise Forbidden(f"无权上传 {step} 照片 / you may not add {step} photos to this case")
    if case.status != status or (step == PhotoStep.VERIFICATION and case.verification is not None):
        raise ActionNotAllowed(
            f"案件状态为 {case.status}，不能上传 {step} 照片 / a case in status {case.status} "
            f"takes no {step} photos"
        )
    if not files:
        raise invalid("body.files", "至少一张照片 / at least one photo")
    round_ = 0 if step == PhotoStep.BEFORE else case.rework_count
    taken = repository.photo_count(session, case_id=case_id, step=step.value, round_=round_)
    if taken + len(files) > photos.MAX_PER_STEP:
        raise TooManyPhotos(
            f"每个环节最多 {photos.MAX_PER_STEP} 张，已有 {taken} 张 / at most "
            f"{photos.MAX_PER_STEP} photos per step; {taken} already"
        )
    # One byte past the limit is enough to know a file is too large.
    cleaned = [photos.clean(file.read(photos.MAX_BYTES + 1), name=name) for name, file in files]
    folder = _photo_dir()
    return [
        _photo_read(
            repository.add_photo(
                session,
                CasePhoto(
                    case_id=case_id,
                    step=step.value,
                    round=round_,
                    media_type=photo.media_type,
                    byte_size=len(photo.data),
                    width=photo.width,
                    height=photo.height,
                    sha256=photo.sha256,
                    storage_key=photos.store(folder, case_id=case_id, photo=photo),
                    uploaded_by_user_id=caller.user_id,
                    uploaded_by_api_key_id=caller.api_key_id,
                    created_at=now,
                ),
            )
        )
        for photo in cleaned
    ]


def is_lead_liaison(session: Session, *, caller: Caller, case: GridCase) -> bool:
    """Whether the caller is a liaison of the office leading the case now."""
    return (
        caller.actor == Actor.LIAISON
        and caller.user is not None
        and caller.user.office_id is not None
        and repository.lead_office_id(session, case_id=case.case_id) == caller.user.office_id
    )
