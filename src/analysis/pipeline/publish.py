"""Promote safely: staging, the per-area lock, promotion, the files written last.

Everything is built under ``reports/.staging/<run id>/<area>/`` and moved into
``reports/<area>/<period>/`` file by file (atomic renames) only when the run has finished,
under a per-area-and-period lock (two runs finishing together leave one run's set, not a mix).
A failed theme keeps its previous good appendix untouched and leaves its executed notebook as
``<theme>.failed.ipynb`` for debugging; an interrupted run promotes nothing.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .options import NotebookResult

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: no lock is taken
    fcntl = None

STAGING_DIR = ".staging"
LOCKS_DIR = ".locks"  # reports/.locks/<area>__<period>.lock: see area_lock


def staging_root(reports_dir: Path, run_id: str) -> Path:
    """``reports/.staging/<run id>``: this run's files until they are promoted."""
    return reports_dir / STAGING_DIR / run_id


def remove_staging(reports_dir: Path, run_id: str) -> None:
    """Remove this run's staging folder, and ``reports/.staging`` if no other run is using it."""
    shutil.rmtree(staging_root(reports_dir, run_id), ignore_errors=True)
    with contextlib.suppress(OSError):
        (reports_dir / STAGING_DIR).rmdir()


@contextlib.contextmanager
def area_lock(final: Path) -> Iterator[None]:
    """Hold ``reports/.locks/<area>__<period>.lock`` while a run promotes its files, reads the
    previous manifest and writes the index and manifest: two runs of the same area and period
    finishing together then leave one run's complete set (the later one's), never a mix.
    Execution is not serialised, only this last step (a fraction of a second). POSIX ``flock``;
    elsewhere no lock is taken."""
    if fcntl is None:  # pragma: no cover - not POSIX
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


def promote(staging: Path, final: Path, results: list[NotebookResult]) -> None:
    """Move this run's files into ``final``, one atomic rename each.

    An exported theme replaces its appendix and executed notebook (and removes a stale
    ``.failed.ipynb``); a failed theme leaves the previous appendix untouched and adds its
    ``.failed.ipynb``.
    """
    final.mkdir(parents=True, exist_ok=True)
    for result in results:
        if result.status == "ok":
            os.replace(staging / f"{result.theme}.ipynb", final / f"{result.theme}.ipynb")
            os.replace(staging / f"{result.theme}.html", final / f"{result.theme}.html")
            with contextlib.suppress(FileNotFoundError):
                (final / f"{result.theme}.failed.ipynb").unlink()
        elif result.status == "failed":
            if result.failed_notebook:
                os.replace(staging / result.failed_notebook, final / result.failed_notebook)
            runner_error = staging / f"{result.theme}.runner-error.txt"  # a fault of the runner itself
            if runner_error.exists():
                os.replace(runner_error, final / runner_error.name)


def previous_manifest(final: Path) -> dict[str, Any]:
    """The manifest of the last run of this area and period (empty if none or unreadable)."""
    try:
        return json.loads((final / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}


def carried_forward(previous: dict[str, Any], final: Path, this_run: set[str]) -> list[NotebookResult]:
    """Entries of themes not run this time whose appendix is still in ``final``."""
    fields = set(NotebookResult.__dataclass_fields__)
    kept = []
    for entry in previous.get("notebooks", []):
        theme = entry.get("theme")
        if theme in this_run or not (final / f"{theme}.html").exists():
            continue
        result = NotebookResult(**{key: value for key, value in entry.items() if key in fields and key != "summary"})
        result.run_id = entry.get("run_id") or previous.get("run_id")
        result.carried_forward = True
        kept.append(result)
    return kept


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` beside ``path`` and rename it into place (a reader never sees half a file)."""
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def write_manifest_and_index(final: Path, run_id: str, manifest: dict[str, Any], index_html: str | None) -> None:
    """``manifests/<run id>.json``, ``manifest.json`` and (when it was made) ``index.html``."""
    (final / "manifests").mkdir(exist_ok=True)
    text = json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
    write_atomic(final / "manifests" / f"{run_id}.json", text)
    write_atomic(final / "manifest.json", text)
    if index_html is not None:
        write_atomic(final / "index.html", index_html)
