"""Promote safely: staging, the per-area lock, one swap per area and period, cleanup.

Everything is built under ``reports/.staging/<run id>/<area>/`` while the notebooks run. When
the run has finished, each area's complete new folder is assembled beside the published one
(:func:`assemble`: this run's appendices, and the previous run's files carried forward for a
theme that failed or was not run) and swapped in with renames (:func:`swap_in`), under a
per-area-and-period lock. The previous folder is kept until the swap has succeeded, so a
reader always sees one run's set: if anything fails part-way, the published folder is left
as it was. A failed theme keeps its previous good appendix and leaves its executed notebook
as ``<theme>.failed.ipynb``; error files of an earlier run go once their theme succeeds; an
interrupted run promotes nothing.

A run's staging folder records its process (:func:`~analysis.pipeline.options.write_owner`),
so a later run removes the staging folders and half-made folders of runs that were killed
(:func:`remove_dead_staging`, :func:`recover`).

An internal run (small numbers not suppressed) does all of this under ``reports/internal/``
(:func:`output_root`): its staging folder, locks and ``reports/internal/<area>/<period>/``
never touch the public tree, so a public folder never holds an internal page. A folder
whose previous manifest was written in the other disclosure mode (by an older version that
shared one folder) carries nothing forward into this run (:func:`same_disclosure`).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import json
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .options import NotebookResult, owner_is_gone, write_owner

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: no lock is taken
    fcntl = None

STAGING_DIR = ".staging"
INTERNAL_DIR = "internal"  # reports/internal/<area>/<period>/: internal runs only
LOCKS_DIR = ".locks"  # reports/.locks/<area>__<period>.lock: see area_lock
MANIFEST, INDEX, MANIFESTS_DIR = "manifest.json", "index.html", "manifests"
#: The files of one theme in a published folder, by what they are.
APPENDIX_SUFFIXES = (".html", ".ipynb", ".pdf")  # .pdf: the print version (--pdf)
ERROR_SUFFIXES = (".failed.ipynb", ".runner-error.txt")


def output_root(reports_dir: Path, disclosure: str) -> Path:
    """Where a run in this disclosure mode publishes: ``reports/`` for public runs,
    ``reports/internal/`` for internal ones (their own staging, locks and area folders)."""
    return reports_dir / INTERNAL_DIR if disclosure == "internal" else reports_dir


def same_disclosure(previous: dict[str, Any], disclosure: str) -> bool:
    """Whether the previous manifest of a folder was written in this disclosure mode (or says
    nothing about it): only then may this run carry any of its files forward."""
    return (previous.get("parameters") or {}).get("disclosure", disclosure) == disclosure


def staging_root(reports_dir: Path, run_id: str) -> Path:
    """``reports/.staging/<run id>``: this run's files until they are promoted."""
    return reports_dir / STAGING_DIR / run_id


def make_staging(reports_dir: Path, run_id: str) -> Path:
    """Create this run's staging folder, recording this process as its owner. Raises
    :class:`OSError` when reports/ cannot be written (a file, a read-only file system...)."""
    folder = staging_root(reports_dir, run_id)
    folder.mkdir(parents=True)
    write_owner(folder)
    return folder


def remove_dead_staging(reports_dir: Path) -> list[Path]:
    """Remove the staging folders of runs whose process has ended (killed runs); returns them."""
    removed = []
    try:
        folders = [path for path in (reports_dir / STAGING_DIR).iterdir() if path.is_dir()]
    except OSError:
        return removed
    for folder in folders:
        if owner_is_gone(folder):
            shutil.rmtree(folder, ignore_errors=True)
            if not folder.exists():
                removed.append(folder)
    return removed


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


def _theme_of(name: str) -> tuple[str, str] | None:
    """``("beta", ".failed.ipynb")`` for ``beta.failed.ipynb``; ``None`` for other files."""
    for suffix in ERROR_SUFFIXES + APPENDIX_SUFFIXES:  # the longer suffixes first
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)], suffix
    return None


def _carry(source: Path, target: Path) -> None:
    """Put the previous run's ``source`` into the new folder, leaving the previous folder whole
    (a hard link where possible: files are never changed in place, only replaced)."""
    source, target = Path(source), Path(target)
    if source.is_dir():
        shutil.copytree(source, target, copy_function=_carry)
        return
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def new_folder(final: Path, run_id: str) -> Path:
    """Where this run assembles the new ``final`` (beside it: the swap is a rename)."""
    return final.with_name(f".{final.name}.new-{run_id}")


