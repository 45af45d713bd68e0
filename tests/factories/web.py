"""Talking to the app as a client does: logging in, creating users, reading problem responses."""

from __future__ import annotations

from typing import Any, Protocol

import httpx2
from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from gridloop import db
from gridloop.app import create_app
from gridloop.auth.models import Role, User
from gridloop.errors import PROBLEM_BASE, PROBLEM_MEDIA_TYPE

DEMO_PASSWORD = "gridloop-demo"


class MakeUser(Protocol):
    def __call__(self, username: str, role: Role, **scope: Any) -> User: ...


class SetSettings(Protocol):
    """Sets `GRIDLOOP_…` variables for one test (None unsets one); settings are read afresh."""

    def __call__(self, **values: str | None) -> None: ...


def app_on(session_factory: sessionmaker[Session]) -> FastAPI:
    """The real app as the settings are now, its request sessions made by `session_factory`
    (its read sessions too, refusing writes as the service's do)."""
    application = create_app()
    application.dependency_overrides[db.session_factory] = lambda: session_factory
    readers = db.read_only(sessionmaker(**session_factory.kw))
    application.dependency_overrides[db.read_session_factory] = lambda: readers
    return application


def login(client: httpx2.Client, username: str, password: str = DEMO_PASSWORD) -> dict[str, str]:
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
