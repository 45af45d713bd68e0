"""Routing: saving and reading rule-set versions, deciding where a case goes, explain, coverage.

Deciding is the pure engine (`engine.decide`) fed with facts gathered here: the item from the
catalog, the offices covering the point from org (one query), the street's grid center. The
active rule set is compiled once per version and kept in this process.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from gridloop.auth.models import User
from gridloop.catalog import service as catalog_service
from gridloop.catalog.departments import DEPARTMENT_TYPES
from gridloop.catalog.schemas import ItemRead
from gridloop.config import get_settings
from gridloop.errors import InvalidInput, InvalidRuleSet, NotFound, ProblemItem
from gridloop.geo import geojson
from gridloop.geo import service as geo_service
from gridloop.localtime import parse_timezone
from gridloop.org import service as org_service
from gridloop.routing import engine, repository, validation
from gridloop.routing.models import RuleSet
from gridloop.routing.schemas import (
    CoverageRead,
    DecisionRead,
    ExplainItem,
    ExplainRead,
    ExplainRequest,
    LeadRead,
    RoutedOfficeRead,
    RuleCheckRead,
    RuleCreate,
    RuleRead,
    RuleSetCreate,
    RuleSetRead,
    RuleSetSummary,
    TraceRead,
    TraceStepRead,
)

COMPILED_CACHE_SIZE = 8

# ----------------------------------------------------------------------------- saving


def canonical(document: RuleSetCreate) -> dict[str, Any]:
    """The rule set as stored and hashed: defaults filled in, nulls left out."""
    return document.model_dump(mode="json", exclude_none=True)


def content_sha256(document: RuleSetCreate) -> str:
    text = json.dumps(
        canonical(document), sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _known(session: Session, references: validation.References) -> validation.Known:
    return validation.Known(
        department_types=DEPARTMENT_TYPES.keys(),
        item_codes=repository.item_codes(session),
        street_codes=repository.existing(session, table="street", codes=references.street_codes),
        unit_grid_codes=repository.existing(
            session, table="unit_grid", codes=references.unit_grid_codes
        ),
        office_codes=repository.existing(session, table="office", codes=references.office_codes),
    )


def check_rule_set(session: Session, *, document: RuleSetCreate) -> list[engine.Rule]:
    """The engine's rules of a document; InvalidRuleSet listing every offending rule if any."""
    parsed = validation.parse_rules(document)
    problems = validation.check(parsed, _known(session, validation.references(parsed.rules)))
    if problems:
        count = len({problem.index for problem in problems})
        raise InvalidRuleSet(
            f"{count} 条规则有问题，未保存 / {count} rule(s) rejected, nothing was saved",
            errors=problems,
        )
    return parsed.rules


def save_rule_set(
    session: Session,
    *,
    document: RuleSetCreate,
    source: str,
    author: User | None,
    now: datetime,
) -> RuleSetRead:
    """Check a whole rule set, store it as the next version and make it the active one.

    One transaction: the previous version is deactivated in the same flush, so readers see
    either the old active version or the new one. Old versions stay readable.
    """
    check_rule_set(session, document=document)
    stored = canonical(document)
    repository.lock_rule_sets(session)
    version = repository.next_version(session)
    repository.deactivate_all(session)
    session.flush()
    row = repository.add_rule_set(
        session,
        version=version,
        name=document.name,
        description=document.description,
        content_sha256=content_sha256(document),
        source=source,
        created_by_user_id=None if author is None else author.user_id,
        activated_at=now,
        rules=[(rule["id"], rule["priority"], rule) for rule in stored["rules"]],
    )
    session.flush()
    return _read(row, None if author is None else author.username, stored["rules"])


def save_if_changed(
    session: Session, *, document: RuleSetCreate, source: str, now: datetime
) -> RuleSetRead | None:
    """Save a rule set unless the active version has the same content (None then)."""
    active = repository.active_version(session)
    if active is not None and active[1] == content_sha256(document):
        return None
    return save_rule_set(session, document=document, source=source, author=None, now=now)


# ----------------------------------------------------------------------------- reading


