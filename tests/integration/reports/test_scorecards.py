"""Scorecards and Beijing's 三率 over small histories driven through the API.

Every expected value is worked out by hand below from the counting rules (DOMAIN.md §5) and the
weights of `schemes.yaml`, not by the code under test. Indicators are rounded to 4 places
before they are weighted (as /reports/indicators shows them); totals to 2 places.

The March history (street 1 → office 310105001-lvhua by routing, street 2 → 310105002-lvhua):
- street 1: c1–c3 filed by ins1, handled on time, verified, closed, evaluated (satisfied;
  basically satisfied and not contacted; dissatisfied and not solved); c4 accepted, still being
  handled; r1 filed by ins1 and rejected; h1 filed by the 12345 hotline, not registered.
- street 2: d1 filed by ins2, fails its first check, reworked, closed, evaluated satisfied;
  d2 handled, not verified yet.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories.cases import (
    IN_A001,
    IN_B001,
    World,
    act,
    file_case,
    image,
    ok,
    to_handling,
    upload,
)
from tests.factories.web import assert_problem

LVHUA_1 = "310105001 绿化市容所"
LVHUA_2 = "310105002 绿化市容所"


def _street(lon_lat: tuple[float, float]) -> str:
    return "2" if lon_lat == IN_B001 else "1"


def _handled(world: World, who: str, lon_lat: tuple[float, float]) -> int:
    case_id = to_handling(world, who, lon_lat)
    liaison = f"lia{_street(lon_lat)}"
    assert upload(world, case_id, "after", liaison, ("after.jpg", image())).status_code == 201
    ok(act(world, case_id, "report_handled", liaison, {"result": "已清运"}))
    return case_id


def _verify(world: World, case_id: int, inspector: str, *, passed: bool) -> None:
    photo = ("check.jpg", image())
    assert upload(world, case_id, "verification", inspector, photo).status_code == 201
    ok(act(world, case_id, "verify", inspector, {"passed": passed}))


def _closed(
    world: World, who: str, lon_lat: tuple[float, float], evaluation: dict[str, Any] | None
) -> int:
    case_id = _handled(world, who, lon_lat)
    _verify(world, case_id, who, passed=True)
    ok(act(world, case_id, "close", f"disp{_street(lon_lat)}"))
    if evaluation is not None:
        ok(act(world, case_id, "evaluate", "aud", evaluation))
    return case_id


@pytest.fixture
def march(world: World) -> World:
    """The March history of the module docstring."""
    _closed(world, "ins1", IN_A001, {"satisfaction": "satisfied"})
    _closed(world, "ins1", IN_A001, {"satisfaction": "basically_satisfied", "contacted": False})
    _closed(world, "ins1", IN_A001, {"satisfaction": "dissatisfied", "solved": False})
    to_handling(world, "ins1", IN_A001)
    rejected = file_case(world, "ins1", IN_A001)["case_id"]
    ok(act(world, rejected, "reject", "disp1", {"reason": "out_of_scope"}))
    file_case(world, "hotline", IN_A001)

    reworked = _handled(world, "ins2", IN_B001)
    _verify(world, reworked, "ins2", passed=False)
    ok(act(world, reworked, "rework", "disp2", {"reason": "清理不彻底"}))
    assert upload(world, reworked, "after", "lia2", ("after.jpg", image())).status_code == 201
    ok(act(world, reworked, "report_handled", "lia2", {"result": "已彻底清理"}))
    _verify(world, reworked, "ins2", passed=True)
    ok(act(world, reworked, "close", "disp2"))
    ok(act(world, reworked, "evaluate", "aud", {"satisfaction": "satisfied"}))
    _handled(world, "ins2", IN_B001)
    return world


def _scorecard(world: World, who: str, **params: str) -> dict[str, Any]:
    response = world.client.get(
        "/reports/scorecards", params={"period": "2026-03", **params}, headers=world[who]
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _summary(body: dict[str, Any]) -> list[tuple[str, float | None, str | None]]:
    return [(card["name"], card["total"], card["grade"]) for card in body["rows"]]


def _points(card: dict[str, Any]) -> dict[str, tuple[float | None, float | None]]:
    return {part["code"]: (part["value"], part["points"]) for part in card["parts"]}


def test_office_cards_by_the_department_composite(march: World) -> None:
    body = _scorecard(march, "aud", subject="office")

    # lvhua 1: 立案 4 (c1–c4); 应处置 4, 处置 3, 按期处置 3; 应结案 = 3 + 0 超期未处置; 结案 3;
    #   返工 0. 立案数分值 4/4 = 1 → 10; 结案率 1 → 30; 按期处置率 0.75 → 22.5; 1 − 返工率 → 30.
    # lvhua 2: 立案 2; 应处置 2, 处置 2, 按期处置 2; 应结案 2, 结案 1; 返工 1 (d1).
    #   立案数分值 2/4 → 5; 结案率 0.5 → 15; 按期处置率 1 → 30; 1 − 0.5 → 15.
    assert _summary(body) == [(LVHUA_1, 92.5, "A"), (LVHUA_2, 65.0, "C")]
    assert _points(body["rows"][1]) == {
        "registered_share": (0.5, 5.0),
        "closure_rate": (0.5, 15.0),
        "on_time_handling_rate": (1.0, 30.0),
        "no_rework": (0.5, 15.0),
    }
    assert body["scheme"]["code"] == "department"
    assert [(p["code"], p["weight"]) for p in body["scheme"]["parts"]] == [
        ("registered_share", 10),
        ("closure_rate", 30),
        ("on_time_handling_rate", 30),
        ("no_rework", 30),
    ]
    assert [(g["grade"], g["min"]) for g in body["grades"]] == [
        ("A", 90),
        ("B", 75),
        ("C", 60),
        ("D", 40),
        ("E", 0),
    ]
    # lvhua 1 served only street 1, where it scores the same 92.5: no veto.
    assert body["street_veto"] is True
    assert body["rows"][0]["vetoed_by"] == []


def test_department_and_street_cards(march: World) -> None:
    departments = _scorecard(march, "aud", subject="department")
    streets = _scorecard(march, "aud", subject="street")

    # One department, both offices: 立案 6; 应处置 6, 按期处置 5 → 0.8333; 应结案 5, 结案 4 → 0.8;
    # 返工 1/5 → 1 − 0.2 = 0.8. 10 + 24 + 24.999 + 24 = 82.999 → 83.00.
    assert _summary(departments) == [("长宁区lvhua", 83.0, "B")]
    # A street's cases are its office's here (r1 and h1 were never registered or dispatched).
    assert _summary(streets) == [("华阳路街道", 92.5, "A"), ("江苏路街道", 65.0, "C")]
    assert streets["street_veto"] is False


def test_shanghai_weighs_public_satisfaction_30_of_100(march: World) -> None:
    body = _scorecard(march, "aud", subject="office", scheme="shanghai")

    # The department parts scaled to 70 (7/21/21/21) plus 满意率 30.
    # lvhua 1: 满意率 (1 + 0.9) / 3 = 0.6333; 7 + 21 + 15.75 + 21 + 18.999 = 83.749 → 83.75.
    # lvhua 2: 满意率 1; 3.5 + 10.5 + 21 + 10.5 + 30 = 75.5.
    assert _summary(body) == [(LVHUA_1, 83.75, "B"), (LVHUA_2, 75.5, "B")]
    assert _points(body["rows"][0])["satisfaction_rate"] == (0.6333, 19.0)
    assert body["scheme"]["measured_weight"] == 100


def test_jinniu_scheme(march: World) -> None:
    body = _scorecard(march, "aud", subject="office", scheme="jinniu")

    # lvhua 1: 处置率 3/4 → 22.5; 按期处置率 0.75 → 15; 1 − 返工率 → 20; 1 − 超期待处置率 0 → 20;
    #   1 − 延期率 0 → 10: 87.5.
    # lvhua 2: 30 + 20 + 1 − 0.5 → 10 + 20 + 10 = 90.
    assert _summary(body) == [(LVHUA_2, 90.0, "A"), (LVHUA_1, 87.5, "B")]


def test_inspector_cards_rescale_the_weights_present(march: World) -> None:
    body = _scorecard(march, "aud", subject="inspector")

    # 按时核实率 (20) is not measured: 40/20/20 are used as 50/25/25.
    # ins1: filed c1–c4 and r1: 有效上报率 4/5 = 0.8 → 40. Grid 31010500101: 上报 6 (h1 too),
    #   监督员上报 5: 漏报率 1/6 = 0.1667 → 0.8333 × 25 = 20.8325; 应核查 3, 按时 3 → 25.
    #   85.8325 → 85.83.
    # ins2: filed d1, d2: 1 → 50; grid 31010500201: 漏报率 0 → 25; 应核查 3 (d1 handled twice,
    #   d2 once), 按时核查 2 (d1's two checks) → 0.6667 × 25 = 16.6675. 91.6675 → 91.67.
    assert _summary(body) == [("ins2", 91.67, "A"), ("ins1", 85.83, "B")]
    ins1 = body["rows"][1]
    assert [(p["code"], p["weight"], p["weight_used"], p["value"]) for p in ins1["parts"]] == [
        ("valid_report_rate", 40, 50, 0.8),
        ("no_missed_report", 20, 25, 0.8333),
        ("on_time_verification_rate", 20, 25, 1.0),
        ("on_time_confirmation_rate", 20, 0, None),
    ]
    confirmation = body["scheme"]["parts"][-1]
    assert confirmation["measured"] is False
    assert "no confirmation step" in confirmation["not_measured"]
    assert body["scheme"]["measured_weight"] == 80


def test_an_inspector_reads_only_their_own_card(march: World) -> None:
    body = _scorecard(march, "ins1", subject="inspector")

    assert _summary(body) == [("ins1", 85.83, "B")]
    assert_problem(
        march.client.get(
            "/reports/scorecards",
            params={"period": "2026-03", "subject": "office"},
            headers=march["ins1"],
        ),
        403,
        "forbidden",
    )


def test_a_dispatcher_reads_the_subjects_of_their_street(march: World) -> None:
    offices = _scorecard(march, "disp2", subject="office")
    streets = _scorecard(march, "disp1", subject="street")
    inspectors = _scorecard(march, "disp2", subject="inspector")

    # Scored on street 2's cases among street 2's offices: lvhua 2 has the most 立案 there, so
    # 立案数分值 1 → 10 (5 for the auditor, who compares it with lvhua 1): 70.
    assert offices["street_code"] == "310105002"
    assert offices["street_veto"] is False
    assert _summary(offices) == [(LVHUA_2, 70.0, "C")]
    # A street's card is the same for its dispatcher as for an auditor.
    assert _summary(streets) == [("华阳路街道", 92.5, "A")]
    assert _summary(inspectors) == [("ins2", 91.67, "A")]
    response = march.client.get(
        "/reports/scorecards",
        params={"period": "2026-03", "subject": "office", "street_code": "310105001"},
        headers=march["disp2"],
    )
    assert_problem(response, 404, "not-found")


def test_three_rates_and_their_composite(march: World) -> None:
    response = march.client.get(
        "/reports/three-rates",
        params={"group_by": "street", "from": "2026-03-01", "to": "2026-03-31"},
        headers=march["aud"],
    )

    assert response.status_code == 200, response.text
    body = response.json()
    rows = {row["key"]: row for row in body["rows"]}
    # Street 1: 有效回访 3 (c1–c3); 已联系 2 (not c2) → 0.6667; 已解决 2 (not c3) → 0.6667;
    # 满意率 (1 + 0.9) / 3 = 0.6333. 10 × 0.6667 + 50 × 0.6667 + 40 × 0.6333 = 65.334 → 65.33.
    assert rows["310105001"]["counts"] == {
        "evaluated": 3,
        "contacted": 2,
        "solved": 2,
        "satisfied": 1,
        "basically_satisfied": 1,
        "dissatisfied": 1,
    }
    assert rows["310105001"]["rates"] == {
        "response_rate": 0.6667,
        "resolution_rate": 0.6667,
        "satisfaction_rate": 0.6333,
    }
    assert rows["310105001"]["composite"] == 65.33
    # Street 2: d1, satisfied, contacted, solved: 100.
    assert rows["310105002"]["composite"] == 100.0
    assert [(p["code"], p["weight"]) for p in body["scheme"]["parts"]] == [
        ("response_rate", 10),
        ("resolution_rate", 50),
        ("satisfaction_rate", 40),
    ]


def test_three_rates_without_follow_ups_have_no_composite(world: World) -> None:
    to_handling(world, "ins1", IN_A001)

    response = world.client.get(
        "/reports/three-rates",
        params={"group_by": "office", "from": "2026-03-01", "to": "2026-03-31"},
        headers=world["lia1"],
    )

    assert response.status_code == 200, response.text
    [row] = response.json()["rows"]
    assert row["counts"]["evaluated"] == 0
    assert row["rates"] == {
        "response_rate": None,
        "resolution_rate": None,
        "satisfaction_rate": None,
    }
    assert row["composite"] is None


@pytest.fixture
def veto(world: World) -> World:
    """Office lvhua 1 closes two street-1 cases on time and is sent a street-2 case it has not
    handled yet (dispatched there by name)."""
    _closed(world, "ins1", IN_A001, None)
    _closed(world, "ins1", IN_A001, None)
    case_id = file_case(world, "ins2", IN_B001)["case_id"]
    ok(act(world, case_id, "register", "disp2"))
    body = {"office_code": "310105001-lvhua", "override_reason": "跨街道支援"}
    ok(act(world, case_id, "dispatch", "disp2", body))
    return world


def test_a_street_that_did_not_rate_an_office_excellent_caps_it_at_b(veto: World) -> None:
    body = _scorecard(veto, "aud", subject="office")

    # Department total: 立案 3 (the only office: 立案数分值 1 → 10); 应处置 3, 按期处置 2 → 0.6667
    # → 20.001; 应结案 2, 结案 2 → 30; 返工 0 → 30. 90.001 → 90.00: A.
    # Street 2's rating: its one case, 立案数分值 1 → 10; 按期处置率 0/1 → 0; 结案率 and 返工率
    # have no denominator (应结案 0): the weights 10 + 30 = 40 are used as 25 + 75. 25: E.
    [card] = body["rows"]
    assert (card["name"], card["total"], card["uncapped_grade"], card["grade"]) == (
        LVHUA_1,
        90.0,
        "A",
        "B",
    )
    assert card["vetoed_by"] == [
        {"street_code": "310105002", "name": "江苏路街道", "total": 25.0, "grade": "E"}
    ]
    # The liaison reads the same card; the dispatcher of street 2 reads street 2's rating.
    assert _scorecard(veto, "lia1", subject="office")["rows"] == [card]
    [rated_by_street] = _scorecard(veto, "disp2", subject="office")["rows"]
    assert (rated_by_street["total"], rated_by_street["grade"]) == (25.0, "E")
    assert [(p["code"], p["weight_used"], p["points"]) for p in rated_by_street["parts"]] == [
        ("registered_share", 25, 25.0),
        ("closure_rate", 0, None),
        ("on_time_handling_rate", 75, 0.0),
        ("no_rework", 0, None),
    ]
    # Street 1 rated it 100 (2 of 2 closed on time): no veto from there.
    [rated_by_street_1] = _scorecard(veto, "aud", subject="office", street_code="310105001")["rows"]
    assert (rated_by_street_1["total"], rated_by_street_1["grade"]) == (100.0, "A")


@pytest.mark.parametrize(
    ("who", "params", "status", "slug"),
    [
        ("lia1", {"subject": "street"}, 403, "forbidden"),
        ("lia1", {"subject": "inspector"}, 403, "forbidden"),
        ("ins1", {"subject": "department"}, 403, "forbidden"),
        ("lia1", {"subject": "office", "office_code": "310105002-lvhua"}, 404, "not-found"),
        ("aud", {"subject": "office", "office_code": "no-such-office"}, 404, "not-found"),
        ("disp1", {"subject": "street", "street_code": "310105002"}, 404, "not-found"),
        ("aud", {"subject": "office", "scheme": "nonesuch"}, 422, "validation-error"),
        ("aud", {"subject": "inspector", "scheme": "shanghai"}, 422, "validation-error"),
        ("aud", {"subject": "street", "office_code": "310105001-lvhua"}, 422, "validation-error"),
        ("aud", {"subject": "office", "period": "2026-13"}, 422, "validation-error"),
        ("aud", {"subject": "office", "period": "0000-01"}, 422, "validation-error"),
        ("aud", {"subject": "mayor"}, 422, "validation-error"),
    ],
)
def test_scorecard_scope_and_choices(
    world: World, who: str, params: dict[str, str], status: int, slug: str
) -> None:
    response = world.client.get(
        "/reports/scorecards", params={"period": "2026-03", **params}, headers=world[who]
    )

    assert_problem(response, status, slug)


def test_a_liaison_reads_their_office_card_only(march: World) -> None:
    own = _scorecard(march, "lia1", subject="office")
    filtered = _scorecard(march, "aud", subject="office", office_code="310105001-lvhua")

    assert _summary(own) == [(LVHUA_1, 92.5, "A")]
    assert own["rows"] == filtered["rows"]


def test_scorecards_need_a_login(world: World) -> None:
    response = world.client.get(
        "/reports/scorecards", params={"period": "2026-03", "subject": "office"}
    )

    assert_problem(response, 401, "unauthenticated")


def test_a_month_without_cases_has_no_cards(march: World) -> None:
    assert _scorecard(march, "aud", subject="office", period="2026-04")["rows"] == []
    last = _scorecard(march, "aud", subject="office", period="9999-12")
    assert (last["from"], last["to"], last["rows"]) == ("9999-12-01", "9999-12-31", [])
