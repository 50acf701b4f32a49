"""Read and validate one ``data/raw`` folder into a :class:`Dataset`, and select from it.

``data/raw`` holds two kinds of input:

* local datasets (a folder with a ``SOURCE.md``, e.g. ``wscb_2017_18/``): tidy CSVs in the
  format of ``data/raw/README.md``, validated strictly by :mod:`analysis.ingest.schema`;
* ``dfe/``: DfE and ONS published files, read as published by :mod:`analysis.ingest.dfe`.

:func:`load_raw` returns one typed frame of both (``value`` float, dates as timestamps,
``time_period`` int) with provenance columns ``source``, ``source_file`` and ``source_row``.
Any problem stops loading with a :class:`~analysis.ingest.schema.DataValidationError` listing
*every* problem; :func:`validate_raw` returns the same report without raising. The themes and
notebooks load through :func:`analysis.processed.load`, which stores the validated result.
"""

from __future__ import annotations

import difflib
import warnings
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from pathlib import Path

import pandas as pd

from . import declaration, dfe, plausibility
from ..paths import raw_dir as default_raw_dir
from ..periods import Period, parse_period, period_of
from .neighbours import DEFAULT_MEASURE, Neighbour, NeighbourIndex, neighbour_index
from .schema import (
    TIDY_COLUMNS,
    DataValidationError,
    Problem,
    ValidationReport,
    read_text_csv,
    validate_tidy_file,
)

#: Files in a local dataset folder that are not tidy observations.
NON_TIDY = {"unplaced_values.csv"}
#: Folders of data/raw that are not board datasets (every other folder is one).
NOT_DATASETS = {dfe.DFE_DIR, "lookups"}
#: Files directly in data/raw.
TOP_LEVEL_FILES = {"README.md", "data_dictionary.csv"}
PROVENANCE_COLUMNS = ["source", "source_file", "source_row"]


