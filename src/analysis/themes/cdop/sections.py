"""The CDOP appendix's three sections: their sentences, tables and which chart goes where.

* ``panel_activity`` (:func:`panel_activity_section`): the sub-regional panel's panels, deaths
  reviewed by home authority and actions raised;
* ``categories`` (:func:`categories_section`): the board's own deaths by standard CDOP category;
* ``modifiable_factors`` (:func:`modifiable_factors_section`): DfE LAIT's reviews with
  modifiable factors against the region and England.

Each returns a :class:`SectionOutcome`: the section, the key figures it sets and the key
findings it offers (named as in :mod:`.findings`, which ranks them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ... import stats
from ...formatting import fmt_count, fmt_interval, fmt_number, fmt_rate, round_half_up
from ...periods import fy_label, long_date, period_of
from ...report.model import Section, Table
from ...report.words import (
    CountWords,
    FEWER_THAN_SMALL,
    describe_change,
    describe_rate_vs_benchmark,
    join_words,
    number_in_words,
    possessive,
    verdict_phrase,
)
from ...stats.disclosure import SUPPRESSED, is_small_count
from ..context import Context
from .charts import authority_chart, category_chart, modifiable_factors_chart
from .findings import (
    LARGEST_CATEGORY,
    MODIFIABLE_FACTORS_COMPARISONS,
    MODIFIABLE_FACTORS_LATEST,
    PANEL_ACTIVITY,
    SMALL_NUMBERS,
    UNLISTED_CATEGORIES,
    board_missing_sentence,
)
from .frames import (
    board_cdop_source,
    COL_ACTIONS,
    COL_AUTHORITY,
    COL_CATEGORY,
    COL_DEATHS,
    COL_LOWER,
    COL_PANELS,
    COL_PER_PANEL,
    COL_REPORTED,
    COL_SHARE,
    COL_SUBREGION,
    COL_UPPER,
    COL_YEAR,
    LAIT_SOURCE,
    PERINATAL,
    RATE_MULTIPLIER,
    STANDARD_CATEGORIES,
    SUDDEN_UNEXPECTED,
    TOTAL_LABEL,
    ModifiableFactorsTable,
    authority_by_year_table,
    authority_table,
    category_by_year_table,
    category_table,
    financial_years,
    hidden_cells,
    home_authority_deaths,
    home_deaths_column,
    largest_shown_category,
    modifiable_factors_table,
    panel_activity_table,
    rounded_years,
    share_with_interval,
    sub_region_total,
)

SECTION_KEYS = ("panel_activity", "categories", "modifiable_factors")


@dataclass
class SectionOutcome:
    """A built section with the key figures it sets and the key findings it offers (by name)."""

    section: Section
    key_figures: dict[str, Any] = field(default_factory=dict)
    findings: dict[str, str] = field(default_factory=dict)


def _key_figure(value: Any, hidden: bool, words: CountWords) -> Any:
    """A count as a key figure: None if missing, "c" if withheld in public mode (small, or hidden
    by secondary suppression), else the number (an int when whole)."""
    if value is None or pd.isna(value):
        return None
    if words.withheld(value, hidden):
        return SUPPRESSED
    return int(value) if float(value).is_integer() else float(value)


def _compared_with(verdict: str | None, benchmark: str) -> str:
    """ "higher than <benchmark>", "lower than …" or "not significantly different from …" (also
    when there is no verdict); the table's notes say only significant differences count."""
    return verdict_phrase(verdict, benchmark, significantly=False,
                          no_verdict=f"not significantly different from {benchmark}")


