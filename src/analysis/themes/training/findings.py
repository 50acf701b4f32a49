"""The training theme's findings: the sentences that state them, the key findings (chosen by
:data:`FINDING_RANKING`), the caveats and the machine-readable key figures.

:func:`uptake_sentence` and :func:`not_yet_available` are also the sections' sentences
(:mod:`.sections` imports them), so a key finding and its section always say the same.
"""

from __future__ import annotations

import pandas as pd

from ...formatting import fmt_count, fmt_gbp, fmt_interval, fmt_number, fmt_percent, is_missing, round_half_up
from ...report.words import CountWords, verdict_phrase
from ...stats import conf_label
from ..context import Context, limit_caveats
from .frames import (
    CONF,
    TABLES,
    Budget,
    Programme,
    Uptake,
    disagreements,
    fmt_plain_number,
    is_lower_bound,
    narrative_check,
)
from ...periods import long_date

#: At most this many key findings are shown.
MAX_KEY_FINDINGS = 6

#: Kinds of key finding, most important first: the first ``MAX_KEY_FINDINGS`` findings that
#: apply, in this order, are the key findings (a kind may give several, one per agency).
FINDING_RANKING = (
    "programme",  # what the year's programme delivered, and whether it agrees with the narrative
    "largest_course",  # the course giving the most learning hours, unless its delegates are withheld
    "agency_uptake",  # each named agency's attendance against its share of the funding
    "other_contributors",  # the contributing agencies whose attendance the report does not give
    "budget",  # income against expenditure
    "conference",  # only without the year's programme: the conference held so far
    "not_available",  # only without the year's programme: why, and where the figures would come from
)

#: Section 8's agencies whose figures go into the key figures, with the key's prefix.
KEY_FIGURE_AGENCIES = (("Police", "police"), ("Health", "health"))


# --------------------------------------------------------------------------- sentences the sections share


def not_yet_available(ctx: Context, measures: list[str], what: str) -> str:
    """Why a section is unavailable: no board data for the area at all, or none by this period.

    ``what`` names the figures without an article, e.g. "training course figures". The sentence
    never names a date after the run's period (a Q2 run must not learn when later data ends).
    """
    if not ctx.has_local():
        return (f"There is no safeguarding board data for {ctx.area_name} in the data folder. A board's {what} come "
                "only from its own annual report (the DfE publishes no training or board budget figures), so this "
                "section cannot be produced; add the board's figures as a local dataset to see it.")
    when = f"{ctx.period.label}, ending {long_date(ctx.period.end)}"
    any_period = ctx.ds.select(measures, area_code=ctx.area_code)
    any_period = any_period[any_period["source"] != "dfe"]
    if any_period.empty:
        return f"The board's data for {ctx.area_name} holds no {what}."
    if set(any_period["period_type"]) == {"financial_year"} and ctx.period.quarter not in (None, 4):
        return (f"The board's {what} cover a whole financial year (1 April to 31 March), so they appear from the run "
                f"for the year's last quarter (Q4); this run's period is {when}.")
    return (f"The board's data holds no {what} for periods ending by {long_date(ctx.period.end)} "
            f"(this run: {ctx.period.label}).")


def uptake_sentence(row, base_delegates: float | None, counts: CountWords, has_budget: bool = True) -> str:
    """One agency's attendance against its funding, with interval and verdict (a full sentence).

    ``row``: a row of ``Uptake.frame`` (from ``itertuples``). ``has_budget``: the year's income
    lines are in the data (when False, rather than this agency missing from them).
    """
    payer = row.funder or row.agency
    if pd.isna(row.funding_percent):
        sentence = f"{row.attendance_label} made up {fmt_percent(row.attendance_percent, 0)} of training attendance"
    else:
        who = "" if row.attendance_label == payer else f"{row.attendance_label} staff "
        sentence = (f"{payer} paid {fmt_percent(row.funding_percent)} of the board's income "
                    f"({fmt_gbp(row.contribution_gbp)}) and {who}made up {fmt_percent(row.attendance_percent, 0)} "
                    "of training attendance")
    if base_delegates and not pd.isna(row.lower):
        sentence += (f" (about {counts.text(row.implied_delegates)} of the year's {counts.text(base_delegates)} "
                     f"course delegates, if that is the base; 95% CI {fmt_interval(row.lower, row.upper)})")
    if not pd.isna(row.ratio):
        sentence += f": {fmt_number(row.ratio, 2)} times its funding share"
    if row.verdict:
        sentence += ", " + verdict_phrase(row.verdict, "it", level=conf_label(CONF),
                                          comparatives=("above", "below"))
        if row.robust is False:
            sentence += (" — but not robustly so, since the printed share is rounded to a whole percent and the "
                         "verdict changes within that rounding")
    if pd.isna(row.funding_percent) and has_budget:
        sentence += "; it has no matching line in the board's income, so no funding share"
    elif pd.isna(row.funding_percent):
        sentence += ("; the board's income by agency is not in the data for that year, so it cannot be set against "
                     "funding")
    return sentence + "."