@dataclass
class Dataset:
    """Everything loaded from one ``data/raw`` folder."""

    raw_dir: Path
    observations: pd.DataFrame
    areas: pd.DataFrame
    districts: pd.DataFrame
    dictionary: pd.DataFrame
    unplaced: pd.DataFrame
    report: ValidationReport
    #: data-quality findings, computed once per dataset by :func:`analysis.quality.run_checks`
    findings: pd.DataFrame | None = None
    #: whether :meth:`select` says (with an :class:`EmptySelectionWarning`) which filter left no
    #: rows. On for an analyst's dataset; the themes work on a quiet copy (:meth:`quiet`), since
    #: for them an empty selection is a normal answer ("no board data for this area").
    explain_empty: bool = True
    #: per-area lookups computed once (periods, DfE years, names, board areas); see :meth:`_per_area`
    _lookups: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def quiet(self) -> "Dataset":
        """The same data (shared, not copied) whose :meth:`select` never warns."""
        copy = replace(self, explain_empty=False)
        copy._lookups = self._lookups  # same data, same lookups (filled on first use by either)
        return copy

    # -- selection ---------------------------------------------------------------------------
    def select(
        self,
        measure: str | list[str] | None = None,
        *,
        area_code: str | list[str] | None = None,
        geographic_level: str | None = None,
        breakdown: str | list[str] | None = None,
        breakdown_value: str | list[str] | None = None,
        period_type: str | list[str] | None = None,
        source: str | None = None,
        source_table: str | list[str] | None = None,
        up_to: "Period | str | None" = None,
    ) -> pd.DataFrame:
        """Observations matching every given filter, sorted by period end.

        Every filter takes one value or a list of values. ``area_code`` matches ``new_la_code``
        for LAs, ``region_code`` for regions and ``country_code`` for National rows. ``up_to``
        keeps periods ending on or before the end of that period (so a run for 2017-18 Q2 never
        sees Q3 figures).

        When the filters together match nothing, an :class:`EmptySelectionWarning` names the
        first filter (in the order above) that left no rows and the values that do exist
        there; the same sentence is in the result's ``attrs["empty_because"]``.
        """
        return select(self.observations, measure, area_code=area_code, geographic_level=geographic_level,
                      breakdown=breakdown, breakdown_value=breakdown_value, period_type=period_type,
                      source=source, source_table=source_table, up_to=up_to, explain=self.explain_empty)

    def area_name(self, area_code: str) -> str:
        """Name of an area code ("England", a region, or an LA)."""
        return area_name(self.areas, area_code)

    def area_names(self, area_code: str) -> set[str]:
        """Every name the DfE files (or the board's data) give this code; empty if none."""
        return set(self._per_area("names").get(area_code, ()))

    def is_known_area(self, area_code: str) -> bool:
        """Whether the code is England, a region or an LA in the DfE files, or has board data."""
        return bool(self.area_names(area_code)) or self.has_local_data(area_code)

    def similar_areas(self, text: str, n: int = 3) -> list[str]:
        """Up to ``n`` "CODE Name" of the LAs whose code or name is closest to ``text``."""
        la = self.local_authorities()
        by_code = dict(zip(la["new_la_code"].astype(str), la["la_name"].astype(str)))
        by_name = {name.lower(): code for code, name in by_code.items()}
        text = str(text).strip()
        codes = difflib.get_close_matches(text.upper(), list(by_code), n=n, cutoff=0.75)
        codes += [by_name[m] for m in difflib.get_close_matches(text.lower(), list(by_name), n=n, cutoff=0.6)]
        codes += [code for name, code in by_name.items() if len(text) >= 4 and text.lower() in name]
        return [f"{code} {by_code[code]}" for code in dict.fromkeys(codes)][:n]

    def dfe_years(self, area_code: str | None = None) -> list[Period]:
        """Financial years (whole-year periods, oldest first) for which DfE's children in need
        statistics hold a year-end (31 March) figure for the area, or for any area if None: a
        value or a withheld count (``c``), not a row marked not applicable or not available.

        Counted from the files that name each authority by its own code. LAIT is left out: it
        names authorities by the old LA number, which a reorganised authority shares with its
        successor, so its years cannot say which authority existed. ONS estimates (30 June) and
        the census are not year-end figures.
        """
        if area_code is None:
            return dfe_years_in(self.observations)
        return list(self._per_area("dfe_years").get(area_code, ()))

    def dfe_authorities(self, year: "Period | str") -> set[str]:
        """LA codes with a DfE year-end figure in ``year``'s financial year (as :meth:`dfe_years`)."""
        rows = _year_end_rows(self.observations)
        rows = rows[(rows["geographic_level"] == "Local authority") & (rows["time_period"] == parse_period(year).time_period)]
        return set(rows["new_la_code"].astype(str)) - {""}

    def _per_area(self, what: str) -> dict:
        """``what`` (``names``, ``dfe_years``, ``periods``, ``local``) for every area code at once,
        computed on first use: a run for every authority asks once per authority."""
        if not self._lookups:
            obs, areas = self.observations, self.areas
            names: dict[str, set[str]] = {ENGLAND: {"England"}}
            for code, name in zip(areas["new_la_code"].astype(str), areas["la_name"].astype(str)):
                names.setdefault(code, set()).add(name)
            if "region_name" in areas:
                regions = areas[areas["geographic_level"] == "Regional"]
                for code, name in zip(regions["region_code"].astype(str), regions["region_name"].astype(str)):
                    names.setdefault(code, set()).add(name)
            named = obs[(obs["new_la_code"] != "") & (obs["la_name"] != "")].drop_duplicates(["new_la_code", "la_name"])
            for code, name in zip(named["new_la_code"], named["la_name"]):
                names.setdefault(code, set()).add(name)
            year_ends = _year_end_rows(obs)
            year_ends = year_ends.assign(area=_area_column(year_ends))[["area", "time_period"]].drop_duplicates()
            years: dict[str, list[Period]] = {}
            for code, tp in sorted(year_ends.itertuples(index=False), key=lambda r: (r[0], r[1])):
                years.setdefault(code, []).append(Period(int(str(tp)[:4])))
            local = obs[obs["source"] != dfe.SOURCE]
            local_codes = sorted(set(local["new_la_code"]) - {""})
            self._lookups.update(
                names={code: {n for n in found if n and n != "nan"} for code, found in names.items()},
                dfe_years=years, local=set(local_codes),
                periods={code: available_periods_in(local, code) for code in local_codes},
            )
        return self._lookups[what]

    def stored_lookups(self) -> dict:
        """The per-area lookups of :meth:`_per_area` (computed now if need be) in a form JSON can
        hold, so that a stored dataset (:mod:`analysis.processed`) need not compute them again."""
        self._per_area("names")
        found = self._lookups
        return {
            "names": {code: sorted(names) for code, names in found["names"].items()},
            "dfe_years": {code: [p.start_year for p in years] for code, years in found["dfe_years"].items()},
            "local": sorted(found["local"]),
            "periods": {code: [[p.start_year, p.quarter] for p in periods] for code, periods in found["periods"].items()},
        }

    def restore_lookups(self, stored: dict) -> None:
        """Take the lookups :meth:`stored_lookups` gave for the same data (and the same code)."""
        self._lookups.update(
            names={code: set(names) for code, names in stored["names"].items()},
            dfe_years={code: [Period(year) for year in years] for code, years in stored["dfe_years"].items()},
            local=set(stored["local"]),
            periods={code: [Period(year, quarter) for year, quarter in periods]
                     for code, periods in stored["periods"].items()},
        )

    @cached_property
    def neighbours(self) -> NeighbourIndex:
        """DfE statistical neighbours, resolved year by year (:mod:`analysis.ingest.neighbours`)."""
        return neighbour_index(self.raw_dir, self.areas, self.observations)

    def statistical_neighbours(self, la_code: str, year, measure: str = DEFAULT_MEASURE) -> list[Neighbour]:
        """An LA's ten DfE statistical neighbours in one financial year (``time_period`` 201718 or a
        date), closest first: each with its LA number, name, the code it had that year and whether
        that year's data has a figure for ``measure``. [] if DfE's file has no grouping for the LA."""
        return self.neighbours.for_year(la_code, year, measure)

    def region_of(self, la_code: str) -> str | None:
        la = self.areas[(self.areas["geographic_level"] == "Local authority") & (self.areas["new_la_code"] == la_code)]
        return None if la.empty else str(la["region_code"].iloc[0])

    def local_authorities(self) -> pd.DataFrame:
        """Every LA in the DfE files: new_la_code, la_name, region_code (one row each)."""
        la = self.areas[self.areas["geographic_level"] == "Local authority"]
        return la.drop_duplicates("new_la_code")[["new_la_code", "la_name", "old_la_code", "region_code", "region_name"]].reset_index(drop=True)

    def has_local_data(self, area_code: str) -> bool:
        """Whether a local (board) dataset exists for this area, beyond the DfE files."""
        return area_code in self._per_area("local")

    def periods(self, area_code: str | None = None) -> list[Period]:
        """Quarters for which the area's local data has a quarter-end figure, oldest first."""
        if area_code is None:
            return available_periods_in(self.observations)
        return list(self._per_area("periods").get(area_code, ()))


