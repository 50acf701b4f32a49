"""BME, language and disability representation among referrals and children on plans.

Board tables 2.3 (shares of *referrals* by ethnicity, preferred language and disability, by
financial year and, for 2017/18, cumulatively from 1 April to each quarter end, with the School
Census January 2017 benchmark and the 6% national prevalence of disability) and 4.2 (shares of
*children on child protection plans* at each year and quarter end), plus ONS Census 2021
ethnicity of the area for context.

The board prints percentages only. Every count here is **reconstructed** as the printed share
(rounded to one decimal place) × the printed total: children on plans from table 4.2's own
total (table 3.1 where 4.2 has none), referrals from table 2.1 (cumulative from April for the
2017/18 quarters). Each group's share gets a Wilson interval at 95% and 99.8% and a verdict
against its benchmark (:func:`analysis.stats.share_vs_population`), a relative rate index with
its exact interval where the benchmark gives a population base
(:func:`analysis.stats.relative_rate_index`), and the bounds that "not recorded" records put
on the verdict (:func:`analysis.stats.not_recorded_bounds`: the group's share if none, and if
all, of the unrecorded were in the group). A verdict that differs between the two bounds is
reported as **inconclusive**. Disability has no "not recorded" row and cannot be bounded.

Units: shares, intervals and benchmarks in **percent** (0–100); counts of children (plans) or
of referrals (a child referred twice counts twice); rates per **10,000** children aged 0–17.
Periods: plans are snapshots at a date; referrals cover a financial year or 1 April to a
quarter end. Nothing dated after the end of the run's period is read, except the Census 2021
context (21 March 2021), which enters no verdict.

Public mode: counts 1–5 and every cell that would reveal one are suppressed by
:func:`analysis.report.display.prepare_table`; each chart and sentence reads the mask of the table it
shows or summarises (:class:`Withheld`), and a count of 1 to 5 is withheld everywhere.
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Hashable

import numpy as np
import pandas as pd

from .. import stats
from ..report import charts
from ..ingest.dataset import select
from ..ingest.dfe import population_for
from ..numbers import fmt_count, fmt_interval, fmt_number, fmt_percent
from . import context as common
from ..report.model import Section, Table, ThemeResult

THEME = "representation"
TITLE = "BME, language and disability representation"

#: Section keys, in display order (the notebook calls them by these names).
SECTION_KEYS = ("benchmarks", "trends", "not_recorded", "mix", "census_2021")

#: Report tables this theme reads (their data-quality findings become caveats).
TABLES = ("2.3", "4.2")
#: Tables that only supply totals: their findings count when they concern those totals.
TOTAL_MEASURES = ("children_on_cp_plan", "referrals")
TOTAL_TABLES = ("3.1", "2.1", "4.2", "DfE d5", "DfE c1")
#: The measures of tables 2.3 and 4.2 this theme reads (4.2's age, gender and category counts belong to CP trends).
THEME_MEASURES = ("cp_plan_share", "referrals_share", "school_census_pupil_share", "disabled_children_prevalence")

NOT_RECORDED = "Not recorded"
SMALL = 5  # counts 1..SMALL are suppressed in public mode (0 is a true zero)

CENSUS_MEASURE = "census_population_all_ages"
CENSUS_SOURCE = "Source: ONS Census 2021, usual residents by ethnic group (20 categories), all ages"
ENGLAND = "E92000001"

INCONCLUSIVE = "inconclusive"
NO_BOUNDS = "cannot be bounded"

COUNT = "Count (reconstructed)"
NR_COUNT = "Not recorded (reconstructed count)"


@dataclass(frozen=True)
class Group:
    """A group whose representation is measured, labelled as tables 2.3 and 4.2 label it."""

    key: str
    short: str  # tables and chart labels
    noun: str  # sentences
    title_name: str  # inside a chart title
    breakdown: str
    value: str
    complement: str | None  # the other recorded group (None: everyone else in the total)
    benchmark_measure: str
    benchmark_name: str


@dataclass(frozen=True)
class Population:
    """Whom the shares are of."""

    key: str
    label: str
    measure: str
    table: str
    unit: str  # "children" or "referrals"


GROUPS = (
    Group("bme", "BME", "BME children", "BME", "ethnicity", "BME", "White British/Irish/Other",
          "school_census_pupil_share", "School Census"),
    Group("non_english", "Non-English speaking", "children whose preferred language is not English",
          "non-English-speaking", "language", "Non-English speaking", "English", "school_census_pupil_share",
          "School Census"),
    Group("disabled", "Disabled", "disabled children", "disabled", "disability", "Disabled", None,
          "disabled_children_prevalence", "national prevalence of disability among children"),
)
POPULATIONS = (
    Population("plans", "children on child protection plans", "cp_plan_share", "4.2", "children"),
    Population("referrals", "referrals to children's social care", "referrals_share", "2.3", "referrals"),
)
GROUP_BY_KEY = {g.key: g for g in GROUPS}
POP_BY_KEY = {p.key: p for p in POPULATIONS}

#: Census 2021 broad groups (the text before the colon of each of the 20 categories).
CENSUS_BROAD_ORDER = ("White", "Asian, Asian British or Asian Welsh",
                      "Black, Black British, Black Welsh, Caribbean or African",
                      "Mixed or Multiple ethnic groups", "Other ethnic group")

OFSTED_QUOTE = ("Ensure that the board has a full understanding of any gaps in the provision of equitable services "
                "to children who have a disability or are of a different cultural and ethnic background, in order "
                "to assure itself that services are meeting the needs of all children.")
BOARD_QUOTE = ("there is still under-recording of information on children from minority ethnic and linguistic "
               "groups with figures lower than would be expected when compared to the Warwickshire population. "
               "This makes monitoring and trend evaluation inconsistent.")


# ------------------------------------------------------------------------------------------
# words
# ------------------------------------------------------------------------------------------
def _missing(v: Any) -> bool:
    return v is None or (isinstance(v, (float, np.floating)) and math.isnan(v))


def _date(ts: Any) -> str:
    ts = pd.Timestamp(ts)
    return f"{ts.day} {ts.strftime('%B %Y')}"


def _date_short(ts: Any) -> str:
    ts = pd.Timestamp(ts)
    return f"{ts.day} {ts.strftime('%b %Y')}"


def _fy(ts: Any) -> str:
    ts = pd.Timestamp(ts)
    y = ts.year if ts.month >= 4 else ts.year - 1
    return f"{y}/{(y + 1) % 100:02d}"


def period_label(period_type: str, period_start: Any, period_end: Any) -> str:
    """How a row's period reads in a table: "31 Mar 2018", "2016/17", "1 Apr 2017 to 30 Sep 2017"."""
    if period_type == "snapshot":
        return _date_short(period_end)
    if period_type == "financial_year":
        return _fy(period_end)
    return f"{_date_short(period_start)} to {_date_short(period_end)}"


def period_phrase(period_type: str, period_start: Any, period_end: Any) -> str:
    """The period inside a sentence: "at 31 March 2018", "in 2016/17", "from 1 April 2017 to ..."."""
    if period_type == "snapshot":
        return f"at {_date(period_end)}"
    if period_type == "financial_year":
        return f"in {_fy(period_end)}"
    return f"from {_date(period_start)} to {_date(period_end)}"


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _join(words: list[str]) -> str:
    """'A', 'A and B', 'A, B and C'."""
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def verdict_phrase(verdict: str | None, benchmark: str) -> str:
    """'significantly lower than <benchmark>' from a verdict string."""
    if verdict == stats.HIGHER:
        return f"significantly higher than {benchmark}"
    if verdict == stats.LOWER:
        return f"significantly lower than {benchmark}"
    if verdict == stats.SIMILAR:
        return f"not significantly different from {benchmark}"
    return "not compared with a benchmark (none is in the data for this period)"


def is_small(count: Any) -> bool:
    """A count of 1 to 5, suppressed in public mode (0 is a true zero; blank is not a count)."""
    return not _missing(count) and 1 <= float(count) <= SMALL


def round_half_up(x: float) -> int:
    """A reconstructed count: the nearest whole number, halves upwards (as a reader rounds)."""
    return int(math.floor(x + 0.5))


# ------------------------------------------------------------------------------------------
# disclosure: one register of withheld cells, read from the display's own suppression
# ------------------------------------------------------------------------------------------
@dataclass
class Withheld:
    """Cells this run must not reveal, per table ("scope"), read from the display's own suppression.

    :func:`analysis.report.display.prepare_table` suppresses counts 1–5 and, so that none can be
    recovered from a total, further cells of the same table (secondary suppression). A chart or
    sentence built from a table withholds exactly what that table shows as ``c``; a count of 1
    to 5 is withheld everywhere. Keys: ``("count", population, group, period_end)`` and
    ``("nr", population, breakdown, period_end)``.
    """

    public: bool
    masks: dict = field(default_factory=dict)

    def register(self, scope: str, table: Table, column: str, keys: list[Hashable | None]) -> None:
        mask = self.masks.setdefault(scope, {})
        if not self.public or table.frame.empty:
            return
        from ..report.display import prepare_table

        for k, v in zip(keys, prepare_table(table, "public")[column].tolist()):
            if k is not None and v == "c":
                mask[k] = True

    def hidden(self, key: Hashable, value: Any = None, scope: str = "benchmark") -> bool:
        """True when the cell must be withheld: a count of 1 to 5, or shown as c by the scope's table."""
        return self.public and (is_small(value) or bool(self.masks.get(scope, {}).get(key, False)))

    def count_words(self, value: Any, noun: str, key: Hashable, scope: str = "benchmark") -> str:
        """'52 children', or in public mode 'fewer than 6 children' / 'a suppressed number of children'."""
        if _missing(value):
            return f"an unknown number of {noun}"
        if self.public and is_small(value):
            return f"fewer than {SMALL + 1} {noun}"
        if self.hidden(key, value, scope):
            return f"a suppressed number of {noun}"
        return f"{fmt_count(value)} {noun}"


# ------------------------------------------------------------------------------------------
# data assembly
# ------------------------------------------------------------------------------------------
LOCAL_COLUMNS = ["time_period", "time_identifier", "period_type", "period_start", "period_end", "geographic_level",
                 "region_code", "country_code", "new_la_code", "source_table", "measure", "breakdown",
                 "breakdown_value", "value", "unit", "status", "flags", "note", "source"]


def local_frame(ctx: common.Context) -> pd.DataFrame:
    """The area's own (board) observations up to the end of the period, selected once."""
    d = ctx.ds.select(None, area_code=ctx.area_code, up_to=ctx.period)
    d = d.loc[d["source"] != "dfe", LOCAL_COLUMNS].reset_index(drop=True)
    # a narrow frame of plain Python strings filters far faster than Arrow strings
    return d.astype({c: "object" for c in LOCAL_COLUMNS if pd.api.types.is_string_dtype(d[c])})


def _pick(local: pd.DataFrame, measure: str, **filters) -> pd.DataFrame:
    return select(local, measure, **filters)