# --------------------------------------------------------------------------- panel activity
def panel_activity_section(ctx: Context, rows: pd.DataFrame, words: CountWords, la_name: str) -> SectionOutcome:
    """Panels held, deaths reviewed by home authority (chart and table) and actions raised."""
    section = Section("panel_activity", "Deaths reviewed by the sub-regional panel, panels held and actions raised")
    outcome = SectionOutcome(section)
    if rows.empty:
        section.unavailable = board_missing_sentence(ctx)
        return outcome
    years = financial_years(rows)
    latest = years[-1]
    latest_label = fy_label(latest)
    activity = panel_activity_table(rows, la_name)
    home_column = home_deaths_column(la_name)
    activity_table = Table(
        title=(f"Child Death Overview Panel activity by financial year, {fy_label(years[0])} to {latest_label}"
               if len(years) > 1 else f"Child Death Overview Panel activity, {latest_label}"),
        frame=activity, source=board_cdop_source(ctx), count_columns=[COL_PANELS, COL_SUBREGION, home_column, COL_ACTIONS],
        people_columns=[COL_SUBREGION, home_column],  # panels held and actions raised are not people
        derived={COL_PER_PANEL: COL_SUBREGION}, formats={COL_PER_PANEL: "rate", COL_YEAR: "text"},
        notes=["Panels, deaths and actions are the sub-regional panel's as the report gives them; x = not given for "
               "that year. Deaths reviewed per panel = deaths reviewed ÷ panels held."])
    authorities = authority_table(rows, latest)
    total, total_printed = sub_region_total(rows, latest)
    authorities_table = Table(
        title=f"Deaths reviewed by the sub-regional panel by the child's home authority, {latest_label}",
        frame=authorities, source=board_cdop_source(ctx), count_columns=[COL_DEATHS], people_columns=[COL_DEATHS],
        derived={COL_SHARE: COL_DEATHS, COL_LOWER: COL_DEATHS, COL_UPPER: COL_DEATHS},
        formats={COL_SHARE: "percent", COL_LOWER: "percent", COL_UPPER: "percent"}, total_row=TOTAL_LABEL,
        notes=["Share = the authority's deaths ÷ all deaths the panel reviewed in the year, with its 95% confidence "
               "interval."])
    activity_hidden = hidden_cells(activity_table, ctx.disclosure)
    authorities_hidden = hidden_cells(authorities_table, ctx.disclosure)
    section.charts.append((authority_chart(authorities, authorities_hidden[COL_DEATHS], latest_label, la_name, words,
                                           total_printed, board_cdop_source(ctx)), authorities_table))
    section.tables.append(activity_table)
    if len(years) > 1:
        wide = authority_by_year_table(rows)
        section.tables.append(Table(
            title="Deaths reviewed by the sub-regional panel by home authority and financial year",
            frame=wide, source=board_cdop_source(ctx), count_columns=[c for c in wide.columns if c != COL_AUTHORITY],
            people_columns=[c for c in wide.columns if c != COL_AUTHORITY],
            total_row=TOTAL_LABEL, notes=["x = not given for that year."]))

    latest_row = activity.index[-1]
    year_figures, year_hidden = activity.loc[latest_row], activity_hidden.loc[latest_row]
    panels = words.text(year_figures[COL_PANELS], year_hidden[COL_PANELS])
    deaths = words.text(total, year_hidden[COL_SUBREGION])
    actions = words.text(year_figures[COL_ACTIONS], year_hidden[COL_ACTIONS])
    home = authorities[authorities[COL_AUTHORITY] == la_name]
    home_deaths = home[COL_DEATHS].iloc[0] if not home.empty else np.nan
    home_hidden = bool(authorities_hidden.loc[home.index[0], COL_DEATHS]) if not home.empty else False
    names = [name for name in authorities[COL_AUTHORITY] if name != TOTAL_LABEL]
    home_share = ""
    if pd.notna(home_deaths):
        home_share = f"; {words.text(home_deaths, home_hidden)} of the deaths were of {la_name} children"
        if not words.withheld(home_deaths, home_hidden) and pd.notna(home[COL_SHARE].iloc[0]):
            home_row = home.iloc[0]
            home_share += f" ({share_with_interval(home_row[COL_SHARE], home_row[COL_LOWER], home_row[COL_UPPER])})"
    section.paragraphs.append(
        f"In {latest_label} the sub-regional Child Death Overview Panel serving {join_words(names)} held "
        f"{panels} panels and reviewed {deaths} children's deaths" + home_share + ".")
    if pd.notna(year_figures[COL_ACTIONS]):
        section.paragraphs.append(f"The report says {possessive(la_name)} panel raised {actions} "
                                  "different actions in the year, mainly feedback and learning.")
    if pd.notna(year_figures[COL_PER_PANEL]) and not words.withheld(total, year_hidden[COL_SUBREGION]):
        section.paragraphs.append(f"That is {fmt_rate(year_figures[COL_PER_PANEL])} deaths reviewed per panel on "
                                  "average.")
    section.paragraphs.append("The panel is shared by the authorities above, so its panels and actions are not the "
                              "board's alone; a death is counted in the year it is reviewed, which may be long after "
                              "the child died.")
    if len(years) > 1:
        previous_row = activity.index[-2]
        before, now = activity.loc[previous_row, home_column], year_figures[home_column]
        before_hidden = activity_hidden.loc[previous_row, home_column]
        if (pd.notna(before) and pd.notna(now) and not words.withheld(before, before_hidden)
                and not words.withheld(now, year_hidden[home_column])):
            section.paragraphs.append(describe_change(before, now, what=f"{la_name} children's deaths reviewed")
                                      + f" ({activity.loc[previous_row, COL_YEAR]} to {year_figures[COL_YEAR]}).")
    outcome.key_figures = {
        "deaths_reviewed_total": _key_figure(total, year_hidden[COL_SUBREGION], words),
        "panels_held": _key_figure(year_figures[COL_PANELS], year_hidden[COL_PANELS], words),
        "actions_raised": _key_figure(year_figures[COL_ACTIONS], year_hidden[COL_ACTIONS], words),
    }
    outcome.findings[PANEL_ACTIVITY] = (
        f"In {latest_label} the sub-regional Child Death Overview Panel held {panels} "
        f"panels, reviewed {deaths} deaths and raised {actions} actions" + home_share + ".")
    return outcome


