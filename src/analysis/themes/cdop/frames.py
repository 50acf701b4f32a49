"""The CDOP theme's data: what it selects and the tables it computes, with the names readers see.

* the board's section 5 rows (:func:`board_rows`) and the tables built from them: panel activity
  by year, deaths by the child's home authority, the board's own deaths by standard category, and
  both of those by year;
* DfE LAIT's child death reviews with modifiable factors (:func:`modifiable_factors_table`) for the
  area, its region and England, with rates per 100,000 children aged 0–17, and the years DfE rounded
  (:func:`rounded_years`);
* which cells of a table public mode hides (:func:`hidden_cells`);
* the column names, labels and sources every other module of the theme uses, and the few wording
  helpers (possessives, lists, small numbers in words) its sentences and charts share.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from ... import stats
from ...ingest.dfe import population_for
from ...formatting import fmt_interval, fmt_percent
from ...periods import fy_label, period_of
from ...report.display import prepare_table
from ...report.model import Table
from ...report.words import CountWords
from ...stats.disclosure import SUPPRESSED
from ..context import Context, board_source

#: Where the board's CDOP figures are printed, and the DfE indicator's table name.
BOARD_TABLE = "s5 CDOP"
LAIT_TABLE = "DfE LAIT"
#: The part of the board's report the CDOP figures come from (the report is named from the data).
BOARD_PART = "section 5 (Child Death Overview Panel)"
LAIT_SOURCE = ("Source: Department for Education, Local Authority Interactive Tool, child death "
               "reviews with modifiable factors; ONS mid-year population estimates")
LAIT_MEASURE = "cdop_reviews_modifiable_factors"
#: LAIT's own short name of the indicator, as its data dictionary lists it.
LAIT_SHORT_NAME = "PreChildDea"

ENGLAND = "E92000001"

#: The ten categories of the standard CDOP reporting form (Working Together to Safeguard
#: Children 2015, Form C "analysis proforma"), in the form's order. The report lists nine.
STANDARD_CATEGORIES: tuple[str, ...] = (
    "Deliberately inflicted injury, abuse or neglect",
    "Suicide or deliberate self-inflicted harm",
    "Trauma and other external factors",
    "Malignancy",
    "Acute medical or surgical condition",
    "Chronic medical condition",
    "Chromosomal, genetic and congenital anomalies",
    "Perinatal/neonatal event",
    "Infection",
    "Sudden unexpected, unexplained death",
)
SUDDEN_UNEXPECTED = "Sudden unexpected, unexplained death"
PERINATAL = "Perinatal/neonatal event"

#: Rates of child death reviews are per 100,000 children aged 0–17 (mortality convention).
RATE_MULTIPLIER = 100_000

#: A year's LAIT figures are taken as rounded to the nearest five when every one of at least this
#: many areas' figures is a multiple of five.
ROUNDED_YEAR_MIN_AREAS = 20

# Column names shown to readers (constants so that tests, charts and sentences agree).
COL_YEAR = "Year"
COL_AUTHORITY = "Child's home authority"
COL_DEATHS = "Deaths reviewed"
COL_SHARE = "Share of deaths reviewed (%)"
COL_LOWER = "95% CI lower (%)"
COL_UPPER = "95% CI upper (%)"
COL_CATEGORY = "Category (standard CDOP form)"
COL_REPORTED = "What the report says"
COL_PANELS = "Panels held (sub-region)"
COL_SUBREGION = "Deaths reviewed (sub-region)"
COL_ACTIONS = "Actions raised"
COL_PER_PANEL = "Deaths reviewed per panel"
TOTAL_LABEL = "Total"

# What the report says about a category (column COL_REPORTED).
LISTED = "listed"
LISTED_NONE = "listed: no deaths in this category"
NOT_LISTED = "not listed in the report"
NOT_IN_DATA = "not in the data for this year"


# --------------------------------------------------------------------------- wording helpers








def board_cdop_source(ctx: Context) -> str:
    """Source note of the board's CDOP figures, naming the area's own report (from its dataset)."""
    return board_source(ctx, BOARD_TABLE, part=BOARD_PART)


def share_with_interval(share: float, lower: float, upper: float) -> str:
    """ "44.2%, 95% interval 33.6% to 55.3%" (percentages)."""
    return f"{fmt_percent(share)}, 95% interval {fmt_interval(lower, upper)}"




# --------------------------------------------------------------------------- selection
def _single_value(rows: pd.DataFrame, **match) -> float | None:
    """The value of the single row matching ``match`` (None when absent or blank)."""
    matching = rows
    for column, wanted in match.items():
        matching = matching[matching[column] == wanted]
    if matching.empty or pd.isna(matching["value"].iloc[0]):
        return None
    return float(matching["value"].iloc[0])


def financial_years(rows: pd.DataFrame) -> list[int]:
    """The financial years (``time_period``, e.g. 201718) the rows cover, oldest first."""
    return sorted(int(time_period) for time_period in rows["time_period"].unique())


def board_rows(ctx: Context) -> pd.DataFrame:
    """The board's CDOP observations (all measures) up to the end of the run's period."""
    return ctx.local(["cdop_deaths_reviewed", "cdop_panels_held", "cdop_actions_raised"],
                     source_table=BOARD_TABLE, period_type="financial_year")


def _deaths_reviewed(rows: pd.DataFrame, breakdown: str, year: int | None = None) -> pd.DataFrame:
    """Rows of deaths reviewed by ``breakdown`` ("child_residence_la" or "cdop_category"), in one
    financial year or all."""
    selected = (rows["measure"] == "cdop_deaths_reviewed") & (rows["breakdown"] == breakdown)
    if year is not None:
        selected &= rows["time_period"] == year
    return rows[selected]


def authority_names(rows: pd.DataFrame) -> list[str]:
    """Home authorities printed for the panel, in the report's order."""
    authorities = _deaths_reviewed(rows, "child_residence_la")
    authorities = authorities[authorities["breakdown_value"] != TOTAL_LABEL]
    return list(dict.fromkeys(authorities.sort_values(["time_period", "source_row"])["breakdown_value"]))


