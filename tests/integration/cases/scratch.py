"""A committed small world in a database of its own, for tests of concurrency and commands.

The per-test fixtures share one connection and roll back; concurrent requests and separate
processes need committed data on separate connections, so this builds a scratch database
(migrated, with the small map, the 2026 calendar, the test catalog items, the offices and one
user of each role of `conftest.USERS`) and drops it afterwards.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from fastapi import FastAPI
from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session, sessionmaker

from gridloop import localdb, migrations
from gridloop.auth import service as auth_service
from gridloop.auth import time as auth_time
from gridloop.auth.models import User
from gridloop.calendar import seed as calendar_seed
from gridloop.config import get_settings
from gridloop.geo import service as geo_service
from tests.factories.cases import T0, USERS, Clock, load_case_catalog, load_case_offices
from tests.factories.web import app_on
from tests.integration.small_map import SMALL_MAP


@dataclass
class ScratchWorld:
    url: str
    engine: Engine
    sessions: sessionmaker[Session]
    clock: Clock
    headers: dict[str, dict[str, str]] = field(default_factory=dict)

    def __getitem__(self, who: str) -> dict[str, str]:
        return self.headers[who]

    def app(self) -> FastAPI:
        """The real app on the scratch database, its clock the world's."""
        application = app_on(self.sessions)
        application.dependency_overrides[auth_time.request_now] = lambda: self.clock.now
        return application


@contextmanager
def scratch_world(name: str) -> Iterator[ScratchWorld]:
    """A scratch database `gridloop_test_<name>_<pid>` seeded with the small world."""
    admin_url = get_settings().effective_database_url
    database = f"gridloop_test_{name}_{os.getpid()}"
    url = localdb.ensure_database(admin_url, database, drop_first=True)
    engine = create_engine(url, pool_size=20, max_overflow=40, pool_timeout=60)
    try:
        with engine.begin() as connection:
            migrations.upgrade(connection)
        sessions = sessionmaker(bind=engine, expire_on_commit=False)
        world = ScratchWorld(url=url, engine=engine, sessions=sessions, clock=Clock())
        users = seed_small_world(sessions)
        with sessions.begin() as session:
            for username, user in users.items():
                session.add(user)
                token, _ = auth_service.issue_token(session, user=user, now=T0 + timedelta(days=30))
                world.headers[username] = {"Authorization": f"Bearer {token}"}
        yield world
    finally:
        engine.dispose()
        localdb.drop_database(admin_url, database)


def seed_small_world(sessions: sessionmaker[Session]) -> dict[str, User]:
    """Commit the small map, the 2026 calendar, the test catalog, the offices and `USERS`
    (password `gridloop-demo`) into an empty migrated database; the users by name."""
    with sessions.begin() as session:
        for layer, collection in SMALL_MAP.items():
            geo_service.import_layer(session, layer=layer, collection=collection)
    users: dict[str, User] = {}
    with sessions.begin() as session:
        calendar_seed.load_package_calendar(session, now=T0, years=(2026,))
        load_case_catalog(session)
        load_case_offices(session)
        for username, (role, scope) in USERS.items():
            users[username] = auth_service.create_user(
                session, username=username, password="gridloop-demo", role=role, **scope
            )
    return users
