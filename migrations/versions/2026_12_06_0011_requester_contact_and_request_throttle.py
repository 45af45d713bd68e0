"""The requester's contact of a case, per-caller request counts, events by time.

- `case_requester`: whom an intake client (12345, a public app, Open311) filed a case for: name,
  phone, e-mail, device and account, and the media link they sent. A table of its own, beside the
  case, so that no read of cases carries personal data by accident; staff read it for the
  follow-up visit (回访).
- `request_throttle`: requests counted per caller in fixed windows (Open311: GET per client
  address, POST per API key), striped by the thread that counts (`shard`), so that concurrent
  requests of one caller never wait for each other's row. UNLOGGED: counts are worth nothing
  after a crash, and a commit that wrote only them need not wait for the disk.
- `ix_case_event_occurred_at`: Open311's `servicerequestupdates` reads the status changes of a
  time window over every case.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _text(name: str, longest: int) -> tuple[sa.Column[str], sa.CheckConstraint]:
    return (
        sa.Column(name, sa.Text(), nullable=True),
        sa.CheckConstraint(
            f"length({name}) <= {longest}", name=op.f(f"ck_case_requester_{name}_length")
        ),
    )


def upgrade() -> None:
    columns = [
        _text("first_name", 100),
        _text("last_name", 100),
        _text("email", 254),
        _text("phone", 32),
        _text("device_id", 200),
        _text("account_id", 200),
        _text("media_url", 2000),
    ]
    op.create_table(
        "case_requester",
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("grid_case.case_id"), nullable=False),
        *(column for column, _ in columns),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        *(check for _, check in columns),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_case_requester")),
    )
    op.create_table(
        "request_throttle",
        sa.Column("scope", sa.String(32), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("shard", sa.Text(), nullable=False),
        sa.Column("window_started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("request_count", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "length(subject) <= 100", name=op.f("ck_request_throttle_subject_length")
        ),
        sa.CheckConstraint("length(shard) <= 100", name=op.f("ck_request_throttle_shard_length")),
        sa.PrimaryKeyConstraint("scope", "subject", "shard", name=op.f("pk_request_throttle")),
        prefixes=["UNLOGGED"],
    )
    op.create_index("ix_case_event_occurred_at", "case_event", ["occurred_at"])


def downgrade() -> None:
    op.drop_index("ix_case_event_occurred_at", table_name="case_event")
    op.drop_table("request_throttle")
    op.drop_table("case_requester")
