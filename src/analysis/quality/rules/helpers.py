"""What several data-quality rules share: grouping keys, the whole-partition breakdowns, and the
wording of a period, a figure and a date, and the area and row locator of a finding."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from ...formatting import fmt_number
from ...periods import period_of, short_date

#: Columns that identify one printed figure's series: the same measure, area and date in one source.
GROUP_KEYS = ["source", "new_la_code", "time_period", "time_identifier", "period_type", "period_end", "measure", "unit"]

#: Breakdowns whose values partition the whole (shares add to 100%; counts add to the total).
PARTITIONS = ("ethnicity", "language", "gender", "age", "cp_category", "referral_source", "cdop_category",
              "contributing_agency", "expenditure_line", "course", "district", "child_residence_la")

#: One row of a source file: (``source_file``, ``source_row``).
RowReference = tuple[str, int]


def period_label(time_period, time_identifier, period_type, period_end) -> str:
    """How a finding names the period of a figure: "at 31 Mar 2018", "2017/18", "1 April to 31 Dec 2017"."""
    period = period_of(time_period, time_identifier)
    when = short_date(period_end)
    if period_type == "snapshot":
        return f"at {when}"
    if period_type == "financial_year":
        return period.fy_label
    if period_type == "cumulative_from_april":
        return f"1 April to {when}"
    return f"{period.label} ({period_type})"


def financial_year_label(time_period) -> str:
    """The board's form of the financial year of ``time_period`` (201718 -> "2017/18")."""
    return period_of(time_period, "Annual").fy_label


def fmt_figure(value: float) -> str:
    """A figure as the report prints it: a whole number as a count ("10,750"), else to one decimal place."""
    return fmt_number(value, 0 if float(value).is_integer() else 1)


def iso_date(timestamp) -> str:
    """A date as ISO text ("2018-03-31"), or "" for none."""
    return "" if timestamp is None or pd.isna(timestamp) else pd.Timestamp(timestamp).date().isoformat()


def area_code_of(rows: pd.DataFrame) -> str:
    """The LA code(s) of some board observations ("E10000031"; several joined by ", ")."""
    codes = [code for code in dict.fromkeys(rows["new_la_code"]) if code]
    return ", ".join(codes)


def references_of(rows: pd.DataFrame, suffix: str = "") -> list[RowReference]:
    """The source rows of some observations, from their ``source_file`` and ``source_row`` columns
    (``suffix`` picks the columns a merge renamed, e.g. ``source_file_dfe``)."""
    files, numbers = rows[f"source_file{suffix}"], rows[f"source_row{suffix}"]
    return [(file, int(number)) for file, number in zip(files, numbers)]


def row_locator(references: Iterable[RowReference]) -> str:
    """Where a finding's rows are: "wscb_2017_18/t4_2_cp_demographics.csv:12,13;wscb_2017_18/t3_1_lac_cp_cin.csv:3".

    Files in the order first referred to, each with its data-row numbers (1 = the row under the
    header) in ascending order.
    """
    rows_by_file: dict[str, set[int]] = {}
    for file, number in references:
        if file:
            rows_by_file.setdefault(file, set()).add(int(number))
    return ";".join(f"{file}:{','.join(str(number) for number in sorted(numbers))}"
                    for file, numbers in rows_by_file.items())


def beyond_rounding(exact: float, printed: float, tolerance: float) -> bool:
    """Whether a printed figure is further from the exact one than rounding allows (False when the
    exact figure is not a number, e.g. over a zero denominator: nothing can be said)."""
    return abs(exact - printed) > tolerance + 1e-9
