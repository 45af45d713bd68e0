"""All SQL of cases. A miss returns None.

Scope is part of every read: a case outside the caller's scope is simply not found, so the
service cannot forget to check it.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    DateTime,
    Double,
    Integer,
    Row,
    Select,
    SQLColumnExpression,
    Table,
    Text,
    and_,
    any_,
    bindparam,
    case,
    delete,
    exists,
    false,
    func,
    literal_column,
    or_,
    select,
    text,
    true,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, aggregate_order_by, insert
from sqlalchemy.orm import Session, aliased
from sqlalchemy.orm.util import AliasedClass

from gridloop.auth.models import ApiKey, User
from gridloop.cases.models import (
    CaseEvent,
    CaseOffice,
    CasePhoto,
    CaseRequester,
    CaseSummons,
    CaseSuspension,
    GridCase,
    IdempotencyKey,
    OfficeRole,
    Queue,
)
from gridloop.cases.workflow import OPEN_STATUSES, Status
from gridloop.db import Base
from gridloop.org.models import Office

DUPLICATE_RADIUS_M = 50.0
DUPLICATE_WINDOW = timedelta(hours=24)
# A box of this many degrees around a point holds every point within DUPLICATE_RADIUS_M at any
# latitude up to 60°; it lets the GiST index find candidates before the exact distance.
DUPLICATE_BOX_DEG = 0.0011


@dataclass(frozen=True)
class Visibility:
    """Which cases a caller sees; `everything` or exactly one of the others."""

    everything: bool = False
    street_code: str | None = None
    responsibility_grid_codes: frozenset[str] | None = None
    office_id: int | None = None
    api_key_id: int | None = None
    district_code: str | None = None


def _visible(visibility: Visibility) -> ColumnElement[bool]:
    if visibility.everything:
        return true()
    if visibility.street_code is not None:
        return GridCase.street_code == visibility.street_code
    if visibility.responsibility_grid_codes is not None:
        return GridCase.responsibility_grid_code.in_(sorted(visibility.responsibility_grid_codes))
    if visibility.office_id is not None:
        return _dispatched_to(visibility.office_id)
    if visibility.api_key_id is not None:
        return GridCase.reported_by_api_key_id == visibility.api_key_id
    if visibility.district_code is not None:
        return GridCase.district_code == visibility.district_code
    return false()


def _dispatched_to(office_id: int) -> ColumnElement[bool]:
    return exists().where(
        CaseOffice.case_id == GridCase.case_id,
        CaseOffice.office_id == office_id,
        CaseOffice.released_at.is_(None),
    )


# ----------------------------------------------------------------------------- cases


def _table(model: type[Base]) -> Table:
    """The table of a mapped class, for Core statements that bypass the ORM."""
    table = model.__table__
    assert isinstance(table, Table)
    return table


# Events are inserted with one plain Core statement: the ORM's unit of work costs more than the
# INSERT itself.
INSERT_EVENT = insert(_table(CaseEvent))


def _json_object(**fields: SQLColumnExpression[Any]) -> ColumnElement[Any]:
    """`json_build_object` of named columns, the names written into the SQL."""
    parts: list[SQLColumnExpression[Any]] = []
    for name, column in fields.items():
        parts += [literal_column(f"'{name}'"), column]
    return func.json_build_object(*parts)


# A case's current offices as one JSON array, lead first: the read of a case or a page takes
# the offices in the same statement. PostgreSQL runs the subquery for the rows it returns
# only, after sorting and limiting them.
CURRENT_OFFICES = (
    select(
        func.json_agg(
            aggregate_order_by(
                _json_object(
                    office_code=Office.code,
                    office_name=Office.name,
                    role=CaseOffice.role,
                    assigned_at=CaseOffice.assigned_at,
                    arrived_at=CaseOffice.arrived_at,
                ),
                CaseOffice.role.desc(),
                Office.code,
            )
        )
    )
    .join_from(CaseOffice, Office, Office.office_id == CaseOffice.office_id)
    .where(CaseOffice.case_id == GridCase.case_id, CaseOffice.released_at.is_(None))
    .scalar_subquery()
)
# What a read of a case selects: every column but the geometry, the point as its coordinates
# (no WKB to parse, no ORM object to build) and the current offices.
CASE_READ_COLUMNS = (
    *(column for column in _table(GridCase).columns if column.key != "geom"),
    func.ST_X(GridCase.geom).label("lon"),
    func.ST_Y(GridCase.geom).label("lat"),
    CURRENT_OFFICES.label("offices"),
)
# The keys of a read row that are a case's own columns, the names of its mapped attributes.
CASE_READ_KEYS = tuple(column.key for column in CASE_READ_COLUMNS[:-3])
_CASE_READ = select(*CASE_READ_COLUMNS)
# The requester beside a case (a LEFT JOIN: `requester_case_id` is null without one).
REQUESTER_COLUMNS = tuple(
    column.label(f"requester_{column.key}")
    for column in _table(CaseRequester).columns
    if column.key != "created_at"
)


def case_read_row(
    session: Session, *, case_id: int, visibility: Visibility, with_requester: bool
) -> Row[Any] | None:
    """The case's read row if the caller sees it, with its requester's columns when asked."""
    statement = _CASE_READ.where(GridCase.case_id == case_id, _visible(visibility))
    if with_requester:
        statement = statement.add_columns(*REQUESTER_COLUMNS).outerjoin(
            CaseRequester, CaseRequester.case_id == GridCase.case_id
        )
    return session.execute(statement).one_or_none()


def get_case(
    session: Session, *, case_id: int, visibility: Visibility, for_update: bool = False
) -> GridCase | None:
    """The case if the caller sees it; locked for this transaction with `for_update`."""
    statement = select(GridCase).where(GridCase.case_id == case_id, _visible(visibility))
    if for_update:
        statement = statement.with_for_update(of=GridCase).execution_options(populate_existing=True)
    return session.scalars(statement).one_or_none()


def cases_by_id(session: Session, case_ids: Collection[int]) -> list[Row[Any]]:
    """The read rows of the cases of these ids (any scope: for what the system itself sends)."""
    statement = _CASE_READ.where(GridCase.case_id.in_(sorted(case_ids)))
    return list(session.execute(statement))


def bump_version(session: Session, *, case_id: int, version: int) -> bool:
    """Optimistic lock: move the case from `version` to the next; False if it is not there."""
    statement = (
        update(GridCase)
        .where(GridCase.case_id == case_id, GridCase.version == version)
        .values(version=version + 1)
        .returning(GridCase.version)
    )
    return session.execute(statement).first() is not None


def point_of(session: Session, case_id: int) -> tuple[float, float]:
    """The WGS-84 (lon, lat) of a case."""
    row = session.execute(
        select(func.ST_X(GridCase.geom), func.ST_Y(GridCase.geom)).where(
            GridCase.case_id == case_id
        )
    ).one()
    return float(row[0]), float(row[1])


# The filing point, made once per query (an InitPlan) rather than once per row.
_POINT = func.ST_SetSRID(
    func.ST_MakePoint(bindparam("lon", type_=Double), bindparam("lat", type_=Double)), 4326
)
_HERE = select(_POINT).scalar_subquery()
_HERE_GEOGRAPHY = select(func.geography(_POINT)).scalar_subquery()
_DISTANCE = func.ST_Distance(func.geography(GridCase.geom), _HERE_GEOGRAPHY)
DUPLICATE_CANDIDATES = (
    select(
        GridCase.case_id,
        GridCase.status,
        GridCase.item_code,
        GridCase.description,
        GridCase.reported_at,
        _DISTANCE.label("distance_m"),
    )
    .where(
        GridCase.status == any_(bindparam("statuses", type_=ARRAY(Text))),
        GridCase.reported_at >= bindparam("since"),
        func.ST_DWithin(GridCase.geom, _HERE, DUPLICATE_BOX_DEG),
        func.ST_DWithin(func.geography(GridCase.geom), _HERE_GEOGRAPHY, DUPLICATE_RADIUS_M),
    )
    .order_by(_DISTANCE, GridCase.case_id)
    .limit(20)
)
DUPLICATE_CANDIDATES_OF_ITEM = DUPLICATE_CANDIDATES.where(
    GridCase.item_code == bindparam("item_code")
)


# ----------------------------------------------------------------------------- filing


@dataclass(frozen=True)
class Candidate:
    """An open case that a new one may repeat (a row of the duplicate search)."""

    case_id: int
    status: str
    item_code: str | None
    description: str | None
    reported_at: datetime
    distance_m: float


# What the database fills in when a case is inserted: its id, server defaults and computed
# columns; and its point, made from the filing's (lon, lat).
_FILLED_IN = tuple(
    column.name
    for column in _table(GridCase).columns
    if column.primary_key or column.server_default is not None
)
_CANDIDATE = tuple(field.name for field in fields(Candidate))


@lru_cache(maxsize=16)
def _filing(columns: tuple[str, ...], event_columns: tuple[str, ...], of_item: bool) -> Select[Any]:
    """Filing as one statement: the duplicate search, the case (its point the search's), its
    event (of the new case's id). One row per candidate, nearest first, each with the case's
    filled-in columns; one row with no candidate when there is none.

    All three share one snapshot, taken before the insert: the new case is never its own
    candidate. The event's triggers (the outbox, the rollups) fire after the statement, when
    the case is there, as they would after two statements.
    """
    cases, case_events = _table(GridCase), _table(CaseEvent)
    search = (DUPLICATE_CANDIDATES_OF_ITEM if of_item else DUPLICATE_CANDIDATES).cte("candidates")
    filed = (
        insert(cases)
        .values(
            {
                **{name: bindparam(f"case_{name}", type_=cases.c[name].type) for name in columns},
                "geom": _POINT,
            }
        )
        .returning(*(cases.c[name] for name in (*_FILLED_IN, "geom")))
        .cte("filed")
    )
    event_values = [
        bindparam(f"event_{name}", type_=case_events.c[name].type) for name in event_columns
    ]
    appended = (
        insert(case_events)
        .from_select(["case_id", *event_columns], select(filed.c.case_id, *event_values))
        .cte("appended")
    )
    return (
        select(filed, *(search.c[name].label(f"candidate_{name}") for name in _CANDIDATE))
        .select_from(filed.outerjoin(search, true()))
        .order_by(search.c.distance_m, search.c.case_id)
        .add_cte(appended)
    )


def file_case(
    session: Session,
    *,
    values: dict[str, Any],
    event: dict[str, Any],
    lon: float,
    lat: float,
    since: datetime,
    statuses: Collection[str],
) -> tuple[GridCase, list[Candidate]]:
    """Insert a case at the WGS-84 point (lon, lat) from its other column values, and its event
    from the event's column values but its case; in the same round trip, list the duplicate
    candidates as `duplicate_candidates` would just before: cases in `statuses` of the case's
    item (any item when it has none) within 50 m, reported since `since`. The case as stored,
    outside the session, and the candidates nearest first."""
    statement = _filing(tuple(values), tuple(event), values.get("item_code") is not None)
    params: dict[str, Any] = {
        "lon": lon,
        "lat": lat,
        "statuses": list(statuses),
        "since": since,
        "item_code": values.get("item_code"),
        **{f"case_{name}": value for name, value in values.items()},
        **{f"event_{name}": value for name, value in event.items()},
    }
    rows = session.execute(statement, params).all()
    filled_in = rows[0]._mapping
    case = GridCase(**{**values, **{name: filled_in[name] for name in (*_FILLED_IN, "geom")}})
    candidates = [
        Candidate(*(row._mapping[f"candidate_{name}"] for name in _CANDIDATE))
        for row in rows
        if row._mapping["candidate_case_id"] is not None
    ]
    return case, candidates


def duplicate_candidates(
    session: Session,
    *,
    lon: float,
    lat: float,
    item_code: str | None,
    since: datetime,
    statuses: Collection[str],
    visibility: Visibility | None = None,
) -> list[Row[Any]]:
    """Cases in `statuses` of the same item (any item when None) within 50 m of a WGS-84 point,
    reported since `since`, among those `visibility` sees (all when None); nearest first."""
    params: dict[str, Any] = {"lon": lon, "lat": lat, "statuses": list(statuses), "since": since}
    statement = DUPLICATE_CANDIDATES
    if item_code is not None:
        statement = DUPLICATE_CANDIDATES_OF_ITEM
        params["item_code"] = item_code
    if visibility is not None:
        statement = statement.where(_visible(visibility))
    return list(session.execute(statement, params))


def duplicates_of(session: Session, *, case: GridCase, visibility: Visibility) -> list[Row[Any]]:
    """The open cases the caller sees that a filed case may repeat: of its item (any item when it
    has none) within 50 m, reported within 24 h either side of it; nearest first."""
    lon, lat = point_of(session, case.case_id)
    statement = (DUPLICATE_CANDIDATES_OF_ITEM if case.item_code else DUPLICATE_CANDIDATES).where(
        _visible(visibility),
        GridCase.case_id != case.case_id,
        GridCase.reported_at < case.reported_at + DUPLICATE_WINDOW,
    )
    params = {
        "lon": lon,
        "lat": lat,
        "item_code": case.item_code,
        "statuses": sorted(OPEN_STATUSES),
        "since": case.reported_at - DUPLICATE_WINDOW,
    }
    return list(session.execute(statement, params))


# ----------------------------------------------------------------------------- queues


def _overdue(now: datetime) -> ColumnElement[bool]:
    return GridCase.running_due_at < now


def in_queue(queue: Queue, now: datetime, *, office_id: int | None = None) -> ColumnElement[bool]:
    """The cases a queue holds at `now`: the one definition of each queue. An office's queues
    are its own part of them when `office_id` is given (a liaison's), else every office's."""
    match queue:
        case Queue.TO_REGISTER:
            return GridCase.status == Status.REPORTED
        case Queue.TO_DISPATCH:
            return GridCase.status == Status.REGISTERED
        case Queue.TO_APPROVE:
            return GridCase.pending_request.is_not(None)
        case Queue.TO_CLOSE:
            # Verified either way: the center closes a passed case or sends a failed one back.
            return and_(GridCase.status == Status.HANDLED, GridCase.verification.is_not(None))
        case Queue.OVERDUE:
            return _overdue(now)
        case Queue.RETURNED:
            # Back at the center after an office returned it: a return releases the offices,
            # and only a return brings a dispatched case back to registered.
            return and_(
                GridCase.status == Status.REGISTERED,
                exists().where(
                    CaseOffice.case_id == GridCase.case_id, CaseOffice.released_at.is_not(None)
                ),
            )
        case Queue.TO_ACCEPT:
            # Waiting for the lead office: an assisting office has nothing to accept.
            if office_id is None:
                return GridCase.status == Status.DISPATCHED
            return and_(
                GridCase.status == Status.DISPATCHED,
                exists().where(
                    CaseOffice.case_id == GridCase.case_id,
                    CaseOffice.office_id == office_id,
                    CaseOffice.role == OfficeRole.LEAD,
                    CaseOffice.released_at.is_(None),
                ),
            )
        case Queue.HANDLING:
            return GridCase.status == Status.HANDLING
        case Queue.TO_REPORT_IN:
            # Summoned by a whistle and not arrived yet, while the case is still open.
            summons = [CaseSummons.case_id == GridCase.case_id, CaseSummons.arrived_at.is_(None)]
            if office_id is not None:
                summons.append(CaseSummons.office_id == office_id)
            return and_(GridCase.status.in_(sorted(OPEN_STATUSES)), exists().where(*summons))


@dataclass(frozen=True)
class CaseFilter:
    """The queue filters, already checked; None does not restrict."""

    now: datetime  # the instant `queue` and `overdue` are taken at
    queue: Queue | None = None
    statuses: Sequence[str] | None = None
    street_code: str | None = None
    community_code: str | None = None
    unit_grid_code: str | None = None
    responsibility_grid_code: str | None = None
    office_code: str | None = None
    item_codes: Sequence[str] | None = None
    source: str | None = None
    verification: str | None = None  # a Verification, or "none" for not verified yet
    overdue: bool | None = None
    reported_from: datetime | None = None
    reported_to: datetime | None = None
    bbox: tuple[float, float, float, float] | None = None
    case_ids: Sequence[int] | None = None


def _conditions(visibility: Visibility, where: CaseFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [_visible(visibility)]
    equal = {
        GridCase.street_code: where.street_code,
        GridCase.community_code: where.community_code,
        GridCase.unit_grid_code: where.unit_grid_code,
        GridCase.responsibility_grid_code: where.responsibility_grid_code,
        GridCase.source: where.source,
    }
    conditions += [column == value for column, value in equal.items() if value is not None]
    listed = {
        GridCase.status: where.statuses,
        GridCase.item_code: where.item_codes,
        GridCase.case_id: where.case_ids,
    }
    conditions += [
        column.in_(list(values)) for column, values in listed.items() if values is not None
    ]
    if where.queue is not None:
        conditions.append(in_queue(where.queue, where.now, office_id=visibility.office_id))
    if where.verification == "none":
        conditions.append(GridCase.verification.is_(None))
    elif where.verification is not None:
        conditions.append(GridCase.verification == where.verification)
    if where.office_code is not None:
        office_id = select(Office.office_id).where(Office.code == where.office_code)
        conditions.append(
            exists().where(
                CaseOffice.case_id == GridCase.case_id,
                CaseOffice.office_id == office_id.scalar_subquery(),
                CaseOffice.released_at.is_(None),
            )
        )
    if where.overdue is True:
        conditions.append(_overdue(where.now))
    if where.overdue is False:
        conditions.append(
            or_(GridCase.running_due_at.is_(None), GridCase.running_due_at >= where.now)
        )
    if where.reported_from is not None:
        conditions.append(GridCase.reported_at >= where.reported_from)
    if where.reported_to is not None:
        conditions.append(GridCase.reported_at < where.reported_to)
    if where.bbox is not None:
        conditions.append(GridCase.geom.intersects(func.ST_MakeEnvelope(*where.bbox, 4326)))
    return conditions


# What a page can be sorted by (then by case_id).
SortKey = Literal["case_id", "reported_at", "running_due_at"]
# A case without a running deadline sorts after every deadline.
_NO_DEADLINE = text("'infinity'::timestamptz")


def _sort_key(
    case: type[GridCase] | AliasedClass[GridCase], key: SortKey
) -> SQLColumnExpression[Any]:
    match key:
        case "reported_at":
            return case.reported_at
        case "running_due_at":
            return func.coalesce(case.running_due_at, _NO_DEADLINE)
    return case.case_id


def case_page(
    session: Session,
    *,
    visibility: Visibility,
    where: CaseFilter,
    sort: SortKey = "case_id",
    descending: bool = True,
    after: int | None,
    limit: int,
    offset: int = 0,
) -> list[Row[Any]]:
    """The read rows of cases ordered by `sort` (then case_id), after a case_id: keyset paging
    that goes on from where that case stands in the order now; or from an offset."""
    conditions = _conditions(visibility, where)
    key = _sort_key(GridCase, sort)
    if after is not None:
        conditions.append(_after(key, sort=sort, after=after, descending=descending))
    order = (key, GridCase.case_id) if sort != "case_id" else (key,)
    statement = (
        _CASE_READ.where(and_(*conditions))
        .order_by(*(column.desc() if descending else column.asc() for column in order))
        .limit(limit)
    )
    if offset:
        statement = statement.offset(offset)
    return list(session.execute(statement))


def case_count(session: Session, *, visibility: Visibility, where: CaseFilter) -> int:
    """How many cases the filter and the visibility let through."""
    statement = select(func.count()).select_from(GridCase).where(*_conditions(visibility, where))
    return session.execute(statement).scalar_one()


def _after(
    key: SQLColumnExpression[Any], *, sort: SortKey, after: int, descending: bool
) -> ColumnElement[bool]:
    if sort == "case_id":
        return GridCase.case_id < after if descending else GridCase.case_id > after
    # The row after which the page goes on, compared in the database (a missing case: nothing).
    last = aliased(GridCase)
    position = (
        select(_sort_key(last, sort), last.case_id).where(last.case_id == after).scalar_subquery()
    )
    here = tuple_(key, GridCase.case_id)
    return here < position if descending else here > position


def queue_counts(
    session: Session, *, visibility: Visibility, where: CaseFilter
) -> dict[Queue, int]:
    """How many of the caller's cases (under the filters) each queue holds, in one query."""
    # Every queue holds open cases only, so only those are counted.
    conditions = [*_conditions(visibility, where), GridCase.status.in_(sorted(OPEN_STATUSES))]
    office_id = visibility.office_id
    counts = [
        func.count().filter(in_queue(queue, where.now, office_id=office_id)) for queue in Queue
    ]
    row = session.execute(select(*counts).where(and_(*conditions))).one()
    return dict(zip(Queue, (int(count) for count in row), strict=True))


# ----------------------------------------------------------------------------- events


def add_event(session: Session, values: dict[str, Any]) -> None:
    """Append an event from its column values."""
    session.execute(INSERT_EVENT, values)


def events(session: Session, *, case_id: int) -> list[Row[Any]]:
    """The events of a case in order, with the actor's username or intake client name."""
    statement = (
        select(CaseEvent, func.coalesce(User.username, ApiKey.name).label("actor"))
        .outerjoin(User, User.user_id == CaseEvent.actor_user_id)
        .outerjoin(ApiKey, ApiKey.api_key_id == CaseEvent.actor_api_key_id)
        .where(CaseEvent.case_id == case_id)
        .order_by(CaseEvent.case_event_id)
    )
    return list(session.execute(statement))


def newest_event_id(session: Session) -> int:
    """The id of the newest event committed, 0 without any."""
    return int(session.scalar(select(func.coalesce(func.max(CaseEvent.case_event_id), 0))) or 0)


def event_ids_after(session: Session, *, after: int, limit: int) -> list[int]:
    """The ids of the events after `after`, of every case, in order (to find where one is
    missing: still being written by a transaction that has not committed)."""
    statement = (
        select(CaseEvent.case_event_id)
        .where(CaseEvent.case_event_id > after)
        .order_by(CaseEvent.case_event_id)
        .limit(limit)
    )
    return list(session.scalars(statement))


def visible_events(
    session: Session, *, visibility: Visibility, after: int, upto: int
) -> list[CaseEvent]:
    """The events in (after, upto] of the cases the caller sees, in order."""
    statement = (
        select(CaseEvent)
        .join(GridCase, GridCase.case_id == CaseEvent.case_id)
        .where(
            CaseEvent.case_event_id > after,
            CaseEvent.case_event_id <= upto,
            _visible(visibility),
        )
        .order_by(CaseEvent.case_event_id)
    )
    return list(session.scalars(statement))


def status_changes(
    session: Session,
    *,
    visibility: Visibility,
    since: datetime,
    until: datetime,
    offset: int,
    limit: int,
) -> list[Row[Any]]:
    """The events that moved a visible case to another status (filing included) in [since,
    until), in time order: event id, case id, action, the status it led to, when, a rejection's
    reason, the case's status now and, for a handling report, its newest after-photo by then."""
    after_photo = (
        select(CasePhoto.case_photo_id)
        .where(
            CasePhoto.case_id == CaseEvent.case_id,
            CasePhoto.step == "after",
            CasePhoto.created_at <= CaseEvent.occurred_at,
        )
        .order_by(CasePhoto.created_at.desc(), CasePhoto.case_photo_id.desc())
        .limit(1)
        .scalar_subquery()
    )
    statement = (
        select(
            CaseEvent.case_event_id,
            CaseEvent.case_id,
            CaseEvent.action,
            CaseEvent.to_status,
            CaseEvent.occurred_at,
            CaseEvent.payload["reason"].astext.label("reason"),
            GridCase.status.label("case_status"),
            case((CaseEvent.action == "report_handled", after_photo)).label("after_photo_id"),
        )
        .join(GridCase, GridCase.case_id == CaseEvent.case_id)
        .where(
            _visible(visibility),
            CaseEvent.from_status.is_distinct_from(CaseEvent.to_status),
            CaseEvent.occurred_at >= since,
            CaseEvent.occurred_at < until,
        )
        # In time order, by the index on the time (event ids follow the time of each case only).
        .order_by(CaseEvent.occurred_at, CaseEvent.case_event_id)
        .offset(offset)
        .limit(limit)
    )
    return list(session.execute(statement))


# ----------------------------------------------------------------------------- requesters


def add_requester(session: Session, *, case_id: int, values: dict[str, Any], at: datetime) -> None:
    session.execute(insert(CaseRequester).values(case_id=case_id, created_at=at, **values))


# ----------------------------------------------------------------------------- offices


def offices_by_code(session: Session, codes: Collection[str]) -> dict[str, Office]:
    statement = select(Office).where(Office.code.in_(sorted(set(codes))))
    return {office.code: office for office in session.scalars(statement)}


def lead_office_id(session: Session, *, case_id: int) -> int | None:
    statement = select(CaseOffice.office_id).where(
        CaseOffice.case_id == case_id,
        CaseOffice.role == "lead",
        CaseOffice.released_at.is_(None),
    )
    return session.scalar(statement)


def add_case_offices(
    session: Session, *, case_id: int, offices: Sequence[tuple[int, str]], at: datetime
) -> None:
    session.add_all(
        CaseOffice(case_id=case_id, office_id=office_id, role=role, assigned_at=at)
        for office_id, role in offices
    )
    session.flush()


def release_case_offices(session: Session, *, case_id: int, at: datetime) -> None:
    session.execute(
        update(CaseOffice)
        .where(CaseOffice.case_id == case_id, CaseOffice.released_at.is_(None))
        .values(released_at=at)
    )


# ----------------------------------------------------------------------------- suspensions


def start_suspension(session: Session, *, case_id: int, at: datetime) -> None:
    session.add(CaseSuspension(case_id=case_id, started_at=at))
    session.flush()


def end_suspension(session: Session, *, case_id: int, at: datetime) -> CaseSuspension | None:
    """Close the open suspension of a case; it, or None when there is none."""
    statement = select(CaseSuspension).where(
        CaseSuspension.case_id == case_id, CaseSuspension.ended_at.is_(None)
    )
    suspension = session.scalars(statement).one_or_none()
    if suspension is not None:
        suspension.ended_at = at
        session.flush()
    return suspension


# ----------------------------------------------------------------------------- photos


def photo_count(session: Session, *, case_id: int, step: str, round_: int) -> int:
    statement = select(func.count()).where(
        CasePhoto.case_id == case_id, CasePhoto.step == step, CasePhoto.round == round_
    )
    return int(session.scalar(statement) or 0)


def add_photo(session: Session, photo: CasePhoto) -> CasePhoto:
    session.add(photo)
    session.flush()
    return photo


# Built once, the cases as one array: a page of a thousand cases is one parameter.
FIRST_PHOTO_IDS = (
    select(CasePhoto.case_id, func.min(CasePhoto.case_photo_id).label("photo_id"))
    .where(
        CasePhoto.case_id == any_(bindparam("case_ids", type_=ARRAY(Integer))),
        CasePhoto.step == bindparam("step"),
    )
    .group_by(CasePhoto.case_id)
)


def first_photo_ids(session: Session, *, case_ids: Collection[int], step: str) -> list[Row[Any]]:
    """The first photo of a step of each case that has one: (case_id, photo_id)."""
    return list(session.execute(FIRST_PHOTO_IDS, {"case_ids": list(case_ids), "step": step}))


def photos(session: Session, *, case_ids: Collection[int]) -> list[CasePhoto]:
    """The photos of several cases, by case and in the order they were added."""
    statement = (
        select(CasePhoto)
        .where(CasePhoto.case_id.in_(sorted(case_ids)))
        .order_by(CasePhoto.case_id, CasePhoto.case_photo_id)
    )
    return list(session.scalars(statement))


def get_photo(session: Session, *, case_id: int, photo_id: int) -> CasePhoto | None:
    statement = select(CasePhoto).where(
        CasePhoto.case_id == case_id, CasePhoto.case_photo_id == photo_id
    )
    return session.scalars(statement).one_or_none()


# ----------------------------------------------------------------------------- idempotency


def try_lock_key(session: Session, *, owner: str, key: str) -> bool:
    """Take the key's transaction lock, without waiting; False when another request holds it."""
    locked = session.scalar(
        text("SELECT pg_try_advisory_xact_lock(hashtext(:owner || ' ' || :key))"),
        {"owner": owner, "key": key},
    )
    return bool(locked)


def get_key(session: Session, *, owner: str, key: str) -> IdempotencyKey | None:
    return session.get(IdempotencyKey, (owner, key), populate_existing=True)


def save_key(
    session: Session,
    *,
    owner: str,
    key: str,
    fingerprint: str,
    status_code: int,
    body: Any,
    headers: dict[str, str],
    at: datetime,
) -> None:
    """Store a response under its key, replacing an expired one."""
    values = {
        "fingerprint": fingerprint,
        "status_code": status_code,
        "response_body": body,
        "response_headers": headers,
        "created_at": at,
    }
    session.execute(
        insert(IdempotencyKey)
        .values(owner=owner, key=key, **values)
        .on_conflict_do_update(
            index_elements=[IdempotencyKey.owner, IdempotencyKey.key], set_=values
        )
    )


def delete_keys_before(session: Session, *, before: datetime) -> int:
    statement = delete(IdempotencyKey).where(IdempotencyKey.created_at < before)
    return len(session.execute(statement.returning(IdempotencyKey.key)).all())


# ----------------------------------------------------------------------------- overdue (督办)

# The deadlines that run in each status (as `running_due_at`, one by one), missed by :now. A
# case an action holds is skipped (the next sweep sees it); sweepers share their locks, and the
# key of case_overdue lets exactly one of them report each missed deadline.
SWEEP_SQL = text(
    """
WITH due AS (
    SELECT c.case_id, c.district_code, c.status, d.deadline, d.due_at
    FROM grid_case c
    CROSS JOIN LATERAL (VALUES
        ('register', CASE WHEN c.status = 'reported' THEN c.register_due_at END),
        ('dispatch', CASE WHEN c.status = 'registered' THEN c.dispatch_due_at END),
        ('handle', CASE WHEN c.status IN ('dispatched', 'handling') THEN c.handle_due_at END),
        ('verify', CASE WHEN c.status = 'handled' AND c.verification IS NULL
                        THEN c.verify_due_at END),
        ('close', CASE WHEN c.status = 'handled' THEN c.close_due_at END)
    ) AS d (deadline, due_at)
    WHERE c.running_due_at < :now AND d.due_at < :now
    FOR SHARE OF c SKIP LOCKED
),
marked AS (
    INSERT INTO case_overdue (case_id, deadline, due_at, detected_at)
    SELECT case_id, deadline, due_at, :now FROM due
    ON CONFLICT DO NOTHING
    RETURNING case_id, deadline, due_at
)
INSERT INTO case_event
    (case_id, district_code, action, from_status, to_status, actor_role, payload, occurred_at)
SELECT m.case_id, d.district_code, 'overdue', d.status, d.status, 'system',
       jsonb_build_object('deadline', m.deadline, 'due_at', m.due_at), :now
FROM marked m
JOIN due d ON d.case_id = m.case_id AND d.deadline = m.deadline
ORDER BY m.case_id, m.due_at
RETURNING case_id, payload ->> 'deadline' AS deadline
"""
).bindparams(bindparam("now", type_=DateTime(timezone=True)))


def mark_overdue(session: Session, *, now: datetime) -> list[Row[Any]]:
    """Report every running deadline missed by `now` not reported yet: (case_id, deadline)."""
    return list(session.execute(SWEEP_SQL, {"now": now}))


# ----------------------------------------------------------------------------- summons (吹哨)


def add_summons(
    session: Session,
    *,
    case_id: int,
    office_ids: Sequence[int],
    at: datetime,
    arrival_due_at: datetime,
) -> None:
    """Summon the offices; an office summoned to the case again at the same instant (the case
    returned and whistled again within one clock tick) is summoned afresh."""
    statement = insert(CaseSummons).values(
        [
            {
                "case_id": case_id,
                "office_id": office_id,
                "summoned_at": at,
                "arrival_due_at": arrival_due_at,
            }
            for office_id in office_ids
        ]
    )
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["case_id", "office_id", "summoned_at"],
            set_={"arrival_due_at": arrival_due_at, "arrived_at": None, "arrived_by_user_id": None},
        )
    )


def latest_summons(session: Session, *, case_id: int, office_id: int) -> CaseSummons | None:
    """The office's most recent summons to the case."""
    statement = (
        select(CaseSummons)
        .where(CaseSummons.case_id == case_id, CaseSummons.office_id == office_id)
        .order_by(CaseSummons.summoned_at.desc())
        .limit(1)
        .with_for_update()
    )
    return session.scalars(statement).one_or_none()


def mark_arrived(session: Session, *, case_id: int, office_id: int, at: datetime) -> None:
    """The office's current dispatch row records its arrival too."""
    session.execute(
        update(CaseOffice)
        .where(
            CaseOffice.case_id == case_id,
            CaseOffice.office_id == office_id,
            CaseOffice.released_at.is_(None),
        )
        .values(arrived_at=at)
    )


def summons(session: Session, *, case_id: int) -> list[Row[Any]]:
    """Every summons of a case with its office, oldest first."""
    statement = (
        select(CaseSummons, Office.code.label("office_code"), Office.name.label("office_name"))
        .join(Office, Office.office_id == CaseSummons.office_id)
        .where(CaseSummons.case_id == case_id)
        .order_by(CaseSummons.summoned_at, Office.code)
    )
    return list(session.execute(statement))


# ----------------------------------------------------------------------------- replay check


def histories(session: Session, *, batch: int = 5000) -> Iterator[Row[Any]]:
    """Every case with its status, rework count and event actions in order, by case_id."""
    statement = (
        select(
            GridCase.case_id,
            GridCase.status,
            GridCase.rework_count,
            select(
                func.coalesce(
                    func.array_agg(aggregate_order_by(CaseEvent.action, CaseEvent.case_event_id)),
                    text("'{}'"),
                )
            )
            .where(CaseEvent.case_id == GridCase.case_id)
            .scalar_subquery()
            .label("actions"),
        )
        .order_by(GridCase.case_id)
        .execution_options(yield_per=batch)
    )
    yield from session.execute(statement)
