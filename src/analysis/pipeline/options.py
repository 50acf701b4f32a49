"""What a run is asked to do and what it gives back: options, results, exit codes, defaults.

:class:`RunOptions` (the parameters of ``safeguarding run``), :class:`NotebookResult` (one
area and theme), :class:`RunResult` (the whole run), :class:`RunError` (the run cannot start),
the exit codes and the defaults the command line shows. Also the small clock and text helpers
every step of the run shares.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import socket
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_AREA = "E10000031"
DEFAULT_JOBS = 2
DEFAULT_CELL_TIMEOUT = 600  # seconds per cell
DEFAULT_START_TIMEOUT = 120  # seconds for a kernel to start (2 busy cores can be slow)
DEFAULT_KERNEL = "python3"
#: ``--engine``: kernels forked from a zygote (``fork``, Linux) or launched one by one (``classic``).
ENGINES = ("fork", "classic")


def fork_engine_available() -> bool:
    """Whether this platform can run the fork engine (``os.fork`` and Linux's ``/proc``)."""
    return hasattr(os, "fork") and sys.platform.startswith("linux")


DEFAULT_ENGINE = "fork" if fork_engine_available() else "classic"

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130

#: The form of a local authority code (a GSS code: a capital letter and eight digits, e.g.
#: E10000031); checked before anything starts, whether the code is known only once the data is loaded.
AREA_CODE_RE = re.compile(r"^[A-Z][0-9]{8}$")


class RunError(Exception):
    """The run cannot start; ``str()`` tells a person what to do. Carries the exit code."""

    def __init__(self, message: str, exit_code: int = EXIT_USAGE):
        super().__init__(message)
        self.exit_code = exit_code


@dataclass
class RunOptions:
    """What to run. Paths default to the repository layout (:mod:`analysis.paths`).

    ``period``: label such as ``"2017-18 Q4"`` / ``"2017-18-Q4"``; ``None`` = latest quarter in
    the local data. ``areas``: LA codes or ``["all"]``. ``themes``: ``None`` = all.
    ``cell_timeout``: seconds a single cell may run.
    """

    period: str | None = None
    areas: Sequence[str] = (DEFAULT_AREA,)
    themes: Sequence[str] | None = None
    disclosure: str = "public"
    jobs: int = DEFAULT_JOBS
    cell_timeout: int = DEFAULT_CELL_TIMEOUT
    start_timeout: int = DEFAULT_START_TIMEOUT
    kernel_name: str = DEFAULT_KERNEL
    raw_dir: Path | None = None
    notebooks_dir: Path | None = None
    reports_dir: Path | None = None
    progress: bool = True
    prewarm: bool = True  # start each worker's first kernel (and its imports) during validation
    engine: str = DEFAULT_ENGINE  # how kernels start: forked from a zygote, or launched (analysis.pipeline.zygote)
    pdf: bool = False  # also print each appendix to an A4 PDF with headless Chromium (analysis.pipeline.pdf)
    revalidate: bool = False  # validate data/raw even when the same files passed before (analysis.processed)


@dataclass
class NotebookResult:
    """Outcome of one (area, theme) notebook.

    ``status``: ``ok`` (appendix exported), ``failed`` (see ``error``; no appendix from this
    run), ``no_local_data`` (a local-scope theme for an area without local data: not run).
    Durations in seconds; times are ISO 8601 UTC.
    """

    theme: str
    area_code: str
    status: str
    notebook: str
    duration_s: float = 0.0
    started_at: str | None = None
    finished_at: str | None = None
    attempts: int = 0
    error: str = ""
    html: str | None = None
    executed: str | None = None
    failed_notebook: str | None = None
    html_sha256: str | None = None
    summary: dict[str, Any] | None = None
    stderr_outputs: int = 0
    execute_s: float | None = None  # papermill: kernel start, cells, kernel stop
    export_s: float | None = None  # checks and nbconvert export
    prewarmed: bool = False  # ran on a kernel started (and its imports done) during validation
    run_id: str | None = None  # the run that produced this entry
    carried_forward: bool = False  # not run this time: the entry and appendix of an earlier run
    pdf: str | None = None  # the print version (--pdf): <theme>.pdf
    pdf_pages: int | None = None

    def manifest_entry(self) -> dict[str, Any]:
        """This result as the manifest lists it: the summary's status only, durations to the ms."""
        entry = asdict(self)
        entry["summary_status"] = (self.summary or {}).get("status")
        entry.pop("summary")
        for key in ("duration_s", "execute_s", "export_s"):
            entry[key] = None if entry[key] is None else round(entry[key], 3)
        return entry


@dataclass
class RunResult:
    """Outcome of a run. ``report_dirs`` maps area code to ``reports/<area>/<period>``."""

    run_id: str
    exit_code: int
    period: str | None = None
    results: list[NotebookResult] = field(default_factory=list)
    report_dirs: dict[str, Path] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[NotebookResult]:
        return [outcome for outcome in self.results if outcome.status == "failed"]


# ----------------------------------------------------------------------------------------------
# Clock and text helpers shared by the steps of a run


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def iso_utc(moment: dt.datetime) -> str:
    """``2026-11-28T09:15:02+00:00``: the form of every time in the manifest."""
    return moment.astimezone(dt.timezone.utc).isoformat(timespec="seconds")


def first_line(text: str, limit: int = 100) -> str:
    """The first non-blank line of ``text``, cut to ``limit`` characters (with an ellipsis)."""
    for line in str(text).splitlines():
        if line.strip():
            line = line.strip()
            return line if len(line) <= limit else line[: limit - 1] + "…"
    return ""


def display_path(path: Path) -> str:
    """A path for a person at the terminal: relative to the working directory when possible."""
    try:
        relative = os.path.relpath(path)
    except ValueError:  # pragma: no cover - other drive on Windows
        return str(path)
    return str(path) if relative.startswith("..") else relative


# ----------------------------------------------------------------------------------------------
# Which process owns a folder: a run's staging folder and its kernels' socket folder carry a
# record of the process that made them, so a later run can remove what a killed run left.

OWNER_FILE = "owner.json"
#: A folder without an owner record (made by an older version, or killed before writing it)
#: counts as left behind once it is this old.
UNRECORDED_MAX_AGE_S = 86400


def _proc_stat(pid: int) -> list[str]:
    """The fields of /proc/<pid>/stat after the command name (state first); empty if unknown."""
    try:
        return Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace").rpartition(")")[2].split()
    except OSError:
        return []


