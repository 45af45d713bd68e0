"""A change made outside a server process reaches the credentials it remembers: revoked by
SQL, by the CLI, from another process, it holds within moments (the notification), not after
the memory's minute."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import httpx2
import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import sessionmaker

from gridloop.auth import service as auth_service
from gridloop.auth.models import IntakeSource, Role
from gridloop.auth.time import now
from tests.browser.live_server import LiveServer, live_server

# The notification arrives in about a millisecond; the bound leaves room for a loaded machine.
HEARD_WITHIN_S = 5.0


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(tmp_path_factory.mktemp("credentials-server"), "credentials") as running:
        yield running


@pytest.fixture
def engine(server: LiveServer) -> Iterator[Engine]:
    database = create_engine(server.database_url)
    yield database
    database.dispose()


@pytest.fixture
def http(server: LiveServer) -> Iterator[httpx2.Client]:
    with httpx2.Client(base_url=server.url, timeout=10) as client:
        yield client


def bearer(engine: Engine, username: str, role: Role) -> dict[str, str]:
    with sessionmaker(bind=engine, expire_on_commit=False).begin() as session:
        user = auth_service.create_user(
            session, username=username, password="gridloop-demo", role=role
        )
        token, _ = auth_service.issue_token(session, user=user, now=now())
    return {"Authorization": f"Bearer {token}"}


def remembered(http: httpx2.Client, headers: dict[str, str]) -> None:
    """Use the credential until the server answers from memory (its listener may still be
    connecting at first)."""
    deadline = time.monotonic() + HEARD_WITHIN_S
    before = lookups_from_memory(http)
    while lookups_from_memory(http) == before:
        assert http.get("/cases?limit=1", headers=headers).status_code == 200
        assert time.monotonic() < deadline, "the server never remembered the credential"


def lookups_from_memory(http: httpx2.Client) -> float:
    for line in http.get("/metrics").text.splitlines():
        if line.startswith('gridloop_credential_lookups_total{source="memory"}'):
            return float(line.split()[-1])
    return 0.0


def seconds_until(condition: Callable[[], bool]) -> float:
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < HEARD_WITHIN_S, "the change never reached the server"
        time.sleep(0.01)
    return time.monotonic() - started


def test_a_token_revoked_by_sql_is_refused_within_moments(
    engine: Engine, http: httpx2.Client
) -> None:
    headers = bearer(engine, "revoked-by-sql", Role.AUDITOR)
    remembered(http, headers)

    with engine.begin() as connection:
        connection.execute(text("UPDATE access_token SET revoked_at = now()"))

    seconds_until(lambda: http.get("/me", headers=headers).status_code == 401)


def test_a_user_deactivated_by_sql_is_refused_and_a_role_changed_is_seen(
    engine: Engine, http: httpx2.Client
) -> None:
    gone = bearer(engine, "deactivated", Role.AUDITOR)
    promoted = bearer(engine, "promoted", Role.AUDITOR)
    remembered(http, gone)
    remembered(http, promoted)

    with engine.begin() as connection:
        connection.execute(
            text("UPDATE app_user SET is_active = false WHERE username = :name"),
            {"name": "deactivated"},
        )
        connection.execute(
            text("UPDATE app_user SET role = 'admin' WHERE username = :name"), {"name": "promoted"}
        )

    seconds_until(lambda: http.get("/me", headers=gone).status_code == 401)
    seconds_until(lambda: http.get("/users", headers=promoted).status_code == 200)


def test_an_intake_key_revoked_by_sql_is_refused_within_moments(
    engine: Engine, http: httpx2.Client
) -> None:
    with sessionmaker(bind=engine).begin() as session:
        key = auth_service.create_api_key(
            session, name="revoked-hotline", source=IntakeSource.HOTLINE_12345
        )
    headers = {"X-API-Key": key}
    remembered(http, headers)

    with engine.begin() as connection:
        connection.execute(text("UPDATE api_key SET revoked_at = now()"))

    seconds_until(lambda: http.get("/cases", headers=headers).status_code == 401)
