"""Vector tiles of the grid map over HTTP, cut by PostGIS and decoded as any map client would."""

from __future__ import annotations

import math
from typing import Any

import mapbox_vector_tile
import pytest
from fastapi.testclient import TestClient

from gridloop.auth.models import Role
from tests.factories.web import MakeUser, SetSettings, assert_problem, login
from tests.integration.small_map import EAST, FAR_EAST, MID, MIDDLE, NORTH, SOUTH, WEST

pytestmark = pytest.mark.usefixtures("small_map")


@pytest.fixture
def headers(client: TestClient, make_user: MakeUser) -> dict[str, str]:
    make_user("inspector-tiles", Role.AUDITOR)
    return login(client, "inspector-tiles")


def mercator(lon: float, lat: float, z: int) -> tuple[float, float]:
    """Fractional tile column and row of a WGS-84 point at zoom z (the XYZ scheme)."""
    n = 2**z
    x = (lon + 180) / 360 * n
    y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
    return x, y


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    x, y = mercator(lon, lat, z)
    return int(x), int(y)


def decode(content: bytes) -> dict[str, Any]:
    decoded: dict[str, Any] = mapbox_vector_tile.decode(
        content, default_options={"y_coord_down": True}
    )
    return decoded


def get_tile(
    client: TestClient, headers: dict[str, str], layer: str, z: int, x: int, y: int
) -> Any:
    return client.get(f"/tiles/{layer}/{z}/{x}/{y}.mvt", headers=headers)


def test_a_street_tile_carries_each_street_with_its_code_and_name(
    client: TestClient, headers: dict[str, str]
) -> None:
    x, y = tile_of(MID, MIDDLE, 14)

    response = get_tile(client, headers, "streets", 14, x, y)

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/vnd.mapbox-vector-tile"
    features = decode(response.content)["streets"]["features"]
    by_code = {f["properties"]["code"]: f["properties"] for f in features}
    assert by_code == {
        "310105001": {"code": "310105001", "name": "华阳路街道", "district_code": "310105"},
        "310105002": {"code": "310105002", "name": "江苏路街道", "district_code": "310105"},
    }


def test_a_unit_grid_lands_where_web_mercator_puts_it(
    client: TestClient, headers: dict[str, str]
) -> None:
    z = 17
    x, y = tile_of(WEST + 0.0001, NORTH - 0.0001, z)

    tile = decode(get_tile(client, headers, "unit-grids", z, x, y).content)

    grid = next(
        f for f in tile["unit-grids"]["features"] if f["properties"]["code"] == "310105001001001"
    )
    assert grid["properties"]["community_code"] == "310105001001"
    assert grid["properties"]["responsibility_grid_code"] == "31010500101"
    ring = grid["geometry"]["coordinates"][0]
    xs, ys = [p[0] for p in ring], [p[1] for p in ring]
    # The north-west corner of the grid, in the tile's 4096 units (y down).
    fx, fy = mercator(WEST, NORTH, z)
    assert min(xs) == pytest.approx((fx - x) * 4096, abs=1)
    assert min(ys) == pytest.approx((fy - y) * 4096, abs=1)


def test_each_feature_has_one_label_point_however_many_tiles_it_crosses(
    client: TestClient, headers: dict[str, str]
) -> None:
    z = 18
    (west, north), (east, south) = tile_of(WEST, NORTH, z), tile_of(FAR_EAST, SOUTH, z)
    polygons: list[str] = []
    labels: list[str] = []
    for x in range(west, east + 1):
        for y in range(north, south + 1):
            tile = decode(get_tile(client, headers, "streets", z, x, y).content)
            polygons += [f["properties"]["code"] for f in tile["streets"]["features"]]
            points = tile.get("streets-labels", {"features": []})["features"]
            assert all(f["geometry"]["type"] == "Point" for f in points)
            labels += [f["properties"]["name"] for f in points]

    assert polygons.count("310105001") > 1
    assert sorted(labels) == ["华阳路街道", "江苏路街道"]


def test_unit_grids_carry_label_points_only_from_the_zoom_their_codes_fit(
    client: TestClient, headers: dict[str, str]
) -> None:
    at_15 = decode(get_tile(client, headers, "unit-grids", 15, *tile_of(MID, MIDDLE, 15)).content)
    at_16 = decode(get_tile(client, headers, "unit-grids", 16, *tile_of(MID, MIDDLE, 16)).content)

    assert set(at_15) == {"unit-grids"}
    assert set(at_16) == {"unit-grids", "unit-grids-labels"}
    outlines = {f["properties"]["code"] for f in at_16["unit-grids"]["features"]}
    assert {f["properties"]["code"] for f in at_16["unit-grids-labels"]["features"]} <= outlines


