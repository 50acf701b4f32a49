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

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from . import declaration, dfe, plausibility
from ..paths import raw_dir as default_raw_dir
from ..periods import Period, parse_period, period_of
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

    # -- selection ---------------------------------------------------------------------------
    def select(
        self,
        measure: str | list[str] | None = None,
        *,
        area_code: str | None = None,
        geographic_level: str | None = None,
        breakdown: str | list[str] | None = None,
        breakdown_value: str | list[str] | None = None,
        period_type: str | list[str] | None = None,
        source: str | None = None,
        source_table: str | list[str] | None = None,
        up_to: "Period | str | None" = None,
    ) -> pd.DataFrame:
        """Observations matching every given filter, sorted by period end.

        ``area_code`` matches ``new_la_code`` for LAs, ``region_code`` for regions and
        ``country_code`` for National rows. ``up_to`` keeps periods ending on or before the end
        of that period (so a run for 2017-18 Q2 never sees Q3 figures).
        """
        return select(self.observations, measure, area_code=area_code, geographic_level=geographic_level,
                      breakdown=breakdown, breakdown_value=breakdown_value, period_type=period_type,
                      source=source, source_table=source_table, up_to=up_to)

    def area_name(self, area_code: str) -> str:
        """Name of an area code ("England", a region, or an LA)."""
        return area_name(self.areas, area_code)

    def statistical_neighbours(self, la_code: str) -> list[str]:
        """DfE statistical neighbours of an LA, closest first."""
        return dfe.statistical_neighbours(self.raw_dir, la_code, self.areas)

    def region_of(self, la_code: str) -> str | None:
        la = self.areas[(self.areas["geographic_level"] == "Local authority") & (self.areas["new_la_code"] == la_code)]
        return None if la.empty else str(la["region_code"].iloc[0])

    def local_authorities(self) -> pd.DataFrame:
        """Every LA in the DfE files: new_la_code, la_name, region_code (one row each)."""
        la = self.areas[self.areas["geographic_level"] == "Local authority"]
        return la.drop_duplicates("new_la_code")[["new_la_code", "la_name", "old_la_code", "region_code", "region_name"]].reset_index(drop=True)

    def has_local_data(self, area_code: str) -> bool:
        """Whether a local (board) dataset exists for this area, beyond the DfE files."""
        obs = self.observations
        return bool(((obs["source"] != dfe.SOURCE) & (obs["new_la_code"] == area_code)).any())

    def periods(self, area_code: str | None = None) -> list[Period]:
        """Quarters for which the area's local data has a quarter-end figure, oldest first."""
        return available_periods_in(self.observations, area_code)


def select(obs: pd.DataFrame, measure=None, *, area_code=None, geographic_level=None, breakdown=None,
           breakdown_value=None, period_type=None, source=None, source_table=None, up_to=None) -> pd.DataFrame:
    """Filter a tidy observation frame; see :meth:`Dataset.select`."""
    m = pd.Series(True, index=obs.index)

    def isin(col: str, v) -> pd.Series:
        return obs[col].isin([v] if isinstance(v, str) else list(v))

    if measure is not None:
        m &= isin("measure", measure)
    if area_code is not None:
        m &= (obs["new_la_code"] == area_code) | (
            (obs["geographic_level"] == "Regional") & (obs["region_code"] == area_code)
        ) | ((obs["geographic_level"] == "National") & (obs["country_code"] == area_code))
    if geographic_level is not None:
        m &= obs["geographic_level"] == geographic_level
    if breakdown is not None:
        m &= isin("breakdown", breakdown)
    if breakdown_value is not None:
        m &= isin("breakdown_value", breakdown_value)
    if period_type is not None:
        m &= isin("period_type", period_type)
    if source is not None:
        m &= obs["source"] == source
    if source_table is not None:
        m &= isin("source_table", source_table)
    if up_to is not None:
        m &= obs["period_end"] <= pd.Timestamp(parse_period(up_to).end)
    return obs[m].sort_values(["period_end", "measure", "breakdown", "breakdown_value"]).reset_index(drop=True)


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
