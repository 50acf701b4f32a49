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
Q1–Q3 sees none of 2017/18's; the LAIT year 2017-18 likewise ends on 31 March 2018.

Units: counts of deaths, panels, actions and reviews; shares in **percent** of the board's
authority's deaths reviewed in the year, with 95% Wilson intervals; rates of reviews with
modifiable factors **per 100,000 children aged 0–17** (ONS mid-year estimate DfE uses for the
year, :func:`analysis.dfe.population_for`), with exact (fewer than 10) or Byar's intervals.

Everything is built by year, so several years of ``s5_cdop.csv``-style rows give tables with
one column (or row) per year; the charts of shares show the latest year within the period.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from .. import charts, stats
from ..dfe import population_for
from ..periods import Period, period_of
from .base import Section, Table, ThemeResult
from .common import Context, caveats_from_findings, context

THEME = "cdop"
TITLE = "Child death reviews: the Child Death Overview Panel"

#: Where the board's CDOP figures are printed, and the DfE indicator's table name.
BOARD_TABLE = "s5 CDOP"
LAIT_TABLE = "DfE LAIT"
BOARD_SOURCE = ("Source: Warwickshire Safeguarding Children Board Annual Report 2017/18, section 5 "
                "(Child Death Overview Panel)")
LAIT_SOURCE = ("Source: Department for Education, Local Authority Interactive Tool (LAIT), child death "
               "reviews with modifiable factors; ONS mid-year population estimates")

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
SMALL = 5  # counts 1..SMALL are suppressed in public mode (DfE rule)

SECTION_KEYS = ("panel_activity", "categories", "modifiable_factors")

# Column names shown to readers (kept as constants so tests and charts agree).
COL_YEAR = "Year"
COL_AUTHORITY = "Child's home authority"
COL_DEATHS = "Deaths reviewed"
COL_SHARE = "Share of deaths reviewed (%)"
COL_LOWER = "95% CI lower (%)"
COL_UPPER = "95% CI upper (%)"
COL_CATEGORY = "Category (standard CDOP form)"
COL_REPORTED = "What the report says"
TOTAL_LABEL = "Total"

LISTED = "listed"
LISTED_NONE = "listed: no deaths in this category"
NOT_LISTED = "not listed in the report"
NOT_IN_DATA = "not in the data for this year"


# --------------------------------------------------------------------------- small helpers
def _dc():
    """The disclosure-control helpers (imported lazily: a sibling helper writes them)."""
    from ..stats import disclosure

    return disclosure


def _is_small(v: float | None) -> bool:
    """Whether a count would be suppressed in public mode (1 to 5; 0 is a true zero)."""
    return v is not None and not pd.isna(v) and 0 < float(v) <= SMALL


def _fy(time_period: int) -> str:
    """The board's label of a financial year: 201718 -> ``2017/18``."""
    return period_of(int(time_period), "Annual").fy_label


def _fy_end(time_period: int) -> pd.Timestamp:
    return pd.Timestamp(period_of(int(time_period), "Annual").end)


def _pct(v: float) -> str:
    return f"{v:,.1f}%"


def _relation(verdict: str | None) -> str:
    """A comparison verdict as words after "was": "higher than", "lower than", or "not
    significantly different from" (also when there is no verdict)."""
    return {"higher": "higher than", "lower": "lower than"}.get(verdict or "", "not significantly different from")


def _possessive(name: str) -> str:
    """"England's", "the West Midlands'" style possessive."""
    return name + ("'" if name.endswith("s") else "'s")


def _list_words(items: list[str]) -> str:
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


class _Words:
    """Numbers in sentences, with public-mode disclosure control (no count from 1 to 5)."""

    def __init__(self, disclosure: str):
        self.public = disclosure == "public"

    def n(self, v: float | None) -> str:
        """A count as words: "34", or "fewer than 6" for 1–5 in public mode, "not available"."""
        if v is None or pd.isna(v):
            return "not available"
        if self.public and _is_small(v):
            return _dc().count_text(float(v), threshold=SMALL)
        return f"{float(v):,.0f}"

    def hidden(self, v: float | None) -> bool:
        """Whether a figure derived from this count (a share, a rate) must be withheld."""
        return self.public and _is_small(v)

    def label(self, v: float | None) -> str:
        """A chart label for a count: the number, or ``c`` for 1–5 in public mode."""
        if v is None or pd.isna(v):
            return "x"
        if self.public and _is_small(v):
            return _dc().chart_label(float(v), threshold=SMALL)
        return f"{float(v):,.0f}"


def _years(df: pd.DataFrame) -> list[int]:
    return sorted(int(t) for t in df["time_period"].unique())


def _one(df: pd.DataFrame, **match) -> float | None:
    """The value of the single row matching ``match`` (None when absent or blank)."""
    d = df
    for k, v in match.items():
        d = d[d[k] == v]
    if d.empty or pd.isna(d["value"].iloc[0]):
        return None
    return float(d["value"].iloc[0])


# --------------------------------------------------------------------------- board tables
def _board_rows(ctx: Context) -> pd.DataFrame:
    """The board's CDOP observations (all measures) up to the end of the run's period."""
    return ctx.local(["cdop_deaths_reviewed", "cdop_panels_held", "cdop_actions_raised"],
                     source_table=BOARD_TABLE, period_type="financial_year")


def _authority_names(rows: pd.DataFrame) -> list[str]:
    a = rows[(rows["measure"] == "cdop_deaths_reviewed") & (rows["breakdown"] == "child_residence_la")
             & (rows["breakdown_value"] != TOTAL_LABEL)]
    # keep the order the report prints them in (file order)
    return list(dict.fromkeys(a.sort_values("source_row")["breakdown_value"]))


def _home_deaths(rows: pd.DataFrame, year: int, la_name: str) -> float | None:
    """Deaths of the board's own authority's children reviewed in the year."""
    y = rows[(rows["time_period"] == year) & (rows["measure"] == "cdop_deaths_reviewed")]
    v = _one(y, breakdown="child_residence_la", breakdown_value=la_name)
    if v is None:
        v = _one(y, breakdown="cdop_category", breakdown_value=TOTAL_LABEL)
    return v


