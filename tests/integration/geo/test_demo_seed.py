"""The demo district loads through the import path and covers the real places it names."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from gridloop import seeding
from gridloop.config import get_settings
from gridloop.geo import service
from gridloop.geo.crs import Crs


@pytest.fixture
def demo_map(session: Session) -> None:
    for layer, collection in seeding.demo_layers(get_settings().seeds_dir):
        service.import_layer(session, layer=layer, collection=collection)


@pytest.mark.usefixtures("demo_map")
def test_the_demo_district_has_its_streets_grids_and_responsibility_grids(
    session: Session,
) -> None:
    counts = session.execute(
        text(
            "SELECT (SELECT count(*) FROM street), (SELECT count(*) FROM community), "
            "(SELECT count(*) FROM unit_grid), (SELECT count(*) FROM responsibility_grid), "
            "(SELECT count(*) FROM unit_grid WHERE responsibility_grid_code IS NULL)"
        )
    ).one()
    streets, communities, unit_grids, responsibility_grids, unassigned = counts

    assert streets == 10
    assert 30 <= communities <= 60
    assert 3000 <= unit_grids <= 4000
    assert responsibility_grids == 33
    assert unassigned == 0


@pytest.mark.usefixtures("demo_map")
def test_the_district_geometry_is_the_union_of_its_streets(session: Session) -> None:
    district_area, street_area = session.execute(
        text(
            "SELECT ST_Area(d.geom::geography), (SELECT sum(ST_Area(geom::geography)) FROM street) "
            "FROM district d WHERE d.code = '310105'"
        )
    ).one()

    assert district_area == pytest.approx(street_area, rel=1e-9)
    assert 30e6 < district_area < 45e6  # Changning is 37.19 km²


@pytest.mark.usefixtures("demo_map")
@pytest.mark.parametrize(
    ("lon", "lat", "street"),
    [
        (121.4185, 31.2215, "华阳路街道"),  # Zhongshan Park, north-east
        (121.4400, 31.2130, "江苏路街道"),  # Huashan Road, far east
        (121.3600, 31.2000, "程家桥街道"),  # by Hongqiao airport, south-west
    ],
)
def test_known_places_fall_in_their_street(
    session: Session, lon: float, lat: float, street: str
) -> None:
    assert service.locate(session, lon=lon, lat=lat, crs=Crs.WGS84).street.name == street


@pytest.mark.usefixtures("demo_map")
def test_loading_the_demo_again_duplicates_nothing(session: Session) -> None:
    for layer, collection in seeding.demo_layers(get_settings().seeds_dir):
        result = service.import_layer(session, layer=layer, collection=collection)

        assert result.created == 0
        assert result.updated == 0
