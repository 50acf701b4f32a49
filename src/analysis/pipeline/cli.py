"""The ``safeguarding`` command.

    safeguarding run        # the quarterly job: validate, build, execute every theme, export HTML
    safeguarding validate   # check data/raw; list every problem (file, row, column, value, rule)
    safeguarding check      # data-quality findings on data/raw
    safeguarding build      # rebuild data/processed from data/raw
    safeguarding periods    # which quarters the data holds

Exit codes: 0 success; 1 invalid input data or a failed theme; 2 wrong usage.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .. import __version__


def _add_raw(p: argparse.ArgumentParser) -> None:
    p.add_argument("--raw", "--data-dir", dest="raw", type=Path, default=None,
                   help="input folder (default: the repository's data/raw)")


def cmd_validate(args) -> int:
    from ..ingest.dataset import validate_raw

    report = validate_raw(args.raw)
    print(report)
    return 0 if report.ok else 1


def cmd_check(args) -> int:
    from ..ingest.dataset import validate_raw
    from ..processed import load
    from ..quality import format_findings, run_checks

    report = validate_raw(args.raw)
    if not report.ok:
        print(report)
        return 1
    findings = run_checks(load(args.raw))
    print(format_findings(findings))
    return 0


def cmd_build(args) -> int:
    from ..ingest.dataset import validate_raw
    from ..processed import build_processed
    from ..quality import format_findings
    import pandas as pd

    report = validate_raw(args.raw)
    print(report)
    if not report.ok:
        return 1
    paths = build_processed(args.raw, args.out)
    for name, path in paths.items():
        print(f"wrote {name}: {path}")
    print()
    print(format_findings(pd.read_csv(paths["quality_findings"], keep_default_na=False)))
    return 0


def cmd_periods(args) -> int:
    from ..processed import load

    ds = load(args.raw)
    for area in sorted({c for c in ds.observations.loc[ds.observations["source"] != "dfe", "new_la_code"] if c}):
        labels = ", ".join(p.label for p in ds.periods(area))
        print(f"{area} {ds.area_name(area)}: {labels}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="safeguarding", description=__doc__.split("\n\n")[0])
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("validate", help="validate data/raw and list every problem")
    _add_raw(p)
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("check", help="print the data-quality findings")
    _add_raw(p)
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("build", help="rebuild data/processed from data/raw")
    _add_raw(p)
    p.add_argument("--out", type=Path, default=None, help="output folder (default: data/processed)")
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("periods", help="list the quarters in the local data")
    _add_raw(p)
    p.set_defaults(func=cmd_periods)

    from . import runner

    p = sub.add_parser("run", help="run every theme notebook and export the HTML appendices")
    runner.add_run_arguments(p)
    p.set_defaults(func=runner.run_from_args)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
