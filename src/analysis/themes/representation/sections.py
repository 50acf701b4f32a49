"""The representation theme's sections: their sentences, tables, and which chart goes where.

One function per section key (see :data:`.groups.SECTION_KEYS`); each takes the frames and
the tables already built (a chart or sentence withholds what its table suppresses) and returns
a :class:`analysis.report.model.Section`. :func:`share_sentence` is also used by the key findings.
"""

from __future__ import annotations

import pandas as pd

from ...formatting import fmt_count, fmt_interval, fmt_number, fmt_percent, is_missing
from ...report.model import Section
from ...report.words import capitalised, chance_words, decimals_to_tell_apart, verdict_phrase
from ...stats import GoodnessOfFit
from ...periods import long_date
from ..context import Context
from .charts import benchmark_chart, bounds_chart, census_chart, mix_chart, not_recorded_chart, trend_chart
from .frames import census_summary
from .groups import (
    BOARD_QUOTE,
    GROUP_BY_KEY,
    GROUPS,
    INCONCLUSIVE,
    OFSTED_QUOTE,
    QUOTES_FROM,
    POPULATION_BY_KEY,
    Group,
    Population,
)
from .tables import ThemeTables, census_broad_table, census_detail_table
from .withheld import Withheld, count_key
from .wording import census_timing, missing_local_sentence, period_phrase, snapshot_phrase

NO_BENCHMARK_VERDICT = "not compared with a benchmark (none is in the data for this period)"


def share_sentence(withheld: Withheld, group: Group, population: Population, row: pd.Series,
                   with_998: bool = False) -> str:
    """Share, count, interval and verdict of one row, in one sentence (public mode: no small counts)."""
    when = capitalised(period_phrase(row["period_type"], row["period_start"], row["period_end"]))
    of_group = group.noun if population.key == "plans" else f"for {group.noun}"
    if withheld.row_hidden(row):
        count = withheld.count_words_for(row["count"], population.unit,
                                         count_key(population.key, group.key, row["period_end"]))
        return (f"{when}, {count} among {population.label} were {of_group}; the share is withheld to protect "
                "confidentiality.")
    # the verdict rests on the interval's bounds against the benchmark: print enough digits to show it
    d = decimals_to_tell_apart([(row["lower_95"], row["benchmark"]), (row["upper_95"], row["benchmark"])])
    benchmark = (f"the {fmt_percent(row['benchmark'], d)} in the {row['benchmark_name']}"
                 if not is_missing(row["benchmark"]) else "a benchmark")
    text = (f"{when}, {fmt_percent(row['share'], d)} of {population.label} were {of_group} (about "
            f"{fmt_count(row['count'])} of {fmt_count(row['denominator'])}; 95% confidence interval "
            f"{fmt_interval(row['lower_95'], row['upper_95'], decimals=d)}), "
            f"{verdict_phrase(row['verdict_95'], benchmark, no_verdict=NO_BENCHMARK_VERDICT)}")
    if row["verdict_95"] is not None:
        text += ", at 95% confidence"
        if with_998 and row["verdict_99_8"] is not None:
            if row["verdict_99_8"] == row["verdict_95"]:
                text += " and at 99.8%"
            else:
                text += f" ({row['verdict_99_8']} at 99.8%)"
    return text + "."


