"""Reads and queues: a case as the API shows it, the caller's queue page, its events."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import Row
from sqlalchemy.orm import Session

from gridloop.cases import repository
from gridloop.cases.callers import NO_SUCH_CASE, Caller, visible_case
from gridloop.cases.models import (
    CaseEvent,
    GridCase,
    OfficeRole,
    Queue,
    RejectReason,
    Satisfaction,
    Source,
)
from gridloop.cases.repository import CaseFilter
from gridloop.cases.schemas import (
    CaseDetailRead,
    CaseEventRead,
    CaseFilters,
    CaseOfficeRead,
    CaseQuery,
    CaseRead,
    CaseSort,
    DuplicateCandidate,
    InputPointRead,
    QueueCount,
    QueueCountsRead,
    RequesterRead,
)
from gridloop.cases.workflow import Action, Actor, Pending, Status, Verification
from gridloop.catalog.models import Tier
from gridloop.config import get_settings
from gridloop.errors import NotFound, invalid_field
from gridloop.geo import geojson
from gridloop.geo.crs import Crs
from gridloop.geo.schemas import Point
from gridloop.localtime import parse_timezone
from gridloop.responses import built

Choice = TypeVar("Choice", bound=StrEnum)


def case_reads(*, cases: Sequence[Row[Any]], now: datetime) -> list[CaseRead]:
    """Cases as the API shows them, from their read rows (`repository.CASE_READ_COLUMNS`)."""
    zone = _zone()
    # A row's attributes cost more to read one by one than a dict made of it at once.
    return [_read(case._asdict(), zone, now) for case in cases]


def case_read(session: Session, *, case: GridCase, now: datetime) -> CaseRead:
    """A case the request changed, as the API shows it (read again, with its offices)."""
    return case_reads(cases=repository.cases_by_id(session, [case.case_id]), now=now)[0]


def read_of(case: GridCase, now: datetime) -> CaseRead:
    """A case just filed (dispatched to no office yet) as the API shows it."""
    lon, lat = geojson.lon_lat(case.geom)
    values = {key: getattr(case, key) for key in repository.CASE_READ_KEYS}
    return _read({**values, "lon": lon, "lat": lat, "offices": None}, _zone(), now)


def _offices(offices: list[dict[str, Any]] | None, zone: ZoneInfo) -> list[CaseOfficeRead]:
    """The offices of a read row, from their JSON (its times in ISO 8601)."""
    return [
        built(
            CaseOfficeRead,
            office_code=office["office_code"],
            office_name=office["office_name"],
            role=OfficeRole(office["role"]),
            assigned_at=datetime.fromisoformat(office["assigned_at"]).astimezone(zone),
            arrived_at=None
            if office["arrived_at"] is None
            else datetime.fromisoformat(office["arrived_at"]).astimezone(zone),
        )
        for office in offices or ()
    ]


def _zone() -> ZoneInfo:
    return parse_timezone(get_settings().timezone)


def _local(moment: datetime | None, zone: ZoneInfo) -> datetime | None:
    return None if moment is None else moment.astimezone(zone)


def _maybe(kind: type[Choice], value: str | None) -> Choice | None:
    return None if value is None else kind(value)


def _read(case: dict[str, Any], zone: ZoneInfo, now: datetime) -> CaseRead:
    """A case as the API shows it from its column values, built without validation (`built`):
    every value comes from the database or from input filing validated, so only what the
    validators would change is done here: texts to their enums, times to the local zone
    (`LocalTime`). Validating the 40 fields of each case again cost more than the query of a
    page."""
    running = case["running_due_at"]
    return built(
        CaseRead,
        case_id=case["case_id"],
        status=Status(case["status"]),
        item_code=case["item_code"],
        tier=_maybe(Tier, case["tier"]),
        source=Source(case["source"]),
        description=case["description"],
        address=case["address"],
        attributes=case["attributes"],
        point=built(Point, lon=case["lon"], lat=case["lat"]),
        input=built(
            InputPointRead, lon=case["input_lon"], lat=case["input_lat"], crs=Crs(case["input_crs"])
        ),
        district_code=case["district_code"],
        street_code=case["street_code"],
        community_code=case["community_code"],
        unit_grid_code=case["unit_grid_code"],
        responsibility_grid_code=case["responsibility_grid_code"],
        reported_at=case["reported_at"].astimezone(zone),
        registered_at=_local(case["registered_at"], zone),
        dispatched_at=_local(case["dispatched_at"], zone),
        accepted_at=_local(case["accepted_at"], zone),
        handled_at=_local(case["handled_at"], zone),
        closed_at=_local(case["closed_at"], zone),
        updated_at=case["updated_at"].astimezone(zone),
        register_due_at=_local(case["register_due_at"], zone),
        dispatch_due_at=_local(case["dispatch_due_at"], zone),
        handle_due_at=_local(case["handle_due_at"], zone),
        verify_due_at=_local(case["verify_due_at"], zone),
        close_due_at=_local(case["close_due_at"], zone),
        running_due_at=_local(running, zone),
        overdue=running is not None and running < now,
        pending_request=_maybe(Pending, case["pending_request"]),
        requested_due_at=_local(case["requested_due_at"], zone),
        verification=_maybe(Verification, case["verification"]),
        rework_count=case["rework_count"],
        rejection_reason=_maybe(RejectReason, case["rejection_reason"]),
        duplicate_of=case["duplicate_of_case_id"],
        satisfaction=_maybe(Satisfaction, case["satisfaction"]),
        offices=_offices(case["offices"], zone),
        version=case["version"],
    )


def list_cases(
    session: Session, *, caller: Caller, query: CaseQuery, now: datetime
) -> tuple[list[CaseRead], int | None]:
    """A page of the caller's queue in the order asked (newest first), and the `after` of the
    next page."""
    rows = repository.case_page(
        session,
        visibility=caller.visibility,
        where=_filter(query, now, queue=query.queue),
        sort=_ORDERS[query.sort][0],
        descending=_ORDERS[query.sort][1],
        after=query.after,
        limit=query.limit + 1,
    )
    page = rows[: query.limit]
    next_after = page[-1].case_id if len(rows) > query.limit else None
    return case_reads(cases=page, now=now), next_after


# Each order as the table is sorted: the key, and whether descending.
_ORDERS: dict[CaseSort, tuple[repository.SortKey, bool]] = {
    CaseSort.NEWEST: ("case_id", True),
    CaseSort.OLDEST: ("case_id", False),
    CaseSort.REPORTED_LAST: ("reported_at", True),
    CaseSort.REPORTED_FIRST: ("reported_at", False),
    CaseSort.DEADLINE_LAST: ("running_due_at", True),
    CaseSort.DEADLINE_FIRST: ("running_due_at", False),
}


def queue_counts(
    session: Session, *, caller: Caller, filters: CaseFilters, now: datetime
) -> QueueCountsRead:
    """How many of the caller's cases, under the filters, each queue holds now."""
    counts = repository.queue_counts(
        session, visibility=caller.visibility, where=_filter(filters, now, queue=None)
    )
    return QueueCountsRead(
        queues=[QueueCount(queue=queue, count=count) for queue, count in counts.items()]
    )


