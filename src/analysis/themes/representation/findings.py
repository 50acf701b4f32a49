"""The representation theme's key figures, key findings and caveats.

Key findings are chosen by an explicit ranking (:data:`FINDING_RANKING`): children on plans
before referrals (Ofsted's question and the board's headline), and within each, ethnicity, then
language, then disability; the Census 2021 context comes last. At most
:data:`MAX_KEY_FINDINGS` are kept.
"""

from __future__ import annotations

from typing import Any, Callable

import pandas as pd

from ...formatting import fmt_count, fmt_interval, fmt_number, fmt_percent, is_missing
from ...stats.disclosure import SUPPRESSED
from ...report.words import join_words
from ...periods import long_date, short_date
from ..context import Context, limit_caveats
from .frames import census_summary, latest_items
from .groups import (
    GROUP_BY_KEY,
    INCONCLUSIVE,
    NO_BOUNDS,
    POPULATION_BY_KEY,
    TABLES,
    THEME_MEASURES,
    TOTAL_MEASURES,
    TOTAL_TABLES,
)
from .sections import change_finding, share_sentence
from .withheld import Withheld, count_key
from .wording import census_timing, missing_local_sentence, snapshot_phrase

MAX_KEY_FINDINGS = 6


# ------------------------------------------------------------------------------------------
# key figures
# ------------------------------------------------------------------------------------------
def _rounded(value: Any) -> Any:
    """A number for the JSON summary (six decimals), or None when blank."""
    if is_missing(value):
        return None
    return round(float(value), 6)


def key_figures(latest: dict, census: pd.DataFrame, withheld: Withheld) -> dict[str, Any]:
    """Flat, JSON-safe headline numbers (percent unless the name says count; "c" = withheld)."""

    def count(row: pd.Series | None) -> Any:
        if row is None or is_missing(row["count"]):
            return None
        return SUPPRESSED if withheld.row_hidden(row) else int(row["count"])

    def share(row: pd.Series | None, column: str = "share") -> Any:
        if row is None:
            return None
        return SUPPRESSED if withheld.row_hidden(row) else _rounded(row[column])

    def verdict(row: pd.Series | None, column: str = "verdict_95") -> Any:
        return None if row is None or withheld.row_hidden(row) else row[column]

    def benchmark(*rows: pd.Series | None) -> Any:
        """The benchmark of the first row there is (plans, else referrals)."""
        for row in rows:
            if row is not None:
                return _rounded(row["benchmark"])
        return None

    disabled_plans, bme_plans = latest.get(("plans", "disabled")), latest.get(("plans", "bme"))
    non_english_plans = latest.get(("plans", "non_english"))
    bme_referrals, disabled_referrals = latest.get(("referrals", "bme")), latest.get(("referrals", "disabled"))
    non_english_referrals = latest.get(("referrals", "non_english"))
    area, england = census_summary(census, "area"), census_summary(census, "England")
    return {
        "cp_date": short_date(disabled_plans["period_end"]) if disabled_plans is not None else None,
        "cp_total": None if disabled_plans is None else int(disabled_plans["denominator"]),
        "disabled_cp_count": count(disabled_plans),
        "disabled_cp_percent": share(disabled_plans),
        "disabled_prevalence_percent": benchmark(disabled_plans, disabled_referrals),
        "disabled_cp_verdict_95": verdict(disabled_plans),
        "disabled_cp_verdict_99_8": verdict(disabled_plans, "verdict_99_8"),
        "bme_cp_percent": share(bme_plans),
        "bme_cp_count": count(bme_plans),
        "bme_cp_lower_95": share(bme_plans, "lower_95"),
        "bme_cp_upper_95": share(bme_plans, "upper_95"),
        "bme_school_census_percent": benchmark(bme_plans, bme_referrals),
        "bme_cp_verdict_95": verdict(bme_plans),
        "bme_cp_verdict_99_8": verdict(bme_plans, "verdict_99_8"),
        "bme_cp_relative_rate_index": share(bme_plans, "rri"),
        "non_english_cp_percent": share(non_english_plans),
        "non_english_cp_count": count(non_english_plans),
        "non_english_school_census_percent": benchmark(non_english_plans, non_english_referrals),
        "non_english_cp_verdict_95": verdict(non_english_plans),
        "referrals_period": bme_referrals["period"] if bme_referrals is not None else None,
        "bme_referrals_percent": share(bme_referrals),
        "ethnicity_not_recorded_referrals_percent": (None if bme_referrals is None
                                                     else _rounded(bme_referrals["not_recorded_share"])),
        "bme_referrals_verdict_95": verdict(bme_referrals),
        "bme_referrals_conclusion_95": verdict(bme_referrals, "conclusion_95"),
        "disabled_referrals_percent": share(disabled_referrals),
        "census_2021_bme_percent_all_ages": _rounded(area["bme_share"]) if area else None,
        "census_2021_bme_percent_all_ages_england": _rounded(england["bme_share"]) if england else None,
    }


