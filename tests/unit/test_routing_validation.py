"""Rule-set validation without a database: shapes, references, and equal-priority overlaps."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from gridloop.routing import validation
from gridloop.routing.engine import Condition
from gridloop.routing.schemas import RuleSetCreate
from tests.unit.routing_facts import rule_set_document

KNOWN = validation.Known(
    department_types={"chengguan", "gongan", "fangguan", "grid_center"},
    item_codes={"E0101", "E0102", "E0508", "E0509", "E0514"},
    street_codes={"310105001", "310105002"},
    unit_grid_codes={"310105001001001"},
    office_codes={"310105001-chengguan"},
)


def square(west: float, south: float, east: float, north: float) -> dict[str, Any]:
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}


def document(*rules: dict[str, Any]) -> RuleSetCreate:
    return RuleSetCreate.model_validate({"name": "test", "rules": list(rules)})


def rule(rule_id: str, priority: int = 1, lead: str = "chengguan", **when: Any) -> dict[str, Any]:
    return {"id": rule_id, "priority": priority, "when": when, "then": {"lead_department": lead}}


def problems(*rules: dict[str, Any]) -> list[tuple[int | None, str, str]]:
    found = validation.check(validation.parse_rules(document(*rules)), KNOWN)
    return [(p.index, p.location, p.reason) for p in found]


def pair(a: dict[str, Any], b: dict[str, Any]) -> Condition | None:
    parsed = validation.parse_rules(document(a, b))
    return validation.disjoint_by(parsed.rules[0], parsed.rules[1])


# ----------------------------------------------------------------------------- overlap


@pytest.mark.parametrize(
    ("a", "b", "proof"),
    [
        ({"item_codes": ["E0101"]}, {"item_codes": ["E0102"]}, Condition.ITEM),
        ({"item_prefixes": ["E01"]}, {"item_prefixes": ["E05"]}, Condition.ITEM),
        ({"item_prefixes": ["E05"]}, {"item_codes": ["E0101"]}, Condition.ITEM),
        ({"tiers": ["A", "B"]}, {"tiers": ["C"]}, Condition.TIER),
        ({"street_codes": ["310105001"]}, {"street_codes": ["310105002"]}, Condition.STREET),
        (
            {"unit_grid_codes": ["310105001001001"]},
            {"unit_grid_codes": ["310105001001002"]},
            Condition.UNIT_GRID,
        ),
        (
            {"street_codes": ["310105002"]},
            {"unit_grid_codes": ["310105001001001"]},
            Condition.UNIT_GRID,
        ),
        ({"attributes": {"repeat": True}}, {"attributes": {"repeat": False}}, Condition.ATTRIBUTES),
        (
            {"time_window": {"start": "22:00", "end": "06:00"}},
            {"time_window": {"start": "06:00", "end": "22:00"}},
            Condition.TIME_WINDOW,
        ),
        (
            {"time_window": {"weekdays": [6, 7]}},
            {"time_window": {"start": "09:00", "end": "17:00", "weekdays": [1, 2, 3, 4, 5]}},
            Condition.TIME_WINDOW,
        ),
        (
            {"area": square(121.30, 31.10, 121.35, 31.20)},
            {"area": square(121.36, 31.10, 121.40, 31.20)},
            Condition.AREA,
        ),
    ],
)
def test_rules_that_provably_exclude_each_other_are_disjoint(
    a: dict[str, Any], b: dict[str, Any], proof: Condition
) -> None:
    assert pair(rule("a", **a), rule("b", **b)) is proof
    assert pair(rule("b", **b), rule("a", **a)) is proof


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ({"item_codes": ["E0509"]}, {"item_prefixes": ["E05"]}),
        ({"item_prefixes": ["E0"]}, {"item_prefixes": ["E05"]}),
        ({"item_codes": ["E0509"]}, {}),
        ({"tiers": ["A", "B"]}, {"tiers": ["B", "C"]}),
        ({"street_codes": ["310105001"]}, {"unit_grid_codes": ["310105001001001"]}),
        ({"street_codes": ["310105001"]}, {"area": square(121.30, 31.10, 121.35, 31.20)}),
        ({"attributes": {"repeat": True}}, {"attributes": {"size": "large"}}),
        (
            {"time_window": {"start": "22:00", "end": "06:00"}},
            {"time_window": {"start": "05:00", "end": "07:00"}},
        ),
        (
            # Sharing an edge: a point on it lies in both areas.
            {"area": square(121.30, 31.10, 121.35, 31.20)},
            {"area": square(121.35, 31.10, 121.40, 31.20)},
        ),
    ],
)
def test_rules_that_can_meet_are_not_disjoint(a: dict[str, Any], b: dict[str, Any]) -> None:
    assert pair(rule("a", **a), rule("b", **b)) is None


def test_equal_priority_rules_that_can_both_match_are_refused_naming_both() -> None:
    found = problems(
        rule("stalls", 5, item_prefixes=["E05"]),
        rule("taxis", 5, "gongan", item_codes=["E0509"]),
    )

    assert len(found) == 1
    index, location, reason = found[0]
    assert (index, location) == (1, "rules[1].priority")
    assert "stalls" in reason
    assert "taxis" in reason


def test_equal_priority_rules_that_are_disjoint_are_accepted() -> None:
    assert (
        problems(
            rule(
                "night",
                5,
                "gongan",
                item_codes=["E0508"],
                time_window={"start": "22:00", "end": "06:00"},
            ),
            rule("day", 5, item_codes=["E0508"], time_window={"start": "06:00", "end": "22:00"}),
            rule("other", 5, item_codes=["E0101"]),
        )
        == []
    )


def test_overlapping_rules_of_different_priority_are_accepted() -> None:
    assert problems(rule("general", 1), rule("specific", 2, item_codes=["E0101"])) == []


def test_the_demo_rule_set_is_valid() -> None:
    parsed = validation.parse_rules(rule_set_document())
    known = validation.Known(
        department_types={"chengguan", "gongan", "shichang", "fangguan", "jiaojing", "grid_center"},
        item_codes={"E0101", "E0501", "E0504", "E0508", "E0509", "E0514"},
        street_codes=set(),
        unit_grid_codes=set(),
        office_codes=set(),
    )

    assert validation.check(parsed, known) == []


# ----------------------------------------------------------------------------- references


def test_every_unknown_reference_is_listed_with_its_rule() -> None:
    found = problems(
        {
            "id": "bad",
            "priority": 1,
            "when": {
                "item_codes": ["E0101", "E9999"],
                "item_prefixes": ["C07"],
                "street_codes": ["310105099"],
                "unit_grid_codes": ["310105001001001", "310105001001999"],
            },
            "then": {"lead_department": "waterworks", "assist_departments": ["gongan", "fire"]},
        },
        {"id": "bad-office", "priority": 2, "then": {"lead_office": "no-such-office"}},
    )

    locations = [location for _, location, _ in found]
    assert locations == [
        "rules[0].then.lead_department",
        "rules[0].then.assist_departments",
        "rules[0].when.item_codes",
        "rules[0].when.item_prefixes",
        "rules[0].when.street_codes",
        "rules[0].when.unit_grid_codes",
        "rules[1].then.lead_office",
    ]
    reasons = " ".join(reason for _, _, reason in found)
    for code in ("waterworks", "fire", "E9999", "C07", "310105099", "310105001001999"):
        assert code in reasons
    assert "310105001001001" not in reasons


def test_a_repeated_rule_id_is_refused() -> None:
    found = problems(rule("same", 1, item_codes=["E0101"]), rule("same", 2, item_codes=["E0102"]))

    assert [(index, location) for index, location, _ in found] == [(1, "rules[1].id")]


def test_an_unusable_area_is_refused_and_kept_out_of_the_overlap_check() -> None:
    bowtie = {
        "type": "Polygon",
        "coordinates": [
            [[121.3, 31.1], [121.4, 31.2], [121.4, 31.1], [121.3, 31.2], [121.3, 31.1]]
        ],
    }
    swapped = square(31.10, 121.30, 31.20, 121.35)

    found = problems(rule("bowtie", 1, area=bowtie), rule("swapped", 2, area=swapped))

    assert [(index, location) for index, location, _ in found] == [
        (0, "rules[0].when.area"),
        (1, "rules[1].when.area"),
    ]


def test_assisting_departments_may_not_repeat_the_lead() -> None:
    found = problems(
        {
            "id": "r",
            "priority": 1,
            "then": {"lead_department": "gongan", "assist_departments": ["gongan"]},
        }
    )

    assert [location for _, location, _ in found] == ["rules[0].then.assist_departments"]


# ----------------------------------------------------------------------------- shape


@pytest.mark.parametrize(
    "bad",
    [
        {"id": "r", "priority": 1, "then": {}},
        {"id": "r", "priority": 1, "then": {"lead_department": "gongan", "lead_office": "x"}},
        {
            "id": "r",
            "priority": 1,
            "when": {"time_window": {"start": "22:00", "end": "22:00"}},
            "then": {"lead_department": "gongan"},
        },
        {
            "id": "r",
            "priority": 1,
            "when": {"time_window": {"start": "22:00"}},
            "then": {"lead_department": "gongan"},
        },
        {
            "id": "r",
            "priority": 1,
            "when": {"time_window": {"start": 1320, "end": "06:00"}},
            "then": {"lead_department": "gongan"},
        },
        {
            "id": "r",
            "priority": 1,
            "when": {"street_codes": [310105001]},
            "then": {"lead_department": "gongan"},
        },
        {"id": "r", "priority": 1, "when": {"tiers": ["E"]}, "then": {"lead_department": "gongan"}},
        {
            "id": "r",
            "priority": 1,
            "when": {"item_codes": []},
            "then": {"lead_department": "gongan"},
        },
        {
            "id": "r",
            "priority": 1,
            "when": {"colour": "red"},
            "then": {"lead_department": "gongan"},
        },
        {"id": "r\x00", "priority": 1, "then": {"lead_department": "gongan"}},
        {"id": "r", "priority": 10**12, "then": {"lead_department": "gongan"}},
    ],
)
def test_malformed_rules_are_refused_by_the_schema(bad: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        RuleSetCreate.model_validate({"name": "test", "rules": [bad]})


def test_an_unquoted_yaml_time_is_refused_rather_than_misread() -> None:
    text = """
name: t
rules:
  - id: night
    priority: 1
    when: {time_window: {start: 22:00, end: '06:00'}}
    then: {lead_department: gongan}
"""
    with pytest.raises(ValidationError, match="start"):
        RuleSetCreate.model_validate(yaml.safe_load(text))
