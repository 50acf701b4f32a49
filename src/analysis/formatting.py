"""How a number is printed: the one rounding rule and the DfE number conventions.

Counts with thousands separators (10,750), percentages to one decimal place (28.5%), rates per
10,000 to one decimal place (49.8), money in whole pounds (£125,105). Rounding is half-up on the
number as written (28.45 -> 28.5), as a reader rounding by hand would, not Python's banker's
rounding. Missing values print as the GSS symbol ``x`` (override with ``missing=``).

Layer: imports nothing from the package; everything that prints a number imports it.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

def is_missing(value: Any) -> bool:
    """True for None and NaN (a blank cell), False for anything else, text included."""
    if value is None:
        return True
    try:
        return math.isnan(float(value))
    except (TypeError, ValueError):
        return False


def round_half_up(value: float, decimals: int = 0) -> Decimal:
    """Round half away from zero on the shortest decimal representation of ``value``."""
    q = Decimal(1).scaleb(-decimals)
    return Decimal(repr(float(value))).quantize(q, rounding=ROUND_HALF_UP)


def fmt_number(value: Any, decimals: int = 0, missing: str = "x") -> str:
    """A number with thousands separators and ``decimals`` places: 10750 -> "10,750"."""
    if is_missing(value):
        return missing
    d = round_half_up(float(value), decimals)
    if d == 0:
        d = abs(d)  # no "-0.0"
    return f"{d:,.{decimals}f}"


def fmt_count(value: Any, missing: str = "x") -> str:
    """A count: whole number with thousands separators (10750 -> "10,750")."""
    return fmt_number(value, 0, missing)


def fmt_percent(value: Any, decimals: int = 1, missing: str = "x", *, from_proportion: bool = False) -> str:
    """A percentage to one decimal place with a % sign: 28.4738 -> "28.5%".

    ``value`` is in percent (28.47) unless ``from_proportion=True`` (0.2847).
    """
    if is_missing(value):
        return missing
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


def fmt_interval(lower: Any, upper: Any, kind: str = "percent", decimals: int = 1) -> str:
    """ "3.2% to 6.7%" (kind "percent"), "45.8 to 54.1" ("rate") or "1.13 to 1.46" ("ratio")."""
    if kind == "percent":
        return f"{fmt_percent(lower, decimals)} to {fmt_percent(upper, decimals)}"
    if kind == "ratio":
        return f"{fmt_number(lower, 2)} to {fmt_number(upper, 2)}"
    return f"{fmt_rate(lower, decimals)} to {fmt_rate(upper, decimals)}"
