"""Webhook subscriptions, their deliveries decided with the event, the stream's wake-up.

- `webhook_subscription`: a receiver's URL, the events it wants (empty: all) and at most one
  scope (an office, a department type or a street; none: the whole district), its signing
  secret and, for a while after a rotation, the previous one.
- `webhook_delivery`: one event owed to one subscription. Written by the statement-level
  trigger `gridloop_webhook_outbox` on `case_event`, in the transaction that appends the
  events, whichever code path appends them (filing, actions, the sweeper): the event log is
  the outbox. The same trigger sends `NOTIFY gridloop_events` (the event stream and the
  workers listen), which PostgreSQL delivers only when that transaction commits.
- `webhook_attempt`: every request made for a delivery.

An office's subscription gets the events of the cases the office holds (lead or assisting),
including the event that released it (a return); a department type's, those of the cases any
of its offices holds; a street's, those of the street's cases. The history seeder appends with
triggers off: the past is not sent.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OUTBOX_FUNCTION = """
CREATE FUNCTION gridloop_webhook_outbox() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    newest bigint;
BEGIN
    INSERT INTO webhook_delivery (webhook_subscription_id, case_event_id, case_id)
    SELECT s.webhook_subscription_id, e.case_event_id, e.case_id
    FROM appended e
    JOIN grid_case c ON c.case_id = e.case_id
    JOIN webhook_subscription s ON s.enabled
    WHERE (cardinality(s.events) = 0 OR e.action = ANY (s.events))
      AND (s.street_code IS NULL OR s.street_code = c.street_code)
      AND (s.office_id IS NULL OR EXISTS (
            SELECT 1 FROM case_office co
            WHERE co.case_id = e.case_id AND co.office_id = s.office_id
              AND (co.released_at IS NULL OR co.released_at >= e.occurred_at)))
      AND (s.department_type IS NULL OR EXISTS (
            SELECT 1 FROM case_office co JOIN office o ON o.office_id = co.office_id
            WHERE co.case_id = e.case_id AND o.department_type = s.department_type
              AND (co.released_at IS NULL OR co.released_at >= e.occurred_at)))
    ORDER BY e.case_event_id, s.webhook_subscription_id;
    SELECT max(case_event_id) INTO newest FROM appended;
    IF newest IS NOT NULL THEN
        PERFORM pg_notify('gridloop_events', newest::text);
    END IF;
    RETURN NULL;
END
$$
"""


def upgrade() -> None:
    op.create_table(
        "webhook_subscription",
        sa.Column("webhook_subscription_id", sa.Integer(), sa.Identity(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column(
            "events",
            postgresql.ARRAY(sa.Text()),
            server_default=sa.text("'{}'::text[]"),
            nullable=False,
        ),
        sa.Column("office_id", sa.Integer(), nullable=True),
        sa.Column("department_type", sa.Text(), nullable=True),
        sa.Column("street_code", sa.String(9), nullable=True),
        sa.Column("secret", sa.Text(), nullable=False),
        sa.Column("previous_secret", sa.Text(), nullable=True),
        sa.Column("previous_secret_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("enabled", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("disabled_reason", sa.Text(), nullable=True),
        sa.Column("created_by_user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "num_nonnulls(office_id, department_type, street_code) <= 1",
            name=op.f("ck_webhook_subscription_one_scope"),
        ),
        sa.CheckConstraint("url ~ '^https?://'", name=op.f("ck_webhook_subscription_url_http")),
        sa.ForeignKeyConstraint(
            ["office_id"],
            ["office.office_id"],
            name=op.f("fk_webhook_subscription_office_id_office"),
        ),
        sa.ForeignKeyConstraint(
            ["street_code"],
            ["street.code"],
            name=op.f("fk_webhook_subscription_street_code_street"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_user_id"],
            ["app_user.user_id"],
            name=op.f("fk_webhook_subscription_created_by_user_id_app_user"),
        ),
        sa.PrimaryKeyConstraint("webhook_subscription_id", name=op.f("pk_webhook_subscription")),
    )
    op.create_index(
        op.f("ix_webhook_subscription_office_id"), "webhook_subscription", ["office_id"]
    )
    op.create_table(
        "webhook_delivery",
        sa.Column("webhook_delivery_id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("webhook_subscription_id", sa.Integer(), nullable=False),
        sa.Column("case_event_id", sa.BigInteger(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.Text(), server_default=sa.text("'pending'"), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column(
            "next_attempt_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("first_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'delivered', 'failed')",
            name=op.f("ck_webhook_delivery_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["webhook_subscription_id"],
            ["webhook_subscription.webhook_subscription_id"],
            name=op.f("fk_webhook_delivery_webhook_subscription_id_webhook_subscription"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["case_event_id"],
            ["case_event.case_event_id"],
            name=op.f("fk_webhook_delivery_case_event_id_case_event"),
        ),
        sa.PrimaryKeyConstraint("webhook_delivery_id", name=op.f("pk_webhook_delivery")),
    )
    op.create_index(
        "ix_webhook_delivery_due",
        "webhook_delivery",
        ["next_attempt_at"],
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.create_index(
        "ix_webhook_delivery_pending_case",
        "webhook_delivery",
        ["webhook_subscription_id", "case_id", "case_event_id"],
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.create_index(
        "ix_webhook_delivery_subscription_created",
        "webhook_delivery",
        ["webhook_subscription_id", "created_at"],
    )
    op.create_index(
        op.f("ix_webhook_delivery_case_event_id"), "webhook_delivery", ["case_event_id"]
    )
    op.create_table(
        "webhook_attempt",
        sa.Column("webhook_attempt_id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("webhook_delivery_id", sa.BigInteger(), nullable=False),
        sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["webhook_delivery_id"],
            ["webhook_delivery.webhook_delivery_id"],
            name=op.f("fk_webhook_attempt_webhook_delivery_id_webhook_delivery"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("webhook_attempt_id", name=op.f("pk_webhook_attempt")),
    )
    op.create_index(
        "ix_webhook_attempt_webhook_delivery_id", "webhook_attempt", ["webhook_delivery_id"]
    )
    op.execute(OUTBOX_FUNCTION)
    op.execute(
        "CREATE TRIGGER webhook_outbox AFTER INSERT ON case_event "
        "REFERENCING NEW TABLE AS appended FOR EACH STATEMENT "
        "EXECUTE FUNCTION gridloop_webhook_outbox()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER webhook_outbox ON case_event")
    op.execute("DROP FUNCTION gridloop_webhook_outbox()")
    op.drop_table("webhook_attempt")
    op.drop_table("webhook_delivery")
    op.drop_table("webhook_subscription")
