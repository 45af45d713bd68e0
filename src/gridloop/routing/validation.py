"""Checking a rule set as a whole, before it is saved. Pure: the service looks the codes up.

A rule set is refused, with every offending rule listed, when a rule names a department type,
item, street, unit grid or office that does not exist, has an unusable area, repeats an id, or
has the same priority as another rule that can match the same facts. Two rules "can both match"
unless one of their conditions provably excludes the other (`disjoint_by`); the proof is
syntactic — it does not consult the catalog or the map — so when in doubt, a rule set is refused.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field

import shapely

from gridloop.errors import ProblemItem
from gridloop.geo import geojson
from gridloop.org.jurisdiction import JurisdictionError, to_multipolygon
from gridloop.routing.rules import Condition, Rule, TimeWindow, same_value
from gridloop.routing.schemas import RuleCreate, RuleSetCreate, TimeWindowSpec


@dataclass
class ParsedRules:
    """The rules in file order; `broken` holds the indices whose area could not be used."""

    rules: list[Rule]
    problems: list[ProblemItem] = field(default_factory=list)
    broken: set[int] = field(default_factory=set)


@dataclass(frozen=True)
class References:
    """Every code a rule set names, so the service can ask the database which exist."""

    department_types: frozenset[str]
    item_codes: frozenset[str]
    item_prefixes: frozenset[str]
    street_codes: frozenset[str]
    unit_grid_codes: frozenset[str]
    office_codes: frozenset[str]


@dataclass(frozen=True)
class Known:
    """What exists: all department types and catalog items; the named streets, grids, offices
    that were found."""

    department_types: Collection[str]
    item_codes: Collection[str]
    street_codes: Collection[str]
    unit_grid_codes: Collection[str]
    office_codes: Collection[str]


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


def time_window(spec: TimeWindowSpec) -> TimeWindow:
    return TimeWindow(
        start=None if spec.start is None else _minutes(spec.start),
        end=None if spec.end is None else _minutes(spec.end) % (24 * 60),
        weekdays=frozenset(spec.weekdays) if spec.weekdays else frozenset(range(1, 8)),
    )


def _problem(index: int, rule_id: str, where: str, chinese: str, english: str) -> ProblemItem:
    location = f"rules[{index}]" + (f".{where}" if where else "")
    return ProblemItem(
        location=location,
        index=index,
        reason=f"规则 {rule_id}：{chinese} / rule {rule_id}: {english}",
    )


def to_rule(spec: RuleCreate, *, index: int, problems: list[ProblemItem]) -> Rule:
    """The engine's rule of one rule of the document; problems of its own content are added."""
    when, then = spec.when, spec.then
    area = None
    if when.area is not None:
        try:
            area = to_multipolygon(geojson.from_model(when.area))
        except JurisdictionError as exc:
            problems.append(_problem(index, spec.id, "when.area", "区域无效", str(exc)))
    if then.lead_department is not None and then.lead_department in then.assist_departments:
        problems.append(
            _problem(
                index,
                spec.id,
                "then.assist_departments",
                f"协办部门重复了主办部门 {then.lead_department}",
                f"assisting departments repeat the lead {then.lead_department}",
            )
        )
    return Rule(
        rule_id=spec.id,
        priority=spec.priority,
        lead_department=then.lead_department,
        lead_office=then.lead_office,
        assist_departments=tuple(dict.fromkeys(then.assist_departments)),
        item_codes=None if when.item_codes is None else frozenset(when.item_codes),
        item_prefixes=None
        if when.item_prefixes is None
        else tuple(sorted(set(when.item_prefixes))),
        tiers=None if when.tiers is None else frozenset(when.tiers),
        street_codes=None if when.street_codes is None else frozenset(when.street_codes),
        unit_grid_codes=None if when.unit_grid_codes is None else frozenset(when.unit_grid_codes),
        attributes=dict(when.attributes) if when.attributes else None,
        time_window=None if when.time_window is None else time_window(when.time_window),
        area=area,
        description=spec.description,
    )


