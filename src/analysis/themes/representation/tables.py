"""The representation theme's report tables (numbers stay numbers; the display formats and suppresses them).

Tables with a count column return, row by row, the key of each count (see
:mod:`.withheld`) so that charts and sentences withhold exactly what the table suppresses.
Tables without a count column (bounds, change) take a :class:`.withheld.Withheld` and show
``c`` themselves where a figure rests on a withheld count.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from ... import stats
from ...formatting import is_missing
from ...report import charts as report_charts
from ...report.model import Table
from ...report.words import chance_words
from ...stats.disclosure import NOT_AVAILABLE, SUPPRESSED
from .groups import (
    ENGLAND_ONLY_NOTE,
    BoardSources,
    CENSUS_BROAD_ORDER,
    CENSUS_SOURCE,
    COUNT,
    GROUP_BY_KEY,
    GROUPS,
    MIX_EXPECTED,
    MIX_OBSERVED,
    NR_COUNT,
    OTHER_RECORDED_COUNT,
    PERCENT_FORMAT,
    POPULATION_LABELS,
    WITHHELD_NOTE,
    Group,
)
from .withheld import Withheld, complement_key, count_key, not_recorded_key

NO_BENCHMARK = "no benchmark"


@dataclass
class ThemeTables:
    """Every report table of one run, built before the charts and sentences that read their suppression."""

    benchmark: Table
    rri: Table
    trend: dict[str, Table]  # by group key
    not_recorded: Table
    mix: Table
    fit: Table
    mix_keys: list[tuple]  # the count key of each row of the mix table
    bounds: Table
    change: Table
    sources: BoardSources = BoardSources()  # the area's board tables, named from its dataset


def _suppressed_if(hidden: bool, value: Any) -> Any:
    """``c`` in place of a figure that rests on a withheld count, else the figure."""
    return SUPPRESSED if hidden else value


def benchmark_table(items: list, sources: BoardSources) -> Table:
    """The latest share of each group among plans and referrals, with intervals and verdicts."""
    rows = [{"Group": group.short, "Among": population.label, "Period": row["period"], COUNT: row["count"],
             "Total": row["denominator"], "Share %": row["share"], "95% CI lower %": row["lower_95"],
             "95% CI upper %": row["upper_95"], "99.8% CI lower %": row["lower_99_8"],
             "99.8% CI upper %": row["upper_99_8"], "Benchmark %": row["benchmark"],
             "Verdict (95%)": row["verdict_95"] or NO_BENCHMARK, "Verdict (99.8%)": row["verdict_99_8"] or NO_BENCHMARK}
            for group, population, row in items]
    derived = ["Share %", "95% CI lower %", "95% CI upper %", "99.8% CI lower %", "99.8% CI upper %"]
    return Table(
        title="Latest share of each group against its benchmark", frame=pd.DataFrame(rows),
        source=sources.reconstructed, count_columns=[COUNT], people_columns=[COUNT],
        derived={column: COUNT for column in derived},
        formats={"Total": "count", "Benchmark %": PERCENT_FORMAT, **{column: PERCENT_FORMAT for column in derived}},
        notes=["Count = printed share × printed total, rounded: the board prints percentages only.",
               "Verdicts: higher or lower only when the benchmark lies outside the group's confidence interval."])


def benchmark_keys(items: list) -> list[tuple]:
    """The count key of each row of :func:`benchmark_table`."""
    return [count_key(population.key, group.key, row["period_end"]) for group, population, row in items]


def rri_items(items: list) -> list[tuple[Group, pd.Series]]:
    """The latest rows of children on plans that have a relative rate index (the rows of :func:`rri_table`)."""
    return [(group, row) for group, population, row in items
            if population.key == "plans" and not is_missing(row["rri"])]


def rri_table(items: list, sources: BoardSources) -> tuple[Table, list[tuple]]:
    """Relative rate index of each group on plans, with rates per 10,000 children aged 0–17, and its count keys."""
    with_rri = rri_items(items)
    rows = [{"Group": group.short, "Date": row["period"], COUNT: row["count"],
             OTHER_RECORDED_COUNT: row["complement_count"],
             "Group's benchmark share %": row["benchmark"], "Others' benchmark share %": row["complement_benchmark"],
             "Children aged 0–17 (ONS)": row["population_0_17"], "Rate per 10,000 in group": row["rate_group"],
             "Rate per 10,000 others": row["rate_others"], "Rate ratio": row["rri"],
             "Rate ratio 95% CI lower": row["rri_lower"], "Rate ratio 95% CI upper": row["rri_upper"]}
            for group, row in with_rri]
    table = Table(
        title="Rate ratio: children on plans per 10,000 in each group against other children",
        frame=pd.DataFrame(rows),
        source=sources.plans(f"benchmarks from table 2.3; {report_charts.DFE_SOURCE}"),
        count_columns=[COUNT, OTHER_RECORDED_COUNT], people_columns=[COUNT, OTHER_RECORDED_COUNT],
        derived={"Rate per 10,000 in group": COUNT, "Rate per 10,000 others": OTHER_RECORDED_COUNT,
                 "Rate ratio": COUNT, "Rate ratio 95% CI lower": COUNT, "Rate ratio 95% CI upper": COUNT},
        formats={"Group's benchmark share %": PERCENT_FORMAT, "Others' benchmark share %": PERCENT_FORMAT,
                 "Children aged 0–17 (ONS)": "count", "Rate per 10,000 in group": "rate",
                 "Rate per 10,000 others": "rate", "Rate ratio": "ratio",
                 "Rate ratio 95% CI lower": "ratio", "Rate ratio 95% CI upper": "ratio"},
        notes=["Each group's population is its benchmark share × the ONS mid-year estimate of children aged 0–17 "
               "(DfE's convention for the year); the rate ratio and its interval depend only on the shares.",
               "Other recorded children: White British/Irish/Other (ethnicity), English (language), everyone else on a "
               "plan (disability). Unborn children and those not recorded are in neither rate."])
    return table, [count_key("plans", group.key, row["period_end"]) for group, row in with_rri]


def trend_table(shares: pd.DataFrame, group: Group, sources: BoardSources) -> tuple[Table, list[tuple]]:
    """Every period for one group, plans and referrals: share, interval, verdicts and bounds.

    Returns the table and, row by row, the key of its count (for :class:`.withheld.Withheld`)."""
    rows = shares[shares["group"] == group.key].sort_values(["population", "period_end"]).reset_index(drop=True)
    frame = pd.DataFrame({
        "Among": rows["population"].map(POPULATION_LABELS),
        "Period": rows["period"], COUNT: rows["count"], "Total": rows["denominator"], "Share %": rows["share"],
        "95% CI lower %": rows["lower_95"], "95% CI upper %": rows["upper_95"], "Benchmark %": rows["benchmark"],
        "Verdict (95%)": rows["verdict_95"].where(rows["verdict_95"].notna(), NO_BENCHMARK),
        "Verdict (99.8%)": rows["verdict_99_8"].where(rows["verdict_99_8"].notna(), NO_BENCHMARK),
        "Within not-recorded bounds (95%)": rows["conclusion_95"].where(rows["conclusion_95"].notna(), NOT_AVAILABLE),
    })
    frame.loc[rows["share"].isna().to_numpy(), COUNT] = float("nan")
    derived = ["Share %", "95% CI lower %", "95% CI upper %"]
    table = Table(title=f"{group.short} share of referrals and of children on plans", frame=frame,
                  source=sources.reconstructed, count_columns=[COUNT], people_columns=[COUNT],
                  derived={column: COUNT for column in derived},
                  formats={"Total": "count", "Benchmark %": PERCENT_FORMAT,
                           **{column: PERCENT_FORMAT for column in derived}},
                  notes=["Referral shares for 2017/18 are cumulative from 1 April to each quarter end; earlier years "
                         "are whole financial years. Plans are counted at each date. x = not available (printed as "
                         "not yet known)."])
    keys = [count_key(population, group.key, end) for population, end in zip(rows["population"], rows["period_end"])]
    return table, keys


def not_recorded_table(not_recorded: pd.DataFrame, sources: BoardSources) -> tuple[Table, list[tuple]]:
    """The 'not recorded' shares over time, and row by row the key of each count."""
    frame = pd.DataFrame({"Recording of": not_recorded["breakdown"],
                          "Among": not_recorded["population"].map(POPULATION_LABELS),
                          "Period": not_recorded["period"], NR_COUNT: not_recorded["count"],
                          "Total": not_recorded["denominator"], "Not recorded %": not_recorded["share"]})
    table = Table(title="Ethnicity and preferred language not recorded", frame=frame, source=sources.reconstructed,
                  count_columns=[NR_COUNT], people_columns=[NR_COUNT], derived={"Not recorded %": NR_COUNT},
                  formats={"Total": "count", "Not recorded %": PERCENT_FORMAT})
    keys = [not_recorded_key(population, breakdown, end) for population, breakdown, end
            in zip(not_recorded["population"], not_recorded["breakdown"], not_recorded["period_end"])]
    return table, keys


def bounds_table(items: list, withheld: Withheld, sources: BoardSources) -> Table:
    """For each group and population at the latest date: verdicts if none / all unrecorded were in it.

    Shares only (the counts are in the benchmark and not-recorded tables); in public mode a
    share resting on a withheld count is already ``c`` here, since this table has no count
    column for the display to suppress.
    """

    rows = []
    for group, population, row in items:
        range_hidden = withheld.range_hidden(row)
        rows.append({"Group": group.short, "Among": population.label, "Period": row["period"],
                     "Share %": _suppressed_if(withheld.row_hidden(row), row["share"]),
                     "Not recorded %": _suppressed_if(range_hidden and not is_missing(row["not_recorded_share"]),
                                                      row["not_recorded_share"]),
                     "Share if none unrecorded in group %": _suppressed_if(
                         range_hidden and not is_missing(row["bound_none"]), row["bound_none"]),
                     "Share if all unrecorded in group %": _suppressed_if(
                         range_hidden and not is_missing(row["bound_all"]), row["bound_all"]),
                     "Benchmark %": row["benchmark"],
                     "Verdict if none (95%)": row["verdict_if_none_95"] or NOT_AVAILABLE,
                     "Verdict if all (95%)": row["verdict_if_all_95"] or NOT_AVAILABLE,
                     "Conclusion (95%)": row["conclusion_95"] or NO_BENCHMARK})
    return Table(
        title="Bounds that unrecorded ethnicity and language put on each verdict", frame=pd.DataFrame(rows),
        source=sources.reconstructed,
        formats={column: PERCENT_FORMAT
                 for column in ("Share %", "Not recorded %", "Share if none unrecorded in group %",
                                "Share if all unrecorded in group %", "Benchmark %")},
        notes=["Inconclusive: the verdict at 95% differs between the two bounds, so the data cannot say which holds.",
               "Disability has no 'not recorded' row in the board's tables, so the disability share cannot be bounded: "
               "a child whose disability is not recorded is counted as not disabled (x = not applicable here).",
               WITHHELD_NOTE])


def yearly_changes(shares: pd.DataFrame, withheld: Withheld) -> list[dict]:
    """For each group, the change in its share of children on plans over the year to the latest date.

    Each: group, old and new (rows of the shares frame), change (a
    :class:`analysis.stats.ChangeSignificance`, Newcombe's interval) and hidden (whether either
    row rests on a count the trend tables withhold).
    """
    changes = []
    for group in GROUPS:
        plans = shares[(shares["population"] == "plans") & (shares["group"] == group.key) & shares["count"].notna()]
        if plans.empty:
            continue
        plans = plans.sort_values("period_end")
        new = plans.iloc[-1]
        year_before = plans[plans["period_end"] == pd.Timestamp(new["period_end"]) - pd.DateOffset(years=1)]
        if year_before.empty:
            continue
        old = year_before.iloc[0]
        change = stats.change_significance(old["count"], new["count"], old["denominator"], new["denominator"],
                                           kind="proportion")
        hidden = withheld.row_hidden(old, "trend") or withheld.row_hidden(new, "trend")
        changes.append({"group": group, "old": old, "new": new, "change": change, "hidden": hidden})
    return changes


def change_table(changes: list[dict], sources: BoardSources) -> Table:
    """The changes of :func:`yearly_changes`, shares only; in public mode a row resting on a withheld count is ``c``."""
    rows = []
    for item in changes:
        old, new, change, hidden = item["old"], item["new"], item["change"], item["hidden"]
        rows.append({"Group": item["group"].short, "From": old["period"], "To": new["period"],
                     "Share then %": _suppressed_if(hidden, old["share"]),
                     "Share now %": _suppressed_if(hidden, new["share"]),
                     "Change (percentage points)": _suppressed_if(hidden, float(change.effect)),
                     "95% CI lower (points)": _suppressed_if(hidden, float(change.lower_95)),
                     "95% CI upper (points)": _suppressed_if(hidden, float(change.upper_95)),
                     "Significant at 95%": _suppressed_if(hidden, "yes" if change.significant_95 else "no"),
                     "Significant at 99.8%": _suppressed_if(hidden, "yes" if change.significant_99_8 else "no")})
    return Table(
        title="Change in each group's share of children on plans over the year", frame=pd.DataFrame(rows),
        source=sources.plans("counts reconstructed from printed shares"),
        formats={column: PERCENT_FORMAT for column in ("Share then %", "Share now %", "Change (percentage points)",
                                                       "95% CI lower (points)", "95% CI upper (points)")},
        notes=["The interval is the range the true change probably lies in. Many children are on a plan at both dates, "
               "so the shares are not independent samples: read the test as a screen for more than year-to-year noise.",
               WITHHELD_NOTE])


def mix_results(latest: dict) -> list[dict]:
    """Chi-squared goodness of fit of the recorded ethnicity and language mix of children on
    plans against the School Census mix (analysis.stats.goodness_of_fit).

    Each: group, row (the latest row of children on plans) and fit (a
    :class:`analysis.stats.GoodnessOfFit`).
    """
    results = []
    for group in (GROUP_BY_KEY["bme"], GROUP_BY_KEY["non_english"]):
        row = latest.get(("plans", group.key))
        if (row is None or is_missing(row["benchmark"]) or is_missing(row["complement_count"])
                or is_missing(row["count"])):
            continue
        observed = pd.Series({group.value: row["count"], group.complement: row["complement_count"]})
        expected = pd.Series({group.value: row["benchmark"], group.complement: row["complement_benchmark"]})
        if observed.sum() <= 0 or expected.isna().any():
            continue
        results.append({"group": group, "row": row, "fit": stats.goodness_of_fit(observed, expected)})
    return results


def mix_tables(results: list[dict], sources: BoardSources) -> tuple[Table, Table, list[tuple]]:
    """The recorded mix against the School Census, the test results, and the mix table's count keys."""
    mix_rows, test_rows, keys = [], [], []
    for result in results:
        group, row, fit = result["group"], result["row"], result["fit"]
        for category, cell in fit.table.iterrows():
            mix_rows.append({"Recording of": group.breakdown, "Category": category, "Date": row["period"],
                             "Children": cell["observed"], MIX_OBSERVED: cell["observed_share"],
                             MIX_EXPECTED: cell["expected_share"],
                             "Expected children": cell["expected"]})
            keys.append(count_key("plans", group.key, row["period_end"]) if category == group.value
                        else complement_key("plans", group.key, row["period_end"]))
        test_rows.append({"Recording of": group.breakdown, "Date": row["period"],
                          "Categories": " / ".join(map(str, fit.table.index)),
                          "Children with it recorded": float(fit.table["observed"].sum()),
                          "Smallest expected count": float(fit.table["expected"].min()), "Size of the difference (test score)": fit.statistic,
                          "Categories that can vary": f"{fit.dof} (categories less one)",
                          "Chance of a difference this large": chance_words(fit.p_value),
                          "Reliable": "yes" if fit.reliable else "no: an expected count is below 5"})
    source = sources.plans("School Census shares from table 2.3; counts reconstructed")
    mix = Table(title="Recorded mix of children on plans and the School Census mix", frame=pd.DataFrame(mix_rows),
                source=source, count_columns=["Children"], people_columns=["Children"], derived={MIX_OBSERVED: "Children"},
                formats={MIX_OBSERVED: PERCENT_FORMAT, MIX_EXPECTED: PERCENT_FORMAT, "Expected children": "rate"})
    test = Table(title="Test of the recorded mix against the School Census mix", frame=pd.DataFrame(test_rows),
                 source=source, count_columns=["Children with it recorded"],
                 people_columns=["Children with it recorded"],
                 formats={"Smallest expected count": "rate", "Size of the difference (test score)": "rate"})
    return mix, test, keys


