"""Schemas for the tidy observation files, and error reports written for people.

Validation is *lazy*: every problem in every file is collected and reported at once, each
naming the file, the row (and its line in the file), the column, the value and the rule broken,
with what to do about it. :class:`ValidationReport` is what the CLI prints before it exits 1.

The schema is declared with pandera (one ``Column`` per field, named checks for the rules that
span columns) rather than hand-written loops, so each rule is listed once, here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

import pandas as pd

if TYPE_CHECKING:  # pandera is imported only when validating
    import pandera.pandas as pa

from ..periods import PERIOD_TYPES, TIME_IDENTIFIERS, PeriodError, period_of, quarter_of

#: Columns of every tidy report file, in order.
TIDY_COLUMNS: list[str] = [
    "time_period",
    "time_identifier",
    "period_type",
    "period_start",
    "period_end",
    "geographic_level",
    "country_code",
    "region_code",
    "new_la_code",
    "la_name",
    "source_table",
    "measure",
    "breakdown",
    "breakdown_value",
    "value",
    "unit",
    "status",
    "flags",
    "note",
]

#: An observation is identified by these; two rows with the same key are a duplicate.
OBSERVATION_KEY: list[str] = [
    "time_period",
    "time_identifier",
    "period_type",
    "period_end",
    "geographic_level",
    "country_code",
    "new_la_code",
    "source_table",
    "measure",
    "breakdown",
    "breakdown_value",
]

GEOGRAPHIC_LEVELS = ("National", "Regional", "Local authority")
UNITS = ("count", "percent", "rate_per_10k", "gbp", "hours", "days")
#: GSS symbols for a value that is not given (value must then be blank).
MISSING_SYMBOLS = ("x", "z", "c")
STATUS_VALUES = ("", "x", "z", "c", "u", "low")
FLAGS = (
    "unvalidated",
    "partial_period",
    "lower_bound",
    "column_inferred",
    "header_mislabelled",
    "as_printed_inconsistent",
)
BREAKDOWNS = (
    "total",
    "district",
    "ethnicity",
    "language",
    "disability",
    "gender",
    "age",
    "cp_category",
    "referral_source",
    "cdop_category",
    "child_residence_la",
    "contributing_agency",
    "expenditure_line",
    "course",
    "agency",
    "council",
    "plan_length",
    "ethnic_group",
)

_NUMBER_RE = r"^-?\d+(\.\d+)?$"
_DATE_RE = r"^\d{4}-\d{2}-\d{2}$"


@dataclass(frozen=True)
class Problem:
    """One broken rule in one cell."""

    file: str
    row: int | None  # 1-based data row (the header is not a row); None for a whole-file problem
    column: str | None
    value: str | None
    rule: str
    message: str

    @property
    def line(self) -> int | None:
        """Line in the file as an editor shows it (header = line 1)."""
        return None if self.row is None else self.row + 1

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row} (line {self.line})"
        if self.column:
            where += f", column '{self.column}'"
        val = "" if self.value is None else f": value {self.value!r}"
        return f"{where}{val} — rule {self.rule}: {self.message}"


@dataclass
class ValidationReport:
    """Every problem found in a set of input files. ``ok`` when there are none."""

    problems: list[Problem] = field(default_factory=list)
    files_checked: list[str] = field(default_factory=list)
    #: When the same files passed an earlier validation (UTC, ISO 8601), if this report is that
    #: validation's (see :func:`analysis.processed.earlier_validation`); "" for a fresh one.
    earlier: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems

    def extend(self, other: "ValidationReport") -> None:
        self.problems.extend(other.problems)
        self.files_checked.extend(other.files_checked)

    def __str__(self) -> str:
        if self.ok and self.earlier:
            return (f"Validation passed: {len(self.files_checked)} file(s), no problems (the same files passed "
                    f"validation by the same code at {self.earlier}; not repeated).")
        if self.ok:
            return f"Validation passed: {len(self.files_checked)} file(s), no problems."
        lines = [
            f"Validation failed: {len(self.problems)} problem(s) in "
            f"{len({p.file for p in self.problems})} file(s). Nothing was run or written.",
        ]
        lines += [f"  - {p}" for p in self.problems]
        lines.append(
            "Fix the cells named above in data/raw (see data/raw/README.md for the allowed "
            "values), then run `safeguarding validate` again."
        )
        return "\n".join(lines)

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([p.__dict__ for p in self.problems])


class DataValidationError(ValueError):
    """Raised by loaders when input data breaks the schema; carries the full report."""

    def __init__(self, report: ValidationReport):
        self.report = report
        super().__init__(str(report))


# --- rules ---------------------------------------------------------------------------------
# Each rule: code, the column a failure is reported against, the plain-English message.
RULES: dict[str, tuple[str, str]] = {
    "R01-number": ("value", "must be a number as printed (digits, optional minus and decimal point; no commas, % or text)"),
    "R02-count-nonneg": ("value", "a count cannot be negative"),
    "R03-count-whole": ("value", "a count must be a whole number"),
    "R04-percent-range": ("value", "a percentage must lie between 0 and 100"),
    "R05-nonneg": ("value", "a rate, amount or duration cannot be negative"),
    "R06-blank-iff-symbol": ("status", "value must be blank exactly when status is a missing-value symbol (x, z or c); a blank value needs a status saying why"),
    "R07-period-known": ("time_period", "time_period must be a financial year written YYYYZZ with consecutive years (e.g. 201718)"),
    "R08-quarter-matches-date": ("time_identifier", "time_identifier must be the financial quarter containing period_end (Apr–Jun Q1 … Jan–Mar Q4), or Annual for a financial_year total"),
    "R09-dates-ordered": ("period_start", "period_start must not be after period_end; a snapshot starts and ends on the same day"),
    "R10-period-type-shape": ("period_type", "the dates do not fit the period_type (financial_year: 1 April to 31 March; cumulative_from_april: starts 1 April; quarter: one quarter)"),
    "R11-district-known": ("breakdown_value", "unknown district: use a district_name from data/raw/lookups/districts.csv"),
    "R12-flags-known": ("flags", "unknown flag: flags must be ';'-separated from " + ", ".join(FLAGS)),
    "R13-la-code": ("new_la_code", "a Local authority row needs new_la_code like E10000031 and la_name"),
    "R14-duplicate": ("measure", "duplicated observation: another row has the same period, area, measure and breakdown"),
}


def _flags_ok(s: pd.Series) -> pd.Series:
    def ok(v: str) -> bool:
        return all(tok in FLAGS for tok in v.split(";") if tok.strip()) if v else True

    return s.map(ok).astype(bool)


def _row_checks(df: pd.DataFrame, districts: frozenset[str]) -> dict[str, pd.Series]:
    """Rules spanning columns; each returns a boolean Series (True = passes)."""
    value = df["value"]
    is_num = value.str.fullmatch(_NUMBER_RE).fillna(False).astype(bool)
    num = pd.to_numeric(value.where(is_num), errors="coerce")
    blank = value.eq("")
    unit = df["unit"]
    out: dict[str, pd.Series] = {}
    out["R01-number"] = blank | is_num
    out["R02-count-nonneg"] = ~(unit.eq("count") & (num < 0))
    out["R03-count-whole"] = ~(unit.eq("count") & num.notna() & (num % 1 != 0))
    out["R04-percent-range"] = ~(unit.eq("percent") & ((num < 0) | (num > 100)))
    out["R05-nonneg"] = ~(unit.isin(["rate_per_10k", "gbp", "hours", "days"]) & (num < 0))
    out["R06-blank-iff-symbol"] = blank == df["status"].isin(MISSING_SYMBOLS)

    tp_ok, q_ok, ordered, shape_ok = [], [], [], []
    for tp, ti, pt, ps, pe in df[
        ["time_period", "time_identifier", "period_type", "period_start", "period_end"]
    ].itertuples(index=False):
        try:
            per = period_of(tp, ti if ti in TIME_IDENTIFIERS else "Annual")
            tp_ok.append(True)
        except PeriodError:
            tp_ok.append(False)
            per = None
        try:
            start, end = pd.Timestamp(ps).date(), pd.Timestamp(pe).date()
        except (ValueError, TypeError):
            q_ok.append(True), ordered.append(True), shape_ok.append(True)  # R-date column check reports it
            continue
        ordered.append(start <= end and (pt != "snapshot" or start == end))
        if per is None:
            q_ok.append(True)
        elif ti == "Annual":
            q_ok.append(pt == "financial_year" and end == per.end)
        else:
            q_ok.append(pt != "financial_year" and quarter_of(end) == per)
        if pt == "financial_year":
            shape_ok.append(start.month == 4 and start.day == 1 and end.month == 3 and end.day == 31 and end.year == start.year + 1)
        elif pt == "cumulative_from_april":
            shape_ok.append(start.month == 4 and start.day == 1)
        elif pt == "quarter":
            shape_ok.append(quarter_of(start) == quarter_of(end))
        else:
            shape_ok.append(True)
    idx = df.index
    out["R07-period-known"] = pd.Series(tp_ok, index=idx, dtype=bool)
    out["R08-quarter-matches-date"] = pd.Series(q_ok, index=idx, dtype=bool)
    out["R09-dates-ordered"] = pd.Series(ordered, index=idx, dtype=bool)
    out["R10-period-type-shape"] = pd.Series(shape_ok, index=idx, dtype=bool)
    # no district list (lookups/districts.csv missing or empty, reported on its own): not checkable
    out["R11-district-known"] = ~(df["breakdown"].eq("district") & ~df["breakdown_value"].isin(districts)) | (not districts)
    out["R12-flags-known"] = _flags_ok(df["flags"])
    la = df["geographic_level"].eq("Local authority")
    out["R13-la-code"] = ~la | (df["new_la_code"].str.fullmatch(r"E\d{8}").fillna(False).astype(bool) & df["la_name"].ne(""))
    return out


#: message of the real-date check (a date written YYYY-MM-DD that no calendar has)
REAL_DATE = "R17-real-date"
REAL_DATE_MESSAGE = "not a real date (e.g. 31 June or 32 March): check the day and month against the source"


def _real_date_check(pa) -> "pa.Check":
    def real(s: pd.Series) -> pd.Series:
        shaped = s.str.fullmatch(_DATE_RE).fillna(False).astype(bool)  # the shape check reports the others
        return ~shaped | pd.to_datetime(s.where(shaped), format="%Y-%m-%d", errors="coerce").notna()

    return pa.Check(real, name=REAL_DATE, error=REAL_DATE_MESSAGE)


def tidy_schema(districts: Iterable[str]) -> "pa.DataFrameSchema":
    """The pandera schema of a tidy report file read with every column as text."""
    import pandera.pandas as pa  # imported here: loading validated data/processed never needs it

    districts = frozenset(districts)

    def text(*checks: pa.Check, nullable: bool = False) -> pa.Column:
        return pa.Column(str, checks=list(checks), nullable=nullable, coerce=False)

    cols = {
        "time_period": text(pa.Check.str_matches(r"^\d{6}$", error="time_period must be six digits, YYYYZZ (e.g. 201718)")),
        "time_identifier": text(pa.Check.isin(TIME_IDENTIFIERS, error=f"time_identifier must be one of {', '.join(TIME_IDENTIFIERS)}")),
        "period_type": text(pa.Check.isin(PERIOD_TYPES, error=f"period_type must be one of {', '.join(PERIOD_TYPES)}")),
        "period_start": text(pa.Check.str_matches(_DATE_RE, error="period_start must be a date YYYY-MM-DD"), _real_date_check(pa)),
        "period_end": text(pa.Check.str_matches(_DATE_RE, error="period_end must be a date YYYY-MM-DD"), _real_date_check(pa)),
        "geographic_level": text(pa.Check.isin(GEOGRAPHIC_LEVELS, error=f"geographic_level must be one of {', '.join(GEOGRAPHIC_LEVELS)}")),
        "country_code": text(pa.Check.str_matches(r"^[EK]\d{8}$", error="country_code must be a GSS code such as E92000001")),
        "region_code": text(),
        "new_la_code": text(),
        "la_name": text(),
        "source_table": text(pa.Check.str_length(min_value=1, error="source_table must say where in the report the figure is printed")),
        "measure": text(pa.Check.str_matches(r"^[a-z][a-z0-9_]*$", error="measure must be a snake_case name defined in data/raw/data_dictionary.csv")),
        "breakdown": text(pa.Check.isin(BREAKDOWNS, error=f"breakdown must be one of {', '.join(BREAKDOWNS)}")),
        "breakdown_value": text(pa.Check.str_length(min_value=1, error="breakdown_value must not be blank (use All for breakdown total)")),
        "value": text(),
        "unit": text(pa.Check.isin(UNITS, error=f"unit must be one of {', '.join(UNITS)}")),
        "status": text(pa.Check.isin(STATUS_VALUES, error="status must be blank or a GSS symbol: x, z, c, u, low")),
        "flags": text(),
        "note": text(),
    }
    cache: dict[int, dict[str, pd.Series]] = {}

    def rule(d: pd.DataFrame, code: str) -> pd.Series:
        # compute every cross-column rule once per frame, not once per rule
        key = id(d)
        if key not in cache:
            cache.clear()
            cache[key] = _row_checks(d, districts)
        return cache[key][code]

    checks = [
        pa.Check(lambda d, code=code: rule(d, code), name=code, error=code)
        for code in RULES
        if code != "R14-duplicate"
    ]
    return pa.DataFrameSchema(cols, checks=checks, strict=True, ordered=False, unique=OBSERVATION_KEY, report_duplicates="all")


def read_text_csv(path: Path) -> pd.DataFrame:
    """Read a CSV with every cell as text and blanks as ``""`` (nothing is interpreted)."""
    return pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False, encoding="utf-8-sig")


def validate_tidy_file(path: Path, districts: Iterable[str], display_name: str | None = None) -> tuple[pd.DataFrame, ValidationReport]:
    """Validate one tidy file; return its text frame and every problem found."""
    name = display_name or str(path)
    report = ValidationReport(files_checked=[name])
    try:
        df = read_text_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, OSError, ValueError) as exc:
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        found = re.search(r"(?:line|row) (\d+)", text)  # pandas names the line of the file
        row = int(found.group(1)) - 1 if found and int(found.group(1)) > 1 else None
        why = re.sub(r"^Error tokenizing data\. C error: ", "", text)
        report.problems.append(Problem(name, row, None, None, "R00-readable", f"the file cannot be read as CSV: {why}"))
        return pd.DataFrame(columns=TIDY_COLUMNS), report
    missing = [c for c in TIDY_COLUMNS if c not in df.columns]
    extra = [c for c in df.columns if c not in TIDY_COLUMNS]
    for c in missing:
        report.problems.append(Problem(name, None, c, None, "R00-columns", f"required column '{c}' is missing (columns: {', '.join(TIDY_COLUMNS)})"))
    for c in extra:
        report.problems.append(Problem(name, None, c, None, "R00-columns", f"unexpected column '{c}': the tidy format has exactly the columns in data/raw/README.md"))
    if missing or extra:
        return df, report
    import pandera.pandas as pa

    try:
        tidy_schema(districts).validate(df, lazy=True)
    except pa.errors.SchemaErrors as exc:
        report.problems.extend(_problems_from_pandera(exc.failure_cases, df, name))
    return df, report


def _problems_from_pandera(fc: pd.DataFrame, df: pd.DataFrame, name: str) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[tuple] = set()
    for rec in fc.to_dict("records"):
        check = str(rec.get("check"))
        idx = rec.get("index")
        row = None if idx is None or pd.isna(idx) else int(idx) + 1
        col = rec.get("column")
        if check in RULES:  # a cross-column rule: report it once, against its own column
            col = RULES[check][0]
            rule, msg = check, RULES[check][1]
        elif check == "multiple_fields_uniqueness":
            rule, msg = "R14-duplicate", RULES["R14-duplicate"][1]
            col = "measure"
        elif check == REAL_DATE_MESSAGE:
            rule, msg = REAL_DATE, check
        else:
            rule, msg = f"{col}-allowed", check
        key = (row, col, rule)
        if key in seen:
            continue
        seen.add(key)
        value = None
        if row is not None and col in df.columns:
            value = str(df.iloc[row - 1][col])
        problems.append(Problem(name, row, col, value, rule, msg))
    problems.sort(key=lambda p: (p.row or 0, p.column or "", p.rule))
    return problems
