"""One case on its way through the closed loop: its columns as the workflow leaves them, and
the COPY rows of its events, with the deadlines the sweeper saw missed on the way.
"""

from __future__ import annotations

from datetime import date

from gridloop.cases.history_model import (
    DAY,
    HOUR,
    LOCAL_OFFSET,
    MINUTE,
    SWEEP_SECONDS,
    FirstIds,
    Grid,
    Item,
    Point,
)
from gridloop.cases.workflow import Actor, Status

NULL = "\\N"
_WORKING = frozenset({Status.DISPATCHED.value, Status.HANDLING.value})
DISPATCHER, LIAISON = Actor.DISPATCHER.value, Actor.LIAISON.value
INSPECTOR, INTAKE = Actor.INSPECTOR.value, Actor.INTAKE_CLIENT.value


class Stamps:
    """Epoch seconds as COPY text (UTC) and as ISO 8601 for payloads, from cached parts."""

    def __init__(self, first: int, last: int) -> None:
        self.base = first // DAY - 1
        epoch = date(1970, 1, 1).toordinal()
        self.dates = [
            date.fromordinal(epoch + day).isoformat() for day in range(self.base, last // DAY + 2)
        ]
        self.times = [
            f"{s // HOUR:02d}:{s // MINUTE % 60:02d}:{s % MINUTE:02d}" for s in range(DAY)
        ]

    def sql(self, t: int) -> str:
        return f"{self.dates[t // DAY - self.base]} {self.times[t % DAY]}+00"

    def local_iso(self, t: int) -> str:
        """As `datetime.isoformat()` of the calendar's zone writes it (`actions.py` payloads)."""
        t += LOCAL_OFFSET
        return f"{self.dates[t // DAY - self.base]}T{self.times[t % DAY]}+08:00"

    def utc_iso(self, t: int) -> str:
        """As PostgreSQL writes a timestamptz into JSON in a UTC session (the sweeper)."""
        return f"{self.dates[t // DAY - self.base]}T{self.times[t % DAY]}+00:00"


class Ledger:
    """The rows the cases of a run write, the next free ids, and the clock they write by."""

    def __init__(
        self, first: FirstIds, *, start: int, end: int, office_codes: dict[int, str]
    ) -> None:
        self.end = end
        self.stamps = Stamps(start - 2 * DAY, end + 800 * DAY)
        self.office_codes = office_codes
        self.event_id = first.event
        self.office_row_id = first.office
        self.suspension_id = first.suspension
        self.events: list[str] = []
        self.overdue: list[str] = []
        self.overdue_count = 0


class Case:
    """One case on its way: its columns as the workflow leaves them, its rows so far."""

    __slots__ = (
        "accepted_at",
        "case_id",
        "close_due",
        "closed_at",
        "dispatch_due",
        "dispatched_at",
        "dispatcher",
        "duplicate_of",
        "flagged",
        "grid",
        "handle_due",
        "handled_at",
        "item",
        "item_code",
        "liaison",
        "offices",
        "original",
        "out",
        "pending",
        "point",
        "prefix",
        "register_due",
        "registered_at",
        "rejection_reason",
        "reported_at",
        "reporter_key",
        "reporter_role",
        "reporter_user",
        "requested_due",
        "rework_count",
        "satisfaction",
        "since",
        "source",
        "status",
        "suspensions",
        "updated",
        "verification",
        "verified_at",
        "verifier",
        "verify_due",
        "version",
    )

    def __init__(self, out: Ledger, case_id: int, grid: Grid, point: Point, item: Item) -> None:
        self.out = out
        self.case_id = case_id
        self.grid, self.point, self.item = grid, point, item
        self.prefix = f"\t{case_id}\t{grid.district_code}\t"
        self.status = NULL
        self.source = ""
        self.reporter_user = self.reporter_key = NULL
        self.reporter_role = self.dispatcher = self.liaison = self.verifier = NULL
        self.reported_at = self.since = self.updated = self.version = self.rework_count = 0
        self.item_code: str | None = None
        self.registered_at: int | None = None
        self.dispatched_at: int | None = None
        self.accepted_at: int | None = None
        self.handled_at: int | None = None
        self.closed_at: int | None = None
        self.verified_at: int | None = None  # the last verification (not a column)
        self.register_due: int | None = None
        self.dispatch_due: int | None = None
        self.handle_due: int | None = None
        self.verify_due: int | None = None
        self.close_due: int | None = None
        self.pending: str | None = None
        self.requested_due: int | None = None
        self.verification: str | None = None
        self.rejection_reason: str | None = None
        self.duplicate_of: int | None = None
        self.original: int | None = None  # what a duplicate would duplicate (not a column)
        self.satisfaction: str | None = None
        self.flagged: list[tuple[str, int]] = []
        self.offices: list[list[int]] = []  # [row id, office_id, assigned_at, released_at or -1]
        self.suspensions: list[list[int]] = []  # [row id, started_at, ended_at or -1]

    def at(self, t: int) -> None:
        """Time moves on to `t`: report what the sweeper saw missed before then."""
        status = self.status
        if status == "reported":
            running: tuple[tuple[str, int | None], ...] = (("register", self.register_due),)
        elif status == "registered":
            running = (("dispatch", self.dispatch_due),)
        elif status in _WORKING:
            running = (("handle", self.handle_due),)
        elif status == "handled":
            running = (("close", self.close_due),)
            if self.verification is None:
                running = (("verify", self.verify_due), *running)
        else:
            return
        missed = []
        for deadline, due in running:
            if due is None or due >= t or (deadline, due) in self.flagged:
                continue
            # The first sweep after the deadline passed while it ran.
            detected = (max(due, self.since) // SWEEP_SECONDS + 1) * SWEEP_SECONDS
            if detected < t:
                missed.append((detected, due, deadline))
        out = self.out
        stamp = out.stamps
        for detected, due, deadline in sorted(missed):
            self.flagged.append((deadline, due))
            seen = stamp.sql(detected)
            out.overdue.append(f"{self.case_id}\t{deadline}\t{stamp.sql(due)}\t{seen}\n")
            payload = f'{{"deadline": "{deadline}", "due_at": "{stamp.utc_iso(due)}"}}'
            out.events.append(
                f"{out.event_id}{self.prefix}overdue\t{status}\t{status}\tsystem\t{NULL}\t{NULL}"
                f"\t{payload}\t{seen}\n"
            )
            out.event_id += 1
            out.overdue_count += 1

    def reach(self, t: int) -> bool:
        """Whether `t` comes before `end`; if so, time moves on to it (see `at`)."""
        if t >= self.out.end:
            return False
        self.at(t)
        return True

    def event(
        self, t: int, action: str, status: str, role: str, user: str, key: str, payload: str
    ) -> None:
        """Append the event of an action taken at `t` (after `at(t)` and the action's step)."""
        out = self.out
        out.events.append(
            f"{out.event_id}{self.prefix}{action}\t{self.status}\t{status}\t{role}\t{user}\t{key}"
            f"\t{payload}\t{out.stamps.sql(t)}\n"
        )
        out.event_id += 1
        self.status = status
        self.since = self.updated = t
        self.version += 1

    def dispatch(self, t: int, office_id: int) -> None:
        out = self.out
        self.at(t)
        self.offices.append([out.office_row_id, office_id, t, -1])
        out.office_row_id += 1
        self.dispatched_at = t
        self.handle_due = t + self.item.handle
        self.close_due = self.handle_due + self.item.verify
        payload = (
            f'{{"lead_office_code": "{out.office_codes[office_id]}", '
            f'"assist_office_codes": [], "override": false, '
            f'"handle_due_at": "{out.stamps.local_iso(self.handle_due)}"}}'
        )
        self.event(t, "dispatch", "dispatched", DISPATCHER, self.dispatcher, NULL, payload)

    def row(self) -> str:
        """The `grid_case` row (COPY text) as the case stands."""
        sql = self.out.stamps.sql
        grid, point, item = self.grid, self.point, self.item

        def at(moment: int | None) -> str:
            return NULL if moment is None else sql(moment)

        return "\t".join(
            (
                str(self.case_id),
                grid.district_code,
                grid.street_code,
                grid.community_code,
                grid.code,
                point.responsibility_grid_code or NULL,
                self.status,
                self.item_code or NULL,
                NULL if self.item_code is None else item.tier,
                self.source,
                item.name,
                point.ewkb,
                repr(point.lon),
                repr(point.lat),
                "wgs84",
                self.reporter_user,
                self.reporter_key,
                sql(self.reported_at),
                at(self.registered_at),
                at(self.dispatched_at),
                at(self.accepted_at),
                at(self.handled_at),
                at(self.closed_at),
                at(self.register_due),
                at(self.dispatch_due),
                at(self.handle_due),
                at(self.verify_due),
                at(self.close_due),
                self.pending or NULL,
                at(self.requested_due),
                self.verification or NULL,
                str(self.rework_count),
                self.rejection_reason or NULL,
                id_text(self.duplicate_of),
                self.satisfaction or NULL,
                str(self.version),
                sql(self.updated),
            )
        )


def json_bool(value: bool) -> str:
    return "true" if value else "false"


def id_text(value: int | None) -> str:
    return NULL if value is None else str(value)
