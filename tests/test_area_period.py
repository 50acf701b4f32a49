"""Every area, every period: the default period is the latest the data support for each area.

The expected values are computed here from the raw files (data/raw/dfe's CSVs as DfE publishes
them, and the board's tidy CSVs), with the csv module and plain date arithmetic, not through
the package's period or dataset code. Issue 9: "Every area, every period".
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import warnings
from collections import defaultdict
from pathlib import Path

import pytest

from analysis import processed
from analysis.ingest.dataset import EmptySelectionWarning
from analysis.pipeline import cli
from analysis.pipeline.index import IndexPage, IndexRun, render_index
from analysis.themes.context import AreaError, context

RAW = Path(__file__).resolve().parents[1] / "data" / "raw"
DFE = RAW / "dfe"

#: DfE's children-in-need statistics files, one row per authority and reporting year ending 31 March.
DFE_YEAR_FILES = ["b1_children_in_need_2013_to_2025.csv",
                  "c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv",
                  "d3_cpps_subsequent_plan_2013_to_2025.csv",
                  "d5_cpps_at31march_by_duration_2013_to_2025.csv",
                  "cla_number_and_rate_per_10k_children.csv"]
#: columns that describe a row rather than give a figure about the authority's children
NOT_FIGURES = {"time_period", "time_identifier", "geographic_level", "country_code", "country_name", "region_code",
               "region_name", "old_la_code", "new_la_code", "la_name", "category", "population_type",
               "population_estimate"}
NUMBER = re.compile(r"^-?[\d,]+(\.\d+)?$")


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def fy_label(year_ending_march: int) -> str:
    """DfE's reporting year 2025 (year to 31 March 2025) as a financial-year label, 2024-25."""
    return f"{year_ending_march - 1}-{year_ending_march % 100:02d}"


def raw_dfe() -> tuple[dict[str, str], dict[str, set[int]]]:
    """Every LA in DfE's files (code -> name) and the reporting years in which it has a figure
    (a number, or a count withheld as ``c``; ``x`` and ``z`` are not figures)."""
    names: dict[str, str] = {}
    years: dict[str, set[int]] = defaultdict(set)
    for name in DFE_YEAR_FILES:
        for row in _rows(DFE / name):
            code = row["new_la_code"]
            if row["geographic_level"] != "Local authority" or not code:
                continue
            names.setdefault(code, row["la_name"])
            cells = [v.strip() for k, v in row.items() if k not in NOT_FIGURES and v is not None]
            if any(NUMBER.match(v) or v == "c" for v in cells):
                years[code].add(int(row["time_period"]))
    return names, years


def raw_board_latest() -> dict[str, tuple[int, int]]:
    """Per LA code with board data, its latest quarter (start year of the financial year,
    quarter) with a quarterly figure dated at that quarter's last day."""
    ends = {1: (0, 6, 30), 2: (0, 9, 30), 3: (0, 12, 31), 4: (1, 3, 31)}
    latest: dict[str, tuple[int, int]] = {}
    for folder in RAW.iterdir():
        if not folder.is_dir() or folder.name in ("dfe", "lookups") or not (folder / "SOURCE.md").exists():
            continue
        for path in folder.glob("*.csv"):
            if path.name == "unplaced_values.csv":
                continue
            for row in _rows(path):
                q = row["time_identifier"]
                if not q.startswith("Q") or row["period_type"] not in ("snapshot", "quarter", "cumulative_from_april"):
                    continue
                start_year, quarter = int(row["time_period"][:4]), int(q[1])
                dy, month, day = ends[quarter]
                if row["period_end"] != dt.date(start_year + dy, month, day).isoformat():
                    continue
                code = row["new_la_code"]
                latest[code] = max(latest.get(code, (0, 0)), (start_year, quarter))
    return latest


def expected_latest_label(code: str, years: dict[str, set[int]], board: dict[str, tuple[int, int]]) -> str:
    if code in board:
        start_year, quarter = board[code]
        return f"{start_year}-{(start_year + 1) % 100:02d} Q{quarter}"
    return f"{fy_label(max(years[code]))} Q4"


@pytest.fixture(scope="module")
def raw():
    names, years = raw_dfe()
    return names, years, raw_board_latest()