def _summary(row: RuleSet, author: str | None) -> RuleSetSummary:
    return RuleSetSummary(
        version=row.version,
        name=row.name,
        description=row.description,
        is_active=row.is_active,
        rule_count=row.rule_count,
        content_sha256=row.content_sha256,
        source=row.source,
        created_at=row.created_at,
        activated_at=row.activated_at,
        created_by=author,
    )


def _read(row: RuleSet, author: str | None, specs: list[dict[str, Any]]) -> RuleSetRead:
    return RuleSetRead(
        **_summary(row, author).model_dump(),
        rules=[RuleRead.model_validate(spec) for spec in specs],
    )


def list_rule_sets(session: Session) -> list[RuleSetSummary]:
    """Every version, newest first."""
    return [_summary(row, author) for row, author in repository.rule_sets(session)]


def get_rule_set(session: Session, *, version: int) -> RuleSetRead:
    found = repository.rule_set(session, version=version)
    if found is None:
        raise NotFound(f"规则集版本 {version} 不存在 / no rule set version {version}")
    row, author = found
    return _read(row, author, repository.rule_specs(session, version=version))


def active_rule_set(session: Session) -> RuleSetRead:
    found = repository.active_rule_set(session)
    if found is None:
        raise NotFound("尚无生效的规则集 / no rule set is active")
    row, author = found
    return _read(row, author, repository.rule_specs(session, version=row.version))


# ----------------------------------------------------------------------------- deciding

_compiled: OrderedDict[tuple[int, str], engine.RuleSet] = OrderedDict()
_compiled_lock = threading.Lock()


def compiled_active(session: Session) -> engine.RuleSet:
    """The active rule set, compiled once per (version, content) and kept in this process."""
    active = repository.active_version(session)
    if active is None:
        return engine.EMPTY_RULE_SET
    with _compiled_lock:
        cached = _compiled.get(active)
        if cached is not None:
            _compiled.move_to_end(active)
            return cached
    version = active[0]
    specs = [
        RuleCreate.model_validate(spec) for spec in repository.rule_specs(session, version=version)
    ]
    problems: list[ProblemItem] = []
    rules = [validation.to_rule(spec, index=i, problems=problems) for i, spec in enumerate(specs)]
    compiled = engine.compile_rule_set(rules, version=version)
    with _compiled_lock:
        _compiled[active] = compiled
        while len(_compiled) > COMPILED_CACHE_SIZE:
            _compiled.popitem(last=False)
    return compiled


def _item(session: Session, code: str, field: str) -> ItemRead:
    try:
        return catalog_service.get_item(session, code=code)
    except NotFound as exc:
        raise InvalidInput(
            f"管理条目 {code} 不存在 / unknown catalog item {code}",
            errors=[ProblemItem(location=field, reason=f"unknown item {code}")],
        ) from exc


def facts(
    session: Session,
    *,
    lon: float,
    lat: float,
    unit_grid_code: str,
    community_code: str,
    street_code: str,
    item: ItemRead,
    at: datetime,
    attributes: Mapping[str, engine.Scalar],
    rule_set: engine.RuleSet,
    tier: str | None = None,
) -> engine.Facts:
    """What the engine needs to know, from the catalog item, org and the located point."""
    return engine.Facts(
        lon=lon,
        lat=lat,
        unit_grid_code=unit_grid_code,
        community_code=community_code,
        street_code=street_code,
        item_code=item.code,
        tier=tier or item.tier.value,
        default_department=item.default_department_type.value,
        at=at,
        zone=parse_timezone(get_settings().timezone),
        covering=org_service.offices_covering(session, lon=lon, lat=lat),
        street_center=org_service.street_center(session, street_code=street_code),
        attributes=dict(attributes),
        fixed_offices=repository.offices_by_code(session, codes=rule_set.fixed_office_codes),
    )


