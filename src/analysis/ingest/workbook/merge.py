"""Put a workbook's tidy rows into a dataset folder, only when every check passes.

Each row is matched with the data already there by its observation key (period, area, table,
measure, breakdown). The same figure again changes nothing; a different figure is refused unless
``replace`` is given, and then the file as it was is first copied to
``<dataset>/history/<file>.<UTC time>.csv`` (and git shows the change as a one-line diff). The
result is validated with the rules of ``safeguarding validate`` (the dataset folder staged, with
its ``datapackage.json`` rewritten, beside the rest of ``data/raw``) before anything is written;
then each file is replaced atomically (written to a temporary file, then renamed) and
``datapackage.json`` last, so ``safeguarding validate`` passes on the result.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ..declaration import DESCRIPTOR, HISTORY_DIR, declare
from ..schema import OBSERVATION_KEY, TIDY_COLUMNS, read_text_csv
from .reader import ReadResult, WorkbookProblem
from .template import atomic_save


@dataclass
class ImportOutcome:
    """What an import did (or would have done) and every problem that stopped it."""

    problems: list = field(default_factory=list)
    added: int = 0
    unchanged: int = 0
    replaced: int = 0
    files: list[str] = field(default_factory=list)
    backups: list[Path] = field(default_factory=list)


def _same(a: dict, b: dict) -> bool:
    if a["status"] != b["status"]:
        return False
    if a["value"] == "" or b["value"] == "":
        return a["value"] == b["value"]
    return float(a["value"]) == float(b["value"])


def _csv_text(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def plan(folder: Path, read: ReadResult, replace: bool) -> tuple[ImportOutcome, dict[str, str], dict[tuple, dict]]:
    """New text of every file the rows change, and where each written row came from."""
    outcome = ImportOutcome()
    by_file: dict[str, list[dict]] = {}
    for row in read.rows:
        by_file.setdefault(row["_file"], []).append(row)
    texts: dict[str, str] = {}
    origin: dict[tuple, dict] = {}  # (file, 1-based data row) -> the workbook row
    for name, rows in by_file.items():
        path = folder / name
        frame = read_text_csv(path) if path.is_file() else None
        table = [TIDY_COLUMNS] + ([] if frame is None else [list(map(str, r)) for r in frame[TIDY_COLUMNS].itertuples(index=False)])
        index = {tuple(line[TIDY_COLUMNS.index(k)] for k in OBSERVATION_KEY): i for i, line in enumerate(table) if i}
        changed = frame is None
        for row in rows:
            key = tuple(row[k] for k in OBSERVATION_KEY)
            new = [row[c] for c in TIDY_COLUMNS]
            i = index.get(key)
            if i is None:
                table.append(new)
                index[key] = len(table) - 1
                origin[(name, len(table) - 1)] = row
                outcome.added += 1
                changed = True
                continue
            old = dict(zip(TIDY_COLUMNS, table[i]))
            if _same(old, row):
                outcome.unchanged += 1
                continue
            was = old["value"] or old["status"] or "blank"
            if not replace:
                outcome.problems.append(WorkbookProblem(
                    row["_sheet"], row["_cell"], f"would change the figure already in the data ({was!r} in "
                    f"{folder.name}/{name}, line {i + 1}): give --replace to replace it (the file as it was is kept "
                    f"in {folder.name}/{HISTORY_DIR}/), or type the figure that is there", row["_label"], row["_period"], row["_shown"]))
                continue
            new[TIDY_COLUMNS.index("note")] = f"{row['note']}; replaced {was!r}"
            table[i] = new
            origin[(name, i)] = row
            outcome.replaced += 1
            changed = True
        if changed:
            texts[name] = _csv_text(table)
    return outcome, texts, origin


def _stage(raw: Path, folder: Path, texts: dict[str, str], into: Path) -> Path:
    """A copy of ``raw`` (links to everything but the dataset folder) with the new files declared."""
    staged_raw = into / "raw"
    staged_raw.mkdir()
    for entry in raw.iterdir():
        if entry.name != folder.name:
            (staged_raw / entry.name).symlink_to(entry.resolve())
    staged = staged_raw / folder.name
    if folder.is_dir():
        shutil.copytree(folder, staged, ignore=shutil.ignore_patterns(HISTORY_DIR))
    else:
        staged.mkdir()
    for name, text in texts.items():
        (staged / name).write_text(text, encoding="utf-8")
    declare(staged)
    return staged_raw


def _cell_problems(report, folder: Path, origin: dict[tuple, dict]) -> list:
    """The validation report, each problem of a row from the workbook said about its cell."""
    out = []
    for p in report.problems:
        file = p.file.split("/", 1)[1] if "/" in p.file else p.file
        row = origin.get((file, p.row)) if p.file.startswith(folder.name + "/") and p.row else None
        if row is None:
            out.append(p)
            continue
        what = f" (its row's {p.column} is {p.value!r})" if p.column else ""
        out.append(WorkbookProblem(row["_sheet"], row["_cell"], f"breaks rule {p.rule} of `safeguarding validate`"
                                   f"{what}: {p.message}", row["_label"], row["_period"], row["_shown"]))
    return out


def _atomic_write(path: Path, data: bytes) -> None:
    atomic_save(path, lambda tmp: tmp.write_bytes(data))


def apply(read: ReadResult, folder: str | Path, replace: bool = False, now: dt.datetime | None = None) -> ImportOutcome:
    """Check ``read``'s rows against the dataset in ``folder`` and write them if nothing is wrong."""
    from ..dataset import validate_raw

    folder = Path(folder)
    if not read.ok:
        return ImportOutcome(problems=list(read.problems))
    undeclared = _undeclared_changes(folder)
    if undeclared:  # staging declares the folder afresh: it would approve these changes unseen
        return ImportOutcome(problems=undeclared)
    outcome, texts, origin = plan(folder, read, replace)
    if outcome.problems or not texts:
        return outcome
    with tempfile.TemporaryDirectory(prefix="safeguarding-import-") as tmp:
        staged_raw = _stage(folder.parent, folder, texts, Path(tmp))
        report = validate_raw(staged_raw)
        if not report.ok:
            outcome.problems = _cell_problems(report, folder, origin)
            return outcome
        descriptor = (staged_raw / folder.name / DESCRIPTOR).read_bytes()
    folder.mkdir(parents=True, exist_ok=True)
    if outcome.replaced:
        stamp = (now or dt.datetime.now(dt.timezone.utc)).strftime("%Y%m%dT%H%M%SZ")
        history = folder / HISTORY_DIR
        history.mkdir(exist_ok=True)
        for name in texts:
            if (folder / name).is_file():
                outcome.backups.append(_keep_copy(folder / name, history, f"{Path(name).stem}.{stamp}"))
    _write_all(folder, {**{name: text.encode("utf-8") for name, text in texts.items()}, DESCRIPTOR: descriptor})
    outcome.files = sorted(texts)
    return outcome


