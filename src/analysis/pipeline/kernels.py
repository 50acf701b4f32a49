"""Kernels for the run: IPC transport in a private folder, warm start, worker threads.

Each kernel talks to the runner over the IPC transport (Unix sockets in a private folder)
instead of TCP ports, so parallel kernels cannot race for a port (papermill issue #511), with
a fixed environment (:data:`KERNEL_ENV`). :class:`KernelWorkers` runs the notebooks in ``--jobs``
threads; while the runner validates the data, each worker starts its first kernel and imports
the modules the notebooks' import statements name, silently (no notebook cell runs before
validation has passed). :func:`kernel_pool` sets all this up for one run and takes it down,
killing every kernel still running when the run stops early (an interrupt, or a usage error
found once the data is loaded: a kernel still starting is stopped at once, not waited for).
The socket folder records the run's process (:func:`~analysis.pipeline.options.write_owner`)
and each kernel's pid, so a later run removes what a killed run left
(:func:`remove_dead_socket_folders`).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import queue
import shutil
import signal
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from traitlets import default

from .options import owner_is_gone, process_is_running, write_owner
from .zygote import ZYGOTE_PID_FILE, ZYGOTE_SOCKET, ForkProvisioner, ZygoteClient, start_zygote

#: ``<temp>/sg-kernels-*``: one run's kernel sockets and connection files.
SOCKET_PREFIX = "sg-kernels-"
KERNEL_PID_FILE = "kernel.pid"

#: The kernels' environment on top of the runner's own.
KERNEL_ENV = {
    "PYTHONHASHSEED": "0",  # set and dict-of-set orders repeat from run to run
    "SOURCE_DATE_EPOCH": "315532800",  # fixed dates in any SVG/PDF matplotlib writes
    "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    # The appendices embed PNGs, so the batch kernels draw headless (and a figure left open
    # cannot add a stray image); the package itself never sets a backend on import.
    "MPLBACKEND": "Agg",
    # No thread pools started on import (so the fork engine's zygote may fork; :mod:`.zygote`):
    # each kernel is one of ``--jobs`` processes on as many cores, so a BLAS call gains nothing
    # from more threads; the same for both engines, so their outputs stay the same.
    "OPENBLAS_NUM_THREADS": "1",
    "JE_ARROW_MALLOC_CONF": "background_thread:false",
}


_running_kernels: set[Any] = set()
_running_lock = threading.Lock()


def running_kernels() -> set[Any]:
    """The kernel managers whose kernel process is running now (a copy)."""
    with _running_lock:
        return set(_running_kernels)


#: How long :class:`ReadyClient` waits for one more IOPub message while it checks a new kernel.
_IOPUB_WAIT_S = 0.02


class ReadyClient(AsyncKernelClient):
    """jupyter_client's client, except that ``wait_for_ready`` waits 20 ms, not 0.2 s, each time
    it looks for a message on IOPub. It looks twice: to see that IOPub is connected (a kernel
    answers kernel_info with "busy" and "idle" there within a millisecond or two of its reply;
    if they are not in yet, it asks again) and, at the end, to drain IOPub until it is quiet,
    which always costs the whole wait: 0.2 s of every kernel start (twice for a kernel started
    in advance, checked by the warm start and again by nbclient). A status message that comes
    after the drain is one nbclient ignores (it reads only the replies to its own requests)."""

    async def _async_wait_for_ready(self, timeout: float | None = None) -> None:
        channel = self.iopub_channel
        get_msg = channel.get_msg

        async def quicker(*args: Any, timeout: float | None = None, **kwargs: Any) -> Any:
            return await get_msg(*args, timeout=_IOPUB_WAIT_S if timeout is None else min(timeout, _IOPUB_WAIT_S),
                                 **kwargs)

        channel.get_msg = quicker  # type: ignore[method-assign]
        try:
            await super()._async_wait_for_ready(timeout)
        finally:
            del channel.get_msg  # the channel's own method again

    wait_for_ready = _async_wait_for_ready


def kernel_manager_class(socket_root: Path, env: dict[str, str], zygote: ZygoteClient | None = None,
                         start_timeout: float = 60.0) -> type:
    """An ``AsyncKernelManager`` subclass whose kernels use IPC sockets under ``socket_root``.

    Each kernel gets its own sub-folder (socket and connection file), so kernels started at
    the same moment cannot pick the same address; its stdout/stderr go to ``kernel.log`` there.
    With a ``zygote``, kernels are forked from it (:class:`~.zygote.ForkProvisioner`).
    """

    class IPCKernelManager(AsyncKernelManager):
        @default("client_factory")
        def _ready_client(self) -> type:
            return ReadyClient

        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            folder = Path(tempfile.mkdtemp(prefix="k", dir=socket_root))
            self.kernel_folder = folder
            self.connection_file = str(folder / "connection.json")
            if os.name != "nt":  # zmq has no IPC transport on Windows: TCP there (start is retried)
                self.transport = "ipc"
                self.ip = str(folder / "s")
            self.kernel_log = folder / "kernel.log"

        async def _async_pre_start_kernel(self, **kw: Any) -> Any:
            if zygote is not None and self.provisioner is None:  # jupyter_client's provisioner hook
                self.kernel_id = self.kernel_id or kw.pop("kernel_id", None) or str(uuid.uuid4())
                provisioner = ForkProvisioner(kernel_id=self.kernel_id, kernel_spec=self.kernel_spec, parent=self)
                provisioner.zygote = zygote
                provisioner.start_timeout = start_timeout
                self.provisioner = provisioner
            return await super()._async_pre_start_kernel(**kw)

        pre_start_kernel = _async_pre_start_kernel

        async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
            folder = self.kernel_folder
            kw["env"] = {**(kw.get("env") or os.environ), **env}
            with open(self.kernel_log, "ab") as log:
                kw["stdout"] = log
                kw["stderr"] = log
                await super()._async_launch_kernel(kernel_cmd, **kw)
            with _running_lock:
                _running_kernels.add(self)
            pid = getattr(getattr(self.provisioner, "process", None), "pid", None)
            if pid is not None:  # so a later run can stop it if this run is killed
                with contextlib.suppress(OSError):
                    (folder / KERNEL_PID_FILE).write_text(str(pid), encoding="ascii")
            await self._sockets_bound()

        async def _sockets_bound(self) -> None:
            """Wait until the kernel has bound its five IPC sockets (their files exist), has
            exited, or ``start_timeout`` has passed. A client that connects before the kernel
            binds is connected only at zmq's next retry (every 0.1 s), and may miss the kernel's
            first status messages on IOPub, so that ``wait_for_ready`` asks again. Measured on
            a forked kernel (with :class:`ReadyClient`): launch to ready 0.2–0.4 s without this
            wait, about 0.15 s with it."""
            if self.transport != "ipc":
                return
            ports = (self.shell_port, self.iopub_port, self.stdin_port, self.control_port, self.hb_port)
            files = [Path(f"{self.ip}-{port}") for port in ports]
            deadline = time.monotonic() + start_timeout
            polls = 0
            while not all(file.exists() for file in files):
                polls += 1
                if time.monotonic() > deadline or (polls % 10 == 0 and not await self.is_alive()):
                    return  # nbclient's own wait then says what is wrong
                await asyncio.sleep(0.005)

        async def _async_cleanup_resources(self, restart: bool = False) -> None:
            with _running_lock:
                _running_kernels.discard(self)
            await super()._async_cleanup_resources(restart=restart)

        cleanup_resources = _async_cleanup_resources

    return IPCKernelManager


def kill_running_kernels() -> None:
    """Kill every kernel process still running (on interrupt); their threads then finish fast."""
    for manager in running_kernels():
        kill_kernel(manager)


def kill_kernel(manager: Any) -> None:
    """Kill one kernel's process at once (no graceful stop)."""
    process = getattr(getattr(manager, "provisioner", None), "process", None)
    with contextlib.suppress(Exception):
        if process is not None:
            process.kill()