ENGLAND = "E92000001"


class EmptySelectionWarning(UserWarning):
    """:meth:`Dataset.select` matched no rows; the message says which filter emptied it."""


def _values(v) -> list:
    return [v] if isinstance(v, (str, int, float)) else list(v)


def _area_column(obs: pd.DataFrame) -> pd.Series:
    """The code each row is about: the LA's code, else the region's, else the country's."""
    code = obs["new_la_code"].where(obs["new_la_code"] != "", obs["region_code"].where(
        obs["geographic_level"] == "Regional", obs["country_code"]))
    return code.fillna("")


def select(obs: pd.DataFrame, measure=None, *, area_code=None, geographic_level=None, breakdown=None,
           breakdown_value=None, period_type=None, source=None, source_table=None, up_to=None,
           explain: bool = False) -> pd.DataFrame:
    """Filter a tidy observation frame; see :meth:`Dataset.select`. With ``explain``, an empty
    result warns which filter left no rows (:class:`EmptySelectionWarning`)."""
    def isin(col: str, v):
        return lambda: obs[col].isin(_values(v))

    def area(v):
        return lambda: obs["new_la_code"].isin(_values(v)) | (
            (obs["geographic_level"] == "Regional") & obs["region_code"].isin(_values(v))
        ) | ((obs["geographic_level"] == "National") & obs["country_code"].isin(_values(v)))

    up_to_end = None if up_to is None else pd.Timestamp(parse_period(up_to).end)
    # (argument, value asked for, mask, column whose existing values explain an empty result)
    steps = [
        ("measure", measure, isin("measure", measure), "measure"),
        ("area_code", area_code, area(area_code), None),
        ("geographic_level", geographic_level, isin("geographic_level", geographic_level), "geographic_level"),
        ("breakdown", breakdown, isin("breakdown", breakdown), "breakdown"),
        ("breakdown_value", breakdown_value, isin("breakdown_value", breakdown_value), "breakdown_value"),
        ("period_type", period_type, isin("period_type", period_type), "period_type"),
        ("source", source, isin("source", source), "source"),
        ("source_table", source_table, isin("source_table", source_table), "source_table"),
        ("up_to", up_to, lambda: obs["period_end"] <= up_to_end, None),
    ]
    m = pd.Series(True, index=obs.index)
    emptied = None
    for name, value, mask, column in steps:
        if value is None:
            continue
        before = m
        m = m & mask()
        if explain and emptied is None and before.any() and not m.any():
            emptied = _why_empty(obs[before], name, value, column, up_to_end, first=bool(before.all()))
    out = obs[m].sort_values(["period_end", "measure", "breakdown", "breakdown_value"]).reset_index(drop=True)
    if explain and out.empty:
        if emptied is None:
            emptied = "select(): the dataset holds no observations at all"
        out.attrs["empty_because"] = emptied
        warnings.warn(emptied, EmptySelectionWarning, stacklevel=3)
    return out