def plan_totals(local: pd.DataFrame) -> pd.DataFrame:
    """Children on plans at each date (count): table 4.2's own total, else table 3.1's.

    Columns: period_type ("snapshot"), period_end, denominator, denominator_table, unvalidated.
    Table 4.2's shares are of its own total (at 31 March 2017 it prints 443 where table 3.1
    prints 439; its breakdowns add up to 443), so 4.2 is preferred.
    """
    t42 = _pick(local, "children_on_cp_plan", source_table="4.2", breakdown="total")
    t31 = _pick(local, "children_on_cp_plan", source_table="3.1", breakdown="total")
    rows = []
    for end in sorted(set(t42["period_end"]) | set(t31["period_end"])):
        a = t42[(t42["period_end"] == end) & t42["value"].notna()]
        b = t31[(t31["period_end"] == end) & t31["value"].notna()]
        src = a if not a.empty else b
        if src.empty:
            continue
        flags = ";".join(list(a["flags"]) + list(b["flags"]))
        rows.append({"period_type": "snapshot", "period_end": end, "denominator": float(src["value"].iloc[0]),
                     "denominator_table": "4.2" if not a.empty else "3.1", "unvalidated": "unvalidated" in flags})
    return pd.DataFrame(rows, columns=["period_type", "period_end", "denominator", "denominator_table", "unvalidated"])


def referral_totals(local: pd.DataFrame) -> pd.DataFrame:
    """Referrals (count) in each financial year or 1 April–quarter-end period (table 2.1)."""
    t = _pick(local, "referrals", source_table="2.1", breakdown="total")
    t = t[t["value"].notna()]
    return pd.DataFrame({"period_type": t["period_type"], "period_end": t["period_end"], "denominator": t["value"],
                         "denominator_table": "2.1",
                         "unvalidated": t["flags"].str.contains("unvalidated")}).reset_index(drop=True)


def benchmark_for(ctx: common.Context, group: Group, candidates: pd.DataFrame) -> dict | None:
    """The group's benchmark share (percent) dated on or before the period end, with its complement.

    From the board's own dataset (table 2.3): the area's School Census shares, or the national
    prevalence of disability the board prints beside its table. None when the data hold no
    benchmark for this area dated on or before the end of the run's period.
    """
    obs = candidates[(candidates["measure"] == group.benchmark_measure) & (candidates["breakdown"] == group.breakdown)
                     & (candidates["source"] != "dfe") & candidates["value"].notna()]
    own = obs[obs["new_la_code"] == ctx.area_code]
    national = obs[obs["new_la_code"] == ""]
    if not own.empty:
        obs = own
    elif ctx.has_local() and not national.empty:
        obs = national
    else:
        return None
    latest = obs[obs["period_end"] == obs["period_end"].max()]
    row = latest[latest["breakdown_value"] == group.value]
    if row.empty:
        return None
    value = float(row["value"].iloc[0])
    if group.complement:
        c = latest[latest["breakdown_value"] == group.complement]
        comp = float(c["value"].iloc[0]) if not c.empty else float("nan")
    else:
        comp = 100.0 - value
    r = row.iloc[0]
    if group.benchmark_measure == "school_census_pupil_share":
        name = f"{group.benchmark_name} of {r['period_end'].strftime('%B %Y')} (pupils in Reception to Year 11)"
    else:
        name = f"{group.benchmark_name} (DWP Family Resources Survey {_fy(r['period_end'])})"
    return {"value": value, "complement": comp, "name": name, "period_end": r["period_end"]}


def count_range(share: float, n: float) -> tuple[int, int]:
    """Whole counts x whose share x / n rounds to the printed ``share`` (percent, one decimal)."""
    lo = math.ceil((share - 0.05) / 100.0 * n - 1e-9)
    hi = math.floor((share + 0.05) / 100.0 * n + 1e-9)
    return max(lo, 0), min(hi, int(n))


REP_COLUMNS = ["population", "group", "period_type", "period_start", "period_end", "period", "share", "status",
               "flags", "denominator", "denominator_table", "unvalidated", "count", "count_min", "count_max",
               "share_reachable", "not_recorded_share", "not_recorded_count", "complement_count", "benchmark",
               "complement_benchmark", "benchmark_name"]
STAT_COLUMNS = ["lower_95", "upper_95", "verdict_95", "lower_99_8", "upper_99_8", "verdict_99_8", "bound_none",
                "bound_all", "verdict_if_none_95", "verdict_if_all_95", "conclusion_95", "rri", "rri_lower",
                "rri_upper", "population_0_17", "rate_group", "rate_others"]


