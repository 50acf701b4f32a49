"""DfE statistical neighbours, resolved year by year to the codes that have data.

DfE's statistical-neighbour file (``New_Statistical_Neighbour_Groupings_April_2021.csv``)
lists each authority's ten closest neighbours by their old three-digit LA numbers. An LA number
keeps its number when its GSS code changes (North Yorkshire, 815: E10000023 to March 2023, then
E06000065; Buckinghamshire, 825; Somerset, 933), and some numbers stop or start when authorities
merge or split (Cumbria, 909, ends in March 2023; Northamptonshire, 928, in March 2021, when North
and West Northamptonshire, 940 and 941, begin; Dorset, Poole and Bournemouth, 835–837, end in
March 2019, when Dorset and Bournemouth, Christchurch and Poole, 838 and 839, begin).

So an LA number is resolved to a code *for a year*: from DfE's own files, which carry
``old_la_code``, ``new_la_code`` and ``time_period`` on every row, the code the number had in
that year's data. A neighbour whose number has no figure in a year (the authority did not exist
then, or its figure is suppressed) is returned with ``has_data`` False and its name, never left
out, so a mean over fewer than ten neighbours can say which are missing.

The file's rows after the line "Old SNs:" are the groupings of authorities that no longer exist
(Dorset, Poole, Bournemouth and Northamptonshire before their reorganisations); they are read like
the others: their LA numbers are not used by any current authority.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from ..periods import quarter_of
from .schema import DataValidationError, Problem, ValidationReport

#: DfE's statistical-neighbour file in ``data/raw/dfe``.
GROUPINGS_FILE = "New_Statistical_Neighbour_Groupings_April_2021.csv"
#: How many neighbours DfE's model gives each authority.
GROUP_SIZE = 10
#: The measure whose figures decide "has data" unless another is asked for.
DEFAULT_MEASURE = "children_on_cp_plan"
#: Tables of the DfE observations that carry the LA-number-to-code history (every DfE open-data
#: file read as published; LAIT is mapped through these numbers and the census has no LA number).
_NOT_HISTORY = {"DfE LAIT", "ONS Census 2021"}


@dataclass(frozen=True)
class Neighbour:
    """One of an authority's statistical neighbours in one year."""

    rank: int  # 1 = closest
    la_number: str  # DfE's old LA number, as in the groupings file
    name: str  # the authority's name in that year's data (else the latest name it had)
    code: str | None  # the GSS code the number had in that year's data; None if it had no row then
    has_data: bool  # whether that year's data has a figure (not a symbol) for the measure
    first_year: int | None = None  # time_period of the number's first and last figures in DfE's files
    last_year: int | None = None  # (a neighbour outside them did not exist as an authority then)


def read_groupings(path: Path) -> dict[str, list[str]]:
    """DfE's groupings: LA number -> its ten neighbours' LA numbers, closest first.

    Blank lines and the "Old SNs:" heading (rows without an LA number) separate the file's two
    lists and are not groupings. Anything else that is not an LA number is an error naming the file,
    row, column and value.
    """
    path = Path(path)
    name = f"dfe/{path.name}"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    report = ValidationReport(files_checked=[name])
    columns = ["LA num"] + [f"SN{k}" for k in range(1, GROUP_SIZE + 1)]
    for column in columns:
        if column not in frame.columns:
            report.problems.append(Problem(name, None, column, None, "D01-columns",
                                           f"required column '{column}' is missing from the published file"))
    if not report.ok:
        raise DataValidationError(report)
    groups: dict[str, list[str]] = {}
    for index, row in frame.iterrows():
        number = row["LA num"].strip()
        if not number:
            continue
        row_number = int(index) + 1  # 1-based data row, as every validation problem counts rows
        members = [row[f"SN{k}"].strip() for k in range(1, GROUP_SIZE + 1)]
        for column, value in zip(columns, [number] + members):
            if not value.isdigit():
                report.problems.append(Problem(name, row_number, column, value, "D04-la-number",
                                               "must be a DfE LA number (digits)"))
        if number in groups:
            report.problems.append(Problem(name, row_number, "LA num", number, "D05-duplicate",
                                           "the LA number has a grouping on an earlier row"))
        groups[number] = members
    if not report.ok:
        raise DataValidationError(report)
    return groups


def _time_period(year: "int | date | pd.Timestamp") -> int:
    """201718 for 201718, or for any date in April 2017 to March 2018 (31 March 2018 is 201718)."""
    if isinstance(year, (int,)) and not isinstance(year, bool):
        if year < 100000:
            raise ValueError(f"year {year!r}: give a financial year as time_period (e.g. 201718) or a date")
        return year
    return quarter_of(pd.Timestamp(year)).time_period


