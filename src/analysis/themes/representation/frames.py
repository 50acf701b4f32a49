"""The representation theme's data frames: what it selects from the dataset and what it computes.

* :func:`local_frame` – the area's own (board) observations up to the period end, selected once;
* :func:`plan_totals`, :func:`referral_totals` – the totals the printed shares are of;
* :func:`shares_frame` – one row per population × group × period: reconstructed counts, Wilson
  intervals, verdicts, not-recorded bounds and the relative rate index;
* :func:`not_recorded_frame` – the "not recorded" shares of ethnicity and language;
* :func:`census_frame`, :func:`census_summary` – Census 2021 ethnicity of the area and England;
* :func:`latest_rows`, :func:`latest_items` – the most recent row of each population and group.

Counts are **reconstructed** (the board prints percentages only): printed share × printed
total, rounded half up by :func:`analysis.formatting.round_half_up`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from ... import stats
from ...ingest.dataset import select
from ...ingest.dfe import population_for
from ...formatting import round_half_up
from ...periods import financial_year_label
from ..context import Context
from .groups import (
    CENSUS_MEASURE,
    ENGLAND,
    GROUPS,
    INCONCLUSIVE,
    NO_BOUNDS,
    NOT_RECORDED,
    POPULATIONS,
    Group,
    Population,
)
from .wording import period_label

LOCAL_COLUMNS = ["time_period", "time_identifier", "period_type", "period_start", "period_end", "geographic_level",
                 "region_code", "country_code", "new_la_code", "source_table", "measure", "breakdown",
                 "breakdown_value", "value", "unit", "status", "flags", "note", "source"]

SHARE_COLUMNS = ["population", "group", "period_type", "period_start", "period_end", "period", "share", "status",
                 "flags", "denominator", "denominator_table", "unvalidated", "count", "count_min", "count_max",
                 "share_reachable", "not_recorded_share", "not_recorded_count", "complement_count", "benchmark",
                 "complement_benchmark", "benchmark_name"]
STAT_COLUMNS = ["lower_95", "upper_95", "verdict_95", "lower_99_8", "upper_99_8", "verdict_99_8", "bound_none",
                "bound_all", "verdict_if_none_95", "verdict_if_all_95", "conclusion_95", "rri", "rri_lower",
                "rri_upper", "population_0_17", "rate_group", "rate_others"]
NOT_RECORDED_COLUMNS = ["population", "breakdown", "period_type", "period_start", "period_end", "period", "share",
                        "count", "denominator", "flags"]
CENSUS_COLUMNS = ["area", "ethnic_group", "broad_group", "board_category", "residents", "share"]


def reconstructed_count(share: float, total: float) -> float:
    """The whole count a printed share (percent) of a printed total stands for, rounded half up."""
    return float(int(round_half_up(share / 100.0 * total)))


def local_frame(ctx: Context) -> pd.DataFrame:
    """The area's own (board) observations up to the end of the period, selected once."""
    local = ctx.ds.select(None, area_code=ctx.area_code, up_to=ctx.period)
    local = local.loc[local["source"] != "dfe", LOCAL_COLUMNS].reset_index(drop=True)
    # a narrow frame of plain Python strings filters far faster than Arrow strings
    return local.astype({c: "object" for c in LOCAL_COLUMNS if pd.api.types.is_string_dtype(local[c])})


def plan_totals(local: pd.DataFrame) -> pd.DataFrame:
    """Children on plans at each date (count): table 4.2's own total, else table 3.1's.

    Columns: period_type ("snapshot"), period_end, denominator, denominator_table, unvalidated.
    Table 4.2's shares are of its own total (at 31 March 2017 it prints 443 where table 3.1
    prints 439; its breakdowns add up to 443), so 4.2 is preferred.
    """
    table_4_2 = select(local, "children_on_cp_plan", source_table="4.2", breakdown="total")
    table_3_1 = select(local, "children_on_cp_plan", source_table="3.1", breakdown="total")
    rows = []
    for end in sorted(set(table_4_2["period_end"]) | set(table_3_1["period_end"])):
        own = table_4_2[(table_4_2["period_end"] == end) & table_4_2["value"].notna()]
        other = table_3_1[(table_3_1["period_end"] == end) & table_3_1["value"].notna()]
        chosen = own if not own.empty else other
        if chosen.empty:
            continue
        flags = ";".join(list(own["flags"]) + list(other["flags"]))
        rows.append({"period_type": "snapshot", "period_end": end, "denominator": float(chosen["value"].iloc[0]),
                     "denominator_table": "4.2" if not own.empty else "3.1", "unvalidated": "unvalidated" in flags})
    return pd.DataFrame(rows, columns=["period_type", "period_end", "denominator", "denominator_table", "unvalidated"])


