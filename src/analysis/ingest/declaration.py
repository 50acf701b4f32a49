"""What a dataset folder declares it contains, and the check of the folder against it.

Every dataset folder of ``data/raw`` (the board's folders and ``dfe/``) holds a
``datapackage.json`` in the Frictionless Data Package format
(<https://specs.frictionlessdata.io/data-package/>): one resource per file, with its ``path``,
``hash`` (``sha256:...``), ``bytes``, ``rows`` (data rows, header excluded) and, for a CSV, its
``schema`` (the column names). :func:`check_folder` compares the folder with that declaration
before any file is read, so a missing, extra, renamed, emptied, header-only, truncated or
changed file is a problem naming it rather than a smaller appendix. :func:`declare` (the
``safeguarding declare`` command) rewrites the declaration after a deliberate change.

The ``frictionless`` library checks that a declaration is a valid Data Package and writes it;
the files themselves are compared here (SHA-256, byte and row counts, exact file names), which
takes a fraction of a second where frictionless's row-by-row validation takes several seconds
and would reject the GSS symbols that its inferred column types do not allow.

Layer: ingest (imports nothing above :mod:`analysis.ingest.schema`).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import dataclass
from pathlib import Path

from .schema import Problem, ValidationReport

DESCRIPTOR = "datapackage.json"
SOURCE_NOTE = "SOURCE.md"
#: where `safeguarding import --replace` keeps each file as it was before a figure was replaced
HISTORY_DIR = "history"
#: files of a dataset folder that describe it rather than hold data (and the history folder)
NOT_DATA = {DESCRIPTOR, SOURCE_NOTE, "README.md", HISTORY_DIR}
DATA_SUFFIXES = {".csv", ".parquet"}

DECLARE_HINT = "if the change is deliberate, run `safeguarding declare --dataset {folder}` and validate again"


@dataclass
class FileText:
    """A CSV file's decoded text, or why it cannot be read."""

    header: list[str] | None
    rows: list[list[str]]
    problem: Problem | None = None


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_csv_text(path: Path, name: str) -> FileText:
    """Decode and split a CSV without interpreting anything; every way it can fail is a
    :class:`Problem` naming the file (and the line where there is one), never an exception."""
    def fail(rule: str, message: str, row: int | None = None, value: str | None = None) -> FileText:
        return FileText(None, [], Problem(name, row, None, value, rule, message))

    if path.is_dir():
        return fail("F04-not-a-file", "is a folder, not a file: the data file must be a CSV file")
    try:
        data = path.read_bytes()
    except OSError as exc:
        return fail("F05-unreadable", f"the file cannot be opened ({exc.strerror or exc})")
    if not data.strip():
        return fail("F06-empty", "the file is empty: it needs a header line and at least one row")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        bad = data[exc.start: exc.start + 1]
        return fail("F07-encoding", f"the file is not UTF-8 text (byte 0x{bad.hex()} on line {line}): save it as "
                    "'CSV UTF-8' and validate again", row=line - 1 if line > 1 else None, value=f"0x{bad.hex()}")
    if "\x00" in text:
        return fail("F07-encoding", "the file holds NUL bytes: it is not a text CSV (was a spreadsheet saved under a .csv name?)")
    try:
        lines = [r for r in csv.reader(io.StringIO(text, newline="")) if r]
    except csv.Error as exc:
        return fail("F08-not-csv", f"the file cannot be read as CSV: {exc}")
    if not lines:
        return fail("F06-empty", "the file is empty: it needs a header line and at least one row")
    return FileText(lines[0], lines[1:])


def count_rows(path: Path) -> int | None:
    """Data rows of a CSV (header excluded) or a parquet file; None if it cannot be read."""
    if path.suffix.lower() == ".parquet":
        try:
            import pyarrow.parquet as pq

            return int(pq.ParquetFile(path).metadata.num_rows)
        except Exception:  # noqa: BLE001 - any unreadable parquet is reported by the caller
            return None
    text = read_csv_text(path, path.name)
    return None if text.problem else len(text.rows)


def field_names(header: list[str]) -> list[str]:
    """Column names as declared: stripped, a blank one named by position, a repeated one
    (DfE's neighbours file repeats ``SNP``) numbered, as the standard wants unique names."""
    out: list[str] = []
    for i, c in enumerate(header, 1):
        name = c.strip() or f"(blank column {i})"
        out.append(f"{name} (column {i})" if name in out else name)
    return out


