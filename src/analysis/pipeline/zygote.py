"""Fork-server kernels (``--engine fork``): one pristine process per run, a fork per notebook.

The **zygote** is a process started once per run (``python -m analysis.pipeline.zygote``, with
the kernels' environment) that imports ipykernel and the modules the theme notebooks import,
then only answers requests on a Unix socket in the run's socket folder: *fork a kernel*, *has
it exited*, *send it a signal*. It never runs notebook code. Each kernel is a fork of it: the
child starts a new session, points stdout/stderr at the kernel's log, takes the kernel's
environment and working folder, draws a fresh random seed and runs ipykernel's
``IPKernelApp`` on the connection file jupyter_client wrote, exactly as ``ipykernel_launcher``
would, so to papermill and nbclient it is an ordinary kernel (same messages, same outputs;
interrupt, timeout and a dead kernel behave as with a launched one).

Shared between kernels: only what the zygote held when it forked, copy-on-write, i.e. the
imported modules in their just-imported state. Not shared: everything a notebook does (its
namespace, later module state such as rcParams, seaborn's theme, warnings filters, random
state, open files), since each notebook's kernel is a fresh fork of the same pristine parent.
The zygote forks only while it holds a single OS thread and no zmq context (checked before
every fork: the kernels' environment keeps OpenBLAS and Arrow's jemalloc from starting
threads); otherwise, or if the kernel command is not ipykernel's, a kernel is launched the
classic way. :class:`ForkProvisioner` is the jupyter_client kernel provisioner that asks the
zygote for a kernel; :func:`start_zygote` starts one for a run.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from jupyter_client.provisioning import LocalProvisioner

ZYGOTE_SOCKET = "zygote.sock"
ZYGOTE_LOG = "zygote.log"
ZYGOTE_PID_FILE = "zygote.pid"
#: The module ``python -m`` runs as a kernel (the ipykernel kernel spec's command).
_LAUNCHER = "ipykernel_launcher"


# ----------------------------------------------------------------------------------------------
# The zygote process


def os_threads() -> int:
    """This process's OS threads (not only Python's: native libraries start their own)."""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return threading.active_count()


def fork_unsafe_reason() -> str | None:
    """Why this process must not fork now (a thread, or a zmq context), or ``None``."""
    if threading.active_count() != 1 or os_threads() != 1:
        return f"{os_threads()} OS threads ({threading.active_count()} Python threads)"
    zmq = sys.modules.get("zmq")
    if zmq is not None and getattr(zmq.Context, "_instance", None) is not None:
        return "a zmq context exists"
    return None


def _read_line(sock: socket.socket) -> bytes:
    """One newline-ended message (no ``makefile``: a forked child must be able to close the socket)."""
    data = b""
    while not data.endswith(b"\n"):
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def _reap(live: dict[int, int | None]) -> None:
    """Collect every exited child's status (Popen's convention: -N for signal N)."""
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        live[pid] = os.waitstatus_to_exitcode(status)


def _stop_all(live: dict[int, int | None]) -> None:
    """Kill every kernel still running and reap it (no zombie is left to an init that may not reap)."""
    _reap(live)
    for pid, code in live.items():
        if code is None:
            for kill in (os.killpg, os.kill):  # its group (its own children), and itself if not yet a leader
                with contextlib.suppress(OSError):
                    kill(pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)


def _run_kernel(request: dict[str, Any], sockets: Sequence[socket.socket]) -> None:
    """In the forked child: become the kernel, as ``python -m ipykernel_launcher <args>`` would."""
    code = 1
    try:
        for sock in sockets:
            sock.close()
        os.setsid()  # its own process group: an interrupt reaches the kernel and its children only
        for signum in (signal.SIGTERM, signal.SIGCHLD, signal.SIGPIPE):
            signal.signal(signum, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.close(log)
        os.close(null)
        env = dict(request["env"])
        env["JPY_PARENT_PID"] = str(os.getppid())  # the kernel exits if the zygote goes away
        os.environ.clear()
        os.environ.update(env)
        os.chdir(request["cwd"])
        numpy = sys.modules.get("numpy")
        if numpy is not None:  # a fresh process seeds from the OS; a fork would repeat its parent
            numpy.random.seed()
        sys.argv = [_LAUNCHER, *request["argv"]]
        if sys.path and Path(sys.path[0] or ".").resolve() == Path.cwd():
            del sys.path[0]  # as ipykernel_launcher does (IPython adds the folder back)
        from ipykernel import kernelapp

        kernelapp.launch_new_instance()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:  # noqa: BLE001 - the kernel's log says why; the child must not return
        with contextlib.suppress(Exception):
            traceback.print_exc()
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


def _answer(request: dict[str, Any], live: dict[int, int | None], sockets: Sequence[socket.socket]) -> dict:
    op = request.get("op")
    if op == "fork":
        reason = fork_unsafe_reason()
        if reason:
            return {"error": f"the zygote cannot fork safely: {reason}"}
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            _run_kernel(request, sockets)  # never returns
        live[pid] = None
        return {"pid": pid}
    pid = int(request.get("pid", 0))
    if pid not in live:
        return {"error": f"not a kernel of this zygote: {pid}"}
    if op == "poll":
        return {"returncode": live[pid]}
    if op == "signal":
        if live[pid] is None:  # not reaped yet: the pid is still this kernel's
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, int(request["signum"]))
        return {"ok": True}
    return {"error": f"unknown request {op!r}"}


def serve(socket_path: str, modules: Sequence[str]) -> None:
    """The zygote: listen, import ``modules``, then answer requests until the run ends."""
    runner = os.getppid()
    live: dict[int, int | None] = {}

    def stop(signum: int, frame: Any) -> None:
        _stop_all(live)
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(socket_path)
    listener.listen(64)  # requests wait in the backlog while the imports run
    for name in ["ipykernel.kernelapp", *modules]:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - as the prewarm: the notebook then reports it itself
            pass
    print(f"zygote {os.getpid()}: imported {len(modules)} module(s); "
          f"fork {'refused: ' + fork_unsafe_reason() if fork_unsafe_reason() else 'safe'}", flush=True)
    listener.settimeout(1.0)
    while True:
        _reap(live)
        if os.getppid() != runner:  # the run was killed: so are its kernels
            _stop_all(live)
            return
        try:
            conn, _ = listener.accept()
        except socket.timeout:
            continue
        with conn:
            conn.settimeout(10.0)  # a client that never sends cannot stall the run's other kernels
            try:
                request = json.loads(_read_line(conn) or b"{}")
                if request.get("op") == "quit":  # the run's kernels have been shut down; any left is killed
                    _stop_all(live)
                    conn.sendall(b'{"ok": true}\n')
                    sys.stdout.flush()
                    os._exit(0)  # as on SIGTERM: nothing to tidy, and tearing down its imports takes ~0.3 s
                _reap(live)
                reply = _answer(request, live, [listener, conn])
                conn.sendall(json.dumps(reply).encode() + b"\n")
            except (OSError, ValueError) as exc:
                print(f"zygote: bad request: {exc}", flush=True)


# ----------------------------------------------------------------------------------------------
# The runner's side


class ZygoteClient:
    """Requests to one zygote (one connection each, so any thread may ask)."""

    def __init__(self, socket_path: Path, process: subprocess.Popen | None = None):
        self.socket_path = socket_path
        self.process = process
        self.closed = False  # the run is over: no kernel is to start, by fork or otherwise

    def request(self, message: dict[str, Any], timeout: float = 10.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                    sock.settimeout(max(deadline - time.monotonic(), 0.1))
                    sock.connect(str(self.socket_path))
                    sock.sendall(json.dumps(message).encode() + b"\n")
                    line = _read_line(sock)
                if not line:
                    raise ConnectionError("the zygote closed the connection")
                return json.loads(line)
            except (FileNotFoundError, ConnectionRefusedError):  # still starting
                if time.monotonic() >= deadline or (self.process is not None and self.process.poll() is not None):
                    raise ConnectionError("the zygote is not running") from None
                time.sleep(0.05)

    def close(self, now: bool = False) -> None:
        """Stop the zygote (it kills any kernel still running); ``now``: kill it at once, even
        while it imports (a kernel start waiting for it then fails at once)."""
        if self.closed and (self.process is None or self.process.poll() is not None):
            return
        self.closed = True
        if not now:
            with contextlib.suppress(Exception):
                self.request({"op": "quit"}, timeout=2.0)
        if self.process is not None:
            if now:  # its SIGTERM handler kills its kernels, even in the middle of an import
                with contextlib.suppress(OSError):
                    self.process.terminate()
            try:
                self.process.wait(timeout=2 if now else 5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_zygote(folder: Path, modules: Sequence[str], env: dict[str, str]) -> ZygoteClient:
    """Start the run's zygote in ``folder`` (its socket, log and pid file) importing ``modules``."""
    socket_path = folder / ZYGOTE_SOCKET
    with open(folder / ZYGOTE_LOG, "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", __name__, str(socket_path), json.dumps(list(modules))],
            env={**os.environ, **env}, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
            start_new_session=True,  # a Ctrl-C in the terminal reaches the runner, which stops the run
        )
    with contextlib.suppress(OSError):
        (folder / ZYGOTE_PID_FILE).write_text(str(process.pid), encoding="ascii")
    return ZygoteClient(socket_path, process)


