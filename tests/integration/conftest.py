"""Shared fixtures of the integration tests: the app on the test's transaction, a client,
a two-street map, users, the calendar, and the small world of the case tests.

The helpers these fixtures build with, and that tests call, are in `tests/factories/`.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from gridloop.auth import service as auth_service
from gridloop.auth import time as auth_time
from gridloop.auth.models import IntakeSource, Role, User
from gridloop.auth.time import now
from gridloop.calendar import seed as calendar_seed
from gridloop.config import get_settings
from gridloop.geo import service as geo_service
from gridloop.geo.layers import Layer
from tests.factories.cases import (
    CHEAP_HASH,
    T0,
    USERS,
    Clock,
    World,
    load_case_catalog,
    load_case_offices,
)
from tests.factories.places import TwoStreets, build_two_streets
from tests.factories.web import DEMO_PASSWORD, MakeUser, SetSettings, app_on
from tests.integration.small_map import SMALL_MAP

# ----------------------------------------------------------------------------- the app


@pytest.fixture
def app(session_factory: sessionmaker[Session]) -> FastAPI:
    """The real app, its request sessions joined to the test's rolled-back transaction."""
    return app_on(session_factory)


@pytest.fixture
def set_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[SetSettings]:
    """Settings from the environment for this test only; later tests read them afresh."""

    def apply(**values: str | None) -> None:
        for name, value in values.items():
            if value is None:
                monkeypatch.delenv(name, raising=False)
            else:
                monkeypatch.setenv(name, value)
        get_settings.cache_clear()

    yield apply
    monkeypatch.undo()
    get_settings.cache_clear()


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


# ----------------------------------------------------------------------------- a map


@pytest.fixture
def two_streets(session: Session) -> TwoStreets:
    """District 310105 with two side-by-side streets, each with a community and a
    responsibility grid, and one 城管 office whose jurisdiction is the first street.
    """
    return build_two_streets(session)


# ----------------------------------------------------------------------------- users


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


# ----------------------------------------------------------------------------- the cases' world


@pytest.fixture
def clock(app: FastAPI) -> Clock:
    """The request clock, standing at T0 until a test moves it."""
    standing = Clock()
    app.dependency_overrides[auth_time.request_now] = lambda: standing.now
    return standing


@pytest.fixture
def photo_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "photos"
    monkeypatch.setattr(get_settings(), "photo_dir", folder)
    return folder


@pytest.fixture
def world(
    session: Session,
    client: TestClient,
    clock: Clock,
    small_map: Any,
    official_calendar: None,
    photo_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> World:
    """Everything a case needs, and the headers of one user per role (plus `hotline`)."""
    load_case_catalog(session)
    load_case_offices(session)
    monkeypatch.setattr(auth_service, "hash_password", lambda _: CHEAP_HASH)
    world = World(client=client, clock=clock)
    for username, (role, scope) in USERS.items():
        user = auth_service.create_user(
            session, username=username, password="gridloop-demo", role=role, **scope
        )
        # Issued as if a month on, so it outlives every move of the clock in a test.
        token, _ = auth_service.issue_token(session, user=user, now=T0 + timedelta(days=30))
        world.headers[username] = {"Authorization": f"Bearer {token}"}
    for name, source in (("hotline", IntakeSource.HOTLINE_12345), ("app", IntakeSource.PUBLIC_APP)):
        key = auth_service.create_api_key(session, name=name, source=source)
        world.headers[name] = {"X-API-Key": key}
    session.commit()
    return world