def assemble(staging: Path, final: Path | None, new: Path, results: list[NotebookResult]) -> None:
    """Build in ``new`` the complete folder that replaces ``final``.

    An exported theme brings its appendix and executed notebook (and none of an earlier
    run's error files); a failed theme brings its ``.failed.ipynb`` (and runner error, if any)
    and keeps the previous run's appendix; themes not run this time, the manifest history
    and any other file are carried forward from ``final``. ``index.html`` and ``manifest.json``
    are not: the caller writes them (:func:`write_manifest_and_index`). With ``final`` ``None``
    nothing is carried forward (a folder of the other disclosure mode: :func:`same_disclosure`).
    """
    new.mkdir(parents=True)
    in_run = {result.theme: result for result in results}
    for result in results:
        if result.status == "ok":
            names = [f"{result.theme}.ipynb", f"{result.theme}.html"] + ([result.pdf] if result.pdf else [])
        elif result.status == "failed":
            names = [result.failed_notebook] if result.failed_notebook else []
            if (staging / f"{result.theme}.runner-error.txt").exists():  # a fault of the runner itself
                names.append(f"{result.theme}.runner-error.txt")
        else:
            names = []
        for name in names:
            shutil.move(str(staging / name), str(new / name))
    if final is None or not final.is_dir():
        return
    for item in sorted(final.iterdir()):
        name = item.name
        if name.startswith(".") or name in (MANIFEST, INDEX) or (new / name).exists():
            continue
        theme = _theme_of(name)
        if theme is not None and theme[0] in in_run:
            keep_previous_appendix = in_run[theme[0]].status == "failed" and theme[1] in APPENDIX_SUFFIXES
            if not keep_previous_appendix:
                continue  # replaced by this run, or an earlier run's error files (stale now)
        _carry(item, new / name)


def _rename_exchange(first: Path, second: Path) -> bool:
    """Swap two folders in one atomic step (Linux ``renameat2(RENAME_EXCHANGE)``); ``False``
    where the system or file system cannot (the caller then renames twice)."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(first), at_fdcwd, os.fsencode(second), rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(second))


def swap_in(new: Path, final: Path, run_id: str) -> None:
    """Make ``new`` the published ``final``; the previous folder is removed only once the swap
    has succeeded (if the swap fails, ``final`` is as it was and ``new`` is left to the caller)."""
    if not final.exists():
        os.rename(new, final)
        return
    if _rename_exchange(new, final):  # ``new`` now holds the previous folder
        shutil.rmtree(new, ignore_errors=True)
        return
    old = final.with_name(f".{final.name}.old-{run_id}")
    os.rename(final, old)
    try:
        os.rename(new, final)
    except BaseException:
        os.rename(old, final)
        raise
    shutil.rmtree(old, ignore_errors=True)


def recover(final: Path) -> None:
    """Under the area lock, before promoting: undo what a run killed while promoting left. A
    half-made ``.new-`` folder is removed; a previous folder moved aside (``.old-``) is put back
    if ``final`` is missing, and otherwise removed."""
    try:
        leftovers = sorted(final.parent.glob(f".{final.name}.*-*"), key=lambda path: path.stat().st_mtime)
    except OSError:
        return
    for folder in leftovers:
        if folder.name.startswith(f".{final.name}.old-") and not final.exists():
            os.rename(folder, final)
        elif folder.name.startswith((f".{final.name}.old-", f".{final.name}.new-")):
            shutil.rmtree(folder, ignore_errors=True)


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


def write_manifest_and_index(folder: Path, run_id: str, manifest: dict[str, Any], index_html: str | None) -> None:
    """``manifests/<run id>.json``, ``manifest.json`` and (when it was made) ``index.html``."""
    (folder / MANIFESTS_DIR).mkdir(exist_ok=True)
    text = json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
    write_atomic(folder / MANIFESTS_DIR / f"{run_id}.json", text)
    write_atomic(folder / MANIFEST, text)
    if index_html is not None:
        write_atomic(folder / INDEX, index_html)
