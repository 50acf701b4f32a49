"""CDOP themes: the Child Death Overview Panel's reviews, by authority and by category.

Sources
-------
* The board's report, section 5 (``s5_cdop.csv``, source table ``"s5 CDOP"``), one row per
  figure per **financial year** (1 April – 31 March, ``period_type`` ``financial_year``):
  ``cdop_panels_held`` (panels of the sub-regional panel), ``cdop_deaths_reviewed`` by the
  child's home authority (``child_residence_la``) and, for the board's own authority, by the
  standard CDOP category (``cdop_category``), and ``cdop_actions_raised``. All counts.
* DfE LAIT ``cdop_reviews_modifiable_factors`` (LAIT ``PreChildDea``): child death reviews
  completed in the financial year on behalf of the LSCB that found modifiable factors; a count
  per financial year for every LA, region and England (LAIT's ``-`` is kept as missing, ``x``).

Period semantics: a run for a quarter sees only figures whose period ends on or before the end
of that quarter. The board's CDOP figures cover a whole financial year, so a run for 2017-18
Q1–Q3 sees none of 2017/18's; the LAIT year 2017/18 likewise ends on 31 March 2018.

Units: counts of deaths, panels, actions and reviews; shares in **percent** of the board's
authority's deaths reviewed in the year, with 95% Wilson intervals; rates of reviews with
modifiable factors **per 100,000 children aged 0–17** (the ONS mid-year estimate DfE uses for
the year, :func:`analysis.ingest.dfe.population_for`), with exact (fewer than 10) or Byar's intervals.

Everything is built by year, so several years of ``s5_cdop.csv``-style rows give tables with
one column (or row) per year; the charts of shares show the latest year within the period.

Disclosure: in public mode the cells a table shows as ``c`` are exactly those
:func:`analysis.report.display.prepare_table` suppresses (primary 1–5 and secondary, by
:mod:`analysis.stats.disclosure`); charts and sentences read the same mask, so no label or
sentence reveals a suppressed cell.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .. import stats
from ..report import charts
from ..ingest.dfe import population_for
from ..periods import Period, period_of
from ..numbers import fmt_count, fmt_interval, fmt_percent, fmt_rate
from ..report.words import describe_change, describe_rate_vs_benchmark
from ..report.model import Section, Table, ThemeResult
from .context import Context, caveats_from_findings, context

THEME = "cdop"
TITLE = "Child death reviews: the Child Death Overview Panel"

#: Where the board's CDOP figures are printed, and the DfE indicator's table name.
BOARD_TABLE = "s5 CDOP"
LAIT_TABLE = "DfE LAIT"
BOARD_SOURCE = ("Source: Warwickshire Safeguarding Children Board Annual Report 2017/18, section 5 "
                "(Child Death Overview Panel)")
LAIT_SOURCE = ("Source: Department for Education, Local Authority Interactive Tool (LAIT), child death "
               "reviews with modifiable factors; ONS mid-year population estimates")
LAIT_MEASURE = "cdop_reviews_modifiable_factors"

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
#: DfE rule: counts from 1 to SMALL are suppressed in public mode (0 is a true zero).
SMALL = 5

SECTION_KEYS = ("panel_activity", "categories", "modifiable_factors")

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

LISTED = "listed"
LISTED_NONE = "listed: no deaths in this category"
NOT_LISTED = "not listed in the report"
NOT_IN_DATA = "not in the data for this year"


# --------------------------------------------------------------------------- small helpers
def _is_small(v: float | None) -> bool:
    """Whether a count is one DfE suppresses (1 to 5; 0 is a true zero; blank is not)."""
    return v is not None and not pd.isna(v) and 0 < float(v) <= SMALL


def _fy(time_period: int) -> str:
    """The board's label of a financial year: 201718 -> ``2017/18``."""
    return period_of(int(time_period), "Annual").fy_label


def _fy_end(time_period: int) -> pd.Timestamp:
    """31 March ending the financial year ``time_period``."""
    return pd.Timestamp(period_of(int(time_period), "Annual").end)


def _relation(verdict: str | None) -> str:
    """A comparison verdict as words after "was": "higher than", "lower than", or "not
    significantly different from" (also when there is no verdict)."""
    return {stats.HIGHER: "higher than", stats.LOWER: "lower than"}.get(verdict or "", "not significantly different from")


def _possessive(name: str) -> str:
    """"England's", "the West Midlands'" style possessive."""
    return name + ("'" if name.endswith("s") else "'s")


def _list_words(items: list[str]) -> str:
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _share_text(share: float, lower: float, upper: float) -> str:
    """ "44.2%, 95% interval 33.6% to 55.3%" (percentages)."""
    return f"{fmt_percent(share)}, 95% interval {fmt_interval(lower, upper)}"


def _nan_none(v) -> float | None:
    return None if v is None or pd.isna(v) else float(v)


def _one(df: pd.DataFrame, **match) -> float | None:
    """The value of the single row matching ``match`` (None when absent or blank)."""
    d = df
    for k, v in match.items():
        d = d[d[k] == v]
    if d.empty or pd.isna(d["value"].iloc[0]):
        return None
    return float(d["value"].iloc[0])


def _years(df: pd.DataFrame) -> list[int]:
    return sorted(int(t) for t in df["time_period"].unique())


class _Words:
    """Counts in sentences and chart labels under the run's disclosure mode.

    In public mode a count from 1 to 5 reads "fewer than 6" in sentences and ``c`` on charts;
    a cell suppressed only to protect another (secondary suppression) reads "a suppressed
    number". ``hidden`` is the cell's flag from :func:`hidden_cells`.
    """

    def __init__(self, disclosure: str):
        self.public = disclosure == "public"

    def withheld(self, v: float | None, hidden: bool = False) -> bool:
        """Whether the count, and any share or rate derived from it, must not be shown."""
        return self.public and (bool(hidden) or _is_small(v))

    def n(self, v: float | None, hidden: bool = False) -> str:
        if v is None or pd.isna(v):
            return "not available"
        if self.public and _is_small(v):
            return f"fewer than {SMALL + 1}"
        if self.public and hidden:
            return "a suppressed number"
        return fmt_count(v)

    def label(self, v: float | None, hidden: bool = False) -> str:
        if not self.public:
            return "x" if v is None or pd.isna(v) else fmt_count(v)
        from ..stats import disclosure

        return disclosure.label_for_chart(v, threshold=SMALL, suppressed=bool(hidden))


def hidden_cells(table: Table, disclosure: str) -> pd.DataFrame:
    """Which count cells of ``table`` are shown as ``c`` (True) in this disclosure mode.

    Read from :func:`analysis.report.display.prepare_table` itself, so charts and sentences withhold
    exactly the cells the table suppresses (primary and secondary). Index and columns are the
    table frame's index and its ``count_columns``; all False in internal mode.
    """
    cols = list(table.count_columns)
    if disclosure != "public" or not cols:
        return pd.DataFrame(False, index=table.frame.index, columns=cols)
    from ..report.display import prepare_table

    shown = prepare_table(table, "public")
    return shown[cols].eq("c").set_axis(table.frame.index, axis=0)


# --------------------------------------------------------------------------- board tables
def _board_rows(ctx: Context) -> pd.DataFrame:
    """The board's CDOP observations (all measures) up to the end of the run's period."""
    return ctx.local(["cdop_deaths_reviewed", "cdop_panels_held", "cdop_actions_raised"],
                     source_table=BOARD_TABLE, period_type="financial_year")


