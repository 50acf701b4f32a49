"""``safeguarding template`` and ``safeguarding import``: next quarter's figures through a workbook.

    safeguarding template --period 2018-19-Q1 --out next_quarter.xlsx [--filled] [--csv]
    safeguarding import next_quarter.xlsx [--dataset DIR] [--replace]

The template is laid out like the board's tables (:mod:`analysis.ingest.workbook`); the import
reads it back, checks every cell and the whole result with the rules of ``safeguarding
validate``, and writes into ``data/raw/<dataset>/`` only when there is no problem at all.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


def dataset_folder(raw: Path | None, dataset: str | None, prog: str) -> Path | None:
    """The dataset folder a command names: ``dataset`` (a bare name: a folder of ``raw``; a path:
    as given), else the only dataset folder of ``raw``; None (said on stderr) when that is not one."""
    from ..ingest.dataset import local_dataset_dirs
    from ..paths import raw_dir

    raw = Path(raw or raw_dir())
    if dataset:
        # a bare name (as the workbook records it) is a folder of --raw, never one that happens to
        # be in the current folder; a path (with a folder separator) is taken as given
        named = Path(dataset)
        return named if named.is_absolute() or len(named.parts) > 1 else raw / dataset
    found = local_dataset_dirs(raw) if raw.is_dir() else []
    if len(found) != 1:
        names = ", ".join(p.name for p in found) or "none"
        print(f"safeguarding {prog}: give --dataset (the board's folder of data/raw; found: {names})", file=sys.stderr)
        return None
    return found[0]


def cmd_template(args: argparse.Namespace) -> int:
    from ..ingest.workbook.layout import build_layout
    from ..ingest.workbook.template import write_csv_folder, write_xlsx
    from ..periods import PeriodError

    folder = dataset_folder(args.raw, args.dataset, "template")
    if folder is None:
        return EXIT_USAGE
    if not folder.is_dir():
        print(f"safeguarding template: no dataset folder {str(folder)!r}", file=sys.stderr)
        return EXIT_USAGE
    try:
        layout = build_layout(folder, args.period)
    except (PeriodError, ValueError) as exc:
        print(f"safeguarding template: {exc}", file=sys.stderr)
        return EXIT_USAGE
    out = Path(args.out)
    as_csv = args.csv or out.suffix.lower() != ".xlsx"
    written = write_csv_folder(layout, out, args.filled) if as_csv else write_xlsx(layout, out, args.filled)
    cells = sum(len(s.fillable) for s in layout.sheets)
    print(f"wrote {written}: {len(layout.sheets)} sheet(s), {cells} cell(s) to fill for {layout.period}"
          f"{' (with the figures already in the data)' if args.filled else ''}.")
    for name, why in layout.left_out:
        print(f"  not in the workbook: {name}: {why}")
    print(f"Fill it in, then: safeguarding import {written}")
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    from ..ingest.workbook.merge import apply
    from ..ingest.workbook.reader import read_workbook
    from ..periods import parse_period

    read = read_workbook(args.workbook)
    folder = None
    if read.layout is not None:
        folder = dataset_folder(args.raw, args.dataset or read.layout.dataset, "import")
    if read.ok and folder is None:
        return EXIT_USAGE
    outcome = apply(read, folder, replace=args.replace) if folder is not None else None
    problems = outcome.problems if outcome is not None else read.problems
    if problems:
        print(f"Import refused: {len(problems)} problem(s) in {Path(args.workbook).name}. Nothing was written.")
        for p in problems:
            print(f"  - {p}")
        print("Fix the cells named above and import again.")
        return EXIT_INVALID
    if not outcome.files:
        print(f"Nothing to write: {outcome.unchanged} figure(s) already in {folder}, no new figure.")
        return EXIT_OK
    print(f"Imported into {folder}: {outcome.added} new, {outcome.replaced} replaced, {outcome.unchanged} unchanged.")
    for name in outcome.files:
        print(f"  wrote {name}")
    for backup in outcome.backups:
        print(f"  kept the file as it was: {backup}")
    period = parse_period(read.layout.period).slug
    print(f"Validated with the rules of `safeguarding validate`. Next: safeguarding run --period {period}")
    return EXIT_OK


def add_parsers(sub, add_raw) -> None:
    command = sub.add_parser("template", help="write next quarter's workbook, laid out like the board's tables")
    add_raw(command)
    command.add_argument("--period", required=True, help="the quarter to fill, e.g. 2018-19-Q1")
    command.add_argument("--out", required=True, help="the workbook to write (.xlsx), or a folder for --csv")
    command.add_argument("--dataset", default=None, metavar="DIR",
                         help="the board's dataset folder (default: the only one in data/raw)")
    command.add_argument("--filled", action="store_true",
                         help="write the figures already in the data into the columns to fill (to correct a past quarter)")
    command.add_argument("--csv", action="store_true", help="write one CSV file per sheet into the folder --out")
    command.set_defaults(func=cmd_template)

    command = sub.add_parser("import", help="read a filled workbook into data/raw, only when every cell is right")
    add_raw(command)
    command.add_argument("workbook", help="the filled workbook (.xlsx) or folder of CSV files")
    command.add_argument("--dataset", default=None, metavar="DIR",
                         help="the dataset folder to write into (default: the one the template was made from)")
    command.add_argument("--replace", action="store_true",
                         help="replace figures already in the data; the files as they were are kept in <dataset>/history/")
    command.set_defaults(func=cmd_import)
