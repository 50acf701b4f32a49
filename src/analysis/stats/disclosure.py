"""Disclosure control for public tables (DfE children in need statistics convention).

* Primary suppression: counts from 1 to ``threshold`` (5) inclusive are shown as ``c``;
  ``0`` is a true zero and stays 0.
* Secondary suppression: further cells are suppressed so that no suppressed value can be
  recovered from a row or column total, by subtraction or (for a suppressed total) addition,
  including chains of such steps and any combination of rows and columns: after the
  row/column rule (no line with exactly one unknown) the table is audited by linear algebra
  (a suppressed cell is exposed if it is determined by the system of row and column sums)
  and suppression repeated until stable. Secondary cells are the smallest non-zero visible
  cells of the line; totals only when nothing else is left.
* Totals: ``total_row``/``total_col`` name printed total rows/columns. Without them, row and
  column sums are still assumed to be known (``implicit_totals=True``): a report nearly always
  publishes them somewhere else. Printed totals that do not equal the sum of their cells are
  reported with a ``UserWarning`` (never corrected).
* Missing cells (NaN) are shown as ``x`` and are *not* counted as protection (the published
  total may exclude them).

Protection is against exact recovery, which is the DfE standard; bounds from non-negativity
are not considered.
"""

from __future__ import annotations

import warnings
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import linalg as _la

from ..formatting import fmt_count, fmt_number, round_half_up

__all__ = [
    "SMALL_COUNT_THRESHOLD",
    "is_small_count",
    "SUPPRESSED",
    "NOT_AVAILABLE",
    "suppression_mask",
    "suppress_counts",
    "recoverable_cells",
    "suppress_derived",
    "label_for_chart",
]

#: DfE's rule: counts from 1 to this number are not published (0 is a true zero).
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
    return not np.isnan(f) and 1 <= f <= threshold


@dataclass(frozen=True)
class _Line:
    """One additive constraint: sum(members) == total (a cell, or a known virtual total)."""

    members: tuple[tuple[int, int], ...]
    total: tuple[int, int] | None  # None: the sum is published elsewhere (visible)
    label: str


def _as_frame(table: Any) -> tuple[pd.DataFrame, bool]:
    if isinstance(table, pd.Series):
        return table.to_frame(), True
    if isinstance(table, pd.DataFrame):
        return table, False
    raise TypeError("suppress_counts: pass a pandas DataFrame (or Series) of counts")


def _values(frame: pd.DataFrame) -> np.ndarray:
    try:
        vals = frame.apply(pd.to_numeric, errors="raise").to_numpy(dtype="float64", na_value=np.nan)
    except (ValueError, TypeError) as err:
        raise ValueError(
            f"suppress_counts: every cell must be a count or blank; {err}. Suppress the raw "
            f"counts, then format."
        ) from None
    bad = ~np.isnan(vals) & ((vals < 0) | (vals != np.round(vals)))
    if bad.any():
        r, c = np.argwhere(bad)[0]
        raise ValueError(
            f"suppress_counts: cell ({frame.index[r]!r}, {frame.columns[c]!r}) = {vals[r, c]!r} "
            f"is not a whole non-negative count; suppression applies to counts (suppress "
            f"percentages with suppress_derived)"
        )
    return vals


def _locate(labels: pd.Index, label: Hashable | None, what: str) -> int | None:
    if label is None:
        return None
    if label not in labels:
        raise ValueError(f"suppress_counts: {what} {label!r} is not in the table ({list(labels)})")
    loc = labels.get_loc(label)
    if not isinstance(loc, int):
        raise ValueError(f"suppress_counts: {what} {label!r} appears more than once")
    return loc


def _lines(
    shape: tuple[int, int], rt: int | None, ct: int | None, implicit: bool, frame: pd.DataFrame
) -> list[_Line]:
    n_rows, n_cols = shape
    lines: list[_Line] = []
    for r in range(n_rows):
        members = tuple((r, c) for c in range(n_cols) if c != ct)
        if ct is not None:
            lines.append(_Line(members, (r, ct), f"row {frame.index[r]!r}"))
        elif implicit and len(members) >= 2:  # one cell's "row total" is the cell itself
            lines.append(_Line(members, None, f"row {frame.index[r]!r}"))
    for c in range(n_cols):
        members = tuple((r, c) for r in range(n_rows) if r != rt)
        if rt is not None:
            lines.append(_Line(members, (rt, c), f"column {frame.columns[c]!r}"))
        elif implicit and len(members) >= 2:
            lines.append(_Line(members, None, f"column {frame.columns[c]!r}"))
    return lines


