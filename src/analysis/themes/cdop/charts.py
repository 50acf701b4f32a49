"""The CDOP theme's charts, in the house frame of :mod:`analysis.report.charts`.

* :func:`authority_chart`: bars of the panel's deaths reviewed by the child's home authority;
* :func:`category_chart`: dots and 95% intervals of each category's share of the board's deaths;
* :func:`modifiable_factors_chart`: lines of DfE's rate of reviews with modifiable factors by year.

Every chart reads the public-mode mask of its table (:func:`.frames.hidden_cells`), so no bar,
label, title or alt text shows a count the table suppresses.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...formatting import fmt_interval, fmt_percent, fmt_rate
from ...report import charts as report_charts
from ...report.words import CountWords, join_words, possessive
from ...stats.disclosure import SUPPRESSED
from .frames import (
    COL_AUTHORITY,
    COL_CATEGORY,
    COL_DEATHS,
    COL_LOWER,
    COL_REPORTED,
    COL_SHARE,
    COL_UPPER,
    COL_YEAR,
    LAIT_SOURCE,
    TOTAL_LABEL,
    ModifiableFactorsTable,
    largest_shown_category,
)

_NOTE_COLOUR = "#333333"


def authority_chart(table: pd.DataFrame, hidden: pd.Series, year: str, la_name: str, words: CountWords,
                    total_printed: bool, source: str) -> report_charts.Chart:
    """Horizontal bars: deaths reviewed by home authority in the financial year ``year``
    ("2017/18"), labelled with count and share; the board's own authority is highlighted.

    ``table`` is :func:`.frames.authority_table` (total row last), ``hidden`` its deaths column's
    public-mode mask; ``total_printed`` whether the report printed the total.
    """
    is_authority = table[COL_AUTHORITY] != TOTAL_LABEL
    authorities, authority_hidden = table[is_authority], hidden[is_authority]
    total, total_hidden = table.loc[~is_authority, COL_DEATHS].iloc[0], bool(hidden[~is_authority].iloc[0])
    fig, ax = report_charts.new_chart(8.0, 1.2 + 0.7 * len(authorities))
    bar_positions = np.arange(len(authorities))[::-1]
    visible = [deaths for deaths, is_hidden in zip(authorities[COL_DEATHS], authority_hidden)
               if pd.notna(deaths) and not words.withheld(deaths, is_hidden)]
    longest_bar = max(visible) if visible else 1.0
    alt_parts = []
    for position, (_index, row), is_hidden in zip(bar_positions, authorities.iterrows(), authority_hidden):
        deaths, is_home = row[COL_DEATHS], row[COL_AUTHORITY] == la_name
        label = words.label(deaths, is_hidden)
        alt_parts.append(f"{row[COL_AUTHORITY]} {label}")
        if pd.isna(deaths) or words.withheld(deaths, is_hidden):
            why = "suppressed" if label == SUPPRESSED else "not available"
            ax.text(0, position, f"  {label} ({why})", va="center", ha="left", fontsize=9, color=_NOTE_COLOUR)
            continue
        ax.barh(position, deaths, color=report_charts.HIGHLIGHT if is_home else report_charts.PALETTE[0],
                hatch="//" if is_home else "", edgecolor="white", height=0.6)
        share = "" if pd.isna(row[COL_SHARE]) else f" ({fmt_percent(row[COL_SHARE])})"
        ax.text(deaths + longest_bar * 0.01, position, label + share, va="center", ha="left", fontsize=10)
    ax.set_yticks(bar_positions, [name + (" (this board)" if name == la_name else "")
                                  for name in authorities[COL_AUTHORITY]])
    ax.set_xlim(0, longest_bar * 1.25)
    ax.grid(axis="y", visible=False)
    home = authorities[authorities[COL_AUTHORITY] == la_name]
    home_shown = (not home.empty and pd.notna(home[COL_DEATHS].iloc[0])
                  and not words.withheld(home[COL_DEATHS].iloc[0], authority_hidden[home.index[0]]))
    total_words = words.text(total, total_hidden)
    if home_shown and not total_hidden:
        home_row = home.iloc[0]
        title = (f"{la_name} children were {words.text(home_row[COL_DEATHS])} of the {total_words} deaths "
                 f"the sub-regional panel reviewed in {year}")
        subtitle = (f"{fmt_percent(home_row[COL_SHARE])} (95% confidence interval "
                    f"{fmt_interval(home_row[COL_LOWER], home_row[COL_UPPER])}) "
                    "of deaths reviewed, by the child's home authority")
    else:
        title = f"The sub-regional panel reviewed {total_words} deaths in {year}"
        subtitle = "Deaths reviewed, by the child's home authority"
    if not total_printed:
        subtitle += " (total = sum of the authorities; none printed)"
    alt = (f"Horizontal bar chart of deaths reviewed by the sub-regional Child Death Overview Panel in {year}, by "
           f"the child's home authority: {'; '.join(alt_parts)}. Total {total_words}. "
           f"{possessive(la_name)} bar is orange and hatched and labelled 'this board'.")
    return report_charts.finish(fig, ax, title=title, subtitle=subtitle, xlabel="Deaths reviewed (count)",
                                ylabel="Child's home authority", source=source, alt=alt, legend=False)


def category_chart(table: pd.DataFrame, hidden: pd.Series, year: str, la_name: str,
                   words: CountWords, source: str) -> report_charts.Chart:
    """Dots and whiskers: each category's share of the deaths reviewed in ``year`` ("2017/18")
    with its 95% interval; unlisted and suppressed categories are labelled in words, with no dot.

    ``table`` is :func:`.frames.category_table` (total row last), ``hidden`` its deaths column's
    public-mode mask.
    """
    is_category = table[COL_CATEGORY] != TOTAL_LABEL
    categories, category_hidden = table[is_category], hidden[is_category]
    total, total_hidden = table.loc[~is_category, COL_DEATHS].iloc[0], bool(hidden[~is_category].iloc[0])
    fig, ax = report_charts.new_chart(9.0, 1.0 + 0.5 * len(categories))
    dot_positions = np.arange(len(categories))[::-1]
    style = report_charts.series_style(0)
    alt_parts = []
    for position, (_index, row), is_hidden in zip(dot_positions, categories.iterrows(), category_hidden):
        deaths = row[COL_DEATHS]
        if pd.isna(deaths):
            ax.text(1, position, row[COL_REPORTED], va="center", ha="left", fontsize=9, style="italic",
                    color=_NOTE_COLOUR)
            alt_parts.append(f"{row[COL_CATEGORY]}: {row[COL_REPORTED]}")
            continue
        if words.withheld(deaths, is_hidden):
            ax.text(1, position, f"{words.label(deaths, is_hidden)}: suppressed (small number)", va="center",
                    ha="left", fontsize=9, color=_NOTE_COLOUR)
            alt_parts.append(f"{row[COL_CATEGORY]}: suppressed")
            continue
        lower, upper, share = row[COL_LOWER], row[COL_UPPER], row[COL_SHARE]
        ax.errorbar([share], [position], xerr=[[share - lower], [upper - share]], fmt=style["marker"],
                    color=style["color"], ecolor="#555555", elinewidth=1.5, capsize=4, markersize=7)
        ax.text(upper + 1.5, position, f"{words.label(deaths, is_hidden)} ({fmt_percent(share)})", va="center",
                ha="left", fontsize=9)
        alt_parts.append(f"{row[COL_CATEGORY]}: {words.label(deaths, is_hidden)} "
                         f"{'death' if deaths == 1 else 'deaths'}, "
                         f"{fmt_percent(share)} (95% interval {fmt_interval(lower, upper)})")
    ax.set_yticks(dot_positions, list(categories[COL_CATEGORY]))
    ax.set_xlim(0, 100)
    ax.set_ylim(-0.7, len(categories) - 0.3)
    ax.grid(axis="y", visible=False)
    largest = largest_shown_category(categories, category_hidden, words)
    if largest is not None and not total_hidden:
        how_much = "more than half" if largest[COL_SHARE] > 50 else "the largest share"
        title = (f"{largest[COL_CATEGORY]} accounted for {how_much} of {possessive(la_name)} deaths reviewed "
                 f"in {year}")
        subtitle = (f"{words.text(largest[COL_DEATHS])} of {words.text(total)} deaths, "
                    f"{fmt_percent(largest[COL_SHARE])} (95% confidence interval "
                    f"{fmt_interval(largest[COL_LOWER], largest[COL_UPPER])}); dots are shares, lines 95% intervals")
    else:
        title = f"{possessive(la_name)} deaths reviewed in {year} by category"
        subtitle = "Share of deaths reviewed with 95% confidence intervals"
    alt = (f"Dot chart of the share of {possessive(la_name)} {words.text(total, total_hidden)} deaths reviewed in "
           f"{year} in each standard CDOP category, with 95% intervals: " + "; ".join(alt_parts) + ".")
    return report_charts.finish(fig, ax, title=title, subtitle=subtitle, xlabel="Share of deaths reviewed (%)",
                                ylabel="Category", source=source, alt=alt, legend=False)


def _shown_years(lait: ModifiableFactorsTable, hidden: pd.DataFrame, role: str, words: CountWords) -> pd.Series:
    """For each year, whether the role's count (and so its rate) may be shown in this mode."""
    frame = lait.frame
    count_column = lait.count_columns[role]
    counts = frame[count_column]
    count_hidden = hidden[count_column] if count_column in hidden else pd.Series(False, index=frame.index)
    return pd.Series([not words.withheld(count, is_hidden) for count, is_hidden in zip(counts, count_hidden)],
                     index=frame.index)


