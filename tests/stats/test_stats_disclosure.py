"""Disclosure control, tested by trying: an attacker subtracts visible cells from every row and
column total (and adds up rows to reach a suppressed total), repeating while anything new is
learnt. Nothing suppressed may be recovered."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from analysis.stats import (
    label_for_chart,
    linked_suppression_masks,
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


# --------------------------------------------------------------------------------------------
# The fewest, smallest cells: suppress_counts against an exhaustive search written here
# --------------------------------------------------------------------------------------------
def _equations(tables: list[pd.DataFrame], total_row, total_col, same_rows=()) -> tuple[dict, list]:
    """Every cell named (table, row, column) -> the figure it prints (shared rows: one figure),
    and each column's (and, with a total column, each row's) equation "members sum to total"."""
    figure = {}
    for t, table in enumerate(tables):
        for r in table.index:
            for c in table.columns:
                figure[(t, r, c)] = (t, r, c)
    for group in same_rows:
        (t0, r0), *others = group
        for t, r in others:
            for c in tables[t].columns:
                if c in tables[t0].columns and tables[t].loc[r, c] == tables[t0].loc[r0, c]:
                    figure[(t, r, c)] = figure[(t0, r0, c)]
    equations = []
    for t, table in enumerate(tables):
        if total_row is not None:
            for c in table.columns:
                equations.append(([figure[(t, r, c)] for r in table.index if r != total_row],
                                  figure[(t, total_row, c)]))
        if total_col is not None:
            for r in table.index:
                equations.append(([figure[(t, r, c)] for c in table.columns if c != total_col],
                                  figure[(t, r, total_col)]))
    return figure, equations


def _exposed_by_rank(equations: list, hidden: set) -> set:
    """Hidden figures the equations fix: e_cell lies in the row space of the equations restricted
    to the hidden figures (rank test; the module under test uses a null space instead)."""
    hidden = sorted(hidden, key=str)
    if not hidden:
        return set()
    col = {cell: j for j, cell in enumerate(hidden)}
    rows = []
    for members, total in equations:
        row = np.zeros(len(hidden))
        for m in members:
            if m in col:
                row[col[m]] += 1
        if total in col:
            row[col[total]] -= 1
        if row.any():
            rows.append(row)
    if not rows:
        return set()
    a = np.vstack(rows)
    rank = np.linalg.matrix_rank(a)
    return {cell for cell, j in col.items() if np.linalg.matrix_rank(np.vstack([a, np.eye(len(hidden))[j]])) == rank}


def _cheapest_by_enumeration(tables, total_row, total_col, same_rows=()) -> float:
    """The smallest total of secondary-suppressed values that protects every count of 1 to 5,
    found by trying every set of visible non-zero figures (small tables only)."""
    figure, equations = _equations(tables, total_row, total_col, same_rows)
    value = {figure[(t, r, c)]: float(tables[t].loc[r, c]) for (t, r, c) in figure}
    primary = {f for f, v in value.items() if 1 <= v <= 5}
    optional = sorted((f for f, v in value.items() if v > 5), key=str)
    best = np.inf
    for k in range(len(optional) + 1):
        for extra in itertools.combinations(optional, k):
            cost = sum(value[f] for f in extra)
            if cost < best and not _exposed_by_rank(equations, primary | set(extra)):
                best = cost
    return best


def _secondary_cost(tables, masks, same_rows=()) -> float:
    """The total of the values hidden beyond the counts of 1 to 5 (a shared figure counted once)."""
    figure, _ = _equations(tables, None, None, same_rows)
    hidden = {figure[(t, r, c)]: float(table.loc[r, c]) for t, (table, mask) in enumerate(zip(tables, masks))
              for r in table.index for c in table.columns if mask.loc[r, c] and table.loc[r, c] > 5}
    return sum(hidden.values())


@pytest.mark.parametrize("seed", range(30))
def test_secondary_suppression_hides_the_smallest_protecting_cells(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    n_rows, n_cols = [(2, 2), (2, 3), (3, 2)][seed % 3]  # with totals at most 12 cells: 2^12 sets to try
    values = rng.choice([0, 1, 2, 4, 7, 9, 15, 30, 60, 248], size=(n_rows, n_cols))
    t = _table(values, [f"r{i}" for i in range(n_rows)], [f"c{j}" for j in range(n_cols)])
    mask = suppression_mask(t, total_row="Total", total_col="Total")
    _, equations = _equations([t], "Total", "Total")
    hidden = {(0, r, c) for r in t.index for c in t.columns if mask.loc[r, c]}
    assert not _exposed_by_rank(equations, hidden)
    assert try_to_recover(suppress_counts(t, total_row="Total", total_col="Total"), "Total", "Total") == {}
    cost = sum(float(t.loc[r, c]) for _, r, c in hidden if t.loc[r, c] > 5)
    assert cost == _cheapest_by_enumeration([t], "Total", "Total")


def test_a_small_complement_is_hidden_never_the_large_cell() -> None:
    # Row a's 3 needs a partner in its row and its column: hiding 8, 9 and 50 (67) protects it;
    # the other rectangle would hide 40, 9 and 248 (297).
    t = _table([[3, 40, 8], [9, 248, 50]], ["a", "b"], ["x", "y", "z"])
    shown = suppress_counts(t, total_row="Total", total_col="Total")
    hidden = {(r, c) for r in t.index for c in t.columns if shown.loc[r, c] == "c"}
    assert hidden == {("a", "x"), ("a", "z"), ("b", "x"), ("b", "z")}
    assert shown.loc["b", "y"] == 248
    assert try_to_recover(shown, "Total", "Total") == {}


def _gender_and_age() -> list[pd.DataFrame]:
    """Children on plans at one date by gender and by age, as table 4.2 prints them (same total)."""
    gender = pd.DataFrame({"d": [298, 248, 16, 2, 564]}, index=["Male", "Female", "Unborn", "Not recorded", "Total"])
    age = pd.DataFrame({"d": [16, 58, 153, 160, 151, 26, 564]},
                       index=["Unborn", "Under 1", "1 to 4", "5 to 9", "10 to 15", "16 to 17", "Total"])
    return [gender, age]


def test_linked_tables_hide_a_small_shared_row_not_girls() -> None:
    # Children on plans by gender and by age print the same unborn row and the same total. A
    # count of 2 "not recorded" needs a partner: girls (248), or unborn children (16) in both
    # tables with one more age group (the smallest, 16 to 17). The second hides far less.
    gender, age = _gender_and_age()
    for table in (gender, age):
        assert table["d"].iloc[:-1].sum() == table.loc["Total", "d"]
    same = [[(0, "Unborn"), (1, "Unborn")], [(0, "Total"), (1, "Total")]]
    masks = linked_suppression_masks([gender, age], same, total_row="Total", implicit_totals=False)
    assert [g for g in gender.index if masks[0].loc[g, "d"]] == ["Unborn", "Not recorded"]
    assert [g for g in age.index if masks[1].loc[g, "d"]] == ["Unborn", "16 to 17"]
    # an attacker with both tables (and knowing the unborn rows are the same children) learns nothing
    figure, equations = _equations([gender, age], "Total", None, same)
    hidden = {figure[(t, r, "d")] for t, m in enumerate(masks) for r in m.index if m.loc[r, "d"]}
    assert not _exposed_by_rank(equations, hidden)
    assert _secondary_cost([gender, age], masks, same) == _cheapest_by_enumeration([gender, age], "Total", None, same)
    # each table alone would have hidden the smallest other cell of its own column
    alone = suppression_mask(gender, total_row="Total", implicit_totals=False)
    assert [g for g in gender.index if alone.loc[g, "d"]] == ["Unborn", "Not recorded"]
