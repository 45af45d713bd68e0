"""Scorecards (DOMAIN.md §5, DESIGN.md §6): offices, departments, streets and inspectors scored
for one month by a scheme of `schemes.yaml`, graded A–E, with the street veto; and Beijing's
三率 with their composite.

A part's value is an indicator of /reports/indicators computed from the same summed counters
(`repository.indicator_rows`), 1 − one, or a count relative to the largest among the subjects;
the scoring itself is pure (`gridloop.reports.schemes`).

Who sees which cards: an auditor or admin every one; a dispatcher the subjects within their
street, scored on their street's cases only (a street: their own); a liaison their office's card;
an inspector their own. A card does not depend on who reads it, only on the rows it is scored
on: a liaison reads the same office card as an auditor.

The street veto (Shanghai): an office graded best by its department total (all its cases) that
a street it served that month did not grade best (the same scheme over its cases in that street,
compared with the other offices there) is capped one grade lower.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from gridloop.auth.models import Role, User
from gridloop.errors import Forbidden, NotFound, invalid_field
from gridloop.reports import repository, service
from gridloop.reports.repository import GroupBy, Period, RowFilter
from gridloop.reports.schemas import (
    CardRead,
    GradeRead,
    PartScoreRead,
    SchemeRead,
    ScorecardRead,
    StreetVetoRead,
    ThreeRatesReport,
)
from gridloop.reports.schemes import (
    SCHEMES,
    InspectorRows,
    PartScore,
    Rows,
    Scheme,
    Score,
    Subject,
    grade_of,
    score,
    score_population,
    values_of,
)

RESCALED = (
    "无数值的部分（未计量或分母为 0）不计分，其余部分权重按比例放大到 100（weight_used）/ "
    "parts without a value (not measured, or an empty denominator) score nothing; the weights "
    "of the others are scaled up to 100 (weight_used)"
)
THREE_RATE_COUNTS = (
    "evaluated",
    "contacted",
    "solved",
    "satisfied",
    "basically_satisfied",
    "dissatisfied",
)

_GROUP_BY = {
    Subject.OFFICE: GroupBy.OFFICE,
    Subject.DEPARTMENT: GroupBy.DEPARTMENT,
    Subject.STREET: GroupBy.STREET,
    Subject.INSPECTOR: GroupBy.INSPECTOR,
}

# ----------------------------------------------------------------------------- scorecards


@dataclass(frozen=True)
class ScorecardRequest:
    subject: Subject
    month: date  # its first day
    scheme: str | None = None
    street_code: str | None = None
    office_code: str | None = None


@dataclass(frozen=True)
class _Scope:
    street_code: str | None  # the cards are scored on this street's cases only
    visible: frozenset[str] | None  # the subjects whose cards the caller reads; None: all


def scheme_for(subject: Subject, code: str | None) -> tuple[str, Scheme]:
    """The scheme asked for, or the subject's default; InvalidInput if it does not score it."""
    code = code or SCHEMES.defaults[subject]
    scheme = SCHEMES.schemes.get(code)
    if scheme is None:
        known = ", ".join(SCHEMES.schemes)
        raise invalid_field(
            "query.scheme", f"没有考核方案 {code} / no scheme {code} (known: {known})"
        )
    if subject not in scheme.subjects:
        raise invalid_field(
            "query.scheme", f"方案 {code} 不用于 {subject} / scheme {code} does not score {subject}"
        )
    return code, scheme


