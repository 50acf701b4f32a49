"""Statistical process control: XmR charts with NHS England's "Making Data Count" rules.

Limits (methods.md): centre = mean of the values; process limits = mean ± 2.66 × mean
moving range (3σ, since σ ≈ mR̄ / 1.128); the 2σ lines are two-thirds of the way to the
limits (mean ± 1.7733 × mR̄). As in NHSRplotthedots, moving ranges of 3.267 × mR̄ or more
("freak" moving ranges, usually one outlier) are screened out before the limits are set
(``screen_outliers=False`` turns this off).

Special-cause rules, in precedence order (the first that fires names the point's signal):

1. ``outside_limits`` – a point above the upper or below the lower process limit;
2. ``trend`` – ``trend_run`` (default 7) points in a row, each higher (or each lower) than the
   one before; a tie breaks the trend;
3. ``two_of_three`` – two of three consecutive points beyond the same 2σ line;
4. ``shift`` – ``shift_run`` (default 7; Making Data Count allows 6) points in a row on the
   same side of the mean; a point on the mean breaks the run.

A rule is flagged on the point that *completes* the pattern and on every further point that
extends it (methods.md: a trend detector on 1..7 flags only the 7th point). Missing values are
skipped: they get no signal and runs continue across them. ``direction`` is "high" or "low"
for a signal (trend: "high" = rising). With ``polarity`` ("higher_is_better" or
"lower_is_better") the ``variation`` column says "special cause improvement" or "special
cause concern"; without it, "special cause high"/"special cause low"; otherwise "common cause".
"""

from __future__ import annotations

import warnings
from typing import Any, Literal

import numpy as np
import pandas as pd

from ._common import to_float_array

__all__ = [
    "xmr",
    "trend_points",
    "shift_points",
    "two_of_three_points",
    "SIGNALS",
    "XMR_LIMIT_FACTOR",
    "MR_SCREEN_FACTOR",
    "MIN_POINTS_ADVICE",
]

#: 3 / d2 with d2 = 1.128 for moving ranges of two points.
XMR_LIMIT_FACTOR = 2.66
#: Moving ranges at or above this multiple of the mean moving range are screened out.
MR_SCREEN_FACTOR = 3.267
#: Making Data Count advises at least this many points before limits are trusted.
MIN_POINTS_ADVICE = 15
#: Signal names in precedence order.
SIGNALS = ("outside_limits", "trend", "two_of_three", "shift")

Polarity = Literal["higher_is_better", "lower_is_better"] | None


def _run_lengths(flags: np.ndarray) -> np.ndarray:
    """Length of the run of True ending at each position (0 where False)."""
    out = np.zeros(len(flags), dtype=int)
    run = 0
    for i, f in enumerate(flags):
        run = run + 1 if f else 0
        out[i] = run
    return out


def _two_of_three(flags: np.ndarray) -> np.ndarray:
    """True where a flagged point makes at least two flagged among it and the two before."""
    out = np.zeros(len(flags), dtype=bool)
    for i in range(len(flags)):
        if flags[i] and flags[max(0, i - 2) : i + 1].sum() >= 2:
            out[i] = True
    return out


def _rule_arrays(values: Any) -> tuple[np.ndarray, np.ndarray]:
    x = to_float_array(values, "values").reshape(-1)
    valid = ~np.isnan(x)
    return x, valid


def _spread(mask_valid: np.ndarray, valid: np.ndarray) -> np.ndarray:
    out = np.zeros(len(valid), dtype=bool)
    out[np.flatnonzero(valid)] = mask_valid
    return out


def trend_points(values: Any, run: int = 7) -> tuple[np.ndarray, np.ndarray]:
    """The trend rule on its own: ``(rising, falling)`` boolean arrays, True on each point that
    completes (or extends) a run of ``run`` points each strictly higher (lower) than the one
    before. Ties break a trend; missing values are skipped.

    methods.md unit checks: on 1..7 only the 7th point is flagged; on 1,2,3,3,4,5,6 none is.
    """
    run = _check_run("run", run)
    x, valid = _rule_arrays(values)
    xv = x[valid]
    up = _run_lengths(np.r_[False, np.diff(xv) > 0]) + 1
    down = _run_lengths(np.r_[False, np.diff(xv) < 0]) + 1
    return _spread(up >= run, valid), _spread(down >= run, valid)


