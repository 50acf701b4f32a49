"""Shared plumbing for :mod:`analysis.stats`: vectorisation, confidence levels, error messages.

Every public function in the package accepts scalars, sequences, numpy arrays and pandas
Series alike (as PHEindicatormethods' functions accept data-frame columns). Inputs are
broadcast together; the result has the "shape" of the inputs:

* all scalars -> Python ``float`` (or ``str``/``None`` for verdicts);
* any pandas Series -> a Series with that Series' index;
* otherwise -> a numpy array.

Missing values (``None``, ``NaN``, ``pd.NA``) propagate as ``NaN`` (or ``None`` for verdicts);
they never raise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as _st

__all__ = ["z_value", "check_conf", "Shape", "as_arrays", "conf_label"]


def check_conf(conf: float) -> float:
    """Validate a confidence level and return it as a fraction in (0, 1).

    Accepts a fraction (``0.95``, ``0.998``) or, as PHEindicatormethods does, a percentage
    (``95``, ``99.8``: anything from 50 to under 100). Other values raise ``ValueError``.
    """
    try:
        c = float(conf)
    except (TypeError, ValueError):
        raise ValueError(
            f"confidence level {conf!r} is not a number; use e.g. 0.95 or 0.998"
        ) from None
    if 50.0 <= c < 100.0:  # a percentage, e.g. 95 or 99.8
        c = c / 100.0
    if not 0.0 < c < 1.0:
        raise ValueError(
            f"confidence level {conf!r} is outside (0, 1); use e.g. 0.95 (95%) or 0.998 (99.8%)"
        )
    return c


def z_value(conf: float) -> float:
    """Two-sided standard normal quantile for a confidence level: Φ⁻¹(1 − α/2).

    ``z_value(0.95)`` = 1.959964…, ``z_value(0.998)`` = 3.090232….
    """
    c = check_conf(conf)
    return float(_st.norm.ppf(1.0 - (1.0 - c) / 2.0))


def conf_label(conf: float) -> str:
    """``0.95`` -> ``"95%"``, ``0.998`` -> ``"99.8%"`` (for column names and sentences)."""
    pct = check_conf(conf) * 100.0
    text = f"{pct:.4f}".rstrip("0").rstrip(".")
    return f"{text}%"


@dataclass(frozen=True)
class Shape:
    """Remembers what the caller passed so results can be returned in the same form."""

    kind: str  # "scalar", "array" or "series"
    index: pd.Index | None = None
    shape: tuple[int, ...] = ()

    def wrap(self, values: np.ndarray, name: str | None = None) -> Any:
        """Return ``values`` as a float/str scalar, a numpy array or a Series."""
        values = np.asarray(values)
        if self.kind == "scalar":
            item = values.reshape(-1)[0] if values.size else np.nan
            if values.dtype == object:
                return item
            return float(item) if np.issubdtype(values.dtype, np.floating) else item.item()
        if self.kind == "series":
            if values.dtype == object:
                return pd.Series(values, index=self.index, name=name, dtype="object")
            return pd.Series(values, index=self.index, name=name)
        return values

    def frame(self, columns: dict[str, np.ndarray]) -> pd.DataFrame:
        """Build a DataFrame from equal-length columns, keeping the caller's index."""
        data = {k: np.asarray(v).reshape(-1) for k, v in columns.items()}
        index = self.index if self.kind == "series" else None
        return pd.DataFrame(data, index=index)


def to_float_array(value: Any, name: str) -> np.ndarray:
    if isinstance(value, (pd.Series, pd.Index)):
        try:
            return value.to_numpy(dtype="float64", na_value=np.nan)
        except (TypeError, ValueError):
            bad = [v for v in value if not _is_number_or_missing(v)]
            raise ValueError(
                f"{name} must be numeric; found {bad[:3]!r}. Convert the column with "
                f"pd.to_numeric (blank/suppressed values become NaN) before calling."
            ) from None
    arr = np.asarray(value, dtype=object) if not isinstance(value, np.ndarray) else value
    if arr.dtype != object and np.issubdtype(arr.dtype, np.number):
        return arr.astype("float64")
    flat = np.asarray(arr, dtype=object).reshape(-1)
    out = np.empty(flat.shape, dtype="float64")
    for i, v in enumerate(flat):
        if v is None or (not isinstance(v, str) and pd.isna(v)):
            out[i] = np.nan
        elif isinstance(v, (bool, np.bool_)) or not _is_number_or_missing(v):
            raise ValueError(
                f"{name} must be numeric; found {v!r} at position {i}. Convert with "
                f"pd.to_numeric (blank/suppressed values become NaN) before calling."
            )
        else:
            out[i] = float(v)
    return out.reshape(np.shape(arr))


