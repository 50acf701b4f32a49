"""The house chart frame (:mod:`analysis.report.charts`): words wrapped to the figure, nothing cut off.

Before, a long title ran past the figure and ``bbox_inches="tight"`` widened the image to fit
it, so the page scaled the whole chart (and every label) down. Now the title, subtitle and
source are wrapped to the figure's width, and these tests check, for a synthetic worst case and
for every chart the four themes draw for three authorities (Warwickshire, and two with the
longest names in the data), that the image is exactly the figure and nothing is drawn outside it.

Charts are inline SVG: text stays text, the image scales to the page, it is one named image to a
screen reader, and every colour that draws data has a contrast of at least 3:1 against white
(WCAG 2.2, 1.4.11), computed here from the SVG of every chart the themes draw.
"""

from __future__ import annotations

import html
import re

import matplotlib.pyplot as plt
import pytest

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


def _view_box(svg: str) -> tuple[float, float]:
    """Width and height of the SVG's drawing, in points (72 to the inch)."""
    x, y, w, h = map(float, re.search(r'viewBox="([^"]+)"', svg).group(1).split())
    assert (x, y) == (0, 0)
    return w, h


def _assert_within(fig, svg: str, label: str) -> None:
    width, height = fig.get_size_inches()
    box = fig.get_tightbbox(fig.canvas.get_renderer())
    tol = 0.01
    assert box.x0 >= -tol and box.y0 >= -tol and box.x1 <= width + tol and box.y1 <= height + tol, (
        f"{label}: drawn outside the figure: {box} in a {width:.2f} x {height:.2f} in figure")
    w, h = _view_box(svg)
    assert abs(w - width * 72) <= 0.5 and abs(h - height * 72) <= 0.5, (label, w, h)


def test_finish_long_words_stay_inside_and_the_plot_keeps_its_size(monkeypatch):
    fig, ax = charts.new_chart(8.0, 4.5)
    for i in range(3):
        ax.plot([1, 2, 3], [i, i + 1, i + 3], label=f"A series with a long legend label {i}", **charts.series_style(i))
    before = ax.get_position().height * fig.get_size_inches()[1]
    chart = _finish_and_keep(
        monkeypatch, fig, ax,
        title="A finding stated at length, " * 6, subtitle="The statistic behind it, with its interval, " * 4,
        xlabel="Quarter", ylabel="Children", source="Source: " + "a long list of sources; " * 8, alt="Line chart.")
    _assert_within(fig, chart.svg, "synthetic")
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
        _assert_within(fig, chart.svg, f"{area}: {kw['title'][:60]}")
        plt.close(fig)
        seen.append(kw["title"])
        return chart

    monkeypatch.setattr(charts, "finish", finish)
    for theme in (cp_trends, representation, cdop, training):
        theme.build(area_code=area, period="2017-18 Q4")
    assert len(seen) >= (20 if area == "E10000031" else 3)


def test_contrast_ratio_matches_the_published_figures():
    """The issue's audit figures: Okabe-Ito orange and sky blue 2.3:1, the old yellow focus outline
    1.35:1; WCAG's own extremes 21:1 and 1:1; #767676 is the well-known 4.5:1 grey."""
    assert round(charts.contrast_ratio("#E69F00"), 1) == 2.3
    assert round(charts.contrast_ratio("#56B4E9"), 1) == 2.3
    assert round(charts.contrast_ratio("#FFDD00"), 2) == 1.35
    assert charts.contrast_ratio("#000000") == 21 and charts.contrast_ratio("#FFFFFF") == 1
    assert round(charts.contrast_ratio("#767676"), 2) == 4.54


def test_every_data_colour_of_the_house_style_is_3_to_1_on_white():
    colours = [*charts.PALETTE, charts.HIGHLIGHT, charts.NEUTRAL]
    low = {c: round(charts.contrast_ratio(c), 2) for c in colours if charts.contrast_ratio(c) < 3}
    assert low == {}
    assert len(set(charts.PALETTE)) == len(charts.PALETTE)  # one colour per series, with its marker and dashes
    assert len(set(charts.MARKERS)) == len(charts.MARKERS) == len(charts.PALETTE)


@pytest.fixture(scope="module")
def theme_charts() -> list:
    """Every chart the four themes draw for Warwickshire, 2017-18 Q4, as shipped."""
    from analysis.themes import cdop, cp_trends, representation, training

    mp = pytest.MonkeyPatch()
    seen: list = []
    real = charts.finish
    mp.setattr(charts, "finish", lambda fig, ax, **kw: seen.append(real(fig, ax, **kw)) or seen[-1])
    try:
        for theme in (cp_trends, representation, cdop, training):
            theme.build(area_code="E10000031", period="2017-18 Q4")
    finally:
        mp.undo()
    assert len(seen) >= 20
    return seen


def test_every_colour_drawn_in_every_theme_chart_is_3_to_1_on_white(theme_charts):
    """Each fill and stroke in each chart's SVG (translucent ones as they show on white), apart
    from white, the gridline greys and faint interval shading (charts.DECORATION, SHADING_OPACITY)."""
    low = {}
    for chart in theme_charts:
        for colour in charts.svg_colours(chart.svg) - charts.DECORATION:
            if charts.contrast_ratio(colour) < 3:
                low.setdefault(colour, []).append(chart.title[:60])
    assert low == {}


def test_svg_colours_sees_what_the_page_shows():
    svg = ('<svg><path style="fill: #e69f00"/><path style="stroke: #0072b2; stroke-opacity: 0.45"/>'
           '<path style="fill: #0072b2; fill-opacity: 0.15"/></svg>')
    found = charts.svg_colours(svg)
    assert "#E69F00" in found  # would fail the 3:1 check
    blended = found - {"#E69F00"}
    assert len(blended) == 1 and charts.contrast_ratio(blended.pop()) < 3  # a translucent line is paler
    # the 15% fill is shading between edge lines, not counted


def test_every_theme_chart_is_inline_svg_with_text_and_a_name(theme_charts):
    ids: list[str] = []
    for chart in theme_charts:
        page = chart.to_html()
        assert page.startswith('<figure class="chart"') and "<?xml" not in page and "DOCTYPE" not in page
        svg = re.search(r"<svg\b[^>]*>", page).group(0)
        assert 'role="img"' in svg and 'width="100%"' in svg and "viewBox=" in svg and "height:auto" in svg
        assert f'aria-label="{html.escape(chart.alt_with_source())}"' in svg
        assert f"<title>{html.escape(chart.alt_with_source())}</title>" in page
        texts = " ".join(re.findall(r"<text\b[^>]*>([^<]*)</text>", chart.svg))
        assert chart.title.split(" ")[0] in texts  # the title is text, not outlines
        assert chart.source.split(" ")[0] in texts  # the source is said in the image, once
        assert "<figcaption" not in page  # and not again in a caption under it
        ids += re.findall(r'\bid="([^"]+)"', chart.svg)
    assert len(ids) == len(set(ids)), "two charts on a page would share an id"


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
    _assert_within(fig, chart.svg, "legend below")
    plt.close(fig)
