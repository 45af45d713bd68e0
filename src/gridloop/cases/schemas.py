"""API shapes of cases: filing, one body per action, reads, queues, events and photos."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from gridloop.cases.models import (
    OfficeRole,
    PhotoStep,
    Queue,
    RejectReason,
    Satisfaction,
    Source,
)
from gridloop.cases.workflow import Action, Actor, Pending, Status, Verification
from gridloop.catalog.models import Tier
from gridloop.catalog.schemas import ItemCode
from gridloop.config import get_settings
from gridloop.geo.crs import Crs
from gridloop.geo.schemas import GridPlaces, Point
from gridloop.localtime import parse_timezone
from gridloop.routing.schemas import AttributeKey, AttributeValue
from gridloop.strict import IsoDateTime, JsonBool, QueryBool

# Control characters (NUL above all) cannot be stored in PostgreSQL text; texts may break lines.
_ONE_LINE = r"^[^\x00-\x1f\x7f]*$"
_TEXT = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
MAX_ID = 2**31 - 1

CaseId = Annotated[int, Field(ge=1, le=MAX_ID)]
Note = Annotated[str, Field(min_length=1, max_length=2000, pattern=_TEXT)]
OfficeCode = Annotated[
    str, Field(max_length=32, pattern=r"^[a-z0-9][a-z0-9_-]*$", examples=["310105001-chengguan"])
]
StreetCode = Annotated[str, Field(pattern=r"^[0-9]{9}$", examples=["310105001"])]
CommunityCode = Annotated[str, Field(pattern=r"^[0-9]{12}$", examples=["310105001001"])]
UnitGridCode = Annotated[str, Field(pattern=r"^[0-9]{15}$", examples=["310105001001001"])]
ResponsibilityGridCode = Annotated[str, Field(pattern=r"^[0-9]{11}$", examples=["31010500101"])]
Attributes = Annotated[dict[AttributeKey, AttributeValue], Field(max_length=50)]
# How many of a unit grid's open cases its summary lists.
GRID_CASES = 20


def _local(moment: datetime) -> datetime:
    return moment.astimezone(parse_timezone(get_settings().timezone))


# A time as people here read it: in the zone of the working hours (Asia/Shanghai).
LocalTime = Annotated[datetime, AfterValidator(_local)]


# ----------------------------------------------------------------------------- filing


class PointCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lon: float = Field(ge=-180, le=180, description="longitude in `crs`")
    lat: float = Field(ge=-90, le=90, description="latitude in `crs`")
    crs: Crs = Field(description="wgs84 (GPS), gcj02 (AMap, Tencent) or bd09 (Baidu)")


PersonName = Annotated[str, Field(min_length=1, max_length=100, pattern=_ONE_LINE)]
Identifier = Annotated[str, Field(min_length=1, max_length=200, pattern=_ONE_LINE)]
_NO_SPACE = r"[^@\x00-\x20\x7f]+"


class RequesterCreate(BaseModel):
    """Whom an intake client files for (the 12345 caller, an app's user): their contact, for the
    follow-up visit (回访). Personal data: the street's dispatchers and auditors see it in the
    case; the public (Open311) never does."""

    model_config = ConfigDict(extra="forbid")

    first_name: PersonName | None = None
    last_name: PersonName | None = None
    email: Annotated[str, Field(max_length=254, pattern=f"^{_NO_SPACE}@{_NO_SPACE}$")] | None = None
    phone: Annotated[str, Field(pattern=r"^[0-9+()# -]{3,32}$")] | None = None
    device_id: Identifier | None = None
    account_id: Identifier | None = None
    media_url: (
        Annotated[str, Field(max_length=2000, pattern=r"^https?://[^\x00-\x20\x7f]+$")] | None
    ) = Field(default=None, description="a link to the requester's photo elsewhere (not fetched)")


class RequesterRead(RequesterCreate):
    pass


class CaseCreate(BaseModel):
    """A report. Photos follow with `POST /cases/{case_id}/photos?step=before`."""

    model_config = ConfigDict(extra="forbid")

    point: PointCreate
    item_code: ItemCode | None = Field(
        default=None, description="the reporter's guess; required of inspectors"
    )
    description: Annotated[str, Field(min_length=1, max_length=2000, pattern=_TEXT)]
    address: Annotated[str, Field(max_length=200, pattern=_ONE_LINE)] | None = None
    source: Source | None = Field(
        default=None,
        description="inspectors: inspector (default), video or self_found; an intake client's "
        "source is that of its API key",
    )
    attributes: Attributes = Field(default_factory=dict)
    requester: RequesterCreate | None = Field(
        default=None, description="intake clients only: whom the report is filed for"
    )


# ----------------------------------------------------------------------------- action bodies


class ActionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RegisterBody(ActionBody):
    item_code: ItemCode | None = Field(
        default=None, description="the item; required when the report has none"
    )
    tier: Tier | None = Field(default=None, description="the item's tier when not given")
    note: Note | None = None


class RejectBody(ActionBody):
    reason: RejectReason
    duplicate_of: CaseId | None = Field(default=None, description="required for `duplicate`")
    note: Note | None = None

    @model_validator(mode="after")
    def _duplicate_names_its_case(self) -> RejectBody:
        if (self.reason is RejectReason.DUPLICATE) != (self.duplicate_of is not None):
            raise ValueError("duplicate_of is given exactly when the reason is duplicate")
        return self


class DispatchBody(ActionBody):
    """Without offices, routing decides; naming offices overrides it and needs a reason."""

    office_code: OfficeCode | None = Field(default=None, description="override the lead office")
    assist_office_codes: Annotated[list[OfficeCode], Field(max_length=20)] | None = Field(
        default=None, description="override the assisting offices"
    )
    override_reason: Note | None = None
    note: Note | None = None

    @model_validator(mode="after")
    def _override_has_a_reason(self) -> DispatchBody:
        overrides = self.office_code is not None or self.assist_office_codes is not None
        if overrides and self.override_reason is None:
            raise ValueError("override_reason is required when offices are named")
        if not overrides and self.override_reason is not None:
            raise ValueError("override_reason goes with office_code or assist_office_codes")
        return self


class NoteBody(ActionBody):
    note: Note | None = None


class ReasonBody(ActionBody):
    reason: Note


class ExtensionRequestBody(ActionBody):
    until: IsoDateTime = Field(description="the handling deadline asked for")
    reason: Note


class ExtensionApprovalBody(ActionBody):
    until: IsoDateTime | None = Field(
        default=None, description="the new handling deadline; the one asked for when not given"
    )
    note: Note | None = None


class ReportHandledBody(ActionBody):
    result: Note = Field(description="what was done (处置结果)")


class VerifyBody(ActionBody):
    passed: JsonBool = Field(description="核查通过 / the problem is solved")
    note: Note | None = None


class EvaluateBody(ActionBody):
    """考核: the reporter's verdict, or an auditor's record of a follow-up visit (回访)."""

    satisfaction: Satisfaction
    comment: Note | None = None
    contacted: JsonBool = Field(default=True, description="回访: the office contacted the reporter")
    solved: JsonBool = Field(default=True, description="回访: the reporter says it is solved")


# ----------------------------------------------------------------------------- reads


class InputPointRead(Point):
    crs: Crs


class CaseOfficeRead(BaseModel):
    office_code: str
    office_name: str
    role: OfficeRole
    assigned_at: LocalTime
    arrived_at: LocalTime | None


class CaseRead(BaseModel):
    case_id: int
    status: Status
    item_code: str | None
    tier: Tier | None
    source: Source
    description: str
    address: str | None
    attributes: dict[str, Any]
    point: Point = Field(description="WGS-84")
    input: InputPointRead = Field(description="the point as it was sent")
    district_code: str
    street_code: str
    community_code: str
    unit_grid_code: str
    responsibility_grid_code: str | None
    reported_at: LocalTime
    registered_at: LocalTime | None
    dispatched_at: LocalTime | None
    accepted_at: LocalTime | None
    handled_at: LocalTime | None
    closed_at: LocalTime | None
    updated_at: LocalTime = Field(description="when the case last changed")
    register_due_at: LocalTime | None = Field(description="立案 deadline")
    dispatch_due_at: LocalTime | None = Field(description="派遣 deadline")
    handle_due_at: LocalTime | None = Field(description="处置 deadline")
    verify_due_at: LocalTime | None = Field(description="核查 deadline")
    close_due_at: LocalTime | None = Field(description="结案 deadline")
    running_due_at: LocalTime | None = Field(description="the deadline of the current step")
    overdue: bool = Field(description="the deadline of the current step has passed")
    pending_request: Pending | None
    requested_due_at: LocalTime | None = Field(description="asked for by a pending extension")
    verification: Verification | None = Field(description="核查 of the current round")
    rework_count: int
    rejection_reason: RejectReason | None
    duplicate_of: int | None
    satisfaction: Satisfaction | None
    offices: list[CaseOfficeRead] = Field(description="the offices it is dispatched to now")
    version: int = Field(description="the ETag's version; send the ETag as If-Match to act")


class CaseDetailRead(CaseRead):
    allowed_actions: list[Action] = Field(
        description="the actions the caller may take on the case now, from the workflow table, "
        "the case's status and facts (a pending request, the verification) and the caller's "
        "role and office; a client shows these as its buttons and keeps no copy of the rules. "
        "`report_handled` and `verify` are offered before their photos are uploaded: they are "
        "refused (409) only if sent without them"
    )
    requester: RequesterRead | None = Field(
        description="whom an intake client filed the case for, for the follow-up visit (回访): "
        "shown to the street's dispatchers and to auditors only, null for everyone else"
    )


class DuplicateCandidate(BaseModel):
    case_id: int
    status: Status
    item_code: str | None
    description: str
    reported_at: LocalTime
    distance_m: float


class DuplicateQuery(PointCreate):
    """Where a report would be filed and what it is about, to see its duplicates first."""

    item_code: ItemCode | None = Field(
        default=None, description="the item it would name; any item when not given"
    )


class CaseFiledRead(CaseRead):
    duplicate_candidates: list[DuplicateCandidate] = Field(
        description="open cases of the same item within 50 m and 24 h; nothing is merged"
    )


class VerificationFilter(StrEnum):
    NONE = "none"
    PASSED = Verification.PASSED.value
    FAILED = Verification.FAILED.value


class CasePage(BaseModel):
    items: list[CaseRead]
    next_after: int | None = Field(description="pass as `after` for the next page")


class CaseFilters(BaseModel):
    """Filters of the case queue; every filter given must hold."""

    status: list[Status] | None = None
    street_code: StreetCode | None = None
    community_code: CommunityCode | None = None
    unit_grid_code: UnitGridCode | None = None
    responsibility_grid_code: ResponsibilityGridCode | None = None
    office_code: OfficeCode | None = Field(default=None, description="dispatched to this office")
    item_code: ItemCode | None = None
    source: Source | None = None
    verification: VerificationFilter | None = Field(
        default=None,
        description="核查 of the current round: `none` (not verified yet, as 待核查 needs with "
        "status=handled), `passed` or `failed`",
    )
    overdue: QueryBool | None = Field(
        default=None, description="the current step's deadline passed"
    )
    reported_from: IsoDateTime | None = None
    reported_to: IsoDateTime | None = Field(default=None, description="exclusive")
    bbox: (
        Annotated[
            str,
            Field(
                pattern=r"^\s*-?[0-9.]+\s*,\s*-?[0-9.]+\s*,\s*-?[0-9.]+\s*,\s*-?[0-9.]+\s*$",
                description="west,south,east,north in WGS-84",
                examples=["121.40,31.20,121.42,31.22"],
            ),
        ]
        | None
    ) = None


class CaseSort(StrEnum):
    """The order of a queue page: a field, descending with a leading `-`; then by case_id."""

    NEWEST = "-case_id"
    OLDEST = "case_id"
    REPORTED_LAST = "-reported_at"
    REPORTED_FIRST = "reported_at"
    DEADLINE_LAST = "-running_due_at"
    DEADLINE_FIRST = "running_due_at"


QUEUE_DESCRIPTION = (
    "a work queue of the street center: to_register 待立案 (reported), to_dispatch 待派遣 "
    "(registered), to_approve 待审批 (an extension or suspension request waits), to_close 待结案 "
    "(handled and verified: passed, to close; failed, to send back for rework), overdue 超期 "
    "(the current step's deadline passed), "
    "returned 被退回 (registered again after an office returned it); an office's: to_accept 待接单 "
    "(dispatched, waiting for the lead office to accept), handling 处置中, to_report_in 待报到 "
    "(an open case whose whistle summoned the office, not arrived yet); for a liaison, their "
    "own office's part of each"
)


class CaseQuery(CaseFilters):
    """Filters of the case queue (every one given must hold), its order and its page."""

    queue: Queue | None = Field(default=None, description=QUEUE_DESCRIPTION)
    sort: CaseSort = Field(
        default=CaseSort.NEWEST,
        description="running_due_at: the current step's deadline; cases without one come after "
        "every deadline",
    )
    after: CaseId | None = Field(
        default=None, description="case_id of the last case of the page before, to go on after"
    )
    limit: int = Field(default=50, ge=1, le=500)
    format: Annotated[str, Field(pattern="^(json|geojson)$")] = Field(
        default="json", description="geojson: the same as `Accept: application/geo+json`"
    )


class InspectorRead(BaseModel):
    user_id: int
    username: str
    display_name: str


class GridSummaryRead(GridPlaces):
    """A unit grid as the map shows it when clicked."""

    inspectors: list[InspectorRead] = Field(
        description="the inspectors (监督员) who patrol its responsibility grid"
    )
    open_cases: int = Field(description="open cases in the grid that the caller sees")
    latest_open_cases: list[CaseRead] = Field(
        description=f"the newest {GRID_CASES} of them, newest first; the rest through "
        "`GET /cases?unit_grid_code=`"
    )


class QueueCount(BaseModel):
    queue: Queue = Field(description=QUEUE_DESCRIPTION)
    count: int


class QueueCountsRead(BaseModel):
    queues: list[QueueCount] = Field(description="every queue, in the order a workbench shows them")


class CaseEventRead(BaseModel):
    case_event_id: int
    action: str = Field(description="a workflow action, or `overdue`")
    from_status: Status | None
    to_status: Status
    actor_role: Actor
    actor: str | None = Field(description="username, or the intake client's name")
    payload: dict[str, Any]
    occurred_at: LocalTime


class CasePhotoRead(BaseModel):
    photo_id: int
    step: PhotoStep
    round: int = Field(description="handling round: the rework count when it was taken")
    media_type: str
    byte_size: int
    width: int
    height: int
    sha256: str
    created_at: LocalTime
    url: str


class DuplicateCandidateRead(DuplicateCandidate):
    photos: list[CasePhotoRead] = Field(description="its photos, before-photos first")


# ----------------------------------------------------------------------------- whistle (吹哨报到)

DepartmentType = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=32)]


class WhistleBody(ActionBody):
    """吹哨: summon several offices at once, by code or by department type at the case's point."""

    office_codes: Annotated[list[OfficeCode], Field(min_length=2, max_length=20)] | None = Field(
        default=None, description="the offices summoned (at least two)"
    )
    department_types: Annotated[list[DepartmentType], Field(min_length=1, max_length=20)] | None = (
        Field(
            default=None,
            description="or: departments whose office covering the case's point is summoned",
        )
    )
    lead_office_code: OfficeCode | None = Field(
        default=None, description="the lead office among them; the first one when not given"
    )
    arrival_minutes: int = Field(
        default=30, ge=1, le=24 * 60, description="minutes the offices have to arrive"
    )
    note: Note | None = None

    @model_validator(mode="after")
    def _one_way_to_name_offices(self) -> WhistleBody:
        if (self.office_codes is None) == (self.department_types is None):
            raise ValueError("give exactly one of office_codes and department_types")
        return self


class SummonsRead(BaseModel):
    office_code: str
    office_name: str
    summoned_at: LocalTime
    arrival_due_at: LocalTime = Field(description="报到 deadline")
    arrived_at: LocalTime | None
    late: bool | None = Field(
        description="arrived after the deadline (or not arrived and past it); null while waiting"
    )
    minutes_late: float | None = Field(description="how late, when late")


class WhistleRead(BaseModel):
    case_id: int
    summons: list[SummonsRead] = Field(description="every office summoned, oldest whistle first")


ACTION_BODIES: dict[Action, type[ActionBody]] = {
    Action.REGISTER: RegisterBody,
    Action.REJECT: RejectBody,
    Action.DISPATCH: DispatchBody,
    Action.ACCEPT: NoteBody,
    Action.RETURN: ReasonBody,
    Action.REQUEST_EXTENSION: ExtensionRequestBody,
    Action.APPROVE_EXTENSION: ExtensionApprovalBody,
    Action.DENY_EXTENSION: ReasonBody,
    Action.REQUEST_SUSPENSION: ReasonBody,
    Action.APPROVE_SUSPENSION: NoteBody,
    Action.DENY_SUSPENSION: ReasonBody,
    Action.RESUME: NoteBody,
    Action.REPORT_HANDLED: ReportHandledBody,
    Action.VERIFY: VerifyBody,
    Action.CLOSE: NoteBody,
    Action.REWORK: ReasonBody,
    Action.EVALUATE: EvaluateBody,
    Action.WHISTLE: WhistleBody,
    Action.REPORT_IN: NoteBody,
}
