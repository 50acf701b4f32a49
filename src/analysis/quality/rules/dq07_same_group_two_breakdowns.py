"""DQ07: one group (unborn children) has a different share in two breakdowns of the same table."""

from __future__ import annotations

from ..registry import CheckInput, Finding, Rule, register
from .helpers import GROUP_KEYS, fmt_figure, iso_date, period_label, references_of, row_locator

CODE = "DQ07"
TITLE = "Same group, different share in two breakdowns"
SEVERITY = "warning"
DESCRIPTION = ("Unborn children are counted in both the ethnicity and the language breakdown of the same "
               "referrals (or plans): their share should be the same in both.")

TABLE_KEYS = GROUP_KEYS + ["source_table"]


def check(data: CheckInput) -> list[Finding]:
    board = data.board
    unborn = board[(board["breakdown_value"] == "Unborn") & board["value"].notna()]
    findings = []
    for key, same_figure in unborn.groupby(TABLE_KEYS, dropna=False):
        if same_figure["breakdown"].nunique() < 2 or same_figure["value"].nunique() < 2:
            continue
        keys = dict(zip(TABLE_KEYS, key))
        when = period_label(keys["time_period"], keys["time_identifier"], keys["period_type"], keys["period_end"])
        described = "; ".join(f"by {row.breakdown}: {fmt_figure(row.value)}" for row in same_figure.itertuples(index=False))
        findings.append(RULE.finding(
            f"Table {keys['source_table']}: unborn children's {keys['measure']} {when} differs between breakdowns — {described}.",
            keys["source_table"], keys["measure"], when, described,
            period_end=iso_date(keys["period_end"]), area_code=keys["new_la_code"],
            source_rows=row_locator(references_of(same_figure)),
        ))
    return findings


RULE: Rule = register(Rule(CODE, TITLE, SEVERITY, DESCRIPTION, check))
