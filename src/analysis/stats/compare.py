"""Significance of an area's indicator against a benchmark (PHE Fingertips convention).

An indicator is significantly **higher** than the benchmark when the benchmark lies below
the lower confidence limit, **lower** when it lies above the upper limit, and otherwise
**not significantly different** (a benchmark exactly on a limit is not significant).
The intervals are PHE's: Wilson for proportions; exact Poisson below 10 events and Byar's
at 10 and above for rates. Use ``confidence=0.95`` and ``confidence=0.998`` for the two Fingertips
levels. Verdicts are exactly the strings in :data:`VERDICTS`; a missing input gives ``None``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._common import (
    as_arrays,
    check_conf,
    check_counts,
    check_denominators,
    check_share,
    check_x_le_n,
    describe_positions,
    z_value,
)
from .intervals import count_limits, wilson_limits

__all__ = [
    "HIGHER",
    "LOWER",
    "SIMILAR",
    "VERDICTS",
    "verdict_from_interval",
    "compare_proportion_to_benchmark",
    "compare_rate_to_benchmark",
]

HIGHER = "higher"
LOWER = "lower"
SIMILAR = "not significantly different"
VERDICTS = (HIGHER, LOWER, SIMILAR)


def verdicts_from_limits(lower: np.ndarray, upper: np.ndarray, benchmark: np.ndarray) -> np.ndarray:
    out = np.full(np.shape(lower), None, dtype=object)
    known = ~(np.isnan(lower) | np.isnan(upper) | np.isnan(benchmark))
    out[known] = SIMILAR
    out[known & (lower > benchmark)] = HIGHER
    out[known & (upper < benchmark)] = LOWER
    return out


def verdict_from_interval(lower: Any, upper: Any, benchmark: Any) -> Any:
    """Verdict for any interval against a benchmark in the same units.

    ``"higher"`` if ``lower > benchmark``, ``"lower"`` if ``upper < benchmark``, else
    ``"not significantly different"``; ``None`` where anything is missing.
    """
    shape, (lo, hi, b) = as_arrays(lower=lower, upper=upper, benchmark=benchmark)
    return shape.wrap(verdicts_from_limits(lo, hi, b), "verdict")




def compare_proportion_to_benchmark(
    x: Any, n: Any, benchmark: Any, *, confidence: float = 0.95
) -> Any:
    """Is the proportion ``x / n`` significantly higher or lower than ``benchmark``?

    Parameters
    ----------
    x, n : counts (numerator and denominator), ``0 ≤ x ≤ n``, ``n > 0``.
    benchmark : the comparator as a **proportion** in [0, 1] (e.g. England's 0.06, not 6).
    confidence : confidence level of the Wilson interval, 0.95 or 0.998.

    Returns ``"higher"``, ``"lower"`` or ``"not significantly different"`` per row.
    """
    shape, (xa, na, ba) = as_arrays(x=x, n=n, benchmark=benchmark)
    func = "compare_proportion_to_benchmark"
    check_counts(shape, xa, "x", func)
    check_denominators(shape, na, "n", func)
    check_x_le_n(shape, xa, na, func)
    check_share(shape, ba, "benchmark", func)
    lo, hi = wilson_limits(xa, na, z_value(confidence))
    return shape.wrap(verdicts_from_limits(lo, hi, ba), "verdict")


def compare_rate_to_benchmark(
    x: Any,
    population: Any,
    benchmark: Any,
    *,
    multiplier: float = 10_000,
    confidence: float = 0.95,
) -> Any:
    """Is the rate ``x / population × multiplier`` significantly different from a benchmark?

    Parameters
    ----------
    x : count of children or events (numerator).
    population : population (denominator), e.g. ONS mid-year estimate of children aged 0–17.
    benchmark : comparator rate **per ``multiplier``** (e.g. England's CP rate per 10,000).
    multiplier : 10,000 by default (children's social care convention).
    confidence : 0.95 or 0.998.

    Uses the area's count interval (exact below 10 events, Byar's at 10+), as PHE does.
    Returns ``"higher"``, ``"lower"`` or ``"not significantly different"`` per row.
    """
    shape, (xa, pa, ba) = as_arrays(x=x, population=population, benchmark=benchmark)
    func = "compare_rate_to_benchmark"
    check_counts(shape, xa, "x", func)
    check_denominators(shape, pa, "population", func)
    neg = ba < 0
    if neg.any():
        raise ValueError(
            f"{func}: benchmark must be ≥ 0; found "
            f"{describe_positions(neg, shape, ('benchmark', ba))}"
        )
    lo, hi = count_limits(xa, check_conf(confidence))
    return shape.wrap(verdicts_from_limits(lo / pa * multiplier, hi / pa * multiplier, ba), "verdict")