def _authority_names(rows: pd.DataFrame) -> list[str]:
    """Home authorities printed for the panel, in the report's order."""
    a = rows[(rows["measure"] == "cdop_deaths_reviewed") & (rows["breakdown"] == "child_residence_la")
             & (rows["breakdown_value"] != TOTAL_LABEL)]
    return list(dict.fromkeys(a.sort_values(["time_period", "source_row"])["breakdown_value"]))


def _home_deaths(rows: pd.DataFrame, year: int, la_name: str) -> float | None:
    """Deaths of the board's own authority's children reviewed in the year (by home authority;
    the category total when no home-authority figure is printed)."""
    y = rows[(rows["time_period"] == year) & (rows["measure"] == "cdop_deaths_reviewed")]
    v = _one(y, breakdown="child_residence_la", breakdown_value=la_name)
    return v if v is not None else _one(y, breakdown="cdop_category", breakdown_value=TOTAL_LABEL)


def _sub_region_total(rows: pd.DataFrame, year: int) -> tuple[float | None, bool]:
    """Deaths reviewed by the panel in the year (all authorities) and whether it was printed.

    The printed total is used; only when none is printed is it the sum of the authorities (the
    second item is then False, so the reader is told).
    """
    y = rows[(rows["time_period"] == year) & (rows["measure"] == "cdop_deaths_reviewed")
             & (rows["breakdown"] == "child_residence_la")]
    v = _one(y, breakdown_value=TOTAL_LABEL)
    if v is not None:
        return v, True
    parts = y[y["breakdown_value"] != TOTAL_LABEL]["value"]
    if parts.empty or parts.isna().any():
        return None, False
    return float(parts.sum()), False


def panel_activity_table(rows: pd.DataFrame, la_name: str) -> pd.DataFrame:
    """One row per financial year: panels held, deaths reviewed (sub-region and the board's
    authority), actions raised (counts; blank = not given) and deaths reviewed per panel."""
    out = []
    for year in _years(rows):
        y = rows[rows["time_period"] == year]
        total, _ = _sub_region_total(rows, year)
        panels = _one(y, measure="cdop_panels_held")
        out.append({
            COL_YEAR: _fy(year),
            COL_PANELS: panels,
            COL_SUBREGION: total,
            _home_col(la_name): _home_deaths(rows, year, la_name),
            COL_ACTIONS: _one(y, measure="cdop_actions_raised"),
            COL_PER_PANEL: (total / panels) if total is not None and panels else np.nan,
        })
    df = pd.DataFrame(out)
    for c in df.columns[1:]:
        df[c] = pd.to_numeric(df[c], errors="coerce").astype("float64")
    return df


def _home_col(la_name: str) -> str:
    return f"Deaths reviewed: {la_name} children"


def authority_table(rows: pd.DataFrame, year: int) -> pd.DataFrame:
    """Deaths reviewed by the sub-regional panel in one year by the child's home authority
    (counts), each authority's share of the panel's total (percent) with its 95% Wilson
    interval; the last row is the total."""
    y = rows[(rows["time_period"] == year) & (rows["measure"] == "cdop_deaths_reviewed")
             & (rows["breakdown"] == "child_residence_la")]
    names = _authority_names(rows[rows["time_period"] == year])
    counts = pd.Series([_one(y, breakdown_value=n) for n in names], dtype="float64")
    total, _ = _sub_region_total(rows, year)
    df = pd.DataFrame({COL_AUTHORITY: names, COL_DEATHS: counts.to_numpy()})
    _add_shares(df, total)
    return pd.concat([df, _total_row(COL_AUTHORITY, total)], ignore_index=True)


def _add_shares(df: pd.DataFrame, total: float | None) -> None:
    """Share of ``total`` (percent) and 95% Wilson limits for each row's count, in place."""
    if total:
        ci = stats.proportion_ci_table(df[COL_DEATHS], total)
        df[COL_SHARE], df[COL_LOWER], df[COL_UPPER] = ci["value"], ci["lower"], ci["upper"]
    else:
        df[COL_SHARE] = df[COL_LOWER] = df[COL_UPPER] = np.nan


def _total_row(label_col: str, total: float | None, **extra) -> pd.DataFrame:
    return pd.DataFrame({label_col: [TOTAL_LABEL], COL_DEATHS: [np.nan if total is None else total],
                         COL_SHARE: [100.0 if total else np.nan], COL_LOWER: [np.nan], COL_UPPER: [np.nan],
                         **{k: [v] for k, v in extra.items()}})


def category_table(rows: pd.DataFrame, year: int) -> pd.DataFrame:
    """The board's own authority's deaths reviewed in one year by standard CDOP category.

    One row per standard category (in the form's order; any other printed category after
    them), then the total. ``Deaths reviewed`` is the printed count: 0 only where the report
    says there were none, blank where the report does not list the category. Shares are
    percent of the printed total (the sum of the listed categories when no total is printed)
    with 95% Wilson intervals; ``What the report says`` records whether the category is listed.
    """
    y = rows[(rows["time_period"] == year) & (rows["measure"] == "cdop_deaths_reviewed")
             & (rows["breakdown"] == "cdop_category")]
    printed = y[y["breakdown_value"] != TOTAL_LABEL]
    extra = [c for c in printed.sort_values("source_row")["breakdown_value"] if c not in STANDARD_CATEGORIES]
    recs = []
    for cat in list(STANDARD_CATEGORIES) + extra:
        r = printed[printed["breakdown_value"] == cat]
        if r.empty:
            recs.append((cat, np.nan, NOT_IN_DATA))
        elif pd.isna(r["value"].iloc[0]):
            st = r["status"].iloc[0]
            recs.append((cat, np.nan, NOT_LISTED if st == "x" else f"not available ({st})"))
        else:
            v = float(r["value"].iloc[0])
            recs.append((cat, v, LISTED_NONE if v == 0 else LISTED))
    df = pd.DataFrame(recs, columns=[COL_CATEGORY, COL_DEATHS, COL_REPORTED])
    df[COL_DEATHS] = df[COL_DEATHS].astype("float64")
    printed_total = _one(y, breakdown_value=TOTAL_LABEL)
    total = printed_total
    if total is None and df[COL_DEATHS].notna().any():
        total = float(df[COL_DEATHS].sum())
    _add_shares(df, total)
    tot = _total_row(COL_CATEGORY, total, **{COL_REPORTED: "printed total" if printed_total is not None
                                             else "sum of the listed categories (no total printed)"})
    df = pd.concat([df, tot], ignore_index=True)
    return df[[COL_CATEGORY, COL_DEATHS, COL_SHARE, COL_LOWER, COL_UPPER, COL_REPORTED]]


def _by_year(rows: pd.DataFrame, label_col: str, per_year) -> pd.DataFrame:
    """Counts by label (rows) and financial year (columns) from ``per_year(rows, year)``
    tables; blank where a year does not give the label. Total row last."""
    out = None
    for year in _years(rows):
        t = per_year(rows, year)[[label_col, COL_DEATHS]].rename(columns={COL_DEATHS: _fy(year)})
        out = t if out is None else out.merge(t, on=label_col, how="outer", sort=False)
    if out is None:
        return pd.DataFrame(columns=[label_col])
    last = out[label_col] == TOTAL_LABEL
    return pd.concat([out[~last], out[last]], ignore_index=True)


