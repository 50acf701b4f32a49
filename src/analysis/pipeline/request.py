"""What a run is asked for, checked before anything starts: period, areas, themes, folders.

:func:`check_request` reads only the options and the folders (no data, no kernel, none of the
heavy libraries), so a usage error such as ``--period banana`` or ``--area ../../etc`` is
answered at once; the command line calls it before it even imports the runner. Whether an
area code that has the right form is known needs the data: the runner checks that as soon as
the dataset is loaded (:func:`~analysis.pipeline.areas.resolve_areas`).
:func:`open_reports_dir` makes sure the reports folder can be written and removes what killed
runs left in it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .. import paths
from ..periods import Period, PeriodError, parse_period
from .areas import _codes_asked_for
from .options import (
    AREA_CODE_RE, DEFAULT_AREA, ENGINES, EXIT_FAILED, RunError, RunOptions, display_path, fork_engine_available,
)
from .pdf import pdf_problem
from .publish import make_staging, remove_dead_staging
from .themes import ThemeNotebook, discover_themes

@dataclass(frozen=True)
class Request:
    """A checked request: the period (``None``: the latest in the data), folders and themes."""

    period: Period | None
    raw_dir: Path
    notebooks_dir: Path
    reports_dir: Path
    themes: list[ThemeNotebook]


def check_area_codes(values: object) -> None:
    """Every ``--area`` value is ``all`` or has the form of a local authority code."""
    malformed = [code for code in _codes_asked_for(list(values or [DEFAULT_AREA]))  # type: ignore[call-overload]
                 if code.lower() != "all" and not AREA_CODE_RE.match(code)]
    if malformed:
        raise RunError(
            f"--area {', '.join(repr(code) for code in malformed)}: not a local authority code. Use a code such "
            "as E10000031 (Warwickshire: a capital letter and eight digits), several separated by spaces or "
            "commas, or 'all'"
        )


def _folder_problem(folder: Path, option: str, what: str) -> RunError | None:
    if folder.is_dir():
        return None
    state = "is a file, not a folder" if folder.exists() else "does not exist"
    return RunError(f"the {what} {display_path(folder)} {state} ({option})", EXIT_FAILED)


def _reports_dir_problem(reports_dir: Path) -> RunError | None:
    """Why the reports folder cannot be written, if that can be seen without writing to it."""
    shown = display_path(reports_dir)
    if reports_dir.exists() and not reports_dir.is_dir():
        return RunError(f"the reports folder {shown} is a file, not a folder (--reports-dir)", EXIT_FAILED)
    existing = reports_dir
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        return RunError(f"the reports folder {shown} cannot be made: {display_path(existing)} is a file "
                        "(--reports-dir)", EXIT_FAILED)
    if not os.access(existing, os.W_OK | os.X_OK):
        return RunError(f"cannot write to the reports folder {shown} (--reports-dir): {display_path(existing)} "
                        "is read-only", EXIT_FAILED)
    return None


def check_request(options: RunOptions) -> Request:
    """Check everything about the request that needs no data; :class:`RunError` (exit code 2 for
    wrong usage, 1 for a folder that cannot be used) naming the option and what to write."""
    if options.jobs < 1:
        raise RunError(f"--jobs {options.jobs}: use 1 or more")
    if options.engine not in ENGINES:
        raise RunError(f"--engine {options.engine}: use one of {', '.join(ENGINES)}")
    if options.engine == "fork" and not fork_engine_available():
        raise RunError("--engine fork needs os.fork and Linux; use --engine classic here")
    if options.cell_timeout <= 0:
        raise RunError(f"--cell-timeout {options.cell_timeout}: use a positive number of seconds")
    period = None
    if options.period:
        try:
            period = parse_period(options.period)
        except PeriodError as exc:
            raise RunError(f"--period: {exc}") from exc
    check_area_codes(options.areas)
    raw_dir = Path(options.raw_dir or paths.raw_dir()).resolve()
    notebooks_dir = Path(options.notebooks_dir or paths.notebooks_dir()).resolve()
    reports_dir = Path(options.reports_dir or paths.reports_dir()).resolve()
    problem = (_folder_problem(raw_dir, "--data-dir", "input folder")
               or _folder_problem(notebooks_dir, "--notebooks-dir", "notebooks folder")
               or _reports_dir_problem(reports_dir))
    if problem:
        raise problem
    if options.pdf and pdf_problem():
        raise RunError(pdf_problem(), EXIT_FAILED)
    themes = discover_themes(notebooks_dir, options.themes)
    return Request(period, raw_dir, notebooks_dir, reports_dir, themes)


def open_reports_dir(reports_dir: Path, run_id: str) -> None:
    """Create the reports folder and this run's staging folder (which records this process),
    then remove what killed runs left there; :class:`RunError` if the folder cannot be written
    (a read-only file system, a full disk...)."""
    problem = _reports_dir_problem(reports_dir)
    if problem:
        raise problem
    try:
        reports_dir.mkdir(parents=True, exist_ok=True)
        make_staging(reports_dir, run_id)
    except OSError as exc:
        raise RunError(f"cannot write to the reports folder {display_path(reports_dir)} (--reports-dir): "
                       f"{exc.strerror or type(exc).__name__}", EXIT_FAILED) from exc
    remove_dead_staging(reports_dir)
