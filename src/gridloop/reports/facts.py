"""What each case counts for: the per-case counters, named once, and the SQL that computes them.

`DEFINITIONS` is the one list of the counters, in the column order of `case_fact` and of the
rollup tables; the models (`models.py`), the migrations that create those tables and the
reports (`indicators.py`) take the names from here. What each counter means is the SQL function
`gridloop_case_facts` in `case_facts.sql`, beside this module: migration 0008 installs that
file, and a test holds the function of a migrated database to it. A change to the file goes
with a migration that installs it again (`install_sql`).

The local day a case counts on is in the zone `gridloop_report_zone()` returns: a constant
function, written from the setting `GRIDLOOP_TIMEZONE` when the facts are installed and when the
rollups are rebuilt (`zone_function_sql`), so that the trigger, the view and a rebuild read one
zone whatever the session's settings, and PostgreSQL still folds it into the inlined function.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib.resources import files


@dataclass(frozen=True)
class Counter:
    name: str  # the column
    name_zh: str
    name_en: str
    big: bool = False  # may outgrow a 32-bit integer in the rollups
    shown: bool = True  # a count of the reports as it is (else through an expression)


DEFINITIONS: tuple[Counter, ...] = (
    Counter("reported", "上报数", "reports filed"),
    Counter("by_inspector", "监督员上报数", "filed by inspectors"),
    Counter("registered", "立案数", "cases registered"),
    Counter("registered_on_time", "按时立案数", "registered on time"),
    Counter("voided", "作废数", "registered cases voided"),
    Counter("suspended", "挂账数", "cases suspended now"),
    Counter("dispatched", "派遣数", "cases dispatched"),
    Counter("dispatched_on_time", "按时派遣数", "dispatched on time"),
    Counter("misdispatched", "派遣不准数", "dispatched cases returned or reworked"),
    Counter("should_handle", "应处置数", "cases to handle"),
    Counter("handled", "处置数", "cases handled"),
    Counter("handled_on_time", "按期处置数", "handled on time"),
    Counter("overdue_unhandled", "超期未处置数", "overdue and not handled"),
    Counter("closed", "结案数", "cases closed"),
    Counter("closed_on_time", "按期结案数", "closed on time"),
    Counter("overdue", "超期数", "cases that missed a deadline"),
    Counter("evaluated", "有效回访数", "evaluations (valid follow-ups)"),
    Counter("satisfied", "满意数", "satisfied"),
    Counter("basically_satisfied", "基本满意数", "basically satisfied"),
    Counter("dissatisfied", "不满意数", "dissatisfied"),
    Counter("contacted", "已联系数", "reporter contacted"),
    Counter("solved", "已解决数", "problem solved"),
    Counter("returns", "退回数", "returns by offices"),
    Counter("reworks", "返工数", "reworks"),
    Counter("extensions", "延期数", "extensions approved"),
    Counter("verify_due", "应核查数", "handling reports to verify"),
    Counter("verified_on_time", "按时核查数", "verified on time"),
    # Reported in hours (indicators.py).
    Counter("handling_seconds", "处置总时长（秒）", "seconds of handling", big=True, shown=False),
)
COUNTERS: tuple[str, ...] = tuple(counter.name for counter in DEFINITIONS)

# The columns of `case_fact` before the counters: the case, its day and its groups.
FACT_KEY_COLUMNS: tuple[str, ...] = (
    "case_id",
    "day",
    "street_code",
    "community_code",
    "unit_grid_code",
    "responsibility_grid_code",
    "office_id",
    "item_code",
    "source",
    "inspector_user_id",
)

FACTS_FILE = "case_facts.sql"
_BODY = re.compile(r"AS \$\$(.*)\$\$;\s*\Z", re.DOTALL)


def install_sql() -> str:
    """The `CREATE OR REPLACE FUNCTION gridloop_case_facts` statement of `case_facts.sql`."""
    return files("gridloop.reports").joinpath(FACTS_FILE).read_text(encoding="utf-8")


def function_body() -> str:
    """The body of the function in `case_facts.sql`, as PostgreSQL keeps it (`prosrc`)."""
    match = _BODY.search(install_sql())
    if match is None:
        raise ValueError(f"{FACTS_FILE}: no $$ … $$; body")
    return match.group(1)


def zone_function_sql(zone: str) -> str:
    """The function that names the zone of the local days cases count on."""
    literal = zone.replace("'", "''")
    return (
        "CREATE OR REPLACE FUNCTION gridloop_report_zone() RETURNS text "
        f"LANGUAGE sql IMMUTABLE AS $$ SELECT text '{literal}' $$"
    )
