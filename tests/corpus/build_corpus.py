"""A corpus of malformed copies of data/raw, built from the shipped data.

Each :class:`Case` is a one-line description, an expected verdict (``reject`` or ``accept``),
a function that breaks a fresh copy of ``data/raw`` and, for a reject case, what the message
must name: the file, and the row and column where the fault is in one cell. ``tests/test_corpus.py``
runs every case through ``safeguarding validate``.

A case that changes a cell on purpose (``redeclare=True``) then rewrites the folder's
datapackage.json, as an analyst would after a deliberate change, so that the content rule and
not only the changed SHA-256 is what refuses it. The accept cases (UTF-8 BOM, CRLF line endings,
GSS symbols in the status column, a new quarter added and declared) must validate.

    python tests/corpus/build_corpus.py OUT_DIR   # writes every case's copy under OUT_DIR
"""

from __future__ import annotations

import csv
import io
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

REPO = Path(__file__).resolve().parents[2]
RAW = REPO / "data" / "raw"
WSCB = "wscb_2017_18"
T31 = f"{WSCB}/t3_1_lac_cp_cin.csv"
T42 = f"{WSCB}/t4_2_cp_demographics.csv"
T24 = f"{WSCB}/t2_4_referrals_by_source.csv"
CDOP = f"{WSCB}/s5_cdop.csv"
SN = "dfe/New_Statistical_Neighbour_Groupings_April_2021.csv"
POP = "dfe/ons_mid-year_population_estimates_2012_to_2024.csv"
D5 = "dfe/d5_cpps_at31march_by_duration_2013_to_2025.csv"


@dataclass
class Case:
    name: str
    description: str
    verdict: str  # "reject" or "accept"
    mutate: Callable[[Path], None]
    file: str | None = None  # what a reject message must name
    row: int | None = None  # 1-based data row, where the fault is in one row
    column: str | None = None
    columns: tuple[str, ...] = ()  # a row with several faults: every one named
    redeclare: tuple[str, ...] = ()  # folders whose datapackage.json is rewritten after the change
    touches_dfe: bool = False
    rules: tuple[str, ...] = field(default_factory=tuple)  # the rule codes expected (any of)


