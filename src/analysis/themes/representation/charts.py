"""Chart drawing for the representation theme, in the house frame of :mod:`analysis.report.charts`.

Each function draws one chart from the theme's frames and tables and returns the finished
:class:`analysis.report.charts.Chart` (or None when there is nothing to draw). A point that
rests on a withheld count is left out (a gap, not a join) and its alt text says "withheld".
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd

from ... import stats
from ...formatting import fmt_interval, fmt_percent, is_missing
from ...report import charts as report_charts
from ...report.model import Table
from ...report.words import join_words
from ..context import Context
from .groups import (
    CENSUS_SOURCE,
    BoardSources,
    GROUPS,
    INCONCLUSIVE,
    MIX_EXPECTED,
    MIX_OBSERVED,
    POPULATIONS,
    Group,
    Population,
)
from .withheld import Withheld, not_recorded_key

BENCHMARK_MARKER = {"marker": "D", "color": "#000000", "markerfacecolor": "white", "linestyle": "none"}


def legend_below(ax, ncol: int = 2, offset: float = -0.18) -> None:
    """Legend under the plot so the plot keeps its width (charts.finish is called with legend=False)."""
    handles, labels = ax.get_legend_handles_labels()
    if labels:
        ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(0.0, offset), ncol=ncol, fontsize=9, frameon=False)


def date_axis(ax, dates: pd.Series) -> dict:
    """Evenly spaced period ends on the x axis ("Mar\\n2013" ...); returns date -> position."""
    ends = sorted(pd.Timestamp(d) for d in pd.unique(dates))
    position = {end: i for i, end in enumerate(ends)}
    ax.set_xticks(range(len(ends)), [end.strftime("%b\n%Y") for end in ends], fontsize=9)
    ax.set_xlim(-0.5, len(ends) - 0.5 + 0.8)
    return position


def item_label(group: Group, population: Population, row: pd.Series) -> str:
    """A row's label on the y axis of the dot and range charts: group, population and period."""
    among = "children on plans" if population.key == "plans" else "referrals"
    return f"{group.short}\n{among}, {row['period']}"


def plot_series(ax, series: pd.DataFrame, hidden: pd.Series, position: dict, style: dict, label: str,
                band: bool) -> None:
    """One series, a separate line per period type (a year is not join_words to a cumulative quarter),
    with gaps, not joins, where a value is missing or withheld."""
    first = True
    for _, segment in series.groupby("period_type", sort=False):
        segment = segment.sort_values("period_end")
        mask = hidden.loc[segment.index]
        xs = segment["period_end"].map(lambda end: position[pd.Timestamp(end)]).astype(float)
        if band:
            # the interval's edges are thin lines in the series colour (3:1 against white); the
            # light shading between them is only a background to them
            lower, upper = segment["lower_95"].astype(float).mask(mask), segment["upper_95"].astype(float).mask(mask)
            ax.fill_between(xs, lower, upper, color=style["color"], alpha=0.15, linewidth=0)
            for bound in (lower, upper):
                ax.plot(xs, bound, color=style["color"], linewidth=0.7, linestyle="-")
        ax.plot(xs, segment["share"].astype(float).mask(mask), label=label if first else None, **style)
        first = False


def _rows_axis(ax, items: list) -> None:
    """One row per item on the y axis, the first at the top."""
    ax.set_yticks(range(len(items))[::-1], [item_label(group, population, row) for group, population, row in items],
                  fontsize=9)
    ax.set_ylim(-0.6, len(items) - 0.4)


def _benchmark_title(items: list, withheld: Withheld) -> str:
    """Which groups' shares of children on plans are below (else above) their benchmark at 95%."""
    plans = [(group, row) for group, population, row in items
             if population.key == "plans" and not withheld.row_hidden(row) and row["verdict_95"] is not None]
    lower = [group.title_name for group, row in plans if row["verdict_95"] == stats.LOWER]
    higher = [group.title_name for group, row in plans if row["verdict_95"] == stats.HIGHER]
    if lower:
        return f"On plans, the {join_words(lower)} {'shares are' if len(lower) > 1 else 'share is'} below the benchmark"
    if higher:
        return f"On plans, the {join_words(higher)} {'shares are' if len(higher) > 1 else 'share is'} above the benchmark"
    if plans:
        return "On plans, no group's share differs significantly from its benchmark"
    return "Shares of each group against the benchmarks"


