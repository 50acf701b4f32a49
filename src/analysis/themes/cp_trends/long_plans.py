"""Long plans against England and the region: DfE's share of ended plans that lasted two years or more.

DfE publishes, for every authority, region and England and every year, the share of child
protection plans ended in the year that had lasted two years or more (LAIT ``CPPlans2yrs``), the
number of those long plans (``CPRDuration``) and the rate of plans ended per 10,000 children
(``DeRegCPR``), but not the number of plans ended, the share's denominator. That number is the
rate × the ONS population aged 0–17 DfE uses for the year ÷ 10,000 (rounded to a whole plan);
with it the share has a Wilson interval and a verdict against England's and the region's
published shares and the simple mean of the statistical neighbours' (as the page compares rates) (:func:`analysis.stats.compare_proportion_to_benchmark`), as the repeat-plans
figure has from its published counts. Where DfE withheld the area's share, or published neither
the rate nor the population, there is no verdict and the page says why.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ...formatting import fmt_interval, fmt_percent
from ...periods import financial_year_label
from ...report.words import CountWords, verdict_phrase
from ...stats import compare_proportion_to_benchmark, wilson_ci
from .run import ThemeRun
from .spec import ENGLAND, LONG_PLANS, PER_CHILDREN

SHARE = LONG_PLANS
LONG = "cp_ceased_2yrs_plus"
CEASED_RATE = "cp_ceased_rate_per_10k"
#: How far (percentage points) the share worked out from the derived number of plans ended may
#: lie from DfE's published share before the two are taken to disagree and no verdict is given.
#: DfE rounds to one decimal place (0.05) and the ONS population may have been revised since DfE
#: used it; every authority-year in the shipped data lies within 0.1 of it, 99% within rounding
#: (tests/themes/test_long_plans.py), so the gate only stops figures that really disagree.
MAX_GAP = 0.5


@dataclass(frozen=True)
class LongPlans:
    """One year's long-plans share for the area, its derived denominator and its verdicts."""

    year_end: pd.Timestamp
    share: float  # DfE's published percentage
    long: float | None  # DfE's published number of ended plans that had lasted two years or more
    ceased: float | None  # plans ended in the year: DfE's rate × ONS population ÷ 10,000
    lower: float | None  # 95% Wilson interval, percent
    upper: float | None
    england: float | None  # England's published percentage for the same year
    vs_england: str | None
    region: float | None
    vs_region: str | None
    neighbours: float | None = None  # the simple mean of the statistical neighbours' published shares
    neighbours_with_figure: int = 0  # how many of them have a published share that year
    neighbours_listed: int = 0
    vs_neighbours: str | None = None
    derived: float | None = None  # long ÷ ceased × 100: the share the derived number gives back

    @property
    def agrees(self) -> bool:
        """Whether the derived number of plans ended gives back DfE's share to within its rounding."""
        return self.derived is not None and round(self.derived, 1) == round(self.share, 1)

    @property
    def year(self) -> str:
        return financial_year_label(self.year_end)


def _value(run: ThemeRun, measure: str, area: str | None, when) -> float | None:
    if area is None:
        return None
    rows = run.dfe_values(measure)
    rows = rows[(rows["area"] == area) & (rows["period_end"] == when)]
    if rows.empty or pd.isna(rows["value"].iloc[0]):
        return None
    return float(rows["value"].iloc[0])


def _close_enough(derived: float | None, share: float) -> bool:
    """Whether the share the derived count gives lies within :data:`MAX_GAP` of DfE's."""
    return derived is not None and abs(derived - share) <= MAX_GAP


def plans_ceased(run: ThemeRun, area: str, when) -> float | None:
    """Plans ended in the year to ``when`` in an area: DfE's rate per 10,000 × the ONS population
    DfE uses for that year ÷ 10,000, to the nearest whole plan (None when either is missing)."""
    rate = _value(run, CEASED_RATE, area, when)
    population = run.population(area, when)
    if rate is None or population is None:
        return None
    return float(round(rate * population / PER_CHILDREN))