def _process_start(pid: int) -> str | None:
    """When process ``pid`` started (clock ticks since boot, from /proc), so a reused pid is
    not taken for the process that wrote a record; ``None`` where /proc is not available."""
    fields = _proc_stat(pid)
    return fields[19] if len(fields) > 19 else None


def write_owner(folder: Path) -> None:
    """Record this process (pid, start time, host) as the owner of ``folder``."""
    record = {"pid": os.getpid(), "started": _process_start(os.getpid()), "host": socket.gethostname()}
    (folder / OWNER_FILE).write_text(json.dumps(record), encoding="utf-8")


def process_is_running(pid: int, started: str | None = None) -> bool:
    """Whether process ``pid`` runs (and, when ``started`` is given and known, is the one that
    started then rather than a later process given the same pid)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: it exists
        pass
    fields = _proc_stat(pid)
    if fields and fields[0] in ("Z", "X"):  # ended, not yet reaped by its parent
        return False
    if started is not None:
        now = _process_start(pid)
        if now is not None and now != started:
            return False
    return True


def owner_is_gone(folder: Path, *, max_age_unrecorded: float = UNRECORDED_MAX_AGE_S) -> bool:
    """Whether the process that made ``folder`` has ended (so what it left can be removed).

    A folder recorded by another host is never taken as left behind (its process cannot be
    checked from here); one without a record is once it is ``max_age_unrecorded`` seconds old.
    """
    try:
        record = json.loads((folder / OWNER_FILE).read_text(encoding="utf-8"))
        pid = int(record["pid"])
    except FileNotFoundError:
        try:
            return time.time() - folder.stat().st_mtime > max_age_unrecorded
        except OSError:
            return False
    except (OSError, ValueError, KeyError, TypeError):
        return False  # unreadable: leave it alone
    if record.get("host") not in (None, socket.gethostname()):
        return False
    return not process_is_running(pid, record.get("started"))


def describe_os_error(exc: OSError) -> str:
    """``cannot write to reports/x: Read-only file system`` style text for an environment problem."""
    reason = exc.strerror or type(exc).__name__
    target = exc.filename
    if target is None:
        return first_line(str(exc), 200) or reason
    return f"{display_path(Path(str(target)))}: {reason}"