def _sub_region_total(rows: pd.DataFrame, year: int) -> tuple[float | None, bool]:
    """Deaths reviewed by the panel in the year (all authorities) and whether it was printed.

    The printed total is used; only when no total is printed is it the sum of the authorities
    (second item False then, so the reader is told).
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
    authority), actions raised, deaths reviewed per panel (a ratio). Counts; blank = not given."""
    out = []
    for year in _years(rows):
        y = rows[rows["time_period"] == year]
        total, _ = _sub_region_total(rows, year)
        panels = _one(y, measure="cdop_panels_held")
        out.append({
            COL_YEAR: _fy(year),
            "Panels held (sub-region)": panels,
            "Deaths reviewed (sub-region)": total,
            f"Deaths reviewed: {la_name} children": _home_deaths(rows, year, la_name),
            "Actions raised": _one(y, measure="cdop_actions_raised"),
            "Deaths reviewed per panel": (total / panels) if total is not None and panels else np.nan,
        })
    df = pd.DataFrame(out)
    for c in df.columns[1:]:
        df[c] = pd.to_numeric(df[c], errors="coerce").astype("float64")
    return df


def authority_table(rows: pd.DataFrame, year: int) -> pd.DataFrame:
    """Deaths reviewed by the sub-regional panel in one year, by the child's home authority,
    with each authority's share (percent of the panel's total) and its 95% Wilson interval;
    the last row is the total."""
    y = rows[(rows["time_period"] == year) & (rows["measure"] == "cdop_deaths_reviewed")
             & (rows["breakdown"] == "child_residence_la")]
    names = _authority_names(rows[rows["time_period"] == year])
    counts = pd.Series([_one(y, breakdown_value=n) for n in names], index=names, dtype="float64")
    total, _ = _sub_region_total(rows, year)
    df = pd.DataFrame({COL_AUTHORITY: names, COL_DEATHS: counts.to_numpy()})
    if total:
        ci = stats.proportion_ci_table(counts.reset_index(drop=True), total)
        df[COL_SHARE] = ci["value"].to_numpy()
        df[COL_LOWER] = ci["lower"].to_numpy()
        df[COL_UPPER] = ci["upper"].to_numpy()
    else:
        df[COL_SHARE] = df[COL_LOWER] = df[COL_UPPER] = np.nan
    tot = pd.DataFrame({COL_AUTHORITY: [TOTAL_LABEL], COL_DEATHS: [total if total is not None else np.nan],
                        COL_SHARE: [100.0 if total else np.nan], COL_LOWER: [np.nan], COL_UPPER: [np.nan]})
    return pd.concat([df, tot], ignore_index=True)


def category_table(rows: pd.DataFrame, year: int) -> pd.DataFrame:
    """The board's own authority's deaths reviewed in one year by standard CDOP category.

    One row per standard category (in the form's order; any other printed category after
    them), then the total. ``Deaths reviewed`` is the printed count (0 only where the report
    says there were none; blank where the report does not list the category). Shares are
    percent of the printed total with 95% Wilson intervals. ``What the report says`` records
    whether the category is listed.
    """
    y = rows[(rows["time_period"] == year) & (rows["measure"] == "cdop_deaths_reviewed")
             & (rows["breakdown"] == "cdop_category")]
    printed = y[y["breakdown_value"] != TOTAL_LABEL]
    order = list(STANDARD_CATEGORIES) + [c for c in printed.sort_values("source_row")["breakdown_value"]
                                         if c not in STANDARD_CATEGORIES]
    recs = []
    for cat in order:
        r = printed[printed["breakdown_value"] == cat]
        if r.empty:
            recs.append((cat, np.nan, NOT_IN_DATA))
            continue
        v = r["value"].iloc[0]
        if pd.isna(v):
            recs.append((cat, np.nan, NOT_LISTED if r["status"].iloc[0] == "x" else f"not available ({r['status'].iloc[0]})"))
        else:
            recs.append((cat, float(v), LISTED_NONE if float(v) == 0 else LISTED))
    df = pd.DataFrame(recs, columns=[COL_CATEGORY, COL_DEATHS, COL_REPORTED])
    df[COL_DEATHS] = df[COL_DEATHS].astype("float64")
    total = _one(y, breakdown_value=TOTAL_LABEL)
    if total is None and df[COL_DEATHS].notna().any():
        total = float(df[COL_DEATHS].sum())
    if total:
        ci = stats.proportion_ci_table(df[COL_DEATHS], total)
        df[COL_SHARE], df[COL_LOWER], df[COL_UPPER] = ci["value"], ci["lower"], ci["upper"]
    else:
        df[COL_SHARE] = df[COL_LOWER] = df[COL_UPPER] = np.nan
    tot = pd.DataFrame({COL_CATEGORY: [TOTAL_LABEL], COL_DEATHS: [total if total is not None else np.nan],
                        COL_REPORTED: ["printed total" if _one(y, breakdown_value=TOTAL_LABEL) is not None
                                       else "sum of the listed categories (no total printed)"],
                        COL_SHARE: [100.0 if total else np.nan], COL_LOWER: [np.nan], COL_UPPER: [np.nan]})
    df = pd.concat([df, tot], ignore_index=True)
    return df[[COL_CATEGORY, COL_DEATHS, COL_SHARE, COL_LOWER, COL_UPPER, COL_REPORTED]]


def category_by_year_table(rows: pd.DataFrame) -> pd.DataFrame:
    """Deaths reviewed by category (rows) and financial year (columns), counts; blank where a
    year does not list the category."""
    years = _years(rows[(rows["measure"] == "cdop_deaths_reviewed") & (rows["breakdown"] == "cdop_category")])
    out = None
    for year in years:
        t = category_table(rows, year)[[COL_CATEGORY, COL_DEATHS]].rename(columns={COL_DEATHS: _fy(year)})
        out = t if out is None else out.merge(t, on=COL_CATEGORY, how="outer", sort=False)
    if out is None:
        return pd.DataFrame(columns=[COL_CATEGORY])
    # standard order, total last
    order = {c: i for i, c in enumerate(list(STANDARD_CATEGORIES))}
    out["_o"] = [order.get(c, len(order) + (1000 if c == TOTAL_LABEL else 0)) for c in out[COL_CATEGORY]]
    return out.sort_values("_o", kind="stable").drop(columns="_o").reset_index(drop=True)


# --------------------------------------------------------------------------- DfE LAIT
def _population_rows(pops: pd.DataFrame, code: str) -> pd.DataFrame:
    """ONS population aged 0–17 rows of one area (LA, region or England), any year."""
    if code == ENGLAND:
        return pops[pops["geographic_level"] == "National"]
    if code.startswith("E12"):
        return pops[(pops["geographic_level"] == "Regional") & (pops["region_code"] == code)]
    return pops[(pops["geographic_level"] == "Local authority") & (pops["new_la_code"] == code)]


