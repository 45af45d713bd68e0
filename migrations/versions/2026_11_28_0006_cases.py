"""Cases: the case, its events (append-only), photos, offices, suspensions, idempotency keys.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the enums of gridloop.cases at this revision.
STATUSES = (
    "reported",
    "registered",
    "rejected",
    "dispatched",
    "handling",
    "suspended",
    "handled",
    "closed",
    "evaluated",
)
EVENT_KINDS = (
    "file",
    "register",
    "reject",
    "dispatch",
    "whistle",
    "accept",
    "return",
    "request_extension",
    "approve_extension",
    "deny_extension",
    "request_suspension",
    "approve_suspension",
    "deny_suspension",
    "resume",
    "report_handled",
    "verify",
    "close",
    "rework",
    "evaluate",
    "overdue",
)
ACTORS = (
    "inspector",
    "dispatcher",
    "liaison",
    "auditor",
    "admin",
    "intake_client",
    "reporter",
    "system",
)
SOURCES = ("inspector", "hotline_12345", "public", "video", "self_found")

RUNNING_DUE_AT = (
    "CASE status "
    "WHEN 'reported' THEN register_due_at "
    "WHEN 'registered' THEN dispatch_due_at "
    "WHEN 'dispatched' THEN handle_due_at "
    "WHEN 'handling' THEN handle_due_at "
    "WHEN 'handled' THEN CASE WHEN verification IS NULL "
    "THEN LEAST(verify_due_at, close_due_at) ELSE close_due_at END "
    "END"
)

# History is evidence (考核 rests on it): events are appended, never changed or removed.
REFUSE_EVENT_CHANGE = """
CREATE FUNCTION gridloop_refuse_event_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'case_event is append-only: % refused', TG_OP
        USING ERRCODE = 'restrict_violation';
