"""Disclosure control for public tables (DfE children in need statistics convention).

* Primary suppression: counts from 1 to ``threshold`` (5) inclusive are shown as ``c``;
  ``0`` is a true zero and stays 0.
* Secondary suppression: further cells are suppressed so that no suppressed value can be
  recovered from a row or column total, by subtraction or (for a suppressed total) addition,
  including chains of such steps and any combination of rows and columns (a suppressed cell
  is exposed if it is determined by the system of row and column sums). Of all the sets of
  visible non-zero cells that protect the primary ones, the one hidden has the smallest total
  value, then the fewest cells (a search, :mod:`analysis.stats.secondary`): never a 248 where
  smaller cells would do.
* Tables published together that print the same figures (a row in two breakdowns) are
  protected together (:func:`linked_suppression_masks`): a figure hidden in one is hidden in
  all.
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
from collections.abc import Callable, Hashable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..formatting import fmt_count, fmt_number, round_half_up
from ..formatting import NOT_AVAILABLE, SMALL_COUNT_THRESHOLD, SUPPRESSED, is_small_count  # noqa: F401 - DfE's rule, re-exported
from .secondary import Line, candidates, exposed, protect, unknowns

__all__ = [
    "SMALL_COUNT_THRESHOLD",
    "is_small_count",
    "SUPPRESSED",
    "NOT_AVAILABLE",
    "suppression_mask",
    "linked_suppression_masks",
    "suppress_counts",
    "recoverable_cells",
    "suppress_derived",
    "label_for_chart",
]

# DfE's rule and symbols (SMALL_COUNT_THRESHOLD, SUPPRESSED, NOT_AVAILABLE, is_small_count) live
# with the number conventions in analysis.formatting, so that checking a published page (the
# runner's export) needs no statistics library; they are imported above and used here.


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


def _lines(frame: pd.DataFrame, rt: int | None, ct: int | None, implicit: bool,
           cell: Callable[[int, int], int] | None = None, name: str = "") -> list[Line]:
    """The table's published sums, its cells numbered by ``cell(r, c)`` (default: row-major)."""
    n_rows, n_cols = frame.shape
    number = cell or (lambda r, c: r * n_cols + c)
    lines: list[Line] = []
    for r in range(n_rows):
        members = tuple(number(r, c) for c in range(n_cols) if c != ct)
        label = f"{name}row {frame.index[r]!r}"
        if ct is not None:
            lines.append(Line(members, number(r, ct), label))
        elif implicit and len(members) >= 2:  # one cell's "row total" is the cell itself
            lines.append(Line(members, None, label))
    for c in range(n_cols):
        members = tuple(number(r, c) for r in range(n_rows) if r != rt)
        label = f"{name}column {frame.columns[c]!r}"
        if rt is not None:
            lines.append(Line(members, number(rt, c), label))
        elif implicit and len(members) >= 2:
            lines.append(Line(members, None, label))
    return lines


def _check_totals(vals: np.ndarray, lines: list[Line]) -> list[str]:
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


def _notes(vals: np.ndarray, lines: list[Line], mask: np.ndarray, name: Callable[[int], str]) -> list[str]:
    """What the protection could not achieve (a value equal to its line's total; cells left derivable)."""
    notes: list[str] = []
    for line in lines:
        if len(unknowns(line, mask)) == 1 and not candidates(line, vals, mask):
            note = (f"{line.label}: a suppressed value equals the line's published total and cannot be "
                    f"protected inside this table")
            if note not in notes:
                notes.append(note)
    left = exposed(lines, mask)
    if left:
        notes.append("cells " + ", ".join(name(cell) for cell in left)
                     + " remain derivable from totals and no further cell can be suppressed")
    return notes


def _check_threshold(threshold: Any) -> int:
    if not isinstance(threshold, (int, np.integer)) or threshold < 1:
        raise ValueError(f"suppress_counts: threshold must be a whole number ≥ 1, got {threshold!r}")
    return int(threshold)


