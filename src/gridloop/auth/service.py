"""Users and their scope, password logins with a throttle, bearer tokens and intake API keys."""

from __future__ import annotations

import hashlib
import math
import os
import secrets
import socket
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from gridloop import metrics
from gridloop.auth import credentials, repository
from gridloop.auth.credentials import KeyHolder, TokenHolder
from gridloop.auth.models import (
    ApiKey,
    IntakeSource,
    LoginAddressThrottle,
    LoginThrottle,
    Role,
    User,
)
from gridloop.auth.passwords import dummy_verify, hash_password, verify_password
from gridloop.config import get_settings
from gridloop.errors import (
    Conflict,
    Forbidden,
    InvalidCredentials,
    NotFound,
    TooManyLoginAttempts,
    TooManyRequests,
    invalid_field,
)

MIN_PASSWORD_LENGTH = 8
MAX_USERNAME_LENGTH = 64
MAX_CLIENT_ADDRESS_LENGTH = 100  # an IPv6 address is at most 45; anything longer is cut
NO_SUCH_USER = "用户不存在 / No such user"
WRONG_CREDENTIALS = "用户名或密码错误 / Wrong username or password"

# The field that carries each role's scope; roles not listed have none.
SCOPE_FIELD = {
    Role.DISPATCHER: "street_code",
    Role.LIAISON: "office_code",
    Role.INSPECTOR: "responsibility_grid_codes",
}
SEES_EVERYONE = frozenset({Role.ADMIN, Role.AUDITOR})
KEY_COLUMNS = tuple(ApiKey.__table__.c)


@dataclass(frozen=True)
class Scope:
    """Where a user works: a street (dispatcher), an office (liaison) or grids (inspector)."""

    street_code: str | None
    office_code: str | None
    responsibility_grid_codes: tuple[str, ...]


# ----------------------------------------------------------------------------- users


def create_user(
    session: Session,
    *,
    username: str,
    password: str,
    role: Role,
    display_name: str | None = None,
    street_code: str | None = None,
    office_code: str | None = None,
    responsibility_grid_codes: Iterable[str] = (),
) -> User:
    """Create a user whose scope fits the role (else InvalidInput); a taken name is a Conflict."""
    role = Role(role)
    username = username.strip()
    grid_codes = sorted(set(responsibility_grid_codes))
    _check_credentials(username, password)
    office_id = _resolve_scope(
        session, role=role, street_code=street_code, office_code=office_code, grid_codes=grid_codes
    )
    user = repository.insert_user(
        session,
        username=username,
        display_name=(display_name or "").strip() or username,
        role=role.value,
        password_hash=hash_password(password),
        street_code=street_code,
        office_id=office_id,
    )
    if user is None:
        raise Conflict(f"用户名 {username} 已存在 / Username {username} is taken")
    if grid_codes:
        repository.add_responsibility_grids(session, user_id=user.user_id, codes=grid_codes)
    return user


def change_role(
    session: Session,
    *,
    admin: User,
    user_id: int,
    role: Role,
    street_code: str | None = None,
    office_code: str | None = None,
    responsibility_grid_codes: Iterable[str] = (),
) -> User:
    """Give a user a role and the scope it needs, in place of the ones they had (the scope
    checked as at creation). An admin's own role stays: no one locks the last admin out."""
    user = repository.get_user(session, user_id)
    if user is None:
        raise NotFound(NO_SUCH_USER)
    role = Role(role)
    if user.user_id == admin.user_id and role != Role(user.role):
        raise Forbidden("不能修改自己的角色 / An admin cannot change their own role")
    grid_codes = sorted(set(responsibility_grid_codes))
    office_id = _resolve_scope(
        session, role=role, street_code=street_code, office_code=office_code, grid_codes=grid_codes
    )
    user.role = role.value
    user.street_code = street_code
    user.office_id = office_id
    repository.remove_responsibility_grids(session, user_id=user.user_id)
    if grid_codes:
        repository.add_responsibility_grids(session, user_id=user.user_id, codes=grid_codes)
    session.flush()
    credentials.forget_on_commit(session)
    return user


