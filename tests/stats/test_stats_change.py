"""Change over time: Newcombe (1998) published values; exact rate ratio checked against scipy."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as st

from analysis.stats import (
    ChangeSignificance,
    change_significance,
    percent_change,
    proportion_difference_ci,
    rate_ratio_ci,
)

# Newcombe RG. Interval estimation for the difference between independent proportions:
# comparison of eleven methods. Statistics in Medicine 1998;17:873-890, Table II, method 10
# (score interval, no continuity correction), 95%. Printed to 4 decimals, so held to half a
# unit of the 4th decimal.
NEWCOMBE_TABLE_II = [
    (56, 70, 48, 80, 0.0524, 0.3339),
    (9, 10, 3, 10, 0.1705, 0.8090),
    (6, 7, 2, 7, 0.0582, 0.8062),
    (5, 56, 0, 29, -0.0381, 0.1926),
    (0, 10, 0, 20, -0.1611, 0.2775),
    (0, 10, 0, 10, -0.2775, 0.2775),
    (10, 10, 0, 20, 0.6791, 1.0000),
    (10, 10, 0, 10, 0.6075, 1.0000),
]


@pytest.mark.parametrize("x1, n1, x2, n2, lower, upper", NEWCOMBE_TABLE_II)
def test_newcombe_method_10_reproduces_published_table(x1, n1, x2, n2, lower, upper) -> None:
    d, lo, hi = proportion_difference_ci(x1, n1, x2, n2, confidence=0.95)
    assert d == pytest.approx(x1 / n1 - x2 / n2)
    assert lo == pytest.approx(lower, abs=5e-5)
    assert hi == pytest.approx(upper, abs=5e-5)


def test_newcombe_vectorised_equals_scalar() -> None:
    cols = list(zip(*NEWCOMBE_TABLE_II))
    d, lo, hi = proportion_difference_ci(*(np.array(c) for c in cols[:4]), confidence=0.998)
    for i, row in enumerate(NEWCOMBE_TABLE_II):
        assert (d[i], lo[i], hi[i]) == proportion_difference_ci(*row[:4], confidence=0.998)
    # 99.8% intervals contain the 95% ones
    d95, lo95, hi95 = proportion_difference_ci(*(np.array(c) for c in cols[:4]))
    assert np.all(lo <= lo95) and np.all(hi >= hi95)


def test_rate_ratio_exact_interval_matches_scipy_binomtest() -> None:
    # Conditional on x1 + x2 events, x1 is binomial: the exact (Clopper–Pearson) interval for
    # π from scipy.stats.binomtest, mapped to R = π/(1 − π) × pop2/pop1, is the rate-ratio interval.
    cases = [(564, 1.0, 439, 1.0), (12, 5000.0, 30, 9000.0), (0, 100.0, 7, 120.0), (3, 800.0, 1, 400.0)]
    for x1, p1, x2, p2 in cases:
        for conf in (0.95, 0.998):
            r, lo, hi = rate_ratio_ci(x1, p1, x2, p2, confidence=conf)
            ci = st.binomtest(x1, x1 + x2).proportion_ci(confidence_level=conf, method="exact")
            to_r = lambda pi: pi / (1 - pi) * p2 / p1  # noqa: E731
            assert r == pytest.approx((x1 / p1) / (x2 / p2))
            assert lo == pytest.approx(to_r(ci.low), rel=1e-9, abs=1e-15)
            assert hi == pytest.approx(to_r(ci.high), rel=1e-9)


def test_rate_ratio_edge_cases() -> None:
    r, lo, hi = rate_ratio_ci(5, 100, 0, 100)
    assert math.isinf(r) and math.isinf(hi) and lo > 0
    r, lo, hi = rate_ratio_ci(0, 100, 0, 100)
    assert math.isnan(r) and math.isnan(lo) and math.isnan(hi)
    r, lo, hi = rate_ratio_ci([4, np.nan], [100, 100], [2, 2], [100, 100])
    assert not math.isnan(lo[0]) and math.isnan(lo[1])
    with pytest.raises(ValueError, match="greater than zero"):
        rate_ratio_ci(4, 0, 2, 100)


def test_percent_change() -> None:
    assert percent_change(439, 564) == pytest.approx(125 / 439 * 100)
    out = percent_change(pd.Series([439, 0, None, 200]), pd.Series([564, 5, 3, 150]))
    assert out.iloc[0] == pytest.approx(28.4738041, rel=1e-8)
    assert math.isnan(out.iloc[1]) and math.isnan(out.iloc[2])  # from zero: undefined
    assert out.iloc[3] == pytest.approx(-25.0)


def test_two_counts_in_the_same_population_are_compared_as_rates() -> None:
    res = change_significance(439, 564)
    assert isinstance(res, ChangeSignificance)
    r, lo95, hi95 = rate_ratio_ci(564, 1, 439, 1, confidence=0.95)
    _, lo998, hi998 = rate_ratio_ci(564, 1, 439, 1, confidence=0.998)
    assert (res.effect, res.lower_95, res.upper_95) == (r, lo95, hi95)
    assert (res.lower_99_8, res.upper_99_8) == (lo998, hi998)
    assert res.significant_95 is (lo95 > 1) and res.significant_99_8 is (lo998 > 1)
    assert res.direction == "rise"
    assert res.percent_change == pytest.approx(percent_change(439, 564))
    # a small change in small counts is not significant
    small = change_significance(10, 12)
    assert small.significant_95 is False and small.strongest_level is None
    # equal populations given explicitly change nothing
    same = change_significance(439, 564, 120_000, 120_000)
    assert same.effect == pytest.approx(res.effect) and same.lower_95 == pytest.approx(res.lower_95)
    assert same.old_value == pytest.approx(439 / 120_000 * 10_000)


def test_change_in_a_proportion_uses_newcombe() -> None:
    res = change_significance(48, 56, 80, 70, kind="proportion")  # old 48/80 -> new 56/70
    assert res.effect == pytest.approx(20.0)  # percentage points
    assert res.lower_95 == pytest.approx(5.24, abs=5e-3) and res.upper_95 == pytest.approx(33.39, abs=5e-3)
    assert res.significant_95 is True and res.direction == "rise"
    with pytest.raises(ValueError, match="needs both denominators"):
        change_significance(1, 2, kind="proportion")
    with pytest.raises(ValueError, match="both old_denominator and new_denominator"):
        change_significance(1, 2, old_denominator=10)


def test_change_significance_is_vectorised() -> None:
    idx = ["A", "B", "C", "D"]
    res = change_significance(
        pd.Series([439, 10, np.nan, 80], index=idx), pd.Series([564, 12, 5, 40], index=idx)
    )
    frame = res.to_frame()
    assert list(frame.index) == idx
    assert frame["direction"].tolist()[:2] == ["rise", "rise"] and frame.loc["D", "direction"] == "fall"
    assert frame.loc["C", "significant_95"] is None
    assert res.strongest_level.tolist() == [change_significance(439, 564).strongest_level, None, None, "99.8%"]
