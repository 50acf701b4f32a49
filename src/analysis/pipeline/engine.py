"""The papermill engine ``safeguarding``: nbclient, plus failures kept in the notebook.

papermill saves a failed notebook only for an ordinary cell error. A cell timeout or a dead
kernel escapes as an exception and the partly executed notebook would be lost; here they
become an error output on the cell that was running, so papermill writes the notebook and
raises :class:`papermill.exceptions.PapermillExecutionError` like any cell error. A failure
before any cell started is a :class:`KernelStartError` (worth retrying with a fresh kernel).
"""

from __future__ import annotations

import nbformat
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines
from papermill.log import logger
from papermill.utils import merge_kwargs, remove_args

ENGINE_NAME = "safeguarding"


class KernelStartError(RuntimeError):
    """The kernel failed before any cell ran (worth retrying with a fresh kernel)."""


def _error_value(exc: Exception, execution_timeout: int | None) -> str:
    """What the error output on the running cell says, for a person."""
    name = type(exc).__name__
    if name == "CellTimeoutError":
        return f"the cell did not finish within {execution_timeout} seconds (--cell-timeout)"
    if name == "DeadKernelError":
        return "the kernel died while running this cell (out of memory, or a crash in a library)"
    return str(exc).splitlines()[0] if str(exc) else name


class SafeguardingEngine(NBClientEngine):
    """As papermill's ``nbclient`` engine, except that the client always cleans up its kernel
    (also a kernel started in advance and passed as ``km``, see
    :class:`analysis.pipeline.kernels.KernelWorkers`) and that a timeout or a dead kernel is
    recorded on the cell that was running."""

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None,  # type: ignore[override]
                                 stderr_file=None, start_timeout=60, execution_timeout=None, **kwargs):
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
                index for index, cell in enumerate(nb_man.nb.cells)
                if cell.get("metadata", {}).get("papermill", {}).get("start_time")
            ]
            if not started:
                raise KernelStartError(f"{type(exc).__name__}: {exc}".strip()) from exc
            running = started[-1]
            cell = nb_man.nb.cells[running]
            cell.outputs.append(nbformat.v4.new_output(
                "error", ename=type(exc).__name__, evalue=_error_value(exc, execution_timeout), traceback=[],
            ))
            nb_man.cell_exception(cell, cell_index=running)
            return None


def register_engine() -> None:
    """Register :class:`SafeguardingEngine` with papermill as ``safeguarding`` (once)."""
    if ENGINE_NAME not in papermill_engines._engines:
        papermill_engines.register(ENGINE_NAME, SafeguardingEngine)