def _check_credentials(username: str, password: str) -> None:
    if not _could_be_username(username):
        raise invalid_field(
            "username",
            f"用户名须为 1–{MAX_USERNAME_LENGTH} 个字符 / "
            f"A username has 1 to {MAX_USERNAME_LENGTH} characters",
        )
    if len(password) < MIN_PASSWORD_LENGTH:
        raise invalid_field(
            "password",
            f"密码至少 {MIN_PASSWORD_LENGTH} 个字符 / "
            f"A password has at least {MIN_PASSWORD_LENGTH} characters",
        )


def _resolve_scope(
    session: Session,
    *,
    role: Role,
    street_code: str | None,
    office_code: str | None,
    grid_codes: list[str],
) -> int | None:
    """Check the scope against the role and the map; the liaison's office id, else None."""
    given = {
        "street_code": street_code is not None,
        "office_code": office_code is not None,
        "responsibility_grid_codes": bool(grid_codes),
    }
    for field, present in given.items():
        if present and field != SCOPE_FIELD.get(role):
            raise invalid_field(field, f"角色 {role} 不使用 {field} / Role {role} takes no {field}")
    if role == Role.DISPATCHER:
        if street_code is None:
            raise invalid_field(
                "street_code", "派遣员须有所属街道 / A dispatcher needs a street_code"
            )
        if not repository.street_exists(session, street_code):
            raise invalid_field(
                "street_code", f"街道 {street_code} 不存在 / No street {street_code}"
            )
    elif role == Role.LIAISON:
        if office_code is None:
            raise invalid_field(
                "office_code", "联络员须有所属派出机构 / A liaison needs an office_code"
            )
        office_id = repository.office_id_of(session, office_code)
        if office_id is None:
            raise invalid_field(
                "office_code", f"派出机构 {office_code} 不存在 / No office {office_code}"
            )
        return office_id
    elif role == Role.INSPECTOR:
        if not grid_codes:
            raise invalid_field(
                "responsibility_grid_codes",
                "监督员须至少有一个责任网格 / An inspector needs at least one responsibility grid",
            )
        known = repository.existing_responsibility_grid_codes(session, grid_codes)
        missing = ", ".join(code for code in grid_codes if code not in known)
        if missing:
            raise invalid_field(
                "responsibility_grid_codes",
                f"责任网格不存在：{missing} / No responsibility grid {missing}",
            )
    return None


def _could_be_username(username: str) -> bool:
    # Longer names or NUL bytes cannot be stored; checking first keeps them from the database.
    return 0 < len(username) <= MAX_USERNAME_LENGTH and "\x00" not in username


def user_by_username(session: Session, *, username: str) -> User | None:
    """The user of this username, or None."""
    return repository.get_user_by_username(session, username)


def scope_of(session: Session, *, user: User) -> Scope:
    """The user's scope as codes, for display."""
    return Scope(
        street_code=user.street_code,
        office_code=None
        if user.office_id is None
        else repository.office_code_of(session, user.office_id),
        responsibility_grid_codes=tuple(
            repository.responsibility_grid_codes_of(session, user.user_id)
        ),
    )


def grid_inspectors(session: Session, *, responsibility_grid_code: str) -> list[User]:
    """The active inspectors who patrol a responsibility grid, by username."""
    return repository.inspectors_of(session, responsibility_grid_code=responsibility_grid_code)


def list_users(session: Session, *, role: Role | None = None) -> list[User]:
    """Every user, or those of one role, by username (for the admin)."""
    return repository.list_users(session, role=None if role is None else role.value)


def visible_user(session: Session, *, viewer: User, user_id: int) -> User:
    """The user if the viewer may see them; outside the viewer's scope it is NotFound, as if absent.

    Admins and auditors see everyone, a dispatcher the users working in their street, anyone
    else only themselves.
    """
    user = repository.get_user(session, user_id)
    if user is not None and (
        viewer.role in SEES_EVERYONE
        or viewer.user_id == user.user_id
        or (
            viewer.role == Role.DISPATCHER
            and viewer.street_code in repository.street_codes_of(session, user.user_id)
        )
    ):
        return user
    raise NotFound(NO_SUCH_USER)


# ----------------------------------------------------------------------------- logins