def _check_totals(vals: np.ndarray, lines: list[_Line]) -> list[str]:
    problems = []
    for line in lines:
        if line.total is None:
            continue
        t = vals[line.total]
        parts = np.array([vals[m] for m in line.members])
        if np.isnan(t) or np.isnan(parts).any():
            continue
        if not np.isclose(parts.sum(), t):
            problems.append(f"{line.label}: cells sum to {parts.sum():g} but the total is {t:g}")
    return problems


def _unknown_count(line: _Line, mask: np.ndarray) -> int:
    k = sum(bool(mask[m]) for m in line.members)
    if line.total is not None and mask[line.total]:
        k += 1
    return k


def _choose(line: _Line, vals: np.ndarray, mask: np.ndarray) -> tuple[int, int] | None:
    """Smallest non-zero visible member; else the total (if it is a real, non-zero cell)."""
    cands = [m for m in line.members if not mask[m] and not np.isnan(vals[m]) and vals[m] > 0]
    if cands:
        return min(cands, key=lambda m: (vals[m], m))
    if line.total is not None and not mask[line.total]:
        t = vals[line.total]
        if not np.isnan(t) and t > 0:
            return line.total
    return None


def _determined(lines: list[_Line], mask: np.ndarray) -> list[tuple[int, int]]:
    """Suppressed cells whose value is fixed by the row/column equations."""
    unknown = [tuple(int(i) for i in rc) for rc in np.argwhere(mask)]
    if not unknown:
        return []
    col = {rc: j for j, rc in enumerate(unknown)}
    rows = []
    for line in lines:
        row = np.zeros(len(unknown))
        touched = False
        for m in line.members:
            if m in col:
                row[col[m]] += 1.0
                touched = True
        if line.total is not None and line.total in col:
            row[col[line.total]] -= 1.0
            touched = True
        if touched:
            rows.append(row)
    if not rows:
        return []
    a = np.vstack(rows)
    null = _la.null_space(a)
    if null.size == 0:
        return unknown
    return [rc for rc, j in col.items() if np.allclose(null[j, :], 0.0, atol=1e-9)]


def _mask(
    vals: np.ndarray, lines: list[_Line], threshold: int, frame: pd.DataFrame
) -> tuple[np.ndarray, list[str]]:
    notes: list[str] = []
    mask = ~np.isnan(vals) & (vals >= 1) & (vals <= threshold)
    for _ in range(10 * mask.size + 10):
        changed = False
        for line in lines:
            if _unknown_count(line, mask) == 1:
                pick = _choose(line, vals, mask)
                if pick is None:
                    note = (
                        f"{line.label}: a suppressed value equals the line's published total and "
                        f"cannot be protected inside this table"
                    )
                    if note not in notes:
                        notes.append(note)
                    continue
                mask[pick] = True
                changed = True
        if changed:
            continue
        exposed = _determined(lines, mask)
        for cell in exposed:
            options = []
            for line in lines:
                if cell in line.members or cell == line.total:
                    pick = _choose(line, vals, mask)
                    if pick is not None:
                        options.append((vals[pick], pick))
            if options:
                mask[min(options)[1]] = True
                changed = True
                break
        if not changed:
            if exposed:
                notes.append(
                    "cells "
                    + ", ".join(f"({frame.index[r]!r}, {frame.columns[c]!r})" for r, c in exposed)
                    + " remain derivable from totals and no further cell can be suppressed"
                )
            break
    return mask, notes


def suppression_mask(
    table: pd.DataFrame | pd.Series,
    threshold: int = SMALL_COUNT_THRESHOLD,
    total_row: Hashable | None = None,
    total_col: Hashable | None = None,
    implicit_totals: bool = True,
) -> pd.DataFrame | pd.Series:
    """Boolean table: True where :func:`suppress_counts` shows ``c`` (same shape and labels)."""
    frame, was_series = _as_frame(table)
    vals = _values(frame)
    if not isinstance(threshold, (int, np.integer)) or threshold < 1:
        raise ValueError(f"suppress_counts: threshold must be a whole number ≥ 1, got {threshold!r}")
    rt = _locate(frame.index, total_row, "total_row")
    ct = _locate(frame.columns, total_col, "total_col")
    lines = _lines(vals.shape, rt, ct, implicit_totals, frame)
    problems = _check_totals(vals, lines)
    if problems:
        warnings.warn(
            "suppress_counts: printed totals disagree with their cells (kept as printed; "
            "recovery arithmetic assumes they agree): " + "; ".join(problems),
            UserWarning,
            stacklevel=3,
        )
    mask, notes = _mask(vals, lines, int(threshold), frame)
    out = pd.DataFrame(mask, index=frame.index, columns=frame.columns)
    out.attrs["notes"] = notes + [f"totals disagree: {p}" for p in problems]
    if was_series:
        s = out.iloc[:, 0]
        s.attrs = out.attrs
        return s
    return out


