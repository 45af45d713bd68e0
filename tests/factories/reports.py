"""What the report tests read back: the rollup rows and facts, and the hand-built history."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, Row, text
from sqlalchemy.orm import Session, sessionmaker

from gridloop.reports.models import COUNTERS
from tests.factories.cases import World
from tests.integration.reports.history import Case

# The daily and monthly rollup rows with a case in them (a row all its cases left stays, all
# zeros), in key order.
_GROUP_AND_COUNTERS = f"kind, key, street_code, office_id, {', '.join(COUNTERS)}"
ROLLUP_ROWS = text(
    f"SELECT 'day' AS period, day, {_GROUP_AND_COUNTERS} FROM case_rollup WHERE reported <> 0"
    f" UNION ALL SELECT 'month', month, {_GROUP_AND_COUNTERS} FROM case_rollup_month"
    " WHERE reported <> 0 ORDER BY period, kind, key, day, street_code, office_id"
)
FACT_ROWS = text("SELECT * FROM case_fact ORDER BY case_id")


def rollups(connection: Connection | Session) -> tuple[list[Row[Any]], list[Row[Any]]]:
    """The rollup rows and the facts of every case, as they are now."""
    return list(connection.execute(ROLLUP_ROWS)), list(connection.execute(FACT_ROWS))


@dataclass
class History:
    world: World
    cases: list[Case]
    url: str
    engine: Engine
    sessions: sessionmaker[Session]

    def case(self, number: int) -> Case:
        """Case `number` of the list in `history.py` (1 to 40)."""
        return self.cases[number - 1]
