"""Rollups equal a recomputation from the events, over random histories (issue 5 §5).

Random steps over a few cases through the API — file, an action the case's status allows by the
person who would take it (refused when a need is unmet), the clock moving on, the deadline
sweeper — then:

- every case's kept facts (`case_fact`) are what the view computes from its events now;
- the rollups kept event by event (rows with a case in them) are what
  `gridloop_rebuild_rollups()` computes from scratch, and the rows left empty are all zero;
- the monthly rollups are the daily ones summed per month;
- after every step, each case's counters are consistent: a numerator flag is never set without
  its denominator's (so no rate can pass 100 %).

The rebuild runs in a savepoint that is rolled back: later examples keep adding to the rollups
the events kept, never to a rebuilt state.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.orm import Session

from gridloop.cases import sweeper, workflow
from gridloop.cases.workflow import Status
from gridloop.org import service as org_service
from gridloop.reports.models import COUNTERS
from tests.factories.cases import IN_A001, IN_B001, T0, World, file_case, image, to_handling, upload
from tests.factories.reports import rollups
from tests.integration.small_map import EAST, NORTH, SOUTH, WEST, box

# Where a case is filed and by whom; its street's dispatcher and inspector.
PLACES = (
    (IN_A001, "ins1", "disp1", "ins1"),
    (IN_A001, "hotline", "disp1", "ins1"),
    (IN_B001, "ins2", "disp2", "ins2"),
)
LIAISON = {"310105001-lvhua": "lia1", "310105001-chengguan": "lia1cg", "310105002-lvhua": "lia2"}
DISPATCHER_ACTIONS = (
    "register",
    "reject",
    "dispatch",
    "whistle",
    "approve_extension",
    "deny_extension",
    "approve_suspension",
    "deny_suspension",
    "resume",
    "close",
    "rework",
)
LIAISON_ACTIONS = ("accept", "return", "request_extension", "request_suspension", "report_handled")
ACTIONS = (*DISPATCHER_ACTIONS, *LIAISON_ACTIONS, "verify", "evaluate")
SATISFACTION = ("satisfied", "basically_satisfied", "dissatisfied")

# Acting is what gets a case round the loop: most steps act.
KINDS = ("act",) * 6 + ("file", "wait", "wait", "sweep")
# A step: its kind, which case, which action (an index into those the status allows) or which
# place, a choice for the body or the actor, and the minutes a wait takes.
step = st.tuples(
    st.sampled_from(KINDS),
    st.integers(0, 7),
    st.integers(0, 11),
    st.integers(0, 5),
    st.integers(1, 16 * 60),
)


class Walk:
    """Takes the steps on the world; which case is whose is remembered here."""

    def __init__(self, world: World, session: Session) -> None:
        self.world = world
        self.session = session
        self.cases: list[tuple[int, int]] = []  # (case id, place)

    def take(self, move: tuple[str, int, int, int, int]) -> None:
        kind, pick, index, choice, minutes = move
        if kind == "file":
            lon_lat, filer, _, _ = PLACES[index % len(PLACES)]
            case_id = int(file_case(self.world, filer, lon_lat)["case_id"])
            self.cases.append((case_id, index % len(PLACES)))
        elif kind == "act" and self.cases:
            self.act(*self.cases[pick % len(self.cases)], index, choice)
        elif kind == "wait":
            self.world.clock.now += timedelta(minutes=minutes)
        elif kind == "sweep":
            sweeper.sweep(self.session, now=self.world.clock.now)

    def act(self, case_id: int, place: int, index: int, choice: int) -> None:
        """An action the case's status allows, by the person who would take it."""
        world = self.world
        lon_lat, filer, dispatcher, inspector = PLACES[place]
        response = world.client.get(f"/cases/{case_id}", headers=world["aud"])
        case = response.json()
        allowed = [
            action.value
            for action in workflow.actions_from(Status(case["status"]))
            if action.value in ACTIONS
        ]
        if not allowed:
            return
        action = forward(case) if index < FORWARD_SHARE else allowed[index % len(allowed)]
        lead = [office["office_code"] for office in case["offices"] if office["role"] == "lead"]
        if action in DISPATCHER_ACTIONS:
            who = dispatcher
        elif action in LIAISON_ACTIONS:
            if not lead:
                return
            who = LIAISON[lead[0]]
        elif action == "verify":
            who = inspector
        else:
            who = (filer, "aud")[choice % 2]
        if action in ("report_handled", "verify"):
            step = "after" if action == "report_handled" else "verification"
            upload(world, case_id, step, who, (f"{step}.jpg", image()))
        headers = {**world[who], "If-Match": response.headers["etag"]}
        reply = world.client.post(
            f"/cases/{case_id}/actions/{action}",
            json=body(action, case, choice, street=lon_lat == IN_A001, now=world.clock.now),
            headers=headers,
        )
        assert reply.status_code < 500, reply.text


# Of the 12 action indexes, this many take the case a step further round the loop.
FORWARD_SHARE = 7


def forward(case: dict[str, Any]) -> str:
    """The action that takes the case further round the loop (or back, after a failed check)."""
    if case["status"] == "handling" and case["pending_request"] is not None:
        return f"approve_{case['pending_request']}"
    if case["status"] == "handled":
        verification = case["verification"]
        return (
            "verify"
            if verification is None
            else ("close" if verification == "passed" else "rework")
        )
    return {
        "reported": "register",
        "registered": "dispatch",
        "dispatched": "accept",
        "handling": "report_handled",
        "suspended": "resume",
        "closed": "evaluate",
    }[case["status"]]


