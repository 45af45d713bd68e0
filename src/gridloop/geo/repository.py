"""SQL of the grid map: staging and checking imports, upserts, locate, layer pages.

An import is first copied into a temporary stage table so that the database checks it as a set
(parents, overlaps, members) before anything is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import (
    ARRAY,
    Column,
    ColumnElement,
    Index,
    Integer,
    Label,
    MetaData,
    Row,
    Select,
    Table,
    Text,
    and_,
    any_,
    exists,
    func,
    literal_column,
    not_,
    null,
    or_,
    select,
    text,
    true,
    update,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session
from sqlalchemy.schema import CreateTable, DropTable

from gridloop.db import Base
from gridloop.geo import geojson
from gridloop.geo.layers import Layer, LayerSpec
from gridloop.geo.models import District, ResponsibilityGrid, Street, UnitGrid
from gridloop.geo.validation import ParsedFeature

# The stage lives for one transaction; it is not part of the schema the migrations build.
STAGE = Table(
    "geo_import_stage",
    MetaData(),
    Column("idx", Integer, primary_key=True),
    Column("code", Text, nullable=False, unique=True),
    Column("parent_code", Text, nullable=False),
    Column("name", Text),
    Column("geom", Geometry("MULTIPOLYGON", srid=geojson.SRID, spatial_index=False)),
    Column("members", ARRAY(Text)),
    prefixes=["TEMPORARY"],
    postgresql_on_commit="DROP",
)
_STAGE_GEOM_INDEX = Index("geo_import_stage_geom", STAGE.c.geom, postgresql_using="gist")
# Copying rows in is the driver's COPY, much faster than an INSERT per feature.
_COPY = f"COPY {STAGE.name} (idx, code, parent_code, name, geom, members) FROM STDIN"


def _table(name: str) -> Table:
    """A grid map table by name (a LayerSpec names its tables)."""
    return Base.metadata.tables[name]


_DISTRICT = _table(District.__tablename__)
_UNIT_GRID = _table(UnitGrid.__tablename__)
_GRIDS = _table(ResponsibilityGrid.__tablename__)


def _members() -> Any:
    """The stage's member codes, one row each: `unnest(members) AS m(code)`."""
    return func.unnest(STAGE.c.members).table_valued("code").render_derived(name="m")


def stage(session: Session, features: Sequence[ParsedFeature]) -> None:
    """Copy the features into a temporary table, so the database can check them as a set."""
    connection = session.connection()
    # The table alone: its GiST index is built after the copy, at once rather than row by row.
    connection.execute(CreateTable(STAGE))
    raw = connection.connection.driver_connection
    assert raw is not None
    with raw.cursor() as cursor, cursor.copy(_COPY) as copy:
        for feature in features:
            members = feature.extra.get("unit_grid_codes")
            copy.write_row(
                (
                    feature.index,
                    feature.code,
                    feature.parent_code,
                    feature.name,
                    None if feature.geometry is None else geojson.ewkb_hex(feature.geometry),
                    [str(code) for code in members] if isinstance(members, list) else None,
                )
            )
    _STAGE_GEOM_INDEX.create(connection)
    session.execute(text(f"ANALYZE {STAGE.name}"))


def drop_stage(session: Session) -> None:
    session.execute(DropTable(STAGE, if_exists=True))


def _rows(session: Session, statement: Select[Any]) -> list[Row[Any]]:
    return list(session.execute(statement))


def missing_parents(session: Session, spec: LayerSpec) -> list[Row[Any]]:
    parent = _table(spec.parent_table)
    statement = (
        select(STAGE.c.idx, STAGE.c.parent_code)
        .select_from(STAGE.outerjoin(parent, parent.c.code == STAGE.c.parent_code))
        .where(parent.c.code.is_(None))
        .order_by(STAGE.c.idx)
    )
    return _rows(session, statement)


def outside_parent(session: Session, spec: LayerSpec) -> list[Row[Any]]:
    parent = _table(spec.parent_table)
    statement = (
        select(STAGE.c.idx, STAGE.c.parent_code)
        .join(parent, parent.c.code == STAGE.c.parent_code)
        .where(not_(func.ST_CoveredBy(STAGE.c.geom, parent.c.geom)))
        .order_by(STAGE.c.idx)
    )
    return _rows(session, statement)


def overlapping_existing(session: Session, spec: LayerSpec) -> list[Row[Any]]:
    """Features whose interior meets a stored tile that this file does not replace."""
    stored = _table(spec.table)
    replaced = STAGE.alias("r")
    meets = and_(
        stored.c.geom.op("&&")(STAGE.c.geom),
        func.ST_Relate(stored.c.geom, STAGE.c.geom, "T********"),
    )
    statement = (
        select(STAGE.c.idx, stored.c.code)
        .join(stored, meets)
        .where(~exists().where(replaced.c.code == stored.c.code))
        .order_by(STAGE.c.idx, stored.c.code)
    )
    return _rows(session, statement)


