"""API shapes of routing: rule sets (the same shape as the YAML seed), explain, coverage."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from geojson_pydantic import Feature, FeatureCollection, MultiPolygon, Polygon
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from gridloop.geo.crs import Crs
from gridloop.geo.schemas import LocateRead
from gridloop.routing.engine import Condition, LeadKind, TraceStepKind
from gridloop.strict import IsoDateTime

# Control characters (NUL above all) cannot be stored in PostgreSQL text or jsonb.
_PRINTABLE = r"^[^\x00-\x1f\x7f]*$"
MAX_RULES = 2000
MAX_PRIORITY = 1_000_000
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)

RuleId = Annotated[
    str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$", examples=["group-renting"])
]
ItemCode = Annotated[str, Field(pattern=r"^[A-Za-z0-9]{1,16}$", examples=["E0509"])]
ItemPrefix = Annotated[str, Field(pattern=r"^[A-Za-z0-9]{1,16}$", examples=["E05"])]
Tier = Literal["A", "B", "C", "D"]
DepartmentType = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,31}$", examples=["fangguan"])]
OfficeCode = Annotated[
    str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,31}$", examples=["310105009-chengguan"])
]
StreetCode = Annotated[str, Field(pattern=r"^[0-9]{9}$", examples=["310105009"])]
UnitGridCode = Annotated[str, Field(pattern=r"^[0-9]{15}$", examples=["310105009001001"])]
ClockTime = Annotated[str, Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$", examples=["22:00"])]
EndClockTime = Annotated[
    str, Field(pattern=r"^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$", examples=["06:00"])
]
AttributeKey = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")]
AttributeValue = (
    bool
    | int
    | Annotated[float, Field(allow_inf_nan=False)]
    | Annotated[str, Field(max_length=200, pattern=_PRINTABLE)]
)
Text = Annotated[str, Field(max_length=500, pattern=_PRINTABLE)]
Area = Annotated[Polygon | MultiPolygon, Field(discriminator="type")]


ItemCodes = Annotated[list[ItemCode], Field(min_length=1, max_length=1000)]
ItemPrefixes = Annotated[list[ItemPrefix], Field(min_length=1, max_length=1000)]
Tiers = Annotated[list[Tier], Field(min_length=1, max_length=4)]
StreetCodes = Annotated[list[StreetCode], Field(min_length=1, max_length=1000)]
UnitGridCodes = Annotated[list[UnitGridCode], Field(min_length=1, max_length=100_000)]
Weekdays = Annotated[list[Annotated[int, Field(ge=1, le=7)]], Field(min_length=1, max_length=7)]


class TimeWindowSpec(BaseModel):
    """Local time (GRIDLOOP_TIMEZONE). `end` before `start` crosses midnight (22:00–06:00);
    `weekdays` (1 = Monday … 7 = Sunday) name the day a window starts on. No times: all day.
    """

    model_config = ConfigDict(extra="forbid")

    start: ClockTime | None = None
    end: EndClockTime | None = None
    weekdays: Weekdays | None = None

    @model_validator(mode="after")
    def _both_times_or_none(self) -> TimeWindowSpec:
        if (self.start is None) != (self.end is None):
            raise ValueError("start and end go together: give both, or neither for the whole day")
        if self.start is not None and self.start == self.end:
            raise ValueError("start equals end: give neither for the whole day")
        if self.start is None and self.weekdays is None:
            raise ValueError("a time window needs start and end, weekdays, or both")
        return self


class RuleConditions(BaseModel):
    """Every condition given must hold; a condition left out does not restrict."""

    model_config = ConfigDict(extra="forbid")

    item_codes: ItemCodes | None = Field(default=None, description="exact codes")
    item_prefixes: ItemPrefixes | None = Field(
        default=None, description="code prefixes, e.g. E05 for every 街面秩序 event"
    )
    tiers: Tiers | None = None
    street_codes: StreetCodes | None = None
    unit_grid_codes: UnitGridCodes | None = None
    area: Area | None = Field(default=None, description="a WGS-84 GeoJSON (Multi)Polygon")
    time_window: TimeWindowSpec | None = None
    attributes: dict[AttributeKey, AttributeValue] | None = Field(
        default=None, max_length=50, description="each attribute must equal the given value"
    )


class RuleOutcome(BaseModel):
    """A lead department (its office covering the point) or one fixed office, and helpers."""

    model_config = ConfigDict(extra="forbid")

    lead_department: DepartmentType | None = None
    lead_office: OfficeCode | None = None
    assist_departments: Annotated[list[DepartmentType], Field(max_length=20)] = []

    @model_validator(mode="after")
    def _one_lead(self) -> RuleOutcome:
        if (self.lead_department is None) == (self.lead_office is None):
            raise ValueError("give exactly one of lead_department and lead_office")
        return self


class RuleCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: RuleId
    priority: int = Field(
        ge=-MAX_PRIORITY,
        le=MAX_PRIORITY,
        description="higher wins; rules of equal priority may not both match the same facts",
    )
    description: Text = ""
    when: RuleConditions = Field(default_factory=RuleConditions)
    then: RuleOutcome


class RuleSetCreate(BaseModel):
    """A whole rule set, as in `seeds/routing/*.yaml`."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Field(min_length=1, max_length=200, pattern=_PRINTABLE)]
    description: Text = ""
    rules: Annotated[
        list[RuleCreate],
        Field(max_length=MAX_RULES, description="may be empty: every item goes to its default"),
    ]