def lait_table(ctx: Context) -> tuple[pd.DataFrame, dict]:
    """Child death reviews with modifiable factors by financial year (DfE LAIT): counts and
    rates per 100,000 children aged 0–17 for the area, its region and England, with the area's
    95% interval and its verdict against England. Missing (LAIT ``-``) stays blank.

    Returns the table and a dict of column names (``count``/``rate``/``lower``/``upper`` of the
    area, ``region_count``..., ``england_count``..., ``verdict``) and the area names used.
    """
    measure = "cdop_reviews_modifiable_factors"
    region = ctx.ds.region_of(ctx.area_code)
    areas = [(ctx.area_code, ctx.area_name, "area")]
    if region and region != ctx.area_code:
        areas.append((region, ctx.ds.area_name(region), "region"))
    if ctx.area_code != ENGLAND:
        areas.append((ENGLAND, "England", "england"))
    frames = {}
    for code, _name, role in areas:
        d = ctx.national(measure, area_code=code, period_type="financial_year")
        frames[role] = d
    years = sorted({int(t) for d in frames.values() for t in d["time_period"]})
    cols: dict = {"names": {role: name for _c, name, role in areas}}
    table = pd.DataFrame({COL_YEAR: [_fy(y) for y in years]})
    if not years:
        return table, cols
    pops = ctx.ds.select("population_0_17", source="dfe", period_type="snapshot")
    for code, name, role in areas:
        d = frames[role]
        counts = pd.Series([_one(d, time_period=y) for y in years], dtype="float64")
        status = [(d[d["time_period"] == y]["status"].iloc[0] if not d[d["time_period"] == y].empty else "x")
                  for y in years]
        pop = []
        p_area = _population_rows(pops, code)
        for y in years:
            want = population_for(_fy_end(y))
            p = p_area[p_area["period_end"].dt.year == want]
            pop.append(float(p["value"].iloc[0]) if not p.empty and pd.notna(p["value"].iloc[0]) else np.nan)
        pop_s = pd.Series(pop, dtype="float64")
        rate = stats.rate_ci_table(counts, pop_s.where(pop_s > 0), multiplier=RATE_MULTIPLIER)
        c_count = f"{name}: reviews with modifiable factors"
        c_rate = f"{name}: per 100,000 children"
        table[c_count] = counts.to_numpy()
        table[c_rate] = rate["value"].to_numpy()
        cols[f"{role}_count"], cols[f"{role}_rate"] = c_count, c_rate
        cols[f"{role}_status"] = status
        cols[f"{role}_population"] = pop_s.to_numpy()
        if role == "area":
            table[f"{name}: 95% CI lower"] = rate["lower"].to_numpy()
            table[f"{name}: 95% CI upper"] = rate["upper"].to_numpy()
            cols["lower"], cols["upper"] = f"{name}: 95% CI lower", f"{name}: 95% CI upper"
    if "england_rate" in cols:
        verdict = stats.compare_rate_to_benchmark(
            table[cols["area_count"]], pd.Series(cols["area_population"]).where(lambda s: s > 0),
            table[cols["england_rate"]], multiplier=RATE_MULTIPLIER)
        col = f"{ctx.area_name} compared with England (95%)"
        table[col] = [v if isinstance(v, str) else "x" for v in verdict]
        cols["verdict"] = col
    cols["years"] = years
    return table, cols


def _lait_status(ctx: Context) -> str | None:
    """DfE's own status of the LAIT indicator (e.g. discontinued), from lait_data_dictionary.csv."""
    path = Path(ctx.ds.raw_dir) / "dfe" / "lait_data_dictionary.csv"
    try:
        d = pd.read_csv(path, dtype=str)
    except (OSError, ValueError):
        return None
    r = d[d.get("Measure_short", pd.Series(dtype=str)) == "PreChildDea"]
    if r.empty:
        return None
    status = str(r["Table_status"].iloc[0]) if "Table_status" in r else ""
    nxt = str(r["Next Update"].iloc[0]) if "Next Update" in r else ""
    parts = [p for p in (status, nxt) if p and p.lower() != "nan"]
    return "; ".join(parts).lower() if parts else None


# --------------------------------------------------------------------------- charts
def _authority_chart(tab: pd.DataFrame, year: int, la_name: str, words: _Words, total_printed: bool) -> charts.Chart:
    parts = tab[tab[COL_AUTHORITY] != TOTAL_LABEL].reset_index(drop=True)
    total = tab.loc[tab[COL_AUTHORITY] == TOTAL_LABEL, COL_DEATHS].iloc[0]
    fig, ax = charts.new_chart(8.0, 1.2 + 0.7 * len(parts))
    ypos = np.arange(len(parts))[::-1]
    xmax = float(np.nanmax(parts[COL_DEATHS].to_numpy())) if parts[COL_DEATHS].notna().any() else 1.0
    for i, r in parts.iterrows():
        v = r[COL_DEATHS]
        is_home = r[COL_AUTHORITY] == la_name
        if pd.isna(v) or words.hidden(v):
            ax.text(0, ypos[i], "  " + words.label(v) + (" (suppressed: fewer than 6)" if words.hidden(v) else " (not available)"),
                    va="center", ha="left", fontsize=9, color="#333333")
            continue
        ax.barh(ypos[i], v, color=charts.HIGHLIGHT if is_home else charts.PALETTE[0],
                hatch="//" if is_home else "", edgecolor="white", height=0.6)
        share = r[COL_SHARE]
        lab = words.label(v) + ("" if pd.isna(share) else f" ({share:.1f}%)")
        ax.text(v + xmax * 0.01, ypos[i], lab, va="center", ha="left", fontsize=10)
    ax.set_yticks(ypos, [a + (" (this board)" if a == la_name else "") for a in parts[COL_AUTHORITY]])
    ax.set_xlim(0, xmax * 1.25)
    ax.grid(axis="y", visible=False)
    home = parts[parts[COL_AUTHORITY] == la_name]
    if not home.empty and pd.notna(home[COL_DEATHS].iloc[0]) and not words.hidden(home[COL_DEATHS].iloc[0]):
        h = home.iloc[0]
        title = (f"{la_name} children were {words.n(h[COL_DEATHS])} of the {words.n(total)} deaths "
                 f"the sub-regional panel reviewed in {_fy(year)}")
        subtitle = (f"{h[COL_SHARE]:.1f}% (95% Wilson interval {h[COL_LOWER]:.1f}% to {h[COL_UPPER]:.1f}%) "
                    f"of deaths reviewed, by the child's home authority")
    else:
        title = f"The sub-regional panel reviewed {words.n(total)} deaths in {_fy(year)}"
        subtitle = "Deaths reviewed, by the child's home authority"
    if not total_printed:
        subtitle += " (total = sum of the authorities; none printed)"
    alt = (f"Horizontal bar chart of deaths reviewed by the sub-regional Child Death Overview Panel in {_fy(year)}, "
           f"by the child's home authority: "
           + "; ".join(f"{r[COL_AUTHORITY]} {words.label(r[COL_DEATHS])}" for _, r in parts.iterrows())
           + f". Total {words.n(total)}. {_possessive(la_name)} bar is orange and hatched.")
    return charts.finish(fig, ax, title=title, subtitle=subtitle, xlabel="Deaths reviewed (count)",
                         ylabel="Child's home authority", source=BOARD_SOURCE, alt=alt, legend=False)


