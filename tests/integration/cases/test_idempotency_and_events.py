"""Idempotency keys (replay, reuse, in flight, per caller) and the append-only event log."""

from __future__ import annotations

from collections.abc import Iterator

import httpx2
import pytest
from sqlalchemy import Connection, Engine, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from gridloop.auth.models import User
from gridloop.cases.models import CaseEvent, GridCase
from tests.factories.cases import World, act, etag, file_case, image, ok, report
from tests.factories.web import assert_problem


def _count_cases(session: Session) -> int:
    return len(session.scalars(select(GridCase.case_id)).all())


def test_the_same_key_and_body_give_the_stored_response_and_file_once(
    world: World, session: Session
) -> None:
    headers = {**world["ins1"], "Idempotency-Key": "report-0001"}

    first = world.client.post("/cases", json=report(), headers=headers)
    again = world.client.post("/cases", json=report(), headers=headers)

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["etag"] == first.headers["etag"]
    assert again.headers["location"] == first.headers["location"]
    assert _count_cases(session) == 1


def test_the_same_key_with_another_body_is_422(world: World, session: Session) -> None:
    headers = {**world["ins1"], "Idempotency-Key": "report-0002"}
    assert world.client.post("/cases", json=report(), headers=headers).status_code == 201

    response = world.client.post("/cases", json=report(description="另一件事"), headers=headers)

    assert_problem(response, 422, "idempotency-key-reused")
    assert _count_cases(session) == 1


def test_keys_belong_to_their_caller(world: World, session: Session) -> None:
    for who in ("ins1", "hotline"):
        headers = {**world[who], "Idempotency-Key": "same-key"}
        assert world.client.post("/cases", json=report(), headers=headers).status_code == 201

    assert _count_cases(session) == 2


def test_a_failed_request_stores_nothing_and_may_be_retried(world: World) -> None:
    case = file_case(world)
    headers = {**world["disp1"], "Idempotency-Key": "register-1"}
    path = f"/cases/{case['case_id']}/actions/register"

    refused = world.client.post(path, json={}, headers=headers)  # no If-Match
    retried = world.client.post(
        path, json={}, headers={**headers, "If-Match": etag(world, case["case_id"])}
    )

    assert_problem(refused, 428, "precondition-required")
    assert retried.status_code == 200, retried.text


def test_an_action_replayed_after_success_returns_the_stored_result_not_412(
    world: World,
) -> None:
    case = file_case(world)
    headers = {
        **world["disp1"],
        "Idempotency-Key": "register-2",
        "If-Match": etag(world, case["case_id"]),
    }
    path = f"/cases/{case['case_id']}/actions/register"

    first = world.client.post(path, json={"note": "立案"}, headers=headers)
    again = world.client.post(path, json={"note": "立案"}, headers=headers)

    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    events = world.client.get(f"/cases/{case['case_id']}/events", headers=world["aud"]).json()
    assert [e["action"] for e in events] == ["file", "register"]


def test_the_same_key_on_another_case_is_another_request(world: World) -> None:
    first, second = file_case(world), file_case(world)
    headers = {**world["disp1"], "Idempotency-Key": "register-3"}

    ok(
        world.client.post(
            f"/cases/{first['case_id']}/actions/register",
            json={},
            headers={**headers, "If-Match": etag(world, first["case_id"])},
        )
    )
    response = world.client.post(
        f"/cases/{second['case_id']}/actions/register",
        json={},
        headers={**headers, "If-Match": etag(world, second["case_id"])},
    )

    assert_problem(response, 422, "idempotency-key-reused")


def test_photo_uploads_replay_by_content(world: World) -> None:
    case = file_case(world)
    path = f"/cases/{case['case_id']}/photos"
    headers = {**world["ins1"], "Idempotency-Key": "photos-1"}
    photo = image()

    def send(data: bytes) -> httpx2.Response:
        return world.client.post(
            path, params={"step": "before"}, files=[("files", ("a.jpg", data))], headers=headers
        )

    first, again, other = send(photo), send(photo), send(image("PNG"))

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert_problem(other, 422, "idempotency-key-reused")
    assert len(world.client.get(path, headers=world["ins1"]).json()) == 1


@pytest.fixture
def other_connection(engine: Engine) -> Iterator[Connection]:
    """A second session of the database, as a concurrent request would have."""
    with engine.connect() as connection:
        yield connection
        connection.rollback()


def test_a_key_still_running_elsewhere_is_409(
    world: World, session: Session, other_connection: Connection
) -> None:
    user_id = session.scalars(select(User.user_id).where(User.username == "ins1")).one()
    other_connection.execute(
        text("SELECT pg_advisory_xact_lock(hashtext(:owner || ' ' || :key))"),
        {"owner": f"user:{user_id}", "key": "busy-key"},
    )

    response = world.client.post(
        "/cases", json=report(), headers={**world["ins1"], "Idempotency-Key": "busy-key"}
    )

    assert_problem(response, 409, "idempotency-key-in-flight")


def test_a_malformed_key_is_422(world: World) -> None:
    response = world.client.post(
        "/cases", json=report(), headers={**world["ins1"], "Idempotency-Key": "x" * 256}
    )

    assert_problem(response, 422, "validation-error")


# ----------------------------------------------------------------------------- events


def test_events_cannot_be_updated(world: World, session: Session) -> None:
    case = file_case(world)
    event = session.scalars(select(CaseEvent).where(CaseEvent.case_id == case["case_id"])).one()

    with pytest.raises(DBAPIError, match="append-only"), session.begin_nested():
        session.execute(
            text("UPDATE case_event SET payload = '{}' WHERE case_event_id = :id"),
            {"id": event.case_event_id},
        )


def test_events_cannot_be_deleted(world: World, session: Session) -> None:
    case = file_case(world)

    with pytest.raises(DBAPIError, match="append-only"), session.begin_nested():
        session.execute(text("DELETE FROM case_event WHERE case_id = :id"), {"id": case["case_id"]})


def test_events_cannot_be_truncated(world: World, session: Session) -> None:
    file_case(world)
    # Run the rollup triggers still pending in this transaction: TRUNCATE waits for none.
    session.execute(text("SET CONSTRAINTS ALL IMMEDIATE"))

    with pytest.raises(DBAPIError, match="append-only"), session.begin_nested():
        session.execute(text("TRUNCATE case_event CASCADE"))


def test_a_refused_action_appends_no_event(world: World) -> None:
    case = file_case(world)

    response = act(world, case["case_id"], "close", "disp1")

    assert response.status_code == 409
    events = world.client.get(f"/cases/{case['case_id']}/events", headers=world["aud"]).json()
    assert [e["action"] for e in events] == ["file"]
