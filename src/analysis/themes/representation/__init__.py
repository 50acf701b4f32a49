"""BME, language and disability representation among referrals and children on plans.

The question: are Black and minority ethnic (BME), non-English-speaking and disabled children
under- or over-represented among referrals to children's social care and children on child
protection plans, and how far does incomplete recording limit what can be said?

Board tables 2.3 (shares of *referrals* by ethnicity, preferred language and disability, by
financial year and, for 2017/18, cumulatively from 1 April to each quarter end, with the School
Census January 2017 benchmark and the 6% national prevalence of disability) and 4.2 (shares of
*children on child protection plans* at each year and quarter end), plus ONS Census 2021
ethnicity of the area for context.

The board prints percentages only. Every count here is **reconstructed** as the printed share
(rounded to one decimal place) × the printed total: children on plans from table 4.2's own
total (table 3.1 where 4.2 has none), referrals from table 2.1 (cumulative from April for the
2017/18 quarters). Each group's share gets a Wilson interval at 95% and 99.8% and a verdict
against its benchmark (:func:`analysis.stats.share_vs_population`), a relative rate index with
its exact interval where the benchmark gives a population base
(:func:`analysis.stats.relative_rate_index`), and the bounds that "not recorded" records put
on the verdict (:func:`analysis.stats.not_recorded_bounds`: the group's share if none, and if
all, of the unrecorded were in the group). A verdict that differs between the two bounds is
reported as **inconclusive**. Disability has no "not recorded" row and cannot be bounded.

Units: shares, intervals and benchmarks in **percent** (0–100); counts of children (plans) or
of referrals (a child referred twice counts twice); rates per **10,000** children aged 0–17.
Periods: plans are snapshots at a date; referrals cover a financial year or 1 April to a
quarter end. Nothing dated after the end of the run's period is read, except the Census 2021
context (21 March 2021), which enters no verdict.

Public mode: counts 1–5 and every cell that would reveal one are suppressed by
:func:`analysis.report.display.prepare_table`; each chart and sentence reads the mask of the
table it shows or summarises (:class:`.withheld.Withheld`), and a count of 1 to 5 is withheld
everywhere.

Modules: :mod:`.groups` (groups, populations, fixed names), :mod:`.wording` (dates and
periods in words), :mod:`.withheld` (what a public run withholds), :mod:`.frames` (data
frames), :mod:`.tables` (report tables), :mod:`.charts` (chart drawing), :mod:`.sections`
(the sections) and :mod:`.findings` (key figures, key findings, caveats). Layer: the package
may import :mod:`analysis.themes.context`, :mod:`analysis.report`, :mod:`analysis.stats`,
:mod:`analysis.ingest`, :mod:`analysis.periods` and :mod:`analysis.formatting`; never another
theme or the pipeline.
"""

from __future__ import annotations

from pathlib import Path

from ...report.model import ThemeResult
from ..context import context
from .brief import in_brief
from .findings import caveats, key_figures, key_findings, theme_findings, unreachable_note
from .frames import (
    census_frame,
    census_summary,
    latest_items,
    latest_rows,
    local_frame,
    not_recorded_frame,
    shares_frame,
)
from .groups import (
    COUNT,
    QUOTES_FROM,
    board_sources,
    GROUP_BY_KEY,
    GROUPS,
    INCONCLUSIVE,
    NO_BOUNDS,
    NR_COUNT,
    POPULATION_BY_KEY,
    POPULATIONS,
    SECTION_KEYS,
    TABLES,
    THEME,
    TITLE,
    Group,
    Population,
)
from .sections import section_benchmarks, section_census, section_mix, section_not_recorded, section_trends
from .tables import (
    ThemeTables,
    benchmark_keys,
    benchmark_table,
    bounds_table,
    change_table,
    mix_results,
    mix_tables,
    not_recorded_table,
    rri_table,
    trend_table,
    yearly_changes,
)
from .withheld import Withheld

