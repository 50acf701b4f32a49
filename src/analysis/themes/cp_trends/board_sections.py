"""The sections built only from the board's tables 4.1–4.3: districts, category/age/gender, indicators.

Each builder writes the section's sentences, puts each chart beside its table and returns a
:class:`~.findings.BuiltSection` with its candidate key findings and key figures.
"""

from __future__ import annotations

import pandas as pd

from ...formatting import fmt_number, fmt_percent, round_half_up
from ...report.model import Section
from ...report.words import CountWords
from ...stats.change import change_significance
from ...periods import long_date
from .board_frames import (
    IndicatorPanel,
    MixPanel,
    dfe_indicator,
    district_rates,
    indicator_spc,
    mix_counts,
    suppressed_masks,
)
from .charts import districts_chart, indicators_chart, mix_chart
from .findings import BuiltSection, one_decimal
from .long_plans import (comparison_sentence, denominator_note, long_plans, no_figure_sentence,
                         withheld_this_year)
from .run import ThemeRun
from .spec import BREAKDOWNS, INDICATORS, LONG_PLANS, SECTIONS, Indicator
from .tables import (
    districts_table,
    indicator_summary_row,
    indicator_summary_table,
    indicators_table,
    mix_count_table,
    mix_shares_table,
)
from .wording import as_printed, group_words, older_than_period, signal_words, signed_number, significance_words


# =========================================================================== 4. districts
def districts_section(run: ThemeRun) -> BuiltSection:
    """District rates as the board printed them (table 4.1)."""
    built = BuiltSection(Section("districts", SECTIONS["districts"]))
    section = built.section
    wide = district_rates(run) if run.has_local else pd.DataFrame()
    if wide.empty:
        section.unavailable = (f"The board's table of plans per 10,000 by district (table 4.1) is not in the data for "
                               f"{run.name} up to {long_date(run.end)}.")
        return built
    districts = wide.drop(index=[run.name + " (as printed)"], errors="ignore")
    last = districts.columns.max()
    latest = districts[last].dropna().sort_values(ascending=False)
    section.paragraphs.append(
        "The report prints district rates per 10,000 children but neither the counts nor the district populations "
        "behind them, so no confidence intervals or significance tests can be given: differences of a few per "
        "10,000 between districts, or from one quarter to the next, may be chance. Supplying district populations "
        "(ONS mid-year estimates aged 0–17) and counts would allow intervals and a funnel plot.")
    if len(latest) >= 2:
        sentence = (f"At {long_date(last)} the highest printed district rate was {latest.index[0]} "
                    f"({as_printed(latest.iloc[0])} per 10,000) and the lowest {latest.index[-1]} "
                    f"({as_printed(latest.iloc[-1])}), a {fmt_number(latest.iloc[0] / latest.iloc[-1], 1)}-fold "
                    f"difference (rates as printed; no interval can be given).")
        section.paragraphs.append(sentence)
        built.findings.append(sentence)
    if run.start in districts.columns and last != run.start:
        changes = (districts[last] - districts[run.start]).dropna().sort_values()
        if not changes.empty:
            rise = f"{changes.index[-1]} ({signed_number(changes.iloc[-1], 0)} per 10,000)"
            smallest = f"{changes.index[0]} ({signed_number(changes.iloc[0], 0)})"
            section.paragraphs.append(
                f"From {long_date(run.start)} to {long_date(last)} the biggest rise was in {rise} and the "
                + (f"biggest fall in {smallest}." if changes.iloc[0] < 0 else f"smallest change in {smallest}."))
    section.charts.append((districts_chart(run, wide, districts, latest), districts_table(run, wide)))
    return built


# =========================================================================== 5. mix
def mix_section(run: ThemeRun) -> BuiltSection:
    """Children on plans by category of abuse, age and gender (table 4.2): the largest group and the biggest shift."""
    built = BuiltSection(Section("mix", SECTIONS["mix"]))
    section = built.section
    if not run.has_local:
        section.unavailable = (f"The board's demographic table of children on plans (table 4.2) is not in the data "
                               f"for {run.name}.")
        return built
    missing = []
    mix_panels = []
    tables = {breakdown: mix_counts(run, breakdown) for breakdown in BREAKDOWNS}
    masks = suppressed_masks(tables, run.disclosure)  # together: unborn children are in age and gender
    for breakdown, spec in BREAKDOWNS.items():
        counts = tables[breakdown]
        if counts.empty:
            missing.append(spec.what)
            continue
        panel = MixPanel(breakdown, spec, counts, masks[breakdown])
        sentence = _largest_group_sentence(run, panel)
        if sentence:
            section.paragraphs.append(sentence)
            if breakdown == "cp_category":
                built.findings.append(sentence)
        mix_panels.append(panel)
        section.tables.append(mix_count_table(run, panel))
    if missing and len(missing) == len(BREAKDOWNS):
        section.unavailable = f"Table 4.2's breakdowns are not in the data for {run.name} up to {long_date(run.end)}."
        return built
    if missing:
        section.paragraphs.append(f"Not in the data: children on plans by {', '.join(missing)}.")
    if mix_panels:
        section.charts.append((mix_chart(run, mix_panels), mix_shares_table(run, mix_panels)))
    section.paragraphs.append(
        "Shares are of table 4.2's own total at each date (where that total differs from table 3.1's, the difference is "
        "a data-quality finding). A change in a share comes with its 95% confidence interval; children "
        "counted as unborn appear in both the age and the gender breakdowns.")
    return built


