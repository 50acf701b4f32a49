"""Secondary suppression as a search: the cheapest further cells that leave no suppressed count
recoverable from the published sums.

Cells are numbered ``0 .. n-1`` (one or more tables flattened; a figure printed in two tables is
one cell). Each published sum is a :class:`Line`: its member cells and the cell holding its
total, or ``None`` when the total is published elsewhere. A suppressed cell is *exposed* when the
lines fix its value: a line with exactly one unknown gives it away by subtraction (or, for a
suppressed total, by addition), and chains and combinations of lines are caught by linear
algebra (:func:`determined`: the cell's unit vector lies in the row space of the lines restricted
to the unknown cells).

:func:`protect` hides the primary cells and then, among the visible non-zero cells, the set
that protects them with the smallest **cost**: first the total of the hidden values (the
information a reader loses; a 248 is never hidden where cells adding up to less would do),
then the number of cells. Zeros are true zeros and are never hidden; blank cells (NaN) are
not protection. The search is a branch and bound: a line with exactly one unknown must gain
one of its visible cells (every one is tried, cheapest first); when no line has exactly one
unknown but a cell is still exposed, any visible cell of a line that holds an unknown may break
the chain (every one is tried). A branch is cut as soon as it costs as much as the best
protection found so far. Independent parts of a table (cells linked by no line, e.g. the
columns of a table whose rows are dates) are searched separately. The first branch explored
takes the cheapest cell at each step, so a protection is always found; after ``node_limit``
branches in one part the best found so far is kept (the tables of the appendices are far
smaller than that).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import linalg as _la

#: Branches tried per independent part of a table before the best protection so far is kept.
NODE_LIMIT = 20000


@dataclass(frozen=True)
class Line:
    """One published sum: ``sum(members) == total`` (a cell, or ``None``: published elsewhere)."""

    members: tuple[int, ...]
    total: int | None
    label: str


def cells_of(line: Line) -> tuple[int, ...]:
    return line.members + ((line.total,) if line.total is not None else ())


def unknowns(line: Line, mask: np.ndarray) -> list[int]:
    """The line's suppressed cells (members and total)."""
    return [cell for cell in cells_of(line) if mask[cell]]


def candidates(line: Line, values: np.ndarray, mask: np.ndarray) -> list[int]:
    """Visible cells of the line that may be hidden to protect it: non-zero, not blank (a
    printed total too: its value, usually the line's largest, makes it the dearest)."""
    return [cell for cell in cells_of(line) if not mask[cell] and not np.isnan(values[cell]) and values[cell] > 0]


def determined(lines: list[Line], mask: np.ndarray) -> list[int]:
    """Suppressed cells whose value the lines fix (by any chain or combination of sums)."""
    unknown = [int(i) for i in np.flatnonzero(mask)]
    if not unknown:
        return []
    column = {cell: j for j, cell in enumerate(unknown)}
    rows = []
    for line in lines:
        row = np.zeros(len(unknown))
        touched = False
        for cell in line.members:
            if cell in column:
                row[column[cell]] += 1.0
                touched = True
        if line.total is not None and line.total in column:
            row[column[line.total]] -= 1.0
            touched = True
        if touched:
            rows.append(row)
    if not rows:
        return []
    null = _la.null_space(np.vstack(rows))
    if null.size == 0:
        return unknown
    return [cell for cell, j in column.items() if np.allclose(null[j, :], 0.0, atol=1e-9)]


def exposed(lines: list[Line], mask: np.ndarray) -> list[int]:
    """Every suppressed cell a reader can work out from the lines (sorted)."""
    found = {cell for line in lines if len(unknowns(line, mask)) == 1 for cell in unknowns(line, mask)}
    return sorted(found | set(determined(lines, mask)))


def _parts(n: int, lines: list[Line]) -> list[list[Line]]:
    """The lines grouped into independent parts (no cell shared between parts)."""
    parent = list(range(n))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for line in lines:
        cells = cells_of(line)
        for cell in cells[1:]:
            parent[root(cell)] = root(cells[0])
    groups: dict[int, list[Line]] = {}
    for line in lines:
        cells = cells_of(line)
        if cells:
            groups.setdefault(root(cells[0]), []).append(line)
    return list(groups.values())


def _branches(lines: list[Line], values: np.ndarray, mask: np.ndarray) -> list[int] | None:
    """The cells one of which any protection of this state must hide, cheapest first; ``[]`` when
    nothing more can be hidden; ``None`` when the state is protected."""
    forced = [candidates(line, values, mask) for line in lines if len(unknowns(line, mask)) == 1]
    forced = [cells for cells in forced if cells]
    if forced:
        return sorted(min(forced, key=len), key=lambda cell: (values[cell], cell))
    if not determined(lines, mask):
        return None
    touching = {cell for line in lines if unknowns(line, mask) for cell in candidates(line, values, mask)}
    return sorted(touching, key=lambda cell: (values[cell], cell))


def _search(lines: list[Line], values: np.ndarray, start: np.ndarray, node_limit: int) -> np.ndarray:
    """The cheapest protection of one independent part (branch and bound; see the module)."""
    best: list = [None, (np.inf, np.inf, np.inf)]
    seen: set[bytes] = set()
    nodes = 0

    def visit(mask: np.ndarray, value: float, count: int) -> None:
        nonlocal nodes
        key = mask.tobytes()
        if key in seen or nodes >= node_limit:
            return
        seen.add(key)
        nodes += 1
        if (0, value, count) >= best[1]:
            return
        branch = _branches(lines, values, mask)
        if not branch:  # protected, or nothing left to hide: a leaf
            cost = (len(exposed(lines, mask)) if branch == [] else 0, value, count)
            if cost < best[1]:
                best[0], best[1] = mask.copy(), cost
            return
        for cell in branch:
            if (0, value + values[cell], count + 1) >= best[1]:
                break  # cheapest first: every later cell costs at least as much
            mask[cell] = True
            visit(mask, value + float(values[cell]), count + 1)
            mask[cell] = False

    visit(start.copy(), 0.0, 0)
    return best[0]


def protect(values: np.ndarray, lines: list[Line], primary: np.ndarray,
            node_limit: int = NODE_LIMIT) -> np.ndarray:
    """The suppression mask: the primary cells and the cheapest secondary cells that protect them."""
    mask = primary.copy()
    for part in _parts(len(values), lines):
        cells = sorted({cell for line in part for cell in cells_of(line)})
        if not mask[cells].any():
            continue
        local = np.zeros_like(mask)
        local[cells] = mask[cells]
        found = _search(part, values, local, node_limit)
        mask[cells] = found[cells]
    return mask
