"""The quarterly run: validate the data, execute every theme notebook, export the appendices.

``safeguarding run`` (see :mod:`analysis.pipeline.cli`) or :func:`run` from Python::

    safeguarding run --period 2017-18-Q4 --area E10000031 --disclosure public --jobs 2

0. **Check the request first.** The period, the form of each area code, the themes and the
   folders are checked before any kernel starts, so a usage error is answered at once (exit
   code 2; a folder that cannot be used, exit code 1). Staging folders and kernel sockets
   that killed runs left are removed (their owning process has ended).
1. **Validate first.** :func:`analysis.ingest.dataset.validate_raw` checks every input file; if
   anything is wrong every problem is printed and nothing is executed or written (exit code 1).
   Files that passed validation by the same code before, byte for byte, are not validated again
   (:func:`analysis.processed.earlier_validation`; the run says so; ``--revalidate`` to repeat).
2. **Execute** each (area, theme) notebook with papermill's Python API, up to ``--jobs`` at
   once in threads (:mod:`.execute`), on kernels that talk to the runner over IPC sockets
   (:mod:`.kernels`). While this process validates the data (one core busy), each worker
   starts its first kernel and imports the modules the notebooks' import statements name,
   silently; no notebook cell runs before validation has passed (``--no-prewarm`` turns this
   off).
3. **Export** each cleanly executed notebook to a self-contained HTML appendix
   (:mod:`.export`): no code, prompts, traceback, network request or local path, and in
   ``public`` mode no count from 1 to 5 in a table (:mod:`.htmlcheck`).
4. **Promote safely** (:mod:`.publish`): everything is built under ``reports/.staging/<run id>/``
   and each area's complete new folder is swapped in for ``reports/<area>/<period>/`` only when
   the run has finished, under a per-area-and-period lock; if that fails part-way the
   previous folder stays as it was. A failed theme keeps its previous good appendix; an
   interrupted run promotes nothing. With ``--pdf`` each exported appendix is first printed to
   an A4 ``<theme>.pdf`` in staging (:mod:`.pdf`), promoted with it. An internal run
   (``--disclosure internal``) does all of this under ``reports/internal/`` instead
   (:func:`~analysis.pipeline.publish.output_root`), never in the public folders.
5. **Index and manifest** per area and period: ``index.html`` (:mod:`.index`: links, key
   findings, data-quality findings, run summary) and ``manifest.json`` (:mod:`.manifest`; a
   copy is kept under ``manifests/<run id>.json``).

Themes are ``notebooks/<theme>.ipynb`` (:mod:`.themes`: a ``local`` theme is not run for an
area without local data). Exit codes (as ``safeguarding``): 0 every notebook exported; 1
invalid input data or a failed notebook; 2 wrong usage (unknown theme, area or period); 130
interrupted.
"""

from __future__ import annotations

import datetime as dt
import shutil
import sys
import uuid
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TextIO

from .. import paths, processed, quality
from ..ingest import dataset as ingest
from ..periods import Period
from .areas import Area, resolve_areas
from .execute import Job, NotebookExecutor, execute_all
from ..report.model import DISCLOSURE_MODES
from .export import ExportError
from .htmlcheck import local_roots, redact_paths
from .index import (
    NOT_CHECKED_NOTE, QUALITY_COLUMNS, IndexPage, IndexRun, counts_text, inputs_text, render_index, theme_entries,
)
from .kernels import KernelFolder, KernelPool, kernel_pool
from .manifest import build_manifest, input_files, notebook_entries, relative_name, run_parameters
from .options import (
    DEFAULT_AREA, EXIT_FAILED, EXIT_OK, NotebookResult, RunError, RunOptions, RunResult,
    describe_os_error, display_path, first_line, utc_now,
)
from .pdf import PdfUnavailable, write_pdfs
from .progress import Progress
from .request import check_request, open_reports_dir
from .publish import (
    area_lock, assemble, carried_forward, new_folder, output_root, previous_manifest, recover, remove_staging,
    same_disclosure, staging_root, swap_in, write_manifest_and_index,
)
from .themes import ThemeNotebook, prewarm_modules


