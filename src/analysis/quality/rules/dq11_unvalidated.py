"""DQ11: figures the report marks as not yet validated (information)."""

from __future__ import annotations

from ..registry import CheckInput, Finding, Rule, register
from .helpers import fmt_figure, iso_date, period_label, row_locator

CODE = "DQ11"
TITLE = "Figures not yet validated"
SEVERITY = "info"
DESCRIPTION = "The report marks some figures as not yet validated (to be confirmed by the CIN census)."


def check(data: CheckInput) -> list[Finding]:
    board = data.board
    flagged = board[board["flags"].str.contains("unvalidated", regex=False)]
    findings = []
    for row in flagged.itertuples(index=False):
        when = period_label(row.time_period, row.time_identifier, row.period_type, row.period_end)
        findings.append(RULE.finding(
            f"Table {row.source_table}: {row.measure} {when} ({fmt_figure(row.value)}) is marked as not yet validated.",
            row.source_table, row.measure, when, fmt_figure(row.value),
            period_end=iso_date(row.period_end), area_code=row.new_la_code,
            source_rows=row_locator([(row.source_file, row.source_row)]),
        ))
    return findings


RULE: Rule = register(Rule(CODE, TITLE, SEVERITY, DESCRIPTION, check))