def representation_frame(ctx: common.Context, local: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per population × group × period, with reconstructed counts and every statistic.

    Percent: share (printed), not_recorded_share, benchmark, complement_benchmark, lower/upper
    (Wilson, 95% and 99.8%), bound_none / bound_all (the group's share if none / all of the
    unrecorded were in it). Counts (reconstructed = share × denominator, rounded): count,
    count_min / count_max (every whole count that prints as the share), not_recorded_count,
    complement_count (the other recorded group; everyone else for disability). Verdicts:
    verdict_95, verdict_99_8, verdict_if_none_95, verdict_if_all_95 and conclusion_95
    ("inconclusive" when the bounds disagree, "cannot be bounded" for disability). rri: rate
    in the group / rate in the other recorded group, with its exact 95% interval; rate_group /
    rate_others per 10,000 children aged 0–17 (group population = benchmark share × ONS).
    """
    local = local_frame(ctx) if local is None else local
    denoms = {"plans": plan_totals(local), "referrals": referral_totals(local)}
    cands = ctx.ds.select(sorted({g.benchmark_measure for g in GROUPS}), up_to=ctx.period)
    benchmarks = {g.key: benchmark_for(ctx, g, cands) for g in GROUPS}
    rows: list[dict] = []
    for pop in POPULATIONS:
        shares = _pick(local, pop.measure, source_table=pop.table, breakdown=[g.breakdown for g in GROUPS])
        cells = {(r["breakdown"], r["period_type"], r["period_end"], r["breakdown_value"]): r
                 for r in shares[["breakdown", "breakdown_value", "period_type", "period_start", "period_end", "value",
                                  "status", "flags"]].to_dict("records")}
        den = {(r["period_type"], r["period_end"]): r for r in denoms[pop.key].to_dict("records")}
        for group in GROUPS:
            bm = benchmarks[group.key]
            keys = sorted({(k[1], k[2]) for k in cells if k[0] == group.breakdown and k[3] == group.value},
                          key=lambda k: (k[1], k[0]))
            for ptype, end in keys:
                r = cells[(group.breakdown, ptype, end, group.value)]
                d = den.get((ptype, end))
                n = float(d["denominator"]) if d else float("nan")
                share = float(r["value"]) if pd.notna(r["value"]) else float("nan")
                ok = not (math.isnan(share) or math.isnan(n))
                lo, hi = count_range(share, n) if ok else (float("nan"), float("nan"))
                nr = cells.get((group.breakdown, ptype, end, NOT_RECORDED))
                nr_share = (float(nr["value"]) if nr is not None and pd.notna(nr["value"])
                            and group.breakdown != "disability" else float("nan"))
                comp = cells.get((group.breakdown, ptype, end, group.complement)) if group.complement else None
                count = float(round_half_up(share / 100.0 * n)) if ok else float("nan")
                if group.complement is None:
                    comp_count = n - count if ok else float("nan")
                elif comp is not None and pd.notna(comp["value"]) and ok:
                    comp_count = float(round_half_up(float(comp["value"]) / 100.0 * n))
                else:
                    comp_count = float("nan")
                rows.append({
                    "population": pop.key, "group": group.key, "period_type": ptype,
                    "period_start": r["period_start"], "period_end": end,
                    "period": period_label(ptype, r["period_start"], end),
                    "share": share, "status": r["status"], "flags": r["flags"],
                    "denominator": n, "denominator_table": d["denominator_table"] if d else "",
                    "unvalidated": bool(d["unvalidated"]) if d else False,
                    "count": count, "count_min": float(lo), "count_max": float(hi),
                    "share_reachable": (lo <= hi) if ok else True,
                    "not_recorded_share": nr_share,
                    "not_recorded_count": (float(round_half_up(nr_share / 100.0 * n))
                                           if ok and not math.isnan(nr_share) else float("nan")),
                    "complement_count": comp_count,
                    "benchmark": bm["value"] if bm else float("nan"),
                    "complement_benchmark": bm["complement"] if bm else float("nan"),
                    "benchmark_name": bm["name"] if bm else "",
                })
    df = pd.DataFrame(rows, columns=REP_COLUMNS)
    if df.empty:
        for c in STAT_COLUMNS:
            df[c] = pd.Series(dtype="object")
        return df
    return _add_statistics(ctx, df)


def _add_statistics(ctx: common.Context, df: pd.DataFrame) -> pd.DataFrame:
    """Wilson intervals and verdicts, not-recorded bounds and relative rate index (analysis.stats)."""
    df = df.copy()
    ok = df["count"].notna() & (df["denominator"] > 0)
    x, n = df["count"].where(ok), df["denominator"].where(ok)
    b = df["benchmark"] / 100.0
    sv = stats.share_vs_population(x, n, b, conf=(0.95, 0.998))
    for c in ("lower_95", "upper_95", "verdict_95", "lower_99_8", "upper_99_8", "verdict_99_8"):
        df[c] = sv[c]
    # bounds: none / all of the unrecorded in the group (disability has no "not recorded" row)
    u = df["not_recorded_count"]
    has = ok & u.notna()
    none_p, all_p = stats.not_recorded_bounds(x.where(has, 0.0), (n - u).where(has, 1.0), u.where(has, 0.0))
    df["bound_none"] = (none_p * 100.0).where(has)
    df["bound_all"] = (all_p * 100.0).where(has)
    x_all = (x + u).where(has)
    df["verdict_if_none_95"] = stats.compare_proportion_to_benchmark(x.where(has), n.where(has), b, conf=0.95)
    df["verdict_if_all_95"] = stats.compare_proportion_to_benchmark(x_all, n.where(has), b, conf=0.95)
    conclusion = []
    for r in df.itertuples(index=False):
        if r.verdict_95 is None:
            conclusion.append(None)
        elif math.isnan(r.not_recorded_share):
            conclusion.append(NO_BOUNDS)
        elif r.verdict_if_none_95 == r.verdict_if_all_95:
            conclusion.append(r.verdict_if_none_95)
        else:
            conclusion.append(INCONCLUSIVE)
    df["conclusion_95"] = pd.Series(conclusion, index=df.index, dtype="object")
    # relative rate index: group / other recorded children, populations as benchmark shares
    rr_ok = ok & df["complement_count"].notna() & (df["benchmark"] > 0) & (df["complement_benchmark"] > 0)
    rri, lo, hi = stats.relative_rate_index(x.where(rr_ok), df["benchmark"].where(rr_ok, 1.0),
                                            df["complement_count"].where(rr_ok), df["complement_benchmark"].where(rr_ok, 1.0))
    df["rri"], df["rri_lower"], df["rri_upper"] = rri.where(rr_ok), lo.where(rr_ok), hi.where(rr_ok)
    ons = ctx.ds.select("population_0_17", area_code=ctx.area_code, source="dfe")
    by_year = {int(e.year): float(v) for e, v in zip(ons["period_end"], ons["value"]) if pd.notna(v)}
    df["population_0_17"] = [by_year.get(population_for(e), float("nan")) for e in df["period_end"]]
    with np.errstate(invalid="ignore", divide="ignore"):
        df["rate_group"] = df["count"] / (df["benchmark"] / 100.0 * df["population_0_17"]) * 10_000
        df["rate_others"] = df["complement_count"] / (df["complement_benchmark"] / 100.0 * df["population_0_17"]) * 10_000
    return df


def not_recorded_frame(ctx: common.Context, local: pd.DataFrame | None = None) -> pd.DataFrame:
    """'Not recorded' share (percent) of ethnicity and of preferred language, referrals and plans,
    with the reconstructed count and its total."""
    local = local_frame(ctx) if local is None else local
    denoms = {"plans": plan_totals(local), "referrals": referral_totals(local)}
    rows = []
    for pop in POPULATIONS:
        nr = _pick(local, pop.measure, source_table=pop.table, breakdown=["ethnicity", "language"],
                   breakdown_value=NOT_RECORDED)
        den = {(r["period_type"], r["period_end"]): r["denominator"] for r in denoms[pop.key].to_dict("records")}
        for r in nr.to_dict("records"):
            n = float(den.get((r["period_type"], r["period_end"]), float("nan")))
            ok = pd.notna(r["value"]) and not math.isnan(n)
            rows.append({"population": pop.key, "breakdown": r["breakdown"], "period_type": r["period_type"],
                         "period_start": r["period_start"], "period_end": r["period_end"],
                         "period": period_label(r["period_type"], r["period_start"], r["period_end"]),
                         "share": r["value"], "count": float(round_half_up(r["value"] / 100.0 * n)) if ok else float("nan"),
                         "denominator": n, "flags": r["flags"]})
    out = pd.DataFrame(rows, columns=["population", "breakdown", "period_type", "period_start", "period_end",
                                      "period", "share", "count", "denominator", "flags"])
    return out.sort_values(["breakdown", "population", "period_end"]).reset_index(drop=True)


def census_frame(ctx: common.Context) -> pd.DataFrame:
    """Census 2021 usual residents (all ages, count) by the 20 ethnic groups, area and England.

    Dated 21 March 2021, after the board's periods: read whatever the run's period, as context
    that enters no verdict. Columns: area ("area"/"England"), ethnic_group, broad_group,
    board_category ("White" for every "White: ..." group, else "BME"), residents, share (percent).
    """
    frames = []
    for code, label in ((ctx.area_code, "area"), (ENGLAND, "England")):
        d = ctx.ds.select(CENSUS_MEASURE, area_code=code, source="dfe")
        d = d[d["value"].notna()]
        if d.empty:
            continue
        f = pd.DataFrame({"area": label, "ethnic_group": d["breakdown_value"].astype(str).to_numpy(),
                          "residents": d["value"].to_numpy()})
        f["broad_group"] = f["ethnic_group"].str.split(":").str[0].str.strip()
        f["board_category"] = np.where(f["broad_group"] == "White", "White", "BME")
        f["share"] = f["residents"] / f["residents"].sum() * 100.0
        frames.append(f)
    if not frames:
        return pd.DataFrame(columns=["area", "ethnic_group", "broad_group", "board_category", "residents", "share"])
    return pd.concat(frames, ignore_index=True)


def census_summary(census: pd.DataFrame, area: str) -> dict | None:
    """Shares (percent of all residents) for one area of :func:`census_frame`."""
    c = census[census["area"] == area]
    if c.empty:
        return None
    total = float(c["residents"].sum())
    bme = float(c.loc[c["board_category"] == "BME", "residents"].sum())
    gypsy_roma = float(c.loc[c["ethnic_group"].str.contains("Gypsy|Roma", regex=True), "residents"].sum())
    white_british = float(c.loc[c["ethnic_group"].str.startswith("White: English"), "residents"].sum())
    minority = c[c["board_category"] == "BME"].sort_values("residents", ascending=False)
    return {"total": total, "bme_share": bme / total * 100.0,
            "bme_incl_gypsy_roma_share": (bme + gypsy_roma) / total * 100.0,
            "not_white_british_share": (total - white_british) / total * 100.0,
            "broad": {k: float(v) / total * 100.0 for k, v in c.groupby("broad_group")["residents"].sum().items()},
            "largest_minority": minority["ethnic_group"].iloc[0] if not minority.empty else None,
            "largest_minority_share": float(minority["share"].iloc[0]) if not minority.empty else float("nan")}


def latest_rows(rep: pd.DataFrame) -> dict[tuple[str, str], pd.Series]:
    """The most recent printed row for each (population, group) up to the period end."""
    out: dict[tuple[str, str], pd.Series] = {}
    printed = rep[rep["share"].notna()] if not rep.empty else rep
    for (pop, grp), g in printed.groupby(["population", "group"], sort=False):
        out[(pop, grp)] = g.sort_values("period_end").iloc[-1]
    return out


def _items(latest: dict) -> list[tuple[Group, Population, pd.Series]]:
    return [(g, p, latest[(p.key, g.key)]) for g in GROUPS for p in POPULATIONS if (p.key, g.key) in latest]


def _ckey(pop: str, group: str, end: Any) -> tuple:
    return ("count", pop, group, pd.Timestamp(end))


def _nrkey(pop: str, breakdown: str, end: Any) -> tuple:
    return ("nr", pop, breakdown, pd.Timestamp(end))


# ------------------------------------------------------------------------------------------
# tables (numbers stay numbers; display formats and suppresses them)
# ------------------------------------------------------------------------------------------
BOARD_SOURCE_2_3_4_2 = f"{common.board_source('2.3')} and table 4.2; counts reconstructed from printed shares"
_PCT = "percent"


def benchmark_table(items: list) -> Table:
    """The latest share of each group among plans and referrals, with intervals and verdicts."""
    rows = [{"Group": g.short, "Among": p.label, "Period": r["period"], COUNT: r["count"], "Total": r["denominator"],
             "Share %": r["share"], "95% CI lower %": r["lower_95"], "95% CI upper %": r["upper_95"],
             "99.8% CI lower %": r["lower_99_8"], "99.8% CI upper %": r["upper_99_8"], "Benchmark %": r["benchmark"],
             "Verdict (95%)": r["verdict_95"] or "no benchmark", "Verdict (99.8%)": r["verdict_99_8"] or "no benchmark"}
            for g, p, r in items]
    derived = ["Share %", "95% CI lower %", "95% CI upper %", "99.8% CI lower %", "99.8% CI upper %"]
    return Table(
        title="Latest share of each group against its benchmark", frame=pd.DataFrame(rows),
        source=BOARD_SOURCE_2_3_4_2, count_columns=[COUNT], derived={c: COUNT for c in derived},
        formats={"Total": "count", "Benchmark %": _PCT, **{c: _PCT for c in derived}},
        notes=["Count = printed share × printed total, rounded: the board prints percentages only.",
               "Verdicts follow PHE's rule: higher or lower when the benchmark lies outside the Wilson interval."])


def rri_table(items: list) -> Table:
    """Relative rate index of each group on plans, with rates per 10,000 children aged 0–17."""
    rows = [{"Group": g.short, "Date": r["period"], COUNT: r["count"],
             "Other recorded children (reconstructed)": r["complement_count"],
             "Group's benchmark share %": r["benchmark"], "Others' benchmark share %": r["complement_benchmark"],
             "Children aged 0–17 (ONS)": r["population_0_17"], "Rate per 10,000 in group": r["rate_group"],
             "Rate per 10,000 others": r["rate_others"], "Relative rate index": r["rri"],
             "RRI 95% CI lower": r["rri_lower"], "RRI 95% CI upper": r["rri_upper"]}
            for g, p, r in items if p.key == "plans" and not _missing(r["rri"])]
    other = "Other recorded children (reconstructed)"
    return Table(
        title="Relative rate index: children on plans per 10,000 in each group against other children",
        frame=pd.DataFrame(rows), source=f"{common.board_source('4.2')}; benchmarks from table 2.3; {charts.DFE_SOURCE}",
        count_columns=[COUNT, other],
        derived={"Rate per 10,000 in group": COUNT, "Rate per 10,000 others": other, "Relative rate index": COUNT,
                 "RRI 95% CI lower": COUNT, "RRI 95% CI upper": COUNT},
        formats={"Group's benchmark share %": _PCT, "Others' benchmark share %": _PCT, "Children aged 0–17 (ONS)": "count",
                 "Rate per 10,000 in group": "rate", "Rate per 10,000 others": "rate", "Relative rate index": "ratio",
                 "RRI 95% CI lower": "ratio", "RRI 95% CI upper": "ratio"},
        notes=["Each group's population is its benchmark share × the ONS mid-year estimate of children aged 0–17 "
               "(DfE's convention for the year); the index and its exact interval depend only on the shares.",
               "Other recorded children: White British/Irish/Other (ethnicity), English (language), everyone else on a "
               "plan (disability). Unborn children and those not recorded are in neither rate."])


def trend_table(rep: pd.DataFrame, group: Group) -> tuple[Table, list[tuple]]:
    """Every period for one group, plans and referrals: share, interval, verdicts and bounds.

    Returns the table and, row by row, the key of its count (for :class:`Withheld`)."""
    g = rep[rep["group"] == group.key].sort_values(["population", "period_end"]).reset_index(drop=True)
    frame = pd.DataFrame({
        "Among": g["population"].map({p.key: p.label for p in POPULATIONS}),
        "Period": g["period"], COUNT: g["count"], "Total": g["denominator"], "Share %": g["share"],
        "95% CI lower %": g["lower_95"], "95% CI upper %": g["upper_95"], "Benchmark %": g["benchmark"],
        "Verdict (95%)": g["verdict_95"].where(g["verdict_95"].notna(), "no benchmark"),
        "Verdict (99.8%)": g["verdict_99_8"].where(g["verdict_99_8"].notna(), "no benchmark"),
        "Within not-recorded bounds (95%)": g["conclusion_95"].where(g["conclusion_95"].notna(), "x"),
    })
    frame.loc[g["share"].isna().to_numpy(), COUNT] = float("nan")
    derived = ["Share %", "95% CI lower %", "95% CI upper %"]
    t = Table(title=f"{group.short} share of referrals and of children on plans", frame=frame,
              source=BOARD_SOURCE_2_3_4_2, count_columns=[COUNT], derived={c: COUNT for c in derived},
              formats={"Total": "count", "Benchmark %": _PCT, **{c: _PCT for c in derived}},
              notes=["Referral shares for 2017/18 are cumulative from 1 April to each quarter end; earlier years are "
                     "whole financial years. Plans are counted at each date. x = not available (printed as not yet known)."])
    return t, [_ckey(p, group.key, e) for p, e in zip(g["population"], g["period_end"])]


def nr_table(nr: pd.DataFrame) -> tuple[Table, list[tuple]]:
    """The 'not recorded' shares over time, and row by row the key of each count."""
    frame = pd.DataFrame({"Recording of": nr["breakdown"],
                          "Among": nr["population"].map({p.key: p.label for p in POPULATIONS}),
                          "Period": nr["period"], NR_COUNT: nr["count"], "Total": nr["denominator"],
                          "Not recorded %": nr["share"]})
    t = Table(title="Ethnicity and preferred language not recorded", frame=frame, source=BOARD_SOURCE_2_3_4_2,
              count_columns=[NR_COUNT], derived={"Not recorded %": NR_COUNT},
              formats={"Total": "count", "Not recorded %": _PCT})
    return t, [_nrkey(p, b, e) for p, b, e in zip(nr["population"], nr["breakdown"], nr["period_end"])]


def bounds_table(items: list, w: Withheld) -> Table:
    """For each group and population at the latest date: verdicts if none / all unrecorded were in it.

    Shares only (the counts are in the benchmark and not-recorded tables); in public mode a
    share resting on a withheld count is already ``c`` here, since this table has no count
    column for the display to suppress.
    """
    rows = []
    for g, p, r in items:
        hide, hide_range = _row_hidden(w, r), _range_hidden(w, r)
        rows.append({"Group": g.short, "Among": p.label, "Period": r["period"],
                     "Share %": "c" if hide else r["share"],
                     "Not recorded %": "c" if hide_range and not _missing(r["not_recorded_share"]) else r["not_recorded_share"],
                     "Share if none unrecorded in group %": "c" if hide_range and not _missing(r["bound_none"]) else r["bound_none"],
                     "Share if all unrecorded in group %": "c" if hide_range and not _missing(r["bound_all"]) else r["bound_all"],
                     "Benchmark %": r["benchmark"], "Verdict if none (95%)": r["verdict_if_none_95"] or "x",
                     "Verdict if all (95%)": r["verdict_if_all_95"] or "x",
                     "Conclusion (95%)": r["conclusion_95"] or "no benchmark"})
    return Table(
        title="Bounds that unrecorded ethnicity and language put on each verdict", frame=pd.DataFrame(rows),
        source=BOARD_SOURCE_2_3_4_2,
        formats={c: _PCT for c in ("Share %", "Not recorded %", "Share if none unrecorded in group %",
                                    "Share if all unrecorded in group %", "Benchmark %")},
        notes=["Inconclusive: the verdict at 95% differs between the two bounds, so the data cannot say which holds.",
               "Disability has no 'not recorded' row in the board's tables, so the disability share cannot be bounded: "
               "a child whose disability is not recorded is counted as not disabled (x = not applicable here).",
               "c = withheld to protect confidentiality (the figure rests on 1 to 5 children, or would reveal one)."])


def change_table(rep: pd.DataFrame, w: Withheld) -> tuple[Table, list[tuple]]:
    """Change in each group's share of children on plans over the year to the latest date
    (Newcombe interval for a difference of proportions, via analysis.stats.change_significance).

    Shares only; in public mode a row resting on a withheld count (in the trend tables) is ``c``.
    """
    rows, meta = [], []
    for group in GROUPS:
        p = rep[(rep["population"] == "plans") & (rep["group"] == group.key) & rep["count"].notna()]
        if p.empty:
            continue
        p = p.sort_values("period_end")
        new = p.iloc[-1]
        old = p[p["period_end"] == pd.Timestamp(new["period_end"]) - pd.DateOffset(years=1)]
        if old.empty:
            continue
        old = old.iloc[0]
        ch = stats.change_significance(old["count"], new["count"], old["denominator"], new["denominator"],
                                       kind="proportion")
        hide = _row_hidden(w, old, "trend") or _row_hidden(w, new, "trend")
        c = (lambda v: "c") if hide else (lambda v: v)  # noqa: E731
        rows.append({"Group": group.short, "From": old["period"], "To": new["period"],
                     "Share then %": c(old["share"]), "Share now %": c(new["share"]),
                     "Change (percentage points)": c(float(ch.effect)), "95% CI lower (points)": c(float(ch.lower_95)),
                     "95% CI upper (points)": c(float(ch.upper_95)),
                     "Significant at 95%": c("yes" if ch.significant_95 else "no"),
                     "Significant at 99.8%": c("yes" if ch.significant_99_8 else "no")})
        meta.append((group, old, new, ch, hide))
    t = Table(
        title="Change in each group's share of children on plans over the year", frame=pd.DataFrame(rows),
        source=f"{common.board_source('4.2')}; counts reconstructed from printed shares",
        formats={c: _PCT for c in ("Share then %", "Share now %", "Change (percentage points)",
                                    "95% CI lower (points)", "95% CI upper (points)")},
        notes=["Newcombe's interval for the difference of two proportions. Many children are on a plan at both dates, "
               "so the shares are not independent samples: read the test as a screen for more than year-to-year noise.",
               "c = withheld to protect confidentiality (the figure rests on 1 to 5 children, or would reveal one)."])
    return t, meta


def mix_results(latest: dict) -> list[dict]:
    """Chi-squared goodness of fit of the recorded ethnicity and language mix of children on
    plans against the School Census mix (analysis.stats.goodness_of_fit)."""
    out = []
    for group in (GROUP_BY_KEY["bme"], GROUP_BY_KEY["non_english"]):
        r = latest.get(("plans", group.key))
        if r is None or _missing(r["benchmark"]) or _missing(r["complement_count"]) or _missing(r["count"]):
            continue
        obs = pd.Series({group.value: r["count"], group.complement: r["complement_count"]})
        exp = pd.Series({group.value: r["benchmark"], group.complement: r["complement_benchmark"]})
        if obs.sum() <= 0 or exp.isna().any():
            continue
        out.append({"group": group, "row": r, "gof": stats.goodness_of_fit(obs, exp)})
    return out


def mix_tables(results: list[dict]) -> tuple[Table, Table, list[tuple]]:
    """The recorded mix against the School Census, the test results, and the mix table's count keys."""
    mix_rows, test_rows, keys = [], [], []
    for m in results:
        g, r, gof = m["group"], m["row"], m["gof"]
        for cat, t in gof.table.iterrows():
            mix_rows.append({"Recording of": g.breakdown, "Category": cat, "Date": r["period"], "Children": t["observed"],
                             "Share of recorded children %": t["observed_share"],
                             "School Census share (rescaled) %": t["expected_share"], "Expected children": t["expected"]})
            keys.append(_ckey("plans", g.key, r["period_end"]) if cat == g.value
                        else ("complement", "plans", g.key, pd.Timestamp(r["period_end"])))
        test_rows.append({"Recording of": g.breakdown, "Date": r["period"], "Categories": " / ".join(map(str, gof.table.index)),
                          "Children with it recorded": float(gof.table["observed"].sum()),
                          "Smallest expected count": float(gof.table["expected"].min()), "Chi-squared": gof.statistic,
                          "Degrees of freedom": f"{gof.dof} (categories less one)",
                          "p-value": "<0.001" if gof.p_value < 0.001 else fmt_number(gof.p_value, 3),
                          "Reliable": "yes" if gof.reliable else "no: an expected count is below 5"})
    src = f"{common.board_source('4.2')}; School Census shares from table 2.3; counts reconstructed"
    mix = Table(title="Recorded mix of children on plans and the School Census mix", frame=pd.DataFrame(mix_rows),
                source=src, count_columns=["Children"], derived={"Share of recorded children %": "Children"},
                formats={"Share of recorded children %": _PCT, "School Census share (rescaled) %": _PCT,
                         "Expected children": "rate"})
    test = Table(title="Chi-squared goodness of fit against the School Census", frame=pd.DataFrame(test_rows), source=src,
                 count_columns=["Children with it recorded"], formats={"Smallest expected count": "rate", "Chi-squared": "rate"})
    return mix, test, keys


# ------------------------------------------------------------------------------------------
# the build
# ------------------------------------------------------------------------------------------
def build(area_code: str = "E10000031", period: str | None = "2017-18 Q4", data_dir: str | Path | None = None,
          disclosure: str = "public", area_name: str | None = None) -> ThemeResult:
    """Representation of BME, non-English-speaking and disabled children, for one area and period.

    Parameters
    ----------
    area_code : ONS code of the local authority (``E10000031`` Warwickshire).
    period : financial quarter ``"2017-18 Q4"`` (or year ``"2017-18"``); the board's figures
        after its end are never read (None: the latest period in the data).
    data_dir : a ``data/raw`` folder (None: the package's).
    disclosure : ``"public"`` (counts 1–5, and cells that would reveal them, withheld from
        tables, charts and sentences) or ``"internal"``.
    area_name : display name (default: the name in the DfE files).
    """
    ctx = common.context(area_code, period, data_dir, disclosure, area_name)
    local = local_frame(ctx)
    rep = representation_frame(ctx, local)
    nr = not_recorded_frame(ctx, local)
    census = census_frame(ctx)
    latest = latest_rows(rep)
    items = _items(latest)
    w = Withheld(public=ctx.disclosure == "public")

    # tables first: each chart and sentence withholds what its table suppresses
    tbl: dict[str, Any] = {"benchmark": benchmark_table(items), "rri": rri_table(items)}
    trends = {g.key: trend_table(rep, g) for g in GROUPS}
    tbl["trend"] = {k: t for k, (t, _) in trends.items()}
    tbl["nr"], nr_keys = nr_table(nr)
    mix = mix_results(latest)
    tbl["mix"], tbl["gof"], tbl["mix_keys"] = mix_tables(mix)
    w.register("benchmark", tbl["benchmark"], COUNT, [_ckey(p.key, g.key, r["period_end"]) for g, p, r in items])
    plan_items = [(g, r) for g, p, r in items if p.key == "plans" and not _missing(r["rri"])]
    w.register("rri", tbl["rri"], COUNT, [_ckey("plans", g.key, r["period_end"]) for g, r in plan_items])
    for g in GROUPS:
        w.register("trend", tbl["trend"][g.key], COUNT, trends[g.key][1])
    w.register("nr", tbl["nr"], NR_COUNT, nr_keys)
    w.register("mix", tbl["mix"], "Children", tbl["mix_keys"])
    tbl["bounds"] = bounds_table(items, w)
    tbl["change"], change_meta = change_table(rep, w)

    result = ThemeResult(theme=THEME, title=TITLE, area_code=ctx.area_code, area_name=ctx.area_name,
                         period=ctx.period, disclosure=ctx.disclosure)
    result.sections = [
        _section_benchmarks(ctx, items, w, tbl),
        _section_trends(ctx, rep, w, tbl, change_meta),
        _section_not_recorded(ctx, rep, nr, items, w, tbl),
        _section_mix(ctx, latest, mix, w, tbl),
        _section_census(ctx, census),
    ]
    result.key_figures = _key_figures(latest, census, w)
    result.key_findings = _key_findings(ctx, latest, census, w)
    result.caveats = _caveats(ctx, rep, latest, census, theme_findings(ctx), w)
    return result


def _row_hidden(w: Withheld, r: pd.Series, scope: str = "benchmark") -> bool:
    """Whether a row's count (and every share or interval from it) is withheld in this scope."""
    return w.hidden(_ckey(r["population"], r["group"], r["period_end"]), r["count"], scope)


def _range_hidden(w: Withheld, r: pd.Series) -> bool:
    g = GROUP_BY_KEY[r["group"]]
    return _row_hidden(w, r) or w.hidden(_nrkey(r["population"], g.breakdown, r["period_end"]),
                                         r["not_recorded_count"], "nr")


def _missing_local_sentence(ctx: common.Context, what: str) -> str:
    if not ctx.has_local():
        return (f"The board's tables 2.3 and 4.2 (shares of referrals and of children on plans by ethnicity, preferred "
                f"language and disability) are not in the data for {ctx.area_name}, so {what} cannot be shown.")
    return (f"The board's tables 2.3 and 4.2 have no figures for {ctx.area_name} on or before "
            f"{_date(ctx.period.end)}, so {what} cannot be shown.")


# ------------------------------------------------------------------------------------------
# chart helpers
# ------------------------------------------------------------------------------------------
def _legend_below(ax, ncol: int = 2, offset: float = -0.18) -> None:
    """Legend under the plot so the plot keeps its width (charts.finish is called with legend=False)."""
    handles, labels = ax.get_legend_handles_labels()
    if labels:
        ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(0.0, offset), ncol=ncol, fontsize=9, frameon=False)


