"""Reads: the queue with its filters, keyset pages and GeoJSON, and scope on every route —
another street's, grid's, office's or client's case is a 404 exactly like a missing one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx2
import pytest

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
    to_handled,
    to_handling,
    upload,
)
from tests.factories.web import assert_problem


@dataclass(frozen=True)
class Cases:
    north: int  # street 1, grid 31010500101, by ins1, handling at 310105001-lvhua
    east: int  # street 2, grid 31010500201, by ins2, handling at 310105002-lvhua
    south: int  # street 1, grid 31010500102, by the hotline, reported, no item
    photo_url: str  # a before-photo of `south`


@pytest.fixture
def cases(world: World) -> Cases:
    north = to_handling(world, "ins1", IN_A001)
    world.clock.now = T0 + timedelta(minutes=1)
    east = to_handling(world, "ins2", IN_B001)
    world.clock.now = T0 + timedelta(minutes=2)
    south = world.client.post("/cases", json=report(IN_A003, item=None), headers=world["hotline"])
    assert south.status_code == 201, south.text
    south_id = south.json()["case_id"]
    photo = upload(world, south_id, "before", "hotline", ("a.jpg", image()))
    assert photo.status_code == 201, photo.text
    return Cases(north=north, east=east, south=south_id, photo_url=photo.json()[0]["url"])


def _ids(world: World, who: str, **params: Any) -> list[int]:
    response = world.client.get("/cases", params=params, headers=world[who])
    assert response.status_code == 200, response.text
    return [item["case_id"] for item in response.json()["items"]]


def test_each_role_queues_its_own_scope_newest_first(world: World, cases: Cases) -> None:
    everything = [cases.south, cases.east, cases.north]

    assert _ids(world, "aud") == everything
    assert _ids(world, "adm") == everything
    assert _ids(world, "disp1") == [cases.south, cases.north]
    assert _ids(world, "disp2") == [cases.east]
    assert _ids(world, "ins1") == [cases.north]
    assert _ids(world, "ins1south") == [cases.south]
    assert _ids(world, "ins2") == [cases.east]
    assert _ids(world, "lia1") == [cases.north]
    assert _ids(world, "lia2") == [cases.east]
    assert _ids(world, "lia1cg") == []
    assert _ids(world, "hotline") == [cases.south]
    assert _ids(world, "app") == []


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "reported"}, ["south"]),
        ({"status": ["reported", "handling"]}, ["south", "east", "north"]),
        ({"street_code": "310105002"}, ["east"]),
        ({"community_code": "310105001001"}, ["south", "north"]),
        ({"unit_grid_code": "310105001001001"}, ["north"]),
        ({"responsibility_grid_code": "31010500102"}, ["south"]),
        ({"office_code": "310105002-lvhua"}, ["east"]),
        ({"item_code": "E0102"}, ["east", "north"]),
        ({"source": "hotline_12345"}, ["south"]),
        ({"bbox": "121.4000,31.2000,121.4020,31.2010"}, ["south"]),
        ({"reported_from": (T0 + timedelta(minutes=1)).isoformat()}, ["south", "east"]),
        ({"reported_to": (T0 + timedelta(minutes=1)).isoformat()}, ["north"]),
    ],
)
def test_the_queue_filters(
    world: World, cases: Cases, params: dict[str, Any], expected: list[str]
) -> None:
    assert _ids(world, "aud", **params) == [getattr(cases, name) for name in expected]


def test_overdue_finds_cases_whose_current_deadline_passed(world: World, cases: Cases) -> None:
    # Handling is due at 15:00 (north) and 15:01 (east); the report without an item has no
    # register clock until it is registered.
    world.clock.now = T0.replace(hour=14)
    assert _ids(world, "aud", overdue=True) == []

    world.clock.now = T0.replace(hour=15, minute=0, second=30)
    assert _ids(world, "aud", overdue=True) == [cases.north]
    assert _ids(world, "aud", overdue=False) == [cases.south, cases.east]
    listed = world.client.get("/cases", params={"overdue": True}, headers=world["aud"]).json()
    assert [item["overdue"] for item in listed["items"]] == [True]


def test_the_verification_filter_finds_the_handled_cases_left_to_verify(world: World) -> None:
    waiting, passed, failed = (to_handled(world) for _ in range(3))
    for case_id, verdict in ((passed, True), (failed, False)):
        assert upload(world, case_id, "verification", "ins1", ("v.jpg", image())).status_code == 201
        ok(act(world, case_id, "verify", "ins1", {"passed": verdict}))

    assert _ids(world, "ins1", status="handled", verification="none") == [waiting]
    assert _ids(world, "disp1", status="handled", verification="passed") == [passed]
    assert _ids(world, "aud", verification="failed") == [failed]
    assert _ids(world, "ins2", status="handled", verification="none") == []
    assert_problem(
        world.client.get("/cases", params={"verification": "maybe"}, headers=world["aud"]),
        422,
        "validation-error",
    )


def test_keyset_pages_cover_the_queue_once(world: World, cases: Cases) -> None:
    seen: list[int] = []
    after = None
    while True:
        params: dict[str, Any] = {"limit": 1} | ({} if after is None else {"after": after})
        page = world.client.get("/cases", params=params, headers=world["aud"]).json()
        seen += [item["case_id"] for item in page["items"]]
        after = page["next_after"]
        if after is None:
            break

    assert seen == [cases.south, cases.east, cases.north]


@pytest.mark.parametrize("how", ["accept", "format"])
def test_the_queue_as_geojson(world: World, cases: Cases, how: str) -> None:
    if how == "accept":
        response = world.client.get(
            "/cases", headers={**world["disp1"], "Accept": "application/geo+json"}
        )
    else:
        response = world.client.get("/cases", params={"format": "geojson"}, headers=world["disp1"])

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/geo+json"
    collection = response.json()
    assert collection["type"] == "FeatureCollection"
    assert [f["id"] for f in collection["features"]] == [cases.south, cases.north]
    north = collection["features"][1]
    assert north["geometry"] == {"type": "Point", "coordinates": list(IN_A001)}
    assert north["properties"]["status"] == "handling"
    assert collection["next_after"] is None


def test_bad_filters_are_422(world: World, cases: Cases) -> None:
    for params in (
        {"bbox": "121.5,31.2,121.4,31.3"},
        {"status": "lost"},
        {"reported_from": T0.isoformat(), "reported_to": T0.isoformat()},
        {"limit": 0},
        {"format": "xml"},
    ):
        assert_problem(
            world.client.get("/cases", params=params, headers=world["aud"]), 422, "validation-error"
        )


def test_reading_a_case_gives_its_etag(world: World, cases: Cases) -> None:
    response = world.client.get(f"/cases/{cases.north}", headers=world["ins1"])

    case = ok(response)
    assert response.headers["etag"] == f'"{cases.north}.{case["version"]}"'
    assert case["offices"][0]["office_code"] == "310105001-lvhua"


# ----------------------------------------------------------------------------- scope


def _routes(world: World, case_id: int, photo_url: str) -> dict[str, Any]:
    """Each route of one case, as a call taking the caller's headers."""
    client = world.client
    return {
        "read": lambda h: client.get(f"/cases/{case_id}", headers=h),
        "events": lambda h: client.get(f"/cases/{case_id}/events", headers=h),
        "photos": lambda h: client.get(f"/cases/{case_id}/photos", headers=h),
        "photo": lambda h: client.get(photo_url, headers=h),
        "add photos": lambda h: client.post(
            f"/cases/{case_id}/photos",
            params={"step": "before"},
            files=[("files", ("a.jpg", image()))],
            headers=h,
        ),
        "act": lambda h: client.post(
            f"/cases/{case_id}/actions/register",
            json={},
            headers={**h, "If-Match": f'"{case_id}.1"'},
        ),
    }


