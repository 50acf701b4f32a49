"""Which rows and columns each sheet of the quarterly workbook has, derived from the data.

One sheet per tidy file of a dataset (named after the report table it holds, e.g. ``4.1``); one
row per figure the table prints (source table, measure, breakdown, breakdown value, unit and
area, as in the data); one column per period. The columns to fill are the periods that end in
the workbook's quarter: those already in the data (``--filled``) and, for each row, the period
types that row has had before (a snapshot at the quarter's end, a count from 1 April, the whole
year in Q4). The earlier periods in the data stand beside them for reference. Nothing here is
typed by hand per table: a new measure in the data gets its row in the next template.

The layout travels inside the workbook (a hidden sheet, or ``_layout.csv``) so that the reader
can check every heading and row label without the data it was made from (importing into an
empty dataset works), and so that a deleted, inserted or moved row is caught.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from ...periods import Period, parse_period
from ..dataset import NON_TIDY
from ..schema import read_text_csv

#: geometry of every table sheet (1-based rows and columns, as Excel counts them)
TITLE_ROW, NOTE_ROW = 1, 2
HEAD_LABEL, HEAD_TYPE, HEAD_START, HEAD_END = 4, 5, 6, 7
FIRST_DATA_ROW = 8
KEY_HEADINGS = ["Row (as the table prints it)", "measure", "breakdown", "breakdown value", "unit"]
FIRST_VALUE_COL = len(KEY_HEADINGS) + 1
#: files of a dataset folder that hold no tidy rows (kept out of the workbook, said so on its README)
NOT_IN_WORKBOOK = NON_TIDY
AREA_FIELDS = ["geographic_level", "country_code", "region_code", "new_la_code", "la_name"]
LAYOUT_SHEET = "_layout"
README_SHEET = "README"
#: quarter-based period types a new quarter can be derived for (month figures are not)
DERIVABLE = ("snapshot", "quarter", "cumulative_from_april", "financial_year")

PERIOD_TYPE_WORDS = {
    "snapshot": "a count on one date (the quarter's last day)",
    "quarter": "activity within the quarter",
    "cumulative_from_april": "activity from 1 April to the column's end date",
    "financial_year": "activity over the whole financial year, 1 April to 31 March",
    "month": "activity within one month",
}
UNIT_WORDS = {
    "count": "whole number, 0 or more",
    "percent": "percentage, 0 to 100 (type 12.5, not 12.5%)",
    "rate_per_10k": "rate per 10,000 children, 0 or more",
    "gbp": "pounds, 0 or more",
    "hours": "hours, 0 or more",
    "days": "days, 0 or more",
}


@dataclass(frozen=True)
class Column:
    """One period column."""

    time_period: str
    time_identifier: str
    period_type: str
    period_start: str
    period_end: str

    @property
    def heading(self) -> str:
        start, end = date.fromisoformat(self.period_start), date.fromisoformat(self.period_end)
        if self.period_type == "snapshot":
            return _day(end)
        if self.period_type == "financial_year":
            return f"year {start.year}-{end.year % 100:02d}"
        return f"{_day(start)} to {_day(end)}"

    def key(self) -> tuple[str, ...]:
        return (self.time_period, self.time_identifier, self.period_type, self.period_start, self.period_end)


def _day(d: date) -> str:
    return f"{d.day} {d:%b %Y}"


@dataclass(frozen=True)
class Row:
    """One figure of a table: everything of a tidy row but its period and value."""

    source_table: str
    measure: str
    breakdown: str
    breakdown_value: str
    unit: str
    area: tuple[str, ...]
    label: str

    def key(self) -> tuple:
        return (self.source_table, self.measure, self.breakdown, self.breakdown_value, self.unit, self.area)

    def keys_shown(self) -> list[str]:
        """What columns A to E show (and the reader checks)."""
        return [self.label, self.measure, self.breakdown, self.breakdown_value, self.unit]


@dataclass
class Sheet:
    """One sheet: the tidy file it feeds, its rows, its columns to fill and for reference."""

    name: str
    file: str
    title: str
    rows: list[Row]
    fill: list[Column]
    reference: list[Column]
    #: (row index, fill column index) of the cells to fill
    fillable: set[tuple[int, int]] = field(default_factory=set)
    #: (row index, column index over fill + reference) -> (value, status) from the data
    values: dict[tuple[int, int], tuple[str, str]] = field(default_factory=dict)
    #: what the table counts, in the data dictionary's words (for the README sheet)
    about: str = ""

    @property
    def columns(self) -> list[Column]:
        return self.fill + self.reference

    def to_json(self) -> dict:
        return {
            "name": self.name, "file": self.file, "title": self.title,
            "rows": [{**asdict(r), "area": list(r.area)} for r in self.rows],
            "fill": [asdict(c) for c in self.fill], "reference": [asdict(c) for c in self.reference],
            "fillable": sorted([list(x) for x in self.fillable]), "about": self.about,
        }

    @classmethod
    def from_json(cls, d: dict) -> "Sheet":
        rows = [Row(**{**r, "area": tuple(r["area"])}) for r in d["rows"]]
        return cls(d["name"], d["file"], d["title"], rows, [Column(**c) for c in d["fill"]],
                   [Column(**c) for c in d["reference"]], {tuple(x) for x in d["fillable"]}, about=d.get("about", ""))


@dataclass
class Layout:
    """Every sheet of one workbook, for one dataset and one quarter."""

    dataset: str
    period: str
    sheets: list[Sheet]
    #: sheets of the data with nothing to fill this quarter, and files left out, with why
    left_out: list[tuple[str, str]] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps({"format": 1, "dataset": self.dataset, "period": self.period,
                           "sheets": [s.to_json() for s in self.sheets], "left_out": self.left_out},
                          ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "Layout":
        d = json.loads(text)
        return cls(d["dataset"], d["period"], [Sheet.from_json(s) for s in d["sheets"]],
                   [tuple(x) for x in d.get("left_out", [])])

    def sheet(self, name: str) -> Sheet | None:
        return next((s for s in self.sheets if s.name == name), None)


def _dictionary(raw: Path) -> dict[str, str]:
    path = raw / "data_dictionary.csv"
    if not path.is_file():
        return {}
    d = read_text_csv(path)
    return dict(zip(d["measure"], d["definition"]))


def _short(definition: str, measure: str) -> str:
    text = (definition or measure.replace("_", " ")).split(". ")[0].strip().rstrip(".")
    return text if len(text) <= 90 else text[:87].rstrip() + "..."


def _clean(text: str) -> str:
    """A label as a cell keeps it (Excel and CSV readers may drop edge spaces)."""
    return " ".join(str(text).split())


def _label(r: pd.Series, definitions: dict[str, str]) -> str:
    if r["breakdown"] == "total":
        return _clean(_short(definitions.get(r["measure"], ""), r["measure"]))
    return _clean(r["breakdown_value"])


def tidy_files(folder: Path) -> list[Path]:
    """The dataset's tidy files, in name order."""
    return sorted(p for p in folder.glob("*.csv") if p.name not in NOT_IN_WORKBOOK)