def _date_axis(ax, dates: pd.Series) -> dict:
    """Evenly spaced period ends on the x axis ("Mar\\n2013" ...); returns date -> position."""
    ends = sorted(pd.Timestamp(d) for d in pd.unique(dates))
    pos = {d: i for i, d in enumerate(ends)}
    ax.set_xticks(range(len(ends)), [d.strftime("%b\n%Y") for d in ends], fontsize=9)
    ax.set_xlim(-0.5, len(ends) - 0.5 + 0.8)
    return pos


def _item_label(group: Group, pop: Population, r: pd.Series) -> str:
    return f"{group.short}\n{'children on plans' if pop.key == 'plans' else 'referrals'}, {r['period']}"


def _plot_series(ax, d: pd.DataFrame, hidden: pd.Series, pos: dict, style: dict, label: str, band: bool) -> None:
    """One series, a separate line per period type (a year is not joined to a cumulative quarter),
    with gaps, not joins, where a value is missing or withheld."""
    first = True
    for _, seg in d.groupby("period_type", sort=False):
        seg = seg.sort_values("period_end")
        mask = hidden.loc[seg.index]
        xs = seg["period_end"].map(lambda e: pos[pd.Timestamp(e)]).astype(float)
        if band:
            ax.fill_between(xs, seg["lower_95"].astype(float).mask(mask), seg["upper_95"].astype(float).mask(mask),
                            color=style["color"], alpha=0.15, linewidth=0)
        ax.plot(xs, seg["share"].astype(float).mask(mask), label=label if first else None, **style)
        first = False