def shutdown_kernel(manager: Any) -> None:
    with contextlib.suppress(Exception):
        run_sync(manager.shutdown_kernel)(now=True)


# ----------------------------------------------------------------------------------------------
# Warm kernels


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


class StartCancelled(Exception):
    """The run stopped while a warm kernel was starting."""


#: How often a starting warm kernel checks whether the run has stopped (seconds).
_POLL_S = 0.25


def start_warm_kernel(manager_class: type, kernel_name: str, modules: Sequence[str], timeout: int,
                      cancelled: threading.Event | None = None) -> Any:
    """Start a kernel and import ``modules`` in it, silently (no execution count, no history).

    Runs in the worker thread that will use the kernel (a kernel manager stays on the thread
    and event loop that started it). Gives up within a fraction of a second when ``cancelled``
    is set or the kernel dies (it is then shut down and :class:`StartCancelled` raised).
    """
    cancelled = cancelled or threading.Event()
    if cancelled.is_set():
        raise StartCancelled
    manager = manager_class(kernel_name=kernel_name)
    # what nbclient passes when it starts a kernel itself
    run_sync(manager.start_kernel)(extra_arguments=["--HistoryManager.hist_file=:memory:"])

    async def stopped() -> bool:
        return cancelled.is_set() or not await manager.is_alive()

    async def import_modules() -> None:
        client = manager.client()
        client.start_channels()
        try:
            waited = 0.0
            while True:  # wait_for_ready in short steps, so a stopped run is noticed at once
                if await stopped():
                    raise StartCancelled
                try:
                    await client.wait_for_ready(timeout=_POLL_S)
                    break
                except RuntimeError:
                    waited += _POLL_S
                    if waited >= timeout:
                        raise
            if not modules:
                return
            msg_id = client.execute(_PREWARM_CODE.format(modules=list(modules)), silent=True,
                                    store_history=False, allow_stdin=False)
            waited = 0.0
            while True:
                if await stopped():
                    raise StartCancelled
                try:
                    reply = await client.get_shell_msg(timeout=_POLL_S)
                except queue.Empty:
                    waited += _POLL_S
                    if waited >= timeout:
                        raise TimeoutError(f"the warm-up imports did not finish within {timeout} s") from None
                    continue
                if reply.get("parent_header", {}).get("msg_id") == msg_id:
                    return
        finally:
            client.stop_channels()

    try:
        run_sync(import_modules)()
        if cancelled.is_set():
            raise StartCancelled
    except BaseException:
        kill_kernel(manager)
        shutdown_kernel(manager)
        raise
    return manager


