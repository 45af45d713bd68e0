"""Offices and jurisdictions: validated admin writes, no overlap within a department (database
and API), gaps, a liaison's scope, and the covering query routing relies on.

The map is `tests/integration/small_map.py`: street 310105001 is 121.400–121.402, street
310105002 is 121.402–121.404, both 31.200–31.202, in unit grids of 0.001°.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gridloop.auth.models import Role
from gridloop.org import service
from gridloop.org.models import Office
from tests.factories.places import square
from tests.factories.web import MakeUser, assert_problem, login
from tests.integration.small_map import (
    EAST,
    FAR_EAST,
    MID,
    MIDDLE,
    NORTH,
    SOUTH,
    WEST,
    box,
)

STREET_1 = box(WEST, SOUTH, EAST, NORTH)
STREET_2 = box(EAST, SOUTH, FAR_EAST, NORTH)
DISTRICT = box(WEST, SOUTH, FAR_EAST, NORTH)
CELL_M2 = 0.001 * 0.001 * 111_320 * 0.8556 * 110_870  # one 0.001° cell at 31.2° N, roughly


def department(session: Session, kind: str) -> str:
    code = f"310105-{kind}"
    service.save_department(
        session, code=code, name=f"长宁区{kind}", department_type=kind, district_code="310105"
    )
    return code


def office(
    session: Session, code: str, department_code: str, geometry: dict[str, Any] | None, **kw: Any
) -> Office:
    return service.create_office(
        session,
        code=code,
        name=f"{code} 派出机构",
        department_code=department_code,
        jurisdiction=geometry,
        **kw,
    )


@pytest.fixture
def chengguan(session: Session, small_map: Any) -> str:
    return department(session, "chengguan")


@pytest.fixture
def admin(client: TestClient, make_user: MakeUser) -> dict[str, str]:
    make_user("adm", Role.ADMIN)
    return login(client, "adm")


def body(code: str, geometry: dict[str, Any] | None, **fields: Any) -> dict[str, Any]:
    return {
        "code": code,
        "name": "华阳路街道城管中队",
        "department_code": "310105-chengguan",
        "jurisdiction": geometry,
        **fields,
    }


# ----------------------------------------------------------------------------- overlaps


def test_the_database_refuses_overlapping_jurisdictions_within_one_department(
    session: Session, chengguan: str
) -> None:
    first = office(session, "first", chengguan, STREET_1)
    overlapping = Office(
        code="second",
        name="重叠",
        department_id=first.department_id,
        department_type=first.department_type,
        jurisdiction=square(MID, SOUTH, FAR_EAST, NORTH),
    )

    session.add(overlapping)

    with pytest.raises(IntegrityError) as caught:
        session.flush()

    assert caught.value.orig is not None
    assert caught.value.orig.diag.constraint_name == "no_overlap_office"  # type: ignore[attr-defined]


def test_neighbours_share_edges_and_other_departments_share_area(
    session: Session, chengguan: str
) -> None:
    gongan = department(session, "gongan")

    office(session, "west", chengguan, STREET_1)
    office(session, "east", chengguan, STREET_2)
    office(session, "police", gongan, DISTRICT)

    assert {o.code for o in service.offices_covering(session, lon=EAST, lat=MIDDLE).values()} == {
        "east",
        "police",
    }


@pytest.mark.usefixtures("chengguan")
def test_the_api_refuses_an_overlapping_jurisdiction_listing_every_conflicting_office(
    client: TestClient, session: Session, admin: dict[str, str], chengguan: str
) -> None:
    office(session, "west", chengguan, STREET_1)
    office(session, "east", chengguan, STREET_2)

    response = client.post(
        "/org/offices", headers=admin, json=body("middle", box(MID, SOUTH, 121.403, NORTH))
    )

    problem = assert_problem(response, 422, "jurisdiction-overlap")
    reasons = " ".join(error["reason"] for error in problem["errors"])
    assert "east" in reasons
    assert "west" in reasons
    assert {error["location"] for error in problem["errors"]} == {"jurisdiction"}
    assert_problem(client.get("/org/offices/middle", headers=admin), 404, "not-found")


# ----------------------------------------------------------------------------- writes


@pytest.mark.usefixtures("chengguan")
def test_an_admin_creates_and_replaces_an_office_and_reads_it_as_a_feature(
    client: TestClient, admin: dict[str, str]
) -> None:
    created = client.post(
        "/org/offices",
        headers=admin,
        json=body(
            "310105001-chengguan", STREET_1["coordinates"] and STREET_1, street_code="310105001"
        ),
    )
    replaced = client.put(
        "/org/offices/310105001-chengguan",
        headers=admin,
        json={
            "name": "华阳路街道城管中队（扩）",
            "department_code": "310105-chengguan",
            "jurisdiction": {"type": "Polygon", "coordinates": DISTRICT["coordinates"][0]},
        },
    )
    feature = client.get("/org/offices/310105001-chengguan", headers=admin).json()

    assert created.status_code == 201, created.text
    assert created.json()["properties"]["street_code"] == "310105001"
    assert created.json()["properties"]["area_m2"] == pytest.approx(4 * CELL_M2, rel=0.01)
    assert replaced.status_code == 200, replaced.text
    assert feature["type"] == "Feature"
    assert feature["id"] == "310105001-chengguan"
    assert feature["geometry"]["type"] == "MultiPolygon"
    assert feature["properties"] == {
        "code": "310105001-chengguan",
        "name": "华阳路街道城管中队（扩）",
        "department_code": "310105-chengguan",
        "department_name": "长宁区chengguan",
        "department_type": "chengguan",
        "street_code": None,
        "dispatchable": True,
        "area_m2": pytest.approx(8 * CELL_M2, rel=0.01),
    }


BOWTIE = {
    "type": "Polygon",
    "coordinates": [[[WEST, SOUTH], [EAST, NORTH], [EAST, SOUTH], [WEST, NORTH], [WEST, SOUTH]]],
}


@pytest.mark.usefixtures("chengguan")
@pytest.mark.parametrize(
    ("fields", "location", "reason"),
    [
        ({"jurisdiction": BOWTIE}, "jurisdiction", "invalid geometry"),
        ({"jurisdiction": box(121.5, 31.2, 121.6, 31.3)}, "jurisdiction", "not inside district"),
        ({"jurisdiction": box(31.200, 121.400, 31.202, 121.402)}, "jurisdiction", "swapped"),
        ({"department_code": "310105-gongan"}, "department_code", "no department"),
        ({"street_code": "310105999"}, "street_code", "no street"),
    ],
)
def test_a_bad_office_is_a_422_naming_the_field(
    client: TestClient,
    admin: dict[str, str],
    fields: dict[str, Any],
    location: str,
    reason: str,
) -> None:
    response = client.post("/org/offices", headers=admin, json={**body("bad", STREET_1), **fields})

    problem = assert_problem(response, 422, "validation-error")
    assert problem["errors"][0]["location"] == location
    assert reason in problem["errors"][0]["reason"]


@pytest.mark.usefixtures("chengguan")
def test_a_taken_code_is_a_409_and_an_unknown_office_a_404(
    client: TestClient, admin: dict[str, str]
) -> None:
    assert client.post("/org/offices", headers=admin, json=body("a", None)).status_code == 201

    assert_problem(
        client.post("/org/offices", headers=admin, json=body("a", None)), 409, "conflict"
    )
    update = {"name": "x", "department_code": "310105-chengguan"}
    assert_problem(client.put("/org/offices/nope", headers=admin, json=update), 404, "not-found")


@pytest.mark.usefixtures("chengguan")
@pytest.mark.parametrize("role", [Role.AUDITOR, Role.DISPATCHER, Role.LIAISON])
def test_only_an_admin_writes_offices(
    client: TestClient, session: Session, make_user: MakeUser, chengguan: str, role: Role
) -> None:
    office(session, "west", chengguan, STREET_1)
    scope = {Role.DISPATCHER: {"street_code": "310105001"}, Role.LIAISON: {"office_code": "west"}}
    make_user("someone", role, **scope.get(role, {}))
    headers = login(client, "someone")

    created = client.post("/org/offices", headers=headers, json=body("east", STREET_2))
    replaced = client.put(
        "/org/offices/west",
        headers=headers,
        json={"name": "x", "department_code": chengguan, "jurisdiction": DISTRICT},
    )

    assert_problem(created, 403, "forbidden")
    assert_problem(replaced, 403, "forbidden")


# ----------------------------------------------------------------------------- reading


def test_a_liaison_sees_only_their_own_office(
    client: TestClient, session: Session, make_user: MakeUser, chengguan: str
) -> None:
    office(session, "west", chengguan, STREET_1)
    office(session, "east", chengguan, STREET_2)
    make_user("lia", Role.LIAISON, office_code="west")
    make_user("aud", Role.AUDITOR)
    liaison = login(client, "lia")

    listed = client.get("/org/offices", headers=liaison).json()
    own = client.get("/org/offices/west", headers=liaison)
    other = client.get("/org/offices/east", headers=liaison)

    assert [item["code"] for item in listed] == ["west"]
    assert own.status_code == 200
    assert_problem(other, 404, "not-found")
    everyone = client.get("/org/offices", headers=login(client, "aud")).json()
    assert [item["code"] for item in everyone] == ["east", "west"]


def test_offices_filter_by_department_type_and_by_the_street_they_reach_into(
    client: TestClient, session: Session, admin: dict[str, str], chengguan: str
) -> None:
    gongan = department(session, "gongan")
    office(session, "west", chengguan, STREET_1, street_code="310105001")
    office(session, "east", chengguan, STREET_2, street_code="310105002")
    office(session, "police", gongan, DISTRICT)

    def codes(**params: str) -> list[str]:
        response = client.get("/org/offices", headers=admin, params=params)
        assert response.status_code == 200, response.text
        return [item["code"] for item in response.json()]

    assert codes(department_type="gongan") == ["police"]
    assert codes(street_code="310105002") == ["east", "police"]
    assert codes(department_type="chengguan", street_code="310105001") == ["west"]


def test_department_types_and_departments_with_office_counts_are_listed(
    client: TestClient, session: Session, admin: dict[str, str], chengguan: str
) -> None:
    office(session, "west", chengguan, STREET_1)

    types = client.get("/org/department-types", headers=admin).json()
    departments = client.get("/org/departments", headers=admin).json()

    assert {"code": "chengguan", "name": "城管"} in types
    assert {"code": "grid_center", "name": "街道网格化中心"} in types
    assert departments == [
        {
            "code": "310105-chengguan",
            "name": "长宁区chengguan",
            "department_type": "chengguan",
            "department_type_name": "城管",
            "district_code": "310105",
            "office_count": 1,
        }
    ]
    assert_problem(client.get("/org/departments"), 401, "unauthenticated")


# ----------------------------------------------------------------------------- gaps


def test_gaps_report_the_uncovered_part_with_its_area_and_unit_grids(
    client: TestClient, session: Session, admin: dict[str, str], chengguan: str
) -> None:
    # Street 1 without its south-east cell (A004), and street 2: a hole of one cell.
    l_shape = {
        "type": "Polygon",
        "coordinates": [
            [
                [WEST, SOUTH],
                [MID, SOUTH],
                [MID, MIDDLE],
                [EAST, MIDDLE],
                [EAST, NORTH],
                [WEST, NORTH],
                [WEST, SOUTH],
            ]
        ],
    }
    office(session, "west", chengguan, l_shape)
    office(session, "east", chengguan, STREET_2)

    response = client.get(f"/org/departments/{chengguan}/gaps", headers=admin)

    assert response.status_code == 200, response.text
    gaps = response.json()
    assert gaps["type"] == "FeatureCollection"
    assert gaps["department_code"] == chengguan
    assert len(gaps["features"]) == 1
    assert gaps["features"][0]["geometry"]["type"] == "Polygon"
    assert gaps["features"][0]["properties"]["area_m2"] == pytest.approx(CELL_M2, rel=0.01)
    assert gaps["features"][0]["properties"]["unit_grid_codes"] == ["310105001001004"]
    assert gaps["area_m2"] == pytest.approx(CELL_M2, rel=0.01)
    assert gaps["unit_grid_codes"] == ["310105001001004"]


def test_a_department_without_offices_has_the_whole_district_as_gap(
    session: Session, chengguan: str
) -> None:
    gaps = service.department_gaps(session, code=chengguan)

    assert gaps["area_m2"] == pytest.approx(8 * CELL_M2, rel=0.01)
    assert len(gaps["unit_grid_codes"]) == 6


def test_gaps_of_an_unknown_department_are_a_404(client: TestClient, admin: dict[str, str]) -> None:
    assert_problem(client.get("/org/departments/nope/gaps", headers=admin), 404, "not-found")


# ----------------------------------------------------------------------------- for routing


def test_offices_covering_gives_one_office_per_type_and_the_lowest_code_on_shared_edges(
    session: Session, chengguan: str
) -> None:
    gongan = department(session, "gongan")
    office(session, "b-west", chengguan, STREET_1)
    office(session, "a-east", chengguan, STREET_2)
    office(session, "police", gongan, DISTRICT)

    inside_west = service.offices_covering(session, lon=121.4005, lat=31.2005)
    on_shared_edge = service.offices_covering(session, lon=EAST, lat=MIDDLE)
    on_shared_vertex = service.offices_covering(session, lon=EAST, lat=NORTH)
    outside = service.offices_covering(session, lon=121.5, lat=31.5)

    assert {kind: ref.code for kind, ref in inside_west.items()} == {
        "chengguan": "b-west",
        "gongan": "police",
    }
    assert on_shared_edge["chengguan"].code == "a-east"
    assert on_shared_vertex["chengguan"].code == "a-east"
    assert on_shared_edge["chengguan"].department_code == chengguan
    assert outside == {}


def test_the_street_center_is_the_grid_center_office_of_the_street(
    session: Session, chengguan: str
) -> None:
    centers = department(session, "grid_center")
    office(session, "310105001-grid_center", centers, STREET_1, street_code="310105001")
    office(session, "310105001-chengguan", chengguan, STREET_1, street_code="310105001")

    center = service.street_center(session, street_code="310105001")

    assert center is not None
    assert center.code == "310105001-grid_center"
    assert center.department_type == "grid_center"
    assert service.street_center(session, street_code="310105002") is None
