"""`POST /routing/explain` and `GET /routing/coverage` on the small world (see conftest)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.orm import Session

from gridloop.catalog import service as catalog_service
from gridloop.config import get_settings
from gridloop.geo import service as geo_service
from gridloop.geo.crs import Crs, from_wgs84
from gridloop.localtime import CHINA_TIME
from gridloop.org import service as org_service
from gridloop.routing import engine, seed, service
from tests.factories.routing import POINT_A, POINT_B, STREET_A, STREET_B, rule, rule_set
from tests.factories.web import assert_problem
from tests.integration.small_map import FAR_EAST, NORTH, SOUTH, WEST

NIGHT = "2026-06-10T23:30:00+08:00"
DAY = "2026-06-10T14:00:00+08:00"


@pytest.fixture
def demo_rules(session: Session) -> None:
    seed.load_demo(session, get_settings().seeds_dir, now=datetime(2026, 11, 28, tzinfo=UTC))
    session.commit()


def explain(
    client: TestClient,
    headers: dict[str, str],
    point: tuple[float, float],
    item_code: str,
    **extra: Any,
) -> dict[str, Any]:
    body = {"lon": point[0], "lat": point[1], "crs": "wgs84", "item_code": item_code, **extra}
    response = client.post("/routing/explain", json=body, headers=headers)
    assert response.status_code == 200, response.text
    decision: dict[str, Any] = response.json()["decision"]
    return decision


def office_codes(offices: list[dict[str, Any]]) -> list[str]:
    return [office["code"] for office in offices]


@pytest.mark.usefixtures("demo_rules")
def test_group_renting_goes_to_housing_with_the_police_as_helpers(
    client: TestClient, inspector: dict[str, str]
) -> None:
    decision = explain(client, inspector, POINT_A, "E0514")

    assert decision["rule_id"] == "group-renting"
    assert decision["rule_set_version"] == 1
    assert decision["lead"]["kind"] == "office"
    assert decision["lead"]["office"]["code"] == "all-fangguan"
    assert decision["lead"]["department_type_name"] == "房管"
    assert office_codes(decision["assisting"]) == ["all-gongan"]
    assert decision["fallback"] is False


@pytest.mark.usefixtures("demo_rules")
def test_without_a_covering_office_the_street_center_takes_the_case(
    client: TestClient, dispatcher: dict[str, str]
) -> None:
    decision = explain(client, dispatcher, POINT_B, "E0501")  # 无照经营游商: no 城管 in street B

    assert decision["rule_id"] == "street-stalls"
    assert decision["fallback"] is True
    assert decision["lead"]["kind"] == "street_center"
    assert decision["lead"]["office"]["code"] == f"{STREET_B}-grid_center"
    assert decision["lead"]["street_code"] == STREET_B
    assert office_codes(decision["assisting"]) == ["b-shichang"]
    steps = [step["step"] for step in decision["trace"]["steps"]]
    assert "fallback_street_center" in steps


@pytest.mark.usefixtures("demo_rules")
def test_an_assisting_department_without_an_office_is_skipped_in_the_trace(
    client: TestClient, dispatcher: dict[str, str]
) -> None:
    decision = explain(client, dispatcher, POINT_A, "E0501")  # no 市场监管 in street A

    assert decision["lead"]["office"]["code"] == "a-chengguan"
    assert decision["assisting"] == []
    skipped = [s for s in decision["trace"]["steps"] if s["step"] == "assist_skipped"]
    assert [s["department_type"] for s in skipped] == ["shichang"]


@pytest.mark.usefixtures("demo_rules")
def test_the_time_of_the_case_decides_night_noise(
    client: TestClient, inspector: dict[str, str]
) -> None:
    night = explain(client, inspector, POINT_A, "E0508", at=NIGHT)
    day = explain(client, inspector, POINT_A, "E0508", at=DAY)

    assert night["rule_id"] == "night-commercial-noise"
    assert night["lead"]["office"]["code"] == "all-gongan"
    assert day["rule_id"] is None
    assert day["lead"]["office"]["code"] == "a-chengguan"
    assert [check["failed_condition"] for check in day["trace"]["rules"]] == ["time_window", "tier"]


@pytest.mark.usefixtures("demo_rules")
def test_attributes_reach_the_rules(client: TestClient, inspector: dict[str, str]) -> None:
    decision = explain(client, inspector, POINT_A, "E0514", attributes={"repeat_offence": True})

    assert decision["rule_id"] == "group-renting-repeat"
    assert office_codes(decision["assisting"]) == ["all-gongan", "a-chengguan"]


@pytest.mark.usefixtures("demo_rules")
def test_explain_converts_the_point_and_reports_where_it_fell(
    client: TestClient, inspector: dict[str, str]
) -> None:
    lon, lat = from_wgs84(*POINT_A, Crs.GCJ02)
    response = client.post(
        "/routing/explain",
        json={"lon": lon, "lat": lat, "crs": "gcj02", "item_code": "E0514", "at": DAY},
        headers=inspector,
    )

    body = response.json()
    assert body["location"]["unit_grid_code"] == "310105001001001"
    assert body["item"] == {
        "code": "E0514",
        "name": "群租",
        "tier": "D",
        "default_department_type": "fangguan",
    }
    assert body["at"] == "2026-06-10T14:00:00+08:00"


def test_without_an_active_rule_set_the_default_department_decides(
    client: TestClient, inspector: dict[str, str]
) -> None:
    decision = explain(client, inspector, POINT_A, "E0514")

    assert decision["rule_id"] is None
    assert decision["rule_set_version"] is None
    assert decision["lead"]["office"]["code"] == "all-fangguan"


def test_explain_files_nothing(
    client: TestClient, inspector: dict[str, str], session: Session
) -> None:
    tables = ["routing_rule_set", "routing_rule", "office", "unit_grid"]
    before = [session.scalar(text(f"SELECT count(*) FROM {t}")) for t in tables]

    explain(client, inspector, POINT_A, "E0514")

    assert [session.scalar(text(f"SELECT count(*) FROM {t}")) for t in tables] == before


def test_explain_refuses_an_unknown_item_a_point_outside_coverage_and_a_bad_time(
    client: TestClient, inspector: dict[str, str]
) -> None:
    unknown = client.post(
        "/routing/explain",
        json={"lon": POINT_A[0], "lat": POINT_A[1], "crs": "wgs84", "item_code": "E0598"},
        headers=inspector,
    )
    outside = client.post(
        "/routing/explain",
        json={"lon": 121.5, "lat": 31.3, "crs": "wgs84", "item_code": "E0514"},
        headers=inspector,
    )
    naive = client.post(
        "/routing/explain",
        json={
            "lon": POINT_A[0],
            "lat": POINT_A[1],
            "crs": "wgs84",
            "item_code": "E0514",
            "at": "2026-06-10T14:00:00",
        },
        headers=inspector,
    )

    far_future = client.post(
        "/routing/explain",
        json={
            "lon": POINT_A[0],
            "lat": POINT_A[1],
            "crs": "wgs84",
            "item_code": "E0514",
            "at": "9999-12-31T23:59:59Z",
        },
        headers=inspector,
    )

    body = assert_problem(unknown, 422, "validation-error")
    assert body["errors"][0]["location"] == "body.item_code"
    assert_problem(outside, 422, "outside-coverage")
    assert_problem(naive, 422, "validation-error")
    assert_problem(far_future, 422, "validation-error")


def test_explain_needs_a_login(client: TestClient) -> None:
    response = client.post(
        "/routing/explain",
        json={"lon": POINT_A[0], "lat": POINT_A[1], "crs": "wgs84", "item_code": "E0514"},
    )

    assert_problem(response, 401, "unauthenticated")


def test_a_fixed_office_rule_saved_through_the_api_leads_from_anywhere(
    client: TestClient, admin: dict[str, str]
) -> None:
    fixed = {"id": "hub", "priority": 1, "then": {"lead_office": "a-chengguan"}}
    assert client.post("/routing/rulesets", json=rule_set(fixed), headers=admin).status_code == 201

    decision = explain(client, admin, POINT_B, "E0102")

    assert decision["rule_id"] == "hub"
    assert decision["lead"]["office"]["code"] == "a-chengguan"
    assert decision["fallback"] is False


def test_a_new_active_version_takes_effect_at_once(
    client: TestClient, admin: dict[str, str]
) -> None:
    client.post(
        "/routing/rulesets",
        json=rule_set(rule("v1", 1, "gongan", item_codes=["E0102"])),
        headers=admin,
    )
    first = explain(client, admin, POINT_A, "E0102")
    client.post(
        "/routing/rulesets",
        json=rule_set(rule("v2", 1, "fangguan", item_codes=["E0102"])),
        headers=admin,
    )
    second = explain(client, admin, POINT_A, "E0102")

    assert (first["rule_id"], first["rule_set_version"]) == ("v1", 1)
    assert (second["rule_id"], second["rule_set_version"]) == ("v2", 2)
    assert second["lead"]["office"]["code"] == "all-fangguan"


# ----------------------------------------------------------------------------- the property

ITEM_CODES = ["E0101", "E0102", "E0105", "E0201", "E0501", "E0508", "E0509", "E0514", "C0101"]


@pytest.mark.usefixtures("demo_rules")
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    lon=st.floats(WEST, FAR_EAST),
    lat=st.floats(SOUTH, NORTH),
    item_code=st.sampled_from(ITEM_CODES),
    minute=st.integers(0, 7 * 24 * 60 - 1),
)
def test_explain_agrees_with_the_engine_and_names_one_lead(
    client: TestClient,
    inspector: dict[str, str],
    session: Session,
    lon: float,
    lat: float,
    item_code: str,
    minute: int,
) -> None:
    at = datetime(2026, 6, 8, tzinfo=CHINA_TIME).timestamp() + minute * 60
    when = datetime.fromtimestamp(at, tz=UTC)
    location = geo_service.locate(session, lon=lon, lat=lat, crs=Crs.WGS84)
    item = catalog_service.get_item(session, code=item_code)
    facts = engine.Facts(
        lon=lon,
        lat=lat,
        unit_grid_code=location.unit_grid_code,
        community_code=location.community.code,
        street_code=location.street.code,
        item_code=item_code,
        tier=item.tier.value,
        default_department=item.default_department_type.value,
        at=when,
        zone=CHINA_TIME,
        covering=org_service.offices_covering(session, lon=lon, lat=lat),
        street_center=org_service.street_center(session, street_code=location.street.code),
    )
    expected = service.decision_read(engine.decide(facts, service.compiled_active(session)))

    decision = explain(client, inspector, (lon, lat), item_code, at=when.isoformat())

    assert decision == expected.model_dump(mode="json")
    lead = decision["lead"]
    assert lead["office"] is not None
    assert lead["street_code"] in (STREET_A, STREET_B)
    if lead["kind"] == "street_center":
        assert lead["office"]["code"] == f"{lead['street_code']}-grid_center"


# ----------------------------------------------------------------------------- coverage


def coverage(client: TestClient, headers: dict[str, str], **params: str) -> dict[str, Any]:
    response = client.get("/routing/coverage", params=params, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_coverage_lists_the_grids_without_an_office_of_the_default_department(
    client: TestClient, inspector: dict[str, str]
) -> None:
    stalls = coverage(client, inspector, item_code="E0501")  # 城管: street A only
    rubbish = coverage(client, inspector, item_code="E0102")  # 绿化市容: everywhere
    water = coverage(client, inspector, item_code="E0105")  # 水务: nowhere

    assert stalls["department_type"] == "chengguan"
    assert stalls["department_type_name"] == "城管"
    assert [f["id"] for f in stalls["features"]] == ["310105002001001", "310105002001002"]
    assert all(f["properties"]["covered_share"] == 0 for f in stalls["features"])
    assert stalls["features"][0]["geometry"]["type"] == "MultiPolygon"
    assert rubbish["features"] == []
    assert len(water["features"]) == 6


def test_coverage_can_be_limited_to_a_street(client: TestClient, inspector: dict[str, str]) -> None:
    water = coverage(client, inspector, item_code="E0105", street_code=STREET_A)

    assert [f["properties"]["street_code"] for f in water["features"]] == [STREET_A] * 4


def test_a_partly_covered_grid_is_listed_with_its_covered_share(
    client: TestClient, inspector: dict[str, str], session: Session
) -> None:
    org_service.create_office(
        session,
        code="half-shuiwu",
        name="半个水务所",
        department_code="310105-shuiwu",
        jurisdiction={
            "type": "Polygon",
            "coordinates": [
                [
                    [121.400, 31.200],
                    [121.4005, 31.200],
                    [121.4005, 31.202],
                    [121.400, 31.202],
                    [121.400, 31.200],
                ]
            ],
        },
    )
    session.commit()

    water = coverage(client, inspector, item_code="E0105", street_code=STREET_A)

    shares = {f["id"]: f["properties"]["covered_share"] for f in water["features"]}
    assert shares["310105001001001"] == pytest.approx(0.5, abs=0.01)
    assert shares["310105001001002"] == 0


def test_coverage_of_an_unknown_item_is_a_validation_problem(
    client: TestClient, inspector: dict[str, str]
) -> None:
    response = client.get("/routing/coverage", params={"item_code": "E0598"}, headers=inspector)

    assert_problem(response, 422, "validation-error")
