"""Build every theme for every local authority in the DfE files, and look for another board's words.

For every local authority (LA) code in DfE's children-on-plans file (every code any year has), for
the earliest and the latest year DfE publishes, each theme's ``build()`` is called in this
process (no notebooks, so it is fast), and every piece of text a reader sees is searched for what
belongs to another area's board: its name ("Warwickshire Safeguarding Children Board"), any
"Safeguarding Children Board/Partnership" source on a page of an area without a board, its
districts ("Nuneaton and Bedworth") and the board's own authority ("Warwickshire") unless that
authority is one of the page's statistical neighbours (which are rightly named). The boards, their
areas and districts are read from the local datasets in ``data/raw`` (folders with a SOURCE.md
other than ``dfe``), not typed in here. The page's own area name is checked against the DfE file.

Usage (from the repository root)::

    PYTHONPATH=src python3 scripts/build_every_area.py            # every LA, earliest and latest year
    PYTHONPATH=src python3 scripts/build_every_area.py --areas E08000026 E06000065 --themes cp_trends

It prints what was built (areas x years x themes), the errors, the pages with leaks and the time,
and exits 1 if there was any error or leak. tests/test_every_area_pages.py runs the same checks on
a fixed sample of 30 authorities.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
import time
import traceback
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"
PLANS_FILE = "d5_cpps_at31march_by_duration_2013_to_2025.csv"
NEIGHBOURS_FILE = "New_Statistical_Neighbour_Groupings_April_2021.csv"
THEMES = ("cp_trends", "representation", "cdop", "training")
#: Words that cite a board's own report; on the page of an area without a board they come from another's.
#: ("LSCB" alone is not one: DfE's own definitions use it for any board.)
BOARD_WORDS = re.compile(r"Safeguarding Children(?:'s)? (?:Board|Partnership)", re.IGNORECASE)


def _csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


# --------------------------------------------------------------------------- what the raw files say
def authorities(raw: Path = RAW) -> dict[str, str]:
    """Every LA code in DfE's children-on-plans file, with its name in the latest year it appears."""
    out: dict[str, tuple[int, str]] = {}
    for row in _csv(raw / "dfe" / PLANS_FILE):
        if row["geographic_level"] == "Local authority":
            year = int(row["time_period"])
            if row["new_la_code"] not in out or out[row["new_la_code"]][0] < year:
                out[row["new_la_code"]] = (year, row["la_name"])
    return {code: name for code, (_, name) in sorted(out.items())}


def dfe_years(raw: Path = RAW) -> tuple[str, str]:
    """The earliest and latest financial years of the file, as periods ("2012-13", "2024-25")."""
    years = sorted({int(row["time_period"]) for row in _csv(raw / "dfe" / PLANS_FILE)})
    return tuple(f"{year - 1}-{str(year)[2:]}" for year in (years[0], years[-1]))