def _why_empty(rows: pd.DataFrame, name: str, value, column: str | None, up_to_end, first: bool) -> str:
    """One sentence: the filter that left no rows, and what exists among the rows before it."""
    asked = value if isinstance(value, str) else (value.label if hasattr(value, "label") else _values(value))
    among = f"in all {len(rows):,} rows" if first else f"among the {len(rows):,} rows matching the filters before it"
    head = f"select() matched no rows: the filter {name}={asked!r} left none ({among} there is no such value)"
    if name == "up_to":
        head = f"select() matched no rows: the filter up_to={asked!r} left none ({among}, none ends by {up_to_end:%d %B %Y})"
    if name == "up_to":
        return f"{head}; the earliest of them ends on {rows['period_end'].min():%d %B %Y}"
    existing = sorted(set((_area_column(rows) if column is None else rows[column]).astype(str)) - {""})
    close: list[str] = []
    for v in _values(value):
        close += difflib.get_close_matches(str(v), existing, n=3, cutoff=0.6)
    shown = list(dict.fromkeys(close + existing))[:8]
    more = f" and {len(existing) - len(shown)} more" if len(existing) > len(shown) else ""
    lead = "closest and other values there" if close else "values there"
    return f"{head}; {lead}: {', '.join(shown)}{more}"


def area_name(areas: pd.DataFrame, area_code: str) -> str:
    if area_code in ("E92000001",):
        return "England"
    la = areas[areas["new_la_code"] == area_code]
    if not la.empty:
        return str(la["la_name"].iloc[0])
    reg = areas[(areas["geographic_level"] == "Regional") & (areas["region_code"] == area_code)]
    if not reg.empty and "region_name" in reg:
        return str(reg["region_name"].iloc[0])
    return area_code


#: DfE files whose year-end figures date an authority (see :meth:`Dataset.dfe_years`)
_NOT_DATING_AN_AUTHORITY = {f"{dfe.DFE_DIR}/{dfe.FILES['lait']}"}


def _year_end_rows(obs: pd.DataFrame) -> pd.DataFrame:
    """DfE figures at a financial year's end (31 March) from files that date an authority: a
    value, or a count withheld for confidentiality (``c``). A row marked ``z`` (not applicable:
    DfE lists an authority that no longer exists) or ``x`` (not available) is no figure."""
    rows = obs[(obs["source"] == dfe.SOURCE) & ~obs["source_file"].isin(_NOT_DATING_AN_AUTHORITY)]
    rows = rows[rows["value"].notna() | (rows["status"] == "c")]
    ends = rows["period_end"]
    return rows[(ends.dt.month == 3) & (ends.dt.day == 31)]


def dfe_years_in(obs: pd.DataFrame, area_code: str | None = None) -> list[Period]:
    rows = _year_end_rows(obs)
    if area_code is not None:
        rows = rows[_area_column(rows) == area_code]
    return [Period(int(str(tp)[:4])) for tp in sorted(set(rows["time_period"]))]


def available_periods_in(obs: pd.DataFrame, area_code: str | None = None) -> list[Period]:
    local = obs[(obs["source"] != dfe.SOURCE) & obs["time_identifier"].str.startswith("Q")]
    if area_code is not None:
        local = local[local["new_la_code"] == area_code]
    local = local[local["period_type"].isin(["snapshot", "cumulative_from_april", "quarter"])]
    pairs = local[["time_period", "time_identifier"]].drop_duplicates()
    periods = {period_of(tp, ti) for tp, ti in pairs.itertuples(index=False)}
    # a quarter counts when the board's quarterly return covers it (its quarter-end date)
    ends = set(local["period_end"].dt.date)
    return sorted(p for p in periods if p.end in ends)