# --------------------------------------------------------------------------- key findings
def key_findings(ctx: Context, programme: Programme | None, budget: Budget | None, uptake: Uptake | None,
                 conference_rows: pd.DataFrame) -> list[str]:
    """The key findings: each kind's sentences in the order of :data:`FINDING_RANKING`, cut to
    :data:`MAX_KEY_FINDINGS`."""
    counts = CountWords(ctx.disclosure)
    by_kind: dict[str, list[str]] = {}
    if programme is not None:
        by_kind["programme"] = [_programme_finding(programme, counts)]
        by_kind["largest_course"] = _largest_course_finding(programme, counts)
    if uptake is not None:
        named = uptake.frame[~uptake.frame["remainder"]]
        by_kind["agency_uptake"] = [uptake_sentence(row, uptake.base_delegates, counts, uptake.has_budget)
                                    for row in named.itertuples(index=False)]
        if uptake.has_budget:
            by_kind["other_contributors"] = _other_contributors_finding(named, budget)
    if budget is not None:
        by_kind["budget"] = [f"The board spent {fmt_gbp(budget.expenditure_total)} against income of "
                             f"{fmt_gbp(budget.income_total)} in {budget.fy}, a {budget.gap_word} of "
                             f"{fmt_gbp(abs(budget.deficit))}."]
    if programme is None:
        by_kind["conference"] = _conference_finding(conference_rows, counts)
        by_kind["not_available"] = _unavailable_findings(ctx, conference_rows, budget)
    ranked = [finding for kind in FINDING_RANKING for finding in by_kind.get(kind, [])]
    return ranked[:MAX_KEY_FINDINGS]


def _programme_finding(programme: Programme, counts: CountWords) -> str:
    agrees = not disagreements(narrative_check(programme))
    per_event = programme.delegates_per_event
    # events and courses are not people: only the delegates follow the disclosure mode
    return (f"In {programme.fy} the board delivered {fmt_count(programme.events)} training events from a "
            f"programme of {fmt_count(programme.n_courses)} courses to {counts.text(programme.delegates)} delegates"
            + (f" ({fmt_number(per_event, 1)} per event)" if per_event is not None else "")
            + f", {fmt_plain_number(programme.learning_hours)} hours of practitioner learning in all; the course table "
            + ("agrees with" if agrees else "does not agree with") + " the totals printed in the report.")


def _largest_course_finding(programme: Programme, counts: CountWords) -> list[str]:
    """The course giving the most learning hours, with its shares; none when its delegates are withheld."""
    learning_hours = programme.courses["learning_hours"]
    if not learning_hours.notna().any():
        return []
    largest = programme.courses.loc[learning_hours.idxmax()]
    if counts.withheld(largest["delegates"]):
        return []
    return [f"One course, '{largest['course']}', accounted for {fmt_percent(largest['delegates_share'], 1)} of "
            f"delegates and {fmt_percent(largest['learning_hours_share'], 1)} of learning hours."]


def _other_contributors_finding(named: pd.DataFrame, budget: Budget) -> list[str]:
    """The contributing agencies with no attendance given, and their share of the income."""
    given = set(named["funder"].dropna())
    rest = [agency for agency in budget.income["agency"] if agency not in given]
    if not rest:
        return []
    share = sum(budget.funding_share(agency) or 0 for agency in rest)
    return ["The report gives no attendance for the other contributing agencies (" + ", ".join(rest)
            + f"), who paid {fmt_percent(share)} of the income between them, so their return on contribution "
            "cannot be judged."]


def _conference_finding(conference_rows: pd.DataFrame, counts: CountWords) -> list[str]:
    """The latest conference in the period, if any."""
    if conference_rows.empty:
        return []
    latest = conference_rows.iloc[-1]
    more_than = "more than " if is_lower_bound(latest["flags"]) else ""
    return [f"The annual conference in {latest['period_end']:%B %Y} attracted {more_than}"
            f"{counts.text(latest['value'])} multi-agency practitioners."]


