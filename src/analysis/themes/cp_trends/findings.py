"""What leads the appendix: the key findings (chosen by an explicit ranking), the key figures and the caveats.

Each section builder returns a :class:`BuiltSection`: the section, its candidate key findings
(most important first) and the key figures it computed. :func:`rank_key_findings` picks the
appendix's key findings from the candidates by :data:`KEY_FINDINGS_PER_SECTION`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ...formatting import round_half_up
from ...report.model import Section
from ...periods import long_date
from ...report.words import number_in_words
from ..context import caveats_from_findings
from .run import ThemeRun
from .spec import LOCAL_TABLES
from .wording import as_float

#: Which sections' candidate findings lead the appendix, in this order, and how many of each
#: section's candidates (its first ones): the change in children on plans; the comparison with
#: England, the region and the neighbours (and, where they differ, the board against DfE's
#: validated count); the funnel; the long-plans indicator; the districts; the category of abuse.
KEY_FINDINGS_PER_SECTION: tuple[tuple[str, int], ...] = (
    ("plans", 1),
    ("benchmarks", 2),
    ("funnel", 1),
    ("indicators", 1),
    ("districts", 1),
    ("mix", 1),
)
#: At most this many key findings (the list above can give one more: the last then drops out).
MAX_KEY_FINDINGS = 6
#: At most this many data-quality findings are listed as caveats.
MAX_QUALITY_CAVEATS = 6


@dataclass
class BuiltSection:
    """A section with the candidate key findings and the key figures it computed."""

    section: Section
    #: sentences of the section that may lead the appendix, most important first
    findings: list[str] = field(default_factory=list)
    key_figures: dict[str, Any] = field(default_factory=dict)
    #: caveats the section found (e.g. a figure older than the period: a fallback)
    caveats: list[str] = field(default_factory=list)


def rank_key_findings(built: list[BuiltSection]) -> list[str]:
    """The appendix's key findings: each section's first candidates, in the order and numbers of
    :data:`KEY_FINDINGS_PER_SECTION`, at most :data:`MAX_KEY_FINDINGS` in all."""
    candidates = {each.section.key: each.findings for each in built}
    ranked: list[str] = []
    for key, how_many in KEY_FINDINGS_PER_SECTION:
        ranked += candidates.get(key, [])[:how_many]
    return ranked[:MAX_KEY_FINDINGS]


def one_decimal(value) -> float | None:
    """A key figure to one decimal place, rounded half-up (None stays None)."""
    number = as_float(value)
    return None if number is None else float(round_half_up(number, 1))


def whole_number(value) -> int | None:
    """A key figure as a whole number, rounded half-up (None stays None)."""
    number = as_float(value)
    return None if number is None else int(round_half_up(number))


def caveats(run: ThemeRun) -> list[str]:
    """What a reader must know about the sources, the period and the disclosure mode."""
    out: list[str] = []
    period = run.ctx.period
    if run.has_local:
        out.append("The board's quarterly figures are its own unvalidated returns; only DfE's figures at 31 March are "
                   "validated (CIN census). Year-end figures the report marks as 'yet to be validated' are flagged in the "
                   "tables.")
    else:
        out.append(f"There is no board dataset for {run.name} in the data: sections built on the board's tables say so, "
                   f"and the benchmark sections use DfE's validated figures only.")
    if run.has_local and not run.local_obs.empty:
        last_local = pd.Timestamp(run.local_obs["period_end"].max())
        if last_local < run.end:
            out.append(f"The board's data in this folder ends at {long_date(last_local)}, before the end of "
                       f"{period.label} ({long_date(run.end)}): the board's sections show the latest figures they have "
                       f"and say so.")
    if run.neighbour_group:
        out.append("Statistical neighbours are DfE's current model in the data (groupings of April 2021), which may "
                   "differ from the neighbours the board used at the time.")
    out.append("England and regional counts are published rounded to the nearest 10; their rates are computed from "
               "those counts and ONS populations.")
    if run.has_local:
        out.append("District rates (table 4.1) are printed without counts or populations, so they carry no intervals; "
                   "table 4.3's indicators are printed as percentages without counts, so they carry none either.")
        out.append("Table 4.3's quarterly values are recorded as year-to-date figures (from 1 April; the reasoning is in "
                   "the data's notes), so early quarters rest on fewer children and swing more.")
    if run.disclosure == "public":
        out.append("Public mode: counts from 1 to 5 (and any count that would reveal one) are shown as 'c', and shares "
                   "and points derived from them are hidden.")
    if run.has_local:
        out.extend(_quality_caveats(run))
    return out


def _quality_caveats(run: ThemeRun) -> list[str]:
    """Data-quality findings touching the board's tables, most important first; the shared
    helper's closing line is reworded with the number of further findings in words."""
    quality = run.ctx.findings_for(LOCAL_TABLES)
    listed = caveats_from_findings(quality, limit=MAX_QUALITY_CAVEATS)
    further = len(quality) - MAX_QUALITY_CAVEATS
    if further > 0:
        listed = listed[:MAX_QUALITY_CAVEATS] + [
            f"{number_in_words(further).capitalize()} further data-quality finding{'s' if further > 1 else ''} "
            f"touch this theme's tables; see the index page."]
    return listed