def category_by_year_table(rows: pd.DataFrame) -> pd.DataFrame:
    """Deaths reviewed by standard category (rows) and financial year (columns); counts."""
    cat = rows[(rows["measure"] == "cdop_deaths_reviewed") & (rows["breakdown"] == "cdop_category")]
    return _by_year(cat, COL_CATEGORY, category_table)


def authority_by_year_table(rows: pd.DataFrame) -> pd.DataFrame:
    """Deaths reviewed by the panel by home authority (rows) and financial year (columns)."""
    auth = rows[(rows["measure"] == "cdop_deaths_reviewed") & (rows["breakdown"] == "child_residence_la")]
    return _by_year(auth, COL_AUTHORITY, authority_table)


# --------------------------------------------------------------------------- DfE LAIT
def _population_rows(pops: pd.DataFrame, code: str) -> pd.DataFrame:
    """ONS population aged 0–17 rows of one area (LA, region or England), every year."""
    if code == ENGLAND:
        return pops[pops["geographic_level"] == "National"]
    if code.startswith("E12"):
        return pops[(pops["geographic_level"] == "Regional") & (pops["region_code"] == code)]
    return pops[(pops["geographic_level"] == "Local authority") & (pops["new_la_code"] == code)]


def lait_table(ctx: Context) -> tuple[pd.DataFrame, dict]:
    """Child death reviews with modifiable factors by financial year (DfE LAIT), up to the end
    of the run's period: counts and rates per 100,000 children aged 0–17 for the area, its
    region and England, the area's 95% interval and its verdict against England. A year LAIT
    does not give (``-``) stays blank, never zero.

    Returns the table and ``cols``: column names by role (``area_count``, ``area_rate``,
    ``lower``, ``upper``, ``region_count``…, ``england_rate``…, ``verdict``), ``names`` (role ->
    area name), ``<role>_population`` (array, children aged 0–17) and ``years``.
    """
    region = ctx.ds.region_of(ctx.area_code)
    areas = [(ctx.area_code, ctx.area_name, "area")]
    if region and region != ctx.area_code:
        areas.append((region, ctx.ds.area_name(region), "region"))
    if ctx.area_code != ENGLAND:
        areas.append((ENGLAND, "England", "england"))
    frames = {role: ctx.national(LAIT_MEASURE, area_code=code, period_type="financial_year") for code, _n, role in areas}
    years = sorted({int(t) for d in frames.values() for t in d["time_period"]})
    cols: dict = {"names": {role: name for _c, name, role in areas}, "years": years}
    table = pd.DataFrame({COL_YEAR: [_fy(y) for y in years]})
    if not years:
        return table, cols
    pops = ctx.ds.select("population_0_17", source="dfe", period_type="snapshot")
    for code, name, role in areas:
        d = frames[role]
        counts = pd.Series([_one(d, time_period=y) for y in years], dtype="float64")
        p_area = _population_rows(pops, code)
        pop = []
        for y in years:
            p = p_area[p_area["period_end"].dt.year == population_for(_fy_end(y))]
            pop.append(float(p["value"].iloc[0]) if not p.empty and pd.notna(p["value"].iloc[0]) else np.nan)
        pop_s = pd.Series(pop, dtype="float64").where(lambda s: s > 0)
        rate = stats.rate_ci_table(counts, pop_s, multiplier=RATE_MULTIPLIER)
        cols[f"{role}_count"] = f"{name}: reviews with modifiable factors"
        cols[f"{role}_rate"] = f"{name}: per 100,000 children"
        table[cols[f"{role}_count"]] = counts.to_numpy()
        table[cols[f"{role}_rate"]] = rate["value"].to_numpy()
        cols[f"{role}_population"] = pop_s.to_numpy()
        if role == "area":
            cols["lower"], cols["upper"] = f"{name}: 95% CI lower", f"{name}: 95% CI upper"
            table[cols["lower"]] = rate["lower"].to_numpy()
            table[cols["upper"]] = rate["upper"].to_numpy()
    if "england_rate" in cols:
        verdict = stats.compare_rate_to_benchmark(table[cols["area_count"]], pd.Series(cols["area_population"]),
                                                  table[cols["england_rate"]], multiplier=RATE_MULTIPLIER)
        cols["verdict"] = f"{ctx.area_name} compared with England (95%)"
        table[cols["verdict"]] = [v if isinstance(v, str) else "x" for v in verdict]
    return table, cols


def _lait_label_example(years: list[int]) -> str:
    """How LAIT labels the latest financial year in the table, e.g. "2018 = 1 April 2017 to 31 March 2018"."""
    p = period_of(int(years[-1]), "Annual")
    return f"{p.end.year} = 1 April {p.start_year} to 31 March {p.end.year}"


def rounded_years(ctx: Context) -> list[int]:
    """Financial years (``time_period``) in which every LAIT figure of the indicator, across all
    LAs, regions and England, is a multiple of 5: DfE published them rounded to the nearest five.
    Detected from the data (at least 20 areas), so a year DfE did not round is never flagged."""
    d = ctx.ds.select(LAIT_MEASURE, source="dfe", up_to=ctx.period)
    d = d[d["value"].notna()]
    out = []
    for tp, g in d.groupby("time_period"):
        if len(g) >= 20 and bool((g["value"] % 5 == 0).all()):
            out.append(int(tp))
    return out


def _lait_status(ctx: Context) -> str | None:
    """DfE's own status of the LAIT indicator (e.g. discontinued), from lait_data_dictionary.csv."""
    path = Path(ctx.ds.raw_dir) / "dfe" / "lait_data_dictionary.csv"
    try:
        d = pd.read_csv(path, dtype=str)
    except (OSError, ValueError):
        return None
    if "Measure_short" not in d:
        return None
    r = d[d["Measure_short"] == "PreChildDea"]
    if r.empty:
        return None
    parts = [str(r[c].iloc[0]) for c in ("Table_status", "Next Update") if c in r]
    parts = [p for p in parts if p and p.lower() not in ("nan", "na")]
    return "; ".join(parts).lower() if parts else None


