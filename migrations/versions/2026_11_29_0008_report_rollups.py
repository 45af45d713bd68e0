"""Report rollups: each case's counting facts and their daily sums, kept by the database.

`gridloop_case_facts(first, last)` (`gridloop/reports/case_facts.sql`) computes one row per case
of an id range from the case and its events: the case's groups (street, grids, office, item,
source, reporting inspector), the local day it was reported on (in the zone of
`gridloop_report_zone()`), and its counters (立案, 派遣, 处置, 超期未处置, 返工 …; DOMAIN.md
§5); the view `case_fact_source` is all of them. `case_fact` holds the last computed row of
every case; `case_rollup` holds, per group kind and key, local day, street and office, the sums
of the counters.

A deferred trigger on `case_event` refreshes the case's fact at commit — in the transaction
that appended the event — and adds the difference to the rollup rows of the old and the new
groups in one ordered statement. `gridloop_rebuild_rollups()` recomputes both tables batch by
batch of case ids with the same function, so the two paths agree by construction (and a test
checks it).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29
"""

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from alembic import op

from gridloop.config import get_settings
from gridloop.reports import facts

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The counters are the package's: what each one means is `gridloop/reports/case_facts.sql`, which
# this migration installs as it stands (a test holds the migrated function to the file; a change
# to the file comes with a migration that installs it again). The local day of a case is in the
# zone of the setting GRIDLOOP_TIMEZONE, fixed in `gridloop_report_zone()` at install time.
COUNTERS = facts.COUNTERS

# The group kinds of the rollup and the fact column each one is keyed by.
KINDS: tuple[tuple[str, str], ...] = (
    ("street", "street_code"),
    ("community", "community_code"),
    ("responsibility_grid", "responsibility_grid_code"),
    ("unit_grid", "unit_grid_code"),
    ("office", "office_id::text"),
    ("item", "item_code"),
    ("source", "source"),
    ("inspector", "inspector_user_id::text"),
)

# Every case's facts, for reading and checking.
FACT_SOURCE_SQL = "CREATE VIEW case_fact_source AS SELECT * FROM gridloop_case_facts(1, 2147483647)"

# Cases per batch of a rebuild: each batch's events are grouped in memory.
REBUILD_BATCH = 200_000


@dataclass(frozen=True)
class Rollup:
    """A table of rollup rows: the sums of the facts per group kind and key, period, street and
    office; a period is the value of `period_sql` for a fact row `f`, in column `period`."""

    table: str
    period: str
    period_sql: str

    @property
    def key(self) -> tuple[str, ...]:
        return ("kind", "key", self.period, "street_code", "office_id")


DAILY = Rollup("case_rollup", "day", "f.day")


def _rollup_insert(source: str, rollup: Rollup) -> str:
    """INSERT of the rollup rows of `source` (fact rows with a `sign`), added to existing rows.

    Rows are grouped and ordered by the rollup key, so concurrent transactions lock the rows
    they share in the same order.
    """
    kinds = ", ".join(f"('{kind}', f.{column})" for kind, column in KINDS)
    sums = ", ".join(f"sum(f.sign * f.{name})" for name in COUNTERS)
    nonzero = " OR ".join(f"sum(f.sign * f.{name}) <> 0" for name in COUNTERS)
    updates = ", ".join(f"{name} = r.{name} + excluded.{name}" for name in COUNTERS)
    key = ", ".join(rollup.key)
    return f"""
INSERT INTO {rollup.table} AS r ({key}, {", ".join(COUNTERS)})
SELECT k.kind, k.key, {rollup.period_sql}, f.street_code, f.office_id, {sums}
FROM ({source}) f
CROSS JOIN LATERAL (VALUES {kinds}) AS k (kind, key)
GROUP BY 1, 2, 3, 4, 5
HAVING {nonzero}
ORDER BY 1, 2, 3, 4, 5
ON CONFLICT ({key}) DO UPDATE SET {updates}
"""


FACT_COLUMNS = (*facts.FACT_KEY_COLUMNS, *COUNTERS)

# One statement: the case's facts are computed once; `prior` reads the stored row as it was
# before `stored` replaces it (the parts of a statement share one snapshot), and `change` is the
# difference each rollup table adds.
REFRESH_WITH = f"""
WITH fresh AS MATERIALIZED (SELECT * FROM gridloop_case_facts(p_case_id, p_case_id)),
prior AS MATERIALIZED (SELECT * FROM case_fact WHERE case_id = p_case_id),
stored AS (
    INSERT INTO case_fact SELECT * FROM fresh
    ON CONFLICT (case_id) DO UPDATE SET
        {", ".join(f"{name} = excluded.{name}" for name in FACT_COLUMNS[1:])}
),
change AS MATERIALIZED (
    SELECT 1 AS sign, * FROM fresh UNION ALL SELECT -1 AS sign, * FROM prior
)"""


def refresh_sql(rollups: Sequence[Rollup]) -> str:
    """The function that refreshes one case's fact and adds the change to `rollups`."""
    *first, last = rollups
    inserts = "".join(
        f",\nrollup_{number} AS ({_rollup_insert('SELECT * FROM change', rollup)})"
        for number, rollup in enumerate(first, start=1)
    )
    return f"""
CREATE OR REPLACE FUNCTION gridloop_refresh_case_fact(p_case_id integer) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    {REFRESH_WITH}{inserts}
    {_rollup_insert("SELECT * FROM change", last)};
END
$$
"""