def suppress_counts(
    table: pd.DataFrame | pd.Series,
    threshold: int = SMALL_COUNT_THRESHOLD,
    total_row: Hashable | None = None,
    total_col: Hashable | None = None,
    implicit_totals: bool = True,
) -> pd.DataFrame | pd.Series:
    """A display copy of a table of counts with primary and secondary suppression applied.

    Parameters
    ----------
    table : counts (whole numbers ≥ 0; blanks allowed), rows × columns, possibly with a printed
        total row and/or column. A Series is treated as one column.
    threshold : counts from 1 to ``threshold`` inclusive are suppressed (DfE: 5).
    total_row, total_col : labels of the printed total row / column, if any.
    implicit_totals : assume row and column sums are published elsewhere even when the table
        has no total row/column (default True: the safe choice).

    Returns an object-dtype table: visible counts as ``int``, ``"c"`` where suppressed,
    ``"x"`` where the input was blank. ``attrs["suppressed"]`` holds the boolean mask and
    ``attrs["notes"]`` anything a reader must know (e.g. a value that equals its total).
    """
    frame, was_series = _as_frame(table)
    mask = suppression_mask(frame, threshold, total_row, total_col, implicit_totals)
    vals = _values(frame)
    disp = np.empty(vals.shape, dtype=object)
    for (r, c), v in np.ndenumerate(vals):
        if mask.iat[r, c]:
            disp[r, c] = SUPPRESSED
        elif np.isnan(v):
            disp[r, c] = NOT_AVAILABLE
        else:
            disp[r, c] = int(v)
    out = pd.DataFrame(disp, index=frame.index, columns=frame.columns, dtype="object")
    out.attrs["suppressed"] = mask
    out.attrs["notes"] = mask.attrs.get("notes", [])
    if was_series:
        s = out.iloc[:, 0].rename(table.name)
        s.attrs = out.attrs
        return s
    return out


def recoverable_cells(
    display: pd.DataFrame | pd.Series,
    total_row: Hashable | None = None,
    total_col: Hashable | None = None,
    implicit_totals: bool = True,
) -> list[tuple[Hashable, Hashable]]:
    """Audit a display table: the ``c`` cells whose values are fixed by the row and column
    sums (``[]`` means none can be recovered). Uses the same linear-algebra test as
    :func:`suppress_counts`."""
    frame, _ = _as_frame(display)
    mask = (frame == SUPPRESSED).to_numpy()
    rt = _locate(frame.index, total_row, "total_row")
    ct = _locate(frame.columns, total_col, "total_col")
    lines = _lines(mask.shape, rt, ct, implicit_totals, frame)
    found = {rc for line in lines if _unknown_count(line, mask) == 1 for rc in _line_unknowns(line, mask)}
    found |= set(_determined(lines, mask))
    return [(frame.index[r], frame.columns[c]) for r, c in sorted(found)]


def _line_unknowns(line: _Line, mask: np.ndarray) -> list[tuple[int, int]]:
    cells = [m for m in line.members if mask[m]]
    if line.total is not None and mask[line.total]:
        cells.append(line.total)
    return cells


def _is_hidden(v: Any) -> str | None:
    if isinstance(v, str) and v in (SUPPRESSED, NOT_AVAILABLE):
        return v
    return None


def _align_mask(source: pd.DataFrame | pd.Series, target: pd.DataFrame) -> pd.DataFrame:
    """Symbols ("c"/"x"/None) from a display table, aligned to ``target``."""
    if isinstance(source, pd.Series):
        sym = source.map(_is_hidden)
        if source.index.equals(target.index) or set(source.index) >= set(target.index):
            sym = sym.reindex(target.index)
            return pd.DataFrame({c: sym.to_numpy() for c in target.columns}, index=target.index)
        if set(source.index) >= set(target.columns):
            sym = sym.reindex(target.columns)
            return pd.DataFrame(
                [sym.to_numpy()] * len(target.index), index=target.index, columns=target.columns
            )
        raise ValueError(
            "suppress_derived: a Series of counts/denominators must be labelled like the derived "
            "table's rows or its columns"
        )
    missing_rows = set(target.index) - set(source.index)
    missing_cols = set(target.columns) - set(source.columns)
    if missing_rows or missing_cols:
        raise ValueError(
            f"suppress_derived: the counts table lacks rows {sorted(map(str, missing_rows))} / "
            f"columns {sorted(map(str, missing_cols))} of the derived table"
        )
    return source.reindex(index=target.index, columns=target.columns).map(_is_hidden)


