"""Child protection: trends and benchmarks (theme ``cp_trends``).

What the appendix answers, for the board: how many children are on child protection (CP)
plans and how fast that is changing; whether the area's rate per 10,000 children differs from
England, its region and its DfE statistical neighbours; where it sits among every English
local authority (LA); how districts, categories of abuse, ages and genders move; whether the
performance indicators (long, short and repeat plans) show more than routine variation; and
the children-in-need and looked-after context.

Sources and how they are combined
---------------------------------
* Board (the area's own quarterly dataset; Warwickshire: WSCB Annual Report 2017/18,
  Appendix A): table 3.1 (children on plans, looked-after children, children in need at each
  year end and quarter end), 4.1 (plans per 10,000 by district), 4.2 (plans by category, age and
  gender; its total row is the only source for 31 March 2013), 4.3 (performance indicators).
  Table 3.1 is the primary series of children on plans; where 4.2 prints a different total for
  the same date (443 against 439 at 31 March 2017) the difference is a caveat (quality finding
  DQ04), never silently resolved.
* DfE/ONS (validated): children on plans at 31 March (table D5), plan starts and repeat plans
  (D3), children in need (B1), LAIT indicators, and the ONS mid-year population aged 0–17.

Period semantics
----------------
``period`` is a financial quarter (``"2017-18 Q2"``) or year (``"2017-18"`` = its Q4). Only
observations ending on or before the period's last day are used. The **start** of the
headline change is the 31 March that opened the financial year (31 March 2017 for any period
of 2017-18); the **end** is the period's last day (30 September 2017 for 2017-18 Q2, 31 March
2018 for Q4). Counts of children on plans are *snapshots* on those dates.

Rates are per 10,000 children aged 0–17 with the ONS mid-year estimate DfE uses for the date
(:func:`analysis.ingest.dfe.population_for`: the estimate at 30 June of the year in which the
financial year starts), with PHE's interval for a count (exact Poisson below 10, Byar's at 10
and above). The statistical-neighbour (SN) average is the simple mean of the neighbours'
rates, as DfE's LAIT computes it (the pooled rate, Σ children / Σ population, is shown too).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.ticker import StrMethodFormatter

from ..report import charts
from .. import stats
from ..report.charts import DFE_SOURCE, HIGHLIGHT, NEUTRAL, PALETTE
from ..ingest.dataset import select as data_select
from ..ingest.dfe import population_for
from ..stats import change as st_change
from ..stats import funnel as st_funnel
from . import context as common
from ..report.model import Section, Table, ThemeResult

THEME = "cp_trends"
TITLE = "Child protection: trends and benchmarks"
#: The board's tables this theme reads (data-quality findings touching them become caveats).
LOCAL_TABLES = ["3.1", "4.1", "4.2", "4.3"]
#: DfE source tables the theme reads (for findings comparing the board with DfE).
DFE_TABLES = ["DfE d5", "DfE d3", "DfE LAIT", "DfE b1"]
#: Section keys, in order, and their headings (the notebook calls them by key).
SECTIONS: dict[str, str] = {
    "plans": "Children on child protection plans",
    "benchmarks": "Against England, the region and statistical neighbours",
    "funnel": "Every English local authority: funnel plot",
    "districts": "Districts",
    "mix": "Category of abuse, age and gender",
    "indicators": "Performance indicators",
    "context": "Children in need and looked-after children",
}
ENGLAND = "E92000001"
PER = 10_000
SMALL = 5  # counts 1..SMALL are not stated in public mode (DfE convention)

INDICATORS: dict[str, dict[str, Any]] = {
    "cp_ceased_2yrs_plus_percent": {
        "label": "Long plans",
        "what": "children ceasing a plan who had been on it for two years or more",
        "dfe": "cp_ceased_2yrs_plus_percent",  # LAIT CPPlans2yrs
        "dfe_source": "DfE LAIT (CPPlans2yrs)",
        "polarity": "lower is better",
    },
    "cp_ceased_3months_or_less_percent": {
        "label": "Short plans",
        "what": "children ceasing a plan who had been on it for three months or less",
        "dfe": None,
        "dfe_source": None,
        "polarity": "neither (context)",
    },
    "cp_repeat_plans_percent": {
        "label": "Repeat plans",
        "what": "plans starting that were a second or later plan (at any time)",
        "dfe": "cp_repeat_plans_percent",  # D3 CPP_subsequent_percent
        "dfe_source": "DfE D3 (second or subsequent plans)",
        "polarity": "lower is better",
    },
    "cp_repeat_plans_within_2yrs_percent": {
        "label": "Repeat plans within two years",
        "what": "plans starting within two years of a previous plan ending",
        "dfe": None,
        "dfe_source": None,
        "polarity": "lower is better",
    },
}


# --------------------------------------------------------------------------- small helpers
def _d(ts) -> str:
    """A date as the board prints it in prose: '31 March 2018'."""
    t = pd.Timestamp(ts)
    return f"{t.day} {t.strftime('%B %Y')}"


def _dshort(ts) -> str:
    """A date for table columns and chart ticks: '31 Mar 2018'."""
    t = pd.Timestamp(ts)
    return f"{t.day} {t.strftime('%b %Y')}"


def _fy(ts) -> str:
    """The financial year ending on (or containing) a date: '2017/18'."""
    t = pd.Timestamp(ts)
    y = t.year if t.month >= 4 else t.year - 1
    return f"{y}/{(y + 1) % 100:02d}"


def _num(v) -> float | None:
    if v is None:
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def _r1(v) -> float | None:
    """Round to one decimal place for a key figure (None stays None)."""
    f = _num(v)
    return None if f is None else round(f, 1)


def _int(v) -> int | None:
    f = _num(v)
    return None if f is None else int(round(f))


# --- formatting and disclosure: everything goes through analysis.stats ---------------------
def _fmt_count(v) -> str:
    from ..report import words as sentences

    return sentences.fmt_count(v)


def _fmt_rate(v) -> str:
    from ..report import words as sentences

    return sentences.fmt_rate(v)


def _fmt_pct(v) -> str:
    from ..report import words as sentences

    return sentences.fmt_percent(v)


def _count_text(v, disclosure: str) -> str:
    """A count for a sentence: in public mode 1–5 is never stated.

    The decision is :func:`analysis.stats.disclosure.label_for_chart`'s; its ``c`` reads as
    "fewer than 6" in a sentence.
    """
    if disclosure == "public":
        from ..stats import disclosure as dc

        label = str(dc.label_for_chart(v, threshold=SMALL))
        return f"fewer than {SMALL + 1}" if label == dc.SUPPRESSED else label
    return _fmt_count(v)


def _describe_change(old, new, what: str, sig, old_label: str, new_label: str, disclosure: str) -> str:
    """'Between <old_label> and <new_label>, <what> rose by 28.5%, from 439 to 564; the rise is …'.

    Worded by :func:`analysis.stats.sentences.describe_change`; in public mode a count from 1 to
    5 is never stated (the sentence then gives the direction only).
    """
    from ..report import words as sentences

    if disclosure == "public" and (_is_small(old) or _is_small(new)):
        verb = "rose" if new > old else ("fell" if new < old else "did not change")
        return f"Between {old_label} and {new_label}, {what} {verb} (small numbers: counts not shown)."
    return f"Between {old_label} and {new_label}, " + sentences.describe_change(old, new, what, significance=sig) + "."


_WORDS = ["no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]


def _things(n: int) -> str:
    """A count of things that are not children (authorities, districts, indicators) in words
    below ten, as in running text ('one', 'eight', '147')."""
    n = int(n)
    return _WORDS[n] if 0 <= n < 10 else f"{n:,}"


def _chart_label(v, disclosure: str) -> str:
    """A count as a chart label: in public mode through the disclosure helper (1–5 -> 'c')."""
    if disclosure == "public":
        from ..stats import disclosure as dc

        return str(dc.label_for_chart(v, threshold=SMALL))
    return _fmt_count(v)


def _is_small(v) -> bool:
    f = _num(v)
    return f is not None and 0 < f <= SMALL


# --------------------------------------------------------------------------- run context
@dataclass
class _Run:
    """Everything one build needs, selected once."""

    ctx: common.Context
    end: pd.Timestamp  # last day of the period
    start: pd.Timestamp  # the 31 March that opened the financial year
    has_local: bool
    region_code: str | None
    region_name: str | None
    neighbours: list[str]
    dfe: pd.DataFrame  # DfE/ONS observations up to the period end, with an ``area`` column
    local_obs: pd.DataFrame  # the area's own (board) observations up to the period end

    @property
    def disclosure(self) -> str:
        return self.ctx.disclosure

    @property
    def name(self) -> str:
        return self.ctx.area_name

    def __post_init__(self) -> None:
        self._by_measure = {m: g for m, g in self.dfe.groupby("measure", sort=False)}
        pop = self._by_measure.get("population_0_17", self.dfe.iloc[0:0])
        pop = pop[(pop["breakdown"] == "total") & pop["value"].notna()]
        self._pop = {(a, int(t.year)): float(v) for a, t, v in zip(pop["area"], pop["period_end"], pop["value"])}
        self._board_plans: pd.DataFrame | None = None

    def local(self, measure, **filters) -> pd.DataFrame:
        """The area's board observations up to the period end (as ``Context.local``, selected
        from the area's rows only, which is much faster than the whole frame)."""
        return data_select(self.local_obs, measure, **filters)

    def dfe_values(self, measure: str, *, breakdown: str = "total", breakdown_value: str | None = None) -> pd.DataFrame:
        """DfE/ONS observations of one measure (up to the period end), with an ``area`` column."""
        d = self._by_measure.get(measure)
        if d is None:
            return self.dfe.iloc[0:0]
        d = d[d["breakdown"] == breakdown]
        if breakdown_value is not None:
            d = d[d["breakdown_value"] == breakdown_value]
        return d

    def population(self, area: str, when) -> float | None:
        """ONS population aged 0–17 used by DfE for a date (None when not in the data)."""
        return self._pop.get((area, population_for(when)))

    def populations(self, when) -> pd.Series:
        """Population aged 0–17 of every area for a date, indexed by area code."""
        year = population_for(when)
        items = {a: v for (a, y), v in self._pop.items() if y == year}
        return pd.Series(items, dtype="float64")

    def board_plans(self) -> pd.DataFrame:
        """The board's children on plans (see :func:`board_plans`), computed once per build."""
        if self._board_plans is None:
            self._board_plans = board_plans(self) if self.has_local else pd.DataFrame()
        return self._board_plans


def _with_area(df: pd.DataFrame) -> pd.DataFrame:
    area = np.where(
        df["geographic_level"] == "National", df["country_code"],
        np.where(df["geographic_level"] == "Regional", df["region_code"], df["new_la_code"]),
    )
    return df.assign(area=pd.Series(area, index=df.index, dtype="str"))


def _run(ctx: common.Context) -> _Run:
    per = ctx.period
    end = pd.Timestamp(per.end)
    start = pd.Timestamp(date(per.start_year, 3, 31))
    region = ctx.ds.region_of(ctx.area_code)
    dfe = ctx.ds.select(
        ["children_on_cp_plan", "population_0_17", "cp_rate_per_10k", "cp_ceased_2yrs_plus_percent",
         "cp_repeat_plans_percent", "cp_plan_starts", "cp_plan_starts_subsequent", "children_in_need",
         "looked_after_children", "looked_after_children_rate_per_10k"],
        source="dfe", up_to=per,
    )
    local_obs = ctx.ds.select(area_code=ctx.area_code, up_to=per)
    local_obs = local_obs[local_obs["source"] != "dfe"]
    return _Run(
        ctx=ctx, end=end, start=start, has_local=ctx.has_local(), region_code=region, local_obs=local_obs,
        region_name=ctx.ds.area_name(region) if region else None,
        neighbours=ctx.ds.statistical_neighbours(ctx.area_code), dfe=_with_area(dfe),
    )


# --------------------------------------------------------------------------- charts
def _date_axis(ax) -> None:
    ax.xaxis.set_major_locator(mdates.YearLocator(month=3, day=31))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("Mar\n%Y"))
    ax.xaxis.set_minor_locator(mdates.MonthLocator(bymonth=(6, 9, 12), bymonthday=-1))


def _sources(*parts: str) -> str:
    """One source note from several ('Source: A; B; C')."""
    out = []
    for p in parts:
        p = p.strip()
        out.append(p[len("Source: "):] if p.startswith("Source: ") else p)
    return "Source: " + "; ".join(out)


def _legend_below(ax, ncol: int = 2, handles=None, labels=None, offset: float = -0.3) -> None:
    """Legend under the plot (the house legend sits to the right and squeezes the plot)."""
    if handles is None:
        handles, labels = ax.get_legend_handles_labels()
    if handles:
        ax.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, offset), ncol=ncol, fontsize=8.5,
                  frameon=False)


