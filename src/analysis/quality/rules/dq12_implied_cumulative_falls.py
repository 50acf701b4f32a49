"""DQ12: shares of a cumulative-from-April total imply a count (share × total) that falls from one
quarter to the next by more than the rounding of the printed shares allows."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..registry import CheckInput, Finding, Rule, register
from .helpers import RowReference, financial_year_label, fmt_figure, iso_date, row_locator

CODE = "DQ12"
TITLE = "Shares imply a cumulative count that falls"
SEVERITY = "warning"
DESCRIPTION = ("A share of a cumulative-from-April total implies a count (share × total). That count cannot "
               "fall from one quarter to the next by more than the rounding of the printed shares allows.")

#: Half of the last printed decimal of a share (0.05 points), as a proportion of the total.
SHARE_ROUNDING = 0.0005

SERIES_KEYS = ["new_la_code", "time_period", "breakdown", "breakdown_value", "source_table"]
DATE_KEYS = ["new_la_code", "period_end"]


def _about(count: float, separators: bool = True) -> str:
    """An implied count to the nearest whole number, as the findings have always printed it:
    Python's formatting, which rounds an exact half to even (1,354.5 -> "1,354"). The shared
    :func:`analysis.formatting.round_half_up` would print "1,355" and change a published caveat."""
    return f"{count:,.0f}" if separators else f"{count:.0f}"


@dataclass(frozen=True)
class _Implied:
    """One quarter's printed share, the total it is a share of, and the count they imply."""

    count: float
    slack: float
    share: float
    total: float
    quarter: str
    rows: tuple[RowReference, ...]


def check(data: CheckInput) -> list[Finding]:
    board = data.board
    cumulative = board[board["period_type"] == "cumulative_from_april"]
    shares = cumulative[(cumulative["measure"] == "referrals_share") & cumulative["value"].notna()
                        & (cumulative["breakdown_value"] != "Total") & cumulative["breakdown"].isin(["ethnicity", "language"])]
    totals = cumulative[(cumulative["measure"] == "referrals") & (cumulative["breakdown"] == "total")]
    totals = totals.drop_duplicates(DATE_KEYS).set_index(DATE_KEYS)
    findings = []
    for key, series in shares.sort_values("period_end").groupby(SERIES_KEYS):
        keys = dict(zip(SERIES_KEYS, key))
        previous: _Implied | None = None
        for row in series.itertuples(index=False):
            date = (row.new_la_code, row.period_end)
            total = totals["value"].get(date)
            if total is None or pd.isna(total):
                previous = None
                continue
            total_row = (totals.at[date, "source_file"], totals.at[date, "source_row"])
            current = _Implied(row.value / 100 * total, SHARE_ROUNDING * total, row.value, total, row.time_identifier,
                               ((row.source_file, row.source_row), total_row))
            if previous is not None and current.count + current.slack < previous.count - previous.slack:
                quarters = f"{previous.quarter}–{current.quarter}"
                findings.append(RULE.finding(
                    f"Table {keys['source_table']}: {keys['breakdown_value']} ({keys['breakdown']}) is {previous.share:g}% "
                    f"of {fmt_figure(previous.total)} referrals at {previous.quarter} (about {_about(previous.count)}) "
                    f"but {current.share:g}% of {fmt_figure(total)} at {current.quarter} (about {_about(current.count)}): "
                    f"a cumulative count cannot fall, so records were re-coded or a figure is wrong.",
                    keys["source_table"], "referrals_share", f"{financial_year_label(row.time_period)} {quarters}",
                    f"{previous.quarter}≈{_about(previous.count, separators=False)}; {current.quarter}≈{_about(current.count, separators=False)}",
                    period_end=iso_date(row.period_end), area_code=row.new_la_code,
                    source_rows=row_locator(previous.rows + current.rows),
                ))
            previous = current
    return findings


RULE: Rule = register(Rule(CODE, TITLE, SEVERITY, DESCRIPTION, check))
