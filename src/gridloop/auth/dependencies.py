"""The clock, the current user, role checks and the intake client, as FastAPI dependencies."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader, OAuth2PasswordBearer
from sqlalchemy.orm import Session

from gridloop.auth import service as auth_service
from gridloop.auth.models import ApiKey, Role, User
from gridloop.auth.time import request_now
from gridloop.db import SessionDep
from gridloop.errors import Forbidden, Unauthorized

# auto_error=False: a missing token is our own 401 problem, not FastAPI's plain error.
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/auth/token", auto_error=False)
api_key_scheme = APIKeyHeader(name="X-API-Key", auto_error=False)


# The request's clock as a dependency, so that a test can move time with dependency_overrides.
Now = Annotated[datetime, Depends(request_now)]


# Dependencies that touch no database are `async def`: each sync one costs a thread hop.
async def bearer_token(token: Annotated[str | None, Security(oauth2_scheme)]) -> str:
    if not token:
        raise Unauthorized()
    return token


BearerToken = Annotated[str, Depends(bearer_token)]


def current_user(request: Request, session: SessionDep, token: BearerToken, at: Now) -> User:
    user = auth_service.user_for_token(session, token=token, now=at)
    if user is None:
        raise Unauthorized("令牌无效、已过期或已注销 / The token is invalid, expired or revoked")
    request.state.user_id = user.user_id  # for the request's log line
    return user


CurrentUser = Annotated[User, Depends(current_user)]


async def client_address(request: Request) -> str:
    """The client's address: the socket's peer, or what trusted proxies forwarded (the app's
    proxy-headers middleware has already put it in the scope)."""
    return request.client.host if request.client else ""


ClientAddress = Annotated[str, Depends(client_address)]


def require_roles(*roles: Role) -> Callable[[User], Coroutine[Any, Any, User]]:
    """A dependency giving the current user if they hold one of `roles`, else Forbidden."""
    allowed = frozenset(roles)
    names = ", ".join(role.value for role in roles)

    async def dependency(user: CurrentUser) -> User:
        if user.role not in allowed:
            raise Forbidden(f"需要角色 {names} / Requires role {names}")
        return user

    return dependency


# The `X-API-Key` header, read without touching the database.
IntakeKey = Annotated[str | None, Security(api_key_scheme)]


def intake_client(session: Session, key: str | None) -> ApiKey | None:
    """The intake client of an `X-API-Key` value; None without one, 401 if unknown or revoked.

    A plain function, not a dependency of its own: the dependency that resolves the caller
    calls it with its session, in the worker thread it already runs in.
    """
    if key is None:
        return None
    client = auth_service.client_for_api_key(session, key=key)
    if client is None:
        raise Unauthorized("API key 无效或已吊销 / The API key is invalid or revoked")
    return client
