"""How a number is printed: the one rounding rule and the DfE number conventions.

Counts with thousands separators (10,750), percentages to one decimal place (28.5%), rates per
10,000 to one decimal place (49.8), money in whole pounds (£125,105). Rounding is half-up on the
number as written (28.45 -> 28.5), as a reader rounding by hand would, not Python's banker's
rounding. Missing values print as the GSS symbol ``x`` (override with ``missing=``).

Percentages: one convention, enforced. What prints as a percentage is passed **in percent**
(28.47 for 28.5%), to :func:`fmt_percent` and to :func:`fmt_interval` (``kind="percent"``, the
default). A proportion in [0, 1] is printed only when the caller says so: ``fmt_percent(p,
from_proportion=True)`` or ``fmt_interval(lo, hi, "proportion")``. The statistics follow
PHEindicatormethods: :func:`analysis.stats.wilson_ci` returns proportions (a scalar result is a
:class:`Proportion`), :func:`analysis.stats.proportion_ci_table` percent (× ``multiplier``). So
that a proportion cannot print as "0.0% to 0.1%", the percent formatters refuse a
:class:`Proportion`, and every interval is checked against its unit (a percent interval within
0–100, a proportion within 0–1, lower not above upper): a ``ValueError`` says which convention
was broken and how to call it instead.

Layer: imports nothing from the package; everything that prints a number imports it.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from typing import Any


class Proportion(float):
    """A float that is a proportion in [0, 1], as :func:`analysis.stats.wilson_ci` returns it.

    It behaves as a float in every calculation (``p * 100`` is a plain float in percent); only
    the percent formatters look at the type, and refuse it unless told it is a proportion.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return f"Proportion({float(self)!r})"


def _refuse_proportion(value: Any, where: str, instead: str) -> None:
    if isinstance(value, Proportion):
        raise ValueError(
            f"{where}: {float(value)!r} is a proportion (0 to 1, as wilson_ci returns), but a percentage "
            f"was expected (28.5 for 28.5%); multiply it by 100 or use {instead}")


def is_missing(value: Any) -> bool:
    """True for None and NaN (a blank cell), False for anything else, text included."""
    if value is None:
        return True
    try:
        return math.isnan(float(value))
    except (TypeError, ValueError):
        return False


#: DfE's rule for published tables: counts from 1 to this number are not published (0 is a
#: true zero); they are shown as :data:`SUPPRESSED`, and a figure that does not exist as
#: :data:`NOT_AVAILABLE` (the GSS symbols). Applied by :mod:`analysis.stats.disclosure`.
SMALL_COUNT_THRESHOLD = 5
SUPPRESSED = "c"
NOT_AVAILABLE = "x"


def is_small_count(value: Any, threshold: int = SMALL_COUNT_THRESHOLD) -> bool:
    """True for a count from 1 to ``threshold`` (suppressed in public mode); False for 0, a blank
    (None or NaN) and anything that is not a number."""
    if value is None or isinstance(value, str):
        return False
    try:
        f = float(value)
    except (TypeError, ValueError):
        return False
    return not math.isnan(f) and 1 <= f <= threshold


def round_half_up(value: float, decimals: int = 0) -> Decimal:
    """Round half away from zero on the shortest decimal representation of ``value``."""
    q = Decimal(1).scaleb(-decimals)
    return Decimal(repr(float(value))).quantize(q, rounding=ROUND_HALF_UP)


def fmt_number(value: Any, decimals: int = 0, missing: str = "x") -> str:
    """A number with thousands separators and ``decimals`` places: 10750 -> "10,750".

    An infinite value (e.g. the upper limit of a ratio whose denominator is zero) prints as "∞"
    (or "−∞"), never as a rounding error."""
    if is_missing(value):
        return missing
    if math.isinf(float(value)):
        return "∞" if float(value) > 0 else "−∞"
    d = round_half_up(float(value), decimals)
    if d == 0:
        d = abs(d)  # no "-0.0"
    return f"{d:,.{decimals}f}"