def referral_totals(local: pd.DataFrame) -> pd.DataFrame:
    """Referrals (count) in each financial year or 1 April–quarter-end period (table 2.1)."""
    totals = select(local, "referrals", source_table="2.1", breakdown="total")
    totals = totals[totals["value"].notna()]
    return pd.DataFrame({"period_type": totals["period_type"], "period_end": totals["period_end"],
                         "denominator": totals["value"], "denominator_table": "2.1",
                         "unvalidated": totals["flags"].str.contains("unvalidated")}).reset_index(drop=True)


def benchmark_for(ctx: Context, group: Group, candidates: pd.DataFrame) -> dict | None:
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
    group_row = latest[latest["breakdown_value"] == group.value]
    if group_row.empty:
        return None
    value = float(group_row["value"].iloc[0])
    if group.complement:
        complement_row = latest[latest["breakdown_value"] == group.complement]
        complement = float(complement_row["value"].iloc[0]) if not complement_row.empty else float("nan")
    else:
        complement = 100.0 - value
    first = group_row.iloc[0]
    if group.benchmark_measure == "school_census_pupil_share":
        name = f"{group.benchmark_name} of {first['period_end'].strftime('%B %Y')} (pupils in Reception to Year 11)"
    else:
        name = f"{group.benchmark_name} (Family Resources Survey {financial_year_label(first['period_end'])})"
    return {"value": value, "complement": complement, "name": name, "period_end": first["period_end"]}


def count_range(share: float, n: float) -> tuple[int, int]:
    """Whole counts x whose share x / n rounds to the printed ``share`` (percent, one decimal)."""
    lowest = math.ceil((share - 0.05) / 100.0 * n - 1e-9)
    highest = math.floor((share + 0.05) / 100.0 * n + 1e-9)
    return max(lowest, 0), min(highest, int(n))


def _totals_by_population(local: pd.DataFrame) -> dict[str, pd.DataFrame]:
    return {"plans": plan_totals(local), "referrals": referral_totals(local)}


def _share_row(population: Population, group: Group, printed: dict, cells: dict, total: dict | None,
               benchmark: dict | None) -> dict:
    """One row of :func:`shares_frame` (before its statistics) from the printed cells of one period."""
    period_type, end = printed["period_type"], printed["period_end"]
    n = float(total["denominator"]) if total else float("nan")
    share = float(printed["value"]) if pd.notna(printed["value"]) else float("nan")
    countable = not (math.isnan(share) or math.isnan(n))
    lowest, highest = count_range(share, n) if countable else (float("nan"), float("nan"))
    not_recorded = cells.get((group.breakdown, period_type, end, NOT_RECORDED))
    # disability has no "not recorded" row: a child whose disability is not recorded counts as not disabled
    not_recorded_share = (float(not_recorded["value"]) if not_recorded is not None and pd.notna(not_recorded["value"])
                          and group.breakdown != "disability" else float("nan"))
    complement = cells.get((group.breakdown, period_type, end, group.complement)) if group.complement else None
    count = reconstructed_count(share, n) if countable else float("nan")
    if group.complement is None:
        complement_count = n - count if countable else float("nan")
    elif complement is not None and pd.notna(complement["value"]) and countable:
        complement_count = reconstructed_count(float(complement["value"]), n)
    else:
        complement_count = float("nan")
    return {
        "population": population.key, "group": group.key, "period_type": period_type,
        "period_start": printed["period_start"], "period_end": end,
        "period": period_label(period_type, printed["period_start"], end),
        "share": share, "status": printed["status"], "flags": printed["flags"],
        "denominator": n, "denominator_table": total["denominator_table"] if total else "",
        "unvalidated": bool(total["unvalidated"]) if total else False,
        "count": count, "count_min": float(lowest), "count_max": float(highest),
        "share_reachable": (lowest <= highest) if countable else True,
        "not_recorded_share": not_recorded_share,
        "not_recorded_count": (reconstructed_count(not_recorded_share, n)
                               if countable and not math.isnan(not_recorded_share) else float("nan")),
        "complement_count": complement_count,
        "benchmark": benchmark["value"] if benchmark else float("nan"),
        "complement_benchmark": benchmark["complement"] if benchmark else float("nan"),
        "benchmark_name": benchmark["name"] if benchmark else "",
    }


