"""The training page's "In brief" box: three to five plain sentences that answer its question for
the period (which courses ran, who came, and does take-up by agency match what each agency pays
in), computed from the result's key figures.
"""

from __future__ import annotations

from typing import Any

from ...formatting import fmt_gbp, fmt_percent, is_missing
from ...report.words import CountWords
from ..context import Context
from .findings import KEY_FIGURE_AGENCIES

#: An agency's share of attendance against its share of the board's income, in words.
VERDICT_WORDS = {
    "higher": "more than its share of the funding, by more than chance",
    "lower": "less than its share of the funding, by more than chance",
    "similar": "in line with its share of the funding, allowing for chance",
    "not significantly different": "in line with its share of the funding, allowing for chance",
}



def in_brief(ctx: Context, key_figures: dict[str, Any]) -> list[str]:
    """At most five sentences from ``key_figures``; without the board's figures, what the page
    can and cannot answer."""
    words = CountWords(ctx.disclosure)
    out: list[str] = []
    year = key_figures.get("financial_year")
    if year and not is_missing(key_figures.get("events")):
        out.append(f"In {year} the board ran {words.key_figure_text(key_figures['events'])} training events on "
                   f"{words.key_figure_text(key_figures.get('courses'))} courses for {words.key_figure_text(key_figures.get('delegates'))} "
                   f"delegates.")
    for label, key in KEY_FIGURE_AGENCIES:
        attendance, funding = key_figures.get(f"{key}_attendance_percent"), key_figures.get(f"{key}_funding_percent")
        if is_missing(attendance) or is_missing(funding):
            continue
        verdict = VERDICT_WORDS.get(str(key_figures.get(f"{key}_verdict")))
        out.append(f"{label} made up {fmt_percent(attendance, 0)} of attendance and paid {fmt_percent(funding)} of the "
                   f"board's income" + (f": {verdict}." if verdict else "."))
    income, spent = key_figures.get("income_total"), key_figures.get("expenditure_total")
    if not is_missing(income) and not is_missing(spent):
        gap = spent - income
        balance = (f"a deficit of {fmt_gbp(gap)}" if gap > 0 else
                   f"a surplus of {fmt_gbp(-gap)}" if gap < 0 else "a balanced budget")
        out.append(f"The board spent {fmt_gbp(spent)} against income of {fmt_gbp(income)}: {balance}.")
    if not out:
        out.append(f"There are no training or budget figures for {ctx.area_name} up to the end of "
                   f"{ctx.period.label}, so this page cannot say which courses ran or who came.")
    return out[:5]