# --------------------------------------------------------------------------- charts
def _authority_chart(tab: pd.DataFrame, hidden: pd.Series, year: int, la_name: str, words: _Words,
                     total_printed: bool) -> charts.Chart:
    """Horizontal bars: deaths reviewed by home authority, labelled with count and share."""
    is_part = tab[COL_AUTHORITY] != TOTAL_LABEL
    parts, hid = tab[is_part], hidden[is_part]
    total, total_hidden = tab.loc[~is_part, COL_DEATHS].iloc[0], bool(hidden[~is_part].iloc[0])
    fig, ax = charts.new_chart(8.0, 1.2 + 0.7 * len(parts))
    ypos = np.arange(len(parts))[::-1]
    visible = [v for v, h in zip(parts[COL_DEATHS], hid) if pd.notna(v) and not words.withheld(v, h)]
    xmax = max(visible) if visible else 1.0
    alt_parts = []
    for y, (_, r), h in zip(ypos, parts.iterrows(), hid):
        v, home = r[COL_DEATHS], r[COL_AUTHORITY] == la_name
        lab = words.label(v, h)
        alt_parts.append(f"{r[COL_AUTHORITY]} {lab}")
        if pd.isna(v) or words.withheld(v, h):
            ax.text(0, y, f"  {lab} ({'suppressed' if lab == 'c' else 'not available'})", va="center", ha="left",
                    fontsize=9, color="#333333")
            continue
        ax.barh(y, v, color=charts.HIGHLIGHT if home else charts.PALETTE[0], hatch="//" if home else "",
                edgecolor="white", height=0.6)
        share = "" if pd.isna(r[COL_SHARE]) else f" ({fmt_percent(r[COL_SHARE])})"
        ax.text(v + xmax * 0.01, y, lab + share, va="center", ha="left", fontsize=10)
    ax.set_yticks(ypos, [a + (" (this board)" if a == la_name else "") for a in parts[COL_AUTHORITY]])
    ax.set_xlim(0, xmax * 1.25)
    ax.grid(axis="y", visible=False)
    home = parts[parts[COL_AUTHORITY] == la_name]
    home_ok = not home.empty and pd.notna(home[COL_DEATHS].iloc[0]) and not words.withheld(
        home[COL_DEATHS].iloc[0], hid[home.index[0]])
    if home_ok and not total_hidden:
        h = home.iloc[0]
        title = (f"{la_name} children were {words.n(h[COL_DEATHS])} of the {words.n(total, total_hidden)} deaths "
                 f"the sub-regional panel reviewed in {_fy(year)}")
        subtitle = (f"{fmt_percent(h[COL_SHARE])} (95% Wilson interval {fmt_interval(h[COL_LOWER], h[COL_UPPER])}) "
                    "of deaths reviewed, by the child's home authority")
    else:
        title = f"The sub-regional panel reviewed {words.n(total, total_hidden)} deaths in {_fy(year)}"
        subtitle = "Deaths reviewed, by the child's home authority"
    if not total_printed:
        subtitle += " (total = sum of the authorities; none printed)"
    alt = (f"Horizontal bar chart of deaths reviewed by the sub-regional Child Death Overview Panel in {_fy(year)}, by "
           f"the child's home authority: {'; '.join(alt_parts)}. Total {words.n(total, total_hidden)}. "
           f"{_possessive(la_name)} bar is orange and hatched and labelled 'this board'.")
    return charts.finish(fig, ax, title=title, subtitle=subtitle, xlabel="Deaths reviewed (count)",
                         ylabel="Child's home authority", source=BOARD_SOURCE, alt=alt, legend=False)


def _category_chart(tab: pd.DataFrame, hidden: pd.Series, year: int, la_name: str, words: _Words) -> charts.Chart:
    """Dots and whiskers: each category's share of the deaths reviewed with its 95% interval;
    unlisted and suppressed categories are labelled in words, with no dot."""
    is_cat = tab[COL_CATEGORY] != TOTAL_LABEL
    cats, hid = tab[is_cat], hidden[is_cat]
    total, total_hidden = tab.loc[~is_cat, COL_DEATHS].iloc[0], bool(hidden[~is_cat].iloc[0])
    fig, ax = charts.new_chart(9.0, 1.0 + 0.5 * len(cats))
    ypos = np.arange(len(cats))[::-1]
    st = charts.series_style(0)
    alt_parts = []
    for y, (_, r), h in zip(ypos, cats.iterrows(), hid):
        v = r[COL_DEATHS]
        if pd.isna(v):
            ax.text(1, y, r[COL_REPORTED], va="center", ha="left", fontsize=9, style="italic", color="#333333")
            alt_parts.append(f"{r[COL_CATEGORY]}: {r[COL_REPORTED]}")
            continue
        if words.withheld(v, h):
            ax.text(1, y, f"{words.label(v, h)}: suppressed (small number)", va="center", ha="left", fontsize=9,
                    color="#333333")
            alt_parts.append(f"{r[COL_CATEGORY]}: suppressed")
            continue
        lo, hi, s = r[COL_LOWER], r[COL_UPPER], r[COL_SHARE]
        ax.errorbar([s], [y], xerr=[[s - lo], [hi - s]], fmt=st["marker"], color=st["color"], ecolor="#555555",
                    elinewidth=1.5, capsize=4, markersize=7)
        ax.text(hi + 1.5, y, f"{words.label(v, h)} ({fmt_percent(s)})", va="center", ha="left", fontsize=9)
        alt_parts.append(f"{r[COL_CATEGORY]}: {words.label(v, h)} {'death' if v == 1 else 'deaths'}, "
                         f"{fmt_percent(s)} (95% interval {fmt_interval(lo, hi)})")
    ax.set_yticks(ypos, list(cats[COL_CATEGORY]))
    ax.set_xlim(0, 100)
    ax.set_ylim(-0.7, len(cats) - 0.3)
    ax.grid(axis="y", visible=False)
    big = _largest(cats, hid, words)
    if big is not None and not total_hidden:
        lead = "more than half" if big[COL_SHARE] > 50 else "the largest share"
        title = f"{big[COL_CATEGORY]} accounted for {lead} of {_possessive(la_name)} deaths reviewed in {_fy(year)}"
        subtitle = (f"{words.n(big[COL_DEATHS])} of {words.n(total)} deaths, {fmt_percent(big[COL_SHARE])} (95% Wilson "
                    f"interval {fmt_interval(big[COL_LOWER], big[COL_UPPER])}); dots are shares, lines 95% intervals")
    else:
        title = f"{_possessive(la_name)} deaths reviewed in {_fy(year)} by category"
        subtitle = "Share of deaths reviewed with 95% Wilson intervals"
    alt = (f"Dot chart of the share of {_possessive(la_name)} {words.n(total, total_hidden)} deaths reviewed in "
           f"{_fy(year)} in each standard CDOP category, with 95% intervals: " + "; ".join(alt_parts) + ".")
    return charts.finish(fig, ax, title=title, subtitle=subtitle, xlabel="Share of deaths reviewed (%)",
                         ylabel="Category", source=BOARD_SOURCE, alt=alt, legend=False)


def _largest(cats: pd.DataFrame, hid: pd.Series, words: _Words) -> pd.Series | None:
    """The category with the most deaths among those that may be shown (None if none > 0)."""
    ok = cats[COL_DEATHS].notna() & ~pd.Series([words.withheld(v, h) for v, h in zip(cats[COL_DEATHS], hid)],
                                                index=cats.index)
    shown = cats[ok].sort_values(COL_DEATHS, ascending=False, kind="stable")
    if shown.empty or shown[COL_DEATHS].iloc[0] <= 0:
        return None
    return shown.iloc[0]


