"""Load departments (YAML) and offices (GeoJSON) through the service's checks; idempotent."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.orm import Session

from gridloop.org import repository, service
from gridloop.org.jurisdiction import to_multipolygon


@dataclass(frozen=True)
class SeedCounts:
    departments_created: int
    offices_created: int
    offices_updated: int
    offices_unchanged: int


def load_departments(session: Session, path: Path) -> int:
    """Create or update the departments of a YAML file; how many were created."""
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    created = 0
    for spec in document["departments"]:
        created += service.save_department(
            session,
            code=str(spec["code"]),
            name=str(spec["name"]),
            department_type=str(spec["department_type"]),
            district_code=str(spec["district_code"]),
        )
    return created


def load_offices(session: Session, path: Path) -> tuple[int, int, int]:
    """Create new offices of a GeoJSON file and update changed ones: (created, updated, same)."""
    collection = json.loads(path.read_text(encoding="utf-8"))
    created = updated = unchanged = 0
    for feature in collection["features"]:
        properties: dict[str, Any] = feature["properties"]
        geometry: dict[str, Any] | None = feature.get("geometry")
        fields: dict[str, Any] = {
            "name": properties["name"],
            "department_code": properties["department_code"],
            "street_code": properties.get("street_code"),
            "jurisdiction": geometry,
        }
        office = repository.get_office(session, properties["code"])
        if office is None:
            service.create_office(session, code=properties["code"], **fields)
            created += 1
            continue
        department = repository.get_department_by_id(session, office.department_id)
        if (
            office.name == fields["name"]
            and department is not None
            and department.code == fields["department_code"]
            and office.street_code == fields["street_code"]
            and service.same_jurisdiction(
                office, None if geometry is None else to_multipolygon(geometry)
            )
        ):
            unchanged += 1
            continue
        service.update_office(session, code=properties["code"], **fields)
        updated += 1
    return created, updated, unchanged


def load_demo(session: Session, seeds_dir: Path) -> SeedCounts:
    """The demo departments and offices of 长宁区 (`seeds/changning/`)."""
    folder = seeds_dir / "changning"
    departments = load_departments(session, folder / "departments.yaml")
    created, updated, unchanged = load_offices(session, folder / "offices.geojson")
    return SeedCounts(departments, created, updated, unchanged)