def case_list(
    session: Session, *, caller: Caller, where: CaseFilter, offset: int, limit: int, now: datetime
) -> list[CaseRead]:
    """The caller's cases matching `where`, newest first, `limit` of them from `offset`."""
    rows = repository.case_page(
        session, visibility=caller.visibility, where=where, after=None, offset=offset, limit=limit
    )
    return case_reads(cases=rows, now=now)


def _filter(query: CaseFilters, now: datetime, *, queue: Queue | None) -> CaseFilter:
    if (
        query.reported_from is not None
        and query.reported_to is not None
        and query.reported_from >= query.reported_to
    ):
        raise invalid_field("query.reported_to", "reported_to 须晚于 reported_from / must be later")
    return CaseFilter(
        now=now,
        queue=queue,
        statuses=None if query.status is None else [status.value for status in query.status],
        street_code=query.street_code,
        community_code=query.community_code,
        unit_grid_code=query.unit_grid_code,
        responsibility_grid_code=query.responsibility_grid_code,
        office_code=query.office_code,
        item_codes=None if query.item_code is None else [query.item_code],
        source=None if query.source is None else query.source.value,
        verification=None if query.verification is None else query.verification.value,
        overdue=query.overdue,
        reported_from=query.reported_from,
        reported_to=query.reported_to,
        bbox=None if query.bbox is None else _bbox(query.bbox),
    )


def _bbox(text: str) -> tuple[float, float, float, float]:
    try:
        west, south, east, north = (float(part) for part in text.split(","))
    except ValueError as exc:
        raise invalid_field("query.bbox", "bbox 需为四个数字 / bbox must be four numbers") from exc
    if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
        raise invalid_field(
            "query.bbox",
            "bbox 范围无效 / bbox must be west,south,east,north with west ≤ east, south ≤ north",
        )
    return west, south, east, north


