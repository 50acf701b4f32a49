"""The theme's charts, drawn in the house style (:mod:`analysis.report.charts`).

One function per chart; each takes the frames of :mod:`.frames` and returns a finished
:class:`~analysis.report.charts.Chart`. The words on a chart (title, subtitle, alt text) are
written here; the table shown beside it is built in :mod:`.tables`.
"""

from __future__ import annotations

import math
from datetime import date

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import StrMethodFormatter

from ...formatting import fmt_percent, fmt_rate
from ...report import charts as house
from ...report.charts import DFE_SOURCE, HIGHLIGHT, NEUTRAL, PALETTE
from ...report.words import CountWords, number_in_words
from ...stats import HIGHER, LOWER
from ...stats.funnel import funnel_curve
from ...periods import financial_year_label, long_date, short_date
from ..context import board_source
from .board_frames import IndicatorPanel, MixPanel
from .frames import FunnelData
from .run import ThemeRun
from .spec import PER_CHILDREN
from .wording import as_printed, combined_source, direction_verb, group_words

#: How a verdict against England or the neighbours reads in a chart title.
ABOVE_OR_BELOW = {HIGHER: "above", LOWER: "below"}
DATE_AXIS_LABEL = "Date (31 March year ends, then quarter ends)"


# --------------------------------------------------------------------------- shared layout
def date_axis(ax) -> None:
    """Ticks at each 31 March, with minor ticks at the other quarter ends."""
    ax.xaxis.set_major_locator(mdates.YearLocator(month=3, day=31))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("Mar\n%Y"))
    ax.xaxis.set_minor_locator(mdates.MonthLocator(bymonth=(6, 9, 12), bymonthday=-1))


def legend_below(ax, ncol: int = 2, offset: float = -0.3) -> None:
    """Legend under the plot (the house legend sits to the right and squeezes the plot)."""
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        ax.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, offset), ncol=ncol, fontsize=8.5,
                  frameon=False)