@dataclass
class _RunState:
    """What the steps of one run share; each step fills in its part."""

    options: RunOptions
    out: TextIO
    run_id: str
    started: dt.datetime
    run_date: dt.datetime
    raw_dir: Path
    notebooks_dir: Path
    reports_dir: Path
    themes: list[ThemeNotebook]
    kernels: KernelPool | None = None
    validation: Any = None  # the validation report of data/raw
    period: Period | None = None
    dataset: Any = None
    areas: list[Area] = field(default_factory=list)
    quality_rows: list[dict[str, Any]] | None = None  # None: the data-quality checks could not run
    quality_findings: Any = None  # every finding (each area's index keeps those up to its period)
    quality_note: str = ""
    inputs: list[dict[str, Any]] = field(default_factory=list)
    roots: list[str] = field(default_factory=list)  # local paths no page may show
    path_names: dict[str, str] = field(default_factory=dict)  # local path -> name shown in errors
    executor: NotebookExecutor | None = None
    jobs: list[Job] = field(default_factory=list)
    results: list[NotebookResult] = field(default_factory=list)

    @property
    def output_dir(self) -> Path:
        """``reports/``, or ``reports/internal/`` for an internal run (:func:`~.publish.output_root`)."""
        return output_root(self.reports_dir, self.options.disclosure)

    @property
    def staging(self) -> Path:
        return staging_root(self.output_dir, self.run_id)

    def final_dir(self, area: Area) -> Path:
        return self.output_dir / area.code / (area.period or self.period).slug


def run(options: RunOptions, *, stream: TextIO | None = None, kernel_folder: KernelFolder | None = None) -> RunResult:
    """Check, validate, execute, export, promote; see the module docstring. Never raises for a
    failing notebook (see :attr:`RunResult.exit_code`); raises :class:`RunError` when the run
    cannot start and ``KeyboardInterrupt`` when interrupted (nothing promoted).
    ``kernel_folder``: the run's kernel folder (and zygote), opened by the command line before
    it imported this module (:func:`~.kernels.open_kernel_folder`); the run owns it."""
    try:
        state = _prepare(options, stream or sys.stderr)  # usage errors: before any kernel starts
    except BaseException:
        if kernel_folder is not None:
            kernel_folder.close(now=True)
        raise
    try:
        # the workers start their first kernel now, while this thread validates the data
        imports = prewarm_modules(state.themes)
        with kernel_pool(jobs=options.jobs, kernel_name=options.kernel_name, start_timeout=options.start_timeout,
                         warm_imports=imports if options.prewarm else None, engine=options.engine,
                         zygote_imports=imports, folder=kernel_folder) as kernels:
            state.kernels = kernels
            if not _validate_data(state):
                return RunResult(state.run_id, EXIT_FAILED, messages=[str(state.validation)])
            _resolve_period_and_areas(state)  # an unknown area stops the warm kernels at once
            _find_quality_issues(state)
            state.inputs = input_files(state.raw_dir, state.themes)
            _build_jobs(state)
            _execute(state)
            if options.pdf:
                _print_pdfs(state)
            result = _promote_index_and_manifest(state)
            _report_outcome(state, result)
            return result
    finally:
        remove_staging(state.output_dir, state.run_id)


# ----------------------------------------------------------------------------------------------
# The steps, in order