END
$$;
"""


def _in(column: str, values: Sequence[str], *, nullable: bool = False) -> str:
    listed = f"{column} IN ({', '.join(repr(value) for value in values)})"
    return f"{column} IS NULL OR {listed}" if nullable else listed


def _tz(name: str, *, nullable: bool = True) -> sa.Column[Any]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _fk(
    column: str, target: str, type_: sa.types.TypeEngine[Any], *, nullable: bool = False
) -> sa.Column[Any]:
    return sa.Column(column, type_, sa.ForeignKey(target), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "grid_case",
        sa.Column("case_id", sa.Integer(), sa.Identity(), nullable=False),
        _fk("district_code", "district.code", sa.String(6)),
        _fk("street_code", "street.code", sa.String(9)),
        _fk("community_code", "community.code", sa.String(12)),
        _fk("unit_grid_code", "unit_grid.code", sa.String(15)),
        _fk("responsibility_grid_code", "responsibility_grid.code", sa.String(11), nullable=True),
        sa.Column("status", sa.Text(), nullable=False),
        _fk("item_code", "catalog_item.code", sa.String(5), nullable=True),
        sa.Column("tier", sa.Text(), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column(
            "attributes",
            postgresql.JSONB(),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("geom", Geometry("POINT", srid=4326, spatial_index=False), nullable=False),
        sa.Column("input_lon", sa.Double(), nullable=False),
        sa.Column("input_lat", sa.Double(), nullable=False),
        sa.Column("input_crs", sa.Text(), nullable=False),
        _fk("reported_by_user_id", "app_user.user_id", sa.Integer(), nullable=True),
        _fk("reported_by_api_key_id", "api_key.api_key_id", sa.Integer(), nullable=True),
        _tz("reported_at", nullable=False),
        _tz("registered_at"),
        _tz("dispatched_at"),
        _tz("accepted_at"),
        _tz("handled_at"),
        _tz("closed_at"),
        _tz("register_due_at"),
        _tz("dispatch_due_at"),
        _tz("handle_due_at"),
        _tz("verify_due_at"),
        _tz("close_due_at"),
        sa.Column(
            "running_due_at",
            sa.DateTime(timezone=True),
            sa.Computed(RUNNING_DUE_AT, persisted=True),
            nullable=True,
        ),
        sa.Column("pending_request", sa.Text(), nullable=True),
        _tz("requested_due_at"),
        sa.Column("verification", sa.Text(), nullable=True),
        sa.Column("rework_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("rejection_reason", sa.Text(), nullable=True),
        _fk("duplicate_of_case_id", "grid_case.case_id", sa.Integer(), nullable=True),
        sa.Column("satisfaction", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        _tz("updated_at", nullable=False),
        sa.CheckConstraint(_in("status", STATUSES), name=op.f("ck_grid_case_status_known")),
        sa.CheckConstraint(_in("source", SOURCES), name=op.f("ck_grid_case_source_known")),
        sa.CheckConstraint(
            _in("input_crs", ("wgs84", "gcj02", "bd09")), name=op.f("ck_grid_case_input_crs_known")
        ),
        sa.CheckConstraint(
            _in("tier", ("A", "B", "C", "D"), nullable=True), name=op.f("ck_grid_case_tier_known")
        ),
        sa.CheckConstraint(
            _in("pending_request", ("extension", "suspension"), nullable=True),
            name=op.f("ck_grid_case_pending_known"),
        ),
        sa.CheckConstraint(
            _in("verification", ("passed", "failed"), nullable=True),
            name=op.f("ck_grid_case_verification_known"),
        ),
        sa.CheckConstraint(
            _in(
                "rejection_reason",
                ("duplicate", "out_of_scope", "insufficient_information"),
                nullable=True,
            ),
            name=op.f("ck_grid_case_rejection_reason_known"),
        ),
        sa.CheckConstraint(
            _in(
                "satisfaction", ("satisfied", "basically_satisfied", "dissatisfied"), nullable=True
            ),
            name=op.f("ck_grid_case_satisfaction_known"),
        ),
        sa.CheckConstraint(
            "(reported_by_user_id IS NULL) <> (reported_by_api_key_id IS NULL)",
            name=op.f("ck_grid_case_one_reporter"),
        ),
        sa.CheckConstraint(
            "status IN ('reported', 'rejected') OR item_code IS NOT NULL",
            name=op.f("ck_grid_case_registered_item"),
        ),
        sa.CheckConstraint(
            "left(street_code, 6) = district_code", name=op.f("ck_grid_case_street_in_district")
        ),
        sa.CheckConstraint(
            "left(unit_grid_code, 12) = community_code",
            name=op.f("ck_grid_case_grid_in_community"),
        ),
        sa.CheckConstraint(
            "rework_count >= 0 AND version >= 1", name=op.f("ck_grid_case_counters_valid")
        ),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_grid_case")),
    )
    op.create_index("ix_grid_case_geom", "grid_case", ["geom"], postgresql_using="gist")
    op.create_index("ix_grid_case_street_code_status", "grid_case", ["street_code", "status"])
    op.create_index("ix_grid_case_running_due_at", "grid_case", ["running_due_at"])
    for column in (
        "district_code",
        "community_code",
        "unit_grid_code",
        "responsibility_grid_code",
        "item_code",
        "reported_by_user_id",
        "reported_by_api_key_id",
        "reported_at",
    ):
        op.create_index(f"ix_grid_case_{column}", "grid_case", [column])

    op.create_table(
        "case_event",
        sa.Column("case_event_id", sa.BigInteger(), sa.Identity(), nullable=False),
        _fk("case_id", "grid_case.case_id", sa.Integer()),
        sa.Column("district_code", sa.String(6), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("from_status", sa.Text(), nullable=True),
        sa.Column("to_status", sa.Text(), nullable=False),
        sa.Column("actor_role", sa.Text(), nullable=False),
        _fk("actor_user_id", "app_user.user_id", sa.Integer(), nullable=True),
        _fk("actor_api_key_id", "api_key.api_key_id", sa.Integer(), nullable=True),
        sa.Column(
            "payload", postgresql.JSONB(), server_default=sa.text("'{}'::jsonb"), nullable=False
        ),
        _tz("occurred_at", nullable=False),
        sa.CheckConstraint(_in("action", EVENT_KINDS), name=op.f("ck_case_event_action_known")),
        sa.CheckConstraint(
            _in("from_status", STATUSES, nullable=True),
            name=op.f("ck_case_event_from_status_known"),
        ),
        sa.CheckConstraint(_in("to_status", STATUSES), name=op.f("ck_case_event_to_status_known")),
        sa.CheckConstraint(_in("actor_role", ACTORS), name=op.f("ck_case_event_actor_role_known")),
        sa.CheckConstraint(
            "actor_user_id IS NULL OR actor_api_key_id IS NULL",
            name=op.f("ck_case_event_at_most_one_actor"),
        ),
        sa.PrimaryKeyConstraint("case_event_id", name=op.f("pk_case_event")),
    )
    op.create_index("ix_case_event_case_id", "case_event", ["case_id"])
    op.execute(REFUSE_EVENT_CHANGE)
    op.execute(
        "CREATE TRIGGER refuse_change BEFORE UPDATE OR DELETE ON case_event "
        "FOR EACH ROW EXECUTE FUNCTION gridloop_refuse_event_change()"
    )
    op.execute(
        "CREATE TRIGGER refuse_truncate BEFORE TRUNCATE ON case_event "
        "FOR EACH STATEMENT EXECUTE FUNCTION gridloop_refuse_event_change()"
    )

    op.create_table(
        "case_photo",
        sa.Column("case_photo_id", sa.Integer(), sa.Identity(), nullable=False),
        _fk("case_id", "grid_case.case_id", sa.Integer()),
        sa.Column("step", sa.Text(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("media_type", sa.Text(), nullable=False),
        sa.Column("byte_size", sa.Integer(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("storage_key", sa.Text(), nullable=False),
        _fk("uploaded_by_user_id", "app_user.user_id", sa.Integer(), nullable=True),
        _fk("uploaded_by_api_key_id", "api_key.api_key_id", sa.Integer(), nullable=True),
        _tz("created_at", nullable=False),
        sa.CheckConstraint(
            _in("step", ("before", "after", "verification")), name=op.f("ck_case_photo_step_known")
        ),
        sa.CheckConstraint(
            "media_type IN ('image/jpeg', 'image/png', 'image/webp')",
            name=op.f("ck_case_photo_media_type_known"),
        ),
        sa.CheckConstraint("round >= 0 AND byte_size > 0", name=op.f("ck_case_photo_sizes_valid")),
        sa.CheckConstraint(
            "(uploaded_by_user_id IS NULL) <> (uploaded_by_api_key_id IS NULL)",
            name=op.f("ck_case_photo_one_uploader"),
        ),
        sa.PrimaryKeyConstraint("case_photo_id", name=op.f("pk_case_photo")),
        sa.UniqueConstraint("storage_key", name=op.f("uq_case_photo_storage_key")),
    )
    op.create_index("ix_case_photo_case_id_step_round", "case_photo", ["case_id", "step", "round"])

    op.create_table(
        "case_office",
        sa.Column("case_office_id", sa.Integer(), sa.Identity(), nullable=False),
        _fk("case_id", "grid_case.case_id", sa.Integer()),
        _fk("office_id", "office.office_id", sa.Integer()),
        sa.Column("role", sa.Text(), nullable=False),
        _tz("assigned_at", nullable=False),
        _tz("released_at"),
        _tz("arrived_at"),
        sa.CheckConstraint(_in("role", ("lead", "assist")), name=op.f("ck_case_office_role_known")),
        sa.CheckConstraint(
            "released_at IS NULL OR released_at >= assigned_at",
            name=op.f("ck_case_office_released_after"),
        ),
        sa.PrimaryKeyConstraint("case_office_id", name=op.f("pk_case_office")),
    )
    op.create_index(
        "ix_case_office_case_id",
        "case_office",
        ["case_id"],
        unique=True,
        postgresql_where=sa.text("role = 'lead' AND released_at IS NULL"),
    )
    op.create_index(
        "ix_case_office_case_id_office_id",
        "case_office",
        ["case_id", "office_id"],
        unique=True,
        postgresql_where=sa.text("released_at IS NULL"),
    )
    op.create_index(
        "ix_case_office_office_id",
        "case_office",
        ["office_id"],
        postgresql_where=sa.text("released_at IS NULL"),
    )

    op.create_table(
        "case_suspension",
        sa.Column("case_suspension_id", sa.Integer(), sa.Identity(), nullable=False),
        _fk("case_id", "grid_case.case_id", sa.Integer()),
        _tz("started_at", nullable=False),
        _tz("ended_at"),
        sa.CheckConstraint(
            "ended_at IS NULL OR ended_at >= started_at",
            name=op.f("ck_case_suspension_ends_after_start"),
        ),
        sa.PrimaryKeyConstraint("case_suspension_id", name=op.f("pk_case_suspension")),
    )
    op.create_index(
        "ix_case_suspension_case_id",
        "case_suspension",
        ["case_id"],
        unique=True,
        postgresql_where=sa.text("ended_at IS NULL"),
    )

    op.create_table(
        "idempotency_key",
        sa.Column("owner", sa.String(64), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("response_body", postgresql.JSONB(), nullable=False),
        sa.Column("response_headers", postgresql.JSONB(), nullable=False),
        _tz("created_at", nullable=False),
        sa.PrimaryKeyConstraint("owner", "key", name=op.f("pk_idempotency_key")),
    )
    op.create_index("ix_idempotency_key_created_at", "idempotency_key", ["created_at"])


def downgrade() -> None:
    for table in (
        "idempotency_key",
        "case_suspension",
        "case_office",
        "case_photo",
        "case_event",
        "grid_case",
    ):
        op.drop_table(table)
    op.execute("DROP FUNCTION gridloop_refuse_event_change()")