def modifiable_factors_chart(lait: ModifiableFactorsTable, hidden: pd.DataFrame, area_name: str,
                             words: CountWords, title: str, subtitle: str) -> report_charts.Chart:
    """Lines: reviews with modifiable factors per 100,000 children by year for the area (with
    95% intervals), its region and England; withheld or missing years are gaps, labelled.

    ``hidden`` is the public-mode mask of the table's count columns (:func:`.frames.hidden_cells`).
    """
    frame = lait.frame
    fig, ax = report_charts.new_chart(11.0, 5.2)
    x = np.arange(len(frame))
    roles = list(lait.rate_columns)
    for series_number, role in enumerate(roles):
        shown = _shown_years(lait, hidden, role, words)
        rate = frame[lait.rate_columns[role]].where(shown)
        style = report_charts.series_style(series_number)
        if role == "area":
            lower, upper = frame[lait.lower_column].where(shown), frame[lait.upper_column].where(shown)
            ax.errorbar(x, rate, yerr=[rate - lower, upper - rate], color=style["color"], marker=style["marker"],
                        linestyle=style["linestyle"], capsize=4, label=f"{lait.names[role]} (with 95% interval)")
            for year_position, (year_rate, may_show) in enumerate(zip(rate, shown)):
                if pd.isna(year_rate):
                    ax.annotate("x (not available)" if may_show else "c (suppressed)", (year_position, 0),
                                xytext=(0, 6), textcoords="offset points", ha="center", fontsize=8,
                                color=_NOTE_COLOUR)
        else:
            ax.plot(x, rate, color=style["color"], marker=style["marker"], linestyle=style["linestyle"],
                    label=lait.names[role])
    ax.set_xticks(x, list(frame[COL_YEAR]))
    ax.set_ylim(bottom=0)
    # the area's series first in the legend
    handles, labels = ax.get_legend_handles_labels()
    order = sorted(range(len(labels)), key=lambda k: 0 if labels[k].startswith(area_name) else 1)
    ax.legend([handles[k] for k in order], [labels[k] for k in order], loc="upper center",
              bbox_to_anchor=(0.5, -0.2), ncol=max(len(labels), 1))
    points = []
    for year, rate, may_show in zip(frame[COL_YEAR], frame[lait.rate_columns["area"]],
                                    _shown_years(lait, hidden, "area", words)):
        if may_show and pd.notna(rate):
            points.append(f"{year} {fmt_rate(rate)}")
        else:
            points.append(f"{year} not shown ({'suppressed' if not may_show else 'not available'})")
    alt = (f"Line chart of child death reviews with modifiable factors per 100,000 children aged 0 to 17, by financial "
           f"year, for {join_words([lait.names[role] for role in roles])}. {area_name} (circles, with 95% "
           "interval bars): " + "; ".join(points) + ".")
    return report_charts.finish(fig, ax, title=title, subtitle=subtitle, xlabel="Financial year (1 April to 31 March)",
                                ylabel="Reviews per 100,000 children aged 0–17", source=LAIT_SOURCE, alt=alt,
                                legend=False)
