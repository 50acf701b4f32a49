"""Change over time: percentage change, and whether a change is more than chance.

* :func:`percent_change` – ``(new − old) / old × 100``.
* :func:`proportion_difference_ci` – Newcombe's hybrid score interval ("method 10", Newcombe
  1998, Stat Med 17:873–890) for ``p1 − p2``, built from the two Wilson intervals:
  ``lower = d − √((p1 − l1)² + (u2 − p2)²)``, ``upper = d + √((u1 − p1)² + (p2 − l2)²)``.
* :func:`rate_ratio_ci` – the exact conditional interval for a ratio of two Poisson rates:
  given ``x1 + x2`` events, ``x1`` is binomial with ``π = R·pop1 / (R·pop1 + pop2)``; the
  Clopper–Pearson limits for π (``scipy.stats.beta``, the same as
  ``scipy.stats.binomtest(...).proportion_ci(method="exact")``) give
  ``R = π/(1 − π) × pop2/pop1``.
* :func:`change_significance` – the two together: is a rise or fall significant at 95% and
  at 99.8%? Two counts at two dates for the same population (e.g. children on CP plans at
  31 March 2017 and 2018) are treated as rates with equal populations, so the test is the
  exact conditional test on the two counts.

Caveat for readers: a count of children *on plans at a date* is not strictly a Poisson count
of independent events (the same child can be counted at both dates), so the test is a
conventional screen for "more than year-to-year noise", as PHE uses it, not a model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats as _st

from ._common import Shape, as_arrays, check_conf, check_counts, check_denominators, check_x_le_n, z_value
from .intervals import wilson_limits

__all__ = [
    "percent_change",
    "proportion_difference_ci",
    "rate_ratio_ci",
    "ChangeSignificance",
    "change_significance",
]


def percent_change(old: Any, new: Any) -> Any:
    """Percentage change from ``old`` to ``new``: ``(new − old) / old × 100`` (percent).

    ``old = 0`` gives NaN (a change from nothing has no percentage); missing values give NaN.
    """
    shape, (o, n) = as_arrays(old=old, new=new)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(o == 0, np.nan, (n - o) / np.where(o == 0, 1.0, o) * 100.0)
    return shape.wrap(out, "percent_change")


def _newcombe(
    x1: np.ndarray, n1: np.ndarray, x2: np.ndarray, n2: np.ndarray, z: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    p1, p2 = x1 / n1, x2 / n2
    l1, u1 = wilson_limits(x1, n1, z)
    l2, u2 = wilson_limits(x2, n2, z)
    d = p1 - p2
    lower = d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    upper = d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return d, lower, upper


def proportion_difference_ci(
    x1: Any, n1: Any, x2: Any, n2: Any, *, confidence: float = 0.95
) -> tuple[Any, Any, Any]:
    """Difference between two independent proportions ``p1 − p2`` with Newcombe's hybrid
    score interval (method 10).

    Parameters are counts: ``x1`` of ``n1`` and ``x2`` of ``n2`` (``0 ≤ x ≤ n``, ``n > 0``).
    Returns ``(difference, lower, upper)`` as **proportions** (× 100 for percentage points).
    For a change over time pass the *new* period first: ``(x_new, n_new, x_old, n_old)``.
    """
    shape, (a1, b1, a2, b2) = as_arrays(x1=x1, n1=n1, x2=x2, n2=n2)
    func = "proportion_difference_ci"
    for xa, na, xn, nn in ((a1, b1, "x1", "n1"), (a2, b2, "x2", "n2")):
        check_counts(shape, xa, xn, func)
        check_denominators(shape, na, nn, func)
        check_x_le_n(shape, xa, na, func)
    d, lo, hi = _newcombe(a1, b1, a2, b2, z_value(confidence))
    return shape.wrap(d, "difference"), shape.wrap(lo, "lower"), shape.wrap(hi, "upper")


def rate_ratio_limits(
    x1: np.ndarray, p1: np.ndarray, x2: np.ndarray, p2: np.ndarray, confidence: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    alpha = 1.0 - confidence
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = (x1 / p1) / (x2 / p2)
        pi_lo = np.where(x1 == 0, 0.0, _st.beta.ppf(alpha / 2.0, x1, x2 + 1.0))
        pi_hi = np.where(x2 == 0, 1.0, _st.beta.ppf(1.0 - alpha / 2.0, x1 + 1.0, x2))
        scale = p2 / p1
        lower = pi_lo / (1.0 - pi_lo) * scale
        upper = np.where(pi_hi >= 1.0, np.inf, pi_hi / (1.0 - pi_hi) * scale)
    both_zero = (x1 == 0) & (x2 == 0)
    ratio = np.where(both_zero, np.nan, ratio)
    lower = np.where(both_zero | np.isnan(x1 + x2 + p1 + p2), np.nan, lower)
    upper = np.where(both_zero | np.isnan(x1 + x2 + p1 + p2), np.nan, upper)
    return ratio, lower, upper


def rate_ratio_ci(
    x1: Any, pop1: Any, x2: Any, pop2: Any, *, confidence: float = 0.95
) -> tuple[Any, Any, Any]:
    """Ratio of two rates ``(x1/pop1) / (x2/pop2)`` with its exact (conditional binomial)
    confidence interval.

    ``x1``, ``x2`` are counts of events or children; ``pop1``, ``pop2`` their populations
    (any common unit; for two counts in the same population pass equal populations).
    Returns ``(ratio, lower, upper)``; the upper limit is ``inf`` when ``x2 = 0``, and all
    three are NaN when both counts are 0 or anything is missing.
    For a change over time pass the *new* period first.
    """
    shape, (a1, b1, a2, b2) = as_arrays(x1=x1, pop1=pop1, x2=x2, pop2=pop2)
    func = "rate_ratio_ci"
    for xa, pa, xn, pn in ((a1, b1, "x1", "pop1"), (a2, b2, "x2", "pop2")):
        check_counts(shape, xa, xn, func)
        check_denominators(shape, pa, pn, func)
    r, lo, hi = rate_ratio_limits(a1, b1, a2, b2, check_conf(confidence))
    return shape.wrap(r, "ratio"), shape.wrap(lo, "lower"), shape.wrap(hi, "upper")


@dataclass(frozen=True)
class ChangeSignificance:
    """Result of :func:`change_significance` (fields are scalars or arrays/Series alike).

    ``kind``: "rate" (counts or rates; effect = rate ratio new/old, no change = 1) or
    "proportion" (effect = difference new − old in **percentage points**, no change = 0).
    ``old_value``/``new_value``: rates per ``multiplier`` (the counts themselves when no
    populations were given) or percentages. ``percent_change`` is relative (percent).
    ``lower_95``… are the effect's limits; ``significant_95``/``significant_99_8`` say whether
    they exclude no-change; ``direction`` is "rise", "fall" or "no change".
    """

    kind: str
    old_value: Any
    new_value: Any
    percent_change: Any
    effect: Any
    lower_95: Any
    upper_95: Any
    lower_99_8: Any
    upper_99_8: Any
    significant_95: Any
    significant_99_8: Any
    direction: Any
    _shape: Shape = field(repr=False, compare=False, default=Shape("scalar"))

    @property
    def effect_name(self) -> str:
        return (
            "rate ratio (new / old)"
            if self.kind == "rate"
            else "difference (new − old, percentage points)"
        )

    @property
    def strongest_level(self) -> Any:
        """"99.8%", "95%" or None (not significant / missing), per row."""

        def one(s95: Any, s998: Any) -> str | None:
            if s998 is True or s998 is np.True_:
                return "99.8%"
            if s95 is True or s95 is np.True_:
                return "95%"
            return None

        if self._shape.kind == "scalar":
            return one(self.significant_95, self.significant_99_8)
        vals = [one(a, b) for a, b in zip(np.asarray(self.significant_95, dtype=object),
                                         np.asarray(self.significant_99_8, dtype=object))]
        return self._shape.wrap(np.array(vals, dtype=object), "strongest_level")

    def to_frame(self) -> pd.DataFrame:
        """All fields as a DataFrame (one row per comparison)."""
        names = [
            "old_value", "new_value", "percent_change", "effect", "lower_95", "upper_95",
            "lower_99_8", "upper_99_8", "significant_95", "significant_99_8", "direction",
        ]
        cols = {k: np.atleast_1d(np.asarray(getattr(self, k), dtype=object)) for k in names}
        out = self._shape.frame(cols)
        for k in names:
            if k not in ("significant_95", "significant_99_8", "direction"):
                out[k] = out[k].astype("float64")
        out.insert(0, "kind", self.kind)
        return out


def change_significance(
    old: Any,
    new: Any,
    old_denominator: Any = None,
    new_denominator: Any = None,
    *,
    kind: Literal["rate", "proportion"] = "rate",
    multiplier: float = 10_000,
) -> ChangeSignificance:
    """Is the change from ``old`` to ``new`` statistically significant at 95% and 99.8%?

    Parameters
    ----------
    old, new : counts (children, events) in the earlier and later period.
    old_denominator, new_denominator : populations for rates (e.g. children aged 0–17), or
        group sizes for proportions. Omit both for two counts in the same population.
    kind : "rate" (exact rate-ratio test; default) or "proportion" (Newcombe interval for the
        difference; denominators required).
    multiplier : rate unit when populations are given (per 10,000 by default).

    Significant means the interval for the effect excludes no change (ratio 1 or difference 0).
    """
    if kind not in ("rate", "proportion"):
        raise ValueError(f"change_significance: kind must be 'rate' or 'proportion', got {kind!r}")
    if (old_denominator is None) != (new_denominator is None):
        raise ValueError(
            "change_significance: give both old_denominator and new_denominator, or neither "
            "(two counts in the same population)"
        )
    no_denoms = old_denominator is None
    if no_denoms:
        if kind == "proportion":
            raise ValueError("change_significance: a proportion needs both denominators")
        shape, (o, n) = as_arrays(old=old, new=new)
        od = np.ones_like(o)
        nd = np.ones_like(n)
    else:
        shape, (o, n, od, nd) = as_arrays(
            old=old, new=new, old_denominator=old_denominator, new_denominator=new_denominator
        )
    func = "change_significance"
    check_counts(shape, o, "old", func)
    check_counts(shape, n, "new", func)
    check_denominators(shape, od, "old_denominator", func)
    check_denominators(shape, nd, "new_denominator", func)
    missing = np.isnan(o) | np.isnan(n) | np.isnan(od) | np.isnan(nd)

    limits: dict[float, tuple[np.ndarray, np.ndarray]] = {}
    if kind == "rate":
        scale = 1.0 if no_denoms else multiplier
        with np.errstate(invalid="ignore", divide="ignore"):
            old_value, new_value = o / od * scale, n / nd * scale
        for c in (0.95, 0.998):
            effect, lo, hi = rate_ratio_limits(n, nd, o, od, c)
            limits[c] = (lo, hi)
        null = 1.0
    else:
        check_x_le_n(shape, o, od, func)
        check_x_le_n(shape, n, nd, func)
        old_value, new_value = o / od * 100.0, n / nd * 100.0
        for c in (0.95, 0.998):
            effect, lo, hi = _newcombe(n, nd, o, od, z_value(c))
            limits[c] = (lo * 100.0, hi * 100.0)
        effect = effect * 100.0
        null = 0.0
    with np.errstate(invalid="ignore", divide="ignore"):
        pct = np.where(old_value == 0, np.nan, (new_value - old_value) / old_value * 100.0)

    def sig(c: float) -> np.ndarray:
        lo, hi = limits[c]
        out = np.full(o.shape, None, dtype=object)
        known = ~(missing | np.isnan(lo) | np.isnan(hi))
        out[known] = (lo[known] > null) | (hi[known] < null)
        return out

    direction = np.full(o.shape, None, dtype=object)
    known = ~missing
    direction[known & (new_value > old_value)] = "rise"
    direction[known & (new_value < old_value)] = "fall"
    direction[known & (new_value == old_value)] = "no change"

    def w(v: np.ndarray, name: str) -> Any:
        val = shape.wrap(v, name)
        if shape.kind == "scalar" and isinstance(val, np.bool_):
            return bool(val)
        return val

    return ChangeSignificance(
        kind=kind,
        old_value=w(old_value, "old_value"),
        new_value=w(new_value, "new_value"),
        percent_change=w(pct, "percent_change"),
        effect=w(effect, "effect"),
        lower_95=w(limits[0.95][0], "lower_95"),
        upper_95=w(limits[0.95][1], "upper_95"),
        lower_99_8=w(limits[0.998][0], "lower_99_8"),
        upper_99_8=w(limits[0.998][1], "upper_99_8"),
        significant_95=w(sig(0.95), "significant_95"),
        significant_99_8=w(sig(0.998), "significant_99_8"),
        direction=w(direction, "direction"),
        _shape=shape,
    )
