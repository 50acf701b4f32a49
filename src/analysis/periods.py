"""Financial-year periods as the board reports them.

English children's services report by financial year (1 April – 31 March) and its quarters:
Q1 = April–June, Q2 = July–September, Q3 = October–December, Q4 = January–March.
DfE open data writes a financial year as ``time_period`` ``201718``; the board writes
``2017/18``; this package's period label is ``"2017-18 Q4"`` (slug ``"2017-18-Q4"``).

Period types (column ``period_type`` of the tidy data):

* ``snapshot`` – a count on one date (e.g. children on a plan at 31 March);
* ``quarter`` – activity within one quarter;
* ``cumulative_from_april`` – activity from 1 April to the quarter end (the board's usual form);
* ``financial_year`` – activity over a whole financial year;
* ``month`` – activity in one calendar month.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pandas is imported where a date is parsed, so that checking a
    import pandas as pd  # command's --period needs no pandas (``safeguarding run`` answers at once)

PERIOD_TYPES = ("snapshot", "quarter", "cumulative_from_april", "financial_year", "month")
TIME_IDENTIFIERS = ("Q1", "Q2", "Q3", "Q4", "Annual")

_LABEL_RE = re.compile(
    r"^\s*(?P<y1>\d{4})\s*[-/]\s*(?P<y2>\d{2})(?:\s*[- ]\s*Q(?P<q>[1-4]))?\s*$", re.IGNORECASE
)
_TIME_PERIOD_RE = re.compile(r"^(?P<y1>\d{4})(?P<y2>\d{2})$")


class PeriodError(ValueError):
    """A period label that cannot be understood."""


@dataclass(frozen=True, order=True)
class Period:
    """A financial year, or a quarter of one.

    ``start_year`` is the calendar year in which the financial year starts (2017 for 2017/18);
    ``quarter`` is 1–4, or ``None`` for the whole year.
    """

    start_year: int
    quarter: int | None = None

    @property
    def time_period(self) -> int:
        """DfE ``time_period``, e.g. ``201718``."""
        return self.start_year * 100 + (self.start_year + 1) % 100

    @property
    def time_identifier(self) -> str:
        return f"Q{self.quarter}" if self.quarter else "Annual"

    @property
    def fy_label(self) -> str:
        """The board's own form, e.g. ``2017/18``."""
        return f"{self.start_year}/{(self.start_year + 1) % 100:02d}"

    @property
    def label(self) -> str:
        """``"2017-18 Q4"`` or ``"2017-18"`` for a whole year."""
        base = f"{self.start_year}-{(self.start_year + 1) % 100:02d}"
        return f"{base} Q{self.quarter}" if self.quarter else base

    @property
    def slug(self) -> str:
        """File-system safe label, ``"2017-18-Q4"``."""
        return self.label.replace(" ", "-")

    @property
    def start(self) -> date:
        """First day of the quarter (or of the year)."""
        if not self.quarter:
            return date(self.start_year, 4, 1)
        month = 4 + 3 * (self.quarter - 1)
        year = self.start_year + (month > 12)
        return date(year, (month - 1) % 12 + 1, 1)

    @property
    def end(self) -> date:
        """Last day of the quarter (or 31 March ending the year)."""
        q = self.quarter or 4
        return quarter_end(self.start_year, q)

    @property
    def year_start(self) -> date:
        """1 April of the financial year: the start of cumulative-from-April figures."""
        return date(self.start_year, 4, 1)

    def previous_year_end(self) -> "Period":
        """Q4 of the previous financial year (the board's "previous year end")."""
        return Period(self.start_year - 1, 4)

    def shift_quarters(self, n: int) -> "Period":
        """The quarter ``n`` quarters later (negative: earlier)."""
        q = self.quarter or 4
        idx = self.start_year * 4 + (q - 1) + n
        return Period(idx // 4, idx % 4 + 1)

    def __str__(self) -> str:  # pragma: no cover - trivial
        return self.label


def quarter_end(start_year: int, quarter: int) -> date:
    """Last day of financial quarter ``quarter`` of the year starting in ``start_year``."""
    return {
        1: date(start_year, 6, 30),
        2: date(start_year, 9, 30),
        3: date(start_year, 12, 31),
        4: date(start_year + 1, 3, 31),
    }[quarter]


def parse_period(text: "str | Period") -> Period:
    """Parse ``"2017-18 Q4"``, ``"2017-18-Q4"``, ``"2017/18 Q4"`` or ``"2017-18"``.

    Raises :class:`PeriodError` with the accepted forms when the text is not a period.
    """
    if isinstance(text, Period):
        return text
    m = _LABEL_RE.match(str(text))
    if not m:
        raise PeriodError(
            f"period {text!r} is not understood: write it as a financial year and quarter, "
            "e.g. '2017-18 Q4' or '2017-18-Q4' (or '2017-18' for the whole year)"
        )
    y1, y2 = int(m["y1"]), int(m["y2"])
    if (y1 + 1) % 100 != y2:
        raise PeriodError(
            f"period {text!r}: the second year must follow the first (e.g. 2017-18), got {y1}-{y2:02d}"
        )
    return Period(y1, int(m["q"]) if m["q"] else None)


def period_of(time_period: int | str, time_identifier: str) -> Period:
    """The :class:`Period` of a DfE ``time_period`` (``201718``) and ``time_identifier``."""
    m = _TIME_PERIOD_RE.match(str(time_period))
    if not m:
        raise PeriodError(f"time_period {time_period!r} is not of the form YYYYZZ (e.g. 201718)")
    y1 = int(m["y1"])
    if (y1 + 1) % 100 != int(m["y2"]):
        raise PeriodError(f"time_period {time_period!r}: the years are not consecutive")
    if time_identifier == "Annual":
        return Period(y1, None)
    if time_identifier not in TIME_IDENTIFIERS:
        raise PeriodError(f"time_identifier {time_identifier!r} is not one of {TIME_IDENTIFIERS}")
    return Period(y1, int(time_identifier[1]))


def financial_year_of(d: date | pd.Timestamp) -> int:
    """Start year of the financial year containing ``d`` (31 March 2018 -> 2017)."""
    return d.year if d.month >= 4 else d.year - 1


def quarter_of(d: date | pd.Timestamp) -> Period:
    """The financial quarter containing the date ``d``."""
    fy = financial_year_of(d)
    return Period(fy, (d.month - 4) % 12 // 3 + 1)




def discrete_from_cumulative(values: "pd.Series") -> "pd.Series":
    """Turn cumulative-from-April quarterly figures into each quarter's own figure.

    ``values`` is indexed by :class:`Period` (or anything sortable) within one financial year,
    e.g. Q1 2,943, Q2 5,409 -> Q1 2,943, Q2 2,466 (Q2 alone = Q2 cumulative − Q1 cumulative).
    A quarter whose previous cumulative figure is missing gives NaN, never a guess. A negative
    result (a cumulative count that fell) is returned as is: the data-quality checks report it.
    """
    s = values.sort_index()
    years = [getattr(p, "start_year", None) for p in s.index]
    if len({y for y in years if y is not None}) > 1:
        raise ValueError("discrete_from_cumulative works within one financial year at a time")
    quarters = [getattr(p, "quarter", None) for p in s.index]
    out = s.astype("float64").copy()
    prev_q, prev_v = None, None
    for i, (q, v) in enumerate(zip(quarters, s.astype("float64"))):
        if q == 1:
            out.iloc[i] = v
        elif prev_q is not None and q == prev_q + 1:
            out.iloc[i] = v - prev_v
        else:
            out.iloc[i] = float("nan")
        prev_q, prev_v = q, v
    return out


def long_date(when: "date | pd.Timestamp | str") -> str:
    """A date as the report writes it in prose, GOV.UK style: "31 March 2018" (no leading zero)."""
    import pandas as pd

    t = pd.Timestamp(when)
    return f"{t.day} {t:%B %Y}"


def short_date(when: "date | pd.Timestamp | str") -> str:
    """A date for table cells, chart ticks and findings: "31 Mar 2018"."""
    import pandas as pd

    t = pd.Timestamp(when)
    return f"{t.day} {t:%b %Y}"


def fy_label(time_period: "int | str") -> str:
    """The board's label of the financial year ``time_period``: 201718 -> "2017/18"."""
    return period_of(int(time_period), "Annual").fy_label


def financial_year_label(when: "date | pd.Timestamp | str") -> str:
    """The financial year containing a date, as the board writes it: 31 March 2018 -> "2017/18"."""
    import pandas as pd

    return Period(financial_year_of(pd.Timestamp(when))).fy_label

