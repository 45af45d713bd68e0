"""The clock, the current user, role checks and the intake client, as FastAPI dependencies.

Who holds a credential comes from the process's memory of it (`auth.credentials`) when it can,
so that resolving the caller costs neither a round trip nor a worker thread.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import datetime
from functools import partial
from typing import Annotated, Any

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader, OAuth2PasswordBearer
from sqlalchemy.orm import Session, sessionmaker

from gridloop.auth import credentials
from gridloop.auth import service as auth_service
from gridloop.auth.credentials import KeyHolder, TokenHolder
from gridloop.auth.models import ApiKey, Role, User
from gridloop.auth.time import request_now
from gridloop.db import session_factory
from gridloop.errors import Forbidden, Unauthorized

# auto_error=False: a missing token is our own 401 problem, not FastAPI's plain error.
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/auth/token", auto_error=False)
api_key_scheme = APIKeyHeader(name="X-API-Key", auto_error=False)


INVALID_TOKEN = "令牌无效、已过期或已注销 / The token is invalid, expired or revoked"

# The request's session factory: the caller is looked up in a session of its own.
Sessions = Annotated[sessionmaker[Session], Depends(session_factory)]

# The request's clock as a dependency, so that a test can move time with dependency_overrides.
Now = Annotated[datetime, Depends(request_now)]


# Dependencies that touch no database are `async def`: each sync one costs a thread hop.
async def bearer_token(token: Annotated[str | None, Security(oauth2_scheme)]) -> str:
    if not token:
        raise Unauthorized()
    return token


BearerToken = Annotated[str, Depends(bearer_token)]


async def token_holder(
    request: Request, sessions: sessionmaker[Session], token: str, at: datetime
) -> TokenHolder:
    """Who holds the bearer token, as the process remembers it or else as the database says;
    401 when no one does. A plain function: the dependencies that resolve the caller call it."""
    token_digest = auth_service.digest(token)
    holder = await credentials.memories_for(sessions).tokens.recall(
        token_digest,
        partial(_look_up_token, sessions, token_digest, at),
        usable=lambda remembered: remembered.expires_at > at,
    )
    if holder is None:
        raise Unauthorized(INVALID_TOKEN)
    request.state.user_id = holder.user["user_id"]  # for the request's log line
    return holder


def _look_up_token(
    sessions: sessionmaker[Session], token_digest: str, at: datetime
) -> TokenHolder | None:
    with sessions() as session:
        return auth_service.token_holder(session, token_digest=token_digest, now=at)


async def current_user(request: Request, sessions: Sessions, token: BearerToken, at: Now) -> User:
    return (await token_holder(request, sessions, token, at)).as_user()


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


async def intake_client(sessions: sessionmaker[Session], key: str) -> ApiKey:
    """The intake client of an `X-API-Key` value, as the process remembers it or else as the
    database says; 401 if unknown or revoked."""
    key_digest = auth_service.digest(key)
    holder = await credentials.memories_for(sessions).keys.recall(
        key_digest, partial(_look_up_key, sessions, key_digest)
    )
    if holder is None:
        raise Unauthorized("API key 无效或已吊销 / The API key is invalid or revoked")
    return holder.as_client()


def _look_up_key(sessions: sessionmaker[Session], key_digest: str) -> KeyHolder | None:
    with sessions() as session:
        return auth_service.key_holder(session, key_digest=key_digest)
