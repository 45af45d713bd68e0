"""Imports are atomic: one bad feature rejects the file, every offending feature is listed."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from gridloop.errors import InvalidImport
from gridloop.geo import service
from gridloop.geo.layers import Layer
from tests.integration.small_map import (
    COMMUNITIES,
    EAST,
    FAR_EAST,
    MID,
    MIDDLE,
    NORTH,
    SOUTH,
    STREETS,
    UNIT_GRIDS,
    WEST,
    box,
    collection,
    feature,
)


def unit_grid_count(session: Session) -> int:
    return int(session.execute(text("SELECT count(*) FROM unit_grid")).scalar_one())


def import_errors(session: Session, layer: Layer, data: Any) -> dict[int | None, str]:
    with pytest.raises(InvalidImport) as caught:
        service.import_layer(session, layer=layer, collection=data)
    reasons: dict[int | None, str] = {}
    for item in caught.value.errors or []:
        reasons[item.index] = f"{reasons.get(item.index, '')}; {item.reason}"
    return reasons


@pytest.fixture
def communities_only(session: Session) -> None:
    service.import_layer(session, layer=Layer.STREETS, collection=STREETS)
    service.import_layer(session, layer=Layer.COMMUNITIES, collection=COMMUNITIES)


def with_grid(grid: dict[str, Any]) -> dict[str, Any]:
    """The valid unit grid file with one feature replaced at index 2."""
    data = copy.deepcopy(UNIT_GRIDS)
    data["features"][2] = grid
    return data


BOWTIE = {
    "type": "Polygon",
    "coordinates": [[[WEST, SOUTH], [MID, MIDDLE], [MID, SOUTH], [WEST, MIDDLE], [WEST, SOUTH]]],
}
SOUTH_WEST = box(WEST, SOUTH, MID, MIDDLE)
SOUTH_WEST_RING = SOUTH_WEST["coordinates"][0][0]
BAD_GRIDS: dict[str, tuple[dict[str, Any], str]] = {
    "self-intersecting": (
        feature(BOWTIE, code="310105001001003", community_code="310105001001"),
        "invalid geometry",
    ),
    "wrong geometry type": (
        feature(
            {"type": "Point", "coordinates": [WEST, SOUTH]},
            code="310105001001003",
            community_code="310105001001",
        ),
        "Polygon or MultiPolygon",
    ),
    "missing code": (feature(SOUTH_WEST, community_code="310105001001"), "missing code"),
    "malformed code": (
        feature(SOUTH_WEST, code="31010500100100X", community_code="310105001001"),
        "15 digits",
    ),
    "code disagrees with parent": (
        feature(SOUTH_WEST, code="310105002001003", community_code="310105001001"),
        "does not start with",
    ),
    "overlapping": (
        feature(
            box(WEST, SOUTH, MID, NORTH), code="310105001001003", community_code="310105001001"
        ),
        "overlaps",
    ),
    "outside its parent": (
        feature(
            box(FAR_EAST, SOUTH, FAR_EAST + 0.001, MIDDLE),
            code="310105001001003",
            community_code="310105001001",
        ),
        "not inside community",
    ),
    "coordinates out of range": (
        feature(
            box(WEST + 100, SOUTH, MID + 100, MIDDLE),
            code="310105001001003",
            community_code="310105001001",
        ),
        "out of range",
    ),
    "latitude and longitude swapped": (
        feature(
            {
                "type": "Polygon",
                "coordinates": [
                    [[lat, lon] for lon, lat in box(WEST, SOUTH, MID, MIDDLE)["coordinates"][0][0]]
                ],
            },
            code="310105001001003",
            community_code="310105001001",
        ),
        "swapped",
    ),
}


@pytest.mark.usefixtures("communities_only")
@pytest.mark.parametrize("case", sorted(BAD_GRIDS))
def test_one_bad_feature_rejects_the_whole_file(session: Session, case: str) -> None:
    bad, expected_reason = BAD_GRIDS[case]

    errors = import_errors(session, Layer.UNIT_GRIDS, with_grid(bad))

    assert 2 in errors
    assert expected_reason in errors[2]
    assert unit_grid_count(session) == 0


@pytest.mark.usefixtures("communities_only")
def test_every_offending_feature_is_listed(session: Session) -> None:
    data = copy.deepcopy(UNIT_GRIDS)
    data["features"][0]["properties"]["code"] = "123"
    data["features"][3]["geometry"] = {"type": "LineString", "coordinates": [[WEST, SOUTH]]}
    data["features"][5]["properties"]["community_code"] = "310105001001"

    errors = import_errors(session, Layer.UNIT_GRIDS, data)

    assert sorted(i for i in errors if i is not None) == [0, 3, 5]
    assert unit_grid_count(session) == 0


@pytest.mark.usefixtures("small_map")
def test_overlap_with_a_stored_grid_is_refused(session: Session) -> None:
    intruder = collection(
        feature(box(WEST, SOUTH, MID, NORTH), code="310105001001009", community_code="310105001001")
    )

    errors = import_errors(session, Layer.UNIT_GRIDS, intruder)

    assert "310105001001001" in errors[0]


@pytest.mark.usefixtures("small_map")
def test_reimport_changes_nothing(session: Session) -> None:
    result = service.import_layer(session, layer=Layer.UNIT_GRIDS, collection=UNIT_GRIDS)

    assert (result.created, result.updated, result.unchanged) == (0, 0, 6)
    assert unit_grid_count(session) == 6


@pytest.mark.usefixtures("small_map")
def test_export_imports_back_unchanged(session: Session) -> None:
    for layer in Layer:
        exported = service.export_layer(session, layer=layer)

        result = service.import_layer(session, layer=layer, collection=exported)

        assert result.created == result.updated == 0


@pytest.mark.usefixtures("small_map")
def test_responsibility_grid_geometry_is_the_union_of_its_grids(session: Session) -> None:
    area = session.execute(
        text("SELECT ST_Area(geom) FROM responsibility_grid WHERE code = '31010500101'")
    ).scalar_one()

    assert area == pytest.approx((EAST - WEST) * (NORTH - MIDDLE))


@pytest.mark.usefixtures("small_map")
def test_a_unit_grid_of_another_street_cannot_join_a_responsibility_grid(
    session: Session,
) -> None:
    data = collection(
        feature(
            None,
            code="31010500103",
            name="越界",
            street_code="310105001",
            unit_grid_codes=["310105002001001"],
        )
    )

    errors = import_errors(session, Layer.RESPONSIBILITY_GRIDS, data)

    assert "310105002001001" in errors[0]


DATABASE_REFUSALS = {
    "overlap": (
        "INSERT INTO unit_grid (code, community_code, geom) VALUES ('310105001001009', "
        "'310105001001', ST_Multi(ST_MakeEnvelope(121.4005, 31.2005, 121.4015, 31.2015, 4326)))",
        "overlaps",
    ),
    "outside community": (
        "INSERT INTO unit_grid (code, community_code, geom) VALUES ('310105001001009', "
        "'310105001001', ST_Multi(ST_MakeEnvelope(121.41, 31.20, 121.411, 31.201, 4326)))",
        "not inside",
    ),
    "invalid geometry": (
        "INSERT INTO unit_grid (code, community_code, geom) VALUES ('310105001001009', "
        "'310105001001', ST_GeomFromText('MULTIPOLYGON(((121.41 31.20, 121.411 31.201, "
        "121.411 31.20, 121.41 31.201, 121.41 31.20)))', 4326))",
        "geom_valid",
    ),
    "code disagrees with parent": (
        "INSERT INTO street (code, district_code, name, geom) VALUES ('310106001', '310105', "
        "'错码', ST_Multi(ST_MakeEnvelope(121.41, 31.20, 121.411, 31.201, 4326)))",
        "code_in_district",
    ),
}


@pytest.mark.usefixtures("small_map")
@pytest.mark.parametrize("case", sorted(DATABASE_REFUSALS))
def test_the_database_itself_refuses(session: Session, case: str) -> None:
    statement, message = DATABASE_REFUSALS[case]

    with pytest.raises(DBAPIError, match=message), session.begin_nested():
        session.execute(text(statement))