def _lait_chart(tab: pd.DataFrame, hidden: pd.DataFrame, cols: dict, area_name: str, words: _Words, title: str,
                subtitle: str) -> charts.Chart:
    """Lines: reviews with modifiable factors per 100,000 children by year for the area (with
    95% intervals), its region and England; withheld or missing years are gaps, labelled."""
    fig, ax = charts.new_chart(11.0, 5.2)
    x = np.arange(len(tab))
    roles = [r for r in ("area", "region", "england") if f"{r}_rate" in cols]
    for i, role in enumerate(roles):
        counts = tab[cols[f"{role}_count"]]
        hid = hidden[cols[f"{role}_count"]] if cols[f"{role}_count"] in hidden else pd.Series(False, index=tab.index)
        keep = pd.Series([not words.withheld(c, h) for c, h in zip(counts, hid)], index=tab.index)
        rate = tab[cols[f"{role}_rate"]].where(keep)
        st = charts.series_style(i)
        if role == "area":
            lo, hi = tab[cols["lower"]].where(keep), tab[cols["upper"]].where(keep)
            ax.errorbar(x, rate, yerr=[rate - lo, hi - rate], color=st["color"], marker=st["marker"],
                        linestyle=st["linestyle"], capsize=4, label=f"{cols['names'][role]} (with 95% interval)")
            for xi, (c, r, k) in enumerate(zip(counts, rate, keep)):
                if pd.isna(r):
                    ax.annotate("x (not available)" if k else "c (suppressed)", (xi, 0), xytext=(0, 6),
                                textcoords="offset points", ha="center", fontsize=8, color="#333333")
        else:
            ax.plot(x, rate, color=st["color"], marker=st["marker"], linestyle=st["linestyle"],
                    label=cols["names"][role])
    ax.set_xticks(x, list(tab[COL_YEAR]))
    ax.set_ylim(bottom=0)
    handles, labels = ax.get_legend_handles_labels()
    order = sorted(range(len(labels)), key=lambda k: 0 if labels[k].startswith(area_name) else 1)
    ax.legend([handles[k] for k in order], [labels[k] for k in order], loc="upper center",
              bbox_to_anchor=(0.5, -0.2), ncol=max(len(labels), 1))
    keep_area = [not words.withheld(c, h) for c, h in zip(tab[cols["area_count"]], hidden[cols["area_count"]])]
    points = [f"{y} {fmt_rate(r)}" if k and pd.notna(r) else f"{y} not shown ({'suppressed' if not k else 'not available'})"
              for y, r, k in zip(tab[COL_YEAR], tab[cols["area_rate"]], keep_area)]
    alt = (f"Line chart of child death reviews with modifiable factors per 100,000 children aged 0 to 17, by financial "
           f"year, for {_list_words([cols['names'][r] for r in roles])}. {area_name} (circles, with 95% interval bars): "
           + "; ".join(points) + ".")
    return charts.finish(fig, ax, title=title, subtitle=subtitle, xlabel="Financial year (1 April to 31 March)",
                         ylabel="Reviews per 100,000 children aged 0–17", source=LAIT_SOURCE, alt=alt, legend=False)


# --------------------------------------------------------------------------- sections
def _board_missing_sentence(ctx: Context) -> str:
    """Why the board's CDOP figures cannot be shown for this area and period."""
    if not ctx.has_local():
        return (f"No safeguarding board data is loaded for {ctx.area_name}: the panel's reviews by home authority and "
                "by category come from a board's own annual report, which has not been transcribed for this area "
                "(add it to data/raw, in the tidy format of data/raw/README.md, to fill this section).")
    all_rows = ctx.ds.select("cdop_deaths_reviewed", area_code=ctx.area_code, source_table=BOARD_TABLE)
    all_rows = all_rows[all_rows["source"] != "dfe"]
    if all_rows.empty:
        return f"The board's data for {ctx.area_name} has no Child Death Overview Panel figures (report section 5)."
    return (f"The board's Child Death Overview Panel figures cover whole financial years (1 April to 31 March), and "
            f"none ends by {ctx.period.end:%-d %B %Y}, the end of {ctx.period.label}: a year's figures first appear in "
            "the appendix for its final quarter (Q4).")


def _panel_section(ctx: Context, rows: pd.DataFrame, words: _Words, la_name: str, figures: dict,
                   findings: list[str]) -> Section:
    s = Section("panel_activity", "Deaths reviewed by the sub-regional panel, panels held and actions raised")
    if rows.empty:
        s.unavailable = _board_missing_sentence(ctx)
        return s
    years = _years(rows)
    latest = years[-1]
    act = panel_activity_table(rows, la_name)
    home_col = _home_col(la_name)
    counts = [COL_PANELS, COL_SUBREGION, home_col, COL_ACTIONS]
    act_table = Table(
        title=(f"Child Death Overview Panel activity by financial year, {_fy(years[0])} to {_fy(latest)}" if len(years) > 1
               else f"Child Death Overview Panel activity, {_fy(latest)}"),
        frame=act, source=BOARD_SOURCE, count_columns=counts, derived={COL_PER_PANEL: COL_SUBREGION},
        formats={COL_PER_PANEL: "rate", COL_YEAR: "text"},
        notes=["Panels, deaths and actions are the sub-regional panel's as the report gives them; x = not given for "
               "that year. Deaths reviewed per panel = deaths reviewed ÷ panels held."])
    auth = authority_table(rows, latest)
    total, printed = _sub_region_total(rows, latest)
    auth_table = Table(
        title=f"Deaths reviewed by the sub-regional panel by the child's home authority, {_fy(latest)}",
        frame=auth, source=BOARD_SOURCE, count_columns=[COL_DEATHS],
        derived={COL_SHARE: COL_DEATHS, COL_LOWER: COL_DEATHS, COL_UPPER: COL_DEATHS},
        formats={COL_SHARE: "percent", COL_LOWER: "percent", COL_UPPER: "percent"}, total_row=TOTAL_LABEL,
        notes=["Share = the authority's deaths ÷ all deaths the panel reviewed in the year, with its 95% Wilson score "
               "interval."])
    act_hid, auth_hid = hidden_cells(act_table, ctx.disclosure), hidden_cells(auth_table, ctx.disclosure)
    s.charts.append((_authority_chart(auth, auth_hid[COL_DEATHS], latest, la_name, words, printed), auth_table))
    s.tables.append(act_table)
    if len(years) > 1:
        wide = authority_by_year_table(rows)
        s.tables.append(Table(title="Deaths reviewed by the sub-regional panel by home authority and financial year",
                              frame=wide, source=BOARD_SOURCE, count_columns=[c for c in wide.columns if c != COL_AUTHORITY],
                              total_row=TOTAL_LABEL, notes=["x = not given for that year."]))
    i = act.index[-1]
    r, rh = act.loc[i], act_hid.loc[i]
    home = auth[auth[COL_AUTHORITY] == la_name]
    h_val = home[COL_DEATHS].iloc[0] if not home.empty else np.nan
    h_hid = bool(auth_hid.loc[home.index[0], COL_DEATHS]) if not home.empty else False
    names = [a for a in auth[COL_AUTHORITY] if a != TOTAL_LABEL]
    head = (f"In {_fy(latest)} the sub-regional Child Death Overview Panel serving {_list_words(names)} held "
            f"{words.n(r[COL_PANELS], rh[COL_PANELS])} panels and reviewed {words.n(total, rh[COL_SUBREGION])} "
            "children's deaths")
    share = ""
    if pd.notna(h_val):
        share = f"; {words.n(h_val, h_hid)} of the deaths were of {la_name} children"
        if not words.withheld(h_val, h_hid) and pd.notna(home[COL_SHARE].iloc[0]):
            hh = home.iloc[0]
            share += f" ({_share_text(hh[COL_SHARE], hh[COL_LOWER], hh[COL_UPPER])})"
    s.paragraphs.append(head + share + ".")
    if pd.notna(r[COL_ACTIONS]):
        s.paragraphs.append(f"The report says {_possessive(la_name)} panel raised {words.n(r[COL_ACTIONS], rh[COL_ACTIONS])} "
                            "different actions in the year, mainly feedback and learning.")
    if pd.notna(r[COL_PER_PANEL]) and not words.withheld(total, rh[COL_SUBREGION]):
        s.paragraphs.append(f"That is {fmt_rate(r[COL_PER_PANEL])} deaths reviewed per panel on average.")
    s.paragraphs.append("The panel is shared by the authorities above, so its panels and actions are not the board's "
                        "alone; a death is counted in the year it is reviewed, which may be long after the child died.")
    if len(years) > 1:
        j = act.index[-2]
        o, n = act.loc[j, home_col], r[home_col]
        if (pd.notna(o) and pd.notna(n) and not words.withheld(o, act_hid.loc[j, home_col])
                and not words.withheld(n, rh[home_col])):
            s.paragraphs.append(describe_change(o, n, what=f"{la_name} children's deaths reviewed") +
                                f" ({act.loc[j, COL_YEAR]} to {r[COL_YEAR]}).")
    figures.update({"deaths_reviewed_total": _public_figure(total, rh[COL_SUBREGION], words),
                    "panels_held": _public_figure(r[COL_PANELS], rh[COL_PANELS], words),
                    "actions_raised": _public_figure(r[COL_ACTIONS], rh[COL_ACTIONS], words)})
    findings.append(
        f"In {_fy(latest)} the sub-regional Child Death Overview Panel held {words.n(r[COL_PANELS], rh[COL_PANELS])} "
        f"panels, reviewed {words.n(total, rh[COL_SUBREGION])} deaths and raised "
        f"{words.n(r[COL_ACTIONS], rh[COL_ACTIONS])} actions" + share + ".")
    return s


