"""Every failure is an Open311 error in the requested format, with the specification's status
(400, 403, 404, 429) and a description in Chinese and English; and it changes nothing."""

from __future__ import annotations

from collections.abc import Callable

import httpx2
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from gridloop.geo.models import District
from tests.factories.cases import World
from tests.factories.open311 import (
    BASE,
    FORMATS,
    GROUP_RENTING,
    get,
    open311_errors,
    post_request,
)
from tests.factories.web import SetSettings

OUTSIDE = {"lat": "31.1000", "long": "121.3000"}  # in no unit grid of the map

Call = Callable[[World, str], httpx2.Response]
ERRORS: dict[str, tuple[Call, int, str]] = {
    "bad service_code": (lambda w, f: post_request(w, fmt=f, service_code="E9999"), 404, "E9999"),
    "retired-or-unknown service definition": (
        lambda w, f: get(w.client, "services/X0000", f),
        404,
        "X0000",
    ),
    "no service_code": (lambda w, f: post_request(w, fmt=f, service_code=""), 400, "service_code"),
    "a point outside coverage": (lambda w, f: post_request(w, fmt=f, **OUTSIDE), 400, "网格"),
    "no api_key": (lambda w, f: post_request(w, fmt=f, api_key=None), 403, "api_key"),
    "a wrong api_key": (lambda w, f: post_request(w, fmt=f, api_key="nope"), 403, "api_key"),
    "an unknown request id": (lambda w, f: get(w.client, "requests/424242", f), 404, "424242"),
    "an unknown token": (lambda w, f: get(w.client, "tokens/abc", f), 404, "abc"),
    "a wrong jurisdiction": (
        lambda w, f: get(w.client, "services", f, jurisdiction_id="310106"),
        404,
        "310106",
    ),
    "a wrong jurisdiction when filing": (
        lambda w, f: post_request(w, fmt=f, jurisdiction_id="999999"),
        404,
        "999999",
    ),
    "an address without lat/long": (
        lambda w, f: post_request(w, fmt=f, lat=None, long=None, address_string="长宁路 1 号"),
        400,
        "lat",
    ),
    "no location": (lambda w, f: post_request(w, fmt=f, lat=None, long=None), 400, "long"),
    "lat not a number": (lambda w, f: post_request(w, fmt=f, lat="north"), 400, "lat"),
    "an attribute the service does not take": (
        lambda w, f: post_request(w, fmt=f, **{"attribute[colour]": "red"}),
        400,
        "colour",
    ),
    "a value an attribute cannot have": (
        lambda w, f: post_request(
            w, fmt=f, service_code=GROUP_RENTING, **{"attribute[repeat_offence]": "often"}
        ),
        400,
        "often",
    ),
    "a bad e-mail": (lambda w, f: post_request(w, fmt=f, email="not-an-address"), 400, "email"),
    "a start_date without its offset": (
        lambda w, f: get(w.client, "requests", f, start_date="2026-03-01T00:00:00"),
        400,
        "start_date",
    ),
    "more than 90 days": (
        lambda w, f: get(
            w.client,
            "requests",
            f,
            start_date="2025-01-01T00:00:00Z",
            end_date="2026-01-01T00:00:00Z",
        ),
        400,
        "90",
    ),
    "a limit too large": (lambda w, f: get(w.client, "requests", f, limit="5000"), 400, "limit"),
    "an unknown status": (lambda w, f: get(w.client, "requests", f, status="pending"), 400, "open"),
    "a bad bbox": (lambda w, f: get(w.client, "requests", f, bbox="1,2,3"), 400, "bbox"),
    "updates of a bad window": (
        lambda w, f: get(w.client, "servicerequestupdates", f, end_date="yesterday"),
        400,
        "end_date",
    ),
}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", list(ERRORS))
def test_a_failure_is_an_open311_error_in_the_requested_format(
    group_renting: World, name: str, fmt: str
) -> None:
    call, status, mentioned = ERRORS[name]

    response = call(group_renting, fmt)

    [error] = open311_errors(response, status)
    assert mentioned in error["description"]
    cases = group_renting.client.get("/cases", headers=group_renting["aud"]).json()["items"]
    assert cases == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_format_not_served_is_not_found(world: World, fmt: str) -> None:
    response = world.client.get(f"{BASE}/services.csv")

    assert response.status_code == 404
    assert response.text.startswith('<?xml version="1.0" encoding="utf-8"?>\n<errors>')


def test_several_jurisdictions_need_jurisdiction_id(world: World, session: Session) -> None:
    filed = post_request(world)
    session.add(District(code="310106", name="静安区"))
    session.commit()

    open311_errors(get(world.client, "services", "json"), 400)
    assert get(world.client, "services", "json", jurisdiction_id="310105").status_code == 200
    assert get(world.client, "requests", "json", jurisdiction_id="310106").json() == []
    [request] = get(world.client, "requests", "json", jurisdiction_id="310105").json()
    assert request["service_request_id"] == filed.json()[0]["service_request_id"]
    open311_errors(
        get(world.client, f"requests/{request['service_request_id']}", jurisdiction_id="310106"),
        404,
    )


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_filing_failing_after_its_insert_leaves_nothing(
    world: World, session: Session, fmt: str
) -> None:
    session.add(District(code="310106", name="静安区"))
    session.commit()

    response = post_request(world, fmt=fmt, jurisdiction_id="310106")  # the point is 310105's

    [error] = open311_errors(response, 400)
    assert "310106" in error["description"]
    assert world.client.get("/cases", headers=world["aud"]).json()["items"] == []


def _from(app: FastAPI, address: str) -> TestClient:
    return TestClient(app, client=(address, 50000))


@pytest.mark.parametrize("fmt", FORMATS)
def test_gets_are_limited_per_client_address(
    world: World, app: FastAPI, set_settings: SetSettings, fmt: str
) -> None:
    set_settings(GRIDLOOP_OPEN311_GET_PER_MINUTE="3")
    busy, other = _from(app, "203.0.113.9"), _from(app, "198.51.100.7")

    answered = [get(busy, "services", fmt).status_code for _ in range(3)]
    refused = get(busy, "requests", fmt)

    assert answered == [200, 200, 200]
    [error] = open311_errors(refused, 429)
    assert "3" in error["description"]
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert get(other, "services", fmt).status_code == 200
    world.clock.now = world.clock.now.replace(minute=world.clock.now.minute + 1)
    assert get(busy, "services", fmt).status_code == 200


def test_failed_requests_count_too(world: World, set_settings: SetSettings) -> None:
    set_settings(GRIDLOOP_OPEN311_GET_PER_MINUTE="3", GRIDLOOP_OPEN311_POST_PER_MINUTE="2")

    failed = [get(world.client, "requests/424242").status_code for _ in range(2)]
    answered = get(world.client, "services").status_code
    refused = get(world.client, "services")
    failed_filing = post_request(world, lat="north").status_code

    assert (failed, answered, failed_filing) == ([404, 404], 200, 400)
    open311_errors(refused, 429)
    assert post_request(world).status_code == 201
    open311_errors(post_request(world), 429)


def test_filings_are_limited_per_api_key(world: World, set_settings: SetSettings) -> None:
    set_settings(GRIDLOOP_OPEN311_POST_PER_MINUTE="2")

    answered = [post_request(world).status_code for _ in range(2)]
    refused = post_request(world, fmt="xml")

    assert answered == [201, 201]
    open311_errors(refused, 429)
    assert refused.headers["retry-after"]
    assert post_request(world, key="app").status_code == 201
    cases = world.client.get("/cases", headers=world["aud"]).json()["items"]
    assert len(cases) == 3