def children_left_outside(session: Session, spec: LayerSpec, child_table: str) -> list[Row[Any]]:
    """Stored children that a replaced geometry would no longer cover."""
    child = _table(child_table)
    statement = (
        select(STAGE.c.idx, child.c.code)
        .join(child, child.c[f"{spec.table}_code"] == STAGE.c.code)
        .where(not_(func.ST_CoveredBy(child.c.geom, STAGE.c.geom)))
        .order_by(STAGE.c.idx, child.c.code)
    )
    return _rows(session, statement)


def bad_members(session: Session) -> list[Row[Any]]:
    """Unit grids named by a responsibility grid that are missing or in another street."""
    member = _members()
    unit = _UNIT_GRID
    statement = (
        select(STAGE.c.idx, member.c.code)
        .select_from(STAGE.join(member, true()).outerjoin(unit, unit.c.code == member.c.code))
        .where(or_(unit.c.code.is_(None), unit.c.street_code != STAGE.c.parent_code))
        .order_by(STAGE.c.idx, member.c.code)
    )
    return _rows(session, statement)


def repeated_members(session: Session) -> list[Row[Any]]:
    member = _members()
    last = func.max(STAGE.c.idx)
    statement = (
        select(last.label("idx"), member.c.code)
        .select_from(STAGE.join(member, true()))
        .group_by(member.c.code)
        .having(func.count() > 1)
        .order_by(last, member.c.code)
    )
    return _rows(session, statement)


def upsert_districts(session: Session, districts: dict[str, str]) -> None:
    if not districts:
        return
    statement = insert(_DISTRICT).values(
        [{"code": code, "name": name} for code, name in districts.items()]
    )
    session.execute(
        statement.on_conflict_do_update(
            index_elements=[_DISTRICT.c.code], set_={"name": statement.excluded.name}
        )
    )


def refresh_district_geometry(session: Session, codes: Sequence[str]) -> None:
    union = (
        select(func.ST_Multi(func.ST_Union(Street.geom)))
        .where(Street.district_code == _DISTRICT.c.code)
        .scalar_subquery()
    )
    session.execute(update(_DISTRICT).where(_DISTRICT.c.code.in_(list(codes))).values(geom=union))


# Whether ON CONFLICT inserted the row rather than updated it: a fresh row has no xmax.
_CREATED: Label[bool] = literal_column("xmax = 0").label("created")


def upsert_tiles(session: Session, spec: LayerSpec) -> tuple[set[str], set[str]]:
    """Insert new tiles and update changed ones; unchanged rows are not touched.

    Returns the codes created and the codes updated.
    """
    tiles = _table(spec.table)
    columns = ["code", spec.parent_property, "geom"] + (["name"] if spec.named else [])
    staged = [STAGE.c.code, STAGE.c.parent_code, STAGE.c.geom]
    if spec.named:
        staged.append(STAGE.c.name)
    statement = insert(tiles).from_select(columns, select(*staged).order_by(STAGE.c.code))
    changed = columns[1:]
    rows = session.execute(
        statement.on_conflict_do_update(
            index_elements=[tiles.c.code],
            set_={name: statement.excluded[name] for name in changed},
            where=_any_differs(tiles, statement.excluded, changed),
        ).returning(tiles.c.code, _CREATED)
    )
    return _split_created(rows)


def _any_differs(table: Table, excluded: Any, names: Sequence[str]) -> ColumnElement[bool]:
    return or_(*(table.c[name].is_distinct_from(excluded[name]) for name in names))


def _split_created(rows: Any) -> tuple[set[str], set[str]]:
    created: set[str] = set()
    updated: set[str] = set()
    for code, was_created in rows:
        (created if was_created else updated).add(code)
    return created, updated


def upsert_responsibility_grids(session: Session) -> tuple[set[str], set[str]]:
    grids = _GRIDS
    statement = insert(grids).from_select(
        ["code", "street_code", "name"],
        select(STAGE.c.code, STAGE.c.parent_code, STAGE.c.name),
    )
    changed = ["street_code", "name"]
    rows = session.execute(
        statement.on_conflict_do_update(
            index_elements=[grids.c.code],
            set_={name: statement.excluded[name] for name in changed},
            where=_any_differs(grids, statement.excluded, changed),
        ).returning(grids.c.code, _CREATED)
    )
    created, updated = _split_created(rows)
    _regroup_unit_grids(session)
    regrouped = _refresh_grid_geometry(session)
    return created, (updated | regrouped) - created


def _regroup_unit_grids(session: Session) -> None:
    """A unit grid belongs to one responsibility grid: the file's membership replaces the old."""
    unit = _UNIT_GRID
    session.execute(
        update(unit)
        .where(
            unit.c.responsibility_grid_code == STAGE.c.code,
            not_(unit.c.code == any_(STAGE.c.members)),
        )
        .values(responsibility_grid_code=None)
    )
    session.execute(
        update(unit)
        .where(
            unit.c.code == any_(STAGE.c.members),
            unit.c.responsibility_grid_code.is_distinct_from(STAGE.c.code),
        )
        .values(responsibility_grid_code=STAGE.c.code)
    )