def home_authority_deaths(rows: pd.DataFrame, year: int, la_name: str) -> float | None:
    """Deaths of the board's own authority's children reviewed in the year (by home authority;
    the category total when no home-authority figure is printed)."""
    year_rows = rows[(rows["time_period"] == year) & (rows["measure"] == "cdop_deaths_reviewed")]
    by_home = _single_value(year_rows, breakdown="child_residence_la", breakdown_value=la_name)
    if by_home is not None:
        return by_home
    return _single_value(year_rows, breakdown="cdop_category", breakdown_value=TOTAL_LABEL)


def sub_region_total(rows: pd.DataFrame, year: int) -> tuple[float | None, bool]:
    """Deaths reviewed by the panel in the year (all authorities) and whether it was printed.

    The printed total is used; only when none is printed is it the sum of the authorities (the
    second item is then False, so the reader is told).
    """
    by_authority = _deaths_reviewed(rows, "child_residence_la", year)
    printed = _single_value(by_authority, breakdown_value=TOTAL_LABEL)
    if printed is not None:
        return printed, True
    parts = by_authority[by_authority["breakdown_value"] != TOTAL_LABEL]["value"]
    if parts.empty or parts.isna().any():
        return None, False
    return float(parts.sum()), False


# --------------------------------------------------------------------------- board tables
def home_deaths_column(la_name: str) -> str:
    """The panel activity table's column of the board's own authority's deaths."""
    return f"Deaths reviewed: {la_name} children"


def panel_activity_table(rows: pd.DataFrame, la_name: str) -> pd.DataFrame:
    """One row per financial year: panels held, deaths reviewed (sub-region and the board's
    authority), actions raised (counts; blank = not given) and deaths reviewed per panel."""
    records = []
    for year in financial_years(rows):
        year_rows = rows[rows["time_period"] == year]
        total, _printed = sub_region_total(rows, year)
        panels = _single_value(year_rows, measure="cdop_panels_held")
        records.append({
            COL_YEAR: fy_label(year),
            COL_PANELS: panels,
            COL_SUBREGION: total,
            home_deaths_column(la_name): home_authority_deaths(rows, year, la_name),
            COL_ACTIONS: _single_value(year_rows, measure="cdop_actions_raised"),
            COL_PER_PANEL: (total / panels) if total is not None and panels else np.nan,
        })
    table = pd.DataFrame(records)
    for column in table.columns[1:]:
        table[column] = pd.to_numeric(table[column], errors="coerce").astype("float64")
    return table


