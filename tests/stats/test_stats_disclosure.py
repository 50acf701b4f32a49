"""Disclosure control, tested by trying: an attacker subtracts visible cells from every row and
column total (and adds up rows to reach a suppressed total), repeating while anything new is
learnt. Nothing suppressed may be recovered."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.stats import (
    label_for_chart,
    recoverable_cells,
    suppress_counts,
    suppress_derived,
    suppression_mask,
)


def try_to_recover(display: pd.DataFrame, total_row=None, total_col=None) -> dict:
    """Recover whatever a reader can from a published table by row/column arithmetic.

    Works only from the display (numbers and "c"); every row and column with a printed total
    gives one equation "cells sum to the total". Any equation with exactly one unknown reveals
    it; revealed values are fed back in until nothing new is learnt. Returns {cell: value}.
    """
    known = {}
    for r in display.index:
        for c in display.columns:
            v = display.loc[r, c]
            if not isinstance(v, str):
                known[(r, c)] = float(v)
    equations = []  # (members, total cell)
    if total_col is not None:
        for r in display.index:
            equations.append(([(r, c) for c in display.columns if c != total_col], (r, total_col)))
    if total_row is not None:
        for c in display.columns:
            equations.append(([(r, c) for r in display.index if r != total_row], (total_row, c)))
    recovered = {}
    progress = True
    while progress:
        progress = False
        for members, total in equations:
            cells = members + [total]
            unknown = [cell for cell in cells if cell not in known]
            if len(unknown) != 1:
                continue
            cell = unknown[0]
            member_sum = sum(known[m] for m in members if m in known)
            value = member_sum if cell == total else known[total] - member_sum
            known[cell] = recovered[cell] = value
            progress = True
    return recovered


def _table(values, rows, cols) -> pd.DataFrame:
    t = pd.DataFrame(values, index=rows, columns=cols)
    t["Total"] = t.sum(axis=1)
    t.loc["Total"] = t.sum()
    return t


def test_attack_detects_primary_only_suppression() -> None:
    # The attacker is real: with only the small cells hidden it recovers them exactly.
    t = _table([[10, 3, 20], [12, 8, 15], [9, 11, 30]], ["A", "B", "C"], ["Q1", "Q2", "Q3"])
    naive = t.astype(object)
    naive.loc["A", "Q2"] = "c"
    assert try_to_recover(naive, "Total", "Total") == {("A", "Q2"): 3.0}


def test_district_by_quarter_table_cannot_be_recovered() -> None:
    t = _table(
        [[10, 12, 9, 14], [3, 8, 11, 0], [20, 15, 1, 17], [0, 2, 7, 6], [33, 41, 28, 30]],
        ["North Warks", "Nuneaton", "Rugby", "Stratford", "Warwick"],
        ["Q1", "Q2", "Q3", "Q4"],
    )
    shown = suppress_counts(t, total_row="Total", total_col="Total")
    assert try_to_recover(shown, "Total", "Total") == {}
    assert recoverable_cells(shown, "Total", "Total") == []
    # primary cells are "c", zeros stay 0, every visible number is the original count
    for r in t.index:
        for c in t.columns:
            v, d = t.loc[r, c], shown.loc[r, c]
            if 1 <= v <= 5:
                assert d == "c"
            elif v == 0:
                assert d == 0
            if d != "c":
                assert d == v
    assert shown.loc["Nuneaton", "Q1"] == "c" and shown.loc["Rugby", "Q3"] == "c"


@pytest.mark.parametrize("seed", range(25))
def test_random_tables_cannot_be_recovered(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_rows, n_cols = rng.integers(2, 7), rng.integers(2, 6)
    values = rng.choice([0, 1, 2, 3, 4, 5, 6, 8, 12, 25, 40], size=(n_rows, n_cols))
    t = _table(values, [f"r{i}" for i in range(n_rows)], [f"c{j}" for j in range(n_cols)])
    shown = suppress_counts(t, total_row="Total", total_col="Total")
    assert shown.attrs["notes"] == []  # every table here can be fully protected
    assert try_to_recover(shown, "Total", "Total") == {}
    assert recoverable_cells(shown, "Total", "Total") == []
    small = (t >= 1) & (t <= 5)
    assert (shown[small] == "c").sum().sum() == small.sum().sum()
    assert ((t == 0) == (shown.map(lambda v: v == 0 and not isinstance(v, str)))).all().all()


def test_single_column_with_total_and_threshold_parameter() -> None:
    s = pd.Series([500, 3, 20, 0, 41, 564], index=["White", "Mixed", "Asian", "Black", "Other", "Total"])
    shown = suppress_counts(s, total_row="Total")
    assert shown.tolist() == [500, "c", "c", 0, 41, 564]  # Asian hidden so Mixed = 564 − rest fails
    assert try_to_recover(shown.to_frame("n"), total_row="Total") == {}
    assert suppress_counts(s, threshold=2, total_row="Total").tolist() == [500, 3, 20, 0, 41, 564]
    # no printed total: sums are still assumed published elsewhere (implicit_totals=True)
    no_total = suppress_counts(s.drop("Total"))
    assert no_total.tolist() == [500, "c", "c", 0, 41]
    assert suppress_counts(s.drop("Total"), implicit_totals=False).tolist() == [500, "c", 20, 0, 41]


def test_suppressed_total_cannot_be_added_up() -> None:
    # A total of 4 is itself small: it is hidden, and so must something in its line be.
    t = _table([[1, 3], [20, 30]], ["a", "b"], ["x", "y"])
    shown = suppress_counts(t, total_row="Total", total_col="Total")
    assert shown.loc["a", "Total"] == "c"
    assert try_to_recover(shown, "Total", "Total") == {}


def test_inconsistent_printed_totals_are_reported_not_fixed() -> None:
    t = _table([[10, 3], [20, 30]], ["a", "b"], ["x", "y"])
    t.loc["a", "Total"] = 14  # printed 14, cells sum to 13
    with pytest.warns(UserWarning, match="row 'a': cells sum to 13 but the total is 14"):
        shown = suppress_counts(t, total_row="Total", total_col="Total")
    assert any("totals disagree" in n for n in shown.attrs["notes"])


def test_bad_input_is_explained() -> None:
    with pytest.raises(ValueError, match="whole non-negative count"):
        suppress_counts(pd.DataFrame({"a": [1.5, 2]}))
    with pytest.raises(ValueError, match="total_row 'All'"):
        suppress_counts(pd.DataFrame({"a": [1, 2]}), total_row="All")


def test_missing_cells_show_x_and_do_not_count_as_protection() -> None:
    t = pd.DataFrame({"x": [3.0, np.nan, 10.0], "y": [8.0, 9.0, 17.0]}, index=["a", "b", "Total"])
    shown = suppress_counts(t, total_row="Total")
    assert shown.loc["b", "x"] == "x"
    assert shown.loc["a", "x"] == "c"
    assert shown.loc["a", "y"] == "c"  # row a would otherwise give x away


def test_suppress_derived_follows_the_counts() -> None:
    counts = _table([[10, 3], [20, 30]], ["a", "b"], ["x", "y"])
    shown = suppress_counts(counts, total_row="Total", total_col="Total")
    pct = counts.div(counts["Total"], axis=0) * 100
    out = suppress_derived(pct, shown)
    for r in pct.index:
        for c in pct.columns:
            if shown.loc[r, c] == "c":
                assert out.loc[r, c] == "c"
            else:
                assert out.loc[r, c] == pytest.approx(round(pct.loc[r, c], 1))
    # a rate whose denominator is suppressed is suppressed too
    rates = pd.DataFrame({"rate": [45.25, 12.35]}, index=["a", "b"])
    denoms = pd.Series(["c", 2400], index=["a", "b"])
    num = pd.DataFrame({"rate": [50, 3]}, index=["a", "b"])
    out = suppress_derived(rates, num.astype(object).where(num > 5, "c"), denominators_display=denoms)
    assert out["rate"].tolist() == ["c", "c"]
    out = suppress_derived(rates, num.astype(object))
    assert out["rate"].tolist() == [45.3, 12.4]  # one decimal place, half-up


def test_label_for_chart() -> None:
    assert label_for_chart(0) == "0"
    assert label_for_chart(3) == "c" and label_for_chart(5) == "c" and label_for_chart(6) == "6"
    assert label_for_chart(10750) == "10,750"
    assert label_for_chart(None) == "x"
    assert label_for_chart(7, threshold=10) == "c"
    s = pd.Series([500, 3, 20], index=["White", "Mixed", "Asian"])
    mask = suppression_mask(s.to_frame("n"))["n"]  # Asian is secondary-suppressed
    labels = label_for_chart(s, suppressed=mask)
    assert labels.tolist() == ["500", "c", "c"] and list(labels.index) == list(s.index)
    assert label_for_chart([0, 2, 1234]).tolist() == ["0", "c", "1,234"]