def _unavailable_findings(ctx: Context, conference_rows: pd.DataFrame, budget: Budget | None) -> list[str]:
    """Plain sentences for a run without the year's programme: why, and where the figures are."""
    if not ctx.has_local():
        return [f"There is no safeguarding board data for {ctx.area_name} in the data folder, and training uptake "
                "comes only from a board's own annual report.",
                "The Department for Education publishes no figures on partnership training or board budgets, so no "
                "national data can stand in for the board's own.",
                "To produce this appendix, add the board's course table, its attendance by agency and its budget "
                "lines as a local dataset in the toolkit's tidy format."]
    out = [not_yet_available(ctx, ["training_events", "training_delegates"], "training course figures")]
    if budget is None and ctx.period.quarter in (None, 4):
        out.append(f"The board's data holds no income and expenditure for a year ending by "
                   f"{long_date(ctx.period.end)}, so whether partners get a return on their contribution cannot be "
                   "examined.")
    elif budget is None:
        out.append("The board's income and expenditure are also reported for the whole year, so whether partners get a "
                   "return on their contribution can only be examined in a year-end appendix.")
    if conference_rows.empty:
        out.append("No other training figure in the board's data falls within this period.")
    return out


# --------------------------------------------------------------------------- caveats
def caveats(ctx: Context, programme: Programme | None, budget: Budget | None, uptake: Uptake | None) -> list[str]:
    """What a reader should bear in mind, at most five, the most important first: assumptions,
    lower bounds, the lack of a benchmark, flags and small numbers; the data checks' findings are
    in the index page's annex (one caveat points there)."""
    out = []
    if uptake is not None:
        out.append("Attendance by agency is given only for two agencies, as whole percentages with no stated base; "
                   "intervals assume a base of the course table's delegates, and Police attendance was 'almost "
                   "entirely related to one course'.")
        out.append("'Health' attendance is set against the Health clinical commissioning groups' contribution; the "
                   "report does not say whether it includes NHS hospital and community trusts, which do not fund the "
                   "board directly.")
    rows = ctx.local(["training_events", "training_delegates", "course_hours", "training_attendance_share",
                      "conference_attendees", "budget_income", "budget_expenditure"])
    if rows["flags"].str.contains("lower_bound").any():
        out.append("The conference attendance is printed as 'more than' a number: a lower bound, not a count.")
    if ctx.has_local():
        out.append("There is no national benchmark: the DfE publishes no figures on safeguarding partnership training "
                   "or budgets, so comparisons are within the board only.")
    if rows["flags"].str.contains("unvalidated").any():
        out.append("Some of these figures are marked by the board as not yet validated.")
    if programme is not None and disagreements(narrative_check(programme)):
        out.append("The course table does not agree with the narrative's printed totals; both are shown.")
    if budget is not None:
        for label, _sum_of_lines, _printed in budget.printed_totals_that_differ():
            out.append(f"The printed {label} total differs from the sum of its lines; the sum is used.")
    if programme is not None and programme.some_courses_ran_few_times:
        out.append("Small numbers: some courses ran fewer than six times, so figures per event for them rest on very "
                   "few sessions.")
    return limit_caveats(out, ctx.findings_for(TABLES))


# --------------------------------------------------------------------------- key figures
def _rounded(value: float | None, decimals: int) -> float | None:
    """A key figure rounded half-up as published (None when missing)."""
    return None if is_missing(value) else float(round_half_up(float(value), decimals))


def key_figures(ctx: Context, programme: Programme | None, budget: Budget | None, uptake: Uptake | None) -> dict:
    """The figures for the run's summary (counts as ``"c"`` when withheld in public mode)."""
    counts = CountWords(ctx.disclosure)
    figures: dict = {}
    if programme is not None:
        figures.update({
            "financial_year": programme.fy,
            "courses": programme.n_courses,  # courses and events are not people: never withheld
            "courses_printed_total": programme.printed.get("training_courses"),
            "events": programme.events,
            "events_printed_total": programme.printed.get("training_events"),
            "delegates": counts.key_figure(programme.delegates),
            "learning_hours": programme.learning_hours,
            "course_hours_delivered": programme.course_hours_delivered,
            "delegates_per_event": _rounded(programme.delegates_per_event, 1),
        })
    if uptake is not None:
        by_label = uptake.frame.set_index("attendance_label")
        for label, key in KEY_FIGURE_AGENCIES:
            if label not in by_label.index:
                continue
            row = by_label.loc[label]
            figures[f"{key}_attendance_percent"] = float(row["attendance_percent"])
            figures[f"{key}_funding_percent"] = _rounded(row["funding_percent"], 1)
            figures[f"{key}_attendance_to_funding_ratio"] = _rounded(row["ratio"], 2)
            figures[f"{key}_attendance_ci_lower"] = _rounded(row["lower"], 1)
            figures[f"{key}_attendance_ci_upper"] = _rounded(row["upper"], 1)
            figures[f"{key}_verdict"] = row["verdict"]
            figures[f"{key}_verdict_robust_to_rounding"] = None if row["robust"] is None else bool(row["robust"])
    if budget is not None:
        figures.update({"income_total": budget.income_total, "expenditure_total": budget.expenditure_total,
                        "deficit": budget.deficit})
    return figures
