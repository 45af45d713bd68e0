"""Locating a point: interior, shared edges and vertices, outside, each CRS."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from gridloop.auth.models import Role
from gridloop.geo.crs import Crs, from_wgs84
from tests.factories.web import MakeUser, login
from tests.integration.small_map import EAST, MID, MIDDLE

pytestmark = pytest.mark.usefixtures("small_map")


@pytest.fixture
def headers(client: TestClient, make_user: MakeUser) -> dict[str, str]:
    make_user("auditor-geo", Role.AUDITOR)
    return login(client, "auditor-geo")


def locate(
    client: TestClient, headers: dict[str, str], lon: float, lat: float, crs: str
) -> dict[str, Any]:
    response = client.get(
        "/geo/locate", params={"lon": lon, "lat": lat, "crs": crs}, headers=headers
    )
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_an_interior_point_resolves_to_its_grid_and_parents(
    client: TestClient, headers: dict[str, str]
) -> None:
    body = locate(client, headers, 121.4005, 31.2015, "wgs84")

    assert body["unit_grid_code"] == "310105001001001"
    assert body["community"] == {"code": "310105001001", "name": "华一居委会"}
    assert body["street"] == {"code": "310105001", "name": "华阳路街道"}
    assert body["district"] == {"code": "310105", "name": "长宁区"}
    assert body["responsibility_grid"]["code"] == "31010500101"
    assert body["point"] == {"lon": 121.4005, "lat": 31.2015}


@pytest.mark.parametrize(
    ("lon", "lat", "expected"),
    [
        (MID, 31.2015, "310105001001001"),  # edge between A001 and A002
        (121.4005, MIDDLE, "310105001001001"),  # edge between A001 and A003
        (MID, MIDDLE, "310105001001001"),  # vertex shared by A001–A004
        (EAST, 31.2015, "310105001001002"),  # street boundary: A002 and B001
        (EAST, MIDDLE, "310105001001002"),  # vertex of A002, A004, B001, B002
        (121.403, MIDDLE, "310105002001001"),  # edge between B001 and B002
    ],
)
def test_a_point_on_a_shared_boundary_resolves_to_the_lowest_code(
    client: TestClient, headers: dict[str, str], lon: float, lat: float, expected: str
) -> None:
    for _ in range(3):
        assert locate(client, headers, lon, lat, "wgs84")["unit_grid_code"] == expected


def test_a_point_outside_every_grid_is_an_outside_coverage_problem(
    client: TestClient, headers: dict[str, str]
) -> None:
    response = client.get(
        "/geo/locate", params={"lon": 121.5, "lat": 31.3, "crs": "wgs84"}, headers=headers
    )

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "/problems/outside-coverage"


@pytest.mark.parametrize("crs", [Crs.GCJ02, Crs.BD09])
def test_a_point_in_another_crs_is_converted_before_lookup(
    client: TestClient, headers: dict[str, str], crs: Crs
) -> None:
    lon, lat = from_wgs84(121.4035, 31.2005, crs)

    body = locate(client, headers, lon, lat, crs.value)

    assert body["unit_grid_code"] == "310105002001002"
    assert body["point"]["lon"] == pytest.approx(121.4035, abs=1e-7)
    assert body["point"]["lat"] == pytest.approx(31.2005, abs=1e-7)
    assert body["input"] == {"lon": lon, "lat": lat, "crs": crs.value}


def test_the_same_coordinates_read_as_gcj02_land_elsewhere(
    client: TestClient, headers: dict[str, str]
) -> None:
    # GCJ-02 is offset by hundreds of metres: not converting would put the case in a wrong grid.
    response = client.get(
        "/geo/locate", params={"lon": 121.4005, "lat": 31.2015, "crs": "gcj02"}, headers=headers
    )

    assert response.status_code == 422


@pytest.mark.parametrize("params", [{}, {"crs": "epsg3857"}, {"crs": ""}])
def test_a_missing_or_unknown_crs_is_an_error_not_a_guess(
    client: TestClient, headers: dict[str, str], params: dict[str, str]
) -> None:
    response = client.get(
        "/geo/locate", params={"lon": 121.4005, "lat": 31.2015, **params}, headers=headers
    )

    assert response.status_code == 422
    assert response.json()["type"] == "/problems/validation-error"
    assert any("crs" in item["location"] for item in response.json()["errors"])


def test_locate_needs_a_token(client: TestClient) -> None:
    response = client.get("/geo/locate", params={"lon": 121.4005, "lat": 31.2015, "crs": "wgs84"})

    assert response.status_code == 401
