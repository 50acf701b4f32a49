"""House style for charts (GOV.UK Analysis Function chart guidance).

Every chart: a title that states the finding, a subtitle with the statistic, labelled axes with
units, a source note, a colour-blind-safe palette (Okabe–Ito), no meaning carried by colour
alone (markers, line styles and direct labels as well), and alt text; the data table is shown
beside it by :mod:`analysis.report.display`.

A :class:`Chart` displays itself in a notebook cell (the image with its alt text); its source is
said once, at the foot of the image (not again in a caption under it).

The words around a chart are the figure's, not the axes': the title (bold), the subtitle under
it and the source at the foot are wrapped to the figure's width with the font's own character
widths, and the figure grows by the room they take, so the image is exactly the figure (nothing
is cut off and nothing widens it; ``tests/test_charts.py`` checks every chart of every theme).

Usage::

    fig, ax = new_chart()
    ax.plot(...)
    chart = finish(fig, ax, title=..., subtitle=..., xlabel=..., ylabel=..., source=..., alt=...)
"""

from __future__ import annotations

import base64
import html
import io
import math
from dataclasses import dataclass, field
from functools import lru_cache

import matplotlib.pyplot as plt
import seaborn as sns

# No backend is chosen here: importing the package must leave the analyst's backend alone (in
# JupyterLab the inline one, so their own ``plt.show()`` and seaborn plots still appear). Charts
# are drawn on their own figure, saved to PNG and closed, which works on any backend; the batch
# run's kernels choose the headless one through their environment (``pipeline.kernels``).

