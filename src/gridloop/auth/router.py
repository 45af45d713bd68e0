"""Logins, logout, the current user and user administration."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, status
from fastapi.security import OAuth2PasswordRequestForm
from sqlalchemy.orm import Session

from gridloop.auth import service as auth_service
from gridloop.auth.dependencies import (
    BearerToken,
    ClientAddress,
    CurrentUser,
    Now,
    require_roles,
)
from gridloop.auth.models import Role, User
from gridloop.auth.schemas import TokenRead, UserCreate, UserRead, UserRoleUpdate
from gridloop.db import ReadSessionDep, SessionDep
from gridloop.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    InvalidCredentials,
    InvalidInput,
    NotFound,
    TooManyLoginAttempts,
    Unauthorized,
    problems,
)

router = APIRouter(tags=["auth"])

Admin = Annotated[User, Depends(require_roles(Role.ADMIN))]
# app_user.user_id is an int4: a larger id is simply not there, and must not reach the database.
UserId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def _user_read(session: Session, user: User) -> UserRead:
    scope = auth_service.scope_of(session, user=user)
    return UserRead(
        user_id=user.user_id,
        username=user.username,
        display_name=user.display_name,
        role=Role(user.role),
        street_code=scope.street_code,
        office_code=scope.office_code,
        responsibility_grid_codes=list(scope.responsibility_grid_codes),
    )


@router.post(
    "/auth/token",
    responses=problems(InvalidCredentials, TooManyLoginAttempts, InvalidInput, BadRequest),
)
def login(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    session: SessionDep,
    at: Now,
    address: ClientAddress,
) -> TokenRead:
    """登录 / Log in with username and password; returns a bearer token.

    Failures slow down further attempts at the username from the same address; many failures
    from everywhere lock the username for a while (429 with Retry-After).
    """
    user = auth_service.authenticate(
        session, username=form.username, password=form.password, client_address=address, now=at
    )
    token, expires_at = auth_service.issue_token(session, user=user, now=at)
    return TokenRead(access_token=token, expires_at=expires_at)


@router.post(
    "/auth/logout", status_code=status.HTTP_204_NO_CONTENT, responses=problems(Unauthorized)
)
def logout(_: CurrentUser, token: BearerToken, session: SessionDep, at: Now) -> None:
    """注销 / Revoke the token of this request."""
    auth_service.revoke_token(session, token=token, now=at)


@router.get("/me", responses=problems(Unauthorized))
def me(user: CurrentUser, session: ReadSessionDep) -> UserRead:
    """当前用户 / The logged-in user, with role and scope."""
    return _user_read(session, user)


@router.get("/users", responses=problems(Unauthorized, Forbidden, InvalidInput))
def list_users(_: Admin, session: ReadSessionDep, role: Role | None = None) -> list[UserRead]:
    """用户列表 / Every user with role and scope, by username (admin only); `role` narrows it."""
    return [_user_read(session, user) for user in auth_service.list_users(session, role=role)]


@router.get("/users/{user_id}", responses=problems(Unauthorized, NotFound))
def read_user(user_id: UserId, viewer: CurrentUser, session: ReadSessionDep) -> UserRead:
    """用户 / A user within the viewer's scope; any other user is not found."""
    user = auth_service.visible_user(session, viewer=viewer, user_id=user_id)
    return _user_read(session, user)


@router.post(
    "/users",
    status_code=status.HTTP_201_CREATED,
    # BadRequest: a body that is not JSON at all fails to parse before validation.
    responses=problems(Unauthorized, Forbidden, Conflict, InvalidInput, BadRequest),
)
def create_user(body: UserCreate, _: Admin, session: SessionDep) -> UserRead:
    """新建用户 / Create a user (admin only); the scope must fit the role."""
    user = auth_service.create_user(
        session,
        username=body.username,
        password=body.password,
        role=body.role,
        display_name=body.display_name,
        street_code=body.street_code,
        office_code=body.office_code,
        responsibility_grid_codes=body.responsibility_grid_codes,
    )
    return _user_read(session, user)


@router.put(
    "/users/{user_id}/role",
    responses=problems(Unauthorized, Forbidden, NotFound, InvalidInput, BadRequest),
)
def change_role(
    user_id: UserId, body: UserRoleUpdate, admin: Admin, session: SessionDep
) -> UserRead:
    """角色与范围 / Give a user a role and its scope in place of theirs (admin only); the scope
    must fit the role, as at creation. An admin's own role stays."""
    user = auth_service.change_role(
        session,
        admin=admin,
        user_id=user_id,
        role=body.role,
        street_code=body.street_code,
        office_code=body.office_code,
        responsibility_grid_codes=body.responsibility_grid_codes,
    )
    return _user_read(session, user)