def _largest_group_sentence(run: ThemeRun, panel: MixPanel) -> str:
    """The largest group at the last date, and the biggest shift in share since the opening
    31 March (by Newcombe's interval for a difference of proportions).

    Both are chosen from the full counts, never from only the cells public mode shows: where
    the true largest group or biggest shift rests on a hidden count, the sentence says that it
    is withheld (:func:`withheld_sentence`) instead of naming a lesser one."""
    last = panel.counts.columns.max()
    now = panel.shares[last].dropna().sort_values(ascending=False, kind="stable")
    if now.empty:
        return ""
    total = panel.total
    largest = now.index[0]
    if panel.mask.at[largest, last]:
        sentence = withheld_sentence(f"The largest group of children on plans by {panel.spec.what}")
    else:
        sentence = (f"By {panel.spec.what}, at {long_date(last)} the largest group was "
                    f"{group_words(panel.breakdown, largest)} ({fmt_percent(now.iloc[0])} of "
                    f"{CountWords(run.disclosure).text(total[last], missing='x')} children on plans in table 4.2).")
    shift = biggest_shift(panel, run.start)
    if shift is None:
        return sentence
    group, test = shift
    if panel.mask.at[group, last] or panel.mask.at[group, run.start]:
        return sentence + " " + withheld_sentence(
            f"The biggest change since {long_date(run.start)} in the {panel.spec.what} mix of children on plans")
    return sentence + (
        f" The biggest shift since {long_date(run.start)} was in {group_words(panel.breakdown, group)}: "
        f"{fmt_percent(test.old_value)} to {fmt_percent(test.new_value)} ({signed_number(test.effect, 1)} percentage "
        f"points, 95% confidence interval {signed_number(test.lower_95, 1)} to {signed_number(test.upper_95, 1)}; "
        f"{significance_words(test.significant_95, test.significant_99_8)}).")


def biggest_shift(panel: MixPanel, start: pd.Timestamp):
    """``(group, test)``: the group whose share changed most between ``start`` and the last date,
    from the full counts (hidden or not); None when there is no earlier date to compare."""
    last = panel.counts.columns.max()
    if start not in panel.counts.columns or last == start:
        return None
    groups, total = panel.groups, panel.total
    shifts = []
    for group in groups.index:
        old, new = groups.at[group, start], groups.at[group, last]
        if pd.isna(old) or pd.isna(new) or (old == 0 and new == 0):
            continue
        test = change_significance(old, new, total[start], total[last], kind="proportion")
        shifts.append((abs(test.effect), group, test))
    if not shifts:
        return None
    _size, group, test = max(shifts, key=lambda shift: shift[0])  # the first of equal shifts
    return group, test


def withheld_sentence(what: str) -> str:
    """A finding public mode cannot state: it says so, never a lesser finding instead."""
    return f"{what} is not shown here because the numbers are small enough to identify children."