def section_benchmarks(ctx: Context, items: list, withheld: Withheld, tables: ThemeTables) -> Section:
    """The latest share of each group against its benchmark, with the relative rate index on plans."""
    section = Section("benchmarks", "Representation against the benchmarks")
    if not items:
        section.unavailable = missing_local_sentence(ctx, "the shares of BME, non-English-speaking and disabled "
                                                          "children")
        return section
    section.paragraphs.append(
        "Each share is compared with the same group's share of a reference population, as the board's table 2.3 "
        "prints them: the School Census (pupils in Reception to Year 11) for ethnicity and preferred language, and the "
        "national prevalence of disability among children for disability. A share is significantly higher or lower "
        "when the benchmark lies outside its confidence interval.")
    if all(is_missing(row["benchmark"]) for _, _, row in items):
        section.paragraphs.append(f"No benchmark in the data is dated on or before {long_date(ctx.period.end)}, so no "
                                  "verdict is given for this period.")
    section.charts.append((benchmark_chart(items, withheld, tables.sources), tables.benchmark))
    plans = [(group, population, row) for group, population, row in items if population.key == "plans"]
    for group, population, row in plans:
        if not is_missing(row["share"]):
            section.paragraphs.append(share_sentence(withheld, group, population, row, with_998=True))
    for group, population, row in plans:
        if not is_missing(row["rri"]) and not withheld.row_hidden(row, "rri") and not withheld.row_hidden(row):
            section.paragraphs.append(
                f"Rate ratio for {group.noun} on plans {snapshot_phrase(row['period_end'])}: "
                f"{fmt_number(row['rri'], 2)} (95% confidence interval "
                f"{fmt_interval(row['rri_lower'], row['rri_upper'], 'ratio')}); "
                f"1.00 would mean the same rate as other recorded children.")
    if not tables.rri.frame.empty:
        section.tables.append(tables.rri)
    return section


def _change_sentence(change: dict) -> str:
    """One group's change in share of children on plans over the year, with its interval and significance."""
    group, old, new, result = change["group"], change["old"], change["new"], change["change"]
    direction = "fell" if result.effect < 0 else "rose" if result.effect > 0 else "did not change"
    if result.significant_95:
        significance = "a significant change at 95% confidence" + (" and at 99.8%" if result.significant_99_8 else "")
    else:
        significance = "not a significant change at 95% confidence"
    return (f"The {group.short} share of children on plans {direction} from {fmt_percent(old['share'])} at "
            f"{long_date(old['period_end'])} to {fmt_percent(new['share'])} at {long_date(new['period_end'])} "
            f"(difference {fmt_number(result.effect, 1)} percentage points, 95% interval "
            f"{fmt_number(result.lower_95, 1)} to {fmt_number(result.upper_95, 1)}): {significance}.")


def change_finding(change: dict) -> str:
    """The change sentence, or, where it rests on a withheld count, that it is withheld (never left out)."""
    if change["hidden"]:
        return (f"The change over the year in the {change['group'].short} share of children on plans is not shown "
                "here because the numbers are small enough to identify children.")
    return _change_sentence(change)


def section_trends(ctx: Context, shares: pd.DataFrame, withheld: Withheld, tables: ThemeTables,
                   changes: list[dict]) -> Section:
    """Each group's share over time, referrals and plans, and the change over the latest year."""
    section = Section("trends", "Shares over time: referrals and children on plans")
    if shares.empty or shares["share"].notna().sum() == 0:
        section.unavailable = missing_local_sentence(ctx, "the shares over time")
        return section
    section.paragraphs.append(
        "Each chart follows one group: its share of referrals (each financial year, then 2017/18 cumulatively from "
        "1 April to each quarter end) and its share of children on plans at each year and quarter end, against the "
        "benchmark. The shaded band is the 95% confidence interval; the last column of each table says whether the "
        "verdict survives the records whose ethnicity or language was not recorded.")
    for group in GROUPS:
        chart = trend_chart(shares, group, withheld, tables.sources)
        if chart is not None:
            section.charts.append((chart, tables.trend[group.key]))
    for change in changes:
        section.paragraphs.append(change_finding(change))
    if not tables.change.frame.empty:
        section.tables.append(tables.change)
    for row in shares[(shares["status"] != "") & shares["share"].isna()].itertuples(index=False):
        section.paragraphs.append(f"The {GROUP_BY_KEY[row.group].short} share of "
                                  f"{POPULATION_BY_KEY[row.population].label} for {row.period} is not available (the "
                                  "report prints it as not yet known).")
    return section