def case_feature(case: CaseRead) -> dict[str, Any]:
    """A case as a GeoJSON Feature (WGS-84 point; the case as its properties)."""
    return {
        "type": "Feature",
        "id": case.case_id,
        "geometry": geojson.point_geojson(case.point.lon, case.point.lat),
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


def duplicate_candidates(
    session: Session, *, caller: Caller, case_id: int
) -> list[DuplicateCandidate]:
    """Open cases the caller sees that the case may repeat (the same item within 50 m and 24 h
    either side); nearest first."""
    case = visible_case(session, caller=caller, case_id=case_id)
    rows = repository.duplicates_of(session, case=case, visibility=caller.visibility)
    return [candidate_of(row) for row in rows]


def candidate_of(row: Any) -> DuplicateCandidate:
    return DuplicateCandidate(
        case_id=row.case_id,
        status=Status(row.status),
        item_code=row.item_code,
        description=row.description,
        reported_at=row.reported_at,
        distance_m=round(float(row.distance_m), 1),
    )


@dataclass(frozen=True)
class StatusChange:
    """An event that moved a case to another status (its filing too), with what a public
    account of it needs: a rejection's reason, the case's status now, a handling report's
    newest after-photo. Notes and actors stay out."""

    event_id: int
    case_id: int
    action: str
    status: Status
    occurred_at: datetime
    reason: str | None
    case_status: Status
    after_photo_id: int | None


def status_changes(
    session: Session,
    *,
    caller: Caller,
    since: datetime,
    until: datetime,
    offset: int,
    limit: int,
) -> list[StatusChange]:
    """The status changes of the caller's cases in [since, until), in the order they happened."""
    rows = repository.status_changes(
        session, visibility=caller.visibility, since=since, until=until, offset=offset, limit=limit
    )
    return [
        StatusChange(
            event_id=row.case_event_id,
            case_id=row.case_id,
            action=row.action,
            status=Status(row.to_status),
            occurred_at=row.occurred_at,
            reason=row.reason,
            case_status=Status(row.case_status),
            after_photo_id=row.after_photo_id,
        )
        for row in rows
    ]


# Who reads a requester's contact, for the follow-up visit (回访): the street's dispatchers (a
# dispatcher sees only the cases of their street) and the auditors who make the visit.
REQUESTER_READERS = frozenset({Actor.DISPATCHER, Actor.AUDITOR})


def detail_row(session: Session, *, caller: Caller, case_id: int) -> Row[Any]:
    """The read row of a case the caller sees, with its requester's columns when the caller
    may read them; else NotFound, exactly as if it did not exist."""
    row = repository.case_read_row(
        session,
        case_id=case_id,
        visibility=caller.visibility,
        with_requester=caller.actor in REQUESTER_READERS,
    )
    if row is None:
        raise NotFound(NO_SUCH_CASE)
    return row


def case_detail(*, row: Row[Any], allowed_actions: list[Action], now: datetime) -> CaseDetailRead:
    """A case from its `detail_row` with the actions the caller may take on it now."""
    read = case_reads(cases=[row], now=now)[0]
    return built(
        CaseDetailRead, **dict(read), allowed_actions=allowed_actions, requester=_requester(row)
    )


def _requester(row: Row[Any]) -> RequesterRead | None:
    """The requester of a read row selected with one (validated when it was filed)."""
    if getattr(row, "requester_case_id", None) is None:
        return None
    return built(
        RequesterRead,
        first_name=row.requester_first_name,
        last_name=row.requester_last_name,
        email=row.requester_email,
        phone=row.requester_phone,
        device_id=row.requester_device_id,
        account_id=row.requester_account_id,
        media_url=row.requester_media_url,
    )


def newest_event_id(session: Session) -> int:
    """The id of the newest event committed (0: none yet)."""
    return repository.newest_event_id(session)


def event_ids_after(session: Session, *, after: int, limit: int) -> list[int]:
    """The ids of every case's events after `after`, in order, at most `limit`."""
    return repository.event_ids_after(session, after=after, limit=limit)


def visible_events(session: Session, *, caller: Caller, after: int, upto: int) -> list[CaseEvent]:
    """The events in (after, upto] of the cases the caller sees (the scope of `GET /cases`)."""
    return repository.visible_events(session, visibility=caller.visibility, after=after, upto=upto)


def case_reads_by_id(
    session: Session, *, case_ids: Sequence[int], now: datetime
) -> dict[int, CaseRead]:
    """Cases as an auditor reads them (without the requester), by id, in two queries."""
    cases = repository.cases_by_id(session, case_ids)
    return {read.case_id: read for read in case_reads(cases=cases, now=now)}
