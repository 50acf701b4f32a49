"""DQ10: figures printed under a column header that names another period than their dates (information)."""

from __future__ import annotations

from ..registry import CheckInput, Finding, Rule, register
from .helpers import iso_date, references_of, row_locator

CODE = "DQ10"
TITLE = "Column header contradicts its dates"
SEVERITY = "info"
DESCRIPTION = ("A printed column header names a different period from the dates printed under it; the data "
               "follows the dates.")


def check(data: CheckInput) -> list[Finding]:
    board = data.board
    flagged = board[board["flags"].str.contains("header_mislabelled", regex=False)]
    findings = []
    for (table, area_code), rows in flagged.groupby(["source_table", "new_la_code"]):
        example = rows["note"].iloc[0]
        findings.append(RULE.finding(
            f"Table {table}: {len(rows)} figure(s) sit under a header that contradicts their dates ({example}).",
            str(table), ", ".join(sorted(rows["measure"].unique())), "", f"rows={len(rows)}",
            period_end=iso_date(rows["period_end"].min()), area_code=area_code,
            source_rows=row_locator(references_of(rows)),
        ))
    return findings


RULE: Rule = register(Rule(CODE, TITLE, SEVERITY, DESCRIPTION, check))