def authenticate(
    session: Session, *, username: str, password: str, client_address: str, now: datetime
) -> User:
    """The active user with these credentials, unless the throttle refuses the attempt.

    Every refusal counts against the username from this client address: past
    `login_free_failures` the address waits, twice as long after each failure, before it may try
    that username again. From all addresses together, `login_username_max_failures` within
    `login_lockout_minutes` lock the username for `login_lockout_minutes`, right password or not.
    """
    if not _could_be_username(username):
        dummy_verify(password)
        raise InvalidCredentials(WRONG_CREDENTIALS)
    client_address = client_address[:MAX_CLIENT_ADDRESS_LENGTH]
    per_name, per_address = repository.get_login_throttles(
        session, username=username, client_address=client_address
    )
    _refuse_if_throttled(per_name, per_address, now=now)
    user = repository.get_user_by_username(session, username)
    if user is None:
        dummy_verify(password)
    elif verify_password(password, user.password_hash) and user.is_active:
        # The ceiling's count is left to expire: a success proves nothing about other addresses.
        if per_address is not None:
            repository.delete_login_address_throttle(
                session, username=username, client_address=client_address
            )
        return user
    _count_failure(session, username=username, client_address=client_address, now=now)
    raise InvalidCredentials(WRONG_CREDENTIALS)


def _refuse_if_throttled(
    per_name: LoginThrottle | None, per_address: LoginAddressThrottle | None, *, now: datetime
) -> None:
    until = [
        (per_name.locked_until if per_name else None, "username"),
        (per_address.blocked_until if per_address else None, "address"),
    ]
    live = [(moment, reason) for moment, reason in until if moment is not None and moment > now]
    if not live:
        return
    moment, reason = max(live)
    metrics.LOGIN_REFUSED.labels(reason=reason).inc()
    seconds = max(1, math.ceil((moment - now).total_seconds()))
    raise TooManyLoginAttempts(
        f"登录失败次数过多，请 {seconds} 秒后再试 / Too many failed logins, retry in {seconds} s",
        headers={"Retry-After": str(seconds)},
    )


def _count_failure(session: Session, *, username: str, client_address: str, now: datetime) -> None:
    settings = get_settings()
    window = timedelta(minutes=settings.login_lockout_minutes)
    per_name, per_address = repository.lock_login_throttles(
        session, username=username, client_address=client_address, now=now
    )
    if per_name.failure_count == 0 or now >= per_name.first_failed_at + window:
        per_name.failure_count = 0
        per_name.first_failed_at = now
        per_name.locked_until = None
    per_name.failure_count += 1
    if per_name.failure_count >= settings.login_username_max_failures:
        per_name.locked_until = now + window
    # An address is forgiven only after a whole quiet window past its last wait.
    quiet_since = max(
        per_address.last_failed_at, per_address.blocked_until or per_address.last_failed_at
    )
    if now >= quiet_since + window:
        per_address.failure_count = 0
    per_address.failure_count += 1
    per_address.last_failed_at = now
    delay = login_delay(per_address.failure_count)
    per_address.blocked_until = now + delay if delay else None
    metrics.LOGIN_FAILURES.inc()
    session.flush()


def forget_old_login_failures(session: Session, *, now: datetime) -> int:
    """Delete the throttle rows that could no longer refuse or count anything: the failures
    and waits they hold all ended a whole `login_lockout_minutes` ago. How many went."""
    window = timedelta(minutes=get_settings().login_lockout_minutes)
    return repository.delete_stale_login_throttles(session, before=now - window, now=now)


def login_delay(failures: int) -> timedelta:
    """How long an address waits after its `failures`-th failure for one username."""
    settings = get_settings()
    beyond = failures - settings.login_free_failures
    if beyond <= 0:
        return timedelta(0)
    # Capped before the power: a long-running guesser must not overflow the float.
    seconds = settings.login_delay_seconds * 2 ** min(beyond - 1, 32)
    return timedelta(seconds=min(seconds, settings.login_max_delay_seconds))


# ----------------------------------------------------------------------------- tokens


def digest(secret: str) -> str:
    """How a token or key is stored and remembered: its SHA-256, never itself."""
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_token(session: Session, *, user: User, now: datetime) -> tuple[str, datetime]:
    """A new opaque bearer token and its expiry; only its SHA-256 is stored."""
    token = secrets.token_urlsafe(32)
    expires_at = now + timedelta(hours=get_settings().token_ttl_hours)
    repository.add_access_token(
        session, user_id=user.user_id, token_hash=digest(token), expires_at=expires_at
    )
    return token, expires_at


