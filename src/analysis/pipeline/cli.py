"""The ``safeguarding`` command.

    safeguarding run        # the quarterly job: validate, build, execute every theme, export HTML
    safeguarding validate   # check data/raw; list every problem (file, row, column, value, rule)
    safeguarding declare    # rewrite a dataset's datapackage.json after a deliberate data change
    safeguarding check      # data-quality findings on data/raw
    safeguarding build      # rebuild data/processed from data/raw
    safeguarding periods    # which periods the data hold, per area (--area CODE: one area's)
    safeguarding template   # next quarter's workbook, laid out like the board's tables
    safeguarding import     # a filled workbook into data/raw, only when every cell is right

Exit codes: 0 success; 1 invalid input data or a failed theme; 2 wrong usage.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import importlib.util
import signal
import sys
import tempfile
import threading
import traceback
from collections.abc import Iterator
from pathlib import Path

from types import ModuleType
from typing import Any

from .. import __version__
from ..formatting import SMALL_COUNT_THRESHOLD
from .options import (
    DEFAULT_AREA, DEFAULT_CELL_TIMEOUT, DEFAULT_ENGINE, DEFAULT_JOBS, DEFAULT_KERNEL, ENGINES, EXIT_FAILED,
    EXIT_INTERRUPTED, RunError, RunOptions, describe_os_error, first_line,
)
from .request import check_request
from .themes import THEMES


def _lazy(name: str) -> ModuleType:
    """Module ``name``, loaded on first use: ``safeguarding run --period banana`` is answered
    before pandas, scipy, nbformat and the rest are imported (several seconds on a busy machine)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    return module


pd = _lazy("pandas")
processed = _lazy("analysis.processed")
quality = _lazy("analysis.quality")
ingest = _lazy("analysis.ingest.dataset")


class _Deferred:
    """A value of a heavy module, looked up when argparse first needs it (``--help``, or a
    ``--disclosure`` value to check), not when the command starts."""

    def __init__(self, module: str, name: str):
        self._module, self._name = module, name

    def value(self) -> Any:
        return getattr(importlib.import_module(self._module), self._name)

    def __str__(self) -> str:
        return str(self.value())

    def __iter__(self):
        return iter(self.value())

    def __contains__(self, item: object) -> bool:
        return item in self.value()

    def __len__(self) -> int:
        return len(self.value())

    def __getitem__(self, index: int) -> Any:
        return self.value()[index]


DISCLOSURE_MODES = _Deferred("analysis.report.model", "DISCLOSURE_MODES")


def _add_raw(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--raw", "--data-dir", dest="raw", type=Path, default=None,
                        help="input folder (default: the repository's data/raw)")


def cmd_validate(args: argparse.Namespace) -> int:
    report = ingest.validate_raw(args.raw)
    print(report)
    return 0 if report.ok else 1


def cmd_declare(args: argparse.Namespace) -> int:
    """Rewrite a dataset folder's datapackage.json after a deliberate change, saying what changed."""
    from ..ingest import declaration
    from .workbooks import dataset_folder

    folder = dataset_folder(args.raw, args.dataset, "declare")
    if not folder.is_dir():
        print(f"safeguarding declare: no dataset folder {args.dataset!r} (give a folder of data/raw, e.g. wscb_2017_18)",
              file=sys.stderr)
        return 2
    before = declaration.declared_files(folder)
    path = declaration.declare(folder)
    after = declaration.declared_files(folder)
    for line in declaration.describe_changes(before, after):
        print(line)
    print(f"wrote {path}: {len(after)} file(s) declared. Run `safeguarding validate` next.")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    report = ingest.validate_raw(args.raw)
    if not report.ok:
        print(report)
        return 1
    findings = quality.run_checks(processed.load(args.raw))
    print(quality.format_findings(findings))
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    report = ingest.validate_raw(args.raw)
    print(report)
    if not report.ok:
        return 1
    written = processed.build_processed(args.raw, args.out)
    for name, path in written.items():
        print(f"wrote {name}: {path}")
    print()
    print(quality.format_findings(pd.read_csv(written["quality_findings"], keep_default_na=False)))
    return 0