def _resource(folder: Path, path: Path) -> dict:
    res: dict = {
        "name": path.stem.lower().replace(" ", "-"),
        "path": path.name,
        "format": path.suffix.lower().lstrip("."),
        "hash": f"sha256:{sha256(path)}",
        "bytes": path.stat().st_size,
    }
    rows = count_rows(path)
    if rows is not None:
        res["rows"] = rows
    if res["format"] == "csv":
        res["mediatype"] = "text/csv"
        res["encoding"] = "utf-8"
        text = read_csv_text(path, path.name)
        if text.header is not None:
            res["schema"] = {"fields": [{"name": c, "type": "string"} for c in field_names(text.header)]}
    return res


def _title(folder: Path) -> str:
    note = folder / SOURCE_NOTE
    if note.is_file():
        for line in note.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("#"):
                return line.lstrip("#").strip()
    return folder.name


def describe(folder: Path) -> dict:
    """The Data Package descriptor of a folder as it is now."""
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.name not in NOT_DATA and not p.name.startswith("."))
    return {
        "profile": "data-package",
        "name": folder.name.lower().replace("_", "-"),
        "title": _title(folder),
        "description": "Every data file of this folder with its SHA-256, size and row count, checked by "
                       "`safeguarding validate`; rewritten by `safeguarding declare` after a deliberate change.",
        "resources": [_resource(folder, p) for p in files],
    }


