"""The analyst's own exploration is safe (issue 9, "found in JupyterLab"): each trap has a test
that fails on the old behaviour.

* importing the package left matplotlib on the Agg backend, so the analyst's ``plt.show()`` and
  seaborn plots showed nothing;
* ``wilson_ci`` returns proportions, ``proportion_ci_table`` percent, and ``fmt_interval`` took
  either silently ("0.0% to 0.4%" for 0.15%);
* a ``Chart`` in a cell showed its repr, not itself;
* tables were right-aligned throughout in JupyterLab, text columns too;
* every chart's source line appeared twice (in the image and in a caption under it).
"""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
from html.parser import HTMLParser

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from analysis.formatting import fmt_interval, fmt_percent
from analysis.paths import REPO_ROOT
from analysis.report import display
from analysis.report.charts import Chart, finish, new_chart
from analysis.report.model import Section, Table, ThemeResult
from analysis.stats import proportion_ci_table, wilson_ci

INLINE = "module://matplotlib_inline.backend_inline"


# --- matplotlib's backend -------------------------------------------------------------------
def test_importing_the_package_keeps_the_analysts_backend():
    """In a fresh interpreter on JupyterLab's inline backend, importing every layer (themes and
    pipeline included) leaves that backend in place, and a house chart still draws on it and
    leaves no figure open (which the inline backend would show a second time)."""
    code = (
        "import matplotlib\n"
        "import analysis.report.charts, analysis.report.display\n"
        "import analysis.themes.cp_trends, analysis.themes.representation, analysis.themes.cdop, analysis.themes.training\n"
        "import analysis.pipeline.cli\n"
        "import matplotlib.pyplot as plt\n"
        "from analysis.report.charts import new_chart, finish\n"
        "fig, ax = new_chart(); ax.plot([1, 2], [3, 4])\n"
        "chart = finish(fig, ax, title='t', subtitle='s', xlabel='x', ylabel='y', source='Source: s', alt='a')\n"
        "print(matplotlib.get_backend()); print(len(plt.get_fignums())); print(chart.svg.startswith('<svg'))\n"
    )
    env = {**os.environ, "MPLBACKEND": INLINE, "PYTHONPATH": str(REPO_ROOT / "src")}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    backend, open_figures, svg = out.stdout.split()
    assert backend == INLINE
    assert open_figures == "0" and svg == "True"


@pytest.mark.parametrize("theme", ["cp_trends", "representation", "cdop", "training"])
def test_building_a_theme_leaves_no_figure_open(theme):
    """On the analyst's inline backend every figure still open at the end of a cell is shown; a
    theme that left one open would add a stray copy of a chart under the cell."""
    import importlib

    plt.close("all")
    importlib.import_module(f"analysis.themes.{theme}").build("E10000031", "2017-18 Q4")
    assert plt.get_fignums() == []


def test_the_batch_kernels_draw_headless():
    """The backend is set where exporting needs it: in the environment of the batch run's kernels."""
    from analysis.pipeline.kernels import KERNEL_ENV

    assert KERNEL_ENV.get("MPLBACKEND", "").lower() == "agg"


def test_no_module_sets_a_backend_on_import():
    """The class of the problem: no module of the package calls ``matplotlib.use`` or
    ``pyplot.switch_backend`` (a backend belongs to whoever runs the code)."""
    offenders = [str(p.relative_to(REPO_ROOT)) for p in (REPO_ROOT / "src" / "analysis").rglob("*.py")
                 if re.search(r"matplotlib\.use\(|switch_backend\(", p.read_text(encoding="utf-8"))]
    assert offenders == []


# --- one convention for proportions and percentages ---------------------------------------------
def _wilson(x: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """Wilson's score interval, written out here independently of the package."""
    p = x / n
    centre = p + z * z / (2 * n)
    spread = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre - spread) / (1 + z * z / n), (centre + spread) / (1 + z * z / n)


def test_a_proportion_is_refused_where_a_percentage_is_expected():
    lower, upper = wilson_ci(3, 2000)  # 0.15%: its interval printed as "0.0% to 0.4%" before
    with pytest.raises(ValueError, match="proportion"):
        fmt_interval(lower, upper)
    with pytest.raises(ValueError, match="proportion"):
        fmt_percent(lower)


