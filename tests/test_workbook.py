"""The quarterly workbook: `safeguarding template` and `safeguarding import`.

Round trip: a filled template of every quarter of the shipped data, imported into an empty copy
of the dataset, gives back the shipped rows (value, unit, period type, status). A template for
2018-19 Q1 filled with plausible figures (with ``c`` and blanks) imports and validates; a changed
past figure needs ``--replace`` and leaves the old file in history/; the CSV form reads the same;
LibreOffice opens the workbook without repair.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from analysis.ingest import declaration
from analysis.ingest.dataset import validate_raw
from analysis.ingest.schema import OBSERVATION_KEY, read_text_csv
from analysis.ingest.workbook.layout import NOT_IN_WORKBOOK, build_layout, tidy_files
from analysis.ingest.workbook.reader import read_workbook
from analysis.ingest.workbook.template import write_xlsx
from analysis.periods import quarter_of
from analysis.pipeline.cli import main
from workbook_fill import fill_xlsx, folder_hash, plausible

DATASET = "wscb_2017_18"


def tidy_rows(folder: Path) -> pd.DataFrame:
    frames = [read_text_csv(p).assign(_file=p.name) for p in tidy_files(folder)]
    return pd.concat(frames, ignore_index=True)


def compared(frame: pd.DataFrame) -> pd.DataFrame:
    """What the round trip must keep: the observation, its value (as a number), unit, period type, status."""
    out = frame[OBSERVATION_KEY + ["unit", "status", "_file"]].copy()
    out["value"] = pd.to_numeric(frame["value"].replace("", None))
    return out.sort_values(OBSERVATION_KEY).reset_index(drop=True)


def empty_copy(raw: Path) -> Path:
    """The dataset folder of ``raw`` emptied of its tidy rows (SOURCE.md and what is out of scope kept)."""
    folder = raw / DATASET
    for p in tidy_files(folder):
        p.unlink()
    declaration.declare(folder)
    return folder


def test_round_trip_of_every_shipped_quarter_gives_the_shipped_rows(raw_copy, tmp_path):
    shipped_folder = raw_copy / DATASET
    shipped = tidy_rows(shipped_folder)
    quarters = sorted({quarter_of(pd.Timestamp(d)) for d in shipped["period_end"]}, key=lambda p: p.end)
    source = tmp_path / "shipped"
    shutil.copytree(shipped_folder, source / DATASET)
    shutil.copy2(raw_copy / "data_dictionary.csv", source / "data_dictionary.csv")
    target = empty_copy(raw_copy)
    assert not tidy_files(target)
    for period in quarters:
        book = tmp_path / f"{period.slug}.xlsx"
        assert main(["template", "--raw", str(source), "--period", period.slug, "--out", str(book), "--filled"]) == 0
        assert main(["import", str(book), "--raw", str(raw_copy), "--dataset", DATASET]) == 0
    got = tidy_rows(target)
    pd.testing.assert_frame_equal(compared(got), compared(shipped))
    assert validate_raw(raw_copy).ok
    # what the workbook leaves out is said on its README sheet, not dropped in silence
    layout = build_layout(source / DATASET, quarters[-1].label)
    assert [name for name, _ in layout.left_out] == sorted(n for n in NOT_IN_WORKBOOK if (source / DATASET / n).is_file())
    assert (target / "unplaced_values.csv").read_bytes() == (source / DATASET / "unplaced_values.csv").read_bytes()
    # each imported row says where it came from
    assert got["note"].str.fullmatch(r"workbook \S+\.xlsx, sheet [^,]+, cell [A-Z]+\d+").all()


def test_csv_form_reads_the_same_rows_as_the_workbook(tmp_path):
    from analysis.paths import raw_dir

    layout = build_layout(raw_dir() / DATASET, "2017-18-Q3")
    assert main(["template", "--period", "2017-18-Q3", "--out", str(tmp_path / "q3.xlsx"), "--filled"]) == 0
    assert main(["template", "--period", "2017-18-Q3", "--out", str(tmp_path / "q3"), "--csv", "--filled"]) == 0
    from_xlsx, from_csv = read_workbook(tmp_path / "q3.xlsx"), read_workbook(tmp_path / "q3")
    assert from_xlsx.ok and from_csv.ok, (from_xlsx.problems, from_csv.problems)
    strip = [{k: v for k, v in r.items() if k not in ("note", "_shown")} for r in from_xlsx.rows]
    assert strip == [{k: v for k, v in r.items() if k not in ("note", "_shown")} for r in from_csv.rows]
    # one row per figure of the quarter in the data
    assert len(from_xlsx.rows) == sum(ci < len(s.fill) for s in layout.sheets for _, ci in s.values)
    assert sorted(p.name for p in (tmp_path / "q3").iterdir()) == sorted(
        [f"{s.name}.csv" for s in layout.sheets] + ["README.csv", "_layout.csv"])


@pytest.fixture()
def q1_filled(raw_copy, tmp_path):
    """A 2018-19 Q1 template filled with plausible figures, its layout and the figures typed."""
    layout = build_layout(raw_copy / DATASET, "2018-19-Q1")
    template = write_xlsx(layout, tmp_path / "next_quarter.xlsx")
    figures = plausible(layout)
    return fill_xlsx(template, figures, tmp_path / "next_quarter_filled.xlsx"), layout, figures


def test_next_quarter_imports_with_withheld_and_blank_cells(raw_copy, q1_filled, capsys):
    book, layout, figures = q1_filled
    before = tidy_rows(raw_copy / DATASET)
    assert main(["import", str(book), "--raw", str(raw_copy)]) == 0
    out = capsys.readouterr().out
    assert f"{len(figures)} new, 0 replaced, 0 unchanged" in out
    assert "safeguarding run --period 2018-19-Q1" in out
    after = tidy_rows(raw_copy / DATASET)
    new = after[after["period_end"] == "2018-06-30"]
    assert len(after) == len(before) + len(figures) and len(new) == len(figures)
    assert (new["status"] == "c").sum() == sum(v == "c" for v in figures.values()) > 0
    blanks = sum(len(s.fillable) for s in layout.sheets) - len(figures)
    assert blanks > 0
    # the shipped rows are untouched, byte for byte, in every file (new rows appended)
    for path in tidy_files(raw_copy / DATASET):
        old = (Path(__file__).parents[1] / "data" / "raw" / DATASET / path.name).read_text(encoding="utf-8")
        assert path.read_text(encoding="utf-8").startswith(old)
    assert validate_raw(raw_copy).ok
    # importing the same workbook again changes nothing
    assert main(["import", str(book), "--raw", str(raw_copy)]) == 0
    assert f"{len(figures)} figure(s) already in" in capsys.readouterr().out


def test_a_changed_figure_needs_replace_and_the_old_file_is_kept(raw_copy, tmp_path, capsys):
    folder = raw_copy / DATASET
    book = tmp_path / "q4.xlsx"
    assert main(["template", "--raw", str(raw_copy), "--period", "2017-18-Q4", "--out", str(book), "--filled"]) == 0
    sheet = read_workbook(book).layout.sheet("4.2")
    ri = next(i for i, r in enumerate(sheet.rows) if r.measure == "children_on_cp_plan" and r.breakdown == "total")
    data = read_text_csv(folder / "t4_2_cp_demographics.csv")
    old_value = data[(data["measure"] == "children_on_cp_plan") & (data["breakdown"] == "total")
                     & (data["period_end"] == "2018-03-31")]["value"].item()
    from analysis.ingest.workbook.reader import ref

    cell = ref(8 + ri, 6)
    fill_xlsx(book, {("4.2", cell): int(float(old_value)) + 1}, book)
    before = folder_hash(raw_copy)
    assert main(["import", str(book), "--raw", str(raw_copy)]) == 1
    out = capsys.readouterr().out
    assert f"Sheet 4.2, cell {cell} ({sheet.rows[ri].label}, 31 Mar 2018): '{int(float(old_value)) + 1}' would change the figure already in the data ('{old_value}'" in out
    assert "give --replace" in out and "Nothing was written" in out
    assert folder_hash(raw_copy) == before
    original = (folder / "t4_2_cp_demographics.csv").read_text(encoding="utf-8")
    assert main(["import", str(book), "--raw", str(raw_copy), "--replace"]) == 0
    out = capsys.readouterr().out
    assert "1 replaced" in out
    backups = list((folder / "history").glob("t4_2_cp_demographics.*.csv"))
    assert len(backups) == 1 and backups[0].read_text(encoding="utf-8") == original
    now = read_text_csv(folder / "t4_2_cp_demographics.csv")
    hit = now[(now["measure"] == "children_on_cp_plan") & (now["breakdown"] == "total") & (now["period_end"] == "2018-03-31")]
    assert hit["value"].tolist() == [str(int(float(old_value)) + 1)]
    assert f"replaced '{old_value}'" in hit["note"].iloc[0]
    assert validate_raw(raw_copy).ok  # history/ is not a data file


def test_template_states_units_period_types_validation_and_locks(tmp_path):
    from openpyxl import load_workbook

    from analysis.paths import raw_dir

    layout = build_layout(raw_dir() / DATASET, "2018-19-Q1")
    book = write_xlsx(layout, tmp_path / "t.xlsx")
    wb = load_workbook(book)
    assert wb.sheetnames[0] == "README" and wb["_layout"].sheet_state == "veryHidden"
    assert [s for s in wb.sheetnames if s not in ("README", "_layout")] == [s.name for s in layout.sheets]
    assert wb.security.lockStructure
    ws = wb["4.1"]
    assert ws.protection.sheet
    assert ws["F4"].value == "30 Jun 2018 (TO FILL)" and ws["F5"].value == "snapshot" and ws["E4"].value == "unit"
    assert ws["F8"].protection.locked is False and ws["G8"].protection.locked is True and ws["A8"].protection.locked
    assert ws["E8"].value == "rate_per_10k"
    formulas = [dv.formula1 for dv in wb["4.2"].data_validations.dataValidation]
    assert any("INT(" in f and '"c"' in f for f in formulas) and any("<=100" in f for f in formulas)
    readme = [r[0] for r in wb["README"].iter_rows(values_only=True)]
    assert "unplaced_values.csv" in readme and "snapshot" in readme and "count" in readme


def _soffice() -> str | None:
    found = shutil.which("soffice")
    if found is None:
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail("REQUIRE_BROWSER=1 but LibreOffice (soffice) is not installed: apt-get install libreoffice-calc-nogui")
        pytest.skip("LibreOffice (soffice) is not installed; apt-get install libreoffice-calc-nogui, or set REQUIRE_BROWSER=1 to fail instead")
    return found


def test_libreoffice_opens_the_workbook_without_repair(tmp_path):
    from analysis.paths import raw_dir

    soffice = _soffice()
    book = write_xlsx(build_layout(raw_dir() / DATASET, "2017-18-Q4"), tmp_path / "q4.xlsx", filled=True)
    env = {**os.environ, "HOME": str(tmp_path)}  # a profile of its own, so a user's LibreOffice is not disturbed
    done = subprocess.run([soffice, "--headless", "--norestore", "--convert-to", "csv", "--outdir", str(tmp_path / "out"), str(book)],
                          capture_output=True, text=True, timeout=180, env=env)
    assert done.returncode == 0, done.stderr
    assert "repair" not in (done.stdout + done.stderr).lower() and "error" not in (done.stdout + done.stderr).lower()
    text = (tmp_path / "out" / "q4.csv").read_text(encoding="utf-8", errors="replace")
    assert text.startswith("Quarterly figures for 2017-18 Q4")
