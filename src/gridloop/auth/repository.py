"""All SQL of the auth domain. A miss returns None.

The scope lookups read the grid map and the offices directly: they are single-row existence
checks and joins that the auth rules need, not behaviour of those domains.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import (
    bindparam,
    case,
    column,
    delete,
    func,
    literal,
    or_,
    select,
    table,
    union,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.engine import RowMapping
from sqlalchemy.orm import Session

from gridloop.auth.models import (
    AccessToken,
    ApiKey,
    LoginAddressThrottle,
    LoginThrottle,
    RequestThrottle,
    ResponsibilityGridInspector,
    User,
)

# The places a user's scope names, read by table name: auth sits below the domains whose
# routers depend on it (geo, org), so it does not import their models.
_street = table("street", column("code"))
_responsibility_grid = table("responsibility_grid", column("code"), column("street_code"))
_office = table("office", column("office_id"), column("code"), column("street_code"))

# ----------------------------------------------------------------------------- users


def get_user(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def list_users(session: Session, *, role: str | None = None) -> list[User]:
    """Every user (of one role when given), by username."""
    statement = select(User).order_by(User.username)
    if role is not None:
        statement = statement.where(User.role == role)
    return list(session.scalars(statement))


def get_user_by_username(session: Session, username: str) -> User | None:
    return session.scalars(select(User).where(User.username == username)).one_or_none()


def insert_user(
    session: Session,
    *,
    username: str,
    display_name: str,
    role: str,
    password_hash: str,
    street_code: str | None,
    office_id: int | None,
) -> User | None:
    """Insert a user; None when the username is taken (also by a concurrent request)."""
    statement = (
        insert(User)
        .values(
            username=username,
            display_name=display_name,
            role=role,
            password_hash=password_hash,
            street_code=street_code,
            office_id=office_id,
        )
        .on_conflict_do_nothing(index_elements=[User.username])
        .returning(User)
    )
    return session.scalars(statement).one_or_none()


def add_responsibility_grids(session: Session, *, user_id: int, codes: Collection[str]) -> None:
    session.add_all(
        ResponsibilityGridInspector(user_id=user_id, responsibility_grid_code=code)
        for code in codes
    )
    session.flush()


def remove_responsibility_grids(session: Session, *, user_id: int) -> None:
    session.execute(
        delete(ResponsibilityGridInspector).where(ResponsibilityGridInspector.user_id == user_id)
    )


def responsibility_grid_codes_of(session: Session, user_id: int) -> list[str]:
    statement = (
        select(ResponsibilityGridInspector.responsibility_grid_code)
        .where(ResponsibilityGridInspector.user_id == user_id)
        .order_by(ResponsibilityGridInspector.responsibility_grid_code)
    )
    return list(session.scalars(statement))


def inspectors_of(session: Session, *, responsibility_grid_code: str) -> list[User]:
    statement = (
        select(User)
        .join(ResponsibilityGridInspector, ResponsibilityGridInspector.user_id == User.user_id)
        .where(
            ResponsibilityGridInspector.responsibility_grid_code == responsibility_grid_code,
            User.is_active,
        )
        .order_by(User.username)
    )
    return list(session.scalars(statement))


def street_codes_of(session: Session, user_id: int) -> set[str]:
    """The streets a user works in: their own, their grids' and their office's."""
    own = select(User.street_code.label("street_code")).where(
        User.user_id == user_id, User.street_code.is_not(None)
    )
    grids = (
        select(_responsibility_grid.c.street_code)
        .join(
            ResponsibilityGridInspector,
            ResponsibilityGridInspector.responsibility_grid_code == _responsibility_grid.c.code,
        )
        .where(ResponsibilityGridInspector.user_id == user_id)
    )
    office = (
        select(_office.c.street_code)
        .join(User, User.office_id == _office.c.office_id)
        .where(User.user_id == user_id, _office.c.street_code.is_not(None))
    )
    return {code for code in session.scalars(union(own, grids, office)) if code is not None}


# ----------------------------------------------------------------------------- scope targets


def street_exists(session: Session, code: str) -> bool:
    return session.scalar(select(literal(True)).where(_street.c.code == code)) is not None


def office_id_of(session: Session, code: str) -> int | None:
    found: int | None = session.scalar(select(_office.c.office_id).where(_office.c.code == code))
    return found


def office_code_of(session: Session, office_id: int) -> str | None:
    found: str | None = session.scalar(
        select(_office.c.code).where(_office.c.office_id == office_id)
    )
    return found


def existing_responsibility_grid_codes(session: Session, codes: Collection[str]) -> set[str]:
    grids = _responsibility_grid
    statement = select(grids.c.code).where(grids.c.code.in_(list(codes)))
    return set(session.scalars(statement))


# ----------------------------------------------------------------------------- tokens


def add_access_token(
    session: Session, *, user_id: int, token_hash: str, expires_at: datetime
) -> AccessToken:
    token = AccessToken(user_id=user_id, token_hash=token_hash, expires_at=expires_at)
    session.add(token)
    session.flush()
    return token


def get_access_token(session: Session, token_hash: str) -> AccessToken | None:
    statement = select(AccessToken).where(AccessToken.token_hash == token_hash)
    return session.scalars(statement).one_or_none()


# Built once: every request with a bearer token its process does not remember runs it.
# The user's columns but the password hash, and the token's expiry.
TOKEN_HOLDER = (
    select(
        *(column for column in User.__table__.c if column.key != "password_hash"),
        AccessToken.expires_at.label("token_expires_at"),
    )
    .select_from(User)
    .join(AccessToken, AccessToken.user_id == User.user_id)
    .where(
        AccessToken.token_hash == bindparam("token_hash"),
        AccessToken.revoked_at.is_(None),
        AccessToken.expires_at > bindparam("now"),
        User.is_active.is_(True),
    )
)


def token_holder(session: Session, *, token_hash: str, now: datetime) -> RowMapping | None:
    """The active user holding a live (not revoked, not expired) token, with its expiry."""
    return (
        session.execute(TOKEN_HOLDER, {"token_hash": token_hash, "now": now})
        .mappings()
        .one_or_none()
    )


# ----------------------------------------------------------------------------- API keys


def insert_api_key(session: Session, *, name: str, source: str, key_hash: str) -> ApiKey | None:
    """Insert an API key; None when the name is taken."""
    statement = (
        insert(ApiKey)
        .values(name=name, source=source, key_hash=key_hash)
        .on_conflict_do_nothing(index_elements=[ApiKey.name])
        .returning(ApiKey)
    )
    return session.scalars(statement).one_or_none()


# Built once: every request with an API key its process does not remember runs it.
LIVE_API_KEY = select(ApiKey).where(
    ApiKey.key_hash == bindparam("key_hash"), ApiKey.revoked_at.is_(None)
)


def live_api_key(session: Session, key_hash: str) -> ApiKey | None:
    return session.scalars(LIVE_API_KEY, {"key_hash": key_hash}).one_or_none()


# ----------------------------------------------------------------------------- login throttle


def get_login_throttles(
    session: Session, *, username: str, client_address: str
) -> tuple[LoginThrottle | None, LoginAddressThrottle | None]:
    """The username's ceiling row and its row for this address, as committed now."""
    return (
        session.get(LoginThrottle, username, populate_existing=True),
        session.get(LoginAddressThrottle, (username, client_address), populate_existing=True),
    )


