"""The validated dataset, stored once per input and loaded in a fraction of a second.

:func:`load` is the one entry point the themes, notebooks and analysts use: it returns the
:class:`~analysis.ingest.dataset.Dataset` of a ``data/raw`` folder with its data-quality
findings, validated once and then read from ``data/processed/cache/`` while the inputs (and the
code that validates them) are unchanged. :func:`build_processed` writes the analysts' files
(``safeguarding build``); :func:`store_validated` is the runner's step that validates once
before every kernel loads the result. Every CSV written for people goes through
:func:`write_csv_for_people`, which neutralises cells a spreadsheet would run as a formula.

Layer: imports :mod:`analysis.ingest` and :mod:`analysis.quality`; nothing above them.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import shutil
import time
import uuid
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from . import formatting, ingest, periods, quality
from .ingest import dfe
from .ingest.dataset import Dataset, folder_stamp, load_raw
from .ingest.schema import DataValidationError, ValidationReport
from .paths import processed_dir
from .paths import raw_dir as default_raw_dir
from .periods import Period, long_date
from .quality import run_checks

#: The code whose behaviour the stored result depends on: validation and the data-quality rules
#: (and the modules they use for periods and for the wording of findings) ...
_CODE_PACKAGES = (ingest, quality)
_CODE_MODULES = (periods, formatting)
#: ... and the libraries that read and check the files.
_CODE_LIBRARIES = ("pandas", "numpy", "pyarrow", "pandera", "frictionless")


def _code_files() -> list[Path]:
    """Every source file of the validation and data-quality code, in a fixed order."""
    files = [Path(m.__file__) for m in _CODE_MODULES]
    for pkg in _CODE_PACKAGES:
        files += sorted(Path(pkg.__file__).parent.rglob("*.py"))
    return files


def _library_versions() -> str:
    versions = []
    for name in _CODE_LIBRARIES:
        try:
            versions.append(f"{name}=={importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            versions.append(f"{name} not installed")
    return "\n".join(versions)


def fingerprint(raw: Path) -> str:
    """SHA-256 over every file under ``raw`` (relative path and content), the loader's code and
    the versions of the libraries it uses."""
    h = hashlib.sha256()
    # the code that validates and shapes the data is part of what the stored result depends on
    for path in _code_files():
        h.update(path.read_bytes())
    h.update(_library_versions().encode())
    for p in sorted(q for q in Path(raw).rglob("*") if q.is_file()):
        h.update(p.relative_to(raw).as_posix().encode())
        h.update(hashlib.sha256(p.read_bytes()).digest())
    return h.hexdigest()


_PROCESSED_FRAMES = ("observations", "areas", "districts", "dictionary", "unplaced", "findings")
_LOOKUPS_FILE = "lookups.json"  # the dataset's per-area lookups (names, years, periods)
#: Validated datasets stored under data/processed/cache/<slot>/, one slot per (data folder, fingerprint).
_CACHE_DIR = "cache"
_CACHE_KEEP = 4  # slots kept; older ones are removed when a new one is written


def _cache_slot(root: Path, raw: Path, sha: str) -> Path:
    """The cache folder for one data folder at one fingerprint. Different folders and different
    contents get different slots, so runs on different data never overwrite each other."""
    return root / _CACHE_DIR / hashlib.sha256(f"{raw}\n{sha}".encode()).hexdigest()[:20]


def _write_processed(ds: "Dataset", root: Path) -> Path:
    """Store a validated dataset so later loads of the same inputs skip validation.

    Written into a temporary folder and renamed into its slot in one step: a reader sees a
    whole slot or none (never a mix of two runs' files); a slot that exists is left as it is
    (same fingerprint, same content).
    """
    raw = Path(ds.raw_dir).resolve()
    sha = fingerprint(raw)
    slot = _cache_slot(root, raw, sha)
    if (slot / "fingerprint.json").exists():
        return slot
    run_checks(ds)  # fills ds.findings
    tmp = root / _CACHE_DIR / f".tmp-{uuid.uuid4().hex}"
    tmp.mkdir(parents=True)
    try:
        for name in _PROCESSED_FRAMES:
            frame = getattr(ds, name)
            frame.astype({c: str for c in frame.columns if frame[c].dtype == object}).to_parquet(
                tmp / f"{name}.parquet", index=False)
        # each notebook's kernel would otherwise work these out again from the observations (0.2 s)
        (tmp / _LOOKUPS_FILE).write_text(json.dumps(ds.stored_lookups()), encoding="utf-8")
        (tmp / "fingerprint.json").write_text(json.dumps({
            "raw_dir": str(raw), "sha256": sha, "files_checked": ds.report.files_checked,
            "validated_at": _utc(time.time()),
        }, indent=1))
        try:
            os.rename(tmp, slot)
        except OSError:  # another run stored the same slot first
            if not (slot / "fingerprint.json").exists():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    _prune_cache(root / _CACHE_DIR, keep=_CACHE_KEEP, current=slot)
    return slot


def _prune_cache(folder: Path, *, keep: int, current: Path) -> None:
    """Remove all but the ``keep`` newest slots (and temporary folders over a day old). A run
    still reading a removed slot falls back to loading data/raw (see :func:`_read_processed`)."""
    def age(p: Path) -> float:
        try:
            return time.time() - p.stat().st_mtime
        except OSError:  # removed meanwhile by another run
            return -1.0

    slots = sorted((p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")), key=age)
    for old in [p for p in slots if p != current][max(keep - 1, 0):]:
        shutil.rmtree(old, ignore_errors=True)
    for tmp in folder.glob(".tmp-*"):
        if age(tmp) > 86400:
            shutil.rmtree(tmp, ignore_errors=True)


def _utc(seconds: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def _slot_for(raw: Path) -> tuple[Path, dict] | None:
    """The cache slot stored from exactly the files now under ``raw`` (resolved) by this code,
    with its ``fingerprint.json``; None if there is none (or it cannot be read)."""
    try:
        sha = fingerprint(raw)
        slot = _cache_slot(processed_dir(), raw, sha)
        info = json.loads((slot / "fingerprint.json").read_text())
    except (OSError, ValueError):  # none, removed or unreadable
        return None
    if info.get("raw_dir") != str(raw) or info.get("sha256") != sha:
        return None
    return slot, info


def _read_processed(raw: Path) -> "Dataset | None":
    """The dataset from data/processed when it was stored from exactly these inputs, else None."""
    raw = Path(raw).resolve()
    found = _slot_for(raw)
    if found is None:
        return None
    slot, info = found
    try:
        frames = {name: pd.read_parquet(slot / f"{name}.parquet") for name in _PROCESSED_FRAMES}
        lookups = json.loads((slot / _LOOKUPS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):  # removed or unreadable: load data/raw instead
        return None
    ds = Dataset(raw, report=ValidationReport(files_checked=info.get("files_checked", [])), **frames)
    ds.restore_lookups(lookups)
    return ds


def earlier_validation(raw_dir: str | Path | None = None) -> ValidationReport | None:
    """The report of an earlier validation that passed for exactly the files now under
    ``raw_dir``, with this code and these libraries; None if there was none.

    A slot of data/processed's cache is written only after :func:`load` has validated every
    file without a problem, and it is found by the fingerprint (every file's path and content,
    the validation and data-quality code, the libraries' versions): one changed, added or
    removed file, or changed code, gives another fingerprint and so no earlier validation. The
    runner uses this to skip validating the same files twice; ``safeguarding validate`` always
    validates afresh (:func:`analysis.ingest.dataset.validate_raw`).
    """
    raw = (Path(raw_dir) if raw_dir else default_raw_dir()).resolve()
    found = _slot_for(raw) if raw.is_dir() else None
    if found is None:
        return None
    slot, info = found
    when = info.get("validated_at") or _utc(slot.stat().st_mtime)  # a slot stored before the time was kept
    return ValidationReport(files_checked=list(info.get("files_checked", [])), earlier=when)




@lru_cache(maxsize=4)
def _load_cached(raw: str, stamp: tuple) -> Dataset:
    return _read_processed(Path(raw)) or load_raw(Path(raw))


def load(raw_dir: str | Path | None = None, *, strict: bool = True) -> Dataset:
    """Load and validate everything under ``raw_dir`` (default ``data/raw``).

    Raises :class:`DataValidationError` listing every problem unless ``strict=False``, in which
    case the dataset holds whatever files were valid and ``dataset.report`` says what was not.
    Cached: a second call for an unchanged folder costs nothing.
    """
    raw = Path(raw_dir) if raw_dir else default_raw_dir()
    raw = raw.resolve()
    ds = _load_cached(str(raw), folder_stamp(raw)) if raw.is_dir() else load_raw(raw)
    if strict and not ds.report.ok:
        raise DataValidationError(ds.report)
    return ds


def build_processed(raw_dir: str | Path | None = None, out_dir: str | Path | None = None) -> dict[str, Path]:
    """Write ``data/processed`` from ``data/raw``: the tidy observations and the DQ findings.

    Everything written here is disposable and rebuilt by this one function
    (``safeguarding build``). Raises :class:`DataValidationError` on invalid input, before
    writing anything.
    """
    ds = load(raw_dir)
    out = Path(out_dir) if out_dir else processed_dir()
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "observations": out / "observations.parquet",
        "observations_local_csv": out / "observations_local.csv",
        "quality_findings": out / "quality_findings.csv",
    }
    local = ds.observations[ds.observations["source"] != dfe.SOURCE]
    # each file written beside its final name and renamed over it: a reader never sees half a file
    _replace_with(paths["observations"], lambda p: ds.observations.to_parquet(p, index=False))
    _replace_with(paths["observations_local_csv"], lambda p: write_csv_for_people(local, p))
    _replace_with(paths["quality_findings"], lambda p: write_csv_for_people(run_checks(ds), p))
    if out.resolve() == processed_dir().resolve():
        _write_processed(ds, out)  # the notebooks' fast path (see load)
    return paths


#: What a spreadsheet reads as the start of a formula (OWASP, "CSV injection"): a text cell that
#: begins with one of these is written with a single quote in front, so Excel and LibreOffice
#: show it as text instead of running it.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` in which every text cell starting with one of :data:`FORMULA_STARTS`
    has a single quote in front (OWASP's advice); numbers and other cells are unchanged."""
    safe = frame.copy()
    for column in safe.columns:
        values = safe[column]
        if not (pd.api.types.is_object_dtype(values.dtype) or pd.api.types.is_string_dtype(values.dtype)):
            continue
        risky = values.map(lambda value: isinstance(value, str) and value.startswith(FORMULA_STARTS))
        if risky.any():
            safe[column] = values.astype(object).where(~risky, "'" + values[risky].astype(str))
    return safe


def write_csv_for_people(frame: pd.DataFrame, path: str | Path) -> None:
    """Write ``frame`` as a CSV file that analysts open in a spreadsheet: formula-like text
    neutralised (:func:`neutralise_formulas`), no index, lines ended by CRLF as RFC 4180 has it
    (so a cell holding a line break, even a lone CR, is quoted and stays one cell). The one way
    the project writes a CSV for people; machine-read files (parquet) keep the raw values."""
    neutralise_formulas(frame).to_csv(path, index=False, lineterminator="\r\n")


def store_validated(raw_dir: str | Path | None = None) -> Path:
    """Store the validated dataset (and its findings) in data/processed's cache, so each
    notebook's kernel loads it in a fraction of a second instead of validating data/raw again.
    Returns the cache slot. Raises :class:`DataValidationError` on invalid input."""
    return _write_processed(load(raw_dir), processed_dir())


def _replace_with(path: Path, write) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


@dataclass(frozen=True)
class AreaPeriods:
    """What one area's data covers: the board's quarters and DfE's years, and which is latest.

    The latest period the data supports for the area is the latest quarter of its board (local)
    data where it has some, else the last quarter (Q4, ending 31 March) of the latest financial
    year of DfE's statistics for it. :meth:`statement` says so in one plain sentence.
    """

    area_code: str
    area_name: str
    board_quarters: tuple[Period, ...]
    dfe_years: tuple[Period, ...]  # whole financial years

    @property
    def latest(self) -> Period | None:
        if self.board_quarters:
            return self.board_quarters[-1]
        return Period(self.dfe_years[-1].start_year, 4) if self.dfe_years else None

    @property
    def basis(self) -> str:
        """``board``, ``dfe`` or ``none``: where :attr:`latest` comes from."""
        return "board" if self.board_quarters else ("dfe" if self.dfe_years else "none")

    def latest_reason(self) -> str:
        """Why :attr:`latest` is the latest: "the latest quarter of the board's data" etc."""
        if self.basis == "board":
            return "the latest quarter of the board's data"
        if self.basis == "dfe":
            return f"the latest in the DfE data for {self.area_name}"
        return f"there is no data for {self.area_name}"

    def statement(self, period: Period) -> str:
        """One plain sentence on how ``period`` relates to what the data holds for the area."""
        latest = self.latest
        if latest is None:
            return f"The data hold no figures for {self.area_name}."
        if period == latest:
            text = f"{period.label} is {self.latest_reason()}"
            later_dfe = self.dfe_years and self.basis == "board" and self.dfe_years[-1].end > latest.end
            if later_dfe:
                text += f"; DfE's figures for {self.area_name} run to {long_date(self.dfe_years[-1].end)}"
            return text + "."
        if period.end < latest.end:
            return f"A later period, {latest.label}, is in the data."
        if self.basis == "board":
            return (f"The board's data end at {latest.label}, before this period; "
                    "the figures for later dates are DfE's only.")
        return (f"The data for {self.area_name} end at {latest.label}, before this period: "
                "figures after that date are not in the data.")


def area_periods(ds: Dataset, area_code: str) -> AreaPeriods:
    """What ``ds`` holds for one area (see :class:`AreaPeriods`)."""
    return AreaPeriods(area_code, ds.area_name(area_code), tuple(ds.periods(area_code)),
                       tuple(ds.dfe_years(area_code)))


def available_periods(raw_dir: str | Path | None = None, area_code: str | None = None) -> list[Period]:
    """Quarters present in the local data (optionally for one area), oldest first."""
    return load(raw_dir).periods(area_code)


def latest_period(raw_dir: str | Path | None = None, area_code: str | None = None) -> Period:
    """The latest period the data supports: for an area, the latest quarter of its board data,
    else the year-end quarter of its latest DfE year (:class:`AreaPeriods`); without an area,
    the latest quarter of any board's data, else of DfE's latest year."""
    ds = load(raw_dir)
    if area_code is not None:
        latest = area_periods(ds, area_code).latest
        if latest is None:
            raise ValueError(f"the data hold no board quarters and no DfE years for area {area_code}")
        return latest
    periods = ds.periods()
    if periods:
        return periods[-1]
    years = ds.dfe_years()
    if not years:
        raise ValueError("no quarterly local data and no DfE year-end figures found under data/raw")
    return Period(years[-1].start_year, 4)
