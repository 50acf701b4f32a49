"""Data-quality checks: findings to report, not crashes.

Each rule is one small function with a code, a title, a severity and a plain-English message,
registered in :data:`RULES` (modelled on the CIN census validator: one rule per unit, each with
its own test). A rule reads the tidy observations and returns :class:`Finding` rows; the
runner prints them, the index page lists them and the themes quote the ones that touch them.

Tolerances allow for ordinary rounding of printed figures, so a correct table is not flagged:
a percentage printed to one decimal place may be off by up to 0.05 points, a sum of k such
percentages by up to 0.05·k points, a whole-number rate by 0.5.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Callable

import numpy as np
import pandas as pd

from ..ingest.dataset import Dataset
from ..ingest.dfe import population_for
from ..periods import period_of

SEVERITIES = ("warning", "info")


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str
    title: str
    message: str
    source_tables: str = ""
    measure: str = ""
    period: str = ""
    values: str = ""
    #: latest date the finding is about (ISO), so a run for an earlier quarter can leave it out
    period_end: str = ""


def _finding(code: str, message: str, source_tables: str = "", measure: str = "", period: str = "",
             values: str = "", period_end: str = "") -> "Finding":
    """A finding of rule ``code``; its title and severity come from the rule's registration."""
    r = RULES[code]
    return Finding(code, r.severity, r.title, message, source_tables, measure, period, values, period_end)


def _iso(ts) -> str:
    return "" if ts is None or pd.isna(ts) else pd.Timestamp(ts).date().isoformat()


@dataclass(frozen=True)
class Rule:
    code: str
    title: str
    severity: str
    description: str
    check: Callable[[pd.DataFrame, pd.DataFrame], list[Finding]] = field(repr=False)


RULES: dict[str, Rule] = {}


def rule(code: str, title: str, severity: str, description: str):
    """Register a data-quality rule."""

    def wrap(fn):
        RULES[code] = Rule(code, title, severity, description, fn)
        return fn

    return wrap


def _label(tp, ti, pt, end) -> str:
    per = period_of(tp, ti)
    when = pd.Timestamp(end).strftime("%d %b %Y").lstrip("0")
    if pt == "snapshot":
        return f"at {when}"
    if pt == "financial_year":
        return per.fy_label
    if pt == "cumulative_from_april":
        return f"1 April to {when}"
    return f"{per.label} ({pt})"


def _fmt(v: float) -> str:
    return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.1f}"


_GROUP = ["source", "new_la_code", "time_period", "time_identifier", "period_type", "period_end", "measure", "unit"]

#: Breakdowns whose values partition the whole (shares add to 100%; counts add to the total).
PARTITIONS = ("ethnicity", "language", "gender", "age", "cp_category", "referral_source", "cdop_category",
              "contributing_agency", "expenditure_line", "course", "district", "child_residence_la")
#: Count breakdowns whose printed total is not the sum of the rows (rates, or shares of another base).
NOT_ADDITIVE_UNITS = ("rate_per_10k", "percent", "hours")


def local(obs: pd.DataFrame) -> pd.DataFrame:
    """The board's own observations (not the DfE/ONS files)."""
    return obs[obs["source"] != "dfe"]


@rule("DQ01", "Breakdown does not add up to its total", "warning",
      "The counts in a breakdown (e.g. children on plans by age) should add up to the total printed "
      "for the same date in the same table.")
