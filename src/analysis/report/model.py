"""What a theme returns, so that notebooks, tests and the index page share one result.

A theme module exposes ``build(area_code, period, data_dir=None, disclosure="public") ->
ThemeResult``. The result holds the "In brief" sentences, the key findings (sentences computed from the data), caveats,
machine-readable key figures, and named sections of tables and charts. The notebook only
displays it (:mod:`analysis.report.display`); the tests assert on it; the runner reads its summary.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..periods import Period

if TYPE_CHECKING:  # matplotlib and seaborn are not needed to read a result (the runner's export)
    from .charts import Chart

#: Marks the end of the "In brief" box in a page: the exported appendix puts its page details
#: and contents here, below the answer (:func:`analysis.pipeline.export.export_appendix`).
IN_BRIEF_END = "<!--sg:in-brief-end-->"

#: public (the default: small counts suppressed) or internal (every figure shown).
DISCLOSURE_MODES = ("public", "internal")


@dataclass
class Table:
    """A table to show: numbers stay numbers here; display formats and suppresses them.

    ``count_columns``: columns holding counts (of children, referrals, deaths, delegates, or of
    events such as courses, training events, panel meetings and actions).
    ``people_columns``: which of the count columns count people (children, or records of
    children such as referrals; delegates; deaths; residents): only these are suppressed 1–5 in
    public mode, since a count of events identifies no one. Every theme sets it on every table
    with counts; ``None`` (not set) suppresses every count column, the safe side.
    ``derived``: column -> the count column it is derived from (a percentage or rate), so it is
    suppressed whenever that count is. ``formats``: column -> "count" | "percent" | "rate" |
    "gbp" | "text" | "hours" (DfE publication formats). ``total_row``: label of a total row in
    the first column, if any, used by secondary suppression.
    """

    title: str
    frame: pd.DataFrame
    source: str
    count_columns: list[str] = field(default_factory=list)
    people_columns: list[str] | None = None
    derived: dict[str, str] = field(default_factory=dict)
    formats: dict[str, str] = field(default_factory=dict)
    total_row: str | None = None
    notes: list[str] = field(default_factory=list)
    #: assume row/column sums are published elsewhere (safe default); False for a list or a
    #: time series whose rows are not parts of a whole, to avoid needless secondary suppression
    implicit_totals: bool = True

    def __post_init__(self) -> None:
        strays = [column for column in self.people_columns or [] if column not in self.count_columns]
        if strays:
            raise ValueError(f"Table {self.title!r}: people_columns {strays} are not count columns {self.count_columns}")

    @property
    def suppressed_columns(self) -> list[str]:
        """The count columns public mode suppresses: those counting people (all, if not declared)."""
        if self.people_columns is None:
            return list(self.count_columns)
        return [column for column in self.count_columns if column in self.people_columns]


@dataclass
class Section:
    """One heading of the appendix: sentences, then charts (each with its table), then tables."""

    key: str
    heading: str
    paragraphs: list[str] = field(default_factory=list)
    charts: list[tuple[Chart, Table]] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    #: set when the data this section needs is absent for the area/period; shown instead.
    unavailable: str | None = None


@dataclass
class ThemeResult:
    theme: str
    title: str
    area_code: str
    area_name: str
    period: Period
    disclosure: str
    #: three to five plain sentences answering the page's question for the period, with their
    #: verdicts: the "In brief" box under the title (and the index page's box for the theme)
    in_brief: list[str] = field(default_factory=list)
    key_findings: list[str] = field(default_factory=list)
    caveats: list[str] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    key_figures: dict[str, Any] = field(default_factory=dict)
    #: keys of :data:`analysis.report.glossary.METHODS`: the methods and sources behind the page's
    #: figures, named only in its note "How the figures were worked out"
    methods: list[str] = field(default_factory=list)
    #: one plain sentence on the period: the latest the data support for the area, or that a
    #: later one is in the data (:meth:`analysis.themes.context.Context.period_note`)
    period_note: str = ""

    @property
    def status(self) -> str:
        """``ok``; ``partial`` when some sections lack their data; ``no_local_data`` when all do."""
        missing = [s for s in self.sections if s.unavailable]
        if self.sections and len(missing) == len(self.sections):
            return "no_local_data"
        return "partial" if missing else "ok"

    def section(self, key: str) -> Section:
        for s in self.sections:
            if s.key == key:
                return s
        raise KeyError(f"theme {self.theme} has no section {key!r}; sections: {[s.key for s in self.sections]}")


def check_disclosure(disclosure: str) -> str:
    if disclosure not in DISCLOSURE_MODES:
        raise ValueError(f"disclosure must be one of {DISCLOSURE_MODES}, got {disclosure!r}")
    return disclosure
