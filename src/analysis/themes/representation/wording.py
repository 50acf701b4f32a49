"""Dates, periods and small pieces of wording the representation theme's sentences share.

A date reads "31 March 2018" in a sentence and "31 Mar 2018" in a table; a financial year
"2017/18" (:attr:`analysis.periods.Period.fy_label` of :func:`analysis.periods.financial_year_of`).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd

from ...periods import financial_year_label, long_date, short_date
from ..context import Context








def period_label(period_type: str, period_start: Any, period_end: Any) -> str:
    """How a row's period reads in a table: "31 Mar 2018", "2016/17", "1 Apr 2017 to 30 Sep 2017"."""
    if period_type == "snapshot":
        return short_date(period_end)
    if period_type == "financial_year":
        return financial_year_label(period_end)
    return f"{short_date(period_start)} to {short_date(period_end)}"


def period_phrase(period_type: str, period_start: Any, period_end: Any) -> str:
    """The period inside a sentence: "at 31 March 2018", "in 2016/17", "from 1 April 2017 to ..."."""
    if period_type == "snapshot":
        return f"at {long_date(period_end)}"
    if period_type == "financial_year":
        return f"in {financial_year_label(period_end)}"
    return f"from {long_date(period_start)} to {long_date(period_end)}"


def snapshot_phrase(when: Any) -> str:
    """A count on one date inside a sentence: "at 31 March 2018"."""
    return period_phrase("snapshot", when, when)






#: Census day of Census 2021.
CENSUS_DAY = date(2021, 3, 21)


def census_timing(ctx: Context) -> str:
    """Where census day sits against the run's period (and the board's figures, if any):
    "21 March 2021, after the end of this period (31 March 2018)" etc."""
    period = ctx.period
    start = date(period.start_year, 4, 1)
    if period.end < CENSUS_DAY:
        when = f"after the end of this period ({long_date(period.end)})"
    elif start <= CENSUS_DAY:
        when = f"within this period ({period.fy_label})"
    else:
        when = f"before this period ({period.fy_label}; it is the latest census)"
    if ctx.has_local() and period.end >= CENSUS_DAY:
        board = ctx.local(None)
        if not board.empty and board["period_end"].max() < pd.Timestamp(CENSUS_DAY):
            when += f" and after the board's latest figures ({long_date(board['period_end'].max())})"
    return f"{long_date(CENSUS_DAY)}, {when}"


def missing_local_sentence(ctx: Context, what: str) -> str:
    """Why a section cannot be shown: the area has no board tables, or none up to the period end."""
    if not ctx.has_local():
        return (f"The board's tables 2.3 and 4.2 (shares of referrals and of children on plans by ethnicity, preferred "
                f"language and disability) are not in the data for {ctx.area_name}, so {what} cannot be shown.")
    return (f"The board's tables 2.3 and 4.2 have no figures for {ctx.area_name} on or before "
            f"{long_date(ctx.period.end)}, so {what} cannot be shown.")
