"""Read a filled quarterly workbook (Excel, or a folder of CSV files) back into tidy rows.

Nothing is assumed: the file is checked to be a workbook (a password-protected one is an OLE
compound file, said so), made by ``safeguarding template`` (its hidden layout), with every sheet
there under its own name, every heading and row label where the template put it, no merged
cells, no formulas and nothing outside the template's columns and rows. Each filled cell becomes
one tidy row in the data's own format, its ``note`` saying where it came from (workbook, sheet,
cell). Every problem names the sheet, the cell, the row label, the period and the value, and
says the rule in plain words; a workbook with any problem gives no rows at all.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from .layout import (
    AREA_FIELDS, FIRST_DATA_ROW, FIRST_VALUE_COL, HEAD_END, HEAD_LABEL, HEAD_START, HEAD_TYPE, KEY_HEADINGS, LAYOUT_SHEET,
    README_SHEET, Layout, Sheet,
)
from .template import SYMBOLS, sheet_grid

OLE_MAGIC = b"\xd0\xcf\x11\xe0"
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def ref(row: int, col: int) -> str:
    """Excel's name of a cell (1-based row and column), e.g. F8."""
    letters = ""
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return f"{letters}{row}"


@dataclass(frozen=True)
class WorkbookProblem:
    """One problem in the workbook: where (sheet, cell), what (label, period, value) and why."""

    sheet: str | None
    cell: str | None
    message: str
    label: str | None = None
    period: str | None = None
    value: str | None = None

    def __str__(self) -> str:
        where = "Workbook" if self.sheet is None else f"Sheet {self.sheet}"
        if self.cell:
            where += f", cell {self.cell}"
        about = ", ".join(x for x in (self.label, self.period) if x)
        if about:
            where += f" ({about})"
        value = f"{self.value!r} " if self.value is not None else ""
        return f"{where}: {value}{self.message}"


@dataclass
class SheetCells:
    """A sheet as read: values by (row, column), which cells hold formulas, merged ranges."""

    name: str
    values: dict[tuple[int, int], object] = field(default_factory=dict)
    formulas: set[tuple[int, int]] = field(default_factory=set)
    merged: list[str] = field(default_factory=list)
    #: numbers in cells formatted as a percentage: Excel stores "12.5%" typed there as 0.125
    percent_formatted: set[tuple[int, int]] = field(default_factory=set)

    def get(self, r: int, c: int):
        return self.values.get((r, c))


@dataclass
class ReadResult:
    """The tidy rows read from a workbook (each with its provenance) and every problem found."""

    layout: Layout | None
    rows: list[dict] = field(default_factory=list)
    problems: list[WorkbookProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


class WorkbookError(ValueError):
    """The file cannot be read as a workbook at all."""


def _blank(v) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def open_xlsx(path: Path) -> dict[str, SheetCells]:
    head = path.read_bytes()[:8] if path.is_file() else b""
    if head.startswith(OLE_MAGIC):
        raise WorkbookError(f"{path.name} is password-protected (an encrypted Office file): remove the password "
                            "(File > Info > Protect Workbook > Encrypt with Password, then clear it), save, and import again")
    if not zipfile.is_zipfile(path):
        raise WorkbookError(f"{path.name} is not an Excel workbook (.xlsx): save it from Excel or LibreOffice as "
                            "'Excel Workbook (.xlsx)', or give the folder of CSV files")
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, data_only=False, read_only=False)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a damaged file
        raise WorkbookError(f"{path.name} cannot be read as an Excel workbook ({type(exc).__name__}: {exc})") from exc
    sheets: dict[str, SheetCells] = {}
    for ws in wb.worksheets:
        sc = SheetCells(ws.title, merged=[str(m) for m in ws.merged_cells.ranges])
        for row in ws.iter_rows():
            for cell in row:
                v = cell.value
                if v is None:
                    continue
                if cell.data_type == "f" or (isinstance(v, str) and v.startswith("=")):
                    sc.formulas.add((cell.row, cell.column))
                    v = v if isinstance(v, str) else str(getattr(v, "text", v))
                elif isinstance(v, (int, float)) and "%" in (cell.number_format or ""):
                    sc.percent_formatted.add((cell.row, cell.column))
                sc.values[(cell.row, cell.column)] = v
        sheets[ws.title] = sc
    return sheets


def open_csv_folder(path: Path) -> dict[str, SheetCells]:
    sheets: dict[str, SheetCells] = {}
    for f in sorted(path.glob("*.csv")):
        sc = SheetCells(f.stem)
        try:
            text = f.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as exc:
            raise WorkbookError(f"{f.name} is not UTF-8 text: save it as 'CSV UTF-8'") from exc
        for r, line in enumerate(csv.reader(text.splitlines()), start=1):
            for c, v in enumerate(line, start=1):
                if v != "":
                    sc.values[(r, c)] = v
                    if v.startswith("="):
                        sc.formulas.add((r, c))
        sheets[f.stem] = sc
    return sheets