# ------------------------------------------------------------------------------------------
# key findings
# ------------------------------------------------------------------------------------------
def _without_full_stop(sentence: str) -> str:
    return sentence[:-1]


def _bme_on_plans(withheld: Withheld, row: pd.Series) -> str:
    """The BME share of children on plans, whether unrecorded ethnicity could change its verdict, and its RRI."""
    sentence = share_sentence(withheld, GROUP_BY_KEY["bme"], POPULATION_BY_KEY["plans"], row, with_998=True)
    if withheld.row_hidden(row):
        return sentence
    if row["conclusion_95"] not in (None, NO_BOUNDS, INCONCLUSIVE) and not withheld.range_hidden(row):
        sentence = _without_full_stop(sentence) + (
            f"; ethnicity was not recorded for {fmt_percent(row['not_recorded_share'])} of them, so the verdict holds "
            "whatever their ethnicity.")
    if not is_missing(row["rri"]):
        sentence = _without_full_stop(sentence) + (
            f" (rate ratio {fmt_number(row['rri'], 2)}: their rate of being on a plan was "
            f"{fmt_number(row['rri'], 2)} times other children's, 95% confidence interval "
            f"{fmt_interval(row['rri_lower'], row['rri_upper'], 'ratio')}).")
    return sentence


def _non_english_on_plans(withheld: Withheld, row: pd.Series) -> str:
    return share_sentence(withheld, GROUP_BY_KEY["non_english"], POPULATION_BY_KEY["plans"], row, with_998=True)


def _disabled_on_plans(withheld: Withheld, row: pd.Series) -> str:
    sentence = share_sentence(withheld, GROUP_BY_KEY["disabled"], POPULATION_BY_KEY["plans"], row, with_998=True)
    return _without_full_stop(sentence) + "; with no 'not recorded' figure for disability, the share cannot be bounded."


def _bme_referrals(withheld: Withheld, row: pd.Series) -> str:
    """The BME share of referrals and what unrecorded ethnicity allows it to be."""
    sentence = share_sentence(withheld, GROUP_BY_KEY["bme"], POPULATION_BY_KEY["referrals"], row)
    if withheld.range_hidden(row):
        return sentence
    if row["conclusion_95"] == INCONCLUSIVE:
        return _without_full_stop(sentence) + (
            f", but ethnicity was not recorded for {fmt_percent(row['not_recorded_share'])}: the BME share could be "
            f"anywhere from {fmt_percent(row['bound_none'])} to {fmt_percent(row['bound_all'])}, so whether BME "
            "children are under-represented among referrals is inconclusive.")
    if row["conclusion_95"] not in (None, NO_BOUNDS):
        return _without_full_stop(sentence) + (
            f"; ethnicity was not recorded for {fmt_percent(row['not_recorded_share'])}, and the verdict holds "
            "whatever their ethnicity.")
    return sentence


def _disabled_referrals(withheld: Withheld, row: pd.Series) -> str:
    return share_sentence(withheld, GROUP_BY_KEY["disabled"], POPULATION_BY_KEY["referrals"], row)


#: The share findings, most important first: (population, group, how its sentence is written).
FINDING_RANKING: tuple[tuple[str, str, Callable[[Withheld, pd.Series], str]], ...] = (
    ("plans", "bme", _bme_on_plans),
    ("plans", "non_english", _non_english_on_plans),
    ("plans", "disabled", _disabled_on_plans),
    ("referrals", "bme", _bme_referrals),
    ("referrals", "disabled", _disabled_referrals),
)


def headline_changes(changes: list[dict]) -> list[str]:
    """This period's significant changes over the year, largest first, chosen from the full figures:
    where one rests on a withheld count, the sentence says it is withheld (never a lesser change)."""
    significant = [change for change in changes if change["change"].significant_95]
    significant.sort(key=lambda change: -abs(float(change["change"].effect)))
    return [change_finding(change) for change in significant]


