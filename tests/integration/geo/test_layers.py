"""Layers over HTTP: GeoJSON pages with bbox and keyset paging, single features, admin import."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from gridloop.auth.models import Role
from tests.factories.web import MakeUser, assert_problem, login
from tests.integration.small_map import STREETS, UNIT_GRIDS


@pytest.fixture
def headers(client: TestClient, make_user: MakeUser) -> dict[str, str]:
    make_user("admin-geo", Role.ADMIN)
    return login(client, "admin-geo")


@pytest.mark.usefixtures("small_map")
def test_a_layer_pages_in_code_order(client: TestClient, headers: dict[str, str]) -> None:
    codes: list[str] = []
    after: str | None = None
    while True:
        params = {"limit": 4} | ({"after": after} if after else {})
        page = client.get("/geo/unit-grids", params=params, headers=headers).json()
        codes += [feature["properties"]["code"] for feature in page["features"]]
        after = page.get("next_after")
        if after is None:
            break

    assert codes == sorted(f["properties"]["code"] for f in UNIT_GRIDS["features"])


@pytest.mark.usefixtures("small_map")
def test_bbox_keeps_only_features_that_reach_into_it(
    client: TestClient, headers: dict[str, str]
) -> None:
    page = client.get(
        "/geo/unit-grids", params={"bbox": "121.4025,31.2001,121.4035,31.2009"}, headers=headers
    ).json()

    assert [f["properties"]["code"] for f in page["features"]] == ["310105002001002"]
    assert page["features"][0]["geometry"]["type"] == "MultiPolygon"


@pytest.mark.usefixtures("small_map")
@pytest.mark.parametrize("bbox", ["1,2,3", "121.5,31.2,121.4,31.3", "a,b,c,d"])
def test_a_malformed_bbox_is_a_validation_problem(
    client: TestClient, headers: dict[str, str], bbox: str
) -> None:
    response = client.get("/geo/streets", params={"bbox": bbox}, headers=headers)

    assert_problem(response, 422, "validation-error")


@pytest.mark.usefixtures("small_map")
def test_one_feature_by_code_and_a_missing_one(client: TestClient, headers: dict[str, str]) -> None:
    found = client.get("/geo/responsibility-grids/31010500101", headers=headers)
    missing = client.get("/geo/streets/310105999", headers=headers)

    assert found.status_code == 200
    assert found.json()["properties"]["unit_grid_codes"] == ["310105001001001", "310105001001002"]
    assert_problem(missing, 404, "not-found")


def test_an_admin_imports_over_http(client: TestClient, headers: dict[str, str]) -> None:
    response = client.post(
        "/geo/import", params={"layer": "streets"}, json=STREETS, headers=headers
    )

    assert response.status_code == 200, response.text
    assert response.json() == {
        "layer": "streets",
        "features": 2,
        "created": 2,
        "updated": 0,
        "unchanged": 0,
    }


def test_a_bad_import_over_http_lists_every_feature(
    client: TestClient, headers: dict[str, str]
) -> None:
    bad = {"type": "FeatureCollection", "features": [STREETS["features"][0], {"type": "Feature"}]}

    response = client.post("/geo/import", params={"layer": "streets"}, json=bad, headers=headers)

    body = assert_problem(response, 422, "invalid-import")
    assert {item["index"] for item in body["errors"]} == {1}
    assert client.get("/geo/streets", headers=headers).json()["features"] == []


@pytest.mark.usefixtures("two_streets")
def test_only_an_admin_may_import(client: TestClient, make_user: MakeUser) -> None:
    make_user("dispatcher-geo", Role.DISPATCHER, street_code="310105001")

    response = client.post(
        "/geo/import",
        params={"layer": "streets"},
        json=STREETS,
        headers=login(client, "dispatcher-geo"),
    )

    assert_problem(response, 403, "forbidden")
