"""CDOP theme: the Child Death Overview Panel's reviews, by authority and by category.

What it answers: how many children's deaths the sub-regional panel reviewed, for which home
authorities and in how many panels, with how many actions raised; how the board's own children's
deaths fall across the standard CDOP categories (and how sure we can be, given how few deaths each
category holds); and how DfE's count of reviews with modifiable factors compares with the region
and England over the years.

Sources
-------
* The board's report, section 5 (``s5_cdop.csv``, source table ``"s5 CDOP"``), one row per
  figure per **financial year** (1 April – 31 March, ``period_type`` ``financial_year``):
  ``cdop_panels_held`` (panels of the sub-regional panel), ``cdop_deaths_reviewed`` by the
  child's home authority (``child_residence_la``) and, for the board's own authority, by the
  standard CDOP category (``cdop_category``), and ``cdop_actions_raised``. All counts.
* DfE LAIT ``cdop_reviews_modifiable_factors`` (LAIT ``PreChildDea``): child death reviews
  completed in the financial year on behalf of the LSCB that found modifiable factors; a count
  per financial year for every LA, region and England (LAIT's ``-`` is kept as missing, ``x``).

Period semantics: a run for a quarter sees only figures whose period ends on or before the end
of that quarter. The board's CDOP figures cover a whole financial year, so a run for 2017-18
Q1–Q3 sees none of 2017/18's; the LAIT year 2017/18 likewise ends on 31 March 2018.

Units: counts of deaths, panels, actions and reviews; shares in **percent** of the board's
authority's deaths reviewed in the year, with 95% confidence intervals; rates of reviews with
modifiable factors **per 100,000 children aged 0–17** (the ONS mid-year estimate DfE uses for
the year, :func:`analysis.ingest.dfe.population_for`), with exact (fewer than 10) or Byar's intervals.

Everything is built by year, so several years of ``s5_cdop.csv``-style rows give tables with
one column (or row) per year; the charts of shares show the latest year within the period.

Disclosure: in public mode the cells a table shows as ``c`` are exactly those
:func:`analysis.report.display.prepare_table` suppresses (primary 1–5 and secondary, by
:mod:`analysis.stats.disclosure`); charts and sentences read the same mask
(:func:`hidden_cells`), so no label or sentence reveals a suppressed cell. Counts are worded
by :class:`analysis.report.words.CountWords`.

Modules, each importing only those above it: :mod:`.frames` (selection, computed tables, column
names), :mod:`.charts` (chart drawing), :mod:`.findings` (key-finding ranking and caveats),
:mod:`.sections` (sentences, tables and charts of each section) and this ``__init__``
(:func:`build`). Layer: the package may import :mod:`analysis.themes.context`,
:mod:`analysis.report`, :mod:`analysis.stats`, :mod:`analysis.ingest`, :mod:`analysis.periods`
and :mod:`analysis.formatting`; never another theme or the pipeline.
"""

from __future__ import annotations

from ...periods import Period
from ...report.model import ThemeResult
from ...report.words import CountWords
from ..context import context
from .brief import in_brief
from .findings import BOARD_DATA_MISSING, board_missing_sentence, caveats, key_findings, theme_findings
from .frames import (
    BOARD_PART,
    board_cdop_source,
    BOARD_TABLE,
    COL_ACTIONS,
    COL_AUTHORITY,
    COL_CATEGORY,
    COL_DEATHS,
    COL_LOWER,
    COL_PANELS,
    COL_PER_PANEL,
    COL_REPORTED,
    COL_SHARE,
    COL_SUBREGION,
    COL_UPPER,
    COL_YEAR,
    LAIT_MEASURE,
    LAIT_SOURCE,
    LAIT_TABLE,
    LISTED,
    LISTED_NONE,
    NOT_IN_DATA,
    NOT_LISTED,
    PERINATAL,
    RATE_MULTIPLIER,
    STANDARD_CATEGORIES,
    SUDDEN_UNEXPECTED,
    TOTAL_LABEL,
    ModifiableFactorsTable,
    authority_by_year_table,
    authority_table,
    board_rows,
    category_by_year_table,
    category_table,
    hidden_cells,
    modifiable_factors_table,
    panel_activity_table,
    rounded_years,
)
from .sections import (
    SECTION_KEYS,
    categories_section,
    modifiable_factors_section,
    panel_activity_section,
)

