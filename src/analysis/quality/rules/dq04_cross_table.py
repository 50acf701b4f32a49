"""DQ04: one measure printed in two tables for the same date and group with different values."""

from __future__ import annotations

import pandas as pd

from ..registry import CheckInput, Finding, Rule, register
from .helpers import GROUP_KEYS, fmt_figure, iso_date, period_label, references_of, row_locator

CODE = "DQ04"
TITLE = "Same figure, different value in two tables"
SEVERITY = "warning"
DESCRIPTION = "One measure printed in two tables of the report for the same date and group should agree."

#: One figure: the series keys and the breakdown group (any table).
FIGURE_KEYS = GROUP_KEYS + ["breakdown", "breakdown_value"]


def check(data: CheckInput) -> list[Finding]:
    board = data.board[data.board["value"].notna()]
    per_table = board.drop_duplicates(FIGURE_KEYS + ["source_table"])
    counts = per_table.groupby(FIGURE_KEYS, dropna=False).agg(tables=("source_table", "nunique"), values=("value", "nunique"))
    clashes = counts[(counts["tables"] > 1) & (counts["values"] > 1)].reset_index()[FIGURE_KEYS]
    findings = []
    for keys in clashes.to_dict("records"):
        printed = per_table.merge(pd.DataFrame([keys]), on=FIGURE_KEYS)
        when = period_label(keys["time_period"], keys["time_identifier"], keys["period_type"], keys["period_end"])
        described = "; ".join(f"table {row.source_table}: {fmt_figure(row.value)}" for row in printed.itertuples(index=False))
        findings.append(RULE.finding(
            f"{keys['measure']} ({keys['breakdown_value']}) {when} differs between tables — {described}.",
            ", ".join(printed["source_table"]), keys["measure"], when, described,
            period_end=iso_date(keys["period_end"]), area_code=keys["new_la_code"],
            source_rows=row_locator(references_of(printed)),
        ))
    return findings


RULE: Rule = register(Rule(CODE, TITLE, SEVERITY, DESCRIPTION, check))