def local_dataset_dirs(raw: Path) -> list[Path]:
    """Folders of ``data/raw`` that hold a local dataset: every folder but ``dfe/`` and
    ``lookups/`` (hidden ones such as ``.ipynb_checkpoints`` aside). A folder without SOURCE.md
    or datapackage.json is still one: validation refuses it rather than skip it."""
    return sorted(p for p in raw.iterdir() if p.is_dir() and p.name not in NOT_DATASETS and not p.name.startswith("."))


def _required_csv(raw: Path, rel: str, columns: list[str], report: ValidationReport | None) -> pd.DataFrame:
    """A lookup file every run needs, read as text; a missing or unreadable one is a problem."""
    path = raw / rel
    empty = pd.DataFrame(columns=columns)
    if report is None:  # reading again after validation
        return read_text_csv(path) if path.is_file() else empty
    report.files_checked.append(rel)
    if not path.exists():
        report.problems.append(Problem(rel, None, None, None, "F03-file-missing", "a file every run needs is missing (see data/raw/README.md)"))
        return empty
    text = declaration.read_csv_text(path, rel)
    if text.problem:
        report.problems.append(text.problem)
        return empty
    missing = [c for c in columns if c not in [h.strip() for h in text.header]]
    for c in missing:
        report.problems.append(Problem(rel, None, c, None, "R00-columns", f"required column '{c}' is missing"))
    if not text.rows:
        report.problems.append(Problem(rel, None, None, None, "F06-empty", "the file has a header but no rows"))
    return empty if missing or not text.rows else read_text_csv(path)


def _districts(raw: Path, report: ValidationReport | None = None) -> pd.DataFrame:
    return _required_csv(raw, "lookups/districts.csv", ["district_code", "district_name", "labels_as_printed"], report)


def _check_top_level(raw: Path, report: ValidationReport) -> None:
    """Nothing lies loose in data/raw: a file there is part of no dataset and would be ignored."""
    for p in sorted(raw.iterdir()):
        if p.name.startswith(".") or p.is_dir() or p.name in TOP_LEVEL_FILES:
            continue
        report.problems.append(Problem(p.name, None, None, None, "F09-file-not-declared",
                                       "a file directly in data/raw belongs to no dataset and would be ignored: move it "
                                       "into its dataset's folder and run `safeguarding declare`"))