def benchmark_chart(items: list, withheld: Withheld, sources: BoardSources) -> report_charts.Chart:
    """Dot plot: the latest share of each group with its 95% and 99.8% intervals, against its benchmark."""
    fig, ax = report_charts.new_chart(9.0, 0.75 * len(items) + 2.2)
    text_axis = ax.get_yaxis_transform()  # x in axes fraction, y in data units
    xmax, alt = 1.0, []
    for i, (group, population, row) in enumerate(items):
        y = len(items) - 1 - i
        style = report_charts.series_style(0 if population.key == "plans" else 1)
        hide = withheld.row_hidden(row) or is_missing(row["share"])
        if hide:
            note = "not available" if is_missing(row["share"]) else "suppressed (small number)"
        else:
            ax.plot([row["lower_99_8"], row["upper_99_8"]], [y, y], color=style["color"], linewidth=1.2)
            ax.plot([row["lower_95"], row["upper_95"]], [y, y], color=style["color"], linewidth=5,
                    solid_capstyle="butt")
            ax.plot(row["share"], y, marker=style["marker"], color=style["color"], markersize=9, linestyle="none",
                    markeredgecolor="white")
            xmax = max(xmax, row["upper_99_8"])
            note = fmt_percent(row["share"])
        if not is_missing(row["benchmark"]):
            ax.plot(row["benchmark"], y, markersize=7, markeredgewidth=1.5, **BENCHMARK_MARKER)
            xmax = max(xmax, row["benchmark"])
            if not hide:
                note += f" vs {fmt_percent(row['benchmark'])}: {row['verdict_95']}"
        ax.text(1.02, y, note, transform=text_axis, va="center", fontsize=9)
        interval = "" if hide else f" (95% interval {fmt_interval(row['lower_95'], row['upper_95'])})"
        alt.append(f"{group.short} among {population.label}, {row['period']}: {note}{interval}")
    _rows_axis(ax, items)
    ax.set_xlim(0, xmax * 1.08 + 0.5)
    ax.plot([], [], color=report_charts.PALETTE[0], marker="o", linewidth=5,
            label="children on plans: share, 95% interval")
    ax.plot([], [], color=report_charts.PALETTE[1], marker="s", linewidth=5, label="referrals: share, 95% interval")
    ax.plot([], [], color="#444444", linewidth=1.2, label="thin line: 99.8% interval")
    ax.plot([], [], label="benchmark", **BENCHMARK_MARKER)
    legend_below(ax, 2)
    return report_charts.finish(
        fig, ax, title=_benchmark_title(items, withheld),
        subtitle="Share (%) with 95% (thick) and 99.8% (thin) confidence intervals; diamond = benchmark; verdict at 95%",
        xlabel="Share (%)", ylabel="", source=f"{sources.shares}; benchmarks as printed in table 2.3",
        alt="Dot plot. " + "; ".join(alt) + ".", legend=False)


def _trend_title(group: Group, plans: pd.DataFrame) -> str:
    """At how many of the dates shown the group's share of children on plans is below (or above) its benchmark."""
    if plans.empty:
        return f"{group.short} share of referrals and of children on plans over time"
    below = int((plans["verdict_95"] == stats.LOWER).sum())
    above = int((plans["verdict_95"] == stats.HIGHER).sum())
    word, dates = ("below", below) if below >= above else ("above", above)
    return f"{group.short} share of children on plans: {word} the benchmark at {dates} of {len(plans)} dates shown"


