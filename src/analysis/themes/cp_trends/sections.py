"""The sections on children on plans and how the area compares: plans, benchmarks, funnel and context.

Each builder writes the section's sentences, puts each chart beside its table and returns a
:class:`~.findings.BuiltSection` with its candidate key findings and key figures. The sections
built only from the board's tables 4.1–4.3 are in :mod:`.board_sections`.
"""

from __future__ import annotations

import pandas as pd

from ...formatting import fmt_count, fmt_number, fmt_rate
from ...report.model import Section
from ...report.words import (
    CountWords,
    capitalised,
    decimals_to_tell_apart,
    join_words,
    limit_margin,
    number_in_words,
    verdict_phrase,
)
from ...stats.change import change_significance
from ...periods import long_date
from .charts import benchmark_chart, context_chart, funnel_chart, plans_chart
from .findings import BuiltSection, one_decimal, whole_number
from .frames import (
    benchmark_rates,
    board_context,
    board_vs_dfe,
    dfe_children_in_need,
    dfe_looked_after,
    funnel_data,
    plan_changes,
    year_ends,
)
from .run import ThemeRun
from .spec import PER_CHILDREN, SECTIONS
from .tables import (
    benchmark_table,
    board_vs_dfe_table,
    changes_table,
    children_in_need_table,
    context_table,
    funnel_table,
    neighbour_coverage,
    neighbours_missing,
    neighbours_table,
    plans_table,
)
from .wording import as_float, as_printed, change_between, older_than_period, position_words

#: Chance alone puts this share of areas outside the 99.8% limits.
OUTSIDE_99_8_BY_CHANCE = 0.002


# =========================================================================== 1. plans
def plans_section(run: ThemeRun, board: pd.DataFrame) -> BuiltSection:
    """Children on plans: the change over the period, the rate at its end, discrepancies between tables."""
    built = BuiltSection(Section("plans", SECTIONS["plans"]))
    section, key_figures = built.section, built.key_figures
    counts = CountWords(run.disclosure)
    if board.empty:
        section.unavailable = (f"The board's count of children on plans (table 3.1, or 4.2) is not in the data for "
                               f"{run.name} up to {long_date(run.end)}. The validated DfE counts at each 31 March are "
                               f"in the next section.")
        return built
    changes = plan_changes(run, board)
    by_date = board.set_index("period_end")
    end_row = by_date.loc[run.end] if run.end in by_date.index else None
    start_row = by_date.loc[run.start] if run.start in by_date.index else None
    if end_row is not None:
        key_figures["cp_plans_end"] = whole_number(end_row["count"])
        key_figures["cp_rate_per_10k_end"] = one_decimal(end_row["rate"])
        key_figures["cp_rate_ci_lower"] = one_decimal(end_row["lower"])
        key_figures["cp_rate_ci_upper"] = one_decimal(end_row["upper"])
    if start_row is not None:
        key_figures["cp_plans_start"] = whole_number(start_row["count"])
    period_change = None
    if not changes.empty:
        over_period = changes[(changes["from"] == run.start) & (changes["to"] == run.end)]
        period_change = None if over_period.empty else over_period.iloc[0]
    if period_change is not None:
        key_figures["cp_plans_change_percent"] = one_decimal(period_change["percent_change"])
        # NB: a change without the test (a population missing) holds NaN here, which bool() reads as True
        for level in ("95", "99_8"):
            column = f"significant_{level}"
            key_figures[f"cp_change_{column}"] = bool(period_change.get(column)) if column in period_change else None
        sentence = _change_sentence(run, period_change)
        section.paragraphs.append(sentence)
        built.findings.append(sentence)
    elif end_row is None:
        section.paragraphs.append(f"The board's data has no count of children on plans at {long_date(run.end)}, the "
                                  f"end of {run.ctx.period.label}; the latest is at "
                                  f"{long_date(board['period_end'].max())}.")
    elif start_row is None:
        section.paragraphs.append(f"The board's data has no count at {long_date(run.start)}, so the change over "
                                  f"{run.ctx.period.fy_label} cannot be given.")
    if end_row is not None and not pd.isna(end_row["rate"]) and not _validated_at(run, run.end):
        section.paragraphs.append(
            f"At {long_date(run.end)} that is {fmt_rate(end_row['rate'])} children per 10,000 aged 0–17 (95% "
            f"confidence interval {fmt_rate(end_row['lower'])} to {fmt_rate(end_row['upper'])}), using the ONS mid-"
            f"{int(end_row['population_year'])} population of {fmt_count(end_row['population'])}."
            + _printed_rate_note(end_row))
    for row in board[board["other_value"].notna()].itertuples(index=False):
        section.paragraphs.append(
            f"At {long_date(row.period_end)} table {row.source_table} prints {fmt_count(row.count)} children on plans "
            f"and table {row.other_table} prints {fmt_count(row.other_value)}. This appendix uses table "
            f"{row.source_table}, the board's primary count of children on plans, and does not adjust either (see the "
            f"data-quality annex of the index page).")
    at_year_ends = board[year_ends(board["period_end"])]
    if len(at_year_ends) >= 2:
        lowest = at_year_ends.loc[at_year_ends["count"].idxmin()]
        highest = at_year_ends.loc[at_year_ends["count"].idxmax()]
        section.paragraphs.append(
            f"Across the year ends from {long_date(at_year_ends['period_end'].min())} the count was lowest at "
            f"{long_date(lowest['period_end'])} ({counts.text(lowest['count'], missing='x')}) and highest at "
            f"{long_date(highest['period_end'])} ({counts.text(highest['count'], missing='x')}).")
    section.charts.append((plans_chart(run, board, period_change), plans_table(run, board)))
    section.tables.append(changes_table(run, changes))
    return built


