"""Bad workbooks: each is refused with one clear message naming the sheet and the cell (or the
whole file where there is no cell), the row label, the period and the value, and the rule; and
nothing under data/raw changes (the folder's hash before and after)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from analysis.ingest.workbook.layout import FIRST_DATA_ROW, FIRST_VALUE_COL, build_layout
from analysis.ingest.workbook.reader import ref
from analysis.ingest.workbook.template import write_csv_folder, write_xlsx
from analysis.paths import REPO_ROOT, raw_dir
from analysis.pipeline.cli import main
from workbook_fill import fill_xlsx, folder_hash, plausible

DATASET = "wscb_2017_18"


@pytest.fixture()
def setting(raw_copy, tmp_path):
    """A plausibly filled 2018-19 Q1 workbook, its layout, the copy of data/raw to import into."""
    layout = build_layout(raw_copy / DATASET, "2018-19-Q1")
    template = write_xlsx(layout, tmp_path / "template.xlsx")
    book = fill_xlsx(template, plausible(layout), tmp_path / "next_quarter.xlsx")
    return book, layout, raw_copy


def cell_of(layout, sheet: str, measure: str | None = None, unit: str | None = None, row: int = 0) -> tuple[str, str, str]:
    """(cell, row label, period heading) of a cell to fill: the ``row``-th matching row, first fill column."""
    s = layout.sheet(sheet)
    rows = [i for i, r in enumerate(s.rows) if (measure is None or r.measure == measure) and (unit is None or r.unit == unit)
            and (i, 0) in s.fillable]
    ri = rows[row]
    return ref(FIRST_DATA_ROW + ri, FIRST_VALUE_COL), s.rows[ri].label, s.fill[0].heading


def refused(book: Path, raw: Path, capsys, *extra: str) -> str:
    """Import ``book``; assert it is refused and nothing under raw (or the shipped data/raw) changed."""
    before, shipped = folder_hash(raw), folder_hash(raw_dir())
    assert main(["import", str(book), "--raw", str(raw), *extra]) == 1
    out = capsys.readouterr().out
    assert "Import refused" in out and "Nothing was written" in out
    assert folder_hash(raw) == before and folder_hash(raw_dir()) == shipped
    return out


def edit(book: Path, change) -> Path:
    from openpyxl import load_workbook

    wb = load_workbook(book)
    change(wb)
    wb.save(book)
    return book


def test_text_in_a_number_cell(setting, capsys):
    book, layout, raw = setting
    cell, label, period = cell_of(layout, "4.1", row=1)
    fill_xlsx(book, {("4.1", cell): "fourty"}, book)
    out = refused(book, raw, capsys)
    said = f"Sheet 4.1, cell {cell} ({label}, {period}): 'fourty' is not a number"
    assert said in out
    assert said in (REPO_ROOT / "README.md").read_text(encoding="utf-8")  # the README's example is what it says
    districts = (raw / "lookups" / "districts.csv").read_text(encoding="utf-8")
    assert label in districts and period == "30 Jun 2018"  # the district as printed, the quarter's end


def test_a_merged_row(setting, capsys):
    book, layout, raw = setting
    edit(book, lambda wb: wb["4.1"].merge_cells("A9:B9"))
    out = refused(book, raw, capsys)
    assert "Sheet 4.1, cell A9:B9: cells are merged: unmerge them" in out


def test_a_deleted_row(setting, capsys):
    book, layout, raw = setting
    edit(book, lambda wb: wb["4.1"].delete_rows(10))
    s = layout.sheet("4.1")
    out = refused(book, raw, capsys)
    assert (f"Sheet 4.1, cell A10: '{s.rows[3].label}' should be '{s.rows[2].label}' (Row (as the table prints it) "
            "of this row in the template): a row was inserted, deleted, moved or relabelled") in out


def test_a_renamed_sheet(setting, capsys):
    book, layout, raw = setting

    def rename(wb):
        wb["4.1"].title = "CP rate"
    edit(book, rename)
    out = refused(book, raw, capsys)
    assert "Sheet 4.1: the sheet is missing from the workbook (the template has it). A sheet named 'CP rate' is there instead: was it renamed? Rename it back to '4.1'." in out
    assert "Sheet CP rate: is not a sheet of the template" in out


def test_a_negative_count(setting, capsys):
    book, layout, raw = setting
    cell, label, period = cell_of(layout, "4.2", unit="count", row=5)
    fill_xlsx(book, {("4.2", cell): -3}, book)
    out = refused(book, raw, capsys)
    assert f"Sheet 4.2, cell {cell} ({label}, {period}): '-3' is negative: a count cannot be less than 0" in out


def test_a_share_over_100(setting, capsys):
    book, layout, raw = setting
    cell, label, period = cell_of(layout, "2.3", unit="percent")
    fill_xlsx(book, {("2.3", cell): 104.5}, book)
    out = refused(book, raw, capsys)
    assert f"Sheet 2.3, cell {cell} ({label}, {period}): '104.5' is outside 0 to 100: a percentage must lie between 0 and 100" in out


def test_a_date_typed_into_a_number_cell(setting, capsys):
    book, layout, raw = setting
    cell, label, period = cell_of(layout, "3.1")
    fill_xlsx(book, {("3.1", cell): dt.datetime(2018, 6, 30)}, book)
    out = refused(book, raw, capsys)
    assert f"Sheet 3.1, cell {cell} ({label}, {period}): '2018-06-30 00:00:00' is a date or time, not a number" in out


def test_a_formula(setting, capsys):
    book, layout, raw = setting
    cell, label, period = cell_of(layout, "4.1")
    fill_xlsx(book, {("4.1", cell): "=G8*2"}, book)
    out = refused(book, raw, capsys)
    assert f"Sheet 4.1, cell {cell} ({label}, {period}): '=G8*2' is a formula: type the figure itself" in out


def test_an_extra_column(setting, capsys):
    book, layout, raw = setting
    s = layout.sheet("4.1")
    col = FIRST_VALUE_COL + len(s.columns)
    edit(book, lambda wb: wb["4.1"].cell(9, col, 12))
    out = refused(book, raw, capsys)
    assert f"Sheet 4.1, cell {ref(9, col)}: '12' is outside the template's columns (an extra column?)" in out


def test_a_missing_sheet(setting, capsys):
    book, layout, raw = setting

    def drop(wb):
        del wb["3.6"]
    edit(book, drop)
    out = refused(book, raw, capsys)
    assert "Sheet 3.6: the sheet is missing from the workbook (the template has it)" in out


def test_a_changed_past_value_without_replace(raw_copy, tmp_path, capsys):
    layout = build_layout(raw_copy / DATASET, "2017-18-Q2")
    book = write_xlsx(layout, tmp_path / "q2.xlsx", filled=True)
    cell, label, period = cell_of(layout, "3.1", measure="looked_after_children")
    s = layout.sheet("3.1")
    ri = next(i for i, r in enumerate(s.rows) if r.measure == "looked_after_children")
    old = s.values[(ri, 0)][0]
    fill_xlsx(book, {("3.1", cell): int(old) + 10}, book)
    out = refused(book, raw_copy, capsys)
    assert (f"Sheet 3.1, cell {cell} ({label}, {period}): '{int(old) + 10}' would change the figure already in the data "
            f"('{old}' in {DATASET}/t3_1_lac_cp_cin.csv, line ") in out
    assert "give --replace to replace it" in out


def test_a_file_that_is_not_a_workbook(setting, tmp_path, capsys):
    _, _, raw = setting
    book = tmp_path / "figures.xlsx"
    book.write_text("time_period,value\n201819,5\n", encoding="utf-8")
    out = refused(book, raw, capsys)
    assert "Workbook: figures.xlsx is not an Excel workbook (.xlsx)" in out


def test_a_half_written_workbook(setting, capsys):
    book, _, raw = setting
    data = book.read_bytes()
    book.write_bytes(data[: len(data) // 2])
    out = refused(book, raw, capsys)
    assert "Workbook: next_quarter.xlsx is not an Excel workbook (.xlsx)" in out


def test_a_password_protected_file(setting, tmp_path, capsys):
    from msoffcrypto.format import ooxml  # the test extra installs it

    book, _, raw = setting
    locked = tmp_path / "locked.xlsx"
    with book.open("rb") as src, locked.open("wb") as dst:
        ooxml.OOXMLFile(src).encrypt("secret", dst)
    assert locked.read_bytes()[:4] == b"\xd0\xcf\x11\xe0"
    out = refused(locked, raw, capsys)
    assert "Workbook: locked.xlsx is password-protected (an encrypted Office file): remove the password" in out


def test_a_workbook_not_made_by_the_template(setting, tmp_path, capsys):
    from openpyxl import Workbook

    _, _, raw = setting
    book = tmp_path / "own.xlsx"
    Workbook().save(book)
    out = refused(book, raw, capsys)
    assert "Workbook: own.xlsx was not made by `safeguarding template`" in out


def test_a_figure_in_a_cell_not_collected(setting, capsys):
    book, layout, raw = setting
    s = layout.sheet("2.3")
    ri, ci = next((ri, ci) for ri in range(len(s.rows)) for ci in range(len(s.fill)) if (ri, ci) not in s.fillable)
    cell = ref(FIRST_DATA_ROW + ri, FIRST_VALUE_COL + ci)
    fill_xlsx(book, {("2.3", cell): 5}, book)
    out = refused(book, raw, capsys)
    assert (f"Sheet 2.3, cell {cell} ({s.rows[ri].label}, {s.fill[ci].heading}): '5' is in a cell that is not collected: "
            f"this row has no {s.fill[ci].period_type} figure") in out


def test_csv_form_text_in_a_number_cell(setting, tmp_path, capsys):
    _, layout, raw = setting
    folder = write_csv_folder(layout, tmp_path / "next_quarter")
    cell, label, period = cell_of(layout, "4.1", row=3)
    path = folder / "4.1.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    r = int(cell[1:]) - 1
    fields = lines[r].split(",")
    fields[FIRST_VALUE_COL - 1] = "fourty"
    lines[r] = ",".join(fields)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = refused(folder, raw, capsys)
    assert f"Sheet 4.1, cell {cell} ({label}, {period}): 'fourty' is not a number" in out


def test_every_problem_is_listed_at_once(setting, capsys):
    book, layout, raw = setting
    a, _, _ = cell_of(layout, "4.1")
    b, _, _ = cell_of(layout, "4.2", unit="count", row=2)
    fill_xlsx(book, {("4.1", a): "n/a?", ("4.2", b): 2.5}, book)
    out = refused(book, raw, capsys)
    assert "Import refused: 2 problem(s)" in out
    assert f"Sheet 4.2, cell {b}" in out and "is not a whole number" in out and f"Sheet 4.1, cell {a}" in out


def test_a_rule_of_validate_is_said_about_the_cell(raw_copy, tmp_path, capsys):
    """What only `safeguarding validate` can see (here: a district the target data/raw does not
    know) is reported against the workbook cell the row came from."""
    from analysis.ingest import declaration
    from analysis.ingest.workbook.layout import tidy_files

    layout = build_layout(raw_copy / DATASET, "2017-18-Q4")
    book = write_xlsx(layout, tmp_path / "q4.xlsx", filled=True)
    for p in tidy_files(raw_copy / DATASET):
        p.unlink()
    declaration.declare(raw_copy / DATASET)
    lookup = raw_copy / "lookups" / "districts.csv"
    lines = lookup.read_text(encoding="utf-8").splitlines()
    gone = next(line for line in lines[1:] if "Rugby" in line)
    lookup.write_text("\n".join(line for line in lines if line != gone) + "\n", encoding="utf-8")
    cell, label, period = cell_of(layout, "4.1", row=2)
    assert label == "Rugby"
    out = refused(book, raw_copy, capsys)
    assert (f"Sheet 4.1, cell {cell} (Rugby, {period}): '{layout.sheet('4.1').values[(2, 0)][0]}' breaks rule "
            "R11-district-known of `safeguarding validate` (its row's breakdown_value is 'Rugby'): unknown district") in out


def test_a_percentage_typed_with_a_percent_sign(setting, capsys):
    """Typing 12.5% in Excel stores 0.125 in a cell formatted as a percentage: it would go into the
    data 100 times too small, so it is refused (the text form "12.5%" is refused too, above)."""
    book, layout, raw = setting
    cell, label, period = cell_of(layout, "2.3", unit="percent")

    def typed_with_a_sign(wb):
        wb["2.3"][cell].value = 0.125
        wb["2.3"][cell].number_format = "0.0%"

    edit(book, typed_with_a_sign)
    out = refused(book, raw, capsys)
    assert (f"Sheet 2.3, cell {cell} ({label}, {period}): '0.125' is formatted as a percentage, so the spreadsheet "
            "holds it as a fraction (12.5% is stored as 0.125)") in out


def test_an_undeclared_change_in_the_dataset_stops_the_import(setting, capsys):
    """An import declares its files afresh; a change already in the folder that nobody declared
    (here a figure edited by hand) would be approved with it, unseen. It is refused instead."""
    book, layout, raw = setting
    csv = raw / DATASET / "t4_2_cp_demographics.csv"
    csv.write_text(csv.read_text(encoding="utf-8").replace(",564,", ",565,", 1), encoding="utf-8")
    out = refused(book, raw, capsys)
    assert "Workbook: the dataset folder has changed since it was last declared" in out
    assert "t4_2_cp_demographics.csv" in out and "F12-content-changed" in out


def test_a_layout_naming_a_file_outside_the_dataset(raw_copy, tmp_path, capsys):
    """The hidden layout says which file each sheet feeds; a name that is not a plain data file of
    the dataset folder (here one reaching into data/raw/dfe) is refused before anything is read."""
    from dataclasses import replace

    name = "sg-test-not-a-dfe-file.csv"
    layout = build_layout(raw_copy / DATASET, "2018-19-Q1")
    layout.sheets[0] = replace(layout.sheets[0], file=f"../dfe/{name}")
    book = fill_xlsx(write_xlsx(layout, tmp_path / "template.xlsx"), plausible(layout), tmp_path / "book.xlsx")
    written = raw_dir() / "dfe" / name  # raw_copy's dfe is a link to the shipped folder
    try:
        out = refused(book, raw_copy, capsys)
        assert f"names '../dfe/{name}' as the file of sheet" in out
    finally:
        written.unlink(missing_ok=True)  # what the import wrote there before this check existed


def test_a_failed_write_puts_every_file_back(tmp_path, monkeypatch):
    """The files of one import are written one by one; if one write fails, the ones already
    written are put back and a new one removed, so the folder holds the old set, never a mix."""
    from analysis.ingest.workbook import merge

    folder = tmp_path / "dataset"
    folder.mkdir()
    (folder / "a.csv").write_bytes(b"old a")
    (folder / "datapackage.json").write_bytes(b"old declaration")
    real = merge._atomic_write

    def fails_on_c(path, data):
        if path.name == "c.csv":
            raise OSError(28, "No space left on device")
        real(path, data)

    monkeypatch.setattr(merge, "_atomic_write", fails_on_c)
    with pytest.raises(OSError, match="No space"):
        merge._write_all(folder, {"a.csv": b"new a", "b.csv": b"new b", "c.csv": b"new c",
                                  "datapackage.json": b"new declaration"})
    assert sorted(p.name for p in folder.iterdir()) == ["a.csv", "datapackage.json"]
    assert (folder / "a.csv").read_bytes() == b"old a"
    assert (folder / "datapackage.json").read_bytes() == b"old declaration"


def test_a_dataset_name_is_a_folder_of_the_raw_data_not_of_the_current_folder(raw_copy, tmp_path, monkeypatch):
    from analysis.pipeline.workbooks import dataset_folder

    (tmp_path / "elsewhere" / DATASET).mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "elsewhere")  # a folder of the same name is here: it is not the one meant
    assert dataset_folder(raw_copy, DATASET, "import") == raw_copy / DATASET
    assert dataset_folder(raw_copy, str(tmp_path / "elsewhere" / DATASET), "import") == tmp_path / "elsewhere" / DATASET