def lock_login_throttles(
    session: Session, *, username: str, client_address: str, now: datetime
) -> tuple[LoginThrottle, LoginAddressThrottle]:
    """Both throttle rows of a failed login, created empty if missing and locked for this
    transaction, always in this order: concurrent failures queue on the locks and none is lost.
    """
    session.execute(
        insert(LoginThrottle)
        .values(username=username, failure_count=0, first_failed_at=now, locked_until=None)
        .on_conflict_do_nothing(index_elements=[LoginThrottle.username])
    )
    session.execute(
        insert(LoginAddressThrottle)
        .values(
            username=username,
            client_address=client_address,
            failure_count=0,
            last_failed_at=now,
            blocked_until=None,
        )
        .on_conflict_do_nothing(
            index_elements=[LoginAddressThrottle.username, LoginAddressThrottle.client_address]
        )
    )
    per_name = (
        select(LoginThrottle)
        .where(LoginThrottle.username == username)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    per_address = (
        select(LoginAddressThrottle)
        .where(
            LoginAddressThrottle.username == username,
            LoginAddressThrottle.client_address == client_address,
        )
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return session.scalars(per_name).one(), session.scalars(per_address).one()


def delete_login_address_throttle(session: Session, *, username: str, client_address: str) -> None:
    session.execute(
        delete(LoginAddressThrottle).where(
            LoginAddressThrottle.username == username,
            LoginAddressThrottle.client_address == client_address,
        )
    )


def delete_stale_login_throttles(session: Session, *, before: datetime, now: datetime) -> int:
    """Delete the address rows quiet since `before` and the username rows whose count started
    before it and whose lock has ended; how many rows went."""
    per_address = delete(LoginAddressThrottle).where(
        func.greatest(
            LoginAddressThrottle.last_failed_at,
            func.coalesce(LoginAddressThrottle.blocked_until, LoginAddressThrottle.last_failed_at),
        )
        < before
    )
    per_name = delete(LoginThrottle).where(
        LoginThrottle.first_failed_at < before,
        or_(LoginThrottle.locked_until.is_(None), LoginThrottle.locked_until <= now),
    )
    addresses = session.execute(per_address.returning(LoginAddressThrottle.username)).all()
    names = session.execute(per_name.returning(LoginThrottle.username)).all()
    return len(addresses) + len(names)


# ----------------------------------------------------------------------------- request throttle

_COUNT = insert(RequestThrottle).values(
    scope=bindparam("scope"),
    subject=bindparam("subject"),
    shard=bindparam("shard"),
    window_started_at=bindparam("window_started_at"),
    request_count=1,
)
# The shard's row: a new window starts its count again, a request of the window on record adds
# one (a worker whose clock lags a little counts into the newer window).
_COUNTED = (
    _COUNT.on_conflict_do_update(
        index_elements=[RequestThrottle.scope, RequestThrottle.subject, RequestThrottle.shard],
        set_={
            "request_count": case(
                (
                    _COUNT.excluded.window_started_at > RequestThrottle.window_started_at,
                    literal(1),
                ),
                else_=RequestThrottle.request_count + 1,
            ),
            "window_started_at": func.greatest(
                RequestThrottle.window_started_at, _COUNT.excluded.window_started_at
            ),
        },
    )
    .returning(RequestThrottle.request_count, RequestThrottle.window_started_at)
    .cte("counted")
)
_OTHERS = (
    select(func.coalesce(func.sum(RequestThrottle.request_count), 0))
    .where(
        RequestThrottle.scope == bindparam("scope"),
        RequestThrottle.subject == bindparam("subject"),
        RequestThrottle.shard != bindparam("shard"),
        RequestThrottle.window_started_at == _COUNTED.c.window_started_at,
    )
    .scalar_subquery()
)
# One statement: the shard's count (the statement sees the table as it was before, so the
# other shards are summed apart) plus every other shard's in the same window.
COUNT_REQUEST = select(_COUNTED.c.request_count + _OTHERS)


def count_request(
    session: Session, *, scope: str, subject: str, shard: str, window_started_at: datetime
) -> int:
    """Count one request of `subject` on `shard` in the window starting at `window_started_at`;
    how many the subject has made in that window on every shard, this one included."""
    params = {
        "scope": scope,
        "subject": subject,
        "shard": shard,
        "window_started_at": window_started_at,
    }
    return int(session.execute(COUNT_REQUEST, params).scalar_one())


def delete_request_counts_before(session: Session, *, before: datetime) -> int:
    """Delete the counts of windows that started before `before`; how many went."""
    statement = delete(RequestThrottle).where(RequestThrottle.window_started_at < before)
    return len(session.execute(statement.returning(RequestThrottle.scope)).all())