class ForkedKernel:
    """What a provisioner needs of ``subprocess.Popen``, for a kernel the zygote forked."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int, zygote: ZygoteClient):
        self.pid = pid
        self.zygote = zygote
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                self.returncode = self.zygote.request({"op": "poll", "pid": self.pid}).get("returncode")
            except (OSError, ValueError):  # the zygote is gone: so is the kernel (it follows its parent)
                self.returncode = -signal.SIGKILL
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(_LAUNCHER, timeout or 0)
            time.sleep(0.05)
        return self.returncode  # type: ignore[return-value]

    def send_signal(self, signum: int) -> None:
        with contextlib.suppress(OSError, ValueError):
            self.zygote.request({"op": "signal", "pid": self.pid, "signum": int(signum)})

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


def kernel_arguments(cmd: Sequence[str]) -> list[str] | None:
    """The arguments of an ``<this python> -m ipykernel_launcher ...`` command, else ``None``."""
    if len(cmd) >= 3 and list(cmd[1:3]) == ["-m", _LAUNCHER]:
        program = shutil.which(cmd[0]) or cmd[0]  # a kernel of another Python is launched as usual
        with contextlib.suppress(OSError):
            if Path(program).resolve() == Path(sys.executable).resolve():
                return list(cmd[3:])
    return None


class ForkProvisioner(LocalProvisioner):  # type: ignore[misc]
    """jupyter_client's local provisioner, except that an ipykernel kernel is forked from the
    run's zygote instead of launched (any other kernel, or a refused fork: launched as usual)."""

    zygote: ZygoteClient | None = None
    start_timeout: float = 60.0

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> Any:
        argv = kernel_arguments(cmd)
        log = getattr(self.parent, "kernel_log", None)
        if self.zygote is None or argv is None or log is None:
            return await super().launch_kernel(cmd, **kwargs)
        request = {
            "op": "fork", "argv": argv, "log": str(log),
            "env": dict(kwargs.get("env") or os.environ), "cwd": str(kwargs.get("cwd") or os.getcwd()),
        }
        try:
            reply = self.zygote.request(request, timeout=self.start_timeout)
        except (OSError, ValueError) as exc:
            reply = {"error": str(exc)}
        if "pid" not in reply and self.zygote.closed:
            raise RuntimeError("the run stopped while the kernel was starting")
        if "pid" not in reply:
            with open(log, "a", encoding="utf-8") as out:
                print(f"fork engine: {reply.get('error')}; launching the kernel instead", file=out)
            return await super().launch_kernel(cmd, **kwargs)
        self.process = ForkedKernel(int(reply["pid"]), self.zygote)  # type: ignore[assignment]
        self.pid = self.pgid = self.process.pid  # the child made itself a session (and group) leader
        self.cwd = request["cwd"]
        return self.connection_info


if __name__ == "__main__":
    serve(sys.argv[1], json.loads(sys.argv[2]))
