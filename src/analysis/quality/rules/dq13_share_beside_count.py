"""DQ13: a share printed beside its count does not equal count ÷ printed total."""

from __future__ import annotations

import numpy as np

from ...formatting import fmt_number
from ..registry import CheckInput, Finding, Rule, register
from .helpers import beyond_rounding, fmt_figure, iso_date, period_label, row_locator

CODE = "DQ13"
TITLE = "Printed share does not match the count beside it"
SEVERITY = "warning"
DESCRIPTION = ("Where a table prints a count and its share of the printed total side by side, the share "
               "should be count ÷ total rounded to one decimal place.")

#: (share measure, count measure, breakdown) printed side by side.
SHARES_BESIDE_COUNTS = [("referrals_share", "referrals", "referral_source")]

#: One breakdown of one table at one date.
TABLE_KEYS = ["source", "new_la_code", "period_type", "period_end", "time_period", "time_identifier", "source_table", "breakdown"]
LOCATED = ["value", "source_file", "source_row"]


def check(data: CheckInput) -> list[Finding]:
    board = data.board
    findings = []
    for share_measure, count_measure, breakdown in SHARES_BESIDE_COUNTS:
        in_breakdown = board[(board["breakdown"] == breakdown) & board["value"].notna()]
        shares = in_breakdown[(in_breakdown["measure"] == share_measure) & (in_breakdown["breakdown_value"] != "Total")]
        counts = in_breakdown[in_breakdown["measure"] == count_measure]
        totals = counts[counts["breakdown_value"] == "Total"][TABLE_KEYS + LOCATED].rename(columns={"value": "total"})
        matched = (shares.merge(counts[TABLE_KEYS + ["breakdown_value"] + LOCATED], on=TABLE_KEYS + ["breakdown_value"],
                                suffixes=("", "_count"))
                   .merge(totals, on=TABLE_KEYS, suffixes=("", "_total")))
        for row in matched.itertuples(index=False):
            exact = 100 * row.value_count / row.total if row.total else np.nan
            if not beyond_rounding(exact, row.value, 0.05):
                continue
            when = period_label(row.time_period, row.time_identifier, row.period_type, row.period_end)
            computed = fmt_number(exact, 2)
            findings.append(RULE.finding(
                f"Table {row.source_table}: {row.breakdown_value} {when} is printed as {row.value:g}% beside "
                f"{fmt_figure(row.value_count)} of {fmt_figure(row.total)} referrals, which is {computed}%.",
                row.source_table, share_measure, when, f"printed={row.value:g}; computed={computed}",
                period_end=iso_date(row.period_end), area_code=row.new_la_code,
                source_rows=row_locator([(row.source_file, row.source_row), (row.source_file_count, row.source_row_count),
                                         (row.source_file_total, row.source_row_total)]),
            ))
    return findings


RULE: Rule = register(Rule(CODE, TITLE, SEVERITY, DESCRIPTION, check))