def _sheet_name(frame: pd.DataFrame, path: Path, taken: set[str]) -> str:
    table = Counter(frame["source_table"]).most_common(1)[0][0] if len(frame) else path.stem
    name = "".join(ch for ch in table if ch not in "[]:*?/\\")[:31] or path.stem[:31]
    if name in taken or name in (README_SHEET, LAYOUT_SHEET):
        name = path.stem[:31]
    return name


def derived_columns(period: Period, types: set[str]) -> list[Column]:
    """The columns a new quarter has for rows of these period types."""
    out = []
    tp, ti = str(period.time_period), period.time_identifier
    for t in DERIVABLE:
        if t not in types:
            continue
        if t == "snapshot":
            out.append(Column(tp, ti, t, period.end.isoformat(), period.end.isoformat()))
        elif t == "quarter":
            out.append(Column(tp, ti, t, period.start.isoformat(), period.end.isoformat()))
        elif t == "cumulative_from_april":
            out.append(Column(tp, ti, t, period.year_start.isoformat(), period.end.isoformat()))
        elif period.quarter == 4:
            out.append(Column(tp, "Annual", t, period.year_start.isoformat(), period.end.isoformat()))
    return out


def _sort_key(c: Column) -> tuple:
    return (c.period_end, DERIVABLE.index(c.period_type) if c.period_type in DERIVABLE else 9, c.period_start)


