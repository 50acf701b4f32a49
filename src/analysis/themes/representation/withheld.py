"""Which cells a public run must not reveal, read from each table's own suppression.

:func:`analysis.report.display.prepare_table` suppresses counts 1–5 and, so that none can be
recovered from a total, further cells of the same table (secondary suppression). A chart or
sentence built from a table withholds exactly what that table shows as ``c``; a count of 1 to
5 is withheld everywhere (:class:`analysis.report.words.CountWords`).

Cells are named by keys: :func:`count_key` for a group's reconstructed count and
:func:`not_recorded_key` for a "not recorded" count.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Hashable

import pandas as pd

from ...report.display import prepare_table
from ...report.model import Table
from ...report.words import HIDDEN_BY_SECONDARY, CountWords
from ...stats.disclosure import SUPPRESSED
from .groups import GROUP_BY_KEY

#: How a blank count reads in a sentence.
UNKNOWN_NUMBER = "an unknown number"


def count_key(population: str, group: str, period_end: Any) -> tuple:
    """The key of a group's reconstructed count among a population at a date."""
    return ("count", population, group, pd.Timestamp(period_end))


def not_recorded_key(population: str, breakdown: str, period_end: Any) -> tuple:
    """The key of the count of records whose ethnicity or language ("breakdown") is not recorded."""
    return ("not_recorded", population, breakdown, pd.Timestamp(period_end))


def complement_key(population: str, group: str, period_end: Any) -> tuple:
    """The key of the count of the group's complement (the other recorded group)."""
    return ("complement", population, group, pd.Timestamp(period_end))


@dataclass
class Withheld:
    """Cells this run must not reveal, per table ("scope"), read from the display's own suppression.

    ``masks[scope][key]`` is True when the scope's table shows the cell named ``key`` as ``c``.
    Scopes: "benchmark", "rri", "trend", "not_recorded" and "mix" (one per table with a count column).
    """

    disclosure: str
    masks: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.count_words = CountWords(self.disclosure)

    @property
    def public(self) -> bool:
        return self.count_words.public

    def register(self, scope: str, table: Table, column: str, keys: list[Hashable | None]) -> None:
        """Remember which cells of ``column`` the scope's table shows as ``c`` (``keys`` name its rows)."""
        mask = self.masks.setdefault(scope, {})
        if not self.public or table.frame.empty:
            return
        for key, shown in zip(keys, prepare_table(table, "public")[column].tolist()):
            if key is not None and shown == SUPPRESSED:
                mask[key] = True

    def masked(self, key: Hashable, scope: str) -> bool:
        """Whether the scope's table suppresses the cell (to protect a small count elsewhere, or its own)."""
        return bool(self.masks.get(scope, {}).get(key, False))

    def hidden(self, key: Hashable, value: Any = None, scope: str = "benchmark") -> bool:
        """True when the cell must be withheld: a count of 1 to 5, or shown as c by the scope's table."""
        return self.count_words.withheld(value, hidden=self.masked(key, scope))

    def count_words_for(self, value: Any, noun: str, key: Hashable, scope: str = "benchmark") -> str:
        """'52 children', or in public mode 'fewer than 6 children' / 'a suppressed number of children'."""
        number = self.count_words.text(value, hidden=self.masked(key, scope), missing=UNKNOWN_NUMBER)
        # "52" and "fewer than 6" go straight before the noun; "a suppressed number" and "an unknown number" take "of"
        if number in (HIDDEN_BY_SECONDARY, UNKNOWN_NUMBER):
            return f"{number} of {noun}"
        return f"{number} {noun}"

    def row_hidden(self, row: pd.Series, scope: str = "benchmark") -> bool:
        """Whether a row's count (and every share or interval from it) is withheld in this scope."""
        return self.hidden(count_key(row["population"], row["group"], row["period_end"]), row["count"], scope)

    def range_hidden(self, row: pd.Series) -> bool:
        """Whether the row's not-recorded bounds are withheld: its own count, or its "not recorded" count, is."""
        breakdown = GROUP_BY_KEY[row["group"]].breakdown
        return self.row_hidden(row) or self.hidden(not_recorded_key(row["population"], breakdown, row["period_end"]),
                                                   row["not_recorded_count"], "not_recorded")
