"""Write the quarterly workbook: Excel (openpyxl) or one CSV file per sheet.

Each table sheet is laid out as :mod:`.layout` says: title, what to do, the headings (period,
period type, first and last day), then one row per figure with the row label, measure,
breakdown, unit, the columns to fill (unlocked, pale yellow, with data validation: whole numbers
of 0 or more for counts, 0 to 100 for percentages, or one of the symbols c, x, z) and the
earlier periods for reference (locked, grey). A README sheet says what each sheet is; the layout
itself rides in a hidden sheet (``_layout.csv`` in the CSV form) for the reader.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from ...periods import parse_period
from .layout import (
    FIRST_DATA_ROW, FIRST_VALUE_COL, HEAD_END, HEAD_LABEL, HEAD_START, HEAD_TYPE, KEY_HEADINGS, LAYOUT_SHEET, NOTE_ROW,
    PERIOD_TYPE_WORDS, README_SHEET, TITLE_ROW, UNIT_WORDS, Layout, Sheet,
)

SYMBOLS = {"c": "withheld (suppressed) figure", "x": "not available (not collected, TBC)",
           "z": "not applicable (did not exist yet)"}
#: a cell of the layout JSON holds at most this many characters (Excel's limit is 32,767)
CHUNK = 30000
INSTRUCTION = ("Type each figure in the yellow cells of the column(s) headed 'TO FILL'. Numbers only "
               "(no commas, no % sign); c = withheld, x = not available, z = not applicable; leave a cell "
               "empty if you do not have the figure yet. The grey columns are earlier periods, for reference "
               "only: they are not read back. Do not insert, delete, move or merge rows or columns.")


def cell_value(value: str, status: str):
    """What a cell shows for a tidy value and status: a number, a symbol, or None."""
    if value == "":
        return status or None
    number = float(value)
    return int(number) if number.is_integer() and "." not in value else number


def sheet_grid(sheet: Sheet, filled: bool) -> list[list]:
    """The sheet as rows of cell values (1-based geometry of :mod:`.layout`; row 1 is index 0)."""
    width = FIRST_VALUE_COL - 1 + len(sheet.columns)
    grid: list[list] = [[None] * width for _ in range(FIRST_DATA_ROW - 1 + len(sheet.rows))]
    grid[TITLE_ROW - 1][0] = f"{sheet.title} (feeds {sheet.file})"
    grid[NOTE_ROW - 1][0] = INSTRUCTION
    heads = {HEAD_LABEL: KEY_HEADINGS[0], HEAD_TYPE: "period type", HEAD_START: "first day", HEAD_END: "last day"}
    for r, text in heads.items():
        grid[r - 1][0] = text
    for i, h in enumerate(KEY_HEADINGS[1:], start=1):
        grid[HEAD_LABEL - 1][i] = h
    for ci, col in enumerate(sheet.columns):
        j = FIRST_VALUE_COL - 1 + ci
        role = "TO FILL" if ci < len(sheet.fill) else "reference"
        grid[HEAD_LABEL - 1][j] = f"{col.heading} ({role})"
        grid[HEAD_TYPE - 1][j] = col.period_type
        grid[HEAD_START - 1][j] = col.period_start
        grid[HEAD_END - 1][j] = col.period_end
    for ri, row in enumerate(sheet.rows):
        line = grid[FIRST_DATA_ROW - 1 + ri]
        line[: len(KEY_HEADINGS)] = row.keys_shown()
        for ci in range(len(sheet.columns)):
            is_fill = ci < len(sheet.fill)
            if is_fill and not filled:
                continue
            if (ri, ci) in sheet.values:
                line[FIRST_VALUE_COL - 1 + ci] = cell_value(*sheet.values[(ri, ci)])
    return grid


def readme_rows(layout: Layout) -> list[list]:
    rows: list[list] = [
        [f"Quarterly figures for {layout.period}: dataset {layout.dataset}"],
        ["Fill in the yellow cells of each sheet, save, then run: safeguarding import <this file>"],
        ["Then run: safeguarding run --period " + parse_period(layout.period).slug],
        [INSTRUCTION],
        [],
        ["sheet", "feeds file", "rows", "columns to fill", "what it is"],
    ]
    for s in layout.sheets:
        fills = "; ".join(f"{c.heading} ({c.period_type})" for c in s.fill)
        rows.append([s.name, s.file, len(s.rows), fills, f"{s.title}: {s.about}" if s.about else s.title])
    rows += [[], ["period type", "meaning"]] + [[k, v] for k, v in PERIOD_TYPE_WORDS.items()]
    rows += [[], ["unit", "what to type"]] + [[k, v] for k, v in UNIT_WORDS.items()]
    rows += [[], ["symbol", "meaning"]] + [[k, v] for k, v in SYMBOLS.items()]
    rows += [[], ["not in this workbook", "why"]] + [list(x) for x in layout.left_out]
    return rows


def _chunks(text: str) -> list[list]:
    return [[text[i: i + CHUNK]] for i in range(0, len(text), CHUNK)]


def atomic_save(out: Path, save) -> None:
    """Write ``out`` through ``save(temporary path)`` then a rename: never a half-written file."""
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    os.close(fd)
    try:
        save(Path(tmp))
        os.chmod(tmp, 0o644)
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_csv_folder(layout: Layout, out: str | Path, filled: bool = False) -> Path:
    """The workbook as a folder of CSV files, one per sheet (``<sheet>.csv``), for boards without Excel."""
    import csv

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)

    def write(name: str, grid: list[list]) -> None:
        def save(tmp: Path) -> None:
            with tmp.open("w", encoding="utf-8", newline="") as fh:
                csv.writer(fh, lineterminator="\n").writerows([["" if v is None else v for v in r] for r in grid])
        atomic_save(out / f"{name}.csv", save)

    write(README_SHEET, readme_rows(layout))
    for sheet in layout.sheets:
        write(sheet.name, sheet_grid(sheet, filled))
    write(LAYOUT_SHEET, _chunks(layout.to_json()))
    return out


def write_xlsx(layout: Layout, out: str | Path, filled: bool = False) -> Path:
    """The workbook as an Excel file."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill, Protection
    from openpyxl.utils import get_column_letter
    from openpyxl.workbook.protection import WorkbookProtection
    from openpyxl.worksheet.datavalidation import DataValidation

    out = Path(out)
    wb = Workbook()
    readme = wb.active
    readme.title = README_SHEET
    for r in readme_rows(layout):
        readme.append(r)
    readme["A1"].font = Font(bold=True, size=14)
    readme.column_dimensions["A"].width = 28
    readme.column_dimensions["B"].width = 44
    readme.column_dimensions["D"].width = 60
    readme.protection.sheet = True
    yellow = PatternFill("solid", fgColor="FFF2CC")
    grey = PatternFill("solid", fgColor="EDEDED")
    bold = Font(bold=True)
    rules = {
        "count": ('AND(ISNUMBER({c}),{c}>=0,{c}=INT({c}))', "a whole number of 0 or more"),
        "percent": ('AND(ISNUMBER({c}),{c}>=0,{c}<=100)', "a percentage from 0 to 100"),
    }
    for sheet in layout.sheets:
        ws = wb.create_sheet(sheet.name)
        for r in sheet_grid(sheet, filled):
            ws.append(r)
        ws["A1"].font = Font(bold=True, size=14)
        ws["A2"].alignment = Alignment(wrap_text=False)
        for r in (HEAD_LABEL, HEAD_TYPE, HEAD_START, HEAD_END):
            for c in range(1, FIRST_VALUE_COL + len(sheet.columns)):
                ws.cell(r, c).font = bold
                ws.cell(r, c).number_format = "@"
        ws.column_dimensions["A"].width = 48
        for c in range(2, FIRST_VALUE_COL):
            ws.column_dimensions[get_column_letter(c)].width = 18
        for ci in range(len(sheet.columns)):
            ws.column_dimensions[get_column_letter(FIRST_VALUE_COL + ci)].width = 26
        # one validation per unit and column: its formula is written for its top cell, which is
        # then the top-left of every range it covers (how Excel and LibreOffice read it)
        validations: dict[tuple[str, int], DataValidation] = {}
        anchors: dict[tuple[str, int], str] = {}
        for ri, row in enumerate(sheet.rows):
            for ci in range(len(sheet.columns)):
                cell = ws.cell(FIRST_DATA_ROW + ri, FIRST_VALUE_COL + ci)
                if ci < len(sheet.fill) and (ri, ci) in sheet.fillable:
                    cell.fill = yellow
                    cell.protection = Protection(locked=False)
                    if (row.unit, ci) not in validations:
                        words = rules.get(row.unit, ("", "a number of 0 or more"))[1]
                        validations[(row.unit, ci)] = DataValidation(
                            type="custom", allow_blank=True, showErrorMessage=True, errorTitle="Not allowed here",
                            error=f"Type {words}, or c (withheld), x (not available) or z (not applicable).")
                        anchors[(row.unit, ci)] = cell.coordinate
                    validations[(row.unit, ci)].add(cell)
                else:
                    cell.fill = grey
        for (unit, ci), dv in validations.items():
            ref = anchors[(unit, ci)]
            test = rules.get(unit, ('AND(ISNUMBER({c}),{c}>=0)', ""))[0].format(c=ref)
            dv.formula1 = f'OR({test},{ref}="c",{ref}="x",{ref}="z")'
            ws.add_data_validation(dv)
        ws.freeze_panes = ws.cell(FIRST_DATA_ROW, FIRST_VALUE_COL)
        ws.protection.sheet = True
    hidden = wb.create_sheet(LAYOUT_SHEET)
    for r in _chunks(layout.to_json()):
        hidden.append(r)
    hidden.sheet_state = "veryHidden"
    hidden.protection.sheet = True
    wb.security = WorkbookProtection(lockStructure=True)
    atomic_save(out, lambda tmp: wb.save(tmp))
    return out
