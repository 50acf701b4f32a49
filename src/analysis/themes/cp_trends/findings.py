"""What leads the appendix: the key findings (chosen by an explicit ranking), the key figures and the caveats.

Each section builder returns a :class:`BuiltSection`: the section, its candidate key findings
(most important first) and the key figures it computed. :func:`rank_key_findings` picks the
appendix's key findings from the candidates by :data:`KEY_FINDINGS_PER_SECTION`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ...formatting import fmt_percent, fmt_rate, round_half_up
from ...report.model import Section
from ...periods import long_date
from ...report.words import CountWords, join_words, possessive
from ..context import limit_caveats
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


def caveats(run: ThemeRun, section_caveats: list[str]) -> list[str]:
    """What a reader must know, at most five, the most important first: the sections' own
    (a figure older than the period), then the sources, then the pointer to the data-quality
    annex of the index page (:func:`analysis.themes.context.limit_caveats`)."""
    out: list[str] = list(section_caveats)
    period = run.ctx.period
    if run.has_local:
        out.append("The board's quarterly figures are its own and have not been checked by DfE; only DfE's figures "
                   "at 31 March are validated. Figures the board marked as not yet validated are flagged in the "
                   "tables.")
    else:
        out.append(f"There is no board dataset for {run.name} in the data, so this page can answer only from DfE's "
                   f"validated figures at 31 March: the parts built on a board's own figures say so.")
    if run.has_local and not run.local_obs.empty:
        last_local = pd.Timestamp(run.local_obs["period_end"].max())
        if last_local < run.end:
            out.append(f"The board's data in this folder ends at {long_date(last_local)}, before the end of "
                       f"{period.label} ({long_date(run.end)}): the board's sections show the latest figures they have "
                       f"and say so.")
    if run.has_local:
        out.append("The board prints its district rates and its performance indicators without the numbers of "
                   "children behind them, so they have no confidence intervals; the indicators count from 1 April "
                   "(year to date), so early quarters rest on fewer children and swing more.")
    if run.neighbour_group:
        out.append("The statistical neighbours are DfE's current groupings (April 2021), which may differ from the "
                   "neighbours the board used at the time.")
    out.append("DfE publishes England's and the regions' counts rounded to the nearest 10, so their rates are "
               "approximate.")
    quality = run.ctx.findings_for(LOCAL_TABLES) if run.has_local else None
    return limit_caveats(out, quality)


def in_brief(run: ThemeRun, key_figures: dict[str, Any]) -> list[str]:
    """Three to five plain sentences answering the page's question for the period: how many
    children are on plans and at what rate (DfE's validated figure where there is one, the
    headline: see :func:`headline`), whether the change is real, and how the area compares."""
    counts = CountWords(run.disclosure)
    out: list[str] = []
    when, count, rate, source = headline(run, key_figures)
    if rate is not None:
        out.append(f"At {when}, {'a small number (withheld) of' if count == 'c' else counts.text(count, missing='an unknown number of')} children in {run.name} were on "
                   f"child protection plans: {fmt_rate(rate)} in every 10,000 children{source}.")
    change = as_float(key_figures.get("cp_plans_change_percent"))
    if change is not None and run.has_local:
        direction = "rose" if change > 0 else ("fell" if change < 0 else "did not change")
        verdict = ("a change too large to be chance" if key_figures.get("cp_change_significant_95")
                   else "a change that may be chance")
        out.append(f"The board's own count {direction} by {fmt_percent(abs(change))} from "
                   f"{long_date(run.start)} to {long_date(run.end)}: {verdict}.")
    comparisons = _comparisons(run, key_figures)
    if comparisons:
        out.append(comparisons)
    funnel = key_figures.get("funnel_position")
    if funnel:
        inside = str(funnel).startswith("inside")
        out.append("Among all English local authorities, the rate is " + (
            "within the range expected by chance around England's." if inside
            else "outside the range expected by chance around England's."))
    if not run.has_local:
        out.append(f"There is no board dataset for {run.name}, so this page cannot say how the figures moved "
                   f"within the year, by district or by category of abuse, or what the performance indicators show.")
    return out[:5]


def headline(run: ThemeRun, key_figures: dict[str, Any]) -> tuple[str, Any, float | None, str]:
    """The one figure the page leads with for children on plans: (date, count, rate, source words).

    DfE's validated count and rate at its latest 31 March up to the period end where there is one
    (DfE checks its figures; the board's own are collected during the year and can change), else
    the board's count and its rate from the ONS population at the period end.
    """
    dfe_rate = as_float(key_figures.get("cp_rate_dfe_latest_year_end"))
    year_end = key_figures.get("benchmark_year_end")
    if dfe_rate is not None and year_end and (not run.has_local or pd.Timestamp(year_end) == run.end
                                              or key_figures.get("cp_rate_per_10k_end") is None):
        return (long_date(pd.Timestamp(year_end)), key_figures.get("cp_plans_dfe_latest_count"), dfe_rate,
                " (DfE's validated figures)")
    return (long_date(run.end), key_figures.get("cp_plans_end"), as_float(key_figures.get("cp_rate_per_10k_end")),
            " (the board's own count)")


_VERDICT_WORDS = {"higher": "higher than", "lower": "lower than", "similar": "similar to",
                  "not significantly different": "similar to"}


def _comparisons(run: ThemeRun, key_figures: dict[str, Any]) -> str:
    """'The rate was similar to England's (45.9) and higher than its statistical neighbours' (34.6).'"""
    parts = []
    for key, verdict_key, whose in (
            ("england_cp_rate_per_10k", "vs_england_95", "England's"),
            ("region_cp_rate_per_10k", "vs_region_95", possessive(run.region_name) if run.region_name else ""),
            ("sn_average_cp_rate_per_10k", "vs_neighbours_95", "its statistical neighbours' average")):
        value, verdict = as_float(key_figures.get(key)), key_figures.get(f"cp_rate_{verdict_key}")
        if value is None or not whose or verdict not in _VERDICT_WORDS:
            continue
        parts.append(f"{_VERDICT_WORDS[verdict]} {whose} ({fmt_rate(value)})")
    if not parts:
        return ""
    return f"That rate was {join_words(parts)}, allowing for chance."
