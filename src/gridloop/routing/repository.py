"""SQL of routing: rule-set versions and their rules, code look-ups for validation, coverage."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, func, insert, select, text, update
from sqlalchemy.orm import Session

from gridloop.auth.models import User
from gridloop.org.schemas import OfficeRef
from gridloop.routing.models import Rule, RuleSet

# ----------------------------------------------------------------------------- rule sets


def lock_rule_sets(session: Session) -> None:
    """Serialise writers of rule sets (readers go on): versions stay dense, one stays active."""
    session.execute(text("LOCK TABLE routing_rule_set IN SHARE ROW EXCLUSIVE MODE"))


def next_version(session: Session) -> int:
    latest = session.scalar(select(func.max(RuleSet.version)))
    return 1 if latest is None else int(latest) + 1


def deactivate_all(session: Session) -> None:
    session.execute(update(RuleSet).where(RuleSet.is_active).values(is_active=False))


def add_rule_set(
    session: Session,
    *,
    version: int,
    name: str,
    description: str,
    content_sha256: str,
    source: str,
    created_by_user_id: int | None,
    activated_at: datetime,
    rules: Sequence[tuple[str, int, dict[str, Any]]],
) -> RuleSet:
    """Insert an active version and its rules (id, priority, spec) in file order."""
    row = RuleSet(
        version=version,
        name=name,
        description=description,
        content_sha256=content_sha256,
        rule_count=len(rules),
        source=source,
        is_active=True,
        activated_at=activated_at,
        created_by_user_id=created_by_user_id,
    )
    session.add(row)
    session.flush()
    if rules:
        session.execute(
            insert(Rule),
            [
                {
                    "version": version,
                    "rule_id": rule_id,
                    "position": position,
                    "priority": priority,
                    "spec": spec,
                }
                for position, (rule_id, priority, spec) in enumerate(rules)
            ],
        )
    return row


def _with_author() -> Any:
    return select(RuleSet, User.username).outerjoin(
        User, User.user_id == RuleSet.created_by_user_id
    )


def rule_set(session: Session, *, version: int) -> Row[RuleSet, str | None] | None:
    return session.execute(_with_author().where(RuleSet.version == version)).one_or_none()


def active_rule_set(session: Session) -> Row[RuleSet, str | None] | None:
    return session.execute(_with_author().where(RuleSet.is_active)).one_or_none()


def active_version(session: Session) -> tuple[int, str] | None:
    """The active version and its content hash: all a cached compiled rule set needs."""
    row = session.execute(
        select(RuleSet.version, RuleSet.content_sha256).where(RuleSet.is_active)
    ).one_or_none()
    return None if row is None else (row.version, row.content_sha256)


def rule_sets(session: Session) -> list[Row[RuleSet, str | None]]:
    return list(session.execute(_with_author().order_by(RuleSet.version.desc())))


def rule_specs(session: Session, *, version: int) -> list[dict[str, Any]]:
    """The rules of a version as written, in file order."""
    return list(
        session.scalars(select(Rule.spec).where(Rule.version == version).order_by(Rule.position))
    )


# ----------------------------------------------------------------------------- other domains
# Small look-ups on the catalog, the map and org that those domains do not offer in this form.


def item_codes(session: Session) -> set[str]:
    """Every catalog item code, retired ones included (a rule may still name them)."""
    return set(session.scalars(text("SELECT code FROM catalog_item")))


def existing(session: Session, *, table: str, codes: Collection[str]) -> set[str]:
    """The codes among `codes` that exist in a table keyed by `code`."""
    if table not in ("street", "unit_grid", "office"):
        raise ValueError(table)
    if not codes:
        return set()
    return set(
        session.scalars(
            text(f"SELECT code FROM {table} WHERE code = ANY(:codes)"), {"codes": list(codes)}
        )
    )


def offices_by_code(session: Session, *, codes: Collection[str]) -> dict[str, OfficeRef]:
    if not codes:
        return {}
    rows = session.execute(
        text(
            "SELECT o.office_id, o.code, o.name, d.code AS department_code, o.department_type, "
            "o.street_code FROM office o JOIN department d ON d.department_id = o.department_id "
            "WHERE o.code = ANY(:codes)"
        ),
        {"codes": list(codes)},
    )
    return {
        row.code: OfficeRef(
            office_id=row.office_id,
            code=row.code,
            name=row.name,
            department_code=row.department_code,
            department_type=row.department_type,
            street_code=row.street_code,
        )
        for row in rows
    }


# ----------------------------------------------------------------------------- coverage

# Uncovered parts smaller than this are floating-point slivers along shared edges, not gaps.
SLIVER_M2 = 1.0

COVERAGE_SQL = text(
    """
    WITH covered AS (
        SELECT ST_Union(jurisdiction) AS geom FROM office
        WHERE department_type = :department_type AND jurisdiction IS NOT NULL
    ), uncovered AS (
        SELECT u.code, u.street_code, u.geom,
               CASE WHEN c.geom IS NULL THEN u.geom ELSE ST_Difference(u.geom, c.geom) END AS gap
        FROM unit_grid u CROSS JOIN covered c
        WHERE (CAST(:street_code AS text) IS NULL OR u.street_code = :street_code)
          AND (c.geom IS NULL OR NOT ST_Covers(c.geom, u.geom))
    )
    SELECT code, street_code, ST_AsGeoJSON(geom, 7) AS geojson,
           ST_Area(gap::geography) AS uncovered_m2, ST_Area(geom::geography) AS area_m2
    FROM uncovered
    WHERE ST_Area(gap::geography) >= :sliver_m2
    ORDER BY code
    """
)


def uncovered_unit_grids(
    session: Session, *, department_type: str, street_code: str | None
) -> list[Row[Any]]:
    """Unit grids that the offices of a department type do not wholly cover."""
    return list(
        session.execute(
            COVERAGE_SQL,
            {
                "department_type": department_type,
                "street_code": street_code,
                "sliver_m2": SLIVER_M2,
            },
        )
    )
