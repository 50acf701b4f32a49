"""Benchmark comparison: verdicts follow from the published intervals in methods.md."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.stats import (
    HIGHER,
    LOWER,
    SIMILAR,
    compare_proportion_to_benchmark,
    compare_rate_to_benchmark,
    verdict_from_interval,
)


def test_verdict_strings_are_exact() -> None:
    assert (HIGHER, LOWER, SIMILAR) == ("higher", "lower", "not significantly different")


def test_proportion_verdicts_from_published_wilson_limits() -> None:
    # methods.md: 1/100 has 95% limits (0.0017674321, 0.0544861962) and 99.8% limits
    # (0.0008730657, 0.1045544528). A benchmark of 6% lies above the 95% interval only.
    assert compare_proportion_to_benchmark(1, 100, 0.06, confidence=0.95) == LOWER
    assert compare_proportion_to_benchmark(1, 100, 0.06, confidence=0.998) == SIMILAR
    # 65/100: 95% (0.5525444330, 0.7363575176); 99.8% (0.4954946574, 0.7783540614)
    assert compare_proportion_to_benchmark(65, 100, 0.53, confidence=0.95) == HIGHER
    assert compare_proportion_to_benchmark(65, 100, 0.53, confidence=0.998) == SIMILAR
    assert compare_proportion_to_benchmark(65, 100, 0.75, confidence=0.95) == LOWER
    assert compare_proportion_to_benchmark(65, 100, 0.65, confidence=0.95) == SIMILAR


def test_rate_verdicts_from_published_limits() -> None:
    # methods.md: 20 events in 100 -> per 100,000 95% (12211.43, 30889.88), 99.8% (8922.80, 38085.04)
    assert compare_rate_to_benchmark(20, 100, 10_000, multiplier=100_000, confidence=0.95) == HIGHER
    assert compare_rate_to_benchmark(20, 100, 10_000, multiplier=100_000, confidence=0.998) == SIMILAR
    assert compare_rate_to_benchmark(20, 100, 35_000, multiplier=100_000, confidence=0.95) == LOWER
    # 1 event in 100 (exact method): 95% (25.32, 5571.64) per 100,000
    assert compare_rate_to_benchmark(1, 100, 20, multiplier=100_000, confidence=0.95) == HIGHER
    assert compare_rate_to_benchmark(1, 100, 20, multiplier=100_000, confidence=0.998) == SIMILAR  # 99.8% lower 1.0005


def test_benchmark_on_the_limit_is_not_significant() -> None:
    assert verdict_from_interval(1.0, 2.0, 1.0) == SIMILAR
    assert verdict_from_interval(1.0, 2.0, 2.0) == SIMILAR
    assert verdict_from_interval(1.0, 2.0, 0.999) == HIGHER


def test_vectorised_equals_scalar_and_missing_gives_none() -> None:
    x = pd.Series([1, 65, 65, None, 30], index=list("abcde"))
    n = pd.Series([100, 100, 100, 100, 40], index=list("abcde"))
    b = pd.Series([0.06, 0.53, 0.75, 0.5, np.nan], index=list("abcde"))
    got = compare_proportion_to_benchmark(x, n, b)
    assert list(got.index) == list("abcde")
    assert got.tolist()[:3] == [
        compare_proportion_to_benchmark(1, 100, 0.06),
        compare_proportion_to_benchmark(65, 100, 0.53),
        compare_proportion_to_benchmark(65, 100, 0.75),
    ]
    assert got.iloc[3] is None and got.iloc[4] is None
    rates = compare_rate_to_benchmark(np.array([0, 40, 200]), np.array([10_000, 10_000, 10_000]), 45.0)
    assert rates.tolist() == [compare_rate_to_benchmark(v, 10_000, 45.0) for v in (0, 40, 200)]
    assert rates.tolist() == [LOWER, SIMILAR, HIGHER]


def test_comparison_rejects_percentage_benchmark_and_impossible_counts() -> None:
    with pytest.raises(ValueError, match="divide by 100"):
        compare_proportion_to_benchmark(26, 564, 6.0)
    with pytest.raises(ValueError, match="greater than denominator"):
        compare_proportion_to_benchmark(600, 564, 0.06)
    with pytest.raises(ValueError, match="greater than zero"):
        compare_rate_to_benchmark(3, 0, 45.0)
    # x > population is fine for a rate of events
    assert compare_rate_to_benchmark(250, 220, 100_000, multiplier=100_000) in (HIGHER, SIMILAR)
