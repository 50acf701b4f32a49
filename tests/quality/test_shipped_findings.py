"""The rules on the shipped data: they report the report's real inconsistencies, raise no false
alarm for ordinary rounding, and every finding names its area and rows that really exist."""

from __future__ import annotations

from functools import lru_cache

import pandas as pd
import pytest

from analysis import quality
from analysis.pipeline.cli import main
from analysis.paths import REPO_ROOT

RAW = REPO_ROOT / "data" / "raw"
WARWICKSHIRE = "E10000031"


@pytest.fixture(scope="module")
def shipped(dataset):
    return quality.run_checks(dataset)


def messages(findings, code):
    return " | ".join(findings.loc[findings["code"] == code, "message"])


@lru_cache(maxsize=None)
def source_file(name: str) -> pd.DataFrame:
    """A file of data/raw as written (text), its data rows numbered from 1."""
    path = RAW / name
    if path.suffix == ".parquet":
        table = pd.read_parquet(path)
    else:
        table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    return table.set_axis(range(1, len(table) + 1))


def located_rows(locator: str) -> list[tuple[str, int]]:
    """("wscb_2017_18/t3_1_lac_cp_cin.csv", 12), … from "wscb_2017_18/t3_1_lac_cp_cin.csv:12;…"."""
    rows = []
    for part in locator.split(";"):
        name, numbers = part.rsplit(":", 1)
        rows += [(name, int(number)) for number in numbers.split(",")]
    return rows


def test_shipped_data_reports_the_reports_real_inconsistencies(shipped):
    assert "table 3.1: 439; table 4.2: 443" in messages(shipped, "DQ04")
    assert "School Nurse" in messages(shipped, "DQ03") and "falls from 86 at Q3 to 12 at Q4" in messages(shipped, "DQ03")
    assert "8,035" in messages(shipped, "DQ06") and "8,033" in messages(shipped, "DQ06")
    assert "19 / 58" in messages(shipped, "DQ06")
    assert "ethnicity: 2.2; by language: 1.9" in messages(shipped, "DQ07")
    dq05 = messages(shipped, "DQ05")
    assert "give 564 (the board marks its figure as not yet validated)" in dq05 and "gives 561" in dq05
    assert {"3.2", "3.4", "3.7"} <= set(shipped.loc[shipped["code"] == "DQ09", "source_tables"])
    assert "Family member" in messages(shipped, "DQ13")


def test_shipped_data_raises_no_false_alarm_for_rounding(shipped):
    # every printed percentage breakdown in the report sums to 100 within rounding
    assert messages(shipped, "DQ02") == ""
    # every other printed x/y=z% in tables 2.1 and 3.3 is correctly rounded
    assert len(shipped[shipped["code"] == "DQ06"]) == 2
    # shares of referral sources other than the one mis-rounded cell are consistent
    assert len(shipped[shipped["code"] == "DQ13"]) == 1


def test_every_shipped_finding_names_the_board_and_rows_that_exist(shipped):
    assert not shipped.empty and (shipped["area_code"] == WARWICKSHIRE).all()
    for finding in shipped.itertuples(index=False):
        assert finding.source_rows, finding
        board_tables = set()
        for name, number in located_rows(finding.source_rows):
            row = source_file(name).loc[number]  # a KeyError here is a locator pointing past the file
            if "new_la_code" in row.index:  # the board's tidy files and DfE's CSVs
                assert row["new_la_code"] == finding.area_code, (finding.code, name, number)
            if name.startswith("wscb_2017_18/"):
                board_tables.add(row["source_table"])
        # the rows include the table the finding is about (and may include totals it quotes from another)
        tables = {name.strip() for name in finding.source_tables.split(",")}
        assert board_tables & tables, (finding.code, finding.source_rows)


def test_the_two_tables_printing_different_plan_counts_are_located(shipped):
    [finding] = shipped[shipped["code"] == "DQ04"].itertuples(index=False)
    printed = {}
    for name, number in located_rows(finding.source_rows):
        row = source_file(name).loc[number]
        assert (row["measure"], row["period_end"], row["breakdown"]) == ("children_on_cp_plan", "2017-03-31", "total")
        printed[row["source_table"]] = row["value"]
    assert printed == {"3.1": "439", "4.2": "443"}


def test_the_board_and_dfe_rows_of_a_difference_are_located(shipped):
    dq05 = shipped[(shipped["code"] == "DQ05") & shipped["message"].str.contains("give 564")]
    [finding] = dq05.itertuples(index=False)
    board, dfe = [], []
    for name, number in located_rows(finding.source_rows):
        row = source_file(name).loc[number]
        if name.startswith("dfe/"):
            dfe.append((row["time_period"], row["new_la_code"], row["CPP_At31"]))
        else:
            board.append((row["source_table"], row["period_end"], row["measure"], row["value"]))
    assert board == [("3.1", "2018-03-31", "children_on_cp_plan", "564"), ("4.2", "2018-03-31", "children_on_cp_plan", "564")]
    assert dfe == [("2018", WARWICKSHIRE, "561")]


def test_unplaced_values_are_located_in_their_file(shipped):
    for finding in shipped[shipped["code"] == "DQ09"].itertuples(index=False):
        rows = located_rows(finding.source_rows)
        assert {name for name, _ in rows} == {"wscb_2017_18/unplaced_values.csv"}
        assert {source_file(name).loc[number, "source_table"] for name, number in rows} == {finding.source_tables}
        assert finding.values == f"rows={len(rows)}"


def test_cli_check_prints_findings(capsys):
    assert main(["check"]) == 0
    out = capsys.readouterr().out
    assert "DQ04" in out and "439" in out