def cmd_periods(args: argparse.Namespace) -> int:
    """What periods the data hold: for one area (``--area``) its board quarters and DfE years
    and the latest of them (the default period of a run); else every area with board data,
    then DfE's years and the authorities whose DfE years end earlier."""
    dataset = processed.load(args.raw)
    if args.area:
        for code in args.area:
            if not dataset.is_known_area(code):
                close = dataset.similar_areas(code)
                hint = f" Did you mean {' or '.join(close)}?" if close else ""
                print(f"safeguarding periods: unknown area code {code!r}.{hint}", file=sys.stderr)
                return 2
        for code in args.area:
            print(_area_periods_text(processed.area_periods(dataset, code)))
        return 0
    observations = dataset.observations
    local_codes = observations.loc[observations["source"] != "dfe", "new_la_code"]
    print("Board (local) data:")
    for area in sorted({code for code in local_codes if code}) or []:
        coverage = processed.area_periods(dataset, area)
        print(f"  {area} {coverage.area_name}: {_labels(coverage.board_quarters)}")
    if not any(local_codes):
        print("  none")
    years = dataset.dfe_years()
    print(f"DfE years (figures at 31 March): {_labels(years)}")
    if years:
        authorities = dataset.local_authorities()
        earlier = []
        for code, name in zip(authorities["new_la_code"], authorities["la_name"]):
            own = dataset.dfe_years(code)
            if own and own[-1] != years[-1]:
                earlier.append(f"  {code} {name}: {_labels(own)}")
        print(f"{len(authorities) - len(earlier)} local authorities have DfE figures to {years[-1].label}; "
              f"{len(earlier)} end earlier (reorganised or replaced):")
        print("\n".join(earlier) if earlier else "  none")
    print("Each area's default period: `safeguarding periods --area CODE`.")
    return 0


def _labels(periods) -> str:
    return ", ".join(period.label for period in periods) or "none"


def _area_periods_text(coverage: processed.AreaPeriods) -> str:
    latest = coverage.latest
    lines = [
        f"{coverage.area_code} {coverage.area_name}",
        f"  board quarters: {_labels(coverage.board_quarters)}",
        f"  DfE years (figures at 31 March): {_labels(coverage.dfe_years)}",
        f"  default period: {latest.label}: {coverage.latest_reason()}" if latest else "  default period: none",
    ]
    return "\n".join(lines)


# ----------------------------------------------------------------------------------------------
# safeguarding run


def add_run_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``safeguarding run`` options to ``parser``."""
    parser.description = (
        "Validate the input data, execute every theme notebook with papermill (in parallel) and "
        "export self-contained HTML appendices, an index page and a manifest into "
        "reports/<area>/<period>/ (internal runs: reports/internal/<area>/<period>/)."
    )
    parser.add_argument("--period", default=None,
                        help="quarter to report, e.g. 2017-18-Q4 or '2017-18 Q4' (default: latest quarter in the data)")
    parser.add_argument("--area", "--areas", dest="areas", nargs="+", default=[DEFAULT_AREA], metavar="CODE",
                        help="local authority code(s), space- or comma-separated, or 'all' "
                             f"(default: {DEFAULT_AREA}, Warwickshire)")
    parser.add_argument("--themes", "--theme", dest="themes", nargs="+", default=None, metavar="THEME",
                        help=f"themes to run (default: every notebook in notebooks/: {', '.join(THEMES)})")
    disclosure = parser.add_argument(
        "--disclosure", choices=DISCLOSURE_MODES, default="public", metavar="MODE",
        help="public (default): counts from 1 to %(small_count)s suppressed; internal: not for publication, "
             "written to <reports>/internal/ with a banner on every page")
    disclosure.small_count = SMALL_COUNT_THRESHOLD  # read by argparse only when the help is printed
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
    parser.add_argument("--engine", choices=ENGINES, default=DEFAULT_ENGINE,
                        help="fork: each notebook's kernel is a fresh fork of one process that has imported what the "
                             "notebooks import; classic: each kernel is launched and imports on its own "
                             f"(default here: {DEFAULT_ENGINE})")
    parser.add_argument("--revalidate", action="store_true",
                        help="validate the input data afresh even when exactly the same files passed validation "
                             "by the same code before (by default that earlier result is used, and the run says so)")
    parser.add_argument("--pdf", action="store_true",
                        help="also print each appendix to an A4 PDF for board papers (needs Chromium and playwright)")
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
        engine=getattr(args, "engine", DEFAULT_ENGINE),
        pdf=getattr(args, "pdf", False),
        revalidate=getattr(args, "revalidate", False),
    )


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
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


def _keep_traceback() -> str:
    """Write the current exception's traceback to a file for whoever maintains the toolkit; its path."""
    with tempfile.NamedTemporaryFile("w", prefix="safeguarding-run-", suffix=".txt", delete=False,
                                     encoding="utf-8") as handle:
        handle.write(traceback.format_exc())
    return handle.name


