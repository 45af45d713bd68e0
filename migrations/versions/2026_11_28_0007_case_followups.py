"""Case follow-ups: missed deadlines seen by the sweeper (督办), whistle summons (吹哨报到).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the enums of gridloop.cases at this revision.
EVENT_KINDS_0006 = (
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
EVENT_KINDS = (*EVENT_KINDS_0006[:-1], "report_in", "overdue")
DEADLINES = ("register", "dispatch", "handle", "verify", "close")


def _in(column: str, values: Sequence[str]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


def _tz(name: str, *, nullable: bool = True) -> sa.Column[Any]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _event_kinds(kinds: Sequence[str]) -> None:
    op.drop_constraint(op.f("ck_case_event_action_known"), "case_event", type_="check")
    op.create_check_constraint(
        op.f("ck_case_event_action_known"), "case_event", _in("action", kinds)
    )


def upgrade() -> None:
    _event_kinds(EVENT_KINDS)
    op.create_table(
        "case_overdue",
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("grid_case.case_id"), nullable=False),
        sa.Column("deadline", sa.Text(), nullable=False),
        _tz("due_at", nullable=False),
        _tz("detected_at", nullable=False),
        sa.CheckConstraint(_in("deadline", DEADLINES), name=op.f("ck_case_overdue_deadline_known")),
        sa.PrimaryKeyConstraint("case_id", "deadline", "due_at", name=op.f("pk_case_overdue")),
    )
    op.create_table(
        "case_summons",
        sa.Column("case_summons_id", sa.Integer(), sa.Identity(), nullable=False),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("grid_case.case_id"), nullable=False),
        sa.Column("office_id", sa.Integer(), sa.ForeignKey("office.office_id"), nullable=False),
        _tz("summoned_at", nullable=False),
        _tz("arrival_due_at", nullable=False),
        _tz("arrived_at"),
        sa.Column(
            "arrived_by_user_id", sa.Integer(), sa.ForeignKey("app_user.user_id"), nullable=True
        ),
        sa.CheckConstraint(
            "arrival_due_at > summoned_at", name=op.f("ck_case_summons_due_after_summons")
        ),
        sa.PrimaryKeyConstraint("case_summons_id", name=op.f("pk_case_summons")),
    )
    op.create_index(
        "ix_case_summons_case_id_office_id",
        "case_summons",
        ["case_id", "office_id", "summoned_at"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_table("case_summons")
    op.drop_table("case_overdue")
    # Events are append-only (migration 0006); going back before report_in drops them all the
    # same, with the guard lifted for that one statement.
    op.execute("ALTER TABLE case_event DISABLE TRIGGER refuse_change")
    op.execute("DELETE FROM case_event WHERE action = 'report_in'")
    op.execute("ALTER TABLE case_event ENABLE TRIGGER refuse_change")
    _event_kinds(EVENT_KINDS_0006)