def census_broad_table(area_name: str, area: dict, england: dict | None) -> Table:
    """Shares of residents by broad ethnic group, the area beside England (Census 2021, all ages)."""
    area_column = f"{area_name} %"
    frame = pd.DataFrame([{"Broad ethnic group": broad, area_column: area["broad"].get(broad, float("nan")),
                           "England %": england["broad"].get(broad, float("nan")) if england else float("nan")}
                          for broad in CENSUS_BROAD_ORDER])
    return Table(title="Broad ethnic groups, Census 2021 (all ages)", frame=frame, source=CENSUS_SOURCE,
                 formats={column: PERCENT_FORMAT for column in frame.columns if column.endswith("%")},
                 notes=[ENGLAND_ONLY_NOTE])


def census_detail_table(area_name: str, census: pd.DataFrame) -> Table:
    """The area's residents by each of the 20 Census 2021 ethnic groups, with the board category it maps to."""
    area = census[census["area"] == "area"]
    detail = pd.DataFrame({"Ethnic group (Census 2021)": area["ethnic_group"], "Board category": area["board_category"],
                           "Residents": area["residents"], "Share %": area["share"]}).reset_index(drop=True)
    total = pd.DataFrame([{"Ethnic group (Census 2021)": "Total", "Board category": "",
                           "Residents": area["residents"].sum(), "Share %": 100.0}])
    detail = pd.concat([detail, total], ignore_index=True)
    return Table(title=f"Census 2021 residents of {area_name} by ethnic group (all ages)", frame=detail,
                 source=CENSUS_SOURCE, count_columns=["Residents"], people_columns=["Residents"], derived={"Share %": "Residents"},
                 formats={"Share %": PERCENT_FORMAT}, total_row="Total",
                 notes=["Residents of all ages; the board's shares are of children."])