def declare(folder: str | Path) -> Path:
    """Write ``folder/datapackage.json`` for the files as they are now; return its path."""
    from frictionless import Package

    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder} is not a folder")
    descriptor = describe(folder)
    report = Package.validate_descriptor(descriptor)
    if not report.valid:  # pragma: no cover - describe() writes the standard's fields only
        raise ValueError("; ".join(e.message for e in report.errors))
    out = folder / DESCRIPTOR
    out.write_text(json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return out


def _load_descriptor(folder: Path, label: str, report: ValidationReport) -> dict | None:
    name = f"{label}/{DESCRIPTOR}"
    path = folder / DESCRIPTOR
    if not path.is_file():
        report.problems.append(Problem(name, None, None, None, "F01-declaration-missing",
                                       "the folder has no datapackage.json declaring its files, sizes, row counts and "
                                       "SHA-256: " + DECLARE_HINT.format(folder=label)))
        return None
    try:
        descriptor = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        report.problems.append(Problem(name, None, None, None, "F02-declaration-invalid",
                                       f"datapackage.json cannot be read as JSON ({exc}): " + DECLARE_HINT.format(folder=label)))
        return None
    from frictionless import Package

    errors = Package.validate_descriptor(descriptor).errors if isinstance(descriptor, dict) else ["not an object"]
    missing_stats = [] if not errors else None
    if isinstance(descriptor, dict):
        missing_stats = [r.get("path") for r in descriptor.get("resources", []) if isinstance(r, dict)
                         and not (str(r.get("hash", "")).startswith("sha256:") and isinstance(r.get("bytes"), int))]
    if errors or missing_stats:
        why = "; ".join(getattr(e, "message", str(e)) for e in errors) if errors else (
            "resources without a sha256 hash and byte count: " + ", ".join(map(str, missing_stats)))
        report.problems.append(Problem(name, None, None, None, "F02-declaration-invalid",
                                       f"datapackage.json is not a valid Data Package ({why}): " + DECLARE_HINT.format(folder=label)))
        return None
    return descriptor


def check_folder(folder: Path, label: str, report: ValidationReport) -> set[str]:
    """Compare ``folder`` with its ``datapackage.json``; add every difference to ``report``.

    Returns the names of the files that can be read (declared, present, a non-empty UTF-8 file);
    the others are not read any further. ``label`` is the folder's name as reports show it."""
    if not (folder / SOURCE_NOTE).is_file():
        report.problems.append(Problem(f"{label}/{SOURCE_NOTE}", None, None, None, "F00-source-missing",
                                       "the dataset folder has no SOURCE.md saying where its figures come from: "
                                       "add one (see data/raw/README.md); the folder is not read without it"))
    present = {p.name: p for p in folder.iterdir() if not p.name.startswith(".") and p.name not in NOT_DATA}
    descriptor = _load_descriptor(folder, label, report)
    if descriptor is None:
        return set()
    readable: set[str] = set()
    declared = {}
    for res in descriptor.get("resources", []):
        declared[str(res.get("path"))] = res
    lower = {n.lower(): n for n in present}
    for rel, res in declared.items():
        name = f"{label}/{rel}"
        path = folder / rel
        if rel not in present:
            twin = lower.get(rel.lower())
            hint = f" (a file named '{twin}' is there: file names must match exactly)" if twin else ""
            report.problems.append(Problem(name, None, None, None, "F03-file-missing",
                                           f"a file declared in datapackage.json is missing{hint}; a deliberate removal "
                                           "needs `safeguarding declare`"))
            continue
        if path.suffix.lower() == ".csv":
            text = read_csv_text(path, name)
            if text.problem:
                report.problems.append(text.problem)
                continue
            if not text.rows:
                report.problems.append(Problem(name, None, None, None, "F06-empty",
                                               f"the file has a header but no rows (datapackage.json declares {res.get('rows')})"))
                continue
            rows = len(text.rows)
        elif path.is_dir():
            report.problems.append(Problem(name, None, None, None, "F04-not-a-file", "is a folder, not a file"))
            continue
        else:
            rows = count_rows(path)
            if rows is None:
                report.problems.append(Problem(name, None, None, None, "F08-not-readable",
                                               "the file cannot be read (it is not a valid parquet file)"))
                continue
        readable.add(rel)
        _compare(path, name, label, res, rows, report)
    for extra in sorted(set(present) - set(declared)):
        if present[extra].is_dir() or present[extra].suffix.lower() in DATA_SUFFIXES or extra.lower().endswith(".csv"):
            twin = next((d for d in declared if d.lower() == extra.lower()), None)
            hint = f" (it looks like the declared '{twin}' renamed)" if twin else ""
            report.problems.append(Problem(f"{label}/{extra}", None, None, None, "F09-file-not-declared",
                                           f"a file that datapackage.json does not declare{hint}: remove it, or declare it "
                                           f"with `safeguarding declare --dataset {label}` and describe it in SOURCE.md"))
    return readable


def _compare(path: Path, name: str, label: str, res: dict, rows: int, report: ValidationReport) -> None:
    hint = DECLARE_HINT.format(folder=label)
    want_rows = res.get("rows")
    if isinstance(want_rows, int) and rows != want_rows:
        lost = "rows are missing (truncated?)" if rows < want_rows else "rows were added"
        report.problems.append(Problem(name, None, None, None, "F10-row-count",
                                       f"the file has {rows:,} rows but datapackage.json declares {want_rows:,}: {lost}; {hint}"))
        return
    fields = [f.get("name") for f in res.get("schema", {}).get("fields", [])] if isinstance(res.get("schema"), dict) else []
    if fields and path.suffix.lower() == ".csv":
        header = read_csv_text(path, name).header or []
        got = field_names(header)
        if got != fields:
            report.problems.append(Problem(name, None, None, ",".join(got)[:200], "F11-columns-changed",
                                           f"the header differs from the columns declared in datapackage.json; {hint}"))
            return
    want = str(res.get("hash", "")).removeprefix("sha256:")
    if sha256(path) != want:
        report.problems.append(Problem(name, None, None, None, "F12-content-changed",
                                       f"the file's content differs from datapackage.json (SHA-256), with the same "
                                       f"number of rows; {hint}"))


def declared_files(folder: Path) -> dict[str, dict]:
    """The resources a folder's datapackage.json declares now, by path ({} if none or unreadable)."""
    try:
        descriptor = json.loads((Path(folder) / DESCRIPTOR).read_text(encoding="utf-8"))
        return {str(r["path"]): r for r in descriptor.get("resources", [])}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def describe_changes(before: dict[str, dict], after: dict[str, dict]) -> list[str]:
    """One line per file added, removed or changed between two declarations."""
    lines = []
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name), after.get(name)
        if old is None:
            lines.append(f"added   {name} ({new.get('rows', '?')} rows)")
        elif new is None:
            lines.append(f"removed {name}")
        elif old.get("hash") != new.get("hash"):
            lines.append(f"changed {name} ({old.get('rows', '?')} -> {new.get('rows', '?')} rows)")
    return lines or ["no file changed"]
