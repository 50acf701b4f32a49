"""The fork-server engine (``--engine fork``, :mod:`analysis.pipeline.zygote`).

* a notebook sees no variable, module state (rcParams, seaborn theme, warnings filters, random
  state) or open file that another notebook left, and its kernel is a fork of the run's zygote;
* a kernel killed mid-run fails only its notebook ("the kernel died"); later notebooks run;
* a forked kernel can be interrupted (``KeyboardInterrupt`` in the cell) and killed (a cell
  timeout under each engine: ``test_runner.test_cell_timeout_fails_only_that_notebook``);
* a run stopped while the zygote imports stops at once, and so does the zygote;
* the zygote forks only while it has one OS thread and no zmq context, and the kernels'
  environment keeps the shipped notebooks' imports from starting threads;
* the shipped notebooks' appendices are byte-identical under both engines (apart from the
  run date).
"""

from __future__ import annotations

import io
import json
import os
import queue
import time
from pathlib import Path

import nbformat
import pytest
from jupyter_core.utils import run_sync

from analysis.pipeline import kernels, publish, runner, zygote
from analysis.pipeline.options import EXIT_FAILED, EXIT_OK, RunError, RunOptions, fork_engine_available
from analysis.pipeline.runner import run
from analysis.pipeline.themes import THEMES, discover_themes, prewarm_modules

from conftest_runner import (  # noqa: F401
    FIXTURE_NOTEBOOKS, REPO, contracts, slow_warm_imports, strip_run_date, workspace,
)

pytestmark = [
    pytest.mark.notebook,
    pytest.mark.skipif(not fork_engine_available(), reason="the fork engine needs os.fork and Linux"),
]

MUTATES = '''\
import os, random, warnings
import numpy as np
import matplotlib
import seaborn as sns
print("numpy draw", np.random.random(), "random draw", random.random())
leaked_variable = 1
matplotlib.rcParams["figure.dpi"] = 17
sns.set_theme(style="darkgrid")
warnings.filterwarnings("ignore", message="sg-leak-marker")
np.random.seed(12345)
random.seed(12345)
np.leaked_attribute = True
leaked_file = open(os.path.join(data_dir, "leak-marker.txt"), "w")
leaked_file.write("still open")
'''

CHECKS = '''\
import os, random, warnings
import numpy as np
import matplotlib
import seaborn as sns
parent = open(f"/proc/{os.getppid()}/cmdline", "rb").read()
assert b"analysis.pipeline.zygote" in parent, "not a fork of the zygote"
print("numpy draw", np.random.random(), "random draw", random.random())
assert "leaked_variable" not in globals()
assert matplotlib.rcParams["figure.dpi"] == matplotlib.rcParamsDefault["figure.dpi"]
assert matplotlib.rcParams["axes.facecolor"] == matplotlib.rcParamsDefault["axes.facecolor"]  # no seaborn theme
assert not any(getattr(f[1], "pattern", None) == "sg-leak-marker" for f in warnings.filters)
assert not hasattr(np, "leaked_attribute")
seeded = np.random.RandomState(12345)
seeded.random_sample()
assert not (np.random.get_state()[1] == seeded.get_state()[1]).all()
marker = os.path.join(data_dir, "leak-marker.txt")
open_files = [os.readlink(f"/proc/self/fd/{fd}") for fd in os.listdir("/proc/self/fd")
              if os.path.exists(f"/proc/self/fd/{fd}")]
assert marker not in open_files, open_files
'''

DIES = '''\
import os, signal
os.kill(os.getpid(), signal.SIGKILL)
'''


def _theme(ws, name: str, code: str) -> Path:
    """The ``plain`` fixture with ``code`` as a cell after its parameters."""
    nb = nbformat.read(str(FIXTURE_NOTEBOOKS / "plain.ipynb"), as_version=4)
    nb.cells.insert(1, nbformat.v4.new_code_cell(code))
    path = ws.notebooks / f"{name}.ipynb"
    nbformat.write(nb, str(path))
    return path


def _run(ws, **kwargs):
    stream = io.StringIO()
    result = run(ws.options(engine="fork", **kwargs), stream=stream)
    return result, stream.getvalue()


def _draws(executed: Path) -> str:
    nb = nbformat.read(str(executed), as_version=4)
    return next(o["text"] for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
                if o.get("output_type") == "stream" and "numpy draw" in o.get("text", ""))