THEME = "cdop"
TITLE = "Child death reviews: the Child Death Overview Panel"

#: The result's key figures, in the order they are listed (None until a section sets them).
KEY_FIGURES = (
    "deaths_reviewed_total", "warwickshire_deaths_reviewed", "perinatal_neonatal_deaths",
    "perinatal_neonatal_percent", "panels_held", "actions_raised", "categories_listed",
    "sudden_unexpected_death_reported", "cdop_year", "modifiable_factors_year", "modifiable_factors_reviews",
)

__all__ = [
    "THEME", "TITLE", "SECTION_KEYS", "KEY_FIGURES", "build",
    "BOARD_PART", "board_cdop_source", "BOARD_TABLE", "LAIT_MEASURE", "LAIT_SOURCE", "LAIT_TABLE", "RATE_MULTIPLIER",
    "STANDARD_CATEGORIES", "SUDDEN_UNEXPECTED", "PERINATAL", "TOTAL_LABEL",
    "COL_ACTIONS", "COL_AUTHORITY", "COL_CATEGORY", "COL_DEATHS", "COL_LOWER", "COL_PANELS", "COL_PER_PANEL",
    "COL_REPORTED", "COL_SHARE", "COL_SUBREGION", "COL_UPPER", "COL_YEAR",
    "LISTED", "LISTED_NONE", "NOT_IN_DATA", "NOT_LISTED",
    "ModifiableFactorsTable", "authority_by_year_table", "authority_table", "board_rows", "category_by_year_table",
    "category_table", "hidden_cells", "modifiable_factors_table", "panel_activity_table", "rounded_years",
    "theme_findings",
]


def build(area_code: str = "E10000031", period: str | Period | None = "2017-18 Q4", data_dir=None,
          disclosure: str = "public", area_name: str | None = None) -> ThemeResult:
    """The CDOP appendix for one area and period.

    ``period``: a quarter ("2017-18 Q4") or a year; only figures whose period ends by its end
    are used (the board's CDOP figures and LAIT's are whole financial years). ``disclosure``:
    "public" suppresses counts 1–5 (and cells that would reveal them) in tables, chart labels
    and sentences; "internal" shows them. Sections (keys): ``panel_activity``, ``categories``,
    ``modifiable_factors``.

    ``key_figures`` (latest financial year within the period; None = not available; "c" =
    withheld in public mode): ``deaths_reviewed_total`` (deaths the sub-regional panel
    reviewed, count), ``warwickshire_deaths_reviewed`` (the board's own authority's deaths by
    category total, count), ``perinatal_neonatal_deaths`` (count), ``perinatal_neonatal_percent``
    (percent of the authority's deaths, one decimal place), ``panels_held``, ``actions_raised``
    (counts), ``categories_listed`` (number of standard categories with a printed figure),
    ``sudden_unexpected_death_reported`` (bool), ``cdop_year`` (e.g. "2017/18"),
    ``modifiable_factors_year`` and ``modifiable_factors_reviews`` (DfE LAIT, count).
    """
    ctx = context(area_code, period, data_dir, disclosure, area_name)
    words = CountWords(ctx.disclosure)
    rows = board_rows(ctx)
    if not rows.empty and rows["la_name"].iloc[0]:
        la_name = str(rows["la_name"].iloc[0])
    else:
        la_name = ctx.area_name
    outcomes = [panel_activity_section(ctx, rows, words, la_name),
                categories_section(ctx, rows, words, la_name),
                modifiable_factors_section(ctx, words)]
    key_figures = dict.fromkeys(KEY_FIGURES)
    candidate_findings = {BOARD_DATA_MISSING: board_missing_sentence(ctx)} if rows.empty else {}
    for outcome in outcomes:
        key_figures.update(outcome.key_figures)
        candidate_findings.update(outcome.findings)
    return ThemeResult(theme=THEME, title=TITLE, area_code=area_code, area_name=ctx.area_name, period=ctx.period,
                       disclosure=ctx.disclosure, key_findings=key_findings(candidate_findings),
                       in_brief=in_brief(ctx, key_figures, words, has_board=not rows.empty),
                       caveats=caveats(ctx, rows, key_figures, words),
                       sections=[outcome.section for outcome in outcomes], key_figures=key_figures,
                       period_note=ctx.period_note,
                       methods=["proportion_interval", "count_interval", "rate_change_test", "lait"])
