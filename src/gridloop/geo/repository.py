"""SQL of the grid map: staging and checking imports, upserts, locate, layer pages."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import shapely
from sqlalchemy import Row, text
from sqlalchemy.orm import Session

from gridloop.geo.layers import LayerSpec
from gridloop.geo.validation import ParsedFeature

STAGE = "geo_import_stage"


def stage(session: Session, features: Sequence[ParsedFeature]) -> None:
    """Copy the features into a temporary table, so the database can check them as a set."""
    session.execute(
        text(
            f"CREATE TEMP TABLE {STAGE} (idx int PRIMARY KEY, code text NOT NULL UNIQUE, "
            "parent_code text NOT NULL, name text, geom geometry(MultiPolygon, 4326), "
            "members text[]) ON COMMIT DROP"
        )
    )
    raw = session.connection().connection.driver_connection
    assert raw is not None
    with (
        raw.cursor() as cursor,
        cursor.copy(
            f"COPY {STAGE} (idx, code, parent_code, name, geom, members) FROM STDIN"
        ) as copy,
    ):
        for feature in features:
            members = feature.extra.get("unit_grid_codes")
            copy.write_row(
                (
                    feature.index,
                    feature.code,
                    feature.parent_code,
                    feature.name,
                    None if feature.geometry is None else _ewkb_hex(feature.geometry),
                    [str(code) for code in members] if isinstance(members, list) else None,
                )
            )
    session.execute(text(f"CREATE INDEX ON {STAGE} USING gist (geom)"))
    session.execute(text(f"ANALYZE {STAGE}"))


def _ewkb_hex(geometry: Any) -> str:
    return str(shapely.to_wkb(shapely.set_srid(geometry, 4326), hex=True, include_srid=True))


def drop_stage(session: Session) -> None:
    session.execute(text(f"DROP TABLE IF EXISTS {STAGE}"))


def missing_parents(session: Session, spec: LayerSpec) -> list[Row[Any]]:
    return list(
        session.execute(
            text(
                f"SELECT s.idx, s.parent_code FROM {STAGE} s "
                f"LEFT JOIN {spec.parent_table} p ON p.code = s.parent_code "
                "WHERE p.code IS NULL ORDER BY s.idx"
            )
        )
    )


def outside_parent(session: Session, spec: LayerSpec) -> list[Row[Any]]:
    return list(
        session.execute(
            text(
                f"SELECT s.idx, s.parent_code FROM {STAGE} s "
                f"JOIN {spec.parent_table} p ON p.code = s.parent_code "
                "WHERE NOT ST_CoveredBy(s.geom, p.geom) ORDER BY s.idx"
            )
        )
    )


def overlapping_existing(session: Session, spec: LayerSpec) -> list[Row[Any]]:
    """Features whose interior meets a stored tile that this file does not replace."""
    return list(
        session.execute(
            text(
                f"SELECT s.idx, e.code FROM {STAGE} s JOIN {spec.table} e "
                "ON e.geom && s.geom AND ST_Relate(e.geom, s.geom, 'T********') "
                f"WHERE NOT EXISTS (SELECT 1 FROM {STAGE} r WHERE r.code = e.code) "
                "ORDER BY s.idx, e.code"
            )
        )
    )


def children_left_outside(session: Session, spec: LayerSpec, child_table: str) -> list[Row[Any]]:
    """Stored children that a replaced geometry would no longer cover."""
    return list(
        session.execute(
            text(
                f"SELECT s.idx, c.code FROM {STAGE} s JOIN {child_table} c "
                f"ON c.{spec.table}_code = s.code WHERE NOT ST_CoveredBy(c.geom, s.geom) "
                "ORDER BY s.idx, c.code"
            )
        )
    )


def bad_members(session: Session) -> list[Row[Any]]:
    """Unit grids named by a responsibility grid that are missing or in another street."""
    return list(
        session.execute(
            text(
                f"SELECT s.idx, m.code FROM {STAGE} s CROSS JOIN LATERAL unnest(s.members) "
                "AS m(code) LEFT JOIN unit_grid u ON u.code = m.code "
                "WHERE u.code IS NULL OR u.street_code <> s.parent_code ORDER BY s.idx, m.code"
            )
        )
    )


def repeated_members(session: Session) -> list[Row[Any]]:
    return list(
        session.execute(
            text(
                f"SELECT max(s.idx) AS idx, m.code FROM {STAGE} s "
                "CROSS JOIN LATERAL unnest(s.members) AS m(code) "
                "GROUP BY m.code HAVING count(*) > 1 ORDER BY 1, 2"
            )
        )
    )


def upsert_districts(session: Session, districts: dict[str, str]) -> None:
    for code, name in districts.items():
        session.execute(
            text(
                "INSERT INTO district (code, name) VALUES (:code, :name) "
                "ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name"
            ),
            {"code": code, "name": name},
        )


def refresh_district_geometry(session: Session, codes: Sequence[str]) -> None:
    session.execute(
        text(
            "UPDATE district d SET geom = (SELECT ST_Multi(ST_Union(s.geom)) FROM street s "
            "WHERE s.district_code = d.code) WHERE d.code = ANY(:codes)"
        ),
        {"codes": list(codes)},
    )


def upsert_tiles(session: Session, spec: LayerSpec) -> tuple[set[str], set[str]]:
    """Insert new tiles and update changed ones; unchanged rows are not touched.

    Returns the codes created and the codes updated.
    """
    parent = spec.parent_property
    columns = ["code", parent, "geom"] + (["name"] if spec.named else [])
    values = ["s.code", "s.parent_code", "s.geom"] + (["s.name"] if spec.named else [])
    assignments = ", ".join(f"{c} = EXCLUDED.{c}" for c in columns[1:])
    distinct = " OR ".join(f"t.{c} IS DISTINCT FROM EXCLUDED.{c}" for c in columns[1:])
    rows = session.execute(
        text(
            f"INSERT INTO {spec.table} AS t ({', '.join(columns)}) "
            f"SELECT {', '.join(values)} FROM {STAGE} s ORDER BY s.code "
            f"ON CONFLICT (code) DO UPDATE SET {assignments} WHERE {distinct} "
            "RETURNING t.code, (t.xmax = 0) AS created"
        )
    )
    return _split_created(rows)


def _split_created(rows: Any) -> tuple[set[str], set[str]]:
    created: set[str] = set()
    updated: set[str] = set()
    for code, was_created in rows:
        (created if was_created else updated).add(code)
    return created, updated


def upsert_responsibility_grids(session: Session) -> tuple[set[str], set[str]]:
    rows = session.execute(
        text(
            "INSERT INTO responsibility_grid AS t (code, street_code, name) "
            f"SELECT s.code, s.parent_code, s.name FROM {STAGE} s "
            "ON CONFLICT (code) DO UPDATE SET street_code = EXCLUDED.street_code, "
            "name = EXCLUDED.name WHERE t.street_code IS DISTINCT FROM EXCLUDED.street_code "
            "OR t.name IS DISTINCT FROM EXCLUDED.name "
            "RETURNING t.code, (t.xmax = 0) AS created"
        )
    )
    created, updated = _split_created(rows)
    # A unit grid belongs to one responsibility grid: the file's membership replaces the old.
    session.execute(
        text(
            "UPDATE unit_grid u SET responsibility_grid_code = NULL "
            f"FROM {STAGE} s WHERE u.responsibility_grid_code = s.code "
            "AND NOT (u.code = ANY(s.members))"
        )
    )
    session.execute(
        text(
            "UPDATE unit_grid u SET responsibility_grid_code = s.code "
            f"FROM {STAGE} s WHERE u.code = ANY(s.members) "
            "AND u.responsibility_grid_code IS DISTINCT FROM s.code"
        )
    )
    regrouped = session.execute(
        text(
            "UPDATE responsibility_grid r SET geom = sub.geom FROM ("
            "SELECT u.responsibility_grid_code AS code, ST_Multi(ST_Union(u.geom)) AS geom "
            f"FROM unit_grid u JOIN {STAGE} s ON s.code = u.responsibility_grid_code "
            "GROUP BY u.responsibility_grid_code) sub "
            "WHERE r.code = sub.code AND r.geom IS DISTINCT FROM sub.geom RETURNING r.code"
        )
    ).scalars()
    return created, (updated | set(regrouped)) - created


# The covering grids are found first, alone and through the GiST index: the planner then reuses
# one generic plan instead of re-planning a five-table join on every call (which cost more than
# the lookup). MATERIALIZED keeps `ORDER BY code LIMIT 1` from tempting it into walking the
# primary key and testing every grid, as it does on a table without statistics.
LOCATE_SQL = text(
    """
    WITH covering AS MATERIALIZED (
        SELECT code, community_code, responsibility_grid_code
        FROM unit_grid
        WHERE ST_Covers(geom, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))
    )
    SELECT u.code AS unit_grid_code,
           c.code AS community_code, c.name AS community_name,
           s.code AS street_code, s.name AS street_name,
           d.code AS district_code, d.name AS district_name,
           r.code AS responsibility_grid_code, r.name AS responsibility_grid_name
    FROM (SELECT * FROM covering ORDER BY code LIMIT 1) u
    JOIN community c ON c.code = u.community_code
    JOIN street s ON s.code = c.street_code
    JOIN district d ON d.code = s.district_code
    LEFT JOIN responsibility_grid r ON r.code = u.responsibility_grid_code
    """
)


def locate(session: Session, *, lon: float, lat: float) -> Row[Any] | None:
    return session.execute(LOCATE_SQL, {"lon": lon, "lat": lat}).one_or_none()


def layer_page(
    session: Session,
    spec: LayerSpec,
    *,
    after: str | None,
    limit: int,
    bbox: tuple[float, float, float, float] | None,
    code: str | None = None,
) -> list[Row[Any]]:
    """Features of a layer in code order, as GeoJSON text, after a code (keyset paging)."""
    conditions = ["geom IS NOT NULL"]
    params: dict[str, Any] = {"limit": limit}
    if after is not None:
        conditions.append("code > :after")
        params["after"] = after
    if code is not None:
        conditions.append("code = :code")
        params["code"] = code
    if bbox is not None:
        conditions.append("geom && ST_MakeEnvelope(:west, :south, :east, :north, 4326)")
        params.update(zip(("west", "south", "east", "north"), bbox, strict=True))
    extra = ", members" if spec.layer == "responsibility-grids" else ""
    name = "name" if spec.named else "NULL AS name"
    parent = spec.parent_property
    source = spec.table
    if extra:
        source = (
            "(SELECT r.*, ARRAY(SELECT u.code FROM unit_grid u "
            "WHERE u.responsibility_grid_code = r.code ORDER BY u.code) AS members "
            "FROM responsibility_grid r) AS layer"
        )
    district_name = (
        ", (SELECT d.name FROM district d WHERE d.code = district_code) AS district_name"
        if spec.layer == "streets"
        else ""
    )
    return list(
        session.execute(
            text(
                f"SELECT code, {name}, {parent} AS parent_code, ST_AsGeoJSON(geom, 7) AS geojson"
                f"{extra}{district_name} FROM {source} WHERE {' AND '.join(conditions)} "
                "ORDER BY code LIMIT :limit"
            ),
            params,
        )
    )


def responsibility_grid_codes(session: Session, *, street_code: str) -> list[str]:
    return list(
        session.execute(
            text("SELECT code FROM responsibility_grid WHERE street_code = :street ORDER BY code"),
            {"street": street_code},
        ).scalars()
    )
