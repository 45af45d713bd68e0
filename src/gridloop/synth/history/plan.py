"""Realistic multi-year case histories for `gridloop seed history`: the generator. Pure.

Cases are reported over the years before `end` (busier streets and grids, more on working days
and in working hours, a little growth and a summer peak), then each one is walked through the
closed loop as the live workflow would take it, and written as COPY text rows of `grid_case`,
`case_event`, `case_office`, `case_suspension` and `case_overdue`. Whatever would happen after
`end` is not written, so the cases of the last days and weeks are still open, in every status
once there are enough of them.

Most cases take the main path (reported → registered → dispatched → handling → handled,
verified → closed → evaluated); some are rejected at registration, returned once by the office
and dispatched again, fail a verification and are reworked (a few twice), get an approved
extension, are suspended and resumed (or are still suspended), or are late. Each step's columns,
event and payload are those of `actions.py`; `version` counts the events that are not
`overdue`.

Simplifications, so that the generator stays fast and exact by construction:

- working time is approximated by wall-clock time: a limit of 4 working hours is due 4 hours
  later, one of 2 working days 48 hours later (evenings, weekends and holidays are ignored);
- the deadline sweeper is taken to run at every whole minute: a deadline missed while it runs
  is reported (a `case_overdue` row and an `overdue` event, exactly as `repository.SWEEP_SQL`
  writes them) at the first whole minute after it passed, if the case is still in a status
  where it runs. `end` is a whole minute, so a sweep at `end` finds nothing new;
- the lead office is the one of the item's department type whose jurisdiction covers the grid
  (the routing rules are not asked); no assisting offices, whistles or photos.

This module plans when and where cases are reported, in local time (`Plan.zone`, the service's
`GRIDLOOP_TIMEZONE`); `walk.py` walks each case through the loop, `case.py` keeps its columns
and rows on the way; `db.py` reads the world from the database and writes the rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

import numpy as np

from gridloop.synth.history.model import (
    HOUR,
    POINTS_PER_GRID,
    SOURCE_SHARES,
    Chunk,
    Draws,
    FirstIds,
    Grid,
    World,
)
from gridloop.synth.history.walk import U_COLUMNS, Writer

# Local hours of the reports (0–23), relative weights.
HOUR_WEIGHTS = (
    *(0.2, 0.1, 0.1, 0.1, 0.1, 0.3, 0.8, 2.0, 4.0, 5.0, 5.0, 4.5),
    *(3.0, 3.5, 4.5, 4.5, 4.0, 3.0, 2.0, 1.5, 1.2, 1.0, 0.6, 0.4),
)
WEEKDAY_WEIGHTS = (1.0, 1.0, 1.0, 1.0, 0.95, 0.55, 0.45)  # Monday first
YEARLY_GROWTH = 0.08


@dataclass(frozen=True)
class Plan:
    cases: int
    years: int
    seed: int
    end: datetime  # exclusive; a whole minute
    zone: tzinfo  # of the local days and hours cases are reported in
    chunk_cases: int = 50_000

    @property
    def start(self) -> datetime:
        return _years_before(self.end, self.years)


def _years_before(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year - years, day=28)


def end_at(given: datetime | None, *, now: datetime, zone: tzinfo) -> datetime:
    """Where histories stop: the date or time given (in `zone` when naive), else now; to the
    whole minute.
    """
    moment = now if given is None else given
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.replace(second=0, microsecond=0)


def local_midnight(day: date, zone: tzinfo) -> datetime:
    """00:00 of `day` in `zone`."""
    return datetime.combine(day, time(), tzinfo=zone)


# ----------------------------------------------------------------------------- generation


def generate(world: World, plan: Plan, first: FirstIds) -> Iterator[Chunk]:
    """The histories of `plan.cases` cases, chunk by chunk, in the order they were reported."""
    rng = np.random.default_rng(plan.seed)
    start = int(plan.start.timestamp())
    end = int(plan.end.timestamp())
    hour_p = _normalised(HOUR_WEIGHTS)
    day_starts, day_counts = _cases_per_day(rng, plan, hour_p)
    grid_p = _grid_weights(rng, world.grids)
    item_p = _normalised(1.0 / np.arange(1, len(world.items) + 1) ** 0.9)[
        rng.permutation(len(world.items))
    ]
    source_p = _normalised(list(SOURCE_SHARES.values()))
    writer = Writer(world, first, start=start, end=end, zone=plan.zone)
    position = 0
    while position < len(day_starts):
        stop = position
        count = 0
        while stop < len(day_starts) and (count < plan.chunk_cases or stop == position):
            count += int(day_counts[stop])
            stop += 1
        n = count
        days = np.repeat(day_starts[position:stop], day_counts[position:stop])
        reported = days + rng.choice(24, n, p=hour_p) * HOUR + rng.integers(0, HOUR, n)
        late = reported >= end  # on the last day, when it ends before midnight
        reported[late] = days[late] + (reported[late] - days[late]) % (end - days[late])
        reported.sort()
        draws = Draws(
            reported=reported.tolist(),
            grid=rng.choice(len(world.grids), n, p=grid_p).tolist(),
            point=rng.integers(0, POINTS_PER_GRID, n).tolist(),
            item=rng.choice(len(world.items), n, p=item_p).tolist(),
            source=rng.choice(len(SOURCE_SHARES), n, p=source_p).tolist(),
            chance=rng.random((n, U_COLUMNS)).tolist(),
        )
        position = stop
        yield writer.chunk(draws)


def _cases_per_day(
    rng: np.random.Generator, plan: Plan, hour_p: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Local day starts (epoch seconds) of the span and how many cases each day gets.

    The days from the first whole one to the one `end` falls in; that last one weighs what its
    hours before `end` weigh.
    """
    start, end = int(plan.start.timestamp()), int(plan.end.timestamp())
    first_day = plan.start.astimezone(plan.zone).date()
    last_day = datetime.fromtimestamp(end - 1, plan.zone).date()
    span = (last_day - first_day).days + 1
    offsets = np.arange(span)
    weekdays = (first_day.weekday() + offsets) % 7
    ordinal = (first_day.timetuple().tm_yday + offsets) % 365
    weights = (
        np.asarray(WEEKDAY_WEIGHTS)[weekdays]
        * (1 + 0.2 * np.sin(2 * np.pi * (ordinal - 100) / 365))
        * (1 + YEARLY_GROWTH * offsets / 365)
    )
    starts = np.array(
        [
            int(local_midnight(first_day + timedelta(days=int(n)), plan.zone).timestamp())
            for n in offsets
        ]
    )
    hours = np.clip((end - starts) / HOUR, 0, 24)
    whole = np.floor(hours).astype(int)
    before_end = np.concatenate(([0.0], np.cumsum(hour_p)))
    weights = weights * (before_end[whole] + hour_p[np.minimum(whole, 23)] * (hours - whole))
    inside = (starts >= start) & (starts < end)
    starts, weights = starts[inside], weights[inside]
    if len(starts) == 0 or weights.sum() <= 0:
        raise ValueError("the span holds no day")
    counts = rng.multinomial(plan.cases, _normalised(weights))
    return starts, counts


def _grid_weights(rng: np.random.Generator, grids: tuple[Grid, ...]) -> np.ndarray:
    """How busy each unit grid is: some streets and some grids far more than others."""
    streets = sorted({grid.street_code for grid in grids})
    street_factor = dict(zip(streets, rng.lognormal(0.0, 0.5, len(streets)), strict=True))
    busy = rng.lognormal(0.0, 0.8, len(grids))
    return _normalised([street_factor[grid.street_code] * busy[n] for n, grid in enumerate(grids)])


def _normalised(weights: object) -> np.ndarray:
    array = np.asarray(weights, dtype=float)
    return array / array.sum()  # type: ignore[no-any-return]
