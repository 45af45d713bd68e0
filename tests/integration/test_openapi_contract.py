"""schemathesis over the whole OpenAPI document, as an authenticated admin.

No request may produce a 5xx, an undeclared status, a wrong content type, or a body that breaks
its declared schema.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy.orm import Session, sessionmaker

from gridloop import db
from gridloop.app import create_app
from gridloop.auth import service as auth_service
from gridloop.auth.models import Role
from gridloop.auth.time import now
from gridloop.db import session_factory as app_session_factory

APP = create_app()
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture
def admin_headers(
    session: Session, session_factory: sessionmaker[Session], small_map: Any
) -> dict[str, str]:
    APP.dependency_overrides[app_session_factory] = lambda: session_factory
    readers = db.read_only(sessionmaker(**session_factory.kw))
    APP.dependency_overrides[db.read_session_factory] = lambda: readers
    user = auth_service.create_user(
        session, username="contract-admin", password="gridloop-demo", role=Role.ADMIN
    )
    token, _ = auth_service.issue_token(session, user=user, now=now())
    session.commit()
    return {"Authorization": f"Bearer {token}"}


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_every_operation_keeps_its_contract(case: Any, admin_headers: dict[str, str]) -> None:
    if case.path == "/auth/logout":
        # Logging out would end the session every later example relies on.
        return
    if case.path == "/events/stream":
        # An endless stream; tests/integration/events/test_stream.py reads it.
        return
    case.call_and_validate(headers=admin_headers, checks=CHECKS)
