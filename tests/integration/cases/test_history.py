"""`gridloop seed history` on the demo district: 1,500 cases over two years, then what the
workflow would have left is checked case by case — from the events, in SQL, and with the real
replay check and the real sweeper.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from gridloop import localdb, migrations, seeding
from gridloop.auth import service as auth_service
from gridloop.cases import audit, sweeper
from gridloop.catalog import seed as catalog_seed
from gridloop.config import get_settings
from gridloop.geo import service as geo_service
from gridloop.org import seed as org_seed
from tests.factories.cases import CHEAP_HASH
from tests.integration.test_cli import gridloop

CASES = 1500
LOCAL_ZONE = ZoneInfo("Asia/Shanghai")  # GRIDLOOP_TIMEZONE's default, the zone of the seeder
END = datetime(2026, 3, 2, 15, 30, tzinfo=LOCAL_ZONE)


@dataclass(frozen=True)
class Seeded:
    url: str
    sessions: sessionmaker[Session]
    run: subprocess.CompletedProcess[str]

    def rows(self, sql: str, **params: Any) -> list[Any]:
        with self.sessions() as session:
            return list(session.execute(text(sql), params))

    def value(self, sql: str, **params: Any) -> Any:
        with self.sessions() as session:
            return session.execute(text(sql), params).scalar_one()


def _load_demo(sessions: sessionmaker[Session]) -> None:
    seeds = get_settings().seeds_dir
    with sessions.begin() as session:
        for layer, collection in seeding.demo_layers(seeds):
            geo_service.import_layer(session, layer=layer, collection=collection)
    with sessions.begin() as session:
        catalog_seed.load_catalog(session, seeds / "catalog" / "items.yaml")
        org_seed.load_demo(session, seeds)
    with pytest.MonkeyPatch.context() as patch, sessions.begin() as session:
        # Argon2 costs 0.3 s a user; these users never log in.
        patch.setattr(auth_service, "hash_password", lambda _: CHEAP_HASH)
        seeding.load_users(session, seeds / "changning" / "users.yaml")
        seeding.load_users(session, seeds / "changning" / "liaisons.yaml")


@pytest.fixture(scope="module")
def seeded(engine: Engine) -> Iterator[Seeded]:
    """A scratch database with the demo district and the histories the command wrote."""
    admin_url = get_settings().effective_database_url
    database = f"gridloop_test_history_{os.getpid()}"
    url = localdb.ensure_database(admin_url, database, drop_first=True)
    scratch = create_engine(url)
    try:
        with scratch.begin() as connection:
            migrations.upgrade(connection)
        sessions = sessionmaker(bind=scratch)
        _load_demo(sessions)
        run = gridloop(
            url,
            "seed",
            "history",
            *("--cases", str(CASES), "--years", "2", "--seed", "7"),
            *("--end", END.strftime("%Y-%m-%dT%H:%M")),
        )
        assert run.returncode == 0, run.stderr
        yield Seeded(url=url, sessions=sessions, run=run)
    finally:
        scratch.dispose()
        localdb.drop_database(admin_url, database)


def test_the_command_shows_progress_and_a_summary(seeded: Seeded) -> None:
    assert "seed history" in seeded.run.stderr
    assert f"{CASES}/{CASES}" in seeded.run.stderr
    summary = re.search(r"(\d+) cases, (\d+) events \((\d+) overdue\)", seeded.run.stdout)
    assert summary is not None, seeded.run.stdout
    cases, events, overdue = (int(group) for group in summary.groups())
    assert cases == CASES == seeded.value("SELECT count(*) FROM grid_case")
    assert events == seeded.value("SELECT count(*) FROM case_event")
    assert overdue == seeded.value("SELECT count(*) FROM case_overdue")
    assert "evaluated" in seeded.run.stdout


def test_every_status_is_the_replay_of_its_events(seeded: Seeded) -> None:
    with seeded.sessions() as session:
        result = audit.check_events(session)

    assert result.cases == CASES
    assert [str(mismatch) for mismatch in result.mismatches] == []


def test_the_histories_span_the_years_before_the_end(seeded: Seeded) -> None:
    first, last, last_event = seeded.rows(
        "SELECT min(reported_at), max(reported_at), (SELECT max(occurred_at) FROM case_event) "
        "FROM grid_case"
    )[0]

    assert datetime(2024, 3, 2, 15, 30, tzinfo=LOCAL_ZONE) <= first
    assert first < datetime(2024, 3, 10, tzinfo=LOCAL_ZONE)
    assert datetime(2026, 2, 20, tzinfo=LOCAL_ZONE) < last < END
    assert last_event < END


def _share(seeded: Seeded, part: str, whole: str = "true") -> float:
    counts = seeded.rows(
        f"SELECT count(*) FILTER (WHERE {part}), count(*) FILTER (WHERE {whole}) FROM grid_case c"
    )[0]
    return float(counts[0]) / float(counts[1])


def _has(action: str) -> str:
    return (
        f"EXISTS (SELECT FROM case_event e WHERE e.case_id = c.case_id AND e.action = '{action}')"
    )


def test_the_paths_come_in_plausible_proportions(seeded: Seeded) -> None:
    dispatched = _has("dispatch")
    handled = "c.status IN ('closed', 'evaluated')"

    assert 0.05 < _share(seeded, "c.status = 'rejected'") < 0.11
    assert 0.03 < _share(seeded, _has("return"), dispatched) < 0.08
    assert 0.04 < _share(seeded, "c.rework_count > 0", handled) < 0.09
    assert 0.015 < _share(seeded, _has("approve_extension"), dispatched) < 0.05
    assert _share(seeded, _has("approve_suspension"), dispatched) < 0.025
    assert 0.06 < _share(seeded, "c.handled_at > c.handle_due_at", handled) < 0.14
    assert 0.80 < _share(seeded, "c.status = 'evaluated'", handled) < 0.90
    evaluated = "c.status = 'evaluated'"
    assert 0.74 < _share(seeded, "c.satisfaction = 'satisfied'", evaluated) < 0.86
    assert 0.10 < _share(seeded, "c.satisfaction = 'basically_satisfied'", evaluated) < 0.20
    assert _share(seeded, "c.satisfaction = 'dissatisfied'", evaluated) < 0.09
    assert 0.45 < _share(seeded, "c.source = 'inspector'") < 0.65
    assert seeded.value("SELECT count(DISTINCT source) FROM grid_case") == 5
    # Busier streets: the busiest has well over its tenth of the cases.
    busiest = seeded.value(
        "SELECT max(n) FROM (SELECT count(*) AS n FROM grid_case GROUP BY street_code) s"
    )
    assert busiest > CASES / 10 * 1.3
    # More cases on working days than at weekends.
    weekday = _share(seeded, "extract(isodow FROM c.reported_at AT TIME ZONE 'Asia/Shanghai') < 6")
    assert weekday > 5 / 7 + 0.03


def test_some_closed_cases_wait_for_an_evaluation_and_a_few_were_reworked_twice(
    seeded: Seeded,
) -> None:
    assert seeded.value("SELECT count(*) FROM grid_case WHERE status = 'closed'") > 0
    assert seeded.value("SELECT count(*) FROM grid_case WHERE rework_count = 2") >= 1


def test_every_missed_deadline_has_one_overdue_row_and_one_event_like_the_sweeper_writes(
    seeded: Seeded,
) -> None:
    events = seeded.rows(
        "SELECT case_id, payload ->> 'deadline' AS deadline, "
        "(payload ->> 'due_at')::timestamptz AS due_at, occurred_at AS detected_at, "
        "from_status = to_status AS same, actor_role, actor_user_id, actor_api_key_id "
        "FROM case_event WHERE action = 'overdue'"
    )
    rows = seeded.rows("SELECT case_id, deadline, due_at, detected_at FROM case_overdue")

    assert len(events) > CASES / 10
    assert sorted(tuple(event[:4]) for event in events) == sorted(tuple(row) for row in rows)
    assert all(event.same and event.actor_role == "system" for event in events)
    assert all(event.actor_user_id is None is event.actor_api_key_id for event in events)
    # The overdue event stands where the sweeper would have seen the status.
    wrong_status = seeded.value(
        "SELECT count(*) FROM case_event e WHERE action = 'overdue' AND from_status <> "
        "(SELECT p.to_status FROM case_event p WHERE p.case_id = e.case_id "
        " AND p.case_event_id < e.case_event_id AND p.action <> 'overdue' "
        " ORDER BY p.case_event_id DESC LIMIT 1)"
    )
    assert wrong_status == 0


def test_late_steps_were_reported_by_the_sweeper(seeded: Seeded) -> None:
    unreported = seeded.value(
        "SELECT count(*) FROM grid_case c WHERE ("
        " c.handled_at > c.handle_due_at + interval '1 minute' AND NOT EXISTS ("
        "  SELECT FROM case_overdue o WHERE o.case_id = c.case_id AND o.deadline = 'handle'"
        "  AND o.due_at = c.handle_due_at)"
        ") OR ("
        " c.closed_at > greatest(c.close_due_at, c.handled_at) + interval '1 minute'"
        " AND NOT EXISTS (SELECT FROM case_overdue o WHERE o.case_id = c.case_id"
        "  AND o.deadline = 'close' AND o.due_at = c.close_due_at))"
    )

    assert unreported == 0


def test_a_sweep_at_the_end_finds_nothing_new(seeded: Seeded) -> None:
    with seeded.sessions() as session:
        result = sweeper.sweep(session, now=END)
        session.rollback()

    assert result.overdue == []


def test_the_columns_are_what_the_events_leave(seeded: Seeded) -> None:
    wrong = seeded.rows(
        """
        SELECT c.case_id FROM grid_case c
        JOIN LATERAL (
            SELECT count(*) FILTER (WHERE action <> 'overdue') AS actions,
                   max(occurred_at) FILTER (WHERE action <> 'overdue') AS last_action,
                   min(occurred_at) FILTER (WHERE action = 'file') AS filed,
                   max(occurred_at) FILTER (WHERE action = 'register') AS registered,
                   max(occurred_at) FILTER (WHERE action = 'dispatch') AS dispatched,
                   max(occurred_at) FILTER (WHERE action = 'close') AS closed,
                   max(payload ->> 'satisfaction') FILTER (WHERE action = 'evaluate')
                       AS satisfaction,
                   max(payload ->> 'reason') FILTER (WHERE action = 'reject') AS reason
            FROM case_event e WHERE e.case_id = c.case_id
        ) e ON true
        WHERE c.version <> e.actions
           OR c.updated_at <> e.last_action
           OR c.reported_at <> e.filed
           OR c.registered_at IS DISTINCT FROM e.registered
           OR c.dispatched_at IS DISTINCT FROM e.dispatched
           OR c.closed_at IS DISTINCT FROM e.closed
           OR c.satisfaction IS DISTINCT FROM e.satisfaction
           OR c.rejection_reason IS DISTINCT FROM e.reason
           OR (c.status = 'suspended') <> EXISTS (
               SELECT FROM case_suspension s WHERE s.case_id = c.case_id AND s.ended_at IS NULL)
           OR (c.status IN ('dispatched', 'handling', 'suspended', 'handled', 'closed',
                            'evaluated')) <> EXISTS (
               SELECT FROM case_office o WHERE o.case_id = c.case_id AND o.role = 'lead'
               AND o.released_at IS NULL)
           OR (SELECT count(*) FROM case_office o WHERE o.case_id = c.case_id
               AND o.released_at IS NOT NULL)
              <> (SELECT count(*) FROM case_event r WHERE r.case_id = c.case_id
                  AND r.action = 'return')
           OR (c.status = 'handled') <> (c.handled_at IS NOT NULL AND c.closed_at IS NULL)
           OR (c.status IN ('closed', 'evaluated')) <> (c.verification = 'passed')
        """
    )

    assert [row.case_id for row in wrong] == []


def test_the_deadlines_are_the_ones_the_payloads_announced(seeded: Seeded) -> None:
    wrong = seeded.rows(
        """
        SELECT c.case_id FROM grid_case c
        JOIN LATERAL (
            SELECT (array_agg((payload ->> 'handle_due_at')::timestamptz ORDER BY case_event_id
                    DESC) FILTER (WHERE payload ? 'handle_due_at'))[1] AS handle_due,
                   (array_agg((payload ->> 'verify_due_at')::timestamptz ORDER BY case_event_id
                    DESC) FILTER (WHERE action = 'report_handled'))[1] AS verify_due,
                   max((payload ->> 'dispatch_due_at')::timestamptz) AS dispatch_due,
                   bool_or(action = 'return') AS returned,
                   bool_or(action = 'rework') AS reworked
            FROM case_event e WHERE e.case_id = c.case_id
        ) e ON true
        WHERE c.dispatch_due_at IS DISTINCT FROM e.dispatch_due
           OR (c.handle_due_at IS DISTINCT FROM e.handle_due AND c.status <> 'registered')
           OR (c.verify_due_at IS DISTINCT FROM e.verify_due AND c.handled_at IS NOT NULL)
           OR c.close_due_at < c.handle_due_at
        """
    )

    assert [row.case_id for row in wrong] == []


def test_evaluations_come_from_the_reporter_or_an_auditors_follow_up(seeded: Seeded) -> None:
    rows = seeded.rows(
        "SELECT e.payload, e.actor_role, e.actor_user_id, e.actor_api_key_id, c.source, "
        "c.reported_by_api_key_id, u.role AS user_role "
        "FROM case_event e JOIN grid_case c USING (case_id) "
        "LEFT JOIN app_user u ON u.user_id = e.actor_user_id WHERE e.action = 'evaluate'"
    )

    assert rows
    for row in rows:
        payload = row.payload
        assert payload["satisfaction"] in {"satisfied", "basically_satisfied", "dissatisfied"}
        assert isinstance(payload["contacted"], bool)
        assert isinstance(payload["solved"], bool)
        if row.source in ("hotline_12345", "public"):
            assert payload["channel"] == "reporter"
            assert row.actor_role == "intake_client"
            assert row.actor_api_key_id == row.reported_by_api_key_id
        else:
            assert payload["channel"] == "follow_up"
            assert (row.actor_role, row.user_role) == ("auditor", "auditor")
    solved = sum(row.payload["solved"] for row in rows) / len(rows)
    assert 0.8 < solved < 0.97


def test_references_hold_though_foreign_keys_were_not_checked(seeded: Seeded) -> None:
    broken = seeded.value(
        """
        SELECT
          (SELECT count(*) FROM case_event e WHERE NOT EXISTS
             (SELECT FROM grid_case c WHERE c.case_id = e.case_id))
        + (SELECT count(*) FROM case_event e WHERE e.actor_user_id IS NOT NULL AND NOT EXISTS
             (SELECT FROM app_user u WHERE u.user_id = e.actor_user_id))
        + (SELECT count(*) FROM case_event e WHERE e.actor_api_key_id IS NOT NULL AND NOT EXISTS
             (SELECT FROM api_key k WHERE k.api_key_id = e.actor_api_key_id))
        + (SELECT count(*) FROM case_office o WHERE NOT EXISTS
             (SELECT FROM office f WHERE f.office_id = o.office_id))
        + (SELECT count(*) FROM grid_case c WHERE c.duplicate_of_case_id IS NOT NULL
             AND NOT EXISTS (SELECT FROM grid_case d WHERE d.case_id = c.duplicate_of_case_id
                             AND d.case_id < c.case_id))
        + (SELECT count(*) FROM grid_case c WHERE c.item_code IS NOT NULL AND NOT EXISTS
             (SELECT FROM catalog_item i WHERE i.code = c.item_code))
        + (SELECT count(*) FROM grid_case c JOIN unit_grid g ON g.code = c.unit_grid_code
             WHERE NOT ST_Covers(g.geom, c.geom) OR g.street_code <> c.street_code)
        + (SELECT count(*) FROM grid_case c JOIN app_user u ON u.user_id = c.reported_by_user_id
             WHERE u.role <> 'inspector')
        """
    )

    assert broken == 0
    assert seeded.value(
        "SELECT count(*) FROM grid_case WHERE rejection_reason = 'duplicate'"
    ) == seeded.value("SELECT count(*) FROM grid_case WHERE duplicate_of_case_id IS NOT NULL")


def test_the_next_case_event_and_office_take_new_ids(seeded: Seeded) -> None:
    for table, key in (
        ("grid_case", "case_id"),
        ("case_event", "case_event_id"),
        ("case_office", "case_office_id"),
    ):
        with seeded.sessions() as session:
            following = session.execute(
                text(f"SELECT nextval(pg_get_serial_sequence('{table}', '{key}'))")
            ).scalar_one()
            session.rollback()
        assert following > seeded.value(f"SELECT max({key}) FROM {table}")


def test_the_rollups_are_recomputed_from_the_histories(seeded: Seeded) -> None:
    assert seeded.value("SELECT count(*) FROM case_fact") == CASES
    reported = seeded.value("SELECT sum(reported) FROM case_rollup WHERE kind = 'street'")
    assert reported == CASES


def test_without_a_catalog_the_command_says_so_and_writes_nothing(engine: Engine) -> None:
    url = engine.url.render_as_string(hide_password=False)

    run = gridloop(url, "seed", "history", "--cases", "10")

    assert run.returncode == 1
    assert "error:" in run.stderr
    assert "the catalog is empty" in run.stderr
    assert "Traceback" not in run.stderr
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM grid_case")).scalar_one() == 0