# --------------------------------------------------------------------------- categories
def _largest_category_sentence(largest: pd.Series, total: float, la_name: str, year: str,
                               words: CountWords) -> str:
    """The largest category, with its share, interval and whether it is more than half."""
    half = ""
    if largest[COL_LOWER] > 50:
        half = "; significantly more than half"
    elif largest[COL_SHARE] > 50:
        half = "; more than half, though the interval also allows for less than half"
    return (f"{largest[COL_CATEGORY]} was the largest category: {words.text(largest[COL_DEATHS])} of "
            f"{possessive(la_name)} {words.text(total)} deaths reviewed in {year} "
            f"({share_with_interval(largest[COL_SHARE], largest[COL_LOWER], largest[COL_UPPER])}{half}).")


def _small_numbers_sentences(listed: pd.DataFrame, total: float, any_hidden: bool,
                             words: CountWords) -> tuple[str, str | None]:
    """The paragraph on why the intervals are wide, and the key finding on it (None when no
    listed category holds one to five deaths)."""
    small = listed[listed[COL_DEATHS].map(is_small_count)]
    zero = listed[listed[COL_DEATHS] == 0]
    single_lower, single_upper = stats.wilson_ci(1, total)
    single_death_interval = fmt_interval(100 * single_lower, 100 * single_upper)
    points_per_death = fmt_number(100 / total, 1)
    paragraph = (f"The numbers are small: {number_in_words(len(small), words_up_to=10)} of the {number_in_words(len(listed), words_up_to=10)} "
                 "categories the report lists hold one to five deaths")
    if len(zero):
        paragraph += f" and {number_in_words(len(zero), words_up_to=10)} hold{'s' if len(zero) == 1 else ''} none"
    paragraph += (f". With {words.text(total)} deaths, each death is {points_per_death} percentage points of the "
                  f"total, so one death more or fewer moves a share a long way: a category holding a single death "
                  f"would have a 95% interval from {single_death_interval}. An interval shows the range of shares "
                  "consistent with the year's deaths had chance produced a different handful of them; the intervals "
                  "are wide because there are few deaths, not because the counts are in doubt.")
    if words.public and (len(small) or any_hidden):
        paragraph += (" In this public version counts of one to five, and the shares and intervals that would reveal "
                      "them, are suppressed (c), with any other cell that a total would let a reader work out.")
    finding = None
    if len(small):
        finding = (f"{number_in_words(len(small), words_up_to=10).capitalize()} of the {number_in_words(len(listed), words_up_to=10)} categories the "
                   f"report lists hold {FEWER_THAN_SMALL} deaths each: "
                   f"with {words.text(total)} deaths, each death is {points_per_death} percentage points, so a single "
                   f"death has a 95% interval of {single_death_interval} and category shares cannot support "
                   "comparisons between categories or years.")
    return paragraph, finding


