"""Scorecard scoring without a database: grade thresholds, rescaled weights, and the checks of the
schemes file."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from gridloop.reports.schemes import (
    SCHEMES,
    SCHEMES_PATH,
    SchemesInvalid,
    grade_of,
    load_schemes,
    score,
)


@pytest.mark.parametrize(
    ("total", "grade"),
    [
        ("100", "A"),
        ("90", "A"),
        ("89.99", "B"),
        ("75", "B"),
        ("74.99", "C"),
        ("60", "C"),
        ("59.99", "D"),
        ("40", "D"),
        ("39.99", "E"),
        ("0", "E"),
    ],
)
def test_grade_thresholds(total: str, grade: str) -> None:
    found = grade_of(Decimal(total), SCHEMES.grades)

    assert found is not None
    assert found.grade == grade


def test_no_total_no_grade() -> None:
    assert grade_of(None, SCHEMES.grades) is None


def test_points_are_value_times_weight() -> None:
    values = {
        "registered_share": Decimal("0.5"),
        "closure_rate": Decimal("1"),
        "on_time_handling_rate": Decimal("0.75"),
        "no_rework": Decimal("0.9"),
    }

    result = score(SCHEMES.schemes["department"], values)

    # 5 + 30 + 22.5 + 27
    assert result.total == Decimal("84.50")
    assert [part.points for part in result.parts] == [
        Decimal("5.00"),
        Decimal("30.00"),
        Decimal("22.50"),
        Decimal("27.00"),
    ]


def test_parts_without_a_value_leave_their_weight_to_the_others() -> None:
    values = {"valid_report_rate": Decimal("1"), "no_missed_report": Decimal("0.5")}

    result = score(SCHEMES.schemes["inspector"], values)

    # Weights 40 + 20 of 100 have a value: used as 66.6667 and 33.3333. 66.67 + 16.67 = 83.33.
    assert result.total == Decimal("83.33")
    assert [(part.code, part.weight_used) for part in result.parts] == [
        ("valid_report_rate", Decimal("66.6667")),
        ("no_missed_report", Decimal("33.3333")),
        ("on_time_verification_rate", Decimal(0)),
        ("on_time_confirmation_rate", Decimal(0)),
    ]


def test_nothing_measured_no_total() -> None:
    assert score(SCHEMES.schemes["department"], {}).total is None


# ----------------------------------------------------------------------------- the schemes file


def _document() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(SCHEMES_PATH.read_text(encoding="utf-8"))
    return document


def _write(tmp_path: Path, document: Any) -> Path:
    path = tmp_path / "schemes.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return path


def _weights_not_100(document: dict[str, Any]) -> None:
    document["schemes"]["department"]["weights"]["closure_rate"] = 20


def _unknown_part(document: dict[str, Any]) -> None:
    document["schemes"]["jinniu"]["weights"]["speed"] = 10
    document["schemes"]["jinniu"]["weights"]["handling_rate"] = 20


def _unknown_indicator(document: dict[str, Any]) -> None:
    document["parts"]["closure_rate"]["indicator"] = "closing_rate"


def _two_sources(document: dict[str, Any]) -> None:
    document["parts"]["closure_rate"]["relative_count"] = "registered"


def _grades_not_down_to_0(document: dict[str, Any]) -> None:
    document["grades"] = document["grades"][:-1]


def _grades_out_of_order(document: dict[str, Any]) -> None:
    document["grades"][0]["min"] = 70


def _default_does_not_score(document: dict[str, Any]) -> None:
    document["defaults"]["inspector"] = "department"


def _inspector_part_without_rows(document: dict[str, Any]) -> None:
    del document["parts"]["no_missed_report"]["inspector_rows"]


def _negative_weight(document: dict[str, Any]) -> None:
    weights = document["three_rates"]["weights"]
    weights["response_rate"], weights["resolution_rate"] = -10, 70


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_weights_not_100, "schemes.department: Value error, the weights sum to 90, not 100"),
        (_unknown_part, "scheme jinniu: unknown parts speed"),
        (_unknown_indicator, "parts.closure_rate: Value error, unknown indicator closing_rate"),
        (_two_sources, "give exactly one of indicator, relative_count and not_measured"),
        (_grades_not_down_to_0, "grades: the lowest totals go down, best first, to 0"),
        (_grades_out_of_order, "grades: the lowest totals go down, best first, to 0"),
        (_default_does_not_score, "defaults: scheme department does not score inspector"),
        (_inspector_part_without_rows, "parts no_missed_report need inspector_rows"),
        (_negative_weight, "three_rates.weights.response_rate: Input should be greater than 0"),
    ],
)
def test_a_scheme_file_that_breaks_a_rule_is_refused_with_the_reason(
    tmp_path: Path, change: Callable[[dict[str, Any]], None], message: str
) -> None:
    document = _document()
    change(document)

    with pytest.raises(SchemesInvalid) as refused:
        load_schemes(_write(tmp_path, document))

    assert message in str(refused.value)
    assert str(tmp_path) in str(refused.value)


def test_a_file_that_is_not_yaml_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "schemes.yaml"
    path.write_text("grades: [A: 90\n", encoding="utf-8")

    with pytest.raises(SchemesInvalid, match="cannot read the schemes"):
        load_schemes(path)


def test_the_shipped_schemes_sum_to_100_and_state_the_missing_part() -> None:
    schemes = load_schemes(SCHEMES_PATH)

    for scheme in [*schemes.schemes.values(), schemes.three_rates]:
        assert sum(scheme.weights.values()) == 100
    assert schemes.parts["on_time_confirmation_rate"].measured is False
    assert set(schemes.schemes["shanghai"].weights.items()) >= {("satisfaction_rate", 30)}