def scorecard(session: Session, *, user: User, request: ScorecardRequest) -> ScorecardRead:
    """The cards of the subjects `user` may read for the month, best total first."""
    code, scheme = scheme_for(request.subject, request.scheme)
    scope = _scope(session, user=user, request=request)
    rows = RowFilter(
        start=request.month, end=_month_end(request.month), street_code=scope.street_code
    )
    scores = score_population(
        scheme, _population(session, request.subject, rows), subject=request.subject
    )
    keys = sorted(key for key in scores if scope.visible is None or key in scope.visible)
    veto = request.subject is Subject.OFFICE and scope.street_code is None
    street_scores = _street_scores(session, scheme, rows) if veto else {}
    names = repository.group_names(session, group_by=_GROUP_BY[request.subject], keys=keys)
    street_names = repository.group_names(
        session,
        group_by=GroupBy.STREET,
        keys=sorted({street for key in keys for street in street_scores.get(key, {})}),
    )
    cards = [
        _card(key, names.get(key, key), scores[key], street_scores.get(key, {}), street_names)
        for key in keys
    ]
    cards.sort(key=lambda card: (card.total is None, -(card.total or 0)))
    return ScorecardRead.model_validate(
        {
            "subject": request.subject,
            "period": f"{request.month:%Y-%m}",
            "from": rows.start,
            "to": rows.end,
            "scheme": scheme_read(code, scheme),
            "grades": [GradeRead.model_validate(grade.model_dump()) for grade in SCHEMES.grades],
            "street_code": scope.street_code,
            "street_veto": veto,
            "rows": cards,
        }
    )


def _scope(session: Session, *, user: User, request: ScorecardRequest) -> _Scope:
    """Which rows the cards are scored on and which cards `user` reads; 403 for a subject the
    role has no card of, 404 for a filter outside the caller's scope."""
    role, subject = Role(user.role), request.subject
    if role is Role.INSPECTOR and subject is not Subject.INSPECTOR:
        raise Forbidden("监督员只能查看本人的考核 / an inspector reads their own scorecard only")
    if role is Role.LIAISON and subject is not Subject.OFFICE:
        raise Forbidden(
            "联络员只能查看本单位的考核 / a liaison reads their office's scorecard only"
        )
    street_code = request.street_code
    if role is Role.DISPATCHER:
        if street_code not in (None, user.street_code):
            raise NotFound(f"街道 {street_code} 不存在 / no such street")
        street_code = user.street_code
    visible: frozenset[str] | None = None
    if role is Role.INSPECTOR:
        visible = frozenset({str(user.user_id)})
    elif role is Role.LIAISON:
        visible = frozenset({str(user.office_id)})
    if request.office_code is not None:
        if subject is not Subject.OFFICE:
            raise invalid_field(
                "query.office_code",
                "office_code 仅用于 subject=office / office_code needs subject=office",
            )
        office_id = repository.office_id_of(session, code=request.office_code)
        if office_id is None or (visible is not None and str(office_id) not in visible):
            raise NotFound(f"单位 {request.office_code} 不存在 / no such office")
        visible = frozenset({str(office_id)})
    if subject is Subject.STREET and street_code is not None:
        # A street's card is scored among all streets; the filter picks the card.
        return _Scope(street_code=None, visible=frozenset({street_code}))
    return _Scope(street_code=street_code, visible=visible)


def _population(session: Session, subject: Subject, rows: RowFilter) -> dict[str, Rows]:
    """The rows of each subject with cases in `rows`."""
    if subject is not Subject.INSPECTOR:
        return {
            row.key: {None: row._mapping}
            for row in _month_rows(session, _GROUP_BY[subject], rows)
            if row.key is not None
        }
    grids = repository.inspector_grids(session)
    inspectors = {user_id for _, user_id in grids}
    population: dict[str, dict[InspectorRows | None, Mapping[str, Any]]] = defaultdict(dict)
    for row in _month_rows(session, GroupBy.INSPECTOR, rows):
        if row.key in inspectors:
            population[row.key][InspectorRows.FILED] = row._mapping
    for row in _month_rows(session, GroupBy.RESPONSIBILITY_GRID, rows, regroup=grids):
        population[row.key][InspectorRows.GRIDS] = row._mapping
    return dict(population)


def _street_scores(
    session: Session, scheme: Scheme, rows: RowFilter
) -> dict[str, dict[str, Score]]:
    """Each office's score in each street it served: office key → street code → score."""
    by_street: dict[str, dict[str, Rows]] = defaultdict(dict)
    for row in _month_rows(session, GroupBy.OFFICE, rows, per_street=True):
        if row.key is not None:
            by_street[row.street_code][row.key] = {None: row._mapping}
    scores: dict[str, dict[str, Score]] = defaultdict(dict)
    for street_code, population in by_street.items():
        for key, result in score_population(scheme, population, subject=Subject.OFFICE).items():
            scores[key][street_code] = result
    return scores