# =========================================================================== 6. indicators
def indicators_section(run: ThemeRun) -> BuiltSection:
    """Table 4.3's indicators as XmR charts, with DfE's validated values beside them."""
    built = BuiltSection(Section("indicators", SECTIONS["indicators"]))
    section = built.section
    if not run.has_local:
        section.unavailable = (f"The board's performance indicators (table 4.3) are not in the data for {run.name}. "
                               f"DfE's validated values are in the table below.")
    summary_rows = []
    indicator_panels = []
    for measure, indicator in INDICATORS.items():
        series = indicator_spc(run, measure, indicator) if run.has_local else pd.DataFrame()
        dfe_area, dfe_england = dfe_indicator(run, indicator.dfe_measure)
        if not dfe_area.empty:
            stale = older_than_period(run, dfe_area["period_end"].iloc[-1], f"DfE's latest {indicator.label.lower()} figure")
            if stale:
                section.paragraphs.append(stale)
                built.caveats.append(stale)
        if series.empty:
            if not dfe_area.empty:
                summary_rows.append(indicator_summary_row(run, indicator, None, dfe_area, dfe_england))
            continue
        panel = IndicatorPanel(indicator, series, dfe_area, dfe_england)
        latest = series.iloc[-1]
        if measure == LONG_PLANS and pd.Timestamp(latest["period_end"]) == run.end:
            built.key_figures["long_plans_percent"] = one_decimal(latest["value"])
        summary_rows.append(indicator_summary_row(run, indicator, series, dfe_area, dfe_england))
        sentence = _indicator_sentence(indicator, series, panel.signals)
        section.paragraphs.append(sentence)
        if measure == LONG_PLANS:
            built.findings.append(sentence)
        indicator_panels.append(panel)
    if indicator_panels:
        section.charts.append((indicators_chart(run, indicator_panels), indicators_table(run, indicator_panels)))
    elif run.has_local:
        section.unavailable = (f"The board's performance indicators (table 4.3) are not in the data up to "
                               f"{long_date(run.end)}.")
    if indicator_panels:
        long_plans = [panel.series for panel in indicator_panels if panel.indicator is INDICATORS[LONG_PLANS]]
        points = ", ".join(long_plans[0]["point"]) if long_plans else ""
        section.paragraphs.insert(0, (
            "Each indicator's chart shows its average and the usual range around it: the range normal variation "
            "gives, worked out from how much the indicator moves from one point to the next. A point is unusual when "
            "it lies outside that range, is the last of seven rising or falling, is one of two of three points near "
            "the edge of the range, or is the last of seven in a row on one side of the average. "
            f"The series is the completed financial years, then this year's year-to-date values ({points}). The "
            "year-to-date values early in a year rest on fewer children, so they swing more; with so few points the "
            "limits are wide and a signal is a prompt to look, not proof."))
        section.paragraphs.append(
            "The board publishes percentages only, not the numbers of children behind them, so the indicators carry "
            "no confidence intervals. DfE's validated repeat-plan figures come with their counts, and the long-plans "
            "share with figures from which its count can be worked out; their intervals are given in the table below.")
    _long_plans_against_england(run, built)
    if summary_rows:
        section.tables.append(indicator_summary_table(run, summary_rows))
    return built


def _long_plans_against_england(run: ThemeRun, built: BuiltSection) -> None:
    """DfE's long-plans share against England and the region (its latest published year), and a
    plain sentence when the period's own year has no figure."""
    section = built.section
    dfe_area, _ = dfe_indicator(run, LONG_PLANS)
    if withheld_this_year(run):
        sentence = no_figure_sentence(run)
        section.paragraphs.append(sentence)
        built.caveats.append(sentence)
    if dfe_area.empty:
        return
    found = long_plans(run, dfe_area["period_end"].iloc[-1])
    sentence = comparison_sentence(run, found)
    section.paragraphs.append(sentence)
    if found.vs_england is not None:
        section.paragraphs.append(denominator_note(run, found))
        if not run.has_local:
            built.findings.append(sentence)


def _indicator_sentence(indicator: Indicator, series: pd.DataFrame, signals: pd.DataFrame) -> str:
    """The latest value against the last completed year, and the SPC signals."""
    last = series.iloc[-1]
    sentence = f"{indicator.label} ({indicator.what}): {fmt_percent(last['value'])} in {last['point']}"
    years = series[series["kind"] == "year"]
    years = years[years["period_end"] < pd.Timestamp(last["period_end"])]
    if not years.empty:
        year = years.iloc[-1]
        difference = float(last["value"] - year["value"])
        sentence += f", against {fmt_percent(year['value'])} in {year['point']}"
        if round_half_up(difference, 1) == 0:
            sentence += " (no change)"
        else:
            sentence += f" ({signed_number(difference, 1)} percentage points"
            if year["value"]:
                sentence += f"; a relative change of {signed_number(difference / year['value'] * 100, 1)}%"
            sentence += ")"
    if signals.empty:
        return sentence + ". Every point is within normal variation."

    def listed(points: pd.DataFrame) -> str:
        return "; ".join(f"{point} ({signal_words(signal, variation)})"
                         for point, signal, variation
                         in zip(points["point"], points["signal"], points["variation"].fillna("")))

    # this period's unusual points lead; one from an earlier year is named as such, after them
    current = signals[signals["kind"] != "year"]
    earlier = signals[signals["kind"] == "year"].iloc[::-1]
    if current.empty:
        sentence += (". Every point this year is within normal variation; the only unusual "
                     + ("point is" if len(earlier) == 1 else "points are")
                     + f" from earlier years: {listed(earlier)}")
    else:
        sentence += f". Unusual points this year, beyond normal variation: {listed(current.iloc[::-1])}"
        if not earlier.empty:
            sentence += f"; in earlier years: {listed(earlier)}"
    return sentence + "."