def _unlisted_categories_sentence(listed: pd.DataFrame, absent: list[str], total: float | None, total_hidden: bool,
                                  words: CountWords) -> str:
    """Which standard categories the report does not list, and what the listed ones add up to."""
    one = len(absent) == 1
    sentence = (f"The report lists {number_in_words(len(listed), words_up_to=10)} of the {number_in_words(len(STANDARD_CATEGORIES), words_up_to=10)} "
                "standard CDOP categories; "
                f"{join_words([f'‘{c}’' for c in absent])} {'is' if one else 'are'} not listed, so "
                f"{'it is' if one else 'they are'} shown as not available (x), not as zero.")
    listed_sum = float(listed[COL_DEATHS].sum())
    if total is not None and abs(listed_sum - total) < 1e-9:
        sentence += (f" The listed categories add up to all {words.text(total, total_hidden)} deaths, which implies "
                     f"none in the unlisted categor{'y' if one else 'ies'}, but the report does not say so.")
    elif total is not None and not words.public:
        sentence += (f" The listed categories add up to {fmt_count(listed_sum)}, not the {fmt_count(total)} deaths "
                     "reviewed; the report does not explain the difference.")
    return sentence


def categories_section(ctx: Context, rows: pd.DataFrame, words: CountWords, la_name: str) -> SectionOutcome:
    """The board's own deaths by standard CDOP category in the latest year (chart, table, sentences)."""
    section = Section("categories", f"{possessive(la_name)} deaths reviewed by category")
    outcome = SectionOutcome(section)
    if rows.empty:
        section.unavailable = board_missing_sentence(ctx)
        return outcome
    category_rows = rows[(rows["measure"] == "cdop_deaths_reviewed") & (rows["breakdown"] == "cdop_category")]
    if category_rows.empty:
        section.unavailable = "The report gives no breakdown of deaths reviewed by category for this period."
        return outcome
    years = financial_years(category_rows)
    latest = years[-1]
    latest_label = fy_label(latest)
    by_category = category_table(category_rows, latest)
    table = Table(
        title=f"{la_name} children's deaths reviewed by standard CDOP category, {latest_label}",
        frame=by_category, source=board_cdop_source(ctx), count_columns=[COL_DEATHS], people_columns=[COL_DEATHS],
        derived={COL_SHARE: COL_DEATHS, COL_LOWER: COL_DEATHS, COL_UPPER: COL_DEATHS},
        formats={COL_SHARE: "percent", COL_LOWER: "percent", COL_UPPER: "percent", COL_REPORTED: "text"},
        total_row=TOTAL_LABEL,
        notes=["Share = deaths in the category ÷ all the deaths reviewed, with its 95% confidence interval. "
               "0 = the report says there were none; x = the report does not list the category (not a zero)."])
    hidden = hidden_cells(table, ctx.disclosure)[COL_DEATHS]
    section.charts.append((category_chart(by_category, hidden, latest_label, la_name, words, board_cdop_source(ctx)), table))
    if len(years) > 1:
        wide = category_by_year_table(category_rows)
        section.tables.append(Table(title=f"{la_name} children's deaths reviewed by category and financial year",
                                    frame=wide, source=board_cdop_source(ctx),
                                    count_columns=[c for c in wide.columns if c != COL_CATEGORY],
                                    people_columns=[c for c in wide.columns if c != COL_CATEGORY],
                                    total_row=TOTAL_LABEL,
                                    notes=["x = the category is not listed for that year (not a zero)."]))
    is_category = by_category[COL_CATEGORY] != TOTAL_LABEL
    categories, category_hidden = by_category[is_category], hidden[is_category]
    total, total_hidden = by_category.loc[~is_category, COL_DEATHS].iloc[0], bool(hidden[~is_category].iloc[0])
    listed = categories[categories[COL_DEATHS].notna()]

    # chosen from the full counts: if the true largest category is withheld, say so, never a lesser one
    largest = largest_shown_category(categories, pd.Series(False, index=categories.index), CountWords("internal"))
    largest_hidden = largest is not None and words.withheld(largest[COL_DEATHS], bool(category_hidden[largest.name]))
    if largest_hidden:
        sentence = (f"The category with the most of {la_name} children's deaths reviewed in {latest_label} is not shown "
                    "here because the numbers are small enough to identify children.")
        section.paragraphs.append(sentence)
        outcome.findings[LARGEST_CATEGORY] = sentence
    elif largest is not None and not words.withheld(total, total_hidden):
        sentence = _largest_category_sentence(largest, total, la_name, latest_label, words)
        section.paragraphs.append(sentence)
        outcome.findings[LARGEST_CATEGORY] = sentence
    if total and not words.withheld(total, total_hidden):
        paragraph, finding = _small_numbers_sentences(listed, total, bool(category_hidden.any()), words)
        section.paragraphs.append(paragraph)
        if finding:
            outcome.findings[SMALL_NUMBERS] = finding
    absent = categories[categories[COL_DEATHS].isna()][COL_CATEGORY].tolist()
    if absent:
        sentence = _unlisted_categories_sentence(listed, absent, total, total_hidden, words)
        section.paragraphs.append(sentence)
        outcome.findings[UNLISTED_CATEGORIES] = sentence
    home = home_authority_deaths(rows, latest, la_name)
    if total is not None and home is not None and abs(home - total) > 1e-9:
        section.paragraphs.append(f"The categories' total ({words.text(total, total_hidden)}) differs from the "
                                  f"{words.text(home)} {la_name} deaths given by home authority; both are shown as "
                                  "printed.")

    perinatal = categories[categories[COL_CATEGORY] == PERINATAL]
    perinatal_hidden = bool(category_hidden[perinatal.index[0]]) if not perinatal.empty else False
    perinatal_deaths = perinatal[COL_DEATHS].iloc[0] if not perinatal.empty else np.nan
    if perinatal.empty or pd.isna(perinatal[COL_SHARE].iloc[0]):
        perinatal_percent = None
    elif words.withheld(perinatal_deaths, perinatal_hidden):
        perinatal_percent = SUPPRESSED
    else:
        perinatal_percent = float(round_half_up(perinatal[COL_SHARE].iloc[0], 1))
    outcome.key_figures = {
        "warwickshire_deaths_reviewed": _key_figure(total, total_hidden, words),
        "perinatal_neonatal_deaths": _key_figure(perinatal_deaths, perinatal_hidden, words),
        "perinatal_neonatal_percent": perinatal_percent,
        "categories_listed": int(len(listed)),
        "sudden_unexpected_death_reported": bool(
            categories.loc[categories[COL_CATEGORY] == SUDDEN_UNEXPECTED, COL_DEATHS].notna().any()),
        "cdop_year": latest_label,
    }
    return outcome