def sheet_for(frame: pd.DataFrame, path: Path, name: str, period: Period, definitions: dict[str, str]) -> Sheet:
    """The sheet of one tidy file for one quarter."""
    start, end = period.start.isoformat(), period.end.isoformat()
    frame = frame.assign(_area=[tuple(x) for x in frame[AREA_FIELDS].itertuples(index=False)])
    rows: list[Row] = []
    types: list[set[str]] = []
    index: dict[tuple, int] = {}
    for _, r in frame.iterrows():
        row = Row(r["source_table"], r["measure"], r["breakdown"], r["breakdown_value"], r["unit"], r["_area"],
                  _label(r, definitions))
        if row.key() not in index:
            index[row.key()] = len(rows)
            rows.append(row)
            types.append(set())
        types[index[row.key()]].add(r["period_type"])
    cols = {Column(*(r[c] for c in ("time_period", "time_identifier", "period_type", "period_start", "period_end")))
            for _, r in frame.iterrows()}
    in_period = {c for c in cols if start <= c.period_end <= end}
    derived = {c for t in types for c in derived_columns(period, t)}
    fill = sorted(in_period | derived, key=_sort_key)
    reference = sorted((c for c in cols if c.period_end < start), key=_sort_key, reverse=True)
    sheet = Sheet(name, path.name, f"Table {name}" if name[:1].isdigit() else name, rows, fill, reference)
    measures = list(dict.fromkeys(r.measure for r in rows))
    sheet.about = "; ".join(_clean(_short(definitions.get(m, ""), m)) for m in measures[:4]) + (
        f"; and {len(measures) - 4} more measure(s)" if len(measures) > 4 else "")
    col_index = {c.key(): i for i, c in enumerate(sheet.columns)}
    for ri, t in enumerate(types):
        for ci, c in enumerate(fill):
            if c.period_type in t and c in derived:
                sheet.fillable.add((ri, ci))
    for _, r in frame.iterrows():
        ri = index[(r["source_table"], r["measure"], r["breakdown"], r["breakdown_value"], r["unit"], r["_area"])]
        key = (r["time_period"], r["time_identifier"], r["period_type"], r["period_start"], r["period_end"])
        if key not in col_index:
            continue  # a later period: not shown
        ci = col_index[key]
        sheet.values[(ri, ci)] = (r["value"], r["status"])
        if ci < len(fill):
            sheet.fillable.add((ri, ci))
    return sheet


def build_layout(folder: str | Path, period: str | Period) -> Layout:
    """The workbook layout of the dataset in ``folder`` for quarter ``period``."""
    folder = Path(folder)
    period = parse_period(period)
    if period.quarter is None:
        raise ValueError(f"{period.label} is a whole year: give a quarter such as {period.label}-Q1")
    definitions = _dictionary(folder.parent)
    sheets: list[Sheet] = []
    left_out: list[tuple[str, str]] = [(name, "values the report prints without a recoverable column; not analysed")
                                       for name in sorted(NOT_IN_WORKBOOK) if (folder / name).is_file()]
    taken: set[str] = set()
    for path in tidy_files(folder):
        frame = read_text_csv(path)
        name = _sheet_name(frame, path, taken)
        sheet = sheet_for(frame, path, name, period, definitions)
        if not sheet.fillable:
            left_out.append((path.name, f"sheet {name}: nothing is due for {period.label} (its figures are for other periods)"))
            continue
        taken.add(name)
        sheets.append(sheet)
    sheets.sort(key=lambda s: (not s.name[:1].isdigit(), s.name))  # the report's tables first, in order
    return Layout(folder.name, period.label, sheets, left_out)