def breakdown_sums(obs: pd.DataFrame, unplaced: pd.DataFrame) -> list[Finding]:
    out = []
    loc = local(obs)
    loc = loc[~loc["unit"].isin(NOT_ADDITIVE_UNITS)]
    keys = _GROUP + ["breakdown", "source_table"]
    parts = loc[loc["breakdown"].isin(PARTITIONS) & (loc["breakdown_value"] != "Total")]
    if parts.empty:
        return out
    sums = parts.groupby(keys, dropna=False)["value"].agg(total_of_parts="sum", n_missing=lambda v: v.isna().sum()).reset_index()
    sums = sums[sums["n_missing"] == 0]  # a breakdown with a blank cell proves nothing by its sum
    # the total printed in the same table: a Total row of the breakdown, else the table's total/All row
    tot = loc[loc["value"].notna() & loc["breakdown_value"].isin(["Total", "All"])]
    own = tot[tot["breakdown_value"] == "Total"][keys + ["value"]]
    county = tot[tot["breakdown"] == "total"][[k for k in keys if k != "breakdown"] + ["value"]]
    m = sums.merge(own, on=keys, how="left").merge(county, on=[k for k in keys if k != "breakdown"], how="left", suffixes=("", "_all"))
    m["printed_total"] = m["value"].fillna(m["value_all"])
    m = m[m["printed_total"].notna() & ((m["total_of_parts"] - m["printed_total"]).abs() > 1e-9)]
    for r in m.to_dict("records"):
        when = _label(r["time_period"], r["time_identifier"], r["period_type"], r["period_end"])
        s_, t_ = r["total_of_parts"], r["printed_total"]
        out.append(_finding("DQ01", f"Table {r['source_table']}: {r['measure']} by {r['breakdown']} {when} adds up to {_fmt(s_)}, "
            f"but the table's total is {_fmt(t_)} (difference {_fmt(s_ - t_)}).",
            r["source_table"], r["measure"], when, f"sum={_fmt(s_)}; total={_fmt(t_)}", period_end=_iso(r["period_end"])))
    return out


@rule("DQ02", "Percentages do not add up to 100", "warning",
      "Shares across a whole breakdown should add up to 100% within rounding (0.05 points per "
      "printed figure).")
def percent_sums(obs: pd.DataFrame, unplaced: pd.DataFrame) -> list[Finding]:
    out = []
    loc = local(obs)
    pct = loc[(loc["unit"] == "percent") & loc["breakdown"].isin(PARTITIONS) & (loc["breakdown_value"] != "Total")]
    for key, g in pct.groupby(_GROUP + ["breakdown", "source_table"], dropna=False):
        k = dict(zip(_GROUP + ["breakdown", "source_table"], key))
        if len(g) < 2 or g["value"].isna().any():
            continue
        s = float(g["value"].sum())
        tol = 0.05 * len(g) + 1e-9
        if abs(s - 100) > tol:
            when = _label(k["time_period"], k["time_identifier"], k["period_type"], k["period_end"])
            out.append(_finding("DQ02", f"Table {k['source_table']}: {k['measure']} by {k['breakdown']} {when} adds up to {s:.1f}%, "
                f"more than rounding allows ({len(g)} figures, ±{tol:.2f}).",
                k["source_table"], k["measure"], when, f"sum={s:.1f}", period_end=_iso(k["period_end"])))
    return out


@rule("DQ03", "Cumulative count falls", "warning",
      "A count cumulative from 1 April cannot be lower at a later quarter of the same year.")
def cumulative_falls(obs: pd.DataFrame, unplaced: pd.DataFrame) -> list[Finding]:
    out = []
    loc = local(obs)
    cum = loc[(loc["period_type"] == "cumulative_from_april") & (loc["unit"] == "count") & loc["value"].notna()]
    keys = ["source", "new_la_code", "time_period", "measure", "breakdown", "breakdown_value", "source_table"]
    for key, g in cum.sort_values("period_end").groupby(keys, dropna=False):
        k = dict(zip(keys, key))
        prev = None
        for r in g.itertuples(index=False):
            if prev is not None and r.value < prev.value:
                out.append(_finding("DQ03", f"Table {k['source_table']}: {k['measure']} ({k['breakdown']}: {k['breakdown_value']}) cumulative from 1 April "
                    f"falls from {_fmt(prev.value)} at {prev.time_identifier} to {_fmt(r.value)} at {r.time_identifier} "
                    f"{period_of(r.time_period, 'Annual').fy_label}; a cumulative count can only rise, so one of the two is wrong.",
                    k["source_table"], k["measure"], f"{period_of(r.time_period, 'Annual').fy_label} {prev.time_identifier}–{r.time_identifier}",
                    f"{prev.time_identifier}={_fmt(prev.value)}; {r.time_identifier}={_fmt(r.value)}", period_end=_iso(r.period_end)))
            prev = r
    return out


