"""Routing rules as the engine holds them, and a compiled rule set. Pure: no database, no web.

A `Rule` is one checked rule of a rule set (validation.py turns the stored JSON into rules); a
`RuleSet` orders them for evaluation and indexes them by item code, once per version.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

import shapely

MINUTES_PER_DAY = 24 * 60
MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY
EVERY_WEEKDAY = frozenset(range(1, 8))

Scalar = str | int | float | bool


class Condition(StrEnum):
    """The conditions of a rule, in the order they are evaluated (cheap first)."""

    ITEM = "item"
    TIER = "tier"
    STREET = "street"
    UNIT_GRID = "unit_grid"
    ATTRIBUTES = "attributes"
    TIME_WINDOW = "time_window"
    AREA = "area"


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """A local time-of-day window on some weekdays (in the service's zone, GRIDLOOP_TIMEZONE).

    `start`/`end` are minutes after midnight, start inclusive, end exclusive; both None means the
    whole day. `end <= start` crosses midnight (22:00–06:00). `weekdays` (ISO, Monday = 1) name
    the day on which the window *starts*: a Friday 22:00–06:00 window holds on Saturday 02:00.
    """

    start: int | None = None
    end: int | None = None
    weekdays: frozenset[int] = EVERY_WEEKDAY

    def contains(self, local: datetime) -> bool:
        minute = local.hour * 60 + local.minute
        day = local.isoweekday()
        if self.start is None or self.end is None:
            return day in self.weekdays
        if self.start < self.end:
            return self.start <= minute < self.end and day in self.weekdays
        if minute >= self.start:
            return day in self.weekdays
        if minute < self.end:
            return (day - 2) % 7 + 1 in self.weekdays  # the window began the day before
        return False

    def week_intervals(self) -> tuple[tuple[int, int], ...]:
        """The window as half-open minute intervals of the week (Monday 00:00 = 0)."""
        intervals: list[tuple[int, int]] = []
        for day in sorted(self.weekdays):
            base = (day - 1) * MINUTES_PER_DAY
            if self.start is None or self.end is None:
                first, last = base, base + MINUTES_PER_DAY
            elif self.start < self.end:
                first, last = base + self.start, base + self.end
            else:
                first, last = base + self.start, base + MINUTES_PER_DAY + self.end
            if last > MINUTES_PER_WEEK:  # Sunday night runs into Monday morning
                intervals.append((first, MINUTES_PER_WEEK))
                intervals.append((0, last - MINUTES_PER_WEEK))
            else:
                intervals.append((first, last))
        return tuple(intervals)

    def overlaps(self, other: TimeWindow) -> bool:
        return any(
            a_first < b_last and b_first < a_last
            for a_first, a_last in self.week_intervals()
            for b_first, b_last in other.week_intervals()
        )


def same_value(a: Scalar, b: Scalar) -> bool:
    """Attribute equality without Python's `True == 1`."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a is b
    if isinstance(a, str) or isinstance(b, str):
        return isinstance(a, str) and isinstance(b, str) and a == b
    return a == b


@dataclass(frozen=True, slots=True)
class Rule:
    """One checked rule (see validation.py). A condition left None does not restrict."""

    rule_id: str
    priority: int
    lead_department: str | None = None
    lead_office: str | None = None
    assist_departments: tuple[str, ...] = ()
    item_codes: frozenset[str] | None = None
    item_prefixes: tuple[str, ...] | None = None
    tiers: frozenset[str] | None = None
    street_codes: frozenset[str] | None = None
    unit_grid_codes: frozenset[str] | None = None
    attributes: Mapping[str, Scalar] | None = None
    time_window: TimeWindow | None = None
    # A shapely (Multi)Polygon in WGS-84, prepared by compile_rule_set.
    area: Any = None
    description: str = ""

    @property
    def has_item_condition(self) -> bool:
        return self.item_codes is not None or self.item_prefixes is not None

    def matches_item(self, item_code: str) -> bool:
        if not self.has_item_condition:
            return True
        if self.item_codes is not None and item_code in self.item_codes:
            return True
        return self.item_prefixes is not None and item_code.startswith(self.item_prefixes)


# ----------------------------------------------------------------------------- rule sets


class RuleSet:
    """Rules in evaluation order, with an index by item code; built once per version."""

    def __init__(self, rules: Sequence[Rule], *, version: int | None) -> None:
        self.version = version
        ordered = sorted(enumerate(rules), key=lambda pair: (-pair[1].priority, pair[0]))
        self.rules: tuple[Rule, ...] = tuple(rule for _, rule in ordered)
        self._by_code: dict[str, list[int]] = {}
        self._by_prefix: dict[str, list[int]] = {}
        self._any_item: list[int] = []
        for position, rule in enumerate(self.rules):
            if rule.area is not None:
                shapely.prepare(rule.area)
            if not rule.has_item_condition:
                self._any_item.append(position)
            for code in rule.item_codes or ():
                self._by_code.setdefault(code, []).append(position)
            for prefix in rule.item_prefixes or ():
                self._by_prefix.setdefault(prefix, []).append(position)
        self._prefix_lengths = sorted({len(prefix) for prefix in self._by_prefix})
        self._candidates: dict[str, tuple[Rule, ...]] = {}

    @property
    def fixed_office_codes(self) -> frozenset[str]:
        return frozenset(rule.lead_office for rule in self.rules if rule.lead_office is not None)

    def candidates(self, item_code: str) -> tuple[Rule, ...]:
        """The rules whose item condition can match, in evaluation order (memoised per item)."""
        cached = self._candidates.get(item_code)
        if cached is not None:
            return cached
        positions = set(self._any_item)
        positions.update(self._by_code.get(item_code, ()))
        for length in self._prefix_lengths:
            positions.update(self._by_prefix.get(item_code[:length], ()))
        found = tuple(self.rules[position] for position in sorted(positions))
        if len(self._candidates) < 10_000:  # item codes come from a catalog of a few hundred
            self._candidates[item_code] = found
        return found