def _validated_at(run: ThemeRun, when) -> bool:
    """True when DfE's validated count of children on plans for the area is in the data at ``when``:
    the page's headline figure for that date (the board's rate is then reconciled with it once,
    in :func:`reconciliation_note`, not stated beside it)."""
    rows = run.dfe_values("children_on_cp_plan")
    return bool(((rows["area"] == run.area_code) & (rows["period_end"] == when) & rows["value"].notna()).any())


def reconciliation_note(run: ThemeRun, board: pd.DataFrame, last: pd.Series, at_end: pd.Series,
                        unvalidated: str) -> str:
    """One figure per fact: the note that names the page's headline figure for the period end
    (DfE's validated count and rate: DfE checks its figures after the year ends; the board's are
    collected during the year) and reconciles the board's count, its rate and the rate the board
    printed with it, once."""
    when = long_date(run.end)
    text = (f"One figure per date: for {when} this page uses DfE's validated figures, {fmt_count(at_end['count_dfe'])} "
            f"children on plans and {fmt_rate(last['rate'])} per 10,000, because DfE checks them after the year ends.")
    others = []
    board_end = board[board["period_end"] == run.end]
    board_rate = as_float(board_end["rate"].iloc[0]) if not board_end.empty else None
    if at_end["difference"] != 0 or unvalidated:
        others.append(f"the board's own count was {fmt_count(at_end['count_board'])}{unvalidated}"
                      + (f", which gives {fmt_rate(board_rate)} per 10,000 with the same population"
                         if board_rate is not None else ""))
    printed = as_float(at_end.get("printed_rate"))
    if printed is not None:
        others.append(f"the board printed a rate of {as_printed(printed)} per 10,000")
    if not others:
        return text
    text += " " + capitalised(join_words(others)) + "."
    shown = [value for value in (board_rate, printed) if value is not None]
    if shown and all(last["lower"] <= value <= last["upper"] for value in shown):
        text += (f" These lie inside the validated rate's 95% confidence interval ({fmt_rate(last['lower'])} to "
                 f"{fmt_rate(last['upper'])}), so they tell the same story.")
    elif shown:
        text += (f" Not all of these lie inside the validated rate's 95% confidence interval "
                 f"({fmt_rate(last['lower'])} to {fmt_rate(last['upper'])}): read the board's own figures with care.")
    return text


