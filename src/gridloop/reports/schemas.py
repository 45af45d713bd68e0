"""API shapes of the reports."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, Field

from gridloop.reports.indicators import COUNTS
from gridloop.reports.repository import GroupBy, Period
from gridloop.reports.schemes import InspectorRows, Subject
from gridloop.strict import IsoDate, QueryBool

ReportFormat = Annotated[str, Field(pattern="^(json|csv|xlsx|geojson)$")]


class ReportedCases(BaseModel):
    """The cases a report counts: reported on these local days, of one street or lead office
    if given."""

    from_: IsoDate = Field(alias="from", description="first local day reported, inclusive")
    to: IsoDate = Field(description="last local day reported, inclusive")
    street_code: Annotated[str, Field(pattern=r"^[0-9]{9}$")] | None = Field(
        default=None, description="only cases of this street"
    )
    office_code: Annotated[str, Field(min_length=1, max_length=32)] | None = Field(
        default=None, description="only cases of this lead office"
    )


class RowsQuery(ReportedCases):
    """Report rows: one per group and period."""

    group_by: GroupBy = GroupBy.STREET
    period: Period = Period.MONTH


class IndicatorQuery(RowsQuery):
    """An indicator report: one row per group and period, each with every count and indicator."""

    format: ReportFormat = Field(
        default="json",
        description="json, csv, xlsx, or geojson (geographic groups: district, street, "
        "community, responsibility_grid, unit_grid)",
    )
    compare: QueryBool = Field(
        default=False,
        description="JSON: each row also carries its group's indicators one period before "
        "(`previous`, 环比) and in the same period a year before (`year_before`, 同比)",
    )


CountCode = Annotated[
    str,
    Field(
        pattern=f"^({'|'.join(count.code for count in COUNTS)})$",
        description="a count of the report rows (`GET /reports/definitions`)",
    ),
]


class CountedCasesQuery(ReportedCases):
    """The cases one count of one report row counts."""

    group_by: GroupBy = GroupBy.STREET
    key: Annotated[str, Field(min_length=1, max_length=64)] | None = Field(
        default=None, description="the row's key; left out: the row of cases without one"
    )
    count: CountCode
    after: Annotated[int, Field(ge=1)] | None = Field(
        default=None, description="case_id of the last case of the page before, to go on after"
    )
    limit: int = Field(default=50, ge=1, le=500)


class CountDefinition(BaseModel):
    code: str
    name_zh: str
    name_en: str
    expression: str = Field(description="SQL over the stored counters")


class IndicatorDefinition(BaseModel):
    code: str
    name_zh: str
    name_en: str
    numerator: str
    denominator: str
    formula: str


class Definitions(BaseModel):
    counts: list[CountDefinition]
    indicators: list[IndicatorDefinition]


class IndicatorRow(BaseModel):
    key: str | None = Field(description="the group's code or id; null: cases without one")
    name: str
    period_start: date
    counts: dict[str, int | float]
    indicators: dict[str, float | None] = Field(description="null when the denominator is 0")
    previous: dict[str, float | None] | None = Field(
        default=None,
        description="with `compare`: the group's indicators one period before (环比); null "
        "without a report then",
    )
    year_before: dict[str, float | None] | None = Field(
        default=None,
        description="with `compare`: the group's indicators in the same period a year before "
        "(同比: the month, the 52nd week before, the date); null without a report then",
    )


class IndicatorReport(BaseModel):
    group_by: GroupBy
    period: Period
    from_: date = Field(alias="from")
    to: date
    rows: list[IndicatorRow]


# ----------------------------------------------------------------------------- scorecards

StreetCode = Annotated[str, Field(pattern=r"^[0-9]{9}$")]


class ScorecardQuery(BaseModel):
    """A scorecard: one card per subject for one month."""

    subject: Subject
    period: str = Field(
        pattern=r"^[1-9][0-9]{3}-(0[1-9]|1[0-2])$", description="the month, YYYY-MM"
    )
    scheme: Annotated[str, Field(min_length=1, max_length=64)] | None = Field(
        default=None,
        description="a scheme of schemes.yaml (department, shanghai, jinniu, inspector); "
        "default: department, for inspectors inspector",
    )
    street_code: StreetCode | None = Field(
        default=None,
        description="offices, departments, inspectors: scored on this street's cases only; "
        "streets: this street's card",
    )
    office_code: Annotated[str, Field(min_length=1, max_length=32)] | None = Field(
        default=None, description="subject=office: only this office's card"
    )

    @property
    def month(self) -> date:
        """The first day of the month asked for."""
        year, month = self.period.split("-")
        return date(int(year), int(month), 1)


class GradeRead(BaseModel):
    grade: str
    min: float = Field(description="the lowest total of the grade")
    name_zh: str
    name_en: str


class SchemePartRead(BaseModel):
    code: str
    name_zh: str
    name_en: str
    weight: float = Field(description="points of 100 in the scheme")
    formula: str | None
    measured: bool
    not_measured: str | None = Field(description="why gridloop has no data for the part")
    inspector_rows: InspectorRows | None = Field(
        description="inspectors: the cases they filed, or the cases in their grids"
    )


class SchemeRead(BaseModel):
    code: str
    name_zh: str
    name_en: str
    source: str
    subjects: list[Subject]
    parts: list[SchemePartRead]
    measured_weight: float = Field(description="the weights of the measured parts, summed")
    rescaling: str


class PartScoreRead(BaseModel):
    code: str
    name_zh: str
    name_en: str
    value: float | None = Field(description="0..1; null: not measured or no denominator")
    weight: float = Field(description="the scheme's weight")
    weight_used: float = Field(description="the weight scaled up over the parts with a value")
    points: float | None = Field(description="value × weight_used")


class StreetVetoRead(BaseModel):
    street_code: str
    name: str
    total: float | None = Field(description="the office's total over its cases in the street")
    grade: str | None


class CardRead(BaseModel):
    key: str = Field(description="the subject's id or code, as in /reports/indicators")
    name: str
    parts: list[PartScoreRead]
    total: float | None = Field(description="0..100; null when no part has a value")
    grade: str | None = Field(description="after the street veto")
    uncapped_grade: str | None = Field(description="by the total alone")
    vetoed_by: list[StreetVetoRead] = Field(
        description="streets that did not grade the office best while its department total did"
    )


class ScorecardRead(BaseModel):
    subject: Subject
    period: str
    from_: date = Field(alias="from")
    to: date
    scheme: SchemeRead
    grades: list[GradeRead]
    street_code: str | None = Field(description="the cards are scored on this street's cases")
    street_veto: bool = Field(description="whether the street veto was applied")
    rows: list[CardRead] = Field(description="best total first")


# ----------------------------------------------------------------------------- 三率


class ThreeRatesQuery(RowsQuery):
    """Beijing 接诉即办 三率: one row per group and period."""


class ThreeRatesRow(BaseModel):
    key: str | None
    name: str
    period_start: date
    counts: dict[str, int | float] = Field(description="有效回访数 and its parts")
    rates: dict[str, float | None] = Field(
        description="响应率, 解决率, 满意率; null without a valid follow-up"
    )
    composite: float | None = Field(description="0..100, by the weights of the scheme")


class ThreeRatesReport(BaseModel):
    group_by: GroupBy
    period: Period
    from_: date = Field(alias="from")
    to: date
    scheme: SchemeRead
    rows: list[ThreeRatesRow]
