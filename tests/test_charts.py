"""The house chart frame (:mod:`analysis.report.charts`): words wrapped to the figure, nothing cut off.

Before, a long title ran past the figure and ``bbox_inches="tight"`` widened the image to fit
it, so the page scaled the whole chart (and every label) down. Now the title, subtitle and
source are wrapped to the figure's width, and these tests check, for a synthetic worst case and
for every chart the four themes draw for three authorities (Warwickshire, and two with the
longest names in the data), that the image is exactly the figure and nothing is drawn outside it.
"""

from __future__ import annotations

import io

import matplotlib.pyplot as plt
import pytest
from PIL import Image

from analysis.report import charts


def _measured_width(text: str, size: float, weight: str = "normal") -> float:
    """Width in inches as matplotlib itself lays the text out (an independent measure)."""
    fig = plt.figure()
    t = fig.text(0, 0, text, fontsize=size, fontweight=weight)
    width = t.get_window_extent(fig.canvas.get_renderer()).width / fig.dpi
    plt.close(fig)
    return width


def test_wrap_keeps_every_word_and_fits_the_width():
    charts.style()
    text = ("Warwickshire's rate of children on plans was similar to England's at 31 March 2018 and "
            "above its statistical neighbours' average, a pattern seen in three of the last five years")
    for width, size, weight in [(8.26, 13, "bold"), (5.0, 10.5, "normal"), (3.0, 8, "normal")]:
        wrapped = charts.wrap(text, width, size, weight)
        assert wrapped.replace("\n", " ") == text  # nothing lost, nothing reordered
        lines = wrapped.split("\n")
        assert len(lines) > 1
        assert all(_measured_width(line, size, weight) <= width for line in lines), (width, lines)
        # and it is not over-cautious: adding the next word to a line would have overflowed
        for line, nxt in zip(lines, lines[1:]):
            assert _measured_width(f"{line} {nxt.split(' ')[0]}", size, weight) > width * 0.9
    assert charts.wrap("short", 8, 13) == "short"
    assert charts.wrap("a\nb", 8, 13) == "a\nb"  # the caller's line breaks are kept


def _finish_and_keep(monkeypatch, fig, ax, **kw):
    """Run charts.finish but keep the figure open, to inspect where everything landed."""
    monkeypatch.setattr(charts.plt, "close", lambda *a, **k: None)
    chart = charts.finish(fig, ax, **kw)
    monkeypatch.undo()
    return chart


def _assert_within(fig, png: bytes, label: str) -> None:
    width, height = fig.get_size_inches()
    box = fig.get_tightbbox(fig.canvas.get_renderer())
    tol = 0.01
    assert box.x0 >= -tol and box.y0 >= -tol and box.x1 <= width + tol and box.y1 <= height + tol, (
        f"{label}: drawn outside the figure: {box} in a {width:.2f} x {height:.2f} in figure")
    size = Image.open(io.BytesIO(png)).size
    dpi = plt.rcParams["savefig.dpi"]
    assert abs(size[0] - width * dpi) <= 1 and abs(size[1] - height * dpi) <= 1, (label, size)


def test_finish_long_words_stay_inside_and_the_plot_keeps_its_size(monkeypatch):
    fig, ax = charts.new_chart(8.0, 4.5)
    for i in range(3):
        ax.plot([1, 2, 3], [i, i + 1, i + 3], label=f"A series with a long legend label {i}", **charts.series_style(i))
    before = ax.get_position().height * fig.get_size_inches()[1]
    chart = _finish_and_keep(
        monkeypatch, fig, ax,
        title="A finding stated at length, " * 6, subtitle="The statistic behind it, with its interval, " * 4,
        xlabel="Quarter", ylabel="Children", source="Source: " + "a long list of sources; " * 8, alt="Line chart.")
    _assert_within(fig, chart.png, "synthetic")
    assert fig.get_size_inches()[0] == 8.0  # wider images would be scaled down on the page
    # the words took room of their own: the figure grew, the plotting area did not shrink much
    assert fig.get_size_inches()[1] > 4.5
    assert ax.get_position().height * fig.get_size_inches()[1] > 0.75 * before
    assert "\n" not in chart.title and chart.title.startswith("A finding stated at length")
    plt.close(fig)


@pytest.mark.parametrize("area", ["E10000031", "E06000022", "E06000010"])
def test_every_theme_chart_fits_its_figure(monkeypatch, area):
    from analysis.themes import cdop, cp_trends, representation, training

    real = charts.finish
    seen = []

    def finish(fig, ax, **kw):
        with monkeypatch.context() as m:
            m.setattr(charts.plt, "close", lambda *a, **k: None)
            chart = real(fig, ax, **kw)
        _assert_within(fig, chart.png, f"{area}: {kw['title'][:60]}")
        plt.close(fig)
        seen.append(kw["title"])
        return chart

    monkeypatch.setattr(charts, "finish", finish)
    for theme in (cp_trends, representation, cdop, training):
        theme.build(area_code=area, period="2017-18 Q4")
    assert len(seen) >= (20 if area == "E10000031" else 3)


def test_a_legend_under_the_plot_sits_just_under_the_axis_labels(monkeypatch):
    """Themes anchor legends under the plot in fractions of its height; after the layout pass
    resizes the plot that left a band of white space (0.5 to 1 inch) above or below the legend."""
    fig, ax = charts.new_chart(8.5, 5.6)
    for i in range(4):
        ax.plot([1, 2, 3], [i, i + 1, i + 2], label=f"Series {i}", **charts.series_style(i))
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.3), ncol=2, frameon=False)
    chart = _finish_and_keep(monkeypatch, fig, ax, title="A finding", subtitle="A statistic", xlabel="Quarter",
                             ylabel="Children", source="Source: somewhere", alt="Line chart.", legend=False)
    renderer = fig.canvas.get_renderer()
    axis = ax.xaxis.get_tightbbox(renderer)
    legend = ax.get_legend().get_window_extent(renderer)
    source = fig._supxlabel.get_window_extent(renderer)
    gap_above = (axis.y0 - legend.y1) / fig.dpi
    gap_below = (legend.y0 - source.y1) / fig.dpi
    assert 0 < gap_above < 0.2, gap_above
    assert 0 < gap_below < 0.45, gap_below
    _assert_within(fig, chart.png, "legend below")
    plt.close(fig)