class KernelWorkers:
    """``n`` worker threads that each start a warm kernel at once, then run submitted jobs.

    The runner's own start (imports, validation, data-quality checks, hashing) keeps one core
    busy for several seconds; the workers use that time to start their first kernel and
    import what the notebooks import. Each worker's first job runs on its warm kernel, later
    jobs on fresh ones. If the run stops before a warm kernel is used, it is shut down.
    ``start_warm`` starts a warm kernel; ``None``: no kernel is started in advance.
    """

    def __init__(self, n: int, start_warm: Callable[[threading.Event], Any] | None):
        self.cancelled = threading.Event()  # set when the run stops early: warm starts give up
        self._queue: "queue.Queue[tuple[Callable[[Any], Any], Future[Any]] | None]" = queue.Queue()
        self._start_warm = start_warm
        self._threads = [
            threading.Thread(target=self._loop, name=f"sg-notebook-{i + 1}", daemon=True) for i in range(n)
        ]
        for thread in self._threads:
            thread.start()

    def _warm_kernel(self) -> Any:
        if self._start_warm is None:
            return None
        try:
            return self._start_warm(self.cancelled)
        except Exception:  # noqa: BLE001 - the job then starts its own kernel (or the run stopped)
            return None

    def _loop(self) -> None:
        manager = self._warm_kernel()
        try:
            while True:
                item = self._queue.get()
                if item is None:
                    return
                job, future = item
                if not future.set_running_or_notify_cancel():
                    continue
                try:
                    future.set_result(job(manager))
                except BaseException as exc:  # noqa: BLE001 - handed to the caller
                    future.set_exception(exc)
                finally:
                    if manager is not None and manager.has_kernel:  # not handed over (the job failed early)
                        shutdown_kernel(manager)
                    manager = None  # a warm kernel serves one notebook
        finally:
            if manager is not None:
                shutdown_kernel(manager)

    def submit(self, job: Callable[[Any], Any]) -> "Future[Any]":
        """Run ``job(warm kernel manager or None)`` on the next free worker."""
        future: Future[Any] = Future()
        self._queue.put((job, future))
        return future

    def cancel(self) -> None:
        """Stop starting warm kernels (each worker gives up within a fraction of a second)."""
        self.cancelled.set()

    def close(self, wait: bool = True) -> None:
        for _ in self._threads:
            self._queue.put(None)
        if wait:
            for thread in self._threads:
                thread.join()


@dataclass(frozen=True)
class KernelFolder:
    """A run's private folder for kernel sockets and, with the fork engine, its zygote."""

    socket_root: Path
    zygote: ZygoteClient | None

    def close(self, now: bool = False) -> None:
        """Stop the zygote (``now``: at once, even mid-import) and remove the folder."""
        if self.zygote is not None:
            self.zygote.close(now=now)
        shutil.rmtree(self.socket_root, ignore_errors=True)


