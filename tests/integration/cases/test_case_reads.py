"""A case as the API reads it: the queue page and the case alone show the stored values, in
the same JSON, byte for byte, as validating the response models would give, with the case's
current offices; and reading a case, or a page of them, takes one statement."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Connection, event, text
from sqlalchemy.orm import Session

from gridloop.cases.schemas import CaseDetailRead, CasePage, CaseRead
from tests.factories.cases import World, act, file_case, ok, to_handling

# The fields of a case in the order the API writes them.
FIELDS = [
    "case_id",
    "status",
    "item_code",
    "tier",
    "source",
    "description",
    "address",
    "attributes",
    "point",
    "input",
    "district_code",
    "street_code",
    "community_code",
    "unit_grid_code",
    "responsibility_grid_code",
    "reported_at",
    "registered_at",
    "dispatched_at",
    "accepted_at",
    "handled_at",
    "closed_at",
    "updated_at",
    "register_due_at",
    "dispatch_due_at",
    "handle_due_at",
    "verify_due_at",
    "close_due_at",
    "running_due_at",
    "overdue",
    "pending_request",
    "requested_due_at",
    "verification",
    "rework_count",
    "rejection_reason",
    "duplicate_of",
    "satisfaction",
    "offices",
    "version",
]


def _fill_every_field(session: Session, case_id: int, duplicate_of: int) -> None:
    """Every optional column of the case set (times with and without a fraction of a second),
    an assisting office that arrived and one released (which no read shows)."""
    session.execute(
        text(
            "UPDATE grid_case SET address = '黄浦区某路 1 号', attributes = :attributes, "
            "handled_at = '2026-03-02 03:15:00.25+00', closed_at = '2026-03-02 04:30:00+00', "
            "verify_due_at = '2026-03-02 05:00:00.000001+00', "
            "close_due_at = '2026-03-03 01:00:00+00', pending_request = 'extension', "
            "requested_due_at = '2026-03-04 09:00:00+00', verification = 'failed', "
            "rework_count = 1, rejection_reason = 'out_of_scope', duplicate_of_case_id = :dup, "
            "satisfaction = 'satisfied' WHERE case_id = :id"
        ),
        {"id": case_id, "dup": duplicate_of, "attributes": '{"bags": 3, "kind": "household"}'},
    )
    session.execute(
        text(
            "INSERT INTO case_office (case_id, office_id, role, assigned_at, arrived_at, "
            "released_at) SELECT :id, office_id, 'assist', timestamptz '2026-03-02 02:10:00+00', "
            "timestamptz '2026-03-02 02:40:00.5+00', NULL FROM office "
            "WHERE code = '310105001-chengguan' UNION ALL SELECT :id, office_id, 'assist', "
            "timestamptz '2026-03-02 02:00:00+00', NULL, timestamptz '2026-03-02 02:05:00+00' "
            "FROM office WHERE code = '310105002-lvhua'"
        ),
        {"id": case_id},
    )
    session.commit()


def test_a_case_reads_the_same_listed_alone_and_after_an_action(
    world: World, session: Session
) -> None:
    duplicate_of = int(file_case(world)["case_id"])
    case_id = to_handling(world)
    _fill_every_field(session, case_id, duplicate_of)

    page = world.client.get("/cases", params={"limit": 1}, headers=world["aud"])
    assert page.status_code == 200
    item = page.json()["items"][0]
    assert list(item) == FIELDS
    assert {key: item[key] for key in ("address", "attributes", "duplicate_of")} == {
        "address": "黄浦区某路 1 号",
        "attributes": {"bags": 3, "kind": "household"},
        "duplicate_of": duplicate_of,
    }
    assert (item["pending_request"], item["verification"], item["rework_count"]) == (
        "extension",
        "failed",
        1,
    )
    assert (item["rejection_reason"], item["satisfaction"]) == ("out_of_scope", "satisfied")
    assert item["point"] == {"lon": 121.4005, "lat": 31.2015}
    assert item["input"] == {"lon": 121.4005, "lat": 31.2015, "crs": "wgs84"}
    assert item["handled_at"] == "2026-03-02T11:15:00.250000+08:00"
    assert item["closed_at"] == "2026-03-02T12:30:00+08:00"
    assert item["verify_due_at"] == "2026-03-02T13:00:00.000001+08:00"
    assert item["requested_due_at"] == "2026-03-04T17:00:00+08:00"
    assert [(o["office_code"], o["role"], o["arrived_at"]) for o in item["offices"]] == [
        ("310105001-lvhua", "lead", None),
        ("310105001-chengguan", "assist", "2026-03-02T10:40:00.500000+08:00"),
    ]
    assert item["offices"][1]["assigned_at"] == "2026-03-02T10:10:00+08:00"
    # The bytes are those of the models validated from the same values.
    assert page.json()["next_after"] == case_id
    validated = CasePage(items=[CaseRead.model_validate(item)], next_after=case_id)
    assert page.content == validated.model_dump_json().encode()

    alone = world.client.get(f"/cases/{case_id}", headers=world["aud"])
    assert alone.status_code == 200
    detail = alone.json()
    assert alone.content == CaseDetailRead.model_validate(detail).model_dump_json().encode()
    assert list(detail) == [*FIELDS, "allowed_actions", "requester"]
    assert {key: detail[key] for key in FIELDS} == item
    assert (detail["allowed_actions"], detail["requester"]) == ([], None)

    # An action answers with the case read from the case it changed, not from a read row.
    decided = ok(act(world, case_id, "approve_extension", "disp1"))
    listed = world.client.get("/cases", params={"limit": 1}, headers=world["aud"]).json()
    assert listed["items"][0] == decided
    assert list(decided) == FIELDS


@pytest.fixture
def statements(connection: Connection) -> Iterator[list[str]]:
    """The statements the requests send to the tables of cases, in order."""
    sent: list[str] = []

    def record(*args: Any) -> None:
        statement = args[2]
        if any(table in statement for table in ("grid_case", "case_office", "case_requester")):
            sent.append(statement)

    event.listen(connection, "before_cursor_execute", record)
    yield sent
    event.remove(connection, "before_cursor_execute", record)


@pytest.mark.parametrize("who", ["aud", "disp1", "lia1", "ins1"])
def test_reading_a_case_takes_one_statement(world: World, statements: list[str], who: str) -> None:
    case_id = to_handling(world)
    statements.clear()
    assert world.client.get(f"/cases/{case_id}", headers=world[who]).status_code == 200
    # The case with its offices and (for who may read it) its requester; a liaison's office is
    # asked once more, for the actions only the lead office may take.
    expected = 2 if who == "lia1" else 1
    assert len(statements) == expected, statements


def test_a_queue_page_takes_one_statement(world: World, statements: list[str]) -> None:
    for _ in range(3):
        to_handling(world)
    statements.clear()
    page = world.client.get("/cases", params={"limit": 2}, headers=world["aud"])
    assert page.status_code == 200
    assert [bool(item["offices"]) for item in page.json()["items"]] == [True, True]
    assert len(statements) == 1, statements