# --------------------------------------------------------------------------- DfE LAIT
def _lait_label_example(years: list[int]) -> str:
    """How LAIT labels the latest financial year in the table, e.g. "2018 = 1 April 2017 to 31 March 2018"."""
    latest = period_of(int(years[-1]), "Annual")
    return f"{latest.end.year} = 1 April {latest.start_year} to 31 March {latest.end.year}"


def _lait_display_table(lait: ModifiableFactorsTable, rounded: list[str]) -> Table:
    """The DfE table as shown: the area's counts under disclosure control, and the region's and
    England's only if one is small (they are large published totals; summing the area, its region
    and England across a row means nothing, so they are not treated as one additive table)."""
    frame = lait.frame
    benchmark_roles = [role for role in ("region", "england") if role in lait.count_columns]
    area_count = lait.count_columns["area"]
    count_columns = [area_count] + [lait.count_columns[role] for role in benchmark_roles
                                    if frame[lait.count_columns[role]].map(is_small_count).any()]
    derived = {lait.rate_columns["area"]: area_count, lait.lower_column: area_count, lait.upper_column: area_count}
    for role in benchmark_roles:
        if lait.count_columns[role] in count_columns:
            derived[lait.rate_columns[role]] = lait.count_columns[role]
    formats = {column: "rate" for column in derived}
    formats.update({lait.rate_columns[role]: "rate" for role in benchmark_roles})
    formats[COL_YEAR] = "text"
    if lait.verdict_column:
        formats[lait.verdict_column] = "text"
    formats.update({column: "count" for column in lait.count_columns.values()})
    areas = join_words(list(lait.names.values()))
    table = Table(
        title=f"Child death reviews with modifiable factors by financial year: {areas}",
        frame=frame, source=LAIT_SOURCE, count_columns=count_columns, people_columns=count_columns,  # child deaths
        derived=derived, formats=formats,
        notes=["Reviews completed in the year on behalf of the LSCB that the panel assessed as having modifiable "
               "factors (DfE). DfE labels each figure by the year in which the financial year ends "
               f"({_lait_label_example(lait.years)}). x = not available, not zero.",
               "Rate per 100,000 children aged 0–17 (ONS mid-year estimate of the year the financial year starts "
               "in), with its 95% confidence interval. 'Compared with England': whether the "
               "area's interval excludes England's rate."])
    if rounded:
        table.notes.append(f"In {join_words(rounded)} every figure DfE gives (each LA, region and England) is a "
                           "multiple of five: DfE rounded them to the nearest five, so a count of 10 stands for 8 to "
                           "12. Rates, intervals and tests treat the rounded counts as exact.")
    return table