OUT_OF_SCOPE = ["ins1", "ins2", "disp2", "lia1", "lia2", "lia1cg", "app"]
IN_SCOPE_READERS = ["ins1south", "disp1", "aud", "adm", "hotline"]


@pytest.mark.parametrize("who", OUT_OF_SCOPE)
def test_a_case_outside_the_callers_scope_is_404_on_every_route(
    world: World, cases: Cases, who: str
) -> None:
    missing_case = _routes(world, 999_999, "/cases/999999/photos/1")
    for name, call in _routes(world, cases.south, cases.photo_url).items():
        outside: httpx2.Response = call(world[who])
        missing: httpx2.Response = missing_case[name](world[who])

        assert outside.status_code == 404, name
        assert_problem(outside, 404, "not-found")
        assert outside.json()["detail"] == missing.json()["detail"], name


@pytest.mark.parametrize("who", IN_SCOPE_READERS)
def test_everyone_in_scope_reads_every_route(world: World, cases: Cases, who: str) -> None:
    routes = _routes(world, cases.south, cases.photo_url)
    for name in ("read", "events", "photos", "photo"):
        response = routes[name](world[who])

        assert response.status_code == 200, (name, response.text)


@pytest.mark.parametrize("who", ["ins1south", "aud", "adm", "hotline"])
def test_a_wrong_role_in_scope_is_403(world: World, cases: Cases, who: str) -> None:
    assert_problem(
        _routes(world, cases.south, cases.photo_url)["act"](world[who]), 403, "forbidden"
    )


@pytest.mark.parametrize("who", ["disp1", "ins1south", "aud", "adm"])
def test_only_the_reporter_adds_before_photos(world: World, cases: Cases, who: str) -> None:
    response = _routes(world, cases.south, cases.photo_url)["add photos"](world[who])

    assert_problem(response, 403, "forbidden")


def test_every_route_needs_a_token_or_key(world: World, cases: Cases) -> None:
    for route in _routes(world, cases.north, cases.photo_url).values():
        assert_problem(route({}), 401, "unauthenticated")
    assert_problem(world.client.get("/cases"), 401, "unauthenticated")


def test_the_office_loses_sight_of_a_returned_case_but_the_center_keeps_it(
    world: World, cases: Cases
) -> None:
    case = file_case(world)
    ok(act(world, case["case_id"], "register", "disp1"))
    ok(act(world, case["case_id"], "dispatch", "disp1"))
    assert case["case_id"] in _ids(world, "lia1")

    ok(act(world, case["case_id"], "return", "lia1", {"reason": "非本单位职责"}))

    assert case["case_id"] not in _ids(world, "lia1")
    assert case["case_id"] in _ids(world, "disp1")