def open_kernel_folder(engine: str, zygote_imports: Sequence[str] = ()) -> KernelFolder:
    """Make a run's socket folder (removing those that killed runs left) and, for the fork
    engine, start its zygote importing ``zygote_imports``. Cheap to call and to import: the
    command line calls it as soon as the request is checked, so the zygote's imports run on
    the second core while the runner imports its own libraries and validates."""
    remove_dead_socket_folders()
    socket_root = Path(tempfile.mkdtemp(prefix=SOCKET_PREFIX))
    write_owner(socket_root)
    try:
        zygote = start_zygote(socket_root, zygote_imports, KERNEL_ENV) if engine == "fork" else None
    except BaseException:
        shutil.rmtree(socket_root, ignore_errors=True)
        raise
    return KernelFolder(socket_root, zygote)


@dataclass(frozen=True)
class KernelPool:
    """The kernels of one run: their socket folder, their manager class and the workers."""

    socket_root: Path
    manager_class: type
    workers: KernelWorkers


@contextlib.contextmanager
def kernel_pool(*, jobs: int, kernel_name: str, start_timeout: int, warm_imports: Sequence[str] | None,
                engine: str = "classic", zygote_imports: Sequence[str] = (),
                folder: KernelFolder | None = None) -> Iterator[KernelPool]:
    """Start ``jobs`` workers, each with a warm kernel that has imported ``warm_imports``
    (``None``: no kernel is started in advance). With ``engine="fork"``, a zygote that imports
    ``zygote_imports`` is started first and every kernel is forked from it (:mod:`.zygote`);
    ``folder``: one :func:`open_kernel_folder` made earlier (the pool then owns it).

    On leaving, the workers are stopped and the socket folder removed; on an exception (an
    interrupt, or a usage error found once the data is loaded) the warm starts are cancelled
    and every kernel still running is killed first, so the run ends at once. Socket folders
    that killed runs left are removed first (:func:`remove_dead_socket_folders`).
    """
    folder = folder or open_kernel_folder(engine, zygote_imports)
    socket_root, zygote = folder.socket_root, folder.zygote
    try:
        from .engine import register_engine  # papermill and nbformat: not needed to open the folder

        manager_class = kernel_manager_class(socket_root, KERNEL_ENV, zygote, start_timeout)
        register_engine()
        start_warm = None
        if warm_imports is not None:
            start_warm = functools.partial(start_warm_kernel, manager_class, kernel_name, warm_imports, start_timeout)
        workers = KernelWorkers(jobs, start_warm)
    except BaseException:
        folder.close(now=True)
        raise
    try:
        yield KernelPool(socket_root, manager_class, workers)
    except BaseException:
        workers.cancel()
        if zygote is not None:  # a warm start waiting for the zygote's imports fails at once
            zygote.close(now=True)
        kill_running_kernels()
        raise
    finally:
        workers.close(wait=True)
        folder.close()


def _kill_left_kernel(kernel_folder: Path, pid_file: str = KERNEL_PID_FILE) -> None:
    """Kill the kernel (or zygote) a dead run left running, if its pid still names it: its
    command line holds this folder's connection file, or (a forked kernel, or the zygote
    itself) the run's zygote socket; a reused pid is never killed."""
    try:
        pid = int((kernel_folder / pid_file).read_text(encoding="ascii").strip())
    except (OSError, ValueError):
        return
    if not process_is_running(pid):
        return
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
    except OSError:
        return
    marks = (kernel_folder / "connection.json", kernel_folder.parent / ZYGOTE_SOCKET, kernel_folder / ZYGOTE_SOCKET)
    if any(str(mark) in command for mark in marks):
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)


def remove_dead_socket_folders(temp_dir: Path | None = None) -> list[Path]:
    """Remove the kernel socket folders (``<temp>/sg-kernels-*``) of runs whose process has
    ended, killing any kernel they left running; returns the folders removed."""
    temp = Path(temp_dir or tempfile.gettempdir())
    removed = []
    try:
        folders = [path for path in temp.iterdir() if path.name.startswith(SOCKET_PREFIX) and path.is_dir()]
    except OSError:
        return removed
    for folder in folders:
        if not owner_is_gone(folder):
            continue
        for kernel_folder in folder.glob("k*"):
            _kill_left_kernel(kernel_folder)
        _kill_left_kernel(folder, ZYGOTE_PID_FILE)
        shutil.rmtree(folder, ignore_errors=True)
        if not folder.exists():
            removed.append(folder)
    return removed