@rule("DQ04", "Same figure, different value in two tables", "warning",
      "One measure printed in two tables of the report for the same date and group should agree.")
def cross_table(obs: pd.DataFrame, unplaced: pd.DataFrame) -> list[Finding]:
    out = []
    loc = local(obs)
    loc = loc[loc["value"].notna()]
    keys = _GROUP + ["breakdown", "breakdown_value"]
    per_table = loc.drop_duplicates(keys + ["source_table"])
    stats = per_table.groupby(keys, dropna=False).agg(tables=("source_table", "nunique"), values=("value", "nunique"))
    clash = stats[(stats["tables"] > 1) & (stats["values"] > 1)].reset_index()[keys]
    for k in clash.to_dict("records"):
        vals = per_table.merge(pd.DataFrame([k]), on=keys)
        when = _label(k["time_period"], k["time_identifier"], k["period_type"], k["period_end"])
        desc = "; ".join(f"table {r.source_table}: {_fmt(r.value)}" for r in vals.itertuples(index=False))
        out.append(_finding("DQ04", f"{k['measure']} ({k['breakdown_value']}) {when} differs between tables — {desc}.",
                           ", ".join(vals["source_table"]), k["measure"], when, desc, period_end=_iso(k["period_end"])))
    return out


#: measure pairs (local measure, DfE measure) meaning the same thing; matched on date and breakdown.
LOCAL_VS_DFE = [
    ("children_on_cp_plan", "children_on_cp_plan"),
    ("referrals", "referrals"),
    ("cp_repeat_plans_percent", "cp_repeat_plans_percent"),
    ("cp_ceased_2yrs_plus_percent", "cp_ceased_2yrs_plus_percent"),
    ("cp_rate_per_10k", "cp_rate_per_10k"),
    ("looked_after_children", "looked_after_children"),
]


@rule("DQ05", "Board figure differs from the validated DfE return", "info",
      "The board's quarterly dataset is not validated; DfE's published return is. Where both give "
      "a figure for the same date, a difference is shown (beyond rounding of the printed figure).")
def local_vs_dfe(obs: pd.DataFrame, unplaced: pd.DataFrame) -> list[Finding]:
    out = []
    loc = local(obs)
    nat = obs[obs["source"] == "dfe"]
    keys = ["new_la_code", "period_type", "period_end", "breakdown", "breakdown_value"]
    for lm, dm in LOCAL_VS_DFE:
        a = loc[(loc["measure"] == lm) & loc["value"].notna() & (loc["breakdown"] == "total")]
        b = nat[(nat["measure"] == dm) & nat["value"].notna()]
        if a.empty or b.empty:
            continue
        m = a.merge(b[keys + ["value", "source_table"]], on=keys, suffixes=("", "_dfe"))
        tol = m["unit"].map({"percent": 0.05, "rate_per_10k": 0.5}).fillna(0)
        m = m[(m["value"] - m["value_dfe"]).abs() > tol + 1e-9]
        # one finding per date and board value, naming every board table that prints it
        for (_, value, _), g in m.groupby(["period_end", "value", "value_dfe"], sort=True):
            r = g.iloc[0]
            names = sorted(g["source_table"].unique())
            tables = ", ".join(names)
            said = f"table {names[0]} gives" if len(names) == 1 else f"tables {' and '.join(names)} give"
            when = _label(r.time_period, r.time_identifier, r.period_type, r.period_end)
            flag = " (the board marks its figure as not yet validated)" if g["flags"].str.contains("unvalidated").any() else ""
            out.append(_finding("DQ05", f"{lm} {when}: the board's {said} {_fmt(value)}{flag}; "
                               f"the validated DfE return ({r.source_table_dfe}) gives {_fmt(r.value_dfe)}.",
                               f"{tables}, {r.source_table_dfe}", lm, when,
                               f"board={_fmt(value)}; dfe={_fmt(r.value_dfe)}", period_end=_iso(r.period_end)))
    return out


