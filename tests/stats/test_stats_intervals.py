"""Intervals: PHEindicatormethods' published test values (copied into methods.md) and edge cases.

Expected values are the published figures in the project's reference notes ``methods.md``
(sections "Proportions — Wilson score interval" and "Counts and rates"), which reproduce
PHEindicatormethods' test fixtures; the code must compute them to a relative tolerance of 1e-6.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as st

from analysis.stats import (
    byars_ci,
    count_ci,
    count_ci_method,
    exact_poisson_ci,
    proportion_ci_table,
    rate_ci,
    rate_ci_table,
    wilson_ci,
    z_value,
)

REL = 1e-6

# methods.md, "Proportions — Wilson score interval": x, n, 95% lower, 95% upper, 99.8% lower, 99.8% upper
WILSON_PUBLISHED = [
    (1, 100, 0.0017674321, 0.0544861962, 0.0008730657, 0.1045544528),
    (65, 100, 0.5525444330, 0.7363575176, 0.4954946574, 0.7783540614),
    (222, 3215, 0.0607916904, 0.0783395668, 0.0564710196, 0.0841841419),
    (9856, 12345, 0.7912101753, 0.8053640074, 0.7869924108, 0.8093061413),
]

# methods.md, "Counts and rates": x, population, method, rate per 100,000 limits
# (95% lower, 95% upper, 99.8% lower, 99.8% upper)
RATE_PUBLISHED = [
    (1, 100, "exact", 25.317807984, 5571.6433909, 1.0005003336, 9233.4134765),
    (20, 100, "Byar's", 12211.428835, 30889.880369, 8922.8023651, 38085.035625),
    (999, 3456, "Byar's", 27141.304936, 30755.833237, 26162.147596, 31845.604820),
    (250, 220, "Byar's", 99984.947385, 128631.14487, 92710.005544, 137651.23772),
]


def test_z_values_match_methods_md() -> None:
    assert z_value(0.95) == pytest.approx(1.959964, rel=REL)
    assert z_value(0.998) == pytest.approx(3.090232, rel=REL)
    assert z_value(95) == z_value(0.95)  # PHE accepts percentages too


@pytest.mark.parametrize("x, n, lo95, hi95, lo998, hi998", WILSON_PUBLISHED)
def test_wilson_reproduces_published_values(x, n, lo95, hi95, lo998, hi998) -> None:
    assert wilson_ci(x, n, confidence=0.95) == pytest.approx((lo95, hi95), rel=REL)
    assert wilson_ci(x, n, confidence=0.998) == pytest.approx((lo998, hi998), rel=REL)


def test_wilson_vectorised_equals_scalar_and_scipy() -> None:
    x = np.array([0, 1, 3, 17, 50, 99, 100])
    n = np.array([100, 100, 7, 40, 50, 100, 100])
    for conf in (0.95, 0.998):
        lo, hi = wilson_ci(x, n, confidence=conf)
        assert isinstance(lo, np.ndarray) and lo.shape == x.shape
        for i in range(len(x)):
            s_lo, s_hi = wilson_ci(int(x[i]), int(n[i]), confidence=conf)
            assert (lo[i], hi[i]) == (s_lo, s_hi)
            ref = st.binomtest(int(x[i]), int(n[i])).proportion_ci(
                confidence_level=conf, method="wilson"
            )
            assert lo[i] == pytest.approx(ref.low, rel=1e-9, abs=1e-12)
            assert hi[i] == pytest.approx(ref.high, rel=1e-9, abs=1e-12)


def test_wilson_edge_cases() -> None:
    assert wilson_ci(0, 10)[0] == 0.0  # no events: lower limit exactly 0
    assert wilson_ci(10, 10)[1] == 1.0  # all events: upper limit exactly 1
    assert wilson_ci(0, 10)[1] == pytest.approx(
        st.binomtest(0, 10).proportion_ci(method="wilson").high, rel=1e-9
    )
    lo, hi = wilson_ci(np.nan, 10)
    assert math.isnan(lo) and math.isnan(hi)
    lo, hi = wilson_ci([5, None], [10, 20])
    assert not math.isnan(lo[0]) and math.isnan(lo[1]) and math.isnan(hi[1])


def test_wilson_rejects_impossible_inputs_naming_the_value() -> None:
    with pytest.raises(ValueError, match=r"index 'Rugby' \(x=12, n=10\)"):
        wilson_ci(pd.Series([3, 12], index=["Warwick", "Rugby"]), pd.Series([5, 10], index=["Warwick", "Rugby"]))
    with pytest.raises(ValueError, match="greater than zero"):
        wilson_ci(0, 0)  # PHE: "denominators must be greater than zero"
    with pytest.raises(ValueError, match="≥ 0"):
        wilson_ci(-1, 10)
    with pytest.raises(ValueError, match="different indexes"):
        wilson_ci(pd.Series([1], index=["a"]), pd.Series([2], index=["b"]))
    with pytest.raises(ValueError, match="numeric"):
        wilson_ci(["c"], [10])
    with pytest.raises(ValueError, match="confidence level"):
        wilson_ci(1, 10, confidence=1.5)


@pytest.mark.parametrize("x, pop, method, lo95, hi95, lo998, hi998", RATE_PUBLISHED)
def test_rates_reproduce_published_values(x, pop, method, lo95, hi95, lo998, hi998) -> None:
    assert rate_ci(x, pop, multiplier=100_000, confidence=0.95) == pytest.approx((lo95, hi95), rel=REL)
    assert rate_ci(x, pop, multiplier=100_000, confidence=0.998) == pytest.approx((lo998, hi998), rel=REL)
    assert count_ci_method(x) == method
    # the underlying method on its own gives the same count limits
    direct = exact_poisson_ci if method == "exact" else byars_ci
    for conf, (lo, hi) in ((0.95, (lo95, hi95)), (0.998, (lo998, hi998))):
        c_lo, c_hi = direct(x, confidence=conf)
        assert c_lo / pop * 100_000 == pytest.approx(lo, rel=REL)
        assert c_hi / pop * 100_000 == pytest.approx(hi, rel=REL)


def test_rate_table_reproduces_published_values_with_two_levels() -> None:
    idx = [f"area{i}" for i in range(len(RATE_PUBLISHED))]
    x = pd.Series([r[0] for r in RATE_PUBLISHED], index=idx)
    pop = pd.Series([r[1] for r in RATE_PUBLISHED], index=idx)
    table = rate_ci_table(x, pop, multiplier=100_000, confidence=(0.95, 0.998))
    assert list(table.index) == idx
    expected = pd.DataFrame(
        [r[3:] for r in RATE_PUBLISHED],
        index=idx,
        columns=["lower_95", "upper_95", "lower_99_8", "upper_99_8"],
    )
    np.testing.assert_allclose(table[expected.columns].to_numpy(), expected.to_numpy(), rtol=REL)
    assert table["method"].tolist() == [r[2] for r in RATE_PUBLISHED]
    assert table["value"].tolist() == pytest.approx([r[0] / r[1] * 1e5 for r in RATE_PUBLISHED])


def test_exact_poisson_limits_have_the_defining_tail_probabilities() -> None:
    # An independent check through the Poisson distribution itself: at the lower limit
    # P(X >= x) = α/2, at the upper limit P(X <= x) = α/2.
    for x in (1, 2, 5, 9, 30):
        for conf in (0.95, 0.998):
            lo, hi = exact_poisson_ci(x, confidence=conf)
            a2 = (1 - conf) / 2
            assert st.poisson.sf(x - 1, lo) == pytest.approx(a2, rel=1e-8)
            assert st.poisson.cdf(x, hi) == pytest.approx(a2, rel=1e-8)


def test_count_ci_switches_to_byars_at_ten_events() -> None:
    lo, hi = count_ci([9, 10])
    assert (lo[0], hi[0]) == exact_poisson_ci(9)
    assert (lo[1], hi[1]) == byars_ci(10)
    assert list(count_ci_method([0, 9, 10, np.nan])) == ["exact", "exact", "Byar's", None]


def test_count_edge_cases() -> None:
    lo, hi = count_ci(0)
    assert lo == 0.0
    assert hi == pytest.approx(st.chi2.ppf(0.975, 2) / 2, rel=1e-12)  # 3.689 events
    assert byars_ci(0)[0] == 0.0
    assert math.isnan(count_ci(np.nan)[0])
    with pytest.raises(ValueError, match="≥ 0"):
        count_ci(-3)
    # x > population is a legitimate rate of events
    assert rate_ci(250, 220, multiplier=100_000)[0] > 0
    with pytest.raises(ValueError, match="greater than zero"):
        rate_ci(5, 0)
    lo, hi = rate_ci([5, 5], [np.nan, 1000])
    assert math.isnan(lo[0]) and not math.isnan(lo[1])


def test_proportion_table_in_percent_keeps_index() -> None:
    x = pd.Series([1, 65, 222, 9856], index=list("abcd"))
    n = pd.Series([100, 100, 3215, 12345], index=list("abcd"))
    table = proportion_ci_table(x, n)
    assert list(table.index) == list("abcd")
    assert table["value"].tolist() == pytest.approx([1.0, 65.0, 222 / 3215 * 100, 9856 / 12345 * 100])
    np.testing.assert_allclose(table["lower"], [r[2] * 100 for r in WILSON_PUBLISHED], rtol=REL)
    np.testing.assert_allclose(table["upper"], [r[3] * 100 for r in WILSON_PUBLISHED], rtol=REL)
    assert set(table["method"]) == {"Wilson"} and set(table["confidence"]) == {"95%"}
    both = proportion_ci_table(x, n, confidence=(0.95, 0.998), multiplier=1)
    np.testing.assert_allclose(both["upper_99_8"], [r[5] for r in WILSON_PUBLISHED], rtol=REL)
    with pytest.raises(ValueError, match="greater than denominator"):
        proportion_ci_table([11], [10])