def shares_frame(ctx: Context, local: pd.DataFrame | None = None) -> pd.DataFrame:
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
    totals = _totals_by_population(local)
    candidates = ctx.ds.select(sorted({group.benchmark_measure for group in GROUPS}), up_to=ctx.period)
    benchmarks = {group.key: benchmark_for(ctx, group, candidates) for group in GROUPS}
    rows: list[dict] = []
    for population in POPULATIONS:
        shares = select(local, population.measure, source_table=population.table,
                        breakdown=[group.breakdown for group in GROUPS])
        cells = {(r["breakdown"], r["period_type"], r["period_end"], r["breakdown_value"]): r
                 for r in shares[["breakdown", "breakdown_value", "period_type", "period_start", "period_end", "value",
                                  "status", "flags"]].to_dict("records")}
        total_at = {(r["period_type"], r["period_end"]): r for r in totals[population.key].to_dict("records")}
        for group in GROUPS:
            periods = sorted({(period_type, end) for breakdown, period_type, end, value in cells
                              if breakdown == group.breakdown and value == group.value},
                             key=lambda period: (period[1], period[0]))
            for period_type, end in periods:
                printed = cells[(group.breakdown, period_type, end, group.value)]
                rows.append(_share_row(population, group, printed, cells, total_at.get((period_type, end)),
                                       benchmarks[group.key]))
    frame = pd.DataFrame(rows, columns=SHARE_COLUMNS)
    if frame.empty:
        for column in STAT_COLUMNS:
            frame[column] = pd.Series(dtype="object")
        return frame
    return _add_statistics(ctx, frame)


def _conclusion(row: Any) -> str | None:
    """Whether the 95% verdict holds whatever the unrecorded records are (see :data:`INCONCLUSIVE`)."""
    if row.verdict_95 is None:
        return None
    if math.isnan(row.not_recorded_share):
        return NO_BOUNDS
    if row.verdict_if_none_95 == row.verdict_if_all_95:
        return row.verdict_if_none_95
    return INCONCLUSIVE


def _add_statistics(ctx: Context, frame: pd.DataFrame) -> pd.DataFrame:
    """Wilson intervals and verdicts, not-recorded bounds and relative rate index (analysis.stats)."""
    frame = frame.copy()
    countable = frame["count"].notna() & (frame["denominator"] > 0)
    x, n = frame["count"].where(countable), frame["denominator"].where(countable)
    benchmark = frame["benchmark"] / 100.0
    versus = stats.share_vs_population(x, n, benchmark, confidence=(0.95, 0.998))
    for column in ("lower_95", "upper_95", "verdict_95", "lower_99_8", "upper_99_8", "verdict_99_8"):
        frame[column] = versus[column]
    # bounds: none / all of the unrecorded in the group (disability has no "not recorded" row)
    unrecorded = frame["not_recorded_count"]
    bounded = countable & unrecorded.notna()
    share_if_none, share_if_all = stats.not_recorded_bounds(x.where(bounded, 0.0), (n - unrecorded).where(bounded, 1.0),
                                                            unrecorded.where(bounded, 0.0))
    frame["bound_none"] = (share_if_none * 100.0).where(bounded)
    frame["bound_all"] = (share_if_all * 100.0).where(bounded)
    x_if_all = (x + unrecorded).where(bounded)
    frame["verdict_if_none_95"] = stats.compare_proportion_to_benchmark(x.where(bounded), n.where(bounded), benchmark,
                                                                        confidence=0.95)
    frame["verdict_if_all_95"] = stats.compare_proportion_to_benchmark(x_if_all, n.where(bounded), benchmark, confidence=0.95)
    frame["conclusion_95"] = pd.Series([_conclusion(row) for row in frame.itertuples(index=False)],
                                       index=frame.index, dtype="object")
    # relative rate index: group / other recorded children, populations as benchmark shares
    has_rate = (countable & frame["complement_count"].notna() & (frame["benchmark"] > 0)
                & (frame["complement_benchmark"] > 0))
    rri, lower, upper = stats.relative_rate_index(x.where(has_rate), frame["benchmark"].where(has_rate, 1.0),
                                                  frame["complement_count"].where(has_rate),
                                                  frame["complement_benchmark"].where(has_rate, 1.0))
    frame["rri"] = rri.where(has_rate)
    frame["rri_lower"], frame["rri_upper"] = lower.where(has_rate), upper.where(has_rate)
    ons = ctx.ds.select("population_0_17", area_code=ctx.area_code, source="dfe")
    children_by_year = {int(e.year): float(v) for e, v in zip(ons["period_end"], ons["value"]) if pd.notna(v)}
    frame["population_0_17"] = [children_by_year.get(population_for(e), float("nan")) for e in frame["period_end"]]
    with np.errstate(invalid="ignore", divide="ignore"):
        frame["rate_group"] = frame["count"] / (frame["benchmark"] / 100.0 * frame["population_0_17"]) * 10_000
        frame["rate_others"] = (frame["complement_count"]
                                / (frame["complement_benchmark"] / 100.0 * frame["population_0_17"]) * 10_000)
    return frame


