"""The manifest of a run, per area and period: ``manifest.json``.

Parameters, every input file's SHA-256 and size, package versions, start and end times, and
each notebook's status and duration. Paths in it are relative (:func:`relative_name`), never
absolute.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import platform
from collections.abc import Iterable, Mapping
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

from .. import paths
from ..periods import Period
from .areas import Area
from .engine import ENGINE_NAME
from .options import NotebookResult, RunOptions, iso_utc
from .themes import ThemeNotebook

MANIFEST_SCHEMA_VERSION = 1

#: Distributions whose versions go into the manifest.
PACKAGES = (
    "safeguarding-analysis", "papermill", "nbconvert", "nbclient", "nbformat", "jupyter_client",
    "ipykernel", "ipython", "pyzmq", "pandas", "numpy", "scipy", "matplotlib", "seaborn", "pandera",
    "pyarrow", "jinja2",
)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def relative_name(path: Path) -> str:
    """``data/raw/dfe/x.csv`` for a file in the repository, else ``<folder>/<file>``: never absolute."""
    path = Path(path).resolve()
    try:
        return path.relative_to(paths.REPO_ROOT).as_posix()
    except ValueError:
        return f"{path.parent.name}/{path.name}"


def _file_entry(path: Path) -> dict[str, Any]:
    return {"path": relative_name(path), "sha256": sha256_file(path), "bytes": path.stat().st_size}


def input_files(raw_dir: Path, notebooks: Iterable[ThemeNotebook]) -> list[dict[str, Any]]:
    """Every input file with its SHA-256 and size (bytes): all of ``raw_dir`` and the notebooks.

    Paths are relative (:func:`relative_name`), never absolute.
    """
    data_files = sorted(path for path in raw_dir.rglob("*") if path.is_file() and "__pycache__" not in path.parts)
    return [_file_entry(path) for path in data_files] + [_file_entry(theme.path) for theme in notebooks]


def package_versions() -> dict[str, str | None]:
    versions: dict[str, str | None] = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = importlib_metadata.version(name)
        except importlib_metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def run_parameters(options: RunOptions, period: Period, area: Area, areas: list[Area],
                   themes: list[ThemeNotebook]) -> dict[str, Any]:
    """The ``parameters`` of one area's manifest."""
    return {
        "period": period.label,
        "area_code": area.code,
        "area_name": area.name,
        "areas_in_run": [a.code for a in areas],
        "themes": [t.name for t in themes],
        "theme_scopes": {t.name: t.scope for t in themes},
        "disclosure": options.disclosure,
        "jobs": options.jobs,
        "cell_timeout_s": options.cell_timeout,
        "kernel_name": options.kernel_name,
        "engine": f"papermill/{ENGINE_NAME} (nbclient, IPC transport)",
        "kernel_engine": options.engine,  # --engine: fork (from a zygote) or classic
    }


def notebook_entries(results: list[NotebookResult], previous: Mapping[str, Any], final: Path) -> list[dict[str, Any]]:
    """One entry per result, with ``last_good_at``: when the appendix now in ``final`` was made."""
    previous_entries = {entry.get("theme"): entry for entry in previous.get("notebooks", [])}
    entries = []
    for result in results:
        entry = result.manifest_entry()
        if result.status == "ok":
            entry["last_good_at"] = result.finished_at
        elif (final / f"{result.theme}.html").exists():  # the appendix the previous good run produced
            entry["last_good_at"] = (previous_entries.get(result.theme) or {}).get("last_good_at")
        else:
            entry["last_good_at"] = None
        entries.append(entry)
    return entries


def build_manifest(*, run_id: str, parameters: dict[str, Any], started: dt.datetime, finished: dt.datetime,
                   validation: Any, quality: list[dict[str, Any]] | None, quality_note: str,
                   inputs: list[dict[str, Any]], notebooks: list[dict[str, Any]]) -> dict[str, Any]:
    """The manifest of one area (the runner adds ``exit_code``, and ``index_error`` if any)."""
    return {
        "schema_version": MANIFEST_SCHEMA_VERSION,
        "run_id": run_id,
        "command": "safeguarding run",
        "parameters": parameters,
        "started_at": iso_utc(started),
        "finished_at": iso_utc(finished),
        "duration_s": round((finished - started).total_seconds(), 3),
        "validation": {"ok": bool(validation.ok), "problems": len(getattr(validation, "problems", [])),
                       # when the same files passed an earlier validation that this run relied on; else None
                       "earlier": getattr(validation, "earlier", "") or None},
        "quality_findings": None if quality is None else len(quality),
        "quality_note": quality_note or None,
        "inputs": inputs,
        "packages": package_versions(),
        "platform": {"system": platform.system(), "machine": platform.machine(), "cpus": os.cpu_count()},
        "notebooks": notebooks,
    }
