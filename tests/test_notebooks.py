"""Theme notebooks: committed clean, and executed through papermill with a cell timeout.

Each notebook runs on the shipped data for 2017-18 Q4 and for an earlier quarter; the key
figures it records (its machine-readable summary) are asserted against the report's text; in
public mode no executed table shows a count from 1 to 5.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import papermill as pm
import pytest

from analysis.paths import REPO_ROOT
from analysis.report.summary import read_summary

NOTEBOOKS = REPO_ROOT / "notebooks"
THEMES = ["cp_trends", "representation", "cdop", "training"]
CELL_TIMEOUT = 300


# --- committed notebooks -------------------------------------------------------------------
@pytest.mark.parametrize("theme", THEMES)
def test_committed_notebook_exists_without_outputs_and_with_parameters(theme):
    nb = json.loads((NOTEBOOKS / f"{theme}.ipynb").read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    dirty = [i for i, c in enumerate(code) if c.get("outputs") or c.get("execution_count") is not None]
    assert not dirty, f"{theme}.ipynb: code cells {dirty} carry outputs or execution counts; strip them before committing"
    tagged = [c for c in code if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1 and code.index(tagged[0]) == 0, f"{theme}.ipynb: the first code cell must be the one tagged 'parameters'"
    params = "".join(tagged[0]["source"])
    for name in ("area_code", "area_name", "period", "data_dir", "disclosure"):
        assert re.search(rf"^{name}\s*=", params, re.M), f"{theme}.ipynb: parameter {name} has no default"


def test_every_notebook_in_the_folder_is_a_theme():
    assert sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb")) == sorted(THEMES)


@pytest.mark.parametrize("theme", THEMES)
def test_notebook_cells_hold_no_numbers_or_statistics(theme):
    """Notebooks are thin: numbers come from the package, not from typed-in code or prose."""
    nb = json.loads((NOTEBOOKS / f"{theme}.ipynb").read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    for cell in code[1:]:
        src = "".join(cell["source"])
        assert not re.search(r"(?<![\w.])\d+(\.\d+)?(?![\w])", src), f"{theme}.ipynb: a number is typed into a code cell:\n{src}"


# --- execution -----------------------------------------------------------------------------
def execute(theme: str, tmp_path: Path, **params) -> nbformat.NotebookNode:
    out = tmp_path / f"{theme}-{params.get('period', 'default').replace(' ', '-')}-{params.get('disclosure', 'public')}.ipynb"
    pm.execute_notebook(str(NOTEBOOKS / f"{theme}.ipynb"), str(out), parameters=params, kernel_name="python3",
                        execution_timeout=CELL_TIMEOUT, progress_bar=False, request_save_on_cell_execute=False)
    return nbformat.read(out, as_version=4)


class _Cells(HTMLParser):
    """Every table cell's text, and each body cell's column heading (``columns``, same order)."""

    def __init__(self):
        super().__init__()
        self.cells: list[str] = []
        self.columns: list[str | None] = []
        self._in = False
        self._headings: list[str] = []
        self._position = 0
        self._head = False

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._headings = []
        elif tag == "thead":
            self._head = True
        elif tag == "tr":
            self._position = 0
        elif tag in ("td", "th"):
            self._in, self._buf = True, ""

    def handle_endtag(self, tag):
        if tag == "thead":
            self._head = False
        elif tag in ("td", "th") and self._in:
            text = self._buf.strip()
            self.cells.append(text)
            if self._head:
                self._headings.append(text)
                self.columns.append(None)
            else:
                self.columns.append(self._headings[self._position] if self._position < len(self._headings) else None)
            self._position += 1
            self._in = False

    def handle_data(self, data):
        if self._in:
            self._buf += data


def _parsed(nb) -> _Cells:
    parser = _Cells()
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            html = out.get("data", {}).get("text/html")
            if html:
                parser.feed(html if isinstance(html, str) else "".join(html))
    return parser


def table_cells(nb) -> list[str]:
    return _parsed(nb).cells


#: Column headings of counts of events, not people (never suppressed): training events and
#: courses, the child death overview panel's meetings and actions.
EVENT_COLUMNS = {"Events (times delivered)", "Events", "Courses", "Panels held (sub-region)", "Actions raised"}


def people_cells(nb) -> list[str]:
    """The table cells outside the columns that count events."""
    parsed = _parsed(nb)
    return [text for text, column in zip(parsed.cells, parsed.columns) if column not in EVENT_COLUMNS]


def figures(nb) -> dict:
    summary = read_summary(nb)
    assert summary is not None, "the notebook did not publish its summary"
    return summary["key_figures"]


@pytest.fixture(scope="module")
def q4_public(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("q4")
    return {t: execute(t, tmp, period="2017-18 Q4", disclosure="public") for t in THEMES}


@pytest.mark.notebook
def test_cp_trends_q4_reproduces_the_reports_rise(q4_public):
    f = figures(q4_public["cp_trends"])
    # section 4: "increased in this year by 28.5% - rising from 439 to 564"
    assert (f["cp_plans_start"], f["cp_plans_end"], f["cp_plans_change_percent"]) == (439, 564, 28.5)
    # reference README: 561 in the validated DfE return
    assert f["cp_plans_dfe_validated_end"] == 561


@pytest.mark.notebook
def test_representation_q4_reproduces_the_reports_shares(q4_public):
    f = figures(q4_public["representation"])
    # section 4: "26 disabled children (4.6%)"; "BME children ... at 9.2% at the end of the year"
    assert (f["disabled_cp_count"], f["disabled_cp_percent"], f["bme_cp_percent"]) == (26, 4.6, 9.2)


@pytest.mark.notebook
def test_cdop_q4_reproduces_the_reports_deaths(q4_public):
    f = figures(q4_public["cdop"])
    # section 5: "Of the 77 deaths reviewed 34 were from Warwickshire"; "20 deaths ... prematurity"
    assert (f["warwickshire_deaths_reviewed"], f["perinatal_neonatal_deaths"], f["deaths_reviewed_total"]) == (34, 20, 77)


@pytest.mark.notebook
def test_training_q4_reproduces_the_reports_programme(q4_public):
    f = figures(q4_public["training"])
    # appendix C: "From a programme of 8 different courses, 46 training events were delivered"
    assert (f["courses"], f["events"]) == (8, 46)


@pytest.mark.notebook
@pytest.mark.parametrize("theme", THEMES)
def test_public_mode_shows_no_count_from_1_to_5(q4_public, theme):
    cells = people_cells(q4_public[theme])
    assert cells, f"{theme}: no table was displayed"
    small = [c for c in cells if re.fullmatch(r"[1-5]", c)]
    assert not small, f"{theme}: counts from 1 to 5 visible in public mode: {small}"
    if theme == "training":  # events are not people: the course run once is shown as 1
        assert "1" in table_cells(q4_public[theme])


@pytest.mark.notebook
@pytest.mark.parametrize("theme", THEMES)
def test_earlier_quarter_runs_and_never_sees_later_figures(theme, tmp_path):
    nb = execute(theme, tmp_path, period="2017-18 Q2", disclosure="internal")
    summary = read_summary(nb)
    assert summary["period"] == "2017-18 Q2"
    if theme == "cp_trends":
        f = summary["key_figures"]
        # table 3.1: 439 at 31 March 2017, 547 at 30 September 2017
        assert (f["cp_plans_start"], f["cp_plans_end"]) == (439, 547)
    text = json.dumps([c.get("outputs") for c in nb.cells])
    assert "31 Mar 2018" not in text and "31 March 2018" not in text, f"{theme}: a Q2 run shows a later date"
