"""Malformed inputs each produce one clear problem naming file, row, column, value and rule.

Every test breaks one cell of a copy of data/raw and checks the report; the CLI exits 1 and
prints every problem; raw data is never modified by loading.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from analysis import paths, processed
from analysis.ingest import dataset as ingest
from analysis.pipeline.cli import main
from analysis.ingest.declaration import declare
from analysis.ingest.schema import DataValidationError

T31 = "wscb_2017_18/t3_1_lac_cp_cin.csv"
T41 = "wscb_2017_18/t4_1_cp_rate_by_district.csv"


def redeclare(raw: Path, rel: str) -> None:
    """Rewrite the folder's datapackage.json, as `safeguarding declare` does after a deliberate
    change, so that the rule under test (not the changed SHA-256) is what the report shows."""
    declare(raw / rel.split("/")[0])


def edit(raw: Path, rel: str, row: int, column: str, value: str) -> None:
    """Set one cell (row is 1-based, header excluded) and re-declare the folder."""
    path = raw / rel
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
        fields = list(rows[0].keys())
    rows[row - 1][column] = value
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        w.writerows(rows)
    redeclare(raw, rel)


def problems(raw: Path):
    report = ingest.validate_raw(raw)
    assert not report.ok
    return report.problems


def test_shipped_data_is_valid():
    report = ingest.validate_raw()
    assert report.ok, str(report)
    assert len(report.files_checked) >= 20


def test_text_value_in_a_count(raw_copy):
    edit(raw_copy, T31, 2, "value", "six hundred")
    [p] = problems(raw_copy)
    assert (p.file, p.row, p.line, p.column, p.value, p.rule) == (T31, 2, 3, "value", "six hundred", "R01-number")
    assert "must be a number" in p.message


def test_negative_count(raw_copy):
    edit(raw_copy, T31, 3, "value", "-5")
    [p] = problems(raw_copy)
    assert (p.file, p.row, p.column, p.value, p.rule) == (T31, 3, "value", "-5", "R02-count-nonneg")


def test_percentage_over_100(raw_copy):
    rel = "wscb_2017_18/t4_2_cp_demographics.csv"
    with (raw_copy / rel).open() as f:
        row = next(i for i, r in enumerate(csv.DictReader(f), 1) if r["unit"] == "percent" and r["value"])
    edit(raw_copy, rel, row, "value", "104.6")
    [p] = problems(raw_copy)
    assert (p.row, p.column, p.value, p.rule) == (row, "value", "104.6", "R04-percent-range")


def test_unknown_district(raw_copy):
    with (raw_copy / T41).open() as f:
        row = next(i for i, r in enumerate(csv.DictReader(f), 1) if r["breakdown"] == "district")
    edit(raw_copy, T41, row, "breakdown_value", "Leamington")
    [p] = problems(raw_copy)
    assert (p.file, p.row, p.column, p.value, p.rule) == (T41, row, "breakdown_value", "Leamington", "R11-district-known")
    assert "districts.csv" in p.message


@pytest.mark.parametrize("column,value,rule", [
    ("time_period", "201719", "R07-period-known"),
    ("time_identifier", "Q5", "time_identifier-allowed"),
    ("period_end", "31/03/2018", "period_end-allowed"),
])
def test_unknown_period(raw_copy, column, value, rule):
    edit(raw_copy, T31, 1, column, value)
    found = problems(raw_copy)
    assert any((p.row, p.column, p.value, p.rule) == (1, column, value, rule) for p in found), [str(p) for p in found]


def test_quarter_that_does_not_match_its_date(raw_copy):
    edit(raw_copy, T31, 1, "time_identifier", "Q2")  # row 1 is a 31 March snapshot (Q4)
    found = problems(raw_copy)
    assert [(p.column, p.value, p.rule) for p in found] == [("time_identifier", "Q2", "R08-quarter-matches-date")]


def test_missing_column(raw_copy):
    path = raw_copy / T31
    with path.open(newline="") as f:
        rows = list(csv.reader(f))
    drop = rows[0].index("unit")
    with path.open("w", newline="") as f:
        csv.writer(f).writerows([r[:drop] + r[drop + 1:] for r in rows])
    redeclare(raw_copy, T31)
    [p] = problems(raw_copy)
    assert (p.file, p.row, p.column, p.rule) == (T31, None, "unit", "R00-columns")


def test_duplicated_row(raw_copy):
    path = raw_copy / T31
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines + [lines[1]]), encoding="utf-8")
    redeclare(raw_copy, T31)
    found = problems(raw_copy)
    assert {p.rule for p in found} == {"R14-duplicate"}
    assert {p.row for p in found} == {1, len(lines)}  # both copies are named


def test_blank_value_needs_a_reason(raw_copy):
    edit(raw_copy, T31, 4, "value", "")
    [p] = problems(raw_copy)
    assert (p.row, p.column, p.rule) == (4, "status", "R06-blank-iff-symbol")


def test_every_problem_is_listed_at_once(raw_copy):
    edit(raw_copy, T31, 2, "value", "n/a")
    edit(raw_copy, T31, 3, "value", "-1")
    edit(raw_copy, T41, 1, "unit", "per 10k")
    found = problems(raw_copy)
    assert {(p.file, p.row, p.rule) for p in found} >= {(T31, 2, "R01-number"), (T31, 3, "R02-count-nonneg"), (T41, 1, "unit-allowed")}


def test_strict_load_raises_with_the_report(raw_copy):
    edit(raw_copy, T31, 2, "value", "lots")
    with pytest.raises(DataValidationError) as exc:
        processed.load(raw_copy)
    assert "t3_1_lac_cp_cin.csv, row 2 (line 3), column 'value'" in str(exc.value)


def test_cli_validate_exits_1_and_prints_every_problem(raw_copy, capsys):
    edit(raw_copy, T31, 2, "value", "lots")
    edit(raw_copy, T41, 1, "unit", "per 10k")
    assert main(["validate", "--raw", str(raw_copy)]) == 1
    out = capsys.readouterr().out
    assert "2 problem(s)" in out and "'lots'" in out and "'per 10k'" in out


def test_cli_validate_passes_on_shipped_data(capsys):
    assert main(["validate"]) == 0
    assert "no problems" in capsys.readouterr().out


def test_measure_must_be_in_the_dictionary(raw_copy):
    edit(raw_copy, T31, 1, "measure", "children_on_cp_plans_typo")
    found = problems(raw_copy)
    assert any(p.rule == "R15-measure-defined" and p.value == "children_on_cp_plans_typo" for p in found)


def test_bad_benchmark_value_is_reported(tmp_path, raw_copy):
    dfe = raw_copy / "dfe"
    dfe.unlink()
    dfe.mkdir()
    for f in (paths.raw_dir() / "dfe").iterdir():
        (dfe / f.name).write_bytes(f.read_bytes())
    pop = dfe / "ons_mid-year_population_estimates_2012_to_2024.csv"
    lines = pop.read_text().splitlines()
    lines[1] = lines[1].rsplit(",", 1)[0] + ",many"
    pop.write_text("\n".join(lines) + "\n")
    declare(dfe)
    found = problems(raw_copy)
    assert [(p.file, p.row, p.column, p.value, p.rule) for p in found] == [
        ("dfe/ons_mid-year_population_estimates_2012_to_2024.csv", 1, "population_estimate", "many", "D02-value")]


# --------------------------------------------------------------------------- the declaration
def _published_sha256(folder: Path) -> dict[str, str]:
    import re

    return {name: sha for sha, name in re.findall(r"^([0-9a-f]{64})\s+(\S+)$", (folder / "SOURCE.md").read_text(), re.M)}


def test_shipped_declarations_are_true():
    """Every shipped datapackage.json names exactly the folder's data files, with their true
    SHA-256 (for dfe/, the hashes recorded in SOURCE.md when the files were copied), byte size
    and row count (counted here by pandas)."""
    import hashlib
    import json

    import pandas as pd

    for folder in (paths.raw_dir() / "wscb_2017_18", paths.raw_dir() / "dfe"):
        resources = json.loads((folder / "datapackage.json").read_text())["resources"]
        data_files = {p.name for p in folder.iterdir() if p.name not in ("SOURCE.md", "datapackage.json")}
        assert {r["path"] for r in resources} == data_files
        for r in resources:
            path = folder / r["path"]
            assert r["hash"] == "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()
            assert r["bytes"] == path.stat().st_size
            if path.suffix == ".csv":
                assert r["rows"] == len(pd.read_csv(path, dtype=str, keep_default_na=False))
            else:
                assert r["rows"] == len(pd.read_parquet(path))
    published = _published_sha256(paths.raw_dir() / "dfe")
    declared = {r["path"]: r["hash"].removeprefix("sha256:")
                for r in json.loads((paths.raw_dir() / "dfe" / "datapackage.json").read_text())["resources"]}
    assert declared == published


def test_a_deliberate_change_is_declared_with_the_command(raw_copy, capsys):
    """README's example row for the next quarter: refused until declared, then valid."""
    path = raw_copy / T31
    before = len(path.read_text(encoding="utf-8").splitlines()) - 1
    with path.open("a", encoding="utf-8") as f:
        f.write("201819,Q1,snapshot,2018-06-30,2018-06-30,Local authority,E92000001,E12000005,E10000031,"
                "Warwickshire,3.1,children_on_cp_plan,total,All,571,count,,,\n")
    [p] = problems(raw_copy)
    assert (p.file, p.rule) == (T31, "F10-row-count")
    assert f"has {before + 1} rows but datapackage.json declares {before}" in p.message
    assert main(["declare", "--raw", str(raw_copy), "--dataset", "wscb_2017_18"]) == 0
    assert f"changed t3_1_lac_cp_cin.csv ({before} -> {before + 1} rows)" in capsys.readouterr().out
    assert ingest.validate_raw(raw_copy).ok


