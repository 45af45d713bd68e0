"""Filing: who may file where, locating, the register clock, duplicate candidates, events."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi.testclient import TestClient

from gridloop.geo.crs import Crs, from_wgs84
from tests.factories.cases import IN_A001, IN_A003, IN_B001, T0, World, file_case, report
from tests.factories.web import assert_problem


def test_an_inspector_files_in_their_grid_and_the_case_is_located(world: World) -> None:
    response = world.client.post("/cases", json=report(IN_A001), headers=world["ins1"])

    assert response.status_code == 201, response.text
    case = response.json()
    assert case["status"] == "reported"
    assert case["source"] == "inspector"
    assert case["unit_grid_code"] == "310105001001001"
    assert case["community_code"] == "310105001001"
    assert case["street_code"] == "310105001"
    assert case["district_code"] == "310105"
    assert case["responsibility_grid_code"] == "31010500101"
    assert response.headers["location"] == f"/cases/{case['case_id']}"
    assert response.headers["etag"] == f'"{case["case_id"]}.1"'
    assert case["duplicate_candidates"] == []


def test_filing_outside_the_inspectors_grids_is_a_422_outside_your_grids(world: World) -> None:
    same_street = world.client.post("/cases", json=report(IN_A003), headers=world["ins1"])
    other_street = world.client.post("/cases", json=report(IN_B001), headers=world["ins1"])

    assert_problem(same_street, 422, "outside-your-grids")
    assert_problem(other_street, 422, "outside-your-grids")


def test_a_point_outside_every_grid_is_outside_coverage(world: World) -> None:
    response = world.client.post("/cases", json=report((121.5, 31.3)), headers=world["hotline"])

    assert_problem(response, 422, "outside-coverage")


def test_an_intake_client_files_anywhere_without_an_item(world: World) -> None:
    first = world.client.post("/cases", json=report(IN_A003, item=None), headers=world["hotline"])
    second = world.client.post("/cases", json=report(IN_B001, item=None), headers=world["app"])

    assert first.status_code == 201, first.text
    assert second.status_code == 201, second.text
    assert first.json()["source"] == "hotline_12345"
    assert first.json()["item_code"] is None
    assert first.json()["register_due_at"] is None
    assert second.json()["source"] == "public"
    assert second.json()["street_code"] == "310105002"


def test_an_intake_client_cannot_claim_another_source(world: World) -> None:
    response = world.client.post(
        "/cases", json=report(source="inspector"), headers=world["hotline"]
    )

    body = assert_problem(response, 422, "validation-error")
    assert body["errors"][0]["location"] == "body.source"


def test_an_inspector_must_name_a_known_current_item(world: World) -> None:
    missing = world.client.post("/cases", json=report(item=None), headers=world["ins1"])
    unknown = world.client.post("/cases", json=report(item="E0198"), headers=world["ins1"])

    assert_problem(missing, 422, "validation-error")
    assert_problem(unknown, 422, "validation-error")


def test_only_inspectors_and_intake_clients_file(world: World) -> None:
    for who in ("disp1", "lia1", "aud", "adm"):
        assert_problem(
            world.client.post("/cases", json=report(), headers=world[who]), 403, "forbidden"
        )


def test_filing_needs_a_token_or_an_api_key(world: World) -> None:
    anonymous = world.client.post("/cases", json=report())
    bad_key = world.client.post("/cases", json=report(), headers={"X-API-Key": "nope"})

    assert_problem(anonymous, 401, "unauthenticated")
    assert_problem(bad_key, 401, "unauthenticated")


def test_a_gcj02_point_is_converted_and_the_original_is_kept(world: World) -> None:
    lon, lat = from_wgs84(*IN_A001, Crs.GCJ02)
    body = report()
    body["point"] = {"lon": lon, "lat": lat, "crs": "gcj02"}

    case = world.client.post("/cases", json=body, headers=world["ins1"]).json()

    assert case["input"] == {"lon": lon, "lat": lat, "crs": "gcj02"}
    assert abs(case["point"]["lon"] - IN_A001[0]) < 1e-7
    assert abs(case["point"]["lat"] - IN_A001[1]) < 1e-7
    assert case["unit_grid_code"] == "310105001001001"


def test_filing_starts_the_register_clock_from_the_catalog_and_calendar(world: World) -> None:
    case = file_case(world)

    # E0102 registers within 1 working hour: Monday 10:00 → 11:00.
    assert datetime.fromisoformat(case["register_due_at"]) == T0 + timedelta(hours=1)
    assert datetime.fromisoformat(case["running_due_at"]) == T0 + timedelta(hours=1)
    assert case["overdue"] is False


def test_the_register_clock_counts_working_hours_only(world: World) -> None:
    world.clock.now = T0.replace(hour=17, minute=0)  # 30 working minutes left on Monday

    case = file_case(world)

    expected = T0.replace(day=3, hour=9, minute=30)  # Tuesday 09:30
    assert datetime.fromisoformat(case["register_due_at"]) == expected


def test_filing_records_the_file_event(world: World) -> None:
    case = file_case(world)

    events = world.client.get(f"/cases/{case['case_id']}/events", headers=world["ins1"]).json()

    assert len(events) == 1
    assert events[0]["action"] == "file"
    assert events[0]["from_status"] is None
    assert events[0]["to_status"] == "reported"
    assert events[0]["actor_role"] == "inspector"
    assert events[0]["actor"] == "ins1"
    assert datetime.fromisoformat(events[0]["occurred_at"]) == T0


# ----------------------------------------------------------------------------- duplicates


def _nearby(meters_east: float) -> tuple[float, float]:
    # One metre of longitude at 31.2° N is about 1 / 95,270 of a degree.
    return IN_A001[0] + meters_east / 95_270, IN_A001[1]


def test_an_open_case_of_the_same_item_within_50_m_and_24_h_is_a_candidate(
    world: World,
) -> None:
    first = file_case(world)
    world.clock.now = T0 + timedelta(hours=3)

    second = file_case(world, lon_lat=_nearby(30))

    candidates = second["duplicate_candidates"]
    assert [c["case_id"] for c in candidates] == [first["case_id"]]
    assert 25 < candidates[0]["distance_m"] < 35
    assert second["status"] == "reported"  # nothing is merged


def test_farther_older_finished_or_other_item_cases_are_not_candidates(world: World) -> None:
    far = file_case(world, lon_lat=_nearby(70))
    other_item = file_case(world, item="E0104")
    world.clock.now = T0 - timedelta(hours=25)
    old = file_case(world)
    world.clock.now = T0
    rejected = file_case(world)
    reject = world.client.post(
        f"/cases/{rejected['case_id']}/actions/reject",
        json={"reason": "out_of_scope"},
        headers={**world["disp1"], "If-Match": f'"{rejected["case_id"]}.1"'},
    )
    assert reject.status_code == 200, reject.text
    world.clock.now = T0 + timedelta(hours=1)

    case = file_case(world)

    found = {candidate["case_id"] for candidate in case["duplicate_candidates"]}
    assert found.isdisjoint({far["case_id"], other_item["case_id"], old["case_id"]})
    assert rejected["case_id"] not in found


def test_a_report_without_item_lists_nearby_cases_of_any_item(
    world: World, client: TestClient
) -> None:
    first = file_case(world, item="E0104")

    second = client.post("/cases", json=report(item=None), headers=world["hotline"]).json()

    assert [c["case_id"] for c in second["duplicate_candidates"]] == [first["case_id"]]


def test_candidates_come_nearest_first_and_the_new_case_reads_as_stored(world: World) -> None:
    farther = file_case(world, lon_lat=_nearby(40))
    nearer = file_case(world, lon_lat=_nearby(10))
    nearest = file_case(world, lon_lat=_nearby(-5))
    world.clock.now = T0 + timedelta(minutes=5)

    filed = file_case(world)

    candidates = [c["case_id"] for c in filed["duplicate_candidates"]]
    assert candidates == [nearest["case_id"], nearer["case_id"], farther["case_id"]]
    stored = world.client.get(f"/cases/{filed['case_id']}", headers=world["ins1"]).json()
    assert {name: stored[name] for name in filed if name != "duplicate_candidates"} == {
        name: value for name, value in filed.items() if name != "duplicate_candidates"
    }