def _month_rows(
    session: Session,
    group_by: GroupBy,
    rows: RowFilter,
    *,
    regroup: Sequence[tuple[str, str]] | None = None,
    per_street: bool = False,
) -> Iterable[Any]:
    return list(
        repository.indicator_rows(
            session,
            group_by=group_by,
            period=Period.MONTH,
            rows=rows,
            regroup=regroup,
            per_street=per_street,
        )
    )


def _card(
    key: str,
    name: str,
    result: Score,
    street_scores: Mapping[str, Score],
    street_names: Mapping[str, str],
) -> CardRead:
    grades = SCHEMES.grades
    uncapped = grade_of(result.total, grades)
    vetoes = []
    if uncapped is not None and uncapped.grade == grades[0].grade:
        for street_code, street_score in sorted(street_scores.items()):
            street_grade = grade_of(street_score.total, grades)
            if street_grade is not None and street_grade.grade != grades[0].grade:
                vetoes.append(
                    StreetVetoRead(
                        street_code=street_code,
                        name=street_names.get(street_code, street_code),
                        total=_float(street_score.total),
                        grade=street_grade.grade,
                    )
                )
    grade = grades[1] if vetoes and len(grades) > 1 else uncapped
    return CardRead(
        key=key,
        name=name,
        parts=[_part_read(part) for part in result.parts],
        total=_float(result.total),
        grade=None if grade is None else grade.grade,
        uncapped_grade=None if uncapped is None else uncapped.grade,
        vetoed_by=vetoes,
    )


def _part_read(part: PartScore) -> PartScoreRead:
    definition = SCHEMES.parts[part.code]
    return PartScoreRead(
        code=part.code,
        name_zh=definition.name_zh,
        name_en=definition.name_en,
        value=_float(part.value),
        weight=float(part.weight),
        weight_used=float(part.weight_used),
        points=_float(part.points),
    )


def scheme_read(code: str, scheme: Scheme) -> SchemeRead:
    """A scheme as the API shows it: its parts with weights and formulas, and the rescaling."""
    parts = [(name, SCHEMES.parts[name], weight) for name, weight in scheme.weights.items()]
    return SchemeRead.model_validate(
        {
            "code": code,
            **scheme.model_dump(exclude={"weights"}),
            "parts": [
                {
                    **part.model_dump(include={"name_zh", "name_en", "not_measured"}),
                    "code": name,
                    "weight": weight,
                    "formula": part.formula,
                    "measured": part.measured,
                    "inspector_rows": part.inspector_rows
                    if Subject.INSPECTOR in scheme.subjects
                    else None,
                }
                for name, part, weight in parts
            ],
            "measured_weight": sum(weight for _, part, weight in parts if part.measured),
            "rescaling": RESCALED,
        }
    )


# ----------------------------------------------------------------------------- 三率


def three_rates(
    session: Session, *, user: User, request: service.ReportRequest
) -> ThreeRatesReport:
    """Beijing's 三率 per group and period, with their composite (0..100) by the weights of
    `schemes.yaml`; the scope of the indicator reports."""
    scheme = SCHEMES.three_rates
    indicators = [SCHEMES.parts[code].indicator for code in scheme.weights]
    rows = []
    scope = service.row_filter(session, user=user, request=request)
    for row in service.indicator_report(session, request=request, rows=scope):
        values = values_of(scheme, {None: row.indicators}, largest={}, subject=None)
        rows.append(
            {
                "key": row.key,
                "name": row.name,
                "period_start": row.period_start,
                "counts": {count: row.counts[count] for count in THREE_RATE_COUNTS},
                "rates": {code: row.indicators[code] for code in indicators if code is not None},
                "composite": _float(score(scheme, values).total),
            }
        )
    return ThreeRatesReport.model_validate(
        {
            "group_by": request.group_by,
            "period": request.period,
            "from": request.start,
            "to": request.end,
            "scheme": scheme_read("three_rates", scheme),
            "rows": rows,
        }
    )


def _month_end(month: date) -> date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)
