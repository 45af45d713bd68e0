"""Logins, tokens, roles, scope and what is stored of secrets (the throttle:
test_login_throttle.py)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from gridloop.auth import service as auth_service
from gridloop.auth.models import AccessToken, ApiKey, IntakeSource, Role
from gridloop.errors import Conflict, InvalidInput
from tests.factories.places import TwoStreets
from tests.factories.web import DEMO_PASSWORD, MakeUser, assert_problem, login

MISSING_USER_ID = 2**31 - 1


# ----------------------------------------------------------------------------- logging in


def test_login_succeeds_and_me_shows_role_and_scope(
    client: TestClient, two_streets: TwoStreets, make_user: MakeUser
) -> None:
    make_user("ins", Role.INSPECTOR, responsibility_grid_codes=["31010500101"])
    make_user("lia", Role.LIAISON, office_code="test-office-1", display_name="联络员甲")

    response = client.post("/auth/token", data={"username": "ins", "password": DEMO_PASSWORD})

    assert response.status_code == 200
    token = response.json()
    assert token["token_type"] == "bearer"
    assert datetime.fromisoformat(token["expires_at"]) > datetime.now(UTC)
    me = client.get("/me", headers={"Authorization": f"Bearer {token['access_token']}"}).json()
    assert me["username"] == "ins"
    assert me["role"] == "inspector"
    assert me["responsibility_grid_codes"] == ["31010500101"]
    assert me["street_code"] is None
    assert me["office_code"] is None
    liaison = client.get("/me", headers=login(client, "lia")).json()
    assert liaison["role"] == "liaison"
    assert liaison["office_code"] == "test-office-1"
    assert liaison["display_name"] == "联络员甲"
    assert liaison["responsibility_grid_codes"] == []


def test_wrong_password_is_a_401_invalid_credentials_problem(
    client: TestClient, make_user: MakeUser
) -> None:
    make_user("adm", Role.ADMIN)

    response = client.post("/auth/token", data={"username": "adm", "password": "not-the-one"})

    body = assert_problem(response, 401, "invalid-credentials")
    assert response.headers["www-authenticate"] == "Bearer"
    assert body["instance"] == "/auth/token"


def test_unknown_user_gets_the_same_response_as_a_wrong_password(
    client: TestClient, make_user: MakeUser
) -> None:
    make_user("adm", Role.ADMIN)

    wrong_password = client.post("/auth/token", data={"username": "adm", "password": "nope-nope"})
    unknown_user = client.post("/auth/token", data={"username": "ghost", "password": "nope-nope"})

    assert assert_problem(unknown_user, 401, "invalid-credentials") == assert_problem(
        wrong_password, 401, "invalid-credentials"
    )
    assert unknown_user.headers["www-authenticate"] == wrong_password.headers["www-authenticate"]


def test_an_inactive_user_cannot_log_in(
    client: TestClient, session: Session, make_user: MakeUser
) -> None:
    user = make_user("gone", Role.AUDITOR)
    user.is_active = False
    session.flush()

    response = client.post("/auth/token", data={"username": "gone", "password": DEMO_PASSWORD})

    assert_problem(response, 401, "invalid-credentials")


def test_a_login_form_without_password_is_a_422_problem(client: TestClient) -> None:
    response = client.post("/auth/token", data={"username": "adm"})

    body = assert_problem(response, 422, "validation-error")
    assert any(error["location"] == "body.password" for error in body["errors"])


# ----------------------------------------------------------------------------- tokens


def test_a_token_is_401_after_logout(client: TestClient, make_user: MakeUser) -> None:
    make_user("adm", Role.ADMIN)
    headers = login(client, "adm")

    logout = client.post("/auth/logout", headers=headers)
    after = client.get("/me", headers=headers)

    assert logout.status_code == 204
    assert logout.content == b""
    assert_problem(after, 401, "unauthenticated")
    assert after.headers["www-authenticate"] == "Bearer"


def test_an_expired_token_is_401(client: TestClient, session: Session, make_user: MakeUser) -> None:
    user = make_user("adm", Role.ADMIN)
    token, expires_at = auth_service.issue_token(
        session, user=user, now=datetime.now(UTC) - timedelta(hours=13)
    )
    assert expires_at < datetime.now(UTC)

    response = client.get("/me", headers={"Authorization": f"Bearer {token}"})

    assert_problem(response, 401, "unauthenticated")


def test_a_malformed_token_is_401(client: TestClient, make_user: MakeUser) -> None:
    make_user("adm", Role.ADMIN)

    for authorization in ("Bearer not-a-token", "Bearer ", "Basic YWRtOmdyaWRsb29w", "garbage"):
        response = client.get("/me", headers={"Authorization": authorization})
        assert_problem(response, 401, "unauthenticated")
        assert response.headers["www-authenticate"] == "Bearer"


def test_no_token_is_401_with_www_authenticate(client: TestClient) -> None:
    for method, path in (("GET", "/me"), ("GET", "/users/1"), ("POST", "/auth/logout")):
        response = client.request(method, path)
        assert_problem(response, 401, "unauthenticated")
        assert response.headers["www-authenticate"] == "Bearer"


def test_the_password_is_stored_as_argon2id_and_the_token_only_as_sha256(
    client: TestClient, session: Session, make_user: MakeUser
) -> None:
    user = make_user("adm", Role.ADMIN)

    token = client.post("/auth/token", data={"username": "adm", "password": DEMO_PASSWORD}).json()[
        "access_token"
    ]

    assert user.password_hash.startswith("$argon2id$")
    assert DEMO_PASSWORD not in user.password_hash
    stored = session.scalars(select(AccessToken).where(AccessToken.user_id == user.user_id)).one()
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert stored.token_hash != token


# ----------------------------------------------------------------------------- roles and scope


def test_a_wrong_role_is_a_403_problem_naming_the_role(
    client: TestClient, two_streets: TwoStreets, make_user: MakeUser
) -> None:
    make_user("ins", Role.INSPECTOR, responsibility_grid_codes=["31010500101"])

    response = client.post(
        "/users",
        headers=login(client, "ins"),
        json={"username": "new", "password": DEMO_PASSWORD, "role": "auditor"},
    )

    body = assert_problem(response, 403, "forbidden")
    assert "admin" in body["detail"]


def test_an_admin_creates_a_user_with_scope(
    client: TestClient, two_streets: TwoStreets, make_user: MakeUser
) -> None:
    make_user("adm", Role.ADMIN)

    response = client.post(
        "/users",
        headers=login(client, "adm"),
        json={
            "username": "disp",
            "password": DEMO_PASSWORD,
            "role": "dispatcher",
            "street_code": "310105002",
        },
    )

    assert response.status_code == 201
    assert response.json()["street_code"] == "310105002"
    assert client.get("/me", headers=login(client, "disp")).json()["role"] == "dispatcher"


def test_an_admin_lists_the_users_with_role_and_scope_and_no_one_else_may(
    client: TestClient, two_streets: TwoStreets, make_user: MakeUser
) -> None:
    make_user("adm", Role.ADMIN)
    make_user("disp", Role.DISPATCHER, street_code="310105002")
    make_user("ins", Role.INSPECTOR, responsibility_grid_codes=["31010500101"])

    listed = client.get("/users", headers=login(client, "adm"))
    inspectors = client.get("/users", params={"role": "inspector"}, headers=login(client, "adm"))
    refused = client.get("/users", headers=login(client, "disp"))

    assert listed.status_code == 200, listed.text
    rows = {row["username"]: row for row in listed.json()}
    assert {"adm", "disp", "ins"} <= set(rows)
    assert [row["username"] for row in listed.json()] == sorted(rows)
    assert rows["disp"]["street_code"] == "310105002"
    assert rows["ins"]["responsibility_grid_codes"] == ["31010500101"]
    assert {row["role"] for row in inspectors.json()} == {"inspector"}
    assert_problem(refused, 403, "forbidden")


def test_an_admin_gives_a_user_another_role_and_its_scope(
    client: TestClient, two_streets: TwoStreets, make_user: MakeUser
) -> None:
    admin = make_user("adm", Role.ADMIN)
    user = make_user("ins", Role.INSPECTOR, responsibility_grid_codes=["31010500101"])
    headers = login(client, "adm")

    changed = client.put(
        f"/users/{user.user_id}/role",
        headers=headers,
        json={"role": "dispatcher", "street_code": "310105002"},
    )
    no_street = client.put(
        f"/users/{user.user_id}/role", headers=headers, json={"role": "dispatcher"}
    )
    own = client.put(f"/users/{admin.user_id}/role", headers=headers, json={"role": "auditor"})
    missing = client.put(
        f"/users/{MISSING_USER_ID}/role", headers=headers, json={"role": "auditor"}
    )

    assert changed.status_code == 200, changed.text
    assert (changed.json()["role"], changed.json()["street_code"]) == ("dispatcher", "310105002")
    assert changed.json()["responsibility_grid_codes"] == []
    me = client.get("/me", headers=login(client, "ins")).json()
    assert (me["role"], me["street_code"]) == ("dispatcher", "310105002")
    assert assert_problem(no_street, 422, "validation-error")["errors"][0]["location"] == (
        "street_code"
    )
    assert_problem(own, 403, "forbidden")
    assert_problem(missing, 404, "not-found")


def test_creating_a_user_through_the_api_refuses_a_taken_name_and_a_bad_scope(
    client: TestClient, two_streets: TwoStreets, make_user: MakeUser
) -> None:
    make_user("adm", Role.ADMIN)
    headers = login(client, "adm")
    new = {"username": "adm", "password": DEMO_PASSWORD, "role": "auditor"}

    taken = client.post("/users", headers=headers, json=new)
    no_street = client.post(
        "/users", headers=headers, json={**new, "username": "x", "role": "dispatcher"}
    )

    assert_problem(taken, 409, "conflict")
    body = assert_problem(no_street, 422, "validation-error")
    assert body["errors"][0]["location"] == "street_code"


def test_another_streets_user_is_404_exactly_like_a_missing_one(
    client: TestClient, two_streets: TwoStreets, make_user: MakeUser
) -> None:
    make_user("disp1", Role.DISPATCHER, street_code="310105001")
    other = make_user("ins2", Role.INSPECTOR, responsibility_grid_codes=["31010500201"])
    headers = login(client, "disp1")

    outside = client.get(f"/users/{other.user_id}", headers=headers)
    missing = client.get(f"/users/{MISSING_USER_ID}", headers=headers)

    outside_body = assert_problem(outside, 404, "not-found")
    missing_body = assert_problem(missing, 404, "not-found")
    outside_body.pop("instance")
    missing_body.pop("instance")
    assert outside_body == missing_body


def test_a_dispatcher_sees_the_users_of_their_own_street(
    client: TestClient, two_streets: TwoStreets, make_user: MakeUser
) -> None:
    make_user("disp1", Role.DISPATCHER, street_code="310105001")
    inspector = make_user("ins1", Role.INSPECTOR, responsibility_grid_codes=["31010500101"])
    liaison = make_user("lia1", Role.LIAISON, office_code="test-office-1")
    colleague = make_user("disp1b", Role.DISPATCHER, street_code="310105001")
    admin = make_user("adm", Role.ADMIN)
    headers = login(client, "disp1")

    seen = client.get(f"/users/{inspector.user_id}", headers=headers)

    assert seen.status_code == 200
    assert seen.json()["responsibility_grid_codes"] == ["31010500101"]
    for user in (liaison, colleague):
        assert client.get(f"/users/{user.user_id}", headers=headers).status_code == 200
    assert_problem(client.get(f"/users/{admin.user_id}", headers=headers), 404, "not-found")


def test_others_see_only_themselves_and_admins_and_auditors_see_everyone(
    client: TestClient, two_streets: TwoStreets, make_user: MakeUser
) -> None:
    inspector = make_user("ins1", Role.INSPECTOR, responsibility_grid_codes=["31010500101"])
    liaison = make_user("lia1", Role.LIAISON, office_code="test-office-1")
    make_user("adm", Role.ADMIN)
    make_user("aud", Role.AUDITOR)
    as_inspector = login(client, "ins1")

    assert client.get(f"/users/{inspector.user_id}", headers=as_inspector).status_code == 200
    assert_problem(client.get(f"/users/{liaison.user_id}", headers=as_inspector), 404, "not-found")
    for viewer in ("adm", "aud"):
        response = client.get(f"/users/{liaison.user_id}", headers=login(client, viewer))
        assert response.json()["office_code"] == "test-office-1"


# ----------------------------------------------------------------------------- create_user rules


@pytest.mark.parametrize(
    ("role", "scope", "field"),
    [
        (Role.DISPATCHER, {}, "street_code"),
        (Role.DISPATCHER, {"street_code": "310105009"}, "street_code"),
        (Role.LIAISON, {}, "office_code"),
        (Role.LIAISON, {"office_code": "no-such-office"}, "office_code"),
        (Role.INSPECTOR, {}, "responsibility_grid_codes"),
        (
            Role.INSPECTOR,
            {"responsibility_grid_codes": ["31010500109"]},
            "responsibility_grid_codes",
        ),
        (Role.ADMIN, {"street_code": "310105001"}, "street_code"),
        (
            Role.DISPATCHER,
            {"street_code": "310105001", "office_code": "test-office-1"},
            "office_code",
        ),
    ],
)
def test_create_user_refuses_a_scope_that_does_not_fit_the_role(
    session: Session, two_streets: TwoStreets, role: Role, scope: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidInput) as raised:
        auth_service.create_user(
            session, username="someone", password=DEMO_PASSWORD, role=role, **scope
        )

    assert raised.value.errors is not None
    assert raised.value.errors[0].location == field
    assert " / " in raised.value.detail


def test_create_user_refuses_a_short_password(session: Session) -> None:
    with pytest.raises(InvalidInput, match="8"):
        auth_service.create_user(session, username="adm", password="short", role=Role.ADMIN)


def test_create_user_refuses_a_duplicate_username(session: Session, make_user: MakeUser) -> None:
    make_user("adm", Role.ADMIN)

    with pytest.raises(Conflict):
        auth_service.create_user(session, username="adm", password=DEMO_PASSWORD, role=Role.AUDITOR)


# ----------------------------------------------------------------------------- API keys


def test_an_api_key_finds_its_client_and_is_stored_only_as_sha256(session: Session) -> None:
    key = auth_service.create_api_key(session, name="12345热线", source=IntakeSource.HOTLINE_12345)

    client = auth_service.client_for_api_key(session, key=key)

    assert client is not None
    assert client.name == "12345热线"
    assert client.source == "hotline_12345"
    assert client.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert auth_service.client_for_api_key(session, key=key + "x") is None
    assert session.scalars(select(ApiKey).where(ApiKey.key_hash == key)).first() is None


def test_a_revoked_api_key_finds_no_client_and_a_taken_name_is_a_conflict(
    session: Session,
) -> None:
    key = auth_service.create_api_key(session, name="app", source=IntakeSource.PUBLIC_APP)
    client = auth_service.client_for_api_key(session, key=key)
    assert client is not None

    client.revoked_at = datetime.now(UTC)
    session.flush()

    assert auth_service.client_for_api_key(session, key=key) is None
    with pytest.raises(Conflict):
        auth_service.create_api_key(session, name="app", source=IntakeSource.PUBLIC_APP)