def authority_table(rows: pd.DataFrame, year: int) -> pd.DataFrame:
    """Deaths reviewed by the sub-regional panel in one year by the child's home authority
    (counts), each authority's share of the panel's total (percent) with its 95% Wilson
    interval; the last row is the total."""
    by_authority = _deaths_reviewed(rows, "child_residence_la", year)
    names = authority_names(rows[rows["time_period"] == year])
    counts = pd.Series([_single_value(by_authority, breakdown_value=name) for name in names], dtype="float64")
    total, _printed = sub_region_total(rows, year)
    table = pd.DataFrame({COL_AUTHORITY: names, COL_DEATHS: counts.to_numpy()})
    _add_shares(table, total)
    return pd.concat([table, _total_row(COL_AUTHORITY, total)], ignore_index=True)


def _add_shares(table: pd.DataFrame, total: float | None) -> None:
    """Share of ``total`` (percent) and 95% Wilson limits for each row's count, in place."""
    if total:
        shares = stats.proportion_ci_table(table[COL_DEATHS], total)
        table[COL_SHARE], table[COL_LOWER], table[COL_UPPER] = shares["value"], shares["lower"], shares["upper"]
    else:
        table[COL_SHARE] = table[COL_LOWER] = table[COL_UPPER] = np.nan


def _total_row(label_column: str, total: float | None, **extra) -> pd.DataFrame:
    """The total row of a table of deaths and shares (100% of a non-zero total, no interval)."""
    return pd.DataFrame({label_column: [TOTAL_LABEL], COL_DEATHS: [np.nan if total is None else total],
                         COL_SHARE: [100.0 if total else np.nan], COL_LOWER: [np.nan], COL_UPPER: [np.nan],
                         **{column: [value] for column, value in extra.items()}})


def _category_record(printed: pd.DataFrame, category: str) -> tuple[str, float, str]:
    """(category, deaths reviewed, what the report says) for one category of a year."""
    row = printed[printed["breakdown_value"] == category]
    if row.empty:
        return category, np.nan, NOT_IN_DATA
    if pd.isna(row["value"].iloc[0]):
        status = row["status"].iloc[0]
        return category, np.nan, NOT_LISTED if status == "x" else f"not available ({status})"
    deaths = float(row["value"].iloc[0])
    return category, deaths, LISTED_NONE if deaths == 0 else LISTED


def category_table(rows: pd.DataFrame, year: int) -> pd.DataFrame:
    """The board's own authority's deaths reviewed in one year by standard CDOP category.

    One row per standard category (in the form's order; any other printed category after
    them), then the total. ``Deaths reviewed`` is the printed count: 0 only where the report
    says there were none, blank where the report does not list the category. Shares are
    percent of the printed total (the sum of the listed categories when no total is printed)
    with 95% confidence intervals; ``What the report says`` records whether the category is listed.
    """
    by_category = _deaths_reviewed(rows, "cdop_category", year)
    printed = by_category[by_category["breakdown_value"] != TOTAL_LABEL]
    others = [category for category in printed.sort_values("source_row")["breakdown_value"]
              if category not in STANDARD_CATEGORIES]
    records = [_category_record(printed, category) for category in list(STANDARD_CATEGORIES) + others]
    table = pd.DataFrame(records, columns=[COL_CATEGORY, COL_DEATHS, COL_REPORTED])
    table[COL_DEATHS] = table[COL_DEATHS].astype("float64")
    printed_total = _single_value(by_category, breakdown_value=TOTAL_LABEL)
    total = printed_total
    if total is None and table[COL_DEATHS].notna().any():
        total = float(table[COL_DEATHS].sum())
    _add_shares(table, total)
    total_source = ("printed total" if printed_total is not None
                    else "sum of the listed categories (no total printed)")
    table = pd.concat([table, _total_row(COL_CATEGORY, total, **{COL_REPORTED: total_source})], ignore_index=True)
    return table[[COL_CATEGORY, COL_DEATHS, COL_SHARE, COL_LOWER, COL_UPPER, COL_REPORTED]]


def _counts_by_year(rows: pd.DataFrame, label_column: str,
                    table_of_year: Callable[[pd.DataFrame, int], pd.DataFrame]) -> pd.DataFrame:
    """Counts by label (rows) and financial year (columns) from ``table_of_year(rows, year)``
    tables; blank where a year does not give the label. Total row last."""
    wide = None
    for year in financial_years(rows):
        one_year = table_of_year(rows, year)[[label_column, COL_DEATHS]]
        one_year = one_year.rename(columns={COL_DEATHS: fy_label(year)})
        wide = one_year if wide is None else wide.merge(one_year, on=label_column, how="outer", sort=False)
    if wide is None:
        return pd.DataFrame(columns=[label_column])
    is_total = wide[label_column] == TOTAL_LABEL
    return pd.concat([wide[~is_total], wide[is_total]], ignore_index=True)