def open_workbook(path: str | Path) -> dict[str, SheetCells]:
    """Every sheet of an .xlsx file or a folder of CSV files."""
    path = Path(path)
    if not path.exists():
        raise WorkbookError(f"{path} does not exist")
    return open_csv_folder(path) if path.is_dir() else open_xlsx(path)


def _layout_of(sheets: dict[str, SheetCells], name: str) -> Layout:
    hidden = sheets.get(LAYOUT_SHEET)
    if hidden is None or not hidden.values:
        raise WorkbookError(f"{name} was not made by `safeguarding template` (it has no hidden '{LAYOUT_SHEET}' "
                            "sheet saying its layout): make a template with `safeguarding template --period P` and fill that")
    text = "".join(str(hidden.values[k]) for k in sorted(hidden.values) if k[1] == 1)
    try:
        layout = Layout.from_json(text)
    except (ValueError, KeyError, TypeError) as exc:
        raise WorkbookError(f"{name}: its hidden '{LAYOUT_SHEET}' sheet was changed and cannot be read ({exc}); "
                            "use a fresh template") from exc
    for sheet in layout.sheets:  # each sheet is written to one file of the dataset folder, and only there
        file = str(sheet.file)
        if Path(file).name != file or not file.endswith(".csv") or file.startswith("."):
            raise WorkbookError(f"{name}: its hidden '{LAYOUT_SHEET}' sheet names {file!r} as the file of sheet "
                                f"{sheet.name!r}, which is not a data file of the dataset folder; use a fresh template")
    return layout


def _text(v) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return "" if v is None else str(v)


def _structure(sheet: Sheet, sc: SheetCells) -> list[WorkbookProblem]:
    """Headings, row labels, merged cells and anything outside the template's cells."""
    problems: list[WorkbookProblem] = []
    expected = sheet_grid(sheet, filled=False)
    last_col = FIRST_VALUE_COL - 1 + len(sheet.columns)
    last_row = FIRST_DATA_ROW - 1 + len(sheet.rows)
    for m in sc.merged:
        problems.append(WorkbookProblem(sheet.name, m, "cells are merged: unmerge them (each figure needs its own cell)"))
    for r in (HEAD_LABEL, HEAD_TYPE, HEAD_START, HEAD_END):
        for c in range(1, last_col + 1):
            want, got = _text(expected[r - 1][c - 1]), _text(sc.get(r, c)).strip()
            if got != want:
                problems.append(WorkbookProblem(
                    sheet.name, ref(r, c), f"is not the template's heading {want!r}: a column was inserted, deleted, "
                    "moved or renamed; put it back as it was, or copy the figures into a fresh template", value=got))
                break
    for i, row in enumerate(sheet.rows):
        r = FIRST_DATA_ROW + i
        for c, want in enumerate(row.keys_shown(), start=1):
            got = _text(sc.get(r, c)).strip()
            if got != want:
                problems.append(WorkbookProblem(
                    sheet.name, ref(r, c), f"should be {want!r} ({KEY_HEADINGS[c - 1]} of this row in the template): "
                    "a row was inserted, deleted, moved or relabelled; put it back as it was, or copy the figures "
                    "into a fresh template", value=got))
                break
    outside_cols: dict[int, tuple[int, object]] = {}
    outside_rows: dict[int, tuple[int, object]] = {}
    for (r, c), v in sorted(sc.values.items()):
        if _blank(v):
            continue
        if c > last_col:
            outside_cols.setdefault(c, (r, v))
        elif r > last_row:
            outside_rows.setdefault(r, (c, v))
    for c, (r, v) in outside_cols.items():
        problems.append(WorkbookProblem(sheet.name, ref(r, c), "is outside the template's columns (an extra column?): "
                                        "the template has no column here; remove it", value=_text(v)))
    for r, (c, v) in outside_rows.items():
        problems.append(WorkbookProblem(sheet.name, ref(r, c), "is below the template's last row (an extra row?): "
                                        "the template has no row here; remove it", value=_text(v)))
    return problems