def parse_rules(document: RuleSetCreate) -> ParsedRules:
    """Rules of a document with the problems that need no database: ids, areas, leads."""
    parsed = ParsedRules(rules=[])
    first_index: dict[str, int] = {}
    for index, spec in enumerate(document.rules):
        parsed.rules.append(to_rule(spec, index=index, problems=parsed.problems))
        if spec.when.area is not None and parsed.rules[-1].area is None:
            # Without its area the rule would look unrestricted to the overlap check.
            parsed.broken.add(index)
        if spec.id in first_index:
            parsed.problems.append(
                _problem(
                    index,
                    spec.id,
                    "id",
                    f"id 与 rules[{first_index[spec.id]}] 重复",
                    f"the id is already used by rules[{first_index[spec.id]}]",
                )
            )
        first_index.setdefault(spec.id, index)
    return parsed


def references(rules: Iterable[Rule]) -> References:
    departments: set[str] = set()
    items: set[str] = set()
    prefixes: set[str] = set()
    streets: set[str] = set()
    grids: set[str] = set()
    offices: set[str] = set()
    for rule in rules:
        if rule.lead_department is not None:
            departments.add(rule.lead_department)
        if rule.lead_office is not None:
            offices.add(rule.lead_office)
        departments.update(rule.assist_departments)
        items.update(rule.item_codes or ())
        prefixes.update(rule.item_prefixes or ())
        streets.update(rule.street_codes or ())
        grids.update(rule.unit_grid_codes or ())
    return References(
        department_types=frozenset(departments),
        item_codes=frozenset(items),
        item_prefixes=frozenset(prefixes),
        street_codes=frozenset(streets),
        unit_grid_codes=frozenset(grids),
        office_codes=frozenset(offices),
    )


def unknown_references(rules: Sequence[Rule], known: Known) -> list[ProblemItem]:
    """A problem for every code a rule names that does not exist."""
    problems: list[ProblemItem] = []
    all_items = sorted(known.item_codes)
    for index, rule in enumerate(rules):

        def add(
            where: str, chinese: str, english: str, index: int = index, rule: Rule = rule
        ) -> None:
            problems.append(_problem(index, rule.rule_id, where, chinese, english))

        if rule.lead_department is not None and rule.lead_department not in known.department_types:
            add(
                "then.lead_department",
                f"部门类型 {rule.lead_department} 不存在",
                f"unknown department type {rule.lead_department}",
            )
        for department in rule.assist_departments:
            if department not in known.department_types:
                add(
                    "then.assist_departments",
                    f"部门类型 {department} 不存在",
                    f"unknown department type {department}",
                )
        if rule.lead_office is not None and rule.lead_office not in known.office_codes:
            add(
                "then.lead_office",
                f"派出机构 {rule.lead_office} 不存在",
                f"unknown office {rule.lead_office}",
            )
        for code in sorted(rule.item_codes or ()):
            if code not in known.item_codes:
                add("when.item_codes", f"事项 {code} 不存在", f"unknown item {code}")
        for prefix in rule.item_prefixes or ():
            if not any(code.startswith(prefix) for code in all_items):
                add(
                    "when.item_prefixes",
                    f"没有以 {prefix} 开头的事项",
                    f"no item code starts with {prefix}",
                )
        for code in sorted(rule.street_codes or ()):
            if code not in known.street_codes:
                add("when.street_codes", f"街道 {code} 不存在", f"unknown street {code}")
        missing = sorted(set(rule.unit_grid_codes or ()) - set(known.unit_grid_codes))
        if missing:
            shown = ", ".join(missing[:10]) + (
                f" … (+{len(missing) - 10})" if len(missing) > 10 else ""
            )
            add("when.unit_grid_codes", f"单元网格不存在：{shown}", f"unknown unit grids: {shown}")
    return problems


