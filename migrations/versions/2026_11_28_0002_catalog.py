"""Catalog of management items.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = "'event', 'component'"
UNITS = "'working_hours', 'working_days', 'natural_hours', 'natural_days'"
DEPARTMENT_TYPES = (
    "'chengguan', 'gongan', 'shichang', 'fangguan', 'lvhua', 'jiaojing', 'grid_center', "
    "'shuiwu', 'ranqi', 'dianli', 'jiaotong'"
)
STEPS = ("register", "dispatch", "handle", "verify")


def upgrade() -> None:
    op.create_table(
        "catalog_big_class",
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("code", sa.String(2), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.CheckConstraint(f"kind IN ({KINDS})", name="kind_known"),
        sa.CheckConstraint("code ~ '^[0-9]{2}$'", name="code_format"),
        sa.PrimaryKeyConstraint("kind", "code", name="pk_catalog_big_class"),
    )
    limit_columns: list[sa.Column[Any]] = []
    limit_checks: list[sa.CheckConstraint] = []
    for step in STEPS:
        limit_columns += [
            sa.Column(f"{step}_limit_value", sa.Numeric(6, 2), nullable=False),
            sa.Column(f"{step}_limit_unit", sa.Text(), nullable=False),
        ]
        limit_checks.append(
            sa.CheckConstraint(
                f"{step}_limit_value > 0 AND {step}_limit_unit IN ({UNITS})",
                name=f"{step}_limit_valid",
            )
        )
    op.create_table(
        "catalog_item",
        sa.Column("code", sa.String(5), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("big_class_code", sa.String(2), nullable=False),
        sa.Column("small_class_code", sa.String(2), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("tier", sa.Text(), nullable=False),
        sa.Column("default_department_type", sa.Text(), nullable=False),
        sa.Column("urgent", sa.Boolean(), server_default=sa.false(), nullable=False),
        *limit_columns,
        sa.Column("filing_condition", sa.Text(), nullable=False),
        sa.Column("closing_standard", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint("code ~ '^[EC][0-9]{4}$'", name="code_format"),
        sa.CheckConstraint(f"kind IN ({KINDS})", name="kind_known"),
        sa.CheckConstraint(
            "left(code, 1) = CASE kind WHEN 'event' THEN 'E' ELSE 'C' END",
            name="kind_matches_code",
        ),
        sa.CheckConstraint(
            "substr(code, 2, 2) = big_class_code AND substr(code, 4, 2) = small_class_code",
            name="classes_match_code",
        ),
        sa.CheckConstraint("tier IN ('A', 'B', 'C', 'D')", name="tier_known"),
        sa.CheckConstraint(
            f"default_department_type IN ({DEPARTMENT_TYPES})", name="department_type_known"
        ),
        *limit_checks,
        sa.ForeignKeyConstraint(
            ["kind", "big_class_code"],
            ["catalog_big_class.kind", "catalog_big_class.code"],
            name="fk_catalog_item_kind_catalog_big_class",
        ),
        sa.PrimaryKeyConstraint("code", name="pk_catalog_item"),
    )


def downgrade() -> None:
    op.drop_table("catalog_item")
    op.drop_table("catalog_big_class")
