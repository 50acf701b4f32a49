"""House style for charts (GOV.UK Analysis Function chart guidance).

Every chart: a title that states the finding, a subtitle with the statistic, labelled axes with
units, a source note, a colour-blind-safe palette (Okabe–Ito), no meaning carried by colour
alone (markers, line styles and direct labels as well), and alt text; the data table is shown
beside it by :mod:`analysis.report.display`.

A :class:`Chart` is inline SVG (:func:`svg_markup`): its words stay text (searchable, sharp at any
zoom and in print), it scales down to the width of the page or phone, and it is one image to a
screen reader (``role="img"``, named by its alt text). It displays itself in a notebook cell;
its source is said once, at the foot of the image (not again in a caption under it).

Every colour that draws data (:data:`PALETTE`, :data:`HIGHLIGHT`, :data:`NEUTRAL`) has a
contrast of at least 3:1 against the white background (WCAG 2.2, 1.4.11 non-text contrast;
:func:`contrast_ratio`); only :data:`DECORATION` colours (white, and the light greys of the
gridlines and plot frame, which carry no data) and faint shading between an interval's edge
lines (:data:`SHADING_OPACITY`) are lighter.

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

import hashlib
import html
import io
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache

import matplotlib.pyplot as plt
import seaborn as sns

# No backend is chosen here: importing the package must leave the analyst's backend alone (in
# JupyterLab the inline one, so their own ``plt.show()`` and seaborn plots still appear). Charts
# are drawn on their own figure, saved to SVG and closed, which works on any backend; the batch
# run's kernels choose the headless one through their environment (``pipeline.kernels``).

#: Okabe & Ito's (2008) colour-blind-safe palette, in the order series use it, with the three
#: colours too light to see against white made darker: orange #E69F00 -> #A86400, sky blue
#: #56B4E9 -> #0096C7, yellow #F0E442 -> grey #666666 (each below 3:1 before, every one now at
#: least 3:1: ``tests/test_charts.py``). Markers and line styles still tell series apart.
#: Three slots then moved again, as little as would do, so that every pair (with :data:`NEUTRAL`)
#: stays apart under simulated protanopia, deuteranopia and tritanopia
#: (``tests/report/test_palette_colour_blind.py``): sky blue #0096C7 -> #0098F8 (it met green under
#: tritanopia and reddish purple under protanopia), vermillion #D55E00 -> #E07828 (it met the
#: darkened orange under protanopia) and grey #666666 -> #586058 (it met the neutral grey).
PALETTE = ["#0072B2", "#A86400", "#009E73", "#CC79A7", "#0098F8", "#E07828", "#586058", "#000000"]
#: Markers and dash patterns paired with the palette, so no series depends on colour alone.
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]
LINESTYLES = ["-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1)), (0, (1, 1)), (0, (5, 5))]
HATCHES = ["", "//", "..", "xx", "\\\\", "++", "--", "oo"]
HIGHLIGHT = "#E07828"  # the vermillion slot of PALETTE
NEUTRAL = "#707878"  # a grey at 4.5:1 on white, apart from the palette's green under deuteranopia

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
        "svg.fonttype": "none",  # text stays text in the SVG, in the page's own renderer
        "svg.hashsalt": "safeguarding",  # the ids of shared definitions are the same on every run
    })


def series_style(i: int) -> dict:
    """Colour, marker and line style for the i-th series."""
    return {"color": PALETTE[i % len(PALETTE)], "marker": MARKERS[i % len(MARKERS)],
            "linestyle": LINESTYLES[i % len(LINESTYLES)]}


@dataclass
class Chart:
    """A finished chart: its words, and the chart as inline SVG markup (:func:`svg_markup`)."""

    title: str
    subtitle: str
    alt: str
    source: str
    svg: str = field(repr=False)

    def to_html(self) -> str:
        """An accessible ``<figure>``: the SVG, named by its alt text.

        The source is printed once, at the foot of the image; the alt text ends with it too, so a
        screen reader user hears it, but no caption repeats it under the image.
        """
        return (f'<figure class="chart" role="group" aria-label="{html.escape(self.title)}">'
                f'{label_svg(self.svg, self.alt_with_source())}</figure>')

    def alt_with_source(self) -> str:
        """The alt text, then the source (unless the alt text already gives it)."""
        alt = self.alt.rstrip()
        if not self.source or self.source in alt:
            return alt
        return f"{alt}{'' if alt.endswith(('.', '!', '?')) else '.'} {self.source}"

    # A chart left as the last expression of a notebook cell shows itself, not its repr.
    def _repr_html_(self) -> str:
        return self.to_html()


# --- colours --------------------------------------------------------------------------------
#: Colours in a chart that carry no data: the white background and the light greys of seaborn's
#: "whitegrid" gridlines and plot frame. Every other fill or stroke must reach 3:1 on white.
DECORATION = frozenset({"#FFFFFF", "#CCCCCC", "#EBEBEB"})
#: A fill this faint or fainter is shading between two lines that carry the data (an interval's
#: edges drawn in the series colour), so it is decoration as well.
SHADING_OPACITY = 0.2


def relative_luminance(colour: str) -> float:
    """WCAG 2.2 relative luminance of an ``#RRGGBB`` colour (0 black to 1 white)."""
    channels = [int(colour.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(colour: str, background: str = "#FFFFFF") -> float:
    """WCAG 2.2 contrast ratio of two ``#RRGGBB`` colours (1 to 21)."""
    lighter, darker = sorted((relative_luminance(colour), relative_luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def svg_colours(svg: str) -> set[str]:
    """Every fill and stroke colour an SVG draws with, as ``#RRGGBB`` (an ``opacity`` below 1 is
    blended with white, as it shows on the page), apart from shading (a fill no more opaque than
    :data:`SHADING_OPACITY`)."""
    found = set()
    for style in re.findall(r'style="([^"]*)"', svg):
        props = dict(p.split(":", 1) for p in (x.strip() for x in style.split(";")) if ":" in p)
        props = {k.strip(): v.strip() for k, v in props.items()}
        for kind in ("fill", "stroke"):
            value = props.get(kind, "")
            if not re.fullmatch(r"#[0-9a-fA-F]{6}", value):
                continue
            alpha = float(props.get(f"{kind}-opacity", props.get("opacity", "1")))
            if kind == "fill" and alpha <= SHADING_OPACITY:
                continue
            found.add(_on_white(value.upper(), alpha))
    return found


def _on_white(colour: str, alpha: float) -> str:
    if alpha >= 1:
        return colour
    channels = [round(alpha * int(colour[i:i + 2], 16) + (1 - alpha) * 255) for i in (1, 3, 5)]
    return "#" + "".join(f"{c:02X}" for c in channels)


# --- SVG ------------------------------------------------------------------------------------
_FONT_FAMILY_RE = re.compile(r"font-family: [^;\"]*;? ?")
_GROUP_ID_RE = re.compile(r'<g id="[^"]*"')
_DEF_ID_RE = re.compile(r'\bid="([^"]+)"')


def svg_markup(raw: str) -> str:
    """matplotlib's SVG made fit to sit inline in a page.

    The XML prolog, DOCTYPE and metadata go; the ``<g>`` ids matplotlib numbers from 1 in every
    figure go (they would repeat on a page of several charts) and the ids of its shared
    definitions (markers, clip paths, hatches) get a prefix from the chart's own content, so two
    charts on one page never share one; the font is stated once on the ``<svg>``, not on every
    text; and the fixed size becomes ``width="100%"`` up to the figure's own width, keeping the
    ``viewBox`` so the chart scales down with its text on a narrow screen.
    """
    svg = raw[raw.index("<svg"):]
    svg = re.sub(r"\s*<metadata>.*?</metadata>", "", svg, flags=re.DOTALL)
    svg = _GROUP_ID_RE.sub("<g", svg)
    prefix = "c" + hashlib.sha1(svg.encode("utf-8")).hexdigest()[:8] + "-"
    for old in set(_DEF_ID_RE.findall(svg)):
        svg = (svg.replace(f'id="{old}"', f'id="{prefix}{old}"').replace(f'href="#{old}"', f'href="#{prefix}{old}"')
               .replace(f"url(#{old})", f"url(#{prefix}{old})"))
    svg = _FONT_FAMILY_RE.sub("", svg).replace('<style type="text/css">*{', '<style type="text/css">svg.sg-chart *{')
    head = re.match(r'<svg [^>]*>', svg).group(0)
    width_pt = float(re.search(r'width="([0-9.]+)pt"', head).group(1))
    view_box = re.search(r'viewBox="[^"]*"', head).group(0)
    new_head = (f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
                f'{view_box} width="100%" class="sg-chart" '
                f'style="max-width:{width_pt * 4 / 3:.0f}px;height:auto;display:block;font-family:{SVG_FONTS}">')
    return new_head + svg[len(head):].rstrip()


#: The chart font, then fallbacks no wider than it (the words were wrapped to its widths).
SVG_FONTS = "'DejaVu Sans', Verdana, Arial, 'Liberation Sans', sans-serif"


def label_svg(svg: str, label: str) -> str:
    """The SVG as one image for a screen reader: ``role="img"``, named by ``label`` (an
    ``aria-label`` and a ``<title>``, which also shows on hover)."""
    escaped = html.escape(label)
    head_end = svg.index(">") + 1
    return (svg[:head_end - 1] + f' role="img" aria-label="{escaped}">' + f"<title>{escaped}</title>"
            + svg[head_end:])


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
    """Title (the finding), subtitle (the statistic), axis labels, source note; SVG and close.

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
    # tight_layout leaves a placeholder layout engine on the figure, and savefig lays out a figure
    # that has an engine once more (a full draw without output) before drawing it: the layout
    # is done, so the figure is drawn once (a third of each chart's cost; same SVG).
    fig.set_layout_engine(None)
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    return Chart(title=title.replace("\n", " "), subtitle=subtitle.replace("\n", " "), alt=alt,
                 source=source.replace("\n", " "), svg=svg_markup(buf.getvalue()))
