"""Service requests: filing, reading, updates and public photos, through the services of cases.

A filing is `cases.filing.file_case` with the intake client of the API key (its source becomes
the case's), under the same idempotency keys; a read is `cases.reads` with the public's caller,
which sees the cases of one district. What the public reads is chosen here: never the
requester, never a note, photos only once the case's status allows (`open311_public_photos`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy.orm import Session

from gridloop.auth.models import ApiKey
from gridloop.cases import callers, filing, idempotency, photos, reads
from gridloop.cases.idempotency import StoredResponse
from gridloop.cases.models import OfficeRole, PhotoStep
from gridloop.cases.repository import CaseFilter
from gridloop.cases.schemas import CaseCreate, CaseFiledRead, CaseRead, PointCreate, RequesterCreate
from gridloop.cases.workflow import OPEN_STATUSES, Status
from gridloop.catalog import service as catalog_service
from gridloop.catalog.service import ItemTexts
from gridloop.config import get_settings
from gridloop.errors import BadRequest, NotFound
from gridloop.geo.crs import Crs
from gridloop.localtime import parse_timezone
from gridloop.open311 import catalog, repository
from gridloop.open311.schemas import RequestCreatedRead, RequestRead, RequestUpdateRead, TokenRead
from gridloop.open311.statuses import (
    PUBLIC_PHOTOS_FROM,
    RequestStatus,
    extended_status,
    request_status,
    status_note,
    update_note,
)

SPAN = timedelta(days=90)  # the default range, and the longest one asked for
MAX_LIMIT = 1000  # the specification's "first 1000 requests"
MAX_IDS = 100
ONE_TICK = timedelta(microseconds=1)  # `end_date` is the latest time included
STATUS_GROUPS = {
    RequestStatus.OPEN: sorted(OPEN_STATUSES),
    RequestStatus.CLOSED: sorted(set(Status) - OPEN_STATUSES),
}
REQUESTER_FIELDS = ("first_name", "last_name", "email", "phone", "device_id", "account_id")


# ----------------------------------------------------------------------------- jurisdiction


@dataclass(frozen=True)
class Jurisdiction:
    """The district a request is for, and whether it is the only one served."""

    code: str
    alone: bool

    def reader(self) -> callers.Caller:
        """The public reading this district's cases: when it is the only district, its cases
        are every case, and the queries need no filter for it."""
        return callers.public_reader(None if self.alone else self.code)


def jurisdiction(session: Session, jurisdiction_id: str | None) -> Jurisdiction:
    """The district a request is for: `jurisdiction_id` (a district code), which may be left
    out while the server serves one district only."""
    codes = repository.district_codes(session)
    if jurisdiction_id:
        if jurisdiction_id not in codes:
            raise NotFound(
                f"jurisdiction_id {jurisdiction_id} 不存在，本服务的辖区：{'、'.join(codes)} / "
                f"jurisdiction_id {jurisdiction_id} not found; served: {', '.join(codes)}"
            )
        return Jurisdiction(jurisdiction_id, alone=len(codes) == 1)
    if len(codes) == 1:
        return Jurisdiction(codes[0], alone=True)
    if not codes:
        raise NotFound("尚未导入任何辖区 / no jurisdiction has been imported yet")
    raise BadRequest(
        f"须提供 jurisdiction_id（{'、'.join(codes)}） / jurisdiction_id was not provided: one of "
        f"{', '.join(codes)}"
    )


# ----------------------------------------------------------------------------- parsing


def _given(value: str | None) -> str | None:
    """A parameter sent empty counts as not sent (the specification's optional arguments)."""
    return value if value else None


def _listed(values: Sequence[str] | None) -> list[str]:
    """A parameter that may repeat and may list values with commas."""
    return [part.strip() for value in values or () for part in value.split(",") if part.strip()]


def _integer(name: str, text: str, *, least: int, most: int) -> int:
    if not text.isascii() or not text.isdigit() or not least <= int(text) <= most:
        raise BadRequest(
            f"{name} 须为 {least}–{most} 的整数 / {name} must be a whole number from {least} to "
            f"{most}: {text!r}"
        )
    return int(text)


def _number(name: str, text: str, *, least: float, most: float) -> float:
    try:
        number = float(text)
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or not least <= number <= most:
        raise BadRequest(
            f"{name} 须为 {least} 到 {most} 之间的数 / {name} must be a number from {least} to "
            f"{most}: {text!r}"
        )
    return number


def _moment(name: str, text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None or "T" not in text.upper():
        raise BadRequest(
            f"{name} 须为带时区的 W3C 时间，如 2026-03-01T00:00:00+08:00 / {name} must be a W3C "
            f"datetime with its UTC offset, e.g. 2026-03-01T00:00:00Z: {text!r}"
        )
    return moment


@dataclass(frozen=True)
class Window:
    """[start, end] of `start_date`/`end_date`: 90 days up to now by default, never longer."""

    start: datetime
    end: datetime

    @classmethod
    def parse(cls, start_date: str | None, end_date: str | None, *, now: datetime) -> Window:
        start = None if not _given(start_date) else _moment("start_date", start_date or "")
        end = None if not _given(end_date) else _moment("end_date", end_date or "")
        if start is None and end is None:
            end = now
        if start is None:
            assert end is not None
            start = end - SPAN
        if end is None:
            end = min(start + SPAN, max(now, start))
        if end < start:
            raise BadRequest("end_date 早于 start_date / end_date is before start_date")
        if end - start > SPAN:
            raise BadRequest(
                "start_date 到 end_date 不得超过 90 天 / start_date to end_date may not span more "
                "than 90 days"
            )
        return cls(start, end)


@dataclass(frozen=True)
class Page:
    """`limit` and `offset` (the common extension), `limit` at most 1000."""

    offset: int
    limit: int

    @classmethod
    def parse(cls, limit: str | None, offset: str | None) -> Page:
        return cls(
            offset=0
            if not _given(offset)
            else _integer("offset", offset or "", least=0, most=10**6),
            limit=MAX_LIMIT
            if not _given(limit)
            else _integer("limit", limit or "", least=1, most=MAX_LIMIT),
        )


@dataclass(frozen=True)
class RequestQuery:
    """GET requests: by ids (which override everything else), or by services, time, status
    and box; newest first."""

    ids: list[int]
    service_codes: list[str]
    window: Window
    statuses: list[RequestStatus]
    bbox: tuple[float, float, float, float] | None
    page: Page

    @classmethod
    def parse(
        cls,
        *,
        service_request_id: Sequence[str] | None,
        service_code: Sequence[str] | None,
        start_date: str | None,
        end_date: str | None,
        status: Sequence[str] | None,
        bbox: str | None,
        limit: str | None,
        offset: str | None,
        now: datetime,
    ) -> RequestQuery:
        ids = [
            _integer("service_request_id", text, least=1, most=2**31 - 1)
            for text in _listed(service_request_id)
        ]
        if len(ids) > MAX_IDS:
            raise BadRequest(
                f"service_request_id 最多 {MAX_IDS} 个 / at most {MAX_IDS} service_request_id"
            )
        statuses = []
        for text in _listed(status):
            if text not in RequestStatus.__members__.values():
                raise BadRequest(f"status 须为 open 或 closed / status is open or closed: {text!r}")
            statuses.append(RequestStatus(text))
        return cls(
            ids=ids,
            service_codes=_listed(service_code),
            window=Window.parse(start_date, end_date, now=now),
            statuses=statuses,
            bbox=None if not _given(bbox) else _bbox(bbox or ""),
            page=Page.parse(limit, offset),
        )

    def where(self, now: datetime) -> CaseFilter:
        if self.ids:
            return CaseFilter(now=now, case_ids=self.ids)
        return CaseFilter(
            now=now,
            statuses=None
            if not self.statuses
            else [status.value for group in self.statuses for status in STATUS_GROUPS[group]],
            item_codes=self.service_codes or None,
            reported_from=self.window.start,
            reported_to=self.window.end + ONE_TICK,
            bbox=self.bbox,
        )


def _bbox(text: str) -> tuple[float, float, float, float]:
    parts = text.split(",")
    if len(parts) != 4:
        raise BadRequest(
            "bbox 须为 west,south,east,north 四个数 / bbox is west,south,east,north in WGS-84"
        )
    west, east = (_number("bbox", parts[i], least=-180, most=180) for i in (0, 2))
    south, north = (_number("bbox", parts[i], least=-90, most=90) for i in (1, 3))
    if west > east or south > north:
        raise BadRequest("bbox 须西≤东、南≤北 / bbox needs west ≤ east and south ≤ north")
    return west, south, east, north


# ----------------------------------------------------------------------------- filing


@dataclass(frozen=True)
class RequestForm:
    """The fields of POST requests, as sent (form values are text)."""

    fields: Mapping[str, list[str]]

    def one(self, name: str) -> str | None:
        values = self.fields.get(name) or []
        if len(values) > 1:
            raise BadRequest(f"{name} 只能给一个值 / {name} takes one value")
        return _given(values[0]) if values else None

    def attributes(self) -> dict[str, list[str]]:
        """`attribute[code]=v` and `attribute[code][]=v`, by code."""
        found: dict[str, list[str]] = {}
        for name, values in self.fields.items():
            if name.startswith("attribute[") and name.endswith("]"):
                code = name.removeprefix("attribute[").removesuffix("[]").removesuffix("]")
                found.setdefault(code, []).extend(values)
        return found


def file_request(
    session: Session,
    *,
    client: ApiKey,
    form: RequestForm,
    idempotency_key: str | None,
    now: datetime,
) -> RequestCreatedRead:
    """File a service request as the intake client of its API key: the same filing, scope,
    coverage check, duplicate search and idempotency as `POST /cases`. The point decides the
    jurisdiction; a `jurisdiction_id` given must be the point's."""
    given = form.one("jurisdiction_id")
    district_code = None if given is None else jurisdiction(session, given).code
    code = form.one("service_code")
    if code is None:
        raise BadRequest("缺少 service_code / service_code was not provided")
    item = catalog.offered_item(session, code=code)
    body = _case_create(session, form, item)
    caller = callers.caller_for_client(client)

    def run() -> StoredResponse:
        filed = filing.file_case(session, caller=caller, body=body, now=now)
        if district_code is not None and filed.district_code != district_code:
            raise BadRequest(
                f"该点不在辖区 {district_code} 内 / the point lies outside jurisdiction "
                f"{district_code}"
            )
        created = RequestCreatedRead(
            service_request_id=filed.case_id,
            service_notice=_filing_notice(item, filed),
            account_id=None,
        )
        return StoredResponse(201, created.model_dump(mode="json"), {})

    stored = idempotency.run_once(
        session,
        caller=caller,
        key=idempotency_key,
        fingerprint=lambda: idempotency.fingerprint(
            "POST", "/open311/v2/requests", body.model_dump(mode="json")
        ),
        now=now,
        run=run,
    )
    return RequestCreatedRead.model_validate(stored.body)


def _case_create(session: Session, form: RequestForm, item: ItemTexts) -> CaseCreate:
    lat, lon = form.one("lat"), form.one("long")
    if lat is None or lon is None:
        if form.one("address_string") or form.one("address_id"):
            raise BadRequest(
                "本区不提供地址查询，请给出 lat 和 long / this jurisdiction has no address "
                "lookup: send lat and long (WGS-84)"
            )
        raise BadRequest("缺少位置：须给出 lat 和 long / no location: send lat and long (WGS-84)")
    given = form.attributes()
    attributes = catalog.parse_attributes(session, code=item.code, given=given) if given else {}
    requester = {name: form.one(name) for name in REQUESTER_FIELDS}
    media_url = form.one("media_url")
    try:
        return CaseCreate(
            point=PointCreate(
                lon=_number("long", lon, least=-180, most=180),
                lat=_number("lat", lat, least=-90, most=90),
                crs=Crs.WGS84,
            ),
            item_code=item.code,
            description=form.one("description") or item.name,
            address=form.one("address_string"),
            attributes=attributes,
            requester=RequesterCreate(**requester, media_url=media_url)
            if any(requester.values()) or media_url
            else None,
        )
    except ValidationError as error:
        raise BadRequest(_invalid(error)) from None


def _invalid(error: ValidationError) -> str:
    """What was wrong with the fields, named as Open311 names them."""
    names = {"point": "", "address": "address_string", "requester": ""}
    parts = []
    for problem in error.errors():
        location = [str(names.get(str(part), part)) for part in problem["loc"]]
        field_name = ".".join(part for part in location if part) or "request"
        parts.append(f"{field_name}: {problem['msg']}")
    return f"请求字段无效 / invalid fields: {'; '.join(parts)}"


def _filing_notice(item: ItemTexts, filed: CaseFiledRead) -> str:
    notice = f"结案标准：{item.closing_standard}"
    nearby = [str(candidate.case_id) for candidate in filed.duplicate_candidates]
    if nearby:
        notice += (
            f"；附近 24 小时内已有同类案件 {len(nearby)} 件（{'、'.join(nearby)}） / "
            f"{len(nearby)} open case(s) of this service nearby: {', '.join(nearby)}"
        )
    return notice


# ----------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class Links:
    """The public links of this server (the request's own base URL)."""

    base_url: str

    def media(self, case_id: int, photo_id: int) -> str:
        return f"{self.base_url}open311/v2/requests/{case_id}/media/{photo_id}"


def list_requests(
    session: Session, *, district: Jurisdiction, query: RequestQuery, links: Links, now: datetime
) -> list[RequestRead]:
    """The district's requests matching the query, newest first, as the public sees them."""
    page = Page(0, len(query.ids)) if query.ids else query.page
    cases = reads.case_list(
        session,
        caller=district.reader(),
        where=query.where(now),
        offset=page.offset,
        limit=page.limit,
        now=now,
    )
    return _request_reads(session, cases, links)


def get_request(
    session: Session, *, district: Jurisdiction, request_id: int, links: Links, now: datetime
) -> RequestRead:
    """One request of the district; NotFound if it has none of that id."""
    return _request_reads(session, [_case(session, district, request_id, now)], links)[0]


def token(session: Session, *, district: Jurisdiction, token: str, now: datetime) -> TokenRead:
    """Filing is synchronous: a token is the request's own id."""
    if not token.isascii() or not token.isdigit() or not 1 <= int(token) < 2**31:
        raise NotFound(f"token {token} 不存在 / token {token} not found")
    case = _case(session, district, int(token), now)
    return TokenRead(service_request_id=case.case_id, token=token)


def _case(session: Session, district: Jurisdiction, case_id: int, now: datetime) -> CaseRead:
    found = reads.case_list(
        session,
        caller=district.reader(),
        where=CaseFilter(now=now, case_ids=[case_id]),
        offset=0,
        limit=1,
        now=now,
    )
    if not found:
        raise NotFound(
            f"service_request_id {case_id} 不存在 / service_request_id {case_id} not found"
        )
    return found[0]


def _public_photos() -> frozenset[Status]:
    return PUBLIC_PHOTOS_FROM[get_settings().open311_public_photos]


def _request_reads(session: Session, cases: list[CaseRead], links: Links) -> list[RequestRead]:
    items = catalog_service.item_texts(session, codes={case.item_code or "" for case in cases})
    public = _public_photos()
    shown = photos.first_photo_ids(
        session,
        case_ids=[case.case_id for case in cases if case.status in public],
        step=PhotoStep.BEFORE,
    )
    return [
        _request_read(
            case,
            items.get(case.item_code or ""),
            None if case.case_id not in shown else links.media(case.case_id, shown[case.case_id]),
        )
        for case in cases
    ]


def _request_read(case: CaseRead, item: ItemTexts | None, media_url: str | None) -> RequestRead:
    lead = next((office for office in case.offices if office.role is OfficeRole.LEAD), None)
    return RequestRead(
        service_request_id=case.case_id,
        status=request_status(case.status),
        status_notes=status_note(case.status, case.rejection_reason),
        service_name=None if item is None else item.name,
        service_code=case.item_code,
        description=case.description,
        agency_responsible=None if lead is None else lead.office_name,
        service_notice=None if item is None else f"结案标准：{item.closing_standard}",
        requested_datetime=case.reported_at,
        updated_datetime=case.closed_at or case.updated_at,
        expected_datetime=case.running_due_at,
        address=case.address,
        address_id=None,
        zipcode=None,
        lat=case.point.lat,
        long=case.point.lon,
        media_url=media_url,
    )


def updates(
    session: Session,
    *,
    district: Jurisdiction,
    window: Window,
    page: Page,
    links: Links,
) -> list[RequestUpdateRead]:
    """One update per status change of the district's cases in the window, in order."""
    changes = reads.status_changes(
        session,
        caller=district.reader(),
        since=window.start,
        until=window.end + ONE_TICK,
        offset=page.offset,
        limit=page.limit,
    )
    public = _public_photos()
    zone = parse_timezone(get_settings().timezone)
    return [
        RequestUpdateRead(
            update_id=change.event_id,
            service_request_id=change.case_id,
            status=extended_status(change.status, change.reason),
            updated_datetime=change.occurred_at.astimezone(zone),
            description=update_note(change.action, change.status, change.reason),
            media_url=links.media(change.case_id, change.after_photo_id)
            if change.after_photo_id is not None and change.case_status in public
            else None,
        )
        for change in changes
    ]


# ----------------------------------------------------------------------------- photos


def media(
    session: Session, *, district: Jurisdiction, case_id: int, photo_id: int, now: datetime
) -> tuple[Path, str]:
    """A before- or after-photo of a request whose photos are public: its file and type."""
    case = _case(session, district, case_id, now)
    public = case.status in _public_photos()
    caller = district.reader()
    shown = {
        photo.photo_id
        for photo in photos.case_photos(session, caller=caller, case_id=case_id)
        if photo.step in (PhotoStep.BEFORE, PhotoStep.AFTER)
    }
    if not public or photo_id not in shown:
        raise NotFound(f"照片 {photo_id} 不存在或未公开 / photo {photo_id} not found")
    return photos.photo_file(session, caller=caller, case_id=case_id, photo_id=photo_id)
