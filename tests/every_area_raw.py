"""Children on child protection plans at 31 March, computed straight from DfE's published files.

An independent computation for tests/test_every_area.py: it reads the CSVs in data/raw/dfe with
the standard library only and never imports :mod:`analysis`, so the appendix's figures are checked
against the published data, not against the package's own code.

What each file is (data/raw/dfe/SOURCE.md):

* ``d5_cpps_at31march_by_duration_2013_to_2025.csv``: children on a plan at 31 March
  (``CPP_At31``) for England, the regions and every local authority (LA); ``time_period`` 2025 is
  31 March 2025. Withheld values are GSS symbols (``c`` suppressed, ``x`` not available, ``u`` low
  reliability); England and regional counts are published rounded to the nearest 10.
* ``ons_mid-year_population_estimates_2012_to_2024.csv``: ONS mid-year population aged 0-17; the
  rate at 31 March of year Y uses the mid-(Y-1) estimate (the 30 June inside that financial year,
  as DfE does). Some rows are ``x`` (Bournemouth, Dorset and Poole before 2019).
* ``New_Statistical_Neighbour_Groupings_April_2021.csv``: each LA's ten statistical neighbours by
  old LA number (``LA num``, ``SN1`` ... ``SN10``). LA numbers are DfE's identity of an authority
  across reorganisations: North Yorkshire is 815 under E10000023 to 2023 and E06000065 from 2024,
  so a neighbour is found in each year's file by its LA number, not by one GSS code.

Rates are per 10,000 children aged 0-17. Intervals are PHE's for a count: exact Poisson (from the
chi-squared distribution) below 10 events, Byar's approximation at 10 or more; an area is
"higher"/"lower" than a benchmark rate when its whole 95% interval is above/below it.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from pathlib import Path
from statistics import NormalDist

from scipy.stats import chi2

DFE = Path(__file__).resolve().parents[1] / "data" / "raw" / "dfe"
PLANS_FILE = "d5_cpps_at31march_by_duration_2013_to_2025.csv"
POPULATION_FILE = "ons_mid-year_population_estimates_2012_to_2024.csv"
NEIGHBOURS_FILE = "New_Statistical_Neighbour_Groupings_April_2021.csv"
PER = 10_000
ENGLAND = "E92000001"


def _rows(name: str) -> list[dict[str, str]]:
    return _rows_at(DFE / name)


def _rows_at(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def _number(text: str) -> float | None:
    """A published value, or None for a GSS symbol (c, x, u, z) or a blank."""
    text = text.strip()
    try:
        return float(text)
    except ValueError:
        return None


@lru_cache(maxsize=None)
def plans() -> list[dict[str, str]]:
    return _rows(PLANS_FILE)


@lru_cache(maxsize=None)
def populations() -> list[dict[str, str]]:
    return _rows(POPULATION_FILE)


@lru_cache(maxsize=None)
def neighbour_numbers() -> dict[str, list[str]]:
    """LA number -> its ten statistical neighbours' LA numbers, closest first."""
    with open(DFE / NEIGHBOURS_FILE, newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        header = [cell.strip() for cell in next(reader)]
        columns = [header.index(f"SN{k}") for k in range(1, 11)]
        number = header.index("LA num")
        return {row[number].strip(): [row[c].strip() for c in columns if row[c].strip()]
                for row in reader if row and row[number].strip()}


@lru_cache(maxsize=None)
def neighbour_file_names() -> dict[str, str]:
    """LA number -> the name the neighbour file prints (e.g. "Dorset (Pre LG)")."""
    with open(DFE / NEIGHBOURS_FILE, newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        header = [cell.strip() for cell in next(reader)]
        number, name = header.index("LA num"), header.index("LA Name")
        return {row[number].strip(): row[name].strip() for row in reader if row and row[number].strip()}


def la_rows(rows: list[dict[str, str]], year: int) -> list[dict[str, str]]:
    return [r for r in rows if r["geographic_level"] == "Local authority" and r["time_period"] == str(year)]


def la_number_of(code: str) -> str:
    """The old LA number DfE gives a GSS code (the same in every year it appears)."""
    numbers = {r["old_la_code"].strip() for r in plans() if r["new_la_code"] == code}
    assert len(numbers) == 1, f"{PLANS_FILE}: {code} has LA numbers {sorted(numbers)}"
    return numbers.pop()


def la_names(number: str) -> set[str]:
    """Every name an LA number has in the plans file, and in the neighbour file (without "(Pre LG)")."""
    names = {r["la_name"] for r in plans() if r["geographic_level"] == "Local authority"
             and r["old_la_code"].strip() == number}
    printed = neighbour_file_names().get(number)
    if printed:
        names.add(printed.replace("(Pre LG)", "").strip())
    return names


def count_at(year: int, *, code: str | None = None, number: str | None = None,
             level: str = "Local authority") -> tuple[float | None, dict[str, str] | None]:
    """Children on plans at 31 March ``year`` for one area (by GSS code or LA number), and its row."""
    for r in plans():
        if r["geographic_level"] != level or r["time_period"] != str(year):
            continue
        if level == "National" and r["country_code"] != code:
            continue
        if level == "Regional" and r["region_code"] != code:
            continue
        if level == "Local authority" and (r["new_la_code"] != code if code else r["old_la_code"].strip() != number):
            continue
        return _number(r["CPP_At31"]), r
    return None, None


def population_at(year: int, *, code: str | None = None, number: str | None = None,
                  level: str = "Local authority") -> float | None:
    """ONS population aged 0-17 DfE uses for 31 March ``year``: the mid-(year - 1) estimate."""
    found = []
    for r in populations():
        if r["geographic_level"] != level or r["time_period"] != str(year - 1):
            continue
        if level == "National" and r["country_code"] != code:
            continue
        if level == "Regional" and r["region_code"] != code:
            continue
        if level == "Local authority" and (r["new_la_code"] != code if code else r["old_la_code"].strip() != number):
            continue
        found.append(_number(r["population_estimate"]))
    assert len(found) <= 1, f"{POPULATION_FILE}: {code or number} has {len(found)} rows for mid-{year - 1}"
    return found[0] if found else None


def rate(count: float | None, population: float | None) -> float | None:
    if count is None or population is None or population <= 0:
        return None
    return count / population * PER


def interval(count: float, population: float, confidence: float = 0.95) -> tuple[float, float]:
    """PHE's interval of a rate per 10,000: exact Poisson below 10 events, Byar's at 10 or more."""
    alpha = 1 - confidence
    if count < 10:
        lower = 0.0 if count == 0 else chi2.ppf(alpha / 2, 2 * count) / 2
        upper = chi2.ppf(1 - alpha / 2, 2 * (count + 1)) / 2
    else:
        z = NormalDist().inv_cdf(1 - alpha / 2)
        lower = count * (1 - 1 / (9 * count) - z / (3 * math.sqrt(count))) ** 3
        upper = (count + 1) * (1 - 1 / (9 * (count + 1)) + z / (3 * math.sqrt(count + 1))) ** 3
    return lower / population * PER, upper / population * PER


def verdict(lower: float, upper: float, benchmark: float | None) -> str | None:
    """The area's 95% interval against a benchmark rate."""
    if benchmark is None:
        return None
    if lower > benchmark:
        return "higher"
    if upper < benchmark:
        return "lower"
    return "not significantly different"


def half_up(value: float | None, places: int = 1) -> Decimal | None:
    """A number as printed to ``places`` decimal places, halves rounded up (as the appendix prints)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


@dataclass
class Expected:
    """What the appendix should say about an LA's children on plans at 31 March of one year."""

    code: str
    year: int
    name: str | None
    number: str
    count: float | None  # None: not in the file for that year, or withheld (c, x, u)
    count_symbol: str | None  # the published symbol when withheld
    population: float | None
    rate: float | None = None
    lower: float | None = None
    upper: float | None = None
    region_code: str | None = None
    region_name: str | None = None
    england: float | None = None
    region: float | None = None
    vs_england: str | None = None
    vs_region: str | None = None
    has_neighbour_group: bool = False
    neighbours_with_data: list[str] = field(default_factory=list)  # LA names, closest first
    neighbours_without_data: list[set[str]] = field(default_factory=list)  # each: the names it may go by
    neighbours_mean: float | None = None
    vs_neighbours: str | None = None


def expected(code: str, year: int) -> Expected:
    """Children on plans at 31 March ``year`` for the LA with GSS code ``code``, from the raw files."""
    number = la_number_of(code)
    count, row = count_at(year, code=code)
    population = population_at(year, code=code)
    symbol = None if row is None or count is not None else row["CPP_At31"].strip()
    out = Expected(code, year, row["la_name"] if row else None, number, count, symbol, population)
    out.rate = rate(count, population)
    if out.rate is None:
        return out
    out.lower, out.upper = interval(count, population)
    out.region_code, out.region_name = row["region_code"], row["region_name"]
    out.england = rate(count_at(year, code=ENGLAND, level="National")[0],
                       population_at(year, code=ENGLAND, level="National"))
    out.region = rate(count_at(year, code=out.region_code, level="Regional")[0],
                      population_at(year, code=out.region_code, level="Regional"))
    out.vs_england = verdict(out.lower, out.upper, out.england)
    out.vs_region = verdict(out.lower, out.upper, out.region)
    group = neighbour_numbers().get(number)
    out.has_neighbour_group = group is not None
    rates = []
    for neighbour in group or []:
        neighbour_count, neighbour_row = count_at(year, number=neighbour)
        neighbour_rate = rate(neighbour_count, population_at(year, number=neighbour))
        if neighbour_rate is None:
            out.neighbours_without_data.append(la_names(neighbour))
        else:
            rates.append(neighbour_rate)
            out.neighbours_with_data.append(neighbour_row["la_name"])
    if rates:
        out.neighbours_mean = sum(rates) / len(rates)
        out.vs_neighbours = verdict(out.lower, out.upper, out.neighbours_mean)
    return out