def trend_chart(shares: pd.DataFrame, group: Group, withheld: Withheld, sources: BoardSources) -> report_charts.Chart | None:
    """Line chart of one group's share of referrals and of children on plans over time, against its benchmark."""
    rows = shares[shares["group"] == group.key]
    if rows["share"].notna().sum() == 0:
        return None
    hidden = pd.Series([withheld.row_hidden(row, "trend") for _, row in rows.iterrows()], index=rows.index)
    fig, ax = report_charts.new_chart(8.5, 5.0)
    position = date_axis(ax, rows["period_end"])
    descriptions = []
    for i, population in enumerate(POPULATIONS):
        series = rows[rows["population"] == population.key]
        if series.empty:
            continue
        style = report_charts.series_style(i)
        label = ("children on plans (at each date)" if population.key == "plans"
                 else "referrals (each year; 2017/18 from 1 April)")
        plot_series(ax, series, hidden, position, style, label, True)
        shown = series[series["share"].notna() & ~hidden.loc[series.index]].sort_values("period_end")
        if not shown.empty:
            last = shown.iloc[-1]
            ax.annotate(fmt_percent(last["share"]), (position[pd.Timestamp(last["period_end"])], last["share"]),
                        textcoords="offset points", xytext=(7, 0), va="center", fontsize=9, color=style["color"])
        descriptions.append(f"{population.label}: " + ", ".join(
            f"{row['period']} " + ("withheld" if hidden.loc[index] else fmt_percent(row["share"]))
            for index, row in series.sort_values("period_end").iterrows()))
    benchmarks = rows["benchmark"].dropna()
    if not benchmarks.empty:
        ax.axhline(float(benchmarks.iloc[-1]), color="#000000", linestyle=(0, (2, 2)), linewidth=1.2,
                   label=f"benchmark ({fmt_percent(benchmarks.iloc[-1])})")
    ax.set_ylim(bottom=0)
    legend_below(ax, 2, -0.3)
    plans = rows[(rows["population"] == "plans") & rows["verdict_95"].notna() & ~hidden]
    subtitle = "Share (%) with 95% confidence interval (shaded)"
    if hidden.any():
        subtitle += "; gaps: withheld small numbers"
    benchmark_words = f". Benchmark {fmt_percent(benchmarks.iloc[-1])}." if not benchmarks.empty else "."
    return report_charts.finish(fig, ax, title=_trend_title(group, plans), subtitle=subtitle, xlabel="Period end",
                                ylabel="Share (%)", source=sources.shares,
                                alt=f"Line chart of the {group.short} share over time. " + ". ".join(descriptions)
                                + benchmark_words, legend=False)


def not_recorded_chart(not_recorded: pd.DataFrame, withheld: Withheld, sources: BoardSources) -> report_charts.Chart | None:
    """Line chart of the 'not recorded' shares of ethnicity and language, referrals and plans."""
    if not_recorded.empty or not_recorded["share"].notna().sum() == 0:
        return None
    hidden = pd.Series([withheld.hidden(not_recorded_key(row["population"], row["breakdown"], row["period_end"]),
                                        row["count"], "not_recorded")
                        for _, row in not_recorded.iterrows()], index=not_recorded.index)
    fig, ax = report_charts.new_chart(8.5, 5.0)
    position = date_axis(ax, not_recorded["period_end"])
    descriptions = []
    lines = [(population, breakdown)
             for population in ("referrals", "plans") for breakdown in ("ethnicity", "language")]
    for i, (population, breakdown) in enumerate(lines):
        series = not_recorded[(not_recorded["population"] == population) & (not_recorded["breakdown"] == breakdown)]
        if series.empty:
            continue
        label = f"{breakdown} not recorded: {'referrals' if population == 'referrals' else 'children on plans'}"
        plot_series(ax, series, hidden, position, report_charts.series_style(i), label, False)
        descriptions.append(label + ": " + ", ".join(
            f"{row['period']} " + ("withheld" if hidden.loc[index] else fmt_percent(row["share"]))
            for index, row in series.iterrows()))
    ax.set_ylim(bottom=0)
    legend_below(ax, 2, -0.3)
    ethnicity = not_recorded[(not_recorded["breakdown"] == "ethnicity") & not_recorded["share"].notna()]
    referrals = ethnicity[ethnicity["population"] == "referrals"]
    plans = ethnicity[ethnicity["population"] == "plans"]
    if not referrals.empty:
        title = f"Ethnicity not recorded: {fmt_percent(referrals.iloc[-1]['share'])} of referrals in the latest period"
        if not plans.empty:
            title += (", a withheld small number of children on plans" if hidden.loc[plans.index[-1]]
                      else f", {fmt_percent(plans.iloc[-1]['share'])} of children on plans")
    else:
        title = "Records with ethnicity or language not recorded"
    subtitle = "Referrals or children on plans whose ethnicity or preferred language is not recorded (%)"
    if hidden.any():
        subtitle += "; gaps: withheld small numbers"
    return report_charts.finish(fig, ax, title=title, subtitle=subtitle, xlabel="Period end", ylabel="Not recorded (%)",
                                source=sources.shares,
                                alt="Line chart of 'not recorded' shares over time. " + ". ".join(descriptions) + ".",
                                legend=False)


