"""Working calendar.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "calendar_year",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column(
            "loaded_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint("source IN ('chinesecalendar', 'upload')", name="source_known"),
        sa.CheckConstraint("year BETWEEN 1949 AND 2100", name="year_range"),
        sa.PrimaryKeyConstraint("year", name="pk_calendar_year"),
    )
    op.create_table(
        "calendar_day",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column(
            "year",
            sa.Integer(),
            sa.Computed("(EXTRACT(year FROM day))::integer", persisted=True),
            nullable=False,
        ),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.CheckConstraint("kind IN ('holiday', 'workday')", name="kind_known"),
        sa.CheckConstraint(
            "kind = 'holiday' OR EXTRACT(isodow FROM day) IN (6, 7)", name="workday_on_weekend"
        ),
        sa.ForeignKeyConstraint(
            ["year"],
            ["calendar_year.year"],
            name="fk_calendar_day_year_calendar_year",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("day", name="pk_calendar_day"),
    )
    op.create_index("ix_calendar_day_year", "calendar_day", ["year"])


def downgrade() -> None:
    op.drop_table("calendar_day")
    op.drop_table("calendar_year")