@pytest.mark.parametrize("change,rule", [
    (lambda raw: (raw / T31).rename(raw / T31.replace(".csv", ".CSV")), "F03-file-missing"),
    (lambda raw: (raw / T31).write_text((raw / T31).read_text().splitlines()[0] + "\n"), "F06-empty"),
    (lambda raw: (raw / "wscb_2017_18" / "SOURCE.md").unlink(), "F00-source-missing"),
    (lambda raw: (raw / T31).write_bytes(b"\xff\xfe" + (raw / T31).read_bytes()), "F07-encoding"),
])
def test_folder_faults_name_the_file(raw_copy, change, rule):
    change(raw_copy)
    found = problems(raw_copy)
    assert any(p.rule == rule and p.file.startswith("wscb_2017_18/") for p in found), [str(p) for p in found]


def test_a_deleted_benchmark_file_fails_validation_not_a_notebook(raw_copy):
    (raw_copy / "dfe").unlink()
    shutil.copytree(paths.raw_dir() / "dfe", raw_copy / "dfe")
    (raw_copy / "dfe" / "New_Statistical_Neighbour_Groupings_April_2021.csv").unlink()
    found = problems(raw_copy)
    assert [(p.file, p.rule) for p in found] == [("dfe/New_Statistical_Neighbour_Groupings_April_2021.csv", "F03-file-missing")]