__all__ = [
    "build", "THEME", "TITLE", "SECTION_KEYS", "TABLES", "COUNT", "NR_COUNT", "INCONCLUSIVE", "NO_BOUNDS",
    "GROUPS", "POPULATIONS", "GROUP_BY_KEY", "POPULATION_BY_KEY", "Group", "Population", "Withheld",
    "local_frame", "shares_frame", "not_recorded_frame", "census_frame", "census_summary", "latest_rows",
    "theme_findings",
]


def build(area_code: str = "E10000031", period: str | None = "2017-18 Q4", data_dir: str | Path | None = None,
          disclosure: str = "public", area_name: str | None = None) -> ThemeResult:
    """Representation of BME, non-English-speaking and disabled children, for one area and period.

    Parameters
    ----------
    area_code : ONS code of the local authority (``E10000031`` Warwickshire).
    period : financial quarter ``"2017-18 Q4"`` (or year ``"2017-18"``); the board's figures
        after its end are never read (None: the latest period in the data).
    data_dir : a ``data/raw`` folder (None: the package's).
    disclosure : ``"public"`` (counts 1–5, and cells that would reveal them, withheld from
        tables, charts and sentences) or ``"internal"``.
    area_name : display name (default: the name in the DfE files).
    """
    ctx = context(area_code, period, data_dir, disclosure, area_name)
    local = local_frame(ctx)
    shares = shares_frame(ctx, local)
    not_recorded = not_recorded_frame(ctx, local)
    census = census_frame(ctx)
    latest = latest_rows(shares)
    items = latest_items(latest)
    withheld = Withheld(ctx.disclosure)

    # tables first: each chart and sentence withholds what its table suppresses
    sources = board_sources(ctx)
    benchmark = benchmark_table(items, sources)
    rri, rri_keys = rri_table(items, sources)
    trends = {group.key: trend_table(shares, group, sources) for group in GROUPS}
    not_recorded_counts, not_recorded_keys = not_recorded_table(not_recorded, sources)
    mix = mix_results(latest)
    mix_table, fit_table, mix_keys = mix_tables(mix, sources)
    withheld.register("benchmark", benchmark, COUNT, benchmark_keys(items))
    withheld.register("rri", rri, COUNT, rri_keys)
    for group in GROUPS:
        trend, trend_keys = trends[group.key]
        withheld.register("trend", trend, COUNT, trend_keys)
    withheld.register("not_recorded", not_recorded_counts, NR_COUNT, not_recorded_keys)
    withheld.register("mix", mix_table, "Children", mix_keys)
    changes = yearly_changes(shares, withheld)
    tables = ThemeTables(benchmark=benchmark, rri=rri, trend={key: table for key, (table, _) in trends.items()},
                         not_recorded=not_recorded_counts, mix=mix_table, fit=fit_table, mix_keys=mix_keys,
                         bounds=bounds_table(items, withheld, sources), change=change_table(changes, sources),
                         sources=sources)

    result = ThemeResult(theme=THEME, title=TITLE, area_code=ctx.area_code, area_name=ctx.area_name,
                         period=ctx.period, disclosure=ctx.disclosure, period_note=ctx.period_note,
                         methods=["proportion_interval", "rri", "difference_interval", "chi_squared"])
    result.sections = [
        section_benchmarks(ctx, items, withheld, tables),
        section_trends(ctx, shares, withheld, tables, changes),
        section_not_recorded(ctx, shares, not_recorded, items, withheld, tables),
        section_mix(ctx, latest, mix, withheld, tables),
        section_census(ctx, census),
    ]
    result.key_figures = key_figures(latest, census, withheld)
    result.key_findings = key_findings(ctx, latest, census, withheld, changes,
                                       board_quotes=QUOTES_FROM in tables.sources.table_2_3)
    result.caveats = caveats(ctx, shares, latest, census, theme_findings(ctx), withheld)
    result.in_brief = in_brief(ctx, latest, census, withheld)
    unreachable = unreachable_note(shares, withheld) if latest else None
    if unreachable:
        result.section("trends").paragraphs.append(unreachable)
    return result
