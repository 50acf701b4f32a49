"""Helpers of the workbook tests: fill a template with plausible figures, hash a folder."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

from analysis.ingest.workbook.layout import FIRST_DATA_ROW, FIRST_VALUE_COL, Layout


def folder_hash(folder: Path) -> str:
    """SHA-256 over every file's path and bytes under ``folder`` (links followed)."""
    digest = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            digest.update(str(p.relative_to(folder)).encode())
            digest.update(p.read_bytes())
    return digest.hexdigest()


def plausible(layout: Layout, blanks: int = 2, withheld: int = 2) -> dict[tuple[str, str], object]:
    """A figure for every cell to fill: the same period type's figure a year earlier where there
    is one (a count from April grows through the year), else the latest earlier figure; counts
    up by 2%. The first ``withheld`` count cells of breakdown rows are ``c`` and the first
    ``blanks`` cells of table 2.4 are left empty. Returns {(sheet, cell): value}."""
    from analysis.ingest.workbook.reader import ref

    out: dict[tuple[str, str], object] = {}
    left_blank = marked_c = 0
    for sheet in layout.sheets:
        for ri, row in enumerate(sheet.rows):
            for ci, col in enumerate(sheet.fill):
                if (ri, ci) not in sheet.fillable:
                    continue
                cell = ref(FIRST_DATA_ROW + ri, FIRST_VALUE_COL + ci)
                if sheet.name == "2.4" and left_blank < blanks:
                    left_blank += 1
                    continue
                if row.unit == "count" and row.breakdown != "total" and marked_c < withheld:
                    marked_c += 1
                    out[(sheet.name, cell)] = "c"
                    continue
                out[(sheet.name, cell)] = _guess(sheet, ri, col)
    return out


def _guess(sheet, ri: int, col) -> float | int:
    year_before = date.fromisoformat(col.period_end).replace(year=int(col.period_end[:4]) - 1).isoformat()
    candidates = [(ci, c) for ci, c in enumerate(sheet.columns) if ci >= len(sheet.fill)]
    same = [ci for ci, c in candidates if c.period_type == col.period_type and c.period_end == year_before]
    latest = [ci for ci, c in candidates if c.period_type == col.period_type] + [ci for ci, _ in candidates]
    for ci in same + latest:
        value, status = sheet.values.get((ri, ci), ("", ""))
        if value != "":
            number = float(value)
            if sheet.rows[ri].unit == "count":
                return int(round(number * 1.02))
            return number
    return 0


def fill_xlsx(template: Path, figures: dict[tuple[str, str], object], out: Path) -> Path:
    """The template with ``figures`` typed in (as an analyst would, through openpyxl)."""
    from openpyxl import load_workbook

    wb = load_workbook(template)
    for (sheet, cell), value in figures.items():
        wb[sheet][cell] = value
    wb.save(out)
    return out