class RuleRead(RuleCreate):
    pass


class RuleSetSummary(BaseModel):
    version: int
    name: str
    description: str
    is_active: bool
    rule_count: int
    content_sha256: str = Field(description="SHA-256 of the canonical JSON of the rule set")
    source: str = Field(examples=["api", "seed:routing/changning.yaml"])
    created_at: datetime
    activated_at: datetime | None
    created_by: str | None = Field(description="username of the admin who saved it")


class RuleSetRead(RuleSetSummary):
    rules: list[RuleRead]


# ----------------------------------------------------------------------------- explain


class ExplainRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lon: float = Field(ge=-180, le=180, description="longitude in `crs`")
    lat: float = Field(ge=-90, le=90, description="latitude in `crs`")
    crs: Crs
    item_code: ItemCode
    at: IsoDateTime | None = Field(
        default=None, description="when (with a UTC offset); now if not given"
    )
    attributes: dict[AttributeKey, AttributeValue] = Field(default_factory=dict, max_length=50)

    @field_validator("at")
    @classmethod
    def _plausible_time(cls, at: datetime | None) -> datetime | None:
        # Far-off years cannot even be converted to Shanghai time (year 10000).
        if at is not None and not EARLIEST <= at <= LATEST:
            raise ValueError("at must lie between 1900 and 2199")
        return at


class RoutedOfficeRead(BaseModel):
    """An office as a routing decision names it (its record is org's `OfficeRead`)."""

    code: str
    name: str
    department_type: str
    department_type_name: str = Field(examples=["城管"])


class LeadRead(BaseModel):
    kind: LeadKind = Field(description="an office, or the street grid center itself")
    department_type: str
    department_type_name: str
    office: RoutedOfficeRead | None = Field(
        description="the office; for the street center, its office when one is on record"
    )
    street_code: str


class RuleCheckRead(BaseModel):
    rule_id: str
    priority: int
    matched: bool
    failed_condition: Condition | None
    reason: str


class TraceStepRead(BaseModel):
    step: TraceStepKind
    message: str
    department_type: str | None
    office_code: str | None


class TraceRead(BaseModel):
    rules: list[RuleCheckRead] = Field(
        description="the rules tried, by priority, until one matched"
    )
    steps: list[TraceStepRead] = Field(description="how the offices were found")
    rules_in_set: int
    rules_skipped_by_item: int = Field(
        description="rules not tried because their item condition excludes this item"
    )


class DecisionRead(BaseModel):
    lead: LeadRead
    assisting: list[RoutedOfficeRead]
    rule_id: str | None = Field(description="the rule that decided; null: the item's default")
    rule_set_version: int | None = Field(description="null when no rule set is active")
    fallback: bool = Field(description="no office of the department covers the point (属地兜底)")
    trace: TraceRead


class ExplainItem(BaseModel):
    code: str
    name: str
    tier: str
    default_department_type: str


class ExplainRead(BaseModel):
    location: LocateRead
    item: ExplainItem
    at: datetime = Field(description="the time used, in the service's zone (GRIDLOOP_TIMEZONE)")
    decision: DecisionRead


# ----------------------------------------------------------------------------- coverage


class CoverageProperties(BaseModel):
    code: str = Field(description="unit grid code")
    street_code: str
    covered_share: float = Field(
        description="share of the grid's area that some office of the department covers (0–1)"
    )


CoverageFeature = Feature[MultiPolygon, CoverageProperties]


class CoverageRead(FeatureCollection[CoverageFeature]):
    """Unit grids where some point has no office of the item's default department."""

    item_code: str
    department_type: str
    department_type_name: str