def _typed(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    out["time_period"] = out["time_period"].astype("int64")
    out["period_start"] = pd.to_datetime(out["period_start"])
    out["period_end"] = pd.to_datetime(out["period_end"])
    out["value"] = pd.to_numeric(out["value"].where(out["value"] != ""), errors="coerce").astype("float64")
    return out


def read_local(raw: Path, report: ValidationReport) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every tidy file of every local dataset (validated), and the unplaced values."""
    districts = _districts(raw, report)["district_name"].tolist()
    frames, unplaced = [], []
    for folder in local_dataset_dirs(raw):
        readable = declaration.check_folder(folder, folder.name, report)
        for path in sorted(folder.glob("*.csv")):
            rel = f"{folder.name}/{path.name}"
            if path.name not in readable:
                continue  # missing, unreadable or undeclared: already reported by check_folder
            if path.name in NON_TIDY:
                report.files_checked.append(rel)
                u = read_text_csv(path)
                u.insert(0, "source_file", rel)
                unplaced.append(u)
                continue
            df, rep = validate_tidy_file(path, districts, display_name=rel)
            report.extend(rep)
            if rep.ok:
                df = df.copy()
                df["source"] = folder.name
                df["source_file"] = rel
                df["source_row"] = range(1, len(df) + 1)
                frames.append(df)
    if not frames:
        local = pd.DataFrame(columns=TIDY_COLUMNS + PROVENANCE_COLUMNS)
    else:
        local = pd.concat(frames, ignore_index=True)
    # the same observation may not be printed by two files of one dataset either
    key = ["source", "time_period", "time_identifier", "period_type", "period_end", "new_la_code", "source_table", "measure", "breakdown", "breakdown_value"]
    dup = local.duplicated(key, keep="first") & (local["source"] != "")
    for _, r in local[dup].iterrows():
        report.problems.append(Problem(r["source_file"], int(r["source_row"]), "measure", r["measure"], "R14-duplicate",
                                       "duplicated observation: another row has the same period, area, measure and breakdown"))
    return _typed(local), (pd.concat(unplaced, ignore_index=True) if unplaced else pd.DataFrame())


def _dictionary(raw: Path, report: ValidationReport | None = None) -> pd.DataFrame:
    return _required_csv(raw, "data_dictionary.csv", ["measure", "unit", "period_types", "definition", "source_tables"], report)


def _check_dictionary(local: pd.DataFrame, dictionary: pd.DataFrame, report: ValidationReport) -> None:
    """Every measure of a local file is defined in the data dictionary, with its unit."""
    if local.empty:
        return
    known = dict(zip(dictionary["measure"], dictionary["unit"]))
    seen: set[tuple[str, str]] = set()
    for r in local[["measure", "unit", "source_file", "source_row"]].itertuples(index=False):
        if (r.measure, r.unit) in seen:
            continue
        seen.add((r.measure, r.unit))
        if r.measure not in known:
            report.problems.append(Problem(r.source_file, int(r.source_row), "measure", r.measure, "R15-measure-defined",
                                           "measure is not defined in data/raw/data_dictionary.csv: add it with its unit and the report's definition"))
        elif known[r.measure] != r.unit:
            report.problems.append(Problem(r.source_file, int(r.source_row), "unit", r.unit, "R16-unit-matches-dictionary",
                                           f"unit differs from the data dictionary's unit for {r.measure} ({known[r.measure]})"))


def load_raw(raw: Path) -> Dataset:
    """Read and validate every file under ``raw`` afresh (no cache of validated data): a
    :class:`Dataset` whose ``report`` lists every problem; raises only when the folder is missing."""
    report = ValidationReport()
    if not raw.is_dir():
        why = "is a file, not a folder" if raw.exists() else "does not exist"
        report.problems.append(Problem(str(raw), None, None, None, "R00-folder", f"the data folder {why}"))
        raise DataValidationError(report)
    _check_top_level(raw, report)
    local, unplaced = read_local(raw, report)
    dictionary = _dictionary(raw, report)
    if not dictionary.empty:  # a missing dictionary is one problem, not one per measure
        _check_dictionary(local, dictionary, report)
    dfe_folder = raw / dfe.DFE_DIR
    if dfe_folder.is_dir():
        declaration.check_folder(dfe_folder, dfe.DFE_DIR, report)
    else:
        report.problems.append(Problem(dfe.DFE_DIR, None, None, None, "F03-file-missing",
                                       "the DfE and ONS benchmark folder data/raw/dfe is missing"))
    national, areas, dfe_report = _load_dfe_cached(raw)
    named = {p.file for p in report.problems if p.row is None}
    report.extend(ValidationReport([p for p in dfe_report.problems if p.file not in named], list(dfe_report.files_checked)))
    obs = pd.concat([local, national], ignore_index=True) if not national.empty else local
    for c in ["status", "flags", "note", "region_code", "new_la_code", "la_name", "country_code"]:
        obs[c] = obs[c].fillna("").astype(str)
    obs["source_row"] = obs["source_row"].astype("int64")
    # on every row that passed the rules above (a broken file's rows are not in obs)
    report.problems.extend(plausibility.check(obs, areas))
    return Dataset(raw, obs, areas, _districts(raw), dictionary, unplaced, report)


def folder_stamp(raw: Path) -> tuple:
    """Cheap fingerprint of a data folder: every file's path, size and mtime."""
    return tuple(sorted((str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in raw.rglob("*") if p.is_file()))


def _load_dfe_cached(raw: Path):
    """The DfE/ONS files change rarely and are the slow part: cache them on their own."""
    folder = (raw / dfe.DFE_DIR).resolve()
    if not folder.is_dir():
        return dfe.load_dfe(raw, strict=False)
    return _dfe_cached(str(folder), folder_stamp(folder))


@lru_cache(maxsize=2)
def _dfe_cached(folder: str, stamp: tuple):
    # keyed on the resolved folder and its files' sizes and times, not on data/raw's path
    return dfe.load_dfe(Path(folder).parent, strict=False)


def validate_raw(raw_dir: str | Path | None = None) -> ValidationReport:
    """Validate every input file; return the report (never raises for bad data).

    Always validates afresh: never answers from data/processed or a cache.
    """
    raw = (Path(raw_dir) if raw_dir else default_raw_dir()).resolve()
    try:
        return load_raw(raw).report
    except DataValidationError as exc:
        return exc.report
    except OSError as exc:  # a folder that cannot be listed or a file that vanished while read
        where = exc.filename or raw
        return ValidationReport([Problem(str(where), None, None, None, "F05-unreadable",
                                         f"cannot be read ({exc.strerror or type(exc).__name__})")])