def body(action: str, case: dict[str, Any], choice: int, *, street: bool, now: datetime) -> Any:
    reason = {"reason": "随机 / random"}
    match action:
        case "reject":
            return {"reason": "out_of_scope"}
        case "dispatch" if choice % 2 and street:
            return {"office_code": "310105001-chengguan", "override_reason": "改派"}
        case "whistle":
            return {"office_codes": ["310105001-lvhua", "310105001-chengguan"]}
        case "request_extension":
            due = case["handle_due_at"]
            until = (datetime.fromisoformat(due) if due else now) + timedelta(days=1)
            return {"until": until.isoformat(), **reason}
        case "report_handled":
            return {"result": "已处置"}
        case "verify":
            return {"passed": choice % 3 != 0}
        case "evaluate":
            return {
                "satisfaction": SATISFACTION[choice % 3],
                "contacted": choice != 4,
                "solved": choice < 4,
            }
        case "return" | "request_suspension" | "rework" | "deny_extension" | "deny_suspension":
            return reason
    return {}


# A case whose counters break one of these would let a rate pass 100 % (or a sum disagree).
INCONSISTENT = """
SELECT case_id FROM case_fact
WHERE NOT (
    registered_on_time <= registered AND registered <= reported
    AND voided <= registered AND suspended <= registered
    AND dispatched_on_time <= dispatched AND misdispatched <= dispatched
    AND dispatched <= registered - voided - suspended
    AND handled_on_time <= handled AND handled <= should_handle
    AND overdue_unhandled <= should_handle - handled
    AND closed_on_time <= closed AND closed <= handled
    AND satisfied + basically_satisfied + dissatisfied = evaluated AND evaluated <= closed
    AND contacted <= evaluated AND solved <= evaluated
    AND verified_on_time <= verify_due AND by_inspector <= reported
)
"""


# The daily rows summed per month, in the shape and order of the monthly rows of `rollups`.
DAYS_BY_MONTH = text(
    "SELECT 'month' AS period, date_trunc('month', day)::date AS day, kind, key, street_code,"
    f" office_id, {', '.join(f'sum({name})' for name in COUNTERS)} FROM case_rollup"
    " GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(reported) <> 0 ORDER BY kind, key, day, street_code,"
    " office_id"
)


def check_rollups(session: Session) -> None:
    """The kept rollups and facts against a rebuild from the events (rolled back) and the view;
    the monthly rows against the daily ones."""
    kept_rows, kept_facts = rollups(session)
    nonzero = " OR ".join(f"{name} <> 0" for name in COUNTERS)
    left_over = " + ".join(
        f"(SELECT count(*) FROM {table} WHERE reported = 0 AND ({nonzero}))"
        for table in ("case_rollup", "case_rollup_month")
    )
    savepoint = session.begin_nested()
    cases = session.execute(text("SELECT gridloop_rebuild_rollups()")).scalar_one()
    rebuilt_rows, _ = rollups(session)
    savepoint.rollback()

    assert cases == session.execute(text("SELECT count(*) FROM grid_case")).scalar_one()
    assert kept_rows == rebuilt_rows
    source = session.execute(text("SELECT * FROM case_fact_source ORDER BY case_id")).all()
    assert kept_facts == source
    assert session.execute(text(f"SELECT {left_over}")).scalar_one() == 0
    kept_months = [row for row in kept_rows if row.period == "month"]
    assert kept_months == session.execute(DAYS_BY_MONTH).all()


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(step, min_size=20, max_size=50))
def test_rollups_equal_a_rebuild_from_the_events(
    world: World, session: Session, steps: list[tuple[str, int, int, int, int]]
) -> None:
    world.clock.now = T0
    walk = Walk(world, session)
    walk.take(("file", 0, 0, 0, 0))
    for move in steps:
        walk.take(move)
        # After each step: a case's counters may be consistent only while it passes through.
        assert session.execute(text(INCONSISTENT)).all() == [], move

    check_rollups(session)


def test_an_office_moved_to_another_department_takes_its_cases_along(
    world: World, session: Session
) -> None:
    to_handling(world)  # led by 310105001-lvhua, of department 310105-lvhua
    org_service.save_department(
        session,
        code="310105-shuiwu",
        name="长宁区水务",
        department_type="shuiwu",
        district_code="310105",
    )
    session.commit()
    moved = world.client.put(
        "/org/offices/310105001-lvhua",
        json={
            "name": "310105001 绿化市容所",
            "department_code": "310105-shuiwu",
            "street_code": "310105001",
            "jurisdiction": box(WEST, SOUTH, EAST, NORTH),
        },
        headers=world["adm"],
    )
    assert moved.status_code == 200, moved.text

    report = world.client.get(
        "/reports/indicators",
        params={"group_by": "department", "from": "2026-03-01", "to": "2026-03-31"},
        headers=world["aud"],
    )
    assert report.status_code == 200, report.text
    assert [(row["name"], row["counts"]["reported"]) for row in report.json()["rows"]] == [
        ("长宁区水务", 1)
    ]
    check_rollups(session)
