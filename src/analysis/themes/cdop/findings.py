"""What the CDOP appendix leads with: its key findings, chosen by an explicit ranking, and its caveats.

Each section offers candidate findings under the names below; :func:`key_findings` keeps them in
the order of :data:`RANKING`, at most :data:`MAX_KEY_FINDINGS`; :func:`board_missing_sentence`
is the first of them when the board's figures are missing (and the text of the sections that need
them). :func:`caveats` writes what a reader must know before using the figures, including the
data-quality findings on the theme's sources (:func:`theme_findings`).
"""

from __future__ import annotations

import pandas as pd

from ...report.words import CountWords, fallback_caveat, join_words, number_in_words, possessive
from ...periods import fy_label, long_date
from ..context import Context, limit_caveats
from .frames import (
    BOARD_TABLE,
    LAIT_TABLE,
    STANDARD_CATEGORIES,
    SUDDEN_UNEXPECTED,
    authority_names,
    lait_indicator_status,
    rounded_years,
)

# Names of the candidate key findings, offered by the sections.
BOARD_DATA_MISSING = "board_data_missing"
PANEL_ACTIVITY = "panel_activity"
LARGEST_CATEGORY = "largest_category"
SMALL_NUMBERS = "small_numbers"
UNLISTED_CATEGORIES = "unlisted_categories"
MODIFIABLE_FACTORS_LATEST = "modifiable_factors_latest"
MODIFIABLE_FACTORS_COMPARISONS = "modifiable_factors_comparisons"

#: The order in which candidate findings are shown, first first: why the board's figures are
#: missing (when they are); what the panel did in the latest year; the board's largest category
#: of deaths; how few deaths the categories hold; which categories the report does not list;
#: DfE's latest count of reviews with modifiable factors; and how that compares with the region
#: and the year before.
RANKING: tuple[str, ...] = (
    BOARD_DATA_MISSING,
    PANEL_ACTIVITY,
    LARGEST_CATEGORY,
    SMALL_NUMBERS,
    UNLISTED_CATEGORIES,
    MODIFIABLE_FACTORS_LATEST,
    MODIFIABLE_FACTORS_COMPARISONS,
)
MAX_KEY_FINDINGS = 6


def key_findings(candidates: dict[str, str]) -> list[str]:
    """The key findings: the candidate sentences (by name) in the order of :data:`RANKING`."""
    unknown = set(candidates) - set(RANKING)
    if unknown:
        raise ValueError(f"key findings {sorted(unknown)} are not ranked; add them to RANKING")
    return [candidates[name] for name in RANKING if name in candidates][:MAX_KEY_FINDINGS]


def board_missing_sentence(ctx: Context) -> str:
    """Why the board's CDOP figures cannot be shown for this area and period."""
    if not ctx.has_local():
        return (f"No safeguarding board data is loaded for {ctx.area_name}: the panel's reviews by home authority and "
                "by category come from a board's own annual report, which has not been added to the data for this "
                "area.")
    all_rows = ctx.ds.select("cdop_deaths_reviewed", area_code=ctx.area_code, source_table=BOARD_TABLE)
    all_rows = all_rows[all_rows["source"] != "dfe"]
    if all_rows.empty:
        return f"The board's data for {ctx.area_name} has no Child Death Overview Panel figures (report section 5)."
    return (f"The board's Child Death Overview Panel figures cover whole financial years (1 April to 31 March), and "
            f"none ends by {long_date(ctx.period.end)}, the end of {ctx.period.label}: a year's figures first appear in "
            "the appendix for its final quarter (Q4).")


def theme_findings(ctx: Context) -> pd.DataFrame:
    """Data-quality findings that touch this theme: any on the board's CDOP section, and those
    on DfE LAIT that concern the CDOP indicator (not, e.g., LAIT's CP rate)."""
    found = ctx.findings_for([BOARD_TABLE, LAIT_TABLE])
    if found.empty:
        return found
    on_board = ctx.findings_for([BOARD_TABLE]).index
    return found[found.index.isin(on_board) | found["measure"].astype(str).str.startswith("cdop_")]


def _board_caveats(ctx: Context, rows: pd.DataFrame, key_figures: dict) -> list[str]:
    """Caveats on the board's own CDOP figures (none when there are none)."""
    unvalidated = rows[rows["flags"].str.contains("unvalidated", regex=False)]
    out = ["The panel's figures are quoted in the narrative of the board's annual report (section 5), not taken "
           "from a validated statistical return"
           + (f"; {len(unvalidated)} of them are marked as not yet validated" if len(unvalidated) else "")
           + ". They cover whole financial years (1 April to 31 March)."]
    panel_owner = rows["la_name"].iloc[0] or ctx.area_name
    out.append(f"Not all the panel's figures are the board's own: the panel covers several authorities "
               f"({join_words(authority_names(rows))}); its panels "
               "held, total deaths reviewed and actions raised (which the report attributes to "
               f"'{possessive(panel_owner)} panel') are not the board's alone. "
               f"Only the deaths by home authority and by category are {possessive(ctx.area_name)} own.")
    out.append("Deaths are counted in the year the panel reviews them, not the year the child died: they are not a "
               "mortality rate, and a year's mix of categories reflects which reviews were completed.")
    if key_figures.get("sudden_unexpected_death_reported") is False:
        out.append(f"The report lists {number_in_words(key_figures.get('categories_listed'), words_up_to=10)} of the "
                   f"{number_in_words(len(STANDARD_CATEGORIES), words_up_to=10)} standard "
                   f"CDOP categories: '{SUDDEN_UNEXPECTED}' is not listed and is shown as not available (x), never "
                   "as a guessed zero.")
    return out


def caveats(ctx: Context, rows: pd.DataFrame, key_figures: dict, words: CountWords) -> list[str]:
    """What a reader must know before using the appendix's figures, at most five, most specific
    first; the data-quality findings are in the index page's annex (one caveat points there).

    ``rows`` are the board's CDOP rows (:func:`.frames.board_rows`), ``key_figures`` the result's.
    """
    year = key_figures.get("modifiable_factors_year")  # "2020/21"
    stale = (fallback_caveat("DfE's latest count of reviews with modifiable factors", ctx.area_name,
                             f"{int(str(year)[:4]) + 1}-03-31", ctx.period.end) if year else None)
    out = [stale] if stale else []
    board = _board_caveats(ctx, rows, key_figures) if not rows.empty else []
    out += board[:3]
    if not rows.empty:
        out.append("Small numbers: most categories hold a handful of deaths, so shares have wide intervals and "
                   "year-to-year differences are mostly chance.")
    if not words.public:
        out.append("This internal version shows counts of one to five: do not publish it; run it with "
                   "disclosure = 'public'.")
    status = lait_indicator_status(ctx)
    rounded = [fy_label(year) for year in rounded_years(ctx)]
    out.append("DfE's count of reviews with modifiable factors measures something different from the board's deaths "
               "reviewed (reviews completed, only those with modifiable factors)"
               + (f"; DfE lists the indicator as '{status}'" if status else "")
               + (f". Its {join_words(rounded)} figures are rounded to the nearest five (every area's figure is a "
                  "multiple of five), so small differences between areas or years mean nothing" if rounded else "")
               + ".")
    out.append("Rates per 100,000 children use the ONS mid-year estimate of children aged 0–17; the number of "
               "reviews completed in a year also depends on the panel's workload, so a rate is a rough comparator.")
    out += board[3:]
    return limit_caveats(out, theme_findings(ctx))
