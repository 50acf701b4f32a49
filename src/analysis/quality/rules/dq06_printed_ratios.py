"""DQ06: a printed percentage does not match the counts it is made of, or its printed
denominator is not the total printed for the same period."""

from __future__ import annotations

import numpy as np

from ...formatting import fmt_number
from ..registry import CheckInput, Finding, Rule, register
from .helpers import beyond_rounding, fmt_figure, iso_date, period_label, row_locator

CODE = "DQ06"
TITLE = "Printed percentage does not match its counts"
SEVERITY = "warning"
DESCRIPTION = ("A percentage printed beside (or derivable from) its numerator and denominator should equal "
               "numerator ÷ denominator rounded to the printed precision; a printed denominator should equal "
               "the total printed for the same period.")

#: Printed percentages and the counts they are said to be made of:
#: (percent measure, numerator measure, denominator measure).
RATIOS = [
    ("referrals_to_assessment_percent", "referrals_to_assessment", "referrals_to_assessment_denominator"),
    ("cse_team_open_children_lac_percent", "cse_team_open_children_lac", "cse_team_open_children"),
    ("lac_residential_placements_percent", "lac_residential_placements", "looked_after_children"),
]

#: A printed denominator, and the total it should equal: (denominator measure, total measure).
DENOMINATOR_IS_TOTAL = ("referrals_to_assessment_denominator", "referrals")

#: One date of one area's figures (any table).
DATE_KEYS = ["source", "new_la_code", "period_type", "period_end", "time_period", "time_identifier"]
LOCATED = ["value", "source_file", "source_row"]


def _wrong_percentages(totals, percent_measure: str, numerator: str, denominator: str) -> list[Finding]:
    percents = totals[totals["measure"] == percent_measure]
    numerators = totals[totals["measure"] == numerator][DATE_KEYS + LOCATED].drop_duplicates(DATE_KEYS)
    denominators = totals[totals["measure"] == denominator][DATE_KEYS + LOCATED].drop_duplicates(DATE_KEYS)
    matched = (percents.merge(numerators, on=DATE_KEYS, suffixes=("", "_num"))
               .merge(denominators, on=DATE_KEYS, suffixes=("", "_den")))
    findings = []
    for row in matched.itertuples(index=False):
        exact = 100 * row.value_num / row.value_den if row.value_den else np.nan
        # a whole-number percentage within half a point was printed without decimals
        decimals = 0 if float(row.value).is_integer() and abs(exact - row.value) < 0.5 else 1
        tolerance = 0.5 if decimals == 0 else 0.05
        if not beyond_rounding(exact, row.value, tolerance):
            continue
        when = period_label(row.time_period, row.time_identifier, row.period_type, row.period_end)
        how = "truncated rather than rounded" if 0 < exact - row.value < 0.1 else "does not match"
        computed = fmt_number(exact, 2)
        findings.append(RULE.finding(
            f"Table {row.source_table}: {percent_measure} {when} is printed as {row.value:g}%, but "
            f"{fmt_figure(row.value_num)} / {fmt_figure(row.value_den)} = {computed}% ({how}).",
            row.source_table, percent_measure, when, f"printed={row.value:g}; computed={computed}",
            period_end=iso_date(row.period_end), area_code=row.new_la_code,
            source_rows=row_locator([(row.source_file, row.source_row), (row.source_file_num, row.source_row_num),
                                     (row.source_file_den, row.source_row_den)]),
        ))
    return findings


def _denominators_not_the_total(totals) -> list[Finding]:
    denominator_measure, total_measure = DENOMINATOR_IS_TOTAL
    denominators = totals[totals["measure"] == denominator_measure]
    printed_totals = totals[totals["measure"] == total_measure][DATE_KEYS + LOCATED + ["source_table"]].drop_duplicates(DATE_KEYS)
    findings = []
    for row in denominators.merge(printed_totals, on=DATE_KEYS, suffixes=("", "_tot")).itertuples(index=False):
        if row.value == row.value_tot:
            continue
        when = period_label(row.time_period, row.time_identifier, row.period_type, row.period_end)
        findings.append(RULE.finding(
            f"Table {row.source_table}: the share of referrals moved on to assessment {when} is printed over "
            f"{fmt_figure(row.value)} referrals, but the same table gives {fmt_figure(row.value_tot)} referrals for that period.",
            row.source_table, denominator_measure, when,
            f"denominator={fmt_figure(row.value)}; referrals={fmt_figure(row.value_tot)}",
            period_end=iso_date(row.period_end), area_code=row.new_la_code,
            source_rows=row_locator([(row.source_file, row.source_row), (row.source_file_tot, row.source_row_tot)]),
        ))
    return findings


def check(data: CheckInput) -> list[Finding]:
    board = data.board
    totals = board[board["value"].notna() & (board["breakdown"] == "total")]
    findings = []
    for percent_measure, numerator, denominator in RATIOS:
        findings += _wrong_percentages(totals, percent_measure, numerator, denominator)
    findings += _denominators_not_the_total(totals)
    return findings


RULE: Rule = register(Rule(CODE, TITLE, SEVERITY, DESCRIPTION, check))