def _refresh_grid_geometry(session: Session) -> set[str]:
    """Each staged responsibility grid's geometry as the union of its unit grids; the changed."""
    unit, grids = _UNIT_GRID, _GRIDS
    unions = (
        select(
            unit.c.responsibility_grid_code.label("code"),
            func.ST_Multi(func.ST_Union(unit.c.geom)).label("geom"),
        )
        .join(STAGE, STAGE.c.code == unit.c.responsibility_grid_code)
        .group_by(unit.c.responsibility_grid_code)
        .subquery("sub")
    )
    changed = session.execute(
        update(grids)
        .where(grids.c.code == unions.c.code, grids.c.geom.is_distinct_from(unions.c.geom))
        .values(geom=unions.c.geom)
        .returning(grids.c.code)
    ).scalars()
    return set(changed)


# A unit grid with the names of the places it lies in; {grid} is the subquery naming one grid.
_PLACES_OF_GRID = """
    SELECT u.code AS unit_grid_code,
           c.code AS community_code, c.name AS community_name,
           s.code AS street_code, s.name AS street_name,
           d.code AS district_code, d.name AS district_name,
           r.code AS responsibility_grid_code, r.name AS responsibility_grid_name
    FROM ({grid}) u
    JOIN community c ON c.code = u.community_code
    JOIN street s ON s.code = c.street_code
    JOIN district d ON d.code = s.district_code
    LEFT JOIN responsibility_grid r ON r.code = u.responsibility_grid_code
"""

# The covering grids are found first, alone and through the GiST index: the planner then reuses
# one generic plan instead of re-planning a five-table join on every call (which cost more than
# the lookup). MATERIALIZED keeps `ORDER BY code LIMIT 1` from tempting it into walking the
# primary key and testing every grid, as it does on a table without statistics. Written as SQL:
# the plan is the point here, and the text says it plainly.
LOCATE_SQL = text(
    """
    WITH covering AS MATERIALIZED (
        SELECT code, community_code, responsibility_grid_code
        FROM unit_grid
        WHERE ST_Covers(geom, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))
    )"""
    + _PLACES_OF_GRID.format(grid="SELECT * FROM covering ORDER BY code LIMIT 1")
)

GRID_PLACES_SQL = text(
    _PLACES_OF_GRID.format(
        grid="SELECT code, community_code, responsibility_grid_code FROM unit_grid "
        "WHERE code = :code"
    )
)


def locate(session: Session, *, lon: float, lat: float) -> Row[Any] | None:
    return session.execute(LOCATE_SQL, {"lon": lon, "lat": lat}).one_or_none()


def grid_places(session: Session, *, code: str) -> Row[Any] | None:
    """A unit grid with its community, street, district and responsibility grid (as locate)."""
    return session.execute(GRID_PLACES_SQL, {"code": code}).one_or_none()


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
    layer = _table(spec.table)
    statement = (
        select(*_layer_columns(spec, layer))
        .where(layer.c.geom.is_not(None))
        .order_by(layer.c.code)
        .limit(limit)
    )
    if after is not None:
        statement = statement.where(layer.c.code > after)
    if code is not None:
        statement = statement.where(layer.c.code == code)
    if bbox is not None:
        envelope = func.ST_MakeEnvelope(*bbox, geojson.SRID)
        statement = statement.where(layer.c.geom.op("&&")(envelope))
    return _rows(session, statement)


def _layer_columns(spec: LayerSpec, layer: Table) -> list[Any]:
    columns: list[Any] = [
        layer.c.code,
        (layer.c.name if spec.named else null()).label("name"),
        layer.c[spec.parent_property].label("parent_code"),
        geojson.as_geojson(layer.c.geom).label("geojson"),
    ]
    if spec.layer is Layer.RESPONSIBILITY_GRIDS:
        unit = _UNIT_GRID
        members = (
            select(unit.c.code)
            .where(unit.c.responsibility_grid_code == layer.c.code)
            .order_by(unit.c.code)
            .scalar_subquery()
        )
        columns.append(func.array(members).label("members"))
    if spec.layer is Layer.STREETS:
        district_name = (
            select(_DISTRICT.c.name)
            .where(_DISTRICT.c.code == layer.c.district_code)
            .scalar_subquery()
        )
        columns.append(district_name.label("district_name"))
    return columns


def responsibility_grid_codes(session: Session, *, street_code: str) -> list[str]:
    statement = (
        select(ResponsibilityGrid.code)
        .where(ResponsibilityGrid.street_code == street_code)
        .order_by(ResponsibilityGrid.code)
    )
    return list(session.scalars(statement))
