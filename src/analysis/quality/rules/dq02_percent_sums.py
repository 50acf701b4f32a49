"""DQ02: the shares of a whole breakdown do not add up to 100% within rounding."""

from __future__ import annotations

from ...formatting import fmt_number
from ..registry import CheckInput, Finding, Rule, register
from .helpers import (
    GROUP_KEYS,
    PARTITIONS,
    beyond_rounding,
    iso_date,
    period_label,
    references_of,
    row_locator,
)

CODE = "DQ02"
TITLE = "Percentages do not add up to 100"
SEVERITY = "warning"
DESCRIPTION = ("Shares across a whole breakdown should add up to 100% within rounding (0.05 points per "
               "printed figure).")

#: A share printed to one decimal place may be off by up to this many points.
ROUNDING_PER_FIGURE = 0.05

BREAKDOWN_KEYS = GROUP_KEYS + ["breakdown", "source_table"]


def check(data: CheckInput) -> list[Finding]:
    board = data.board
    shares = board[(board["unit"] == "percent") & board["breakdown"].isin(PARTITIONS) & (board["breakdown_value"] != "Total")]
    findings = []
    for key, breakdown in shares.groupby(BREAKDOWN_KEYS, dropna=False):
        keys = dict(zip(BREAKDOWN_KEYS, key))
        if len(breakdown) < 2 or breakdown["value"].isna().any():
            continue
        total = float(breakdown["value"].sum())
        tolerance = ROUNDING_PER_FIGURE * len(breakdown)
        if beyond_rounding(total, 100, tolerance):
            when = period_label(keys["time_period"], keys["time_identifier"], keys["period_type"], keys["period_end"])
            findings.append(RULE.finding(
                f"Table {keys['source_table']}: {keys['measure']} by {keys['breakdown']} {when} adds up to "
                f"{fmt_number(total, 1)}%, more than rounding allows ({len(breakdown)} figures, ±{fmt_number(tolerance, 2)}).",
                keys["source_table"], keys["measure"], when, f"sum={fmt_number(total, 1)}",
                period_end=iso_date(keys["period_end"]), area_code=keys["new_la_code"],
                source_rows=row_locator(references_of(breakdown)),
            ))
    return findings


RULE: Rule = register(Rule(CODE, TITLE, SEVERITY, DESCRIPTION, check))