def linked_suppression_masks(
    tables: Sequence[pd.DataFrame],
    same_rows: Sequence[Sequence[tuple[int, Hashable]]] = (),
    threshold: int = SMALL_COUNT_THRESHOLD,
    total_row: Hashable | None = None,
    total_col: Hashable | None = None,
    implicit_totals: bool = True,
) -> list[pd.DataFrame]:
    """Suppression masks for tables published together that print some of the same figures.

    ``same_rows``: groups of ``(table number, row label)`` whose rows print the same counts
    (e.g. unborn children in both the age and the gender breakdown of children on plans, or a
    total row shared by both). At each column label the tables share, equal cells of a group
    are one figure: hidden in every table or in none, so a figure hidden in one table is never
    printed in another, and the cheapest protection may hide it (a small shared row, with one
    more cell of each table) rather than a large cell of one table. Each table's own sums are
    its lines (``total_row``/``total_col``/``implicit_totals`` as in :func:`suppression_mask`,
    the same for every table). Returns one boolean mask per table, each with ``attrs["notes"]``.
    """
    threshold = _check_threshold(threshold)
    frames = [_as_frame(table)[0] for table in tables]
    values = [_values(frame) for frame in frames]
    offsets = np.cumsum([0] + [v.size for v in values])
    flat = np.concatenate([v.ravel() for v in values]) if values else np.zeros(0)
    ident = np.arange(flat.size)  # the figure each cell prints (shared rows: one figure)
    for group in same_rows:
        first = None
        for t, label in group:
            if label not in frames[t].index:
                continue
            if first is None:
                first = (t, label)
                continue
            t0, label0 = first
            for c, column in enumerate(frames[t].columns):
                if column not in frames[t0].columns:
                    continue
                r, r0 = frames[t].index.get_loc(label), frames[t0].index.get_loc(label0)
                c0 = frames[t0].columns.get_loc(column)
                a = offsets[t] + r * frames[t].shape[1] + c
                b = offsets[t0] + r0 * frames[t0].shape[1] + c0
                if flat[a] == flat[b] or (np.isnan(flat[a]) and np.isnan(flat[b])):
                    ident[a] = ident[b]
    lines: list[Line] = []
    problems: list[list[str]] = []
    for t, frame in enumerate(frames):
        rt = _locate(frame.index, total_row, "total_row")
        ct = _locate(frame.columns, total_col, "total_col")
        n_cols = frame.shape[1]
        own = _lines(frame, rt, ct, implicit_totals,
                     lambda r, c, t=t, n_cols=n_cols: int(ident[offsets[t] + r * n_cols + c]),
                     f"table {t + 1} " if len(frames) > 1 else "")
        problems.append(_check_totals(flat, own))
        lines += own
    for found in problems:
        if found:
            warnings.warn(
                "suppress_counts: printed totals disagree with their cells (kept as printed; "
                "recovery arithmetic assumes they agree): " + "; ".join(found),
                UserWarning,
                stacklevel=3,
            )
    primary = ~np.isnan(flat) & (flat >= 1) & (flat <= threshold)
    shared_primary = np.zeros(flat.size, dtype=bool)
    np.logical_or.at(shared_primary, ident, primary)
    mask = protect(flat, lines, shared_primary)
    mask = mask[ident]  # a figure hidden anywhere is hidden wherever it is printed

    def name(cell: int) -> str:
        t = int(np.searchsorted(offsets, cell, side="right") - 1)
        r, c = divmod(cell - offsets[t], frames[t].shape[1])
        return f"({frames[t].index[r]!r}, {frames[t].columns[c]!r})"

    notes = _notes(flat, lines, mask, name)
    out = []
    for t, frame in enumerate(frames):
        part = mask[offsets[t]:offsets[t + 1]].reshape(frame.shape)
        one = pd.DataFrame(part, index=frame.index, columns=frame.columns)
        one.attrs["notes"] = notes + [f"totals disagree: {p}" for p in problems[t]]
        out.append(one)
    return out


def suppression_mask(
    table: pd.DataFrame | pd.Series,
    threshold: int = SMALL_COUNT_THRESHOLD,
    total_row: Hashable | None = None,
    total_col: Hashable | None = None,
    implicit_totals: bool = True,
) -> pd.DataFrame | pd.Series:
    """Boolean table: True where :func:`suppress_counts` shows ``c`` (same shape and labels)."""
    frame, was_series = _as_frame(table)
    out = linked_suppression_masks([frame], (), threshold, total_row, total_col, implicit_totals)[0]
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
    mask = (frame == SUPPRESSED).to_numpy().ravel()
    rt = _locate(frame.index, total_row, "total_row")
    ct = _locate(frame.columns, total_col, "total_col")
    lines = _lines(frame, rt, ct, implicit_totals)
    n_cols = frame.shape[1]
    return [(frame.index[cell // n_cols], frame.columns[cell % n_cols]) for cell in exposed(lines, mask)]


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