def suppress_derived(
    derived: pd.DataFrame | pd.Series,
    counts_display: pd.DataFrame | pd.Series,
    denominators_display: pd.DataFrame | pd.Series | None = None,
    decimals: int = 1,
) -> pd.DataFrame | pd.Series:
    """Suppress percentages or rates derived from suppressed counts.

    Parameters
    ----------
    derived : percentages or rates per 10,000 (numbers), labelled like the counts.
    counts_display : the output of :func:`suppress_counts` for the numerators: where it shows
        ``c`` (or ``x``) the derived value is shown as ``c`` (or ``x``) too.
    denominators_display : optional display of the denominators (a Series labelled by the
        derived table's rows or columns, or a table): a derived value whose denominator is
        suppressed is suppressed as well.
    decimals : decimal places for visible values (DfE: 1), rounded half-up.

    Returns an object-dtype table of rounded floats and ``c``/``x`` symbols.
    """
    frame, was_series = _as_frame(derived)
    if was_series and isinstance(counts_display, pd.Series):
        counts_src: pd.DataFrame | pd.Series = counts_display.to_frame(frame.columns[0])
    else:
        counts_src = counts_display
    sym = _align_mask(counts_src, frame)
    if denominators_display is not None:
        dsym = _align_mask(denominators_display, frame)
        sym = sym.where(sym.notna(), dsym)
    vals = frame.apply(pd.to_numeric, errors="coerce")
    disp = np.empty(frame.shape, dtype=object)
    for (r, c), _v in np.ndenumerate(disp):
        s = sym.iat[r, c]
        v = vals.iat[r, c]
        if isinstance(s, str):
            disp[r, c] = s
        elif pd.isna(v):
            disp[r, c] = NOT_AVAILABLE
        else:
            disp[r, c] = float(round_half_up(float(v), decimals))
    out = pd.DataFrame(disp, index=frame.index, columns=frame.columns, dtype="object")
    if was_series:
        return out.iloc[:, 0].rename(derived.name)
    return out


def label_for_chart(
    value: Any, threshold: int = SMALL_COUNT_THRESHOLD, suppressed: Any = None, decimals: int = 0
) -> Any:
    """Text label for a chart bar or point: ``"c"`` for counts 1..``threshold`` (or where
    ``suppressed`` is True, e.g. a secondary-suppressed cell), ``"0"`` for zero, ``"x"`` for
    missing, otherwise the count with thousands separators ("1,234").

    Accepts a scalar, list, array or Series (a Series keeps its index); ``suppressed`` may be
    a boolean of the same shape (e.g. ``suppress_counts(...).attrs["suppressed"]``).
    """

    def one(v: Any, sup: bool) -> str:
        if isinstance(v, str) and v in (SUPPRESSED, NOT_AVAILABLE):
            return v
        if v is None or pd.isna(v):
            return NOT_AVAILABLE
        f = float(v)
        if sup or is_small_count(f, threshold):
            return SUPPRESSED
        return fmt_count(f) if decimals == 0 else fmt_number(f, decimals)

    if isinstance(value, pd.Series):
        sup = (
            pd.Series(False, index=value.index)
            if suppressed is None
            else pd.Series(np.asarray(suppressed, dtype=bool), index=value.index)
        )
        return pd.Series(
            [one(v, bool(s)) for v, s in zip(value, sup)], index=value.index, dtype="object"
        )
    if isinstance(value, (list, tuple, np.ndarray)):
        arr = np.asarray(value, dtype=object)
        sup_arr = (
            np.zeros(arr.shape, dtype=bool)
            if suppressed is None
            else np.asarray(suppressed, dtype=bool)
        )
        out = np.empty(arr.shape, dtype=object)
        for idx, v in np.ndenumerate(arr):
            out[idx] = one(v, bool(sup_arr[idx]))
        return out
    return one(value, bool(suppressed) if suppressed is not None else False)
