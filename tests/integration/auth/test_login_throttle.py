"""The login throttle: per username and client address with growing delays, a much higher
ceiling per username from everywhere, and the client address behind trusted proxies.

Defaults: 3 free failures per username and address, then waits of 2 s, 4 s, 8 s …; 100
failures from everywhere within 15 minutes lock the username for 15 minutes.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx2
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from gridloop.auth import time as auth_time
from gridloop.auth.models import LoginAddressThrottle, LoginThrottle, Role
from gridloop.cases import sweeper
from tests.factories.web import DEMO_PASSWORD, MakeUser, SetSettings, app_on, assert_problem

ATTACKER = "203.0.113.9"
REAL_USER = "198.51.100.7"


class Clock:
    """The request clock of an app, moved by hand."""

    def __init__(self, app: FastAPI) -> None:
        self.now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
        app.dependency_overrides[auth_time.request_now] = lambda: self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(app: FastAPI) -> Clock:
    return Clock(app)


def from_address(app: FastAPI, address: str) -> TestClient:
    """A client whose requests come from `address` (the socket's peer)."""
    return TestClient(app, client=(address, 50000))


def attempt(client: TestClient, username: str, password: str, **headers: str) -> httpx2.Response:
    return client.post(
        "/auth/token", data={"username": username, "password": password}, headers=headers
    )


def test_another_address_failing_does_not_lock_the_real_user_out(
    app: FastAPI, clock: Clock, make_user: MakeUser
) -> None:
    make_user("dispatcher-1", Role.ADMIN)
    attacker = from_address(app, ATTACKER)
    counted = 0
    while counted < 30:  # the attacker waits out every delay, so that each guess counts
        response = attempt(attacker, "dispatcher-1", "guess-guess")
        if response.status_code == 401:
            counted += 1
        else:
            assert_problem(response, 429, "too-many-login-attempts")
            clock.advance(int(response.headers["retry-after"]))

    locked_for_attacker = attempt(attacker, "dispatcher-1", DEMO_PASSWORD)
    real_user = attempt(from_address(app, REAL_USER), "dispatcher-1", DEMO_PASSWORD)

    assert_problem(locked_for_attacker, 429, "too-many-login-attempts")
    assert real_user.status_code == 200, real_user.text


def test_delays_double_after_the_free_failures(
    app: FastAPI, clock: Clock, make_user: MakeUser
) -> None:
    make_user("adm", Role.ADMIN)
    attacker = from_address(app, ATTACKER)
    for _ in range(3):
        assert_problem(attempt(attacker, "adm", "guess-guess"), 401, "invalid-credentials")

    waits = []
    for _ in range(5):
        assert_problem(attempt(attacker, "adm", "guess-guess"), 401, "invalid-credentials")
        refused = attempt(attacker, "adm", DEMO_PASSWORD)  # even the right password waits
        assert_problem(refused, 429, "too-many-login-attempts")
        waits.append(int(refused.headers["retry-after"]))
        clock.advance(waits[-1])

    assert waits == [2, 4, 8, 16, 32]
    assert attempt(attacker, "adm", DEMO_PASSWORD).status_code == 200


def test_a_success_forgives_the_address_but_not_the_username_count(
    app: FastAPI, clock: Clock, session: Session, make_user: MakeUser
) -> None:
    make_user("adm", Role.ADMIN)
    user = from_address(app, REAL_USER)
    for _ in range(3):
        attempt(user, "adm", "typo-typo")

    assert attempt(user, "adm", DEMO_PASSWORD).status_code == 200

    assert session.scalars(select(LoginAddressThrottle)).all() == []
    per_name = session.get(LoginThrottle, "adm", populate_existing=True)
    assert per_name is not None
    assert per_name.failure_count == 3
    for _ in range(3):  # the free failures are free again
        assert_problem(attempt(user, "adm", "typo-typo"), 401, "invalid-credentials")


def test_the_username_ceiling_locks_it_from_every_address(
    app: FastAPI, clock: Clock, make_user: MakeUser, set_settings: SetSettings
) -> None:
    set_settings(GRIDLOOP_LOGIN_USERNAME_MAX_FAILURES="10")
    make_user("adm", Role.ADMIN)
    for host in range(10):  # one failure each from ten addresses: no address is delayed
        response = attempt(from_address(app, f"203.0.113.{host}"), "adm", "guess-guess")
        assert_problem(response, 401, "invalid-credentials")

    locked = attempt(from_address(app, REAL_USER), "adm", DEMO_PASSWORD)
    clock.advance(15 * 60 - 1)
    still_locked = attempt(from_address(app, REAL_USER), "adm", DEMO_PASSWORD)
    clock.advance(1)
    unlocked = attempt(from_address(app, REAL_USER), "adm", DEMO_PASSWORD)

    assert_problem(locked, 429, "too-many-login-attempts")
    assert int(locked.headers["retry-after"]) == 15 * 60
    assert int(still_locked.headers["retry-after"]) == 1
    assert unlocked.status_code == 200


def test_failures_are_forgotten_after_a_quiet_window(
    app: FastAPI, clock: Clock, session: Session, make_user: MakeUser
) -> None:
    make_user("adm", Role.ADMIN)
    attacker = from_address(app, ATTACKER)
    for _ in range(4):
        attempt(attacker, "adm", "guess-guess")
    clock.advance(2 + 15 * 60)  # the last wait, then a quiet window

    attempt(attacker, "adm", "guess-guess")

    per_address = session.get(LoginAddressThrottle, ("adm", ATTACKER), populate_existing=True)
    assert per_address is not None
    assert per_address.failure_count == 1
    assert per_address.blocked_until is None


def test_free_failures_are_forgotten_after_a_quiet_window_too(
    app: FastAPI, clock: Clock, session: Session, make_user: MakeUser
) -> None:
    make_user("adm", Role.ADMIN)
    user = from_address(app, REAL_USER)
    for _ in range(3):
        attempt(user, "adm", "typo-typo")
    clock.advance(15 * 60)

    assert_problem(attempt(user, "adm", "typo-typo"), 401, "invalid-credentials")
    assert_problem(attempt(user, "adm", "typo-typo"), 401, "invalid-credentials")

    per_address = session.get(LoginAddressThrottle, ("adm", REAL_USER), populate_existing=True)
    assert per_address is not None
    assert per_address.failure_count == 2
    assert per_address.blocked_until is None


def test_the_sweeper_forgets_failures_that_can_no_longer_count(
    app: FastAPI, clock: Clock, session: Session
) -> None:
    attempt(from_address(app, ATTACKER), "old", "guess-guess")
    clock.advance(10 * 60)
    attempt(from_address(app, ATTACKER), "recent", "guess-guess")

    sweeper.sweep(session, now=clock.now + timedelta(minutes=5, seconds=1))

    assert [row.username for row in session.scalars(select(LoginAddressThrottle))] == ["recent"]
    assert [row.username for row in session.scalars(select(LoginThrottle))] == ["recent"]


def test_failures_for_an_unknown_username_are_counted_too(
    app: FastAPI, clock: Clock, session: Session
) -> None:
    for _ in range(4):
        assert_problem(
            attempt(from_address(app, ATTACKER), "ghost", "guess-guess"),
            401,
            "invalid-credentials",
        )

    refused = attempt(from_address(app, ATTACKER), "ghost", "guess-guess")

    assert_problem(refused, 429, "too-many-login-attempts")
    per_name = session.get(LoginThrottle, "ghost", populate_existing=True)
    assert per_name is not None
    assert per_name.failure_count == 4


# ----------------------------------------------------------------------------- proxies


@pytest.fixture
def proxied_app(session_factory: sessionmaker[Session], set_settings: SetSettings) -> FastAPI:
    """The app behind reverse proxies at 10.0.0.0/8 and 192.0.2.1."""
    set_settings(GRIDLOOP_TRUSTED_PROXIES="10.0.0.0/8, 192.0.2.1")
    return app_on(session_factory)


def _throttled_addresses(session: Session, username: str) -> list[str]:
    return list(
        session.scalars(
            select(LoginAddressThrottle.client_address).where(
                LoginAddressThrottle.username == username
            )
        )
    )


@pytest.mark.parametrize(
    ("peer", "forwarded_for", "client"),
    [
        # Through a trusted proxy: the right-most hop that is not a trusted proxy.
        ("10.0.0.2", "198.51.100.7", "198.51.100.7"),
        ("10.0.0.2", "198.51.100.7, 10.1.2.3", "198.51.100.7"),
        # A client cannot choose its address by writing the header itself: the proxy appends
        # the real peer, which is the right-most untrusted hop.
        ("10.0.0.2", "1.1.1.1, 198.51.100.7", "198.51.100.7"),
        ("192.0.2.1", "198.51.100.7", "198.51.100.7"),
        # From a peer that is not a trusted proxy, the header is the client's own word: ignored.
        ("192.0.2.50", "198.51.100.7", "192.0.2.50"),
    ],
)
def test_the_client_address_is_the_right_most_untrusted_hop(
    proxied_app: FastAPI, session: Session, peer: str, forwarded_for: str, client: str
) -> None:
    response = attempt(
        from_address(proxied_app, peer), "adm", "guess-guess", **{"X-Forwarded-For": forwarded_for}
    )

    assert_problem(response, 401, "invalid-credentials")
    assert _throttled_addresses(session, "adm") == [client]


def test_without_trusted_proxies_x_forwarded_for_is_ignored(app: FastAPI, session: Session) -> None:
    attempt(from_address(app, "10.0.0.2"), "adm", "guess-guess", **{"X-Forwarded-For": "1.1.1.1"})

    assert _throttled_addresses(session, "adm") == ["10.0.0.2"]


def test_clients_behind_one_proxy_are_throttled_apart(
    proxied_app: FastAPI, make_user: MakeUser
) -> None:
    make_user("adm", Role.ADMIN)
    proxy = from_address(proxied_app, "10.0.0.2")
    for _ in range(4):
        attempt(proxy, "adm", "guess-guess", **{"X-Forwarded-For": ATTACKER})

    attacker = attempt(proxy, "adm", DEMO_PASSWORD, **{"X-Forwarded-For": ATTACKER})
    real_user = attempt(proxy, "adm", DEMO_PASSWORD, **{"X-Forwarded-For": REAL_USER})

    assert_problem(attacker, 429, "too-many-login-attempts")
    assert real_user.status_code == 200