# ------------------------------------------------------------------------------------------
# section: against the benchmarks, latest date
# ------------------------------------------------------------------------------------------
def _benchmark_chart(ctx: common.Context, items: list, w: Withheld) -> charts.Chart:
    fig, ax = charts.new_chart(9.0, 0.75 * len(items) + 2.2)
    text_axis = ax.get_yaxis_transform()  # x in axes fraction, y in data units
    xmax, alt = 1.0, []
    for i, (group, pop, r) in enumerate(items):
        y = len(items) - 1 - i
        st = charts.series_style(0 if pop.key == "plans" else 1)
        hide = _row_hidden(w, r) or _missing(r["share"])
        if hide:
            note = "not available" if _missing(r["share"]) else "suppressed (small number)"
        else:
            ax.plot([r["lower_99_8"], r["upper_99_8"]], [y, y], color=st["color"], linewidth=1.2)
            ax.plot([r["lower_95"], r["upper_95"]], [y, y], color=st["color"], linewidth=5, solid_capstyle="butt")
            ax.plot(r["share"], y, marker=st["marker"], color=st["color"], markersize=9, linestyle="none",
                    markeredgecolor="white")
            xmax = max(xmax, r["upper_99_8"])
            note = fmt_percent(r["share"])
        if not _missing(r["benchmark"]):
            ax.plot(r["benchmark"], y, marker="D", color="#000000", markersize=7, linestyle="none",
                    markerfacecolor="white", markeredgewidth=1.5)
            xmax = max(xmax, r["benchmark"])
            if not hide:
                note += f" vs {fmt_percent(r['benchmark'])}: {r['verdict_95']}"
        ax.text(1.02, y, note, transform=text_axis, va="center", fontsize=9)
        alt.append(f"{group.short} among {pop.label}, {r['period']}: {note}"
                   + (f" (95% interval {fmt_interval(r['lower_95'], r['upper_95'])})" if not hide else ""))
    ax.set_yticks(range(len(items))[::-1], [_item_label(g, p, r) for g, p, r in items], fontsize=9)
    ax.set_ylim(-0.6, len(items) - 0.4)
    ax.set_xlim(0, xmax * 1.08 + 0.5)
    ax.plot([], [], color=charts.PALETTE[0], marker="o", linewidth=5, label="children on plans: share, 95% interval")
    ax.plot([], [], color=charts.PALETTE[1], marker="s", linewidth=5, label="referrals: share, 95% interval")
    ax.plot([], [], color="#444444", linewidth=1.2, label="thin line: 99.8% interval")
    ax.plot([], [], marker="D", color="#000000", markerfacecolor="white", linestyle="none", label="benchmark")
    _legend_below(ax, 2)
    plans = [(g, r) for g, p, r in items if p.key == "plans" and not _row_hidden(w, r) and r["verdict_95"] is not None]
    lower = [g.title_name for g, r in plans if r["verdict_95"] == stats.LOWER]
    higher = [g.title_name for g, r in plans if r["verdict_95"] == stats.HIGHER]
    if lower:
        title = f"On plans, the {_join(lower)} {'shares are' if len(lower) > 1 else 'share is'} below the benchmark"
    elif higher:
        title = f"On plans, the {_join(higher)} {'shares are' if len(higher) > 1 else 'share is'} above the benchmark"
    elif plans:
        title = "On plans, no group's share differs significantly from its benchmark"
    else:
        title = "Shares of each group against the benchmarks"
    return charts.finish(fig, ax, title=title,
                         subtitle="Share (%) with 95% (thick) and 99.8% (thin) Wilson intervals; diamond = benchmark; "
                                  "verdict at 95%",
                         xlabel="Share (%)", ylabel="",
                         source=f"{common.board_source('2.3')} and table 4.2; benchmarks as printed in table 2.3",
                         alt="Dot plot. " + "; ".join(alt) + ".", legend=False)


def _share_sentence(ctx: common.Context, w: Withheld, group: Group, pop: Population, r: pd.Series,
                    with_998: bool = False) -> str:
    """Share, count, interval and verdict of one row, in one sentence (public mode: no small counts)."""
    when = _cap(period_phrase(r["period_type"], r["period_start"], r["period_end"]))
    unit = pop.unit
    of_group = group.noun if pop.key == "plans" else f"for {group.noun}"
    if _row_hidden(w, r):
        return (f"{when}, {w.count_words(r['count'], unit, _ckey(pop.key, group.key, r['period_end']))} among "
                f"{pop.label} were {of_group}; the share is withheld to protect confidentiality.")
    bench = (f"the {fmt_percent(r['benchmark'])} in the {r['benchmark_name']}" if not _missing(r["benchmark"])
             else "a benchmark")
    text = (f"{when}, {fmt_percent(r['share'])} of {pop.label} were {of_group} (about {fmt_count(r['count'])} of "
            f"{fmt_count(r['denominator'])}; 95% confidence interval {fmt_interval(r['lower_95'], r['upper_95'])}), "
            f"{verdict_phrase(r['verdict_95'], bench)}")
    if r["verdict_95"] is not None:
        text += ", at 95% confidence"
        if with_998 and r["verdict_99_8"] is not None:
            text += " and at 99.8%" if r["verdict_99_8"] == r["verdict_95"] else f" ({r['verdict_99_8']} at 99.8%)"
    return text + "."


def _section_benchmarks(ctx: common.Context, items: list, w: Withheld, tbl: dict) -> Section:
    s = Section("benchmarks", "Representation against the benchmarks")
    if not items:
        s.unavailable = _missing_local_sentence(ctx, "the shares of BME, non-English-speaking and disabled children")
        return s
    s.paragraphs.append(
        "Each share is compared with the same group's share of a reference population, as the board's table 2.3 "
        "prints them: the School Census (pupils in Reception to Year 11) for ethnicity and preferred language, and the "
        "national prevalence of disability among children for disability. A share is significantly higher or lower "
        "when the benchmark lies outside its confidence interval.")
    if all(_missing(r["benchmark"]) for _, _, r in items):
        s.paragraphs.append(f"No benchmark in the data is dated on or before {_date(ctx.period.end)}, so no verdict is "
                            "given for this period.")
    s.charts.append((_benchmark_chart(ctx, items, w), tbl["benchmark"]))
    for g, p, r in items:
        if p.key == "plans" and not _missing(r["share"]):
            s.paragraphs.append(_share_sentence(ctx, w, g, p, r, with_998=True))
    for g, p, r in items:
        if p.key == "plans" and not _missing(r["rri"]) and not _row_hidden(w, r, "rri") and not _row_hidden(w, r):
            s.paragraphs.append(
                f"Relative rate index for {g.noun} on plans {period_phrase('snapshot', r['period_end'], r['period_end'])}: "
                f"{fmt_number(r['rri'], 2)} (95% confidence interval {fmt_interval(r['rri_lower'], r['rri_upper'], 'ratio')}); "
                f"1.00 would mean the same rate as other recorded children.")
    if not tbl["rri"].frame.empty:
        s.tables.append(tbl["rri"])
    return s