def test_responsibility_grids_and_communities_carry_their_names(
    client: TestClient, headers: dict[str, str]
) -> None:
    x, y = tile_of(EAST, MIDDLE, 15)

    grids = decode(get_tile(client, headers, "responsibility-grids", 15, x, y).content)
    communities = decode(get_tile(client, headers, "communities", 15, x, y).content)

    assert {f["properties"]["name"] for f in grids["responsibility-grids"]["features"]} == {
        "华阳路第1责任网格",
        "华阳路第2责任网格",
        "江苏路第1责任网格",
    }
    assert {f["properties"]["code"] for f in communities["communities"]["features"]} == {
        "310105001001",
        "310105002001",
    }


def test_a_tile_without_features_or_below_the_layers_zoom_is_empty(
    client: TestClient, headers: dict[str, str]
) -> None:
    far_x, far_y = tile_of(116.39, 39.9, 14)  # Beijing
    low_x, low_y = tile_of(MID, MIDDLE, 13)

    far = get_tile(client, headers, "streets", 14, far_x, far_y)
    low = get_tile(client, headers, "unit-grids", 13, low_x, low_y)

    assert (far.status_code, far.content) == (204, b"")
    assert (low.status_code, low.content) == (204, b"")


def test_a_tile_is_revalidated_with_its_etag(client: TestClient, headers: dict[str, str]) -> None:
    x, y = tile_of(MID, MIDDLE, 16)
    first = get_tile(client, headers, "unit-grids", 16, x, y)
    tag = first.headers["etag"]

    again = client.get(
        f"/tiles/unit-grids/16/{x}/{y}.mvt", headers=headers | {"If-None-Match": f"W/{tag}"}
    )
    other = get_tile(client, headers, "streets", 16, x, y)

    assert first.headers["cache-control"] == "private, max-age=60"
    assert tag[0] == tag[-1] == '"'
    assert (again.status_code, again.content, again.headers["etag"]) == (304, b"", tag)
    assert other.headers["etag"] != tag


@pytest.mark.parametrize(
    "path",
    ["streets/2/4/0.mvt", "streets/2/0/4.mvt", "streets/23/0/0.mvt", "streets/3/-1/0.mvt"],
)
def test_a_tile_outside_the_grid_of_its_zoom_is_a_validation_problem(
    client: TestClient, headers: dict[str, str], path: str
) -> None:
    assert_problem(client.get(f"/tiles/{path}", headers=headers), 422, "validation-error")


def test_an_unknown_layer_is_a_validation_problem(
    client: TestClient, headers: dict[str, str]
) -> None:
    assert_problem(client.get("/tiles/roads/1/0/0.mvt", headers=headers), 422, "validation-error")


def test_tiles_need_a_login(client: TestClient) -> None:
    assert_problem(client.get("/tiles/streets/1/1/0.mvt"), 401, "unauthenticated")


def test_the_tile_set_tells_where_the_map_lies(client: TestClient, headers: dict[str, str]) -> None:
    body = client.get("/tiles", headers=headers).json()

    assert body["bounds"] == pytest.approx([WEST, SOUTH, FAR_EAST, NORTH])
    assert body["tiles"] == "/tiles/{layer}/{z}/{x}/{y}.mvt"
    zooms = {layer["id"]: (layer["min_zoom"], layer["label_min_zoom"]) for layer in body["layers"]}
    assert zooms == {
        "streets": (0, 0),
        "communities": (0, 0),
        "unit-grids": (14, 16),
        "responsibility-grids": (10, 0),
    }


def test_a_raster_base_map_is_offered_only_when_set_up(
    client: TestClient, headers: dict[str, str], set_settings: SetSettings
) -> None:
    assert client.get("/tiles", headers=headers).json()["base_map"] is None

    template = "https://tiles.example.invalid/{z}/{x}/{y}.png"
    set_settings(GRIDLOOP_BASE_MAP_URL=template, GRIDLOOP_BASE_MAP_ATTRIBUTION="底图 / base map")
    offered = client.get("/tiles", headers=headers).json()["base_map"]

    assert offered == {"url": template, "attribution": "底图 / base map"}
