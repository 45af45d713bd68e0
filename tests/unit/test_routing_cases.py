"""Where the 长宁区 demo rules send a case, written from what each rule is meant to do.

Each row states the intent (Changning's linked enforcement, DOMAIN.md §6) and the expected
decision, worked out by hand from the rules' wording — not copied from the engine's output.
One office of every department covers the point unless a row lists the missing ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from gridloop.routing.engine import LeadKind, Scalar, TraceStepKind, decide
from tests.unit.routing_facts import SHANGHAI, STREET_CENTER, demo_rule_set, facts, office

CENTRE = (121.40, 31.21)  # 天山路, far from the airport zone
AIRPORT = (121.355, 31.200)  # inside the Hongqiao airport zone
ZONE_EDGE = (121.372, 31.200)  # on the zone's east edge: the boundary belongs to the zone
EAST_OF_ZONE = (121.3725, 31.200)


def local(hour: int, minute: int = 0, day: int = 10) -> datetime:
    """June 2026 in Shanghai; the 10th is a Wednesday."""
    return datetime(2026, 6, day, hour, minute, tzinfo=SHANGHAI)


DAY = local(14)
STREET_CENTER_LEAD = "street_center"


@dataclass(frozen=True)
class Case:
    intent: str
    item: str
    lead: str  # a department type, or STREET_CENTER_LEAD
    rule: str | None
    assisting: tuple[str, ...] = ()
    at: datetime = DAY
    point: tuple[float, float] = CENTRE
    attributes: dict[str, Scalar] = field(default_factory=dict)
    missing: tuple[str, ...] = ()
    tier: str | None = None
    fallback: bool = False
    skipped: tuple[str, ...] = ()
    street_center_on_record: bool = True


CASES = [
    # 群租: 房管 leads, 公安 assists; a repeat offence brings 城管 to pull the partitions down.
    Case(
        "group renting goes to housing with police",
        "E0514",
        "fangguan",
        "group-renting",
        ("gongan",),
    ),
    Case(
        "group renting is the same at night",
        "E0514",
        "fangguan",
        "group-renting",
        ("gongan",),
        at=local(23, 30),
    ),
    Case(
        "repeat group renting adds city management",
        "E0514",
        "fangguan",
        "group-renting-repeat",
        ("gongan", "chengguan"),
        attributes={"repeat_offence": True},
    ),
    Case(
        "a first offence is plain group renting",
        "E0514",
        "fangguan",
        "group-renting",
        ("gongan",),
        attributes={"repeat_offence": False},
    ),
    Case(
        "the text 'true' is not the flag true",
        "E0514",
        "fangguan",
        "group-renting",
        ("gongan",),
        attributes={"repeat_offence": "true"},
    ),
    Case(
        "no housing office here: the street center takes it, police still assist",
        "E0514",
        STREET_CENTER_LEAD,
        "group-renting",
        ("gongan",),
        missing=("fangguan",),
        fallback=True,
    ),
    Case(
        "no police station here: housing leads alone",
        "E0514",
        "fangguan",
        "group-renting",
        missing=("gongan",),
        skipped=("gongan",),
    ),
    # 无序设摊 / 无照经营 / 跨门营业: 城管 leads, 市场监管 assists.
    Case(
        "unlicensed peddlers go to city management with market supervision",
        "E0501",
        "chengguan",
        "street-stalls",
        ("shichang",),
    ),
    Case(
        "business beyond the shop front likewise",
        "E0504",
        "chengguan",
        "street-stalls",
        ("shichang",),
    ),
    Case(
        "the airport zone changes nothing for stalls",
        "E0501",
        "chengguan",
        "street-stalls",
        ("shichang",),
        point=AIRPORT,
    ),
    Case(
        "no market office: city management leads, market supervision skipped",
        "E0501",
        "chengguan",
        "street-stalls",
        missing=("shichang",),
        skipped=("shichang",),
    ),
    # 黑车拉客 / 非法客运: 交警 leads, 公安 assists; around the airport hub 公安 leads.
    Case(
        "illegal taxis go to traffic police with police",
        "E0509",
        "jiaojing",
        "illegal-taxi",
        ("gongan",),
    ),
    Case(
        "illegal taxis by the airport go to police, traffic police and city management assist",
        "E0509",
        "gongan",
        "airport-illegal-taxi",
        ("jiaojing", "chengguan"),
        point=AIRPORT,
    ),
    Case(
        "the zone's edge belongs to the zone",
        "E0509",
        "gongan",
        "airport-illegal-taxi",
        ("jiaojing", "chengguan"),
        point=ZONE_EDGE,
    ),
    Case(
        "just east of the zone is the ordinary rule",
        "E0509",
        "jiaojing",
        "illegal-taxi",
        ("gongan",),
        point=EAST_OF_ZONE,
    ),
    Case(
        "the airport rule holds at night too",
        "E0509",
        "gongan",
        "airport-illegal-taxi",
        ("jiaojing", "chengguan"),
        point=AIRPORT,
        at=local(2),
    ),
    Case(
        "airport taxis with no police station: street center, helpers still called",
        "E0509",
        STREET_CENTER_LEAD,
        "airport-illegal-taxi",
        ("jiaojing", "chengguan"),
        point=AIRPORT,
        missing=("gongan",),
        fallback=True,
    ),
    # 商业噪音: at night (22:00–06:00 Shanghai) the police; by day the item's default (城管).
    Case(
        "commercial noise at night goes to the police",
        "E0508",
        "gongan",
        "night-commercial-noise",
        at=local(23, 30),
    ),
    Case("commercial noise by day stays with city management", "E0508", "chengguan", None),
    Case("22:00 is night", "E0508", "gongan", "night-commercial-noise", at=local(22)),
    Case("05:59 is still night", "E0508", "gongan", "night-commercial-noise", at=local(5, 59)),
    Case("06:00 is day again", "E0508", "chengguan", None, at=local(6)),
    Case("21:59 is not night yet", "E0508", "chengguan", None, at=local(21, 59)),
    Case(
        "15:00 UTC is 23:00 in Shanghai: night",
        "E0508",
        "gongan",
        "night-commercial-noise",
        at=datetime(2026, 6, 10, 15, 0, tzinfo=UTC),
    ),
    Case(
        "23:00 UTC is 07:00 in Shanghai: day",
        "E0508",
        "chengguan",
        None,
        at=datetime(2026, 6, 10, 23, 0, tzinfo=UTC),
    ),
    Case(
        "Sunday night into Monday morning is night",
        "E0508",
        "gongan",
        "night-commercial-noise",
        at=local(1, 0, day=15),
    ),
    # 违法搭建: 城管 leads, 房管 assists.
    Case(
        "illegal construction goes to city management with housing",
        "E0101",
        "chengguan",
        "illegal-construction",
        ("fangguan",),
    ),
    Case(
        "illegal construction with no city-management squad: street center",
        "E0101",
        STREET_CENTER_LEAD,
        "illegal-construction",
        ("fangguan",),
        missing=("chengguan",),
        fallback=True,
    ),
    # Tier A: the street grid center's own forces.
    Case(
        "illegal small ads (tier A) stay with the street center",
        "E0201",
        STREET_CENTER_LEAD,
        "tier-a-street-center",
    ),
    Case(
        "badly parked bicycles (tier A) stay with the street center",
        "E0506",
        STREET_CENTER_LEAD,
        "tier-a-street-center",
    ),
    Case(
        "a case registered as tier A stays with the street center",
        "E0102",
        STREET_CENTER_LEAD,
        "tier-a-street-center",
        tier="A",
    ),
    Case(
        "a specific rule beats the tier-A rule",
        "E0514",
        "fangguan",
        "group-renting",
        ("gongan",),
        tier="A",
    ),
    # No rule: the item's default department, else the street center (属地兜底).
    Case("exposed rubbish has no rule: greening and city appearance", "E0102", "lvhua", None),
    Case("a mass incident has no rule: police", "E0409", "gongan", None),
    Case(
        "dirty water surface: no water-affairs office, street center",
        "E0105",
        STREET_CENTER_LEAD,
        None,
        fallback=True,
    ),
    Case(
        "a water manhole cover: no water-affairs office, street center",
        "C0101",
        STREET_CENTER_LEAD,
        None,
        fallback=True,
    ),
    Case(
        "a street center without an office on record still leads",
        "C0101",
        STREET_CENTER_LEAD,
        None,
        missing=("grid_center",),
        fallback=True,
        street_center_on_record=False,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.intent for case in CASES])
def test_demo_rules_route_as_intended(case: Case) -> None:
    decision = decide(
        facts(
            case.item,
            at=case.at,
            point=case.point,
            attributes=case.attributes,
            missing=case.missing,
            tier=case.tier,
            street_center=STREET_CENTER if case.street_center_on_record else None,
        ),
        demo_rule_set(),
    )

    assert decision.rule_id == case.rule
    assert decision.rule_set_version == 1
    assert decision.fallback is case.fallback
    if case.lead == STREET_CENTER_LEAD:
        assert decision.lead.kind is LeadKind.STREET_CENTER
        assert decision.lead.office == (STREET_CENTER if case.street_center_on_record else None)
    else:
        assert decision.lead.kind is LeadKind.OFFICE
        assert decision.lead.office == office(case.lead)
    assert [o.department_type for o in decision.assisting] == list(case.assisting)
    skipped = [
        s.department_type for s in decision.trace.steps if s.step is TraceStepKind.ASSIST_SKIPPED
    ]
    assert skipped == list(case.skipped)
    fell_back = any(step.step is TraceStepKind.FALLBACK for step in decision.trace.steps)
    assert fell_back is case.fallback


def test_the_table_covers_every_demo_rule_and_the_default() -> None:
    rule_ids = {rule.rule_id for rule in demo_rule_set().rules}

    assert {case.rule for case in CASES} == rule_ids | {None}
    assert len(CASES) >= 30