def _start_zygote_early(options: RunOptions, request: Any) -> Any:
    """With the fork engine, the run's kernel folder and zygote, started before the runner's own
    libraries are imported: the zygote's imports (about 2 s) then overlap the runner's imports
    and validation on the second core instead of following them. ``None`` for the classic engine."""
    if options.engine != "fork":
        return None
    from .kernels import open_kernel_folder
    from .themes import prewarm_modules

    return open_kernel_folder("fork", prewarm_modules(request.themes))


def _skip_slow_optional_imports() -> None:
    """Leave out ``rfc3987_syntax``, which jsonschema (imported by nbformat) imports if it is
    installed, to check strings of the "iri" format: importing it builds some 35 Lark parsers,
    about 1 s of the run's start here (reported upstream as jsonschema issue 1428). No notebook
    schema uses that format and nothing in the run asks jsonschema to check formats, so the run
    marks the module as absent and jsonschema goes on without that one check, as it does when
    the module is not installed. Only in this command's process; an analyst's session is untouched."""
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]


def run_from_args(args: argparse.Namespace) -> int:
    """Entry point of ``safeguarding run``; returns the exit code. Every problem of input,
    usage or environment is one line on stderr, never a traceback."""
    try:
        options = options_from_args(args)
        request = check_request(options)  # usage errors: answered before the runner and its libraries load
        with _sigterm_as_interrupt():
            folder = _start_zygote_early(options, request)
            try:
                _skip_slow_optional_imports()
                from .runner import run
            except BaseException:
                if folder is not None:
                    folder.close(now=True)
                raise
            return run(options, kernel_folder=folder).exit_code
    except RunError as exc:
        print(f"safeguarding run: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("safeguarding run: interrupted; nothing was promoted into reports/ and earlier appendices are untouched.",
              file=sys.stderr)
        return EXIT_INTERRUPTED
    except OSError as exc:  # the machine, not the data: a full disk, a folder that cannot be written...
        print(f"safeguarding run: stopped: {describe_os_error(exc)}. Nothing was promoted into reports/.",
              file=sys.stderr)
        return EXIT_FAILED
    except Exception as exc:  # noqa: BLE001 - a fault of the toolkit itself: one line, details kept in a file
        try:
            where = f" (details in {_keep_traceback()})"
        except OSError:
            where = ""
        print(f"safeguarding run: stopped by an unexpected error: {type(exc).__name__}: {first_line(str(exc), 200)}{where}. "
              "Nothing was promoted into reports/.", file=sys.stderr)
        return EXIT_FAILED


# ----------------------------------------------------------------------------------------------
# The command


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="safeguarding", description=__doc__.split("\n\n")[0])
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    command = sub.add_parser("validate", help="validate data/raw and list every problem")
    _add_raw(command)
    command.set_defaults(func=cmd_validate)

    command = sub.add_parser("declare", help="rewrite a dataset folder's datapackage.json after a deliberate change")
    _add_raw(command)
    command.add_argument("--dataset", required=True, metavar="DIR",
                         help="the dataset folder (a name under data/raw such as wscb_2017_18, or a path)")
    command.set_defaults(func=cmd_declare)

    command = sub.add_parser("check", help="print the data-quality findings")
    _add_raw(command)
    command.set_defaults(func=cmd_check)

    command = sub.add_parser("build", help="rebuild data/processed from data/raw")
    _add_raw(command)
    command.add_argument("--out", type=Path, default=None, help="output folder (default: data/processed)")
    command.set_defaults(func=cmd_build)

    command = sub.add_parser("periods", help="list the periods the data hold, per area")
    _add_raw(command)
    command.add_argument("--area", "--areas", dest="area", nargs="+", default=None, metavar="CODE",
                         help="local authority code(s): their board quarters, DfE years and default period")
    command.set_defaults(func=cmd_periods)

    from .workbooks import add_parsers

    add_parsers(sub, _add_raw)

    command = sub.add_parser("run", help="run every theme notebook and export the HTML appendices")
    add_run_arguments(command)
    command.set_defaults(func=run_from_args)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except _lazy("analysis.ingest.schema").DataValidationError as exc:  # e.g. `periods` on invalid data: the report, not a traceback
        print(exc.report)
        return 1


def console() -> None:
    """The ``safeguarding`` command (and ``python -m analysis.pipeline.cli``): :func:`main`, then
    exit without Python's garbage collection at shutdown, which has nothing to free in a process
    about to end but takes about 0.3 s after a run (pandas, nbconvert and papermill hold millions
    of objects). Exit handlers still run and files are flushed as usual. Not in :func:`main`,
    which tests and other programs call in their own long-lived process."""
    code = main()
    gc.disable()
    gc.freeze()
    sys.exit(code)


if __name__ == "__main__":  # pragma: no cover
    console()
