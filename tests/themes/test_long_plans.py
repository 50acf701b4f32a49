"""Long plans against England: the verdict on DfE's share of ended plans that lasted two years or more.

DfE publishes the share (LAIT ``CPPlans2yrs``), the number of long plans (``CPRDuration``) and the
rate of plans ended per 10,000 children (``DeRegCPR``), but not the number of plans ended. The
expected values here are worked out from the published files themselves (the LAIT parquet and
the ONS population CSV, read with pandas, not through the package): plans ended = rate × the
mid-year population aged 0–17 of the year DfE uses (mid-2017 for the year to 31 March 2018) ÷
10,000, rounded to a whole plan; its 95% Wilson interval (the score interval's formula, written
out below) against England's published share gives the verdict.
"""

from __future__ import annotations

import functools
import math

import pandas as pd
import pytest

from analysis.paths import REPO_ROOT
from analysis.themes import cp_trends

DFE = REPO_ROOT / "data" / "raw" / "dfe"
Z95 = 1.959963984540054

pytestmark = pytest.mark.usefixtures("no_pixels")


@functools.lru_cache(maxsize=None)
def _lait() -> pd.DataFrame:
    lait = pd.read_parquet(DFE / "lait_bds_long.parquet")
    return lait[lait["Short Desc"].isin(["CPPlans2yrs", "CPRDuration", "DeRegCPR"])]


def lait(short: str, name: str, year: int) -> float | None:
    rows = _lait()
    rows = rows[(rows["Short Desc"] == short) & (rows["LA and Regions"] == name) & (rows["Years"] == str(year))]
    value = pd.to_numeric(rows["Values"], errors="coerce")
    return None if value.empty or pd.isna(value.iloc[0]) else float(value.iloc[0])


def population(code: str, mid_year: int) -> float:
    pop = pd.read_csv(DFE / "ons_mid-year_population_estimates_2012_to_2024.csv", dtype=str)
    row = pop[(pop["new_la_code"] == code) & (pop["time_period"] == str(mid_year))]
    return float(row["population_estimate"].iloc[0])


def expected(code: str, name: str, year: int) -> tuple[float, str]:
    """(plans ended, verdict against England) for the year ending 31 March ``year``."""
    long, rate = lait("CPRDuration", name, year), lait("DeRegCPR", name, year)
    n = float(round(rate * population(code, year - 1) / 10_000))
    p = long / n
    centre = (p + Z95 ** 2 / (2 * n)) / (1 + Z95 ** 2 / n)
    half = Z95 / (1 + Z95 ** 2 / n) * math.sqrt(p * (1 - p) / n + Z95 ** 2 / (4 * n ** 2))
    england = lait("CPPlans2yrs", "England", year) / 100
    verdict = ("higher" if centre - half > england else "lower" if centre + half < england
               else "not significantly different")
    # the worked-out denominator gives back DfE's published share to within its rounding
    assert abs(long / n * 100 - lait("CPPlans2yrs", name, year)) <= 0.05 + 1e-9
    return n, verdict


@functools.lru_cache(maxsize=None)
def build(code: str, period: str):
    return cp_trends.build(code, period, disclosure="public")


def long_row(result) -> pd.Series:
    table = result.section("indicators").tables[-1].frame
    return table[table["Indicator"] == "Long plans"].iloc[0]


def paragraphs(result) -> str:
    return "\n".join(result.section("indicators").paragraphs)


@pytest.mark.parametrize("code, name, period, year", [
    ("E10000031", "Warwickshire", "2017-18 Q4", 2018),
    ("E06000001", "Hartlepool", "2024-25 Q4", 2024),  # 2024/25 withheld: the latest published year is compared
    ("E09000007", "Camden", "2022-23 Q4", 2023),  # a London borough
    ("E10000031", "Warwickshire", "2023-24 Q4", 2024),
])
def test_long_plans_verdict_matches_the_published_figures(code, name, period, year):
    result = build(code, period)
    n, verdict = expected(code, name, year)
    row = long_row(result)
    assert row["DfE year"] == f"{year - 1}/{str(year)[2:]}"
    assert row["Against England (95%)"] == verdict
    text = paragraphs(result)
    england = lait("CPPlans2yrs", "England", year)
    words = {"higher": f"significantly higher than England ({england:.1f}%)",
             "lower": f"significantly lower than England ({england:.1f}%)",
             "not significantly different": f"not significantly different from England ({england:.1f}%)"}[verdict]
    assert words in text
    assert f"about {n:,.0f} plans in {name}" in text  # how the denominator was worked out, said on the page


