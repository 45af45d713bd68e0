"""The shapes of `gridloop seed history`: what histories are written for (the database's map,
catalog, offices and people), the rows that come out, and the clock they are written by.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gridloop.cases.models import Source

SWEEP_SECONDS = 60
MINUTE, HOUR, DAY = 60, 3600, 86400

# How often things happen (fractions of the cases that reach the step).
SOURCE_SHARES: dict[Source, float] = {
    Source.INSPECTOR: 0.55,
    Source.HOTLINE_12345: 0.20,
    Source.PUBLIC: 0.08,
    Source.VIDEO: 0.10,
    Source.SELF_FOUND: 0.07,
}
# Random points per unit grid where its cases are reported.
POINTS_PER_GRID = 8


# ----------------------------------------------------------------------------- reference data


@dataclass(frozen=True)
class Point:
    lon: float
    lat: float
    ewkb: str  # hex EWKB, as COPY text takes a geometry
    responsibility_grid_code: str | None
    inspector_id: int | None  # an inspector patrolling that responsibility grid


@dataclass(frozen=True)
class Grid:
    """A unit grid, its points, and the lead office of each department type there."""

    code: str
    community_code: str
    street_code: str
    district_code: str
    points: tuple[Point, ...]
    lead_office: dict[str, int]  # department type → office_id
    offices: tuple[int, ...]  # every office whose jurisdiction covers the grid
    dispatcher_id: int | None  # a dispatcher of the grid's street


@dataclass(frozen=True)
class Item:
    code: str
    name: str
    tier: str
    department_type: str
    register: int  # time limits, in seconds
    dispatch: int
    handle: int
    verify: int


@dataclass(frozen=True)
class World:
    """What the histories are written for: the database's map, catalog, offices and people."""

    grids: tuple[Grid, ...]
    items: tuple[Item, ...]
    office_codes: dict[int, str]
    liaisons: dict[int, int]  # office_id → a liaison of the office
    auditor_id: int
    hotline_key_id: int
    public_key_id: int


@dataclass(frozen=True)
class FirstIds:
    """The first free id of each table with its own key."""

    case: int
    event: int
    office: int
    suspension: int


@dataclass
class Chunk:
    """COPY text of the rows of some cases, table by table, and what they hold."""

    cases: int = 0
    rows: dict[str, list[str]] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)
    events: int = 0
    overdue: int = 0


# The columns each table is written with, in the order of the rows.
COLUMNS: dict[str, tuple[str, ...]] = {
    "grid_case": (
        "case_id",
        "district_code",
        "street_code",
        "community_code",
        "unit_grid_code",
        "responsibility_grid_code",
        "status",
        "item_code",
        "tier",
        "source",
        "description",
        "geom",
        "input_lon",
        "input_lat",
        "input_crs",
        "reported_by_user_id",
        "reported_by_api_key_id",
        "reported_at",
        "registered_at",
        "dispatched_at",
        "accepted_at",
        "handled_at",
        "closed_at",
        "register_due_at",
        "dispatch_due_at",
        "handle_due_at",
        "verify_due_at",
        "close_due_at",
        "pending_request",
        "requested_due_at",
        "verification",
        "rework_count",
        "rejection_reason",
        "duplicate_of_case_id",
        "satisfaction",
        "version",
        "updated_at",
    ),
    "case_event": (
        "case_event_id",
        "case_id",
        "district_code",
        "action",
        "from_status",
        "to_status",
        "actor_role",
        "actor_user_id",
        "actor_api_key_id",
        "payload",
        "occurred_at",
    ),
    "case_office": ("case_office_id", "case_id", "office_id", "role", "assigned_at", "released_at"),
    "case_suspension": ("case_suspension_id", "case_id", "started_at", "ended_at"),
    "case_overdue": ("case_id", "deadline", "due_at", "detected_at"),
}
# Parents first: a reader of the same transaction never sees an event of a missing case.
TABLES = tuple(COLUMNS)


@dataclass(frozen=True)
class Draws:
    """The random draws of one chunk of cases, case by case, as plain lists (fast to index)."""

    reported: list[int]
    grid: list[int]
    point: list[int]
    item: list[int]
    source: list[int]
    chance: list[list[float]]