def _category_chart(tab: pd.DataFrame, year: int, la_name: str, words: _Words) -> charts.Chart:
    cats = tab[tab[COL_CATEGORY] != TOTAL_LABEL].reset_index(drop=True)
    total = tab.loc[tab[COL_CATEGORY] == TOTAL_LABEL, COL_DEATHS].iloc[0]
    fig, ax = charts.new_chart(9.0, 1.0 + 0.5 * len(cats))
    ypos = np.arange(len(cats))[::-1]
    st = charts.series_style(0)
    alt_parts = []
    for i, r in cats.iterrows():
        v, y = r[COL_DEATHS], ypos[i]
        if pd.isna(v):
            ax.text(1, y, r[COL_REPORTED], va="center", ha="left", fontsize=9, style="italic", color="#333333")
            alt_parts.append(f"{r[COL_CATEGORY]}: {r[COL_REPORTED]}")
            continue
        if words.hidden(v):
            ax.text(1, y, f"{words.label(v)}: suppressed (fewer than 6 deaths)", va="center", ha="left",
                    fontsize=9, color="#333333")
            alt_parts.append(f"{r[COL_CATEGORY]}: suppressed, fewer than 6")
            continue
        lo, hi, s = r[COL_LOWER], r[COL_UPPER], r[COL_SHARE]
        ax.errorbar([s], [y], xerr=[[s - lo], [hi - s]], fmt=st["marker"], color=st["color"], ecolor="#555555",
                    elinewidth=1.5, capsize=4, markersize=7)
        ax.text(hi + 1.5, y, f"{words.label(v)} ({s:.1f}%)", va="center", ha="left", fontsize=9)
        alt_parts.append(f"{r[COL_CATEGORY]}: {words.label(v)} {'death' if v == 1 else 'deaths'}, {s:.1f}% (95% CI {lo:.1f}% to {hi:.1f}%)")
    ax.set_yticks(ypos, list(cats[COL_CATEGORY]))
    ax.set_xlim(0, 100)
    ax.set_ylim(-0.7, len(cats) - 0.3)
    ax.grid(axis="y", visible=False)
    shown = cats[cats[COL_DEATHS].notna() & ~cats[COL_DEATHS].map(words.hidden)]
    big = shown.sort_values(COL_DEATHS, ascending=False).head(1)
    if not big.empty and big[COL_DEATHS].iloc[0] > 0:
        b = big.iloc[0]
        lead = "more than half" if b[COL_SHARE] > 50 else "the largest share"
        title = f"{b[COL_CATEGORY]} accounted for {lead} of {_possessive(la_name)} deaths reviewed in {_fy(year)}"
        subtitle = (f"{words.n(b[COL_DEATHS])} of {words.n(total)} deaths, {b[COL_SHARE]:.1f}% "
                    f"(95% Wilson interval {b[COL_LOWER]:.1f}% to {b[COL_UPPER]:.1f}%); dots are shares, lines 95% intervals")
    else:
        title = f"{_possessive(la_name)} deaths reviewed in {_fy(year)} by category"
        subtitle = "Share of deaths reviewed with 95% Wilson intervals"
    alt = (f"Dot chart of the share of {_possessive(la_name)} {words.n(total)} deaths reviewed in {_fy(year)} in each standard "
           f"CDOP category, with 95% intervals: " + "; ".join(alt_parts) + ".")
    return charts.finish(fig, ax, title=title, subtitle=subtitle,
                         xlabel="Share of deaths reviewed (%)", ylabel="Category", source=BOARD_SOURCE, alt=alt,
                         legend=False)


def _lait_chart(tab: pd.DataFrame, cols: dict, area_name: str, words: _Words, title: str, subtitle: str) -> charts.Chart:
    fig, ax = charts.new_chart(11.0, 5.2)
    x = np.arange(len(tab))
    roles = [r for r in ("area", "region", "england") if f"{r}_rate" in cols]
    for i, role in enumerate(roles):
        name = cols["names"][role]
        counts = tab[cols[f"{role}_count"]]
        rate = tab[cols[f"{role}_rate"]].where(~counts.map(words.hidden))
        st = charts.series_style(i)
        if role == "area":
            lo = tab[cols["lower"]].where(rate.notna())
            hi = tab[cols["upper"]].where(rate.notna())
            ax.errorbar(x, rate, yerr=[rate - lo, hi - rate], color=st["color"], marker=st["marker"],
                        linestyle=st["linestyle"], capsize=4, label=f"{name} (with 95% interval)")
        else:
            ax.plot(x, rate, color=st["color"], marker=st["marker"], linestyle=st["linestyle"], label=name)
        for xi, (c, r) in enumerate(zip(counts, rate)):
            if pd.isna(r) and role == "area":
                ax.annotate("c (suppressed)" if words.hidden(c) else "x (not available)", (xi, 0), xytext=(0, 6),
                            textcoords="offset points", ha="center", fontsize=8, color="#333333")
    ax.set_xticks(x, list(tab[COL_YEAR]))
    ax.set_ylim(bottom=0)
    handles, labels = ax.get_legend_handles_labels()
    order = sorted(range(len(labels)), key=lambda k: 0 if labels[k].startswith(area_name) else 1)
    ax.legend([handles[k] for k in order], [labels[k] for k in order], loc="upper center",
              bbox_to_anchor=(0.5, -0.2), ncol=len(labels))
    points = []
    for y, r in zip(tab[COL_YEAR], tab[cols["area_rate"]].where(~tab[cols["area_count"]].map(words.hidden))):
        points.append(f"{y} {r:.1f}" if pd.notna(r) else f"{y} not shown (suppressed or not available)")
    alt = (f"Line chart of child death reviews with modifiable factors per 100,000 children aged 0 to 17, by financial "
           f"year, for {_list_words([cols['names'][r] for r in roles])}; {area_name} (circles, with 95% interval bars): "
           + "; ".join(points) + ".")
    return charts.finish(fig, ax, title=title, subtitle=subtitle, xlabel="Financial year (1 April to 31 March)",
                         ylabel="Reviews per 100,000 children aged 0–17", source=LAIT_SOURCE, alt=alt, legend=False)