# ----------------------------------------------------------------------------------------------
# The default period, for every English LA in the DfE files


def test_default_period_is_each_authoritys_latest(raw):
    names, years, board = raw
    assert len(names) >= 153  # every English authority, and those since reorganised
    assert board, "the shipped data hold a board's quarters"
    wrong = {}
    for code in sorted(names):
        expected = expected_latest_label(code, years, board)
        got_run = processed.latest_period(area_code=code).label  # what `safeguarding run` uses
        got_build = context(code, None, None, "public").period.label  # what build(period=None) uses
        if {got_run, got_build} != {expected}:
            wrong[code] = (names[code], expected, got_run, got_build)
    assert not wrong, f"default period differs from the raw files' latest: {wrong}"


def test_reorganised_authorities_end_when_they_ended(raw):
    """An authority that was replaced has no figures after it ended: its default period is its
    own last year, not the national latest (Cumbria, Northamptonshire, Bournemouth, ...)."""
    names, years, board = raw
    latest_anywhere = max(max(y) for y in years.values())
    ended = {code for code, y in years.items() if max(y) < latest_anywhere and code not in board}
    assert len(ended) >= 5
    for code in ended:
        got = processed.latest_period(area_code=code)
        assert got.label == f"{fy_label(max(years[code]))} Q4", names[code]
        assert got.label != f"{fy_label(latest_anywhere)} Q4"


def test_period_statement_for_default_and_older_periods(raw):
    names, years, board = raw
    code = "E08000026"
    latest = f"{fy_label(max(years[code]))} Q4"
    assert code not in board
    default = context(code, None, None, "public")
    assert default.period.label == latest
    assert default.period_note == f"{latest} is the latest in the DfE data for {names[code]}."
    older = context(code, "2019-20 Q4", None, "public")
    assert older.period_note == f"A later period, {latest}, is in the data."
    wk = "E10000031"
    start_year, quarter = board[wk]
    board_latest = f"{start_year}-{(start_year + 1) % 100:02d} Q{quarter}"
    assert context(wk, None, None, "public").period_note.startswith(
        f"{board_latest} is the latest quarter of the board's data")
    assert context(wk, "2017-18 Q2", None, "public").period_note == f"A later period, {board_latest}, is in the data."


def test_appendix_header_states_the_period(raw):
    from IPython.core.interactiveshell import InteractiveShell  # noqa: F401 - display() needs IPython

    from analysis.report import display
    from analysis.themes import cdop

    names, years, _ = raw
    latest = f"{fy_label(max(years['E08000026']))} Q4"
    result = cdop.build(area_code="E08000026", period="2019-20 Q4")
    assert result.period_note == f"A later period, {latest}, is in the data."
    shown = []
    original = display.display
    display.display = lambda obj: shown.append(obj.data)
    try:
        display.header(result)
    finally:
        display.display = original
    assert f"A later period, {latest}, is in the data." in shown[0]


def test_index_page_states_the_period():
    when = dt.datetime(2026, 12, 5, 9, 0, tzinfo=dt.timezone.utc)
    note = "A later period, 2024-25 Q4, is in the data."
    page = IndexPage(area_code="E08000026", area_name="Coventry", period="2019-20 Q4", run_date=when,
                     disclosure="public", themes=[],
                     run=IndexRun(run_id="r", started=when, finished=when, counts_text="0 exported", inputs_text="0"),
                     period_note=note)
    assert note in render_index(page)


# ----------------------------------------------------------------------------------------------
# safeguarding periods


def test_periods_command_for_one_area(raw, capsys):
    names, years, board = raw
    code = "E10000002"  # Buckinghamshire's old code: its figures end before the national latest
    assert cli.main(["periods", "--area", code]) == 0
    out = capsys.readouterr().out
    expected_years = ", ".join(fy_label(y) for y in sorted(years[code]))
    assert out.splitlines()[0] == f"{code} {names[code]}"
    assert f"DfE years (figures at 31 March): {expected_years}" in out
    assert "board quarters: none" in out
    assert f"default period: {fy_label(max(years[code]))} Q4: the latest in the DfE data for {names[code]}" in out