def _prepare(options: RunOptions, out: TextIO) -> _RunState:
    """Check the request (:mod:`.request`) and open the reports folder; :class:`RunError` if the
    run cannot start. Nothing is loaded and no kernel started before this has passed."""
    run_id = f"{dt.datetime.now():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
    started = utc_now()
    run_date = dt.datetime.now().astimezone()
    if options.disclosure not in DISCLOSURE_MODES:
        raise RunError(f"--disclosure {options.disclosure!r}: use one of {', '.join(DISCLOSURE_MODES)}")
    request = check_request(options)
    open_reports_dir(output_root(request.reports_dir, options.disclosure), run_id)
    return _RunState(options=options, out=out, run_id=run_id, started=started, run_date=run_date,
                     raw_dir=request.raw_dir, notebooks_dir=request.notebooks_dir, reports_dir=request.reports_dir,
                     themes=request.themes, period=request.period)


def _validate_data(state: _RunState) -> bool:
    """Validate data/raw before anything is executed; if invalid, print every problem. Files
    that passed validation by the same code before, byte for byte, are not validated again
    (:func:`analysis.processed.earlier_validation`) unless ``--revalidate`` is given."""
    earlier = None if state.options.revalidate else processed.earlier_validation(state.raw_dir)
    state.validation = earlier or ingest.validate_raw(state.raw_dir)
    if state.validation.ok:
        if state.options.progress:
            print(str(state.validation), file=state.out)
        return True
    print(str(state.validation), file=state.out)
    print("Nothing was executed and nothing in reports/ was changed.", file=state.out)
    return False


def _resolve_period_and_areas(state: _RunState) -> None:
    """The dataset, the areas and each area's period: ``--period``, or without it the latest
    period the data support for that area (its board's latest quarter, else its latest DfE
    year), stated in one line per area."""
    explicit = state.period  # --period, already checked with the request; None for each area's latest
    state.dataset = processed.load(state.raw_dir)
    _store_processed(state)
    areas = resolve_areas(list(state.options.areas or [DEFAULT_AREA]), state.dataset, explicit)
    state.areas = [_with_period(state, area, explicit) for area in areas]
    periods = sorted({area.period for area in state.areas})
    # the run's period where every area shares one; else the latest (each area has its own)
    state.period = explicit or periods[-1]
    for area in state.areas:
        if state.options.progress or area.period_note.startswith("A later period"):
            print(f"{area.code} {area.name}: {period_line(area.period, area.period_note)}", file=state.out)
        held = state.dataset.periods(area.code) if area.has_local_data and hasattr(state.dataset, "periods") else []
        if held and area.period not in held:
            print(f"WARNING {area.code}: the local data has no figures for {area.period.label} (it holds "
                  f"{held[0].label} to {held[-1].label}); the appendices will say what is missing.", file=state.out)


def _with_period(state: _RunState, area: Area, explicit: Period | None) -> Area:
    """``area`` with its period and the sentence that states it."""
    try:
        latest = processed.latest_period(state.raw_dir, area.code)
    except ValueError as exc:
        if explicit is None:
            raise RunError(f"{area.code} {area.name}: no period to report: {exc}") from exc
        latest = None
    period = explicit or latest
    note = ""
    if hasattr(state.dataset, "dfe_years"):
        note = processed.area_periods(state.dataset, area.code).statement(period)
    elif latest is not None:
        note = (f"{period.label} is the latest period in the data for {area.name}." if period == latest
                else f"A later period, {latest.label}, is in the data." if period < latest else "")
    return replace(area, period=period, period_note=note)


def period_line(period: Period, note: str) -> str:
    """"period 2024-25 Q4: the latest in the DfE data for Coventry." or "period 2019-20 Q4. A
    later period, 2024-25 Q4, is in the data." (the console's statement of an area's period)."""
    lead = f"{period.label} is "
    if note.startswith(lead):
        return f"period {period.label}: {note[len(lead):]}"
    return f"period {period.label}. {note}".rstrip()


