"""Representation of a group (ethnicity, disability, gender …) against its population share.

* :func:`share_vs_population` – the group's share among children on plans (or referrals)
  with its Wilson interval, against the group's share of the child population (school
  census, ONS / Census 2021, or a national prevalence): "higher", "lower" or "not
  significantly different" (PHE's rule: the benchmark outside the interval).
* :func:`relative_rate_index` – rate per 10,000 for the group / rate for everyone else, with
  the exact rate-ratio interval (1 = same rate; 2 = twice as likely).
* :func:`goodness_of_fit` – chi-squared goodness of fit across all groups
  (``scipy.stats.chisquare``), warning when expected counts are below 5.
* :func:`not_recorded_bounds` – where some records say "not recorded", the group's share if
  none of them, and if all of them, belonged to the group.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as _st

from ._common import (
    as_arrays,
    check_conf,
    check_counts,
    check_denominators,
    check_share,
    check_x_le_n,
    conf_label,
    describe_positions,
    z_value,
)
from .change import rate_ratio_limits
from .compare import verdicts_from_limits
from .intervals import wilson_limits

__all__ = [
    "share_vs_population",
    "relative_rate_index",
    "GoodnessOfFit",
    "goodness_of_fit",
    "not_recorded_bounds",
]

_REPRESENTATION = {
    "higher": "over-represented",
    "lower": "under-represented",
    "not significantly different": "in line with population share",
}


def share_vs_population(
    x: Any,
    n: Any,
    population_share: Any,
    *,
    confidence: float | Sequence[float] = 0.95,
) -> pd.DataFrame:
    """A group's share among ``n`` with its Wilson interval, against its population share.

    Parameters
    ----------
    x : children in the group (e.g. disabled children on CP plans), a count.
    n : all children in the set (e.g. all children on CP plans), a count ≥ x.
    population_share : the group's share of the comparison population as a **proportion**
        in [0, 1] (e.g. 0.06 for 6% national prevalence).
    confidence : 0.95 (default), 0.998, or both as a tuple (columns then get ``_95``/``_99_8``).

    Returns a DataFrame (index kept from Series input): ``count``, ``total``, ``share``,
    ``lower``, ``upper``, ``population_share`` (all **percent**), ``verdict`` ("higher",
    "lower", "not significantly different") and ``representation`` ("over-represented",
    "under-represented", "in line with population share").
    """
    levels = [check_conf(c) for c in confidence] if isinstance(confidence, (tuple, list)) else [check_conf(confidence)]
    shape, (xa, na, sa) = as_arrays(x=x, n=n, population_share=population_share)
    func = "share_vs_population"
    check_counts(shape, xa, "x", func)
    check_denominators(shape, na, "n", func)
    check_x_le_n(shape, xa, na, func)
    check_share(shape, sa, "population_share", func)
    with np.errstate(invalid="ignore", divide="ignore"):
        cols: dict[str, Any] = {
            "count": xa,
            "total": na,
            "share": xa / na * 100.0,
            "population_share": sa * 100.0,
        }
    verdict_cols = []
    for c in levels:
        sfx = "" if len(levels) == 1 else "_" + conf_label(c).rstrip("%").replace(".", "_")
        lo, hi = wilson_limits(xa, na, z_value(c))
        cols["lower" + sfx] = lo * 100.0
        cols["upper" + sfx] = hi * 100.0
        v = verdicts_from_limits(lo, hi, sa)
        cols["verdict" + sfx] = v
        cols["representation" + sfx] = np.array(
            [None if s is None else _REPRESENTATION[s] for s in v.reshape(-1)], dtype=object
        ).reshape(v.shape)
        verdict_cols += ["verdict" + sfx, "representation" + sfx]
    out = shape.frame(cols)
    for col in verdict_cols:
        out[col] = pd.Series(np.asarray(cols[col]).reshape(-1), index=out.index, dtype="object")
    out.attrs["confidence"] = ", ".join(conf_label(c) for c in levels)
    return out


def relative_rate_index(
    group_x: Any, group_pop: Any, rest_x: Any, rest_pop: Any, *, confidence: float = 0.95
) -> tuple[Any, Any, Any]:
    """Relative rate index: the group's rate divided by everyone else's rate.

    ``group_x`` / ``rest_x`` are counts (children on plans in / not in the group);
    ``group_pop`` / ``rest_pop`` the child populations of the group and of everyone else.
    Returns ``(rri, lower, upper)`` with the exact conditional interval of
    :func:`analysis.stats.rate_ratio_ci`. The multiplier cancels, so rates per 10,000 or raw
    populations give the same index.
    """
    shape, (gx, gp, rx, rp) = as_arrays(
        group_x=group_x, group_pop=group_pop, rest_x=rest_x, rest_pop=rest_pop
    )
    func = "relative_rate_index"
    for xa, pa, xn, pn in ((gx, gp, "group_x", "group_pop"), (rx, rp, "rest_x", "rest_pop")):
        check_counts(shape, xa, xn, func)
        check_denominators(shape, pa, pn, func)
    r, lo, hi = rate_ratio_limits(gx, gp, rx, rp, check_conf(confidence))
    return shape.wrap(r, "rri"), shape.wrap(lo, "lower"), shape.wrap(hi, "upper")


@dataclass(frozen=True)
class GoodnessOfFit:
    """Chi-squared goodness of fit of observed counts to expected shares.

    ``table`` has per group: ``observed``, ``expected`` (counts), ``observed_share`` and
    ``expected_share`` (percent), and ``contribution`` to the statistic ((O − E)²/E).
    ``notes`` lists caveats a reader must see (expected counts below 5, shares renormalised).
    """

    statistic: float
    p_value: float
    dof: int
    table: pd.DataFrame
    small_expected: list[Any] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def reliable(self) -> bool:
        """False when any expected count is below 5 (the chi-squared approximation is poor)."""
        return not self.small_expected


def goodness_of_fit(observed_counts: Any, expected_shares: Any) -> GoodnessOfFit:
    """Do the groups' counts match their population shares? (``scipy.stats.chisquare``)

    Parameters
    ----------
    observed_counts : counts per group (e.g. children on CP plans by ethnic group). A Series
        is matched to ``expected_shares`` by its index labels.
    expected_shares : the population shares per group (proportions or percentages; they are
        rescaled to sum to 1, with a note if they did not already).

    Groups with a missing observed count or share raise ``ValueError``: drop them (and say
    so) before testing. Expected counts below 5 are listed in ``small_expected`` and noted.
    """
    if isinstance(observed_counts, pd.Series) and isinstance(expected_shares, pd.Series):
        missing = set(observed_counts.index) ^ set(expected_shares.index)
        if missing:
            raise ValueError(
                f"goodness_of_fit: groups {sorted(map(str, missing))} appear in only one of "
                f"observed_counts / expected_shares; use the same group labels in both"
            )
        expected_shares = expected_shares.reindex(observed_counts.index)
    shape, (obs, shares) = as_arrays(observed_counts=observed_counts, expected_shares=expected_shares)
    obs, shares = obs.reshape(-1), shares.reshape(-1)
    labels = list(shape.index) if shape.kind == "series" else list(range(len(obs)))
    func = "goodness_of_fit"
    if len(obs) < 2:
        raise ValueError(f"{func}: needs at least two groups, got {len(obs)}")
    bad = np.isnan(obs) | np.isnan(shares)
    if bad.any():
        where = describe_positions(bad, shape, ("observed", obs), ("share", shares))
        raise ValueError(
            f"{func}: missing count or share for {where}; "
            f"drop those groups (and report that you did) before testing"
        )
    check_counts(shape, obs, "observed_counts", func)
    if (shares < 0).any():
        raise ValueError(f"{func}: expected shares must be ≥ 0")
    notes: list[str] = []
    total_share = shares.sum()
    if not np.isclose(total_share, 1.0, atol=1e-6):
        if np.isclose(total_share, 100.0, atol=1e-4):
            shares = shares / 100.0
        else:
            notes.append(
                f"expected shares summed to {total_share:.6g}, not 1 (or 100%); they were "
                f"rescaled to sum to 1"
            )
            shares = shares / total_share
    n = obs.sum()
    expected = shares * n
    if (expected == 0).any() and (obs[expected == 0] > 0).any():
        raise ValueError(
            f"{func}: a group with expected share 0 has observed children; the test is undefined"
        )
    res = _st.chisquare(obs, expected)
    small = [labels[i] for i in np.flatnonzero(expected < 5)]
    if small:
        notes.append(
            f"{len(small)} group(s) have expected counts below 5 ({', '.join(map(str, small))}); "
            f"the chi-squared approximation is unreliable: merge small groups or read with care"
        )
    with np.errstate(invalid="ignore", divide="ignore"):
        table = pd.DataFrame(
            {
                "observed": obs,
                "expected": expected,
                "observed_share": obs / n * 100.0,
                "expected_share": shares * 100.0,
                "contribution": (obs - expected) ** 2 / expected,
            },
            index=shape.index if shape.kind == "series" else None,
        )
    return GoodnessOfFit(
        statistic=float(res.statistic),
        p_value=float(res.pvalue),
        dof=len(obs) - 1,
        table=table,
        small_expected=small,
        notes=notes,
    )


def not_recorded_bounds(
    x_group: Any, n_recorded_total: Any, n_not_recorded: Any
) -> tuple[Any, Any]:
    """Bounds on a group's share when some records are "not recorded".

    Parameters
    ----------
    x_group : children recorded as in the group (count).
    n_recorded_total : children whose characteristic was recorded (count, ≥ x_group).
    n_not_recorded : children with the characteristic not recorded (count).

    Returns ``(share_if_none, share_if_all)`` as **proportions** of everyone
    (recorded + not recorded): ``x / (n + u)`` if none of the unrecorded belong to the group
    and ``(x + u) / (n + u)`` if all do. The share among recorded records, ``x / n``, always
    lies between them.
    """
    shape, (xa, na, ua) = as_arrays(
        x_group=x_group, n_recorded_total=n_recorded_total, n_not_recorded=n_not_recorded
    )
    func = "not_recorded_bounds"
    check_counts(shape, xa, "x_group", func)
    check_counts(shape, ua, "n_not_recorded", func)
    check_counts(shape, na, "n_recorded_total", func)
    check_x_le_n(shape, xa, na, func)
    total = na + ua
    zero = total == 0
    if zero.any():
        raise ValueError(
            f"{func}: no records at all (recorded + not recorded = 0) at "
            f"{describe_positions(zero, shape, ('n_recorded_total', na), ('n_not_recorded', ua))}"
        )
    with np.errstate(invalid="ignore", divide="ignore"):
        low = xa / total
        high = (xa + ua) / total
    return shape.wrap(low, "share_if_none"), shape.wrap(high, "share_if_all")
