from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from gridloop import migrations
from gridloop.app import create_app
from gridloop.config import get_settings
from gridloop.db import get_engine, get_sessionmaker


def test_healthz_answers_without_the_database(client: TestClient) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_reports_database_postgis_and_migrations_at_head(client: TestClient) -> None:
    response = client.get("/readyz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] is True
    assert body["postgis_version"].startswith("3.")
    assert body["migration_revision"] == migrations.head_revision()
    assert body["migrations_at_head"] is True


@pytest.fixture
def unreachable_database(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The app's engine points at a port where nothing listens."""
    monkeypatch.setenv("GRIDLOOP_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:9/none")
    for cache in (get_settings, get_engine, get_sessionmaker):
        cache.cache_clear()
    yield
    monkeypatch.undo()
    for cache in (get_settings, get_engine, get_sessionmaker):
        cache.cache_clear()


@pytest.mark.usefixtures("unreachable_database")
def test_without_a_database_the_instance_is_alive_but_not_ready() -> None:
    with TestClient(create_app()) as client:
        alive = client.get("/healthz")
        ready = client.get("/readyz")

    assert alive.status_code == 200
    assert ready.status_code == 503
    assert ready.json()["database"] is False
    assert ready.json()["status"] == "down"