def _printed_rate_note(row: pd.Series) -> str:
    """A sentence when the board's printed rate differs from count ÷ ONS population by more
    than its printed rounding (0.5 for a whole number, 0.05 for one decimal place)."""
    printed, rate = as_float(row["printed_rate"]), as_float(row["rate"])
    if printed is None or rate is None:
        return ""
    tolerance = 0.5 if float(printed).is_integer() else 0.05
    if abs(printed - rate) <= tolerance + 1e-9:
        return ""
    return (f" The board printed {as_printed(printed)} per 10,000 in table 4.1, which the count and the ONS "
            f"population do not give (see the data-quality annex of the index page): the board may have used another "
            f"population base.")


def _change_sentence(run: ThemeRun, change: pd.Series) -> str:
    """'Children on child protection plans rose by 28.5%, from 439 … to 564 …; the rise is …'.

    The percentage is the change in the *count* (as the board reports it); the significance
    is the exact test of the two *rates* (the child population changed too).
    """
    test = None
    if not pd.isna(change.get("old_pop", float("nan"))) and not pd.isna(change.get("new_pop", float("nan"))):
        test = change_significance(change["old"], change["new"], change["old_pop"], change["new_pop"],
                                   kind="rate", multiplier=PER_CHILDREN)
    text = change_between(change["old"], change["new"], "children on child protection plans", test,
                          long_date(change["from"]), long_date(change["to"]), run.disclosure)
    if test is not None:
        # the rates and their ratio are in the table of changes below: one figure per fact in the sentence
        text += " The test allows for the change in the number of children living in the area."
    return text