def bounds_chart(items: list, withheld: Withheld, sources: BoardSources) -> report_charts.Chart:
    """Range chart: each latest share if none, and if all, of the unrecorded were in the group."""
    fig, ax = report_charts.new_chart(9.0, 0.75 * len(items) + 2.2)
    text_axis = ax.get_yaxis_transform()
    xmax, alt = 1.0, []
    for i, (group, population, row) in enumerate(items):
        y = len(items) - 1 - i
        style = report_charts.series_style(0 if population.key == "plans" else 1)
        if withheld.row_hidden(row) or is_missing(row["share"]):
            note = "not available" if is_missing(row["share"]) else "suppressed (small number)"
        else:
            if is_missing(row["bound_all"]):
                note = f"{fmt_percent(row['share'])}: cannot be bounded"
            elif withheld.range_hidden(row):
                note = f"{fmt_percent(row['share'])}: range withheld (small number not recorded)"
            else:
                ax.plot([row["bound_none"], row["bound_all"]], [y, y], color=style["color"], linewidth=6,
                        solid_capstyle="butt")
                xmax = max(xmax, row["bound_all"])
                note = (f"{fmt_percent(row['bound_none'])} to {fmt_percent(row['bound_all'])}: "
                        f"{row['conclusion_95'] or 'no benchmark'}")
            ax.plot(row["share"], y, marker=style["marker"], color=style["color"], markersize=9, linestyle="none",
                    markeredgecolor="white")
            xmax = max(xmax, row["share"])
        if not is_missing(row["benchmark"]):
            ax.plot(row["benchmark"], y, markersize=7, markeredgewidth=1.5, **BENCHMARK_MARKER)
            xmax = max(xmax, row["benchmark"])
        ax.text(1.02, y, note, transform=text_axis, va="center", fontsize=9)
        alt.append(f"{group.short} among {population.label}, {row['period']}: {note}")
    _rows_axis(ax, items)
    ax.set_xlim(0, xmax * 1.08 + 0.5)
    ax.plot([], [], color=report_charts.PALETTE[0], linewidth=6, label="plans: none to all unrecorded in group")
    ax.plot([], [], color=report_charts.PALETTE[1], linewidth=6, label="referrals: none to all unrecorded in group")
    ax.plot([], [], marker="o", color="#444444", linestyle="none", label="printed share")
    ax.plot([], [], label="benchmark", **BENCHMARK_MARKER)
    legend_below(ax, 2)
    inconclusive = [f"{group.short} {'on plans' if population.key == 'plans' else 'referrals'}"
                    for group, population, row in items
                    if row["conclusion_95"] == INCONCLUSIVE and not withheld.range_hidden(row)]
    title = (f"Unrecorded data make the verdict inconclusive for {join_words(inconclusive)}" if inconclusive
             else "No verdict shown changes whether none or all of the unrecorded are in the group")
    return report_charts.finish(fig, ax, title=title,
                                subtitle="Group share if none (left end) or all (right end) of the unrecorded were in "
                                         "the group; verdict at 95%",
                                xlabel="Share (%)", ylabel="", source=sources.shares,
                                alt="Range chart. " + "; ".join(alt) + ".", legend=False)