def _undeclared_changes(folder: Path) -> list:
    """Every difference between the dataset folder and its ``datapackage.json`` (as ``validate``
    reports them), or []: an import starts only from a folder as it was declared."""
    from ..declaration import check_folder
    from ..schema import ValidationReport

    if not folder.is_dir():
        return []
    report = ValidationReport()
    check_folder(folder, folder.name, report)
    if not report.problems:
        return []
    return [WorkbookProblem(None, None, f"the dataset folder has changed since it was last declared ({p}); the import "
                            "starts only from a folder that `safeguarding validate` passes: undo the change, or run "
                            f"`safeguarding declare --dataset {folder.name}` if it is deliberate") for p in report.problems]


def _keep_copy(path: Path, history: Path, stem: str) -> Path:
    """Copy ``path`` to ``history/<stem>.csv`` (``<stem>.2.csv`` ... if that exists: never over one)."""
    for n in range(1, 1000):
        backup = history / (f"{stem}.csv" if n == 1 else f"{stem}.{n}.csv")
        try:
            with open(backup, "xb") as out:
                out.write(path.read_bytes())
        except FileExistsError:
            continue
        shutil.copystat(path, backup)
        return backup
    raise FileExistsError(f"{history}: too many copies named {stem}")


def _write_all(folder: Path, files: dict[str, bytes]) -> None:
    """Write every file, each by rename, and if any write fails put back every file as it was
    (a file that was not there is removed again), so the folder holds the old set or the new."""
    before = {name: (folder / name).read_bytes() if (folder / name).is_file() else None for name in files}
    try:
        for name in sorted(files, key=lambda n: n == DESCRIPTOR):  # the declaration last
            _atomic_write(folder / name, files[name])
    except BaseException:
        for name, data in before.items():
            if data is None:
                (folder / name).unlink(missing_ok=True)
            else:
                _atomic_write(folder / name, data)
        raise