def neighbour_names(raw: Path = RAW) -> dict[str, set[str]]:
    """LA code -> the names of its DfE statistical neighbours (every name their LA numbers have had)."""
    plans = [row for row in _csv(raw / "dfe" / PLANS_FILE) if row["geographic_level"] == "Local authority"]
    names_of_number: dict[str, set[str]] = {}
    number_of_code: dict[str, str] = {}
    for row in plans:
        names_of_number.setdefault(row["old_la_code"].strip(), set()).add(row["la_name"])
        number_of_code[row["new_la_code"]] = row["old_la_code"].strip()
    with open(raw / "dfe" / NEIGHBOURS_FILE, newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        header = [cell.strip() for cell in next(reader)]
        columns = [header.index(f"SN{k}") for k in range(1, 11)]
        groups = {row[0].strip(): [row[c].strip() for c in columns] for row in reader if row and row[0].strip()}
    return {code: set().union(*(names_of_number.get(n, set()) for n in groups.get(number, [])))
            for code, number in number_of_code.items()}


@dataclass
class Board:
    """A local (board) dataset in data/raw: its title, its authorities and the districts it names."""

    folder: str
    title: str
    area_codes: set[str] = field(default_factory=set)
    area_names: set[str] = field(default_factory=set)
    districts: set[str] = field(default_factory=set)


def boards(raw: Path = RAW) -> list[Board]:
    """Every local dataset (a folder of data/raw with a SOURCE.md, other than dfe)."""
    out = []
    for folder in sorted(p for p in raw.iterdir() if p.is_dir() and p.name != "dfe" and (p / "SOURCE.md").exists()):
        heading = next((line for line in (folder / "SOURCE.md").read_text(encoding="utf-8").splitlines()
                        if line.startswith("# ")), folder.name)
        board = Board(folder.name, re.split(r"\s+[—–-]\s+", heading[2:].strip())[0])
        for path in folder.glob("*.csv"):
            for row in _csv(path):
                if row.get("new_la_code"):
                    board.area_codes.add(row["new_la_code"])
                    board.area_names.add(row.get("la_name", ""))
                if row.get("breakdown") == "district" and row.get("breakdown_value") not in ("Total", "All", ""):
                    board.districts.add(row["breakdown_value"])
        board.area_names.discard("")
        out.append(board)
    return out


# --------------------------------------------------------------------------- what a page says
def page_texts(result):
    """(where, text) for every piece of text a reader of the appendix sees."""
    yield "title", result.title
    for text in result.key_findings:
        yield "key finding", text
    for text in result.caveats:
        yield "caveat", text
    for section in result.sections:
        where = f"section {section.key!r}"
        yield f"{where} heading", section.heading
        if section.unavailable:
            yield f"{where} (no data)", section.unavailable
        for text in section.paragraphs:
            yield f"{where} paragraph", text
        for chart, table in section.charts:
            for part in ("title", "subtitle", "alt", "source"):
                yield f"{where} chart {part}", getattr(chart, part) or ""
            yield from _table_texts(f"{where} chart's table", table)
        for table in section.tables:
            yield from _table_texts(f"{where} table", table)


def _table_texts(where: str, table):
    yield f"{where} title", table.title
    yield f"{where} source", table.source
    for note in table.notes:
        yield f"{where} note", note
    for column in table.frame.columns:
        yield f"{where} column", str(column)
        if table.frame[column].dtype == object or str(table.frame[column].dtype) in ("str", "string"):
            for cell in table.frame[column].dropna().astype(str).unique():
                yield f"{where} cell", cell


def leaks(result, area_code: str, all_boards: list[Board], neighbours: set[str]) -> list[tuple[str, str, str]]:
    """(where, what, text) for each piece of another board's name, source, district or area in the page."""
    own = [b for b in all_boards if area_code in b.area_codes]
    others = [b for b in all_boards if area_code not in b.area_codes]
    patterns: list[tuple[str, re.Pattern]] = []
    if not own:
        patterns.append(("a board's report cited on a page of an area without one", BOARD_WORDS))
    for board in others:
        patterns.append((f"{board.title} cited", re.compile(re.escape(board.title), re.IGNORECASE)))
        initials = "".join(word[0] for word in board.title.split() if word[:1].isupper())
        if len(initials) >= 3:  # "WSCB"
            patterns.append((f"{board.title} cited as {initials}", re.compile(rf"\b{initials}\b")))
        for district in sorted(board.districts):
            patterns.append((f"{board.title}: district {district}", re.compile(rf"\b{re.escape(district)}\b")))
        for name in sorted(board.area_names - neighbours - {result.area_name}):
            patterns.append((f"{board.title}: its authority {name} (not a neighbour)",
                             re.compile(rf"\b{re.escape(name)}\b")))
    found = []
    for where, text in page_texts(result):
        for what, pattern in patterns:
            if pattern.search(text or ""):
                found.append((where, what, text))
    return found


# --------------------------------------------------------------------------- the run
@dataclass
class Outcome:
    area_code: str
    period: str
    theme: str
    seconds: float
    error: str | None = None
    leaks: list[tuple[str, str, str]] = field(default_factory=list)
    wrong_name: str | None = None
    warnings: list[str] = field(default_factory=list)  # Python warnings raised while building (not failures)


def build_one(theme: str, area_code: str, period: str, expected_name: str, all_boards: list[Board],
              neighbours: set[str]) -> Outcome:
    import importlib

    started = time.perf_counter()
    try:
        module = importlib.import_module(f"analysis.themes.{theme}")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = module.build(area_code, period, disclosure="public")
    except Exception as error:  # the point is to count them, with where they come from
        frame = traceback.extract_tb(error.__traceback__)[-1]
        where = f"{Path(frame.filename).name}:{frame.lineno}"
        return Outcome(area_code, period, theme, time.perf_counter() - started, f"{type(error).__name__}: {error} ({where})")
    outcome = Outcome(area_code, period, theme, time.perf_counter() - started)
    outcome.warnings = sorted({str(w.message) for w in caught})
    outcome.leaks = leaks(result, area_code, all_boards, neighbours)
    if result.area_name != expected_name:
        outcome.wrong_name = f"page names {result.area_name!r}, the DfE file {expected_name!r}"
    return outcome


def run(area_codes: list[str] | None = None, periods: tuple[str, ...] | None = None,
        themes: tuple[str, ...] = THEMES, progress=None) -> list[Outcome]:
    """Build every theme for every area and period; one Outcome each."""
    names = authorities()
    codes = area_codes or list(names)
    unknown = [code for code in codes if code not in names]
    if unknown:
        raise SystemExit(f"not local authorities in {PLANS_FILE}: {', '.join(unknown)}")
    all_boards, neighbours = boards(), neighbour_names()
    out = []
    for period in periods or dfe_years():
        for code in codes:
            for theme in themes:
                outcome = build_one(theme, code, period, names[code], all_boards, neighbours.get(code, set()))
                out.append(outcome)
                if progress:
                    progress(outcome)
    return out


def report(outcomes: list[Outcome], seconds: float) -> str:
    areas = sorted({o.area_code for o in outcomes})
    periods = sorted({o.period for o in outcomes})
    themes = sorted({o.theme for o in outcomes})
    errors = [o for o in outcomes if o.error]
    leaking = [o for o in outcomes if o.leaks]
    named_wrong = [o for o in outcomes if o.wrong_name]
    lines = [
        f"built {len(outcomes) - len(errors)} of {len(outcomes)} pages: {len(areas)} areas x {len(periods)} periods "
        f"({', '.join(periods)}) x {len(themes)} themes",
        f"errors: {len(errors)}",
        f"pages with another board's name or source: {len(leaking)} "
        f"({sum(len({(where, text) for where, _, text in o.leaks}) for o in leaking)} texts)",
        f"pages naming the wrong area: {len(named_wrong)}",
        f"pages that raised a Python warning while building (not counted as failures): "
        f"{sum(1 for o in outcomes if o.warnings)}",
        f"time: {seconds:.0f} s ({seconds / max(len(outcomes), 1):.2f} s a page)",
    ]
    warned = [o for o in outcomes if o.warnings]
    if warned:
        lines.append("\nwarnings (first of each kind):")
        for message, n in Counter(w for o in warned for w in o.warnings).most_common(10):
            first = next(o for o in warned if message in o.warnings)
            lines.append(f"  {n} x {first.theme} {first.area_code} {first.period}: {message[:300]}")
    for label, rows in (("errors", errors), ("leaks", leaking), ("wrong names", named_wrong)):
        if not rows:
            continue
        lines.append(f"\n{label} by theme and period:")
        for (theme, period), n in sorted(Counter((o.theme, o.period) for o in rows).items()):
            lines.append(f"  {theme} {period}: {n} pages")
    if errors:
        lines.append("\nerrors (first of each kind):")
        for message, n in Counter(o.error for o in errors).most_common(15):
            first = next(o for o in errors if o.error == message)
            lines.append(f"  {n} x {first.theme} {first.area_code} {first.period}: {message[:300]}")
    if leaking:
        lines.append("\nleaks (kind of text, what leaked: pages; one example):")
        kinds = Counter((o.theme, where, what) for o in leaking for where, what, _ in {(w, k, '') for w, k, _ in o.leaks})
        for (theme, where, what), n in kinds.most_common(25):
            example = next((o, text) for o in leaking for w, k, text in o.leaks if (o.theme, w, k) == (theme, where, what))
            lines.append(f"  {theme}, {where}, {what}: {n} pages; e.g. {example[0].area_code} {example[0].period}: "
                         f"{example[1][:160]!r}")
    if named_wrong:
        lines.append("\nwrong names (first 10):")
        lines.extend(f"  {o.theme} {o.area_code} {o.period}: {o.wrong_name}" for o in named_wrong[:10])
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--areas", nargs="*", help="LA codes (default: every LA in the DfE files)")
    parser.add_argument("--periods", nargs="*", help="periods (default: the earliest and latest DfE year)")
    parser.add_argument("--themes", nargs="*", default=list(THEMES), choices=THEMES)
    parser.add_argument("--quiet", action="store_true", help="no line per page")
    args = parser.parse_args(argv)
    started = time.perf_counter()

    done = Counter()

    def progress(outcome: Outcome) -> None:
        done["pages"] += 1
        if done["pages"] % 100 == 0:
            print(f"... {done['pages']} pages, {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
        if not args.quiet and (outcome.error or outcome.leaks or outcome.wrong_name):
            flag = "ERROR" if outcome.error else "LEAK" if outcome.leaks else "NAME"
            print(f"{flag} {outcome.theme} {outcome.area_code} {outcome.period} "
                  f"{outcome.error or outcome.wrong_name or outcome.leaks[0][1]}", file=sys.stderr, flush=True)

    outcomes = run(args.areas, tuple(args.periods) if args.periods else None, tuple(args.themes), progress)
    print(report(outcomes, time.perf_counter() - started))
    return 1 if any(o.error or o.leaks or o.wrong_name for o in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
