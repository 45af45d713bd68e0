"""`gridloop rollups rebuild`, run as a command on the hand-built history."""

from __future__ import annotations

from sqlalchemy import text

from tests.factories.reports import History, rollups
from tests.integration.test_cli import gridloop


def test_rollups_rebuild_recomputes_the_rollups_from_the_events(history: History) -> None:
    with history.engine.begin() as connection:
        kept = rollups(connection)
        # Lost: the command has only the events to recompute them from.
        connection.execute(text("TRUNCATE case_fact, case_rollup, case_rollup_month"))

    result = gridloop(history.url, "rollups", "rebuild")

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("40 cases recomputed in ")
    with history.engine.connect() as connection:
        assert rollups(connection) == kept