def decide(
    session: Session,
    *,
    lon: float,
    lat: float,
    unit_grid_code: str,
    community_code: str,
    street_code: str,
    item_code: str,
    at: datetime,
    attributes: Mapping[str, engine.Scalar] | None = None,
    tier: str | None = None,
) -> engine.Decision:
    """Where a case at a WGS-84 point goes, by the active rule set (for dispatch).

    `tier` overrides the item's tier (a case's tier is fixed when it is registered); an unknown
    item is InvalidInput.
    """
    rule_set = compiled_active(session)
    item = _item(session, item_code, "item_code")
    return engine.decide(
        facts(
            session,
            lon=lon,
            lat=lat,
            unit_grid_code=unit_grid_code,
            community_code=community_code,
            street_code=street_code,
            item=item,
            at=at,
            attributes=attributes or {},
            rule_set=rule_set,
            tier=tier,
        ),
        rule_set,
    )


def _department_name(code: str) -> str:
    return DEPARTMENT_TYPES.get(code, code)


def _office_read(office: engine.Office) -> RoutedOfficeRead:
    return RoutedOfficeRead(
        code=office.code,
        name=office.name,
        department_type=office.department_type,
        department_type_name=_department_name(office.department_type),
    )


def decision_read(decision: engine.Decision) -> DecisionRead:
    lead = decision.lead
    return DecisionRead(
        lead=LeadRead(
            kind=lead.kind,
            department_type=lead.department_type,
            department_type_name=_department_name(lead.department_type),
            office=None if lead.office is None else _office_read(lead.office),
            street_code=lead.street_code,
        ),
        assisting=[_office_read(office) for office in decision.assisting],
        rule_id=decision.rule_id,
        rule_set_version=decision.rule_set_version,
        fallback=decision.fallback,
        trace=TraceRead(
            rules=[
                RuleCheckRead(
                    rule_id=check.rule_id,
                    priority=check.priority,
                    matched=check.matched,
                    failed_condition=check.failed,
                    reason=check.reason,
                )
                for check in decision.trace.rules
            ],
            steps=[
                TraceStepRead(
                    step=step.step,
                    message=step.message,
                    department_type=step.department_type,
                    office_code=step.office_code,
                )
                for step in decision.trace.steps
            ],
            rules_in_set=decision.trace.rules_in_set,
            rules_skipped_by_item=decision.trace.rules_skipped_by_item,
        ),
    )


def explain(session: Session, *, request: ExplainRequest, now: datetime) -> ExplainRead:
    """Where a case would go, and why, without filing anything."""
    location = geo_service.locate(session, lon=request.lon, lat=request.lat, crs=request.crs)
    item = _item(session, request.item_code, "body.item_code")
    at = request.at or now
    rule_set = compiled_active(session)
    decision = engine.decide(
        facts(
            session,
            lon=location.point.lon,
            lat=location.point.lat,
            unit_grid_code=location.unit_grid_code,
            community_code=location.community.code,
            street_code=location.street.code,
            item=item,
            at=at,
            attributes=request.attributes,
            rule_set=rule_set,
        ),
        rule_set,
    )
    return ExplainRead(
        location=location,
        item=ExplainItem(
            code=item.code,
            name=item.name,
            tier=item.tier.value,
            default_department_type=item.default_department_type.value,
        ),
        at=at.astimezone(parse_timezone(get_settings().timezone)),
        decision=decision_read(decision),
    )


# ----------------------------------------------------------------------------- coverage


def coverage(session: Session, *, item_code: str, street_code: str | None = None) -> CoverageRead:
    """Unit grids with points that no office of the item's default department covers.

    The default department, not a rule's: rules depend on time and attributes, so "the" department
    of an item at a grid is only known per case. A listed grid's cases fall back to the street
    center (属地兜底) when no rule sends them elsewhere.
    """
    item = _item(session, item_code, "item_code")
    department = item.default_department_type.value
    rows = repository.uncovered_unit_grids(
        session, department_type=department, street_code=street_code
    )
    return CoverageRead.model_validate(
        {
            "type": "FeatureCollection",
            "item_code": item.code,
            "department_type": department,
            "department_type_name": _department_name(department),
            "features": [
                {
                    "type": "Feature",
                    "id": row.code,
                    "geometry": geojson.parse(row.geojson),
                    "properties": {
                        "code": row.code,
                        "street_code": row.street_code,
                        "covered_share": max(0.0, 1.0 - row.uncovered_m2 / row.area_m2)
                        if row.area_m2
                        else 0.0,
                    },
                }
                for row in rows
            ],
        }
    )