# =========================================================================== 2. benchmarks
def benchmarks_section(run: ThemeRun, board: pd.DataFrame) -> BuiltSection:
    """The validated rate against England, the region and the neighbours; the board against DfE's return."""
    built = BuiltSection(Section("benchmarks", SECTIONS["benchmarks"]))
    section, key_figures = built.section, built.key_figures
    counts = CountWords(run.disclosure)
    bench = benchmark_rates(run)
    if bench.empty:
        section.unavailable = (f"DfE's validated count of children on plans at 31 March, with the ONS population, is "
                               f"not in the data for {run.name} on or before {long_date(run.end)}.")
        return built
    last = bench.iloc[-1]
    when = long_date(last["period_end"])
    stale = older_than_period(run, last["period_end"], "DfE's latest count of children on plans")
    if stale:
        section.paragraphs.append(stale)
        built.caveats.append(stale)
    key_figures["cp_rate_dfe_latest_year_end"] = one_decimal(last["rate"])
    key_figures["england_cp_rate_per_10k"] = one_decimal(last["england"])
    key_figures["region_cp_rate_per_10k"] = one_decimal(last["region"])
    key_figures["sn_average_cp_rate_per_10k"] = one_decimal(last["neighbours_mean"])
    key_figures["benchmark_year_end"] = pd.Timestamp(last["period_end"]).date().isoformat()
    key_figures["cp_plans_dfe_latest_count"] = counts.key_figure(whole_number(last["count"]))
    for verdict in ("vs_england_95", "vs_region_95", "vs_neighbours_95"):
        value = last.get(verdict)
        key_figures[f"cp_rate_{verdict}"] = None if value is None or pd.isna(value) else str(value)
    # validated figure at the period end (a 31 March), and the board's difference from it
    validated_at_end = bench[bench["period_end"] == run.end]
    key_figures["cp_plans_dfe_validated_end"] = (whole_number(validated_at_end["count"].iloc[0])
                                                 if not validated_at_end.empty else None)
    both = board_vs_dfe(board, bench)
    both_at_end = both[both["period_end"] == run.end] if not both.empty else both
    key_figures["cp_plans_board_minus_dfe"] = (whole_number(both_at_end["difference"].iloc[0])
                                               if not both_at_end.empty else None)

    # the verdicts rest on the interval's bounds against each benchmark: print enough digits to show them
    benchmarks = [last["england"], last["region"], last["neighbours_mean"] if last["neighbours_with_data"] else None]
    d = decimals_to_tell_apart([(bound, b) for b in benchmarks for bound in (last["lower"], last["upper"])])
    comparison = (f"At {when} (validated DfE figures) {run.name} had {counts.text(last['count'], missing='x')} "
                  f"children on plans, {fmt_rate(last['rate'], d)} per 10,000 children (95% confidence interval "
                  f"{fmt_rate(last['lower'], d)} to {fmt_rate(last['upper'], d)}): "
                  f"{verdict_phrase(last['vs_england_95'], 'England (' + fmt_rate(last['england'], d) + ')')}")
    if run.region_code and not pd.isna(last["region"]):
        region = f"{run.region_name} ({fmt_rate(last['region'], d)})"
        comparison += f", {verdict_phrase(last['vs_region_95'], region)}"
    listed, with_data = int(last["neighbours_listed"]), int(last["neighbours_with_data"])
    coverage = neighbour_coverage(listed, with_data, last["neighbours_without_data"], last["period_end"])
    if with_data:
        of = "its" if with_data == listed else f"{number_in_words(with_data)} of its"
        missing = ("" if with_data == listed else
                   "; " + neighbours_missing(last["neighbours_without_data"], last["period_end"], why=False))
        neighbours = (f"the average of {of} {number_in_words(listed)} statistical neighbours "
                      f"({fmt_rate(last['neighbours_mean'], d)}{missing})")
        comparison += f" and {verdict_phrase(last['vs_neighbours_95'], neighbours)}"
    comparison += " (95% level)."
    section.paragraphs.append(comparison)
    built.findings.append(comparison)
    names = join_words([n.name for n in run.neighbours_at(last["period_end"])])
    if with_data:
        section.paragraphs.append(
            f"The statistical-neighbour average is the simple mean of the neighbours' rates, as DfE computes "
            f"it; pooling their children and populations instead gives {fmt_rate(last['neighbours_pooled'])} "
            f"per 10,000. The neighbours are DfE's statistical-neighbour model in the data ({names}); "
            f"{coverage}.")
    elif listed:
        section.paragraphs.append(f"{run.name} is not compared with its statistical neighbours ({names}) at {when}: "
                                  f"{coverage}.")
    else:
        section.paragraphs.append(f"DfE's statistical-neighbour model in the data (groupings of April 2021) has no "
                                  f"group for {run.name}, so it is not compared with statistical neighbours.")
    if len(bench) >= 2:
        first = bench.iloc[0]
        trend = (f"Since {long_date(first['period_end'])} {run.name}'s validated rate has moved from "
                 f"{fmt_rate(first['rate'])} to {fmt_rate(last['rate'])} per 10,000, England's from "
                 f"{fmt_rate(first['england'])} to {fmt_rate(last['england'])}")
        if last["neighbours_with_data"] and first["neighbours_with_data"]:
            trend += (f" and the neighbours' average from {fmt_rate(first['neighbours_mean'])} to "
                      f"{fmt_rate(last['neighbours_mean'])}")
            if first["neighbours_with_data"] < first["neighbours_listed"]:
                trend += (f" (at {long_date(first['period_end'])} " + neighbour_coverage(
                    int(first["neighbours_listed"]), int(first["neighbours_with_data"]),
                    first["neighbours_without_data"], first["period_end"], why=False) + ")")
        section.paragraphs.append(trend + ".")
    if not run.has_local and len(bench) >= 2:
        previous = bench.iloc[-2]
        test = change_significance(previous["count"], last["count"], previous["population"], last["population"],
                                   kind="rate", multiplier=PER_CHILDREN)
        sentence = change_between(previous["count"], last["count"], "children on child protection plans (DfE, validated)",
                                  test, long_date(previous["period_end"]), when, run.disclosure)
        section.paragraphs.append(sentence)
        built.findings.append(sentence)
    if not both.empty:
        differing = both[both["difference"] != 0]
        if not both_at_end.empty:
            at_end = both_at_end.iloc[0]
            unvalidated = " (marked in the report as not yet validated)" if "unvalidated" in str(at_end["flags"]) else ""
            section.paragraphs.append(reconciliation_note(run, board, last, at_end, unvalidated))
        elif len(differing):
            section.paragraphs.append(f"The board's figures differ from the validated DfE return at "
                                      f"{number_in_words(len(differing))} of the {number_in_words(len(both))} year ends "
                                      f"both give (table below).")
        section.tables.append(board_vs_dfe_table(run, both))
    elif run.has_local:
        section.paragraphs.append("No date has both a board figure and a validated DfE figure up to the period end.")
    else:
        section.paragraphs.append(f"There is no board dataset for {run.name}, so only DfE's validated figures are shown.")
    if run.end != pd.Timestamp(last["period_end"]):
        section.paragraphs.append(f"DfE publishes counts at 31 March only; the latest up to the end of "
                                  f"{run.ctx.period.label} is at {when}.")
    section.charts.append((benchmark_chart(run, bench, board), benchmark_table(run, bench)))
    section.tables.append(neighbours_table(run, last["period_end"]))
    return built