def not_recorded_frame(ctx: Context, local: pd.DataFrame | None = None) -> pd.DataFrame:
    """'Not recorded' share (percent) of ethnicity and of preferred language, referrals and plans,
    with the reconstructed count and its total."""
    local = local_frame(ctx) if local is None else local
    totals = _totals_by_population(local)
    rows = []
    for population in POPULATIONS:
        printed = select(local, population.measure, source_table=population.table, breakdown=["ethnicity", "language"],
                         breakdown_value=NOT_RECORDED)
        total_at = {(r["period_type"], r["period_end"]): r["denominator"]
                    for r in totals[population.key].to_dict("records")}
        for row in printed.to_dict("records"):
            n = float(total_at.get((row["period_type"], row["period_end"]), float("nan")))
            countable = pd.notna(row["value"]) and not math.isnan(n)
            rows.append({"population": population.key, "breakdown": row["breakdown"], "period_type": row["period_type"],
                         "period_start": row["period_start"], "period_end": row["period_end"],
                         "period": period_label(row["period_type"], row["period_start"], row["period_end"]),
                         "share": row["value"],
                         "count": reconstructed_count(row["value"], n) if countable else float("nan"),
                         "denominator": n, "flags": row["flags"]})
    frame = pd.DataFrame(rows, columns=NOT_RECORDED_COLUMNS)
    return frame.sort_values(["breakdown", "population", "period_end"]).reset_index(drop=True)


def census_frame(ctx: Context) -> pd.DataFrame:
    """Census 2021 usual residents (all ages, count) by the 20 ethnic groups, area and England.

    Dated 21 March 2021, after the board's periods: read whatever the run's period, as context
    that enters no verdict. Columns: area ("area"/"England"), ethnic_group, broad_group,
    board_category ("White" for every "White: ..." group, else "BME"), residents, share (percent).
    """
    frames = []
    for code, label in ((ctx.area_code, "area"), (ENGLAND, "England")):
        residents = ctx.ds.select(CENSUS_MEASURE, area_code=code, source="dfe")
        residents = residents[residents["value"].notna()]
        if residents.empty:
            continue
        frame = pd.DataFrame({"area": label, "ethnic_group": residents["breakdown_value"].astype(str).to_numpy(),
                              "residents": residents["value"].to_numpy()})
        frame["broad_group"] = frame["ethnic_group"].str.split(":").str[0].str.strip()
        frame["board_category"] = np.where(frame["broad_group"] == "White", "White", "BME")
        frame["share"] = frame["residents"] / frame["residents"].sum() * 100.0
        frames.append(frame)
    if not frames:
        return pd.DataFrame(columns=CENSUS_COLUMNS)
    return pd.concat(frames, ignore_index=True)


def census_summary(census: pd.DataFrame, area: str) -> dict | None:
    """Shares (percent of all residents) for one area of :func:`census_frame`."""
    residents = census[census["area"] == area]
    if residents.empty:
        return None
    total = float(residents["residents"].sum())
    bme = float(residents.loc[residents["board_category"] == "BME", "residents"].sum())
    gypsy_roma = float(residents.loc[residents["ethnic_group"].str.contains("Gypsy|Roma", regex=True),
                                     "residents"].sum())
    white_british = float(residents.loc[residents["ethnic_group"].str.startswith("White: English"), "residents"].sum())
    minority = residents[residents["board_category"] == "BME"].sort_values("residents", ascending=False)
    broad = residents.groupby("broad_group")["residents"].sum()
    return {"total": total, "bme_share": bme / total * 100.0,
            "bme_incl_gypsy_roma_share": (bme + gypsy_roma) / total * 100.0,
            "not_white_british_share": (total - white_british) / total * 100.0,
            "broad": {name: float(count) / total * 100.0 for name, count in broad.items()},
            "largest_minority": minority["ethnic_group"].iloc[0] if not minority.empty else None,
            "largest_minority_share": float(minority["share"].iloc[0]) if not minority.empty else float("nan")}


def latest_rows(shares: pd.DataFrame) -> dict[tuple[str, str], pd.Series]:
    """The most recent printed row for each (population, group) up to the period end."""
    out: dict[tuple[str, str], pd.Series] = {}
    printed = shares[shares["share"].notna()] if not shares.empty else shares
    for (population, group), rows in printed.groupby(["population", "group"], sort=False):
        out[(population, group)] = rows.sort_values("period_end").iloc[-1]
    return out


def latest_items(latest: dict) -> list[tuple[Group, Population, pd.Series]]:
    """The latest rows as (group, population, row), groups in order, plans before referrals."""
    return [(group, population, latest[(population.key, group.key)])
            for group in GROUPS for population in POPULATIONS if (population.key, group.key) in latest]