#: Okabe & Ito (2008) colour-blind-safe palette, in the order series use it.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
#: Markers and dash patterns paired with the palette, so no series depends on colour alone.
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]
LINESTYLES = ["-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1)), (0, (1, 1)), (0, (5, 5))]
HATCHES = ["", "//", "..", "xx", "\\\\", "++", "--", "oo"]
HIGHLIGHT = "#D55E00"
NEUTRAL = "#8C8C8C"

DFE_SOURCE = "Source: Department for Education, Children in need statistics; ONS mid-year population estimates"


def style() -> None:
    """Apply the house style to matplotlib/seaborn (idempotent)."""
    sns.set_theme(context="notebook", style="whitegrid", palette=PALETTE)
    plt.rcParams.update({
        "figure.dpi": 100,
        "savefig.dpi": 110,
        "axes.titlesize": 13,
        "axes.titleweight": "bold",
        "axes.titlelocation": "left",
        "axes.labelsize": 11,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "font.family": "DejaVu Sans",
        "legend.frameon": False,
    })


def series_style(i: int) -> dict:
    """Colour, marker and line style for the i-th series."""
    return {"color": PALETTE[i % len(PALETTE)], "marker": MARKERS[i % len(MARKERS)],
            "linestyle": LINESTYLES[i % len(LINESTYLES)]}


@dataclass
class Chart:
    """A finished chart: the PNG, its words, and the data behind it."""

    title: str
    subtitle: str
    alt: str
    source: str
    png: bytes = field(repr=False)

    def to_html(self) -> str:
        """An accessible ``<figure>``: the image with its alt text.

        The source is printed once, at the foot of the image; the alt text ends with it too, so a
        screen reader user hears it, but no caption repeats it under the image.
        """
        b64 = base64.b64encode(self.png).decode("ascii")
        return (
            f'<figure class="chart" role="group" aria-label="{html.escape(self.title)}">'
            f'<img src="data:image/png;base64,{b64}" alt="{html.escape(self.alt_with_source())}" '
            f'style="max-width:100%;height:auto"></figure>'
        )

    def alt_with_source(self) -> str:
        """The alt text, then the source (unless the alt text already gives it)."""
        alt = self.alt.rstrip()
        if not self.source or self.source in alt:
            return alt
        return f"{alt}{'' if alt.endswith(('.', '!', '?')) else '.'} {self.source}"

    # A chart left as the last expression of a notebook cell shows itself, not its repr.
    def _repr_html_(self) -> str:
        return self.to_html()

    def _repr_png_(self) -> bytes:
        return self.png



def new_chart(width: float = 8.0, height: float = 4.5):
    """A new figure and axes in the house style."""
    style()
    fig, ax = plt.subplots(figsize=(width, height))
    return fig, ax


#: Type sizes (points) of the words around a chart, and the figure's margin (inches).
TITLE_PT, SUBTITLE_PT, SOURCE_PT = 13.0, 10.5, 8.0
MARGIN_IN = 0.12
_LINE = 1.2  # matplotlib's default line spacing


@lru_cache(maxsize=4)
def _font(weight: str):
    """The house font at 100 pt and 72 dpi (one point per pixel), for measuring text."""
    from matplotlib import ft2font
    from matplotlib.font_manager import FontProperties, findfont

    font = ft2font.FT2Font(findfont(FontProperties(family=plt.rcParams["font.family"], weight=weight)))
    font.set_size(100, 72)
    return font


@lru_cache(maxsize=4096)
def _advance(char: str, weight: str) -> float:
    """Advance width of one character at 1 pt, in points (a missing glyph counts as an 'M')."""
    font = _font(weight)
    code = ord(char) if font.get_char_index(ord(char)) else ord("M")
    return font.load_char(code).linearHoriAdvance / 65536 / 100


def text_width(text: str, size_pt: float, weight: str = "normal") -> float:
    """Width in inches of one line of ``text`` in the house font (kerning ignored: within ~2%)."""
    return sum(_advance(c, weight) for c in text) * size_pt / 72


def wrap(text: str, width_in: float, size_pt: float, weight: str = "normal") -> str:
    """``text`` broken at spaces into lines no wider than ``width_in`` (existing line breaks kept;
    a single word longer than the line stays whole). Measured with the font's own widths, so a
    title wraps where it would run off the chart instead of stretching the image."""
    limit = width_in * 0.94  # room for hinting (glyphs snap to whole pixels: up to ~5% wider) and kerning
    out = []
    for para in text.split("\n"):
        line = ""
        for word in para.split(" "):
            candidate = f"{line} {word}" if line else word
            if line and text_width(candidate, size_pt, weight) > limit:
                out.append(line)
                line = word
            else:
                line = candidate
        out.append(line)
    return "\n".join(out)


def _height(text: str, size_pt: float) -> float:
    return (text.count("\n") + 1) * size_pt * _LINE / 72


def _pin_legends_below(fig) -> None:
    """Put a legend that a theme placed under its plot just below the x-axis labels, at a fixed
    distance in inches.

    Themes anchor such a legend in fractions of the plot's height (e.g. 30% of it below the
    plot); the single layout pass would measure it there and then resize the plot, leaving a
    band of white space. Pinned under the x-axis (whose tick labels sit a fixed distance under
    the plot whatever its height), the layout pass measures it where it will be drawn.
    """
    from matplotlib.transforms import ScaledTranslation

    renderer = fig.canvas.get_renderer()
    for a in fig.axes:
        leg = a.get_legend()
        if leg is None:
            continue
        anchor = leg.get_bbox_to_anchor()  # display coordinates, at the current layout
        box = a.get_window_extent()
        if anchor.y1 >= box.y0 or box.width == 0:
            continue  # not below the plot
        axis = a.xaxis.get_tightbbox(renderer)  # tick labels and axis label
        bottom = min(axis.y0, box.y0) if axis is not None else box.y0
        below_in = (bottom - box.y0) / fig.dpi - 0.08  # negative: inches under the plot's bottom edge
        x = (anchor.x0 - box.x0) / box.width
        w = anchor.width / box.width
        leg.set_bbox_to_anchor((x, 0, w, 0), transform=a.transAxes + ScaledTranslation(0, below_in, fig.dpi_scale_trans))


def finish(fig, ax, *, title: str, subtitle: str, xlabel: str, ylabel: str, source: str, alt: str,
           legend: bool = True) -> Chart:
    """Title (the finding), subtitle (the statistic), axis labels, source note; PNG and close.

    The title, subtitle and source are wrapped to the figure's width and the figure is made
    taller by the room they need, so the plotting area keeps the size the caller chose and the
    image is as wide as the figure (a long title no longer widens it, which shrank every label
    on the page). One layout pass (``tight_layout``, which also makes room for the title and the
    source) and one render; the old extra tight-bounding-box pass is gone.
    """
    if not alt or not title:
        raise ValueError("every chart needs a title that states the finding and alt text")
    width, height = fig.get_size_inches()
    text_w = width - 2 * MARGIN_IN
    title = wrap(title, text_w, TITLE_PT, "bold")
    subtitle = wrap(subtitle, text_w, SUBTITLE_PT) if subtitle else ""
    source = wrap(source, text_w, SOURCE_PT) if source else ""
    title_h = _height(title, TITLE_PT)
    sub_h = (0.06 + _height(subtitle, SUBTITLE_PT)) if subtitle else 0.0
    # The figure grows by the room the words need, so the plotting area keeps its size.
    total = height + MARGIN_IN + title_h + sub_h + (_height(source, SOURCE_PT) if source else 0.0) + MARGIN_IN
    fig.set_size_inches(width, total)
    x = MARGIN_IN / width
    # tight_layout makes room for the suptitle and the supxlabel in the same single pass that
    # places the axes; the subtitle sits in blank lines added under the title for it (the small
    # gap above it comes out of the padding tight_layout leaves under the suptitle).
    blank = math.ceil(_height(subtitle, SUBTITLE_PT) / (TITLE_PT * _LINE / 72)) if subtitle else 0
    fig.suptitle(title + "\n" * blank, x=x, y=1 - MARGIN_IN / total, ha="left", va="top",
                 fontsize=TITLE_PT, fontweight="bold")
    if subtitle:
        fig.text(x, 1 - (MARGIN_IN + title_h + 0.06) / total, subtitle, ha="left", va="top",
                 fontsize=SUBTITLE_PT, color="#333333")
    if source:
        fig.supxlabel(source, x=x, y=MARGIN_IN / total, ha="left", va="bottom", fontsize=SOURCE_PT,
                      color="#444444")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    handles, labels = ax.get_legend_handles_labels()
    if legend and labels:
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    _pin_legends_below(fig)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    plt.close(fig)
    return Chart(title=title.replace("\n", " "), subtitle=subtitle.replace("\n", " "), alt=alt,
                 source=source.replace("\n", " "), png=buf.getvalue())
