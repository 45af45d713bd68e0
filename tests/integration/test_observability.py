"""Request ids, the request metrics by route template, the metrics page and the access log,
in process (the multi-worker server and its logs: test_operations.py)."""

from __future__ import annotations

import logging

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.orm import Session

from gridloop.auth.models import Role
from gridloop.auth.time import now
from gridloop.cases import sweeper
from gridloop.cases.workflow import Status
from tests.factories.web import MakeUser, assert_problem, login

MISSING_USER_ID = 2**31 - 1


def scrape(client: TestClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of /metrics by name and labels."""
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def requests_of(
    samples: dict[tuple[str, tuple[tuple[str, str], ...]], float], **labels: str
) -> float:
    key = ("gridloop_http_requests_total", tuple(sorted(labels.items())))
    return samples.get(key, 0.0)


# ----------------------------------------------------------------------------- request ids


def test_a_request_id_is_made_when_none_is_sent(client: TestClient) -> None:
    first = client.get("/healthz")
    second = client.get("/healthz")

    assert len(first.headers["x-request-id"]) == 32
    assert first.headers["x-request-id"] != second.headers["x-request-id"]


def test_a_sane_request_id_is_kept_and_put_in_the_problem(client: TestClient) -> None:
    response = client.get("/me", headers={"X-Request-ID": "proxy-4f1c.2026:07"})

    assert response.headers["x-request-id"] == "proxy-4f1c.2026:07"
    assert response.json()["request_id"] == "proxy-4f1c.2026:07"
    assert_problem(response, 401, "unauthenticated")


@pytest.mark.parametrize(
    "sent", ["has spaces", "x" * 200, "line\\nbreak", "<script>", "-starts-with-dash"]
)
def test_an_insane_request_id_is_replaced(client: TestClient, sent: str) -> None:
    response = client.get("/healthz", headers={"X-Request-ID": sent})

    assert response.headers["x-request-id"] != sent
    assert len(response.headers["x-request-id"]) == 32


def test_every_kind_of_problem_carries_the_request_id(client: TestClient) -> None:
    responses = {
        "validation-error": client.post("/auth/token", data={"username": "x"}),
        "not-found": client.get("/no/such/path"),
        "method-not-allowed": client.delete("/healthz"),
        "unauthenticated": client.get("/me"),
    }
    for slug, response in responses.items():
        assert_problem(response, response.status_code, slug)  # checks request_id == header


@pytest.fixture
def failing_app(app: FastAPI) -> FastAPI:
    def boom() -> None:
        raise RuntimeError("a bug")

    app.add_api_route("/boom", boom)
    return app


def test_an_unexpected_error_is_a_500_problem_with_the_request_id(failing_app: FastAPI) -> None:
    with TestClient(failing_app, raise_server_exceptions=False) as client:
        response = client.get("/boom", headers={"X-Request-ID": "find-me-in-the-log"})

    body = assert_problem(response, 500, "internal-error")
    assert response.headers["x-request-id"] == "find-me-in-the-log"
    assert "a bug" not in str(body)


# ----------------------------------------------------------------------------- metrics


def test_requests_are_counted_by_route_template_and_status(
    client: TestClient, make_user: MakeUser
) -> None:
    make_user("adm", Role.ADMIN)
    headers = login(client, "adm")
    before = scrape(client)

    for user_id in (MISSING_USER_ID, MISSING_USER_ID - 1, MISSING_USER_ID - 2):
        client.get(f"/users/{user_id}", headers=headers)
    client.get("/no/such/path")

    after = scrape(client)
    route = {"method": "GET", "route": "/users/{user_id}", "status": "404"}
    assert requests_of(after, **route) - requests_of(before, **route) == 3
    unmatched = {"method": "GET", "route": "<unmatched>", "status": "404"}
    assert requests_of(after, **unmatched) - requests_of(before, **unmatched) == 1
    assert not any(str(MISSING_USER_ID) in str(labels) for _, labels in after)
    histogram = ("gridloop_http_request_duration_seconds_count", tuple(sorted(route.items())))
    assert after[histogram] - before.get(histogram, 0.0) == 3


def test_unknown_methods_share_one_label(client: TestClient) -> None:
    before = scrape(client)

    client.request("BREW", "/healthz")
    client.request("PROPFIND", "/healthz")

    after = scrape(client)
    labels = {"method": "OTHER", "route": "/healthz", "status": "405"}
    assert requests_of(after, **labels) - requests_of(before, **labels) == 2
    assert not any("BREW" in str(key) for key in after)


def test_login_throttling_is_counted(client: TestClient, make_user: MakeUser) -> None:
    make_user("adm", Role.ADMIN)
    before = scrape(client)

    for _ in range(4):
        client.post("/auth/token", data={"username": "adm", "password": "guess-guess"})
    refused = client.post("/auth/token", data={"username": "adm", "password": "guess-guess"})

    after = scrape(client)
    assert refused.status_code == 429
    failures = ("gridloop_login_failures_total", ())
    throttled = ("gridloop_login_throttled_total", (("reason", "address"),))
    assert after[failures] - before.get(failures, 0.0) == 4
    assert after[throttled] - before.get(throttled, 0.0) == 1


def test_the_page_has_cases_by_status_pool_use_and_the_sweeper(
    client: TestClient, session: Session
) -> None:
    client.get("/readyz")  # the service's own engine and pool exist from here on
    sweeper.sweep(session, now=now())

    samples = scrape(client)

    for status in Status:
        assert ("gridloop_cases", (("status", status.value),)) in samples
    assert samples[("gridloop_db_pool_size", ())] >= 1
    assert ("gridloop_db_pool_connections_in_use", ()) in samples
    assert samples[("gridloop_sweeper_last_run_timestamp_seconds", ())] > 0
    assert ("gridloop_sweeper_overdue_found_total", ()) in samples


# ----------------------------------------------------------------------------- the access log


def test_each_request_has_one_access_line_with_route_user_status_and_duration(
    client: TestClient, make_user: MakeUser, caplog: pytest.LogCaptureFixture
) -> None:
    user = make_user("adm", Role.ADMIN)
    headers = login(client, "adm")
    caplog.set_level(logging.INFO, logger="gridloop.access")
    caplog.clear()

    response = client.get(f"/users/{user.user_id}", headers=headers)

    (line,) = [r for r in caplog.records if r.name == "gridloop.access"]
    assert line.__dict__["route"] == "/users/{user_id}"
    assert line.__dict__["status"] == 200
    assert line.__dict__["user_id"] == user.user_id
    assert 0 < line.__dict__["duration_ms"] < 10_000
    assert line.__dict__["method"] == "GET"
    assert response.headers["x-request-id"]