#: Printed percentages and the counts they are said to be made of:
#: (percent measure, numerator measure, denominator measure, [breakdown of percent, of numerator]).
RATIOS = [
    ("referrals_to_assessment_percent", "referrals_to_assessment", "referrals_to_assessment_denominator"),
    ("cse_team_open_children_lac_percent", "cse_team_open_children_lac", "cse_team_open_children"),
    ("lac_residential_placements_percent", "lac_residential_placements", "looked_after_children"),
]


@rule("DQ06", "Printed percentage does not match its counts", "warning",
      "A percentage printed beside (or derivable from) its numerator and denominator should equal "
      "numerator ÷ denominator rounded to the printed precision; a printed denominator should equal "
      "the total printed for the same period.")
def printed_ratios(obs: pd.DataFrame, unplaced: pd.DataFrame) -> list[Finding]:
    out = []
    loc = local(obs)
    loc = loc[loc["value"].notna() & (loc["breakdown"] == "total")]
    keys = ["source", "new_la_code", "period_type", "period_end", "time_period", "time_identifier"]
    for pm, nm, dm in RATIOS:
        p = loc[loc["measure"] == pm]
        n = loc[loc["measure"] == nm][keys + ["value"]].drop_duplicates(keys)
        d = loc[loc["measure"] == dm][keys + ["value"]].drop_duplicates(keys)
        m = p.merge(n, on=keys, suffixes=("", "_num")).merge(d, on=keys, suffixes=("", "_den"))
        for r in m.itertuples(index=False):
            exact = 100 * r.value_num / r.value_den if r.value_den else np.nan
            decimals = 0 if float(r.value).is_integer() and abs(exact - r.value) < 0.5 else 1
            tol = 0.5 if decimals == 0 else 0.05
            if abs(exact - r.value) > tol + 1e-9:
                when = _label(r.time_period, r.time_identifier, r.period_type, r.period_end)
                out.append(_finding("DQ06", f"Table {r.source_table}: {pm} {when} is printed as {r.value:g}%, but "
                                   f"{_fmt(r.value_num)} / {_fmt(r.value_den)} = {exact:.2f}% "
                                   f"({'truncated rather than rounded' if 0 < exact - r.value < 0.1 else 'does not match'}).",
                                   r.source_table, pm, when, f"printed={r.value:g}; computed={exact:.2f}", period_end=_iso(r.period_end)))
    # a printed denominator that differs from the same period's total elsewhere
    den = loc[loc["measure"] == "referrals_to_assessment_denominator"]
    tot = loc[(loc["measure"] == "referrals")][keys + ["value", "source_table"]].drop_duplicates(keys)
    for r in den.merge(tot, on=keys, suffixes=("", "_tot")).itertuples(index=False):
        if r.value != r.value_tot:
            when = _label(r.time_period, r.time_identifier, r.period_type, r.period_end)
            out.append(_finding("DQ06", f"Table {r.source_table}: the share of referrals moved on to assessment {when} is printed over "
                               f"{_fmt(r.value)} referrals, but the same table gives {_fmt(r.value_tot)} referrals for that period.",
                               r.source_table, "referrals_to_assessment_denominator", when,
                               f"denominator={_fmt(r.value)}; referrals={_fmt(r.value_tot)}", period_end=_iso(r.period_end)))
    return out


@rule("DQ07", "Same group, different share in two breakdowns", "warning",
      "Unborn children are counted in both the ethnicity and the language breakdown of the same "
      "referrals (or plans): their share should be the same in both.")
