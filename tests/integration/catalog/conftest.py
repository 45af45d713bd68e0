"""Fixtures of the catalog tests: the seeded catalog and logged-in users."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from gridloop.auth.models import Role
from gridloop.catalog import seed
from gridloop.config import get_settings
from tests.factories.places import TwoStreets
from tests.factories.web import MakeUser, login


@pytest.fixture
def catalog(session: Session) -> seed.SeedResult:
    """The catalog of `seeds/catalog/items.yaml`, loaded as `gridloop seed demo` loads it."""
    result = seed.load_catalog(session, get_settings().seeds_dir / "catalog" / "items.yaml")
    session.commit()
    return result


@pytest.fixture
def admin(client: TestClient, make_user: MakeUser) -> dict[str, str]:
    make_user("catalog-admin", Role.ADMIN)
    return login(client, "catalog-admin")


@pytest.fixture
def auditor(client: TestClient, make_user: MakeUser) -> dict[str, str]:
    make_user("catalog-auditor", Role.AUDITOR)
    return login(client, "catalog-auditor")


@pytest.fixture
def dispatcher(client: TestClient, make_user: MakeUser, two_streets: TwoStreets) -> dict[str, str]:
    make_user("catalog-dispatcher", Role.DISPATCHER, street_code=two_streets.street_codes[0])
    return login(client, "catalog-dispatcher")
