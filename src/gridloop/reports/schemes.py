"""The scorecard schemes as data (`schemes.yaml`, DOMAIN.md §5): parts, weights and grades, and
how a scheme scores a subject.

The file is read once, when the module is imported, and checked: a part reads a known indicator
or count (or says why it is not measured), the weights of a scheme are positive and sum to 100,
the grades run from the best down to 0, and every subject has a default scheme that scores it.
A file that breaks a rule stops the import with `SchemesInvalid`, naming each problem.

Scoring is pure: a part's value (0..1) times its weight; parts without a value (not measured,
or an empty denominator) score nothing and the weights of the others are scaled up to 100.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from gridloop.reports.indicators import COUNT_BY_CODE, INDICATOR_BY_CODE

SCHEMES_PATH = Path(__file__).with_name("schemes.yaml")

Weight = Annotated[Decimal, Field(gt=0, le=100)]

_ONE = Decimal(1)
_CENT = Decimal("0.01")
_RATIO = Decimal("0.0001")


class Subject(StrEnum):
    """Who a scorecard rates."""

    OFFICE = "office"
    DEPARTMENT = "department"
    STREET = "street"
    INSPECTOR = "inspector"


class InspectorRows(StrEnum):
    """The rows an inspector's part reads: the cases they filed, or the cases in their grids."""

    FILED = "filed"
    GRIDS = "grids"


class SchemesInvalid(ValueError):
    """The schemes file breaks a rule; the message names the file and every problem."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Grade(_Strict):
    grade: Annotated[str, Field(pattern="^[A-Z]$")]
    min: Annotated[Decimal, Field(ge=0, le=100)]
    name_zh: str
    name_en: str


class Part(_Strict):
    """One part of a scheme: what its value (0..1) is computed from."""

    name_zh: str
    name_en: str
    indicator: str | None = None
    complement: bool = False
    relative_count: str | None = None
    not_measured: str | None = None
    definition: str | None = None
    inspector_rows: InspectorRows | None = None

    @model_validator(mode="after")
    def _one_source(self) -> Part:
        sources = [self.indicator, self.relative_count, self.not_measured]
        if sum(source is not None for source in sources) != 1:
            raise ValueError("give exactly one of indicator, relative_count and not_measured")
        if self.indicator is not None and self.indicator not in INDICATOR_BY_CODE:
            raise ValueError(f"unknown indicator {self.indicator}")
        if self.relative_count is not None and self.relative_count not in COUNT_BY_CODE:
            raise ValueError(f"unknown count {self.relative_count}")
        if self.complement and self.indicator is None:
            raise ValueError("complement goes with an indicator")
        return self

    @property
    def measured(self) -> bool:
        return self.not_measured is None

    @property
    def formula(self) -> str | None:
        """The part's value as a person reads it."""
        if self.indicator is not None:
            formula = INDICATOR_BY_CODE[self.indicator].formula
            return f"1 − {formula}" if self.complement else formula
        return self.definition


class Scheme(_Strict):
    name_zh: str
    name_en: str
    source: str
    subjects: list[Subject] = []
    weights: Annotated[dict[str, Weight], Field(min_length=1)]

    @model_validator(mode="after")
    def _sum_100(self) -> Scheme:
        total = sum(self.weights.values(), Decimal(0))
        if total != 100:
            raise ValueError(f"the weights sum to {total}, not 100")
        return self


class SchemeFile(_Strict):
    grades: Annotated[list[Grade], Field(min_length=1)]
    parts: dict[str, Part]
    schemes: dict[str, Scheme]
    defaults: dict[Subject, str]
    three_rates: Scheme

    @model_validator(mode="after")
    def _consistent(self) -> SchemeFile:
        self._check_grades()
        for code, scheme in {**self.schemes, "three_rates": self.three_rates}.items():
            self._check_scheme(code, scheme)
        for subject in Subject:
            default = self.defaults.get(subject)
            if default is None:
                raise ValueError(f"defaults: no scheme for {subject}")
            if default not in self.schemes or subject not in self.schemes[default].subjects:
                raise ValueError(f"defaults: scheme {default} does not score {subject}")
        if any(self.parts[code].indicator is None for code in self.three_rates.weights):
            raise ValueError("three_rates: every part is an indicator")
        return self

    def _check_grades(self) -> None:
        floors = [grade.min for grade in self.grades]
        if floors != sorted(set(floors), reverse=True) or floors[-1] != 0:
            raise ValueError("grades: the lowest totals go down, best first, to 0")
        if len({grade.grade for grade in self.grades}) != len(self.grades):
            raise ValueError("grades: a grade is listed twice")

    def _check_scheme(self, code: str, scheme: Scheme) -> None:
        unknown = sorted(set(scheme.weights) - set(self.parts))
        if unknown:
            raise ValueError(f"scheme {code}: unknown parts {', '.join(unknown)}")
        parts = [self.parts[name] for name in scheme.weights]
        if not any(part.measured for part in parts):
            raise ValueError(f"scheme {code}: no part is measured")
        if Subject.INSPECTOR in scheme.subjects:
            unsourced = [
                name
                for name in scheme.weights
                if self.parts[name].measured and self.parts[name].inspector_rows is None
            ]
            if unsourced:
                raise ValueError(
                    f"scheme {code}: parts {', '.join(unsourced)} need inspector_rows "
                    "(filed or grids) to score inspectors"
                )


