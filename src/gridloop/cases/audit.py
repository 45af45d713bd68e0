"""Checks of the stored history: every case's status is the replay of its events.

The events are the evidence (考核 rests on them); `gridloop check events` runs this over every
case and exits 1 on any mismatch (after a crash, a restore, a hand-made fix in SQL).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from gridloop.cases import repository, workflow
from gridloop.cases.workflow import Action


@dataclass(frozen=True)
class Mismatch:
    case_id: int
    status: str
    problem: str

    def __str__(self) -> str:
        return f"case {self.case_id} ({self.status}): {self.problem}"


@dataclass(frozen=True)
class EventCheck:
    cases: int
    mismatches: list[Mismatch]


def check_events(session: Session) -> EventCheck:
    """Replay each case's events with the workflow table and compare with the case."""
    mismatches: list[Mismatch] = []
    cases = 0
    for row in repository.histories(session):
        cases += 1
        actions: list[str] = list(row.actions or [])
        try:
            replayed = workflow.replay(actions)
        except workflow.ReplayError as exc:
            mismatches.append(Mismatch(row.case_id, row.status, str(exc)))
            continue
        if replayed != row.status:
            mismatches.append(Mismatch(row.case_id, row.status, f"the events replay to {replayed}"))
        reworks = actions.count(Action.REWORK.value)
        if reworks != row.rework_count:
            mismatches.append(
                Mismatch(
                    row.case_id,
                    row.status,
                    f"rework_count is {row.rework_count}, the events hold {reworks} reworks",
                )
            )
    return EventCheck(cases=cases, mismatches=mismatches)
