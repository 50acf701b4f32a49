"""House style for charts (GOV.UK Analysis Function chart guidance).

Every chart: a title that states the finding, a subtitle with the statistic, labelled axes with
units, a source note, a colour-blind-safe palette (Okabe–Ito), no meaning carried by colour
alone (markers, line styles and direct labels as well), and alt text; the data table is shown
beside it by :mod:`analysis.display`.

Usage::

    fig, ax = new_chart()
    ax.plot(...)
    chart = finish(fig, ax, title=..., subtitle=..., xlabel=..., ylabel=..., source=..., alt=...)
"""

from __future__ import annotations

import base64
import html
import io
from dataclasses import dataclass, field

import matplotlib

matplotlib.use("Agg")  # headless: notebooks embed PNGs; no display needed
import matplotlib.pyplot as plt  # noqa: E402
import seaborn as sns  # noqa: E402

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
        """An accessible ``<figure>``: the image with alt text, and a caption with the source."""
        b64 = base64.b64encode(self.png).decode("ascii")
        return (
            f'<figure class="chart" role="group" aria-label="{html.escape(self.title)}">'
            f'<img src="data:image/png;base64,{b64}" alt="{html.escape(self.alt)}" style="max-width:100%;height:auto">'
            f"<figcaption>{html.escape(self.source)}</figcaption></figure>"
        )


def new_chart(width: float = 8.0, height: float = 4.5):
    """A new figure and axes in the house style."""
    style()
    fig, ax = plt.subplots(figsize=(width, height))
    return fig, ax


def finish(fig, ax, *, title: str, subtitle: str, xlabel: str, ylabel: str, source: str, alt: str,
           legend: bool = True) -> Chart:
    """Title (the finding), subtitle (the statistic), axis labels, source note; PNG and close."""
    if not alt or not title:
        raise ValueError("every chart needs a title that states the finding and alt text")
    fig.suptitle(title, x=0.01, ha="left", fontsize=13, fontweight="bold")
    ax.set_title(subtitle, loc="left", fontsize=10.5, fontweight="normal", color="#333333")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    handles, labels = ax.get_legend_handles_labels()
    if legend and labels:
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.text(0.01, 0.005, source, fontsize=8, color="#444444", ha="left", va="bottom")
    fig.tight_layout(rect=(0, 0.04, 1, 0.95))
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return Chart(title=title, subtitle=subtitle, alt=alt, source=source, png=buf.getvalue())
