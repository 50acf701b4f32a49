"""DQ08: a rate per 10,000 children printed by the board does not match its count and the ONS
population DfE uses (information: the board may have used another population base)."""

from __future__ import annotations

from ...ingest.dfe import population_for
from ...formatting import fmt_number
from ..registry import CheckInput, Finding, Rule, register
from .helpers import beyond_rounding, fmt_figure, iso_date, period_label, row_locator

CODE = "DQ08"
TITLE = "Printed rate does not match count and population"
SEVERITY = "info"
DESCRIPTION = ("A rate per 10,000 children printed by the board should equal the count divided by the ONS "
               "mid-year population aged 0–17 (the estimate DfE uses for that date), within rounding; a "
               "larger gap means the board used another population base.")

#: (rate measure, count measure, period type) the board prints both of.
RATES = [
    ("cp_rate_per_10k", "children_on_cp_plan", "snapshot"),
    ("referrals_rate_per_10k", "referrals", "cumulative_from_april"),
    ("referrals_rate_per_10k", "referrals", "financial_year"),
]

DATE_KEYS = ["new_la_code", "period_end"]


def check(data: CheckInput) -> list[Finding]:
    board = data.board
    observations = data.observations
    population = observations[(observations["measure"] == "population_0_17") & observations["value"].notna()]
    findings = []
    for rate_measure, count_measure, period_type in RATES:
        totals = board[(board["breakdown"] == "total") & (board["period_type"] == period_type) & board["value"].notna()]
        rates = totals[totals["measure"] == rate_measure]
        counts = totals[totals["measure"] == count_measure].drop_duplicates(DATE_KEYS, keep="last")
        count_columns = DATE_KEYS + ["value", "source_table", "source_file", "source_row"]
        matched = rates.merge(counts[count_columns], on=DATE_KEYS, suffixes=("", "_count"))
        for row in matched.itertuples(index=False):
            year = population_for(row.period_end)
            estimate = population[(population["new_la_code"] == row.new_la_code) & (population["period_end"].dt.year == year)]
            if estimate.empty:
                continue
            children = estimate["value"].iloc[0]
            computed = row.value_count / children * 10_000
            tolerance = 0.5 if float(row.value).is_integer() else 0.05
            if not beyond_rounding(computed, row.value, tolerance):
                continue
            when = period_label(row.time_period, row.time_identifier, row.period_type, row.period_end)
            findings.append(RULE.finding(
                f"Table {row.source_table}: {rate_measure} {when} is printed as {row.value:g}; {fmt_figure(row.value_count)} "
                f"(table {row.source_table_count}) per ONS mid-{year} population aged 0–17 ({fmt_figure(children)}) "
                f"gives {fmt_number(computed, 1)}.",
                f"{row.source_table}, {row.source_table_count}", rate_measure, when,
                f"printed={row.value:g}; computed={fmt_number(computed, 1)}",
                period_end=iso_date(row.period_end), area_code=row.new_la_code,
                source_rows=row_locator([(row.source_file, row.source_row), (row.source_file_count, row.source_row_count),
                                         (estimate["source_file"].iloc[0], estimate["source_row"].iloc[0])]),
            ))
    return findings


RULE: Rule = register(Rule(CODE, TITLE, SEVERITY, DESCRIPTION, check))
