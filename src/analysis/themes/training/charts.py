"""The training theme's charts: delegates or learning hours by course, income against
expenditure, and attendance against funding share by agency.

Each function draws one chart and returns it with the table of its data, the pair a
:class:`~analysis.report.model.Section` holds in ``charts``. In public mode a chart hides exactly
what its table shows as ``c`` (:func:`hidden_rows`), so a bar never reveals a suppressed count.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd

from ...formatting import fmt_count, fmt_gbp, fmt_percent
from ...report import charts as report_charts, display
from ...report.charts import Chart
from ...report.model import Table
from ...report.words import CountWords
from ...stats.disclosure import NOT_AVAILABLE, SUPPRESSED
from ...periods import fy_label
from .frames import Budget, Programme, Uptake, fmt_plain_number


def wrap_label(text: str, width: int = 34) -> str:
    """Wrap a long label onto several lines (course names are long)."""
    return "\n".join(textwrap.wrap(text, width)) if len(text) > width else text


def hidden_rows(table: Table, column: str, disclosure: str) -> np.ndarray:
    """Which rows the displayed table shows as ``c`` in ``column`` (primary or secondary
    suppression), so a chart never reveals what its table hides. All False in internal mode. The
    total row (the table's last row, when it has one) is excluded."""
    n_rows = len(table.frame) - (1 if table.total_row else 0)
    if disclosure != "public":
        return np.zeros(n_rows, dtype=bool)
    shown = display.prepare_table(table, disclosure)
    return (shown[column].iloc[:n_rows] == SUPPRESSED).to_numpy()


# --------------------------------------------------------------------------- courses
def course_chart(programme: Programme, what: str, table: Table, disclosure: str) -> tuple[Chart, Table]:
    """Horizontal bars by course of delegates (``what="delegates"``, a count) or learning hours
    (``what="learning_hours"``); largest at the top. ``table`` is the chart's data
    (``sections.course_chart_table``); it takes the chart's title.

    In public mode a course whose delegates the table suppresses gets no bar and the label ``c``.
    """
    counts = CountWords(disclosure)
    by_delegates = what == "delegates"
    courses = programme.courses.assign(hidden=hidden_rows(table, "Delegates", disclosure))
    # suppressed courses go last, alphabetically, so the bar order does not hint at their size
    courses = courses.assign(order=courses[what].where(~courses["hidden"], -np.inf))
    courses = courses.sort_values(["order", "course"], ascending=[True, False]).reset_index(drop=True)
    share_column = "delegates_share" if by_delegates else "learning_hours_share"
    top = courses.iloc[-1]

    def value_text(value: float) -> str:
        return counts.label(value) if by_delegates else fmt_plain_number(value)

    fig, ax = report_charts.new_chart(9.0, 1.5 + 0.62 * len(courses))
    values = courses[what].where(~courses["hidden"], 0.0)
    colour, hatch = (0, 0) if by_delegates else (2, 1)  # indexes into the shared palette and hatches
    bars = ax.barh(courses["course"].map(lambda name: wrap_label(name, 40)), values,
                   color=report_charts.PALETTE[colour], hatch=report_charts.HATCHES[hatch], edgecolor="white")
    for bar, value, hidden, share in zip(bars, courses[what], courses["hidden"], courses[share_column]):
        if hidden:
            label = SUPPRESSED
        elif pd.isna(value):
            label = NOT_AVAILABLE
        else:
            label = value_text(value) + f" ({fmt_percent(share, 0)})"
        ax.text(bar.get_width(), bar.get_y() + bar.get_height() / 2, " " + label, va="center", fontsize=9)
    ax.set_xlim(0, float(np.nanmax(courses[what])) * 1.25)
    if by_delegates:
        title = (f"{top['course']} drew {fmt_percent(top[share_column], 0)} of the {programme.fy} delegates"
                 if not top["hidden"] else f"Delegates by course, {programme.fy}")
        subtitle = (f"Delegates by course, {programme.fy}: {counts.text(programme.delegates)} delegates at "
                    f"{fmt_count(programme.events)} events")  # events are not people: never withheld
        xlabel, unit = "Delegates (count)", "delegates"
    else:
        title = (f"{top['course']} gave {fmt_percent(top[share_column], 0)} of the year's learning hours"
                 if not top["hidden"] else f"Learning hours by course, {programme.fy}")
        subtitle = (f"Learning hours (delegates × course length) by course, {programme.fy}: "
                    f"{fmt_plain_number(programme.learning_hours)} hours in all")
        xlabel, unit = "Learning hours (delegates × course length, hours)", "hours"

    def alt_value(value: float, hidden: bool) -> str:
        if hidden:
            return "suppressed"
        if pd.isna(value):
            return "not available"
        return value_text(value)

    largest_first = courses.iloc[::-1]
    alt = (f"Horizontal bar chart of {unit} by course in {programme.fy}, largest first: "
           + "; ".join(f"{course}: {alt_value(value, hidden)}" for course, value, hidden
                       in zip(largest_first["course"], largest_first[what], largest_first["hidden"])) + ".")
    chart = report_charts.finish(fig, ax, title=title, subtitle=subtitle, xlabel=xlabel, ylabel="Course",
                                 source=programme.source, alt=alt, legend=False)
    table.title = title
    return chart, table


# --------------------------------------------------------------------------- budget
def budget_chart(budget: Budget) -> tuple[Chart, Table]:
    """Two bars, income and expenditure (pounds), with the gap marked and labelled."""
    fig, ax = report_charts.new_chart(8.0, 3.6)
    amounts = [budget.income_total, budget.expenditure_total]
    for position, (label, amount) in enumerate(zip(["Income", "Expenditure"], amounts)):
        ax.barh(label, amount, color=report_charts.PALETTE[position], hatch=report_charts.HATCHES[position],
                edgecolor="white")
        ax.text(amount, position, f" {fmt_gbp(amount)}", va="center", fontsize=10)
    smaller, larger = sorted(amounts)
    ax.annotate("", xy=(larger, -0.45), xytext=(smaller, -0.45), arrowprops={"arrowstyle": "<->", "color": "#333333"})
    gap = budget.gap_word
    ax.text((smaller + larger) / 2, -0.55, f"{gap} {fmt_gbp(abs(budget.deficit))}", ha="center", va="top",
            fontsize=9)
    ax.set_ylim(-0.9, 1.6)
    ax.set_xlim(0, larger * 1.3)
    ax.xaxis.set_major_formatter(lambda x, _pos: f"£{x / 1000:,.0f}k")
    income, expenditure, gap_amount = (fmt_gbp(budget.income_total), fmt_gbp(budget.expenditure_total),
                                       fmt_gbp(abs(budget.deficit)))
    title = (f"The board spent {expenditure} against income of {income}" if budget.deficit > 0
             else f"The board's income of {income} covered its spending")
    chart = report_charts.finish(
        fig, ax, title=title,
        subtitle=f"Income (partner contributions) and expenditure, {budget.fy}: a {gap} of {gap_amount}",
        xlabel="Pounds (£, thousands)", ylabel="", source=budget.source,
        alt=f"Bar chart: income {income} and expenditure {expenditure} in {budget.fy}; {gap} {gap_amount}.",
        legend=False)
    data = pd.DataFrame({"Item": ["Income (sum of contributions)", "Expenditure (sum of lines)", f"{gap.capitalize()}"],
                         "Pounds (£)": [budget.income_total, budget.expenditure_total, abs(budget.deficit)]})
    return chart, Table(title=chart.title, frame=data, source=budget.source,
                        formats={"Item": "text", "Pounds (£)": "gbp"})


# --------------------------------------------------------------------------- uptake by agency
def _uptake_title(plotted: pd.DataFrame, fy: str) -> str:
    """The finding for the title: the named agency attending least in proportion to its funding."""
    named = plotted[~plotted["remainder"] & plotted["ratio"].notna()]
    if named.empty:
        return f"Training attendance by agency, {fy}"
    lowest = named.loc[named["ratio"].idxmin()]
    who = "Health" if lowest["funder"] == "Health CCGs" else lowest["agency"]
    return (f"{lowest['funder'] or lowest['agency']} paid {fmt_percent(lowest['funding_percent'], 0)} of the board's "
            f"income; {who} made up {fmt_percent(lowest['attendance_percent'], 0)} of training attendance")


def uptake_chart(uptake: Uptake, table: Table, disclosure: str) -> tuple[Chart, Table]:
    """Dot plot: funding share (square) and attendance share (circle with 95% CI) per agency.

    ``table`` is the agency table (``sections.uptake_table``); a share it suppresses is not plotted.
    """
    counts = CountWords(disclosure)
    hidden = pd.Series(hidden_rows(table, "Implied delegates (share × course delegates)", disclosure),
                       index=uptake.frame.index)
    plotted = uptake.frame[uptake.frame["attendance_percent"].notna() & ~hidden].reset_index(drop=True)
    fig, ax = report_charts.new_chart(9.0, 1.6 + 1.1 * len(plotted))
    y = np.arange(len(plotted))[::-1]
    labels = [wrap_label(agency, 28) for agency in plotted["agency"]]
    funding_style = report_charts.series_style(0)
    attendance_style = report_charts.series_style(1)
    ax.scatter(plotted["funding_percent"], y + 0.12, marker="s", s=70, color=funding_style["color"],
               label="Share of income (%)", zorder=3)
    errors = np.vstack([plotted["attendance_percent"] - plotted["lower"],
                        plotted["upper"] - plotted["attendance_percent"]])
    has_interval = plotted["lower"].notna().to_numpy()
    ax.errorbar(plotted["attendance_percent"], y - 0.12, xerr=np.where(has_interval, errors, 0), fmt="o", ms=8,
                color=attendance_style["color"], ecolor=attendance_style["color"], capsize=4,
                label="Share of training attendance (%, 95% CI)", zorder=3)
    for row_y, row in zip(y, plotted.itertuples(index=False)):
        if not pd.isna(row.funding_percent):
            ax.text(row.funding_percent, row_y + 0.3, f"{fmt_percent(row.funding_percent, 1)}", ha="center",
                    fontsize=8.5)
        ax.text(row.attendance_percent, row_y - 0.45, f"{fmt_percent(row.attendance_percent, 0)}", ha="center",
                fontsize=8.5)
    ax.set_yticks(y, labels)
    highest = float(np.nanmax(plotted[["funding_percent", "upper", "attendance_percent"]].to_numpy()))
    ax.set_xlim(0, max(100.0, highest + 5))
    ax.set_ylim(-0.8, len(plotted) - 0.3)
    fy = fy_label(uptake.time_period)
    title = _uptake_title(plotted, fy)
    base = f"{counts.text(uptake.base_delegates)} delegates" if uptake.base_delegates else "a base of delegates"
    subtitle = (f"Share of income and of training attendance, {fy}; attendance given only for "
                + " and ".join(plotted[~plotted["remainder"]]["attendance_label"]) + f"; intervals assume {base}")

    def alt_row(row) -> str:
        income = "not available" if pd.isna(row.funding_percent) else f"{fmt_percent(row.funding_percent, 1)}"
        interval = "" if pd.isna(row.lower) else \
            f" (95% CI {fmt_percent(row.lower, 1)} to {fmt_percent(row.upper, 1)})"
        return f"{row.agency}: income {income}, attendance {fmt_percent(row.attendance_percent, 0)}{interval}"

    alt = ("Dot plot of each agency's share of the board's income (squares) and of training attendance (circles with "
           "95% confidence intervals): " + "; ".join(alt_row(row) for row in plotted.itertuples(index=False)) + ".")
    ax.legend(loc="upper right")
    chart = report_charts.finish(fig, ax, title=title, subtitle=subtitle, xlabel="Percent (%)",
                                 ylabel="", source=uptake.source, alt=alt, legend=False)
    return chart, table
