"""The process's memory of credentials: a token or key it has seen costs no lookup, and
whatever changes what a credential stands for reaches the next request (the other processes:
test_credentials_live.py)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, event
from sqlalchemy.orm import Session, sessionmaker

from gridloop.auth import credentials
from gridloop.auth import service as auth_service
from gridloop.auth.credentials import Memory
from gridloop.auth.models import IntakeSource, Role
from tests.factories.cases import Clock
from tests.factories.places import TwoStreets
from tests.factories.web import MakeUser, assert_problem, login

LISTENING_TIMEOUT_S = 10.0


class Lookups:
    """The credential lookups the app's sessions run on the test's connection."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, *args: Any) -> None:
        statement: str = args[2]
        if "FROM app_user JOIN access_token" in statement or "FROM api_key" in statement:
            self.count += 1


@pytest.fixture
def lookups(connection: Connection, session_factory: sessionmaker[Session]) -> Iterator[Lookups]:
    """Counts lookups, once this database's memory is listening (until then it remembers
    nothing, by design)."""
    memories = credentials.memories_for(session_factory)
    deadline = time.monotonic() + LISTENING_TIMEOUT_S
    while not memories.listening():
        assert time.monotonic() < deadline, "the credentials listener did not connect"
        time.sleep(0.05)
    counter = Lookups()
    event.listen(connection, "before_cursor_execute", counter)
    yield counter
    event.remove(connection, "before_cursor_execute", counter)


def test_a_token_seen_once_is_not_looked_up_again(
    client: TestClient, make_user: MakeUser, lookups: Lookups
) -> None:
    make_user("aud", Role.AUDITOR)
    headers = login(client, "aud")

    first = client.get("/me", headers=headers)
    again = [client.get("/me", headers=headers) for _ in range(3)]

    assert first.status_code == 200
    assert all(response.json() == first.json() for response in again)
    assert lookups.count == 1


def test_logging_out_forgets_the_remembered_token(
    client: TestClient, make_user: MakeUser, lookups: Lookups
) -> None:
    make_user("aud", Role.AUDITOR)
    headers = login(client, "aud")
    assert client.get("/me", headers=headers).status_code == 200

    client.post("/auth/logout", headers=headers)

    assert_problem(client.get("/me", headers=headers), 401, "unauthenticated")
    assert_problem(client.get("/cases", headers=headers), 401, "unauthenticated")


def test_a_role_change_reaches_the_token_in_use_at_once(
    client: TestClient, two_streets: TwoStreets, make_user: MakeUser, lookups: Lookups
) -> None:
    make_user("adm", Role.ADMIN)
    inspector = make_user("ins", Role.INSPECTOR, responsibility_grid_codes=["31010500101"])
    inspector_headers = login(client, "ins")
    before = client.get("/me", headers=inspector_headers).json()

    client.put(
        f"/users/{inspector.user_id}/role",
        headers=login(client, "adm"),
        json={"role": "dispatcher", "street_code": "310105002"},
    )
    after = client.get("/me", headers=inspector_headers).json()

    assert (before["role"], before["responsibility_grid_codes"]) == ("inspector", ["31010500101"])
    assert (after["role"], after["street_code"]) == ("dispatcher", "310105002")
    assert after["responsibility_grid_codes"] == []


def test_a_remembered_token_still_expires_on_time(
    client: TestClient, clock: Clock, make_user: MakeUser, lookups: Lookups
) -> None:
    make_user("aud", Role.AUDITOR)
    headers = login(client, "aud")
    assert client.get("/me", headers=headers).status_code == 200

    clock.now += timedelta(hours=12, seconds=1)

    assert_problem(client.get("/me", headers=headers), 401, "unauthenticated")


def test_an_intake_key_seen_once_is_not_looked_up_again(
    client: TestClient, session: Session, lookups: Lookups
) -> None:
    key = auth_service.create_api_key(session, name="hotline", source=IntakeSource.HOTLINE_12345)
    headers = {"X-API-Key": key}

    answers = [client.get("/cases", headers=headers) for _ in range(3)]
    unknown = client.get("/cases", headers={"X-API-Key": key + "x"})

    assert [answer.status_code for answer in answers] == [200, 200, 200]
    assert_problem(unknown, 401, "unauthenticated")
    assert lookups.count == 2  # the key once, the unknown key once


# ----------------------------------------------------------------------------- the memory


class Hearing:
    """Stands for the listener: whether notifications can be heard now."""

    def __init__(self) -> None:
        self.on = True

    def __call__(self) -> bool:
        return self.on


def test_the_memory_remembers_nothing_while_it_cannot_hear_notifications() -> None:
    hearing = Hearing()
    memory: Memory[str] = Memory(hearing)
    memory.put("a", "holder", memory.generation)

    hearing.on = False
    memory.put("b", "holder", memory.generation)

    assert memory.get("a") is None
    hearing.on = True
    assert memory.get("a") == "holder"
    assert memory.get("b") is None


def test_a_lookup_that_raced_a_change_is_not_remembered() -> None:
    memory: Memory[str] = Memory(Hearing())
    read_under = memory.generation  # a lookup starts, reads the old holder …

    memory.forget_all()  # … a change commits and is heard …
    memory.put("a", "old holder", read_under)  # … and the lookup ends

    assert memory.get("a") is None


def test_an_entry_is_trusted_for_a_minute_at_most(monkeypatch: pytest.MonkeyPatch) -> None:
    memory: Memory[str] = Memory(Hearing())
    memory.put("a", "holder", memory.generation)
    later = time.monotonic() + credentials.MAX_AGE_SECONDS + 1

    monkeypatch.setattr(time, "monotonic", lambda: later)

    assert memory.get("a") is None