# ------------------------------------------------------------------------------------------
# section: over time
# ------------------------------------------------------------------------------------------
def _trend_chart(ctx: common.Context, rep: pd.DataFrame, group: Group, w: Withheld) -> charts.Chart | None:
    g = rep[rep["group"] == group.key]
    if g["share"].notna().sum() == 0:
        return None
    hidden = pd.Series([_row_hidden(w, r, "trend") for _, r in g.iterrows()], index=g.index)
    fig, ax = charts.new_chart(8.5, 5.0)
    pos = _date_axis(ax, g["period_end"])
    descr = []
    for i, pop in enumerate(POPULATIONS):
        d = g[g["population"] == pop.key]
        if d.empty:
            continue
        st = charts.series_style(i)
        lbl = "children on plans (at each date)" if pop.key == "plans" else "referrals (each year; 2017/18 from 1 April)"
        _plot_series(ax, d, hidden, pos, st, lbl, True)
        shown = d[d["share"].notna() & ~hidden.loc[d.index]].sort_values("period_end")
        if not shown.empty:
            last = shown.iloc[-1]
            ax.annotate(fmt_percent(last["share"]), (pos[pd.Timestamp(last["period_end"])], last["share"]),
                        textcoords="offset points", xytext=(7, 0), va="center", fontsize=9, color=st["color"])
        descr.append(f"{pop.label}: " + ", ".join(
            f"{r['period']} " + ("withheld" if hidden.loc[k] else fmt_percent(r["share"]))
            for k, r in d.sort_values("period_end").iterrows()))
    bench = g["benchmark"].dropna()
    if not bench.empty:
        ax.axhline(float(bench.iloc[-1]), color="#000000", linestyle=(0, (2, 2)), linewidth=1.2,
                   label=f"benchmark ({fmt_percent(bench.iloc[-1])})")
    ax.set_ylim(bottom=0)
    _legend_below(ax, 2, -0.3)
    plans = g[(g["population"] == "plans") & g["verdict_95"].notna() & ~hidden]
    if not plans.empty:
        n_lower = int((plans["verdict_95"] == stats.LOWER).sum())
        n_higher = int((plans["verdict_95"] == stats.HIGHER).sum())
        word, k = ("below", n_lower) if n_lower >= n_higher else ("above", n_higher)
        title = f"{group.short} share of children on plans: {word} the benchmark at {k} of {len(plans)} dates shown"
    else:
        title = f"{group.short} share of referrals and of children on plans over time"
    subtitle = "Share (%) with 95% Wilson interval (shaded)"
    if hidden.any():
        subtitle += "; gaps: withheld small numbers"
    return charts.finish(fig, ax, title=title, subtitle=subtitle, xlabel="Period end", ylabel="Share (%)",
                         source=f"{common.board_source('2.3')} and table 4.2",
                         alt=f"Line chart of the {group.short} share over time. " + ". ".join(descr)
                         + (f". Benchmark {fmt_percent(bench.iloc[-1])}." if not bench.empty else "."), legend=False)


def _section_trends(ctx: common.Context, rep: pd.DataFrame, w: Withheld, tbl: dict, change_meta: list) -> Section:
    s = Section("trends", "Shares over time: referrals and children on plans")
    if rep.empty or rep["share"].notna().sum() == 0:
        s.unavailable = _missing_local_sentence(ctx, "the shares over time")
        return s
    s.paragraphs.append(
        "Each chart follows one group: its share of referrals (each financial year, then 2017/18 cumulatively from "
        "1 April to each quarter end) and its share of children on plans at each year and quarter end, against the "
        "benchmark. The shaded band is the 95% confidence interval; the last column of each table says whether the "
        "verdict survives the records whose ethnicity or language was not recorded.")
    for g in GROUPS:
        chart = _trend_chart(ctx, rep, g, w)
        if chart is not None:
            s.charts.append((chart, tbl["trend"][g.key]))
    for group, old, new, ch, hide in change_meta:
        if hide:
            continue
        direction = "fell" if ch.effect < 0 else "rose" if ch.effect > 0 else "did not change"
        sig = ("a significant change at 95% confidence" + (" and at 99.8%" if ch.significant_99_8 else "")
               if ch.significant_95 else "not a significant change at 95% confidence")
        s.paragraphs.append(
            f"The {group.short} share of children on plans {direction} from {fmt_percent(old['share'])} at "
            f"{_date(old['period_end'])} to {fmt_percent(new['share'])} at {_date(new['period_end'])} (difference "
            f"{fmt_number(ch.effect * 1, 1)} percentage points, 95% interval "
            f"{fmt_number(ch.lower_95, 1)} to {fmt_number(ch.upper_95, 1)}): {sig}.")
    if not tbl["change"].frame.empty:
        s.tables.append(tbl["change"])
    for r in rep[(rep["status"] != "") & rep["share"].isna()].itertuples(index=False):
        s.paragraphs.append(f"The {GROUP_BY_KEY[r.group].short} share of {POP_BY_KEY[r.population].label} for "
                            f"{r.period} is not available (the report prints it as not yet known).")
    return s


# ------------------------------------------------------------------------------------------
# section: not recorded, and the bounds it puts on each conclusion
# ------------------------------------------------------------------------------------------
def _not_recorded_chart(ctx: common.Context, nr: pd.DataFrame, w: Withheld) -> charts.Chart | None:
    if nr.empty or nr["share"].notna().sum() == 0:
        return None
    hidden = pd.Series([w.hidden(_nrkey(r["population"], r["breakdown"], r["period_end"]), r["count"], "nr")
                        for _, r in nr.iterrows()], index=nr.index)
    fig, ax = charts.new_chart(8.5, 5.0)
    pos = _date_axis(ax, nr["period_end"])
    descr = []
    for i, (pop, bd) in enumerate([(p, b) for p in ("referrals", "plans") for b in ("ethnicity", "language")]):
        d = nr[(nr["population"] == pop) & (nr["breakdown"] == bd)]
        if d.empty:
            continue
        lbl = f"{bd} not recorded: {'referrals' if pop == 'referrals' else 'children on plans'}"
        _plot_series(ax, d, hidden, pos, charts.series_style(i), lbl, False)
        descr.append(lbl + ": " + ", ".join(f"{r['period']} " + ("withheld" if hidden.loc[k] else fmt_percent(r["share"]))
                                            for k, r in d.iterrows()))
    ax.set_ylim(bottom=0)
    _legend_below(ax, 2, -0.3)
    ref = nr[(nr["population"] == "referrals") & (nr["breakdown"] == "ethnicity") & nr["share"].notna()]
    plan = nr[(nr["population"] == "plans") & (nr["breakdown"] == "ethnicity") & nr["share"].notna()]
    if not ref.empty:
        a = ref.iloc[-1]
        title = f"Ethnicity not recorded: {fmt_percent(a['share'])} of referrals in the latest period"
        if not plan.empty:
            b = plan.iloc[-1]
            title += (", a withheld small number of children on plans" if hidden.loc[plan.index[-1]]
                      else f", {fmt_percent(b['share'])} of children on plans")
    else:
        title = "Records with ethnicity or language not recorded"
    subtitle = "Referrals or children on plans whose ethnicity or preferred language is not recorded (%)"
    if hidden.any():
        subtitle += "; gaps: withheld small numbers"
    return charts.finish(fig, ax, title=title, subtitle=subtitle, xlabel="Period end", ylabel="Not recorded (%)",
                         source=f"{common.board_source('2.3')} and table 4.2",
                         alt="Line chart of 'not recorded' shares over time. " + ". ".join(descr) + ".", legend=False)


def _bounds_chart(ctx: common.Context, items: list, w: Withheld) -> charts.Chart:
    fig, ax = charts.new_chart(9.0, 0.75 * len(items) + 2.2)
    text_axis = ax.get_yaxis_transform()
    xmax, alt = 1.0, []
    for i, (g, p, r) in enumerate(items):
        y = len(items) - 1 - i
        st = charts.series_style(0 if p.key == "plans" else 1)
        if _row_hidden(w, r) or _missing(r["share"]):
            note = "not available" if _missing(r["share"]) else "suppressed (small number)"
        else:
            if _missing(r["bound_all"]):
                note = f"{fmt_percent(r['share'])}: cannot be bounded"
            elif _range_hidden(w, r):
                note = f"{fmt_percent(r['share'])}: range withheld (small number not recorded)"
            else:
                ax.plot([r["bound_none"], r["bound_all"]], [y, y], color=st["color"], linewidth=6, alpha=0.45,
                        solid_capstyle="butt")
                xmax = max(xmax, r["bound_all"])
                note = (f"{fmt_percent(r['bound_none'])} to {fmt_percent(r['bound_all'])}: "
                        f"{r['conclusion_95'] or 'no benchmark'}")
            ax.plot(r["share"], y, marker=st["marker"], color=st["color"], markersize=9, linestyle="none",
                    markeredgecolor="white")
            xmax = max(xmax, r["share"])
        if not _missing(r["benchmark"]):
            ax.plot(r["benchmark"], y, marker="D", color="#000000", markerfacecolor="white", markersize=7,
                    linestyle="none", markeredgewidth=1.5)
            xmax = max(xmax, r["benchmark"])
        ax.text(1.02, y, note, transform=text_axis, va="center", fontsize=9)
        alt.append(f"{g.short} among {p.label}, {r['period']}: {note}")
    ax.set_yticks(range(len(items))[::-1], [_item_label(g, p, r) for g, p, r in items], fontsize=9)
    ax.set_ylim(-0.6, len(items) - 0.4)
    ax.set_xlim(0, xmax * 1.08 + 0.5)
    ax.plot([], [], color=charts.PALETTE[0], linewidth=6, alpha=0.45, label="plans: none to all unrecorded in group")
    ax.plot([], [], color=charts.PALETTE[1], linewidth=6, alpha=0.45, label="referrals: none to all unrecorded in group")
    ax.plot([], [], marker="o", color="#444444", linestyle="none", label="printed share")
    ax.plot([], [], marker="D", color="#000000", markerfacecolor="white", linestyle="none", label="benchmark")
    _legend_below(ax, 2)
    incon = [f"{g.short} {'on plans' if p.key == 'plans' else 'referrals'}" for g, p, r in items
             if r["conclusion_95"] == INCONCLUSIVE and not _range_hidden(w, r)]
    title = (f"Unrecorded data make the verdict inconclusive for {_join(incon)}" if incon
             else "No verdict shown changes whether none or all of the unrecorded are in the group")
    return charts.finish(fig, ax, title=title,
                         subtitle="Group share if none (left end) or all (right end) of the unrecorded were in the "
                                  "group; verdict at 95%",
                         xlabel="Share (%)", ylabel="", source=f"{common.board_source('2.3')} and table 4.2",
                         alt="Range chart. " + "; ".join(alt) + ".", legend=False)


def _bounds_sentence(w: Withheld, group: Group, pop: Population, r: pd.Series) -> str | None:
    when = period_phrase(r["period_type"], r["period_start"], r["period_end"])
    if group.breakdown == "disability":
        return (f"Disability among {pop.label} ({r['period']}) cannot be bounded: the board's tables give no 'not "
                f"recorded' figure for disability, so a child whose disability is not recorded counts as not disabled "
                f"and the true share could be higher than printed.")
    if _missing(r["not_recorded_share"]) or r["verdict_95"] is None or _missing(r["share"]):
        return None
    if _range_hidden(w, r):
        return (f"{group.short} among {pop.label} {when}: the bounds rest on a withheld small number, so they are not "
                f"shown; conclusion at 95%: {r['conclusion_95']}.")
    what = "ethnicity" if group.breakdown == "ethnicity" else "preferred language"
    if r["conclusion_95"] == INCONCLUSIVE:
        return (f"{_cap(when)}, {what} was not recorded for {fmt_percent(r['not_recorded_share'])} of {pop.label}: the "
                f"{group.short} share could be anywhere from {fmt_percent(r['bound_none'])} (none of them "
                f"{group.short}) to {fmt_percent(r['bound_all'])} (all of them), {r['verdict_if_none_95']} than the "
                f"benchmark at one end and {r['verdict_if_all_95']} at the other, so the comparison is inconclusive.")
    return (f"{_cap(when)}, {what} was not recorded for {fmt_percent(r['not_recorded_share'])} of {pop.label}: the "
            f"{group.short} share lies between {fmt_percent(r['bound_none'])} and {fmt_percent(r['bound_all'])}, and "
            f"the verdict ({r['conclusion_95']}) holds across that range.")