def _public_figure(v, hidden: bool, words: _Words):
    """A key figure as published: None if missing, "c" if withheld in public mode, else a number."""
    if v is None or pd.isna(v):
        return None
    if words.withheld(v, hidden):
        return "c"
    return int(v) if float(v).is_integer() else float(v)


def _categories_section(ctx: Context, rows: pd.DataFrame, words: _Words, la_name: str, figures: dict,
                        findings: list[str]) -> Section:
    s = Section("categories", f"{_possessive(la_name)} deaths reviewed by category")
    cat_rows = rows[(rows["measure"] == "cdop_deaths_reviewed") & (rows["breakdown"] == "cdop_category")] \
        if not rows.empty else rows
    if cat_rows.empty:
        s.unavailable = (_board_missing_sentence(ctx) if rows.empty else
                         "The report gives no breakdown of deaths reviewed by category for this period.")
        return s
    years = _years(cat_rows)
    latest = years[-1]
    tab = category_table(cat_rows, latest)
    table = Table(
        title=f"{la_name} children's deaths reviewed by standard CDOP category, {_fy(latest)}",
        frame=tab, source=BOARD_SOURCE, count_columns=[COL_DEATHS],
        derived={COL_SHARE: COL_DEATHS, COL_LOWER: COL_DEATHS, COL_UPPER: COL_DEATHS},
        formats={COL_SHARE: "percent", COL_LOWER: "percent", COL_UPPER: "percent", COL_REPORTED: "text"},
        total_row=TOTAL_LABEL,
        notes=["Share = deaths in the category ÷ all the deaths reviewed, with its 95% Wilson score interval. "
               "0 = the report says there were none; x = the report does not list the category (not a zero)."])
    hid = hidden_cells(table, ctx.disclosure)[COL_DEATHS]
    s.charts.append((_category_chart(tab, hid, latest, la_name, words), table))
    if len(years) > 1:
        wide = category_by_year_table(cat_rows)
        s.tables.append(Table(title=f"{la_name} children's deaths reviewed by category and financial year",
                              frame=wide, source=BOARD_SOURCE,
                              count_columns=[c for c in wide.columns if c != COL_CATEGORY], total_row=TOTAL_LABEL,
                              notes=["x = the category is not listed for that year (not a zero)."]))
    is_cat = tab[COL_CATEGORY] != TOTAL_LABEL
    cats, cat_hid = tab[is_cat], hid[is_cat]
    total, total_hid = tab.loc[~is_cat, COL_DEATHS].iloc[0], bool(hid[~is_cat].iloc[0])
    listed = cats[cats[COL_DEATHS].notna()]
    # 1. the largest category, with its interval
    big = _largest(cats, cat_hid, words)
    if big is not None and not words.withheld(total, total_hid):
        half = ""
        if big[COL_LOWER] > 50:
            half = "; significantly more than half"
        elif big[COL_SHARE] > 50:
            half = "; more than half, though the interval also allows for less than half"
        sent = (f"{big[COL_CATEGORY]} was the largest category: {words.n(big[COL_DEATHS])} of {_possessive(la_name)} "
                f"{words.n(total)} deaths reviewed in {_fy(latest)} "
                f"({_share_text(big[COL_SHARE], big[COL_LOWER], big[COL_UPPER])}{half}).")
        s.paragraphs.append(sent)
        findings.append(sent)
    # 2. why the intervals are wide
    small = listed[listed[COL_DEATHS].map(_is_small)]
    zero = listed[listed[COL_DEATHS] == 0]
    if total and not words.withheld(total, total_hid):
        one_lo, one_hi = stats.wilson_ci(1, total)
        one = fmt_interval(100 * one_lo, 100 * one_hi)
        para = (f"The numbers are small: {_words_n(len(small))} of the {_words_n(len(listed))} categories the report lists "
                "hold one to five deaths")
        if len(zero):
            para += f" and {_words_n(len(zero))} hold{'s' if len(zero) == 1 else ''} none"
        para += (f". With {words.n(total)} deaths, each death is {_one_dp(100 / total)} percentage points of the "
                 f"total, so one death more or fewer moves a share a long way: a category holding a single death would "
                 f"have a 95% interval from {one}. An interval shows the range of shares consistent with the year's "
                 "deaths had chance produced a different handful of them; the intervals are wide because there are few "
                 "deaths, not because the counts are in doubt.")
        if words.public and (len(small) or cat_hid.any()):
            para += (" In this public version counts of one to five, and the shares and intervals that would reveal them, "
                     "are suppressed (c), with any other cell that a total would let a reader work out.")
        s.paragraphs.append(para)
        if len(small):
            findings.append(
                f"{_words_n(len(small)).capitalize()} of the {_words_n(len(listed))} categories the report lists hold "
                f"fewer than {SMALL + 1} deaths each: "
                f"with {words.n(total)} deaths, each death is {_one_dp(100 / total)} percentage points, so a single "
                f"death has a 95% interval of {one} and category shares cannot support comparisons between categories "
                "or years.")
    # 3. what the report does not list
    absent = cats[cats[COL_DEATHS].isna()][COL_CATEGORY].tolist()
    if absent:
        sent = (f"The report lists {_words_n(len(listed))} of the {_words_n(len(STANDARD_CATEGORIES))} standard CDOP "
                "categories; "
                f"{_list_words([f'‘{c}’' for c in absent])} {'is' if len(absent) == 1 else 'are'} not listed, so "
                f"{'it is' if len(absent) == 1 else 'they are'} shown as not available (x), not as zero.")
        listed_sum = float(listed[COL_DEATHS].sum())
        if total is not None and abs(listed_sum - total) < 1e-9:
            sent += (f" The listed categories add up to all {words.n(total, total_hid)} deaths, which implies none in "
                     f"the unlisted categor{'y' if len(absent) == 1 else 'ies'}, but the report does not say so.")
        elif total is not None and not words.public:
            sent += (f" The listed categories add up to {fmt_count(listed_sum)}, not the {fmt_count(total)} deaths "
                     "reviewed; the report does not explain the difference.")
        s.paragraphs.append(sent)
        findings.append(sent)
    home = _home_deaths(rows, latest, la_name)
    if total is not None and home is not None and abs(home - total) > 1e-9:
        s.paragraphs.append(f"The categories' total ({words.n(total, total_hid)}) differs from the "
                            f"{words.n(home)} {la_name} deaths given by home authority; both are shown as printed.")
    per = cats[cats[COL_CATEGORY] == PERINATAL]
    per_hidden = bool(cat_hid[per.index[0]]) if not per.empty else False
    pv = per[COL_DEATHS].iloc[0] if not per.empty else np.nan
    figures.update({
        "warwickshire_deaths_reviewed": _public_figure(total, total_hid, words),
        "perinatal_neonatal_deaths": _public_figure(pv, per_hidden, words),
        "perinatal_neonatal_percent": (None if per.empty or pd.isna(per[COL_SHARE].iloc[0]) else
                                       "c" if words.withheld(pv, per_hidden) else
                                       float(fmt_percent(per[COL_SHARE].iloc[0]).rstrip("%"))),
        "categories_listed": int(len(listed)),
        "sudden_unexpected_death_reported": bool(cats.loc[cats[COL_CATEGORY] == SUDDEN_UNEXPECTED, COL_DEATHS]
                                                 .notna().any()),
        "cdop_year": _fy(latest),
    })
    return s


