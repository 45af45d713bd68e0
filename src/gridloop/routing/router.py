"""Routes of routing: explain a decision, read and save rule sets, coverage gaps."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Path, Query

from gridloop.auth.dependencies import CurrentUser, Now, require_roles
from gridloop.auth.models import Role, User
from gridloop.db import ReadSessionDep, SessionDep
from gridloop.errors import (
    Forbidden,
    InvalidInput,
    InvalidRuleSet,
    NotFound,
    OutsideCoverage,
    Unauthorized,
    problems,
)
from gridloop.routing import service
from gridloop.routing.schemas import (
    CoverageRead,
    ExplainRead,
    ExplainRequest,
    RuleSetCreate,
    RuleSetRead,
    RuleSetSummary,
    StreetCode,
)

router = APIRouter(prefix="/routing", tags=["routing"])

MAX_VERSION = 2**31 - 1


@router.post(
    "/explain",
    response_model=ExplainRead,
    responses=problems(Unauthorized, OutsideCoverage, InvalidInput),
)
def explain(session: SessionDep, user: CurrentUser, at: Now, body: ExplainRequest) -> ExplainRead:
    """Where a case at this point would go, and why: the lead office, the assisting offices, the
    rule and version, and the trace of every rule tried. Files nothing.
    """
    return service.explain(session, request=body, now=at)


@router.get("/rulesets", response_model=list[RuleSetSummary], responses=problems(Unauthorized))
def list_rule_sets(session: ReadSessionDep, user: CurrentUser) -> list[RuleSetSummary]:
    """Every rule-set version, newest first."""
    return service.list_rule_sets(session)


@router.get(
    "/rulesets/active", response_model=RuleSetRead, responses=problems(Unauthorized, NotFound)
)
def active_rule_set(session: ReadSessionDep, user: CurrentUser) -> RuleSetRead:
    """The rule set in force."""
    return service.active_rule_set(session)


@router.get(
    "/rulesets/{version}",
    response_model=RuleSetRead,
    responses=problems(Unauthorized, NotFound, InvalidInput),
)
def get_rule_set(
    session: ReadSessionDep,
    user: CurrentUser,
    version: Annotated[int, Path(ge=1, le=MAX_VERSION)],
) -> RuleSetRead:
    """One version, active or not."""
    return service.get_rule_set(session, version=version)


@router.post(
    "/rulesets",
    status_code=201,
    response_model=RuleSetRead,
    responses=problems(Unauthorized, Forbidden, InvalidRuleSet, InvalidInput),
)
def save_rule_set(
    session: SessionDep,
    admin: Annotated[User, Depends(require_roles(Role.ADMIN))],
    at: Now,
    document: Annotated[RuleSetCreate, Body(description="the rule set, shaped as the YAML seed")],
) -> RuleSetRead:
    """Save a whole rule set as the next version and make it active, or save nothing and list
    every offending rule (unknown codes, unusable areas, equal priorities that can both match).
    """
    return service.save_rule_set(session, document=document, source="api", author=admin, now=at)


@router.get(
    "/coverage",
    response_model=CoverageRead,
    response_model_exclude_none=True,
    responses=problems(Unauthorized, InvalidInput),
)
def coverage(
    session: ReadSessionDep,
    user: CurrentUser,
    item_code: Annotated[str, Query(pattern=r"^[A-Za-z0-9]{1,16}$", examples=["E0509"])],
    street_code: Annotated[StreetCode | None, Query(description="only this street")] = None,
) -> CoverageRead:
    """Unit grids where some point has no office of the item's *default* department type (rules
    are not applied: they depend on time and attributes). Cases there fall back to the street
    grid center unless a rule sends them elsewhere. A GeoJSON FeatureCollection.
    """
    return service.coverage(session, item_code=item_code, street_code=street_code)
