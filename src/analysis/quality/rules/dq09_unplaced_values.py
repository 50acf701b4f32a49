"""DQ09: printed values the extraction could not place in a column (kept in unplaced_values.csv)."""

from __future__ import annotations

import pandas as pd

from ..registry import CheckInput, Finding, Rule, register
from .helpers import area_code_of, references_of, row_locator

CODE = "DQ09"
TITLE = "Printed values that cannot be placed in a column"
SEVERITY = "warning"
DESCRIPTION = ("The extracted report prints fewer values than the table has columns and nothing says which "
               "column each belongs to: the values are kept verbatim in unplaced_values.csv and not analysed.")


def _numbered(unplaced: pd.DataFrame) -> pd.DataFrame:
    """The unplaced values with the file each came from and its data-row number in that file
    (the files are read whole and in order, so the n-th row of a file is its row n)."""
    if "source_file" not in unplaced.columns:
        unplaced = unplaced.assign(source_file="")
    return unplaced.assign(source_row=unplaced.groupby("source_file").cumcount() + 1)


def _board_of(file: str, board: pd.DataFrame) -> pd.DataFrame:
    """The board observations of the local dataset folder that ``file`` ("wscb_2017_18/unplaced_values.csv") is in."""
    folder = file.split("/")[0]
    return board[board["source"] == folder]


def check(data: CheckInput) -> list[Finding]:
    if data.unplaced is None or data.unplaced.empty:
        return []
    findings = []
    for (table, file), rows in _numbered(data.unplaced).groupby(["source_table", "source_file"]):
        findings.append(RULE.finding(
            f"Table {table}: {len(rows)} printed row(s) could not be placed in a period "
            f"(e.g. '{rows['row_label'].iloc[0]}': {rows['values_as_printed'].iloc[0]}).",
            str(table), "", "", f"rows={len(rows)}",
            area_code=area_code_of(_board_of(file, data.board)), source_rows=row_locator(references_of(rows)),
        ))
    return findings


RULE: Rule = register(Rule(CODE, TITLE, SEVERITY, DESCRIPTION, check))