def same_group_two_breakdowns(obs: pd.DataFrame, unplaced: pd.DataFrame) -> list[Finding]:
    out = []
    loc = local(obs)
    u = loc[(loc["breakdown_value"] == "Unborn") & loc["value"].notna()]
    keys = _GROUP + ["source_table"]
    for key, g in u.groupby(keys, dropna=False):
        if g["breakdown"].nunique() < 2 or g["value"].nunique() < 2:
            continue
        k = dict(zip(keys, key))
        when = _label(k["time_period"], k["time_identifier"], k["period_type"], k["period_end"])
        desc = "; ".join(f"by {r.breakdown}: {_fmt(r.value)}" for r in g.itertuples(index=False))
        out.append(_finding("DQ07", f"Table {k['source_table']}: unborn children's {k['measure']} {when} differs between breakdowns — {desc}.",
                           k["source_table"], k["measure"], when, desc, period_end=_iso(k["period_end"])))
    return out


@rule("DQ08", "Printed rate does not match count and population", "info",
      "A rate per 10,000 children printed by the board should equal the count divided by the ONS "
      "mid-year population aged 0–17 (the estimate DfE uses for that date), within rounding; a "
      "larger gap means the board used another population base.")
def rate_vs_population(obs: pd.DataFrame, unplaced: pd.DataFrame) -> list[Finding]:
    out = []
    loc = local(obs)
    pairs = [("cp_rate_per_10k", "children_on_cp_plan", "snapshot"), ("referrals_rate_per_10k", "referrals", "cumulative_from_april"),
             ("referrals_rate_per_10k", "referrals", "financial_year")]
    pop = obs[(obs["measure"] == "population_0_17") & obs["value"].notna()]
    for rm, cm, pt in pairs:
        r_ = loc[(loc["measure"] == rm) & (loc["breakdown"] == "total") & (loc["period_type"] == pt) & loc["value"].notna()]
        c_ = loc[(loc["measure"] == cm) & (loc["breakdown"] == "total") & (loc["period_type"] == pt) & loc["value"].notna()]
        c_ = c_.drop_duplicates(["new_la_code", "period_end"], keep="last")
        m = r_.merge(c_[["new_la_code", "period_end", "value", "source_table"]], on=["new_la_code", "period_end"], suffixes=("", "_count"))
        for r in m.itertuples(index=False):
            year = population_for(r.period_end)
            p = pop[(pop["new_la_code"] == r.new_la_code) & (pop["period_end"].dt.year == year)]
            if p.empty:
                continue
            computed = r.value_count / p["value"].iloc[0] * 10_000
            tol = 0.5 if float(r.value).is_integer() else 0.05
            if abs(computed - r.value) > tol + 1e-9:
                when = _label(r.time_period, r.time_identifier, r.period_type, r.period_end)
                out.append(_finding("DQ08", f"Table {r.source_table}: {rm} {when} is printed as {r.value:g}; {_fmt(r.value_count)} "
                                   f"(table {r.source_table_count}) per ONS mid-{year} population aged 0–17 ({_fmt(p['value'].iloc[0])}) "
                                   f"gives {computed:.1f}.",
                                   f"{r.source_table}, {r.source_table_count}", rm, when, f"printed={r.value:g}; computed={computed:.1f}", period_end=_iso(r.period_end)))
    return out


@rule("DQ09", "Printed values that cannot be placed in a column", "warning",
      "The extracted report prints fewer values than the table has columns and nothing says which "
      "column each belongs to: the values are kept verbatim in unplaced_values.csv and not analysed.")
def unplaced_values(obs: pd.DataFrame, unplaced: pd.DataFrame) -> list[Finding]:
    if unplaced is None or unplaced.empty:
        return []
    out = []
    for table, g in unplaced.groupby("source_table"):
        out.append(_finding("DQ09", f"Table {table}: {len(g)} printed row(s) could not be placed in a period "
                           f"(e.g. '{g['row_label'].iloc[0]}': {g['values_as_printed'].iloc[0]}).",
                           str(table), "", "", f"rows={len(g)}"))
    return out