def category_by_year_table(rows: pd.DataFrame) -> pd.DataFrame:
    """Deaths reviewed by standard category (rows) and financial year (columns); counts."""
    return _counts_by_year(_deaths_reviewed(rows, "cdop_category"), COL_CATEGORY, category_table)


def authority_by_year_table(rows: pd.DataFrame) -> pd.DataFrame:
    """Deaths reviewed by the panel by home authority (rows) and financial year (columns)."""
    return _counts_by_year(_deaths_reviewed(rows, "child_residence_la"), COL_AUTHORITY, authority_table)


def largest_shown_category(categories: pd.DataFrame, hidden: pd.Series, words: CountWords) -> pd.Series | None:
    """The category with the most deaths among those that may be shown (None if none > 0).

    ``categories`` are the rows of :func:`category_table` without the total; ``hidden`` their
    public-mode mask (:func:`hidden_cells`). Ties go to the category first on the form.
    """
    may_show = pd.Series([pd.notna(deaths) and not words.withheld(deaths, is_hidden)
                          for deaths, is_hidden in zip(categories[COL_DEATHS], hidden)],
                         index=categories.index, dtype=bool)
    shown = categories[may_show].sort_values(COL_DEATHS, ascending=False, kind="stable")
    if shown.empty or shown[COL_DEATHS].iloc[0] <= 0:
        return None
    return shown.iloc[0]


# --------------------------------------------------------------------------- DfE LAIT
@dataclass
class ModifiableFactorsTable:
    """DfE LAIT's child death reviews with modifiable factors, one row per financial year.

    ``roles`` are "area", "region" and "england" (those that apply, in that order); the dicts
    map a role to its area's name, count column, rate column (per 100,000 children aged 0–17)
    and population aged 0–17 by year (NaN where unknown). The area alone has the 95% interval
    columns, and a verdict against England when England's rate is in the table.
    """

    frame: pd.DataFrame
    years: list[int]
    names: dict[str, str]
    count_columns: dict[str, str] = field(default_factory=dict)
    rate_columns: dict[str, str] = field(default_factory=dict)
    populations: dict[str, np.ndarray] = field(default_factory=dict)
    lower_column: str | None = None
    upper_column: str | None = None
    verdict_column: str | None = None

    @property
    def has_counts(self) -> bool:
        """Whether LAIT gives the indicator for any year up to the end of the period."""
        return "area" in self.count_columns


def _population_rows(populations: pd.DataFrame, code: str) -> pd.DataFrame:
    """ONS population aged 0–17 rows of one area (LA, region or England), every year."""
    if code == ENGLAND:
        return populations[populations["geographic_level"] == "National"]
    if code.startswith("E12"):
        return populations[(populations["geographic_level"] == "Regional") & (populations["region_code"] == code)]
    return populations[(populations["geographic_level"] == "Local authority") & (populations["new_la_code"] == code)]


def _population_by_year(area_populations: pd.DataFrame, years: list[int]) -> pd.Series:
    """Children aged 0–17 in each financial year (the ONS estimate DfE uses; NaN if unknown or 0)."""
    values = []
    for year in years:
        estimate_year = population_for(period_of(year, "Annual").end)
        estimate = area_populations[area_populations["period_end"].dt.year == estimate_year]
        known = not estimate.empty and pd.notna(estimate["value"].iloc[0])
        values.append(float(estimate["value"].iloc[0]) if known else np.nan)
    population = pd.Series(values, dtype="float64")
    return population.where(population > 0)