def shift_points(values: Any, centre: float, run: int = 7) -> tuple[np.ndarray, np.ndarray]:
    """The shift rule on its own: ``(above, below)`` boolean arrays, True on each point that
    completes (or extends) a run of ``run`` points on one side of ``centre``. A point on the
    centre breaks the run; missing values are skipped."""
    run = _check_run("run", run)
    x, valid = _rule_arrays(values)
    xv = x[valid]
    return (
        _spread(_run_lengths(xv > centre) >= run, valid),
        _spread(_run_lengths(xv < centre) >= run, valid),
    )


def two_of_three_points(
    values: Any, upper_2sigma: float, lower_2sigma: float
) -> tuple[np.ndarray, np.ndarray]:
    """The two-of-three rule on its own: ``(high, low)`` boolean arrays, True on a point beyond
    a 2σ line when at least one of the two points before it is beyond the same line."""
    x, valid = _rule_arrays(values)
    xv = x[valid]
    return _spread(_two_of_three(xv > upper_2sigma), valid), _spread(
        _two_of_three(xv < lower_2sigma), valid
    )


def _check_run(name: str, value: int) -> int:
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 2:
        raise ValueError(
            f"xmr: {name} must be a whole number of points ≥ 2 (6 or 7 in Making Data "
            f"Count), got {value!r}"
        )
    return int(value)


