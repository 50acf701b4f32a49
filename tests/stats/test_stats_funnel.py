"""Funnel limits: methods.md published values (PHE / Spiegelhalter 2005) and behaviour."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as st

from analysis.stats import (
    classify_funnel,
    compare_rate_to_benchmark,
    funnel_centre,
    funnel_curve,
    overdispersion,
    poisson_funnel_expected,
    proportion_funnel_limits,
    rate_funnel_limits,
    rate_funnel_limits_at,
    ratio_funnel_limits,
    ratio_funnel_limits_at,
)

REL = 1e-6
THETA = 0.80642448  # methods.md: θ̄ = 80.642448%


@pytest.mark.parametrize(
    "n, conf, lower_pct, upper_pct",
    [  # methods.md, "Funnel plots", proportions
        (50, 0.95, 69.691035, 91.593861),
        (50, 0.998, 63.375595, 97.909301),
        (598, 0.95, 77.475765, 83.809131),
    ],
)
def test_proportion_limits_reproduce_methods_md(n, conf, lower_pct, upper_pct) -> None:
    lo, hi = proportion_funnel_limits(n, THETA, confidence=conf)
    assert lo * 100 == pytest.approx(lower_pct, rel=REL)
    assert hi * 100 == pytest.approx(upper_pct, rel=REL)


def test_poisson_funnel_reproduces_methods_md_o19() -> None:
    # methods.md: O = 19 -> E = 29.67084937 (ratio 64.036%) and 11.43924075 (ratio 166.095%) at 95%
    e_low, e_high = poisson_funnel_expected(19, confidence=0.95)
    assert e_low == pytest.approx(29.67084937, rel=REL)
    assert e_high == pytest.approx(11.43924075, rel=REL)
    lo, hi = ratio_funnel_limits(19, confidence=0.95)
    # the ratios are printed to 3 decimals of a percent: hold them to half a unit of that digit
    assert lo * 100 == pytest.approx(64.036, abs=5e-4)
    assert hi * 100 == pytest.approx(166.095, abs=5e-4)


def test_smooth_ratio_curve_passes_through_phe_points() -> None:
    for o in (1, 5, 19, 250):
        e_low, e_high = poisson_funnel_expected(o)
        lo_at, _ = ratio_funnel_limits_at(e_low)
        _, hi_at = ratio_funnel_limits_at(e_high)
        assert lo_at == pytest.approx(o / e_low, rel=1e-8)
        assert hi_at == pytest.approx(o / e_high, rel=1e-8)


def test_rate_funnel_is_the_ratio_funnel_scaled_by_the_benchmark() -> None:
    pts = rate_funnel_limits([19, 100], benchmark=45.0, multiplier=10_000)
    lo19, hi19 = ratio_funnel_limits(19)
    assert pts.loc[0, "lower"] == pytest.approx(lo19 * 45.0, rel=1e-12)
    assert pts.loc[0, "upper"] == pytest.approx(hi19 * 45.0, rel=1e-12)
    assert pts.loc[0, "population_lower"] == pytest.approx(29.67084937 / 0.0045, rel=REL)
    # the smooth curve at those populations gives the same limits
    lo_at, _ = rate_funnel_limits_at(pts["population_lower"], 45.0)
    np.testing.assert_allclose(lo_at, pts["lower"], rtol=1e-8)


def test_outside_the_rate_funnel_means_exact_interval_excludes_benchmark() -> None:
    # Below 10 events PHE's single-area test is exact, so it must agree with the funnel.
    benchmark = 45.0
    x = np.array([o for o in range(10) for _ in range(6)], dtype=float)
    pop = np.tile([300.0, 700.0, 1500.0, 4000.0, 9000.0, 20000.0], 10)
    table = classify_funnel(x, pop, kind="rate", benchmark=benchmark)
    for conf, col in ((0.95, "funnel_95"), (0.998, "funnel_99_8")):
        verdict = compare_rate_to_benchmark(x, pop, benchmark, multiplier=10_000, confidence=conf)
        expected = np.select([verdict == "higher", verdict == "lower"], ["above", "below"], "inside")
        assert table[col].tolist() == expected.tolist()
    assert set(table["funnel_95"]) == {"above", "inside", "below"}  # the grid exercises all three


def test_limits_clipped_to_unit_interval_and_validated() -> None:
    lo, hi = proportion_funnel_limits([2, 10_000], 0.9)
    assert hi[0] == 1.0 and lo[0] > 0
    lo, hi = proportion_funnel_limits(5, 0.02)
    assert lo == 0.0
    with pytest.raises(ValueError, match="proportion in"):
        proportion_funnel_limits(10, 80.6)
    with pytest.raises(ValueError, match="greater than zero"):
        proportion_funnel_limits([10, 0], 0.5)
    lo, hi = ratio_funnel_limits(0)
    assert lo == 0.0 and math.isnan(hi)


def test_funnel_centre_and_curve() -> None:
    x = pd.Series([10, 20, np.nan, 30])
    n = pd.Series([100, 100, 100, 300])
    assert funnel_centre(x, n) == pytest.approx(60 / 500)
    curve = funnel_curve(20, 2000, 0.12, n_points=50)
    assert list(curve.columns) == ["denominator", "centre", "lower_95", "upper_95", "lower_99_8", "upper_99_8"]
    assert curve["denominator"].iloc[0] == pytest.approx(20) and curve["denominator"].iloc[-1] == pytest.approx(2000)
    assert np.all(np.diff(np.log(curve["denominator"])) == pytest.approx(np.log(100) / 49))
    lo, hi = proportion_funnel_limits(curve["denominator"], 0.12, confidence=0.998)
    np.testing.assert_allclose(curve["lower_99_8"], np.asarray(lo) * 100)
    assert (curve["lower_99_8"] <= curve["lower_95"]).all() and (curve["upper_95"] <= curve["upper_99_8"]).all()
    assert (curve["centre"] == 12.0).all()
    rate = funnel_curve(500, 50_000, 45.0, kind="rate", n_points=20)
    assert rate["lower_95"].is_monotonic_increasing and rate["upper_95"].is_monotonic_decreasing


def _ratio_areas(z: list[float], expected: float = 100.0) -> tuple[np.ndarray, np.ndarray]:
    # observed counts whose square-root z-score 2(√O − √E) is exactly z (Spiegelhalter 2005)
    e = np.full(len(z), expected)
    o = (np.sqrt(e) + np.asarray(z) / 2.0) ** 2
    return o, e


def test_overdispersion_hand_computed_example() -> None:
    # Ten areas, E = 100, z = [-4, -2, -1, 0, 0, 0, 1, 1, 2, 4]. Winsorised at the 10th/90th
    # percentiles (linear interpolation: -2.2 and 2.2) the squared z sum to
    # 4.84 + 4 + 1 + 0 + 0 + 0 + 1 + 1 + 4 + 4.84 = 20.68, so φ = 2.068.
    # Weights w = 1/s² = 4E = 400: τ² = (10·2.068 − 9) / (4000 − 1.6e6/4000) = 11.68 / 3600.
    o, e = _ratio_areas([-4, -2, -1, 0, 0, 0, 1, 1, 2, 4])
    od = overdispersion(o, e, kind="ratio")
    assert od.n_areas == 10
    assert od.phi == pytest.approx(2.068, rel=1e-12)
    assert od.tau2 == pytest.approx(11.68 / 3600, rel=1e-12)
    assert od.p_value == pytest.approx(st.chi2.sf(20.68, 9), rel=1e-12)
    np.testing.assert_allclose(od.z, [-4, -2, -1, 0, 0, 0, 1, 1, 2, 4], atol=1e-12)
    z = 1.959963984540054
    lo, hi = ratio_funnel_limits_at(100, confidence=0.95, tau2=od.tau2)
    assert hi == pytest.approx((1 + z * math.sqrt(1 / 400 + 11.68 / 3600)) ** 2, rel=1e-12)
    assert lo == pytest.approx((1 - z * math.sqrt(1 / 400 + 11.68 / 3600)) ** 2, rel=1e-12)
    lo, hi = ratio_funnel_limits_at(100, confidence=0.95, phi=od.phi)
    assert hi == pytest.approx((1 + z * math.sqrt(2.068 / 400)) ** 2, rel=1e-12)


def test_no_overdispersion_means_no_adjustment() -> None:
    o, e = _ratio_areas([0.0] * 12)
    od = overdispersion(o, e, kind="ratio")
    assert od.phi == 0 and od.tau2 == 0 and not od.overdispersed_95
    # φ < 1 never narrows the limits
    assert ratio_funnel_limits_at(100, phi=od.phi) == ratio_funnel_limits_at(100, tau2=0.0)
    with pytest.raises(ValueError, match="at least 10"):
        overdispersion([1, 2, 3], [10, 10, 10])


def test_overdispersion_widens_limits_and_moves_areas_inside() -> None:
    rng = np.random.default_rng(20180331)
    n = rng.integers(200, 3000, 150)
    true_p = np.clip(rng.normal(0.30, 0.05, 150), 0.01, 0.99)
    x = rng.binomial(n, true_p)
    plain = classify_funnel(x, n)
    add = classify_funnel(x, n, overdispersion_method="additive")
    mult = classify_funnel(x, n, overdispersion_method="multiplicative")
    assert add.attrs["overdispersion"]["tau2"] > 0 and mult.attrs["overdispersion"]["phi"] > 1
    outside = lambda t: (t["funnel_99_8"] != "inside").sum()  # noqa: E731
    assert outside(add) < outside(plain) and outside(mult) < outside(plain)
    assert (add["upper_95"] > plain["upper_95"]).all()


def test_classify_funnel_positions_and_missing_rows() -> None:
    idx = ["North Warks", "Nuneaton", "Rugby", "Stratford", "Warwick", "Unknown"]
    x = pd.Series([36, 150, 5, 48, 50, np.nan], index=idx)
    n = pd.Series([100, 200, 100, 100, 100, 100], index=idx)
    t = classify_funnel(x, n)
    assert list(t.index) == idx
    centre = 289 / 600
    assert t["centre"].iloc[0] == pytest.approx(centre * 100)
    lo95, hi95 = proportion_funnel_limits(100, centre, confidence=0.95)
    lo998, hi998 = proportion_funnel_limits(100, centre, confidence=0.998)
    assert t.loc["Rugby", "position"] == "below 99.8% limit"  # 5% against limits near 34%
    assert t.loc["Nuneaton", "position"] == "above 99.8% limit"  # 75% at n = 200
    assert lo998 * 100 < 36 < lo95 * 100  # so North Warks (36%) is below the 95% limit only
    assert t.loc["North Warks", "position"] == "below 95% limit"
    assert t.loc["Stratford", "position"] == "inside 95% limits"
    assert t.loc["Unknown", "position"] is None and t.loc["Unknown", "funnel_95"] is None
    with pytest.raises(ValueError, match="kind"):
        classify_funnel(x, n, kind="percent")
