"""The working calendar in the database: seeding from the package, uploads, reads, due times."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gridloop.auth.models import Role
from gridloop.auth.time import now
from gridloop.calendar import seed, service
from gridloop.calendar.models import CalendarDay, CalendarYear
from gridloop.calendar.schemas import CalendarDayCreate
from gridloop.calendar.worktime import TimeUnit
from gridloop.errors import CalendarMissing
from gridloop.localtime import CHINA_TIME
from tests.factories.web import MakeUser, assert_problem, login

NEW_YEAR_2027 = [
    {"day": "2027-01-01", "kind": "holiday", "name": "元旦"},
    {"day": "2027-02-06", "kind": "holiday", "name": "春节"},
    {"day": "2027-02-07", "kind": "workday", "name": "春节"},
]


@pytest.fixture
def admin(client: TestClient, make_user: MakeUser) -> dict[str, str]:
    make_user("cal-admin", Role.ADMIN)
    return login(client, "cal-admin")


@pytest.fixture
def auditor(client: TestClient, make_user: MakeUser) -> dict[str, str]:
    make_user("cal-auditor", Role.AUDITOR)
    return login(client, "cal-auditor")


def stored_rows(session: Session) -> list[Any]:
    return list(
        session.execute(
            select(CalendarYear.year, CalendarYear.source, CalendarYear.loaded_at).order_by(
                CalendarYear.year
            )
        )
    ) + list(session.execute(select(func.count()).select_from(CalendarDay)))


# ----------------------------------------------------------------------------- seeding


def test_the_seed_loads_every_year_the_package_knows(session: Session) -> None:
    loaded = seed.load_package_calendar(session, now=now())

    years = {row.year: row for row in service.list_years(session)}
    assert set(years) == set(range(2004, 2027))
    assert loaded.created == sorted(years)
    assert {row.source for row in years.values()} == {"chinesecalendar"}
    days = {row.day: row for row in service.days_of_year(session, year=2026)}
    assert days[date(2026, 2, 17)].kind == "holiday"
    assert days[date(2026, 2, 17)].name == "春节"
    assert days[date(2026, 2, 14)].kind == "workday"
    assert date(2026, 3, 10) not in days  # an ordinary Tuesday is not an exception


def test_seeding_again_duplicates_and_changes_nothing(session: Session) -> None:
    seed.load_package_calendar(session, now=now())
    before = stored_rows(session)

    again = seed.load_package_calendar(session, now=now() + timedelta(hours=1))

    assert again.created == []
    assert again.updated == []
    assert len(again.unchanged) == 23
    assert stored_rows(session) == before


def test_seeding_keeps_a_year_an_admin_uploaded(session: Session) -> None:
    upload = [CalendarDayCreate(day=date(2026, 1, 1), kind="holiday", name="元旦")]
    service.upload_year(session, year=2026, days=upload, now=now())

    loaded = seed.load_package_calendar(session, now=now(), years=[2025, 2026])

    assert loaded.kept_uploads == [2026]
    assert len(service.days_of_year(session, year=2026)) == 1


@pytest.mark.usefixtures("official_calendar")
def test_deadlines_use_the_stored_calendar(session: Session) -> None:
    friday_before_spring_festival = datetime(2026, 2, 13, 17, tzinfo=CHINA_TIME)

    due = service.deadline(
        session, start=friday_before_spring_festival, value=3, unit=TimeUnit.WORKING_HOURS
    )

    assert due == datetime(2026, 2, 14, 11, 30, tzinfo=CHINA_TIME)  # the make-up Saturday


@pytest.mark.usefixtures("official_calendar")
def test_a_deadline_needing_an_unknown_year_is_calendar_missing(session: Session) -> None:
    with pytest.raises(CalendarMissing) as caught:
        service.deadline(
            session,
            start=datetime(2026, 12, 31, 17, tzinfo=CHINA_TIME),
            value=1,
            unit=TimeUnit.WORKING_DAYS,
        )

    assert caught.value.year == 2027


# ----------------------------------------------------------------------------- reading


@pytest.mark.usefixtures("official_calendar")
def test_any_user_reads_the_years_and_the_days_of_a_year(
    client: TestClient, auditor: dict[str, str]
) -> None:
    years = client.get("/calendar/years", headers=auditor)
    days = client.get("/calendar/days", params={"year": 2026}, headers=auditor)

    assert years.status_code == 200
    assert [(y["year"], y["source"]) for y in years.json()] == [
        (2025, "chinesecalendar"),
        (2026, "chinesecalendar"),
    ]
    assert years.json()[1]["workdays"] == 6
    assert days.status_code == 200
    assert {"day": "2026-02-14", "kind": "workday", "name": "春节"} in days.json()


@pytest.mark.usefixtures("official_calendar")
def test_the_days_of_an_unknown_year_are_not_found(
    client: TestClient, auditor: dict[str, str]
) -> None:
    response = client.get("/calendar/days", params={"year": 2027}, headers=auditor)

    assert "2027" in assert_problem(response, 404, "not-found")["detail"]


def test_the_calendar_needs_a_token(client: TestClient) -> None:
    assert_problem(client.get("/calendar/years"), 401, "unauthenticated")


# ----------------------------------------------------------------------------- uploads


@pytest.mark.usefixtures("official_calendar")
def test_after_an_admin_uploads_2027_a_due_time_in_2027_works(
    client: TestClient, admin: dict[str, str]
) -> None:
    query: dict[str, str | int] = {
        "start": "2026-12-31T17:00:00+08:00",
        "value": 2,
        "unit": "working_hours",
    }
    before = client.get("/calendar/due", params=query, headers=admin)
    body = assert_problem(before, 422, "calendar-missing")
    assert "2027" in body["detail"]

    uploaded = client.put("/calendar/years/2027", json=NEW_YEAR_2027, headers=admin)
    after = client.get("/calendar/due", params=query, headers=admin)

    assert uploaded.status_code == 200, uploaded.text
    assert uploaded.json()["source"] == "upload"
    assert (uploaded.json()["holidays"], uploaded.json()["workdays"]) == (2, 1)
    assert after.status_code == 200, after.text
    # 0.5 h on Thursday 31 Dec; Friday 1 Jan is 元旦; the rest on Monday 4 Jan.
    assert datetime.fromisoformat(after.json()["due_at"]) == datetime(
        2027, 1, 4, 10, 30, tzinfo=CHINA_TIME
    )
    sunday = client.get(
        "/calendar/due",
        params={"start": "2027-02-05T17:00:00+08:00", "value": 1, "unit": "working_hours"},
        headers=admin,
    )
    assert datetime.fromisoformat(sunday.json()["due_at"]) == datetime(
        2027, 2, 7, 9, 30, tzinfo=CHINA_TIME
    )


@pytest.mark.usefixtures("official_calendar")
def test_an_upload_replaces_the_whole_year(client: TestClient, admin: dict[str, str]) -> None:
    response = client.put(
        "/calendar/years/2026",
        json=[{"day": "2026-10-01", "kind": "holiday", "name": "国庆节"}],
        headers=admin,
    )

    assert response.status_code == 200, response.text
    days = client.get("/calendar/days", params={"year": 2026}, headers=admin).json()
    assert days == [{"day": "2026-10-01", "kind": "holiday", "name": "国庆节"}]


def test_only_an_admin_uploads(client: TestClient, auditor: dict[str, str]) -> None:
    response = client.put("/calendar/years/2027", json=NEW_YEAR_2027, headers=auditor)

    assert_problem(response, 403, "forbidden")
    years = client.get("/calendar/years", headers=auditor).json()
    assert 2027 not in [y["year"] for y in years]


def test_a_bad_upload_lists_every_bad_row_and_writes_nothing(
    client: TestClient, admin: dict[str, str]
) -> None:
    rows = [
        {"day": "2027-01-01", "kind": "holiday", "name": "元旦"},
        {"day": "2026-12-31", "kind": "holiday", "name": "跨年"},
        {"day": "2027-05-01", "kind": "vacation", "name": "劳动节"},
        {"day": "2027-05-06", "kind": "workday", "name": "劳动节"},
        {"day": "2027-01-01", "kind": "holiday", "name": "元旦"},
    ]

    response = client.put("/calendar/years/2027", json=rows, headers=admin)

    body = assert_problem(response, 422, "invalid-import")
    reasons = {item["index"]: item["reason"] for item in body["errors"]}
    assert sorted(reasons) == [1, 2, 3, 4]
    assert "not in 2027" in reasons[1]
    assert "kind must be holiday or workday" in reasons[2]
    assert "weekend" in reasons[3]
    assert "listed again" in reasons[4]
    years = client.get("/calendar/years", headers=admin).json()
    assert 2027 not in [y["year"] for y in years]


def test_an_upload_of_the_wrong_shape_is_a_validation_error(
    client: TestClient, admin: dict[str, str]
) -> None:
    no_name = [{"day": "2027-01-01", "kind": "holiday"}]

    assert_problem(
        client.put("/calendar/years/2027", json=no_name, headers=admin), 422, "validation-error"
    )
    assert_problem(
        client.put("/calendar/years/2027", json=[], headers=admin), 422, "validation-error"
    )


# ----------------------------------------------------------------------------- due times


@pytest.mark.usefixtures("official_calendar")
def test_due_needs_a_start_with_a_time_zone(client: TestClient, auditor: dict[str, str]) -> None:
    response = client.get(
        "/calendar/due",
        params={"start": "2026-03-10T09:00:00", "value": 1, "unit": "working_hours"},
        headers=auditor,
    )

    assert_problem(response, 422, "validation-error")


@pytest.mark.usefixtures("official_calendar")
def test_due_answers_each_unit(client: TestClient, auditor: dict[str, str]) -> None:
    start = "2026-03-06T10:00:00+08:00"  # a Friday
    expected = {
        "working_hours": datetime(2026, 3, 6, 11, tzinfo=CHINA_TIME),
        "working_days": datetime(2026, 3, 9, 10, tzinfo=CHINA_TIME),
        "natural_hours": datetime(2026, 3, 6, 11, tzinfo=CHINA_TIME),
        "natural_days": datetime(2026, 3, 7, 10, tzinfo=CHINA_TIME),
    }

    for unit, due in expected.items():
        response = client.get(
            "/calendar/due", params={"start": start, "value": 1, "unit": unit}, headers=auditor
        )
        assert response.status_code == 200, response.text
        assert datetime.fromisoformat(response.json()["due_at"]) == due, unit