# ----------------------------------------------------------------------------- overlap


def _items_overlap(a: Rule, b: Rule) -> bool:
    a_codes, b_codes = a.item_codes or frozenset(), b.item_codes or frozenset()
    a_prefixes, b_prefixes = a.item_prefixes or (), b.item_prefixes or ()
    if a_codes & b_codes:
        return True
    # str.startswith(()) is False: a rule without prefixes matches no code by prefix.
    if any(code.startswith(b_prefixes) for code in a_codes):
        return True
    if any(code.startswith(a_prefixes) for code in b_codes):
        return True
    return any(p.startswith(q) or q.startswith(p) for p in a_prefixes for q in b_prefixes)


def _places_disjoint(a: Rule, b: Rule) -> Condition | None:
    if (
        a.street_codes is not None
        and b.street_codes is not None
        and not a.street_codes & b.street_codes
    ):
        return Condition.STREET
    if (
        a.unit_grid_codes is not None
        and b.unit_grid_codes is not None
        and not a.unit_grid_codes & b.unit_grid_codes
    ):
        return Condition.UNIT_GRID
    # A unit grid code starts with its street's code.
    for streets, grids in (
        (a.street_codes, b.unit_grid_codes),
        (b.street_codes, a.unit_grid_codes),
    ):
        if streets is not None and grids is not None and not any(g[:9] in streets for g in grids):
            return Condition.UNIT_GRID
    return None


def _windows_disjoint(a: TimeWindow | None, b: TimeWindow | None) -> bool:
    return a is not None and b is not None and not a.overlaps(b)


def disjoint_by(a: Rule, b: Rule) -> Condition | None:
    """A condition proving that no facts satisfy both rules, or None if both may match."""
    if a.has_item_condition and b.has_item_condition and not _items_overlap(a, b):
        return Condition.ITEM
    if a.tiers is not None and b.tiers is not None and not a.tiers & b.tiers:
        return Condition.TIER
    place = _places_disjoint(a, b)
    if place is not None:
        return place
    if a.attributes and b.attributes:
        for key, value in a.attributes.items():
            if key in b.attributes and not same_value(value, b.attributes[key]):
                return Condition.ATTRIBUTES
    if _windows_disjoint(a.time_window, b.time_window):
        return Condition.TIME_WINDOW
    if a.area is not None and b.area is not None and not shapely.intersects(a.area, b.area):
        return Condition.AREA
    return None


def equal_priority_overlaps(
    rules: Sequence[Rule], *, skip: Collection[int] = ()
) -> list[ProblemItem]:
    """A problem for every rule that can match the same facts as an earlier rule of its priority."""
    by_priority: dict[int, list[int]] = defaultdict(list)
    for index, rule in enumerate(rules):
        if index not in skip:
            by_priority[rule.priority].append(index)
    problems: list[ProblemItem] = []
    for indices in by_priority.values():
        for position, later in enumerate(indices):
            for earlier in indices[:position]:
                a, b = rules[earlier], rules[later]
                if disjoint_by(a, b) is None:
                    problems.append(
                        _problem(
                            later,
                            b.rule_id,
                            "priority",
                            f"与规则 {a.rule_id}（rules[{earlier}]）优先级同为 {b.priority}，"
                            "且可能同时命中",
                            f"has the same priority {b.priority} as rule {a.rule_id} "
                            f"(rules[{earlier}]) and both can match the same facts",
                        )
                    )
    return problems


def check(parsed: ParsedRules, known: Known) -> list[ProblemItem]:
    """Every problem of a parsed rule set, by rule index; empty: it may be saved."""
    problems = parsed.problems + unknown_references(parsed.rules, known)
    problems += equal_priority_overlaps(parsed.rules, skip=parsed.broken)
    problems.sort(key=lambda item: item.index if item.index is not None else -1)
    return problems
