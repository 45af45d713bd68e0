"""Routing rule sets, versioned: a set is saved whole, becomes active atomically, and stays
readable after a newer one replaces it. At most one set is active (a partial unique index).
Saved versions never change: a trigger (migration 0005) refuses to update or delete a rule, or
to change a rule set other than by (de)activating it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from gridloop.db import Base, CreatedAtMixin


class RuleSet(CreatedAtMixin, Base):
    __tablename__ = "routing_rule_set"
    __table_args__ = (
        CheckConstraint("version > 0", name="version_positive"),
        CheckConstraint("content_sha256 ~ '^[0-9a-f]{64}$'", name="content_sha256_format"),
        CheckConstraint("NOT is_active OR activated_at IS NOT NULL", name="active_since"),
        Index(
            "uq_routing_rule_set_one_active",
            "is_active",
            unique=True,
            postgresql_where=text("is_active"),
        ),
    )

    # Versions count 1, 2, 3 … with no gaps: the next one is taken under a table lock.
    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text)
    content_sha256: Mapped[str] = mapped_column(String(64))
    rule_count: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(Text)
    is_active: Mapped[bool] = mapped_column(Boolean, server_default=false())
    activated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("app_user.user_id", ondelete="SET NULL")
    )


class Rule(Base):
    """One rule of a version, as written in the rule set (`spec`, the YAML/JSON shape)."""

    __tablename__ = "routing_rule"
    __table_args__ = (
        CheckConstraint("position >= 0", name="position_not_negative"),
        UniqueConstraint("version", "position"),
    )

    version: Mapped[int] = mapped_column(ForeignKey("routing_rule_set.version"), primary_key=True)
    rule_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    priority: Mapped[int] = mapped_column(Integer)
    spec: Mapped[dict[str, Any]] = mapped_column(JSONB)
