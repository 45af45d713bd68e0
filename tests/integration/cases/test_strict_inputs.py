"""Booleans are JSON booleans and dates are dates: anything else is a 422 that changes nothing.

Pydantic's lax mode read `{"passed": 0}` as a failed verification and `reported_to=0.5` as a
moment in 1970. Every boolean, date and time a request carries is checked here, in bodies and
query strings alike.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from tests.factories.cases import (
    IN_A001,
    T0,
    World,
    act,
    etag,
    image,
    ok,
    to_handled,
    to_handling,
    upload,
)
from tests.factories.web import assert_problem

NOT_BOOLEANS = [0, 1, "true", "false", None, [], {}]
NOT_QUERY_BOOLEANS = ["1", "0", "yes", "no", "True", "on", ""]
NOT_DATES = [
    "0.5",
    "0",
    "20260302",
    "2026-03-02T00:00:00",
    "2026-03-02T00:00:00+08:00",
    "02/03/2026",
]
# Unix times two days after T0 are numbers a lax parser would take for a later deadline.
_LATER = int((T0 + timedelta(days=2)).timestamp())
NOT_TIMES = [0.5, _LATER, "0.5", str(_LATER), "2026-03-04", "10:00", True]


def _refused(response: Any, location: str) -> None:
    body = assert_problem(response, 422, "validation-error")
    assert location in {error["location"] for error in body["errors"]}, body


def _events(session: Session, case_id: int) -> int:
    return int(
        session.execute(
            text("SELECT count(*) FROM case_event WHERE case_id = :id"), {"id": case_id}
        ).scalar_one()
    )


def test_verify_takes_passed_only_as_a_json_boolean(world: World, session: Session) -> None:
    case_id = to_handled(world)
    photo = upload(world, case_id, "verification", "ins1", ("check.jpg", image()))
    assert photo.status_code == 201, photo.text
    version, events = etag(world, case_id), _events(session, case_id)

    for value in NOT_BOOLEANS:
        _refused(act(world, case_id, "verify", "ins1", {"passed": value}), "body.passed")

    assert (etag(world, case_id), _events(session, case_id)) == (version, events)
    verified = ok(act(world, case_id, "verify", "ins1", {"passed": False}))
    assert verified["verification"] == "failed"


def test_evaluate_takes_contacted_and_solved_only_as_json_booleans(
    world: World, session: Session
) -> None:
    case_id = to_handled(world)
    assert upload(world, case_id, "verification", "ins1", ("ok.jpg", image())).status_code == 201
    ok(act(world, case_id, "verify", "ins1", {"passed": True}))
    ok(act(world, case_id, "close", "disp1"))
    version, events = etag(world, case_id), _events(session, case_id)

    for field in ("contacted", "solved"):
        for value in NOT_BOOLEANS:
            body = {"satisfaction": "satisfied", field: value}
            _refused(act(world, case_id, "evaluate", "aud", body), f"body.{field}")

    assert (etag(world, case_id), _events(session, case_id)) == (version, events)
    evaluated = ok(act(world, case_id, "evaluate", "aud", {"satisfaction": "satisfied"}))
    assert evaluated["status"] == "evaluated"


def test_an_extension_takes_until_only_as_an_iso_time_with_its_offset(
    world: World, session: Session
) -> None:
    case_id = to_handling(world)
    version, events = etag(world, case_id), _events(session, case_id)

    for value in NOT_TIMES:
        body = {"until": value, "reason": "需要协调产权单位"}
        _refused(act(world, case_id, "request_extension", "lia1", body), "body.until")

    assert (etag(world, case_id), _events(session, case_id)) == (version, events)


def test_the_queue_filters_take_true_false_and_iso_times(world: World) -> None:
    for value in NOT_QUERY_BOOLEANS:
        response = world.client.get("/cases", params={"overdue": value}, headers=world["aud"])
        _refused(response, "query.overdue")
    for name in ("reported_from", "reported_to"):
        for time in NOT_TIMES:
            response = world.client.get("/cases", params={name: str(time)}, headers=world["aud"])
            _refused(response, f"query.{name}")


def test_well_written_filters_still_work(world: World) -> None:
    later = T0 + timedelta(days=1)
    params = {"overdue": "false", "reported_from": T0.isoformat(), "reported_to": later.isoformat()}

    response = world.client.get("/cases", params=params, headers=world["aud"])

    assert response.status_code == 200, response.text


def test_include_retired_is_true_or_false(world: World) -> None:
    for value in NOT_QUERY_BOOLEANS:
        response = world.client.get(
            "/catalog/items", params={"include_retired": value}, headers=world["aud"]
        )
        _refused(response, "query.include_retired")


def test_an_item_is_urgent_only_by_a_json_boolean(world: World) -> None:
    before = ok(world.client.get("/catalog/items/E0102", headers=world["adm"]))
    item = {
        "code": "E0198",
        "kind": "event",
        "big_class_code": "01",
        "small_class_code": "98",
        "name": "共享单车堆积",
        "tier": "A",
        "default_department_type": "grid_center",
        "limits": {
            step: {"value": 1, "unit": "working_hours"}
            for step in ("register", "dispatch", "handle", "verify")
        },
        "filing_condition": "共享单车在公共场所大量堆积，影响通行",
        "closing_standard": "车辆已清运或规整，通道畅通",
    }

    for value in NOT_BOOLEANS:
        created = world.client.post(
            "/catalog/items", json={**item, "urgent": value}, headers=world["adm"]
        )
        changed = world.client.patch(
            "/catalog/items/E0102", json={"urgent": value}, headers=world["adm"]
        )
        _refused(created, "body.urgent")
        _refused(changed, "body.urgent")

    assert world.client.get("/catalog/items/E0198", headers=world["adm"]).status_code == 404
    assert ok(world.client.get("/catalog/items/E0102", headers=world["adm"])) == before


def test_an_uploaded_calendar_day_is_a_date(world: World) -> None:
    for value in [*NOT_DATES, 0, 20270101]:
        rows = [{"day": value, "kind": "holiday", "name": "元旦"}]
        response = world.client.put("/calendar/years/2027", json=rows, headers=world["adm"])
        _refused(response, "body.0.day")

    years = world.client.get("/calendar/years", headers=world["adm"]).json()
    assert 2027 not in [year["year"] for year in years]


def test_a_due_time_starts_at_an_iso_time(world: World) -> None:
    for value in NOT_TIMES:
        params: dict[str, str | int] = {"start": str(value), "value": 1, "unit": "working_hours"}
        response = world.client.get("/calendar/due", params=params, headers=world["aud"])
        _refused(response, "query.start")


@pytest.mark.parametrize("path", ["/reports/indicators", "/reports/three-rates"])
def test_report_ranges_are_dates(world: World, path: str) -> None:
    for value in NOT_DATES:
        first = world.client.get(
            path, params={"from": value, "to": "2026-03-31"}, headers=world["aud"]
        )
        last = world.client.get(
            path, params={"from": "2026-03-01", "to": value}, headers=world["aud"]
        )
        _refused(first, "query.from")
        _refused(last, "query.to")


def test_explain_takes_at_only_as_an_iso_time(world: World) -> None:
    body = {"lon": IN_A001[0], "lat": IN_A001[1], "crs": "wgs84", "item_code": "E0102"}
    for value in NOT_TIMES:
        response = world.client.post(
            "/routing/explain", json={**body, "at": value}, headers=world["aud"]
        )
        _refused(response, "body.at")
