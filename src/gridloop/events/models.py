"""Webhook subscriptions, the deliveries owed to them, and every attempt made.

A delivery row is written by the database in the transaction that appends the case event
(`gridloop_webhook_outbox`, migration 0012): the event log is the outbox, so nothing
committed is ever missed, and nothing rolled back is ever sent.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from gridloop.db import Base


def _tz() -> DateTime:
    return DateTime(timezone=True)


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


class AttemptOutcome(StrEnum):
    DELIVERED = "delivered"  # a 2xx answer
    REJECTED = "rejected"  # an answer that is not worth retrying (4xx but 408/429, 3xx)
    RETRYABLE = "retryable"  # 5xx, 408, 429
    TIMEOUT = "timeout"
    REFUSED = "refused"  # the address is not allowed, or the connection failed
    GONE = "gone"  # 410: the receiver asks to stop


class WebhookSubscription(Base):
    """Where to send which events: the whole district, or one office, department type or
    street; signed with `secret` (and `previous_secret` until it expires, after a rotation)."""

    __tablename__ = "webhook_subscription"
    __table_args__ = (
        CheckConstraint(
            "num_nonnulls(office_id, department_type, street_code) <= 1", name="one_scope"
        ),
        CheckConstraint("url ~ '^https?://'", name="url_http"),
    )

    webhook_subscription_id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    # Action names (and `overdue`); empty: every event.
    events: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default=text("'{}'::text[]"))
    office_id: Mapped[int | None] = mapped_column(ForeignKey("office.office_id"), index=True)
    department_type: Mapped[str | None] = mapped_column(Text)
    street_code: Mapped[str | None] = mapped_column(ForeignKey("street.code"))
    secret: Mapped[str] = mapped_column(Text)
    previous_secret: Mapped[str | None] = mapped_column(Text)
    previous_secret_expires_at: Mapped[datetime | None] = mapped_column(_tz())
    enabled: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    disabled_at: Mapped[datetime | None] = mapped_column(_tz())
    disabled_reason: Mapped[str | None] = mapped_column(Text)
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.user_id"))
    created_at: Mapped[datetime] = mapped_column(_tz())
    updated_at: Mapped[datetime] = mapped_column(_tz())


class WebhookDelivery(Base):
    """One event owed to one subscription, until delivered or failed."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'delivered', 'failed')", name="status_known"),
        # The worker's queue: what is due.
        Index(
            "ix_webhook_delivery_due",
            "next_attempt_at",
            postgresql_where=text("status = 'pending'"),
        ),
        # Order per case: an earlier event of the case still pending holds the later ones.
        Index(
            "ix_webhook_delivery_pending_case",
            "webhook_subscription_id",
            "case_id",
            "case_event_id",
            postgresql_where=text("status = 'pending'"),
        ),
        Index(
            "ix_webhook_delivery_subscription_created",
            "webhook_subscription_id",
            "created_at",
        ),
        # What the worker forgets after `webhook_keep_days`: the finished ones by age.
        Index(
            "ix_webhook_delivery_finished",
            "finished_at",
            postgresql_where=text("status <> 'pending'"),
        ),
    )

    webhook_delivery_id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    webhook_subscription_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_subscription.webhook_subscription_id", ondelete="CASCADE")
    )
    case_event_id: Mapped[int] = mapped_column(ForeignKey("case_event.case_event_id"), index=True)
    case_id: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(Text, server_default=text("'pending'"))
    attempts: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    next_attempt_at: Mapped[datetime] = mapped_column(_tz(), server_default=text("now()"))
    # The body as first sent: a retry sends the same bytes (only the timestamp is new).
    body: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(_tz(), server_default=text("now()"))
    # Retries end this long after the first attempt (reset when it is sent again by hand).
    first_attempt_at: Mapped[datetime | None] = mapped_column(_tz())
    finished_at: Mapped[datetime | None] = mapped_column(_tz())
    last_status_code: Mapped[int | None] = mapped_column(Integer)


class WebhookAttempt(Base):
    """One request of a delivery: when, how long, and what came back."""

    __tablename__ = "webhook_attempt"
    __table_args__ = (Index("ix_webhook_attempt_webhook_delivery_id", "webhook_delivery_id"),)

    webhook_attempt_id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    webhook_delivery_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_delivery.webhook_delivery_id", ondelete="CASCADE")
    )
    attempted_at: Mapped[datetime] = mapped_column(_tz())
    duration_ms: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(Text)
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