def test_a_proportion_prints_as_a_percentage_when_said_to_be_one():
    lower, upper = wilson_ci(3, 2000)
    lo, hi = _wilson(3, 2000)
    expected = f"{lo * 100:.1f}% to {hi * 100:.1f}%"
    assert fmt_interval(lower, upper, "proportion") == expected
    assert fmt_interval(lower * 100, upper * 100) == expected  # times 100 is a plain percentage
    assert type(lower * 100) is float
    assert fmt_percent(upper, from_proportion=True) == f"{hi * 100:.1f}%"


def test_the_percent_table_and_the_proportion_function_print_the_same_interval():
    table = proportion_ci_table(pd.Series([114]), pd.Series([496]))  # percent by default
    lower, upper = wilson_ci(114, 496)
    lo, hi = _wilson(114, 496)
    assert (fmt_interval(table["lower"].iloc[0], table["upper"].iloc[0])
            == fmt_interval(lower, upper, "proportion") == f"{lo * 100:.1f}% to {hi * 100:.1f}%")


@pytest.mark.parametrize("lower, upper, kind", [
    (19.5, 26.9, "proportion"),  # percentages passed as proportions
    (20.0, 140.0, "percent"),    # not a percentage of a whole
    (-0.5, 3.0, "percent"),
    (30.0, 20.0, "percent"),     # limits the wrong way round
    (-1.0, 4.0, "rate"),
    (0.1, 0.2, "per cent"),      # unknown unit
])
def test_an_interval_outside_its_unit_is_refused(lower, upper, kind):
    with pytest.raises(ValueError):
        fmt_interval(lower, upper, kind)


def test_a_missing_limit_still_prints_as_x():
    assert fmt_interval(float("nan"), float("nan")) == "x to x"
    lower, upper = wilson_ci(float("nan"), 10)
    assert math.isnan(lower) and fmt_interval(lower, upper) == "x to x"


# --- charts -------------------------------------------------------------------------------------
SOURCE = "Source: a test frame, made up for this test"


def _chart(source: str = SOURCE) -> Chart:
    fig, ax = new_chart()
    ax.plot([1, 2, 3], [3, 1, 2], label="series")
    return finish(fig, ax, title="A title that states the finding", subtitle="A subtitle", xlabel="x",
                  ylabel="y", source=source, alt="Line chart of three made-up points.")


def test_a_chart_in_a_cell_displays_itself_with_its_alt_text():
    from IPython.core.formatters import DisplayFormatter

    chart = _chart()
    data, _ = DisplayFormatter().format(chart)
    assert "text/html" in data
    assert re.search(r'<svg [^>]*role="img" aria-label="Line chart of three made-up points\.', data["text/html"])
    assert "Line chart of three made-up points." in data["text/html"]


class _Cells(HTMLParser):
    """Every table cell's tag, column number, inline style and text; and the page's visible text
    outside the charts (a chart's words are in its image)."""

    def __init__(self):
        super().__init__()
        self.cells, self.visible, self._col, self._open, self._svg = [], [], 0, None, 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self._svg += tag == "svg"
        if tag == "tr":
            self._col = 0
        if tag in ("td", "th"):
            self._open = [tag, self._col, attrs.get("style") or "", ""]
            self._col += 1

    def handle_endtag(self, tag):
        self._svg -= tag == "svg"
        if tag in ("td", "th") and self._open:
            self.cells.append(tuple(self._open))
            self._open = None

    def handle_data(self, data):
        if not self._svg:
            self.visible.append(data)
        if self._open:
            self._open[3] += data


def _svg_height(svg: str) -> float:
    return float(re.search(r'viewBox="0 0 [0-9.]+ ([0-9.]+)"', svg).group(1))


