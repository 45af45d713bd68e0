"""Saving and reading rule sets: versions, atomic activation, refusals listing every rule."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from gridloop.config import get_settings
from gridloop.routing import seed
from tests.factories.routing import rule, rule_set
from tests.factories.web import assert_problem

GROUP_RENTING = rule("group-renting", 200, "fangguan", item_codes=["E0514"])
TAXIS = rule("illegal-taxi", 200, "jiaojing", item_codes=["E0509"])


def save(client: TestClient, headers: dict[str, str], document: dict[str, Any]) -> Any:
    return client.post("/routing/rulesets", json=document, headers=headers)


def active_versions(session: Session) -> list[int]:
    return list(
        session.scalars(text("SELECT version FROM routing_rule_set WHERE is_active ORDER BY 1"))
    )


def test_an_admin_saves_a_rule_set_as_version_1_and_it_becomes_active(
    client: TestClient, admin: dict[str, str]
) -> None:
    response = save(client, admin, rule_set(GROUP_RENTING, TAXIS))

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["version"] == 1
    assert body["is_active"] is True
    assert body["created_by"] == "routing-admin"
    assert body["source"] == "api"
    assert [r["id"] for r in body["rules"]] == ["group-renting", "illegal-taxi"]
    active = client.get("/routing/rulesets/active", headers=admin).json()
    assert active["version"] == 1
    assert active["rules"] == body["rules"]


def test_a_new_version_replaces_the_active_one_and_the_old_stays_readable(
    client: TestClient, admin: dict[str, str], session: Session
) -> None:
    first = save(client, admin, rule_set(GROUP_RENTING, name="一")).json()
    second = save(client, admin, rule_set(GROUP_RENTING, TAXIS, name="二")).json()

    assert (first["version"], second["version"]) == (1, 2)
    assert active_versions(session) == [2]
    old = client.get("/routing/rulesets/1", headers=admin).json()
    assert old["is_active"] is False
    assert old["name"] == "一"
    assert [r["id"] for r in old["rules"]] == ["group-renting"]
    listed = client.get("/routing/rulesets", headers=admin).json()
    assert [(s["version"], s["is_active"], s["rule_count"]) for s in listed] == [
        (2, True, 2),
        (1, False, 1),
    ]


def test_a_refused_rule_set_changes_nothing(
    client: TestClient, admin: dict[str, str], session: Session
) -> None:
    save(client, admin, rule_set(GROUP_RENTING))

    response = save(client, admin, rule_set(rule("bad", 1, "waterworks")))

    assert_problem(response, 422, "invalid-rule-set")
    assert active_versions(session) == [1]
    assert session.scalar(text("SELECT count(*) FROM routing_rule_set")) == 1


def test_only_admins_change_rules(
    client: TestClient, dispatcher: dict[str, str], inspector: dict[str, str]
) -> None:
    for headers in (dispatcher, inspector):
        assert_problem(save(client, headers, rule_set(GROUP_RENTING)), 403, "forbidden")
    assert_problem(save(client, {}, rule_set(GROUP_RENTING)), 401, "unauthenticated")


def test_everyone_authenticated_reads_rule_sets(
    client: TestClient, admin: dict[str, str], inspector: dict[str, str]
) -> None:
    save(client, admin, rule_set(GROUP_RENTING))

    assert client.get("/routing/rulesets", headers=inspector).status_code == 200
    assert client.get("/routing/rulesets/1", headers=inspector).status_code == 200
    assert_problem(client.get("/routing/rulesets/1"), 401, "unauthenticated")


def test_a_missing_version_and_no_active_set_are_not_found(
    client: TestClient, admin: dict[str, str]
) -> None:
    assert_problem(client.get("/routing/rulesets/active", headers=admin), 404, "not-found")
    assert_problem(client.get("/routing/rulesets/7", headers=admin), 404, "not-found")


# ----------------------------------------------------------------------------- refusals

REFUSALS = [
    ("unknown lead department", rule("r", 1, "waterworks"), "then.lead_department"),
    (
        "unknown assisting department",
        {
            "id": "r",
            "priority": 1,
            "then": {"lead_department": "gongan", "assist_departments": ["fire"]},
        },
        "then.assist_departments",
    ),
    ("unknown item", rule("r", 1, "gongan", item_codes=["E0598"]), "when.item_codes"),
    ("item prefix of no item", rule("r", 1, "gongan", item_prefixes=["C09"]), "when.item_prefixes"),
    ("unknown street", rule("r", 1, "gongan", street_codes=["310105099"]), "when.street_codes"),
    (
        "unknown unit grid",
        rule("r", 1, "gongan", unit_grid_codes=["310105001001009"]),
        "when.unit_grid_codes",
    ),
    (
        "unknown fixed office",
        {"id": "r", "priority": 1, "then": {"lead_office": "no-such-office"}},
        "then.lead_office",
    ),
]


@pytest.mark.parametrize(
    ("bad", "location"),
    [(bad, location) for _, bad, location in REFUSALS],
    ids=[name for name, _, _ in REFUSALS],
)
def test_each_unknown_reference_is_refused_naming_the_rule(
    client: TestClient, admin: dict[str, str], bad: dict[str, Any], location: str
) -> None:
    body = assert_problem(
        save(client, admin, rule_set(GROUP_RENTING, bad)), 422, "invalid-rule-set"
    )

    assert [(e["index"], e["location"]) for e in body["errors"]] == [(1, f"rules[1].{location}")]
    assert "rule r" in body["errors"][0]["reason"]


def test_every_offending_rule_is_listed_in_one_problem(
    client: TestClient, admin: dict[str, str]
) -> None:
    body = assert_problem(
        save(client, admin, rule_set(*(bad for _, bad, _ in REFUSALS), name="all bad")),
        422,
        "invalid-rule-set",
    )

    # The seven rules also share priority 1 and could all match: each is an overlap too.
    locations = {e["location"] for e in body["errors"]}
    assert {f"rules[{i}].{location}" for i, (_, _, location) in enumerate(REFUSALS)} <= locations
    assert {e["index"] for e in body["errors"]} == set(range(len(REFUSALS)))


def test_known_streets_grids_and_offices_are_accepted(
    client: TestClient, admin: dict[str, str]
) -> None:
    response = save(
        client,
        admin,
        rule_set(
            rule("in-a", 3, "gongan", street_codes=["310105001"]),
            rule("grid", 2, "gongan", unit_grid_codes=["310105002001001"]),
            {"id": "fixed", "priority": 1, "then": {"lead_office": "all-gongan"}},
        ),
    )

    assert response.status_code == 201, response.text


def test_equal_priority_rules_that_can_both_match_are_refused(
    client: TestClient, admin: dict[str, str]
) -> None:
    body = assert_problem(
        save(
            client,
            admin,
            rule_set(
                rule("street-order", 100, "chengguan", item_prefixes=["E05"]),
                rule(
                    "taxis-in-a", 100, "jiaojing", item_codes=["E0509"], street_codes=["310105001"]
                ),
            ),
        ),
        422,
        "invalid-rule-set",
    )

    assert [e["location"] for e in body["errors"]] == ["rules[1].priority"]
    assert "street-order" in body["errors"][0]["reason"]


def test_equal_priority_rules_that_cannot_both_match_are_accepted(
    client: TestClient, admin: dict[str, str]
) -> None:
    response = save(
        client,
        admin,
        rule_set(
            rule("taxis-in-a", 100, "jiaojing", item_codes=["E0509"], street_codes=["310105001"]),
            rule("taxis-in-b", 100, "gongan", item_codes=["E0509"], street_codes=["310105002"]),
            rule(
                "noise-night",
                100,
                "gongan",
                item_codes=["E0508"],
                time_window={"start": "22:00", "end": "06:00"},
            ),
            rule(
                "noise-day",
                100,
                "chengguan",
                item_codes=["E0508"],
                time_window={"start": "06:00", "end": "22:00"},
            ),
        ),
    )

    assert response.status_code == 201, response.text


def test_a_malformed_rule_set_is_a_validation_problem(
    client: TestClient, admin: dict[str, str]
) -> None:
    bad = {"id": "r", "priority": 1, "then": {"lead_department": "gongan", "lead_office": "x"}}

    assert_problem(save(client, admin, rule_set(bad)), 422, "validation-error")


# ----------------------------------------------------------------------------- the database


def test_the_database_allows_one_active_rule_set_only(
    client: TestClient, admin: dict[str, str], session: Session
) -> None:
    save(client, admin, rule_set(GROUP_RENTING))

    with pytest.raises(IntegrityError, match="uq_routing_rule_set_one_active"):
        session.execute(
            text(
                "INSERT INTO routing_rule_set (version, name, description, content_sha256, "
                "rule_count, source, is_active, activated_at) VALUES "
                "(2, 'x', '', repeat('0', 64), 0, 'test', true, now())"
            )
        )


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE routing_rule SET priority = 1",
        "DELETE FROM routing_rule",
        "UPDATE routing_rule_set SET name = 'rewritten'",
        "DELETE FROM routing_rule_set",
    ],
)
def test_saved_versions_are_read_only(
    client: TestClient, admin: dict[str, str], session: Session, statement: str
) -> None:
    save(client, admin, rule_set(GROUP_RENTING))

    with pytest.raises(DBAPIError, match="read-only"):
        session.execute(text(statement))


def test_deactivating_a_version_is_allowed(
    client: TestClient, admin: dict[str, str], session: Session
) -> None:
    save(client, admin, rule_set(GROUP_RENTING))

    session.execute(text("UPDATE routing_rule_set SET is_active = false"))

    assert active_versions(session) == []


# ----------------------------------------------------------------------------- the seed


def test_the_demo_seed_adds_a_version_only_when_its_content_changed(
    session: Session, tmp_path: Any
) -> None:
    at = datetime(2026, 11, 28, tzinfo=UTC)
    first = seed.load_demo(session, get_settings().seeds_dir, now=at)
    again = seed.load_demo(session, get_settings().seeds_dir, now=at)
    changed = tmp_path / "changed.yaml"
    original = (get_settings().seeds_dir / seed.DEMO_RULES).read_text(encoding="utf-8")
    changed.write_text(original.replace("priority: 300", "priority: 301"), encoding="utf-8")
    third = seed.load_rule_set(session, path=changed, source="seed:test", now=at)

    assert first is not None
    assert first.version == 1
    assert first.source == "seed:routing/changning.yaml"
    assert again is None
    assert third is not None
    assert third.version == 2
    assert active_versions(session) == [2]