_NUMBER_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def _words_n(k: int | None) -> str:
    """A small number of categories (not of children) in words: 9 -> "nine"."""
    if k is None:
        return "an unknown number"
    return _NUMBER_WORDS[k] if 0 <= k < len(_NUMBER_WORDS) else fmt_count(k)


def _one_dp(v: float) -> str:
    """A number to one decimal place, DfE rounding (half up)."""
    return fmt_rate(v)


def _modifiable_section(ctx: Context, words: _Words, figures: dict, findings: list[str]) -> Section:
    s = Section("modifiable_factors", "Child death reviews with modifiable factors (DfE)")
    tab, cols = lait_table(ctx)
    area = ctx.area_name
    if "area_count" not in cols:
        s.unavailable = (f"DfE's LAIT has no figures on child death reviews with modifiable factors for years ending "
                         f"by {ctx.period.end:%d %B %Y}.")
        return s
    # The area's counts go through disclosure control. The region's and England's are large
    # published totals: they are suppressed only if one is small (summing the area, its region and
    # England across a row means nothing, so they must not be treated as one additive table).
    count_cols = [cols["area_count"]] + [cols[k] for k in ("region_count", "england_count")
                                         if k in cols and tab[cols[k]].map(_is_small).any()]
    derived = {cols["area_rate"]: cols["area_count"], cols["lower"]: cols["area_count"], cols["upper"]: cols["area_count"]}
    for role in ("region", "england"):
        if f"{role}_rate" in cols and cols[f"{role}_count"] in count_cols:
            derived[cols[f"{role}_rate"]] = cols[f"{role}_count"]
    fmts = {c: "rate" for c in derived}
    fmts.update({cols[f"{r}_rate"]: "rate" for r in ("region", "england") if f"{r}_rate" in cols})
    fmts.update({COL_YEAR: "text", **({cols["verdict"]: "text"} if "verdict" in cols else {})})
    fmts.update({cols[k]: "count" for k in ("area_count", "region_count", "england_count") if k in cols})
    table = Table(
        title=("Child death reviews with modifiable factors by financial year: "
               f"{_list_words(list(cols['names'].values()))}"),
        frame=tab, source=LAIT_SOURCE, count_columns=count_cols, derived=derived, formats=fmts,
        notes=["Reviews completed in the year on behalf of the LSCB that the panel assessed as having modifiable "
               "factors (DfE LAIT 'PreChildDea'). LAIT labels each figure by the year in which the financial year ends "
               f"({_lait_label_example(cols['years'])}). x = not available (LAIT '-'), not zero.",
               "Rate per 100,000 children aged 0–17 (ONS mid-year estimate of the year the financial year starts in); "
               "95% interval exact below 10 reviews, Byar's from 10. 'Compared with England': whether the area's "
               "interval excludes England's rate."])
    rounded = [_fy(y) for y in rounded_years(ctx)]
    if rounded:
        table.notes.append(f"In {_list_words(rounded)} every figure DfE gives (each LA, region and England) is a multiple "
                           "of five: DfE rounded them to the nearest five, so a count of 10 stands for 8 to 12. Rates, intervals "
                           "and tests treat the rounded counts as exact.")
    hid = hidden_cells(table, ctx.disclosure)
    ac = cols["area_count"]
    if "verdict" in cols and hid[ac].any():  # a verdict on a withheld count is withheld with it
        tab[cols["verdict"]] = tab[cols["verdict"]].where(~hid[ac].to_numpy(), "c")
    avail = tab[tab[ac].notna()]
    if avail.empty:
        s.unavailable = (f"DfE's LAIT gives no count for {area} in any year to {ctx.period.end:%d %B %Y} "
                         "(every year is shown as x, not available).")
        s.tables.append(table)
        return s
    i = avail.index[-1]
    yl, n_last, n_hid = tab.at[i, COL_YEAR], tab.at[i, ac], bool(hid.at[i, ac])
    eng = tab.at[i, cols["england_rate"]] if "england_rate" in cols else np.nan
    more: list[str] = []
    if words.withheld(n_last, n_hid):
        title = f"DfE's count of child death reviews with modifiable factors for {area} in {yl} is suppressed"
        sent = (f"DfE's LAIT counts {words.n(n_last, n_hid)} child death reviews with modifiable factors for {area} in "
                f"{yl}; the rate and its interval are suppressed in this public version.")
    else:
        verdict = tab.at[i, cols["verdict"]] if "verdict" in cols else None
        title = (f"{_possessive(area)} rate of reviews with modifiable factors was {_relation(verdict)} England's in {yl}"
                 if pd.notna(eng) else f"{area} had {words.n(n_last)} child death reviews with modifiable factors in {yl}")
        sent = (f"DfE's LAIT counts {words.n(n_last)} child death reviews with modifiable factors for {area} in {yl}"
                + (" (rounded by DfE to the nearest five). " if yl in rounded else ". "))
        pop = cols["area_population"][i]
        if pd.notna(eng) and pd.notna(pop):
            sent += describe_rate_vs_benchmark(n_last, pop, eng, area, "reviews with modifiable factors", "England",
                                               multiplier=RATE_MULTIPLIER, per="children aged 0–17")
        elif pd.notna(pop):
            sent += (f"That is {fmt_rate(tab.at[i, cols['area_rate']])} per 100,000 children aged 0–17 (95% interval "
                     f"{fmt_interval(tab.at[i, cols['lower']], tab.at[i, cols['upper']], 'rate')}).")
        if "region_rate" in cols and pd.notna(tab.at[i, cols["region_rate"]]) and pd.notna(pop):
            rv = stats.compare_rate_to_benchmark(n_last, pop, tab.at[i, cols["region_rate"]], multiplier=RATE_MULTIPLIER)
            more.append(f"{_possessive(area)} rate in {yl} was {_relation(rv)} the {_possessive(cols['names']['region'])} "
                        f"({fmt_rate(tab.at[i, cols['region_rate']])} per 100,000)")
    if len(avail) > 1:
        j = avail.index[-2]
        o, o_hid = tab.at[j, ac], bool(hid.at[j, ac])
        pops = cols["area_population"]
        if not (words.withheld(o, o_hid) or words.withheld(n_last, n_hid)) and pd.notna(pops[i]) and pd.notna(pops[j]):
            ch = stats.change_significance(o, n_last, pops[j], pops[i], multiplier=RATE_MULTIPLIER)
            more.append(f"from {tab.at[j, COL_YEAR]} to {yl} " + describe_change(o, n_last, what="the count", significance=ch)
                        + f" (tested on the rate per 100,000 children: rate ratio {fmt_interval(ch.effect, ch.effect, 'ratio').split(' to ')[0]}, "
                          f"95% interval {fmt_interval(ch.lower_95, ch.upper_95, 'ratio')})")
    subtitle = "Rate per 100,000 children aged 0–17 with 95% interval, by financial year; gaps = not available or suppressed"
    s.charts.append((_lait_chart(tab, hid, cols, area, words, title, subtitle), table))
    s.paragraphs.append(sent)
    findings.append(sent)
    if more:
        sent2 = "; ".join(more) + "."
        sent2 = sent2[0].upper() + sent2[1:]
        s.paragraphs.append(sent2)
        findings.append(sent2)
    gaps = tab[tab[ac].isna()][COL_YEAR].tolist()
    if gaps:
        s.paragraphs.append(f"DfE gives no figure for {area} for {_list_words(gaps)}: shown as x (not available), "
                            "not zero.")
    s.paragraphs.append(
        "This DfE count is of reviews completed in the year on behalf of the safeguarding board that the panel judged "
        "to have modifiable factors: factors which, by nationally or locally achievable interventions, could be "
        "modified to reduce the risk of future child deaths. It depends on how many reviews the panel completes as well "
        "as on how many children die, and it is not the same count as the board's deaths reviewed, so the two are "
        "shown side by side and never divided into each other.")
    if rounded:
        s.paragraphs.append(f"DfE rounded every {_list_words(rounded)} figure to the nearest five; the intervals and tests "
                            "take the rounded counts at face value, so they understate the uncertainty for those years.")
    figures["modifiable_factors_year"] = yl
    figures["modifiable_factors_reviews"] = _public_figure(n_last, n_hid, words)
    return s