def test_a_charts_source_is_said_once_in_the_image_not_again_under_it(monkeypatch):
    chart = _chart()
    without = _chart(source="")
    assert _svg_height(chart.svg) > _svg_height(without.svg)  # the source is drawn in the image
    assert "Source:" in " ".join(re.findall(r"<text\b[^>]*>([^<]*)</text>", chart.svg))
    data = Table(title="Data behind it", frame=pd.DataFrame({"x": [1, 2, 3], "y": [3, 1, 2]}), source=SOURCE,
                 formats={"x": "count", "y": "count"})
    other = Table(title="Another table", frame=pd.DataFrame({"a": [1]}), source="Source: another one",
                  formats={"a": "count"})
    result = ThemeResult(theme="t", title="T", area_code="E10000031", area_name="Warwickshire",
                         period=None, disclosure="internal",
                         sections=[Section(key="s", heading="S", charts=[(chart, data)], tables=[other])])
    shown: list = []
    monkeypatch.setattr(display, "display", shown.append)
    display.section(result, "s")
    page = _Cells()
    page.feed(shown[0].data)
    visible = " ".join(page.visible)
    assert SOURCE not in visible  # not in a caption, nor under the chart's own data
    assert "Source: another one" in visible  # a table that is not a chart's keeps its source
    assert SOURCE in chart.to_html()  # a screen reader still hears it, at the end of the alt text


# --- tables --------------------------------------------------------------------------------------
def test_text_columns_are_left_aligned_and_numbers_right_aligned():
    frame = pd.DataFrame({"Agency": ["Police", "Health"], "Delegates": [120, 85], "Share": [58.5, 41.5],
                          "Note": ["first", "second"]})
    table = Table(title="Who came", frame=frame, source="Source: made up", count_columns=["Delegates"],
                  formats={"Share": "percent"})
    parsed = _Cells()
    parsed.feed(display.table_html(table, "internal"))
    align = {}
    for tag, col, style, _text in parsed.cells:
        found = re.search(r"text-align:\s*(left|right)", style)
        align.setdefault(frame.columns[col], set()).add(found.group(1) if found else None)
    assert align == {"Agency": {"left"}, "Delegates": {"right"}, "Share": {"right"}, "Note": {"left"}}
    assert [text for tag, col, _s, text in parsed.cells if tag == "td" and col == 2] == ["58.5", "41.5"]


def test_a_table_is_captioned_scoped_and_scrolls_in_a_focusable_region():
    frame = pd.DataFrame({"Agency": ["Police", "Health"], "Delegates": [120, 85], "Verdict": ["above", "below"]})
    table = Table(title="Who came, by agency", frame=frame, source="Source: made up", count_columns=["Delegates"])
    block = display.table_html(table, "internal")
    region = re.search(r"<div class='table-scroll' role='region' tabindex='0' aria-label='([^']*)'><table", block)
    assert region and region.group(1) == "Who came, by agency"
    assert "<caption>Who came, by agency</caption>" in block and block.count("Who came, by agency") == 2
    assert re.findall(r"<th scope='col'", block) and len(re.findall(r"<th scope='col'", block)) == 3
    # the first column names each row; the numbers stay data cells
    assert re.findall(r"<th scope='row'[^>]*>([^<]*)</th>", block) == ["Police", "Health"]
    assert re.findall(r"<td[^>]*>([^<]*)</td>", block) == ["120", "above", "85", "below"]
    # a first column of numbers is not a label column
    numbers = Table(title="Counts", frame=pd.DataFrame({"Year": [2017, 2018], "Children": [400, 420]}),
                    source="", count_columns=["Year", "Children"])
    assert "scope='row'" not in display.table_html(numbers, "internal")


def test_the_data_behind_a_chart_is_collapsed_under_it(monkeypatch):
    chart = _chart()
    data = Table(title="Data behind it", frame=pd.DataFrame({"x": [1, 2, 3], "y": [3, 1, 2]}), source=SOURCE,
                 formats={"x": "count", "y": "count"})
    result = ThemeResult(theme="t", title="T", area_code="E10000031", area_name="Warwickshire",
                         period=None, disclosure="internal",
                         sections=[Section(key="s", heading="S", charts=[(chart, data)])])
    shown: list = []
    monkeypatch.setattr(display, "display", shown.append)
    display.section(result, "s")
    details = re.findall(r"<details\b[^>]*>", shown[0].data)
    assert details == ["<details class='chart-data'>"]  # closed: no "open" attribute
    assert re.search(r"<details[^>]*><summary>Data behind the chart: ", shown[0].data)