def _store_processed(state: _RunState) -> None:
    """Write the validated dataset (and its findings) to data/processed, so each notebook's kernel
    loads it in a fraction of a second instead of validating data/raw again. Optional: when it
    cannot be written the notebooks load and validate data/raw themselves."""
    try:
        processed.store_validated(state.raw_dir)
    except Exception as exc:  # noqa: BLE001 - a speed-up only; the run goes on without it
        print(f"note: data/processed was not refreshed ({type(exc).__name__}: {first_line(str(exc), 160)}); "
              "each notebook will validate data/raw itself.", file=state.out)


def _find_quality_issues(state: _RunState) -> None:
    """The data-quality findings up to the period's end (for the index pages), printed."""
    try:
        findings = quality.run_checks(state.dataset)
        state.quality_findings = findings
        findings = _findings_up_to(findings, state.period)  # the latest of the areas' periods
        state.quality_rows = _finding_rows(findings)
        if state.options.progress:
            print(quality.format_findings(findings), file=state.out)
    except Exception as exc:  # noqa: BLE001 - shown on the index page and counted as a failure
        state.quality_note = f"The data-quality checks could not run: {type(exc).__name__}: {first_line(str(exc), 200)}"
        print(f"WARNING {state.quality_note}", file=state.out)


def _findings_up_to(findings: Any, period: Period) -> Any:
    """Leave out findings about figures after the period's end."""
    if "period_end" not in findings.columns:
        return findings
    dated = findings["period_end"].fillna("").astype(str)
    return findings[(dated == "") | (dated <= period.end.isoformat())]


def _finding_rows(findings: Any) -> list[dict[str, Any]]:
    """Each finding as a row of the index page's columns (``""`` for a column the frame lacks)."""
    rows = []
    for position in range(len(findings)):
        row = {}
        for column in QUALITY_COLUMNS:
            row[column] = findings[column].iloc[position] if column in findings.columns else ""
        rows.append(row)
    return rows


def _build_jobs(state: _RunState) -> None:
    """One job per area and theme; a local theme for an area without local data is not run."""
    default_raw_dir = Path(paths.raw_dir()).resolve()
    state.roots = local_roots([state.raw_dir, state.notebooks_dir, state.reports_dir, state.kernels.socket_root])
    state.path_names = {root: "<local path>" for root in state.roots}
    state.path_names.update({
        str(Path.home()): "~", str(paths.REPO_ROOT): "<repository>", str(state.raw_dir): "<data_dir>",
        str(state.notebooks_dir): "<notebooks_dir>", str(state.reports_dir): "<reports_dir>",
    })
    state.executor = NotebookExecutor(
        options=state.options, period=state.period, run_date=state.run_date,
        manager_class=state.kernels.manager_class, roots=state.roots,
        data_dir_param="" if state.raw_dir == default_raw_dir else str(state.raw_dir), path_names=state.path_names,
    )
    for area in state.areas:
        for theme in state.themes:
            if theme.scope == "local" and not area.has_local_data:
                state.results.append(NotebookResult(
                    theme=theme.name, area_code=area.code, status="no_local_data",
                    notebook=relative_name(theme.path),
                    error=f"{area.name} has no local (board) data; the {theme.name} appendix needs it and was not run.",
                ))
            else:
                state.jobs.append(Job(theme, area, state.staging / area.code, state.final_dir(area)))


def _execute(state: _RunState) -> None:
    """Run every job into the staging folders; results in area, then theme, order."""
    options = state.options
    progress = Progress(len(state.jobs), state.out, options.progress)
    periods = sorted({area.period.label for area in state.areas})
    period_text = f"period {periods[0]}" if len(periods) == 1 else f"each area's latest period ({', '.join(periods)})"
    progress.note(
        f"safeguarding run {state.run_id}: {len(state.jobs)} notebook(s), {len(state.areas)} area(s), "
        f"{period_text}, disclosure {options.disclosure}, {options.jobs} job(s)"
    )
    for area in state.areas:
        (state.staging / area.code).mkdir(parents=True, exist_ok=True)
    state.results += execute_all(state.executor, state.jobs, state.kernels.workers, progress)
    position: dict[tuple[str, str], int] = {}
    for area in state.areas:
        for theme in state.themes:
            position[(area.code, theme.name)] = len(position)
    state.results.sort(key=lambda outcome: position[(outcome.area_code, outcome.theme)])


