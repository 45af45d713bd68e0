"""A hand-built history of 40 cases, driven through the API (issue 5 §5).

Forty cases over two days in two months (Friday 27 February and Monday 2 March 2026) in both
streets of the small map, with the deadline sweeper run twice. `test_hand_built_history.py`
holds the indicators this history must give, counted by hand from the list below.

The cases (L1 = 310105001-lvhua, CG = 310105001-chengguan, L2 = 310105002-lvhua; "on time" is
the standard timeline of `_standard_loop`: every step 5–20 minutes after the one before):

Friday 27 February, street 310105001 (cases 1–17):
  1  inspector, E0102, L1: handling past its deadline at the first sweep (16:00: overdue), then
     handled 16:05 (late), verified on time, closed 16:20 (late), evaluated satisfied
  2  inspector, E0102, L1: overdue at the first sweep, then an extension to 9 March approved;
     still handling at the end (overdue once, no longer overdue-unhandled)
  3  inspector, E0102, L1: on time, evaluated satisfied
  4  inspector, E0102, L1: on time, evaluated basically satisfied
  5  inspector, E0104, L1 (south grid): on time, evaluated dissatisfied, not solved
  6  inspector, E0102, L1: on time, closed, not evaluated
  7  inspector, E0102: rejected
  8  inspector, E0102: filed only (register overdue at the last sweep)
  9  inspector, E0102, L1: registered late (14:00), then on time, evaluated satisfied
  10 inspector, E0102, returned by L1, dispatched to CG: on time, evaluated satisfied
  11 inspector, E0102, returned by L1, not dispatched again (dispatch overdue at the last sweep)
  12 inspector, E0102, L1: failed check, rework, handled again, passed, closed, basically
     satisfied
  13 inspector, E0104, L1 (south grid): suspended, still suspended
  14 12345, E0102, L1: on time, evaluated satisfied by the hotline (the reporter)
  15 12345, E0102, L1: on time, follow-up: dissatisfied, not contacted, not solved
  16 inspector, E0104, L1 (south grid): handled on time, never checked (verify and close
     overdue at the last sweep)
  17 inspector, E0102, L1: checked late (14:00), closed on time, evaluated satisfied
Friday 27 February, street 310105002 (cases 18–21):
  18 inspector, E0102, L2: on time, evaluated satisfied
  19 inspector, E0102, L2: dispatched, never accepted (overdue and unhandled at the last sweep)
  20 12345, E0102, L2: dispatched late (14:00), then on time, basically satisfied (hotline)
  21 inspector, E0104, L2: suspended 10:25–14:00, resumed, handled 14:30 on time, closed
Monday 2 March, street 310105001 (cases 22–32):
  22 inspector, E0102, L1: on time, evaluated satisfied
  23 inspector, E0102, L1: on time, satisfied, not contacted
  24 inspector, E0104, L1 (south grid): on time, basically satisfied
  25 inspector, E0104, L1 (south grid): accepted, never handled (overdue, unhandled)
  26 inspector, E0102, L1: handled the next day (late), closed late, dissatisfied
  27 inspector, E0102: rejected
  28 12345, E0102: filed only (register overdue at the last sweep)
  29 inspector, E0102, L1: suspended, still suspended
  30 inspector, E0102, L1: extension to Tuesday 17:00 approved, handled Tuesday 10:00 (on
     time), closed on time, satisfied
  31 inspector, E0102, dispatched straight to CG: on time, satisfied
  32 inspector, E0104, L1 (south grid): failed check, rework, handled again, not checked
     (verify and close overdue at the last sweep)
Monday 2 March, street 310105002 (cases 33–40):
  33 inspector, E0102, L2: on time, satisfied
  34 inspector, E0102, L2: on time, basically satisfied, not solved
  35 inspector, E0104: registered, never dispatched (dispatch overdue at the last sweep)
  36 12345, E0102, L2: on time, dissatisfied (the hotline)
  37 inspector, E0102, returned by L2, dispatched to L2 again: on time, closed
  38 inspector, E0102, L2: suspended, still suspended
  39 inspector, E0102, L2: failed check twice, two reworks, passed, closed, satisfied
  40 12345, E0104: rejected
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from gridloop.cases.sweeper import SweepResult
from tests.factories.cases import (
    IN_A001,
    IN_A003,
    IN_B001,
    SHANGHAI,
    World,
    act,
    file_case,
    image,
    ok,
    upload,
)

D1 = datetime(2026, 2, 27, 10, 0, tzinfo=SHANGHAI)  # a Friday, a working day
D2 = datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)  # the Monday after, in March
FIRST_SWEEP = D1 + timedelta(hours=6)  # Friday 16:00: cases 1 and 2 are past 15:10
LAST_SWEEP = datetime(2026, 3, 4, 12, 0, tzinfo=SHANGHAI)  # every open deadline is missed
S1, S2 = "310105001", "310105002"
L1, CG, L2 = "310105001-lvhua", "310105001-chengguan", "310105002-lvhua"
LIAISON = {L1: "lia1", CG: "lia1cg", L2: "lia2"}

# ----------------------------------------------------------------------------- driving a case


@dataclass
class Case:
    """One case of the history; each step sets the clock to `base` + its minute first."""

    world: World
    case_id: int
    base: datetime
    dispatcher: str
    inspector: str  # who checks: an inspector of the case's grid
    office: str  # the lead office now

    def do(self, minute: int, action: str, who: str, body: dict[str, Any] | None = None) -> None:
        self.world.clock.now = self.base + timedelta(minutes=minute)
        ok(act(self.world, self.case_id, action, who, body))

    def photo(self, minute: int, step: str, who: str) -> None:
        self.world.clock.now = self.base + timedelta(minutes=minute)
        response = upload(self.world, self.case_id, step, who, (f"{step}.jpg", image()))
        assert response.status_code == 201, response.text

    def register(self, minute: int) -> None:
        self.do(minute, "register", self.dispatcher)

    def reject(self, minute: int) -> None:
        self.do(minute, "reject", self.dispatcher, {"reason": "out_of_scope"})

    def dispatch(self, minute: int, office: str | None = None) -> None:
        body = None if office is None else {"office_code": office, "override_reason": "改派"}
        self.office = office or self.office
        self.do(minute, "dispatch", self.dispatcher, body)

    def accept(self, minute: int) -> None:
        self.do(minute, "accept", LIAISON[self.office])

    def give_back(self, minute: int) -> None:
        self.do(minute, "return", LIAISON[self.office], {"reason": "不属本单位 / not ours"})

    def handled(self, minute: int) -> None:
        self.photo(minute, "after", LIAISON[self.office])
        self.do(minute, "report_handled", LIAISON[self.office], {"result": "已处置"})

    def verify(self, minute: int, *, passed: bool = True) -> None:
        self.photo(minute, "verification", self.inspector)
        self.do(minute, "verify", self.inspector, {"passed": passed})

    def rework(self, minute: int) -> None:
        self.do(minute, "rework", self.dispatcher, {"reason": "未处置到位 / not done"})

    def close(self, minute: int) -> None:
        self.do(minute, "close", self.dispatcher)

    def evaluate(self, minute: int, satisfaction: str, who: str = "aud", **flags: bool) -> None:
        self.do(minute, "evaluate", who, {"satisfaction": satisfaction, **flags})

    def suspend(self, minute: int) -> None:
        self.do(minute, "request_suspension", LIAISON[self.office], {"reason": "待拆违 / waits"})
        self.do(minute + 5, "approve_suspension", self.dispatcher)

    def resume(self, minute: int) -> None:
        self.do(minute, "resume", self.dispatcher)

    def extend(self, minute: int, until: datetime) -> None:
        body = {"until": until.isoformat(), "reason": "需协调 / needs coordination"}
        self.do(minute, "request_extension", LIAISON[self.office], body)
        self.do(minute + 5, "approve_extension", self.dispatcher)


WHERE = {
    "A001": (IN_A001, "ins1", "disp1", L1),
    "A003": (IN_A003, "ins1south", "disp1", L1),
    "B001": (IN_B001, "ins2", "disp2", L2),
}


def new_case(world: World, base: datetime, where: str, item: str, filer: str = "") -> Case:
    """A case filed at `base` in grid `where`, by its inspector or by `filer` (the hotline)."""
    lon_lat, inspector, dispatcher, office = WHERE[where]
    world.clock.now = base
    case_id = int(file_case(world, filer or inspector, lon_lat, item=item)["case_id"])
    return Case(world, case_id, base, dispatcher, inspector, office)


def to_handling(case: Case) -> Case:
    case.register(5)
    case.dispatch(10)
    case.accept(15)
    return case


def standard_loop(case: Case) -> Case:
    """On time all round: registered 10:05, dispatched 10:10, accepted 10:15, handled 10:30,
    checked 10:40, closed 10:50 (20 minutes of handling)."""
    to_handling(case)
    case.handled(30)
    case.verify(40)
    case.close(50)
    return case


# ----------------------------------------------------------------------------- the history


def build_history(world: World, sweep: Callable[[datetime], SweepResult]) -> list[Case]:
    """The 40 cases in order (case n is item n − 1), after both sweeps."""
    cases: list[Case] = []

    def new(base: datetime, where: str, item: str = "E0102", filer: str = "") -> Case:
        case = new_case(world, base, where, item, filer)
        cases.append(case)
        return case

    # Cases 1 and 2 first: at the first sweep they are the only cases, both past 15:10.
    one = to_handling(new(D1, "A001"))
    two = to_handling(new(D1, "A001"))
    first = sweep(FIRST_SWEEP)
    assert sorted(first.overdue) == [(one.case_id, "handle"), (two.case_id, "handle")]
    one.handled(365)  # 16:05
    one.verify(370)
    one.close(380)  # after 15:40, the closing deadline
    one.evaluate(390, "satisfied")
    two.extend(380, datetime(2026, 3, 9, 17, 0, tzinfo=SHANGHAI))

    standard_loop(new(D1, "A001")).evaluate(60, "satisfied")  # 3
    standard_loop(new(D1, "A001")).evaluate(60, "basically_satisfied")  # 4
    standard_loop(new(D1, "A003", "E0104")).evaluate(60, "dissatisfied", solved=False)  # 5
    standard_loop(new(D1, "A001"))  # 6
    new(D1, "A001").reject(5)  # 7
    new(D1, "A001")  # 8
    nine = new(D1, "A001")
    nine.register(240)  # 14:00, due 11:00
    nine.dispatch(245)
    nine.accept(250)
    nine.handled(270)
    nine.verify(280)
    nine.close(290)
    nine.evaluate(300, "satisfied")
    ten = new(D1, "A001")
    ten.register(5)
    ten.dispatch(10)
    ten.give_back(15)
    ten.dispatch(20, CG)  # 10:20, before the dispatch deadline 11:05
    ten.accept(25)
    ten.handled(40)
    ten.verify(50)
    ten.close(60)
    ten.evaluate(70, "satisfied")
    eleven = new(D1, "A001")
    eleven.register(5)
    eleven.dispatch(10)
    eleven.give_back(15)
    twelve = to_handling(new(D1, "A001"))
    twelve.handled(30)
    twelve.verify(40, passed=False)
    twelve.rework(45)
    twelve.handled(60)  # 50 minutes after the dispatch
    twelve.verify(70)
    twelve.close(80)
    twelve.evaluate(90, "basically_satisfied")
    to_handling(new(D1, "A003", "E0104")).suspend(20)  # 13
    standard_loop(new(D1, "A001", filer="hotline")).evaluate(60, "satisfied", "hotline")  # 14
    fifteen = standard_loop(new(D1, "A001", filer="hotline"))
    fifteen.evaluate(60, "dissatisfied", contacted=False, solved=False)
    to_handling(new(D1, "A003", "E0104")).handled(30)  # 16
    seventeen = to_handling(new(D1, "A001"))
    seventeen.handled(30)
    seventeen.verify(240)  # 14:00, due 11:00
    seventeen.close(250)  # before 15:40
    seventeen.evaluate(260, "satisfied")

    standard_loop(new(D1, "B001")).evaluate(60, "satisfied")  # 18
    nineteen = new(D1, "B001")  # 19
    nineteen.register(5)
    nineteen.dispatch(10)
    twenty = new(D1, "B001", filer="hotline")
    twenty.register(5)
    twenty.dispatch(240)  # 14:00, due 11:05
    twenty.accept(245)
    twenty.handled(270)  # 30 minutes after the dispatch
    twenty.verify(280)
    twenty.close(290)
    twenty.evaluate(300, "basically_satisfied", "hotline")
    twenty_one = to_handling(new(D1, "B001", "E0104"))
    twenty_one.suspend(20)  # approved 10:25
    twenty_one.resume(240)  # 14:00: the 13:10 deadline moves to 15:45
    twenty_one.handled(270)  # 14:30, 260 minutes after the dispatch
    twenty_one.verify(280)
    twenty_one.close(290)

    standard_loop(new(D2, "A001")).evaluate(60, "satisfied")  # 22
    standard_loop(new(D2, "A001")).evaluate(60, "satisfied", contacted=False)  # 23
    standard_loop(new(D2, "A003", "E0104")).evaluate(60, "basically_satisfied")  # 24
    to_handling(new(D2, "A003", "E0104"))  # 25
    twenty_six = to_handling(new(D2, "A001"))
    twenty_six.handled(24 * 60)  # Tuesday 10:00, 1430 minutes after the dispatch
    twenty_six.verify(24 * 60 + 10)
    twenty_six.close(24 * 60 + 20)
    twenty_six.evaluate(24 * 60 + 30, "dissatisfied")
    new(D2, "A001").reject(5)  # 27
    new(D2, "A001", filer="hotline")  # 28
    to_handling(new(D2, "A001")).suspend(20)  # 29
    thirty = to_handling(new(D2, "A001"))
    thirty.extend(20, datetime(2026, 3, 3, 17, 0, tzinfo=SHANGHAI))
    thirty.handled(24 * 60)  # Tuesday 10:00, within the extension
    thirty.verify(24 * 60 + 10)
    thirty.close(24 * 60 + 20)
    thirty.evaluate(24 * 60 + 30, "satisfied")
    thirty_one = new(D2, "A001")
    thirty_one.register(5)
    thirty_one.dispatch(10, CG)
    thirty_one.accept(15)
    thirty_one.handled(30)
    thirty_one.verify(40)
    thirty_one.close(50)
    thirty_one.evaluate(60, "satisfied")
    thirty_two = to_handling(new(D2, "A003", "E0104"))
    thirty_two.handled(30)
    thirty_two.verify(40, passed=False)
    thirty_two.rework(45)
    thirty_two.handled(60)  # 50 minutes after the dispatch

    standard_loop(new(D2, "B001")).evaluate(60, "satisfied")  # 33
    standard_loop(new(D2, "B001")).evaluate(60, "basically_satisfied", solved=False)  # 34
    new(D2, "B001", "E0104").register(5)  # 35
    standard_loop(new(D2, "B001", filer="hotline")).evaluate(60, "dissatisfied", "hotline")  # 36
    thirty_seven = new(D2, "B001")
    thirty_seven.register(5)
    thirty_seven.dispatch(10)
    thirty_seven.give_back(15)
    thirty_seven.dispatch(20)
    thirty_seven.accept(25)
    thirty_seven.handled(40)
    thirty_seven.verify(50)
    thirty_seven.close(60)
    to_handling(new(D2, "B001")).suspend(20)  # 38
    thirty_nine = to_handling(new(D2, "B001"))
    thirty_nine.handled(30)
    thirty_nine.verify(40, passed=False)
    thirty_nine.rework(45)
    thirty_nine.handled(60)
    thirty_nine.verify(70, passed=False)
    thirty_nine.rework(75)
    thirty_nine.handled(90)  # 80 minutes after the dispatch
    thirty_nine.verify(100)
    thirty_nine.close(110)
    thirty_nine.evaluate(120, "satisfied")
    new(D2, "B001", "E0104", filer="hotline").reject(5)  # 40

    assert len(cases) == 40
    last = sweep(LAST_SWEEP)
    by_case = {cases.index(case) + 1: case.case_id for case in cases}
    # Open with a running deadline: 8, 28 (register), 11, 35 (dispatch), 19, 25 (handle),
    # 16, 32 (verify and close); case 2's extended deadline and the suspended cases are not due.
    assert sorted(last.overdue) == sorted(
        [(by_case[n], "register") for n in (8, 28)]
        + [(by_case[n], "dispatch") for n in (11, 35)]
        + [(by_case[n], "handle") for n in (19, 25)]
        + [(by_case[n], deadline) for n in (16, 32) for deadline in ("verify", "close")]
    )
    return cases
