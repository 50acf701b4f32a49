"""Confidence intervals for proportions, counts and rates (PHEindicatormethods' methods).

Methods (see ``methods.md`` in the project's reference notes, and PHEindicatormethods):

* proportions: Wilson score interval
  ``(2x + z² ∓ z·√(z² + 4x(1 − x/n))) / (2(n + z²))``;
* counts: exact Poisson limits below 10 events
  (``χ²(α/2; 2x)/2``, ``χ²(1 − α/2; 2x + 2)/2``) and Byar's approximation at 10 and above
  (``x·(1 − 1/(9x) − z/(3√x))³``, ``(x+1)·(1 − 1/(9(x+1)) + z/(3√(x+1)))³``);
* rates: the count's limits divided by the population, times the multiplier
  (10,000 for children's social care rates: "per 10,000 children aged under 18").

Edge cases follow PHEindicatormethods: a negative numerator, a denominator ≤ 0, or (for a
proportion) a numerator above its denominator raises ``ValueError`` naming the value;
missing values propagate as ``NaN``. ``x = 0`` gives a lower limit of exactly 0 and
``x = n`` an upper proportion limit of exactly 1. For rates, ``x > population`` is allowed
(a rate of events, e.g. 250 contacts in a population of 220).

All functions accept scalars, arrays or pandas Series (see :mod:`analysis.stats._common`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as _st

from ..formatting import Proportion
from ._common import (
    as_arrays,
    check_conf,
    check_counts,
    check_denominators,
    check_x_le_n,
    conf_label,
    z_value,
)

__all__ = [
    "wilson_ci",
    "byars_ci",
    "exact_poisson_ci",
    "count_ci",
    "count_ci_method",
    "rate_ci",
    "proportion_ci_table",
    "rate_ci_table",
    "EXACT_BELOW",
]

#: PHE switches from the exact Poisson interval to Byar's approximation at this many events.
EXACT_BELOW = 10

ArrayLike = Any  # float | int | Sequence[float] | np.ndarray | pd.Series


# --------------------------------------------------------------------------- proportions
def wilson_limits(x: np.ndarray, n: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
    with np.errstate(invalid="ignore", divide="ignore"):
        centre = 2.0 * x + z * z
        spread = z * np.sqrt(z * z + 4.0 * x * (1.0 - x / n))
        denom = 2.0 * (n + z * z)
        lower = (centre - spread) / denom
        upper = (centre + spread) / denom
    lower = np.where(x == 0, 0.0, lower)
    upper = np.where(x == n, 1.0, upper)
    return lower, upper


def wilson_ci(x: ArrayLike, n: ArrayLike, *, confidence: float = 0.95) -> tuple[Any, Any]:
    """Wilson score confidence interval for a proportion ``x / n``.

    Parameters
    ----------
    x : count(s) with the characteristic (numerator), ``0 ≤ x ≤ n``.
    n : count(s) in the group (denominator), ``n > 0``.
    confidence : confidence level, 0.95 (default) or 0.998 etc. (95 and 99.8 are accepted too).

    Returns
    -------
    (lower, upper) as **proportions** in [0, 1] (not percentages), in the shape of the input; a
    scalar limit is a :class:`analysis.formatting.Proportion` (a float), which the percent
    formatters refuse, so it cannot print as "0.0% to 0.1%": multiply by 100 (a plain float in
    percent) or format it with ``fmt_interval(lower, upper, "proportion")``.

    Raises ``ValueError`` for x < 0, n ≤ 0 or x > n, naming the offending values.
    Missing x or n gives NaN limits.
    """
    shape, (xa, na) = as_arrays(x=x, n=n)
    check_counts(shape, xa, "x", "wilson_ci")
    check_denominators(shape, na, "n", "wilson_ci")
    check_x_le_n(shape, xa, na, "wilson_ci")
    lower, upper = wilson_limits(xa, na, z_value(confidence))
    lower, upper = shape.wrap(lower, "lower"), shape.wrap(upper, "upper")
    if isinstance(lower, float):  # a scalar: tag its unit (NaN stays a plain float: it prints as x)
        lower, upper = (v if np.isnan(v) else Proportion(v) for v in (lower, upper))
    return lower, upper


# --------------------------------------------------------------------------- counts
def _byars(x: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
    with np.errstate(invalid="ignore", divide="ignore"):
        lower = x * (1.0 - 1.0 / (9.0 * x) - z / (3.0 * np.sqrt(x))) ** 3
        x1 = x + 1.0
        upper = x1 * (1.0 - 1.0 / (9.0 * x1) + z / (3.0 * np.sqrt(x1))) ** 3
    lower = np.where(x == 0, 0.0, lower)
    return lower, upper


def _exact(x: np.ndarray, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    alpha = 1.0 - confidence
    with np.errstate(invalid="ignore"):
        lower = _st.chi2.ppf(alpha / 2.0, 2.0 * x) / 2.0
        upper = _st.chi2.ppf(1.0 - alpha / 2.0, 2.0 * x + 2.0) / 2.0
    # scipy returns NaN for 0 degrees of freedom; R's qchisq (and the limit) give 0.
    lower = np.where(x == 0, 0.0, lower)
    return lower, upper


def byars_ci(x: ArrayLike, *, confidence: float = 0.95) -> tuple[Any, Any]:
    """Byar's approximation to the Poisson confidence interval for an observed count.

    ``lower = x(1 − 1/(9x) − z/(3√x))³``, ``upper = (x+1)(1 − 1/(9(x+1)) + z/(3√(x+1)))³``.
    Returns (lower, upper) as **counts** (events). PHE uses it for 10 or more events; below
    that use :func:`exact_poisson_ci` (or :func:`count_ci`, which switches for you). At
    ``x = 0`` the lower limit is set to 0 (the formula is undefined there).
    """
    shape, (xa,) = as_arrays(x=x)
    check_counts(shape, xa, "x", "byars_ci")
    lower, upper = _byars(xa, z_value(confidence))
    return shape.wrap(lower, "lower"), shape.wrap(upper, "upper")


def exact_poisson_ci(x: ArrayLike, *, confidence: float = 0.95) -> tuple[Any, Any]:
    """Exact Poisson confidence interval for an observed count, via ``scipy.stats.chi2``.

    ``lower = χ²(α/2; 2x)/2`` (0 when x = 0), ``upper = χ²(1 − α/2; 2x + 2)/2``.
    Returns (lower, upper) as **counts** (events).
    """
    shape, (xa,) = as_arrays(x=x)
    check_counts(shape, xa, "x", "exact_poisson_ci")
    lower, upper = _exact(xa, check_conf(confidence))
    return shape.wrap(lower, "lower"), shape.wrap(upper, "upper")


def count_limits(x: np.ndarray, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    el, eu = _exact(x, confidence)
    bl, bu = _byars(x, z_value(confidence))
    small = x < EXACT_BELOW
    return np.where(small, el, bl), np.where(small, eu, bu)


def count_ci(x: ArrayLike, *, confidence: float = 0.95) -> tuple[Any, Any]:
    """Confidence interval for a count as PHE computes it: exact Poisson below 10 events,
    Byar's method at 10 and above. Returns (lower, upper) as **counts** (events)."""
    shape, (xa,) = as_arrays(x=x)
    check_counts(shape, xa, "x", "count_ci")
    lower, upper = count_limits(xa, check_conf(confidence))
    return shape.wrap(lower, "lower"), shape.wrap(upper, "upper")