def _panels(n: int, ncols: int, panel_height: float, width: float = 10.0, header: float = 0.9):
    """A figure of ``n`` panels under a header row: (fig, header_ax, panel axes).

    :func:`analysis.report.charts.finish` is given the (invisible) header axes, so its subtitle sits
    above all panels and each panel keeps its own title; the legend goes in the header.
    """
    import matplotlib.pyplot as plt

    charts.style()
    nrows = math.ceil(n / ncols)
    fig = plt.figure(figsize=(width, header + panel_height * nrows))
    gs = fig.add_gridspec(nrows + 1, ncols, height_ratios=[header] + [panel_height] * nrows)
    head = fig.add_subplot(gs[0, :])
    head.axis("off")
    axes = [fig.add_subplot(gs[1 + i // ncols, i % ncols]) for i in range(n)]
    return fig, head, axes


def _end_label(ax, x, y, text: str, color: str) -> None:
    """A direct label at the last point of a line (so the legend is not the only key)."""
    ax.annotate(text, (x, y), xytext=(6, 0), textcoords="offset points", va="center", fontsize=8.5, color=color)


# =========================================================================== 1. plans
def board_plans(run: _Run) -> pd.DataFrame:
    """Children on plans at each date in the board's data up to the period end.

    Table 3.1 is the primary series; table 4.2's total is used only for dates 3.1 does not
    print (31 March 2013). Columns: ``period_end``, ``count`` (children, snapshot),
    ``source_table``, ``flags``, ``other_table`` / ``other_value`` (the other table's figure
    where it differs), ``population_year``, ``population`` (ONS 0–17), ``rate`` (per 10,000),
    ``lower``/``upper`` (95%), ``printed_rate`` (table 4.1's county rate, as printed).
    """
    ctx = run.ctx
    df = run.local("children_on_cp_plan", breakdown="total", period_type="snapshot")
    df = df[df["value"].notna()]
    if df.empty:
        return pd.DataFrame()
    t31 = df[df["source_table"] == "3.1"]
    rest = df[(df["source_table"] != "3.1") & ~df["period_end"].isin(t31["period_end"])]
    rest = rest.drop_duplicates("period_end")
    primary = pd.concat([t31, rest]).sort_values("period_end").reset_index(drop=True)
    rows = []
    printed = run.local("cp_rate_per_10k", breakdown="total")
    for r in primary.itertuples(index=False):
        others = df[(df["period_end"] == r.period_end) & (df["source_table"] != r.source_table)
                    & (df["value"] != r.value)]
        pop = run.population(ctx.area_code, r.period_end)
        pr = printed[printed["period_end"] == r.period_end]
        rows.append({
            "period_end": r.period_end, "count": float(r.value), "source_table": r.source_table,
            "flags": r.flags,
            "other_table": ", ".join(others["source_table"]) if not others.empty else "",
            "other_value": float(others["value"].iloc[0]) if not others.empty else np.nan,
            "population_year": population_for(r.period_end), "population": pop if pop is not None else np.nan,
            "printed_rate": float(pr["value"].iloc[0]) if not pr.empty else np.nan,
        })
    out = pd.DataFrame(rows)
    _add_rates(out, "count", "population", ("rate", "lower", "upper"))
    return out


def _add_rates(frame: pd.DataFrame, count: str, population: str, names: tuple[str, str, str]) -> None:
    """Add rate per 10,000 with its 95% limits (Byar's / exact) where the population is known."""
    ok = frame[count].notna() & frame[population].notna()
    for name in names:
        frame[name] = np.nan
    if ok.any():
        t = stats.rate_ci_table(frame.loc[ok, count], frame.loc[ok, population], PER, conf=0.95)
        for name, col in zip(names, ("value", "lower", "upper")):
            frame.loc[ok, name] = t[col].to_numpy()


def plan_changes(run: _Run, series: pd.DataFrame) -> pd.DataFrame:
    """Change in children on plans from each 31 March to the next date a year on (and from the
    opening 31 March to the period end): counts, percent change of the count, rates and the
    exact rate-ratio test (significant at 95% / 99.8%)."""
    if series.empty:
        return pd.DataFrame()
    s = series.set_index("period_end")
    pairs = []
    for t in s.index:
        if t.month == 3 and t.day == 31:
            prev = pd.Timestamp(date(t.year - 1, 3, 31))
            if prev in s.index:
                pairs.append((prev, t))
    if run.end in s.index and run.start in s.index and (run.start, run.end) not in pairs and run.end != run.start:
        pairs.append((run.start, run.end))
    rows = []
    for a, b in pairs:
        x0, x1 = s.at[a, "count"], s.at[b, "count"]
        p0, p1 = s.at[a, "population"], s.at[b, "population"]
        row = {"from": a, "to": b, "old": x0, "new": x1, "difference": x1 - x0, "old_pop": p0, "new_pop": p1,
               "percent_change": float(st_change.percent_change(x0, x1))}
        if not (math.isnan(p0) or math.isnan(p1)):
            cs = st_change.change_significance(x0, x1, p0, p1, kind="rate", multiplier=PER)
            row.update(old_rate=cs.old_value, new_rate=cs.new_value, rate_ratio=cs.effect,
                       rr_lower=cs.lower_95, rr_upper=cs.upper_95,
                       significant_95=bool(cs.significant_95), significant_99_8=bool(cs.significant_99_8))
        rows.append(row)
    return pd.DataFrame(rows)


def _sig_words(sig95, sig998) -> str:
    if sig998:
        return "statistically significant at 99.8%"
    if sig95:
        return "statistically significant at 95% (not at 99.8%)"
    return "not statistically significant at 95%"


def _plans_section(run: _Run, kf: dict, findings: list[str]) -> Section:
    sec = Section("plans", SECTIONS["plans"])
    ctx = run.ctx
    series = run.board_plans()
    if series.empty:
        sec.unavailable = (f"The board's count of children on plans (table 3.1, or 4.2) is not in the data for "
                           f"{run.name} up to {_d(run.end)}. The validated DfE counts at each 31 March are in the "
                           f"next section.")
        return sec
    changes = plan_changes(run, series)
    s = series.set_index("period_end")
    end_row = s.loc[run.end] if run.end in s.index else None
    start_row = s.loc[run.start] if run.start in s.index else None
    if end_row is not None:
        kf["cp_plans_end"] = _int(end_row["count"])
        kf["cp_rate_per_10k_end"] = _r1(end_row["rate"])
        kf["cp_rate_ci_lower"] = _r1(end_row["lower"])
        kf["cp_rate_ci_upper"] = _r1(end_row["upper"])
    if start_row is not None:
        kf["cp_plans_start"] = _int(start_row["count"])
    main = None
    if not changes.empty:
        m = changes[(changes["from"] == run.start) & (changes["to"] == run.end)]
        main = None if m.empty else m.iloc[0]
    if main is not None:
        kf["cp_plans_change_percent"] = _r1(main["percent_change"])
        kf["cp_change_significant_95"] = bool(main.get("significant_95")) if "significant_95" in main else None
        kf["cp_change_significant_99_8"] = bool(main.get("significant_99_8")) if "significant_99_8" in main else None
        sentence = _change_sentence(run, main)
        sec.paragraphs.append(sentence)
        findings.append(sentence)
    elif end_row is None:
        sec.paragraphs.append(f"The board's data has no count of children on plans at {_d(run.end)}, the end of "
                              f"{ctx.period.label}; the latest is at {_d(series['period_end'].max())}.")
    elif start_row is None:
        sec.paragraphs.append(f"The board's data has no count at {_d(run.start)}, so the change over "
                              f"{ctx.period.fy_label} cannot be given.")
    if end_row is not None and not math.isnan(end_row["rate"]):
        sec.paragraphs.append(
            f"At {_d(run.end)} that is {_fmt_rate(end_row['rate'])} children per 10,000 aged 0–17 (95% confidence "
            f"interval {_fmt_rate(end_row['lower'])} to {_fmt_rate(end_row['upper'])}), using the ONS mid-"
            f"{int(end_row['population_year'])} population of {_fmt_count(end_row['population'])}."
            + _printed_rate_note(end_row))
    disc = series[series["other_value"].notna()]
    for r in disc.itertuples(index=False):
        sec.paragraphs.append(
            f"At {_d(r.period_end)} table {r.source_table} prints {_fmt_count(r.count)} children on plans and table "
            f"{r.other_table} prints {_fmt_count(r.other_value)}. This appendix uses table {r.source_table}, the board's "
            f"primary count of children on plans, and does not adjust either (quality finding DQ04).")
    years = series[(series["period_end"].dt.month == 3) & (series["period_end"].dt.day == 31)]
    if len(years) >= 2:
        lo = years.loc[years["count"].idxmin()]
        hi = years.loc[years["count"].idxmax()]
        sec.paragraphs.append(
            f"Across the year ends from {_d(years['period_end'].min())} the count was lowest at {_d(lo['period_end'])} "
            f"({_count_text(lo['count'], run.disclosure)}) and highest at {_d(hi['period_end'])} "
            f"({_count_text(hi['count'], run.disclosure)}).")

    # chart: count and rate over time, with 95% intervals on the rate
    sec.charts.append(_plans_chart(run, series, main))
    sec.tables.append(_changes_table(run, changes))
    return sec


def _printed_rate_note(row: pd.Series) -> str:
    """A sentence when the board's printed rate differs from count ÷ ONS population by more
    than its printed rounding (0.5 for a whole number, 0.05 for one decimal place)."""
    printed, rate = _num(row["printed_rate"]), _num(row["rate"])
    if printed is None or rate is None:
        return ""
    tol = 0.5 if float(printed).is_integer() else 0.05
    if abs(printed - rate) <= tol + 1e-9:
        return ""
    return (f" The board printed {_printed(printed)} per 10,000 in table 4.1, which the count and the ONS population "
            f"do not give (quality finding DQ08): the board may have used another population base.")


def _change_sentence(run: _Run, main: pd.Series) -> str:
    """'Children on child protection plans rose by 28.5%, from 439 … to 564 …; the rise is …'.

    The percentage is the change in the *count* (as the board reports it); the significance
    is the exact test of the two *rates* (the child population changed too).
    """
    sig = None
    if not pd.isna(main.get("old_pop", np.nan)) and not pd.isna(main.get("new_pop", np.nan)):
        sig = st_change.change_significance(main["old"], main["new"], main["old_pop"], main["new_pop"],
                                            kind="rate", multiplier=PER)
    text = _describe_change(main["old"], main["new"], "children on child protection plans", sig,
                            _d(main["from"]), _d(main["to"]), run.disclosure)
    if sig is not None:
        text += (f" Allowing for the change in the child population, the rate went from {_fmt_rate(sig.old_value)} "
                 f"to {_fmt_rate(sig.new_value)} per 10,000 (rate ratio {sig.effect:.2f}, 95% confidence "
                 f"interval {sig.lower_95:.2f} to {sig.upper_95:.2f}).")
    return text


def _plans_chart(run: _Run, series: pd.DataFrame, main) -> tuple[charts.Chart, Table]:
    fig, ax = charts.new_chart(8.5, 5.4)
    ok = series["rate"].notna()
    st = charts.series_style(0)
    x = series.loc[ok, "period_end"]
    y = series.loc[ok, "rate"]
    yerr = np.vstack([y - series.loc[ok, "lower"], series.loc[ok, "upper"] - y])
    ax.errorbar(x, y, yerr=yerr, color=st["color"], marker=st["marker"], linestyle="-", capsize=3,
                label=f"{run.name}: children on plans per 10,000 (board count, 95% CI)")
    pr = series[series["printed_rate"].notna()]
    if not pr.empty:
        st2 = charts.series_style(1)
        ax.plot(pr["period_end"], pr["printed_rate"], linestyle="none", marker="s", markerfacecolor="none",
                color=st2["color"], label="Rate printed by the board (table 4.1)")
    _date_axis(ax)
    last = series.loc[ok].iloc[-1] if ok.any() else None
    if last is not None:
        if not (run.disclosure == "public" and _is_small(last["count"])):
            _end_label(ax, last["period_end"], last["rate"], _fmt_rate(last["rate"]), st["color"])
    if main is not None:
        verb = "rose" if main["new"] > main["old"] else ("fell" if main["new"] < main["old"] else "did not change")
        title = (f"Children on child protection plans {verb} by {_fmt_pct(abs(main['percent_change']))} "
                 f"in {run.ctx.period.fy_label}" if verb != "did not change" else
                 f"Children on child protection plans did not change in {run.ctx.period.fy_label}")
        if run.end != pd.Timestamp(date(run.ctx.period.start_year + 1, 3, 31)):
            title = title.replace(f"in {run.ctx.period.fy_label}", f"from {_dshort(run.start)} to {_dshort(run.end)}")
    else:
        title = f"Children on child protection plans in {run.name}, year ends and quarters"
    sub = "Rate per 10,000 children aged 0–17 (ONS mid-year estimate used by DfE) with 95% confidence intervals"
    ax.set_ylim(bottom=0)
    _legend_below(ax, ncol=1, offset=-0.25)
    chart = charts.finish(
        fig, ax, title=title, subtitle=sub, xlabel="Date (31 March year ends, then quarter ends)",
        ylabel="Per 10,000 children aged 0–17", source=_sources(common.board_source("3.1"), DFE_SOURCE),
        legend=False,
        alt=(f"Line chart of children on child protection plans per 10,000 children in {run.name} from "
             f"{_d(series['period_end'].min())} to {_d(series['period_end'].max())}, with 95% confidence intervals"
             + (f"; the latest rate is {_fmt_rate(last['rate'])} per 10,000." if last is not None else ".")),
    )
    frame = pd.DataFrame({
        "Date": [_dshort(t) for t in series["period_end"]],
        "Children on plans": series["count"],
        "From table": series["source_table"],
        "ONS population (mid-year)": [f"{int(p):,} (mid-{y})" if not pd.isna(p) else "x"
                                      for p, y in zip(series["population"], series["population_year"])],
        "Rate per 10,000": series["rate"],
        "95% lower": series["lower"],
        "95% upper": series["upper"],
        "Rate printed by the board": [_printed(v) for v in series["printed_rate"]],
        "Note": [_row_note(r) for r in series.itertuples(index=False)],
    })
    table = Table(
        title=f"Children on child protection plans, {run.name}", frame=frame,
        implicit_totals=False,
        source=_sources(common.board_source("3.1") + " (31 March 2013: table 4.2)", DFE_SOURCE),
        count_columns=["Children on plans"],
        derived={"Rate per 10,000": "Children on plans", "95% lower": "Children on plans", "95% upper": "Children on plans"},
        formats={"Rate per 10,000": "rate", "95% lower": "rate", "95% upper": "rate", "Rate printed by the board": "text",
                 "From table": "text", "Note": "text", "Date": "text", "ONS population (mid-year)": "text"},
        notes=["Rates: count ÷ ONS mid-year population aged 0–17 × 10,000 (the estimate DfE uses for the date); "
               "intervals: exact Poisson below 10, Byar's method from 10 (PHE)."],
    )
    return chart, table


def _row_note(r) -> str:
    notes = []
    if "unvalidated" in str(r.flags):
        notes.append("not yet validated (report's footnote)")
    if r.other_table and not pd.isna(r.other_value):
        notes.append(f"table {r.other_table} prints {_fmt_count(r.other_value)}")
    return "; ".join(notes)


def _changes_table(run: _Run, changes: pd.DataFrame) -> Table:
    if changes.empty:
        frame = pd.DataFrame(columns=["From", "To"])
    else:
        frame = pd.DataFrame({
            "From": [_dshort(t) for t in changes["from"]],
            "To": [_dshort(t) for t in changes["to"]],
            "Children at start": changes["old"],
            "Children at end": changes["new"],
            "Change (%)": changes["percent_change"],
            "Rate at start": changes.get("old_rate"),
            "Rate at end": changes.get("new_rate"),
            "Rate ratio": changes.get("rate_ratio"),
            "95% lower": changes.get("rr_lower"),
            "95% upper": changes.get("rr_upper"),
            "Significant": [_sig_words(a, b).replace("statistically ", "") for a, b in
                            zip(changes.get("significant_95", [None] * len(changes)),
                                changes.get("significant_99_8", [None] * len(changes)))],
        })
    return Table(
        title="Change in children on plans over each year (and from the opening 31 March to the period end)",
        implicit_totals=False,
        frame=frame, source=_sources(common.board_source("3.1"), DFE_SOURCE),
        count_columns=["Children at start", "Children at end"],
        derived={"Change (%)": "Children at end", "Rate at start": "Children at start", "Rate at end": "Children at end"},
        formats={"Change (%)": "percent", "Rate at start": "rate", "Rate at end": "rate", "Rate ratio": "ratio",
                 "95% lower": "ratio", "95% upper": "ratio", "Significant": "text", "From": "text", "To": "text"},
        notes=["Change (%) is the change in the count. Significance: exact conditional test of the two rates "
               "(rate ratio = rate at end ÷ rate at start); a count of children on plans at a date is not strictly "
               "a count of independent events, so treat the test as a screen for more-than-routine change."],
    )


# =========================================================================== 2. benchmarks
def benchmark_rates(run: _Run) -> pd.DataFrame:
    """Validated DfE children on plans at each 31 March up to the period end, as rates.

    One row per 31 March: the area's count (``count``), population, rate and 95% interval;
    England's and the region's rates; the statistical neighbours' average (``sn_mean``: simple
    mean of their rates, as LAIT; ``sn_pooled``: Σ children ÷ Σ population) and how many
    neighbours had data (``sn_n``); DfE's published LAIT rate for the area (``published_rate``);
    the verdicts of the area against England and against the SN average at 95% and 99.8%.
    All rates are per 10,000 children aged 0–17.
    """
    cp = run.dfe_values("children_on_cp_plan")
    if cp.empty:
        return pd.DataFrame()
    lait = run.dfe_values("cp_rate_per_10k")
    rows = []
    for t in sorted(cp["period_end"].unique()):
        c = cp[(cp["period_end"] == t) & cp["value"].notna()].drop_duplicates("area").set_index("area")["value"]
        pops = run.populations(t)
        if run.ctx.area_code not in c.index or run.ctx.area_code not in pops.index:
            continue

        def rate(a: str) -> float:
            return float(c[a] / pops[a] * PER) if a in c.index and a in pops.index else np.nan

        sn = [a for a in run.neighbours if a in c.index and a in pops.index]
        pub = lait[(lait["period_end"] == t) & (lait["area"] == run.ctx.area_code)]
        rows.append({
            "period_end": pd.Timestamp(t), "count": float(c[run.ctx.area_code]),
            "population": float(pops[run.ctx.area_code]), "population_year": population_for(t),
            "rate": rate(run.ctx.area_code), "england": rate(ENGLAND),
            "region": rate(run.region_code) if run.region_code else np.nan,
            "sn_mean": float(np.mean([rate(a) for a in sn])) if sn else np.nan,
            "sn_pooled": float(c[sn].sum() / pops[sn].sum() * PER) if sn else np.nan,
            "sn_n": len(sn),
            "published_rate": _num(pub["value"].iloc[0]) if not pub.empty else np.nan,
        })
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    lo, hi = stats.rate_ci(out["count"], out["population"], PER, conf=0.95)
    out["lower"], out["upper"] = np.asarray(lo), np.asarray(hi)
    for conf, sfx in ((0.95, "95"), (0.998, "99_8")):
        out[f"vs_england_{sfx}"] = _verdicts(out["count"], out["population"], out["england"], conf)
        out[f"vs_sn_{sfx}"] = _verdicts(out["count"], out["population"], out["sn_mean"], conf)
        out[f"vs_region_{sfx}"] = _verdicts(out["count"], out["population"], out["region"], conf)
    return out


def _verdicts(x: pd.Series, pop: pd.Series, bench: pd.Series, conf: float) -> list:
    ok = bench.notna()
    out: list = [None] * len(x)
    if ok.any():
        v = stats.compare_rate_to_benchmark(x[ok], pop[ok], bench[ok], PER, conf)
        for i, val in zip(np.flatnonzero(ok.to_numpy()), np.asarray(v, dtype=object)):
            out[i] = val
    return out


def _verdict_words(v: str | None, what: str) -> str:
    if v is None:
        return f"cannot be compared with {what}"
    if v == stats.SIMILAR:
        return f"not significantly different from {what}"
    return f"significantly {v} than {what}"


def board_vs_dfe(run: _Run, board: pd.DataFrame, bench: pd.DataFrame) -> pd.DataFrame:
    """The board's count beside the validated DfE count at each 31 March both give."""
    if board.empty or bench.empty:
        return pd.DataFrame()
    m = board[["period_end", "count", "source_table", "flags", "printed_rate"]].merge(
        bench[["period_end", "count", "published_rate", "rate"]], on="period_end", suffixes=("_board", "_dfe"))
    m["difference"] = m["count_board"] - m["count_dfe"]
    return m


def _benchmarks_section(run: _Run, kf: dict, findings: list[str], board: pd.DataFrame) -> Section:
    sec = Section("benchmarks", SECTIONS["benchmarks"])
    bench = benchmark_rates(run)
    if bench.empty:
        sec.unavailable = (f"DfE's validated count of children on plans at 31 March, with the ONS population, is not in "
                           f"the data for {run.name} on or before {_d(run.end)}.")
        return sec
    last = bench.iloc[-1]
    when = _d(last["period_end"])
    kf["cp_rate_dfe_latest_year_end"] = _r1(last["rate"])
    kf["england_cp_rate_per_10k"] = _r1(last["england"])
    kf["region_cp_rate_per_10k"] = _r1(last["region"])
    kf["sn_average_cp_rate_per_10k"] = _r1(last["sn_mean"])
    kf["benchmark_year_end"] = pd.Timestamp(last["period_end"]).date().isoformat()
    # validated figure at the period end (a 31 March), and the board's difference from it
    at_end = bench[bench["period_end"] == run.end]
    kf["cp_plans_dfe_validated_end"] = _int(at_end["count"].iloc[0]) if not at_end.empty else None
    bvd = board_vs_dfe(run, board, bench)
    d_end = bvd[bvd["period_end"] == run.end] if not bvd.empty else bvd
    kf["cp_plans_board_minus_dfe"] = _int(d_end["difference"].iloc[0]) if not d_end.empty else None

    s1 = (f"At {when} (validated DfE figures) {run.name} had {_count_text(last['count'], run.disclosure)} children on "
          f"plans, {_fmt_rate(last['rate'])} per 10,000 children (95% confidence interval {_fmt_rate(last['lower'])} "
          f"to {_fmt_rate(last['upper'])}): {_verdict_words(last['vs_england_95'], 'England (' + _fmt_rate(last['england']) + ')')}")
    if run.region_code and not pd.isna(last["region"]):
        s1 += f", {_verdict_words(last['vs_region_95'], run.region_name + ' (' + _fmt_rate(last['region']) + ')')}"
    if last["sn_n"]:
        s1 += (f" and {_verdict_words(last['vs_sn_95'], 'the average of its ' + _things(last['sn_n']) + ' statistical neighbours (' + _fmt_rate(last['sn_mean']) + ')')}")
    s1 += " (95% level)."
    sec.paragraphs.append(s1)
    findings.append(s1)
    if last["sn_n"]:
        sec.paragraphs.append(
            f"The statistical-neighbour average is the simple mean of the neighbours' rates, as DfE's LAIT "
            f"computes it; pooling their children and populations instead gives {_fmt_rate(last['sn_pooled'])} per "
            f"10,000. The neighbours are DfE's statistical-neighbour model in the data "
            f"({', '.join(run.ctx.ds.area_name(a) for a in run.neighbours)}).")
    if len(bench) >= 2:
        first = bench.iloc[0]
        sec.paragraphs.append(
            f"Since {_d(first['period_end'])} {run.name}'s validated rate has moved from {_fmt_rate(first['rate'])} to "
            f"{_fmt_rate(last['rate'])} per 10,000, England's from {_fmt_rate(first['england'])} to "
            f"{_fmt_rate(last['england'])}" + (f" and the neighbours' average from {_fmt_rate(first['sn_mean'])} to "
                                               f"{_fmt_rate(last['sn_mean'])}." if last["sn_n"] else "."))
    if not run.has_local and len(bench) >= 2:
        prev = bench.iloc[-2]
        cs = st_change.change_significance(prev["count"], last["count"], prev["population"], last["population"],
                                           kind="rate", multiplier=PER)
        s = _describe_change(prev["count"], last["count"], "children on child protection plans (DfE, validated)", cs,
                             _d(prev["period_end"]), when, run.disclosure)
        sec.paragraphs.append(s)
        findings.append(s)
    # board against the validated return
    if not bvd.empty:
        diffs = bvd[bvd["difference"] != 0]
        if d_end is not None and not d_end.empty:
            r = d_end.iloc[0]
            unval = " (marked in the report as not yet validated)" if "unvalidated" in str(r["flags"]) else ""
            s = (f"The board's figure at {_d(run.end)} is {_fmt_count(r['count_board'])}{unval}; DfE's validated return "
                 f"gives {_fmt_count(r['count_dfe'])}, a difference of {int(r['difference']):+d}. Benchmark comparisons use "
                 f"the validated figure; the board's own trend uses its table {r['source_table']}.")
            sec.paragraphs.append(s)
            if r["difference"] != 0:
                findings.append(s)
        elif len(diffs):
            sec.paragraphs.append(f"The board's figures differ from the validated DfE return at {_things(len(diffs))} of "
                                  f"the {_things(len(bvd))} year ends both give (table below).")
        sec.tables.append(_board_vs_dfe_table(run, bvd))
    elif run.has_local:
        sec.paragraphs.append("No date has both a board figure and a validated DfE figure up to the period end.")
    else:
        sec.paragraphs.append(f"There is no board dataset for {run.name}, so only DfE's validated figures are shown.")
    if run.end != pd.Timestamp(last["period_end"]):
        sec.paragraphs.append(f"DfE publishes counts at 31 March only; the latest up to the end of "
                              f"{run.ctx.period.label} is at {when}.")
    sec.charts.append(_benchmark_chart(run, bench, board))
    sec.tables.append(_neighbours_table(run, last["period_end"]))
    return sec


def _benchmark_chart(run: _Run, bench: pd.DataFrame, board: pd.DataFrame) -> tuple[charts.Chart, Table]:
    fig, ax = charts.new_chart(8.5, 5.6)
    x = bench["period_end"]
    st = charts.series_style(0)
    yerr = np.vstack([bench["rate"] - bench["lower"], bench["upper"] - bench["rate"]])
    ax.errorbar(x, bench["rate"], yerr=yerr, color=st["color"], marker=st["marker"], linestyle="-", capsize=3,
                linewidth=2, label=f"{run.name} (DfE validated, 95% CI)")
    lines = [("england", "England")]
    if run.region_code:
        lines.append(("region", run.region_name))
    if bench["sn_n"].max() > 0:
        lines.append(("sn_mean", "Statistical neighbours' average"))
    for i, (col, lab) in enumerate(lines, start=1):
        s = charts.series_style(i)
        ax.plot(x, bench[col], color=s["color"], marker=s["marker"], linestyle=s["linestyle"], label=lab)
    if not board.empty:
        b = board[board["period_end"].isin(x) & board["rate"].notna()]
        if not b.empty:
            ax.plot(b["period_end"], b["rate"], linestyle="none", marker="o", markersize=9, markerfacecolor="none",
                    color=HIGHLIGHT, label="Board's own count (rate)")
    _date_axis(ax)
    last = bench.iloc[-1]
    v = last["vs_england_95"]
    rel = {"higher": "above", "lower": "below"}.get(v, "similar to")
    title = f"{run.name}'s rate of children on plans was {rel} England's at {_d(last['period_end'])}"
    if last["sn_n"] and last["vs_sn_95"] in ("higher", "lower"):
        title += f" and {'above' if last['vs_sn_95'] == 'higher' else 'below'} its neighbours'"
    sub = (f"Children on plans per 10,000 aged 0–17 at 31 March; {_fmt_rate(last['rate'])} against England "
           f"{_fmt_rate(last['england'])} ({v} at 95%)")
    ax.set_ylim(bottom=0)
    _legend_below(ax, ncol=2, offset=-0.25)
    chart = charts.finish(
        fig, ax, title=title, subtitle=sub, xlabel="31 March", ylabel="Per 10,000 children aged 0–17",
        source=DFE_SOURCE + "; DfE statistical neighbours", legend=False,
        alt=(f"Line chart of children on child protection plans per 10,000 at each 31 March from "
             f"{_d(x.iloc[0])} to {_d(x.iloc[-1])} for {run.name} (with 95% confidence intervals), England"
             + (f", {run.region_name}" if run.region_code else "") + " and the statistical neighbours' average. "
             f"At {_d(x.iloc[-1])}: {run.name} {_fmt_rate(last['rate'])}, England {_fmt_rate(last['england'])}."),
    )
    frame = pd.DataFrame({
        "31 March": [_dshort(t) for t in x],
        f"{run.name}: children on plans": bench["count"],
        f"{run.name}: rate": bench["rate"],
        "95% lower": bench["lower"],
        "95% upper": bench["upper"],
        "England": bench["england"],
        (run.region_name or "Region"): bench["region"],
        "Neighbours' average": bench["sn_mean"],
        "Neighbours (pooled)": bench["sn_pooled"],
        "Against England (95%)": [v if v is not None else "x" for v in bench["vs_england_95"]],
        "Against neighbours (95%)": [v if v is not None else "x" for v in bench["vs_sn_95"]],
    })
    cnt = f"{run.name}: children on plans"
    rate_cols = [f"{run.name}: rate", "95% lower", "95% upper", "England", (run.region_name or "Region"),
                 "Neighbours' average", "Neighbours (pooled)"]
    table = Table(
        title="Children on plans per 10,000 at 31 March: area, England, region and statistical neighbours",
        implicit_totals=False,
        frame=frame, source=DFE_SOURCE + "; DfE statistical neighbours", count_columns=[cnt],
        derived={f"{run.name}: rate": cnt, "95% lower": cnt, "95% upper": cnt},
        formats={**{c: "rate" for c in rate_cols}, "31 March": "text", "Against England (95%)": "text",
                 "Against neighbours (95%)": "text"},
        notes=["Rates: DfE count ÷ ONS mid-year population aged 0–17 × 10,000. England and regional counts are "
               "published rounded to the nearest 10. Verdicts: the area's 95% interval against the comparator (PHE)."],
    )
    return chart, table


def _signed(v) -> str:
    """A difference with its sign, as DfE prints changes: '+3', '0', '−1' (x when missing)."""
    f = _num(v)
    if f is None:
        return "x"
    return "0" if f == 0 else f"{'+' if f > 0 else '−'}{abs(f):,.0f}"


def _board_vs_dfe_table(run: _Run, bvd: pd.DataFrame) -> Table:
    frame = pd.DataFrame({
        "31 March": [_dshort(t) for t in bvd["period_end"]],
        "Board's count": bvd["count_board"],
        "Board's table": bvd["source_table"],
        "DfE validated count": bvd["count_dfe"],
        "Board minus DfE": [_signed(v) for v in bvd["difference"]],
        "Board's printed rate": [_printed(v) for v in bvd["printed_rate"]],
        "DfE published rate (LAIT)": bvd["published_rate"],
        "Note": ["board marks it not yet validated" if "unvalidated" in str(f) else "" for f in bvd["flags"]],
    })
    return Table(
        title=f"The board's count of children on plans against DfE's validated return, {run.name}",
        frame=frame, source=_sources(common.board_source("3.1"), DFE_SOURCE),
        count_columns=["Board's count", "DfE validated count"],
        formats={"Board minus DfE": "text", "Board's printed rate": "text", "DfE published rate (LAIT)": "rate",
                 "31 March": "text", "Board's table": "text", "Note": "text"},
        notes=["Board minus DfE is a difference between two published totals, not a count of children, so it is "
               "shown (with its sign) in public mode too.",
               "The board's quarterly data is its own return; DfE's figure is the validated CIN census."],
    )


def _neighbours_table(run: _Run, when) -> Table:
    cp = run.dfe_values("children_on_cp_plan")
    cp = cp[cp["period_end"] == when].drop_duplicates("area").set_index("area")["value"]
    pops = run.populations(when)
    codes = [run.ctx.area_code] + run.neighbours
    x = pd.Series([cp.get(a, np.nan) for a in codes], dtype="float64")
    p = pd.Series([pops.get(a, np.nan) for a in codes], dtype="float64")
    ok = x.notna() & p.notna()
    rate = pd.Series(np.nan, index=x.index)
    lo = pd.Series(np.nan, index=x.index)
    hi = pd.Series(np.nan, index=x.index)
    if ok.any():
        t = stats.rate_ci_table(x[ok], p[ok], PER, conf=0.95)
        rate[ok], lo[ok], hi[ok] = t["value"].to_numpy(), t["lower"].to_numpy(), t["upper"].to_numpy()
    frame = pd.DataFrame({
        "Local authority": [run.ctx.ds.area_name(a) + (" (this area)" if a == run.ctx.area_code else "") for a in codes],
        "Children on plans": x, "Children aged 0–17": p, "Rate per 10,000": rate, "95% lower": lo, "95% upper": hi,
    })
    return Table(
        title=f"{run.name} and its statistical neighbours at {_d(when)}", frame=frame,
        implicit_totals=False,
        source=DFE_SOURCE + "; DfE statistical neighbours", count_columns=["Children on plans"],
        derived={"Rate per 10,000": "Children on plans", "95% lower": "Children on plans", "95% upper": "Children on plans"},
        formats={"Children aged 0–17": "count", "Rate per 10,000": "rate", "95% lower": "rate", "95% upper": "rate",
                 "Local authority": "text"},
    )


# =========================================================================== 3. funnel
@dataclass
class FunnelData:
    """Every English LA's children on plans at one 31 March, placed on a rate funnel."""

    when: pd.Timestamp
    england_rate: float  # per 10,000: England's count ÷ England's population
    table: pd.DataFrame  # one row per LA: code, name, count, population, classification columns
    od: dict | None  # Spiegelhalter additive overdispersion applied in the ``od_*`` columns
    excluded: list[str]  # LAs without a count or population (suppressed or not published)


def funnel_data(run: _Run) -> FunnelData | None:
    """Latest 31 March on or before the period end with DfE counts for the LAs; None if none."""
    cp = run.dfe_values("children_on_cp_plan")
    la = cp[cp["geographic_level"] == "Local authority"]
    if la.empty:
        return None
    when = pd.Timestamp(la["period_end"].max())
    la = la[la["period_end"] == when].drop_duplicates("area")
    pops = run.populations(when)
    eng = cp[(cp["period_end"] == when) & (cp["area"] == ENGLAND)]
    if eng.empty or ENGLAND not in pops.index or pd.isna(eng["value"].iloc[0]):
        return None
    england_rate = float(eng["value"].iloc[0] / pops[ENGLAND] * PER)
    df = pd.DataFrame({"code": la["area"].to_numpy(), "name": la["la_name"].to_numpy(),
                       "count": la["value"].to_numpy(dtype="float64")})
    df["population"] = [float(pops.get(c, np.nan)) for c in df["code"]]
    ok = df["count"].notna() & df["population"].notna() & (df["population"] > 0)
    excluded = sorted(df.loc[~ok, "name"].tolist())
    df = df[ok].reset_index(drop=True)
    df["rate"] = df["count"] / df["population"] * PER
    # Position of every LA: outside the exact Poisson funnel limits at a level is the same as
    # its exact Poisson interval excluding the England rate (analysis.stats.funnel docstring);
    # the interval form is vectorised, so it is used for all LAs, and classify_funnel (which
    # solves for the limits at each population) only for the LAs the table lists.
    pos = {}
    for conf, key in ((0.95, "95"), (0.998, "99_8")):
        lo, hi = stats.exact_poisson_ci(df["count"], conf)
        pos[key] = np.asarray(stats.verdict_from_interval(np.asarray(lo) / df["population"] * PER,
                                                          np.asarray(hi) / df["population"] * PER, england_rate),
                              dtype=object)
    position = np.full(len(df), "inside 95% limits", dtype=object)
    position[pos["95"] == stats.HIGHER] = "above 95% limit"
    position[pos["95"] == stats.LOWER] = "below 95% limit"
    position[pos["99_8"] == stats.HIGHER] = "above 99.8% limit"
    position[pos["99_8"] == stats.LOWER] = "below 99.8% limit"
    df["position"] = position
    df["is_area"] = df["code"] == run.ctx.area_code
    df["is_neighbour"] = df["code"].isin(run.neighbours)
    shown = df["is_area"] | df["is_neighbour"]
    for c in ("lower_95", "upper_95", "lower_99_8", "upper_99_8"):
        df[c] = np.nan
    if shown.any():
        cl = st_funnel.classify_funnel(df.loc[shown, "count"], df.loc[shown, "population"], kind="rate",
                                       benchmark=england_rate, multiplier=PER)
        for c in ("lower_95", "upper_95", "lower_99_8", "upper_99_8"):
            df.loc[shown, c] = cl[c].to_numpy()
        df.loc[shown, "position"] = cl["position"].to_numpy()
    od_info = None
    try:  # Spiegelhalter's additive overdispersion, estimated from every LA (analytic limits)
        od = st_funnel.classify_funnel(df["count"], df["population"], kind="rate", benchmark=england_rate,
                                       multiplier=PER, overdispersion_method="additive")
        od_info = od.attrs.get("overdispersion")
        df["od_position"] = od["position"].to_numpy()
    except ValueError:  # too few areas for an overdispersion estimate
        pass
    return FunnelData(when, england_rate, df, od_info, excluded)


def _funnel_section(run: _Run, kf: dict, findings: list[str]) -> Section:
    sec = Section("funnel", SECTIONS["funnel"])
    fd = funnel_data(run)
    if fd is None:
        sec.unavailable = (f"DfE's counts of children on plans for every LA at a 31 March on or before {_d(run.end)} "
                           f"are not in the data.")
        return sec
    t = fd.table
    n = len(t)
    above = int(t["position"].eq("above 99.8% limit").sum())
    below = int(t["position"].eq("below 99.8% limit").sum())
    area = t[t["is_area"]]
    sec.paragraphs.append(
        f"Each point is one of {n} English local authorities at {_d(fd.when)}: its rate of children on plans per "
        f"10,000 against its child population. The centre line is England's rate ({_fmt_rate(fd.england_rate)}); "
        f"the limits show how far a rate can sit from it by chance alone, given the authority's size (exact Poisson "
        f"limits at 95% and 99.8%).")
    chance = 0.002 * n
    sec.paragraphs.append(
        f"{_things(above).capitalize()} authorities lie above the 99.8% limit and {_things(below)} below it, where "
        f"chance alone would put about "
        f"{chance:.1f} in total: most of the spread between authorities is real variation in practice, need and "
        f"thresholds, not chance."
        + (f" Allowing for that variation (Spiegelhalter's additive method, τ² = {fd.od['tau2']:.4f} on the "
           f"square-root scale), the dash-dot lines give wider 99.8% limits." if fd.od else ""))
    if fd.excluded:
        sec.paragraphs.append(f"Not plotted (no published count or population): {', '.join(fd.excluded)}.")
    if not area.empty:
        a = area.iloc[0]
        kf["funnel_position"] = a["position"]
        kf["funnel_position_overdispersed"] = a.get("od_position") if "od_position" in t.columns else None
        s = (f"Among all English authorities at {_d(fd.when)}, {run.name}'s rate ({_fmt_rate(a['rate'])} per 10,000) "
             f"lies {_position_words(a['position'])} of the funnel around England's {_fmt_rate(fd.england_rate)}")
        if "od_position" in t.columns:
            s += f"; allowing for the real variation between authorities it lies {_position_words(a['od_position'])}"
        s += "."
        sec.paragraphs.append(s)
        findings.append(s)
        nb = t[t["is_neighbour"]]
        if not nb.empty:
            counts = nb["position"].value_counts()
            sec.paragraphs.append("Its statistical neighbours: " + "; ".join(
                f"{_things(v)} {_position_words(k)}" for k, v in counts.items()) + ".")
    else:
        sec.paragraphs.append(f"{run.name} has no published count at {_d(fd.when)}, so it is not marked.")
    sec.charts.append(_funnel_chart(run, fd))
    return sec


def _position_words(position: str) -> str:
    """'above 99.8% limit' -> 'above the 99.8% limit'; 'inside 95% limits' -> 'inside the 95% limits'."""
    return str(position).replace("inside 95% limits", "inside the 95% limits").replace(" 95% limit", " the 95% limit") \
        .replace(" 99.8% limit", " the 99.8% limit").replace("the the", "the")


def _funnel_chart(run: _Run, fd: FunnelData) -> tuple[charts.Chart, Table]:
    t = fd.table
    fig, ax = charts.new_chart(9.0, 6.2)
    pmin = max(float(t["population"].min()) * 0.8, 100.0)
    pmax = float(t["population"].max()) * 1.15
    curve = st_funnel.funnel_curve(pmin, pmax, fd.england_rate, kind="rate", multiplier=PER, n_points=48)
    ax.plot(curve["denominator"], curve["centre"], color="#000000", linewidth=1.2,
            label=f"England {_fmt_rate(fd.england_rate)}")
    ax.plot(curve["denominator"], curve["upper_95"], color="#555555", linestyle="--", linewidth=1, label="95% limits")
    ax.plot(curve["denominator"], curve["lower_95"], color="#555555", linestyle="--", linewidth=1)
    ax.plot(curve["denominator"], curve["upper_99_8"], color="#555555", linestyle=":", linewidth=1.4, label="99.8% limits")
    ax.plot(curve["denominator"], curve["lower_99_8"], color="#555555", linestyle=":", linewidth=1.4)
    if fd.od:
        odc = st_funnel.funnel_curve(pmin, pmax, fd.england_rate, kind="rate", multiplier=PER,
                                     levels=(0.998,), n_points=48, tau2=fd.od["tau2"])
        ax.plot(odc["denominator"], odc["upper_99_8"], color=PALETTE[2], linestyle="-.", linewidth=1.2,
                label="99.8% limits allowing for between-LA variation")
        ax.plot(odc["denominator"], odc["lower_99_8"], color=PALETTE[2], linestyle="-.", linewidth=1.2)
    other = t[~t["is_area"] & ~t["is_neighbour"]]
    ax.scatter(other["population"], other["rate"], s=14, color=NEUTRAL, alpha=0.6, marker="o", label="Other English LAs",
               zorder=2)
    nb = t[t["is_neighbour"]].sort_values("rate", ascending=False)
    ax.scatter(nb["population"], nb["rate"], s=46, color=PALETTE[0], marker="D", edgecolor="white",
               label="Statistical neighbours (N1, N2 … as in the table)", zorder=3)
    for k, r in enumerate(nb.itertuples(index=False), start=1):
        ax.annotate(f"N{k}", (r.population, r.rate), xytext=(4, 2), textcoords="offset points", fontsize=8,
                    fontweight="bold", color=PALETTE[0])
    ar = t[t["is_area"]]
    if not ar.empty:
        a = ar.iloc[0]
        ax.scatter([a["population"]], [a["rate"]], s=180, color=HIGHLIGHT, marker="*", edgecolor="black",
                   label=run.name, zorder=4)
        ax.annotate(run.name, (a["population"], a["rate"]), xytext=(6, 6), textcoords="offset points", fontsize=9,
                    fontweight="bold", color="#000000")
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    ymax = float(np.nanpercentile(t["rate"], 99.5)) * 1.15
    ax.set_ylim(0, max(ymax, float(ar["rate"].max()) * 1.2 if not ar.empty else ymax))
    if not ar.empty:
        a = ar.iloc[0]
        word = {"above": "above", "below": "below"}.get(str(a["position"]).split(" ")[0], "within")
        title = (f"{run.name}'s rate of children on plans was {word} the funnel limits around England's "
                 f"at {_d(fd.when)}" if word != "within" else
                 f"{run.name}'s rate of children on plans was within the funnel limits around England's at {_d(fd.when)}")
        sub = f"{_fmt_rate(a['rate'])} per 10,000 against England's {_fmt_rate(fd.england_rate)}; {a['position']}"
    else:
        title = f"Children on plans per 10,000 in every English local authority at {_d(fd.when)}"
        sub = f"England {_fmt_rate(fd.england_rate)} per 10,000"
    _legend_below(ax, ncol=2, offset=-0.16)
    chart = charts.finish(
        fig, ax, title=title, subtitle=sub,
        xlabel="Children aged 0–17 (ONS mid-year estimate; log scale)",
        ylabel="Children on plans per 10,000 aged 0–17", source=DFE_SOURCE, legend=False,
        alt=(f"Funnel plot of {len(t)} English local authorities' rates of children on child protection plans per "
             f"10,000 at {_d(fd.when)} against their child population, with England's rate "
             f"{_fmt_rate(fd.england_rate)} and 95% and 99.8% limits. {run.name} is marked with a star"
             + (f" at {_fmt_rate(ar.iloc[0]['rate'])} ({ar.iloc[0]['position']})" if not ar.empty else "")
             + f"; its statistical neighbours with diamonds labelled N1 to N{int(t['is_neighbour'].sum())} as in the table."),
    )
    sel = t[t["is_area"] | t["is_neighbour"]].copy()
    sel = pd.concat([sel[sel["is_area"]], sel[~sel["is_area"]].sort_values("rate", ascending=False)])
    refs = ["★" if a else f"N{k}" for a, k in zip(sel["is_area"], np.cumsum(~sel["is_area"].to_numpy()))]
    frame = pd.DataFrame({
        "On chart": refs,
        "Local authority": [n + (" (this area)" if a else "") for n, a in zip(sel["name"], sel["is_area"])],
        "Children on plans": sel["count"].to_numpy(),
        "Children aged 0–17": sel["population"].to_numpy(),
        "Rate per 10,000": sel["rate"].to_numpy(),
        "99.8% lower limit": sel["lower_99_8"].to_numpy(),
        "99.8% upper limit": sel["upper_99_8"].to_numpy(),
        "Position": sel["position"].to_numpy(),
    })
    if "od_position" in sel.columns:
        frame["Allowing for between-LA variation"] = sel["od_position"].to_numpy()
    table = Table(
        title=f"Where {run.name} and its statistical neighbours sit on the funnel at {_d(fd.when)}", frame=frame,
        implicit_totals=False,
        source=DFE_SOURCE, count_columns=["Children on plans"], derived={"Rate per 10,000": "Children on plans"},
        formats={"Children aged 0–17": "count", "Rate per 10,000": "rate", "99.8% lower limit": "rate",
                 "99.8% upper limit": "rate", "Position": "text", "Local authority": "text", "On chart": "text",
                 "Allowing for between-LA variation": "text"},
        notes=[f"Centre: England's rate {_fmt_rate(fd.england_rate)} per 10,000 (England's count ÷ population). "
               f"{len(t)} local authorities plotted."],
    )
    return chart, table



# =========================================================================== 4. districts
def district_rates(run: _Run) -> pd.DataFrame:
    """Table 4.1 as printed: rows = districts (then the area's own printed rate), columns = dates.

    Values are rates per 10,000 children as the board printed them (no counts or district
    populations are published, so no intervals can be computed).
    """
    d = run.local("cp_rate_per_10k", breakdown=["district", "total"])
    d = d[d["period_type"] == "snapshot"]
    if d.empty or not (d["breakdown"] == "district").any():
        return pd.DataFrame()
    d = d.assign(label=np.where(d["breakdown"] == "total", run.name + " (as printed)", d["breakdown_value"]))
    order = list(dict.fromkeys(d.loc[d["breakdown"] == "district", "label"])) + [run.name + " (as printed)"]
    wide = d.pivot_table(index="label", columns="period_end", values="value", aggfunc="first")
    return wide.reindex([o for o in order if o in wide.index])


def _printed(v) -> str:
    """A rate as the board printed it (61, 49.8), x when missing."""
    f = _num(v)
    return "x" if f is None else f"{f:,.10g}"


def _districts_section(run: _Run, findings: list[str]) -> Section:
    sec = Section("districts", SECTIONS["districts"])
    wide = district_rates(run) if run.has_local else pd.DataFrame()
    if wide.empty:
        sec.unavailable = (f"The board's table of plans per 10,000 by district (table 4.1) is not in the data for "
                           f"{run.name} up to {_d(run.end)}.")
        return sec
    total_label = run.name + " (as printed)"
    dist = wide.drop(index=[total_label], errors="ignore")
    last = dist.columns.max()
    cur = dist[last].dropna().sort_values(ascending=False)
    sec.paragraphs.append(
        "The report prints district rates per 10,000 children but neither the counts nor the district populations "
        "behind them, so no confidence intervals or significance tests can be given: differences of a few per "
        "10,000 between districts, or from one quarter to the next, may be chance. Supplying district populations "
        "(ONS mid-year estimates aged 0–17) and counts would allow intervals and a funnel plot.")
    if len(cur) >= 2:
        s = (f"At {_d(last)} the highest printed district rate was {cur.index[0]} ({_printed(cur.iloc[0])} per 10,000) "
             f"and the lowest {cur.index[-1]} ({_printed(cur.iloc[-1])}), a {cur.iloc[0] / cur.iloc[-1]:.1f}-fold "
             f"difference (rates as printed; no interval can be given).")
        sec.paragraphs.append(s)
        findings.append(s)
    if run.start in dist.columns and last != run.start:
        ch = (dist[last] - dist[run.start]).dropna().sort_values()
        if not ch.empty:
            sec.paragraphs.append(
                f"From {_d(run.start)} to {_d(last)} the biggest rise was in {ch.index[-1]} "
                f"({ch.iloc[-1]:+.0f} per 10,000) and the "
                + (f"biggest fall in {ch.index[0]} ({ch.iloc[0]:+.0f})." if ch.iloc[0] < 0 else
                   f"smallest change in {ch.index[0]} ({ch.iloc[0]:+.0f})."))
    fig, ax = charts.new_chart(8.5, 5.6)
    for i, (name, row) in enumerate(dist.iterrows()):
        s = charts.series_style(i)
        r = row.dropna()
        ax.plot(r.index, r.to_numpy(), color=s["color"], marker=s["marker"], linestyle=s["linestyle"], label=name)
    if total_label in wide.index:
        r = wide.loc[total_label].dropna()
        ax.plot(r.index, r.to_numpy(), color="#000000", linewidth=2.4, marker="o", label=total_label)
    _date_axis(ax)
    title = (f"{cur.index[0]} had the highest rate of children on plans at {_d(last)}" if len(cur) >= 1
             else "Children on plans per 10,000 by district")
    ax.set_ylim(bottom=0)
    _legend_below(ax, ncol=3, offset=-0.25)
    chart = charts.finish(
        fig, ax, title=title,
        subtitle="Children on plans per 10,000 aged 0–17, as printed by the board (no intervals: populations not published)",
        xlabel="Date (31 March year ends, then quarter ends)", ylabel="Children on plans per 10,000",
        source=common.board_source("4.1"), legend=False,
        alt=(f"Line chart of children on plans per 10,000 in each of {_things(len(dist))} districts of {run.name} from "
             f"{_d(wide.columns.min())} to {_d(last)}; at {_d(last)} "
             + "; ".join(f"{k} {_printed(v)}" for k, v in cur.items()) + "."),
    )
    frame = wide.map(_printed)
    frame.columns = [_dshort(c) for c in frame.columns]
    frame = frame.reset_index().rename(columns={"label": "District"})
    table = Table(
        title=f"Children on plans per 10,000 by district, {run.name} (as printed)", frame=frame,
        source=common.board_source("4.1"), formats={c: "text" for c in frame.columns},
        notes=["Rates as printed by the board (whole numbers, except one value printed to one decimal place)."],
    )
    sec.charts.append((chart, table))
    return sec


# =========================================================================== 5. mix
MIX = {
    "cp_category": ("category of abuse", "Category of abuse"),
    "age": ("age", "Age group"),
    "gender": ("gender", "Gender"),
}


def mix_counts(run: _Run, breakdown: str) -> pd.DataFrame:
    """Children on plans by one breakdown of table 4.2: rows = groups in printed order, then
    ``Total`` (the table's own total row), columns = dates (snapshots). Counts of children."""
    d = run.local("children_on_cp_plan", breakdown=breakdown, period_type="snapshot")
    d = d[d["breakdown_value"] != "Total"]
    if d.empty:
        return pd.DataFrame()
    tables = d["source_table"].unique().tolist()
    tot = run.local("children_on_cp_plan", breakdown="total", period_type="snapshot", source_table=tables)
    order = list(dict.fromkeys(d.sort_values("source_row")["breakdown_value"]))
    wide = d.pivot_table(index="breakdown_value", columns="period_end", values="value", aggfunc="first").reindex(order)
    total = tot.drop_duplicates("period_end").set_index("period_end")["value"].reindex(wide.columns)
    wide.loc["Total"] = total
    return wide


def suppressed_mask(wide: pd.DataFrame, disclosure: str, published: dict[str, pd.Series] | None = None) -> pd.DataFrame:
    """Which cells of a counts table (groups × dates, last row ``Total``) public mode hides.

    Primary (1–5) and secondary suppression by :func:`analysis.stats.disclosure.suppression_mask`
    down each date's column against its ``Total`` (a row across dates is not a sum, so no
    implicit row totals), so a share or a chart point derived from a hidden count is hidden too.

    ``published``: rows already shown in full in another table (e.g. unborn children appear in
    both the age and the gender breakdowns of table 4.2). Such a row is known to the reader, so
    it cannot serve as the secondary suppression: it is taken out of the table and off the total
    before the suppression is chosen, and another cell is hidden instead.
    """
    mask = pd.DataFrame(False, index=wide.index, columns=wide.columns)
    if disclosure != "public" or wide.empty:
        return mask
    from ..stats import disclosure as dc

    known = [g for g, v in (published or {}).items()
             if g in wide.index and g != "Total" and wide.loc[g].equals(v.reindex(wide.columns))]
    work = wide.drop(index=known)
    if known:
        work.loc["Total"] = wide.loc["Total"] - wide.loc[known].sum()
    m = dc.suppression_mask(work, threshold=SMALL, total_row="Total", implicit_totals=False)
    m = m.reindex(index=wide.index, columns=wide.columns).fillna(False).astype(bool)
    m.loc["Total"] = False if "Total" in m.index and not m.loc["Total"].any() else m.loc["Total"]
    return m


def _mix_section(run: _Run, findings: list[str]) -> Section:
    sec = Section("mix", SECTIONS["mix"])
    if not run.has_local:
        sec.unavailable = (f"The board's demographic table of children on plans (table 4.2) is not in the data for "
                           f"{run.name}.")
        return sec
    missing = []
    panels = []
    published: dict[str, pd.Series] = {}  # rows shown in full so far (unborn: in age and gender)
    for bd, (what, label) in MIX.items():
        wide = mix_counts(run, bd)
        if wide.empty:
            missing.append(what)
            continue
        groups = wide.drop(index="Total")
        total = wide.loc["Total"]
        shares = groups.div(total, axis=1) * 100
        mask = suppressed_mask(wide, run.disclosure, published)
        for g in groups.index:
            if not mask.loc[g].any() and g not in published:
                published[g] = wide.loc[g]
        last = wide.columns.max()
        # words: the largest group now, and the biggest change in share since the opening 31 March
        cur = shares[last].where(~mask.loc[groups.index, last]).dropna().sort_values(ascending=False)
        if not cur.empty:
            top = cur.index[0]
            s = (f"By {what}, at {_d(last)} the largest group was {_group_words(bd, top)} "
                 f"({_fmt_pct(cur.iloc[0])} of {_count_text(total[last], run.disclosure)} children on plans in table 4.2).")
            if run.start in shares.columns and last != run.start:
                moved = []
                for g in groups.index:
                    if mask.at[g, last] or mask.at[g, run.start] or pd.isna(groups.at[g, last]) or pd.isna(groups.at[g, run.start]):
                        continue
                    if groups.at[g, last] == 0 and groups.at[g, run.start] == 0:
                        continue
                    cs = st_change.change_significance(groups.at[g, run.start], groups.at[g, last], total[run.start],
                                                       total[last], kind="proportion")
                    moved.append((abs(cs.effect), g, cs))
                if moved:
                    _, g, cs = max(moved, key=lambda m: m[0])
                    s += (f" The biggest shift since {_d(run.start)} was in {_group_words(bd, g)}: "
                          f"{_fmt_pct(cs.old_value)} to {_fmt_pct(cs.new_value)} ({cs.effect:+.1f} percentage points, "
                          f"95% confidence interval {cs.lower_95:+.1f} to {cs.upper_95:+.1f}; "
                          f"{_sig_words(cs.significant_95, cs.significant_99_8)}).")
            sec.paragraphs.append(s)
            if bd == "cp_category":
                findings.append(s)
        panels.append((bd, what, label, groups, shares, mask))
        sec.tables.append(_mix_count_table(run, bd, label, wide, mask))
    if missing and len(missing) == len(MIX):
        sec.unavailable = f"Table 4.2's breakdowns are not in the data for {run.name} up to {_d(run.end)}."
        return sec
    if missing:
        sec.paragraphs.append(f"Not in the data: children on plans by {', '.join(missing)}.")
    if panels:
        sec.charts.insert(0, _mix_chart(run, panels))
    sec.paragraphs.append(
        "Shares are of table 4.2's own total at each date (where that total differs from table 3.1's, the difference is "
        "a data-quality finding). Shares with 95% confidence intervals for the change use Newcombe's method; children "
        "counted as unborn appear in both the age and the gender breakdowns.")
    return sec


def _group_words(bd: str, g: str) -> str:
    """How a group reads mid-sentence ('emotional abuse', 'children aged 5 to 9', 'males')."""
    if bd == "age":
        return "unborn children" if g == "Unborn" else (f"children aged {g}" if g[0].isdigit() else g.lower())
    if bd == "gender":
        return {"Male": "boys", "Female": "girls", "Unborn": "unborn children"}.get(g, g.lower())
    return g.lower() if g != "Multiple" else "multiple categories"


def _mix_chart(run: _Run, panels: list) -> tuple[charts.Chart, Table]:
    """Shares of children on plans by category, age and gender over time (one panel each)."""
    fig, head, flat = _panels(len(panels), 1, 3.4, width=9.5, header=0.15)
    tops = []
    hidden = False
    dropped_all = []
    for ax, (bd, what, label, groups, shares, mask) in zip(flat, panels):
        plotted = [g for g in groups.index if (groups.loc[g].fillna(0) > 0).any()]
        dropped_all += [f"{g} ({what})" for g in groups.index if g not in plotted]
        for i, g in enumerate(plotted):
            st = charts.series_style(i)
            y = shares.loc[g].where(~mask.loc[g])  # public mode: no point for a hidden count
            hidden = hidden or bool(mask.loc[g].any())
            ax.plot(y.index, y.to_numpy(), color=st["color"], marker=st["marker"], linestyle=st["linestyle"], label=g,
                    markersize=5)
        last = shares.columns.max()
        cur = shares[last].where(~mask.loc[groups.index, last]).dropna().sort_values(ascending=False)
        if not cur.empty:
            tops.append(f"{cur.index[0].lower() if bd == 'cp_category' else _group_words(bd, cur.index[0])} ({what})")
        ax.set_title(f"By {what}", loc="left", fontsize=10, fontweight="bold")
        ax.set_ylabel("% of children on plans")
        ax.set_ylim(bottom=0)
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, title=label, title_fontsize=8)
        _date_axis(ax)
    flat[-1].set_xlabel("Date (31 March year ends, then quarter ends)")
    last = max(p[4].columns.max() for p in panels)
    title = f"Largest groups of children on plans at {_d(last)}: " + ", ".join(tops)
    sub = "Percentage of children on plans at each date (table 4.2's total)"
    if hidden:
        sub += "; points hidden where the count is suppressed"
    chart = charts.finish(
        fig, head, title=title, subtitle=sub, xlabel="", ylabel="",
        source=common.board_source("4.2"), legend=False,
        alt=(f"Line charts of the percentage of children on plans by "
             + ", ".join(p[1] for p in panels) + f" from {_d(panels[0][4].columns.min())} to {_d(last)}. "
             + "Largest at the last date: " + ", ".join(tops) + "."
             + (f" Not drawn (zero at every date): {', '.join(dropped_all)}." if dropped_all else "")),
    )
    rows = []
    for bd, what, label, groups, shares, mask in panels:
        for g in groups.index:
            row = {"Breakdown": what.capitalize(), "Group": g}
            for c in shares.columns:
                row[_dshort(c)] = "c" if bool(mask.at[g, c]) else shares.at[g, c]
            rows.append(row)
    frame = pd.DataFrame(rows)
    return chart, Table(
        title="Share of children on plans by category of abuse, age and gender (%)", frame=frame,
        source=common.board_source("4.2"),
        formats={c: "percent" for c in frame.columns if c not in ("Breakdown", "Group")} | {"Breakdown": "text", "Group": "text"},
        notes=["Share = group count ÷ table 4.2's total at the date × 100."]
        + (["c = share of a suppressed count (public mode)."] if hidden else []),
    )


def _mix_count_table(run: _Run, bd: str, label: str, wide: pd.DataFrame, mask: pd.DataFrame) -> Table:
    """Counts by group and date, with the table's total row. In public mode the suppression is
    applied here (the same mask as the shares and the chart), so the counts and the shares
    can never disagree about what is hidden."""
    frame = wide.astype(object).where(~mask, "c")
    frame.columns = [_dshort(c) for c in frame.columns]
    frame = frame.reset_index()
    frame = frame.rename(columns={frame.columns[0]: label})
    dates = [c for c in frame.columns if c != label]
    return Table(
        title=f"Children on plans by {MIX[bd][0]} (counts)", frame=frame, source=common.board_source("4.2"),
        formats={label: "text"} | {c: "count" for c in dates}, total_row="Total",
        notes=(["c = suppressed to protect confidentiality (1 to 5, or a count that would reveal one); 0 is a true zero."]
               if mask.to_numpy().any() else []),
    )


# =========================================================================== 6. indicators
def indicator_series(run: _Run, measure: str) -> pd.DataFrame:
    """The points of one table-4.3 indicator that form its SPC series (percent).

    Completed financial years (``financial_year``) and then the current financial year's
    year-to-date values (``cumulative_from_april``) at each quarter end up to the period end.
    Columns: ``period_end``, ``value``, ``point`` (label), ``kind`` ("year" / "year to date").
    """
    d = run.local(measure, breakdown="total")
    d = d[d["value"].notna()]
    if d.empty:
        return pd.DataFrame()
    cur_fy = run.ctx.period.time_period
    years = d[d["period_type"] == "financial_year"]
    ytd = d[(d["period_type"] == "cumulative_from_april") & (d["time_period"] == cur_fy)]
    # a past year printed only as year-to-date figures: its 31 March value is the whole year
    cum = d[(d["period_type"] == "cumulative_from_april") & (d["time_period"] != cur_fy)]
    full = cum[(cum["period_end"].dt.month == 3) & (cum["period_end"].dt.day == 31)
               & ~cum["time_period"].isin(years["time_period"])]
    years = pd.concat([years, full.assign(period_type="financial_year")])
    years = years[~years["time_period"].isin(ytd["time_period"])]
    out = pd.concat([years, ytd]).sort_values("period_end")
    return pd.DataFrame({
        "period_end": out["period_end"].to_numpy(),
        "value": out["value"].to_numpy(dtype="float64"),
        "point": [(_fy(e) if pt == "financial_year" else f"{_fy(e)} to {_dshort(e)}")
                  for e, pt in zip(out["period_end"], out["period_type"])],
        "kind": ["year" if pt == "financial_year" else "year to date" for pt in out["period_type"]],
    })


def _spc(values: pd.Series, polarity: str | None):
    """Making Data Count XmR over a short series (analysis.stats.spc)."""
    from ..stats import spc

    return spc.xmr(values, polarity=polarity)


def _indicators_section(run: _Run, kf: dict, findings: list[str]) -> Section:
    sec = Section("indicators", SECTIONS["indicators"])
    if not run.has_local:
        sec.unavailable = (f"The board's performance indicators (table 4.3) are not in the data for {run.name}. "
                           f"DfE's validated values are in the table below.")
    summary_rows = []
    panels = []
    any_series = False
    for measure, spec in INDICATORS.items():
        ser = indicator_series(run, measure) if run.has_local else pd.DataFrame()
        dfe_area, dfe_eng = _dfe_indicator(run, spec["dfe"])
        if ser.empty:
            if not dfe_area.empty:
                summary_rows.append(_indicator_summary_row(spec, None, None, dfe_area, dfe_eng, run))
            continue
        any_series = True
        polarity = {"lower is better": "lower_is_better"}.get(spec["polarity"])
        x = _spc(ser["value"], polarity)
        ser = ser.assign(**{c: np.asarray(x[c]) for c in ("mean", "ucl", "lcl", "signal", "direction", "variation")
                            if c in x.columns})
        latest = ser.iloc[-1]
        if measure == "cp_ceased_2yrs_plus_percent" and pd.Timestamp(latest["period_end"]) == run.end:
            kf["long_plans_percent"] = _r1(latest["value"])
        sigs = ser[ser["signal"].fillna("") != ""]
        summary_rows.append(_indicator_summary_row(spec, ser, sigs, dfe_area, dfe_eng, run))
        s = _indicator_sentence(run, spec, ser, sigs)
        sec.paragraphs.append(s)
        if measure == "cp_ceased_2yrs_plus_percent":
            findings.append(s)
        panels.append((measure, spec, ser, dfe_area, dfe_eng))
    if panels:
        sec.charts.append(_indicators_chart(run, panels))
    if run.has_local and not any_series:
        sec.unavailable = f"The board's performance indicators (table 4.3) are not in the data up to {_d(run.end)}."
    if any_series:
        ytd = indicator_series(run, "cp_ceased_2yrs_plus_percent")
        pts = ", ".join(ytd["point"]) if not ytd.empty else ""
        sec.paragraphs.insert(0, (
            "Each indicator is a statistical process control (XmR) chart: the mean and the limits at the mean ± 2.66 × the "
            "average moving range, with the Making Data Count rules for special-cause variation (a point outside the "
            "limits; a run of seven rising or falling; two of three points near a limit; seven in a row on one side of the "
            "mean). "
            f"The series is the completed financial years, then this year's year-to-date values ({pts}). The "
            "year-to-date values early in a year rest on fewer children, so they swing more; with so few points the "
            "limits are wide and a signal is a prompt to look, not proof."))
    if any_series:
        sec.paragraphs.append(
            "The board publishes percentages only, not the numbers of children behind them, so the indicators carry no "
            "confidence intervals. DfE's validated repeat-plan figures come with their counts, and their interval is "
            "given in the table below.")
    if summary_rows:
        sec.tables.append(Table(
            title="Performance indicators: latest board value, SPC signals and DfE's validated figures",
            frame=pd.DataFrame(summary_rows), source=_sources(common.board_source("4.3"), DFE_SOURCE, "DfE LAIT"),
            formats={"Indicator": "text", "Latest board value (%)": "percent", "Board point": "text",
                     "SPC signals": "text", f"DfE {run.name} (%)": "percent", "DfE England (%)": "percent",
                     "DfE year": "text", "DfE source": "text", "DfE 95% interval": "text",
                     "Against England (95%)": "text"},
        ))
    return sec


def _dfe_indicator(run: _Run, measure: str | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """DfE's validated values of an indicator for the area and England (financial years)."""
    if measure is None:
        return pd.DataFrame(), pd.DataFrame()
    d = run.dfe_values(measure)
    d = d[d["value"].notna()]
    return (d[d["area"] == run.ctx.area_code].sort_values("period_end"),
            d[d["area"] == ENGLAND].sort_values("period_end"))


def _indicator_summary_row(spec: dict, ser, sigs, dfe_area: pd.DataFrame, dfe_eng: pd.DataFrame, run: _Run) -> dict:
    row: dict[str, Any] = {"Indicator": spec["label"]}
    if ser is not None:
        last = ser.iloc[-1]
        row["Latest board value (%)"] = float(last["value"])
        row["Board point"] = last["point"]
        row["SPC signals"] = ("; ".join(f"{p}: {s.replace('_', ' ')} ({v})" for p, s, v in
                                        zip(sigs["point"], sigs["signal"], sigs["variation"].fillna("")))
                              if sigs is not None and not sigs.empty else "none")
    else:
        row["Latest board value (%)"] = np.nan
        row["Board point"] = "x"
        row["SPC signals"] = "x"
    if not dfe_area.empty:
        a = dfe_area.iloc[-1]
        e = dfe_eng[dfe_eng["period_end"] == a["period_end"]]
        row[f"DfE {run.name} (%)"] = float(a["value"])
        row["DfE England (%)"] = float(e["value"].iloc[0]) if not e.empty else np.nan
        row["DfE year"] = _fy(a["period_end"])
        row["DfE source"] = spec["dfe_source"]
        ci, verdict = _dfe_repeat_interval(run, a["period_end"], row["DfE England (%)"]) if spec["dfe"] == "cp_repeat_plans_percent" else ("", "")
        row["DfE 95% interval"] = ci or "x"
        row["Against England (95%)"] = verdict or "x"
    else:
        for c in (f"DfE {run.name} (%)", "DfE England (%)"):
            row[c] = np.nan
        for c in ("DfE year", "DfE source", "DfE 95% interval", "Against England (95%)"):
            row[c] = "x" if spec["dfe"] else "z"
    return row


def _dfe_repeat_interval(run: _Run, when, england_pct) -> tuple[str, str]:
    """Wilson interval of DfE's repeat-plan percentage from its counts (D3), and the verdict."""
    st_ = run.dfe_values("cp_plan_starts")
    sub = run.dfe_values("cp_plan_starts_subsequent")
    n = st_[(st_["area"] == run.ctx.area_code) & (st_["period_end"] == when)]
    x = sub[(sub["area"] == run.ctx.area_code) & (sub["period_end"] == when)]
    if n.empty or x.empty or pd.isna(n["value"].iloc[0]) or pd.isna(x["value"].iloc[0]) or n["value"].iloc[0] <= 0:
        return "", ""
    xn, nn = float(x["value"].iloc[0]), float(n["value"].iloc[0])
    lo, hi = stats.wilson_ci(xn, nn, 0.95)
    verdict = ""
    if england_pct is not None and not pd.isna(england_pct):
        verdict = stats.compare_proportion_to_benchmark(xn, nn, float(england_pct) / 100, 0.95)
    return f"{_fmt_pct(lo * 100)} to {_fmt_pct(hi * 100)}", verdict


def _indicator_sentence(run: _Run, spec: dict, ser: pd.DataFrame, sigs: pd.DataFrame) -> str:
    last = ser.iloc[-1]
    s = f"{spec['label']} ({spec['what']}): {_fmt_pct(last['value'])} in {last['point']}"
    prev = ser[ser["kind"] == "year"]
    prev = prev[prev["period_end"] < pd.Timestamp(last["period_end"])]
    if not prev.empty:
        p = prev.iloc[-1]
        diff = float(last["value"] - p["value"])
        s += f", against {_fmt_pct(p['value'])} in {p['point']}"
        if round(diff, 1) == 0:
            s += " (no change)"
        else:
            s += f" ({diff:+.1f} percentage points"
            if p["value"]:
                s += f"; a relative change of {diff / p['value'] * 100:+.1f}%"
            s += ")"
    if sigs.empty:
        s += ". No special-cause signal: the series varies within its limits."
    else:
        s += ". SPC signals: " + "; ".join(
            f"{p} ({sg.replace('_', ' ')}: {v})" for p, sg, v in zip(sigs["point"], sigs["signal"], sigs["variation"].fillna(""))) + "."
    return s


def _indicators_chart(run: _Run, panels: list) -> tuple[charts.Chart, Table]:
    """One figure, one XmR panel per indicator (small multiples), and its data table."""
    n = len(panels)
    fig, head, flat = _panels(n, 2 if n > 1 else 1, 3.4, width=10.5, header=0.6)
    total_sig = 0
    worst = []
    for k, (ax, (measure, spec, ser, dfe_area, dfe_eng)) in enumerate(zip(flat, panels)):
        xs = np.arange(len(ser))
        ax.plot(xs, ser["value"], color=PALETTE[0], marker="o", linestyle="-", label=f"{run.name} (board)")
        if "mean" in ser:
            ax.plot(xs, ser["mean"], color="#000000", linewidth=1, label="Mean")
            ax.plot(xs, ser["ucl"], color="#555555", linestyle="--", linewidth=1, label="Process limits (mean ± 3σ)")
            ax.plot(xs, ser["lcl"], color="#555555", linestyle="--", linewidth=1)
        sig = (ser["signal"].fillna("") != "").to_numpy()
        total_sig += int(sig.sum())
        if sig.any():
            worst.append(spec["label"])
            ax.scatter(xs[sig], ser.loc[sig, "value"], s=150, marker="D", facecolor="none", edgecolor=HIGHLIGHT,
                       linewidth=2, label="Special-cause signal", zorder=4)
            for xi, r in zip(xs[sig], ser[sig].itertuples(index=False)):
                ax.annotate(str(r.signal).replace("_", " "), (xi, r.value), xytext=(9, -3), textcoords="offset points",
                            ha="left", va="top", fontsize=7.5, color=HIGHLIGHT)
        pos = {p: i for i, p in enumerate(ser["point"])}
        for j, (df, lab, mk) in enumerate(((dfe_area, f"{run.name} (DfE validated)", "s"), (dfe_eng, "England (DfE)", "^"))):
            if df.empty:
                continue
            pts = [(pos.get(_fy(e)) if _fy(e) in pos else _ytd_pos(ser, e), float(v)) for e, v in zip(df["period_end"], df["value"])]
            pts = [(i, v) for i, v in pts if i is not None]
            if pts:
                ax.plot([p[0] for p in pts], [p[1] for p in pts], linestyle="none", marker=mk, color=PALETTE[j + 1],
                        markersize=7, label=lab)
        ax.set_xticks(xs)
        ax.set_xticklabels([_tick(p, e) for p, e in zip(ser["kind"], ser["period_end"])], fontsize=7.5)
        ax.set_ylim(bottom=0)
        n_sig = int(sig.sum())
        ax.set_title(f"{spec['label']}: " + ("no special-cause signal" if n_sig == 0 else
                                             f"{_things(n_sig)} signal{'s' if n_sig > 1 else ''}"),
                     loc="left", fontsize=10, fontweight="bold")
        ax.set_ylabel("Percent")
        ax.margins(y=0.2)
    handles, labels = [], []
    for ax in flat:
        for h, l in zip(*ax.get_legend_handles_labels()):
            if l not in labels:
                handles.append(h)
                labels.append(l)
    head.legend(handles, labels, loc="center left", ncol=3, fontsize=8.5, frameon=False)
    last_point = _d(panels[0][2].iloc[-1]["period_end"])
    title = ("No special-cause variation in the child protection indicators up to " + last_point if total_sig == 0 else
             f"Special-cause variation in {_things(len(worst))} of {_things(n)} child protection indicators up to "
             f"{last_point}")
    chart = charts.finish(
        fig, head, title=title,
        subtitle="XmR charts, % of children; x-axis: financial years, then this year to date (YTD); diamonds mark signals",
        xlabel="", ylabel="",
        source=_sources(common.board_source("4.3"), "DfE D3 and LAIT"), legend=False,
        alt=("Four XmR control charts of the board's child protection indicators for " + run.name + ": "
             + "; ".join(f"{spec['label'].lower()} " + ", ".join(f"{p} {_fmt_pct(v)}" for p, v in zip(ser["point"], ser["value"]))
                         + (f" (mean {_fmt_pct(ser['mean'].iloc[0])})" if "mean" in ser else "")
                         for _, spec, ser, _, _ in panels)
             + (". No special-cause signal." if total_sig == 0 else f". Signals in: {', '.join(worst)}.")),
    )
    rows = []
    for measure, spec, ser, _, _ in panels:
        for r in ser.itertuples(index=False):
            rows.append({"Indicator": spec["label"], "Point": r.point, "Value (%)": r.value,
                         "Mean (%)": getattr(r, "mean", np.nan), "Lower limit (%)": getattr(r, "lcl", np.nan),
                         "Upper limit (%)": getattr(r, "ucl", np.nan),
                         "Signal": (f"{str(r.signal).replace('_', ' ')} ({r.variation})" if r.signal else "")})
    return chart, Table(
        title="Performance indicators: board values and XmR limits", frame=pd.DataFrame(rows),
        source=common.board_source("4.3"),
        formats={"Indicator": "text", "Point": "text", "Value (%)": "percent", "Mean (%)": "percent",
                 "Lower limit (%)": "percent", "Upper limit (%)": "percent", "Signal": "text"},
        notes=["Limits are the mean ± 2.66 × the mean moving range; a lower limit below 0% means the indicator "
               "cannot fall significantly low on this evidence."],
    )


def _tick(kind: str, end) -> str:
    """Short x tick for an indicator point: '2016/17' or 'YTD\nJun 17'."""
    t = pd.Timestamp(end)
    return _fy(t) if kind == "year" else f"YTD\n{t.strftime('%b %y')}"


def _ytd_pos(ser: pd.DataFrame, when) -> int | None:
    """Chart position of the year-to-date point ending on a DfE 31 March (the full year)."""
    hit = ser.index[(pd.to_datetime(ser["period_end"]) == pd.Timestamp(when))].tolist()
    return int(hit[0]) if hit else None


# =========================================================================== 7. context
def _context_section(run: _Run) -> Section:
    sec = Section("context", SECTIONS["context"])
    ctx = run.ctx
    lac = run.local("looked_after_children", breakdown="total", period_type="snapshot")
    cin = run.local("cin_open_excl_lac_cp", breakdown="total", period_type="snapshot")
    cp = run.board_plans()
    if lac.empty and cin.empty:
        sec.unavailable = (f"The board's counts of looked-after children and children in need (table 3.1) are not in the "
                           f"data for {run.name} up to {_d(run.end)}; DfE's validated children-in-need figures follow.")
    else:
        dates = sorted(set(lac["period_end"]).union(cin["period_end"]))
        frame = pd.DataFrame({"period_end": dates})
        frame["lac"] = frame["period_end"].map(lac.drop_duplicates("period_end").set_index("period_end")["value"])
        frame["cin"] = frame["period_end"].map(cin.drop_duplicates("period_end").set_index("period_end")["value"])
        frame["cp"] = frame["period_end"].map(cp.set_index("period_end")["count"]) if not cp.empty else np.nan
        frame["population"] = [run.population(ctx.area_code, t) for t in frame["period_end"]]
        frame["population"] = frame["population"].astype("float64")
        _add_rates(frame, "lac", "population", ("lac_rate", "lac_lower", "lac_upper"))
        frame["three_groups"] = frame[["lac", "cin", "cp"]].sum(axis=1, min_count=3)
        last = frame.iloc[-1]
        if not pd.isna(last["lac"]):
            sec.paragraphs.append(
                f"At {_d(last['period_end'])} {_count_text(last['lac'], run.disclosure)} children were looked after "
                f"({_fmt_rate(last['lac_rate'])} per 10,000 aged 0–17, 95% confidence interval "
                f"{_fmt_rate(last['lac_lower'])} to {_fmt_rate(last['lac_upper'])}), and "
                f"{_count_text(last['cin'], run.disclosure)} more had an open child-in-need episode without a plan or "
                f"being looked after.")
        sec.charts.append(_context_chart(run, frame))
    dfe = _dfe_cin(run)
    if not dfe.empty:
        l = dfe.iloc[-1]
        sec.paragraphs.append(
            f"DfE's validated count of children in need at {_d(l['period_end'])} (all children in need, including those "
            f"on plans and looked after) was {_count_text(l['count'], run.disclosure)}: {_fmt_rate(l['rate'])} per 10,000 "
            f"(95% confidence interval {_fmt_rate(l['lower'])} to {_fmt_rate(l['upper'])}), "
            f"{_verdict_words(l['vs_england'], 'England (' + _fmt_rate(l['england']) + ')')} at 95%.")
        sec.tables.append(_dfe_cin_table(run, dfe))
    lac_dfe = run.dfe_values("looked_after_children")
    if lac_dfe[lac_dfe["area"] == ctx.area_code].empty:
        sec.paragraphs.append("DfE's looked-after children figures in the data start after this period"
                              + (", so the board's looked-after count cannot be checked against the validated return "
                                 "here." if run.has_local else "."))
    return sec


def _context_chart(run: _Run, frame: pd.DataFrame) -> tuple[charts.Chart, Table]:
    fig, ax = charts.new_chart(8.5, 5.4)
    series = [("cin", "Open child-in-need episodes (excluding looked after and on plans)"),
              ("lac", "Looked-after children"), ("cp", "Children on plans")]
    for i, (col, lab) in enumerate(series):
        r = frame[["period_end", col]].dropna()
        if r.empty:
            continue
        s = charts.series_style(i)
        ax.plot(r["period_end"], r[col], color=s["color"], marker=s["marker"], linestyle=s["linestyle"], label=lab)
        _end_label(ax, r["period_end"].iloc[-1], r[col].iloc[-1], _chart_label(r[col].iloc[-1], run.disclosure),
                   s["color"])
    _date_axis(ax)
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    last = frame.iloc[-1]
    if not pd.isna(last["lac"]) and not pd.isna(last["lac_rate"]):
        title = (f"{_count_text(last['lac'], run.disclosure).capitalize()} children were looked after in {run.name} at "
                 f"{_d(last['period_end'])}, {_fmt_rate(last['lac_rate'])} per 10,000")
    else:
        title = f"Looked-after children and children in need in {run.name}, to {_d(last['period_end'])}"
    _legend_below(ax, ncol=1, offset=-0.25)
    chart = charts.finish(
        fig, ax, title=title,
        subtitle="Children at each date (snapshots), as the board counts them in table 3.1",
        xlabel="Date (31 March year ends, then quarter ends)", ylabel="Children", source=common.board_source("3.1"),
        legend=False,
        alt=(f"Line chart of the board's counts of children with an open child-in-need episode, looked-after children "
             f"and children on plans in {run.name} from {_d(frame['period_end'].min())} to {_d(last['period_end'])}."),
    )
    out = pd.DataFrame({
        "Date": [_dshort(t) for t in frame["period_end"]],
        "Looked-after children": frame["lac"],
        "Looked after per 10,000": frame["lac_rate"],
        "95% lower": frame["lac_lower"], "95% upper": frame["lac_upper"],
        "Open CIN (excl. looked after and plans)": frame["cin"],
        "Children on plans": frame["cp"],
        "The three groups added": frame["three_groups"],
    })
    return chart, Table(
        title=f"Looked-after children and children in need, {run.name} (board, table 3.1)", frame=out,
        source=_sources(common.board_source("3.1"), DFE_SOURCE),
        count_columns=["Looked-after children", "Open CIN (excl. looked after and plans)", "Children on plans",
                       "The three groups added"],
        derived={"Looked after per 10,000": "Looked-after children", "95% lower": "Looked-after children",
                 "95% upper": "Looked-after children"},
        formats={"Date": "text", "Looked after per 10,000": "rate", "95% lower": "rate", "95% upper": "rate"},
        notes=["'The three groups added' is for comparison with DfE's count of all children in need only: the board "
               "does not publish it and a child could in principle be counted in two groups."],
    )


def _dfe_cin(run: _Run) -> pd.DataFrame:
    d = run.dfe_values("children_in_need")
    d = d[d["value"].notna()]
    rows = []
    for t in sorted(d[d["area"] == run.ctx.area_code]["period_end"].unique()):
        c = d[d["period_end"] == t].drop_duplicates("area").set_index("area")["value"]
        pops = run.populations(t)
        a = run.ctx.area_code
        if a not in pops.index or ENGLAND not in c.index or ENGLAND not in pops.index:
            continue
        rows.append({"period_end": pd.Timestamp(t), "count": float(c[a]), "population": float(pops[a]),
                     "england": float(c[ENGLAND] / pops[ENGLAND] * PER)})
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    t = stats.rate_ci_table(out["count"], out["population"], PER, conf=0.95)
    out["rate"], out["lower"], out["upper"] = t["value"].to_numpy(), t["lower"].to_numpy(), t["upper"].to_numpy()
    out["vs_england"] = _verdicts(out["count"], out["population"], out["england"], 0.95)
    return out


def _dfe_cin_table(run: _Run, dfe: pd.DataFrame) -> Table:
    frame = pd.DataFrame({
        "31 March": [_dshort(t) for t in dfe["period_end"]],
        "Children in need (DfE)": dfe["count"], "Rate per 10,000": dfe["rate"], "95% lower": dfe["lower"],
        "95% upper": dfe["upper"], "England rate": dfe["england"],
        "Against England (95%)": [v if v else "x" for v in dfe["vs_england"]],
    })
    return Table(
        title=f"Children in need at 31 March, {run.name} and England (DfE validated)", frame=frame, source=DFE_SOURCE,
        implicit_totals=False,
        count_columns=["Children in need (DfE)"],
        derived={"Rate per 10,000": "Children in need (DfE)", "95% lower": "Children in need (DfE)",
                 "95% upper": "Children in need (DfE)"},
        formats={"31 March": "text", "Rate per 10,000": "rate", "95% lower": "rate", "95% upper": "rate",
                 "England rate": "rate", "Against England (95%)": "text"},
    )


# =========================================================================== build
KEY_FIGURES = ("cp_plans_start", "cp_plans_end", "cp_plans_change_percent", "cp_rate_per_10k_end", "cp_rate_ci_lower",
               "cp_rate_ci_upper", "cp_plans_dfe_validated_end", "cp_plans_board_minus_dfe", "long_plans_percent")


#: Key figures that are counts of children (suppressed as "c" in public mode when 1 to 5).
#: ``cp_plans_board_minus_dfe`` is not one: it is the difference of two published totals.
COUNT_KEY_FIGURES = ("cp_plans_start", "cp_plans_end", "cp_plans_dfe_validated_end")


def _caveats(run: _Run, kf: dict) -> list[str]:
    out: list[str] = []
    per = run.ctx.period
    if run.has_local:
        out.append("The board's quarterly figures are its own unvalidated returns; only DfE's figures at 31 March are "
                   "validated (CIN census). Year-end figures the report marks as 'yet to be validated' are flagged in the "
                   "tables.")
    else:
        out.append(f"There is no board dataset for {run.name} in the data: sections built on the board's tables say so, "
                   f"and the benchmark sections use DfE's validated figures only.")
    if run.has_local and not run.local_obs.empty:
        last_local = pd.Timestamp(run.local_obs["period_end"].max())
        if last_local < run.end:
            out.append(f"The board's data in this folder ends at {_d(last_local)}, before the end of {per.label} "
                       f"({_d(run.end)}): the board's sections show the latest figures they have and say so.")
    if run.neighbours:
        out.append("Statistical neighbours are DfE's current model in the data (groupings of April 2021), which may "
                   "differ from the neighbours the board used at the time.")
    out.append("England and regional counts are published rounded to the nearest 10; their rates are computed from "
               "those counts and ONS populations.")
    if run.has_local:
        out.append("District rates (table 4.1) are printed without counts or populations, so they carry no intervals; "
                   "table 4.3's indicators are printed as percentages without counts, so they carry none either.")
        out.append("Table 4.3's quarterly values are recorded as year-to-date figures (from 1 April; the reasoning is in "
                   "the data's notes), so early quarters rest on fewer children and swing more.")
    if run.disclosure == "public":
        out.append("Public mode: counts from 1 to 5 (and any count that would reveal one) are shown as 'c', and shares "
                   "and points derived from them are hidden.")
    if run.has_local:
        f = run.ctx.findings_for(LOCAL_TABLES)
        limit = 6
        listed = common.caveats_from_findings(f, limit=limit)
        if len(f) > limit:  # the shared helper's closing line, with the number in words
            listed = listed[:limit] + [f"{_things(len(f) - limit).capitalize()} further data-quality finding"
                                       f"{'s' if len(f) - limit > 1 else ''} touch this theme's tables; see the index page."]
        out.extend(listed)
    return out


def build(area_code: str = "E10000031", period: str | None = "2017-18 Q4", data_dir: str | Path | None = None,
          disclosure: str = "public", area_name: str | None = None) -> ThemeResult:
    """Build the child protection trends appendix for one area and period.

    Parameters
    ----------
    area_code : GSS code of the local authority (``E10000031`` Warwickshire).
    period : financial quarter (``"2017-18 Q2"``) or year (``"2017-18"``, treated as its Q4);
        ``None``/``""`` = the latest quarter in the data. Only figures ending on or before its last
        day are used.
    data_dir : a ``data/raw`` folder (default: the package's).
    disclosure : ``"public"`` (counts 1–5 suppressed in tables, charts and sentences) or ``"internal"``.
    area_name : display name (default: the name in the DfE files).

    Key figures (``result.key_figures``)
    ------------------------------------
    ``cp_plans_start`` / ``cp_plans_end``: children on plans (count, snapshot) at the **start**
    = the 31 March that opened the period's financial year (31 March 2017 for every period of
    2017-18) and at the **end** = the period's last day (31 March 2018 for Q4; 30 September
    2017 for Q2), from the board's table 3.1 (4.2 only for dates 3.1 lacks).
    ``cp_plans_change_percent``: percent change of the count, one decimal place.
    ``cp_rate_per_10k_end`` with ``cp_rate_ci_lower``/``cp_rate_ci_upper``: the end count per
    10,000 children aged 0–17 (ONS mid-year estimate DfE uses) and its 95% interval, one
    decimal place. ``cp_plans_dfe_validated_end``: DfE's validated count at the end date (None
    unless the end is a 31 March DfE has published); ``cp_plans_board_minus_dfe``: board minus
    DfE at that date. ``long_plans_percent``: table 4.3's long-plans percentage for the
    period (year to date at the period end). Missing figures are ``None``, never 0.
    """
    ctx = common.context(area_code, period, data_dir, disclosure, area_name)
    run = _run(ctx)
    kf: dict[str, Any] = {k: None for k in KEY_FIGURES}
    kf.update({"period_start_date": run.start.date().isoformat(), "period_end_date": run.end.date().isoformat()})
    f_plans: list[str] = []
    f_bench: list[str] = []
    f_funnel: list[str] = []
    f_dist: list[str] = []
    f_mix: list[str] = []
    f_ind: list[str] = []
    board = run.board_plans()
    sections = [
        _plans_section(run, kf, f_plans),
        _benchmarks_section(run, kf, f_bench, board),
        _funnel_section(run, kf, f_funnel),
        _districts_section(run, f_dist),
        _mix_section(run, f_mix),
        _indicators_section(run, kf, f_ind),
        _context_section(run),
    ]
    key_findings = (f_plans[:1] + f_bench[:2] + f_funnel[:1] + f_ind[:1] + f_dist[:1] + f_mix[:1])[:6]
    if ctx.disclosure == "public":  # a count of children from 1 to 5 is published as "c" (summary contract)
        for k in COUNT_KEY_FIGURES:
            if _is_small(kf.get(k)):
                kf[k] = "c"
    return ThemeResult(
        theme=THEME, title=TITLE, area_code=ctx.area_code, area_name=ctx.area_name, period=ctx.period,
        disclosure=ctx.disclosure, key_findings=key_findings, caveats=_caveats(run, kf), sections=sections,
        key_figures=kf,
    )