def test_warwickshire_2017_18_is_significantly_higher_than_england():
    # the brief's case: 5.9% against England's 3.4% (both as DfE publishes them)
    assert expected("E10000031", "Warwickshire", 2018)[1] == "higher"
    assert long_row(build("E10000031", "2017-18 Q4"))["Against England (95%)"] == "higher"


def test_a_withheld_year_has_no_verdict_and_says_so():
    # Hartlepool's 2024/25 share is withheld ('-') in the LAIT file
    assert lait("CPPlans2yrs", "Hartlepool", 2025) is None
    text = paragraphs(build("E06000001", "2024-25 Q4"))
    assert "DfE gives no long-plans figure for Hartlepool for 2024/25" in text
    assert "no comparison with England for that year" in text
    assert "In DfE's validated figures for 2024/25" not in text


def test_no_denominator_means_no_verdict_said_plainly():
    # City of London: DfE publishes the share but no rate of plans ended, so no count can be worked out
    assert lait("DeRegCPR", "City of London", 2025) is None and lait("CPPlans2yrs", "City of London", 2025) is not None
    result = build("E09000001", "2024-25 Q4")
    row = long_row(result)
    assert row["Against England (95%)"] == "x" and row["DfE 95% interval"] == "x"
    text = paragraphs(result)
    assert "cannot be compared with England's" in text
    assert "significantly" not in text.split("two years or more")[-1].split(".")[0]


def neighbours_mean(la_number: str, year: int) -> tuple[float, int]:
    """The simple mean of the published shares of an authority's statistical neighbours (DfE's
    groupings, by LA number) in the year ending 31 March ``year``, and how many had one."""
    groups = pd.read_csv(DFE / "New_Statistical_Neighbour_Groupings_April_2021.csv", dtype=str, encoding="utf-8-sig")
    row = groups[groups["LA num"] == la_number].iloc[0]
    numbers = {float(row[f"SN{i}"]) for i in range(1, 11)}
    rows = _lait()
    rows = rows[(rows["Short Desc"] == "CPPlans2yrs") & (rows["Years"] == str(year)) & rows["LA Number"].isin(numbers)]
    shares = pd.to_numeric(rows["Values"], errors="coerce").dropna()
    return float(shares.mean()), len(shares)


@pytest.mark.parametrize("code, name, la_number, period, year", [
    ("E10000031", "Warwickshire", "937", "2017-18 Q4", 2018),
    ("E09000007", "Camden", "202", "2022-23 Q4", 2023),
])
def test_long_plans_against_the_statistical_neighbours_average(code, name, la_number, period, year):
    mean, with_figure = neighbours_mean(la_number, year)
    n, _ = expected(code, name, year)
    long = lait("CPRDuration", name, year)
    p = long / n
    centre = (p + Z95 ** 2 / (2 * n)) / (1 + Z95 ** 2 / n)
    half = Z95 / (1 + Z95 ** 2 / n) * math.sqrt(p * (1 - p) / n + Z95 ** 2 / (4 * n ** 2))
    verdict = ("significantly higher than" if centre - half > mean / 100 else
               "significantly lower than" if centre + half < mean / 100 else "not significantly different from")
    text = paragraphs(build(code, period))
    assert f"{verdict} the average of " in text
    assert f"{with_figure} of its 10 statistical neighbours with a figure ({mean:.1f}%)" in text \
        or f"its {with_figure} statistical neighbours ({mean:.1f}%)" in text