# --------------------------------------------------------------------------- sections
def _panel_section(ctx: Context, rows: pd.DataFrame, words: _Words, la_name: str, figures: dict,
                   findings: list[str]) -> Section:
    s = Section("panel_activity", "Deaths reviewed by the sub-regional panel, panels held and actions raised")
    if rows.empty:
        s.unavailable = _board_missing_sentence(ctx)
        return s
    years = _years(rows)
    latest = years[-1]
    act = panel_activity_table(rows, la_name)
    counts = [c for c in act.columns if c not in (COL_YEAR, "Deaths reviewed per panel")]
    s.tables.append(Table(
        title=f"Child Death Overview Panel activity by financial year ({_fy(years[0])} to {_fy(latest)})" if len(years) > 1
        else f"Child Death Overview Panel activity, {_fy(latest)}",
        frame=act, source=BOARD_SOURCE, count_columns=counts,
        derived={"Deaths reviewed per panel": "Deaths reviewed (sub-region)"},
        formats={**{c: "count" for c in counts}, "Deaths reviewed per panel": "rate", COL_YEAR: "text"},
        notes=["Panels, deaths and actions are for the Warwickshire, Coventry and Solihull sub-regional panel as the "
               "report gives them; blank (x) = not given for that year. Deaths reviewed per panel = deaths reviewed ÷ "
               "panels held."]))
    auth = authority_table(rows, latest)
    total, printed = _sub_region_total(rows, latest)
    s.charts.append((_authority_chart(auth, latest, la_name, words, printed), Table(
        title=f"Deaths reviewed by the sub-regional panel by the child's home authority, {_fy(latest)}",
        frame=auth, source=BOARD_SOURCE, count_columns=[COL_DEATHS],
        derived={COL_SHARE: COL_DEATHS, COL_LOWER: COL_DEATHS, COL_UPPER: COL_DEATHS},
        formats={COL_SHARE: "percent", COL_LOWER: "percent", COL_UPPER: "percent"}, total_row=TOTAL_LABEL,
        notes=["Share = the authority's deaths ÷ all deaths the panel reviewed in the year; 95% Wilson score interval."])))
    r = act.iloc[-1]
    home = auth[auth[COL_AUTHORITY] == la_name]
    names = [a for a in auth[COL_AUTHORITY] if a != TOTAL_LABEL]
    para = (f"In {_fy(latest)} the panel serving {_list_words(names)} held {words.n(r['Panels held (sub-region)'])} panels "
            f"and reviewed {words.n(total)} children's deaths")
    if not home.empty and pd.notna(home[COL_DEATHS].iloc[0]):
        h = home.iloc[0]
        para += f"; {words.n(h[COL_DEATHS])} were {la_name} children"
        if not words.hidden(h[COL_DEATHS]) and pd.notna(h[COL_SHARE]):
            para += f" ({_pct(h[COL_SHARE])}, 95% interval {_pct(h[COL_LOWER])} to {_pct(h[COL_UPPER])})"
    para += "."
    if pd.notna(r["Actions raised"]):
        para += (f" The report says {_possessive(la_name)} panel raised {words.n(r['Actions raised'])} different actions in the year, "
                 "mainly feedback and learning.")
    s.paragraphs.append(para)
    if pd.notna(r["Deaths reviewed per panel"]) and not words.hidden(total):
        s.paragraphs.append(f"That is {r['Deaths reviewed per panel']:.1f} deaths reviewed per panel on average.")
    s.paragraphs.append(
        "The panel is shared by three authorities, so its panels and actions are not the board's alone; "
        "a death is counted in the year it is reviewed, which may be long after the year the child died.")
    if len(years) > 1:
        prev = act.iloc[-2]
        col = f"Deaths reviewed: {la_name} children"
        o, n = prev[col], r[col]
        if pd.notna(o) and pd.notna(n) and not (words.hidden(o) or words.hidden(n)):
            ch = stats.change_significance(o, n)
            sig = ("a significant change at 95%" if ch.significant_95 is True or ch.significant_95 is np.True_
                   else "within what chance alone would produce (not significant at 95%)")
            s.paragraphs.append(f"{la_name} children's deaths reviewed went from {words.n(o)} in {prev[COL_YEAR]} to "
                                f"{words.n(n)} in {r[COL_YEAR]}: {sig}.")
    # key figures and findings
    figures.update({
        "deaths_reviewed_total": total,
        "panels_held": _nan_none(r["Panels held (sub-region)"]),
        "actions_raised": _nan_none(r["Actions raised"]),
    })
    if not home.empty and pd.notna(home[COL_DEATHS].iloc[0]):
        h = home.iloc[0]
        f = (f"In {_fy(latest)} the sub-regional Child Death Overview Panel held {words.n(r['Panels held (sub-region)'])} "
             f"panels, reviewed {words.n(total)} deaths and raised {words.n(r['Actions raised'])} actions; "
             f"{words.n(h[COL_DEATHS])} of the deaths were of {la_name} children")
        if not words.hidden(h[COL_DEATHS]) and pd.notna(h[COL_SHARE]):
            f += f" ({_pct(h[COL_SHARE])}, 95% interval {_pct(h[COL_LOWER])} to {_pct(h[COL_UPPER])})"
        findings.append(f + ".")
    return s


def _nan_none(v):
    return None if v is None or pd.isna(v) else float(v)


def _board_missing_sentence(ctx: Context) -> str:
    if not ctx.has_local():
        return (f"No board data is loaded for {ctx.area_name}: the panel's reviews by authority and by category come from "
                "a safeguarding board's annual report (section 5 of Warwickshire's), which has not been transcribed for "
                "this area.")
    all_rows = ctx.ds.select("cdop_deaths_reviewed", area_code=ctx.area_code, source_table=BOARD_TABLE)
    all_rows = all_rows[all_rows["source"] != "dfe"]
    if all_rows.empty:
        return f"The board's data for {ctx.area_name} has no Child Death Overview Panel figures (report section 5)."
    first_end = all_rows["period_end"].min().date()
    return (f"The board's Child Death Overview Panel figures cover whole financial years (1 April to 31 March); the "
            f"first ends on {first_end:%d %B %Y}, after the end of {ctx.period.label} ({ctx.period.end:%d %B %Y}), "
            "so none can be shown for this period.")


