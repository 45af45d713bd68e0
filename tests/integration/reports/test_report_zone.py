"""The zone of the local days the rollups count on is the setting, fixed when the rollups are
rebuilt: the trigger and a rebuild then agree whatever the session's time zone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.orm import Session

from gridloop.config import get_settings
from gridloop.reports import repository
from tests.factories.cases import World, file_case

SHANGHAI = ZoneInfo("Asia/Shanghai")
# 00:30 on 1 March in Shanghai is 16:30 on 28 February in UTC.
AFTER_MIDNIGHT = datetime(2026, 3, 1, 0, 30, tzinfo=SHANGHAI)


def _days(session: Session) -> list[str]:
    return list(session.scalars(text("SELECT day::text FROM case_fact ORDER BY case_id")))


def test_the_migrations_fix_the_zone_of_the_settings(session: Session) -> None:
    assert repository.report_zone(session) == get_settings().timezone == "Asia/Shanghai"


def test_a_rebuild_counts_days_in_the_zone_it_is_given_and_the_trigger_follows(
    world: World, session: Session
) -> None:
    world.clock.now = AFTER_MIDNIGHT
    file_case(world)
    assert _days(session) == ["2026-03-01"]

    assert repository.rebuild_rollups(session, zone="UTC") == 1
    world.clock.now = AFTER_MIDNIGHT
    file_case(world)  # counted by the trigger
    assert repository.report_zone(session) == "UTC"
    assert _days(session) == ["2026-02-28", "2026-02-28"]
    # The session's own zone changes nothing.
    session.execute(text("SET LOCAL TIME ZONE 'America/New_York'"))
    repository.rebuild_rollups(session, zone="Asia/Shanghai")
    assert _days(session) == ["2026-03-01", "2026-03-01"]