@rule("DQ10", "Column header contradicts its dates", "info",
      "A printed column header names a different period from the dates printed under it; the data "
      "follows the dates.")
def mislabelled_headers(obs: pd.DataFrame, unplaced: pd.DataFrame) -> list[Finding]:
    loc = local(obs)
    g = loc[loc["flags"].str.contains("header_mislabelled", regex=False)]
    out = []
    for table, rows in g.groupby("source_table"):
        example = rows["note"].iloc[0]
        out.append(_finding("DQ10", f"Table {table}: {len(rows)} figure(s) sit under a header that contradicts their dates ({example}).",
                           str(table), ", ".join(sorted(rows["measure"].unique())), "", f"rows={len(rows)}", period_end=_iso(rows["period_end"].min())))
    return out


@rule("DQ11", "Figures not yet validated", "info",
      "The report marks some figures as not yet validated (to be confirmed by the CIN census).")
def unvalidated(obs: pd.DataFrame, unplaced: pd.DataFrame) -> list[Finding]:
    loc = local(obs)
    g = loc[loc["flags"].str.contains("unvalidated", regex=False)]
    out = []
    for r in g.itertuples(index=False):
        when = _label(r.time_period, r.time_identifier, r.period_type, r.period_end)
        out.append(_finding("DQ11", f"Table {r.source_table}: {r.measure} {when} ({_fmt(r.value)}) is marked as not yet validated.",
                           r.source_table, r.measure, when, _fmt(r.value), period_end=_iso(r.period_end)))
    return out


@rule("DQ12", "Shares imply a cumulative count that falls", "warning",
      "A share of a cumulative-from-April total implies a count (share × total). That count cannot "
      "fall from one quarter to the next by more than the rounding of the printed shares allows.")
def implied_cumulative_falls(obs: pd.DataFrame, unplaced: pd.DataFrame) -> list[Finding]:
    out = []
    loc = local(obs)
    shares = loc[(loc["measure"] == "referrals_share") & (loc["period_type"] == "cumulative_from_april")
                 & loc["value"].notna() & (loc["breakdown_value"] != "Total") & loc["breakdown"].isin(["ethnicity", "language"])]
    totals = loc[(loc["measure"] == "referrals") & (loc["breakdown"] == "total") & (loc["period_type"] == "cumulative_from_april")]
    totals = totals.drop_duplicates(["new_la_code", "period_end"]).set_index(["new_la_code", "period_end"])["value"]
    keys = ["new_la_code", "time_period", "breakdown", "breakdown_value", "source_table"]
    for key, g in shares.sort_values("period_end").groupby(keys):
        k = dict(zip(keys, key))
        prev = None
        for r in g.itertuples(index=False):
            n = totals.get((r.new_la_code, r.period_end))
            if n is None or pd.isna(n):
                prev = None
                continue
            implied, slack = r.value / 100 * n, 0.0005 * n
            if prev is not None and implied + slack < prev[0] - prev[1]:
                out.append(_finding("DQ12", f"Table {k['source_table']}: {k['breakdown_value']} ({k['breakdown']}) is {prev[2]:g}% of {_fmt(prev[3])} referrals "
                    f"at {prev[4]} (about {prev[0]:,.0f}) but {r.value:g}% of {_fmt(n)} at {r.time_identifier} (about {implied:,.0f}): "
                    f"a cumulative count cannot fall, so records were re-coded or a figure is wrong.",
                    k["source_table"], "referrals_share", f"{period_of(r.time_period, 'Annual').fy_label} {prev[4]}–{r.time_identifier}",
                    f"{prev[4]}≈{prev[0]:.0f}; {r.time_identifier}≈{implied:.0f}", period_end=_iso(r.period_end)))
            prev = (implied, slack, r.value, n, r.time_identifier)
    return out


@rule("DQ13", "Printed share does not match the count beside it", "warning",
      "Where a table prints a count and its share of the printed total side by side, the share "
      "should be count ÷ total rounded to one decimal place.")