class NeighbourIndex:
    """Every authority's neighbours, resolvable for any year in the DfE data."""

    def __init__(self, groups: dict[str, list[str]], areas: pd.DataFrame, observations: pd.DataFrame):
        self.groups = groups
        la = areas[areas["geographic_level"] == "Local authority"]
        la = la[la["old_la_code"].astype(str).str.strip().ne("") & la["new_la_code"].astype(str).ne("")]
        self._number_of = {str(code): str(number).strip() for code, number in zip(la["new_la_code"], la["old_la_code"])}
        self._codes_of: dict[str, list[str]] = {}
        self._name_of: dict[str, str] = {}
        for code, number, name in zip(la["new_la_code"], la["old_la_code"], la["la_name"]):
            codes = self._codes_of.setdefault(str(number).strip(), [])
            if code not in codes:
                codes.append(str(code))
            self._name_of[str(code)] = str(name)
        obs = observations[(observations["source"] == "dfe")
                           & (observations["geographic_level"] == "Local authority")
                           & observations["new_la_code"].isin(self._number_of)
                           & ~observations["source_table"].isin(_NOT_HISTORY)]
        self._rows = obs[["new_la_code", "time_period", "measure", "breakdown", "value"]].assign(
            has_value=obs["value"].notna())
        #: (code, time_period) -> how many of DfE's files have rows for it: the code history by year
        #: (a file that restates its whole series under today's codes, as the looked-after children
        #: file does for North Yorkshire, gives a second code in a year; the other files outvote it)
        tables = obs[["new_la_code", "time_period", "source_table"]].drop_duplicates()
        self._years = {(code, int(period)): int(n) for (code, period), n in
                       tables.groupby(["new_la_code", "time_period"]).size().items()}
        self._first_year: dict[str, int] = {}
        self._last_year: dict[str, int] = {}
        with_figures = self._rows[self._rows["has_value"]]
        for code, period in set(zip(with_figures["new_la_code"], with_figures["time_period"].astype(int))):
            self._first_year[code] = min(self._first_year.get(code, period), period)
            self._last_year[code] = max(self._last_year.get(code, 0), period)
        self._cache: dict[tuple[str, str, int], dict[str, bool]] = {}

    # -- the code history ------------------------------------------------------------------------
    def la_number(self, code: str) -> str | None:
        """DfE's LA number of a GSS code (None when the code is not an LA in the data)."""
        return self._number_of.get(code)

    def codes_of(self, la_number: str) -> list[str]:
        """Every GSS code an LA number has had in the DfE files (oldest last-year first)."""
        return sorted(self._codes_of.get(str(la_number), []), key=lambda code: self._last_year.get(code, 0))

    def code_in(self, la_number: str, time_period: int) -> str | None:
        """The code an LA number had in the year's DfE data (None if no row of that year has it);
        where files differ, the code most of them use that year."""
        found = [code for code in self.codes_of(la_number) if (code, time_period) in self._years]
        return max(found, key=lambda code: self._years[(code, time_period)]) if found else None

    def _measure_rows(self, measure: str, breakdown: str, time_period: int) -> dict[str, bool]:
        """code -> whether it has a figure, for every code with a row of the measure in the year."""
        key = (measure, breakdown, time_period)
        if key not in self._cache:
            rows = self._rows[(self._rows["measure"] == measure) & (self._rows["breakdown"] == breakdown)
                              & (self._rows["time_period"] == time_period)]
            self._cache[key] = rows.groupby("new_la_code")["has_value"].any().to_dict()
        return self._cache[key]

    # -- neighbours ------------------------------------------------------------------------------
    def group(self, code: str) -> list[str]:
        """The LA numbers of an authority's neighbours, closest first ([] if DfE's file has no
        grouping for it, e.g. an authority created after April 2021)."""
        number = self.la_number(code)
        return list(self.groups.get(number, [])) if number else []

    def for_year(self, code: str, year: "int | date | pd.Timestamp",
                 measure: str = DEFAULT_MEASURE, breakdown: str = "total") -> list[Neighbour]:
        """An authority's neighbours in one financial year (``time_period`` such as 201718, or a
        date: 31 March 2018 is 2017-18), each with the code its LA number had in that year's data
        and whether that year has a figure for ``measure`` (its ``breakdown``, the total unless
        asked). All ten are returned, closest first."""
        period = _time_period(year)
        values = self._measure_rows(measure, breakdown, period)
        out = []
        for rank, number in enumerate(self.group(code), start=1):
            candidates = [c for c in self.codes_of(number) if c in values]
            with_value = [c for c in candidates if values[c]]
            if len(with_value) > 1:
                raise ValueError(f"LA number {number} has figures under several codes in {period}: {with_value}")
            used = with_value[0] if with_value else (candidates[0] if candidates else self.code_in(number, period))
            history = [c for c in self.codes_of(number) if c in self._first_year]
            out.append(Neighbour(rank, number, self._name(number, used), used, bool(with_value),
                                 min((self._first_year[c] for c in history), default=None),
                                 max((self._last_year[c] for c in history), default=None)))
        return out

    def _name(self, number: str, code: str | None) -> str:
        if code is not None:
            return self._name_of[code]
        codes = self.codes_of(number)
        return self._name_of[codes[-1]] if codes else f"LA number {number}"


def neighbour_index(raw_dir: Path, areas: pd.DataFrame, observations: pd.DataFrame) -> NeighbourIndex:
    """The index of a ``data/raw`` folder's groupings over its DfE observations."""
    return NeighbourIndex(read_groupings(Path(raw_dir) / "dfe" / GROUPINGS_FILE), areas, observations)
