"""Child protection: trends and benchmarks (theme ``cp_trends``).

What the appendix answers, for the board: how many children are on child protection (CP)
plans and how fast that is changing; whether the area's rate per 10,000 children differs from
England, its region and its DfE statistical neighbours; where it sits among every English
local authority (LA); how districts, categories of abuse, ages and genders move; whether the
performance indicators (long, short and repeat plans) show more than routine variation; and
the children-in-need and looked-after context.

Sources and how they are combined
---------------------------------
* Board (the area's own quarterly dataset; Warwickshire: WSCB Annual Report 2017/18,
  Appendix A): table 3.1 (children on plans, looked-after children, children in need at each
  year end and quarter end), 4.1 (plans per 10,000 by district), 4.2 (plans by category, age and
  gender; its total row is the only source for 31 March 2013), 4.3 (performance indicators).
  Table 3.1 is the primary series of children on plans; where 4.2 prints a different total for
  the same date (443 against 439 at 31 March 2017) the difference is a caveat (quality finding
  DQ04), never silently resolved.
* DfE/ONS (validated): children on plans at 31 March (table D5), plan starts and repeat plans
  (D3), children in need (B1), LAIT indicators, and the ONS mid-year population aged 0–17.

Period semantics
----------------
``period`` is a financial quarter (``"2017-18 Q2"``) or year (``"2017-18"`` = its Q4). Only
observations ending on or before the period's last day are used. The **start** of the
headline change is the 31 March that opened the financial year (31 March 2017 for any period
of 2017-18); the **end** is the period's last day (30 September 2017 for 2017-18 Q2, 31 March
2018 for Q4). Counts of children on plans are *snapshots* on those dates.

Rates are per 10,000 children aged 0–17 with the ONS mid-year estimate DfE uses for the date
(:func:`analysis.ingest.dfe.population_for`: the estimate at 30 June of the year in which the
financial year starts), with PHE's interval for a count (exact Poisson below 10, Byar's at 10
and above). The statistical-neighbour average is the simple mean of the neighbours' rates, as
DfE's LAIT computes it (the pooled rate, Σ children / Σ population, is shown too), over the
neighbours with a count and a population that year: each neighbour's LA number is resolved to
the code it had that year (:mod:`analysis.ingest.neighbours`), and those without a figure are
named in the sentence and the table notes.

Disclosure
----------
In ``public`` mode a count of children from 1 to 5 is never shown: tables show ``c`` (with
secondary suppression so that none can be worked out from a total), charts hide the point or
label it ``c``, sentences say "fewer than 6", and count key figures are ``"c"``; shares, rates
and chart points derived from a hidden count are hidden too. ``internal`` mode states every count.

The package
-----------
``spec`` (sections, tables read, indicators, breakdowns) · ``run`` (:class:`ThemeRun`: what one
build selects once) · ``wording`` (dates and the theme's own phrases) · ``frames`` and
``board_frames`` (the computed tables) · ``long_plans`` (DfE's long-plans share against England
and the region, its count of plans ended worked out from DfE's rate per 10,000) · ``findings`` (key findings, key figures, caveats) ·
``charts`` (drawing) · ``tables`` (the tables shown) · ``sections`` and ``board_sections``
(sentences, and which chart and table go where) · this module (:func:`build`).

Imports: :mod:`analysis.themes.context`, :mod:`analysis.ingest`, :mod:`analysis.stats`,
:mod:`analysis.report`, :mod:`analysis.periods` and :mod:`analysis.formatting`; never another theme
or the pipeline. Inside the package, modules import only those listed before them above.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from ...report.model import ThemeResult
from ...report.words import CountWords
from ..context import context as load_context
from .board_frames import district_rates, indicator_series, mix_counts, suppressed_masks
from .board_sections import districts_section, indicators_section, mix_section
from .findings import caveats, in_brief, rank_key_findings
from .frames import FunnelData, benchmark_rates, board_plans, board_vs_dfe, funnel_data, plan_changes
from .run import ThemeRun
from .sections import benchmarks_section, context_section, funnel_section, plans_section
from .spec import BREAKDOWNS, INDICATORS, LOCAL_TABLES, METHODS, SECTIONS, THEME, TITLE

__all__ = [
    "build", "THEME", "TITLE", "SECTIONS", "LOCAL_TABLES", "INDICATORS", "BREAKDOWNS", "KEY_FIGURES",
    "COUNT_KEY_FIGURES", "ThemeRun", "board_plans", "plan_changes", "benchmark_rates", "board_vs_dfe",
    "FunnelData", "funnel_data", "district_rates", "mix_counts", "suppressed_masks", "indicator_series",
]

#: Key figures every result holds (None when the data does not give them), in this order.
KEY_FIGURES = ("cp_plans_start", "cp_plans_end", "cp_plans_change_percent", "cp_rate_per_10k_end", "cp_rate_ci_lower",
               "cp_rate_ci_upper", "cp_plans_dfe_validated_end", "cp_plans_board_minus_dfe", "long_plans_percent")
#: Key figures that are counts of children (suppressed as "c" in public mode when 1 to 5).
#: ``cp_plans_board_minus_dfe`` is not one: it is the difference of two published totals.
COUNT_KEY_FIGURES = ("cp_plans_start", "cp_plans_end", "cp_plans_dfe_validated_end")


def build(area_code: str = "E10000031", period: str | None = "2017-18 Q4", data_dir: str | Path | None = None,
          disclosure: str = "public", area_name: str | None = None) -> ThemeResult:
    """Build the child protection trends appendix for one area and period.

    Parameters
    ----------
    area_code : GSS code of the local authority (``E10000031`` Warwickshire).
    period : financial quarter (``"2017-18 Q2"``) or year (``"2017-18"``, treated as its Q4);
        ``None``/``""`` = the latest quarter in the data. Only figures ending on or before its last
        day are used.
    data_dir : a ``data/raw`` folder (default: the package's).
    disclosure : ``"public"`` (counts 1–5 suppressed in tables, charts and sentences) or ``"internal"``.
    area_name : display name (default: the name in the DfE files).

    Key figures (``result.key_figures``)
    ------------------------------------
    ``cp_plans_start`` / ``cp_plans_end``: children on plans (count, snapshot) at the **start**
    = the 31 March that opened the period's financial year (31 March 2017 for every period of
    2017-18) and at the **end** = the period's last day (31 March 2018 for Q4; 30 September
    2017 for Q2), from the board's table 3.1 (4.2 only for dates 3.1 lacks).
    ``cp_plans_change_percent``: percent change of the count, one decimal place.
    ``cp_rate_per_10k_end`` with ``cp_rate_ci_lower``/``cp_rate_ci_upper``: the end count per
    10,000 children aged 0–17 (ONS mid-year estimate DfE uses) and its 95% interval, one
    decimal place. ``cp_plans_dfe_validated_end``: DfE's validated count at the end date (None
    unless the end is a 31 March DfE has published); ``cp_plans_board_minus_dfe``: board minus
    DfE at that date. ``long_plans_percent``: table 4.3's long-plans percentage for the
    period (year to date at the period end). Missing figures are ``None``, never 0.
    The sections add further figures (benchmarks, funnel position, significance of the change).
    """
    ctx = load_context(area_code, period, data_dir, disclosure, area_name)
    run = ThemeRun.for_context(ctx)
    board = board_plans(run) if run.has_local else pd.DataFrame()  # the board's children on plans
    built = [
        plans_section(run, board),
        benchmarks_section(run, board),
        funnel_section(run),
        districts_section(run),
        mix_section(run),
        indicators_section(run),
        context_section(run, board),
    ]
    key_figures: dict[str, Any] = {name: None for name in KEY_FIGURES}
    key_figures.update({"period_start_date": run.start.date().isoformat(),
                        "period_end_date": run.end.date().isoformat()})
    for section in built:
        key_figures.update(section.key_figures)
    counts = CountWords(ctx.disclosure)
    for name in COUNT_KEY_FIGURES:  # a count of children from 1 to 5 is published as "c" (summary contract)
        key_figures[name] = counts.key_figure(key_figures[name])
    return ThemeResult(
        theme=THEME, title=TITLE, area_code=ctx.area_code, area_name=ctx.area_name, period=ctx.period,
        disclosure=ctx.disclosure, in_brief=in_brief(run, key_figures), key_findings=rank_key_findings(built),
        caveats=caveats(run, [caveat for section in built for caveat in section.caveats]),
        sections=[section.section for section in built], key_figures=key_figures, period_note=ctx.period_note,
        methods=[key for key in METHODS if key != "spc" or run.has_local],
    )