def parse_cell(v, unit: str) -> tuple[str, str] | str:
    """(value, status) as the tidy format writes them, or why the cell cannot be read."""
    if isinstance(v, bool):
        return "is TRUE/FALSE, not a number"
    if isinstance(v, (dt.datetime, dt.date, dt.time, dt.timedelta)):
        return "is a date or time, not a number: type the figure as a plain number (format the cell as Number if Excel turns it into a date)"
    if isinstance(v, str):
        text = v.strip()
        if text.lower() in SYMBOLS:
            return "", text.lower()
        if _NUMBER.match(text):
            v = float(text)
        elif re.fullmatch(r"-?[\d,]+(\.\d+)?", text):
            return "is not a number as typed: write it without commas (e.g. 1234)"
        elif re.fullmatch(r"-?\d+(\.\d+)?\s*%", text):
            return "is not a number as typed: write the percentage without the % sign (e.g. 12.5)"
        else:
            return "is not a number (type digits, or c = withheld, x = not available, z = not applicable)"
    if not isinstance(v, (int, float)) or v != v:
        return "is not a number"
    number = float(v)
    if unit == "count":
        if number < 0:
            return "is negative: a count cannot be less than 0"
        if not number.is_integer():
            return "is not a whole number: a count must be a whole number"
    elif unit == "percent":
        if number < 0 or number > 100:
            return "is outside 0 to 100: a percentage must lie between 0 and 100"
    elif number < 0:
        return f"is negative: a figure in {unit} cannot be less than 0"
    return format_number(number), ""


def format_number(number: float) -> str:
    """A number as the tidy files write it: whole numbers without a decimal point."""
    if number.is_integer():
        return str(int(number))
    return repr(number)


def read_workbook(path: str | Path) -> ReadResult:
    """Every filled cell of the workbook at ``path`` as a tidy row, or every problem found."""
    path = Path(path)
    try:
        sheets = open_workbook(path)
        layout = _layout_of(sheets, path.name)
    except WorkbookError as exc:
        return ReadResult(None, problems=[WorkbookProblem(None, None, str(exc))])
    result = ReadResult(layout)
    expected = [s.name for s in layout.sheets]
    present = [n for n in sheets if n not in (README_SHEET, LAYOUT_SHEET)]
    missing = [n for n in expected if n not in sheets]
    unknown = [n for n in present if n not in expected]
    for name in missing:
        hint = f" A sheet named {unknown[0]!r} is there instead: was it renamed? Rename it back to {name!r}." \
            if len(missing) == 1 and len(unknown) == 1 else ""
        result.problems.append(WorkbookProblem(name, None, f"the sheet is missing from the workbook (the template has it){'.' + hint if hint else ''}"))
    for name in unknown:
        result.problems.append(WorkbookProblem(name, None, "is not a sheet of the template: nothing in it would be read; "
                                               "remove it, or give it back the name the template gave it"))
    for sheet in layout.sheets:
        sc = sheets.get(sheet.name)
        if sc is None:
            continue
        structure = _structure(sheet, sc)
        result.problems.extend(structure)
        if structure:
            continue  # figures of a sheet out of shape would land in the wrong rows
        _read_values(path.name, sheet, sc, result)
    if result.problems:
        result.rows = []
    return result


def _read_values(file_name: str, sheet: Sheet, sc: SheetCells, result: ReadResult) -> None:
    from ...periods import period_of

    for ri, row in enumerate(sheet.rows):
        r = FIRST_DATA_ROW + ri
        for ci, col in enumerate(sheet.fill):
            c = FIRST_VALUE_COL + ci
            v = sc.get(r, c)
            where = dict(label=row.label, period=col.heading)
            if (r, c) in sc.formulas:
                result.problems.append(WorkbookProblem(sheet.name, ref(r, c), "is a formula: type the figure itself "
                                                       "(copy, then Paste Special > Values)", value=_text(v), **where))
                continue
            if _blank(v):
                continue
            if (r, c) in sc.percent_formatted:
                result.problems.append(WorkbookProblem(
                    sheet.name, ref(r, c), "is formatted as a percentage, so the spreadsheet holds it as a fraction "
                    "(12.5% is stored as 0.125): format the cell as Number and type 12.5, not 12.5%",
                    value=_text(v), **where))
                continue
            if (ri, ci) not in sheet.fillable:
                result.problems.append(WorkbookProblem(sheet.name, ref(r, c), f"is in a cell that is not collected: this row has "
                                                       f"no {col.period_type} figure; leave the grey cell empty", value=_text(v), **where))
                continue
            parsed = parse_cell(v, row.unit)
            if isinstance(parsed, str):
                result.problems.append(WorkbookProblem(sheet.name, ref(r, c), parsed, value=_text(v), **where))
                continue
            value, status = parsed
            period_of(col.time_period, col.time_identifier)  # the layout's own columns are real periods
            geo = dict(zip(AREA_FIELDS, row.area))
            result.rows.append({
                "time_period": col.time_period, "time_identifier": col.time_identifier, "period_type": col.period_type,
                "period_start": col.period_start, "period_end": col.period_end, **geo,
                "source_table": row.source_table, "measure": row.measure, "breakdown": row.breakdown,
                "breakdown_value": row.breakdown_value, "value": value, "unit": row.unit, "status": status, "flags": "",
                "note": f"workbook {file_name}, sheet {sheet.name}, cell {ref(r, c)}",
                "_file": sheet.file, "_sheet": sheet.name, "_cell": ref(r, c), "_label": row.label,
                "_period": col.heading, "_shown": _text(v),
            })