# =========================================================================== 3. funnel
def funnel_section(run: ThemeRun) -> BuiltSection:
    """Every English LA on a funnel around England's rate, and where the area and its neighbours sit."""
    built = BuiltSection(Section("funnel", SECTIONS["funnel"]))
    section, key_figures = built.section, built.key_figures
    funnel = funnel_data(run)
    if funnel is None:
        section.unavailable = (f"DfE's counts of children on plans for every LA at a 31 March on or before "
                               f"{long_date(run.end)} are not in the data.")
        return built
    table = funnel.table
    when = long_date(funnel.when)
    stale = older_than_period(run, funnel.when, "The latest funnel of every authority")
    if stale:
        section.paragraphs.append(stale)
        built.caveats.append(stale)
    above = int(table["position"].eq("above 99.8% limit").sum())
    below = int(table["position"].eq("below 99.8% limit").sum())
    section.paragraphs.append(
        f"Each point is one of {len(table)} English local authorities at {when}: its rate of children on plans per "
        f"10,000 against its child population. The centre line is England's rate ({fmt_rate(funnel.england_rate)}); "
        f"the limits show how far a rate can sit from it by chance alone, given the authority's size (at 95% and "
        f"99.8%).")
    spread = (f"{number_in_words(above).capitalize()} authorities lie above the 99.8% limit and "
              f"{number_in_words(below)} below it, where chance alone would put about "
              f"{fmt_number(OUTSIDE_99_8_BY_CHANCE * len(table), 1)} in total: most of the spread between authorities "
              f"is real variation in practice, need and thresholds, not chance.")
    if funnel.overdispersion:
        spread += (" Allowing for that real variation between authorities, estimated from all of them, the dash-dot "
                   "lines give wider 99.8% limits.")
    section.paragraphs.append(spread)
    if funnel.excluded:
        section.paragraphs.append(f"Not plotted (no published count or population): {', '.join(funnel.excluded)}.")
    area_rows = table[table["is_area"]]
    if not area_rows.empty:
        area = area_rows.iloc[0]
        widened = "od_position" in table.columns
        key_figures["funnel_position"] = area["position"]
        key_figures["funnel_position_overdispersed"] = area.get("od_position") if widened else None
        margin = limit_margin(area["rate"], {f"the {name} limit": area[column] for name, column in (
            ("95% lower", "lower_95"), ("95% upper", "upper_95"), ("99.8% lower", "lower_99_8"),
            ("99.8% upper", "upper_99_8"))})  # the rule: a verdict within the printed rounding shows its digits
        sentence = (f"Among all English authorities at {when}, {run.name}'s rate ({fmt_rate(area['rate'])} per 10,000) "
                    f"lies {position_words(area['position'])} of the funnel around England's "
                    f"{fmt_rate(funnel.england_rate)}{margin}")
        if widened:
            sentence += (f"; allowing for the real variation between authorities it lies "
                         f"{position_words(area['od_position'])}")
        sentence += "."
        section.paragraphs.append(sentence)
        built.findings.append(sentence)
        neighbours = table[table["is_neighbour"]]
        if not neighbours.empty:
            positions = neighbours["position"].value_counts()
            section.paragraphs.append("Its statistical neighbours: " + "; ".join(
                f"{number_in_words(n)} {position_words(position)}" for position, n in positions.items()) + ".")
        unmarked = [n for n in run.neighbours_at(funnel.when) if n.code not in set(neighbours["code"])]
        if unmarked:
            section.paragraphs.append(f"Not marked as neighbours (no published count or population at {when}): "
                                      f"{neighbours_missing(unmarked, funnel.when)}.")
    else:
        section.paragraphs.append(f"{run.name} has no published count at {when}, so it is not marked.")
    section.charts.append((funnel_chart(run, funnel), funnel_table(run, funnel)))
    return built