# --------------------------------------------------------------------------- caveats
def theme_findings(ctx: Context) -> pd.DataFrame:
    """Data-quality findings that touch this theme: any on the board's CDOP section, and those
    on DfE LAIT that concern the CDOP indicator (not, e.g., LAIT's CP rate)."""
    f = ctx.findings_for([BOARD_TABLE, LAIT_TABLE])
    if f.empty:
        return f
    on_board = ctx.findings_for([BOARD_TABLE]).index
    return f[f.index.isin(on_board) | f["measure"].astype(str).str.startswith("cdop_")]


def _caveats(ctx: Context, rows: pd.DataFrame, figures: dict, words: _Words) -> list[str]:
    out = []
    if not rows.empty:
        unval = rows[rows["flags"].str.contains("unvalidated", regex=False)]
        out.append("The panel's figures are quoted in the narrative of the board's annual report (section 5), not taken "
                   "from a validated statistical return" + (f"; {len(unval)} of them are marked as not yet validated"
                                                             if len(unval) else "")
                   + ". They cover whole financial years (1 April to 31 March).")
        out.append(f"Benchmark mismatch: the panel is sub-regional ({_list_words(_authority_names(rows))}); its panels "
                   "held, total deaths reviewed and actions raised (which the report attributes to "
                   f"'{_possessive(rows['la_name'].iloc[0] or ctx.area_name)} panel') are not the board's alone. "
                   f"Only the deaths by home authority and by category are {_possessive(ctx.area_name)} own.")
        out.append("Deaths are counted in the year the panel reviews them, not the year the child died: they are not a "
                   "mortality rate, and a year's mix of categories reflects which reviews were completed.")
        if figures.get("sudden_unexpected_death_reported") is False:
            out.append(f"The report lists {_words_n(figures.get('categories_listed'))} of the "
                       f"{_words_n(len(STANDARD_CATEGORIES))} standard "
                       f"CDOP categories: '{SUDDEN_UNEXPECTED}' is not listed and is shown as not available (x), never "
                       "as a guessed zero.")
    small = ("Small numbers: most categories hold a handful of deaths, so shares have wide intervals and "
             "year-to-year differences are mostly chance. " if not rows.empty else "")
    out.append(small + ("In this public version counts of one to five are suppressed (c) in tables, chart labels and "
                        "sentences, with further cells suppressed where a total could reveal them." if words.public else
                        "This internal version shows counts of one to five: do not publish it; run it with "
                        "disclosure = 'public'."))
    status = _lait_status(ctx)
    out.append("DfE's count of reviews with modifiable factors measures something different from the board's deaths "
               "reviewed (reviews completed, only those with modifiable factors)"
               + (f"; DfE's LAIT lists the indicator as '{status}'" if status else "") + ".")
    rounded = [_fy(y) for y in rounded_years(ctx)]
    if rounded:
        out.append(f"DfE's {_list_words(rounded)} figures on reviews with modifiable factors are rounded to the nearest "
                   "five (every area's figure is a multiple of five), so small differences between areas or years "
                   "mean nothing.")
    out.append("Rates per 100,000 children use the ONS mid-year estimate of children aged 0–17; the number of reviews "
               "completed in a year also depends on the panel's workload, so a rate is a rough comparator.")
    out += caveats_from_findings(theme_findings(ctx))
    return out


# --------------------------------------------------------------------------- build
def build(area_code: str = "E10000031", period: str | Period | None = "2017-18 Q4", data_dir=None,
          disclosure: str = "public", area_name: str | None = None) -> ThemeResult:
    """The CDOP appendix for one area and period.

    ``period``: a quarter ("2017-18 Q4") or a year; only figures whose period ends by its end
    are used (the board's CDOP figures and LAIT's are whole financial years). ``disclosure``:
    "public" suppresses counts 1–5 (and cells that would reveal them) in tables, chart labels
    and sentences; "internal" shows them. Sections (keys): ``panel_activity``, ``categories``,
    ``modifiable_factors``.

    ``key_figures`` (latest financial year within the period; None = not available; "c" =
    withheld in public mode): ``deaths_reviewed_total`` (deaths the sub-regional panel
    reviewed, count), ``warwickshire_deaths_reviewed`` (the board's own authority's deaths by
    category total, count), ``perinatal_neonatal_deaths`` (count), ``perinatal_neonatal_percent``
    (percent of the authority's deaths, one decimal place), ``panels_held``, ``actions_raised``
    (counts), ``categories_listed`` (number of standard categories with a printed figure),
    ``sudden_unexpected_death_reported`` (bool), ``cdop_year`` (e.g. "2017/18"),
    ``modifiable_factors_year`` and ``modifiable_factors_reviews`` (DfE LAIT, count).
    """
    ctx = context(area_code, period, data_dir, disclosure, area_name)
    words = _Words(ctx.disclosure)
    rows = _board_rows(ctx)
    la_name = str(rows["la_name"].iloc[0]) if not rows.empty and rows["la_name"].iloc[0] else ctx.area_name
    figures: dict = dict.fromkeys((
        "deaths_reviewed_total", "warwickshire_deaths_reviewed", "perinatal_neonatal_deaths",
        "perinatal_neonatal_percent", "panels_held", "actions_raised", "categories_listed",
        "sudden_unexpected_death_reported", "cdop_year", "modifiable_factors_year", "modifiable_factors_reviews"))
    findings: list[str] = []
    if rows.empty:
        findings.append(_board_missing_sentence(ctx))
    sections = [_panel_section(ctx, rows, words, la_name, figures, findings),
                _categories_section(ctx, rows, words, la_name, figures, findings),
                _modifiable_section(ctx, words, figures, findings)]
    return ThemeResult(theme=THEME, title=TITLE, area_code=area_code, area_name=ctx.area_name, period=ctx.period,
                       disclosure=ctx.disclosure, key_findings=findings[:6],
                       caveats=_caveats(ctx, rows, figures, words), sections=sections, key_figures=figures)