def disability_against_the_report(latest: dict, withheld: Withheld) -> str | None:
    """The board's own word for the disabled share of children on plans ("concerning", against
    its 6%) set against what the data show, for plans and for referrals."""
    plans, referrals = latest.get(("plans", "disabled")), latest.get(("referrals", "disabled"))
    if plans is None or is_missing(plans["share"]) or plans["verdict_95"] is None or withheld.row_hidden(plans):
        return None
    sentence = (f"The board's report calls {fmt_percent(plans['share'])} of children on plans being disabled "
                f"\u201cconcerning\u201d against the {fmt_percent(plans['benchmark'])} it gives for prevalence. ")
    interval = f"95% confidence interval {fmt_interval(plans['lower_95'], plans['upper_95'], 'percent')}"
    if plans["verdict_95"] == "lower":
        sentence += f"The data support that: the share is significantly lower ({interval})."
    else:
        sentence += (f"On this year's figures the data support it less strongly than the report says: the share is "
                     f"{plans['verdict_95']} from {fmt_percent(plans['benchmark'])} ({interval}), so it may be chance.")
    if (referrals is not None and not withheld.row_hidden(referrals) and referrals["verdict_95"] == "lower"
            and not is_missing(referrals["share"])):
        sentence += (f" They support concern more strongly for referrals: {fmt_percent(referrals['share'])} of "
                     f"referrals ({referrals['period']}) were for disabled children, significantly lower than "
                     f"{fmt_percent(referrals['benchmark'])}.")
    return sentence


def key_findings(ctx: Context, latest: dict, census: pd.DataFrame, withheld: Withheld,
                 changes: list[dict] | None = None, board_quotes: bool = False) -> list[str]:
    """This period's significant changes first, then the ranked share findings that have a printed
    share (the disabled share of plans set against the board's own word for it, where the
    board's report is the source of its quotes), then the Census 2021 context; at most six."""
    findings: list[str] = headline_changes(changes or [])
    for population, group, sentence in FINDING_RANKING:
        row = latest.get((population, group))
        if row is not None and not is_missing(row["share"]):
            findings.append(sentence(withheld, row))
            if (population, group) == ("plans", "disabled") and board_quotes:
                reconciled = disability_against_the_report(latest, withheld)
                if reconciled:
                    findings[-1] = _without_full_stop(findings[-1]) + ". " + reconciled
    if not latest:
        findings.append(missing_local_sentence(ctx, "the representation of BME, non-English-speaking and disabled "
                                                    "children among referrals and children on plans"))
    area, england = census_summary(census, "area"), census_summary(census, "England")
    if area:
        findings.append(f"For context, {fmt_percent(area['bme_share'])} of {ctx.area_name}'s residents of all ages "
                        "were in a BME group in Census 2021"
                        + (f" (England, without Wales, {fmt_percent(england['bme_share'])})." if england else "."))
        if not latest and area["largest_minority"]:
            findings.append(f"The largest group outside the White groups in {ctx.area_name} was "
                            f"{area['largest_minority']} ({fmt_percent(area['largest_minority_share'])} of residents).")
    return findings[:MAX_KEY_FINDINGS]


# ------------------------------------------------------------------------------------------
# caveats
# ------------------------------------------------------------------------------------------
def theme_findings(ctx: Context) -> pd.DataFrame:
    """Data-quality findings that touch this theme, from the context's (already up to the period end).

    Kept: findings about tables 2.3 and 4.2 for the measures this theme reads (table 4.2's age,
    gender and category counts belong to the CP trends appendix), and findings about the totals
    it divides by (children on plans, referrals) in tables 3.1, 2.1, 4.2 or the DfE returns.
    """
    findings = ctx.findings
    if findings.empty:
        return findings
    tables = findings["source_tables"].astype(str).str.split(",").apply(lambda names: {name.strip() for name in names})
    ours = tables.apply(lambda names: bool(names & set(TABLES))) & findings["measure"].isin(THEME_MEASURES)
    totals = findings["measure"].isin(TOTAL_MEASURES) & tables.apply(lambda names: bool(names & set(TOTAL_TABLES)))
    return findings[ours | totals].reset_index(drop=True)