def long_plans(run: ThemeRun, when) -> LongPlans:
    """The area's long-plans share for the DfE year ending ``when``, with its verdicts where the
    denominator can be worked out (the share itself must be published)."""
    share = _value(run, SHARE, run.area_code, when)
    long = _value(run, LONG, run.area_code, when)
    ceased = plans_ceased(run, run.area_code, when)
    england = _value(run, SHARE, ENGLAND, when)
    region = _value(run, SHARE, run.region_code, when)
    listed = run.neighbours_at(when)
    shares = [share for share in (_value(run, SHARE, n.code, when) for n in listed if n.code) if share is not None]
    neighbours = sum(shares) / len(shares) if shares else None
    lower = upper = vs_england = vs_region = vs_neighbours = derived = None
    if long is not None and ceased is not None and 0 <= long <= ceased and ceased > 0:
        derived = long / ceased * 100
    if share is not None and _close_enough(derived, share):
        low, high = wilson_ci(long, ceased, confidence=0.95)
        lower, upper = float(low) * 100, float(high) * 100
        if england is not None:
            vs_england = compare_proportion_to_benchmark(long, ceased, england / 100, confidence=0.95)
        if region is not None:
            vs_region = compare_proportion_to_benchmark(long, ceased, region / 100, confidence=0.95)
        if neighbours is not None:
            vs_neighbours = compare_proportion_to_benchmark(long, ceased, neighbours / 100, confidence=0.95)
    return LongPlans(pd.Timestamp(when), share, long, ceased, lower, upper, england, vs_england, region, vs_region,
                     neighbours, len(shares), len(listed), vs_neighbours, derived)


def withheld_this_year(run: ThemeRun) -> bool:
    """Whether DfE has a row for the area's long-plans share in the year ending at the period end
    but no value (the share withheld or not collected)."""
    rows = run.dfe_values(SHARE)
    rows = rows[(rows["area"] == run.area_code) & (rows["period_end"] == run.end)]
    return not rows.empty and rows["value"].isna().all()


def comparison_sentence(run: ThemeRun, found: LongPlans) -> str:
    """DfE's long-plans share of the year against England and the region, with the verdicts, or
    why there is none."""
    intro = (f"In DfE's validated figures for {found.year}, {fmt_percent(found.share)} of the child protection "
             f"plans that ended in {run.name} had lasted two years or more")
    if found.vs_england is None:
        return f"{intro}. {why_no_comparison(found)}"
    comparisons = [verdict_phrase(found.vs_england, f"England ({fmt_percent(found.england)})")]
    if found.vs_region is not None:
        comparisons.append(verdict_phrase(found.vs_region, f"{run.region_name} ({fmt_percent(found.region)})"))
    if found.vs_neighbours is not None:
        of = (f"its {found.neighbours_with_figure} statistical neighbours"
              if found.neighbours_with_figure == found.neighbours_listed
              else f"the {found.neighbours_with_figure} of its {found.neighbours_listed} statistical neighbours with a figure")
        comparisons.append(verdict_phrase(found.vs_neighbours, f"the average of {of} ({fmt_percent(found.neighbours)})"))
    listed = ", ".join(comparisons[:-1]) + (" and " if len(comparisons) > 1 else "") + comparisons[-1]
    return f"{intro} (95% confidence interval {fmt_interval(found.lower, found.upper)}): {listed}."


def why_no_comparison(found: LongPlans) -> str:
    """Why the year's share has no verdict, in one sentence."""
    cannot = "so this share cannot be compared with England's."
    if found.long is None:
        return f"DfE does not publish how many of the plans that ended had lasted two years or more, {cannot}"
    if found.ceased is None:
        return f"DfE does not publish how many plans ended that year, or the figures to work it out, {cannot}"
    if not _close_enough(found.derived, found.share):
        worked = f" gives {fmt_percent(found.derived)}" if found.derived is not None else " does not give a share"
        return (f"The number of plans that ended, worked out from DfE's rate and the number of children,{worked}, "
                f"not DfE's {fmt_percent(found.share)}: the figures do not agree well enough, {cannot}")
    return f"DfE gives no figure for England for that year, {cannot}"


def denominator_note(run: ThemeRun, found: LongPlans) -> str:
    """How the number of plans ended was worked out (only when it was), and how well it agrees."""
    ceased = CountWords(run.disclosure).text(found.ceased)
    agreement = ("it gives back DfE's percentage to within rounding" if found.agrees else
                 f"it gives {fmt_percent(found.derived)} against DfE's published {fmt_percent(found.share)} (the "
                 "number of children may have been revised since DfE used it)")
    return ("DfE publishes the number of long plans and how many plans ended per 10,000 children, but not how many "
            "plans ended. That number is worked out here as the rate per 10,000 times the number of children aged "
            f"0 to 17 ÷ 10,000 (about {ceased} plans in {run.name} in {found.year}); {agreement}, and the confidence "
            "interval and comparisons rest on it.")


def no_figure_sentence(run: ThemeRun) -> str:
    """The plain statement that DfE gives no long-plans share for the period's own year."""
    return (f"DfE gives no long-plans figure for {run.name} for {financial_year_label(run.end)} (withheld or not "
            f"collected), so there is no comparison with England for that year.")


def table_cells(found: LongPlans | None) -> tuple[str, str]:
    """The summary table's interval and verdict cells ("" each when there is no verdict)."""
    if found is None or found.vs_england is None:
        return "", ""
    return fmt_interval(found.lower, found.upper), found.vs_england
