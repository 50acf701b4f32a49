"""DQ01: the counts of a breakdown do not add up to the total printed in the same table."""

from __future__ import annotations

import pandas as pd

from ..registry import CheckInput, Finding, Rule, register
from .helpers import GROUP_KEYS, PARTITIONS, fmt_figure, iso_date, period_label, row_locator

CODE = "DQ01"
TITLE = "Breakdown does not add up to its total"
SEVERITY = "warning"
DESCRIPTION = ("The counts in a breakdown (e.g. children on plans by age) should add up to the total printed "
               "for the same date in the same table.")

#: Units whose breakdown rows do not add up to the printed total (rates, or shares of another base).
NOT_ADDITIVE_UNITS = ("rate_per_10k", "percent", "hours")

#: One breakdown of one table: the series keys, the breakdown and the table.
BREAKDOWN_KEYS = GROUP_KEYS + ["breakdown", "source_table"]
#: The same without the breakdown: where the table's overall total ("total" breakdown, "All") is found.
TABLE_KEYS = [key for key in BREAKDOWN_KEYS if key != "breakdown"]


def _count_missing(values: pd.Series) -> int:
    return int(values.isna().sum())


def check(data: CheckInput) -> list[Finding]:
    additive = data.board[~data.board["unit"].isin(NOT_ADDITIVE_UNITS)]
    parts = additive[additive["breakdown"].isin(PARTITIONS) & (additive["breakdown_value"] != "Total")]
    if parts.empty:
        return []
    parts = parts.assign(reference=list(zip(parts["source_file"], parts["source_row"])))
    sums = parts.groupby(BREAKDOWN_KEYS, dropna=False).agg(
        total_of_parts=("value", "sum"), n_missing=("value", _count_missing), references=("reference", list),
    ).reset_index()
    sums = sums[sums["n_missing"] == 0]  # a breakdown with a blank cell proves nothing by its sum
    # the total printed in the same table: a Total row of the breakdown, else the table's total/All row
    totals = additive[additive["value"].notna() & additive["breakdown_value"].isin(["Total", "All"])]
    located = ["value", "source_file", "source_row"]
    own_total = totals[totals["breakdown_value"] == "Total"][BREAKDOWN_KEYS + located]
    table_total = totals[totals["breakdown"] == "total"][TABLE_KEYS + located]
    compared = (sums.merge(own_total, on=BREAKDOWN_KEYS, how="left")
                .merge(table_total, on=TABLE_KEYS, how="left", suffixes=("", "_all")))
    has_own_total = compared["value"].notna()
    compared["printed_total"] = compared["value"].where(has_own_total, compared["value_all"])
    compared["total_file"] = compared["source_file"].where(has_own_total, compared["source_file_all"])
    compared["total_row"] = compared["source_row"].where(has_own_total, compared["source_row_all"])
    compared = compared[compared["printed_total"].notna()
                        & ((compared["total_of_parts"] - compared["printed_total"]).abs() > 1e-9)]
    findings = []
    for row in compared.to_dict("records"):
        when = period_label(row["time_period"], row["time_identifier"], row["period_type"], row["period_end"])
        of_parts, printed = row["total_of_parts"], row["printed_total"]
        findings.append(RULE.finding(
            f"Table {row['source_table']}: {row['measure']} by {row['breakdown']} {when} adds up to {fmt_figure(of_parts)}, "
            f"but the table's total is {fmt_figure(printed)} (difference {fmt_figure(of_parts - printed)}).",
            row["source_table"], row["measure"], when, f"sum={fmt_figure(of_parts)}; total={fmt_figure(printed)}",
            period_end=iso_date(row["period_end"]), area_code=row["new_la_code"],
            source_rows=row_locator(row["references"] + [(row["total_file"], row["total_row"])]),
        ))
    return findings


RULE: Rule = register(Rule(CODE, TITLE, SEVERITY, DESCRIPTION, check))
