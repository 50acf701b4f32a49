"""The quarterly runner on tiny fixture notebooks (real kernels, papermill, nbconvert).

The data contracts (validate_raw, load, run_checks, latest_period) are replaced by fakes
(:mod:`conftest_runner`) so these tests exercise the runner itself; the shipped-data test in
``test_runner_shipped.py`` uses the real ones.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import re
import shutil
import time
from pathlib import Path

import nbformat
import pytest

from analysis.paths import REPO_ROOT
from analysis.pipeline import cli, execute, kernels, publish
from analysis.pipeline.areas import resolve_areas
from analysis.pipeline.cli import add_run_arguments, run_from_args
from analysis.pipeline.htmlcheck import check_html, local_roots
from analysis.pipeline.options import EXIT_FAILED, EXIT_OK, EXIT_USAGE, NotebookResult, RunError, fork_engine_available
from analysis.pipeline.runner import run
from analysis.pipeline.themes import discover_themes
from analysis.report.summary import read_summary

from conftest_runner import FIXTURE_NOTEBOOKS, contracts, strip_run_date, workspace  # noqa: F401

notebook = pytest.mark.notebook


def _run(ws, **kwargs):
    stream = io.StringIO()
    result = run(ws.options(**kwargs), stream=stream)
    return result, stream.getvalue()


# ---------------------------------------------------------------------------------------------
# command line (no kernels)


def test_run_arguments_defaults():
    parser = argparse.ArgumentParser()
    add_run_arguments(parser)
    args = parser.parse_args([])
    assert args.period is None  # latest period in the data
    assert args.areas == ["E10000031"]
    assert args.themes is None  # all themes
    assert args.disclosure == "public"
    assert args.jobs == 2
    assert args.cell_timeout > 0
    args = parser.parse_args(
        ["--period", "2017-18-Q4", "--area", "E10000031", "E08000025,E06000001", "--themes", "cdop", "training",
         "--disclosure", "internal", "--jobs", "3", "--cell-timeout", "30"]
    )
    opts = cli.options_from_args(args)
    assert opts.period == "2017-18-Q4" and opts.jobs == 3 and opts.cell_timeout == 30
    assert opts.areas == ["E10000031", "E08000025,E06000001"] and opts.themes == ["cdop", "training"]
    with pytest.raises(SystemExit):
        parser.parse_args(["--disclosure", "everyone"])


def test_cli_registers_run_subcommand():
    args = cli.build_parser().parse_args(["run", "--period", "2017-18 Q4"])
    assert args.func is run_from_args


def test_resolve_areas(contracts):
    ds = contracts.load()
    from analysis.periods import parse_period

    period = parse_period("2017-18 Q4")
    areas = resolve_areas(["E10000031", "E08000025,E10000031"], ds, period)
    assert [(a.code, a.name, a.has_local_data) for a in areas] == [
        ("E10000031", "Warwickshire", True),
        ("E08000025", "Birmingham", False),
    ]
    assert [a.code for a in resolve_areas(["all"], ds, period)] == list(contracts.las)
    with pytest.raises(RunError, match="unknown area code.*E99999999"):
        resolve_areas(["E99999999"], ds, period)


def test_unknown_theme_is_a_usage_error(workspace, contracts, capsys):
    workspace.add_theme("plain", "plain")
    parser = argparse.ArgumentParser()
    add_run_arguments(parser)
    args = parser.parse_args(["--themes", "nope", "--notebooks-dir", str(workspace.notebooks),
                              "--data-dir", str(workspace.raw), "--reports-dir", str(workspace.reports)])
    assert run_from_args(args) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "unknown theme(s): nope" in err and "plain" in err


def test_bad_input_stops_before_anything_runs(workspace, contracts, monkeypatch):
    workspace.add_theme("alpha", "plain")
    (workspace.reports / "E10000031" / "2017-18-Q4").mkdir(parents=True)
    (workspace.reports / "E10000031" / "2017-18-Q4" / "alpha.html").write_text("earlier good appendix")
    before = workspace.snapshot()
    contracts.problems = [
        runner_problem("board/observations.csv", 1, "value", "-4", "R02-count-nonneg"),
        runner_problem("board/observations.csv", 7, "period_end", "2018-02-30", "R09-dates-ordered"),
    ]
    import papermill

    monkeypatch.setattr(papermill, "execute_notebook", _must_not_run)
    result, output = _run(workspace)
    assert result.exit_code == EXIT_FAILED
    assert "row 1, column 'value': value '-4'" in output and "R02-count-nonneg" in output
    assert "row 7, column 'period_end'" in output and "R09-dates-ordered" in output
    assert "Nothing was executed" in output
    assert contracts.calls == ["earlier_validation", "validate_raw"]  # nothing loaded, checked or executed after it
    assert workspace.snapshot() == before


def test_files_that_passed_before_are_not_validated_again_unless_asked(workspace, contracts):
    """The same files, byte for byte, passed validation by the same code before: the run uses
    that result, says so and records it in the manifest; ``--revalidate`` validates afresh."""
    from conftest_runner import FakeReport

    workspace.add_theme("alpha", "plain")
    contracts.earlier = FakeReport(earlier="2026-12-01T09:00:00Z")
    result, output = _run(workspace)
    assert result.exit_code == EXIT_OK, output
    assert "validate_raw" not in contracts.calls and contracts.calls[0] == "earlier_validation"
    assert "earlier, at 2026-12-01T09:00:00Z; not repeated" in output
    manifest = json.loads((workspace.reports / "E10000031" / "2017-18-Q4" / "manifest.json").read_text())
    assert manifest["validation"] == {"ok": True, "problems": 0, "earlier": "2026-12-01T09:00:00Z"}

    contracts.calls.clear()
    result, output = _run(workspace, revalidate=True)
    assert result.exit_code == EXIT_OK, output
    assert contracts.calls[0] == "validate_raw" and "earlier_validation" not in contracts.calls
    manifest = json.loads((workspace.reports / "E10000031" / "2017-18-Q4" / "manifest.json").read_text())
    assert manifest["validation"] == {"ok": True, "problems": 0, "earlier": None}


def runner_problem(*args):
    from conftest_runner import FakeProblem

    return FakeProblem(*args)


def _must_not_run(*args, **kwargs):  # pragma: no cover - called only if the runner misbehaves
    raise AssertionError("a notebook was executed although validation failed")


def test_interrupted_run_promotes_nothing(workspace, contracts, monkeypatch):
    workspace.add_theme("alpha", "plain")
    workspace.add_theme("beta", "plain")
    final = workspace.reports / "E10000031" / "2017-18-Q4"
    final.mkdir(parents=True)
    (final / "alpha.html").write_text("earlier good appendix")
    before = workspace.snapshot()
    calls = []

    def fake_run(self, job, km=None):
        calls.append(job.theme.name)
        (job.staging / f"{job.theme.name}.html").write_text("new")
        if job.theme.name == "beta":
            raise KeyboardInterrupt
        result = NotebookResult(theme=job.theme.name, area_code=job.area.code, status="ok",
                                notebook="x", html=f"{job.theme.name}.html")
        return execute.Executed(job, result, job.staging / "x.ipynb", time.perf_counter())

    monkeypatch.setattr(execute.NotebookExecutor, "run", fake_run)
    with pytest.raises(KeyboardInterrupt):
        _run(workspace, jobs=1)
    assert calls == ["alpha", "beta"]
    assert workspace.snapshot() == before
    assert not (workspace.reports / publish.STAGING_DIR).exists()


# ---------------------------------------------------------------------------------------------
# real runs (kernels)


@notebook
def test_run_exports_appendices_index_and_manifest(workspace, contracts):
    workspace.add_theme("chart_table", "chart_table")  # national scope
    workspace.add_theme("plain", "plain")  # local scope
    result, output = _run(workspace, areas=["E10000031", "E08000025"])
    assert result.exit_code == EXIT_OK, output
    assert [(r.area_code, r.theme, r.status) for r in result.results] == [
        ("E10000031", "chart_table", "ok"),
        ("E10000031", "plain", "ok"),
        ("E08000025", "chart_table", "ok"),
        ("E08000025", "plain", "no_local_data"),
    ]
    # progress names what runs and what is done
    assert "running chart_table [E10000031]" in output and "done plain [E10000031]" in output

    war = workspace.reports / "E10000031" / "2017-18-Q4"
    bham = workspace.reports / "E08000025" / "2017-18-Q4"
    assert sorted(p.name for p in war.iterdir()) == [
        "chart_table.html", "chart_table.ipynb", "index.html", "manifest.json", "manifests", "plain.html", "plain.ipynb",
    ]
    assert sorted(p.name for p in bham.iterdir()) == [
        "chart_table.html", "chart_table.ipynb", "index.html", "manifest.json", "manifests",
    ]
    assert not (workspace.reports / publish.STAGING_DIR).exists()

    # the summary each notebook published is in its executed notebook, computed in the kernel
    s = read_summary(war / "chart_table.ipynb")
    assert s["area_code"] == "E10000031" and s["area_name"] == "Warwickshire" and s["period"] == "2017-18 Q4"
    assert read_summary(bham / "chart_table.ipynb")["area_name"] == "Birmingham"

    # every page is fit to publish (independent re-check) and holds what it should
    roots = local_roots([workspace.root])
    for page in [war / "chart_table.html", war / "plain.html", war / "index.html", bham / "index.html"]:
        html = page.read_text(encoding="utf-8")
        assert check_html(html, disclosure="public", roots=roots) == [], page
        assert str(workspace.root) not in html
        assert not re.search(r"<(script|link)\b", html)
    chart = (war / "chart_table.html").read_text(encoding="utf-8")
    assert re.search(r'<img alt="Bar chart: children on a plan[^"]*" src="data:image/png;base64,', chart)
    assert "<td>c</td>" in chart and "<td>3</td>" not in chart  # the notebook suppressed the 3
    assert "fixture warning" not in chart  # stderr is kept in the .ipynb only
    assert "fixture warning" in (war / "chart_table.ipynb").read_text(encoding="utf-8")

    index = (war / "index.html").read_text(encoding="utf-8")
    assert 'href="chart_table.html"' in index and 'href="plain.html"' in index
    assert "Children on a plan rose each quarter." in index  # key finding from the summary
    assert "the printed total is 2,943" in index  # data-quality finding
    assert "after the run's period" not in index  # a finding about a later quarter is left out
    assert 'href="manifest.json"' in index
    bham_index = (bham / "index.html").read_text(encoding="utf-8")
    assert "Birmingham has no local (board) data" in bham_index and 'href="plain.html"' not in bham_index
    assert "there is none for Birmingham" in bham_index and "2,943" not in bham_index  # not its findings

    # the first notebook of each worker ran on a kernel warmed during validation, silently:
    # its cells are still numbered from 1 and nothing of the warm-up is in the namespace
    assert any(r.prewarmed for r in result.results)
    for r in result.results:
        if r.status == "ok":
            nb = nbformat.read(workspace.reports / r.area_code / "2017-18-Q4" / f"{r.theme}.ipynb", as_version=4)
            counts = [c.execution_count for c in nb.cells if c.cell_type == "code"]
            assert counts == list(range(1, len(counts) + 1)), (r.theme, counts)
    # (the plain fixture itself asserts, in the kernel, that no warm-up name is left behind)

    manifest = json.loads((war / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["parameters"]["period"] == "2017-18 Q4"
    assert manifest["parameters"]["disclosure"] == "public"
    assert manifest["parameters"]["areas_in_run"] == ["E10000031", "E08000025"]
    by_path = {i["path"]: i for i in manifest["inputs"]}
    board = workspace.raw / "board" / "observations.csv"
    entry = next(v for k, v in by_path.items() if k.endswith("board/observations.csv"))
    assert entry["sha256"] == hashlib.sha256(board.read_bytes()).hexdigest()
    assert any(k.endswith("notebooks/plain.ipynb") for k in by_path)
    assert manifest["packages"]["papermill"] and manifest["packages"]["nbconvert"]
    assert manifest["started_at"] <= manifest["finished_at"]
    statuses = {n["theme"]: (n["status"], n["duration_s"] > 0) for n in manifest["notebooks"]}
    assert statuses == {"chart_table": ("ok", True), "plain": ("ok", True)}
    assert (war / "manifests" / f"{result.run_id}.json").read_text() == (war / "manifest.json").read_text()
    assert str(workspace.root) not in (war / "manifest.json").read_text()


@notebook
def test_promotion_waits_for_another_run_of_the_same_area_and_period(workspace, contracts):
    """Two runs of one area and period finishing together must not leave a mix of their files:
    while one holds the folder's lock, the other's finished appendix waits in staging."""
    import fcntl
    import threading

    workspace.add_theme("plain", "plain")
    final = workspace.reports / "E10000031" / "2017-18-Q4"
    locks = workspace.reports / publish.LOCKS_DIR
    locks.mkdir()
    holder = open(locks / "E10000031__2017-18-Q4.lock", "a+b")
    fcntl.flock(holder, fcntl.LOCK_EX)  # "the other run", promoting
    box = {}
    thread = threading.Thread(target=lambda: box.update(zip(("result", "output"), _run(workspace))))
    thread.start()
    try:
        deadline = time.monotonic() + 300
        staged = []
        while not staged and thread.is_alive() and time.monotonic() < deadline:
            staged = list((workspace.reports / publish.STAGING_DIR).glob("*/E10000031/plain.html"))
            time.sleep(0.2)
        assert staged, "the run never staged its appendix"
        time.sleep(1.5)
        assert thread.is_alive() and not (final / "plain.html").exists()  # waiting for the lock
    finally:
        fcntl.flock(holder, fcntl.LOCK_UN)
        holder.close()
        thread.join(300)
    assert box["result"].exit_code == EXIT_OK, box["output"]
    assert (final / "plain.html").exists() and (final / "index.html").exists()


@notebook
def test_failed_theme_keeps_previous_appendix_and_names_the_cell(workspace, contracts):
    workspace.add_theme("alpha", "plain")
    workspace.add_theme("beta", "plain")
    first, output = _run(workspace)
    assert first.exit_code == EXIT_OK, output
    final = workspace.reports / "E10000031" / "2017-18-Q4"
    beta_html = (final / "beta.html").read_bytes()
    beta_nb = (final / "beta.ipynb").read_bytes()
    alpha_before = (final / "alpha.html").read_text(encoding="utf-8")

    time.sleep(1.1)  # the second run's start time differs
    workspace.add_theme("beta", "fails")  # plant a failure
    second, output = _run(workspace)
    assert second.exit_code == EXIT_FAILED
    # the previous good appendix of the failed theme is untouched; the other theme re-exported
    assert (final / "beta.html").read_bytes() == beta_html
    assert (final / "beta.ipynb").read_bytes() == beta_nb
    assert strip_run_date((final / "alpha.html").read_text(encoding="utf-8")) == strip_run_date(alpha_before)
    # one line a person can act on: notebook, cell, error, where the failed notebook is
    line = next(line for line in output.splitlines() if line.startswith("FAILED"))
    assert "notebooks/beta.ipynb" in line
    assert "cell 4 (\"value = observations['children_on_cp_plan']\")" in line
    assert "KeyError: 'children_on_cp_plan'" in line
    assert "beta.failed.ipynb" in line
    failed = nbformat.read(final / "beta.failed.ipynb", as_version=4)
    assert any(o.get("output_type") == "error" for c in failed.cells for o in c.get("outputs", []))
    # the index says the appendix is the previous one
    index = (final / "index.html").read_text(encoding="utf-8")
    assert "could not be produced in this run" in index and 'href="beta.html"' in index
    assert "previous good one" in index
    manifest = json.loads((final / "manifest.json").read_text(encoding="utf-8"))
    beta = next(n for n in manifest["notebooks"] if n["theme"] == "beta")
    assert beta["status"] == "failed" and "KeyError" in beta["error"]
    assert beta["last_good_at"] == json.loads((final / "manifests" / f"{first.run_id}.json").read_text())["notebooks"][1]["finished_at"]

    # fixed again: the next run replaces the appendix and clears the failed notebook
    workspace.add_theme("beta", "plain")
    third, output = _run(workspace, themes=["beta"])
    assert third.exit_code == EXIT_OK, output
    assert not (final / "beta.failed.ipynb").exists()


@notebook
@pytest.mark.parametrize("engine", ["fork", "classic"])
def test_cell_timeout_fails_only_that_notebook(workspace, contracts, engine):
    if engine == "fork" and not fork_engine_available():
        pytest.skip("the fork engine needs os.fork and Linux")
    workspace.add_theme("sleeps", "sleeps")
    workspace.add_theme("plain", "plain")
    started = time.monotonic()
    result, output = _run(workspace, cell_timeout=3, engine=engine)
    assert time.monotonic() - started < 100  # the 120 s sleep was cut off
    assert result.exit_code == EXIT_FAILED
    status = {r.theme: r.status for r in result.results}
    assert status == {"plain": "ok", "sleeps": "failed"}
    line = next(line for line in output.splitlines() if line.startswith("FAILED"))
    assert "CellTimeoutError" in line and "within 3 seconds" in line and "sleeps.failed.ipynb" in line
    final = workspace.reports / "E10000031" / "2017-18-Q4"
    assert (final / "sleeps.failed.ipynb").exists() and not (final / "sleeps.html").exists()


@notebook
def test_leaky_notebooks_are_not_exported(workspace, contracts):
    workspace.add_theme("leaks_count", "leaks_count")
    workspace.add_theme("leaks_path", "leaks_path")
    result, output = _run(workspace)
    assert result.exit_code == EXIT_FAILED
    errors = {r.theme: r.error for r in result.results}
    assert "disclosure" in errors["leaks_count"] and "holds 3" in errors["leaks_count"]
    assert "absolute local path" in errors["leaks_path"] and "<data_dir>" in errors["leaks_path"]
    assert "'<data_dir>'" in errors["leaks_path"]
    final = workspace.reports / "E10000031" / "2017-18-Q4"
    assert (final / "index.html").exists()
    assert not (final / "leaks_count.html").exists() and not (final / "leaks_path.html").exists()
    assert (final / "leaks_count.failed.ipynb").exists()


@notebook
def test_kernels_use_ipc_sockets(tmp_path):
    """Parallel kernels must not race for TCP ports: each gets its own IPC socket folder."""
    from jupyter_core.utils import run_sync

    km_class = kernels.kernel_manager_class(tmp_path, {"PYTHONHASHSEED": "0"})
    kms = [km_class(kernel_name="python3"), km_class(kernel_name="python3")]
    assert kms[0].ip != kms[1].ip and all(k.transport == "ipc" for k in kms)
    km = kms[0]
    run_sync(km.start_kernel)()
    try:
        info = json.loads(Path(km.connection_file).read_text())
        assert info["transport"] == "ipc" and info["ip"].startswith(str(tmp_path))
        assert km in kernels.running_kernels()
    finally:
        run_sync(km.shutdown_kernel)(now=True)
    assert km not in kernels.running_kernels()
    assert not list(tmp_path.glob("*/s-*"))  # socket files cleaned up


def test_declared_small_counts_in_key_figures_are_found():
    summary = {"key_figures": {
        "panels": {"value": 4, "unit": "count"},
        "children": {"value": 564, "unit": "count"},
        "share": {"value": 3, "unit": "percent"},
        "undeclared": 2,  # a percentage or a count? not known: the HTML check decides
        "suppressed": {"value": "c", "unit": "count"},
    }}
    assert execute.small_key_figures(summary) == ["key figure 'panels' = 4"]


def test_discover_themes_order_and_scope(tmp_path):
    for name in ("zeta", "training", "cp_trends", "_draft"):
        shutil.copyfile(FIXTURE_NOTEBOOKS / "chart_table.ipynb", tmp_path / f"{name}.ipynb")
    shutil.copyfile(FIXTURE_NOTEBOOKS / "plain.ipynb", tmp_path / "cdop.ipynb")
    shutil.copyfile(FIXTURE_NOTEBOOKS / "sleeps.ipynb", tmp_path / "representation.ipynb")
    themes = discover_themes(tmp_path)
    # the four themes in report order, then others; drafts (_name) are not themes
    assert [t.name for t in themes] == ["cp_trends", "representation", "cdop", "training", "zeta"]
    scopes = {t.name: t.scope for t in themes}
    assert scopes["cdop"] == "local"  # declared in the notebook's metadata
    assert scopes["representation"] == "national"  # undeclared: runs for any area
    assert [t.name for t in discover_themes(tmp_path, ["training,cdop"])] == ["training", "cdop"]
    nb = json.loads((tmp_path / "zeta.ipynb").read_text())
    nb["metadata"]["safeguarding"] = {"scope": "regional"}
    (tmp_path / "zeta.ipynb").write_text(json.dumps(nb))
    with pytest.raises(RunError, match="zeta.ipynb: metadata safeguarding.scope is 'regional'"):
        discover_themes(tmp_path)


def test_shipped_theme_scopes_match_what_each_theme_can_say_without_board_data():
    """Training is built only from a board's own report, so it is declared ``local`` (a
    150-authority run skips it where there is no board data, and the index says so); the other
    themes have DfE/ONS sections and run for any authority."""
    repo_notebooks = REPO_ROOT / "notebooks"
    scopes = {t.name: t.scope for t in discover_themes(repo_notebooks)}
    assert scopes == {"cp_trends": "national", "representation": "national", "cdop": "national",
                      "training": "local"}
    from analysis.themes import cdop, training

    no_board = "E06000001"  # Hartlepool: DfE data, no board report in data/raw
    assert training.build(area_code=no_board, period="2017-18 Q4").status == "no_local_data"
    assert cdop.build(area_code=no_board, period="2017-18 Q4").status == "partial"
