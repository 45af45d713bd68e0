"""Duplicate candidates before filing: what `POST /cases` would list, asked first with
`GET /cases/duplicate-candidates`, scoped by the caller, with photos, checked like filing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from gridloop.geo.crs import Crs, from_wgs84
from tests.factories.cases import (
    IN_A001,
    IN_A003,
    IN_B001,
    T0,
    World,
    act,
    file_case,
    image,
    ok,
    report,
    upload,
)
from tests.factories.web import assert_problem
from tests.integration.small_map import MIDDLE

URL = "/cases/duplicate-candidates"


def _at(lon_lat: tuple[float, float], **extra: Any) -> dict[str, Any]:
    """The query at a point, E0102 in WGS-84 unless `extra` says otherwise (None leaves out)."""
    params = {"lon": lon_lat[0], "lat": lon_lat[1], "crs": "wgs84", "item_code": "E0102", **extra}
    return {name: value for name, value in params.items() if value is not None}


def _nearby(meters_east: float, start: tuple[float, float] = IN_A001) -> tuple[float, float]:
    # One metre of longitude at 31.2° N is about 1 / 95,270 of a degree.
    return start[0] + meters_east / 95_270, start[1]


def _candidates(world: World, who: str, **params: Any) -> list[dict[str, Any]]:
    response = world.client.get(URL, params=params, headers=world[who])
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()
    return found


def _case_count(world: World) -> int:
    page = world.client.get("/cases", params={"limit": 500}, headers=world["aud"]).json()
    return len(page["items"])


def test_an_inspector_sees_a_nearby_case_with_its_photos_before_filing(world: World) -> None:
    first = file_case(world)
    photo = upload(world, first["case_id"], "before", "ins1", ("a.jpg", image()))
    assert photo.status_code == 201, photo.text
    world.clock.now = T0 + timedelta(hours=2)

    candidates = _candidates(world, "ins1", **_at(_nearby(30)))

    assert [c["case_id"] for c in candidates] == [first["case_id"]]
    candidate = candidates[0]
    assert candidate["status"] == "reported"
    assert candidate["item_code"] == "E0102"
    assert candidate["description"] == first["description"]
    assert 25 < candidate["distance_m"] < 35
    assert [p["url"] for p in candidate["photos"]] == [photo.json()[0]["url"]]
    assert candidate["photos"][0]["step"] == "before"
    picture = world.client.get(candidate["photos"][0]["url"], headers=world["ins1"])
    assert picture.status_code == 200
    assert picture.headers["content-type"] == "image/jpeg"
    assert _case_count(world) == 1  # asking files nothing


def test_the_read_lists_what_filing_at_the_same_point_then_lists(world: World) -> None:
    near = file_case(world, lon_lat=_nearby(20))
    file_case(world, lon_lat=_nearby(70))  # too far
    file_case(world, item="E0104")  # another item
    world.clock.now = T0 - timedelta(hours=25)
    file_case(world)  # too old
    world.clock.now = T0
    rejected = file_case(world)
    ok(act(world, rejected["case_id"], "reject", "disp1", {"reason": "out_of_scope"}))
    world.clock.now = T0 + timedelta(hours=1)

    asked = _candidates(world, "ins1", **_at(IN_A001))
    filed = file_case(world)

    assert [c["case_id"] for c in asked] == [near["case_id"]]
    assert [c["case_id"] for c in filed["duplicate_candidates"]] == [near["case_id"]]
    assert [c["distance_m"] for c in asked] == [
        c["distance_m"] for c in filed["duplicate_candidates"]
    ]


def test_a_point_in_another_crs_is_converted_as_filing_converts_it(world: World) -> None:
    first = file_case(world)
    lon, lat = from_wgs84(*_nearby(10), Crs.GCJ02)

    candidates = _candidates(world, "ins1", **_at((lon, lat), crs="gcj02"))

    assert [c["case_id"] for c in candidates] == [first["case_id"]]
    assert 5 < candidates[0]["distance_m"] < 15


def test_only_cases_the_caller_sees_are_candidates(world: World) -> None:
    # Two points 10 m apart on either side of the line between grid A001 (ins1's) and A003
    # (ins1south's), in the same street.
    south_of_line = (IN_A001[0], MIDDLE - 0.00005)
    north_of_line = (IN_A001[0], MIDDLE + 0.00004)
    theirs = file_case(world, "ins1south", lon_lat=south_of_line)

    seen_by_ins1 = _candidates(world, "ins1", **_at(north_of_line))
    seen_by_dispatcher = _candidates(world, "disp1", **_at(north_of_line))
    seen_by_other_street = _candidates(world, "disp2", **_at(north_of_line))

    assert seen_by_ins1 == []
    assert [c["case_id"] for c in seen_by_dispatcher] == [theirs["case_id"]]
    assert seen_by_other_street == []
    # Filing itself lists every nearby case, as before.
    filed = file_case(world, "ins1", lon_lat=north_of_line)
    assert [c["case_id"] for c in filed["duplicate_candidates"]] == [theirs["case_id"]]


def test_without_an_item_a_dispatcher_sees_nearby_cases_of_any_item(world: World) -> None:
    first = file_case(world, item="E0104")

    candidates = _candidates(world, "disp1", **_at(IN_A001, item_code=None))

    assert [c["case_id"] for c in candidates] == [first["case_id"]]


def test_an_inspector_is_refused_a_point_outside_their_grids_as_filing_refuses_it(
    world: World,
) -> None:
    same_street = world.client.get(URL, params=_at(IN_A003), headers=world["ins1"])
    other_street = world.client.get(URL, params=_at(IN_B001), headers=world["ins1"])

    body = assert_problem(same_street, 422, "outside-your-grids")
    assert "310105001001003" in body["detail"]
    assert_problem(other_street, 422, "outside-your-grids")
    filed = world.client.post("/cases", json=report(IN_A003), headers=world["ins1"])
    assert_problem(filed, 422, "outside-your-grids")


def test_bad_points_and_items_are_problems(world: World) -> None:
    outside = world.client.get(URL, params=_at((121.5, 31.3)), headers=world["disp1"])
    assert_problem(outside, 422, "outside-coverage")
    for params, location in (
        (_at(IN_A001, item_code="E0198"), "query.item_code"),  # no such item
        (_at(IN_A001, item_code=None), "query.item_code"),  # an inspector names one
        (_at(IN_A001, crs=None), "query.crs"),  # never guessed
        (_at(IN_A001, crs="epsg4326"), "query.crs"),
        (_at(IN_A001, lat=95), "query.lat"),
        (_at(IN_A001, lon="east"), "query.lon"),
        (_at(IN_A001, radius=100), "query.radius"),  # no such parameter
    ):
        body = assert_problem(
            world.client.get(URL, params=params, headers=world["ins1"]), 422, "validation-error"
        )
        assert [error["location"] for error in body["errors"]] == [location], params


def test_asking_needs_a_token_or_key(world: World) -> None:
    assert_problem(world.client.get(URL, params=_at(IN_A001)), 401, "unauthenticated")
    by_key = world.client.get(URL, params=_at(IN_A001), headers=world["hotline"])
    assert by_key.status_code == 200, by_key.text
