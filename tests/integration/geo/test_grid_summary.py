"""A unit grid as the map shows it when clicked: its places and inspectors for anyone, its open
cases only as far as the caller sees them."""

from __future__ import annotations

from typing import Any

from tests.factories.cases import IN_A001, IN_A003, World, act, file_case, ok
from tests.factories.web import assert_problem

A001 = "310105001001001"  # street 1, responsibility grid 31010500101, patrolled by ins1
B001 = "310105002001001"  # street 2, responsibility grid 31010500201, patrolled by ins2


def summary(world: World, who: str, code: str) -> dict[str, Any]:
    return ok(world.client.get(f"/geo/unit-grids/{code}/summary", headers=world[who]))


def test_a_grid_names_its_places_responsibility_grid_and_inspectors(world: World) -> None:
    body = summary(world, "disp1", A001)

    assert body["unit_grid_code"] == A001
    assert body["community"] == {"code": "310105001001", "name": "华一居委会"}
    assert body["street"] == {"code": "310105001", "name": "华阳路街道"}
    assert body["district"] == {"code": "310105", "name": "长宁区"}
    assert body["responsibility_grid"]["code"] == "31010500101"
    assert [inspector["username"] for inspector in body["inspectors"]] == ["ins1"]
    assert body["open_cases"] == 0
    assert body["latest_open_cases"] == []


def test_open_cases_are_counted_newest_first_and_finished_ones_left_out(world: World) -> None:
    older = file_case(world, "ins1", IN_A001)["case_id"]
    newer = file_case(world, "ins1", IN_A001)["case_id"]
    rejected = file_case(world, "ins1", IN_A001)["case_id"]
    ok(act(world, rejected, "reject", "disp1", {"reason": "out_of_scope"}))
    file_case(world, "ins1south", IN_A003)  # the grid south of it

    body = summary(world, "disp1", A001)

    assert body["open_cases"] == 2
    assert [case["case_id"] for case in body["latest_open_cases"]] == [newer, older]
    assert body["latest_open_cases"][0]["status"] == "reported"


def test_the_open_cases_are_the_callers_own_only(world: World) -> None:
    case_id = file_case(world, "ins1", IN_A001)["case_id"]

    assert summary(world, "ins1", A001)["open_cases"] == 1
    assert summary(world, "aud", A001)["open_cases"] == 1
    # Another street's dispatcher, an inspector of other grids and an office the case was not
    # dispatched to read the grid, but none of its cases.
    for outsider in ("disp2", "ins1south", "lia1"):
        body = summary(world, outsider, A001)
        assert body["street"]["code"] == "310105001"
        assert (body["open_cases"], body["latest_open_cases"]) == (0, []), outsider

    ok(act(world, case_id, "register", "disp1"))
    ok(act(world, case_id, "dispatch", "disp1"))

    assert summary(world, "lia1", A001)["open_cases"] == 1


def test_another_streets_grid_has_its_own_inspector(world: World) -> None:
    body = summary(world, "disp1", B001)

    assert body["responsibility_grid"]["code"] == "31010500201"
    assert [inspector["username"] for inspector in body["inspectors"]] == ["ins2"]


def test_an_unknown_or_malformed_grid_is_a_problem(world: World) -> None:
    missing = world.client.get("/geo/unit-grids/310105009009009/summary", headers=world["disp1"])
    malformed = world.client.get("/geo/unit-grids/31010500100100A/summary", headers=world["disp1"])
    anonymous = world.client.get(f"/geo/unit-grids/{A001}/summary")

    assert "310105009009009" in assert_problem(missing, 404, "not-found")["detail"]
    assert_problem(malformed, 422, "validation-error")
    assert_problem(anonymous, 401, "unauthenticated")