# --------------------------------------------------------------------------- issue 9's traps
def test_impossible_date_is_a_problem_not_a_traceback(raw_copy, capsys):
    edit(raw_copy, T31, 1, "period_end", "2018-06-31")
    assert main(["validate", "--raw", str(raw_copy)]) == 1
    out = capsys.readouterr().out
    assert "t3_1_lac_cp_cin.csv, row 1 (line 2), column 'period_end': value '2018-06-31' — rule R17-real-date" in out


def test_a_row_with_several_problems_reports_all_of_them(raw_copy):
    edit(raw_copy, T31, 3, "value", "lots")
    edit(raw_copy, T31, 3, "unit", "children")
    edit(raw_copy, T31, 3, "period_start", "2018-03-32")
    found = problems(raw_copy)
    assert {(p.row, p.column) for p in found} >= {(3, "value"), (3, "unit"), (3, "period_start")}


def test_a_dataset_folder_without_source_md_is_refused_not_skipped(raw_copy):
    shutil.copytree(raw_copy / "wscb_2017_18", raw_copy / "another_board")
    (raw_copy / "another_board" / "SOURCE.md").unlink()
    found = problems(raw_copy)
    assert [(p.file, p.rule) for p in found] == [("another_board/SOURCE.md", "F00-source-missing")]