# =========================================================================== 7. context
def context_section(run: ThemeRun, board: pd.DataFrame) -> BuiltSection:
    """Looked-after children and children in need, from the board and from DfE."""
    built = BuiltSection(Section("context", SECTIONS["context"]))
    section = built.section
    counts = CountWords(run.disclosure)
    frame = board_context(run, board)
    if frame.empty:
        section.unavailable = (f"The board's counts of looked-after children and children in need (table 3.1) are not "
                               f"in the data for {run.name} up to {long_date(run.end)}; DfE's validated figures "
                               f"follow.")
    else:
        last = frame.iloc[-1]
        if not pd.isna(last["lac"]):
            section.paragraphs.append(
                f"At {long_date(last['period_end'])} {counts.text(last['lac'], missing='x')} children were looked "
                f"after ({fmt_rate(last['lac_rate'])} per 10,000 aged 0–17, 95% confidence interval "
                f"{fmt_rate(last['lac_lower'])} to {fmt_rate(last['lac_upper'])}), and "
                f"{counts.text(last['cin'], missing='x')} more had an open child-in-need episode without a plan or "
                f"being looked after.")
        section.charts.append((context_chart(run, frame), context_table(run, frame)))
    in_need = dfe_children_in_need(run)
    if not in_need.empty:
        _add_dfe_count(run, section, built, in_need, "DfE's latest count of children in need",
                       "DfE's validated count of children in need at {date} (all children in need, including those on "
                       "plans and looked after) was {count}: {rate} per 10,000", table_what=None)
    looked_after = dfe_looked_after(run)
    if not looked_after.empty:
        _add_dfe_count(run, section, built, looked_after, "DfE's latest count of looked-after children",
                       "DfE's validated count of looked-after children at {date} was {count}: {rate} per 10,000 "
                       "aged 0–17", table_what="Looked-after children")
    if looked_after.empty:
        section.paragraphs.append("DfE's looked-after children figures in the data start after this period"
                                  + (", so the board's looked-after count cannot be checked against the validated "
                                     "return here." if run.has_local else "."))
    return built


def _add_dfe_count(run: ThemeRun, section: Section, built: BuiltSection, rows: pd.DataFrame, what: str,
                   opening: str, table_what: str | None) -> None:
    """A DfE count at its latest year end with its rate, interval and verdict against England, a
    caveat when that year end is older than the period, and its table (children in need, looked after)."""
    latest = rows.iloc[-1]
    stale = older_than_period(run, latest["period_end"], what)
    if stale:
        section.paragraphs.append(stale)
        built.caveats.append(stale)
    d = decimals_to_tell_apart([(latest["lower"], latest["england"]), (latest["upper"], latest["england"])])
    england = f"England ({fmt_rate(latest['england'], d)})"
    counts = CountWords(run.disclosure)
    section.paragraphs.append(
        opening.format(date=long_date(latest["period_end"]), count=counts.text(latest["count"], missing="x"),
                       rate=fmt_rate(latest["rate"], d))
        + f" (95% confidence interval {fmt_rate(latest['lower'], d)} to {fmt_rate(latest['upper'], d)}), "
        f"{verdict_phrase(latest['vs_england'], england)} at 95%.")
    table = (children_in_need_table(run, rows) if table_what is None
             else children_in_need_table(run, rows, what=table_what))
    section.tables.append(table)

