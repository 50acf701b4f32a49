"""Running one notebook: execute it with papermill, check it, export its appendix.

:class:`NotebookExecutor` executes one (area, theme) :class:`Job` into the area's staging
folder: papermill's Python API with the ``safeguarding`` engine (:mod:`.engine`), a kernel
that fails to *start* retried, every cell with a timeout, no per-cell saving, no ``cwd`` (a
process-wide ``chdir`` is not thread-safe: the notebooks get absolute paths as parameters).
A cleanly executed notebook is exported to its appendix (:mod:`.export`); anything else is a
failed :class:`~analysis.pipeline.options.NotebookResult` whose error names the cell.
:func:`execute_all` runs the jobs: each worker thread executes a notebook on its kernel
(:meth:`NotebookExecutor.run`) and hands it to one export thread
(:meth:`NotebookExecutor.export`), so the worker's next kernel starts while the last
notebook is still being exported.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import os
import threading
import time
import traceback
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import papermill
from papermill.exceptions import PapermillExecutionError

from ..periods import Period
from ..report.summary import SummaryError, read_summary
from ..formatting import SMALL_COUNT_THRESHOLD, SUPPRESSED, is_small_count
from .areas import Area
from .engine import ENGINE_NAME, KernelStartError
from .export import AppendixContext, ExportError, execution_errors, export_appendix, warm_up
from .htmlcheck import redact_paths
from .kernels import KernelWorkers, kill_running_kernels, shutdown_kernel
from .manifest import relative_name
from .options import NotebookResult, RunOptions, first_line, iso_utc, utc_now
from .progress import Progress
from .themes import ThemeNotebook

KERNEL_START_ATTEMPTS = 3
#: Tags of the cells papermill adds: the injected parameters, and the error banners of a failure.
_PAPERMILL_PARAMETERS_TAG = "injected-parameters"
_PAPERMILL_ERROR_TAG = "papermill-error-cell-tag"


@dataclass(frozen=True)
class Job:
    """One notebook to run: a theme for an area."""

    theme: ThemeNotebook
    area: Area
    staging: Path  # the area's staging folder
    final: Path  # reports/<area>/<period>

    @property
    def label(self) -> str:
        return f"{self.theme.name} [{self.area.code}]"


def small_key_figures(summary: dict[str, Any]) -> list[str]:
    """Key figures declared as counts (``{"value": v, "unit": "count"}``) that are small counts.

    A figure without a unit cannot be told from a percentage or a rate, so only declared
    counts are checked; the published HTML is checked cell by cell anyway.
    """
    hits = []
    for label, figure in (summary.get("key_figures") or {}).items():
        if not isinstance(figure, dict) or figure.get("unit") != "count":
            continue
        value = figure.get("value")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            continue
        if float(value).is_integer() and is_small_count(value):
            hits.append(f"key figure {label!r} = {value:g}")
    return hits


def _tags(cell: Any) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def describe_cell_error(nb: Any, cell_index: int, ename: str, evalue: str) -> str:
    """``cell 7 ("ds = load(data_dir)")`` with the error, numbering cells as in the source notebook."""
    cells = nb.cells if nb is not None else []
    source_number = cell_index + 1
    source = ""
    if 0 <= cell_index < len(cells):
        source_number = sum(
            1 for cell in cells[: cell_index + 1]
            if _PAPERMILL_PARAMETERS_TAG not in _tags(cell) and _PAPERMILL_ERROR_TAG not in _tags(cell)
        )
        source = first_line(cells[cell_index].get("source", ""), 60)
    where = f'cell {source_number} ("{source}")' if source else f"cell {source_number}"
    value = first_line(evalue, 200)
    return f"{where} raised {ename}: {value}" if value else f"{where} raised {ename}"


def _read_notebook(path: Path) -> Any:
    try:
        return nbformat.read(str(path), as_version=4)
    except Exception:  # noqa: BLE001 - only used to describe a failure
        return None


def _problems_text(exc: ExportError) -> str:
    """The first three problems of an export refusal (``disclosure: ...`` for a small count)."""
    text = "; ".join(exc.problems[:3])
    if len(exc.problems) > 3:
        text += f" (and {len(exc.problems) - 3} more)"
    return "disclosure: " + text if exc.what == "disclosure" else text


def _stderr_outputs(nb: Any) -> int:
    return sum(
        1 for cell in nb.cells for output in cell.get("outputs", [])
        if output.get("output_type") == "stream" and output.get("name") == "stderr"
    )


class NotebookExecutor:
    """Shared, read-only state of one run; :meth:`execute` is called from worker threads."""

    def __init__(self, *, options: RunOptions, period: Period, run_date: dt.datetime, manager_class: type,
                 roots: list[str], data_dir_param: str, path_names: dict[str, str]):
        self.options = options
        self.period = period
        self.run_date = run_date
        self.manager_class = manager_class
        self.roots = roots
        self.data_dir_param = data_dir_param
        self.path_names = path_names
        self.cancelled = threading.Event()

    def parameters(self, area: Area) -> dict[str, Any]:
        """The notebook's parameters (papermill injects them after its ``parameters`` cell)."""
        return {
            "area_code": area.code,
            "area_name": area.name,
            "period": (area.period or self.period).label,
            "data_dir": self.data_dir_param,
            "disclosure": self.options.disclosure,
        }

    def execute(self, job: Job, warm_kernel: Any = None) -> NotebookResult:
        """Execute and export one notebook; ``warm_kernel`` is an optional kernel started in advance."""
        return self.export(self.run(job, warm_kernel))

    def run(self, job: Job, warm_kernel: Any = None) -> "Executed":
        """Execute one notebook (in the worker thread that owns ``warm_kernel``, if any); the
        kernel is shut down when this returns. A failure is recorded in the result."""
        result = NotebookResult(
            theme=job.theme.name, area_code=job.area.code, status="failed", notebook=relative_name(job.theme.path),
        )
        result.started_at = iso_utc(utc_now())
        done = Executed(job, result, job.staging / f"{job.theme.name}.ipynb", time.perf_counter())
        try:
            done.nb = self._run_papermill(job, warm_kernel, done.path, result, done.clock_start)
        except Exception as exc:  # noqa: BLE001 - a failure of this notebook, not of the run (_record)
            self._record(exc, done)
        except BaseException:
            result.error = "interrupted"
            self._finish(done)
            raise
        finally:
            if warm_kernel is not None and warm_kernel.has_kernel:  # papermill failed before handing it to nbclient
                shutdown_kernel(warm_kernel)
        return done

    def export(self, done: "Executed") -> NotebookResult:
        """Check and export a notebook :meth:`run` executed (any thread); its result."""
        try:
            if done.nb is not None:
                self._keep_and_export(done.nb, done.job, done.path, done.result)
        except Exception as exc:  # noqa: BLE001 - a failure of this notebook, not of the run (_record)
            self._record(exc, done)
        except BaseException:
            done.result.error = "interrupted"
            raise
        finally:
            self._finish(done)
        return done.result

    def _record(self, exc: Exception, done: "Executed") -> None:
        """A failure as the result's error: the failing cell, the export's refusal, or any other
        error (its traceback kept beside the notebook)."""
        result, job = done.result, done.job
        if isinstance(exc, PapermillExecutionError):
            result.error = self._cell_error(exc, done.path)
        elif isinstance(exc, SummaryError):
            result.error = str(exc)
        elif isinstance(exc, ExportError):
            result.error = _problems_text(exc)
        else:  # any other failure is reported, not fatal to the run
            result.error = f"{type(exc).__name__}: {first_line(str(exc), 200)}"
            (job.staging / f"{job.theme.name}.runner-error.txt").write_text(
                "".join(traceback.format_exception(exc)), encoding="utf-8")

    def _run_papermill(self, job: Job, warm_kernel: Any, executed: Path, result: NotebookResult,
                       clock_start: float) -> Any:
        """The executed notebook, or ``None`` when the kernel did not start (``result.error`` says so).

        ``warm_kernel`` (if any) serves the first attempt only.
        """
        for attempt in range(1, KERNEL_START_ATTEMPTS + 1):
            result.attempts = attempt
            if self.cancelled.is_set():
                raise KeyboardInterrupt
            warm = {"km": warm_kernel} if warm_kernel is not None and attempt == 1 else {}  # papermill's name
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
                    kernel_manager_class=self.manager_class,
                    shutdown_kernel="immediate",  # outputs are in; a graceful stop costs ~1 s
                    **warm,
                )
            except KernelStartError as exc:
                if attempt == KERNEL_START_ATTEMPTS or self.cancelled.is_set():
                    result.error = f"the kernel did not start after {attempt} attempts ({first_line(str(exc), 160)})"
                    return None
                continue
            result.execute_s = time.perf_counter() - clock_start
            result.prewarmed = bool(warm)
            return nb
        return None  # pragma: no cover - the last attempt returns above

    def _keep_and_export(self, nb: Any, job: Job, executed: Path, result: NotebookResult) -> None:
        """Save the executed notebook with relative paths, check it, write its appendix to staging."""
        self._save_relative(nb, job, executed)
        problems = execution_errors(nb)
        if problems:  # e.g. a cell tagged raises-exception: still not fit to publish
            raise ExportError("the notebook holds error output", problems)
        summary = read_summary(nb)
        result.summary = summary
        if summary is not None and self.options.disclosure == "public":
            small = small_key_figures(summary)
            if small:
                raise ExportError("disclosure", [
                    f"{figure}: counts from 1 to {SMALL_COUNT_THRESHOLD} must be published as '{SUPPRESSED}' "
                    "in public mode" for figure in small
                ])
        result.stderr_outputs = _stderr_outputs(nb)
        context = AppendixContext(
            theme=job.theme.name, area_code=job.area.code, area_name=job.area.name,
            period=(job.area.period or self.period).label, run_date=self.run_date, disclosure=self.options.disclosure,
            title=(summary or {}).get("title"),
        )
        export_started = time.perf_counter()
        html = export_appendix(nb, context, roots=self.roots)
        result.export_s = time.perf_counter() - export_started
        html_path = job.staging / f"{job.theme.name}.html"
        html_path.write_text(html, encoding="utf-8")
        result.status = "ok"
        result.html = html_path.name
        result.executed = executed.name
        result.html_sha256 = hashlib.sha256(html.encode("utf-8")).hexdigest()

    @staticmethod
    def _save_relative(nb: Any, job: Job, executed: Path) -> None:
        """Replace papermill's absolute input/output paths in the kept notebook by relative ones."""
        papermill_metadata = nb.metadata.get("papermill", {})
        papermill_metadata["input_path"] = relative_name(job.theme.path)
        papermill_metadata["output_path"] = executed.name
        nbformat.write(nb, str(executed))

    @staticmethod
    def _cell_error(exc: PapermillExecutionError, executed: Path) -> str:
        """The failing cell, numbered without papermill's two banner cells, and its error."""
        failed_nb = _read_notebook(executed)
        if failed_nb is not None:
            failed_nb.cells = [cell for cell in failed_nb.cells if _PAPERMILL_ERROR_TAG not in _tags(cell)]
        return describe_cell_error(failed_nb, exc.cell_index, exc.ename, exc.evalue)

    def _finish(self, done: "Executed") -> None:
        """Times, a redacted error, the executed notebook of a failure kept as ``.failed.ipynb``."""
        result, job, executed = done.result, done.job, done.path
        # the error goes on the index page and in the manifest: no local path of the machine
        result.error = redact_paths(result.error, self.path_names)
        result.duration_s = time.perf_counter() - done.clock_start
        result.finished_at = iso_utc(utc_now())
        if result.status != "ok" and executed.exists():
            failed = job.staging / f"{job.theme.name}.failed.ipynb"
            os.replace(executed, failed)
            result.failed_notebook = failed.name


