"""Monthly rollups: the daily sums of the rollups summed once more per calendar month.

`case_rollup_month` has the columns of `case_rollup` with `month` (the month's first day) in
place of `day`. The trigger adds each case's change to both tables in its one statement, and
`gridloop_rebuild_rollups()` recomputes both from the events; a report by month reads the months
a range covers whole from here, which spares it summing thirty daily rows per group and month.
The upgrade fills the table from the daily rows, which hold the same sums.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29
"""

import importlib.util
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

from alembic import op

from gridloop.reports import facts

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _revision_0008() -> ModuleType:
    """Migration 0008, whose counters, kinds and function builders this one extends."""
    path = Path(__file__).with_name("2026_11_29_0008_report_rollups.py")
    spec = importlib.util.spec_from_file_location("gridloop_migration_0008", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


rollups_0008 = _revision_0008()
DAILY = rollups_0008.DAILY
MONTHLY = rollups_0008.Rollup("case_rollup_month", "month", "date_trunc('month', f.day)::date")


def upgrade() -> None:
    # New events wait until the monthly rows are filled and the trigger keeps them.
    op.execute("LOCK TABLE case_event IN SHARE MODE")
    rollups_0008.create_rollup_table(MONTHLY)
    counters = facts.COUNTERS
    op.execute("SET LOCAL work_mem = '256MB'")
    op.execute(
        f"INSERT INTO {MONTHLY.table} ({', '.join((*MONTHLY.key, *counters))}) "
        f"SELECT f.kind, f.key, {MONTHLY.period_sql}, f.street_code, f.office_id, "
        f"{', '.join(f'sum(f.{name})' for name in counters)} "
        f"FROM {DAILY.table} AS f GROUP BY 1, 2, 3, 4, 5 "
        f"HAVING {' OR '.join(f'sum(f.{name}) <> 0' for name in counters)}"
    )
    op.execute("ANALYZE case_rollup_month")
    op.execute(rollups_0008.refresh_sql([DAILY, MONTHLY]))
    op.execute(rollups_0008.rebuild_sql([DAILY, MONTHLY]))


def downgrade() -> None:
    op.execute(rollups_0008.refresh_sql([DAILY]))
    op.execute(rollups_0008.rebuild_sql([DAILY]))
    op.drop_table("case_rollup_month")
