"""DQ03: a count cumulative from 1 April is lower at a later quarter of the same year."""

from __future__ import annotations

from ..registry import CheckInput, Finding, Rule, register
from .helpers import financial_year_label, fmt_figure, iso_date, row_locator

CODE = "DQ03"
TITLE = "Cumulative count falls"
SEVERITY = "warning"
DESCRIPTION = "A count cumulative from 1 April cannot be lower at a later quarter of the same year."

#: One series of a table: the same count, area, year and breakdown group, quarter by quarter.
SERIES_KEYS = ["source", "new_la_code", "time_period", "measure", "breakdown", "breakdown_value", "source_table"]


def check(data: CheckInput) -> list[Finding]:
    board = data.board
    cumulative = board[(board["period_type"] == "cumulative_from_april") & (board["unit"] == "count") & board["value"].notna()]
    findings = []
    for key, series in cumulative.sort_values("period_end").groupby(SERIES_KEYS, dropna=False):
        keys = dict(zip(SERIES_KEYS, key))
        previous = None
        for row in series.itertuples(index=False):
            if previous is not None and row.value < previous.value:
                year = financial_year_label(row.time_period)
                findings.append(RULE.finding(
                    f"Table {keys['source_table']}: {keys['measure']} ({keys['breakdown']}: {keys['breakdown_value']}) "
                    f"cumulative from 1 April falls from {fmt_figure(previous.value)} at {previous.time_identifier} to "
                    f"{fmt_figure(row.value)} at {row.time_identifier} {year}; a cumulative count can only rise, "
                    f"so one of the two is wrong.",
                    keys["source_table"], keys["measure"], f"{year} {previous.time_identifier}–{row.time_identifier}",
                    f"{previous.time_identifier}={fmt_figure(previous.value)}; {row.time_identifier}={fmt_figure(row.value)}",
                    period_end=iso_date(row.period_end), area_code=row.new_la_code,
                    source_rows=row_locator([(previous.source_file, previous.source_row), (row.source_file, row.source_row)]),
                ))
            previous = row
    return findings


RULE: Rule = register(Rule(CODE, TITLE, SEVERITY, DESCRIPTION, check))
