"""Properties of the engine over random rule sets and facts (hypothesis)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from gridloop.routing import validation
from gridloop.routing.engine import (
    Facts,
    LeadKind,
    OfficeRef,
    Rule,
    RuleSet,
    TraceStepKind,
    check_rule,
    compile_rule_set,
    decide,
)
from gridloop.routing.schemas import RuleSetCreate
from tests.unit.routing_facts import DEPARTMENTS, SHANGHAI, STREET_CENTER, covering

ITEMS = ["E0101", "E0102", "E0508", "E0509", "E0514", "C0101"]
PREFIXES = ["E", "E0", "E01", "E05", "C"]
STREETS = ["310105001", "310105002", "310105010"]
GRIDS = [f"{street}001{n:03d}" for street in STREETS for n in (1, 2)]
SQUARES = [(121.30, 31.10, 121.35, 31.20), (121.34, 31.15, 121.40, 31.25)]
FIXED = {
    "hub-police": OfficeRef("hub-police", "枢纽派出所", "gongan"),
    "hub-city": OfficeRef("hub-city", "枢纽城管", "chengguan"),
}
LEADS = [*DEPARTMENTS, "shuiwu"]
START = datetime(2026, 1, 5, tzinfo=SHANGHAI)


def _square(bounds: tuple[float, float, float, float]) -> dict[str, Any]:
    w, s, e, n = bounds
    return {"type": "Polygon", "coordinates": [[[w, s], [e, s], [e, n], [w, n], [w, s]]]}


def _maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.none() | strategy


def _subset(values: list[Any]) -> st.SearchStrategy[list[Any]]:
    return st.lists(st.sampled_from(values), min_size=1, max_size=3, unique=True)


clock = st.integers(0, 23).map(lambda h: f"{h:02d}:00")
windows = st.fixed_dictionaries(
    {},
    optional={
        "weekdays": st.lists(st.integers(1, 7), min_size=1, max_size=7, unique=True),
    },
).flatmap(
    lambda base: st.one_of(
        st.just(base) if base else st.just({"weekdays": [1]}),
        st.tuples(clock, clock)
        .filter(lambda pair: pair[0] != pair[1])
        .map(lambda pair: {**base, "start": pair[0], "end": pair[1]}),
    )
)
conditions = st.fixed_dictionaries(
    {},
    optional={
        "item_codes": _subset(ITEMS),
        "item_prefixes": _subset(PREFIXES),
        "tiers": _subset(["A", "B", "C", "D"]),
        "street_codes": _subset(STREETS),
        "unit_grid_codes": _subset(GRIDS),
        "attributes": st.dictionaries(
            st.sampled_from(["repeat", "size"]),
            st.booleans() | st.sampled_from(["large", "small"]),
            min_size=1,
        ),
        "time_window": windows,
        "area": st.sampled_from(SQUARES).map(_square),
    },
)
outcomes = st.one_of(
    st.builds(
        lambda lead, assist: {
            "lead_department": lead,
            "assist_departments": [a for a in assist if a != lead],
        },
        st.sampled_from(LEADS),
        st.lists(st.sampled_from(LEADS), max_size=3, unique=True),
    ),
    st.builds(
        lambda office, assist: {"lead_office": office, "assist_departments": assist},
        st.sampled_from([*FIXED, "gone-office"]),
        st.lists(st.sampled_from(LEADS), max_size=3, unique=True),
    ),
)
rule_sets = st.lists(
    st.fixed_dictionaries({"priority": st.integers(0, 5), "when": conditions, "then": outcomes}),
    max_size=12,
).map(
    lambda rules: {
        "name": "random",
        "rules": [{"id": f"r{i}", **rule} for i, rule in enumerate(rules)],
    }
)


@st.composite
def facts_of(draw: st.DrawFn) -> Facts:
    street = draw(st.sampled_from(STREETS))
    missing = draw(st.lists(st.sampled_from(DEPARTMENTS), max_size=len(DEPARTMENTS), unique=True))
    return Facts(
        lon=draw(st.floats(121.28, 121.42)),
        lat=draw(st.floats(31.08, 31.27)),
        unit_grid_code=draw(st.sampled_from([g for g in GRIDS if g.startswith(street)])),
        community_code=f"{street}001",
        street_code=street,
        item_code=draw(st.sampled_from(ITEMS)),
        tier=draw(st.sampled_from("ABCD")),
        default_department=draw(st.sampled_from(LEADS)),
        at=START + timedelta(minutes=draw(st.integers(0, 14 * 24 * 60))),
        zone=SHANGHAI,
        covering=covering(missing),
        street_center=draw(st.sampled_from([STREET_CENTER, None])),
        attributes=draw(
            st.dictionaries(
                st.sampled_from(["repeat", "size"]),
                st.booleans() | st.sampled_from(["large", "small"]),
            )
        ),
        fixed_offices={code: office for code, office in FIXED.items() if draw(st.booleans())},
    )


def _compile(document: dict[str, Any]) -> tuple[RuleSet, list[Rule]]:
    rules = validation.parse_rules(RuleSetCreate.model_validate(document)).rules
    return compile_rule_set(rules, version=7), rules


@settings(max_examples=200, deadline=None)
@given(document=rule_sets, facts=facts_of())
def test_every_case_gets_exactly_one_lead_an_office_or_the_street_center(
    document: dict[str, Any], facts: Facts
) -> None:
    rule_set, _ = _compile(document)

    decision = decide(facts, rule_set)

    lead = decision.lead
    if lead.kind is LeadKind.OFFICE:
        assert lead.office is not None
        assert lead.office in [*facts.covering.values(), *facts.fixed_offices.values()]
        assert lead.department_type == lead.office.department_type
    else:
        assert lead.department_type == "grid_center"
        assert lead.office in (facts.street_center, facts.covering.get("grid_center"))
    assert lead.street_code == facts.street_code
    assert decision.fallback == any(s.step is TraceStepKind.FALLBACK for s in decision.trace.steps)
    codes = [office.code for office in decision.assisting]
    assert len(codes) == len(set(codes))
    assert lead.office is None or lead.office.code not in codes


@settings(max_examples=200, deadline=None)
@given(document=rule_sets, facts=facts_of())
def test_the_engine_is_deterministic(document: dict[str, Any], facts: Facts) -> None:
    first, _ = _compile(document)
    second, _ = _compile(document)

    assert decide(facts, first) == decide(facts, first) == decide(facts, second)


@settings(max_examples=200, deadline=None)
@given(document=rule_sets, facts=facts_of())
def test_the_winner_is_the_first_matching_rule_by_priority_as_a_plain_scan_finds_it(
    document: dict[str, Any], facts: Facts
) -> None:
    rule_set, rules = _compile(document)
    local = facts.at.astimezone(SHANGHAI)
    ordered = sorted(enumerate(rules), key=lambda pair: (-pair[1].priority, pair[0]))
    expected = next(
        (rule.rule_id for _, rule in ordered if check_rule(rule, facts, local).matched), None
    )

    decision = decide(facts, rule_set)

    assert decision.rule_id == expected
    checks = decision.trace.rules
    assert all(not check.matched for check in checks[:-1])
    if expected is not None:
        assert checks[-1].rule_id == expected
        assert checks[-1].matched
