"""The SQL of the operations pages: read-only looks at other domains' tables."""

from __future__ import annotations

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from gridloop.cases.models import GridCase

CASES_BY_STATUS = select(GridCase.status, func.count()).group_by(GridCase.status)


def cases_by_status(session: Session, *, timeout_ms: int) -> dict[str, int]:
    """How many cases are in each status; the count gives up after `timeout_ms`."""
    # For this transaction only, like SET LOCAL, but with a bound value.
    session.execute(
        text("SELECT set_config('statement_timeout', :timeout, true)"),
        {"timeout": f"{timeout_ms}ms"},
    )
    rows = session.execute(CASES_BY_STATUS).all()
    return {row[0]: row[1] for row in rows}
