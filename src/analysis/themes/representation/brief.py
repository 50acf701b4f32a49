"""The representation page's "In brief" box: three to five plain sentences that answer its
question for the period (are BME, non-English-speaking and disabled children under-represented
among children on plans and referrals, and how far does incomplete recording limit the answer),
each with its verdict, computed from the latest rows the key findings use.
"""

from __future__ import annotations

import pandas as pd

from ...formatting import fmt_percent, is_missing
from ..context import Context
from .frames import census_summary
from .groups import GROUP_BY_KEY, INCONCLUSIVE, POPULATION_BY_KEY
from .withheld import Withheld
from .wording import snapshot_phrase

#: A verdict against the benchmark share, as a board member would say it.
VERDICT_WORDS = {
    "lower": "fewer than expected",
    "higher": "more than expected",
    "not significantly different": "about as expected, allowing for chance",
    "similar": "about as expected, allowing for chance",
}
#: The order of the sentences: children on plans first (the board's headline), then referrals.
ORDER = (("plans", "bme"), ("plans", "non_english"), ("plans", "disabled"), ("referrals", "bme"))


def _share_sentence(row: pd.Series, withheld: Withheld) -> str | None:
    group, population = GROUP_BY_KEY[row["group"]], POPULATION_BY_KEY[row["population"]]
    if is_missing(row["share"]):
        return None
    subject = group.noun[0].upper() + group.noun[1:]
    if withheld.row_hidden(row):
        return (f"{subject}: the share of {population.label} is withheld in this public version because it rests "
                f"on a very small number.")
    period = str(row["period"])
    when = (snapshot_phrase(row["period_end"]) if row["population"] == "plans"
            else f"from {period}" if " to " in period else f"in {period}")
    verdict = VERDICT_WORDS.get(str(row.get("verdict_95")), "")
    if row["population"] == "referrals" and row.get("conclusion_95") == INCONCLUSIVE and not withheld.range_hidden(row):
        return (f"Among referrals {when}, {group.noun} were {fmt_percent(row['share'])}, but "
                f"{fmt_percent(row['not_recorded_share'])} of records have no ethnicity, so whether they are "
                f"under-represented cannot be said.")
    against = (f"against {fmt_percent(row['benchmark'])} of children nationally" if group.key == "disabled"
               else f"against {fmt_percent(row['benchmark'])} of pupils")
    label = "children on plans" if row["population"] == "plans" else population.label
    return (f"{subject} were {fmt_percent(row['share'])} of {label} {when}, {against}"
            + (f": {verdict}." if verdict else "."))


def in_brief(ctx: Context, latest: dict, census: pd.DataFrame, withheld: Withheld) -> list[str]:
    """At most five sentences: each group's share of children on plans with its verdict, the
    BME share of referrals (and whether unrecorded ethnicity leaves it open); without the board's
    tables, what the page can and cannot answer."""
    out: list[str] = []
    for key in ORDER:
        row = latest.get(key)
        sentence = _share_sentence(row, withheld) if row is not None else None
        if sentence:
            out.append(sentence)
    if not latest:
        out.append(f"There are no board figures for {ctx.area_name} up to the end of {ctx.period.label}, so this page "
                   f"cannot say whether BME, non-English-speaking or disabled children are under- or over-represented "
                   f"among referrals and child protection plans.")
        area, england = census_summary(census, "area"), census_summary(census, "England")
        if area:
            out.append(f"It can show only who lives in the area: in Census 2021, {fmt_percent(area['bme_share'])} of "
                       f"{ctx.area_name}'s residents of all ages were in a BME group"
                       + (f", against {fmt_percent(england['bme_share'])} in England." if england else "."))
    return out[:5]