def test_periods_command_lists_board_areas_and_earlier_ending_authorities(raw, capsys):
    names, years, board = raw
    assert cli.main(["periods"]) == 0
    out = capsys.readouterr().out
    for code, (start_year, quarter) in board.items():
        line = next(line for line in out.splitlines() if line.strip().startswith(code))
        assert line.rstrip().endswith(f"{start_year}-{(start_year + 1) % 100:02d} Q{quarter}")
    latest_anywhere = max(max(y) for y in years.values())
    ended = sorted(code for code, y in years.items() if max(y) < latest_anywhere)
    assert f"{len(names) - len(ended)} local authorities have DfE figures to {fy_label(latest_anywhere)}" in out
    for code in ended:
        assert f"  {code} {names[code]}: " in out


def test_periods_command_unknown_area(capsys):
    assert cli.main(["periods", "--area", "E0800026"]) == 2
    err = capsys.readouterr().err
    assert "E0800026" in err and "E08000026 Coventry" in err


# ----------------------------------------------------------------------------------------------
# area_name tied to area_code; unknown codes


def test_area_name_comes_from_the_code(raw):
    names, _, _ = raw
    assert context("E08000026", None, None, "public").area_name == names["E08000026"]
    assert context("E08000026", None, None, "public", area_name=names["E08000026"].upper()).area_name == names["E08000026"]


def test_area_name_that_is_not_the_codes_is_rejected(raw):
    from analysis.themes import cp_trends

    names, _, _ = raw
    with pytest.raises(AreaError) as caught:
        cp_trends.build(area_code="E08000026", period=None, area_name=names["E10000031"])
    message = str(caught.value)
    assert names["E10000031"] in message and "E08000026" in message and names["E08000026"] in message


@pytest.mark.parametrize("typed, meant", [("E0800026", "E08000026"), ("Coventry", "E08000026"), ("E1000031", "E10000031")])
def test_unknown_code_is_a_clear_error_with_close_matches(raw, typed, meant):
    from analysis.themes import representation

    names, _, _ = raw
    with pytest.raises(AreaError) as caught:
        representation.build(area_code=typed, period=None)
    message = str(caught.value)
    assert repr(typed) in message and f"{meant} {names[meant]}" in message


# ----------------------------------------------------------------------------------------------
# select(): lists of area codes; an empty selection says which filter emptied it


def test_select_accepts_a_list_of_area_codes():
    wanted = ["E08000026", "E10000031"]
    expected = 0
    for row in _rows(DFE / "d5_cpps_at31march_by_duration_2013_to_2025.csv"):
        if row["geographic_level"] == "Local authority" and row["new_la_code"] in wanted:
            expected += 1  # one CPP_At31 figure per authority and year
    ds = processed.load()
    got = ds.select("children_on_cp_plan", area_code=wanted, source="dfe", breakdown="total")
    assert len(got) == expected and set(got["new_la_code"]) == set(wanted)


def test_empty_selection_names_the_filter_and_the_values_there():
    ds = processed.load()
    with pytest.warns(EmptySelectionWarning) as caught:
        out = ds.select("children_on_cp_plan", area_code="E08000026", source_table="3.1")
    assert out.empty
    message = str(caught[0].message)
    assert "source_table='3.1'" in message and "values there:" in message
    assert out.attrs["empty_because"] == message
    # the values listed are the ones the rows before that filter have
    listed = message.split("values there: ")[1].split(", ")
    before = ds.select("children_on_cp_plan", area_code="E08000026")
    assert listed[0] in set(before["source_table"])
    with pytest.warns(EmptySelectionWarning, match=r"measure='childen_on_cp_plan'.*children_on_cp_plan"):
        ds.select("childen_on_cp_plan")
    with pytest.warns(EmptySelectionWarning, match=r"area_code=\['E0800026'\].*E08000026"):
        ds.select("children_on_cp_plan", area_code=["E0800026"])


def test_a_selection_with_rows_and_the_themes_selections_are_quiet():
    from analysis.themes import cdop

    ds = processed.load()
    with warnings.catch_warnings():
        warnings.simplefilter("error", EmptySelectionWarning)
        assert not ds.select("children_on_cp_plan", area_code="E08000026").empty
        assert ds.quiet().select("no_such_measure").empty
        # an authority without board data: many of the theme's selections are empty by design
        cdop.build(area_code="E08000026", period=None)
