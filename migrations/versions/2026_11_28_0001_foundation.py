"""Foundation: the grid map, offices, users, tokens, API keys and the login throttle.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.sql.schema import SchemaItem

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Tiles may not share interior points. A bounding-box exclusion constraint would refuse every
# neighbour of a tiling, so the check is an interior-intersection test in a trigger. The advisory
# lock serialises writers of one table, so two concurrent imports cannot both slip past it.
REFUSE_OVERLAP = """
CREATE FUNCTION gridloop_refuse_overlap() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    other text;
BEGIN
    IF NOT ST_IsValid(NEW.geom) THEN
        RETURN NEW;  -- the geom_valid check constraint refuses it with a clearer message
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('gridloop_tiles_' || TG_TABLE_NAME));
    EXECUTE format(
        'SELECT code FROM %I WHERE code <> $1 AND geom && $2 '
        'AND ST_Relate(geom, $2, ''T********'') ORDER BY code LIMIT 1',
        TG_TABLE_NAME
    ) INTO other USING NEW.code, NEW.geom;
    IF other IS NOT NULL THEN
        RAISE EXCEPTION '% % overlaps % %', TG_TABLE_NAME, NEW.code, TG_TABLE_NAME, other
            USING ERRCODE = 'exclusion_violation',
                  CONSTRAINT = 'no_overlap_' || TG_TABLE_NAME;
    END IF;
    RETURN NEW;
END
$$;
"""

# TG_ARGV: parent table, the column of NEW holding the parent's code.
REFUSE_OUTSIDE_PARENT = """
CREATE FUNCTION gridloop_refuse_outside_parent() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    parent_code text := to_jsonb(NEW) ->> TG_ARGV[1];
    inside boolean;
BEGIN
    IF NOT ST_IsValid(NEW.geom) THEN
        RETURN NEW;
    END IF;
    EXECUTE format('SELECT ST_CoveredBy($1, geom) FROM %I WHERE code = $2', TG_ARGV[0])
        INTO inside USING NEW.geom, parent_code;
    IF inside IS DISTINCT FROM true THEN
        RAISE EXCEPTION '% % is not inside % %', TG_TABLE_NAME, NEW.code, TG_ARGV[0], parent_code
            USING ERRCODE = 'check_violation',
                  CONSTRAINT = 'inside_' || TG_ARGV[0];
    END IF;
    RETURN NEW;