def test_a_derived_count_that_does_not_give_back_dfe_s_share_gets_no_verdict(monkeypatch):
    """The verdict rests on a worked-out number of plans ended; where that number gives a share far
    from DfE's published one (here half the plans), the figures disagree: no verdict, and the page
    says why, with both shares."""
    from analysis.themes.cp_trends import long_plans as module

    real = module.plans_ceased
    monkeypatch.setattr(module, "plans_ceased", lambda run, area, when: real(run, area, when) / 2)
    result = cp_trends.build("E10000031", "2017-18 Q4", disclosure="public")
    row = long_row(result)
    assert row["Against England (95%)"] == "x" and row["DfE 95% interval"] == "x"
    n, _ = expected("E10000031", "Warwickshire", 2018)
    long = lait("CPRDuration", "Warwickshire", 2018)
    derived = long / (n / 2) * 100
    text = paragraphs(result)
    assert (f"gives {derived:.1f}%, not DfE's {lait('CPPlans2yrs', 'Warwickshire', 2018):.1f}%: the figures do not "
            "agree well enough, so this share cannot be compared with England's") in text
    assert "gives back DfE's percentage" not in text


def test_the_note_says_whether_the_derived_count_gives_back_dfe_s_share():
    """Within DfE's rounding the note says so; a small gap (the population revised since) is
    stated with both figures instead of the claim."""
    from dataclasses import replace

    from analysis.themes.cp_trends import long_plans as module

    result = build("E10000031", "2017-18 Q4")
    assert "it gives back DfE's percentage to within rounding" in paragraphs(result)

    class Run:  # what denominator_note reads of a run
        disclosure, name = "public", "Somewhere"

    found = module.LongPlans(pd.Timestamp("2018-03-31"), 5.9, 30.0, 500.0, 4.2, 8.2, 3.4, "higher", None, None,
                             derived=6.0)
    assert not found.agrees
    assert "it gives 6.0% against DfE's published 5.9%" in module.denominator_note(Run, found)
    assert replace(found, derived=5.94).agrees
    assert "to within rounding" in module.denominator_note(Run, replace(found, derived=5.94))


def test_the_derived_count_gives_back_dfe_s_share_for_every_authority_year():
    """Worked out independently for every authority-year with the three published figures and an
    ONS population (matched by the LA number): the share the derived count gives lies within
    0.1 points of DfE's (and within its rounding in nearly all), far inside the gap at which the
    page withholds its verdict, so the gate withholds none on the shipped data."""
    from analysis.themes.cp_trends.long_plans import MAX_GAP

    rows = _lait().assign(value=lambda f: pd.to_numeric(f["Values"], errors="coerce"))
    wide = rows.pivot_table(index=["LA Number", "Years"], columns="Short Desc", values="value").dropna().reset_index()
    pop = pd.read_csv(DFE / "ons_mid-year_population_estimates_2012_to_2024.csv", dtype=str)
    pop = pop[pop["geographic_level"] == "Local authority"].assign(
        number=lambda f: pd.to_numeric(f["old_la_code"], errors="coerce"), mid=lambda f: f["time_period"].astype(int),
        children=lambda f: pd.to_numeric(f["population_estimate"], errors="coerce")).dropna(subset=["children"])
    wide["mid"] = wide["Years"].astype(int) - 1
    both = wide.merge(pop[["number", "mid", "children"]], left_on=["LA Number", "mid"], right_on=["number", "mid"])
    both["ceased"] = (both["DeRegCPR"] * both["children"] / 10_000).round()
    both = both[(both["ceased"] > 0) & (both["CPRDuration"] <= both["ceased"])]
    derived = both["CPRDuration"] / both["ceased"] * 100
    gap = (derived - both["CPPlans2yrs"]).abs()
    assert len(both) > 1000  # every year of every authority, not a handful
    assert gap.max() <= 0.1 < MAX_GAP
    assert (derived.round(1) == both["CPPlans2yrs"].round(1)).mean() > 0.95
