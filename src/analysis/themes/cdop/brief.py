"""The child deaths page's "In brief" box: three to five plain sentences that answer its question
for the period (what the Child Death Overview Panel reviewed, for this area and by category, and
how sure we can be with so few deaths), computed from the result's key figures.
"""

from __future__ import annotations

from typing import Any

from ...formatting import fmt_percent, is_missing
from ...report.words import CountWords, possessive
from ...stats.disclosure import SUPPRESSED
from ..context import Context

#: DfE's verdict on the area's rate of reviews with modifiable factors against England's, in words.
VERDICT_WORDS = {
    "higher": "higher than England's, by more than chance",
    "lower": "lower than England's, by more than chance",
    "similar": "similar to England's, allowing for chance",
    "not significantly different": "similar to England's, allowing for chance",
}



def in_brief(ctx: Context, key_figures: dict[str, Any], words: CountWords, has_board: bool) -> list[str]:
    """At most five sentences from ``key_figures``; without the board's figures, what the page
    can and cannot answer."""
    out: list[str] = []
    year, total = key_figures.get("cdop_year"), key_figures.get("deaths_reviewed_total")
    own = key_figures.get("warwickshire_deaths_reviewed")
    if has_board and year and not is_missing(total):
        sentence = f"In {year} the Child Death Overview Panel reviewed {words.key_figure_text(total)} children's deaths"
        if not is_missing(own):
            sentence += f", {words.key_figure_text(own)} of them of children from {ctx.area_name}"
        out.append(sentence + ".")
        perinatal, share = key_figures.get("perinatal_neonatal_deaths"), key_figures.get("perinatal_neonatal_percent")
        if not is_missing(perinatal) and not is_missing(own):
            shown = "" if is_missing(share) or perinatal == SUPPRESSED else f": {fmt_percent(share)}"
            out.append(f"{words.key_figure_text(perinatal).capitalize()} of {possessive(ctx.area_name)} {words.key_figure_text(own)} deaths were "
                       f"around the time of birth (perinatal or neonatal){shown}.")
        out.append("Most categories hold only a handful of deaths, so differences between categories or years are "
                   "mostly chance.")
    elif not has_board:
        out.append(f"There is no board dataset for {ctx.area_name}, so this page cannot say how many of its "
                   f"children's deaths the panel reviewed or in which categories.")
    reviews, when = key_figures.get("modifiable_factors_reviews"), key_figures.get("modifiable_factors_year")
    if when and not is_missing(reviews):
        sentence = (f"DfE counted {words.key_figure_text(reviews)} reviews in {when} that found factors which might have "
                    f"prevented the death")
        verdict = VERDICT_WORDS.get(str(key_figures.get("modifiable_factors_vs_england")))
        out.append(sentence + (f"; as a rate per child that is {verdict}." if verdict else "."))
    return out[:5]

