"""Shared fixtures of the integration tests: the app on the test's transaction, a client,
a two-street map, users, and helpers for logging in and checking problem responses.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

import httpx2
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from geoalchemy2.shape import from_shape
from shapely.geometry import MultiPolygon, box
from sqlalchemy.orm import Session, sessionmaker

from gridloop import db
from gridloop.app import create_app
from gridloop.auth import service as auth_service
from gridloop.auth.models import Role, User
from gridloop.auth.time import now
from gridloop.calendar import seed as calendar_seed
from gridloop.errors import PROBLEM_BASE, PROBLEM_MEDIA_TYPE
from gridloop.geo import service as geo_service
from gridloop.geo.layers import Layer
from gridloop.geo.models import Community, District, ResponsibilityGrid, Street
from gridloop.org.models import Department, Office
from tests.integration.small_map import SMALL_MAP

DEMO_PASSWORD = "gridloop-demo"

# ----------------------------------------------------------------------------- the app


@pytest.fixture
def app(session_factory: sessionmaker[Session]) -> FastAPI:
    """The real app, its request sessions joined to the test's rolled-back transaction."""
    application = create_app()
    application.dependency_overrides[db.session_factory] = lambda: session_factory
    return application


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


def login(client: TestClient, username: str, password: str = DEMO_PASSWORD) -> dict[str, str]:
    """Log in through the API; the Authorization header to send."""
    response = client.post("/auth/token", data={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def assert_problem(response: httpx2.Response, status: int, slug: str) -> dict[str, Any]:
    """Assert an RFC 9457 problem response of this status and type, carrying the request's id;
    its body without that id (which differs between any two requests)."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["type"] == PROBLEM_BASE + slug
    assert body["title"]
    assert body["detail"]
    assert body.pop("request_id") == response.headers["x-request-id"]
    return body


# ----------------------------------------------------------------------------- a map


def square(west: float, south: float, east: float, north: float) -> Any:
    """A one-square MultiPolygon in WGS-84, ready for a geometry column."""
    return from_shape(MultiPolygon([box(west, south, east, north)]), srid=4326)


@dataclass(frozen=True)
class TwoStreets:
    district_code: str = "310105"
    street_codes: tuple[str, str] = ("310105001", "310105002")
    community_codes: tuple[str, str] = ("310105001001", "310105002001")
    responsibility_grid_codes: tuple[str, str] = ("31010500101", "31010500201")
    department_code: str = "310105-chengguan"
    office_code: str = "test-office-1"


@pytest.fixture
def two_streets(session: Session) -> TwoStreets:
    """District 310105 with two side-by-side streets, each with a community and a
    responsibility grid, and one 城管 office whose jurisdiction is the first street.
    """
    codes = TwoStreets()
    first, second = (121.400, 31.200, 121.410, 31.210), (121.410, 31.200, 121.420, 31.210)
    session.add(
        District(code=codes.district_code, name="长宁区", geom=square(121.40, 31.20, 121.42, 31.21))
    )
    session.flush()  # each level after its parent: the triggers look the parent up
    session.add_all(
        Street(code=code, district_code=codes.district_code, name=name, geom=square(*bounds))
        for code, name, bounds in zip(
            codes.street_codes, ("华阳路街道", "江苏路街道"), (first, second), strict=True
        )
    )
    session.flush()
    for street_code, community_code, grid_code, bounds in zip(
        codes.street_codes,
        codes.community_codes,
        codes.responsibility_grid_codes,
        (first, second),
        strict=True,
    ):
        session.add(
            Community(
                code=community_code, street_code=street_code, name="居委会", geom=square(*bounds)
            )
        )
        session.add(
            ResponsibilityGrid(
                code=grid_code, street_code=street_code, name="责任网格", geom=square(*bounds)
            )
        )
    department = Department(
        code=codes.department_code,
        name="长宁区城管执法局",
        department_type="chengguan",
        district_code=codes.district_code,
    )
    session.add(department)
    session.flush()
    session.add(
        Office(
            code=codes.office_code,
            name="华阳路城管中队",
            department_id=department.department_id,
            department_type=department.department_type,
            street_code=codes.street_codes[0],
            jurisdiction=square(*first),
        )
    )
    session.flush()
    return codes


# ----------------------------------------------------------------------------- users


class MakeUser(Protocol):
    def __call__(self, username: str, role: Role, **scope: Any) -> User: ...


@pytest.fixture
def make_user(session: Session) -> MakeUser:
    """Create a user with the demo password; scope as keyword arguments of create_user."""

    def make(username: str, role: Role, **scope: Any) -> User:
        return auth_service.create_user(
            session, username=username, password=DEMO_PASSWORD, role=role, **scope
        )

    return make


@pytest.fixture
def small_map(session: Session) -> dict[Layer, dict[str, Any]]:
    """The map of `tests/integration/small_map.py`, imported through the real import path."""
    for layer, layer_collection in SMALL_MAP.items():
        geo_service.import_layer(session, layer=layer, collection=layer_collection)
    session.commit()
    return SMALL_MAP


@pytest.fixture
def official_calendar(session: Session) -> None:
    """The official calendar of 2025 and 2026 (holidays, 调休) from the chinesecalendar package."""
    calendar_seed.load_package_calendar(session, now=now(), years=(2025, 2026))
    session.commit()