def _reconstruction_caveat(latest: dict, withheld: Withheld) -> str | None:
    """How a count is reconstructed, worked through on the BME share of plans (else the first latest row)."""
    example = latest.get(("plans", "bme"))
    if example is None or is_missing(example["count"]):
        example = next(iter(latest.values()))
    if is_missing(example["count"]):
        return None
    unit = "children" if example["population"] == "plans" else "referrals"
    count = withheld.count_words_for(example["count"], unit,
                                     count_key(example["population"], example["group"], example["period_end"]))
    return ("Counts are reconstructed: the board prints percentages only, so each count is the printed share × the "
            f"printed total, rounded (e.g. {fmt_percent(example['share'])} of {fmt_count(example['denominator'])} "
            f"gives {count}). A share printed to one decimal place fits a range of counts; the intervals use the "
            "nearest whole number.")


def unreachable_note(shares: pd.DataFrame, withheld: Withheld) -> str | None:
    """Printed shares no whole count out of the printed total can give (shown unless they rest on
    withheld counts): a note under the trends, where those shares are charted."""
    unreachable = shares[(shares["share_reachable"] == False) & shares["share"].notna()]  # noqa: E712
    if not len(unreachable):
        return None
    shown = [row for _, row in unreachable.iterrows() if not withheld.row_hidden(row, "trend")]
    text = (f"{fmt_count(len(unreachable))} printed share(s) cannot come from any whole number out of the printed "
            "total, so share and total disagree (kept as printed; the nearest count is used)")
    if shown:
        text += ": " + "; ".join(f"{GROUP_BY_KEY[row['group']].short} {fmt_percent(row['share'])} of "
                                 f"{fmt_count(row['denominator'])} ({row['period']})" for row in shown)
    if len(shown) < len(unreachable):
        text += ("; " if shown else ": ") + "the others rest on withheld small numbers"
    return text + "."


BENCHMARK_MISMATCH = (
    "The comparisons are not like for like: the School Census (January 2017) counts pupils in Reception to Year 11, "
    "while plans and referrals include children from before birth to 17; the 6% disability figure is a UK average "
    "from a national survey of households (the Family Resources Survey 2011/12), which counts children to age 19 and "
    "defines disability differently from social care records (the report's narrative calls it Warwickshire's "
    "prevalence; its table calls it a national average).")


def caveats(ctx: Context, shares: pd.DataFrame, latest: dict, census: pd.DataFrame, findings: pd.DataFrame,
            withheld: Withheld) -> list[str]:
    """What a reader must know before relying on the figures, at most five, the most important
    first; the data-quality findings are in the index page's annex (one caveat points there)."""
    out: list[str] = []
    if latest:
        reconstruction = _reconstruction_caveat(latest, withheld) or ""
        unvalidated = shares[shares["unvalidated"]]
        if not unvalidated.empty:
            dates = sorted({(end, long_date(end)) for end in unvalidated["period_end"]})
            reconstruction += (f"{' ' if reconstruction else ''}The board marks its total of children on plans at "
                               f"{join_words([text for _, text in dates])} as not yet validated, so the shares at "
                               "that date rest on a total that may change.")
        if reconstruction:
            out.append(reconstruction)
        out.append(BENCHMARK_MISMATCH)
        if (shares["population"] == "referrals").any():
            out.append("Referral shares count referrals, not children (a child referred twice counts twice), yet their "
                       "intervals treat referrals as independent; the 2017/18 quarterly shares are cumulative from "
                       "1 April and, the board warns, may change after year-end validation.")
    if not census.empty:
        out.append(f"Census 2021 is dated {census_timing(ctx)}, and counts residents of all ages: "
                   "it is shown for context only and enters no verdict.")
    if latest:
        bme = latest.get(("plans", "bme"))
        if (bme is not None and not withheld.row_hidden(bme) and not is_missing(bme["complement_count"])
                and bme["count"] > 0):
            recorded = bme["count"] / (bme["count"] + bme["complement_count"]) * 100.0
            out.append("Unborn children are in the totals but have no ethnicity or language and are not in the School "
                       "Census: among children on plans with ethnicity recorded, the BME share "
                       f"{snapshot_phrase(bme['period_end'])} is {fmt_percent(recorded)} rather than "
                       f"{fmt_percent(bme['share'])}.")
        small = [f"{group.short} ({population.label})" for group, population, row in latest_items(latest)
                 if not is_missing(row["count"]) and row["count"] < 10]
        if small:
            out.append("Small numbers: the latest shares for " + join_words(small) + " rest on fewer than 10 records, so "
                       "their intervals are wide.")
    return limit_caveats(out, findings)
