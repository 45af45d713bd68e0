"""The routing engine: facts about a case + a compiled rule set → a decision and its trace.

Pure: no database and no web imports. The service gathers the facts (one query finds the
offices covering the point) and compiles each rule-set version once; `decide` is then plain
Python plus a shapely point test for rules limited to an area.

How a decision is made:
1. Rules are tried by priority (higher first; equal priorities in file order — validation
   guarantees that two equal-priority rules never both match). Rules whose item condition cannot
   match the item are skipped through an index and only counted in the trace.
2. The first rule whose conditions all hold wins; its outcome names a lead department (or a fixed
   office) and assisting departments. No rule matches → the item's default department.
3. A department's office is the one whose jurisdiction covers the point. When none does, the
   street grid center takes the case (属地兜底) and the trace says so. An assisting department
   with no covering office is skipped, and the trace says that too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from enum import StrEnum
from typing import Protocol

import shapely

from gridloop.catalog.departments import DepartmentType
from gridloop.routing.rules import Condition, Rule, RuleSet, Scalar, same_value

__all__ = [
    "EMPTY_RULE_SET",
    "STREET_CENTER_DEPARTMENT",
    "Condition",
    "Decision",
    "Facts",
    "Lead",
    "LeadKind",
    "Office",
    "OfficeRef",
    "Rule",
    "RuleCheck",
    "RuleSet",
    "Scalar",
    "Trace",
    "TraceStep",
    "TraceStepKind",
    "check_rule",
    "compile_rule_set",
    "decide",
]

# The department type of a street's own grid center (街道网格化中心).
STREET_CENTER_DEPARTMENT: str = DepartmentType.GRID_CENTER.value


class Office(Protocol):
    """What the engine needs of an office (org's OfficeRef has it, and more)."""

    @property
    def code(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def department_type(self) -> str: ...


@dataclass(frozen=True, slots=True)
class OfficeRef:
    """A plain office, for callers that do not hold org's."""

    code: str
    name: str
    department_type: str


@dataclass(frozen=True, slots=True)
class Facts:
    """What is known about a case when it is routed.

    `covering` holds, per department type, the office whose jurisdiction covers the point;
    `fixed_offices` the offices that rules name by code; `street_center` the grid center office
    of the point's street (None when the street has none on record); `zone` the zone that rules'
    time windows are read in (the service's setting).
    """

    lon: float
    lat: float
    unit_grid_code: str
    community_code: str
    street_code: str
    item_code: str
    tier: str
    default_department: str
    at: datetime
    zone: tzinfo
    covering: Mapping[str, Office]
    street_center: Office | None
    attributes: Mapping[str, Scalar] = field(default_factory=dict)
    fixed_offices: Mapping[str, Office] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.at.tzinfo is None or self.at.utcoffset() is None:
            raise ValueError("Facts.at must be timezone-aware")


# ----------------------------------------------------------------------------- the decision


class LeadKind(StrEnum):
    OFFICE = "office"
    STREET_CENTER = "street_center"


@dataclass(frozen=True, slots=True)
class Lead:
    """Who leads: an office, or the street grid center (its office, when one is on record)."""

    kind: LeadKind
    department_type: str
    office: Office | None
    street_code: str


class TraceStepKind(StrEnum):
    """What one step of a decision's trace did."""

    RULE_MATCHED = "rule_matched"
    NO_RULE_MATCHED = "no_rule_matched"
    LEAD_OFFICE = "lead_office"
    FIXED_OFFICE = "fixed_office"
    STREET_CENTER = "street_center"
    FALLBACK = "fallback_street_center"
    ASSIST_OFFICE = "assist_office"
    ASSIST_SKIPPED = "assist_skipped"


@dataclass(frozen=True, slots=True)
class RuleCheck:
    """One rule tried: it matched, or the first condition that failed and why."""

    rule_id: str
    priority: int
    matched: bool
    failed: Condition | None
    reason: str


@dataclass(frozen=True, slots=True)
class TraceStep:
    step: TraceStepKind
    message: str
    department_type: str | None = None
    office_code: str | None = None


@dataclass(frozen=True, slots=True)
class Trace:
    rules: tuple[RuleCheck, ...]
    steps: tuple[TraceStep, ...]
    rules_in_set: int
    # Rules never tried because their item condition cannot match this item.
    rules_skipped_by_item: int


@dataclass(frozen=True, slots=True)
class Decision:
    lead: Lead
    assisting: tuple[Office, ...]
    rule_id: str | None
    rule_set_version: int | None
    fallback: bool
    trace: Trace


# ----------------------------------------------------------------------------- evaluation


def _listing(values: Iterable[str], limit: int = 5) -> str:
    ordered = sorted(values)
    shown = ", ".join(ordered[:limit])
    return shown + (f" … (+{len(ordered) - limit})" if len(ordered) > limit else "")


def compile_rule_set(rules: Sequence[Rule], *, version: int | None) -> RuleSet:
    return RuleSet(rules, version=version)


EMPTY_RULE_SET = RuleSet((), version=None)


def check_rule(rule: Rule, facts: Facts, local: datetime) -> RuleCheck:
    """Evaluate every condition of one rule, cheap ones first; stop at the first that fails."""

    def failed(condition: Condition, reason: str) -> RuleCheck:
        return RuleCheck(rule.rule_id, rule.priority, False, condition, reason)

    if not rule.matches_item(facts.item_code):
        return failed(
            Condition.ITEM,
            f"事项 {facts.item_code} 不在规则范围 / item {facts.item_code} is not the rule's",
        )
    if rule.tiers is not None and facts.tier not in rule.tiers:
        return failed(
            Condition.TIER,
            f"等级 {facts.tier} 不符 / tier {facts.tier} is not {_listing(rule.tiers)}",
        )
    if rule.street_codes is not None and facts.street_code not in rule.street_codes:
        return failed(
            Condition.STREET,
            f"街道 {facts.street_code} 不在规则范围 / street {facts.street_code} is not "
            f"{_listing(rule.street_codes)}",
        )
    if rule.unit_grid_codes is not None and facts.unit_grid_code not in rule.unit_grid_codes:
        return failed(
            Condition.UNIT_GRID,
            f"单元网格 {facts.unit_grid_code} 不在规则范围 / unit grid {facts.unit_grid_code} "
            "is not one of the rule's",
        )
    for key, wanted in (rule.attributes or {}).items():
        actual = facts.attributes.get(key)
        if actual is None or not same_value(actual, wanted):
            return failed(
                Condition.ATTRIBUTES,
                f"属性 {key} 不符 / attribute {key} is {actual!r}, the rule needs {wanted!r}",
            )
    if rule.time_window is not None and not rule.time_window.contains(local):
        return failed(
            Condition.TIME_WINDOW,
            f"时间不在时段内 / {local:%a %H:%M} {local.tzinfo} is outside the rule's window",
        )
    if rule.area is not None and not shapely.intersects_xy(rule.area, facts.lon, facts.lat):
        return failed(
            Condition.AREA,
            f"该点不在规则区域内 / ({facts.lon:.6f}, {facts.lat:.6f}) is outside the rule's area",
        )
    return RuleCheck(
        rule.rule_id, rule.priority, True, None, "条件全部满足 / every condition holds"
    )


def decide(facts: Facts, rule_set: RuleSet) -> Decision:
    """Route one case: the winning rule (if any), the lead, the assisting offices, the trace."""
    local = facts.at.astimezone(facts.zone)
    candidates = rule_set.candidates(facts.item_code)
    checks: list[RuleCheck] = []
    winner: Rule | None = None
    for rule in candidates:
        check = check_rule(rule, facts, local)
        checks.append(check)
        if check.matched:
            winner = rule
            break

    steps: list[TraceStep] = []
    if winner is None:
        steps.append(
            TraceStep(
                TraceStepKind.NO_RULE_MATCHED,
                f"无规则命中，按事项默认部门 {facts.default_department} / no rule matched: the "
                f"item's default department {facts.default_department}",
                department_type=facts.default_department,
            )
        )
        lead, fallback = _lead_of_department(facts, facts.default_department, steps)
        assist_departments: tuple[str, ...] = ()
    else:
        steps.append(
            TraceStep(
                TraceStepKind.RULE_MATCHED,
                f"规则 {winner.rule_id}（优先级 {winner.priority}）命中 / rule {winner.rule_id} "
                f"(priority {winner.priority}) matched",
                department_type=winner.lead_department,
                office_code=winner.lead_office,
            )
        )
        if winner.lead_office is not None:
            lead, fallback = _fixed_lead(facts, winner.lead_office, steps)
        else:
            assert winner.lead_department is not None
            lead, fallback = _lead_of_department(facts, winner.lead_department, steps)
        assist_departments = winner.assist_departments

    return Decision(
        lead=lead,
        assisting=_assisting(facts, assist_departments, lead, steps),
        rule_id=None if winner is None else winner.rule_id,
        rule_set_version=rule_set.version,
        fallback=fallback,
        trace=Trace(
            rules=tuple(checks),
            steps=tuple(steps),
            rules_in_set=len(rule_set.rules),
            rules_skipped_by_item=len(rule_set.rules) - len(candidates),
        ),
    )


def _street_center(facts: Facts) -> Lead:
    office = facts.street_center or facts.covering.get(STREET_CENTER_DEPARTMENT)
    return Lead(LeadKind.STREET_CENTER, STREET_CENTER_DEPARTMENT, office, facts.street_code)


def _lead_of_department(facts: Facts, department: str, steps: list[TraceStep]) -> tuple[Lead, bool]:
    """The covering office of a department, else the street center (属地兜底)."""
    if department == STREET_CENTER_DEPARTMENT:
        lead = _street_center(facts)
        steps.append(
            TraceStep(
                TraceStepKind.STREET_CENTER,
                f"由街道网格化中心 {facts.street_code} 自行处置 / the grid center of street "
                f"{facts.street_code} handles it itself",
                department_type=department,
                office_code=None if lead.office is None else lead.office.code,
            )
        )
        return lead, False
    office = facts.covering.get(department)
    if office is not None:
        steps.append(
            TraceStep(
                TraceStepKind.LEAD_OFFICE,
                f"{department} 辖区覆盖该点的派出机构：{office.name} / the {department} office "
                f"whose jurisdiction covers the point: {office.code}",
                department_type=department,
                office_code=office.code,
            )
        )
        return Lead(LeadKind.OFFICE, department, office, facts.street_code), False
    return _fallback(facts, f"无 {department} 派出机构覆盖该点", department, steps), True


def _fixed_lead(facts: Facts, office_code: str, steps: list[TraceStep]) -> tuple[Lead, bool]:
    office = facts.fixed_offices.get(office_code)
    if office is None:
        return _fallback(facts, f"指定派出机构 {office_code} 不存在", None, steps), True
    steps.append(
        TraceStep(
            TraceStepKind.FIXED_OFFICE,
            f"规则指定派出机构 {office.name} / the rule names office {office.code}",
            department_type=office.department_type,
            office_code=office.code,
        )
    )
    return Lead(LeadKind.OFFICE, office.department_type, office, facts.street_code), False


def _fallback(facts: Facts, why: str, department: str | None, steps: list[TraceStep]) -> Lead:
    lead = _street_center(facts)
    english = (
        f"no {department} office covers the point" if department else "the named office is gone"
    )
    steps.append(
        TraceStep(
            TraceStepKind.FALLBACK,
            f"{why}，由街道网格化中心 {facts.street_code} 属地兜底 / {english}: the grid center "
            f"of street {facts.street_code} takes the case",
            department_type=department,
            office_code=None if lead.office is None else lead.office.code,
        )
    )
    return lead


def _assisting(
    facts: Facts, departments: Sequence[str], lead: Lead, steps: list[TraceStep]
) -> tuple[Office, ...]:
    taken = {lead.office.code} if lead.office is not None else set()
    offices: list[Office] = []
    for department in dict.fromkeys(departments):
        if department == STREET_CENTER_DEPARTMENT:
            office = facts.street_center or facts.covering.get(department)
        else:
            office = facts.covering.get(department)
        if office is None or office.code in taken:
            why = "无派出机构覆盖该点" if office is None else "已是主办"
            english = (
                "no office covers the point" if office is None else "it already leads the case"
            )
            steps.append(
                TraceStep(
                    TraceStepKind.ASSIST_SKIPPED,
                    f"协办部门 {department} 跳过：{why} / assisting {department} skipped: "
                    f"{english}",
                    department_type=department,
                )
            )
            continue
        taken.add(office.code)
        offices.append(office)
        steps.append(
            TraceStep(
                TraceStepKind.ASSIST_OFFICE,
                f"协办 {department}：{office.name} / assisting {department}: {office.code}",
                department_type=department,
                office_code=office.code,
            )
        )
    return tuple(offices)
