"""Departments, offices and jurisdictions.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A frozen copy of gridloop.catalog.departments.DEPARTMENT_TYPES at this revision.
DEPARTMENT_TYPES = (
    "chengguan",
    "gongan",
    "shichang",
    "fangguan",
    "lvhua",
    "jiaojing",
    "grid_center",
    "shuiwu",
    "ranqi",
    "dianli",
    "jiaotong",
)
CODE_REGEX = "^[a-z0-9][a-z0-9_-]*$"

# Jurisdictions of one department may not share interior points; neighbours share edges, so this
# is an interior-intersection test (as gridloop_refuse_overlap of 0001), scoped to the department.
# The advisory lock serialises writers of one department.
REFUSE_OFFICE_OVERLAP = """
CREATE FUNCTION gridloop_refuse_office_overlap() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    other text;
BEGIN
    IF NEW.jurisdiction IS NULL OR NOT ST_IsValid(NEW.jurisdiction) THEN
        RETURN NEW;  -- nothing to compare, or ck_office_jurisdiction_valid refuses it
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('gridloop_office_department_' || NEW.department_id));
    SELECT o.code INTO other FROM office o
    WHERE o.department_id = NEW.department_id AND o.office_id <> NEW.office_id
      AND o.jurisdiction && NEW.jurisdiction
      AND ST_Relate(o.jurisdiction, NEW.jurisdiction, 'T********')
    ORDER BY o.code COLLATE "C" LIMIT 1;
    IF other IS NOT NULL THEN
        RAISE EXCEPTION 'office % overlaps office % of the same department', NEW.code, other
            USING ERRCODE = 'exclusion_violation', CONSTRAINT = 'no_overlap_office';
    END IF;
    RETURN NEW;
END
$$;
"""


def upgrade() -> None:
    op.create_table(
        "department",
        sa.Column("department_id", sa.Integer(), sa.Identity(), nullable=False),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("department_type", sa.Text(), nullable=False),
        sa.Column("district_code", sa.String(6), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint(f"code ~ '{CODE_REGEX}'", name=op.f("ck_department_code_format")),
        sa.CheckConstraint(
            "department_type IN ({})".format(", ".join(repr(t) for t in DEPARTMENT_TYPES)),
            name=op.f("ck_department_department_type_known"),
        ),
        sa.ForeignKeyConstraint(
            ["district_code"],
            ["district.code"],
            name=op.f("fk_department_district_code_district"),
        ),
        sa.PrimaryKeyConstraint("department_id", name=op.f("pk_department")),
        sa.UniqueConstraint("code", name=op.f("uq_department_code")),
        sa.UniqueConstraint(
            "district_code",
            "department_type",
            name=op.f("uq_department_district_code_department_type"),
        ),
        sa.UniqueConstraint(
            "department_id",
            "department_type",
            name=op.f("uq_department_department_id_department_type"),
        ),
    )

    # Offices before this revision had no department; there were none outside tests.
    op.add_column("office", sa.Column("department_id", sa.Integer(), nullable=False))
    op.add_column(
        "office",
        sa.Column(
            "jurisdiction",
            Geometry("MULTIPOLYGON", srid=4326, spatial_index=False),
            nullable=True,
        ),
    )
    op.create_foreign_key(
        op.f("fk_office_department_id_department"),
        "office",
        "department",
        ["department_id", "department_type"],
        ["department_id", "department_type"],
        onupdate="CASCADE",
    )
    op.create_check_constraint(op.f("ck_office_code_format"), "office", f"code ~ '{CODE_REGEX}'")
    op.create_check_constraint(
        op.f("ck_office_jurisdiction_valid"), "office", "ST_IsValid(jurisdiction)"
    )
    op.create_index(op.f("ix_office_department_id"), "office", ["department_id"])
    op.create_index(
        op.f("ix_office_jurisdiction"), "office", ["jurisdiction"], postgresql_using="gist"
    )
    op.execute(REFUSE_OFFICE_OVERLAP)
    op.execute(
        "CREATE TRIGGER refuse_overlap BEFORE INSERT OR UPDATE OF jurisdiction, department_id "
        "ON office FOR EACH ROW EXECUTE FUNCTION gridloop_refuse_office_overlap()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER refuse_overlap ON office")
    op.execute("DROP FUNCTION gridloop_refuse_office_overlap()")
    op.drop_index(op.f("ix_office_jurisdiction"), table_name="office")
    op.drop_index(op.f("ix_office_department_id"), table_name="office")
    op.drop_constraint(op.f("ck_office_jurisdiction_valid"), "office", type_="check")
    op.drop_constraint(op.f("ck_office_code_format"), "office", type_="check")
    op.drop_constraint(op.f("fk_office_department_id_department"), "office", type_="foreignkey")
    op.drop_column("office", "jurisdiction")
    op.drop_column("office", "department_id")
    op.drop_table("department")
