"""Funnel plots: control limits and classification (Spiegelhalter 2005; PHE Fingertips).

A funnel plot shows each area's indicator against its denominator, with control limits
around a benchmark that narrow as the denominator grows. Areas outside the 95% limits
(≈ 2σ) deserve a look; outside the 99.8% limits (≈ 3σ) they are unlikely to differ by
chance alone.

Proportions (methods.md, PHE): θ̄ = Σ numerators / Σ denominators and limits
``θ̄ ± z·√(θ̄(1 − θ̄)/n)``, clipped to [0, 1].

Rates and ratios (methods.md, PHE): exact Poisson. For an observed count O the expected
count at which O sits on the lower limit is ``E_low = χ²(1 − α/2; 2O + 2)/2`` and on the
upper limit ``E_high = χ²(α/2; 2O)/2``; the ratio limits are ``O/E``. A rate funnel is the
same scaled by the benchmark rate (expected count = benchmark rate × population). Plotting
along a denominator axis, this module solves for the (continuous) O on each limit, which
gives a smooth curve passing exactly through PHE's points. Being *outside* these limits is
the same as the area's exact Poisson interval excluding the benchmark. (PHE's one-area
significance test, :func:`analysis.stats.compare_rate_to_benchmark`, uses Byar's
approximation at 10+ events, so the two can disagree for a point lying on a limit.)

Overdispersion (Spiegelhalter 2005, "Handling over-dispersion of performance indicators",
Qual Saf Health Care 14:347–351): when real between-area variation makes far more areas
fall outside the limits than chance allows (typical across all 152 English LAs), the limits
can be widened by a multiplicative factor φ (``θ0 ± z·√φ·s``) or an additive random-effects
variance τ² (``θ0 ± z·√(s² + τ²)``), both estimated from z-scores Winsorised at the 10th and
90th percentiles. Proportions are modelled on their own scale
(``s = √(θ0(1 − θ0)/n)``); rates and ratios on the square-root scale
(``y = √(O/E)``, target 1, ``s = 1/(2√E)``), as Spiegelhalter suggests for Poisson counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import optimize as _opt
from scipy import stats as _st

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
    "funnel_centre",
    "proportion_funnel_limits",
    "poisson_funnel_expected",
    "ratio_funnel_limits",
    "ratio_funnel_limits_at",
    "rate_funnel_limits",
    "rate_funnel_limits_at",
    "Overdispersion",
    "overdispersion",
    "funnel_curve",
    "classify_funnel",
    "FUNNEL_LEVELS",
]

Kind = Literal["proportion", "rate", "ratio"]
ODMethod = Literal["multiplicative", "additive"]

#: The two Fingertips control-limit levels.
FUNNEL_LEVELS = (0.95, 0.998)
_DEFAULT_MULTIPLIER = {"proportion": 100.0, "rate": 10_000.0, "ratio": 1.0}
#: Fewer areas than this cannot support an overdispersion estimate (10% Winsorising).
MIN_AREAS_FOR_OVERDISPERSION = 10


# --------------------------------------------------------------------------- proportions
def funnel_centre(x: Any, n: Any) -> float:
    """The funnel's centre line: Σx / Σn over areas where both are present.

    For proportions this is θ̄ (a fraction); for rates multiply by the multiplier.
    """
    _, (xa, na) = as_arrays(x=x, n=n)
    ok = ~(np.isnan(xa) | np.isnan(na))
    if not ok.any() or na[ok].sum() <= 0:
        raise ValueError("funnel_centre: no area has both a numerator and a denominator > 0")
    return float(xa[ok].sum() / na[ok].sum())


def proportion_funnel_limits(
    n: Any,
    benchmark: float,
    *,
    confidence: float = 0.95,
    phi: float | None = None,
    tau2: float | None = None,
) -> tuple[Any, Any]:
    """Control limits for a proportion at denominator(s) ``n``: ``θ̄ ± z·√(θ̄(1 − θ̄)/n)``.

    Parameters
    ----------
    n : denominator(s) (children, referrals …), > 0.
    benchmark : θ̄ as a **proportion** in [0, 1] (see :func:`funnel_centre`).
    confidence : 0.95 or 0.998 (the two funnel levels).
    phi : optional multiplicative overdispersion factor (limits use ``√max(φ, 1)·s``).
    tau2 : optional additive between-area variance on the proportion scale.

    Returns (lower, upper) as **proportions**, clipped to [0, 1].
    """
    shape, (na,) = as_arrays(n=n)
    check_denominators(shape, na, "n", "proportion_funnel_limits")
    t = float(benchmark)
    if not 0.0 <= t <= 1.0:
        raise ValueError(
            f"proportion_funnel_limits: benchmark {benchmark!r} must be a proportion in [0, 1]"
        )
    if phi is not None and tau2 is not None:
        raise ValueError("give phi (multiplicative) or tau2 (additive), not both")
    var = t * (1.0 - t) / na
    if phi is not None:
        var = var * max(float(phi), 1.0)
    if tau2 is not None:
        var = var + max(float(tau2), 0.0)
    half = z_value(confidence) * np.sqrt(var)
    lower = np.clip(t - half, 0.0, 1.0)
    upper = np.clip(t + half, 0.0, 1.0)
    return shape.wrap(lower, "lower"), shape.wrap(upper, "upper")


# --------------------------------------------------------------------------- Poisson
def _expected_at_limits(o: np.ndarray, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    alpha = 1.0 - confidence
    with np.errstate(invalid="ignore"):
        e_low = _st.chi2.ppf(1.0 - alpha / 2.0, 2.0 * o + 2.0) / 2.0
        e_high = _st.chi2.ppf(alpha / 2.0, 2.0 * o) / 2.0
    e_high = np.where(o == 0, 0.0, e_high)
    return e_low, e_high


def poisson_funnel_expected(observed: Any, *, confidence: float = 0.95) -> tuple[Any, Any]:
    """Expected counts at which an observed count O lies exactly on the funnel limits.

    Returns ``(E_low, E_high)``: ``E_low = χ²(1 − α/2; 2O + 2)/2`` (O is on the *lower*
    limit when E = E_low) and ``E_high = χ²(α/2; 2O)/2`` (O on the *upper* limit; 0 when O = 0).
    Methods.md: O = 19 gives 29.67084937 and 11.43924075 at 95%.
    """
    shape, (oa,) = as_arrays(observed=observed)
    check_counts(shape, oa, "observed", "poisson_funnel_expected")
    e_low, e_high = _expected_at_limits(oa, check_conf(confidence))
    return shape.wrap(e_low, "expected_low"), shape.wrap(e_high, "expected_high")


def ratio_funnel_limits(observed: Any, *, confidence: float = 0.95) -> tuple[Any, Any]:
    """PHE's ratio funnel points for observed count(s) O: ``(O / E_low, O / E_high)``.

    Returns (lower, upper) as ratios (1 = as expected; multiply by 100 for a percentage).
    At O = 0 the lower limit is 0 and the upper limit is undefined (NaN).
    """
    shape, (oa,) = as_arrays(observed=observed)
    check_counts(shape, oa, "observed", "ratio_funnel_limits")
    e_low, e_high = _expected_at_limits(oa, check_conf(confidence))
    with np.errstate(invalid="ignore", divide="ignore"):
        lower = oa / e_low
        upper = np.where(e_high > 0, oa / np.where(e_high > 0, e_high, 1.0), np.nan)
    return shape.wrap(lower, "lower"), shape.wrap(upper, "upper")


def rate_funnel_limits(
    observed: Any, benchmark: float, *, multiplier: float = 10_000, confidence: float = 0.95
) -> pd.DataFrame:
    """PHE's rate funnel points: for each observed count O, the populations at which O sits
    on the lower and upper limits, and the rate limits there.

    Columns: ``observed``, ``population_lower`` (= E_low / θ), ``lower`` (rate per
    ``multiplier``), ``population_upper`` (= E_high / θ), ``upper``, where θ is
    ``benchmark / multiplier``.
    """
    shape, (oa,) = as_arrays(observed=observed)
    check_counts(shape, oa, "observed", "rate_funnel_limits")
    theta = float(benchmark) / multiplier
    if not theta > 0:
        raise ValueError(f"rate_funnel_limits: benchmark must be > 0, got {benchmark!r}")
    e_low, e_high = _expected_at_limits(oa, check_conf(confidence))
    with np.errstate(invalid="ignore", divide="ignore"):
        cols = {
            "observed": oa,
            "population_lower": e_low / theta,
            "lower": oa / e_low * benchmark,
            "population_upper": e_high / theta,
            "upper": np.where(e_high > 0, oa / np.where(e_high > 0, e_high, 1.0), np.nan)
            * benchmark,
        }
    return shape.frame(cols)


def _solve_o(target_e: float, confidence: float, side: str) -> float:
    """Continuous observed count O whose limit-expected equals ``target_e``."""
    alpha = 1.0 - confidence
    if side == "lower":
        f = lambda o: _st.chi2.ppf(1.0 - alpha / 2.0, 2.0 * o + 2.0) / 2.0 - target_e  # noqa: E731
        if f(0.0) >= 0:  # even O = 0 is not significantly low
            return 0.0
    else:
        f = lambda o: _st.chi2.ppf(alpha / 2.0, 2.0 * o) / 2.0 - target_e  # noqa: E731
        if target_e <= 0:
            return 0.0
    hi = max(10.0, 2.0 * target_e)
    while f(hi) < 0:
        hi *= 2.0
    lo = 1e-12 if side == "upper" else 0.0
    return float(_opt.brentq(f, lo, hi, xtol=1e-12, rtol=1e-12))


def ratio_funnel_limits_at(
    expected: Any,
    *,
    confidence: float = 0.95,
    phi: float | None = None,
    tau2: float | None = None,
) -> tuple[Any, Any]:
    """Ratio (O/E) control limits at expected count(s) E, for plotting along an E axis.

    Exact Poisson (the same curve through PHE's points, solved for continuous O), or, with
    ``phi``/``tau2``, Spiegelhalter's overdispersed limits on the square-root scale:
    ``(1 ± z·√(φ·s²))²`` / ``(1 ± z·√(s² + τ²))²`` with ``s = 1/(2√E)``, lower limit ≥ 0.
    Returns (lower, upper) as ratios.
    """
    shape, (ea,) = as_arrays(expected=expected)
    check_denominators(shape, ea, "expected", "ratio_funnel_limits_at")
    c = check_conf(confidence)
    if phi is not None and tau2 is not None:
        raise ValueError("give phi (multiplicative) or tau2 (additive), not both")
    if phi is not None or tau2 is not None:
        s2 = 1.0 / (4.0 * ea)
        var = s2 * max(float(phi), 1.0) if phi is not None else s2 + max(float(tau2), 0.0)
        half = z_value(c) * np.sqrt(var)
        lower = np.clip(1.0 - half, 0.0, None) ** 2
        upper = (1.0 + half) ** 2
        return shape.wrap(lower, "lower"), shape.wrap(upper, "upper")
    lower = np.full(ea.shape, np.nan)
    upper = np.full(ea.shape, np.nan)
    for i, e in np.ndenumerate(ea):
        if np.isnan(e):
            continue
        lower[i] = _solve_o(e, c, "lower") / e
        upper[i] = _solve_o(e, c, "upper") / e
    return shape.wrap(lower, "lower"), shape.wrap(upper, "upper")


def rate_funnel_limits_at(
    population: Any,
    benchmark: float,
    *,
    multiplier: float = 10_000,
    confidence: float = 0.95,
    phi: float | None = None,
    tau2: float | None = None,
) -> tuple[Any, Any]:
    """Rate control limits (per ``multiplier``) at population(s) P: the ratio limits at
    ``E = benchmark / multiplier × P`` times the benchmark rate."""
    shape, (pa,) = as_arrays(population=population)
    check_denominators(shape, pa, "population", "rate_funnel_limits_at")
    if not float(benchmark) > 0:
        raise ValueError(
            f"rate_funnel_limits_at: benchmark must be > 0, got {benchmark!r}"
        )
    lo, hi = ratio_funnel_limits_at(
        pa * float(benchmark) / multiplier, confidence=confidence, phi=phi, tau2=tau2
    )
    return (
        shape.wrap(np.asarray(lo) * benchmark, "lower"),
        shape.wrap(np.asarray(hi) * benchmark, "upper"),
    )


# --------------------------------------------------------------------------- overdispersion
@dataclass(frozen=True)
class Overdispersion:
    """Spiegelhalter (2005) overdispersion estimates for one set of areas.

    ``phi``: multiplicative factor (mean of squared Winsorised z-scores; 1 = no extra
    variation). ``tau2``: additive between-area variance on the model scale (proportion scale
    for proportions, √(O/E) scale for rates/ratios); 0 when ``n_areas·φ ≤ n_areas − 1``.
    ``p_value``: test of no overdispersion (``n_areas·φ ~ χ²(n_areas − 1)``).
    ``z``: the (un-Winsorised) z-scores, in input order.

    Note: Winsorising at 10%/90% makes φ conservative: with no overdispersion at all it
    averages about 0.68 rather than 1, so φ (and τ²) exceed their null values only when the
    spread is genuinely wider than chance. Limits never narrow (φ < 1 is treated as 1).
    """

    kind: str
    n_areas: int
    phi: float
    tau2: float
    p_value: float
    overdispersed_95: bool
    z: np.ndarray

    def describe(self) -> str:
        """One sentence for a methods note."""
        verdict = "more than" if self.overdispersed_95 else "no more than"
        return (
            f"Across {self.n_areas} areas the spread is {verdict} chance alone would give "
            f"(φ = {self.phi:.2f}, p = {self.p_value:.3g})."
        )


def _model_scale(
    kind: str, xa: np.ndarray, na: np.ndarray, centre: float
) -> tuple[np.ndarray, np.ndarray, float]:
    """(y, s, target) on the scale Spiegelhalter uses for this kind of indicator."""
    if kind == "proportion":
        return xa / na, np.sqrt(centre * (1.0 - centre) / na), centre
    expected = na * centre if kind == "rate" else na
    return np.sqrt(xa / expected), 1.0 / (2.0 * np.sqrt(expected)), 1.0


def _prepare(
    func: str, x: Any, n: Any, kind: str, benchmark: float | None, multiplier: float | None
) -> tuple[Any, np.ndarray, np.ndarray, float, float]:
    if kind not in _DEFAULT_MULTIPLIER:
        raise ValueError(f"{func}: kind must be 'proportion', 'rate' or 'ratio', got {kind!r}")
    mult = _DEFAULT_MULTIPLIER[kind] if multiplier is None else float(multiplier)
    shape, (xa, na) = as_arrays(x=x, n=n)
    check_counts(shape, xa, "x", func)
    check_denominators(shape, na, "n", func)
    if kind == "proportion":
        check_x_le_n(shape, xa, na, func)
    if kind == "ratio":
        centre = 1.0
    elif benchmark is None:
        centre = funnel_centre(xa, na)
    else:
        centre = float(benchmark) / (mult if kind == "rate" else 1.0)
        if kind == "proportion" and not 0.0 <= centre <= 1.0:
            raise ValueError(
                f"{func}: benchmark {benchmark!r} must be a proportion in [0, 1] "
                f"(divide a percentage by 100)"
            )
    return shape, xa, na, centre, mult


def overdispersion(
    x: Any,
    n: Any,
    *,
    kind: Kind = "proportion",
    benchmark: float | None = None,
    multiplier: float | None = None,
    winsorise: float = 0.10,
) -> Overdispersion:
    """Estimate Spiegelhalter's overdispersion φ and τ² from many areas.

    Parameters
    ----------
    x : numerators (children/events; observed counts for ``kind="ratio"``).
    n : denominators (proportion: group size; rate: population; ratio: expected count).
    kind : "proportion", "rate" or "ratio".
    benchmark : centre; default Σx/Σn (proportion as a fraction; rate per ``multiplier``).
    winsorise : fraction Winsorised at each end (Spiegelhalter uses 10%).

    Needs at least 10 areas with data (raises ``ValueError`` otherwise): a handful of
    districts cannot support the estimate; use it across all LAs.
    """
    shape, xa, na, centre, _ = _prepare("overdispersion", x, n, kind, benchmark, multiplier)
    ok = ~(np.isnan(xa) | np.isnan(na))
    k = int(ok.sum())
    if k < MIN_AREAS_FOR_OVERDISPERSION:
        raise ValueError(
            f"overdispersion: {k} areas with data; an overdispersion estimate needs at least "
            f"{MIN_AREAS_FOR_OVERDISPERSION} (e.g. all English LAs). Use unadjusted limits."
        )
    y, s, target = _model_scale(kind, xa[ok], na[ok], centre)
    if np.any(s <= 0):
        raise ValueError("overdispersion: the benchmark makes the standard error 0 (θ̄ = 0 or 1)")
    z = (y - target) / s
    lo_q, hi_q = np.quantile(z, [winsorise, 1.0 - winsorise])
    zw = np.clip(z, lo_q, hi_q)
    phi = float(np.mean(zw**2))
    w = 1.0 / s**2
    denom = w.sum() - (w**2).sum() / w.sum()
    tau2 = max(0.0, (k * phi - (k - 1)) / denom) if denom > 0 else 0.0
    p = float(_st.chi2.sf(k * phi, k - 1))
    z_all = np.full(xa.shape, np.nan)
    z_all[ok] = z
    return Overdispersion(kind, k, phi, float(tau2), p, p < 0.05, z_all)


# --------------------------------------------------------------------------- curves
def funnel_curve(
    denominator_min: float,
    denominator_max: float,
    benchmark: float,
    *,
    kind: Kind = "proportion",
    multiplier: float | None = None,
    n_points: int = 200,
    levels: tuple[float, ...] = FUNNEL_LEVELS,
    phi: float | None = None,
    tau2: float | None = None,
) -> pd.DataFrame:
    """A smooth limits curve over a range of denominators, for plotting.

    Parameters
    ----------
    denominator_min, denominator_max : the x-axis range (group size, population, or expected
        count for ratios); points are spaced geometrically (the funnel changes fastest at
        small denominators).
    benchmark : the centre: a proportion in [0, 1]; a rate per ``multiplier``; ignored for
        ratios (centre 1).
    multiplier : output scale; default 100 (percent) for proportions, 10,000 for rates, 1 for
        ratios.
    phi, tau2 : optional overdispersion adjustment (from :func:`overdispersion`).

    Returns columns ``denominator``, ``centre`` and ``lower_95``, ``upper_95``,
    ``lower_99_8``, ``upper_99_8`` (for the default levels), in output units.
    """
    if kind not in _DEFAULT_MULTIPLIER:
        raise ValueError(f"funnel_curve: kind must be 'proportion', 'rate' or 'ratio', got {kind!r}")
    mult = _DEFAULT_MULTIPLIER[kind] if multiplier is None else float(multiplier)
    lo_d, hi_d = float(denominator_min), float(denominator_max)
    if not 0 < lo_d <= hi_d:
        raise ValueError(
            f"funnel_curve: need 0 < denominator_min ≤ denominator_max, got {lo_d}, {hi_d}"
        )
    if n_points < 2:
        raise ValueError("funnel_curve: n_points must be at least 2")
    d = np.unique(np.geomspace(lo_d, hi_d, n_points))
    cols: dict[str, np.ndarray] = {"denominator": d}
    if kind == "proportion":
        cols["centre"] = np.full(d.shape, float(benchmark) * mult)
    elif kind == "rate":
        cols["centre"] = np.full(d.shape, float(benchmark))
    else:
        cols["centre"] = np.full(d.shape, mult)
    for c in levels:
        sfx = "_" + conf_label(c).rstrip("%").replace(".", "_")
        if kind == "proportion":
            lo, hi = proportion_funnel_limits(d, float(benchmark), confidence=c, phi=phi, tau2=tau2)
            lo, hi = np.asarray(lo) * mult, np.asarray(hi) * mult
        elif kind == "rate":
            lo, hi = rate_funnel_limits_at(d, float(benchmark), multiplier=mult, confidence=c, phi=phi, tau2=tau2)
        else:
            lo, hi = ratio_funnel_limits_at(d, confidence=c, phi=phi, tau2=tau2)
            lo, hi = np.asarray(lo) * mult, np.asarray(hi) * mult
        cols["lower" + sfx] = np.asarray(lo)
        cols["upper" + sfx] = np.asarray(hi)
    return pd.DataFrame(cols)


# --------------------------------------------------------------------------- classification
def classify_funnel(
    x: Any,
    n: Any,
    *,
    kind: Kind = "proportion",
    benchmark: float | None = None,
    multiplier: float | None = None,
    overdispersion_method: ODMethod | None = None,
) -> pd.DataFrame:
    """Place each area inside, above or below the 95% and 99.8% funnel limits.

    Parameters
    ----------
    x : numerators (children, events; observed counts for ratios).
    n : denominators (group size; population; expected counts for ratios).
    kind : "proportion", "rate" or "ratio".
    benchmark : centre; default Σx/Σn. A proportion in [0, 1]; a rate per ``multiplier``.
    multiplier : output scale; default 100 (percent), 10,000 (rate), 1 (ratio).
    overdispersion_method : None (default), "multiplicative" (φ) or "additive" (τ²),
        estimated from these areas by :func:`overdispersion` (needs ≥ 10 areas).

    Returns a DataFrame (index kept from Series input) with ``numerator``, ``denominator``,
    ``value``, ``centre`` (output units), ``lower_95``, ``upper_95``, ``lower_99_8``,
    ``upper_99_8``, ``funnel_95`` and ``funnel_99_8`` ("above", "inside", "below"; None if
    missing) and ``position``: "above 99.8% limit", "above 95% limit", "inside 95% limits",
    "below 95% limit" or "below 99.8% limit". A point exactly on a limit is inside.
    The applied φ / τ² are in ``result.attrs["overdispersion"]``.
    """
    shape, xa, na, centre, mult = _prepare("classify_funnel", x, n, kind, benchmark, multiplier)
    phi = tau2 = None
    od: Overdispersion | None = None
    if overdispersion_method is not None:
        if overdispersion_method not in ("multiplicative", "additive"):
            raise ValueError(
                "overdispersion_method must be None, 'multiplicative' or 'additive', "
                f"got {overdispersion_method!r}"
            )
        od = overdispersion(xa, na, kind=kind, benchmark=centre * (mult if kind == "rate" else 1.0), multiplier=mult)
        if overdispersion_method == "multiplicative":
            phi = od.phi
        else:
            tau2 = od.tau2
    ok = ~(np.isnan(xa) | np.isnan(na))
    with np.errstate(invalid="ignore", divide="ignore"):
        value = xa / na * mult  # percent, rate per multiplier, or O/E × multiplier
    cols: dict[str, Any] = {"numerator": xa, "denominator": na, "value": value}
    cols["centre"] = np.full(xa.shape, centre * mult)
    positions: dict[float, np.ndarray] = {}
    for c in FUNNEL_LEVELS:
        sfx = "_" + conf_label(c).rstrip("%").replace(".", "_")
        lo = np.full(xa.shape, np.nan)
        hi = np.full(xa.shape, np.nan)
        if ok.any():
            if kind == "proportion":
                l_, h_ = proportion_funnel_limits(na[ok], centre, confidence=c, phi=phi, tau2=tau2)
                lo[ok], hi[ok] = np.asarray(l_) * mult, np.asarray(h_) * mult
            elif kind == "rate":
                l_, h_ = rate_funnel_limits_at(na[ok], centre * mult, multiplier=mult, confidence=c, phi=phi, tau2=tau2)
                lo[ok], hi[ok] = l_, h_
            else:
                l_, h_ = ratio_funnel_limits_at(na[ok], confidence=c, phi=phi, tau2=tau2)
                lo[ok], hi[ok] = np.asarray(l_) * mult, np.asarray(h_) * mult
        cols["lower" + sfx] = lo
        cols["upper" + sfx] = hi
        where = np.full(xa.shape, None, dtype=object)
        where[ok] = "inside"
        where[ok & (value > hi)] = "above"
        where[ok & (value < lo)] = "below"
        cols["funnel" + sfx] = where
        positions[c] = where
    pos = np.full(xa.shape, None, dtype=object)
    p95, p998 = positions[0.95], positions[0.998]
    pos[ok] = "inside 95% limits"
    pos[p95 == "above"] = "above 95% limit"
    pos[p95 == "below"] = "below 95% limit"
    pos[p998 == "above"] = "above 99.8% limit"
    pos[p998 == "below"] = "below 99.8% limit"
    cols["position"] = pos
    out = shape.frame(cols)
    for col in ("funnel_95", "funnel_99_8", "position"):
        out[col] = pd.Series(np.asarray(cols[col]).reshape(-1), index=out.index, dtype="object")
    out.attrs["overdispersion"] = (
        None
        if od is None
        else {"method": overdispersion_method, "phi": od.phi, "tau2": od.tau2, "p_value": od.p_value}
    )
    out.attrs["kind"] = kind
    out.attrs["multiplier"] = mult
    return out
