"""Malformed inputs each produce one clear problem naming file, row, column, value and rule.

Every test breaks one cell of a copy of data/raw and checks the report; the CLI exits 1 and
prints every problem; raw data is never modified by loading.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from analysis import paths, processed
from analysis.ingest import dataset as ingest
from analysis.pipeline.cli import main
from analysis.ingest.schema import DataValidationError

T31 = "wscb_2017_18/t3_1_lac_cp_cin.csv"
T41 = "wscb_2017_18/t4_1_cp_rate_by_district.csv"


def edit(raw: Path, rel: str, row: int, column: str, value: str) -> None:
    """Set one cell (row is 1-based, header excluded)."""
    path = raw / rel
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
        fields = list(rows[0].keys())
    rows[row - 1][column] = value
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        w.writerows(rows)


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
    [p] = problems(raw_copy)
    assert (p.file, p.row, p.column, p.rule) == (T31, None, "unit", "R00-columns")


def test_duplicated_row(raw_copy):
    path = raw_copy / T31
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines + [lines[1]]), encoding="utf-8")
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
    found = problems(raw_copy)
    assert [(p.file, p.row, p.column, p.value, p.rule) for p in found] == [
        ("dfe/ons_mid-year_population_estimates_2012_to_2024.csv", 1, "population_estimate", "many", "D02-value")]
