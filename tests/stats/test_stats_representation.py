"""Representation against a benchmark population: share, relative rate index, goodness of fit,
not-recorded bounds."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as st

from analysis.stats import (
    goodness_of_fit,
    not_recorded_bounds,
    rate_ratio_ci,
    relative_rate_index,
    share_vs_population,
    wilson_ci,
)


def test_share_vs_population_uses_published_wilson_limits() -> None:
    # methods.md: 1/100 -> 95% (0.0017674321, 0.0544861962), 99.8% (0.0008730657, 0.1045544528);
    # a 6% population share is above the 95% interval and inside the 99.8% one.
    t = share_vs_population(1, 100, 0.06, confidence=(0.95, 0.998))
    row = t.iloc[0]
    assert row["share"] == pytest.approx(1.0)
    assert row["lower_95"] == pytest.approx(0.17674321, rel=1e-6)
    assert row["upper_95"] == pytest.approx(5.44861962, rel=1e-6)
    assert row["upper_99_8"] == pytest.approx(10.45544528, rel=1e-6)
    assert (row["verdict_95"], row["representation_95"]) == ("lower", "under-represented")
    assert (row["verdict_99_8"], row["representation_99_8"]) == (
        "not significantly different",
        "in line with population share",
    )
    assert row["population_share"] == pytest.approx(6.0)


def test_share_vs_population_vectorised_with_index() -> None:
    idx = ["White British", "Mixed", "Asian", "Black"]
    x = pd.Series([480, 40, 30, 14], index=idx)
    n = pd.Series([564] * 4, index=idx)
    pop = pd.Series([0.85, 0.04, 0.07, 0.02], index=idx)
    t = share_vs_population(x, n, pop)
    assert list(t.index) == idx
    for g in idx:
        lo, hi = wilson_ci(int(x[g]), 564)
        assert t.loc[g, "lower"] == pytest.approx(lo * 100) and t.loc[g, "upper"] == pytest.approx(hi * 100)
        expected = "higher" if lo > pop[g] else "lower" if hi < pop[g] else "not significantly different"
        assert t.loc[g, "verdict"] == expected
    assert t.loc["Mixed", "representation"] == "over-represented"  # 7.1% (5.2%–9.5%) vs 4%
    with pytest.raises(ValueError, match="divide by 100"):
        share_vs_population(26, 564, 6)


def test_relative_rate_index_is_the_rate_ratio_of_group_to_rest() -> None:
    # 60 children on plans among 8,000 in the group; 500 among 110,000 others.
    rri, lo, hi = relative_rate_index(60, 8_000, 500, 110_000)
    assert rri == pytest.approx((60 / 8_000) / (500 / 110_000))
    assert (rri, lo, hi) == rate_ratio_ci(60, 8_000, 500, 110_000)
    assert lo > 1  # significantly more likely than everyone else
    # rates per 10,000 give the same index: the multiplier cancels
    assert relative_rate_index(60, 0.8, 500, 11.0)[0] == pytest.approx(rri)


def test_goodness_of_fit_reproduces_mendels_published_chi_square() -> None:
    # Mendel's dihybrid cross (round-yellow, round-green, wrinkled-yellow, wrinkled-green):
    # 315, 108, 101, 32 against 9:3:3:1 gives the textbook chi-squared 0.470 on 3 df, p = 0.925.
    res = goodness_of_fit([315, 108, 101, 32], [9 / 16, 3 / 16, 3 / 16, 1 / 16])
    assert res.statistic == pytest.approx(0.470, abs=5e-4)
    assert res.p_value == pytest.approx(0.925, abs=5e-4)
    assert res.dof == 3 and res.reliable and res.notes == []
    assert res.table["expected"].tolist() == pytest.approx([312.75, 104.25, 104.25, 34.75])
    assert res.table["contribution"].sum() == pytest.approx(res.statistic)


def test_goodness_of_fit_notes_small_expected_counts_and_rescaling() -> None:
    obs = pd.Series([50, 8, 2], index=["White", "Mixed", "Other"])
    shares = pd.Series([90.0, 6.0, 3.0], index=["Other", "Mixed", "White"])  # percent, reordered
    res = goodness_of_fit(obs, shares)
    # matched by label, and 90/6/3 sums to 99: rescaled with a note
    assert res.table.loc["White", "expected"] == pytest.approx(60 * 3 / 99)
    assert any("rescaled" in note for note in res.notes)
    assert res.small_expected == ["White", "Mixed"] and not res.reliable
    assert any("below 5" in note for note in res.notes)
    ref = st.chisquare([50, 8, 2], np.array([3, 6, 90]) / 99 * 60)
    assert res.statistic == pytest.approx(ref.statistic) and res.p_value == pytest.approx(ref.pvalue)
    with pytest.raises(ValueError, match="only one of"):
        goodness_of_fit(obs, pd.Series([0.5, 0.5], index=["White", "Asian"]))
    with pytest.raises(ValueError, match="missing"):
        goodness_of_fit([10, np.nan], [0.5, 0.5])


def test_not_recorded_bounds() -> None:
    # 30 in the group of 400 recorded, 50 not recorded: 30/450 if none, 80/450 if all.
    low, high = not_recorded_bounds(30, 400, 50)
    assert low == pytest.approx(30 / 450) and high == pytest.approx(80 / 450)
    assert low <= 30 / 400 <= high
    low, high = not_recorded_bounds([30, 0, np.nan], [400, 10, 10], [0, 5, 1])
    assert low[0] == high[0] == pytest.approx(30 / 400)
    assert (low[1], high[1]) == pytest.approx((0.0, 5 / 15))
    assert math.isnan(low[2])
    with pytest.raises(ValueError, match="greater than denominator"):
        not_recorded_bounds(30, 20, 5)
    with pytest.raises(ValueError, match="no records"):
        not_recorded_bounds(0, 0, 0)