def modifiable_factors_section(ctx: Context, words: CountWords) -> SectionOutcome:
    """DfE LAIT's reviews with modifiable factors: the latest year against England and the region,
    and the change from the year before (chart, table, sentences)."""
    section = Section("modifiable_factors", "Child death reviews with modifiable factors (DfE)")
    outcome = SectionOutcome(section)
    lait = modifiable_factors_table(ctx)
    area = ctx.area_name
    if not lait.has_counts:
        section.unavailable = (f"DfE has no figures on child death reviews with modifiable factors for years "
                               f"ending by {long_date(ctx.period.end)}.")
        return outcome
    rounded = [fy_label(year) for year in rounded_years(ctx)]
    table = _lait_display_table(lait, rounded)
    frame = lait.frame
    hidden = hidden_cells(table, ctx.disclosure)
    area_count = lait.count_columns["area"]
    if lait.verdict_column and hidden[area_count].any():  # a verdict on a withheld count is withheld with it
        frame[lait.verdict_column] = frame[lait.verdict_column].where(~hidden[area_count].to_numpy(), SUPPRESSED)
    available = frame[frame[area_count].notna()]
    if available.empty:
        section.unavailable = (f"DfE gives no count for {area} in any year to {long_date(ctx.period.end)} "
                               "(every year is shown as x, not available).")
        section.tables.append(table)
        return outcome

    latest = available.index[-1]
    latest_label = frame.at[latest, COL_YEAR]
    reviews, reviews_hidden = frame.at[latest, area_count], bool(hidden.at[latest, area_count])
    england_rate = frame.at[latest, lait.rate_columns["england"]] if "england" in lait.rate_columns else np.nan
    population = lait.populations["area"]
    comparisons: list[str] = []
    if words.withheld(reviews, reviews_hidden):
        title = f"DfE's count of child death reviews with modifiable factors for {area} in {latest_label} is suppressed"
        sentence = (f"DfE counts {words.text(reviews, reviews_hidden)} child death reviews with modifiable "
                    f"factors for {area} in {latest_label}; the rate and its interval are suppressed in this public "
                    "version.")
    else:
        verdict = frame.at[latest, lait.verdict_column] if lait.verdict_column else None
        if pd.notna(england_rate):
            compared = _compared_with(verdict, "England's")
            title = f"{possessive(area)} rate of reviews with modifiable factors was {compared} in {latest_label}"
        else:
            title = f"{area} had {words.text(reviews)} child death reviews with modifiable factors in {latest_label}"
        sentence = (f"DfE counts {words.text(reviews)} child death reviews with modifiable factors for {area} "
                    f"in {latest_label}" + (" (rounded by DfE to the nearest five). " if latest_label in rounded
                                            else ". "))
        if pd.notna(england_rate) and pd.notna(population[latest]):
            sentence += describe_rate_vs_benchmark(reviews, population[latest], england_rate, area=area,
                                                   what="reviews with modifiable factors", benchmark_label="England",
                                                   multiplier=RATE_MULTIPLIER, per="children aged 0–17")
        elif pd.notna(population[latest]):
            interval = fmt_interval(frame.at[latest, lait.lower_column], frame.at[latest, lait.upper_column], "rate")
            sentence += (f"That is {fmt_rate(frame.at[latest, lait.rate_columns['area']])} per 100,000 children aged "
                         f"0–17 (95% interval {interval}).")
        region_rate = frame.at[latest, lait.rate_columns["region"]] if "region" in lait.rate_columns else np.nan
        if pd.notna(region_rate) and pd.notna(population[latest]):
            region_verdict = stats.compare_rate_to_benchmark(reviews, population[latest], region_rate,
                                                             multiplier=RATE_MULTIPLIER)
            compared = _compared_with(region_verdict, f"the {possessive(lait.names['region'])}")
            comparisons.append(f"{possessive(area)} rate in {latest_label} was {compared} "
                               f"({fmt_rate(region_rate)} per 100,000)")
    if len(available) > 1:
        previous = available.index[-2]
        before, before_hidden = frame.at[previous, area_count], bool(hidden.at[previous, area_count])
        both_shown = not (words.withheld(before, before_hidden) or words.withheld(reviews, reviews_hidden))
        if both_shown and pd.notna(population[latest]) and pd.notna(population[previous]):
            change = stats.change_significance(before, reviews, population[previous], population[latest],
                                               multiplier=RATE_MULTIPLIER)
            if before == 0:  # a rise from none has no rate ratio: say so rather than print infinity
                test = "; with none the year before, no rate ratio can be given"
            else:
                test = (f" (tested on the rate per 100,000 children: rate ratio {fmt_number(change.effect, 2)}, "
                        f"95% interval {fmt_interval(change.lower_95, change.upper_95, 'ratio')})")
            comparisons.append(f"from {frame.at[previous, COL_YEAR]} to {latest_label} "
                               + describe_change(before, reviews, what="the count", significance=change) + test)

    subtitle = ("Rate per 100,000 children aged 0–17 with 95% interval, by financial year; gaps = not available or "
                "suppressed")
    section.charts.append((modifiable_factors_chart(lait, hidden, area, words, title, subtitle), table))
    section.paragraphs.append(sentence)
    outcome.findings[MODIFIABLE_FACTORS_LATEST] = sentence
    if comparisons:
        joined = "; ".join(comparisons) + "."
        joined = joined[0].upper() + joined[1:]
        section.paragraphs.append(joined)
        outcome.findings[MODIFIABLE_FACTORS_COMPARISONS] = joined
    gaps = frame[frame[area_count].isna()][COL_YEAR].tolist()
    if gaps:
        section.paragraphs.append(f"DfE gives no figure for {area} for {join_words(gaps)}: shown as x (not "
                                  "available), not zero.")
    section.paragraphs.append(
        "This DfE count is of reviews completed in the year on behalf of the safeguarding board that the panel "
        "judged to have modifiable factors: factors which, by nationally or locally achievable interventions, could "
        "be modified to reduce the risk of future child deaths. It depends on how many reviews the panel completes as "
        "well as on how many children die, and it is not the same count as the board's deaths reviewed, so the two "
        "are shown side by side and never divided into each other.")
    if rounded:
        section.paragraphs.append(f"DfE rounded every {join_words(rounded)} figure to the nearest five; the "
                                  "intervals and tests take the rounded counts at face value, so they understate the "
                                  "uncertainty for those years.")
    outcome.key_figures = {"modifiable_factors_year": latest_label,
                           "modifiable_factors_reviews": _key_figure(reviews, reviews_hidden, words),
                           "modifiable_factors_vs_england": (None if words.withheld(reviews, reviews_hidden)
                                                             or pd.isna(england_rate) or not lait.verdict_column
                                                             else str(frame.at[latest, lait.verdict_column]))}
    return outcome