def fmt_count(value: Any, missing: str = "x") -> str:
    """A count: whole number with thousands separators (10750 -> "10,750")."""
    return fmt_number(value, 0, missing)


def fmt_percent(value: Any, decimals: int = 1, missing: str = "x", *, from_proportion: bool = False) -> str:
    """A percentage to one decimal place with a % sign: 28.4738 -> "28.5%".

    ``value`` is in percent (28.47) unless ``from_proportion=True`` (0.2847). A
    :class:`Proportion` without ``from_proportion=True`` is refused (``ValueError``).
    """
    if is_missing(value):
        return missing
    if not from_proportion:
        _refuse_proportion(value, "fmt_percent", "fmt_percent(value, from_proportion=True)")
    v = float(value) * (100.0 if from_proportion else 1.0)
    return fmt_number(v, decimals) + "%"


def fmt_rate(value: Any, decimals: int = 1, missing: str = "x") -> str:
    """A rate (e.g. per 10,000 children) to one decimal place: 49.83 -> "49.8"."""
    return fmt_number(value, decimals, missing)


def fmt_gbp(value: Any, decimals: int = 0, missing: str = "x") -> str:
    """Money in pounds: 125105 -> "£125,105"; negative amounts -> "-£1,200"."""
    if is_missing(value):
        return missing
    v = float(value)
    text = fmt_number(abs(v), decimals)
    return ("-£" if v < 0 and text.strip("0.,") else "£") + text


#: What :func:`fmt_interval` accepts, and the range its limits must lie in (None: any).
INTERVAL_KINDS = {"percent": (0.0, 100.0), "proportion": (0.0, 1.0), "rate": (0.0, None), "ratio": (0.0, None)}


def fmt_interval(lower: Any, upper: Any, kind: str = "percent", decimals: int = 1) -> str:
    """ "3.2% to 6.7%" (kind "percent": limits in percent, 3.2 and 6.7), the same from
    ``kind="proportion"`` (0.032 and 0.067), "45.8 to 54.1" ("rate") or "1.13 to 1.46" ("ratio").

    Refused with a ``ValueError`` naming the limits and the convention: an unknown ``kind``; a
    :class:`Proportion` (e.g. straight from ``wilson_ci``) as a percent; limits outside their
    unit's range (a percent below 0 or above 100, a proportion above 1: percent passed as a
    proportion, a negative rate or ratio); a lower limit above the upper one. A missing limit
    prints as ``x``.
    """
    if kind not in INTERVAL_KINDS:
        raise ValueError(f"fmt_interval: kind {kind!r} is not one of {', '.join(INTERVAL_KINDS)}")
    if kind == "percent":
        for value in (lower, upper):
            _refuse_proportion(value, "fmt_interval", 'fmt_interval(lower, upper, "proportion")')
    low, high = INTERVAL_KINDS[kind]
    given = [float(v) for v in (lower, upper) if not is_missing(v)]
    for v in given:
        if v < low or (high is not None and v > high):
            hint = (" (a percentage passed as a proportion? use kind=\"percent\")" if kind == "proportion"
                    else "")
            raise ValueError(f"fmt_interval: limit {v!r} is outside {low:g} to "
                             f"{'any' if high is None else f'{high:g}'} for a {kind} interval{hint}")
    if len(given) == 2 and given[0] > given[1]:
        raise ValueError(f"fmt_interval: lower limit {given[0]!r} is above the upper limit {given[1]!r}")
    if kind == "proportion":
        return (f"{fmt_percent(lower, decimals, from_proportion=True)} to "
                f"{fmt_percent(upper, decimals, from_proportion=True)}")
    if kind == "percent":
        return f"{fmt_percent(lower, decimals)} to {fmt_percent(upper, decimals)}"
    if kind == "ratio":
        return f"{fmt_number(lower, 2)} to {fmt_number(upper, 2)}"
    return f"{fmt_rate(lower, decimals)} to {fmt_rate(upper, decimals)}"