def _print_pdfs(state: _RunState) -> None:
    """``--pdf``: print each exported appendix to ``<theme>.pdf`` in the staging folder, so it is
    promoted with its folder. An appendix that cannot be printed counts as failed (its previous
    appendix and PDF are kept); if Chromium cannot start, nothing is promoted (:class:`RunError`)."""
    exported = [outcome for outcome in state.results if outcome.status == "ok"]
    if state.options.progress and exported:
        print(f"printing {len(exported)} appendix(es) to PDF with headless Chromium", file=state.out)
    pages = [(state.staging / o.area_code / f"{o.theme}.html", state.staging / o.area_code / f"{o.theme}.pdf")
             for o in exported]
    try:
        printed = write_pdfs(pages)
    except PdfUnavailable as exc:
        raise RunError(f"{exc}. Nothing was promoted into reports/.", EXIT_FAILED) from exc
    for outcome, pdf in zip(exported, printed):
        if pdf.error:
            outcome.status, outcome.error = "failed", f"the PDF could not be made: {pdf.error}"
        else:
            outcome.pdf, outcome.pdf_pages = pdf.pdf.name, pdf.pages


def _promote_index_and_manifest(state: _RunState) -> RunResult:
    """Promote each area's files, then write its index page and manifest."""
    labels = {area.period.label for area in state.areas}
    result = RunResult(state.run_id, EXIT_OK, period=labels.pop() if len(labels) == 1 else None, results=state.results)
    for area in state.areas:
        _publish_area(state, area, result)
    return result


def _publish_area(state: _RunState, area: Area, result: RunResult) -> None:
    """Under the area's lock: assemble the complete new folder (this run's files, the previous
    run's carried forward), write its index and manifest into it, and swap it in. If any of it
    fails, the published folder is left exactly as it was and the run says so."""
    area_results = [outcome for outcome in state.results if outcome.area_code == area.code]
    final = state.final_dir(area)
    new = new_folder(final, state.run_id)
    try:
        with area_lock(final):  # one run at a time promotes into this folder
            try:
                recover(final)  # what a run killed while promoting left
                _assemble_area(state, area, area_results, final, new, result)
                swap_in(new, final, state.run_id)
            finally:
                shutil.rmtree(new, ignore_errors=True)
    except OSError as exc:
        result.messages.append(
            f"{area.code}: this run's appendices could not be put in place ({describe_os_error(exc)}); "
            f"the appendices published before are unchanged."
        )
        return
    result.report_dirs[area.code] = final


def _assemble_area(state: _RunState, area: Area, area_results: list[NotebookResult], final: Path, new: Path,
                   result: RunResult) -> None:
    """The new folder of an area: files, then manifest and index (see :func:`_publish_area`)."""
    previous = previous_manifest(final)
    carry = same_disclosure(previous, state.options.disclosure)
    if not carry:  # a folder an older version shared between public and internal runs
        other = previous["parameters"]["disclosure"]
        print(f"note {area.code}: {display_path(final)} held the appendices of {'an' if other == 'internal' else 'a'} "
              f"{other} run (an older version shared the folder); none of them is kept in this "
              f"{state.options.disclosure} run's folder.", file=state.out)
        previous = {}
    for outcome in area_results:
        outcome.run_id = state.run_id
    assemble(state.staging / area.code, final if carry else None, new, area_results)
    area_results = area_results + carried_forward(previous, new, {outcome.theme for outcome in area_results})
    finished = utc_now()
    manifest = build_manifest(
        run_id=state.run_id,
        parameters=run_parameters(state.options, area.period, area, state.areas, state.themes),
        started=state.started, finished=finished, validation=state.validation, quality=state.quality_rows,
        quality_note=state.quality_note, inputs=state.inputs,
        notebooks=notebook_entries(area_results, previous, new),
    )
    try:
        index_html = render_index(_index_page(state, area, new, area_results, previous, finished), roots=state.roots)
    except ExportError as exc:
        message = redact_paths(str(exc), state.path_names)
        result.messages.append(f"index page of {area.code} not written: {message}")
        manifest["index_error"] = message
        index_html = None
    failed_now = any(outcome.status == "failed" and not outcome.carried_forward for outcome in area_results)
    area_failed = failed_now or index_html is None or state.quality_rows is None
    manifest["exit_code"] = EXIT_FAILED if area_failed else EXIT_OK
    write_manifest_and_index(new, state.run_id, manifest, index_html)