def _paired_bars(ax, first: pd.Series, second: pd.Series | None, first_label: str, second_label: str) -> np.ndarray:
    """Two horizontal bars per row (the second hatched), each labelled with its percentage; returns the rows' y."""
    ys = np.arange(len(first))[::-1]
    height = 0.38
    ax.barh(ys + height / 2, first, height=height, color=report_charts.PALETTE[0], label=first_label)
    if second is not None:
        ax.barh(ys - height / 2, second, height=height, color=report_charts.PALETTE[1], hatch="//", edgecolor="white",
                label=second_label)
    for i, y in enumerate(ys):
        ax.text(first.iloc[i] + 0.8, y + height / 2, fmt_percent(first.iloc[i]), va="center", fontsize=8.5)
        if second is not None:
            ax.text(second.iloc[i] + 0.8, y - height / 2, fmt_percent(second.iloc[i]), va="center", fontsize=8.5)
    return ys


def mix_chart(mix: Table, keys: list[tuple], withheld: Withheld, sources: BoardSources) -> report_charts.Chart | None:
    """Paired bars: the recorded ethnicity and language mix of children on plans against the School Census."""
    frame = mix.frame
    if frame.empty or any(withheld.hidden(key, children, "mix") for key, children in zip(keys, frame["Children"])):
        return None
    fig, ax = report_charts.new_chart(8.5, 4.6)
    ys = _paired_bars(ax, frame[MIX_OBSERVED], frame[MIX_EXPECTED], "children on plans (recorded)", "School Census")
    ax.set_yticks(ys, [f"{category}\n({recording})"
                       for category, recording in zip(frame["Category"], frame["Recording of"])], fontsize=9)
    ax.set_xlim(0, 110)
    legend_below(ax, 2, -0.25)
    minority = frame[frame["Category"].isin([group.value for group in GROUPS])]
    fewer = minority[minority[MIX_OBSERVED] < minority[MIX_EXPECTED]]
    title = ("Minority groups are a smaller share of children on plans than of pupils"
             if len(minority) and len(fewer) == len(minority) else "Recorded mix of children on plans against pupils")
    alt = "; ".join(f"{category} ({recording}): plans {fmt_percent(observed)}, School Census {fmt_percent(expected)}"
                    for category, recording, observed, expected
                    in zip(frame["Category"], frame["Recording of"], frame[MIX_OBSERVED], frame[MIX_EXPECTED]))
    return report_charts.finish(fig, ax, title=title, subtitle="Share of children with the item recorded (%)",
                                xlabel="Share (%)", ylabel="",
                                source=sources.plans("School Census from table 2.3"),
                                alt=f"Paired bar chart. {alt}.", legend=False)


def census_chart(ctx: Context, broad: Table, area: dict, england: dict | None) -> report_charts.Chart:
    """Paired bars: residents by broad ethnic group, the area beside England (Census 2021)."""
    frame = broad.frame
    area_column = f"{ctx.area_name} %"
    fig, ax = report_charts.new_chart(8.5, 5.0)
    ys = _paired_bars(ax, frame[area_column], frame["England %"] if england else None, ctx.area_name, "England")
    ax.set_yticks(ys, [textwrap.fill(name, 28) for name in frame["Broad ethnic group"]], fontsize=9)
    ax.set_xlim(0, 110)
    legend_below(ax, 2, -0.25)
    title = (f"{fmt_percent(area['bme_share'])} of {ctx.area_name}'s residents were in a BME group in 2021"
             + (f", against {fmt_percent(england['bme_share'])} in England" if england else ""))
    alt = "; ".join(f"{row['Broad ethnic group']}: {ctx.area_name} {fmt_percent(row[area_column])}"
                    + (f", England {fmt_percent(row['England %'])}" if england else "") for _, row in frame.iterrows())
    return report_charts.finish(fig, ax, title=title,
                                subtitle="Share of usual residents, all ages, by broad ethnic group (%)",
                                xlabel="Share of residents (%)", ylabel="", source=CENSUS_SOURCE,
                                alt=f"Paired bar chart. {alt}.", legend=False)