def _section_not_recorded(ctx: common.Context, rep: pd.DataFrame, nr: pd.DataFrame, items: list, w: Withheld,
                          tbl: dict) -> Section:
    s = Section("not_recorded", "Incomplete recording, and the bounds it puts on each conclusion")
    if nr.empty and not items:
        s.unavailable = _missing_local_sentence(ctx, "the 'not recorded' shares")
        return s
    s.paragraphs.append("Ofsted's inspection of the board asked it to \u201c" + OFSTED_QUOTE + "\u201d The board's "
                        "report adds that \u201c" + BOARD_QUOTE + "\u201d")
    chart = _not_recorded_chart(ctx, nr, w)
    if chart is not None:
        s.charts.append((chart, tbl["nr"]))
    if items:
        s.charts.append((_bounds_chart(ctx, items, w), tbl["bounds"]))
    for g, p, r in items:
        sent = _bounds_sentence(w, g, p, r)
        if sent:
            s.paragraphs.append(sent)
    flips = [r for _, r in rep[rep["conclusion_95"] == INCONCLUSIVE].iterrows() if not _range_hidden(w, r)]
    if flips:
        by = {}
        for r in flips:
            by.setdefault((r["group"], r["population"]), []).append(r["period"])
        parts = [f"{GROUP_BY_KEY[gk].short} among {POP_BY_KEY[pk].unit} ({', '.join(ps)})" for (gk, pk), ps in by.items()]
        s.paragraphs.append("Every verdict over time that becomes inconclusive once the unrecorded are allowed for: "
                            + "; ".join(parts) + ".")
    return s


# ------------------------------------------------------------------------------------------
# section: mix of plans against the School Census (chi-squared goodness of fit)
# ------------------------------------------------------------------------------------------
def _mix_chart(ctx: common.Context, mix: Table, keys: list[tuple], w: Withheld) -> charts.Chart | None:
    cr = mix.frame
    if cr.empty or any(w.hidden(k, v, "mix") for k, v in zip(keys, cr["Children"])):
        return None
    fig, ax = charts.new_chart(8.5, 4.6)
    ys = np.arange(len(cr))[::-1]
    h = 0.38
    obs_col, exp_col = "Share of recorded children %", "School Census share (rescaled) %"
    ax.barh(ys + h / 2, cr[obs_col], height=h, color=charts.PALETTE[0], label="children on plans (recorded)")
    ax.barh(ys - h / 2, cr[exp_col], height=h, color=charts.PALETTE[1], hatch="//", edgecolor="white",
            label="School Census")
    for y, a, b in zip(ys, cr[obs_col], cr[exp_col]):
        ax.text(a + 0.8, y + h / 2, fmt_percent(a), va="center", fontsize=8.5)
        ax.text(b + 0.8, y - h / 2, fmt_percent(b), va="center", fontsize=8.5)
    ax.set_yticks(ys, [f"{c}\n({r})" for c, r in zip(cr["Category"], cr["Recording of"])], fontsize=9)
    ax.set_xlim(0, 110)
    _legend_below(ax, 2, -0.25)
    minority = cr[cr["Category"].isin([g.value for g in GROUPS])]
    fewer = minority[minority[obs_col] < minority[exp_col]]
    title = ("Minority groups are a smaller share of children on plans than of pupils"
             if len(minority) and len(fewer) == len(minority) else "Recorded mix of children on plans against pupils")
    alt = "; ".join(f"{c} ({r}): plans {fmt_percent(a)}, School Census {fmt_percent(b)}"
                    for c, r, a, b in zip(cr["Category"], cr["Recording of"], cr[obs_col], cr[exp_col]))
    return charts.finish(fig, ax, title=title, subtitle="Share of children with the item recorded (%)",
                         xlabel="Share (%)", ylabel="", source=f"{common.board_source('4.2')}; School Census from table 2.3",
                         alt=f"Paired bar chart. {alt}.", legend=False)


def _section_mix(ctx: common.Context, latest: dict, mix: list, w: Withheld, tbl: dict) -> Section:
    s = Section("mix", "Ethnicity and language mix of children on plans against the School Census")
    if not mix:
        if any(k[0] == "plans" for k in latest):
            s.unavailable = (f"No School Census benchmark in the data is dated on or before {_date(ctx.period.end)}, so "
                             "the mix of children on plans cannot be tested against it.")
        else:
            s.unavailable = _missing_local_sentence(ctx, "the ethnicity and language mix of children on plans")
        return s
    s.paragraphs.append("The test compares the recorded categories only (unborn children and records without "
                        "ethnicity or language are left out) with the School Census shares of the same categories, "
                        "rescaled to add up to 100%.")
    for m in mix:
        g, r, gof = m["group"], m["row"], m["gof"]
        when = period_phrase("snapshot", r["period_end"], r["period_end"])
        if any(w.hidden(k, v, "mix") for k, v in zip(tbl["mix_keys"], tbl["mix"].frame["Children"])
               if k[2] == g.key):
            s.paragraphs.append(f"The chi-squared test of the {g.breakdown} mix {when} is withheld: it rests on a "
                                "withheld small number.")
        elif not gof.reliable:
            s.paragraphs.append(f"The chi-squared test of the {g.breakdown} mix {when} is not reliable: an expected "
                                "count is below 5, so it is not interpreted.")
        else:
            p = "p < 0.001" if gof.p_value < 0.001 else f"p = {fmt_number(gof.p_value, 3)}"
            verdict = ("differs significantly from the School Census mix" if gof.p_value < 0.05
                       else "is not significantly different from the School Census mix")
            s.paragraphs.append(f"The {g.breakdown} mix of children on plans {when} {verdict} (chi-squared "
                                f"{fmt_number(gof.statistic, 1)}, {gof.dof} degree of freedom, {p}). With two recorded "
                                "categories this asks the same question as the share comparison, of the whole mix.")
    chart = _mix_chart(ctx, tbl["mix"], tbl["mix_keys"], w)
    if chart is not None:
        s.charts.append((chart, tbl["mix"]))
    else:
        s.tables.append(tbl["mix"])
    s.tables.append(tbl["gof"])
    return s


# ------------------------------------------------------------------------------------------
# section: Census 2021 ethnicity of the area (context)
# ------------------------------------------------------------------------------------------
def _section_census(ctx: common.Context, census: pd.DataFrame) -> Section:
    s = Section("census_2021", "Census 2021: ethnicity of the area's residents (context)")
    area, eng = census_summary(census, "area"), census_summary(census, "England")
    if area is None:
        s.unavailable = f"Census 2021 ethnicity is not in the data for {ctx.area_name} ({ctx.area_code})."
        return s
    s.paragraphs.append(
        "The census counts every usual resident, of all ages, not only children, on census day (21 March 2021, "
        "after the board's reporting periods), and its 20 ethnic groups differ from the board's categories. For "
        "comparison they are mapped to the board's two: every 'White' group (including Gypsy or Irish Traveller and "
        "Roma) to 'White British/Irish/Other', every other group to 'BME'. It is context, not a benchmark: no verdict "
        "here uses it.")
    sent = (f"In Census 2021, {fmt_percent(area['bme_share'])} of {ctx.area_name}'s residents of all ages were in a "
            f"BME group on this mapping" + (f", against {fmt_percent(eng['bme_share'])} in England" if eng else ""))
    sent += (f"; counting Gypsy or Irish Traveller and Roma residents as BME gives "
             f"{fmt_percent(area['bme_incl_gypsy_roma_share'])}, and everyone other than White British, "
             f"{fmt_percent(area['not_white_british_share'])}.")
    s.paragraphs.append(sent)
    if area["largest_minority"]:
        s.paragraphs.append(f"The largest group outside the White groups was {area['largest_minority']} "
                            f"({fmt_percent(area['largest_minority_share'])} of residents).")
    name_col = f"{ctx.area_name} %"
    bf = pd.DataFrame([{"Broad ethnic group": bg, name_col: area["broad"].get(bg, float("nan")),
                        "England %": eng["broad"].get(bg, float("nan")) if eng else float("nan")}
                       for bg in CENSUS_BROAD_ORDER])
    fig, ax = charts.new_chart(8.5, 5.0)
    ys = np.arange(len(bf))[::-1]
    h = 0.38
    ax.barh(ys + h / 2, bf[name_col], height=h, color=charts.PALETTE[0], label=ctx.area_name)
    if eng:
        ax.barh(ys - h / 2, bf["England %"], height=h, color=charts.PALETTE[1], hatch="//", edgecolor="white",
                label="England")
    for y, a, b in zip(ys, bf[name_col], bf["England %"]):
        ax.text(a + 0.8, y + h / 2, fmt_percent(a), va="center", fontsize=8.5)
        if eng:
            ax.text(b + 0.8, y - h / 2, fmt_percent(b), va="center", fontsize=8.5)
    ax.set_yticks(ys, [textwrap.fill(t, 28) for t in bf["Broad ethnic group"]], fontsize=9)
    ax.set_xlim(0, 110)
    _legend_below(ax, 2, -0.25)
    title = (f"{fmt_percent(area['bme_share'])} of {ctx.area_name}'s residents were in a BME group in 2021"
             + (f", against {fmt_percent(eng['bme_share'])} in England" if eng else ""))
    alt = "; ".join(f"{r['Broad ethnic group']}: {ctx.area_name} {fmt_percent(r[name_col])}"
                    + (f", England {fmt_percent(r['England %'])}" if eng else "") for _, r in bf.iterrows())
    chart = charts.finish(fig, ax, title=title, subtitle="Share of usual residents, all ages, by broad ethnic group (%)",
                          xlabel="Share of residents (%)", ylabel="", source=CENSUS_SOURCE,
                          alt=f"Paired bar chart. {alt}.", legend=False)
    s.charts.append((chart, Table(title="Broad ethnic groups, Census 2021 (all ages)", frame=bf, source=CENSUS_SOURCE,
                                  formats={c: _PCT for c in bf.columns if c.endswith("%")})))
    a = census[census["area"] == "area"]
    detail = pd.DataFrame({"Ethnic group (Census 2021)": a["ethnic_group"], "Board category": a["board_category"],
                           "Residents": a["residents"], "Share %": a["share"]}).reset_index(drop=True)
    detail = pd.concat([detail, pd.DataFrame([{"Ethnic group (Census 2021)": "Total", "Board category": "",
                                               "Residents": a["residents"].sum(), "Share %": 100.0}])],
                       ignore_index=True)
    s.tables.append(Table(title=f"Census 2021 residents of {ctx.area_name} by ethnic group (all ages)", frame=detail,
                          source=CENSUS_SOURCE, count_columns=["Residents"], derived={"Share %": "Residents"},
                          formats={"Share %": _PCT}, total_row="Total",
                          notes=["Residents of all ages; the board's shares are of children."]))
    return s


# ------------------------------------------------------------------------------------------
# key figures, findings and caveats
# ------------------------------------------------------------------------------------------
def _num_or_none(v: Any) -> Any:
    if _missing(v):
        return None
    return round(float(v), 6)


