"""Report rollups: the counting facts of each case and their daily sums (DOMAIN.md §5).

The database keeps both (migration 0008): the SQL function `gridloop_case_facts(first, last)`
(`case_facts.sql`) computes the facts of a range of cases from the cases and their events (the
view `case_fact_source` is all of them); a deferred trigger on `case_event` refreshes
`case_fact` and adds the difference to `case_rollup` and its monthly sums `case_rollup_month`
(migration 0009) in the transaction that appended the event. Reports read only the rollups;
`gridloop rollups rebuild` recomputes them and the facts with the same function.

A case is counted on the local day it was reported (its cohort), in the groups it is in now:
as it moves on, its counters move within that day's rows.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, Date, ForeignKey, Index, Integer, Text
from sqlalchemy.orm import Mapped, MappedColumn, mapped_column

from gridloop.db import Base
from gridloop.reports.facts import COUNTERS as COUNTERS
from gridloop.reports.facts import DEFINITIONS, Counter


class GroupKind(StrEnum):
    """What a rollup row is grouped by; its `key` is the code or id of that group."""

    STREET = "street"
    COMMUNITY = "community"
    RESPONSIBILITY_GRID = "responsibility_grid"
    UNIT_GRID = "unit_grid"
    OFFICE = "office"
    ITEM = "item"
    SOURCE = "source"
    INSPECTOR = "inspector"


def _counter(counter: Counter) -> MappedColumn[int]:
    return mapped_column(BigInteger if counter.big else Integer, nullable=False)


class _Counters:
    """The counter columns shared by a case's facts and the rollup rows: one per counter of
    `facts.DEFINITIONS`, in its order (set below)."""


for _definition in DEFINITIONS:
    setattr(_Counters, _definition.name, _counter(_definition))


class CaseFact(_Counters, Base):
    """The counting facts of one case as last computed from its events."""

    __tablename__ = "case_fact"

    case_id: Mapped[int] = mapped_column(ForeignKey("grid_case.case_id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    street_code: Mapped[str] = mapped_column(Text)
    community_code: Mapped[str] = mapped_column(Text)
    unit_grid_code: Mapped[str] = mapped_column(Text)
    responsibility_grid_code: Mapped[str | None] = mapped_column(Text)
    office_id: Mapped[int | None] = mapped_column(Integer)
    item_code: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)
    inspector_user_id: Mapped[int | None] = mapped_column(Integer)


def _rollup_table_args(table: str, period: str) -> tuple[Any, ...]:
    """The constraints of a rollup table whose rows are summed per `period` (a date column).

    The key is the unique index, null groups included (no primary key: a key column may be
    null). Counters change in place: room on the page keeps the updates HOT.
    """
    return (
        CheckConstraint(
            f"kind IN ({', '.join(repr(kind.value) for kind in GroupKind)})", name="kind_known"
        ),
        Index(
            f"ix_{table}_key",
            "kind",
            "key",
            period,
            "street_code",
            "office_id",
            unique=True,
            postgresql_nulls_not_distinct=True,
        ),
        Index(f"ix_{table}_kind_street_code_{period}", "kind", "street_code", period),
        Index(f"ix_{table}_kind_office_id_{period}", "kind", "office_id", period),
        Index(f"ix_{table}_kind_{period}", "kind", period),
        {"postgresql_with": {"fillfactor": 80}},
    )


class _RollupGroup(_Counters):
    """A rollup row's group: its kind and key, street and office (the scopes of dispatchers and
    liaisons)."""

    kind: Mapped[str] = mapped_column(Text)
    key: Mapped[str | None] = mapped_column(Text)
    street_code: Mapped[str] = mapped_column(Text)
    office_id: Mapped[int | None] = mapped_column(Integer)


class CaseRollup(_RollupGroup, Base):
    """The sums of the counters of the cases reported on one day, for one group."""

    __tablename__ = "case_rollup"
    __table_args__ = _rollup_table_args(__tablename__, "day")
    # The mapper needs a primary key: the unique key of the table.
    __mapper_args__ = {  # noqa: RUF012
        "primary_key": ["kind", "key", "day", "street_code", "office_id"]
    }

    day: Mapped[date] = mapped_column(Date)


class CaseRollupMonth(_RollupGroup, Base):
    """The sums of the counters of the cases reported in one calendar month (`month` is its
    first day), for one group: the daily rows of the month summed (migration 0009)."""

    __tablename__ = "case_rollup_month"
    __table_args__ = _rollup_table_args(__tablename__, "month")
    __mapper_args__ = {  # noqa: RUF012
        "primary_key": ["kind", "key", "month", "street_code", "office_id"]
    }

    month: Mapped[date] = mapped_column(Date)
