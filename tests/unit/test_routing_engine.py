"""The pure routing engine: priority, conditions, time windows, offices, fallback and trace."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from gridloop.routing.engine import (
    EMPTY_RULE_SET,
    Condition,
    LeadKind,
    OfficeRef,
    TraceStepKind,
    decide,
)
from gridloop.routing.rules import TimeWindow
from tests.unit.routing_facts import SHANGHAI, STREET_CENTER, compile_document, facts, office

WEDNESDAY_NOON = datetime(2026, 6, 10, 12, 0, tzinfo=SHANGHAI)


def rule(rule_id: str, priority: int, lead: str = "chengguan", **when: Any) -> dict[str, Any]:
    return {"id": rule_id, "priority": priority, "when": when, "then": {"lead_department": lead}}


def rule_set(*rules: dict[str, Any]) -> Any:
    return compile_document({"name": "test", "rules": list(rules)})


def test_the_highest_priority_matching_rule_wins_whatever_the_file_order() -> None:
    rules = rule_set(
        rule("low", 1, "lvhua", item_codes=["E0102"]),
        rule("high", 9, "gongan", item_codes=["E0102"]),
    )

    decision = decide(facts("E0102", at=WEDNESDAY_NOON), rules)

    assert decision.rule_id == "high"
    assert decision.lead.office == office("gongan")


def test_the_trace_lists_rules_tried_until_the_winner_with_the_first_failed_condition() -> None:
    rules = rule_set(
        rule("wrong-tier", 30, tiers=["A"], street_codes=["310105001"]),
        rule("wrong-street", 20, street_codes=["310105001"]),
        rule("winner", 10, "gongan"),
        rule("never-tried", 5, "lvhua"),
        rule("other-item", 40, item_codes=["E0101"]),
    )

    trace = decide(facts("E0102", at=WEDNESDAY_NOON), rules).trace

    assert [(c.rule_id, c.matched, c.failed) for c in trace.rules] == [
        ("wrong-tier", False, Condition.TIER),
        ("wrong-street", False, Condition.STREET),
        ("winner", True, None),
    ]
    assert trace.rules_in_set == 5
    assert trace.rules_skipped_by_item == 1
    assert all(check.reason for check in trace.rules)


def test_an_item_prefix_matches_every_item_under_it_and_no_other() -> None:
    rules = rule_set(rule("street-order", 1, "gongan", item_prefixes=["E05"]))

    assert decide(facts("E0509", at=WEDNESDAY_NOON), rules).rule_id == "street-order"
    assert decide(facts("E0102", at=WEDNESDAY_NOON), rules).rule_id is None


def test_unit_grid_and_attribute_conditions_must_hold() -> None:
    rules = rule_set(
        rule("grid", 2, "gongan", unit_grid_codes=["310105010001001"]),
        rule("attr", 1, "lvhua", attributes={"size": "large"}),
    )

    in_grid = decide(facts("E0102", at=WEDNESDAY_NOON, unit_grid_code="310105010001001"), rules)
    other = decide(facts("E0102", at=WEDNESDAY_NOON, unit_grid_code="310105010001002"), rules)
    large = decide(
        facts(
            "E0102",
            at=WEDNESDAY_NOON,
            unit_grid_code="310105010001002",
            attributes={"size": "large"},
        ),
        rules,
    )

    assert in_grid.rule_id == "grid"
    assert other.rule_id is None
    assert [c.failed for c in other.trace.rules] == [Condition.UNIT_GRID, Condition.ATTRIBUTES]
    assert large.rule_id == "attr"


@pytest.mark.parametrize(
    ("local", "holds"),
    [
        (datetime(2026, 6, 12, 23, 0), True),  # Friday 23:00
        (datetime(2026, 6, 13, 2, 0), True),  # Saturday 02:00: Friday's window
        (datetime(2026, 6, 12, 2, 0), False),  # Friday 02:00: Thursday's window, not listed
        (datetime(2026, 6, 13, 23, 0), False),  # Saturday 23:00
        (datetime(2026, 6, 13, 6, 0), False),  # the end is exclusive
    ],
)
def test_a_window_across_midnight_belongs_to_the_day_it_starts(
    local: datetime, holds: bool
) -> None:
    window = TimeWindow(start=22 * 60, end=6 * 60, weekdays=frozenset({5}))

    assert window.contains(local.replace(tzinfo=SHANGHAI)) is holds


def test_a_weekday_only_window_holds_all_day() -> None:
    weekend = TimeWindow(weekdays=frozenset({6, 7}))

    assert weekend.contains(datetime(2026, 6, 13, 0, 0, tzinfo=SHANGHAI))
    assert weekend.contains(datetime(2026, 6, 14, 23, 59, tzinfo=SHANGHAI))
    assert not weekend.contains(datetime(2026, 6, 15, 0, 0, tzinfo=SHANGHAI))


def test_sunday_night_windows_wrap_into_monday_for_overlap() -> None:
    sunday_night = TimeWindow(start=22 * 60, end=6 * 60, weekdays=frozenset({7}))
    monday_early = TimeWindow(start=3 * 60, end=4 * 60, weekdays=frozenset({1}))
    monday_late = TimeWindow(start=7 * 60, end=8 * 60, weekdays=frozenset({1}))

    assert sunday_night.overlaps(monday_early)
    assert not sunday_night.overlaps(monday_late)


def test_facts_without_a_timezone_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone"):
        facts("E0102", at=datetime(2026, 6, 10, 12, 0))


def test_a_rule_may_name_a_fixed_office_whatever_covers_the_point() -> None:
    hub = OfficeRef("hongqiao-hub-police", "虹桥枢纽派出所", "gongan")
    rules = compile_document(
        {
            "name": "fixed",
            "rules": [
                {
                    "id": "hub",
                    "priority": 1,
                    "when": {"item_codes": ["E0509"]},
                    "then": {
                        "lead_office": "hongqiao-hub-police",
                        "assist_departments": ["gongan"],
                    },
                }
            ],
        }
    )

    found = decide(facts("E0509", at=WEDNESDAY_NOON, fixed_offices={hub.code: hub}), rules)
    gone = decide(facts("E0509", at=WEDNESDAY_NOON), rules)

    assert found.lead.office == hub
    assert found.lead.department_type == "gongan"
    assert [o.code for o in found.assisting] == [office("gongan").code]
    assert not found.fallback
    assert gone.fallback
    assert gone.lead.kind is LeadKind.STREET_CENTER


def test_an_assisting_office_that_already_leads_is_not_listed_twice() -> None:
    rules = compile_document(
        {
            "name": "same",
            "rules": [
                {
                    "id": "r",
                    "priority": 1,
                    "then": {
                        "lead_office": office("gongan").code,
                        "assist_departments": ["gongan"],
                    },
                }
            ],
        }
    )

    decision = decide(
        facts("E0102", at=WEDNESDAY_NOON, fixed_offices={office("gongan").code: office("gongan")}),
        rules,
    )

    assert decision.assisting == ()
    assert [s.step for s in decision.trace.steps if s.department_type == "gongan"][-1] is (
        TraceStepKind.ASSIST_SKIPPED
    )


def test_the_street_center_can_be_called_in_to_assist() -> None:
    rules = rule_set(
        {
            "id": "r",
            "priority": 1,
            "then": {"lead_department": "gongan", "assist_departments": ["grid_center"]},
        }
    )

    decision = decide(facts("E0102", at=WEDNESDAY_NOON), rules)

    assert decision.assisting == (STREET_CENTER,)


def test_without_a_rule_set_the_default_department_decides() -> None:
    decision = decide(facts("E0102", at=WEDNESDAY_NOON), EMPTY_RULE_SET)

    assert decision.rule_id is None
    assert decision.rule_set_version is None
    assert decision.lead.office == office("lvhua")
    assert [step.step for step in decision.trace.steps] == [
        TraceStepKind.NO_RULE_MATCHED,
        TraceStepKind.LEAD_OFFICE,
    ]


def test_a_fallback_names_the_missing_department_and_the_street_center() -> None:
    decision = decide(facts("E0102", at=WEDNESDAY_NOON, missing=["lvhua"]), EMPTY_RULE_SET)

    fallback = [step for step in decision.trace.steps if step.step is TraceStepKind.FALLBACK]
    assert len(fallback) == 1
    assert fallback[0].department_type == "lvhua"
    assert fallback[0].office_code == STREET_CENTER.code
    assert "属地兜底" in fallback[0].message
    assert decision.lead.street_code == "310105010"


def test_an_area_is_checked_last_so_cheap_conditions_explain_a_miss_first() -> None:
    square = [[121.30, 31.10], [121.50, 31.10], [121.50, 31.30], [121.30, 31.30], [121.30, 31.10]]
    rules = rule_set(
        rule("zone", 1, "gongan", tiers=["A"], area={"type": "Polygon", "coordinates": [square]})
    )

    outside = decide(facts("E0102", at=WEDNESDAY_NOON, point=(121.6, 31.2), tier="A"), rules)
    wrong_tier = decide(facts("E0102", at=WEDNESDAY_NOON, point=(121.6, 31.2)), rules)

    assert outside.trace.rules[0].failed is Condition.AREA
    assert wrong_tier.trace.rules[0].failed is Condition.TIER


def test_time_windows_are_read_in_the_zone_the_facts_carry() -> None:
    rules = rule_set(rule("night", 9, "gongan", time_window={"start": "22:00", "end": "06:00"}))
    late = datetime(2026, 6, 10, 23, 0, tzinfo=SHANGHAI)  # 15:00 in UTC

    assert decide(facts("E0102", at=late), rules).rule_id == "night"
    in_utc = decide(facts("E0102", at=late, zone=UTC), rules)
    assert in_utc.rule_id is None
    assert "Wed 15:00 UTC is outside the rule's window" in in_utc.trace.rules[0].reason