def test_a_notebook_sees_nothing_another_left(workspace, contracts):
    _theme(workspace, "a_mutates", MUTATES)
    _theme(workspace, "b_checks", CHECKS)
    _theme(workspace, "c_checks", CHECKS)
    result, output = _run(workspace, jobs=1)  # one after another: any leak would reach the next
    assert result.exit_code == EXIT_OK, output
    final = workspace.reports / "E10000031" / "2017-18-Q4"
    draws = {name: _draws(final / f"{name}.ipynb") for name in ("a_mutates", "b_checks", "c_checks")}
    assert len(set(draws.values())) == 3, draws  # each fork draws its own random seed
    manifest = json.loads((final / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["parameters"]["kernel_engine"] == "fork"


def test_a_killed_kernel_fails_only_its_notebook(workspace, contracts):
    _theme(workspace, "a_dies", DIES)
    workspace.add_theme("b_plain", "plain")
    workspace.add_theme("c_plain", "plain")
    result, output = _run(workspace, jobs=1)  # the same worker and zygote serve the notebooks after it
    assert result.exit_code == EXIT_FAILED
    status = {r.theme: r.status for r in result.results}
    assert status == {"a_dies": "failed", "b_plain": "ok", "c_plain": "ok"}, output
    error = next(r.error for r in result.results if r.theme == "a_dies")
    assert "the kernel died" in error


def test_an_unknown_area_stops_the_zygote_at_once(workspace, contracts, monkeypatch, tmp_path):
    """As ``test_an_unknown_area_stops_the_warm_kernels_at_once`` (test_run_safety), with the
    zygote busy importing a module that takes a minute: the run stops at once, so does the zygote."""
    workspace.add_theme("plain", "plain")
    slow_warm_imports(monkeypatch, tmp_path)
    started = []
    start_zygote = kernels.start_zygote

    def recorded(*args, **kwargs):
        started.append(start_zygote(*args, **kwargs))
        return started[-1]

    monkeypatch.setattr(kernels, "start_zygote", recorded)
    loaded = contracts.load
    found = {}

    def load_while_the_zygote_imports(raw_dir=None, **kwargs):
        deadline = time.monotonic() + 60
        while not (started and started[0].socket_path.exists()) and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1)  # the zygote is now importing the slow module
        found["importing"] = started[0].process.poll() is None and not (started[0].socket_path.parent
                                                                         / zygote.ZYGOTE_LOG).stat().st_size
        found["loaded_at"] = time.monotonic()
        return loaded(raw_dir, **kwargs)

    monkeypatch.setattr(runner.processed, "load", load_while_the_zygote_imports)
    with pytest.raises(RunError, match="unknown area code.*E99999999"):
        _run(workspace, areas=["E99999999"], prewarm=True, jobs=1)
    stopped_after = time.monotonic() - found["loaded_at"]
    assert found["importing"], "the zygote was not importing: the test proves nothing"
    assert stopped_after < 5, f"the run waited {stopped_after:.1f} s for its zygote"
    assert started[0].process.poll() is not None
    assert kernels.running_kernels() == set()
    assert not (workspace.reports / publish.STAGING_DIR).exists()


def test_the_command_starts_the_zygote_before_anything_else_and_stops_it_with_the_run(workspace, contracts,
                                                                                    monkeypatch, capsys):
    """``safeguarding run`` starts the zygote as soon as the request is checked, before the runner
    validates (so the zygote's imports overlap the runner's); a run that then stops (an area code
    of the right form that the data does not know) stops the zygote too."""
    from analysis.pipeline import cli

    workspace.add_theme("plain", "plain")
    started = []
    start_zygote = kernels.start_zygote

    def recorded(*args, **kwargs):
        contracts.calls.append("zygote started")
        started.append(start_zygote(*args, **kwargs))
        return started[-1]

    monkeypatch.setattr(kernels, "start_zygote", recorded)
    code = cli.main(["run", "--period", "2017-18-Q4", "--area", "E99999999", "--engine", "fork",
                     "--data-dir", str(workspace.raw), "--notebooks-dir", str(workspace.notebooks),
                     "--reports-dir", str(workspace.reports), "--quiet"])
    assert code == 2, capsys.readouterr().err
    assert "E99999999" in capsys.readouterr().err
    assert contracts.calls[:2] == ["zygote started", "earlier_validation"], contracts.calls
    assert len(started) == 1 and started[0].process.poll() is not None  # stopped with the run
    assert not started[0].socket_path.parent.exists()  # its folder removed
    assert kernels.running_kernels() == set()


@pytest.fixture
def forked_kernel(tmp_path):
    """A kernel forked from a zygote (no imports), with a started client."""
    client_zygote = zygote.start_zygote(tmp_path, [], kernels.KERNEL_ENV)
    manager = kernels.kernel_manager_class(tmp_path, kernels.KERNEL_ENV, client_zygote)(kernel_name="python3")
    run_sync(manager.start_kernel)()
    client = manager.client()
    client.start_channels()
    try:
        run_sync(client.wait_for_ready)(timeout=60)
        yield manager, client
    finally:
        client.stop_channels()
        run_sync(manager.shutdown_kernel)(now=True)
        client_zygote.close()


def _message(get, msg_id: str, timeout: float, msg_type: str | None = None) -> dict:
    """The first message from ``get`` (a channel's get) in reply to ``msg_id`` (of ``msg_type``)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            message = run_sync(get)(timeout=1)
        except queue.Empty:
            continue
        if message["parent_header"].get("msg_id") == msg_id and msg_type in (None, message["msg_type"]):
            return message
    raise AssertionError(f"no {msg_type or 'reply'} for {msg_id}")


def test_a_forked_kernel_is_interrupted_and_killed_like_a_launched_one(forked_kernel):
    manager, client = forked_kernel
    assert isinstance(manager.provisioner, zygote.ForkProvisioner)
    assert isinstance(manager.provisioner.process, zygote.ForkedKernel)  # forked, not launched
    pid = manager.provisioner.process.pid
    msg_id = client.execute("import time; time.sleep(60)")
    _message(client.get_iopub_msg, msg_id, 30, "execute_input")  # an interrupt before the cell starts is ignored
    time.sleep(0.5)
    started = time.monotonic()
    run_sync(manager.interrupt_kernel)()
    reply = _message(client.get_shell_msg, msg_id, 30)
    assert reply["content"]["status"] == "error" and reply["content"]["ename"] == "KeyboardInterrupt"
    assert time.monotonic() - started < 20
    reply = _message(client.get_shell_msg, client.execute("x = 6 * 7"), 30)  # the kernel goes on
    assert reply["content"]["status"] == "ok"
    kernels.kill_kernel(manager)
    deadline = time.monotonic() + 10
    while run_sync(manager.is_alive)() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not run_sync(manager.is_alive)()
    assert manager.provisioner.process.poll() == -9
    assert not Path(f"/proc/{pid}").exists()  # reaped by the zygote, no zombie


_FORK_SAFETY = """
import threading, time
from analysis.pipeline import zygote
print("alone:", zygote.fork_unsafe_reason())
stop = threading.Event()
thread = threading.Thread(target=stop.wait)
thread.start()
print("with a thread:", zygote.fork_unsafe_reason())
stop.set()
thread.join()
for _ in range(100):  # the OS thread is gone a moment after join
    if zygote.os_threads() == 1:
        break
    time.sleep(0.01)
print("thread gone:", zygote.fork_unsafe_reason())
import zmq
zmq.Context.instance()
print("with zmq:", zygote.fork_unsafe_reason())
"""


def test_the_zygote_refuses_to_fork_with_a_thread_running_or_a_zmq_context():
    """In a fresh process with the kernels' environment (this test process has imported numpy, whose
    OpenBLAS runs threads here): safe alone, refused with a thread or a zmq context."""
    import subprocess
    import sys

    env = {**os.environ, **kernels.KERNEL_ENV}
    out = subprocess.run([sys.executable, "-c", _FORK_SAFETY], env=env, capture_output=True, text=True,
                         check=True, timeout=120).stdout
    assert "alone: None" in out, out
    assert "with a thread: 2 OS threads (2 Python threads)" in out, out
    assert "thread gone: None" in out, out
    assert "with zmq: a zmq context exists" in out, out


def test_the_shipped_notebooks_imports_leave_the_zygote_safe_to_fork(tmp_path):
    modules = prewarm_modules(discover_themes(REPO / "notebooks"))
    client = zygote.start_zygote(tmp_path, modules, kernels.KERNEL_ENV)
    try:
        client.request({"op": "poll", "pid": 0}, timeout=120)  # answered once the imports are done
    finally:
        client.close()
    log = (tmp_path / zygote.ZYGOTE_LOG).read_text(encoding="utf-8")
    assert f"imported {len(modules)} module(s); fork safe" in log, log


def test_appendices_are_the_same_under_both_engines(tmp_path):
    pages = {}
    for engine in ("fork", "classic"):
        options = RunOptions(period="2017-18 Q4", areas=["E10000031"], reports_dir=tmp_path / engine,
                             jobs=2, engine=engine, progress=False)
        result = run(options, stream=io.StringIO())
        assert result.exit_code == EXIT_OK, result.messages
        final = tmp_path / engine / "E10000031" / "2017-18-Q4"
        pages[engine] = {theme: strip_run_date((final / f"{theme}.html").read_text(encoding="utf-8"))
                         for theme in THEMES}
    for theme in THEMES:
        assert pages["fork"][theme] == pages["classic"][theme], theme