def share_beside_count(obs: pd.DataFrame, unplaced: pd.DataFrame) -> list[Finding]:
    out = []
    loc = local(obs)
    pairs = [("referrals_share", "referrals", "referral_source")]
    keys = ["source", "new_la_code", "period_type", "period_end", "time_period", "time_identifier", "source_table", "breakdown"]
    for sm, cm, bd in pairs:
        sh = loc[(loc["measure"] == sm) & (loc["breakdown"] == bd) & (loc["breakdown_value"] != "Total") & loc["value"].notna()]
        ct = loc[(loc["measure"] == cm) & (loc["breakdown"] == bd) & loc["value"].notna()]
        tot = ct[ct["breakdown_value"] == "Total"][keys + ["value"]].rename(columns={"value": "total"})
        m = sh.merge(ct[keys + ["breakdown_value", "value"]], on=keys + ["breakdown_value"], suffixes=("", "_count")).merge(tot, on=keys)
        for r in m.itertuples(index=False):
            exact = 100 * r.value_count / r.total if r.total else np.nan
            if abs(exact - r.value) > 0.05 + 1e-9:
                when = _label(r.time_period, r.time_identifier, r.period_type, r.period_end)
                out.append(_finding("DQ13", f"Table {r.source_table}: {r.breakdown_value} {when} is printed as {r.value:g}% beside "
                                   f"{_fmt(r.value_count)} of {_fmt(r.total)} referrals, which is {exact:.2f}%.",
                                   r.source_table, sm, when, f"printed={r.value:g}; computed={exact:.2f}", period_end=_iso(r.period_end)))
    return out


FINDING_COLUMNS = [f for f in Finding.__dataclass_fields__]


def run_checks(data=None, unplaced: pd.DataFrame | None = None, codes: list[str] | None = None) -> pd.DataFrame:
    """Run every rule (or ``codes``) and return the findings, one row each.

    ``data`` is a :class:`~analysis.ingest.dataset.Dataset` (its findings are stored on it and
    reused), or a tidy observation frame (then pass ``unplaced`` yourself).
    Columns: code, severity, title, message, source_tables, measure, period, values.
    """
    if isinstance(data, pd.DataFrame):
        obs = data
    else:
        if not isinstance(data, Dataset):
            raise TypeError(f"run_checks takes a Dataset or a tidy observation frame, not {type(data).__name__}")
        ds = data
        if codes is None and ds.findings is not None:
            return ds.findings.copy()
        obs, unplaced = ds.observations, ds.unplaced
    rows = []
    for code, r in RULES.items():
        if codes and code not in codes:
            continue
        rows += [asdict(f) for f in r.check(obs, unplaced if unplaced is not None else pd.DataFrame())]
    df = pd.DataFrame(rows, columns=FINDING_COLUMNS)
    if codes is None and not isinstance(data, pd.DataFrame):
        ds.findings = df.copy()  # the same inputs give the same findings: compute them once
    return df


def findings_for_tables(findings: pd.DataFrame, tables: list[str]) -> pd.DataFrame:
    """The findings that touch any of the given report tables (for a theme's caveats)."""
    if findings.empty:
        return findings
    mask = findings["source_tables"].apply(lambda s: any(t in [x.strip() for x in str(s).split(",")] for t in tables))
    return findings[mask]


def format_findings(findings: pd.DataFrame) -> str:
    """Plain-text listing for the terminal."""
    if findings.empty:
        return "Data-quality checks: no findings."
    lines = [f"Data-quality checks: {len(findings)} finding(s) "
             f"({(findings['severity'] == 'warning').sum()} warning(s), {(findings['severity'] == 'info').sum()} for information)."]
    for code, g in findings.groupby("code", sort=True):
        lines.append(f"\n{code} {RULES[code].title} [{RULES[code].severity}]")
        lines += [f"  - {m}" for m in g["message"]]
    return "\n".join(lines)