TRIGGER_FUNCTION_SQL = """
CREATE FUNCTION gridloop_case_event_rollup() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM gridloop_refresh_case_fact(NEW.case_id);
    RETURN NULL;
END
$$
"""


def rebuild_sql(rollups: Sequence[Rollup]) -> str:
    """The function that recomputes every case's fact and `rollups` from the events."""
    batch = "SELECT 1 AS sign, * FROM case_fact WHERE case_id BETWEEN low AND batch_end"
    inserts = "".join(f"{_rollup_insert(batch, rollup)};" for rollup in rollups)
    return f"""
CREATE OR REPLACE FUNCTION gridloop_rebuild_rollups() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    cases bigint := 0;
    batch_cases bigint;
    low bigint;
    high bigint;
    batch_end bigint;
BEGIN
    -- New events wait until the rebuild commits; their triggers then see the rebuilt tables.
    LOCK TABLE case_event IN SHARE MODE;
    -- Room to group a batch's events and rollup rows in memory.
    PERFORM set_config('work_mem', '256MB', true);
    TRUNCATE case_fact, {", ".join(rollup.table for rollup in rollups)};
    SELECT min(case_id), max(case_id) INTO low, high FROM grid_case;
    WHILE low <= high LOOP
        batch_end := low + {REBUILD_BATCH - 1};
        INSERT INTO case_fact SELECT * FROM gridloop_case_facts(low, batch_end);
        GET DIAGNOSTICS batch_cases = ROW_COUNT;
        cases := cases + batch_cases;
        {inserts}
        low := low + {REBUILD_BATCH};
    END LOOP;
    RETURN cases;
END
$$
"""


def _counter_columns() -> list[sa.Column[int]]:
    return [
        sa.Column(counter.name, sa.BigInteger if counter.big else sa.Integer, nullable=False)
        for counter in facts.DEFINITIONS
    ]


def create_rollup_table(rollup: Rollup) -> None:
    """The table of `rollup` and its indexes: its key, unique with null groups included (no
    primary key: a key column may be null), and the reads by kind, street or office and period."""
    table, period = rollup.table, rollup.period
    op.create_table(
        table,
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("key", sa.Text),
        sa.Column(period, sa.Date, nullable=False),
        sa.Column("street_code", sa.Text, nullable=False),
        sa.Column("office_id", sa.Integer),
        *_counter_columns(),
        sa.CheckConstraint(
            f"kind IN ({', '.join(repr(kind) for kind, _ in KINDS)})",
            name=op.f(f"ck_{table}_kind_known"),
        ),
        # Counters change in place: room on the page keeps the updates HOT.
        postgresql_with={"fillfactor": 80},
    )
    op.create_index(
        f"ix_{table}_key", table, list(rollup.key), unique=True, postgresql_nulls_not_distinct=True
    )
    op.create_index(f"ix_{table}_kind_street_code_{period}", table, ["kind", "street_code", period])
    op.create_index(f"ix_{table}_kind_office_id_{period}", table, ["kind", "office_id", period])
    op.create_index(f"ix_{table}_kind_{period}", table, ["kind", period])


def upgrade() -> None:
    op.create_index("ix_case_office_case_id_role", "case_office", ["case_id", "role"])
    op.create_table(
        "case_fact",
        sa.Column(
            "case_id",
            sa.Integer,
            sa.ForeignKey("grid_case.case_id", name=op.f("fk_case_fact_case_id_grid_case")),
            primary_key=True,
        ),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("street_code", sa.Text, nullable=False),
        sa.Column("community_code", sa.Text, nullable=False),
        sa.Column("unit_grid_code", sa.Text, nullable=False),
        sa.Column("responsibility_grid_code", sa.Text),
        sa.Column("office_id", sa.Integer),
        sa.Column("item_code", sa.Text),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("inspector_user_id", sa.Integer),
        *_counter_columns(),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_case_fact")),
    )
    create_rollup_table(DAILY)
    op.execute(facts.zone_function_sql(get_settings().timezone))
    op.execute(facts.install_sql())
    op.execute(FACT_SOURCE_SQL)
    op.execute(refresh_sql([DAILY]))
    op.execute(TRIGGER_FUNCTION_SQL)
    op.execute(rebuild_sql([DAILY]))
    op.execute(
        "CREATE CONSTRAINT TRIGGER refresh_rollups AFTER INSERT ON case_event "
        "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION gridloop_case_event_rollup()"
    )
    op.execute("SELECT gridloop_rebuild_rollups()")


def downgrade() -> None:
    op.execute("DROP TRIGGER refresh_rollups ON case_event")
    op.execute("DROP FUNCTION gridloop_rebuild_rollups()")
    op.execute("DROP FUNCTION gridloop_case_event_rollup()")
    op.execute("DROP FUNCTION gridloop_refresh_case_fact(integer)")
    op.execute("DROP VIEW case_fact_source")
    op.execute("DROP FUNCTION gridloop_case_facts(bigint, bigint)")
    op.execute("DROP FUNCTION gridloop_report_zone()")
    op.drop_table("case_rollup")
    op.drop_table("case_fact")
    op.drop_index("ix_case_office_case_id_role", "case_office")