def _key_figures(latest: dict, census: pd.DataFrame, w: Withheld) -> dict[str, Any]:
    """Flat, JSON-safe headline numbers (percent unless the name says count; "c" = withheld)."""

    def row(pop: str, grp: str) -> pd.Series | None:
        return latest.get((pop, grp))

    def count(r: pd.Series | None) -> Any:
        if r is None or _missing(r["count"]):
            return None
        return "c" if _row_hidden(w, r) else int(r["count"])

    def share(r: pd.Series | None, col: str = "share") -> Any:
        if r is None:
            return None
        return "c" if _row_hidden(w, r) else _num_or_none(r[col])

    def verdict(r: pd.Series | None, col: str = "verdict_95") -> Any:
        return None if r is None or _row_hidden(w, r) else r[col]

    d, b, ne = row("plans", "disabled"), row("plans", "bme"), row("plans", "non_english")
    rb, rd, rn = row("referrals", "bme"), row("referrals", "disabled"), row("referrals", "non_english")
    bench = lambda *rs: next((_num_or_none(r["benchmark"]) for r in rs if r is not None), None)  # noqa: E731
    area, eng = census_summary(census, "area"), census_summary(census, "England")
    return {
        "cp_date": _date_short(d["period_end"]) if d is not None else None,
        "cp_total": None if d is None else int(d["denominator"]),
        "disabled_cp_count": count(d),
        "disabled_cp_percent": share(d),
        "disabled_prevalence_percent": bench(d, rd),
        "disabled_cp_verdict_95": verdict(d),
        "disabled_cp_verdict_99_8": verdict(d, "verdict_99_8"),
        "bme_cp_percent": share(b),
        "bme_cp_count": count(b),
        "bme_cp_lower_95": share(b, "lower_95"),
        "bme_cp_upper_95": share(b, "upper_95"),
        "bme_school_census_percent": bench(b, rb),
        "bme_cp_verdict_95": verdict(b),
        "bme_cp_verdict_99_8": verdict(b, "verdict_99_8"),
        "bme_cp_relative_rate_index": share(b, "rri"),
        "non_english_cp_percent": share(ne),
        "non_english_cp_count": count(ne),
        "non_english_school_census_percent": bench(ne, rn),
        "non_english_cp_verdict_95": verdict(ne),
        "referrals_period": rb["period"] if rb is not None else None,
        "bme_referrals_percent": share(rb),
        "ethnicity_not_recorded_referrals_percent": None if rb is None else _num_or_none(rb["not_recorded_share"]),
        "bme_referrals_verdict_95": verdict(rb),
        "bme_referrals_conclusion_95": verdict(rb, "conclusion_95"),
        "disabled_referrals_percent": share(rd),
        "census_2021_bme_percent_all_ages": _num_or_none(area["bme_share"]) if area else None,
        "census_2021_bme_percent_all_ages_england": _num_or_none(eng["bme_share"]) if eng else None,
    }


def _key_findings(ctx: common.Context, latest: dict, census: pd.DataFrame, w: Withheld) -> list[str]:
    out: list[str] = []
    b = latest.get(("plans", "bme"))
    if b is not None and not _missing(b["share"]):
        s = _share_sentence(ctx, w, GROUP_BY_KEY["bme"], POP_BY_KEY["plans"], b, with_998=True)
        if not _row_hidden(w, b):
            if b["conclusion_95"] not in (None, NO_BOUNDS, INCONCLUSIVE) and not _range_hidden(w, b):
                s = s[:-1] + (f"; ethnicity was not recorded for {fmt_percent(b['not_recorded_share'])} of them, so the "
                              "verdict holds whatever their ethnicity.")
            if not _missing(b["rri"]):
                s = s[:-1] + (f" (relative rate index {fmt_number(b['rri'], 2)}, 95% confidence interval "
                              f"{fmt_interval(b['rri_lower'], b['rri_upper'], 'ratio')}).")
        out.append(s)
    ne = latest.get(("plans", "non_english"))
    if ne is not None and not _missing(ne["share"]):
        out.append(_share_sentence(ctx, w, GROUP_BY_KEY["non_english"], POP_BY_KEY["plans"], ne, with_998=True))
    d = latest.get(("plans", "disabled"))
    if d is not None and not _missing(d["share"]):
        s = _share_sentence(ctx, w, GROUP_BY_KEY["disabled"], POP_BY_KEY["plans"], d, with_998=True)
        out.append(s[:-1] + "; with no 'not recorded' figure for disability, the share cannot be bounded.")
    rb = latest.get(("referrals", "bme"))
    if rb is not None and not _missing(rb["share"]):
        s = _share_sentence(ctx, w, GROUP_BY_KEY["bme"], POP_BY_KEY["referrals"], rb)
        if not _range_hidden(w, rb) and rb["conclusion_95"] == INCONCLUSIVE:
            s = s[:-1] + (f", but ethnicity was not recorded for {fmt_percent(rb['not_recorded_share'])}: the BME share "
                          f"could be anywhere from {fmt_percent(rb['bound_none'])} to {fmt_percent(rb['bound_all'])}, "
                          "so whether BME children are under-represented among referrals is inconclusive.")
        elif not _range_hidden(w, rb) and rb["conclusion_95"] not in (None, NO_BOUNDS):
            s = s[:-1] + (f"; ethnicity was not recorded for {fmt_percent(rb['not_recorded_share'])}, and the verdict "
                          "holds whatever their ethnicity.")
        out.append(s)
    rd = latest.get(("referrals", "disabled"))
    if rd is not None and not _missing(rd["share"]) and len(out) < 5:
        out.append(_share_sentence(ctx, w, GROUP_BY_KEY["disabled"], POP_BY_KEY["referrals"], rd))
    if not latest:
        out.append(_missing_local_sentence(ctx, "the representation of BME, non-English-speaking and disabled children "
                                                "among referrals and children on plans"))
    area, eng = census_summary(census, "area"), census_summary(census, "England")
    if area and len(out) < 6:
        out.append(f"For context, {fmt_percent(area['bme_share'])} of {ctx.area_name}'s residents of all ages were in a "
                   f"BME group in Census 2021" + (f" (England {fmt_percent(eng['bme_share'])})." if eng else "."))
        if not latest and area["largest_minority"]:
            out.append(f"The largest group outside the White groups in {ctx.area_name} was {area['largest_minority']} "
                       f"({fmt_percent(area['largest_minority_share'])} of residents).")
    return out[:6]


def theme_findings(ctx: common.Context) -> pd.DataFrame:
    """Data-quality findings that touch this theme, from the context's (already up to the period end).

    Kept: findings about tables 2.3 and 4.2 for the measures this theme reads (table 4.2's age,
    gender and category counts belong to the CP trends appendix), and findings about the totals
    it divides by (children on plans, referrals) in tables 3.1, 2.1, 4.2 or the DfE returns.
    """
    f = ctx.findings
    if f.empty:
        return f
    tables = f["source_tables"].astype(str).str.split(",").apply(lambda ts: {t.strip() for t in ts})
    ours = tables.apply(lambda ts: bool(ts & set(TABLES))) & f["measure"].isin(THEME_MEASURES)
    totals = f["measure"].isin(TOTAL_MEASURES) & tables.apply(lambda ts: bool(ts & set(TOTAL_TABLES)))
    return f[ours | totals].reset_index(drop=True)


def _caveats(ctx: common.Context, rep: pd.DataFrame, latest: dict, census: pd.DataFrame, findings: pd.DataFrame,
             w: Withheld) -> list[str]:
    out: list[str] = []
    if latest:
        ex = latest.get(("plans", "bme"))
        ex = ex if ex is not None and not _missing(ex["count"]) else next(iter(latest.values()))
        if not _missing(ex["count"]):
            unit = "children" if ex["population"] == "plans" else "referrals"
            out.append("Counts are reconstructed: the board prints percentages only, so each count is the printed share × "
                       f"the printed total, rounded (e.g. {fmt_percent(ex['share'])} of {fmt_count(ex['denominator'])} "
                       f"gives {w.count_words(ex['count'], unit, _ckey(ex['population'], ex['group'], ex['period_end']))})."
                       " A share printed to one decimal place fits a range of counts; the intervals use the nearest "
                       "whole number.")
        unreachable = rep[(rep["share_reachable"] == False) & rep["share"].notna()]  # noqa: E712
        shown = [r for _, r in unreachable.iterrows() if not _row_hidden(w, r, "trend")]
        if len(unreachable):
            text = (f"{fmt_count(len(unreachable))} printed share(s) cannot come from any whole number out of the printed "
                    "total, so share and total disagree (kept as printed; the nearest count is used)")
            if shown:
                text += ": " + "; ".join(f"{GROUP_BY_KEY[r['group']].short} {fmt_percent(r['share'])} of "
                                         f"{fmt_count(r['denominator'])} ({r['period']})" for r in shown)
            if len(shown) < len(unreachable):
                text += ("; " if shown else ": ") + "the others rest on withheld small numbers"
            out.append(text + ".")
        unval = rep[rep["unvalidated"]]
        if not unval.empty:
            dates = sorted({(e, _date(e)) for e in unval["period_end"]})
            out.append(f"The board marks its total of children on plans at {_join([t for _, t in dates])} as not yet "
                       "validated (CIN census), so the shares at that date rest on an unvalidated total.")
        if (rep["population"] == "referrals").any():
            out.append("Referral shares count referrals, not children (a child referred twice counts twice), yet their "
                       "intervals treat referrals as independent; the 2017/18 quarterly shares are cumulative from "
                       "1 April and, the board warns, may change after year-end validation.")
        out.append("Benchmark mismatch: the School Census (January 2017) covers pupils in Reception to Year 11, while plans "
                   "and referrals cover children from before birth to 17; the 6% disability figure is a UK average from "
                   "the DWP Family Resources Survey 2011/12, whose child runs to age 19 and whose idea of disability is "
                   "not the one social care records use (the report's narrative calls it Warwickshire's prevalence; its "
                   "table calls it a national average).")
        b = latest.get(("plans", "bme"))
        if b is not None and not _row_hidden(w, b) and not _missing(b["complement_count"]) and b["count"] > 0:
            recorded = b["count"] / (b["count"] + b["complement_count"]) * 100.0
            out.append(f"Unborn children are in the totals but have no ethnicity or language and are not in the School "
                       f"Census: among children on plans with ethnicity recorded, the BME share {period_phrase('snapshot', b['period_end'], b['period_end'])} "
                       f"is {fmt_percent(recorded)} rather than {fmt_percent(b['share'])}.")
        smalls = [f"{g.short} ({p.label})" for g, p, r in _items(latest) if not _missing(r["count"]) and r["count"] < 10]
        if smalls:
            out.append("Small numbers: the latest shares for " + _join(smalls) + " rest on fewer than 10 records, so their "
                       "intervals are wide.")
        if w.public:
            out.append("In this public version counts of 1 to 5, and any figure that would reveal one, are withheld "
                       "(c in tables, gaps in charts).")
    if not census.empty:
        out.append("Census 2021 is dated 21 March 2021, after the board's periods, and counts residents of all ages: it is "
                   "shown for context only and enters no verdict.")
    out.extend(common.caveats_from_findings(findings))
    return out