def _categories_section(ctx: Context, rows: pd.DataFrame, words: _Words, la_name: str, figures: dict,
                        findings: list[str]) -> Section:
    s = Section("categories", f"{_possessive(la_name)} deaths reviewed by category")
    cat_rows = rows[(rows["measure"] == "cdop_deaths_reviewed") & (rows["breakdown"] == "cdop_category")] if not rows.empty else rows
    if cat_rows.empty:
        s.unavailable = (_board_missing_sentence(ctx) if rows.empty else
                         "The report gives no breakdown of deaths reviewed by category for this period.")
        return s
    years = _years(cat_rows)
    latest = years[-1]
    tab = category_table(cat_rows, latest)
    cats = tab[tab[COL_CATEGORY] != TOTAL_LABEL]
    total = tab.loc[tab[COL_CATEGORY] == TOTAL_LABEL, COL_DEATHS].iloc[0]
    listed = cats[cats[COL_DEATHS].notna()]
    not_listed = cats[cats[COL_REPORTED] == NOT_LISTED][COL_CATEGORY].tolist()
    missing = cats[cats[COL_REPORTED] == NOT_IN_DATA][COL_CATEGORY].tolist()
    s.charts.append((_category_chart(tab, latest, la_name, words), Table(
        title=f"{la_name} children's deaths reviewed by standard CDOP category, {_fy(latest)}",
        frame=tab, source=BOARD_SOURCE, count_columns=[COL_DEATHS],
        derived={COL_SHARE: COL_DEATHS, COL_LOWER: COL_DEATHS, COL_UPPER: COL_DEATHS},
        formats={COL_SHARE: "percent", COL_LOWER: "percent", COL_UPPER: "percent", COL_REPORTED: "text"},
        total_row=TOTAL_LABEL,
        notes=["Share = deaths in the category ÷ the total of deaths reviewed; 95% Wilson score interval. "
               "0 = the report says there were none; x = the report does not list the category (not a zero)."])))
    if len(years) > 1:
        wide = category_by_year_table(cat_rows)
        ycols = [c for c in wide.columns if c != COL_CATEGORY]
        s.tables.append(Table(title=f"{la_name} children's deaths reviewed by category and financial year",
                              frame=wide, source=BOARD_SOURCE, count_columns=ycols, total_row=TOTAL_LABEL,
                              notes=["x = the category is not listed for that year (not a zero)."]))
    # sentences
    shown = listed[~listed[COL_DEATHS].map(words.hidden)]
    big = shown.sort_values(COL_DEATHS, ascending=False).head(1)
    if not big.empty and big[COL_DEATHS].iloc[0] > 0:
        b = big.iloc[0]
        half = ""
        if b[COL_LOWER] > 50:
            half = "; significantly more than half"
        elif b[COL_SHARE] > 50:
            half = "; more than half, although the interval also allows for less than half"
        sent = (f"{b[COL_CATEGORY]} was the largest category: {words.n(b[COL_DEATHS])} of {_possessive(la_name)} {words.n(total)} "
                f"deaths reviewed in {_fy(latest)} ({_pct(b[COL_SHARE])}, 95% interval {_pct(b[COL_LOWER])} to "
                f"{_pct(b[COL_UPPER])}{half}).")
        s.paragraphs.append(sent)
        findings.append(sent)
    small = listed[listed[COL_DEATHS].map(_is_small)]
    zero = listed[listed[COL_DEATHS] == 0]
    if total and total > 0:
        one_lo, one_hi = stats.wilson_ci(1, total)
        para = (f"The numbers are small. {len(small)} of the {len(listed)} categories the report lists hold between one "
                f"and five deaths")
        if len(zero):
            para += f" and {len(zero)} hold{'s' if len(zero) == 1 else ''} none"
        para += (f". With {words.n(total)} deaths, each death is {100 / total:.1f} percentage points of the total, so "
                 f"one more or one fewer death moves a share a long way: a category holding a single death would have "
                 f"a 95% interval from {100 * one_lo:.1f}% to {100 * one_hi:.1f}%. The intervals show the range of "
                 "shares consistent with the year's deaths if the same underlying causes produced a different handful "
                 "of deaths; they are wide because there are few deaths, not because the counts are doubtful.")
        if words.public and len(small):
            para += (" In this public version the counts from 1 to 5, and the shares and intervals that would reveal "
                     "them, are suppressed (c).")
        s.paragraphs.append(para)
        if len(small):
            findings.append(
                f"{len(small)} of the {len(listed)} listed categories hold fewer than 6 deaths each: with "
                f"{words.n(total)} deaths each death is {100 / total:.1f} percentage points, so a single death has a "
                f"95% interval of {100 * one_lo:.1f}% to {100 * one_hi:.1f}% and category shares cannot support "
                "comparisons.")
    listed_sum = float(listed[COL_DEATHS].sum())
    if not_listed or missing:
        absent = not_listed + missing
        sent = (f"The report lists {len(listed)} of the {len(STANDARD_CATEGORIES)} standard CDOP categories; "
                f"{_list_words([f'‘{c}’' for c in absent])} {'is' if len(absent) == 1 else 'are'} not listed, "
                "so shown as not available (x), not as zero.")
        if total is not None and abs(listed_sum - total) < 1e-9:
            sent += (f" The listed categories add up to the {words.n(total)} deaths, which implies none in the "
                     f"missing categor{'y' if len(absent) == 1 else 'ies'}, but the report does not say so.")
        elif total is not None:
            sent += (f" The listed categories add up to {words.n(listed_sum)}, not the {words.n(total)} deaths "
                     "reviewed; the difference is not explained in the report.")
        s.paragraphs.append(sent)
        findings.append(sent)
    if total is not None:
        home = _home_deaths(rows, latest, la_name)
        if home is not None and abs(home - total) > 1e-9:
            s.paragraphs.append(f"The categories' total ({words.n(total)}) differs from the {words.n(home)} "
                                f"{la_name} deaths given by authority; both are shown as printed.")
    per = cats[cats[COL_CATEGORY] == PERINATAL]
    pv = per[COL_DEATHS].iloc[0] if not per.empty else np.nan
    figures.update({
        "warwickshire_deaths_reviewed": _nan_none(total),
        "perinatal_neonatal_deaths": _nan_none(pv),
        "perinatal_neonatal_percent": (round(float(per[COL_SHARE].iloc[0]), 1)
                                       if not per.empty and pd.notna(per[COL_SHARE].iloc[0]) else None),
        "categories_listed": int(len(listed)),
        "sudden_unexpected_death_reported": bool(
            cats.loc[cats[COL_CATEGORY] == SUDDEN_UNEXPECTED, COL_DEATHS].notna().any()),
        "cdop_year": _fy(latest),
    })
    return s


