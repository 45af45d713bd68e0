"""Fixtures of the routing tests: a small world (map, catalog, offices) loaded once per module.

The world sits in one outer transaction per module; each test runs in a savepoint of it that is
rolled back, so tests stay isolated without reloading the catalog every time. What the world
holds is described in `tests/factories/routing.py`.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine

from gridloop.auth.models import Role
from tests.factories.routing import STREET_A, load_small_world, module_world
from tests.factories.web import MakeUser, login


@pytest.fixture(scope="module")
def world(engine: Engine) -> Iterator[Connection]:
    yield from module_world(engine, load_small_world)


@pytest.fixture
def connection(world: Connection) -> Iterator[Connection]:
    """The test's connection: a savepoint of the module's world, rolled back after the test."""
    savepoint = world.begin_nested()
    yield world
    if savepoint.is_active:
        savepoint.rollback()


# ----------------------------------------------------------------------------- users


@pytest.fixture
def admin(client: TestClient, make_user: MakeUser) -> dict[str, str]:
    make_user("routing-admin", Role.ADMIN)
    return login(client, "routing-admin")


@pytest.fixture
def dispatcher(client: TestClient, make_user: MakeUser) -> dict[str, str]:
    make_user("routing-dispatcher", Role.DISPATCHER, street_code=STREET_A)
    return login(client, "routing-dispatcher")


@pytest.fixture
def inspector(client: TestClient, make_user: MakeUser) -> dict[str, str]:
    make_user("routing-inspector", Role.INSPECTOR, responsibility_grid_codes=["31010500101"])
    return login(client, "routing-inspector")