def _index_page(state: _RunState, area: Area, final: Path, area_results: list[NotebookResult],
                previous: dict[str, Any], finished: dt.datetime) -> IndexPage:
    quality_rows, quality_note = state.quality_rows, state.quality_note
    if quality_rows is not None and state.quality_findings is not None and area.period != state.period:
        quality_rows = _finding_rows(_findings_up_to(state.quality_findings, area.period))
    if quality_rows is not None and not area.has_local_data:
        # the checks examine the local (board) datasets; this area has none
        quality_rows = None
        quality_note = (f"The data-quality checks examine the local (board) datasets; there is none for "
                        f"{area.name} in the data folder, so there are no findings to show.")
    return IndexPage(
        area_code=area.code, area_name=area.name, period=area.period.label, run_date=state.run_date,
        disclosure=state.options.disclosure,
        themes=theme_entries(final, area_results, previous),
        run=IndexRun(run_id=state.run_id, started=state.started.astimezone(), finished=finished.astimezone(),
                     counts_text=counts_text(area_results), inputs_text=inputs_text(state.inputs)),
        quality=quality_rows, quality_note=quality_note or NOT_CHECKED_NOTE, period_note=area.period_note,
    )


def _report_outcome(state: _RunState, result: RunResult) -> None:
    """Print a line per failure, where each index page is and the counts; set the exit code."""
    period_of = {area.code: area.period for area in state.areas}
    for outcome in state.results:
        if outcome.status == "failed":
            period = period_of.get(outcome.area_code, state.period)
            kept = ""
            if outcome.failed_notebook:
                kept_path = state.output_dir / outcome.area_code / period.slug / outcome.failed_notebook
                kept = f" Executed notebook kept: {display_path(kept_path)}"
            result.messages.append(
                f"FAILED {outcome.notebook} for {outcome.area_code} ({period.label}): {outcome.error}.{kept}"
            )
    for line in result.messages:
        print(line, file=state.out)
    exported = sum(outcome.status == "ok" for outcome in state.results)
    not_run = sum(outcome.status == "no_local_data" for outcome in state.results)
    for area_code, folder in result.report_dirs.items():
        print(f"{area_code}: {display_path(folder / 'index.html')}", file=state.out)
        printed = [f"{o.pdf} ({o.pdf_pages} page{'s' if o.pdf_pages != 1 else ''})" for o in state.results
                   if o.area_code == area_code and o.pdf and o.status == "ok"]
        if printed:
            print(f"{area_code}: PDF for printing, A4: {', '.join(printed)}", file=state.out)
    if state.options.disclosure == "internal" and result.report_dirs:
        print(f"Internal pages (not for publication: small numbers are not suppressed) are in "
              f"{display_path(state.output_dir)}, apart from the public appendices.", file=state.out)
    print(
        f"{exported} appendix(es) exported, {len(result.failed)} failed, {not_run} not run (no local data) "
        f"in {(utc_now() - state.started).total_seconds():.1f}s.",
        file=state.out,
    )
    if result.failed or result.messages or state.quality_rows is None:
        result.exit_code = EXIT_FAILED
