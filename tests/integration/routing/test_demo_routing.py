"""The demo district as `gridloop seed demo` loads it: a handful of routes, and one lead for every
item at every sampled point.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, text
from sqlalchemy.orm import Session

from gridloop import seeding
from gridloop.config import get_settings
from gridloop.geo import service as geo_service
from gridloop.geo.crs import Crs
from gridloop.org import seed as org_seed
from gridloop.org import service as org_service
from gridloop.routing import seed, service
from gridloop.routing.engine import LeadKind
from tests.factories.routing import load_catalog, module_world

SEEDED_AT = datetime(2026, 11, 28, tzinfo=UTC)
WEDNESDAY_NIGHT = datetime(2026, 6, 10, 15, 30, tzinfo=UTC)  # 23:30 in Shanghai
HONGQIAO_AIRPORT_ZONE = (121.3600, 31.2000)  # 程家桥, by the airport
ZHONGSHAN_PARK = (121.4185, 31.2215)  # 华阳路


def load_demo(session: Session) -> None:
    settings = get_settings()
    for layer, collection in seeding.demo_layers(settings.seeds_dir):
        geo_service.import_layer(session, layer=layer, collection=collection)
    load_catalog(session)
    org_seed.load_demo(session, settings.seeds_dir)
    seed.load_demo(session, settings.seeds_dir, now=SEEDED_AT)


@pytest.fixture(scope="module")
def world(engine: Engine) -> Iterator[Connection]:
    yield from module_world(engine, load_demo)


def decide(session: Session, point: tuple[float, float], item_code: str, **extra: Any) -> Any:
    location = geo_service.locate(session, lon=point[0], lat=point[1], crs=Crs.WGS84)
    return service.decide(
        session,
        lon=point[0],
        lat=point[1],
        unit_grid_code=location.unit_grid_code,
        community_code=location.community.code,
        street_code=location.street.code,
        item_code=item_code,
        at=extra.pop("at", SEEDED_AT),
        **extra,
    )


def test_the_demo_seed_is_active_and_loading_it_again_changes_nothing(session: Session) -> None:
    assert seed.load_demo(session, get_settings().seeds_dir, now=SEEDED_AT) is None
    assert service.active_rule_set(session).source == "seed:routing/changning.yaml"


def test_illegal_taxis_by_hongqiao_airport_go_to_the_police(session: Session) -> None:
    decision = decide(session, HONGQIAO_AIRPORT_ZONE, "E0509")

    police = org_service.offices_covering(
        session, lon=HONGQIAO_AIRPORT_ZONE[0], lat=HONGQIAO_AIRPORT_ZONE[1]
    )
    assert decision.rule_id == "airport-illegal-taxi"
    assert decision.lead.office == police["gongan"]
    assert decision.lead.office.name.endswith("派出所")
    assert [o.department_type for o in decision.assisting] == ["jiaojing", "chengguan"]
    assert decision.assisting[1].code == "310105010-chengguan"  # 程家桥街道城管中队


def test_illegal_taxis_in_the_centre_go_to_the_traffic_police(session: Session) -> None:
    decision = decide(session, ZHONGSHAN_PARK, "E0509")

    assert decision.rule_id == "illegal-taxi"
    assert decision.lead.office.department_type == "jiaojing"
    assert decision.lead.office.code.startswith("310105-jiaojing-")
    assert [o.department_type for o in decision.assisting] == ["gongan"]


def test_group_renting_by_zhongshan_park_goes_to_huayang_road_housing_office(
    session: Session,
) -> None:
    decision = decide(session, ZHONGSHAN_PARK, "E0514")

    assert decision.lead.office.code == "310105001-fangguan"
    assert decision.lead.office.name == "华阳路街道房管办"
    assert decision.assisting[0].department_type == "gongan"
    assert decision.assisting[0].name.endswith("派出所")


def test_night_noise_goes_to_the_police_station(session: Session) -> None:
    decision = decide(session, ZHONGSHAN_PARK, "E0508", at=WEDNESDAY_NIGHT)

    assert decision.rule_id == "night-commercial-noise"
    assert decision.lead.office.department_type == "gongan"


def test_water_problems_have_no_office_and_fall_back_to_the_street_center(
    session: Session,
) -> None:
    decision = decide(session, ZHONGSHAN_PARK, "E0105")

    assert decision.fallback
    assert decision.lead.kind is LeadKind.STREET_CENTER
    assert decision.lead.office.code == "310105001-grid_center"


def test_every_item_at_every_sampled_point_has_exactly_one_lead(session: Session) -> None:
    items = list(session.scalars(text("SELECT code FROM catalog_item ORDER BY code")))
    rng = random.Random(20261128)
    grids = session.execute(
        text(
            "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p FROM unit_grid "
            "ORDER BY code) g"
        )
    ).all()
    points = [(float(x), float(y)) for x, y in rng.sample(grids, 15)]

    for point in points:
        for item_code in items:
            decision = decide(session, point, item_code)
            lead = decision.lead
            assert lead.office is not None, (point, item_code)
            if lead.kind is LeadKind.STREET_CENTER:
                assert lead.office.code == f"{lead.street_code}-grid_center"
            else:
                assert lead.office.department_type == lead.department_type


def test_coverage_of_the_demo_shows_only_departments_without_offices(session: Session) -> None:
    assert service.coverage(session, item_code="E0514").features == []  # 房管 tiles the district
    water = service.coverage(session, item_code="E0105")  # no 水务 office in the demo
    grids = session.scalar(text("SELECT count(*) FROM unit_grid"))

    assert len(water.features) == grids