# --------------------------------------------------------------------------- plausibility rules
def _row_of(rel: str, **match: str) -> tuple[int, dict]:
    with (paths.raw_dir() / rel).open(newline="", encoding="utf-8") as f:
        for i, r in enumerate(csv.DictReader(f), 1):
            if all(r[k] == v for k, v in match.items()):
                return i, r
    raise LookupError(match)


def _ons_population(la_code: str, year: str) -> int:
    with (paths.raw_dir() / "dfe" / "ons_mid-year_population_estimates_2012_to_2024.csv").open(encoding="utf-8-sig") as f:
        [value] = [r["population_estimate"] for r in csv.DictReader(f)
                   if r["new_la_code"] == la_code and r["time_period"] == year]
    return int(value)


def test_p01_a_count_of_a_trillion_is_refused(raw_copy):
    row, _ = _row_of(T31, measure="children_on_cp_plan", period_end="2018-03-31")
    edit(raw_copy, T31, row, "value", str(10**12))
    [p] = problems(raw_copy)
    assert (p.row, p.column, p.value, p.rule) == (row, "value", str(10**12), "P01-count-absurd")


def test_p02_children_on_plans_cannot_exceed_the_child_population(raw_copy):
    row, _ = _row_of(T31, measure="children_on_cp_plan", period_end="2018-03-31")
    population = _ons_population("E10000031", "2017")  # DfE rates at 31 March 2018 use mid-2017
    edit(raw_copy, T31, row, "value", str(population))
    assert ingest.validate_raw(raw_copy).ok  # the whole population: implausible but possible
    edit(raw_copy, T31, row, "value", str(population + 1))
    [p] = problems(raw_copy)
    assert (p.row, p.column, p.rule) == (row, "value", "P02-children-above-population")
    assert f"{population:,}" in p.message


def test_p03_a_date_after_today_is_refused(raw_copy):
    from datetime import date

    row, _ = _row_of(T31, measure="children_on_cp_plan", period_end="2018-03-31")
    year = date.today().year + 5
    edit(raw_copy, T31, row, "time_period", f"{year - 1}{year % 100:02d}")
    edit(raw_copy, T31, row, "period_start", f"{year}-03-31")
    edit(raw_copy, T31, row, "period_end", f"{year}-03-31")
    [p] = problems(raw_copy)
    assert (p.row, p.column, p.value, p.rule) == (row, "period_end", f"{year}-03-31", "P03-date-in-future")


def test_p04_a_cdop_category_above_the_deaths_total_is_refused(raw_copy):
    cdop = "wscb_2017_18/s5_cdop.csv"
    total_row, total = _row_of(cdop, breakdown="cdop_category", breakdown_value="Total")
    row, _ = _row_of(cdop, breakdown="cdop_category", breakdown_value="Perinatal/neonatal event")
    edit(raw_copy, cdop, row, "value", total["value"])
    assert ingest.validate_raw(raw_copy).ok  # equal to the whole: allowed
    edit(raw_copy, cdop, row, "value", str(int(total["value"]) + 1))
    [p] = problems(raw_copy)
    assert (p.file, p.row, p.column, p.rule) == (cdop, row, "value", "P04-part-above-whole")
    assert f"{total['value']} in row {total_row}" in p.message


@pytest.mark.parametrize("column,value,rule", [
    ("new_la_code", "E99999999", "P05-la-code-unknown"),
    ("la_name", "Coventry", "P06-la-name-mismatch"),
    ("region_code", "E12000001", "P07-region-mismatch"),
])
def test_p05_to_p07_the_area_is_one_dfe_knows(raw_copy, column, value, rule):
    edit(raw_copy, T31, 1, column, value)
    [p] = problems(raw_copy)
    assert (p.file, p.row, p.column, p.value, p.rule) == (T31, 1, column, value, rule)