def issue_token_for_username(
    session: Session, *, username: str, now: datetime
) -> tuple[str, datetime]:
    """A token for an active user without their password: for the operator's CLI."""
    user = repository.get_user_by_username(session, username)
    if user is None or not user.is_active:
        raise NotFound(NO_SUCH_USER)
    return issue_token(session, user=user, now=now)


def revoke_token(session: Session, *, token: str, now: datetime) -> None:
    """Revoke a token; an unknown or already revoked token is left as it is."""
    access_token = repository.get_access_token(session, digest(token))
    if access_token is not None and access_token.revoked_at is None:
        access_token.revoked_at = now
        session.flush()
        credentials.forget_on_commit(session)


def token_holder(session: Session, *, token_digest: str, now: datetime) -> TokenHolder | None:
    """Who holds the token of this digest, if it is neither revoked nor expired."""
    row = repository.token_holder(session, token_hash=token_digest, now=now)
    if row is None:
        return None
    user = dict(row)
    expires_at = user.pop("token_expires_at")
    grid_codes: tuple[str, ...] = ()
    if user["role"] == Role.INSPECTOR:
        grid_codes = tuple(repository.responsibility_grid_codes_of(session, user["user_id"]))
    return TokenHolder(user=user, responsibility_grid_codes=grid_codes, expires_at=expires_at)


# ----------------------------------------------------------------------------- API keys


def create_api_key(session: Session, *, name: str, source: IntakeSource) -> str:
    """A new key for an intake client, returned once; only its SHA-256 is stored."""
    key = secrets.token_urlsafe(32)
    api_key = repository.insert_api_key(
        session, name=name, source=IntakeSource(source).value, key_hash=digest(key)
    )
    if api_key is None:
        raise Conflict(f"API key 名称 {name} 已存在 / API key name {name} is taken")
    return key


def client_for_api_key(session: Session, *, key: str) -> ApiKey | None:
    """The intake client holding this key, unless it was revoked."""
    return repository.live_api_key(session, digest(key))


def key_holder(session: Session, *, key_digest: str) -> KeyHolder | None:
    """The intake client of the key of this digest, unless it was revoked."""
    client = repository.live_api_key(session, key_digest)
    if client is None:
        return None
    return KeyHolder(client={column.key: getattr(client, column.key) for column in KEY_COLUMNS})


# ----------------------------------------------------------------------------- request throttle

THROTTLE_WINDOW = timedelta(minutes=1)
# The counts are striped: each thread of each process counts on a row of its own, and a limit
# is checked against their sum. One row for all would be locked from each count to its commit,
# and fifty clients of one API key would queue on it.
_HOST = socket.gethostname()[:40]


def _shard() -> str:
    return f"{_HOST}:{os.getpid()}:{threading.get_ident()}"


def count_request(session: Session, *, scope: str, subject: str, limit: int, now: datetime) -> None:
    """Count a request of `subject` (a client address, an API key) against `limit` a minute;
    past it, TooManyRequests with `Retry-After` until the minute ends.

    Fixed windows of one minute, counted in the database so that every worker and instance
    shares them, like the login throttle's counts. Call it in a transaction of its own: a
    request refused later for another reason has still been made.
    """
    seconds = THROTTLE_WINDOW.total_seconds()
    started = datetime.fromtimestamp(now.timestamp() // seconds * seconds, tz=now.tzinfo)
    count = repository.count_request(
        session,
        scope=scope,
        subject=subject[:MAX_CLIENT_ADDRESS_LENGTH],
        shard=_shard(),
        window_started_at=started,
    )
    if count > limit:
        metrics.REQUESTS_THROTTLED.labels(scope=scope).inc()
        wait = max(1, math.ceil((started + THROTTLE_WINDOW - now).total_seconds()))
        raise TooManyRequests(
            f"请求过于频繁：每分钟最多 {limit} 次，请 {wait} 秒后再试 / Too many requests: at "
            f"most {limit} a minute, retry in {wait} s",
            headers={"Retry-After": str(wait)},
        )


def forget_old_request_counts(session: Session, *, now: datetime) -> int:
    """Delete the counts of windows that have ended; how many went."""
    return repository.delete_request_counts_before(session, before=now - THROTTLE_WINDOW)
