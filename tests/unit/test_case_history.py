"""The history generator without a database: a tiny world, a busy year, the rows it writes."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from zoneinfo import ZoneInfo

from gridloop.cases import workflow
from gridloop.cases.workflow import Status
from gridloop.synth.history import plan as history
from gridloop.synth.history.model import (
    COLUMNS,
    Chunk,
    FirstIds,
    Grid,
    Item,
    Point,
    World,
)

HOUR = 3600
ZONE = ZoneInfo("Asia/Shanghai")
END = datetime(2026, 3, 2, 15, 30, tzinfo=ZONE)
FIRST = FirstIds(case=101, event=1001, office=11, suspension=5)


def _grid(code: str, inspector: int | None) -> Grid:
    point = Point(121.4, 31.2, "0101000020E6100000", "31010500101", inspector)
    return Grid(
        code=code,
        community_code=code[:12],
        street_code=code[:9],
        district_code=code[:6],
        points=(point,) * 8,
        lead_office={"lvhua": 1, "chengguan": 2},
        offices=(1, 2),
        dispatcher_id=20,
    )


WORLD = World(
    grids=(_grid("310105001001001", 10), _grid("310105002001001", None)),
    items=(
        Item("E0102", "暴露垃圾", "B", "lvhua", HOUR, HOUR, 4 * HOUR, HOUR // 2),
        Item("E0101", "私搭乱建", "D", "chengguan", HOUR, HOUR, 10 * 24 * HOUR, HOUR // 2),
    ),
    office_codes={1: "310105001-lvhua", 2: "310105001-chengguan"},
    liaisons={1: 30},
    auditor_id=40,
    hotline_key_id=1,
    public_key_id=2,
)


def _generate(cases: int, seed: int = 3) -> list[Chunk]:
    plan = history.Plan(cases=cases, years=1, seed=seed, end=END, zone=ZONE, chunk_cases=4000)
    return list(history.generate(WORLD, plan, FIRST))


def _rows(chunks: list[Chunk], table: str) -> list[list[str]]:
    return [line.rstrip("\n").split("\t") for chunk in chunks for line in chunk.rows[table]]


def test_the_same_seed_writes_the_same_histories() -> None:
    first, again, other = _generate(2000), _generate(2000), _generate(2000, seed=4)

    assert [chunk.rows for chunk in first] == [chunk.rows for chunk in again]
    assert [chunk.rows for chunk in first] != [chunk.rows for chunk in other]


def test_every_case_replays_to_its_status_and_counts_its_actions_as_version() -> None:
    chunks = _generate(12_000)
    cases = _rows(chunks, "grid_case")
    events = _rows(chunks, "case_event")
    case_column = {name: n for n, name in enumerate(COLUMNS["grid_case"])}
    actions: dict[str, list[str]] = {}
    for event in events:
        actions.setdefault(event[1], []).append(event[3])

    for case in cases:
        history_of = actions[case[case_column["case_id"]]]
        assert workflow.replay(history_of) == case[case_column["status"]]
        assert int(case[case_column["version"]]) == sum(a != "overdue" for a in history_of)
        assert int(case[case_column["rework_count"]]) == history_of.count("rework")


def test_ids_follow_on_from_the_first_free_ones() -> None:
    chunks = _generate(3000)

    case_ids = [int(row[0]) for row in _rows(chunks, "grid_case")]
    event_ids = [int(row[0]) for row in _rows(chunks, "case_event")]
    office_ids = [int(row[0]) for row in _rows(chunks, "case_office")]
    assert case_ids == list(range(FIRST.case, FIRST.case + 3000))
    assert event_ids == list(range(FIRST.event, FIRST.event + len(event_ids)))
    assert sorted(office_ids) == list(range(FIRST.office, FIRST.office + len(office_ids)))
    assert sum(chunk.cases for chunk in chunks) == 3000
    assert sum(chunk.events for chunk in chunks) == len(event_ids)


def test_a_busy_year_ends_with_cases_in_every_status() -> None:
    chunks = _generate(30_000)

    statuses: Counter[str] = Counter()
    for chunk in chunks:
        statuses.update(chunk.statuses)
    assert set(statuses) == {status.value for status in Status}
    assert statuses[Status.EVALUATED] > statuses[Status.CLOSED] > statuses[Status.HANDLING]
    column = {name: n for n, name in enumerate(COLUMNS["grid_case"])}
    for case in _rows(chunks, "grid_case"):
        duplicate = case[column["rejection_reason"]] == "duplicate"
        assert (case[column["duplicate_of_case_id"]] != "\\N") == duplicate


def test_where_nobody_patrols_the_public_calls_it_in() -> None:
    cases = _rows(_generate(3000), "grid_case")
    column = {name: n for n, name in enumerate(COLUMNS["grid_case"])}

    unpatrolled = [case for case in cases if case[column["unit_grid_code"]] == "310105002001001"]
    assert unpatrolled
    assert {case[column["source"]] for case in unpatrolled} <= {"hotline_12345", "public"}
    assert all(case[column["reported_by_user_id"]] == "\\N" for case in unpatrolled)