def count_ci_method(x: ArrayLike) -> Any:
    """Which method :func:`count_ci` uses for each count: ``"exact"`` or ``"Byar's"``
    (``None`` where the count is missing)."""
    shape, (xa,) = as_arrays(x=x)
    out = np.full(xa.shape, None, dtype=object)
    out[xa < EXACT_BELOW] = "exact"
    out[xa >= EXACT_BELOW] = "Byar's"
    return shape.wrap(out, "method")


def rate_ci(
    x: ArrayLike, population: ArrayLike, *, multiplier: float = 10_000, confidence: float = 0.95
) -> tuple[Any, Any]:
    """Confidence interval for a crude rate ``x / population × multiplier``.

    The count's interval (:func:`count_ci`: exact below 10, Byar's at 10+) divided by the
    population and multiplied by ``multiplier`` (10,000 -> "per 10,000 children").
    ``x`` may exceed ``population``. Returns (lower, upper) in rate units.
    """
    shape, (xa, pa) = as_arrays(x=x, population=population)
    check_counts(shape, xa, "x", "rate_ci")
    check_denominators(shape, pa, "population", "rate_ci")
    lower, upper = count_limits(xa, check_conf(confidence))
    return (
        shape.wrap(lower / pa * multiplier, "lower"),
        shape.wrap(upper / pa * multiplier, "upper"),
    )


