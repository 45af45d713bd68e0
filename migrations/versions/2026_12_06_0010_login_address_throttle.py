"""Login throttle per username and client address, beside the per-username ceiling.

Five failures for a username used to lock it from everywhere, so anyone could lock anyone out.
Failures now count per (username, client address) with growing delays; `login_throttle` stays
as the much higher per-username ceiling. Existing rows of `login_throttle` are left as they are.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "login_address_throttle",
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("client_address", sa.Text(), nullable=False),
        sa.Column("failure_count", sa.Integer(), nullable=False),
        sa.Column("last_failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("blocked_until", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("length(client_address) <= 100", name="client_address_length"),
        sa.PrimaryKeyConstraint("username", "client_address", name="pk_login_address_throttle"),
    )


def downgrade() -> None:
    op.drop_table("login_address_throttle")
