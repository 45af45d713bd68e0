"""Every count and indicator of the reports, defined once, as data (DOMAIN.md §5, DESIGN.md §6).

A count is a stored counter of the rollups (`gridloop.reports.facts.DEFINITIONS`, which names
them) or an expression over them (应结案数 = 处置数 + 超期未处置数). An indicator is a numerator
over a denominator, both expressions over counts; the report query computes them in SQL from
the summed counters, and an empty denominator gives no value (null), never a zero.

The counting rules (DOMAIN.md §5), as the counters implement them:
- a case counts on the local day it was reported, in the groups it is in now;
- 应处置数 are the cases with an office now, not suspended; 应结案数 = 处置数 + 超期未处置数;
- suspended (挂账) cases leave 应派遣数, 应处置数 and 应结案数 while suspended, and the counts
  over them (派遣数, 按时派遣数 …) too, so that no rate passes 100 % (挂账数 counts them);
- a case returned (退回) or reworked (返工) was not dispatched accurately.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from gridloop.reports.facts import COUNTERS, DEFINITIONS


@dataclass(frozen=True)
class Count:
    code: str
    name_zh: str
    name_en: str
    # SQL over stored counters; None: the stored counter of the same name.
    expression: str | None = None

    @property
    def sql(self) -> str:
        return self.expression or self.code


@dataclass(frozen=True)
class Indicator:
    code: str
    name_zh: str
    name_en: str
    numerator: str  # SQL over counts
    denominator: str
    formula: str  # the formula as a person reads it

    @property
    def sql(self) -> str:
        return f"round(({self.numerator})::numeric / nullif({self.denominator}, 0), 4)"


# Counts that are not stored, each shown after the stored counter named with it.
_EXPRESSIONS: dict[str, Count] = {
    "suspended": Count(
        "should_dispatch", "应派遣数", "cases to dispatch", "registered - voided - suspended"
    ),
    "overdue_unhandled": Count(
        "should_close", "应结案数", "cases to close", "handled + overdue_unhandled"
    ),
    "handling_seconds": Count(
        "handling_hours", "处置总时长（小时）", "hours of handling", "handling_seconds / 3600.0"
    ),
}


def _counts() -> tuple[Count, ...]:
    counts: list[Count] = []
    for counter in DEFINITIONS:
        if counter.shown:
            counts.append(Count(counter.name, counter.name_zh, counter.name_en))
        if counter.name in _EXPRESSIONS:
            counts.append(_EXPRESSIONS[counter.name])
    return tuple(counts)


# Every count of the reports: the stored counters in their order, the expressions among them.
COUNTS: tuple[Count, ...] = _counts()

INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "valid_report_rate",
        "有效上报率（立案率）",
        "valid report rate",
        "registered",
        "reported",
        "立案数 / 上报数",
    ),
    Indicator(
        "on_time_registration_rate",
        "按时立案率",
        "on-time registration rate",
        "registered_on_time",
        "registered",
        "按时立案数 / 立案数",
    ),
    Indicator(
        "accurate_registration_rate",
        "准确立案率",
        "accurate registration rate",
        "registered - voided",
        "registered",
        "(立案数 − 作废数) / 立案数",
    ),
    Indicator(
        "on_time_dispatch_rate",
        "按时派遣率",
        "on-time dispatch rate",
        "dispatched_on_time",
        "should_dispatch",
        "按时派遣数 / 应派遣数",
    ),
    Indicator(
        "accurate_dispatch_rate",
        "准确派遣率",
        "accurate dispatch rate",
        "dispatched - misdispatched",
        "should_dispatch",
        "(派遣数 − 退回或返工的派遣数) / 应派遣数",
    ),
    Indicator(
        "handling_rate", "处置率", "handling rate", "handled", "should_handle", "处置数 / 应处置数"
    ),
    Indicator(
        "on_time_handling_rate",
        "按期处置率",
        "on-time handling rate",
        "handled_on_time",
        "should_handle",
        "按期处置数 / 应处置数",
    ),
    Indicator(
        "closure_rate", "结案率", "closure rate", "closed", "should_close", "结案数 / 应结案数"
    ),
    Indicator(
        "on_time_closure_rate",
        "按期结案率",
        "on-time closure rate",
        "closed_on_time",
        "should_close",
        "按期结案数 / 应结案数",
    ),
    Indicator(
        "rework_rate", "返工率", "rework rate", "reworks", "should_close", "返工数 / 应结案数"
    ),
    Indicator(
        "on_time_verification_rate",
        "按时核查率",
        "on-time verification rate",
        "verified_on_time",
        "verify_due",
        "按时核查数 / 应核查数",
    ),
    Indicator(
        "extension_rate",
        "延期率",
        "extension rate",
        "extensions",
        "should_handle",
        "延期数 / 应处置数",
    ),
    Indicator(
        "overdue_pending_rate",
        "超期待处置率",
        "overdue pending rate",
        "overdue_unhandled",
        "should_handle",
        "超期未处置数 / 应处置数",
    ),
    Indicator(
        "average_handling_hours",
        "平均处置时长（小时）",
        "average handling time (hours)",
        "handling_hours",
        "handled",
        "处置总时长 / 处置数",
    ),
    Indicator(
        "missed_report_rate",
        "漏报率",
        "missed report rate",
        "reported - by_inspector",
        "reported",
        "(上报数 − 监督员上报数) / 上报数",
    ),
    # Beijing 接诉即办 三率.
    Indicator(
        "response_rate",
        "响应率",
        "response rate",
        "contacted",
        "evaluated",
        "已联系数 / 有效回访数",
    ),
    Indicator(
        "resolution_rate",
        "解决率",
        "resolution rate",
        "solved",
        "evaluated",
        "已解决数 / 有效回访数",
    ),
    Indicator(
        "satisfaction_rate",
        "满意率",
        "satisfaction rate",
        "satisfied + 0.9 * basically_satisfied",
        "evaluated",
        "(满意数 + 0.9 × 基本满意数) / 有效回访数",
    ),
)

COUNT_BY_CODE = {count.code: count for count in COUNTS}
INDICATOR_BY_CODE = {indicator.code: indicator for indicator in INDICATORS}

_NAME = re.compile(r"[a-z_]+")


def names_in(expression: str) -> set[str]:
    """The identifiers an expression refers to."""
    return set(_NAME.findall(expression))


def check_definitions() -> None:
    """Counts refer to stored counters, indicators to counts: a typo fails at import."""
    unplaced = set(_EXPRESSIONS) - set(COUNTERS)
    if unplaced:
        raise ValueError(f"counts placed after unknown counters {sorted(unplaced)}")
    for count in COUNTS:
        unknown = names_in(count.sql) - set(COUNTERS)
        if unknown:
            raise ValueError(f"count {count.code} refers to unknown counters {sorted(unknown)}")
    for indicator in INDICATORS:
        unknown = names_in(f"{indicator.numerator} {indicator.denominator}") - set(COUNT_BY_CODE)
        if unknown:
            raise ValueError(
                f"indicator {indicator.code} refers to unknown counts {sorted(unknown)}"
            )


check_definitions()
