"""The quarterly run: validate the data, execute every theme notebook, export the appendices.

``safeguarding run`` (see :func:`add_run_arguments`) or :func:`run` from Python::

    safeguarding run --period 2017-18-Q4 --area E10000031 --disclosure public --jobs 2

1. **Validate first.** :func:`analysis.ingest.dataset.validate_raw` checks every input file; if anything is
   wrong every problem is printed and nothing is executed or written (exit code 1).
2. **Execute** each (area, theme) notebook with papermill's Python API, up to ``--jobs`` at
   once in threads. Each kernel talks to the runner over the IPC transport (Unix sockets in a
   private folder) instead of TCP ports, so parallel kernels cannot race for a port (papermill
   issue #511); a kernel that fails to *start* is retried. Every cell has a timeout; no
   per-cell saving; no ``cwd`` (a process-wide ``chdir`` is not thread-safe): the notebooks get
   absolute paths as parameters. While this process validates the data (one core busy), each
   worker starts its first kernel and imports the modules the notebooks' import statements
   name, silently; no notebook cell runs before validation has passed (``--no-prewarm``
   turns this off).
3. **Export** each cleanly executed notebook to a self-contained HTML appendix
   (:mod:`analysis.pipeline.export`): no code, prompts, traceback, network request or local path, and in
   ``public`` mode no count from 1 to 5 in a table.
4. **Promote safely.** Everything is built under ``reports/.staging/<run id>/`` and moved into
   ``reports/<area>/<period>/`` file by file (atomic renames) only when the run has finished,
   under a per-area-and-period lock (two runs finishing together leave one run's set, not a mix).
   A failed theme keeps its previous good appendix untouched and leaves its executed notebook
   as ``<theme>.failed.ipynb`` for debugging; an interrupted run promotes nothing.
5. **Index and manifest** per area and period: ``index.html`` (links, key findings,
   data-quality findings, run summary) and ``manifest.json`` (parameters, every input file's
   SHA-256, package versions, start and end times, each notebook's status and duration; a copy
   is kept under ``manifests/<run id>.json``).

Themes are ``notebooks/<theme>.ipynb``. A notebook's metadata may declare its scope,
``{"safeguarding": {"scope": "local"}}`` or ``"national"``:

* ``national`` (the default): the theme runs for any local authority; where the area has no
  local (board) tables the notebook itself says so (the themes' ``build`` handles it);
* ``local``: the theme is made of the board's own tables only; it is not executed for an area
  without local data, and that area's index page says so instead. Declaring it saves one
  kernel per authority in a 150-authority run.

Exit codes (as ``safeguarding``): 0 every notebook exported; 1 invalid input data or a failed
notebook; 2 wrong usage (unknown theme, area or period); 130 interrupted.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import functools
import hashlib
import json
import os
import platform
import shutil
import signal
import sys
import tempfile
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import asdict, dataclass, field
from importlib import import_module
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any, TextIO

from .. import paths, processed, quality
from ..ingest import dataset as ingest
from ..periods import PeriodError, parse_period
from .export import (
    DISCLOSURE_MODES,
    AppendixContext,
    ExportError,
    IndexPage,
    IndexRun,
    IndexTheme,
    execution_errors,
    export_appendix,
    local_roots,
    redact_paths,
    render_index,
    run_date_text,
)
from ..report.summary import SummaryError, read_summary
from ..stats.disclosure import is_small_count

#: Themes in the order the index lists them; other notebooks found are listed after these.
THEMES = ("cp_trends", "representation", "cdop", "training")
DEFAULT_AREA = "E10000031"
DEFAULT_JOBS = 2
DEFAULT_CELL_TIMEOUT = 600  # seconds per cell
DEFAULT_START_TIMEOUT = 120  # seconds for a kernel to start (2 busy cores can be slow)
DEFAULT_KERNEL = "python3"
KERNEL_START_ATTEMPTS = 3

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130

SCOPES = ("local", "national")
ENGINE_NAME = "safeguarding"
STAGING_DIR = ".staging"
LOCKS_DIR = ".locks"  # reports/.locks/<area>__<period>.lock: see _area_lock
MANIFEST_SCHEMA_VERSION = 1

#: Distributions whose versions go into the manifest.
PACKAGES = (
    "safeguarding-analysis", "papermill", "nbconvert", "nbclient", "nbformat", "jupyter_client",
    "ipykernel", "ipython", "pyzmq", "pandas", "numpy", "scipy", "matplotlib", "seaborn", "pandera",
    "pyarrow", "jinja2",
)


class RunError(Exception):
    """The run cannot start; ``str()`` tells a person what to do. Carries the exit code."""

    def __init__(self, message: str, exit_code: int = EXIT_USAGE):
        super().__init__(message)
        self.exit_code = exit_code


# ==============================================================================================
# Themes and areas


@dataclass(frozen=True)
class ThemeNotebook:
    """One theme notebook: ``notebooks/<name>.ipynb``; ``scope`` is ``national`` or ``local``."""

    name: str
    path: Path
    scope: str = "national"

    @classmethod
    def from_path(cls, path: Path) -> "ThemeNotebook":
        try:
            nb = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise RunError(f"{path.name}: cannot read the notebook ({exc}); fix or remove it") from exc
        meta = (nb.get("metadata") or {}).get("safeguarding") or {}
        scope = meta.get("scope", "national")
        if scope not in SCOPES:
            raise RunError(
                f"{path.name}: metadata safeguarding.scope is {scope!r}; use 'national' (runs for any "
                "local authority) or 'local' (made of the board's own tables only)"
            )
        return cls(path.stem, path.resolve(), scope)


def discover_themes(notebooks_dir: Path, names: Sequence[str] | None = None) -> list[ThemeNotebook]:
    """The theme notebooks to run: ``names`` (in that order) or every ``*.ipynb`` in the folder.

    Files starting with ``_`` or ``.`` are not themes. Raises :class:`RunError` naming an unknown
    theme and listing the available ones.
    """
    found = {
        p.stem: p
        for p in sorted(Path(notebooks_dir).glob("*.ipynb"))
        if not p.name.startswith(("_", ".")) and not p.stem.endswith(".failed")
    }
    if names:
        wanted = []
        for n in names:
            for part in str(n).split(","):
                if part.strip() and part.strip() not in wanted:
                    wanted.append(part.strip())
        if wanted == ["all"]:
            wanted = []
        unknown = [n for n in wanted if n not in found]
        if unknown:
            raise RunError(
                f"unknown theme(s): {', '.join(unknown)}. Themes in {Path(notebooks_dir).name}/: "
                f"{', '.join(sorted(found)) or 'none'}"
            )
        if wanted:
            return [ThemeNotebook.from_path(found[n]) for n in wanted]
    if not found:
        raise RunError(f"no theme notebooks (*.ipynb) in {notebooks_dir}; nothing to run")
    order = [t for t in THEMES if t in found] + sorted(n for n in found if n not in THEMES)
    return [ThemeNotebook.from_path(found[n]) for n in order]


@dataclass(frozen=True)
class Area:
    """A local authority to run for."""

    code: str
    name: str
    has_local_data: bool




def resolve_areas(codes: Sequence[str], dataset: Any, period: Any) -> list[Area]:
    """Turn ``--area`` values into :class:`Area` objects.

    ``codes`` may hold several codes, comma-separated lists, or ``all`` (every local authority
    with DfE data for the period's financial year, or every LA in the DfE files if none).
    ``dataset`` is an :class:`analysis.ingest.dataset.Dataset` (``local_authorities()``,
    ``area_name()``, ``has_local_data()``).
    """
    wanted: list[str] = []
    for c in codes or [DEFAULT_AREA]:
        for part in str(c).split(","):
            part = part.strip()
            if part and part not in wanted:
                wanted.append(part)
    las = dataset.local_authorities()
    known = dict(zip(las["new_la_code"].astype(str), las["la_name"].astype(str)))
    if any(w.lower() == "all" for w in wanted):
        in_period = _las_with_data(dataset, period)
        wanted = [c for c in known if not in_period or c in in_period]
    unknown = [w for w in wanted if w not in known and not dataset.has_local_data(w)]
    if unknown:
        raise RunError(
            f"unknown area code(s): {', '.join(unknown)}. Use a local authority's new_la_code as in "
            "DfE's files (e.g. E10000031 for Warwickshire), several separated by spaces or commas, or 'all'"
        )
    return [Area(c, known.get(c) or dataset.area_name(c), bool(dataset.has_local_data(c))) for c in wanted]


def _las_with_data(dataset: Any, period: Any) -> set[str]:
    """LA codes with DfE observations in the period's financial year (empty set if unknown)."""
    obs = getattr(dataset, "observations", None)
    if obs is None or not {"geographic_level", "new_la_code", "time_period"} <= set(obs.columns):
        return set()
    sel = obs[(obs["geographic_level"] == "Local authority") & (obs["time_period"].astype(str) == str(period.time_period))]
    return set(sel["new_la_code"].astype(str))


# ==============================================================================================
# Options and results


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

    def manifest_entry(self) -> dict[str, Any]:
        d = asdict(self)
        d["summary_status"] = (self.summary or {}).get("status")
        d.pop("summary")
        for k in ("duration_s", "execute_s", "export_s"):
            d[k] = None if d[k] is None else round(d[k], 3)
        return d


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
        return [r for r in self.results if r.status == "failed"]


# ==============================================================================================
# Kernels: IPC transport, private socket folder, deterministic environment


_ACTIVE_KERNELS: set[Any] = set()
_ACTIVE_LOCK = threading.Lock()


def _kernel_manager_class(socket_root: Path, env: dict[str, str]) -> type:
    """An ``AsyncKernelManager`` subclass whose kernels use IPC sockets under ``socket_root``.

    Each kernel gets its own sub-folder (socket and connection file), so kernels started at
    the same moment cannot pick the same address; its stdout/stderr go to ``kernel.log`` there.
    """
    from jupyter_client.manager import AsyncKernelManager

    class IPCKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            folder = Path(tempfile.mkdtemp(prefix="k", dir=socket_root))
            self.connection_file = str(folder / "connection.json")
            if os.name != "nt":  # zmq has no IPC transport on Windows: TCP there (start is retried)
                self.transport = "ipc"
                self.ip = str(folder / "s")
            self.sg_log = folder / "kernel.log"

        async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
            kw["env"] = {**(kw.get("env") or os.environ), **env}
            with open(self.sg_log, "ab") as log:
                kw["stdout"] = log
                kw["stderr"] = log
                await super()._async_launch_kernel(kernel_cmd, **kw)
            with _ACTIVE_LOCK:
                _ACTIVE_KERNELS.add(self)

        async def _async_cleanup_resources(self, restart: bool = False) -> None:
            with _ACTIVE_LOCK:
                _ACTIVE_KERNELS.discard(self)
            await super()._async_cleanup_resources(restart=restart)

        cleanup_resources = _async_cleanup_resources

    return IPCKernelManager


def _kill_active_kernels() -> None:
    """Kill every kernel process still running (on interrupt); their threads then finish fast."""
    with _ACTIVE_LOCK:
        kms = list(_ACTIVE_KERNELS)
    for km in kms:
        proc = getattr(getattr(km, "provisioner", None), "process", None)
        with contextlib.suppress(Exception):
            if proc is not None:
                proc.kill()


def prewarm_modules(themes: Iterable[ThemeNotebook]) -> list[str]:
    """Modules the theme notebooks import (``import x`` / ``from x import y``), sorted.

    Only names written in import statements are taken; nothing else in a notebook is run
    ahead of time.
    """
    import ast

    modules: set[str] = set()
    for t in themes:
        try:
            nb = json.loads(t.path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
        for cell in nb.get("cells", []):
            if cell.get("cell_type") != "code":
                continue
            source = "".join(cell.get("source", "")) if isinstance(cell.get("source"), list) else cell.get("source", "")
            try:
                tree = ast.parse(source)
            except SyntaxError:  # e.g. IPython magics: that cell's imports are simply not warmed
                continue
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    modules.update(a.name for a in node.names)
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    modules.add(node.module)
                    modules.update(f"{node.module}.{a.name}" for a in node.names if a.name != "*")
    return sorted(modules)


_PREWARM_CODE = """\
import importlib as __sg_importlib
__sg_module = None
for __sg_module in {modules!r}:
    try:
        __sg_importlib.import_module(__sg_module)
    except Exception:
        pass
del __sg_importlib, __sg_module
"""


def _start_warm_kernel(km_class: type, kernel_name: str, modules: Sequence[str], timeout: int) -> Any:
    """Start a kernel and import ``modules`` in it, silently (no execution count, no history).

    Runs in the worker thread that will use the kernel (a kernel manager stays on the thread
    and event loop that started it).
    """
    from jupyter_core.utils import run_sync

    km = km_class(kernel_name=kernel_name)
    # what nbclient passes when it starts a kernel itself
    run_sync(km.start_kernel)(extra_arguments=["--HistoryManager.hist_file=:memory:"])

    async def warm() -> None:
        kc = km.client()
        kc.start_channels()
        try:
            await kc.wait_for_ready(timeout=timeout)
            if modules:
                await kc.execute_interactive(_PREWARM_CODE.format(modules=list(modules)), silent=True,
                                             store_history=False, allow_stdin=False, timeout=timeout,
                                             output_hook=lambda msg: None)
        finally:
            kc.stop_channels()

    try:
        run_sync(warm)()
    except BaseException:
        _shutdown_kernel(km)
        raise
    return km


def _shutdown_kernel(km: Any) -> None:
    from jupyter_core.utils import run_sync

    with contextlib.suppress(Exception):
        run_sync(km.shutdown_kernel)(now=True)


class _Workers:
    """``n`` worker threads that each start a warm kernel at once, then run submitted jobs.

    The runner's own start (imports, validation, data-quality checks, hashing) keeps one core
    busy for several seconds; the workers use that time to start their first kernel and
    import what the notebooks import. Each worker's first job runs on its warm kernel, later
    jobs on fresh ones. If the run stops before a warm kernel is used, it is shut down.
    """

    def __init__(self, n: int, warm: Callable[[], Any] | None):
        import queue

        self._queue: "queue.Queue[tuple[Callable[[Any], Any], Future[Any]] | None]" = queue.Queue()
        self._warm = warm
        self._threads = [
            threading.Thread(target=self._loop, name=f"sg-notebook-{i + 1}", daemon=True) for i in range(n)
        ]
        for t in self._threads:
            t.start()

    def _loop(self) -> None:
        km = None
        if self._warm is not None:
            try:
                km = self._warm()
            except Exception:  # noqa: BLE001 - the job then starts its own kernel
                km = None
        try:
            while True:
                item = self._queue.get()
                if item is None:
                    return
                fn, future = item
                if not future.set_running_or_notify_cancel():
                    continue
                try:
                    future.set_result(fn(km))
                except BaseException as exc:  # noqa: BLE001 - handed to the caller
                    future.set_exception(exc)
                finally:
                    if km is not None and km.has_kernel:  # not handed over (the job failed early)
                        _shutdown_kernel(km)
                    km = None  # a warm kernel serves one notebook
        finally:
            if km is not None:
                _shutdown_kernel(km)

    def submit(self, fn: Callable[[Any], Any]) -> "Future[Any]":
        future: Future[Any] = Future()
        self._queue.put((fn, future))
        return future

    def close(self, wait: bool = True) -> None:
        for _ in self._threads:
            self._queue.put(None)
        if wait:
            for t in self._threads:
                t.join()


class KernelStartError(RuntimeError):
    """The kernel failed before any cell ran (worth retrying with a fresh kernel)."""


def _register_engine() -> None:
    """Register papermill engine ``safeguarding``: nbclient, plus failures kept in the notebook.

    papermill saves a failed notebook only for an ordinary cell error. A cell timeout or a dead
    kernel escapes as an exception and the partly executed notebook would be lost; here they
    become an error output on the cell that was running, so papermill writes the notebook and
    raises :class:`papermill.exceptions.PapermillExecutionError` like any cell error.
    """
    import nbformat
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines
    from papermill.log import logger
    from papermill.utils import merge_kwargs, remove_args

    if ENGINE_NAME in papermill_engines._engines:
        return

    class SafeguardingEngine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None,  # type: ignore[override]
                                     stderr_file=None, start_timeout=60, execution_timeout=None, **kwargs):
            # As NBClientEngine, except that the client always cleans up its kernel: also a
            # kernel started in advance and passed as ``km`` (see _Workers).
            kwargs = remove_args(["input_path"], **kwargs)
            safe_kwargs = remove_args(["timeout", "startup_timeout"], **kwargs)
            final_kwargs = merge_kwargs(
                safe_kwargs,
                timeout=execution_timeout if execution_timeout else kwargs.get("timeout"),
                startup_timeout=start_timeout,
                kernel_name=kernel_name,
                log=logger,
                log_output=log_output,
                stdout_file=stdout_file,
                stderr_file=stderr_file,
            )
            try:
                return PapermillNotebookClient(nb_man, **final_kwargs).execute(cleanup_kc=True)
            except Exception as exc:  # noqa: BLE001 - classified below
                started = [
                    i for i, c in enumerate(nb_man.nb.cells)
                    if c.get("metadata", {}).get("papermill", {}).get("start_time")
                ]
                if not started:
                    raise KernelStartError(f"{type(exc).__name__}: {exc}".strip()) from exc
                index = started[-1]
                cell = nb_man.nb.cells[index]
                name = type(exc).__name__
                if name == "CellTimeoutError":
                    evalue = f"the cell did not finish within {execution_timeout} seconds (--cell-timeout)"
                elif name == "DeadKernelError":
                    evalue = "the kernel died while running this cell (out of memory, or a crash in a library)"
                else:
                    evalue = str(exc).splitlines()[0] if str(exc) else name
                cell.outputs.append(nbformat.v4.new_output("error", ename=name, evalue=evalue, traceback=[]))
                nb_man.cell_exception(cell, cell_index=index)
                return None

    papermill_engines.register(ENGINE_NAME, SafeguardingEngine)


# ==============================================================================================
# Progress


class Progress:
    """Line-by-line progress on stderr: what started, what finished, what is still running."""

    def __init__(self, total: int, stream: TextIO | None = None, enabled: bool = True):
        self.total = total
        self.done = 0
        self.running: list[str] = []
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self._lock = threading.Lock()

    def _emit(self, line: str) -> None:
        if self.enabled:
            print(line, file=self.stream, flush=True)

    def start(self, label: str) -> None:
        with self._lock:
            self.running.append(label)
            self._emit(f"[{self.done}/{self.total}] running {label}  (now running: {', '.join(self.running)})")

    def finish(self, label: str, status: str, seconds: float) -> None:
        with self._lock:
            if label in self.running:
                self.running.remove(label)
            self.done += 1
            mark = {"ok": "done", "failed": "FAILED"}.get(status, status)
            still = f"  (still running: {', '.join(self.running)})" if self.running else ""
            self._emit(f"[{self.done}/{self.total}] {mark} {label} in {seconds:.1f}s{still}")

    def note(self, line: str) -> None:
        with self._lock:
            self._emit(line)


# ==============================================================================================
# Helpers


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _iso(t: dt.datetime) -> str:
    return t.astimezone(dt.timezone.utc).isoformat(timespec="seconds")


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def input_files(raw_dir: Path, notebooks: Iterable[ThemeNotebook]) -> list[dict[str, Any]]:
    """Every input file with its SHA-256 and size (bytes): all of ``raw_dir`` and the notebooks.

    Paths are relative (:func:`relative_name`), never absolute.
    """
    out = []
    for p in sorted(q for q in raw_dir.rglob("*") if q.is_file() and "__pycache__" not in q.parts):
        out.append({"path": relative_name(p), "sha256": sha256_file(p), "bytes": p.stat().st_size})
    for t in notebooks:
        out.append({"path": relative_name(t.path), "sha256": sha256_file(t.path), "bytes": t.path.stat().st_size})
    return out


def relative_name(path: Path) -> str:
    """``data/raw/dfe/x.csv`` for a file in the repository, else ``<folder>/<file>``: never absolute."""
    path = Path(path).resolve()
    try:
        return path.relative_to(paths.REPO_ROOT).as_posix()
    except ValueError:
        return f"{path.parent.name}/{path.name}"


def package_versions() -> dict[str, str | None]:
    versions: dict[str, str | None] = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = importlib_metadata.version(name)
        except importlib_metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def _display_path(path: Path) -> str:
    """A path for a person at the terminal: relative to the working directory when possible."""
    try:
        rel = os.path.relpath(path)
    except ValueError:  # pragma: no cover - other drive on Windows
        return str(path)
    return str(path) if rel.startswith("..") else rel


def _first_line(text: str, limit: int = 100) -> str:
    for line in str(text).splitlines():
        if line.strip():
            line = line.strip()
            return line if len(line) <= limit else line[: limit - 1] + "…"
    return ""


def _describe_cell_error(nb: Any, cell_index: int, ename: str, evalue: str) -> str:
    """``cell 7 ("ds = load(data_dir)")`` with the error, numbering cells as in the source notebook."""
    cells = nb.cells if nb is not None else []
    source_no = cell_index + 1
    source = ""
    if 0 <= cell_index < len(cells):
        source_no = sum(
            1 for c in cells[: cell_index + 1]
            if "injected-parameters" not in c.get("metadata", {}).get("tags", [])
            and "papermill-error-cell-tag" not in c.get("metadata", {}).get("tags", [])
        )
        source = _first_line(cells[cell_index].get("source", ""), 60)
    where = f'cell {source_no} ("{source}")' if source else f"cell {source_no}"
    value = _first_line(evalue, 200)
    return f"{where} raised {ename}: {value}" if value else f"{where} raised {ename}"


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _small_key_figures(summary: dict[str, Any]) -> list[str]:
    """Key figures declared as counts (``{"value": v, "unit": "count"}``) that are small counts.

    A figure without a unit cannot be told from a percentage or a rate, so only declared
    counts are checked; the published HTML is checked cell by cell anyway.
    """
    hits = []
    for label, value in (summary.get("key_figures") or {}).items():
        if not isinstance(value, dict) or value.get("unit") != "count":
            continue
        value = value.get("value")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            continue
        if float(value).is_integer() and is_small_count(value):
            hits.append(f"key figure {label!r} = {value:g}")
    return hits


# ==============================================================================================
# One notebook


@dataclass(frozen=True)
class _Job:
    theme: ThemeNotebook
    area: Area
    staging: Path  # the area's staging folder
    final: Path  # reports/<area>/<period>

    @property
    def label(self) -> str:
        return f"{self.theme.name} [{self.area.code}]"


class _Runner:
    """Shared, read-only state of one run; :meth:`execute` is called from worker threads."""

    def __init__(self, *, options: RunOptions, period: Any, raw_dir: Path, run_date: dt.datetime,
                 km_class: type, roots: list[str], data_dir_param: str, path_names: dict[str, str]):
        self.path_names = path_names
        self.options = options
        self.period = period
        self.raw_dir = raw_dir
        self.run_date = run_date
        self.km_class = km_class
        self.roots = roots
        self.data_dir_param = data_dir_param
        self.cancelled = threading.Event()

    def parameters(self, area: Area) -> dict[str, Any]:
        return {
            "area_code": area.code,
            "area_name": area.name,
            "period": self.period.label,
            "data_dir": self.data_dir_param,
            "disclosure": self.options.disclosure,
        }

    def execute(self, job: _Job, km: Any = None) -> NotebookResult:
        """Execute and export one notebook; ``km`` is an optional kernel started in advance."""
        import papermill
        from papermill.exceptions import PapermillExecutionError

        result = NotebookResult(
            theme=job.theme.name, area_code=job.area.code, status="failed",
            notebook=relative_name(job.theme.path),
        )
        started = _utc_now()
        t0 = time.perf_counter()
        result.started_at = _iso(started)
        executed = job.staging / f"{job.theme.name}.ipynb"
        failed = job.staging / f"{job.theme.name}.failed.ipynb"
        nb = None
        try:
            for attempt in range(1, KERNEL_START_ATTEMPTS + 1):
                result.attempts = attempt
                if self.cancelled.is_set():
                    raise KeyboardInterrupt
                warm = {"km": km} if km is not None and attempt == 1 else {}
                try:
                    nb = papermill.execute_notebook(
                        str(job.theme.path),
                        str(executed),
                        parameters=self.parameters(job.area),
                        engine_name=ENGINE_NAME,
                        kernel_name=self.options.kernel_name,
                        request_save_on_cell_execute=False,
                        progress_bar=False,
                        log_output=False,
                        start_timeout=self.options.start_timeout,
                        execution_timeout=self.options.cell_timeout,
                        kernel_manager_class=self.km_class,
                        shutdown_kernel="immediate",  # outputs are in; a graceful stop costs ~1 s
                        **warm,
                    )
                    result.execute_s = time.perf_counter() - t0
                    result.prewarmed = bool(warm)
                    break
                except KernelStartError as exc:
                    if attempt == KERNEL_START_ATTEMPTS or self.cancelled.is_set():
                        result.error = f"the kernel did not start after {attempt} attempts ({_first_line(str(exc), 160)})"
                        return result
            self._relativise(nb, job, executed)
            problems = execution_errors(nb)
            if problems:  # e.g. a cell tagged raises-exception: still not fit to publish
                raise ExportError("the notebook holds error output", problems)
            summary = read_summary(nb)
            result.summary = summary
            if summary is not None and self.options.disclosure == "public":
                small = _small_key_figures(summary)
                if small:
                    raise ExportError("disclosure", [f"{s}: counts from 1 to 5 must be published as 'c' in public mode" for s in small])
            result.stderr_outputs = sum(
                1 for c in nb.cells for o in c.get("outputs", [])
                if o.get("output_type") == "stream" and o.get("name") == "stderr"
            )
            context = AppendixContext(
                theme=job.theme.name, area_code=job.area.code, area_name=job.area.name,
                period=self.period.label, run_date=self.run_date, disclosure=self.options.disclosure,
                title=(summary or {}).get("title"),
            )
            t_export = time.perf_counter()
            html = export_appendix(nb, context, roots=self.roots)
            result.export_s = time.perf_counter() - t_export
            html_path = job.staging / f"{job.theme.name}.html"
            html_path.write_text(html, encoding="utf-8")
            result.status = "ok"
            result.html = html_path.name
            result.executed = executed.name
            result.html_sha256 = hashlib.sha256(html.encode("utf-8")).hexdigest()
        except PapermillExecutionError as exc:
            nb_failed = _read_nb(executed)
            if nb_failed is not None:  # papermill added two banner cells; index is without them
                nb_failed.cells = [
                    c for c in nb_failed.cells
                    if "papermill-error-cell-tag" not in c.get("metadata", {}).get("tags", [])
                ]
            result.error = _describe_cell_error(nb_failed, exc.cell_index, exc.ename, exc.evalue)
        except (ExportError, SummaryError) as exc:
            result.error = str(exc) if isinstance(exc, SummaryError) else "; ".join(exc.problems[:3]) + (
                f" (and {len(exc.problems) - 3} more)" if len(exc.problems) > 3 else "")
            if isinstance(exc, ExportError) and exc.what == "disclosure":
                result.error = "disclosure: " + result.error
        except KeyboardInterrupt:
            result.error = "interrupted"
            raise
        except Exception as exc:  # noqa: BLE001 - any other failure is reported, not fatal to the run
            result.error = f"{type(exc).__name__}: {_first_line(str(exc), 200)}"
            tb = traceback.format_exc()
            (job.staging / f"{job.theme.name}.runner-error.txt").write_text(tb, encoding="utf-8")
        finally:
            # the error goes on the index page and in the manifest: no local path of the machine
            result.error = redact_paths(result.error, self.path_names)
            result.duration_s = time.perf_counter() - t0
            result.finished_at = _iso(_utc_now())
            if result.status != "ok" and executed.exists():
                os.replace(executed, failed)
                result.failed_notebook = failed.name
            if km is not None and km.has_kernel:  # papermill failed before handing it to nbclient
                _shutdown_kernel(km)
        return result

    def _relativise(self, nb: Any, job: _Job, executed: Path) -> None:
        """Replace papermill's absolute input/output paths in the kept notebook by relative ones."""
        pm = nb.metadata.get("papermill", {})
        pm["input_path"] = relative_name(job.theme.path)
        pm["output_path"] = executed.name
        import nbformat

        nbformat.write(nb, str(executed))


def _read_nb(path: Path) -> Any:
    import nbformat

    try:
        return nbformat.read(str(path), as_version=4)
    except Exception:  # noqa: BLE001 - only used to describe a failure
        return None


# ==============================================================================================
# The run


def run(options: RunOptions, *, stream: TextIO | None = None) -> RunResult:
    """Validate, execute, export, promote; see the module docstring. Never raises for a
    failing notebook (see :attr:`RunResult.exit_code`); raises :class:`RunError` when the run
    cannot start and ``KeyboardInterrupt`` when interrupted (nothing promoted)."""
    out = stream or sys.stderr
    run_id = f"{dt.datetime.now():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
    started = _utc_now()
    run_date = dt.datetime.now().astimezone()

    if options.disclosure not in DISCLOSURE_MODES:
        raise RunError(f"--disclosure {options.disclosure!r}: use one of {', '.join(DISCLOSURE_MODES)}")
    if options.jobs < 1:
        raise RunError(f"--jobs {options.jobs}: use 1 or more")
    if options.cell_timeout <= 0:
        raise RunError(f"--cell-timeout {options.cell_timeout}: use a positive number of seconds")
    raw_dir = Path(options.raw_dir or paths.raw_dir()).resolve()
    notebooks_dir = Path(options.notebooks_dir or paths.notebooks_dir()).resolve()
    reports_dir = Path(options.reports_dir or paths.reports_dir()).resolve()
    if not raw_dir.is_dir():
        raise RunError(f"input folder {raw_dir} does not exist (--data-dir)", EXIT_FAILED)
    themes = discover_themes(notebooks_dir, options.themes)

    # Kernels: IPC sockets in a private folder; the workers start their first kernel now,
    # while this thread validates (no notebook cell runs before validation has passed).
    socket_root = Path(tempfile.mkdtemp(prefix="sg-kernels-"))
    env = {
        "PYTHONHASHSEED": "0",  # set and dict-of-set orders repeat from run to run
        "SOURCE_DATE_EPOCH": "315532800",  # fixed dates in any SVG/PDF matplotlib writes
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    }
    km_class = _kernel_manager_class(socket_root, env)
    _register_engine()
    warm = None
    if options.prewarm:
        warm = functools.partial(_start_warm_kernel, km_class, options.kernel_name, prewarm_modules(themes),
                                 options.start_timeout)
    workers = _Workers(options.jobs, warm)
    try:
        return _run(options, out=out, run_id=run_id, started=started, run_date=run_date, raw_dir=raw_dir,
                    notebooks_dir=notebooks_dir, reports_dir=reports_dir, themes=themes, km_class=km_class,
                    socket_root=socket_root, workers=workers)
    except BaseException:
        _kill_active_kernels()
        raise
    finally:
        workers.close(wait=True)
        shutil.rmtree(socket_root, ignore_errors=True)


def _store_processed(raw_dir: Path, out: TextIO) -> None:
    """Write the validated dataset (and its findings) to data/processed, so each notebook's kernel
    loads it in a fraction of a second instead of validating data/raw again. Optional: when it
    cannot be written the notebooks load and validate data/raw themselves."""
    try:
        processed.store_validated(raw_dir)
    except Exception as exc:  # noqa: BLE001 - a speed-up only; the run goes on without it
        print(f"note: data/processed was not refreshed ({type(exc).__name__}: {_first_line(str(exc), 160)}); "
              "each notebook will validate data/raw itself.", file=out)


def _run(options: RunOptions, *, out: TextIO, run_id: str, started: dt.datetime, run_date: dt.datetime,
         raw_dir: Path, notebooks_dir: Path, reports_dir: Path, themes: list[ThemeNotebook], km_class: type,
         socket_root: Path, workers: _Workers) -> RunResult:
    """The run after its set-up (see :func:`run`)."""
    # 1. validate, before anything is executed
    report = ingest.validate_raw(raw_dir)
    if not report.ok:
        print(str(report), file=out)
        print("Nothing was executed and nothing in reports/ was changed.", file=out)
        return RunResult(run_id, EXIT_FAILED, messages=[str(report)])

    # 2. parameters
    try:
        period = parse_period(options.period) if options.period else processed.latest_period(raw_dir)
    except (PeriodError, ValueError) as exc:
        raise RunError(str(exc)) from exc
    dataset = processed.load(raw_dir)
    _store_processed(raw_dir, out)
    areas = resolve_areas(list(options.areas or [DEFAULT_AREA]), dataset, period)
    for area in areas:
        held = dataset.periods(area.code) if area.has_local_data and hasattr(dataset, "periods") else []
        if held and period not in held:
            print(f"WARNING {area.code}: the local data has no figures for {period.label} (it holds "
                  f"{held[0].label} to {held[-1].label}); the appendices will say what is missing.", file=out)

    # 3. data-quality findings (for the index page) and inputs (for the manifest)
    dq_rows: list[dict[str, Any]] | None = None
    quality_note = ""
    try:
        findings = quality.run_checks(dataset)
        if "period_end" in findings.columns:  # leave out findings about figures after the period
            dated = findings["period_end"].fillna("").astype(str)
            findings = findings[(dated == "") | (dated <= period.end.isoformat())]
        dq_rows = [
            {k: findings[k].iloc[i] if k in findings.columns else "" for k in ("code", "severity", "title", "message", "source_tables")}
            for i in range(len(findings))
        ]
        if options.progress:
            print(quality.format_findings(findings), file=out)
    except Exception as exc:  # noqa: BLE001 - shown on the index page and counted as a failure
        quality_note = f"The data-quality checks could not run: {type(exc).__name__}: {_first_line(str(exc), 200)}"
        print(f"WARNING {quality_note}", file=out)
    inputs = input_files(raw_dir, themes)

    # 4. jobs
    default_raw = Path(paths.raw_dir()).resolve()
    data_dir_param = "" if raw_dir == default_raw else str(raw_dir)
    staging_root = reports_dir / STAGING_DIR / run_id
    roots = local_roots([raw_dir, notebooks_dir, reports_dir, socket_root])
    path_names = {root: "<local path>" for root in roots}
    path_names.update({str(Path.home()): "~", str(paths.REPO_ROOT): "<repository>", str(raw_dir): "<data_dir>",
                       str(notebooks_dir): "<notebooks_dir>", str(reports_dir): "<reports_dir>"})
    runner = _Runner(options=options, period=period, raw_dir=raw_dir, run_date=run_date,
                     km_class=km_class, roots=roots, data_dir_param=data_dir_param, path_names=path_names)

    results: list[NotebookResult] = []
    jobs: list[_Job] = []
    for area in areas:
        final = reports_dir / area.code / period.slug
        staging = staging_root / area.code
        for theme in themes:
            if theme.scope == "local" and not area.has_local_data:
                results.append(NotebookResult(
                    theme=theme.name, area_code=area.code, status="no_local_data",
                    notebook=relative_name(theme.path),
                    error=f"{area.name} has no local (board) data; the {theme.name} appendix needs it and was not run.",
                ))
            else:
                jobs.append(_Job(theme, area, staging, final))

    progress = Progress(len(jobs), out, options.progress)
    progress.note(
        f"safeguarding run {run_id}: {len(jobs)} notebook(s), {len(areas)} area(s), period {period.label}, "
        f"disclosure {options.disclosure}, {options.jobs} job(s)"
    )
    try:
        for area in areas:
            (staging_root / area.code).mkdir(parents=True, exist_ok=True)
        results += _execute_all(runner, jobs, workers, progress)
        rank = {(a.code, t.name): i for i, (a, t) in enumerate((a, t) for a in areas for t in themes)}
        results.sort(key=lambda r: rank[(r.area_code, r.theme)])
        # 5. promote, index, manifest: per area
        result = RunResult(run_id, EXIT_OK, period=period.label, results=results)
        for area in areas:
            area_results = [r for r in results if r.area_code == area.code]
            final = reports_dir / area.code / period.slug
            with _area_lock(final):  # one run at a time promotes into this folder
                previous = _previous_manifest(final)
                for r in area_results:
                    r.run_id = run_id
                _promote(staging_root / area.code, final, area_results)
                area_results = area_results + _carried_forward(previous, final, {r.theme for r in area_results})
                finished = _utc_now()
                manifest = _manifest(
                    run_id=run_id, options=options, period=period, area=area, areas=areas, themes=themes,
                    results=area_results, inputs=inputs, started=started, finished=finished,
                    quality=dq_rows, quality_note=quality_note, validation=report, previous=previous,
                    has_appendix=lambda theme, final=final: (final / f"{theme}.html").exists(),
                )
                area_quality, area_note = dq_rows, quality_note
                if dq_rows is not None and not area.has_local_data:
                    # the checks examine the local (board) datasets; this area has none
                    area_quality = None
                    area_note = (f"The data-quality checks examine the local (board) datasets; there is none for "
                                 f"{area.name} in the data folder, so there are no findings to show.")
                try:
                    index_html = _index_html(final, area, period, options.disclosure, run_date, run_id, started,
                                             finished, area_results, area_quality, area_note, inputs, roots, previous)
                except ExportError as exc:
                    message = redact_paths(str(exc), path_names)
                    result.messages.append(f"index page of {area.code} not written: {message}")
                    manifest["index_error"] = message
                    index_html = None
                manifest["exit_code"] = EXIT_FAILED if (any(r.status == "failed" and not r.carried_forward for r in area_results) or index_html is None or dq_rows is None) else EXIT_OK
                (final / "manifests").mkdir(exist_ok=True)
                text = json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
                _write_atomic(final / "manifests" / f"{run_id}.json", text)
                _write_atomic(final / "manifest.json", text)
                if index_html is not None:
                    _write_atomic(final / "index.html", index_html)
                result.report_dirs[area.code] = final
    finally:
        shutil.rmtree(staging_root, ignore_errors=True)
        with contextlib.suppress(OSError):
            (reports_dir / STAGING_DIR).rmdir()  # only if no other run is using it

    for r in results:
        if r.status == "failed":
            kept = f" Executed notebook kept: {_display_path(reports_dir / r.area_code / period.slug / r.failed_notebook)}" if r.failed_notebook else ""
            line = f"FAILED {r.notebook} for {r.area_code} ({period.label}): {r.error}.{kept}"
            result.messages.append(line)
    for line in result.messages:
        print(line, file=out)
    n_ok = sum(r.status == "ok" for r in results)
    n_skip = sum(r.status == "no_local_data" for r in results)
    for area_code, d in result.report_dirs.items():
        print(f"{area_code}: {_display_path(d / 'index.html')}", file=out)
    print(
        f"{n_ok} appendix(es) exported, {len(result.failed)} failed, {n_skip} not run (no local data) "
        f"in {(_utc_now() - started).total_seconds():.1f}s.",
        file=out,
    )
    if result.failed or result.messages or dq_rows is None:
        result.exit_code = EXIT_FAILED
    return result


def _execute_all(runner: _Runner, jobs: list[_Job], workers: _Workers, progress: Progress) -> list[NotebookResult]:
    """Run the jobs on the workers; on interrupt, kill the kernels and cancel the rest."""
    results: list[NotebookResult] = []
    if not jobs:
        return results

    def work(job: _Job, km: Any) -> NotebookResult:
        progress.start(job.label)
        r = runner.execute(job, km)
        progress.finish(job.label, r.status, r.duration_s)
        return r

    futures: list[Future[NotebookResult]] = []
    try:
        futures = [workers.submit(functools.partial(work, job)) for job in jobs]
        pending = set(futures)
        while pending:
            done, pending = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
            for f in done:
                results.append(f.result())
    except BaseException:
        runner.cancelled.set()
        for f in futures:
            f.cancel()
        _kill_active_kernels()
        raise
    order = {(j.area.code, j.theme.name): i for i, j in enumerate(jobs)}
    results.sort(key=lambda r: order[(r.area_code, r.theme)])
    return results


@contextlib.contextmanager
def _area_lock(final: Path):
    """Hold ``reports/.locks/<area>__<period>.lock`` while a run promotes its files, reads the previous manifest and writes
    the index and manifest: two runs of the same area and period finishing together then leave
    one run's complete set (the later one's), never a mix. Execution is not serialised, only
    this last step (a fraction of a second). POSIX ``flock``; elsewhere no lock is taken."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    locks = final.parent.parent / LOCKS_DIR
    locks.mkdir(parents=True, exist_ok=True)
    with open(locks / f"{final.parent.name}__{final.name}.lock", "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _promote(staging: Path, final: Path, results: list[NotebookResult]) -> None:
    """Move this run's files into ``final``, one atomic rename each.

    An exported theme replaces its appendix and executed notebook (and removes a stale
    ``.failed.ipynb``); a failed theme leaves the previous appendix untouched and adds its
    ``.failed.ipynb``.
    """
    final.mkdir(parents=True, exist_ok=True)
    for r in results:
        if r.status == "ok":
            os.replace(staging / f"{r.theme}.ipynb", final / f"{r.theme}.ipynb")
            os.replace(staging / f"{r.theme}.html", final / f"{r.theme}.html")
            with contextlib.suppress(FileNotFoundError):
                (final / f"{r.theme}.failed.ipynb").unlink()
        elif r.status == "failed":
            if r.failed_notebook:
                os.replace(staging / r.failed_notebook, final / r.failed_notebook)
            runner_error = staging / f"{r.theme}.runner-error.txt"  # a fault of the runner itself
            if runner_error.exists():
                os.replace(runner_error, final / runner_error.name)


def _carried_forward(previous: dict[str, Any], final: Path, this_run: set[str]) -> list[NotebookResult]:
    """Entries of themes not run this time whose appendix is still in ``final``."""
    names = set(NotebookResult.__dataclass_fields__)
    out = []
    for entry in previous.get("notebooks", []):
        theme = entry.get("theme")
        if theme in this_run or not (final / f"{theme}.html").exists():
            continue
        r = NotebookResult(**{k: v for k, v in entry.items() if k in names and k != "summary"})
        r.run_id = entry.get("run_id") or previous.get("run_id")
        r.carried_forward = True
        out.append(r)
    return out


def _previous_manifest(final: Path) -> dict[str, Any]:
    try:
        return json.loads((final / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}


def _index_html(final: Path, area: Area, period: Any, disclosure: str, run_date: dt.datetime, run_id: str,
                started: dt.datetime, finished: dt.datetime, results: list[NotebookResult],
                quality: list[dict[str, Any]] | None, quality_note: str, inputs: list[dict[str, Any]],
                roots: list[str], previous_manifest: dict[str, Any]) -> str:
    previous = {n.get("theme"): n for n in previous_manifest.get("notebooks", [])}
    entries = []
    for r in results:
        html_exists = (final / f"{r.theme}.html").exists()
        summary = r.summary
        previous_date = None
        if (r.status != "ok" or r.carried_forward) and html_exists:
            with contextlib.suppress(SummaryError):
                summary = read_summary(final / f"{r.theme}.ipynb") if (final / f"{r.theme}.ipynb").exists() else None
        if (r.status != "ok" or r.carried_forward) and html_exists:
            prev = previous.get(r.theme) or {}
            when = prev.get("last_good_at")
            if when:
                with contextlib.suppress(ValueError):
                    previous_date = run_date_text(dt.datetime.fromisoformat(when).astimezone())
        entries.append(IndexTheme(
            theme=r.theme,
            title=(summary or {}).get("title") or r.theme.replace("_", " ").capitalize(),
            status="earlier" if r.carried_forward else r.status,
            href=f"{r.theme}.html" if html_exists and r.status != "no_local_data" else None,
            error=(r.error + ".") if r.error and not r.error.endswith(".") else r.error,
            message=r.error if r.status == "no_local_data" else "",
            previous_run_date=previous_date,
            summary=summary,
        ))
    now = [r for r in results if not r.carried_forward]
    n_ok = sum(r.status == "ok" for r in now)
    n_failed = sum(r.status == "failed" for r in now)
    n_skip = sum(r.status == "no_local_data" for r in now)
    counts = f"{n_ok} exported, {n_failed} failed, {n_skip} not run (no local data for this area)"
    n_carried = len(results) - len(now)
    if n_carried:
        counts += f"; {n_carried} appendix(es) from earlier runs of this period kept (not run this time)"
    n_data = sum(1 for i in inputs if not i["path"].endswith(".ipynb"))
    page = IndexPage(
        area_code=area.code, area_name=area.name, period=period.label, run_date=run_date, disclosure=disclosure,
        themes=entries,
        run=IndexRun(run_id=run_id, started=started.astimezone(), finished=finished.astimezone(), counts_text=counts,
                     inputs_text=f"{n_data} input files, validated; SHA-256 of each in the manifest"),
        quality=quality, quality_note=quality_note or "The data-quality checks were not run.",
    )
    return render_index(page, roots=roots)


def _manifest(*, run_id: str, options: RunOptions, period: Any, area: Area, areas: list[Area],
              themes: list[ThemeNotebook], results: list[NotebookResult], inputs: list[dict[str, Any]],
              started: dt.datetime, finished: dt.datetime, quality: list[dict[str, Any]] | None,
              quality_note: str, validation: Any, previous: dict[str, Any] | None,
              has_appendix: Callable[[str], bool]) -> dict[str, Any]:
    previous_entries = {n.get("theme"): n for n in (previous or {}).get("notebooks", [])}
    notebooks = []
    for r in results:
        entry = r.manifest_entry()
        if r.status == "ok":
            entry["last_good_at"] = r.finished_at
        else:  # the appendix in place (if any) is the one the previous good run produced
            entry["last_good_at"] = (previous_entries.get(r.theme) or {}).get("last_good_at") if has_appendix(r.theme) else None
        notebooks.append(entry)
    return {
        "schema_version": MANIFEST_SCHEMA_VERSION,
        "run_id": run_id,
        "command": "safeguarding run",
        "parameters": {
            "period": period.label,
            "area_code": area.code,
            "area_name": area.name,
            "areas_in_run": [a.code for a in areas],
            "themes": [t.name for t in themes],
            "theme_scopes": {t.name: t.scope for t in themes},
            "disclosure": options.disclosure,
            "jobs": options.jobs,
            "cell_timeout_s": options.cell_timeout,
            "kernel_name": options.kernel_name,
            "engine": f"papermill/{ENGINE_NAME} (nbclient, IPC transport)",
        },
        "started_at": _iso(started),
        "finished_at": _iso(finished),
        "duration_s": round((finished - started).total_seconds(), 3),
        "validation": {"ok": bool(validation.ok), "problems": len(getattr(validation, "problems", []))},
        "quality_findings": None if quality is None else len(quality),
        "quality_note": quality_note or None,
        "inputs": inputs,
        "packages": package_versions(),
        "platform": {"system": platform.system(), "machine": platform.machine(), "cpus": os.cpu_count()},
        "notebooks": notebooks,
    }


# ==============================================================================================
# Command line


def add_run_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``safeguarding run`` options to ``parser``."""
    parser.description = (
        "Validate the input data, execute every theme notebook with papermill (in parallel) and "
        "export self-contained HTML appendices, an index page and a manifest into "
        "reports/<area>/<period>/."
    )
    parser.add_argument("--period", default=None,
                        help="quarter to report, e.g. 2017-18-Q4 or '2017-18 Q4' (default: latest quarter in the data)")
    parser.add_argument("--area", "--areas", dest="areas", nargs="+", default=[DEFAULT_AREA], metavar="CODE",
                        help=f"local authority code(s), space- or comma-separated, or 'all' (default: {DEFAULT_AREA}, Warwickshire)")
    parser.add_argument("--themes", "--theme", dest="themes", nargs="+", default=None, metavar="THEME",
                        help=f"themes to run (default: every notebook in notebooks/: {', '.join(THEMES)})")
    parser.add_argument("--disclosure", choices=DISCLOSURE_MODES, default="public",
                        help="public (default): counts from 1 to 5 suppressed; internal: not for publication")
    parser.add_argument("--jobs", "-j", type=int, default=DEFAULT_JOBS,
                        help=f"notebooks executed at once (default: {DEFAULT_JOBS})")
    parser.add_argument("--cell-timeout", type=int, default=DEFAULT_CELL_TIMEOUT, metavar="SECONDS",
                        help=f"longest a single cell may run (default: {DEFAULT_CELL_TIMEOUT})")
    parser.add_argument("--kernel", dest="kernel_name", default=DEFAULT_KERNEL,
                        help=f"Jupyter kernel to execute with (default: {DEFAULT_KERNEL})")
    parser.add_argument("--data-dir", "--raw", dest="raw_dir", type=Path, default=None,
                        help="input folder (default: the repository's data/raw)")
    parser.add_argument("--notebooks-dir", type=Path, default=None, help="theme notebooks (default: notebooks/)")
    parser.add_argument("--reports-dir", type=Path, default=None, help="output folder (default: reports/)")
    parser.add_argument("--no-prewarm", dest="prewarm", action="store_false",
                        help="do not start kernels (and import what the notebooks import) while the data is validated")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress lines")


def options_from_args(args: argparse.Namespace) -> RunOptions:
    return RunOptions(
        period=args.period,
        areas=list(args.areas or [DEFAULT_AREA]),
        themes=args.themes,
        disclosure=args.disclosure,
        jobs=args.jobs,
        cell_timeout=args.cell_timeout,
        kernel_name=args.kernel_name,
        raw_dir=args.raw_dir,
        notebooks_dir=args.notebooks_dir,
        reports_dir=args.reports_dir,
        progress=not args.quiet,
        prewarm=getattr(args, "prewarm", True),
    )


@contextlib.contextmanager
def _sigterm_as_interrupt():
    """Treat SIGTERM like Ctrl-C so a killed run cleans up and promotes nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):  # noqa: ARG001
        raise KeyboardInterrupt

    old = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


def run_from_args(args: argparse.Namespace) -> int:
    """Entry point of ``safeguarding run``; returns the exit code."""
    try:
        with _sigterm_as_interrupt():
            return run(options_from_args(args)).exit_code
    except RunError as exc:
        print(f"safeguarding run: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("safeguarding run: interrupted; nothing was promoted into reports/ and earlier appendices are untouched.",
              file=sys.stderr)
        return EXIT_INTERRUPTED