def _modifiable_section(ctx: Context, words: _Words, figures: dict, findings: list[str]) -> Section:
    s = Section("modifiable_factors", "Child death reviews with modifiable factors (DfE)")
    tab, cols = lait_table(ctx)
    if "area_count" not in cols or tab[cols["area_count"]].isna().all() and not len(tab):
        s.unavailable = (f"DfE's LAIT has no figures on child death reviews with modifiable factors for {ctx.area_name} "
                         f"in years ending by {ctx.period.end:%d %B %Y}.")
        return s
    area = ctx.area_name
    count_cols = [cols[k] for k in ("area_count", "region_count", "england_count") if k in cols]
    derived = {cols["area_rate"]: cols["area_count"], cols["lower"]: cols["area_count"], cols["upper"]: cols["area_count"]}
    for role in ("region", "england"):
        if f"{role}_rate" in cols:
            derived[cols[f"{role}_rate"]] = cols[f"{role}_count"]
    fmts = {c: "rate" for c in derived}
    if "verdict" in cols:
        fmts[cols["verdict"]] = "text"
    fmts[COL_YEAR] = "text"
    data_table = Table(
        title=f"Child death reviews with modifiable factors, by financial year: {_list_words(list(cols['names'].values()))}",
        frame=tab, source=LAIT_SOURCE, count_columns=count_cols, derived=derived, formats=fmts,
        notes=["Reviews completed in the year on behalf of the LSCB that the panel assessed as having modifiable "
               "factors (DfE LAIT 'PreChildDea'). LAIT labels each figure by the year the financial year ends in "
               "(2018 = 1 April 2017 to 31 March 2018). x = not available (LAIT '-'), not zero.",
               "Rate per 100,000 children aged 0–17: ONS mid-year estimate of the year the financial year starts in; "
               "95% interval exact below 10 reviews, Byar's from 10. Compared with England: whether the area's interval "
               "excludes England's rate."])
    avail = tab[tab[cols["area_count"]].notna()]
    if avail.empty:
        s.unavailable = (f"DfE's LAIT gives no count for {area} in any year to {ctx.period.end:%d %B %Y} "
                         "(every year is shown as x, not available).")
        s.tables.append(data_table)
        return s
    last = avail.iloc[-1]
    yl = last[COL_YEAR]
    n_last = last[cols["area_count"]]
    verdict = last[cols["verdict"]] if "verdict" in cols else None
    eng = last[cols["england_rate"]] if "england_rate" in cols else np.nan
    # title and sentences: (1) the latest year against England, (2) against the region and the year before
    more: list[str] = []
    if words.hidden(n_last):
        title = f"DfE counts fewer than 6 child death reviews with modifiable factors for {area} in {yl}"
        sent = (f"DfE's LAIT counts {words.n(n_last)} child death reviews with modifiable factors for {area} in {yl}; "
                "its rate and interval are suppressed in this public version.")
    else:
        rel = _relation(verdict)
        title = (f"{_possessive(area)} rate of reviews with modifiable factors was {rel} England's in {yl}"
                 if pd.notna(eng) else f"{area} had {words.n(n_last)} child death reviews with modifiable factors in {yl}")
        sent = (f"DfE's LAIT counts {words.n(n_last)} child death reviews with modifiable factors for {area} in {yl}, "
                f"{last[cols['area_rate']]:.1f} per 100,000 children aged 0–17 (95% interval {last[cols['lower']]:.1f} to "
                f"{last[cols['upper']]:.1f})")
        sent += f": {rel} England's rate of {eng:.1f}." if pd.notna(eng) else "."
        if "region_rate" in cols and pd.notna(last[cols["region_rate"]]):
            rv = stats.compare_rate_to_benchmark(n_last, cols["area_population"][avail.index[-1]],
                                                 last[cols["region_rate"]], multiplier=RATE_MULTIPLIER)
            more.append(f"{_possessive(area)} rate in {yl} was {_relation(rv)} the {_possessive(cols['names']['region'])} "
                        f"({last[cols['region_rate']]:.1f} per 100,000)")
    if len(avail) > 1:
        prev = avail.iloc[-2]
        o = prev[cols["area_count"]]
        if not (words.hidden(o) or words.hidden(n_last)):
            i_prev, i_last = avail.index[-2], avail.index[-1]
            ch = stats.change_significance(o, n_last, cols["area_population"][i_prev], cols["area_population"][i_last],
                                           multiplier=RATE_MULTIPLIER)
            sig = ch.significant_95 is True or ch.significant_95 is np.True_
            more.append(f"the count {'was unchanged from' if o == n_last else 'changed from'} {words.n(o)} in "
                        f"{prev[COL_YEAR]}{'' if o == n_last else f' to {words.n(n_last)}'}, a change in the rate that is "
                        f"{'statistically significant' if sig else 'not statistically significant'} at 95% "
                        f"(rate ratio {ch.effect:.2f}, 95% interval {ch.lower_95:.2f} to {ch.upper_95:.2f})")
    subtitle = "Rate per 100,000 children aged 0–17 with 95% interval; financial years; gaps = not available or suppressed"
    s.charts.append((_lait_chart(tab, cols, area, words, title, subtitle), data_table))
    s.paragraphs.append(sent)
    findings.append(sent)
    if more:
        sent2 = "; ".join(more) + "."
        sent2 = sent2[0].upper() + sent2[1:]
        s.paragraphs.append(sent2)
        findings.append(sent2)
    gaps = tab[tab[cols["area_count"]].isna()][COL_YEAR].tolist()
    if gaps:
        s.paragraphs.append(f"DfE gives no figure for {area} in {_list_words(gaps)}: shown as x (not available), not zero.")
    s.paragraphs.append(
        "This DfE count is of reviews completed in the year on behalf of the safeguarding board that found modifiable "
        "factors (factors which, by means of nationally or locally achievable interventions, could be modified to reduce "
        "the risk of future child deaths). It depends on how many reviews the panel completes as well as on how many "
        "children die, and it is not the same count as the board's deaths reviewed, so the two are shown side by side "
        "and not divided into each other.")
    figures["modifiable_factors_year"] = yl
    figures["modifiable_factors_reviews"] = (_dc().public_value(float(n_last), threshold=SMALL)
                                             if words.public and _is_small(n_last) else float(n_last))
    return s


