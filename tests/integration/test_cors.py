"""CORS: off unless GRIDLOOP_CORS_ORIGINS lists the origins of browser clients on other hosts."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy.orm import Session, sessionmaker

from gridloop.config import Settings
from tests.factories.web import SetSettings, app_on, assert_problem

CONSOLE = "https://console.example.gov.cn"
DEV_CONSOLE = "http://127.0.0.1:5173"
OTHER = "https://elsewhere.example.com"

MakeClient = Callable[[str | None], TestClient]


@pytest.fixture
def make_client(set_settings: SetSettings, session_factory: sessionmaker[Session]) -> MakeClient:
    """The app as configured with these CORS origins (None: the setting is not given)."""

    def make(origins: str | None) -> TestClient:
        set_settings(GRIDLOOP_CORS_ORIGINS=origins)
        return TestClient(app_on(session_factory))

    return make


def test_cors_is_off_by_default(make_client: MakeClient) -> None:
    client = make_client(None)

    answer = client.options(
        "/cases", headers={"Origin": CONSOLE, "Access-Control-Request-Method": "POST"}
    )
    health = client.get("/healthz", headers={"Origin": CONSOLE})

    assert_problem(answer, 405, "method-not-allowed")
    assert "access-control-allow-origin" not in answer.headers
    assert health.status_code == 200
    assert "access-control-allow-origin" not in health.headers


def test_a_listed_origin_may_call_the_api(make_client: MakeClient) -> None:
    client = make_client(f"{CONSOLE}, {DEV_CONSOLE}")

    answer = client.options(
        "/cases/1/actions/register",
        headers={
            "Origin": DEV_CONSOLE,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type, if-match, "
            "idempotency-key",
        },
    )
    health = client.get("/healthz", headers={"Origin": CONSOLE})

    assert answer.status_code == 200, answer.text
    assert answer.headers["access-control-allow-origin"] == DEV_CONSOLE
    assert "POST" in answer.headers["access-control-allow-methods"]
    allowed = answer.headers["access-control-allow-headers"].lower()
    assert {"authorization", "if-match", "idempotency-key"} <= set(allowed.split(", "))
    assert "access-control-allow-credentials" not in answer.headers
    assert health.status_code == 200
    assert health.headers["access-control-allow-origin"] == CONSOLE
    assert "ETag" in health.headers["access-control-expose-headers"]


def test_an_origin_not_listed_is_refused(make_client: MakeClient) -> None:
    client = make_client(CONSOLE)

    answer = client.options(
        "/cases", headers={"Origin": OTHER, "Access-Control-Request-Method": "POST"}
    )
    health = client.get("/healthz", headers={"Origin": OTHER})

    body = assert_problem(answer, 400, "cors-preflight-refused")
    assert "origin" in body["detail"]
    assert "access-control-allow-origin" not in answer.headers
    assert "access-control-allow-origin" not in health.headers


@pytest.mark.parametrize(
    "origins", ["https://console.example.gov.cn/", "console.example.gov.cn", f"{CONSOLE}/app"]
)
def test_a_setting_that_is_not_an_origin_stops_the_start(origins: str) -> None:
    with pytest.raises(ValidationError, match="not an origin"):
        Settings(cors_origins=origins)
