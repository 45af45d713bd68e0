"""The demo departments and offices of 长宁区 load, tile the district per department, and reload
without change; every dispatchable office gets a demo liaison.
"""

from __future__ import annotations

import pytest
import yaml
from sqlalchemy import text
from sqlalchemy.orm import Session

from gridloop import seeding
from gridloop.config import get_settings
from gridloop.geo import service as geo_service
from gridloop.org import seed as org_seed
from gridloop.org import service


@pytest.fixture
def demo_org(session: Session) -> org_seed.SeedCounts:
    for layer, collection in seeding.demo_layers(get_settings().seeds_dir):
        geo_service.import_layer(session, layer=layer, collection=collection)
    return org_seed.load_demo(session, get_settings().seeds_dir)


def test_demo_offices_load_with_the_expected_count_per_department_type(
    session: Session, demo_org: org_seed.SeedCounts
) -> None:
    counts: dict[str, int] = dict(
        session.execute(
            text("SELECT department_type, count(*) FROM office GROUP BY department_type")
        ).all()
    )

    assert demo_org.departments_created == 7
    assert counts == {
        "chengguan": 10,
        "shichang": 10,
        "fangguan": 10,
        "lvhua": 10,
        "grid_center": 10,
        "gongan": 8,
        "jiaojing": 3,
    }
    assert demo_org.offices_created == sum(counts.values())


@pytest.mark.usefixtures("demo_org")
def test_police_stations_cut_across_streets_without_overlap_and_every_department_covers_all(
    session: Session,
) -> None:
    streets_per_station: dict[str, int] = dict(
        session.execute(
            text(
                "SELECT o.code, count(s.code) FROM office o JOIN street s "
                "ON ST_Relate(o.jurisdiction, s.geom, 'T********') "
                "WHERE o.department_type = 'gongan' GROUP BY o.code"
            )
        ).all()
    )
    overlapping_pairs = session.execute(
        text(
            "SELECT count(*) FROM office a JOIN office b ON a.department_id = b.department_id "
            "AND a.code < b.code AND ST_Relate(a.jurisdiction, b.jurisdiction, 'T********')"
        )
    ).scalar_one()
    department_codes = session.execute(text("SELECT code FROM department")).scalars().all()

    assert len(streets_per_station) == 8
    assert sum(1 for count in streets_per_station.values() if count > 1) >= 4
    assert overlapping_pairs == 0
    for code in department_codes:
        gaps = service.department_gaps(session, code=code)
        assert gaps["features"] == [], code
        assert gaps["unit_grid_codes"] == [], code


def test_seeding_again_changes_nothing(session: Session, demo_org: org_seed.SeedCounts) -> None:
    again = org_seed.load_demo(session, get_settings().seeds_dir)

    assert again == org_seed.SeedCounts(0, 0, 0, demo_org.offices_created)


@pytest.mark.usefixtures("demo_org")
def test_every_office_but_the_grid_centers_has_a_demo_liaison(session: Session) -> None:
    # Parsed rather than loaded: hashing 51 passwords would take most of a minute.
    path = get_settings().seeds_dir / "changning" / "liaisons.yaml"
    liaisons = yaml.safe_load(path.read_text(encoding="utf-8"))["users"]
    dispatchable = set(
        session.execute(text("SELECT code FROM office WHERE department_type <> 'grid_center'"))
        .scalars()
        .all()
    )

    assert {liaison["office_code"] for liaison in liaisons} == dispatchable
    assert all(liaison["username"] == f"liaison-{liaison['office_code']}" for liaison in liaisons)
    assert all(liaison["role"] == "liaison" for liaison in liaisons)
    assert len(liaisons) == len(dispatchable)
