"""Routing rule sets.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A saved version is history: its rules never change, and the set itself only (de)activates (or
# loses its author when that user is deleted).
REFUSE_RULE_SET_CHANGE = """
CREATE FUNCTION gridloop_refuse_rule_set_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND (to_jsonb(NEW) - 'is_active' - 'activated_at' - 'created_by_user_id')
           = (to_jsonb(OLD) - 'is_active' - 'activated_at' - 'created_by_user_id')
       AND (NEW.created_by_user_id IS NULL
            OR NEW.created_by_user_id IS NOT DISTINCT FROM OLD.created_by_user_id) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'saved routing rule set % is read-only (%)', OLD.version, TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END
$$;
"""
REFUSE_RULE_CHANGE = """
CREATE FUNCTION gridloop_refuse_rule_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'rule % of saved routing rule set % is read-only (%)',
        OLD.rule_id, OLD.version, TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END
$$;
"""


def upgrade() -> None:
    op.create_table(
        "routing_rule_set",
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("content_sha256", sa.String(64), nullable=False),
        sa.Column("rule_count", sa.Integer(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("is_active", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("activated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by_user_id", sa.Integer(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint("version > 0", name=op.f("ck_routing_rule_set_version_positive")),
        sa.CheckConstraint(
            "content_sha256 ~ '^[0-9a-f]{64}$'",
            name=op.f("ck_routing_rule_set_content_sha256_format"),
        ),
        sa.CheckConstraint(
            "NOT is_active OR activated_at IS NOT NULL",
            name=op.f("ck_routing_rule_set_active_since"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_user_id"],
            ["app_user.user_id"],
            name=op.f("fk_routing_rule_set_created_by_user_id_app_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_routing_rule_set")),
    )
    op.create_index(
        "uq_routing_rule_set_one_active",
        "routing_rule_set",
        ["is_active"],
        unique=True,
        postgresql_where=sa.text("is_active"),
    )
    op.create_table(
        "routing_rule",
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.String(64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("spec", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.CheckConstraint("position >= 0", name=op.f("ck_routing_rule_position_not_negative")),
        sa.ForeignKeyConstraint(
            ["version"],
            ["routing_rule_set.version"],
            name=op.f("fk_routing_rule_version_routing_rule_set"),
        ),
        sa.PrimaryKeyConstraint("version", "rule_id", name=op.f("pk_routing_rule")),
        sa.UniqueConstraint("version", "position", name=op.f("uq_routing_rule_version_position")),
    )
    op.execute(REFUSE_RULE_SET_CHANGE)
    op.execute(REFUSE_RULE_CHANGE)
    op.execute(
        "CREATE TRIGGER refuse_change BEFORE UPDATE OR DELETE ON routing_rule_set "
        "FOR EACH ROW EXECUTE FUNCTION gridloop_refuse_rule_set_change()"
    )
    op.execute(
        "CREATE TRIGGER refuse_change BEFORE UPDATE OR DELETE ON routing_rule "
        "FOR EACH ROW EXECUTE FUNCTION gridloop_refuse_rule_change()"
    )


def downgrade() -> None:
    op.drop_table("routing_rule")
    op.drop_index("uq_routing_rule_set_one_active", table_name="routing_rule_set")
    op.drop_table("routing_rule_set")
    op.execute("DROP FUNCTION gridloop_refuse_rule_change()")
    op.execute("DROP FUNCTION gridloop_refuse_rule_set_change()")