def xmr(
    values: Any,
    shift_run: int = 7,
    trend_run: int = 7,
    polarity: Polarity = None,
    *,
    baseline: int | None = None,
    screen_outliers: bool = True,
) -> pd.DataFrame:
    """XmR (individuals) chart with Making Data Count special-cause signals per point.

    Parameters
    ----------
    values : the series in time order (quarterly or annual counts, rates, percentages). A
        Series keeps its index (e.g. period labels) in the result.
    shift_run : points in a row on one side of the mean that make a shift (6 or 7).
    trend_run : points in a row all rising or all falling that make a trend (default 7).
    polarity : "higher_is_better", "lower_is_better" or None (neither is better).
    baseline : compute the mean and limits from the first ``baseline`` non-missing points only
        (Making Data Count's "fix limits after N points"); default all points.
    screen_outliers : exclude moving ranges ≥ 3.267 × mR̄ before computing limits.

    Returns
    -------
    DataFrame with ``value``, ``mean``, ``moving_range``, ``ucl``, ``lcl`` (process limits),
    ``upper_2sigma``, ``lower_2sigma``, ``signal`` (one of :data:`SIGNALS` or ""),
    ``direction`` ("high", "low" or "") and ``variation``. ``attrs`` holds ``mean_moving_range``,
    ``n_points`` and ``notes`` (e.g. "fewer than 15 points").

    Fewer than 2 non-missing points cannot give limits: a ``UserWarning`` says so and the
    limits are NaN with no signals (no exception).
    """
    shift_run = _check_run("shift_run", shift_run)
    trend_run = _check_run("trend_run", trend_run)
    if polarity not in (None, "higher_is_better", "lower_is_better"):
        raise ValueError(
            f"xmr: polarity must be 'higher_is_better', 'lower_is_better' or None, got {polarity!r}"
        )
    index = values.index if isinstance(values, pd.Series) else None
    x = to_float_array(values, "values").reshape(-1)
    n = len(x)
    valid = ~np.isnan(x)
    pos = np.flatnonzero(valid)
    xv = x[valid]
    notes: list[str] = []

    out = pd.DataFrame({"value": x}, index=index)
    mr = np.full(n, np.nan)
    if len(pos) >= 2:
        mr[pos[1:]] = np.abs(np.diff(xv))
    out["moving_range"] = mr
    signal = np.full(n, "", dtype=object)
    direction = np.full(n, "", dtype=object)
    variation = np.full(n, "", dtype=object)

    if len(xv) < 2:
        msg = (
            f"xmr: {len(xv)} non-missing value(s); an XmR chart needs at least 2 to compute a "
            f"moving range (Making Data Count advises {MIN_POINTS_ADVICE}+). Limits are NaN and "
            f"no signals are given."
        )
        warnings.warn(msg, UserWarning, stacklevel=2)
        notes.append(msg)
        for col in ("mean", "ucl", "lcl", "upper_2sigma", "lower_2sigma"):
            out[col] = np.nan
        out["signal"], out["direction"], out["variation"] = signal, direction, variation
        out.attrs.update(mean_moving_range=np.nan, n_points=len(xv), notes=notes)
        return out[_COLUMNS]

    if baseline is not None:
        if not isinstance(baseline, (int, np.integer)) or baseline < 2:
            raise ValueError(f"xmr: baseline must be a whole number ≥ 2, got {baseline!r}")
        if baseline > len(xv):
            raise ValueError(
                f"xmr: baseline={baseline} but only {len(xv)} non-missing values"
            )
        base = xv[:baseline]
    else:
        base = xv
    base_mr = np.abs(np.diff(base))
    mr_bar = float(base_mr.mean())
    if screen_outliers and mr_bar > 0:
        keep = base_mr < MR_SCREEN_FACTOR * mr_bar
        if not keep.all():
            notes.append(
                f"{int((~keep).sum())} moving range(s) ≥ {MR_SCREEN_FACTOR} × the mean moving "
                f"range were screened out before setting limits"
            )
            mr_bar = float(base_mr[keep].mean())
    centre = float(base.mean())
    half3 = XMR_LIMIT_FACTOR * mr_bar
    half2 = half3 * 2.0 / 3.0
    ucl, lcl = centre + half3, centre - half3
    up2, lo2 = centre + half2, centre - half2
    if len(xv) < MIN_POINTS_ADVICE:
        notes.append(
            f"only {len(xv)} points: Making Data Count advises at least {MIN_POINTS_ADVICE} "
            f"before limits are relied on; read signals with care"
        )

    # rules on the non-missing points, in time order
    above, below = xv > ucl, xv < lcl
    rise, fall = (m[valid] for m in trend_points(x, trend_run))
    t3_hi, t3_lo = (m[valid] for m in two_of_three_points(x, up2, lo2))
    shift_hi, shift_lo = (m[valid] for m in shift_points(x, centre, shift_run))
    sig_v = np.full(len(xv), "", dtype=object)
    dir_v = np.full(len(xv), "", dtype=object)
    # assign in reverse precedence so the strongest rule wins
    rules = [
        ("shift", shift_hi, shift_lo),
        ("two_of_three", t3_hi, t3_lo),
        ("trend", rise, fall),
        ("outside_limits", above, below),
    ]
    for name, hi_mask, lo_mask in rules:
        for mask, d in ((lo_mask, "low"), (hi_mask, "high")):
            sig_v[mask] = name
            dir_v[mask] = d
    signal[pos], direction[pos] = sig_v, dir_v
    var_v = np.full(len(xv), "common cause", dtype=object)
    flagged = sig_v != ""
    if polarity is None:
        var_v[flagged] = np.char.add("special cause ", dir_v[flagged].astype(str))
    else:
        good = "high" if polarity == "higher_is_better" else "low"
        var_v[flagged] = np.where(
            dir_v[flagged] == good, "special cause improvement", "special cause concern"
        )
    variation[pos] = var_v

    out["mean"] = centre
    out["ucl"], out["lcl"] = ucl, lcl
    out["upper_2sigma"], out["lower_2sigma"] = up2, lo2
    out["signal"] = pd.Series(signal, index=out.index, dtype="object")
    out["direction"] = pd.Series(direction, index=out.index, dtype="object")
    out["variation"] = pd.Series(variation, index=out.index, dtype="object")
    out.attrs.update(mean_moving_range=mr_bar, n_points=len(xv), notes=notes)
    return out[_COLUMNS]


_COLUMNS = [
    "value",
    "mean",
    "moving_range",
    "ucl",
    "lcl",
    "upper_2sigma",
    "lower_2sigma",
    "signal",
    "direction",
    "variation",
]