END
$$;
"""

TILE_TABLES = ("street", "community", "unit_grid")
PARENTS = {"community": ("street", "street_code"), "unit_grid": ("community", "community_code")}


def _multipolygon(*, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(
        "geom", Geometry("MULTIPOLYGON", srid=4326, spatial_index=False), nullable=nullable
    )


def _geo_table(name: str, code_length: int, *items: SchemaItem, **geom: bool) -> None:
    op.create_table(
        name,
        sa.Column("code", sa.String(code_length), nullable=False),
        *items,
        _multipolygon(**geom),
        sa.CheckConstraint(f"code ~ '^[0-9]{{{code_length}}}$'", name="code_format"),
        sa.CheckConstraint("ST_IsValid(geom)", name="geom_valid"),
        sa.PrimaryKeyConstraint("code", name=f"pk_{name}"),
    )
    op.create_index(f"ix_{name}_geom", name, ["geom"], postgresql_using="gist")


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    _geo_table("district", 6, sa.Column("name", sa.Text(), nullable=False), nullable=True)
    _geo_table(
        "street",
        9,
        sa.Column("district_code", sa.String(6), sa.ForeignKey("district.code"), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.CheckConstraint("left(code, 6) = district_code", name="code_in_district"),
    )
    _geo_table(
        "community",
        12,
        sa.Column("street_code", sa.String(9), sa.ForeignKey("street.code"), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.CheckConstraint("left(code, 9) = street_code", name="code_in_street"),
    )
    _geo_table(
        "responsibility_grid",
        11,
        sa.Column("street_code", sa.String(9), sa.ForeignKey("street.code"), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.CheckConstraint("left(code, 9) = street_code", name="code_in_street"),
        nullable=True,
    )
    _geo_table(
        "unit_grid",
        15,
        sa.Column("community_code", sa.String(12), sa.ForeignKey("community.code"), nullable=False),
        sa.Column(
            "street_code",
            sa.String(9),
            sa.Computed("left(code, 9)", persisted=True),
            nullable=False,
        ),
        sa.Column(
            "responsibility_grid_code",
            sa.String(11),
            sa.ForeignKey("responsibility_grid.code", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.CheckConstraint("left(code, 12) = community_code", name="code_in_community"),
    )
    for table, column in [
        ("street", "district_code"),
        ("community", "street_code"),
        ("responsibility_grid", "street_code"),
        ("unit_grid", "community_code"),
        ("unit_grid", "street_code"),
        ("unit_grid", "responsibility_grid_code"),
    ]:
        op.create_index(f"ix_{table}_{column}", table, [column])

    op.execute(REFUSE_OVERLAP)
    op.execute(REFUSE_OUTSIDE_PARENT)
    for table in TILE_TABLES:
        op.execute(
            f"CREATE TRIGGER refuse_overlap BEFORE INSERT OR UPDATE OF geom ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION gridloop_refuse_overlap()"
        )
    for table, (parent, column) in PARENTS.items():
        op.execute(
            f"CREATE TRIGGER refuse_outside_parent BEFORE INSERT OR UPDATE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION gridloop_refuse_outside_parent('{parent}', '{column}')"
        )

    op.create_table(
        "office",
        sa.Column("office_id", sa.Integer(), sa.Identity(), nullable=False),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("department_type", sa.Text(), nullable=False),
        sa.Column("street_code", sa.String(9), sa.ForeignKey("street.code"), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("office_id", name="pk_office"),
        sa.UniqueConstraint("code", name="uq_office_code"),
    )
    op.create_index("ix_office_street_code", "office", ["street_code"])

    op.create_table(
        "app_user",
        sa.Column("user_id", sa.Integer(), sa.Identity(), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("display_name", sa.Text(), nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("street_code", sa.String(9), sa.ForeignKey("street.code"), nullable=True),
        sa.Column("office_id", sa.Integer(), sa.ForeignKey("office.office_id"), nullable=True),
        sa.Column("is_active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint(
            "role IN ('admin', 'dispatcher', 'inspector', 'liaison', 'auditor')", name="role_known"
        ),
        sa.CheckConstraint(
            "(role = 'dispatcher') = (street_code IS NOT NULL)", name="dispatcher_has_street"
        ),
        sa.CheckConstraint(
            "(role = 'liaison') = (office_id IS NOT NULL)", name="liaison_has_office"
        ),
        sa.PrimaryKeyConstraint("user_id", name="pk_app_user"),
        sa.UniqueConstraint("username", name="uq_app_user_username"),
    )
    op.create_index("ix_app_user_street_code", "app_user", ["street_code"])
    op.create_index("ix_app_user_office_id", "app_user", ["office_id"])

    op.create_table(
        "responsibility_grid_inspector",
        sa.Column(
            "responsibility_grid_code",
            sa.String(11),
            sa.ForeignKey("responsibility_grid.code", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "user_id",
            sa.Integer(),
            sa.ForeignKey("app_user.user_id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint(
            "responsibility_grid_code", "user_id", name="pk_responsibility_grid_inspector"
        ),
    )
    op.create_index(
        "ix_responsibility_grid_inspector_user_id", "responsibility_grid_inspector", ["user_id"]
    )

    op.create_table(
        "access_token",
        sa.Column("access_token_id", sa.Integer(), sa.Identity(), nullable=False),
        sa.Column(
            "user_id",
            sa.Integer(),
            sa.ForeignKey("app_user.user_id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("access_token_id", name="pk_access_token"),
        sa.UniqueConstraint("token_hash", name="uq_access_token_token_hash"),
    )
    op.create_index("ix_access_token_user_id", "access_token", ["user_id"])

    op.create_table(
        "api_key",
        sa.Column("api_key_id", sa.Integer(), sa.Identity(), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint("source IN ('hotline_12345', 'public_app')", name="source_known"),
        sa.PrimaryKeyConstraint("api_key_id", name="pk_api_key"),
        sa.UniqueConstraint("name", name="uq_api_key_name"),
        sa.UniqueConstraint("key_hash", name="uq_api_key_key_hash"),
    )

    op.create_table(
        "login_throttle",
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("failure_count", sa.Integer(), nullable=False),
        sa.Column("first_failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("username", name="pk_login_throttle"),
    )


def downgrade() -> None:
    for table in (
        "login_throttle",
        "api_key",
        "access_token",
        "responsibility_grid_inspector",
        "app_user",
        "office",
        "unit_grid",
        "responsibility_grid",
        "community",
        "street",
        "district",
    ):
        op.drop_table(table)
    op.execute("DROP FUNCTION gridloop_refuse_outside_parent()")
    op.execute("DROP FUNCTION gridloop_refuse_overlap()")