def load_schemes(path: Path) -> SchemeFile:
    """The checked schemes of a YAML file; SchemesInvalid naming every problem."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise SchemesInvalid(
            f"考核方案文件无法读取 / cannot read the schemes {path}: {exc}"
        ) from exc
    try:
        return SchemeFile.model_validate(document)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc']) or '(file)'}: {error['msg']}"
            for error in exc.errors()
        )
        raise SchemesInvalid(
            f"考核方案文件无效 / invalid scorecard schemes {path}: {problems}"
        ) from exc


SCHEMES = load_schemes(SCHEMES_PATH)


# ----------------------------------------------------------------------------- scoring

# A subject's counts and indicators, by the rows a part reads (None: the subject's own rows).
Rows = Mapping[InspectorRows | None, Mapping[str, Any]]


@dataclass(frozen=True)
class PartScore:
    code: str
    weight: Decimal  # the scheme's
    value: Decimal | None  # 0..1
    weight_used: Decimal  # scaled up over the parts with a value; 0 for a part without one
    points: Decimal | None


@dataclass(frozen=True)
class Score:
    parts: list[PartScore]
    total: Decimal | None  # 0..100 to two decimals; None when no part has a value


def score(scheme: Scheme, values: Mapping[str, Decimal | None]) -> Score:
    """Each part's points (value × weight used) and the total, rounded to two decimals once."""
    scored = sum(
        (weight for code, weight in scheme.weights.items() if values.get(code) is not None),
        Decimal(0),
    )
    parts: list[PartScore] = []
    total = Decimal(0)
    for code, weight in scheme.weights.items():
        value = values.get(code)
        if value is None:
            parts.append(PartScore(code, weight, None, Decimal(0), None))
            continue
        weight_used = weight * 100 / scored
        points = value * weight_used
        total += points
        parts.append(
            PartScore(code, weight, value, weight_used.quantize(_RATIO), points.quantize(_CENT))
        )
    return Score(parts, total.quantize(_CENT) if scored else None)


def grade_of(total: Decimal | None, grades: Sequence[Grade]) -> Grade | None:
    """The first grade whose lowest total the total reaches (the last one's is 0)."""
    if total is None:
        return None
    return next(grade for grade in grades if total >= grade.min)


def largest_counts(
    scheme: Scheme, population: Mapping[str, Rows], *, subject: Subject
) -> dict[str, int]:
    """For each relative part of the scheme, the largest count among the subjects."""
    largest = {}
    for code in scheme.weights:
        part = SCHEMES.parts[code]
        if part.relative_count is not None:
            source = _source(code, subject)
            largest[code] = max(
                (
                    rows[source][part.relative_count]
                    for rows in population.values()
                    if source in rows
                ),
                default=0,
            )
    return largest


def values_of(
    scheme: Scheme, rows: Rows, *, largest: Mapping[str, int], subject: Subject | None
) -> dict[str, Decimal | None]:
    """The value (0..1) of each part of the scheme for one subject; None: no value."""
    values: dict[str, Decimal | None] = {}
    for code in scheme.weights:
        part = SCHEMES.parts[code]
        row = rows.get(_source(code, subject))
        value = None
        if row is not None and part.indicator is not None and row[part.indicator] is not None:
            value = Decimal(str(row[part.indicator]))
            if part.complement:
                value = _ONE - value
        elif row is not None and part.relative_count is not None and largest.get(code):
            value = (Decimal(row[part.relative_count]) / largest[code]).quantize(_RATIO)
        values[code] = None if value is None else min(_ONE, max(Decimal(0), value))
    return values


def _source(code: str, subject: Subject | None) -> InspectorRows | None:
    return SCHEMES.parts[code].inspector_rows if subject is Subject.INSPECTOR else None


def score_population(
    scheme: Scheme, population: Mapping[str, Rows], *, subject: Subject
) -> dict[str, Score]:
    """The score of every subject of a scorecard; relative parts compare them with each other."""
    largest = largest_counts(scheme, population, subject=subject)
    return {
        key: score(scheme, values_of(scheme, rows, largest=largest, subject=subject))
        for key, rows in population.items()
    }
