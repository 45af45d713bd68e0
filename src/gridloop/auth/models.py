"""Users, their scope, bearer tokens, intake API keys and the login throttle."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Identity,
    Integer,
    String,
    Text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from gridloop.db import Base, CreatedAtMixin


class Role(StrEnum):
    ADMIN = "admin"
    DISPATCHER = "dispatcher"
    INSPECTOR = "inspector"
    LIAISON = "liaison"
    AUDITOR = "auditor"


class IntakeSource(StrEnum):
    HOTLINE_12345 = "hotline_12345"
    PUBLIC_APP = "public_app"


def _in(column: str, values: type[StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"


class User(CreatedAtMixin, Base):
    __tablename__ = "app_user"
    __table_args__ = (
        CheckConstraint(_in("role", Role), name="role_known"),
        CheckConstraint(
            "(role = 'dispatcher') = (street_code IS NOT NULL)", name="dispatcher_has_street"
        ),
        CheckConstraint("(role = 'liaison') = (office_id IS NOT NULL)", name="liaison_has_office"),
    )

    user_id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(Text)
    password_hash: Mapped[str] = mapped_column(Text)
    street_code: Mapped[str | None] = mapped_column(ForeignKey("street.code"), index=True)
    office_id: Mapped[int | None] = mapped_column(ForeignKey("office.office_id"), index=True)
    is_active: Mapped[bool] = mapped_column(Boolean, server_default=true())


class ResponsibilityGridInspector(Base):
    """An inspector's scope: the responsibility grids they patrol."""

    __tablename__ = "responsibility_grid_inspector"

    responsibility_grid_code: Mapped[str] = mapped_column(
        ForeignKey("responsibility_grid.code", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("app_user.user_id", ondelete="CASCADE"), primary_key=True, index=True
    )


class AccessToken(CreatedAtMixin, Base):
    __tablename__ = "access_token"

    access_token_id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("app_user.user_id", ondelete="CASCADE"), index=True
    )
    # SHA-256 of the token: a stolen table yields no usable token.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ApiKey(CreatedAtMixin, Base):
    """An intake client (12345 hotline, a public app) that files cases."""

    __tablename__ = "api_key"
    __table_args__ = (CheckConstraint(_in("source", IntakeSource), name="source_known"),)

    api_key_id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    source: Mapped[str] = mapped_column(Text)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class LoginThrottle(Base):
    """Failed logins per username from every address: past a high ceiling the name is locked.

    The ceiling stops a guesser spread over many addresses; `LoginAddressThrottle` slows each
    address long before, so that no one can lock a user out from a single machine.
    """

    __tablename__ = "login_throttle"

    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    failure_count: Mapped[int] = mapped_column(Integer)
    first_failed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class LoginAddressThrottle(Base):
    """Failed logins per username and client address: each failure past the free ones makes
    that address wait longer before it may try the username again."""

    __tablename__ = "login_address_throttle"
    __table_args__ = (
        CheckConstraint("length(client_address) <= 100", name="client_address_length"),
    )

    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    client_address: Mapped[str] = mapped_column(Text, primary_key=True)
    failure_count: Mapped[int] = mapped_column(Integer)
    last_failed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    blocked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RequestThrottle(Base):
    """Requests counted per caller in fixed windows: the rate limit of a public door.

    `scope` names the limit (`open311-get`, per client address; `open311-post`, per API key),
    `subject` whom it counts, `shard` the thread that counted (host, process, thread): a
    subject's count is the sum of its shards. The table is UNLOGGED (migration 0011): after a
    crash the counts start again from zero, which costs nothing, and counting never waits for
    the disk.
    """

    __tablename__ = "request_throttle"
    __table_args__ = (
        CheckConstraint("length(subject) <= 100", name="subject_length"),
        CheckConstraint("length(shard) <= 100", name="shard_length"),
        {"prefixes": ["UNLOGGED"]},
    )

    scope: Mapped[str] = mapped_column(String(32), primary_key=True)
    subject: Mapped[str] = mapped_column(Text, primary_key=True)
    shard: Mapped[str] = mapped_column(Text, primary_key=True)
    window_started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    request_count: Mapped[int] = mapped_column(Integer)