def _is_number_or_missing(v: Any) -> bool:
    if v is None:
        return True
    if isinstance(v, str):
        return False
    try:
        float(v)
    except (TypeError, ValueError):
        return bool(pd.isna(v)) if not isinstance(v, (list, tuple)) else False
    return True


def as_arrays(**named: Any) -> tuple[Shape, list[np.ndarray]]:
    """Convert named inputs to broadcast float arrays and remember the caller's shape.

    Raises ``ValueError`` (naming the argument) for non-numeric input, or for two Series
    whose indexes differ (so a district never meets another district's denominator).
    """
    index: pd.Index | None = None
    index_owner = ""
    any_array = False
    arrays: list[np.ndarray] = []
    for name, value in named.items():
        if isinstance(value, pd.DataFrame):
            raise ValueError(
                f"{name} is a DataFrame; pass one column (a Series), an array or a number"
            )
        if isinstance(value, pd.Series):
            if index is None:
                index, index_owner = value.index, name
            elif not value.index.equals(index):
                raise ValueError(
                    f"{name} and {index_owner} are pandas Series with different indexes; "
                    f"align them first (e.g. df[{name!r}], df[{index_owner!r}] from one frame)"
                )
            any_array = True
        elif isinstance(value, (np.ndarray, Sequence)) and not isinstance(value, str):
            any_array = True
        arrays.append(to_float_array(value, name))
    try:
        b = np.broadcast_arrays(*arrays)
    except ValueError:
        shapes = {n: np.shape(a) for n, a in zip(named, arrays)}
        raise ValueError(f"inputs cannot be broadcast together: shapes {shapes}") from None
    out = [np.array(a, dtype="float64") for a in b]  # writable copies
    if index is not None:
        if out and out[0].ndim != 1 or (out and len(out[0]) != len(index)):
            raise ValueError("Series inputs must be one-dimensional and of equal length")
        return Shape("series", index, out[0].shape), out
    if any_array:
        return Shape("array", None, out[0].shape if out else ()), out
    return Shape("scalar"), [np.atleast_1d(a) for a in out]


def describe_positions(mask: np.ndarray, shape: Shape, *values: tuple[str, np.ndarray]) -> str:
    """Name the first offending positions of ``mask`` (with index labels) and their values."""
    flat = np.asarray(mask).reshape(-1)
    idx = np.flatnonzero(flat)
    parts = []
    for i in idx[:3]:
        where = ""
        if shape.kind == "series" and shape.index is not None:
            where = f"index {shape.index[i]!r}"
        elif shape.kind == "array":
            where = f"position {i}"
        vals = ", ".join(f"{n}={_num(np.asarray(v).reshape(-1)[i])}" for n, v in values)
        parts.append(f"{where} ({vals})" if where else vals)
    more = f" and {len(idx) - 3} more" if len(idx) > 3 else ""
    return "; ".join(parts) + more


def _num(v: float) -> str:
    if np.isnan(v):
        return "NaN"
    return str(int(v)) if float(v).is_integer() else repr(float(v))


# --------------------------------------------------------------------------- argument checks
def check_counts(shape: Shape, x: np.ndarray, name: str, func: str) -> None:
    neg = x < 0  # NaN compares False: missing values pass through
    if neg.any():
        raise ValueError(
            f"{func}: {name} must be a count ≥ 0; found "
            f"{describe_positions(neg, shape, (name, x))}. Check the numerator column "
            f"(a negative count is a data error)."
        )


def check_denominators(shape: Shape, n: np.ndarray, name: str, func: str) -> None:
    bad = n <= 0
    if bad.any():
        raise ValueError(
            f"{func}: {name} must be greater than zero (as in PHEindicatormethods); found "
            f"{describe_positions(bad, shape, (name, n))}. A zero denominator has no "
            f"proportion or rate: drop the row or set the denominator to NaN to carry it "
            f"through as missing."
        )


def check_x_le_n(shape: Shape, x: np.ndarray, n: np.ndarray, func: str) -> None:
    bad = x > n
    if bad.any():
        raise ValueError(
            f"{func}: numerator x is greater than denominator n, which is impossible for a "
            f"proportion; found {describe_positions(bad, shape, ('x', x), ('n', n))}. "
            f"Check that the numerator is a subset of the denominator (for a rate of "
            f"events use rate_ci / rate_ci_table, which allow x > population)."
        )

def check_share(shape: Shape, b: np.ndarray, name: str, func: str) -> None:
    bad = (b < 0) | (b > 1)
    if bad.any():
        raise ValueError(
            f"{func}: {name} must be a proportion in [0, 1]; found "
            f"{describe_positions(bad, shape, (name, b))}. If it is a percentage, divide "
            f"by 100 (6% -> 0.06)."
        )