# --------------------------------------------------------------------------- caveats
def _caveats(ctx: Context, rows: pd.DataFrame, figures: dict, words: _Words) -> list[str]:
    out = []
    if not rows.empty:
        unval = rows[rows["flags"].str.contains("unvalidated", regex=False)]
        out.append("The panel's figures are quoted in the narrative of the board's annual report (section 5), not taken "
                   "from a validated statistical return" + (f"; {len(unval)} of them are marked as not yet validated"
                                                             if len(unval) else "") +
                   ". They cover whole financial years (1 April to 31 March).")
        panels = rows[rows["measure"] == "cdop_panels_held"]
        note = panels["note"].iloc[-1] if not panels.empty else ""
        names = _authority_names(rows)
        out.append(f"Benchmark mismatch: the panel is sub-regional ({_list_words(names)}); its panels held, total deaths "
                   f"reviewed and (as the report words it, 'Warwickshire's panel') actions raised are not the board's "
                   f"alone. Only the deaths by home authority and by category are {ctx.area_name}'s own."
                   + (" The transcription notes: " + note.split(": ", 1)[-1] + "." if "not " in note else ""))
        out.append("Deaths are counted in the year the panel reviews them, not the year the child died; they are not a "
                   "mortality rate and a year's mix of categories reflects which reviews were completed.")
        if figures.get("sudden_unexpected_death_reported") is False:
            out.append(f"The report lists {figures.get('categories_listed')} of the {len(STANDARD_CATEGORIES)} standard "
                       f"CDOP categories: '{SUDDEN_UNEXPECTED}' is not listed and is shown as not available (x), never "
                       "as a guessed zero.")
    out.append("Small numbers: most categories hold a handful of deaths, so shares have wide intervals and year-to-year "
               "differences are mostly chance. "
               + ("In this public version counts from 1 to 5 are suppressed (c) in tables, chart labels and sentences, "
                  "with further cells suppressed where a total could reveal them." if words.public else
                  "This internal version shows counts from 1 to 5: do not publish it; run it with disclosure = 'public'."))
    status = _lait_status(ctx)
    out.append("DfE's count of reviews with modifiable factors is a different measure from the board's deaths reviewed "
               "(reviews completed, not deaths; only those with modifiable factors)"
               + (f"; DfE's LAIT lists the indicator as '{status}'" if status else "") + ".")
    out.append("Rates per 100,000 children use the ONS mid-year estimate of children aged 0–17; the number of reviews "
               "completed in a year also depends on the panel's workload, so a rate is a rough comparator.")
    out += caveats_from_findings(theme_findings(ctx))
    return out


def theme_findings(ctx: Context) -> pd.DataFrame:
    """Data-quality findings that touch this theme: any on the board's CDOP section, and those
    on DfE LAIT that concern the CDOP indicator (not, e.g., LAIT's CP rate)."""
    f = ctx.findings_for([BOARD_TABLE, LAIT_TABLE])
    if f.empty:
        return f
    on_board = ctx.findings_for([BOARD_TABLE]).index
    ours = f["measure"].astype(str).str.startswith("cdop_")
    return f[f.index.isin(on_board) | ours]


# --------------------------------------------------------------------------- build
def build(area_code: str = "E10000031", period: str | Period | None = "2017-18 Q4", data_dir=None,
          disclosure: str = "public", area_name: str | None = None) -> ThemeResult:
    """The CDOP appendix for one area and period.

    ``period``: a quarter ("2017-18 Q4") or year; only figures whose period ends by its end are
    used (the board's CDOP figures are whole financial years). ``disclosure``: "public"
    suppresses counts 1–5 (and what would reveal them) in tables, chart labels and sentences;
    "internal" shows them. Sections: ``panel_activity``, ``categories``, ``modifiable_factors``.
    ``key_figures`` (counts unless stated): deaths_reviewed_total, warwickshire_deaths_reviewed
    (the board's own authority's deaths, whatever the area), perinatal_neonatal_deaths,
    perinatal_neonatal_percent (percent of the authority's deaths, 1 d.p.), panels_held,
    actions_raised, categories_listed (number of categories with a printed figure),
    sudden_unexpected_death_reported (bool), cdop_year, modifiable_factors_year,
    modifiable_factors_reviews. None = not available for the area/period; in public mode a
    count from 1 to 5 is published as "c".
    """
    ctx = context(area_code, period, data_dir, disclosure, area_name)
    words = _Words(ctx.disclosure)
    rows = _board_rows(ctx)
    la_name = rows["la_name"].iloc[0] if not rows.empty and rows["la_name"].iloc[0] else ctx.area_name
    figures: dict = {k: None for k in (
        "deaths_reviewed_total", "warwickshire_deaths_reviewed", "perinatal_neonatal_deaths",
        "perinatal_neonatal_percent", "panels_held", "actions_raised", "categories_listed",
        "sudden_unexpected_death_reported", "cdop_year", "modifiable_factors_year", "modifiable_factors_reviews")}
    findings: list[str] = []
    panel = _panel_section(ctx, rows, words, la_name, figures, findings)
    cats = _categories_section(ctx, rows, words, la_name, figures, findings)
    modf = _modifiable_section(ctx, words, figures, findings)
    if rows.empty:
        findings.insert(0, _board_missing_sentence(ctx))
    if words.public:
        for k in ("deaths_reviewed_total", "warwickshire_deaths_reviewed", "perinatal_neonatal_deaths", "panels_held",
                  "actions_raised"):
            if _is_small(figures[k]):
                figures[k] = _dc().public_value(figures[k], threshold=SMALL)
        if figures["perinatal_neonatal_deaths"] == "c":
            figures["perinatal_neonatal_percent"] = "c"
    for k, v in list(figures.items()):
        if isinstance(v, float) and v.is_integer() and k != "perinatal_neonatal_percent":
            figures[k] = int(v)
    result = ThemeResult(theme=THEME, title=TITLE, area_code=area_code, area_name=ctx.area_name, period=ctx.period,
                         disclosure=ctx.disclosure, key_findings=findings[:6],
                         caveats=_caveats(ctx, rows, figures, words), sections=[panel, cats, modf],
                         key_figures=figures)
    return result