def bounds_sentence(withheld: Withheld, group: Group, population: Population, row: pd.Series) -> str | None:
    """What the 'not recorded' records allow the group's share to be, and whether the verdict survives."""
    when = period_phrase(row["period_type"], row["period_start"], row["period_end"])
    if group.breakdown == "disability":
        return (f"Disability among {population.label} ({row['period']}) cannot be bounded: the board's tables give no "
                f"'not recorded' figure for disability, so a child whose disability is not recorded counts as not "
                f"disabled and the true share could be higher than printed.")
    if is_missing(row["not_recorded_share"]) or row["verdict_95"] is None or is_missing(row["share"]):
        return None
    if withheld.range_hidden(row):
        return (f"{group.short} among {population.label} {when}: the bounds rest on a withheld small number, so they "
                f"are not shown; conclusion at 95%: {row['conclusion_95']}.")
    what = "ethnicity" if group.breakdown == "ethnicity" else "preferred language"
    unrecorded = (f"{capitalised(when)}, {what} was not recorded for {fmt_percent(row['not_recorded_share'])} of "
                  f"{population.label}: the {group.short} share")
    if row["conclusion_95"] == INCONCLUSIVE:
        return (f"{unrecorded} could be anywhere from {fmt_percent(row['bound_none'])} (none of them "
                f"{group.short}) to {fmt_percent(row['bound_all'])} (all of them), {row['verdict_if_none_95']} than "
                f"the benchmark at one end and {row['verdict_if_all_95']} at the other, so the comparison is "
                "inconclusive.")
    return (f"{unrecorded} lies between {fmt_percent(row['bound_none'])} and {fmt_percent(row['bound_all'])}, and "
            f"the verdict ({row['conclusion_95']}) holds across that range.")


def section_not_recorded(ctx: Context, shares: pd.DataFrame, not_recorded: pd.DataFrame, items: list,
                         withheld: Withheld, tables: ThemeTables) -> Section:
    """How much is not recorded, and the bounds that puts on each verdict."""
    section = Section("not_recorded", "Incomplete recording, and the bounds it puts on each conclusion")
    if not_recorded.empty and not items:
        section.unavailable = missing_local_sentence(ctx, "the 'not recorded' shares")
        return section
    if QUOTES_FROM in tables.sources.table_2_3:  # the quotes are that report's, not any board's
        section.paragraphs.append("Ofsted's inspection of the board asked it to \u201c" + OFSTED_QUOTE + "\u201d The "
                                  "board's report adds that \u201c" + BOARD_QUOTE + "\u201d")
    chart = not_recorded_chart(not_recorded, withheld, tables.sources)
    if chart is not None:
        section.charts.append((chart, tables.not_recorded))
    if items:
        section.charts.append((bounds_chart(items, withheld, tables.sources), tables.bounds))
    for group, population, row in items:
        sentence = bounds_sentence(withheld, group, population, row)
        if sentence:
            section.paragraphs.append(sentence)
    inconclusive = [row for _, row in shares[shares["conclusion_95"] == INCONCLUSIVE].iterrows()
                    if not withheld.range_hidden(row)]
    if inconclusive:
        periods_by_item: dict[tuple[str, str], list[str]] = {}
        for row in inconclusive:
            periods_by_item.setdefault((row["group"], row["population"]), []).append(row["period"])
        parts = [f"{GROUP_BY_KEY[group].short} among {POPULATION_BY_KEY[population].unit} ({', '.join(periods)})"
                 for (group, population), periods in periods_by_item.items()]
        section.paragraphs.append("Every verdict over time that becomes inconclusive once the unrecorded are allowed "
                                  "for: " + "; ".join(parts) + ".")
    return section