def panels(n: int, ncols: int, panel_height: float, width: float = 10.0, header: float = 0.9):
    """A figure of ``n`` panels under a header row: (fig, header_ax, panel axes).

    :func:`analysis.report.charts.finish` is given the (invisible) header axes, so its subtitle sits
    above all panels and each panel keeps its own title; the legend goes in the header.
    """
    house.style()
    nrows = math.ceil(n / ncols)
    fig = plt.figure(figsize=(width, header + panel_height * nrows))
    grid = fig.add_gridspec(nrows + 1, ncols, height_ratios=[header] + [panel_height] * nrows)
    head = fig.add_subplot(grid[0, :])
    head.axis("off")
    axes = [fig.add_subplot(grid[1 + i // ncols, i % ncols]) for i in range(n)]
    return fig, head, axes


def end_label(ax, x, y, text: str, color: str) -> None:
    """A direct label at the last point of a line (so the legend is not the only key)."""
    ax.annotate(text, (x, y), xytext=(6, 0), textcoords="offset points", va="center", fontsize=8.5, color=color)


# --------------------------------------------------------------------------- 1. plans
def plans_chart(run: ThemeRun, series: pd.DataFrame, change: pd.Series | None) -> house.Chart:
    """The board's children on plans per 10,000 over time, with 95% intervals (``change``: the
    change over the period, titling the chart)."""
    fig, ax = house.new_chart(8.5, 5.4)
    has_rate = series["rate"].notna()
    style = house.series_style(0)
    x = series.loc[has_rate, "period_end"]
    y = series.loc[has_rate, "rate"]
    yerr = np.vstack([y - series.loc[has_rate, "lower"], series.loc[has_rate, "upper"] - y])
    ax.errorbar(x, y, yerr=yerr, color=style["color"], marker=style["marker"], linestyle="-", capsize=3,
                label=f"{run.name}: children on plans per 10,000 (board count, 95% CI)")
    printed = series[series["printed_rate"].notna()]
    if not printed.empty:
        ax.plot(printed["period_end"], printed["printed_rate"], linestyle="none", marker="s", markerfacecolor="none",
                color=house.series_style(1)["color"], label="Rate printed by the board (table 4.1)")
    date_axis(ax)
    last = series.loc[has_rate].iloc[-1] if has_rate.any() else None
    if last is not None and not CountWords(run.disclosure).withheld(last["count"]):
        end_label(ax, last["period_end"], last["rate"], fmt_rate(last["rate"]), style["color"])
    ax.set_ylim(bottom=0)
    legend_below(ax, ncol=1, offset=-0.25)
    return house.finish(
        fig, ax, title=_plans_title(run, change),
        subtitle="Rate per 10,000 children aged 0–17 (ONS mid-year estimate used by DfE) with 95% confidence intervals",
        xlabel=DATE_AXIS_LABEL,
        ylabel="Per 10,000 children aged 0–17", source=combined_source(board_source(run.ctx, "3.1"), DFE_SOURCE),
        legend=False,
        alt=(f"Line chart of children on child protection plans per 10,000 children in {run.name} from "
             f"{long_date(series['period_end'].min())} to {long_date(series['period_end'].max())}, with 95% "
             f"confidence intervals"
             + (f"; the latest rate is {fmt_rate(last['rate'])} per 10,000." if last is not None else ".")),
    )


def _plans_title(run: ThemeRun, change: pd.Series | None) -> str:
    if change is None:
        return f"Children on child protection plans in {run.name}, year ends and quarters"
    period = run.ctx.period
    if run.end == pd.Timestamp(date(period.start_year + 1, 3, 31)):
        span = f"in {period.fy_label}"
    else:
        span = f"from {short_date(run.start)} to {short_date(run.end)}"
    verb = direction_verb(change["old"], change["new"])
    if verb == "did not change":
        return f"Children on child protection plans did not change {span}"
    return f"Children on child protection plans {verb} by {fmt_percent(abs(change['percent_change']))} {span}"


# --------------------------------------------------------------------------- 2. benchmarks
def benchmark_chart(run: ThemeRun, bench: pd.DataFrame, board: pd.DataFrame) -> house.Chart:
    """The area's validated rate at each 31 March against England, the region and the neighbours."""
    fig, ax = house.new_chart(8.5, 5.6)
    x = bench["period_end"]
    style = house.series_style(0)
    yerr = np.vstack([bench["rate"] - bench["lower"], bench["upper"] - bench["rate"]])
    ax.errorbar(x, bench["rate"], yerr=yerr, color=style["color"], marker=style["marker"], linestyle="-", capsize=3,
                linewidth=2, label=f"{run.name} (DfE validated, 95% CI)")
    comparators = [("england", "England")]
    if run.region_code:
        comparators.append(("region", run.region_name))
    if bench["neighbours_with_data"].max() > 0:
        comparators.append(("neighbours_mean", "Statistical neighbours' average"))
    for i, (column, label) in enumerate(comparators, start=1):
        style_i = house.series_style(i)
        ax.plot(x, bench[column], color=style_i["color"], marker=style_i["marker"], linestyle=style_i["linestyle"],
                label=label)
    if not board.empty:
        board_points = board[board["period_end"].isin(x) & board["rate"].notna()]
        if not board_points.empty:
            ax.plot(board_points["period_end"], board_points["rate"], linestyle="none", marker="o", markersize=9,
                    markerfacecolor="none", color=HIGHLIGHT, label="Board's own count (rate)")
    date_axis(ax)
    last = bench.iloc[-1]
    verdict = last["vs_england_95"]
    title = (f"{run.name}'s rate of children on plans was {ABOVE_OR_BELOW.get(verdict, 'similar to')} England's at "
             f"{long_date(last['period_end'])}")
    if last["neighbours_with_data"] and last["vs_neighbours_95"] in ABOVE_OR_BELOW:
        title += f" and {ABOVE_OR_BELOW[last['vs_neighbours_95']]} its neighbours'"
    ax.set_ylim(bottom=0)
    legend_below(ax, ncol=2, offset=-0.25)
    return house.finish(
        fig, ax, title=title,
        subtitle=(f"Children on plans per 10,000 aged 0–17 at 31 March; {fmt_rate(last['rate'])} against England "
                  f"{fmt_rate(last['england'])} ({verdict} at 95%)"),
        xlabel="31 March", ylabel="Per 10,000 children aged 0–17",
        source=DFE_SOURCE + "; DfE statistical neighbours", legend=False,
        alt=(f"Line chart of children on child protection plans per 10,000 at each 31 March from "
             f"{long_date(x.iloc[0])} to {long_date(x.iloc[-1])} for {run.name} (with 95% confidence intervals), England"
             + (f", {run.region_name}" if run.region_code else "") + " and the statistical neighbours' average. "
             f"At {long_date(x.iloc[-1])}: {run.name} {fmt_rate(last['rate'])}, England {fmt_rate(last['england'])}."),
    )


# --------------------------------------------------------------------------- 3. funnel
def funnel_chart(run: ThemeRun, funnel: FunnelData) -> house.Chart:
    """Every English LA's rate against its child population, with the funnel around England's rate."""
    table = funnel.table
    fig, ax = house.new_chart(9.0, 6.2)
    smallest = max(float(table["population"].min()) * 0.8, 100.0)
    largest = float(table["population"].max()) * 1.15
    curve = funnel_curve(smallest, largest, funnel.england_rate, kind="rate", multiplier=PER_CHILDREN, n_points=48)
    ax.plot(curve["denominator"], curve["centre"], color="#000000", linewidth=1.2,
            label=f"England {fmt_rate(funnel.england_rate)}")
    ax.plot(curve["denominator"], curve["upper_95"], color="#555555", linestyle="--", linewidth=1, label="95% limits")
    ax.plot(curve["denominator"], curve["lower_95"], color="#555555", linestyle="--", linewidth=1)
    ax.plot(curve["denominator"], curve["upper_99_8"], color="#555555", linestyle=":", linewidth=1.4,
            label="99.8% limits")
    ax.plot(curve["denominator"], curve["lower_99_8"], color="#555555", linestyle=":", linewidth=1.4)
    if funnel.overdispersion:
        wider = funnel_curve(smallest, largest, funnel.england_rate, kind="rate", multiplier=PER_CHILDREN,
                             levels=(0.998,), n_points=48, tau2=funnel.overdispersion["tau2"])
        ax.plot(wider["denominator"], wider["upper_99_8"], color=PALETTE[2], linestyle="-.", linewidth=1.2,
                label="99.8% limits allowing for between-LA variation")
        ax.plot(wider["denominator"], wider["lower_99_8"], color=PALETTE[2], linestyle="-.", linewidth=1.2)
    others = table[~table["is_area"] & ~table["is_neighbour"]]
    # hollow, not translucent: overlapping authorities still show, each ring at 3:1 against white
    ax.scatter(others["population"], others["rate"], s=14, facecolors="none", edgecolors=NEUTRAL, linewidths=0.9,
               marker="o", label="Other English LAs", zorder=2)
    neighbours = table[table["is_neighbour"]].sort_values("rate", ascending=False)
    ax.scatter(neighbours["population"], neighbours["rate"], s=46, color=PALETTE[0], marker="D", edgecolor="white",
               label="Statistical neighbours (N1, N2 … as in the table)", zorder=3)
    for k, neighbour in enumerate(neighbours.itertuples(index=False), start=1):
        ax.annotate(f"N{k}", (neighbour.population, neighbour.rate), xytext=(4, 2), textcoords="offset points",
                    fontsize=8, fontweight="bold", color=PALETTE[0])
    area_rows = table[table["is_area"]]
    area = area_rows.iloc[0] if not area_rows.empty else None
    if area is not None:
        ax.scatter([area["population"]], [area["rate"]], s=180, color=HIGHLIGHT, marker="*", edgecolor="black",
                   label=run.name, zorder=4)
        ax.annotate(run.name, (area["population"], area["rate"]), xytext=(6, 6), textcoords="offset points",
                    fontsize=9, fontweight="bold", color="#000000")
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    ymax = float(np.nanpercentile(table["rate"], 99.5)) * 1.15
    ax.set_ylim(0, max(ymax, float(area_rows["rate"].max()) * 1.2 if area is not None else ymax))
    when = long_date(funnel.when)
    if area is not None:
        side = str(area["position"]).split(" ")[0]
        word = side if side in ("above", "below") else "within"
        title = f"{run.name}'s rate of children on plans was {word} the funnel limits around England's at {when}"
        subtitle = f"{fmt_rate(area['rate'])} per 10,000 against England's {fmt_rate(funnel.england_rate)}; {area['position']}"
    else:
        title = f"Children on plans per 10,000 in every English local authority at {when}"
        subtitle = f"England {fmt_rate(funnel.england_rate)} per 10,000"
    legend_below(ax, ncol=2, offset=-0.16)
    return house.finish(
        fig, ax, title=title, subtitle=subtitle,
        xlabel="Children aged 0–17 (ONS mid-year estimate; log scale)",
        ylabel="Children on plans per 10,000 aged 0–17", source=DFE_SOURCE, legend=False,
        alt=(f"Funnel plot of {len(table)} English local authorities' rates of children on child protection plans "
             f"per 10,000 at {when} against their child population, with England's rate "
             f"{fmt_rate(funnel.england_rate)} and 95% and 99.8% limits. {run.name} is marked with a star"
             + (f" at {fmt_rate(area['rate'])} ({area['position']})" if area is not None else "")
             + f"; its statistical neighbours with diamonds labelled N1 to N{int(table['is_neighbour'].sum())} as in "
             f"the table."),
    )


# --------------------------------------------------------------------------- 4. districts
def districts_chart(run: ThemeRun, wide: pd.DataFrame, districts: pd.DataFrame, latest: pd.Series) -> house.Chart:
    """Printed district rates over time, with the area's own printed rate (``latest``: the
    districts' rates at the last date, highest first)."""
    area_label = run.name + " (as printed)"
    last = districts.columns.max()
    fig, ax = house.new_chart(8.5, 5.6)
    for i, (name, row) in enumerate(districts.iterrows()):
        style = house.series_style(i)
        printed = row.dropna()
        ax.plot(printed.index, printed.to_numpy(), color=style["color"], marker=style["marker"],
                linestyle=style["linestyle"], label=name)
    if area_label in wide.index:
        printed = wide.loc[area_label].dropna()
        ax.plot(printed.index, printed.to_numpy(), color="#000000", linewidth=2.4, marker="o", label=area_label)
    date_axis(ax)
    title = (f"{latest.index[0]} had the highest rate of children on plans at {long_date(last)}" if len(latest) >= 1
             else "Children on plans per 10,000 by district")
    ax.set_ylim(bottom=0)
    legend_below(ax, ncol=3, offset=-0.25)
    return house.finish(
        fig, ax, title=title,
        subtitle="Children on plans per 10,000 aged 0–17, as printed by the board (no intervals: populations not published)",
        xlabel=DATE_AXIS_LABEL, ylabel="Children on plans per 10,000",
        source=board_source(run.ctx, "4.1"), legend=False,
        alt=(f"Line chart of children on plans per 10,000 in each of {number_in_words(len(districts))} districts of "
             f"{run.name} from {long_date(wide.columns.min())} to {long_date(last)}; at {long_date(last)} "
             + "; ".join(f"{district} {as_printed(rate)}" for district, rate in latest.items()) + "."),
    )


# --------------------------------------------------------------------------- 5. mix
def mix_chart(run: ThemeRun, mix_panels: list[MixPanel]) -> house.Chart:
    """Shares of children on plans by category, age and gender over time (one panel each)."""
    fig, head, axes = panels(len(mix_panels), 1, 3.4, width=9.5, header=0.15)
    largest = []
    not_drawn = []
    for ax, panel in zip(axes, mix_panels):
        plotted = panel.plotted
        what = panel.spec.what
        not_drawn += [f"{group} ({what})" for group in panel.groups.index if group not in plotted]
        all_shares = panel.shares
        for i, group in enumerate(plotted):
            style = house.series_style(i)
            shares = all_shares.loc[group].where(~panel.mask.loc[group])  # public mode: no point for a hidden count
            ax.plot(shares.index, shares.to_numpy(), color=style["color"], marker=style["marker"],
                    linestyle=style["linestyle"], label=group, markersize=5)
        now = panel.largest_now()
        if not now.empty:
            top = now.index[0]
            largest.append(f"{top.lower() if panel.breakdown == 'cp_category' else group_words(panel.breakdown, top)} "
                           f"({what})")
        ax.set_title(f"By {what}", loc="left", fontsize=10, fontweight="bold")
        ax.set_ylabel("% of children on plans")
        ax.set_ylim(bottom=0)
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, title=panel.spec.column, title_fontsize=8)
        date_axis(ax)
    axes[-1].set_xlabel(DATE_AXIS_LABEL)
    last = max(panel.counts.columns.max() for panel in mix_panels)
    subtitle = "Percentage of children on plans at each date (table 4.2's total)"
    if any(panel.hides_a_plotted_share for panel in mix_panels):
        subtitle += "; points hidden where the count is suppressed"
    return house.finish(
        fig, head, title=f"Largest groups of children on plans at {long_date(last)}: " + ", ".join(largest),
        subtitle=subtitle, xlabel="", ylabel="", source=board_source(run.ctx, "4.2"), legend=False,
        alt=("Line charts of the percentage of children on plans by "
             + ", ".join(panel.spec.what for panel in mix_panels)
             + f" from {long_date(mix_panels[0].counts.columns.min())} to {long_date(last)}. "
             + "Largest at the last date: " + ", ".join(largest) + "."
             + (f" Not drawn (zero at every date): {', '.join(not_drawn)}." if not_drawn else "")),
    )


# --------------------------------------------------------------------------- 6. indicators
#: Short chart labels of the unusual-point rules (:data:`.wording.SIGNAL_WORDS` gives them in full).
SIGNAL_LABELS = {"outside_limits": "outside range", "trend": "run of 7", "two_of_three": "near edge", "shift": "7 on one side"}


def indicators_chart(run: ThemeRun, indicator_panels: list[IndicatorPanel]) -> house.Chart:
    """One figure, one XmR panel per indicator (small multiples)."""
    n = len(indicator_panels)
    fig, head, axes = panels(n, 2 if n > 1 else 1, 3.4, width=10.5, header=0.6)
    total_signals = 0
    with_signals = []
    for ax, panel in zip(axes, indicator_panels):
        series = panel.series
        xs = np.arange(len(series))
        ax.plot(xs, series["value"], color=PALETTE[0], marker="o", linestyle="-", label=f"{run.name} (board)")
        if "mean" in series:
            ax.plot(xs, series["mean"], color="#000000", linewidth=1, label="Mean")
            ax.plot(xs, series["ucl"], color="#555555", linestyle="--", linewidth=1, label="Usual range")
            ax.plot(xs, series["lcl"], color="#555555", linestyle="--", linewidth=1)
        signalled = (series["signal"].fillna("") != "").to_numpy()
        n_signals = int(signalled.sum())
        total_signals += n_signals
        if signalled.any():
            with_signals.append(panel.indicator.label)
            ax.scatter(xs[signalled], series.loc[signalled, "value"], s=150, marker="D", facecolor="none",
                       edgecolor=HIGHLIGHT, linewidth=2, label="Unusual point", zorder=4)
            for x, point in zip(xs[signalled], series[signalled].itertuples(index=False)):
                ax.annotate(SIGNAL_LABELS.get(str(point.signal), "unusual"), (x, point.value), xytext=(9, -3),
                            textcoords="offset points", ha="left", va="top", fontsize=7.5, color=HIGHLIGHT)
        _plot_dfe_points(ax, run, panel)
        ax.set_xticks(xs)
        ax.set_xticklabels([_tick(kind, end) for kind, end in zip(series["kind"], series["period_end"])], fontsize=7.5)
        ax.set_ylim(bottom=0)
        ax.set_title(f"{panel.indicator.label}: " + ("no unusual point" if n_signals == 0 else
                                                     f"{number_in_words(n_signals)} unusual point{'s' if n_signals > 1 else ''}"),
                     loc="left", fontsize=10, fontweight="bold")
        ax.set_ylabel("Percent")
        ax.margins(y=0.2)
    handles, labels = [], []
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            if label not in labels:
                handles.append(handle)
                labels.append(label)
    head.legend(handles, labels, loc="center left", ncol=3, fontsize=8.5, frameon=False)
    last_point = long_date(indicator_panels[0].series.iloc[-1]["period_end"])
    if total_signals == 0:
        title = "No unusual points in the child protection indicators up to " + last_point
    else:
        title = (f"Unusual points in {number_in_words(len(with_signals))} of {number_in_words(n)} child "
                 f"protection indicators up to {last_point}")
    return house.finish(
        fig, head, title=title,
        subtitle="% of children, with the usual range; x-axis: financial years, then this year to date; diamonds mark unusual points",
        xlabel="", ylabel="",
        source=combined_source(board_source(run.ctx, "4.3"), "DfE children in need statistics and Local Authority Interactive Tool"), legend=False,
        alt=("Four charts of the board's child protection indicators, each with its usual range, for " + run.name + ": "
             + "; ".join(_indicator_alt(panel) for panel in indicator_panels)
             + (". No unusual point." if total_signals == 0 else f". Signals in: {', '.join(with_signals)}.")),
    )


def _indicator_alt(panel: IndicatorPanel) -> str:
    """One indicator's values in the chart's alt text."""
    series = panel.series
    text = f"{panel.indicator.label.lower()} " + ", ".join(
        f"{point} {fmt_percent(value)}" for point, value in zip(series["point"], series["value"]))
    if "mean" in series:
        text += f" (mean {fmt_percent(series['mean'].iloc[0])})"
    return text


def _plot_dfe_points(ax, run: ThemeRun, panel: IndicatorPanel) -> None:
    """DfE's validated values (area and England) at the chart positions of the same years."""
    position_of_point = {point: i for i, point in enumerate(panel.series["point"])}
    comparators = ((panel.dfe_area, f"{run.name} (DfE validated)", "s"), (panel.dfe_england, "England (DfE)", "^"))
    for j, (values, label, marker) in enumerate(comparators):
        if values.empty:
            continue
        points = []
        for end, value in zip(values["period_end"], values["value"]):
            year = financial_year_label(end)
            position = position_of_point[year] if year in position_of_point else _year_to_date_position(panel.series, end)
            if position is not None:
                points.append((position, float(value)))
        if points:
            ax.plot([position for position, _ in points], [value for _, value in points], linestyle="none", marker=marker,
                    color=PALETTE[j + 1], markersize=7, label=label)


def _tick(kind: str, end) -> str:
    """Short x tick for an indicator point: '2016/17' or 'YTD\\nJun 17'."""
    when = pd.Timestamp(end)
    return financial_year_label(when) if kind == "year" else f"YTD\n{when.strftime('%b %y')}"


def _year_to_date_position(series: pd.DataFrame, when) -> int | None:
    """Chart position of the year-to-date point ending on a DfE 31 March (the full year)."""
    hit = series.index[(pd.to_datetime(series["period_end"]) == pd.Timestamp(when))].tolist()
    return int(hit[0]) if hit else None


# --------------------------------------------------------------------------- 7. context
def context_chart(run: ThemeRun, frame: pd.DataFrame) -> house.Chart:
    """The board's counts of children in need, looked after and on plans over time."""
    fig, ax = house.new_chart(8.5, 5.4)
    counts = CountWords(run.disclosure)
    lines = [("cin", "Open child-in-need episodes (excluding looked after and on plans)"),
             ("lac", "Looked-after children"), ("cp", "Children on plans")]
    for i, (column, label) in enumerate(lines):
        known = frame[["period_end", column]].dropna()
        if known.empty:
            continue
        style = house.series_style(i)
        ax.plot(known["period_end"], known[column], color=style["color"], marker=style["marker"],
                linestyle=style["linestyle"], label=label)
        end_label(ax, known["period_end"].iloc[-1], known[column].iloc[-1], counts.label(known[column].iloc[-1]),
                  style["color"])
    date_axis(ax)
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    last = frame.iloc[-1]
    if not pd.isna(last["lac"]) and not pd.isna(last["lac_rate"]):
        title = (f"{counts.text(last['lac'], missing='x').capitalize()} children were looked after in {run.name} at "
                 f"{long_date(last['period_end'])}, {fmt_rate(last['lac_rate'])} per 10,000")
    else:
        title = f"Looked-after children and children in need in {run.name}, to {long_date(last['period_end'])}"
    legend_below(ax, ncol=1, offset=-0.25)
    return house.finish(
        fig, ax, title=title,
        subtitle="Children at each date (snapshots), as the board counts them in table 3.1",
        xlabel=DATE_AXIS_LABEL, ylabel="Children", source=board_source(run.ctx, "3.1"),
        legend=False,
        alt=(f"Line chart of the board's counts of children with an open child-in-need episode, looked-after "
             f"children and children on plans in {run.name} from {long_date(frame['period_end'].min())} to "
             f"{long_date(last['period_end'])}."),
    )