# ------------------------------------------------------------------------------ file helpers
def rows_of(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        data = list(csv.reader(fh))
    return data[0], data[1:]


def write_rows(path: Path, header: list[str], rows: list[list[str]]) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


def set_cells(rel: str, row: int, **cells: str) -> Callable[[Path], None]:
    """Set cells of one data row (1-based)."""
    def go(raw: Path) -> None:
        header, rows = rows_of(raw / rel)
        for col, v in cells.items():
            rows[row - 1][header.index(col)] = v
        write_rows(raw / rel, header, rows)
    return go


def first_row(rel: str, **match: str) -> int:
    """1-based number of the first shipped row whose cells equal ``match``."""
    header, rows = rows_of(RAW / rel)
    for i, r in enumerate(rows, 1):
        if all(r[header.index(k)] == v for k, v in match.items()):
            return i
    raise LookupError(f"no row of {rel} with {match}")


def unlink(rel: str) -> Callable[[Path], None]:
    return lambda raw: (raw / rel).unlink()


def write_bytes(rel: str, data: bytes) -> Callable[[Path], None]:
    return lambda raw: (raw / rel).write_bytes(data)


def keep_lines(rel: str, n: int) -> Callable[[Path], None]:
    """Keep the header and the first ``n`` data lines (a file truncated at a row boundary)."""
    def go(raw: Path) -> None:
        header, rows = rows_of(raw / rel)
        write_rows(raw / rel, header, rows[:n])
    return go


def both(*fns: Callable[[Path], None]) -> Callable[[Path], None]:
    def go(raw: Path) -> None:
        for f in fns:
            f(raw)
    return go


def rename(rel: str, new: str) -> Callable[[Path], None]:
    return lambda raw: (raw / rel).rename((raw / rel).with_name(new))


def replace_with_folder(rel: str) -> Callable[[Path], None]:
    def go(raw: Path) -> None:
        (raw / rel).unlink()
        (raw / rel).mkdir()
    return go


def transform_text(rel: str, fn: Callable[[bytes], bytes]) -> Callable[[Path], None]:
    return lambda raw: (raw / rel).write_bytes(fn((raw / rel).read_bytes()))


def add_file(rel: str, text: str) -> Callable[[Path], None]:
    def go(raw: Path) -> None:
        (raw / rel).parent.mkdir(parents=True, exist_ok=True)
        (raw / rel).write_text(text, encoding="utf-8")
    return go


def blank_with_status(rel: str, row: int, status: str) -> Callable[[Path], None]:
    return set_cells(rel, row, value="", status=status)


def new_quarter(raw: Path) -> None:
    """README's example: the board's figure for 30 June 2018 appended to table 3.1."""
    header, rows = rows_of(raw / T31)
    new = dict(zip(header, rows[0]))
    new.update(time_period="201819", time_identifier="Q1", period_type="snapshot", period_start="2018-06-30",
               period_end="2018-06-30", source_table="3.1", measure="children_on_cp_plan", breakdown="total",
               breakdown_value="All", value="571", unit="count", status="", flags="", note="corpus: next quarter")
    write_rows(raw / T31, header, rows + [[new[c] for c in header]])


# ------------------------------------------------------------------------------ the cases
def _cases() -> list[Case]:
    cp_row = first_row(T31, measure="children_on_cp_plan", breakdown="total", period_end="2018-03-31")
    count_row = first_row(T31, unit="count")
    pct_row = first_row(T42, unit="percent")
    cat_row = first_row(CDOP, breakdown="cdop_category", breakdown_value="Perinatal/neonatal event")
    snap = first_row(T31, period_type="snapshot", period_end="2018-03-31")
    dist = first_row(f"{WSCB}/t4_1_cp_rate_by_district.csv", breakdown="district")
    valued = first_row(T42, status="")
    _, t24_rows = rows_of(RAW / T24)
    cdop_quote = next(i for i, line in enumerate((RAW / CDOP).read_text(encoding="utf-8").splitlines()) if "’" in line)
    W = (WSCB,)
    return [
        # --- the folder against its declaration
        Case("renamed-upper-ext", "t4_2_cp_demographics.csv renamed with an upper-case .CSV", "reject",
             rename(T42, "t4_2_cp_demographics.CSV"), file=T42, rules=("F03-file-missing",)),
        Case("file-deleted", "table 3.6's file deleted", "reject", unlink(f"{WSCB}/t3_6_residential_placements.csv"),
             file=f"{WSCB}/t3_6_residential_placements.csv", rules=("F03-file-missing",)),
        Case("extra-file", "an undeclared CSV added to the board's folder", "reject",
             add_file(f"{WSCB}/t9_9_new_table.csv", "a,b\n1,2\n"), file=f"{WSCB}/t9_9_new_table.csv",
             rules=("F09-file-not-declared",)),
        Case("truncated-rows", "table 2.4 truncated at a row boundary (132 rows lost)", "reject",
             keep_lines(T24, len(t24_rows) - 132), file=T24, rules=("F10-row-count",)),
        Case("truncated-mid-row", "table 4.2 cut off in the middle of its last line", "reject",
             transform_text(T42, lambda b: b[: len(b) - 40]), file=T42),
        Case("header-only", "table 3.3 reduced to its header line", "reject", keep_lines(f"{WSCB}/t3_3_cse_team.csv", 0),
             file=f"{WSCB}/t3_3_cse_team.csv", rules=("F06-empty",)),
        Case("zero-bytes", "table 3.5 emptied to zero bytes", "reject", write_bytes(f"{WSCB}/t3_5_lac_missing.csv", b""),
             file=f"{WSCB}/t3_5_lac_missing.csv", rules=("F06-empty",)),
        Case("whitespace-only", "table 3.5 holding only blank lines", "reject",
             write_bytes(f"{WSCB}/t3_5_lac_missing.csv", b"\n\n  \n"), file=f"{WSCB}/t3_5_lac_missing.csv", rules=("F06-empty",)),
        Case("folder-not-file", "table 3.1's file replaced by a folder of the same name", "reject",
             replace_with_folder(T31), file=T31, rules=("F04-not-a-file",)),
        Case("cp1252", "a note in the CDOP file saved in Windows-1252 (a curly apostrophe as byte 0x92)", "reject",
             transform_text(CDOP, lambda b: b.replace("’".encode(), b"\x92", 1)), file=CDOP, row=cdop_quote,
             rules=("F07-encoding",)),
        Case("utf16", "table 3.1 saved as UTF-16", "reject",
             transform_text(T31, lambda b: b.decode("utf-8").encode("utf-16")), file=T31, rules=("F07-encoding",)),
        Case("xlsx-named-csv", "a spreadsheet (zip bytes) saved under table 3.6's CSV name", "reject",
             write_bytes(f"{WSCB}/t3_6_residential_placements.csv", b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\xff\xfe"),
             file=f"{WSCB}/t3_6_residential_placements.csv", rules=("F07-encoding",)),
        Case("no-source-md", "the board folder's SOURCE.md deleted", "reject", unlink(f"{WSCB}/SOURCE.md"),
             file=f"{WSCB}/SOURCE.md", rules=("F00-source-missing",)),
        Case("no-datapackage", "the board folder's datapackage.json deleted", "reject", unlink(f"{WSCB}/datapackage.json"),
             file=f"{WSCB}/datapackage.json", rules=("F01-declaration-missing",)),
        Case("bad-datapackage", "datapackage.json cut short (not JSON)", "reject",
             transform_text(f"{WSCB}/datapackage.json", lambda b: b[:200]), file=f"{WSCB}/datapackage.json",
             rules=("F02-declaration-invalid",)),
        Case("new-folder-no-source", "a second board folder with a CSV and neither SOURCE.md nor datapackage.json", "reject",
             add_file("board_2018_19/t3_1_lac_cp_cin.csv", (RAW / T31).read_text(encoding="utf-8")),
             file="board_2018_19/SOURCE.md", rules=("F00-source-missing",)),
        Case("loose-csv", "a CSV dropped directly into data/raw", "reject", add_file("t4_2_copy.csv", "a,b\n1,2\n"),
             file="t4_2_copy.csv", rules=("F09-file-not-declared",)),
        Case("changed-cell-undeclared", "a figure in table 3.1 changed without re-declaring the folder", "reject",
             set_cells(T31, cp_row, value="600"), file=T31, rules=("F12-content-changed",)),
        Case("no-dictionary", "data_dictionary.csv deleted", "reject", unlink("data_dictionary.csv"),
             file="data_dictionary.csv", rules=("F03-file-missing",)),
        Case("no-districts", "lookups/districts.csv deleted", "reject", unlink("lookups/districts.csv"),
             file="lookups/districts.csv", rules=("F03-file-missing",)),
        # --- cells (the folder re-declared, so the content rule is what refuses them)
        Case("date-0631", "an impossible date 2018-06-31 in period_end", "reject",
             set_cells(T31, snap, period_end="2018-06-31"), file=T31, row=snap, column="period_end", redeclare=W,
             rules=("R17-real-date",)),
        Case("date-0332", "an impossible date 2018-03-32 in period_start", "reject",
             set_cells(T31, snap, period_start="2018-03-32"), file=T31, row=snap, column="period_start", redeclare=W,
             rules=("R17-real-date",)),
        Case("date-format", "a date written 31/03/2018", "reject", set_cells(T31, snap, period_end="31/03/2018"),
             file=T31, row=snap, column="period_end", redeclare=W),
        Case("several-in-one-row", "one row with a text value, an unknown unit and an impossible date", "reject",
             set_cells(T31, count_row, value="lots", unit="children", period_end="2018-02-30"), file=T31, row=count_row,
             columns=("value", "unit", "period_end"), redeclare=W),
        Case("text-value", "a count written in words", "reject", set_cells(T31, count_row, value="six hundred"),
             file=T31, row=count_row, column="value", redeclare=W, rules=("R01-number",)),
        Case("thousands-comma", "a count printed with a thousands comma", "reject", set_cells(T31, count_row, value="1,234"),
             file=T31, row=count_row, column="value", redeclare=W, rules=("R01-number",)),
        Case("negative-count", "a negative count", "reject", set_cells(T31, count_row, value="-5"), file=T31,
             row=count_row, column="value", redeclare=W, rules=("R02-count-nonneg",)),
        Case("percent-over-100", "a percentage of 104.6", "reject", set_cells(T42, pct_row, value="104.6"), file=T42,
             row=pct_row, column="value", redeclare=W, rules=("R04-percent-range",)),
        Case("value-and-symbol", "a value given together with the status x", "reject",
             set_cells(T42, valued, status="x"), file=T42, row=valued, column="status", redeclare=W,
             rules=("R06-blank-iff-symbol",)),
        Case("blank-no-symbol", "a blank value without a status saying why", "reject", set_cells(T31, count_row, value=""),
             file=T31, row=count_row, column="status", redeclare=W, rules=("R06-blank-iff-symbol",)),
        Case("period-201719", "time_period 201719 (years not consecutive)", "reject", set_cells(T31, snap, time_period="201719"),
             file=T31, row=snap, column="time_period", redeclare=W, rules=("R07-period-known",)),
        Case("quarter-q5", "time_identifier Q5", "reject", set_cells(T31, snap, time_identifier="Q5"), file=T31, row=snap,
             column="time_identifier", redeclare=W),
        Case("quarter-mismatch", "a 31 March figure labelled Q2", "reject", set_cells(T31, snap, time_identifier="Q2"),
             file=T31, row=snap, column="time_identifier", redeclare=W, rules=("R08-quarter-matches-date",)),
        Case("unknown-district", "district 'Leamington' (not a district)", "reject",
             set_cells(f"{WSCB}/t4_1_cp_rate_by_district.csv", dist, breakdown_value="Leamington"),
             file=f"{WSCB}/t4_1_cp_rate_by_district.csv", row=dist, column="breakdown_value", redeclare=W,
             rules=("R11-district-known",)),
        Case("unknown-flag", "an unknown flag 'estimated'", "reject", set_cells(T31, snap, flags="estimated"), file=T31,
             row=snap, column="flags", redeclare=W, rules=("R12-flags-known",)),
        Case("measure-typo", "a measure name not in the data dictionary", "reject",
             set_cells(T31, snap, measure="children_on_cp_plans_typo"), file=T31, row=snap, column="measure", redeclare=W,
             rules=("R15-measure-defined",)),
        Case("duplicate-row", "a row repeated at the end of table 3.1", "reject",
             lambda raw: write_rows(raw / T31, rows_of(raw / T31)[0], rows_of(raw / T31)[1] + [rows_of(raw / T31)[1][0]]),
             file=T31, column="measure", redeclare=W, rules=("R14-duplicate",)),
        Case("missing-column", "table 3.1 without its unit column", "reject",
             lambda raw: write_rows(raw / T31, [c for c in rows_of(raw / T31)[0] if c != "unit"],
                                    [r[:15] + r[16:] for r in rows_of(raw / T31)[1]]),
             file=T31, column="unit", redeclare=W, rules=("R00-columns",)),
        Case("ragged-row", "a row with one field too many", "reject",
             transform_text(T31, _extra_field_on_row_2), file=T31, row=2, redeclare=W, rules=("R00-readable",)),
        # --- plausibility
        Case("10e12-children", "10^12 children on plans", "reject", set_cells(T31, cp_row, value="1000000000000"),
             file=T31, row=cp_row, column="value", redeclare=W, rules=("P01-count-absurd",)),
        Case("above-population", "200,000 children on plans (more than Warwickshire's 0-17 population)", "reject",
             set_cells(T31, cp_row, value="200000"), file=T31, row=cp_row, column="value", redeclare=W,
             rules=("P02-children-above-population",)),
        Case("dated-2031", "a figure dated 31 March 2031", "reject",
             set_cells(T31, snap, time_period="203031", period_start="2031-03-31", period_end="2031-03-31"),
             file=T31, row=snap, column="period_end", redeclare=W, rules=("P03-date-in-future",)),
        Case("cdop-part-above-total", "a CDOP category count (40) above the deaths total (34)", "reject",
             set_cells(CDOP, cat_row, value="40"), file=CDOP, row=cat_row, column="value", redeclare=W,
             rules=("P04-part-above-whole",)),
        Case("la-e99999999", "an unknown LA code E99999999", "reject", set_cells(T31, snap, new_la_code="E99999999"),
             file=T31, row=snap, column="new_la_code", redeclare=W, rules=("P05-la-code-unknown",)),
        Case("la-name-mismatch", "Warwickshire's code with the name Coventry", "reject", set_cells(T31, snap, la_name="Coventry"),
             file=T31, row=snap, column="la_name", redeclare=W, rules=("P06-la-name-mismatch",)),
        # --- the DfE files (what the themes read)
        Case("sn-deleted", "the DfE statistical-neighbours file deleted", "reject", unlink(SN), file=SN, touches_dfe=True,
             rules=("F03-file-missing",)),
        Case("lait-dictionary-emptied", "the LAIT data dictionary emptied", "reject",
             write_bytes("dfe/lait_data_dictionary.csv", b""), file="dfe/lait_data_dictionary.csv", touches_dfe=True,
             rules=("F06-empty",)),
        Case("population-truncated", "the ONS population file truncated", "reject", keep_lines(POP, 100), file=POP,
             touches_dfe=True, rules=("F10-row-count",)),
        Case("parquet-garbage", "the LAIT parquet file overwritten with text", "reject",
             write_bytes("dfe/lait_bds_long.parquet", b"not a parquet file\n"), file="dfe/lait_bds_long.parquet",
             touches_dfe=True),
        Case("dfe-10e12", "10^12 children on plans in DfE's d5 file (declared)", "reject",
             lambda raw: _dfe_cell(raw, D5, "CPP_At31", "1000000000000"), file=D5, column="CPP_At31", touches_dfe=True,
             redeclare=("dfe",), rules=("P01-count-absurd",)),
        Case("sn-missing-column", "the statistical-neighbours file without its SN3 column (declared)", "reject",
             lambda raw: _drop_column(raw, SN, "SN3"), file=SN, column="SN3", touches_dfe=True, redeclare=("dfe",),
             rules=("D01-columns",)),
        # --- accept
        Case("bom", "table 3.1 saved with a UTF-8 byte-order mark (declared)", "accept",
             transform_text(T31, lambda b: b"\xef\xbb\xbf" + b), redeclare=W),
        Case("crlf", "table 4.2 saved with Windows (CRLF) line endings (declared)", "accept",
             transform_text(T42, lambda b: b.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")), redeclare=W),
        Case("status-symbols", "figures replaced by the GSS symbols x, z and c in the status column (declared)", "accept",
             both(blank_with_status(T31, count_row, "x"), blank_with_status(T42, valued, "c"),
                  blank_with_status(T42, pct_row, "z")), redeclare=W),
        Case("next-quarter", "README's example row for 30 June 2018 added and declared", "accept", new_quarter, redeclare=W),
        Case("checkpoints", "a hidden .ipynb_checkpoints folder left by JupyterLab in the board folder", "accept",
             add_file(f"{WSCB}/.ipynb_checkpoints/t3_1_lac_cp_cin-checkpoint.csv", "junk\n")),
    ]


def _extra_field_on_row_2(b: bytes) -> bytes:
    lines = b.split(b"\n")
    lines[2] += b",extra"
    return b"\n".join(lines)


def _dfe_cell(raw: Path, rel: str, column: str, value: str) -> None:
    header, rows = rows_of(raw / rel)
    i = next(i for i, r in enumerate(rows) if r[header.index("geographic_level")] == "Local authority")
    rows[i][header.index(column)] = value
    write_rows(raw / rel, header, rows)


def _drop_column(raw: Path, rel: str, column: str) -> None:
    header, rows = rows_of(raw / rel)
    k = header.index(column)
    write_rows(raw / rel, header[:k] + header[k + 1:], [r[:k] + r[k + 1:] for r in rows])


CASES: list[Case] = _cases()


def build(case: Case, dest: Path) -> Path:
    """A copy of data/raw at ``dest`` broken as ``case`` says (DfE linked unless the case touches it)."""
    dest.mkdir(parents=True)
    for item in RAW.iterdir():
        if item.name == "dfe" and not case.touches_dfe:
            (dest / "dfe").symlink_to(item, target_is_directory=True)
        elif item.is_dir():
            shutil.copytree(item, dest / item.name)
        else:
            shutil.copy2(item, dest / item.name)
    case.mutate(dest)
    if case.redeclare:
        sys.path.insert(0, str(REPO / "src"))
        from analysis.ingest.declaration import declare

        for folder in case.redeclare:
            declare(dest / folder)
    return dest


if __name__ == "__main__":  # pragma: no cover
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "corpus-out")
    for c in CASES:
        build(c, out / c.name)
        print(f"{c.name:28} {c.verdict:7} {c.description}")
