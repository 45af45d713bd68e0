"""One case on its way through the closed loop: its columns as the workflow leaves them, and
the COPY rows of its events, with the deadlines the sweeper saw missed on the way.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, tzinfo
from typing import Any

from gridloop.cases.models import Deadline
from gridloop.cases.workflow import OVERDUE_EVENT, Action, Actor, Status, next_status
from gridloop.synth.history.model import (
    DAY,
    HOUR,
    MINUTE,
    SWEEP_SECONDS,
    FirstIds,
    Grid,
    Item,
    Point,
)

NULL = "\\N"
DISPATCHER, LIAISON = Actor.DISPATCHER.value, Actor.LIAISON.value
INSPECTOR, INTAKE, SYSTEM = Actor.INSPECTOR.value, Actor.INTAKE_CLIENT.value, Actor.SYSTEM.value
# Payloads as `json.dumps` writes them, Chinese kept readable.
_JSON = json.JSONEncoder(ensure_ascii=False)


class Stamps:
    """Epoch seconds as COPY text (UTC) and as ISO 8601 for payloads, from cached parts."""

    def __init__(self, first: int, last: int, zone: tzinfo) -> None:
        self.zone = zone
        self.base = first // DAY - 1
        epoch = date(1970, 1, 1).toordinal()
        days = range(self.base, last // DAY + 2)
        self.dates = [date.fromordinal(epoch + day).isoformat() for day in days]
        self.times = [
            f"{s // HOUR:02d}:{s // MINUTE % 60:02d}:{s % MINUTE:02d}" for s in range(DAY)
        ]
        # The zone's offset on each UTC day; None on a day its offset changes.
        self.offsets: list[int | None] = []
        for day in days:
            early, late = self._offset(day * DAY), self._offset(day * DAY + DAY - 1)
            self.offsets.append(early if early == late else None)
        self.offset_texts: dict[int, str] = {}

    def _offset(self, t: int) -> int:
        offset = datetime.fromtimestamp(t, UTC).astimezone(self.zone).utcoffset()
        return 0 if offset is None else int(offset.total_seconds())

    def sql(self, t: int) -> str:
        return f"{self.dates[t // DAY - self.base]} {self.times[t % DAY]}+00"

    def local_iso(self, t: int) -> str:
        """As `datetime.isoformat()` of the calendar's zone writes it (`actions.py` payloads)."""
        offset = self.offsets[t // DAY - self.base]
        if offset is None:
            offset = self._offset(t)
        text = self.offset_texts.get(offset)
        if text is None:
            hours, minutes = divmod(abs(offset) // MINUTE, 60)
            text = f"{'-' if offset < 0 else '+'}{hours:02d}:{minutes:02d}"
            self.offset_texts[offset] = text
        t += offset
        return f"{self.dates[t // DAY - self.base]}T{self.times[t % DAY]}{text}"

    def utc_iso(self, t: int) -> str:
        """As PostgreSQL writes a timestamptz into JSON in a UTC session (the sweeper)."""
        return f"{self.dates[t // DAY - self.base]}T{self.times[t % DAY]}+00:00"


class Ledger:
    """The rows the cases of a run write, the next free ids, and the clock they write by."""

    def __init__(
        self,
        first: FirstIds,
        *,
        start: int,
        end: int,
        zone: tzinfo,
        office_codes: dict[int, str],
    ) -> None:
        self.end = end
        self.stamps = Stamps(start - 2 * DAY, end + 800 * DAY, zone)
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
        self.status: Status | None = None
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
        self.flagged: list[tuple[Deadline, int]] = []
        self.offices: list[list[int]] = []  # [row id, office_id, assigned_at, released_at or -1]
        self.suspensions: list[list[int]] = []  # [row id, started_at, ended_at or -1]

    def running(self) -> tuple[tuple[Deadline, int | None], ...]:
        """The deadlines the sweeper watches in the case's status, with their due times."""
        match self.status:
            case Status.REPORTED:
                return ((Deadline.REGISTER, self.register_due),)
            case Status.REGISTERED:
                return ((Deadline.DISPATCH, self.dispatch_due),)
            case Status.DISPATCHED | Status.HANDLING:
                return ((Deadline.HANDLE, self.handle_due),)
            case Status.HANDLED if self.verification is None:
                return ((Deadline.VERIFY, self.verify_due), (Deadline.CLOSE, self.close_due))
            case Status.HANDLED:
                return ((Deadline.CLOSE, self.close_due),)
        return ()

    def at(self, t: int) -> None:
        """Time moves on to `t`: report what the sweeper saw missed before then."""
        missed = []
        for deadline, due in self.running():
            if due is None or due >= t or (deadline, due) in self.flagged:
                continue
            # The first sweep after the deadline passed while it ran.
            detected = (max(due, self.since) // SWEEP_SECONDS + 1) * SWEEP_SECONDS
            if detected < t:
                missed.append((detected, due, deadline))
        out = self.out
        stamp = out.stamps
        status = self.status
        for detected, due, deadline in sorted(missed):
            self.flagged.append((deadline, due))
            seen = stamp.sql(detected)
            out.overdue.append(f"{self.case_id}\t{deadline}\t{stamp.sql(due)}\t{seen}\n")
            payload = copy_json({"deadline": deadline, "due_at": stamp.utc_iso(due)})
            out.events.append(
                f"{out.event_id}{self.prefix}{OVERDUE_EVENT}\t{status}\t{status}\t{SYSTEM}"
                f"\t{NULL}\t{NULL}\t{payload}\t{seen}\n"
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
        self,
        t: int,
        action: Action,
        actor: tuple[str, str, str],
        payload: dict[str, Any] | None = None,
    ) -> None:
        """Append the event of `action` taken at `t` by `actor` (role, user id, API key id as
        COPY text), after `at(t)` and the action's step; the workflow table gives the status.
        """
        target, move = _move(self.status, action)
        out = self.out
        role, user, key = actor
        out.events.append(
            f"{out.event_id}{self.prefix}{move}\t{role}\t{user}\t{key}"
            f"\t{'{}' if payload is None else copy_json(payload)}\t{out.stamps.sql(t)}\n"
        )
        out.event_id += 1
        self.status = target
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
        payload = {
            "lead_office_code": out.office_codes[office_id],
            "assist_office_codes": [],
            "override": False,
            "handle_due_at": out.stamps.local_iso(self.handle_due),
        }
        self.event(t, Action.DISPATCH, self.as_dispatcher(), payload)

    def as_dispatcher(self) -> tuple[str, str, str]:
        return DISPATCHER, self.dispatcher, NULL

    def as_liaison(self) -> tuple[str, str, str]:
        return LIAISON, self.liaison, NULL

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
                str(self.status),
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


# Each move of the workflow table taken so far: its target and the event's columns action, from
# and to as COPY text (formatting enum members anew for every event is slow).
_MOVES: dict[tuple[Status | None, Action], tuple[Status, str]] = {}


def _move(status: Status | None, action: Action) -> tuple[Status, str]:
    """Where `action` leads from `status`, by the workflow table; ValueError where it may not."""
    move = _MOVES.get((status, action))
    if move is None:
        target = next_status(status, action)
        if target is None:
            raise ValueError(f"{action} is not allowed from {status or 'nothing'}")
        source = NULL if status is None else status.value
        move = _MOVES[(status, action)] = (target, f"{action.value}\t{source}\t{target.value}")
    return move


def copy_json(payload: dict[str, Any]) -> str:
    """A payload as JSON in COPY text, whose escape character is the backslash."""
    text = _JSON.encode(payload)
    return text.replace("\\", "\\\\") if "\\" in text else text


def id_text(value: int | None) -> str:
    return NULL if value is None else str(value)