# --------------------------------------------------------------------------- tables
def _conf_levels(confidence: float | Sequence[float]) -> list[float]:
    if isinstance(confidence, (list, tuple, np.ndarray)):
        levels = [check_conf(c) for c in confidence]
        if not levels:
            raise ValueError("confidence is an empty sequence; give e.g. 0.95 or (0.95, 0.998)")
        return levels
    return [check_conf(confidence)]  # type: ignore[arg-type]


def _suffix(confidence: float) -> str:
    return conf_label(confidence).rstrip("%").replace(".", "_")


def proportion_ci_table(
    x: ArrayLike,
    n: ArrayLike,
    *,
    multiplier: float = 100,
    confidence: float | Sequence[float] = 0.95,
) -> pd.DataFrame:
    """Proportions with Wilson intervals as a table, like PHEindicatormethods' ``phe_proportion``.

    Columns: ``numerator``, ``denominator``, ``value``, ``lower``, ``upper`` (value and limits
    × ``multiplier``: 100 -> **percent**, 1 -> proportion), ``confidence`` (e.g. "95%") and
    ``method`` ("Wilson"). With several confidence levels, e.g. ``confidence=(0.95, 0.998)``, the
    limits are ``lower_95``, ``upper_95``, ``lower_99_8``, ``upper_99_8``.
    A Series input keeps its index (e.g. district names).
    """
    levels = _conf_levels(confidence)
    shape, (xa, na) = as_arrays(x=x, n=n)
    check_counts(shape, xa, "x", "proportion_ci_table")
    check_denominators(shape, na, "n", "proportion_ci_table")
    check_x_le_n(shape, xa, na, "proportion_ci_table")
    cols: dict[str, np.ndarray] = {"numerator": xa, "denominator": na}
    with np.errstate(invalid="ignore", divide="ignore"):
        cols["value"] = xa / na * multiplier
    for c in levels:
        lo, hi = wilson_limits(xa, na, z_value(c))
        sfx = "" if len(levels) == 1 else "_" + _suffix(c)
        cols["lower" + sfx] = lo * multiplier
        cols["upper" + sfx] = hi * multiplier
    out = shape.frame(cols)
    out["confidence"] = ", ".join(conf_label(c) for c in levels)
    out["method"] = "Wilson"
    return out


def rate_ci_table(
    x: ArrayLike,
    population: ArrayLike,
    *,
    multiplier: float = 10_000,
    confidence: float | Sequence[float] = 0.95,
) -> pd.DataFrame:
    """Crude rates with confidence intervals as a table, like PHEindicatormethods' ``phe_rate``.

    Columns: ``numerator`` (events or children, a count), ``denominator`` (population),
    ``value`` (rate per ``multiplier``, default **per 10,000**), ``lower``, ``upper``,
    ``confidence``, ``method`` ("exact" below 10 events, "Byar's" at 10+). With several
    confidence levels the limits are suffixed as in :func:`proportion_ci_table`.
    """
    levels = _conf_levels(confidence)
    shape, (xa, pa) = as_arrays(x=x, population=population)
    check_counts(shape, xa, "x", "rate_ci_table")
    check_denominators(shape, pa, "population", "rate_ci_table")
    cols: dict[str, np.ndarray] = {"numerator": xa, "denominator": pa}
    with np.errstate(invalid="ignore", divide="ignore"):
        cols["value"] = xa / pa * multiplier
    for c in levels:
        lo, hi = count_limits(xa, c)
        sfx = "" if len(levels) == 1 else "_" + _suffix(c)
        cols["lower" + sfx] = lo / pa * multiplier
        cols["upper" + sfx] = hi / pa * multiplier
    out = shape.frame(cols)
    out["confidence"] = ", ".join(conf_label(c) for c in levels)
    method = np.full(xa.shape, None, dtype=object)
    method[xa < EXACT_BELOW] = "exact"
    method[xa >= EXACT_BELOW] = "Byar's"
    out["method"] = pd.Series(method.reshape(-1), index=out.index, dtype="object")
    return out