def _fit_sentence(group: Group, row: pd.Series, fit: GoodnessOfFit, withheld_mix: bool) -> str:
    """The chi-squared test of one recorded mix, in words (withheld, unreliable, or its verdict)."""
    when = snapshot_phrase(row["period_end"])
    if withheld_mix:
        return (f"The test of the {group.breakdown} mix {when} against the School Census mix is withheld: it rests on a "
                "withheld small number.")
    if not fit.reliable:
        return (f"The test of the {group.breakdown} mix {when} against the School Census mix is not reliable: a group "
                "expects fewer than 5 children, so it is not interpreted.")
    chance = chance_words(fit.p_value)
    verdict = ("differs significantly from the School Census mix" if fit.p_value < 0.05
               else "is not significantly different from the School Census mix")
    return (f"The {group.breakdown} mix of children on plans {when} {verdict} (a difference "
            f"this large would arise by chance {chance}). With two recorded categories "
            "this asks the same question as the share comparison, of the whole mix.")


def section_mix(ctx: Context, latest: dict, mix: list[dict], withheld: Withheld, tables: ThemeTables) -> Section:
    """The recorded ethnicity and language mix of children on plans against the School Census."""
    section = Section("mix", "Ethnicity and language mix of children on plans against the School Census")
    if not mix:
        if any(population == "plans" for population, _ in latest):
            section.unavailable = (f"No School Census benchmark in the data is dated on or before "
                                   f"{long_date(ctx.period.end)}, so the mix of children on plans cannot be tested "
                                   "against it.")
        else:
            section.unavailable = missing_local_sentence(ctx, "the ethnicity and language mix of children on plans")
        return section
    section.paragraphs.append("The test compares the recorded categories only (unborn children and records without "
                              "ethnicity or language are left out) with the School Census shares of the same "
                              "categories, rescaled to add up to 100%.")
    mix_table, keys = tables.mix, tables.mix_keys
    for result in mix:
        group = result["group"]
        withheld_mix = any(withheld.hidden(key, children, "mix")
                           for key, children in zip(keys, mix_table.frame["Children"]) if key[2] == group.key)
        section.paragraphs.append(_fit_sentence(group, result["row"], result["fit"], withheld_mix))
    chart = mix_chart(mix_table, keys, withheld, tables.sources)
    if chart is not None:
        section.charts.append((chart, mix_table))
    else:
        section.tables.append(mix_table)
    section.tables.append(tables.fit)
    return section


def section_census(ctx: Context, census: pd.DataFrame) -> Section:
    """Census 2021 ethnicity of the area's residents, beside England: context, not a benchmark."""
    section = Section("census_2021", "Census 2021: ethnicity of the area's residents (context)")
    area, england = census_summary(census, "area"), census_summary(census, "England")
    if area is None:
        section.unavailable = f"Census 2021 ethnicity is not in the data for {ctx.area_name} ({ctx.area_code})."
        return section
    section.paragraphs.append(
        f"The census counts every usual resident, of all ages, not only children, on census day ({census_timing(ctx)}), "
        "and its 20 ethnic groups differ from the board's categories. For "
        "comparison they are mapped to the board's two: every 'White' group (including Gypsy or Irish Traveller and "
        "Roma) to 'White British/Irish/Other', every other group to 'BME'. It is context, not a benchmark: no verdict "
        "here uses it.")
    sentence = (f"In Census 2021, {fmt_percent(area['bme_share'])} of {ctx.area_name}'s residents of all ages were in "
                f"a BME group on this mapping"
                + (f", against {fmt_percent(england['bme_share'])} in England (England only, without Wales)"
                   if england else ""))
    sentence += (f"; counting Gypsy or Irish Traveller and Roma residents as BME gives "
                 f"{fmt_percent(area['bme_incl_gypsy_roma_share'])}, and everyone other than White British, "
                 f"{fmt_percent(area['not_white_british_share'])}.")
    section.paragraphs.append(sentence)
    if area["largest_minority"]:
        section.paragraphs.append(f"The largest group outside the White groups was {area['largest_minority']} "
                                  f"({fmt_percent(area['largest_minority_share'])} of residents).")
    broad = census_broad_table(ctx.area_name, area, england)
    section.charts.append((census_chart(ctx, broad, area, england), broad))
    section.tables.append(census_detail_table(ctx.area_name, census))
    return section
