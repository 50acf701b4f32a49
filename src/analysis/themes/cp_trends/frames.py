"""The theme's data frames on children on plans and their benchmarks: selected and computed, not worded.

Children on plans over time with rates and intervals (:func:`board_plans`), their changes
(:func:`plan_changes`), the benchmarks at each 31 March (:func:`benchmark_rates`,
:func:`neighbour_rates`), every LA on the funnel (:func:`funnel_data`), and the children-in-need
context (:func:`dfe_children_in_need`, :func:`board_context`). The frames of the board's tables
4.1–4.3 are in :mod:`.board_frames`. Numbers stay numbers here: the sections word them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from ...ingest.dfe import population_for
from ...stats import (
    HIGHER,
    LOWER,
    compare_rate_to_benchmark,
    exact_poisson_ci,
    rate_ci,
    rate_ci_table,
    verdict_from_interval,
)
from ...stats.change import change_significance, percent_change
from ...stats.funnel import classify_funnel
from .run import ThemeRun
from .spec import ENGLAND, PER_CHILDREN
from .wording import as_float

#: The funnel limits of an LA, from :func:`analysis.stats.funnel.classify_funnel`.
FUNNEL_LIMIT_COLUMNS = ("lower_95", "upper_95", "lower_99_8", "upper_99_8")


def is_year_end(when: pd.Timestamp) -> bool:
    """True for a 31 March (a financial year's end)."""
    return when.month == 3 and when.day == 31


def year_ends(dates: pd.Series) -> pd.Series:
    """Which of a column of dates are 31 March (a financial year's end)."""
    return (dates.dt.month == 3) & (dates.dt.day == 31)


# =========================================================================== children on plans
def board_plans(run: ThemeRun) -> pd.DataFrame:
    """Children on plans at each date in the board's data up to the period end.

    Table 3.1 is the primary series; table 4.2's total is used only for dates 3.1 does not
    print (31 March 2013). Columns: ``period_end``, ``count`` (children, snapshot),
    ``source_table``, ``flags``, ``other_table`` / ``other_value`` (the other table's figure
    where it differs), ``population_year``, ``population`` (ONS 0–17), ``rate`` (per 10,000),
    ``lower``/``upper`` (95%), ``printed_rate`` (table 4.1's county rate, as printed).
    """
    counts = run.local("children_on_cp_plan", breakdown="total", period_type="snapshot")
    counts = counts[counts["value"].notna()]
    if counts.empty:
        return pd.DataFrame()
    table_3_1 = counts[counts["source_table"] == "3.1"]
    elsewhere = counts[(counts["source_table"] != "3.1") & ~counts["period_end"].isin(table_3_1["period_end"])]
    elsewhere = elsewhere.drop_duplicates("period_end")
    primary = pd.concat([table_3_1, elsewhere]).sort_values("period_end").reset_index(drop=True)
    printed = run.local("cp_rate_per_10k", breakdown="total")
    rows = []
    for row in primary.itertuples(index=False):
        others = counts[(counts["period_end"] == row.period_end) & (counts["source_table"] != row.source_table)
                        & (counts["value"] != row.value)]
        population = run.population(run.area_code, row.period_end)
        printed_then = printed[printed["period_end"] == row.period_end]
        rows.append({
            "period_end": row.period_end, "count": float(row.value), "source_table": row.source_table,
            "flags": row.flags,
            "other_table": ", ".join(others["source_table"]) if not others.empty else "",
            "other_value": float(others["value"].iloc[0]) if not others.empty else np.nan,
            "population_year": population_for(row.period_end),
            "population": population if population is not None else np.nan,
            "printed_rate": float(printed_then["value"].iloc[0]) if not printed_then.empty else np.nan,
        })
    out = pd.DataFrame(rows)
    add_rates(out, "count", "population", ("rate", "lower", "upper"))
    return out


def add_rates(frame: pd.DataFrame, count: str, population: str, names: tuple[str, str, str]) -> None:
    """Add rate per 10,000 with its 95% limits (Byar's / exact) where the population is known."""
    known = frame[count].notna() & frame[population].notna()
    for name in names:
        frame[name] = np.nan
    if known.any():
        rates = rate_ci_table(frame.loc[known, count], frame.loc[known, population], multiplier=PER_CHILDREN, confidence=0.95)
        for name, column in zip(names, ("value", "lower", "upper")):
            frame.loc[known, name] = rates[column].to_numpy()


def plan_changes(run: ThemeRun, series: pd.DataFrame) -> pd.DataFrame:
    """Change in children on plans from each 31 March to the next date a year on (and from the
    opening 31 March to the period end): counts, percent change of the count, rates and the
    exact rate-ratio test (significant at 95% / 99.8%)."""
    if series.empty:
        return pd.DataFrame()
    by_date = series.set_index("period_end")
    pairs = []
    for when in by_date.index:
        if is_year_end(when):
            year_before = pd.Timestamp(date(when.year - 1, 3, 31))
            if year_before in by_date.index:
                pairs.append((year_before, when))
    if (run.end in by_date.index and run.start in by_date.index and (run.start, run.end) not in pairs
            and run.end != run.start):
        pairs.append((run.start, run.end))
    rows = []
    for first, last in pairs:
        old, new = by_date.at[first, "count"], by_date.at[last, "count"]
        old_population, new_population = by_date.at[first, "population"], by_date.at[last, "population"]
        row = {"from": first, "to": last, "old": old, "new": new, "difference": new - old,
               "old_pop": old_population, "new_pop": new_population,
               "percent_change": float(percent_change(old, new))}
        if not (math.isnan(old_population) or math.isnan(new_population)):
            test = change_significance(old, new, old_population, new_population, kind="rate",
                                       multiplier=PER_CHILDREN)
            row.update(old_rate=test.old_value, new_rate=test.new_value, rate_ratio=test.effect,
                       rr_lower=test.lower_95, rr_upper=test.upper_95,
                       significant_95=bool(test.significant_95), significant_99_8=bool(test.significant_99_8))
        rows.append(row)
    return pd.DataFrame(rows)


# =========================================================================== benchmarks
def benchmark_rates(run: ThemeRun) -> pd.DataFrame:
    """Validated DfE children on plans at each 31 March up to the period end, as rates.

    One row per 31 March: the area's count (``count``), population, rate and 95% interval;
    England's and the region's rates; the statistical neighbours' average
    (``neighbours_mean``: simple mean of their rates, as LAIT; ``neighbours_pooled``: Σ children
    ÷ Σ population) over the neighbours with a count and a population that year, how many those
    are (``neighbours_with_data``) of how many DfE lists (``neighbours_listed``), and the others
    (``neighbours_without_data``, :class:`~analysis.ingest.neighbours.Neighbour`: each neighbour's LA number is resolved to the code it
    had that year, see :meth:`ThemeRun.neighbours_at`, so a reorganised authority counts under
    its code of the time and one that had no figure is named, never silently left out); DfE's published
    LAIT rate for the area (``published_rate``); the verdicts of the area against England, the
    region and the neighbours' average at 95% and 99.8% (``vs_england_95`` …). All rates are per
    10,000 children aged 0–17.
    """
    on_plans = run.dfe_values("children_on_cp_plan")
    if on_plans.empty:
        return pd.DataFrame()
    lait = run.dfe_values("cp_rate_per_10k")
    rows = []
    for when in sorted(on_plans["period_end"].unique()):
        counts = (on_plans[(on_plans["period_end"] == when) & on_plans["value"].notna()]
                  .drop_duplicates("area").set_index("area")["value"])
        populations = run.populations(when)
        if run.area_code not in counts.index or run.area_code not in populations.index:
            continue

        def rate(area: str) -> float:
            if area in counts.index and area in populations.index:
                return float(counts[area] / populations[area] * PER_CHILDREN)
            return np.nan

        listed = run.neighbours_at(when)
        neighbours = [n.code for n in listed if n.has_data and n.code in counts.index and n.code in populations.index]
        without = [n for n in listed if not (n.has_data and n.code in counts.index and n.code in populations.index)]
        published = lait[(lait["period_end"] == when) & (lait["area"] == run.area_code)]
        rows.append({
            "period_end": pd.Timestamp(when), "count": float(counts[run.area_code]),
            "population": float(populations[run.area_code]), "population_year": population_for(when),
            "rate": rate(run.area_code), "england": rate(ENGLAND),
            "region": rate(run.region_code) if run.region_code else np.nan,
            "neighbours_mean": float(np.mean([rate(area) for area in neighbours])) if neighbours else np.nan,
            "neighbours_pooled": (float(counts[neighbours].sum() / populations[neighbours].sum() * PER_CHILDREN)
                                  if neighbours else np.nan),
            "neighbours_with_data": len(neighbours),
            "neighbours_listed": len(listed),
            "neighbours_without_data": without,
            "published_rate": as_float(published["value"].iloc[0]) if not published.empty else np.nan,
        })
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    lower, upper = rate_ci(out["count"], out["population"], multiplier=PER_CHILDREN, confidence=0.95)
    out["lower"], out["upper"] = np.asarray(lower), np.asarray(upper)
    for conf, suffix in ((0.95, "95"), (0.998, "99_8")):
        out[f"vs_england_{suffix}"] = rate_verdicts(out["count"], out["population"], out["england"], conf)
        out[f"vs_neighbours_{suffix}"] = rate_verdicts(out["count"], out["population"], out["neighbours_mean"], conf)
        out[f"vs_region_{suffix}"] = rate_verdicts(out["count"], out["population"], out["region"], conf)
    return out


def rate_verdicts(counts: pd.Series, populations: pd.Series, benchmark: pd.Series, conf: float) -> list:
    """Each rate against its benchmark ("higher", "lower", "not significantly different"; None
    where there is no benchmark)."""
    known = benchmark.notna()
    out: list = [None] * len(counts)
    if known.any():
        verdicts = compare_rate_to_benchmark(counts[known], populations[known], benchmark[known],
                                                   multiplier=PER_CHILDREN, confidence=conf)
        for i, verdict in zip(np.flatnonzero(known.to_numpy()), np.asarray(verdicts, dtype=object)):
            out[i] = verdict
    return out


def board_vs_dfe(board: pd.DataFrame, bench: pd.DataFrame) -> pd.DataFrame:
    """The board's count beside the validated DfE count at each 31 March both give."""
    if board.empty or bench.empty:
        return pd.DataFrame()
    both = board[["period_end", "count", "source_table", "flags", "printed_rate"]].merge(
        bench[["period_end", "count", "published_rate", "rate"]], on="period_end", suffixes=("_board", "_dfe"))
    both["difference"] = both["count_board"] - both["count_dfe"]
    return both


def neighbour_rates(run: ThemeRun, when) -> pd.DataFrame:
    """The area and every one of its statistical neighbours at one 31 March, closest first:
    ``code`` (the code the neighbour had that year; None if it had none), ``name``, ``count``,
    ``population``, ``rate``, ``lower`` and ``upper`` (95%); a neighbour without a figure keeps
    its row with blanks."""
    on_plans = run.dfe_values("children_on_cp_plan")
    counts = on_plans[on_plans["period_end"] == when].drop_duplicates("area").set_index("area")["value"]
    populations = run.populations(when)
    listed = run.neighbours_at(when)
    codes = [run.area_code] + [n.code for n in listed]
    frame = pd.DataFrame({
        "code": codes,
        "name": [run.name] + [n.name for n in listed],
        "count": pd.Series([counts.get(code, np.nan) for code in codes], dtype="float64"),
        "population": pd.Series([populations.get(code, np.nan) for code in codes], dtype="float64"),
    })
    add_rates(frame, "count", "population", ("rate", "lower", "upper"))
    return frame


# =========================================================================== funnel
@dataclass
class FunnelData:
    """Every English LA's children on plans at one 31 March, placed on a rate funnel."""

    when: pd.Timestamp
    england_rate: float  # per 10,000: England's count ÷ England's population
    table: pd.DataFrame  # one row per LA: code, name, count, population, classification columns
    overdispersion: dict | None  # Spiegelhalter additive overdispersion applied in ``od_position``
    excluded: list[str]  # LAs without a count or population (suppressed or not published)


def funnel_data(run: ThemeRun) -> FunnelData | None:
    """Latest 31 March on or before the period end with DfE counts for the LAs; None if none."""
    on_plans = run.dfe_values("children_on_cp_plan")
    authorities = on_plans[on_plans["geographic_level"] == "Local authority"]
    if authorities.empty:
        return None
    when = pd.Timestamp(authorities["period_end"].max())
    authorities = authorities[authorities["period_end"] == when].drop_duplicates("area")
    populations = run.populations(when)
    england = on_plans[(on_plans["period_end"] == when) & (on_plans["area"] == ENGLAND)]
    if england.empty or ENGLAND not in populations.index or pd.isna(england["value"].iloc[0]):
        return None
    england_rate = float(england["value"].iloc[0] / populations[ENGLAND] * PER_CHILDREN)
    table = pd.DataFrame({"code": authorities["area"].to_numpy(), "name": authorities["la_name"].to_numpy(),
                          "count": authorities["value"].to_numpy(dtype="float64")})
    table["population"] = [float(populations.get(code, np.nan)) for code in table["code"]]
    plotted = table["count"].notna() & table["population"].notna() & (table["population"] > 0)
    excluded = sorted(table.loc[~plotted, "name"].tolist())
    table = table[plotted].reset_index(drop=True)
    table["rate"] = table["count"] / table["population"] * PER_CHILDREN
    table["position"] = _funnel_positions(table, england_rate)
    table["is_area"] = table["code"] == run.area_code
    table["is_neighbour"] = table["code"].isin([n.code for n in run.neighbours_at(when) if n.has_data])
    listed = table["is_area"] | table["is_neighbour"]
    for column in FUNNEL_LIMIT_COLUMNS:
        table[column] = np.nan
    if listed.any():
        classified = classify_funnel(table.loc[listed, "count"], table.loc[listed, "population"], kind="rate",
                                     benchmark=england_rate, multiplier=PER_CHILDREN)
        for column in FUNNEL_LIMIT_COLUMNS:
            table.loc[listed, column] = classified[column].to_numpy()
        table.loc[listed, "position"] = classified["position"].to_numpy()
    overdispersion = None
    try:  # Spiegelhalter's additive overdispersion, estimated from every LA (analytic limits)
        widened = classify_funnel(table["count"], table["population"], kind="rate", benchmark=england_rate,
                                  multiplier=PER_CHILDREN, overdispersion_method="additive")
        overdispersion = widened.attrs.get("overdispersion")
        table["od_position"] = widened["position"].to_numpy()
    except ValueError:  # too few areas for an overdispersion estimate
        pass
    return FunnelData(when, england_rate, table, overdispersion, excluded)


def _funnel_positions(table: pd.DataFrame, england_rate: float) -> np.ndarray:
    """Each LA's position on the exact Poisson funnel around England's rate.

    Outside the exact Poisson funnel limits at a level is the same as the LA's exact Poisson
    interval excluding the England rate (:mod:`analysis.stats.funnel`); the interval form is
    vectorised, so it is used for all LAs, and ``classify_funnel`` (which solves for the limits at
    each population) only for the LAs the table lists.
    """
    verdict = {}
    for conf, level in ((0.95, "95"), (0.998, "99_8")):
        lower, upper = exact_poisson_ci(table["count"], confidence=conf)
        verdict[level] = np.asarray(
            verdict_from_interval(np.asarray(lower) / table["population"] * PER_CHILDREN,
                                        np.asarray(upper) / table["population"] * PER_CHILDREN, england_rate),
            dtype=object)
    position = np.full(len(table), "inside 95% limits", dtype=object)
    position[verdict["95"] == HIGHER] = "above 95% limit"
    position[verdict["95"] == LOWER] = "below 95% limit"
    position[verdict["99_8"] == HIGHER] = "above 99.8% limit"
    position[verdict["99_8"] == LOWER] = "below 99.8% limit"
    return position


# =========================================================================== children in need
def dfe_children_in_need(run: ThemeRun) -> pd.DataFrame:
    """DfE's validated children in need of the area at each 31 March: ``count``, ``population``,
    ``rate`` with ``lower``/``upper`` (95%), England's rate (``england``) and the verdict
    against it (``vs_england``)."""
    return dfe_snapshot_rates(run, "children_in_need")


def dfe_looked_after(run: ThemeRun) -> pd.DataFrame:
    """DfE's validated looked-after children of the area at each 31 March, as
    :func:`dfe_children_in_need` (the file starts at 31 March 2021)."""
    return dfe_snapshot_rates(run, "looked_after_children")


def dfe_snapshot_rates(run: ThemeRun, measure: str) -> pd.DataFrame:
    """A DfE count of children at each 31 March up to the period end, per 10,000 aged 0–17, against England."""
    in_need = run.dfe_values(measure)
    in_need = in_need[in_need["value"].notna()]
    rows = []
    area = run.area_code
    for when in sorted(in_need[in_need["area"] == area]["period_end"].unique()):
        counts = in_need[in_need["period_end"] == when].drop_duplicates("area").set_index("area")["value"]
        populations = run.populations(when)
        if area not in populations.index or ENGLAND not in counts.index or ENGLAND not in populations.index:
            continue
        rows.append({"period_end": pd.Timestamp(when), "count": float(counts[area]),
                     "population": float(populations[area]),
                     "england": float(counts[ENGLAND] / populations[ENGLAND] * PER_CHILDREN)})
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    rates = rate_ci_table(out["count"], out["population"], multiplier=PER_CHILDREN, confidence=0.95)
    out["rate"], out["lower"], out["upper"] = (rates["value"].to_numpy(), rates["lower"].to_numpy(),
                                               rates["upper"].to_numpy())
    out["vs_england"] = rate_verdicts(out["count"], out["population"], out["england"], 0.95)
    return out


def board_context(run: ThemeRun, board: pd.DataFrame) -> pd.DataFrame:
    """The board's looked-after children (``lac``, with a rate and 95% interval), open child-in-need
    episodes without a plan or care (``cin``) and children on plans (``cp``) at each date of table
    3.1; empty when the board has neither of the first two."""
    looked_after = run.local("looked_after_children", breakdown="total", period_type="snapshot")
    in_need = run.local("cin_open_excl_lac_cp", breakdown="total", period_type="snapshot")
    if looked_after.empty and in_need.empty:
        return pd.DataFrame()
    dates = sorted(set(looked_after["period_end"]).union(in_need["period_end"]))
    frame = pd.DataFrame({"period_end": dates})
    frame["lac"] = frame["period_end"].map(looked_after.drop_duplicates("period_end").set_index("period_end")["value"])
    frame["cin"] = frame["period_end"].map(in_need.drop_duplicates("period_end").set_index("period_end")["value"])
    frame["cp"] = frame["period_end"].map(board.set_index("period_end")["count"]) if not board.empty else np.nan
    frame["population"] = [run.population(run.area_code, when) for when in frame["period_end"]]
    frame["population"] = frame["population"].astype("float64")
    add_rates(frame, "lac", "population", ("lac_rate", "lac_lower", "lac_upper"))
    frame["three_groups"] = frame[["lac", "cin", "cp"]].sum(axis=1, min_count=3)
    return frame