def modifiable_factors_table(ctx: Context) -> ModifiableFactorsTable:
    """Child death reviews with modifiable factors by financial year (DfE LAIT), up to the end
    of the run's period: counts and rates per 100,000 children aged 0–17 for the area, its
    region and England, the area's 95% interval and its verdict against England. A year LAIT
    does not give (``-``) stays blank, never zero."""
    region = ctx.ds.region_of(ctx.area_code)
    areas = [(ctx.area_code, ctx.area_name, "area")]
    if region and region != ctx.area_code:
        areas.append((region, ctx.ds.area_name(region), "region"))
    if ctx.area_code != ENGLAND:
        areas.append((ENGLAND, "England", "england"))
    rows_by_role = {role: ctx.national(LAIT_MEASURE, area_code=code, period_type="financial_year")
                    for code, _name, role in areas}
    years = sorted({int(time_period) for rows in rows_by_role.values() for time_period in rows["time_period"]})
    frame = pd.DataFrame({COL_YEAR: [fy_label(year) for year in years]})
    lait = ModifiableFactorsTable(frame=frame, years=years, names={role: name for _code, name, role in areas})
    if not years:
        return lait
    populations = ctx.ds.select("population_0_17", source="dfe", period_type="snapshot")
    for code, name, role in areas:
        counts = pd.Series([_single_value(rows_by_role[role], time_period=year) for year in years], dtype="float64")
        population = _population_by_year(_population_rows(populations, code), years)
        rates = stats.rate_ci_table(counts, population, multiplier=RATE_MULTIPLIER)
        lait.count_columns[role] = f"{name}: reviews with modifiable factors"
        lait.rate_columns[role] = f"{name}: per 100,000 children"
        frame[lait.count_columns[role]] = counts.to_numpy()
        frame[lait.rate_columns[role]] = rates["value"].to_numpy()
        lait.populations[role] = population.to_numpy()
        if role == "area":
            lait.lower_column, lait.upper_column = f"{name}: 95% CI lower", f"{name}: 95% CI upper"
            frame[lait.lower_column] = rates["lower"].to_numpy()
            frame[lait.upper_column] = rates["upper"].to_numpy()
    if "england" in lait.rate_columns:
        verdicts = stats.compare_rate_to_benchmark(frame[lait.count_columns["area"]],
                                                   pd.Series(lait.populations["area"]),
                                                   frame[lait.rate_columns["england"]], multiplier=RATE_MULTIPLIER)
        lait.verdict_column = f"{ctx.area_name} compared with England (95%)"
        frame[lait.verdict_column] = [verdict if isinstance(verdict, str) else "x" for verdict in verdicts]
    return lait


def rounded_years(ctx: Context) -> list[int]:
    """Financial years (``time_period``) in which every LAIT figure of the indicator, across all
    LAs, regions and England, is a multiple of 5: DfE published them rounded to the nearest five.
    Detected from the data (at least 20 areas), so a year DfE did not round is never flagged."""
    figures = ctx.ds.select(LAIT_MEASURE, source="dfe", up_to=ctx.period)
    figures = figures[figures["value"].notna()]
    years = []
    for time_period, year_figures in figures.groupby("time_period"):
        if len(year_figures) >= ROUNDED_YEAR_MIN_AREAS and bool((year_figures["value"] % 5 == 0).all()):
            years.append(int(time_period))
    return years


def lait_indicator_status(ctx: Context) -> str | None:
    """DfE's own status of the LAIT indicator (e.g. discontinued), from lait_data_dictionary.csv."""
    path = Path(ctx.ds.raw_dir) / "dfe" / "lait_data_dictionary.csv"
    try:
        dictionary = pd.read_csv(path, dtype=str)
    except (OSError, ValueError):
        return None
    if "Measure_short" not in dictionary:
        return None
    entry = dictionary[dictionary["Measure_short"] == LAIT_SHORT_NAME]
    if entry.empty:
        return None
    parts = [str(entry[column].iloc[0]) for column in ("Table_status", "Next Update") if column in entry]
    parts = [part for part in parts if part and part.lower() not in ("nan", "na")]
    return "; ".join(parts).lower() if parts else None


# --------------------------------------------------------------------------- disclosure
def hidden_cells(table: Table, disclosure: str) -> pd.DataFrame:
    """Which count cells of ``table`` are shown as ``c`` (True) in this disclosure mode.

    Read from :func:`analysis.report.display.prepare_table` itself, so charts and sentences withhold
    exactly the cells the table suppresses (primary and secondary). Index and columns are the
    table frame's index and its ``count_columns``; all False in internal mode.
    """
    columns = list(table.count_columns)
    if disclosure != "public" or not columns:
        return pd.DataFrame(False, index=table.frame.index, columns=columns)
    shown = prepare_table(table, "public")
    return shown[columns].eq(SUPPRESSED).set_axis(table.frame.index, axis=0)