@dataclass
class Executed:
    """A notebook :meth:`NotebookExecutor.run` has executed, waiting for its export."""

    job: Job
    result: NotebookResult
    path: Path  # the executed notebook in staging
    clock_start: float
    nb: Any = None  # the executed notebook; None when it failed (``result.error`` says why)


def execute_all(executor: NotebookExecutor, jobs: list[Job], workers: KernelWorkers,
                progress: Progress) -> list[NotebookResult]:
    """Run the jobs on the workers, results in job order; on interrupt, kill the kernels and
    cancel the rest. Each worker executes a notebook and hands it to the one export thread
    (exports are Python work in this process: a second thread would only wait for the first)."""
    results: list[NotebookResult] = []
    if not jobs:
        return results
    exports = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sg-export")
    exports.submit(warm_up)  # while the first kernels start; if it fails, the first export says why

    def export(done: Executed) -> NotebookResult:
        result = executor.export(done)
        progress.finish(done.job.label, result.status, result.duration_s)
        return result

    def work(job: Job, warm_kernel: Any) -> "Future[NotebookResult]":
        progress.start(job.label)
        return exports.submit(export, executor.run(job, warm_kernel))

    futures: list[Future[Future[NotebookResult]]] = []
    try:
        futures = [workers.submit(functools.partial(work, job)) for job in jobs]
        pending: set[Future[Any]] = set(futures)
        while pending:
            done, pending = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
            for future in done:
                value = future.result()
                if isinstance(value, Future):  # executed: its export is under way
                    pending.add(value)
                else:
                    results.append(value)
    except BaseException:
        executor.cancelled.set()
        for future in futures:
            future.cancel()
        exports.shutdown(wait=False, cancel_futures=True)
        kill_running_kernels()
        raise
    exports.shutdown(wait=True)
    order = {(job.area.code, job.theme.name): i for i, job in enumerate(jobs)}
    results.sort(key=lambda result: order[(result.area_code, result.theme)])
    return results
