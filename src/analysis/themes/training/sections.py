"""The training theme's sections: the sentences, the tables and which chart goes where.

One function per section key (``programme``, ``conference``, ``uptake``, ``budget``,
``data_gaps``), each taking the frames of :mod:`.frames` and returning a
:class:`~analysis.report.model.Section`; a section whose figures the run cannot see says why
(:func:`.findings.not_yet_available`). Sentences that are also key findings come from
:mod:`.findings`. Counts in sentences follow the disclosure mode through
:class:`~analysis.report.words.CountWords`; tables hold raw numbers and the display suppresses them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...formatting import fmt_count, fmt_gbp, fmt_number, fmt_percent
from ...report.model import Section, Table
from ...report.words import CountWords
from ...stats.disclosure import NOT_AVAILABLE
from ...periods import fy_label
from ..context import Context
from .charts import budget_chart, course_chart, uptake_chart
from .findings import not_yet_available, uptake_sentence
from .frames import (
    AGREE,
    Budget,
    Programme,
    Uptake,
    disagreements,
    fmt_plain_number,
    is_lower_bound,
    narrative_check,
    training_source,
)

TOTAL_LABEL = "Total (sum of the course rows)"
#: Course length is shown as text with its unit ("3.5 hours", as the report prints "(3.5hrs)"): it
#: is a duration, not a count, and a bare "3" would read as a count that public mode should hide.
LENGTH_COLUMN = "Length of one course"
NOT_APPLICABLE = "z"
NOT_CONTRIBUTING_LABEL = "Organisations not contributing to the budget"
EVENTS_COLUMN = "Events (times delivered)"
IMPLIED_DELEGATES_COLUMN = "Implied delegates (share × course delegates)"
COURSE_LENGTH_NOTE = "z = not applicable (the total has no single course length)."


# --------------------------------------------------------------------------- table helpers
def length_text(hours: pd.Series) -> list[str]:
    """Course lengths as text with the unit: 3.5 -> "3.5 hours"; missing -> "x"."""
    return [NOT_AVAILABLE if pd.isna(h) else f"{fmt_plain_number(h)} hours" for h in hours]


def _nan_if_none(value: float | None) -> float:
    return np.nan if value is None else value


# --------------------------------------------------------------------------- the programme
def programme_section(ctx: Context, programme: Programme | None) -> Section:
    """What the year's courses delivered, checked against the narrative's totals; two charts by course."""
    section = Section("programme", "The training programme: courses, events, delegates and learning hours")
    if programme is None:
        section.unavailable = not_yet_available(ctx, ["training_events", "training_delegates"],
                                                "training course figures")
        return section
    counts = CountWords(ctx.disclosure)
    per_event = programme.delegates_per_event
    section.paragraphs.append(
        f"In {programme.fy} the board ran {fmt_count(programme.events)} training events across "  # not people
        f"{fmt_count(programme.n_courses)} courses, attended by {counts.text(programme.delegates)} delegates"
        + (f" ({fmt_number(per_event, 1)} delegates per event on average)" if per_event is not None else "")
        + f". Delegates × course length gives {fmt_plain_number(programme.learning_hours)} hours of practitioner "
        f"learning from {fmt_plain_number(programme.course_hours_delivered)} hours of teaching.")
    checks = narrative_check(programme)
    differing = disagreements(checks)
    if differing:
        section.paragraphs.append(
            "The course table does not agree with the totals printed in the report's narrative: "
            + "; ".join(f"{row['Figure'].lower()} {row['Agreement']}" for row in differing)
            + ". Both are shown as printed; ask the training officer which is right.")
    else:
        section.paragraphs.append(
            "The course table agrees with the totals printed in the report's narrative ("
            + " and ".join(f"{_figure_count(row['Printed in the narrative'], row['Figure'], counts)} "
                           f"{row['Figure'].lower()}"
                           for row in checks if row["Agreement"] == AGREE) + ").")
    if programme.some_courses_ran_few_times:
        section.paragraphs.append(
            "Some courses ran fewer than six times, so their delegates per event rest on very few sessions "
            "and say little about demand.")
    for what in ("delegates", "learning_hours"):
        section.charts.append(course_chart(programme, what, course_chart_table(programme, what), ctx.disclosure))
    section.tables.append(course_table(programme))
    section.tables.append(narrative_table(programme, checks))
    if len(programme.by_year) > 1:
        section.tables.append(by_year_table(programme))
    return section


def _figure_count(value, figure: str, counts: CountWords) -> str:
    """A programme total in words: delegates follow the disclosure mode; courses and events,
    which are not people, are always stated."""
    return counts.text(value) if figure == "Delegates" else fmt_count(value)


def course_table(programme: Programme) -> Table:
    """Every course with its events, delegates and the derived figures, then the total row.

    Events and delegates are different measures: their row sums mean nothing, so the table does
    not ask disclosure control to protect row totals (``implicit_totals=False``); the column
    totals are the printed total row.
    """
    courses = programme.courses
    per_event = programme.delegates_per_event
    frame = pd.DataFrame({
        "Course": courses["course"],
        LENGTH_COLUMN: length_text(courses["length_hours"]),
        EVENTS_COLUMN: courses["events"],
        "Delegates": courses["delegates"],
        "Delegates per event": courses["delegates_per_event"],
        "Course hours delivered (events × length)": courses["course_hours_delivered"],
        "Learning hours (delegates × length)": courses["learning_hours"],
    })
    total = {
        "Course": TOTAL_LABEL,
        LENGTH_COLUMN: NOT_APPLICABLE,
        EVENTS_COLUMN: programme.events,
        "Delegates": programme.delegates,
        "Delegates per event": per_event if per_event is not None else np.nan,
        "Course hours delivered (events × length)": programme.course_hours_delivered,
        "Learning hours (delegates × length)": programme.learning_hours,
    }
    frame = pd.concat([frame, pd.DataFrame([total])], ignore_index=True)
    return Table(
        title=f"Multi-agency training courses, {programme.fy}",
        frame=frame, source=programme.source,
        count_columns=[EVENTS_COLUMN, "Delegates"],
        people_columns=["Delegates"],  # events are not people: a count of events is never suppressed
        derived={"Delegates per event": "Delegates",
                 "Course hours delivered (events × length)": EVENTS_COLUMN,
                 "Learning hours (delegates × length)": "Delegates"},
        formats={LENGTH_COLUMN: "text", "Delegates per event": "rate",
                 "Course hours delivered (events × length)": "hours",
                 "Learning hours (delegates × length)": "hours"},
        total_row=TOTAL_LABEL,
        implicit_totals=False,
        notes=["Events: the report's 'No. of courses delivered'; delegates: its 'Total number of delegates'. Course "
               "length as printed after each course's name. Delegates per event, course hours delivered and "
               "learning hours are computed here, not printed in the report. " + COURSE_LENGTH_NOTE],
    )


#: Each figure of :func:`.frames.narrative_check` as a column heading that says what it counts.
NARRATIVE_UNITS = {"Courses": "Courses", "Events": "Events (times delivered)", "Delegates": "Delegates (people)"}
NARRATIVE_SOURCE_COLUMN = "Total from"


def narrative_table(programme: Programme, checks: list[dict]) -> Table:
    """The course table's totals beside the narrative's (:func:`.frames.narrative_check`): one
    column per figure, so each column counts one thing (courses, training events or delegates)."""
    columns = {NARRATIVE_UNITS[row["Figure"]]: [row["Sum of the course table"], row["Printed in the narrative"]]
               for row in checks}
    frame = pd.DataFrame({NARRATIVE_SOURCE_COLUMN: ["the course table (its rows added up)", "the report's narrative"],
                          **columns})
    agreement = "; ".join(f"{NARRATIVE_UNITS[row['Figure']].lower()}: {row['Agreement']}" for row in checks)
    return Table(
        title=f"Courses, training events and delegates: the course table against the narrative's totals, "
              f"{programme.fy}",
        frame=frame, source=programme.source, count_columns=list(columns),
        people_columns=[NARRATIVE_UNITS["Delegates"]],  # courses and events are not people
        formats={NARRATIVE_SOURCE_COLUMN: "text"},
        implicit_totals=False,  # courses, events and delegates are not parts of a whole
        notes=[f"Whether the two agree: {agreement}. x = the narrative prints no such total."],
    )


def by_year_table(programme: Programme) -> Table:
    """Programme totals for each financial year in the data (a time series: years do not add up)."""
    by_year = programme.by_year.rename(columns={"year": "Financial year", "courses": "Courses", "events": "Events",
                                           "delegates": "Delegates", "learning_hours": "Learning hours"})
    return Table(title="Training programme by financial year", frame=by_year.drop(columns="time_period"),
                 source=programme.source, count_columns=["Courses", "Events", "Delegates"],
                 people_columns=["Delegates"],
                 derived={"Learning hours": "Delegates"},
                 formats={"Financial year": "text", "Learning hours": "hours"},
                 implicit_totals=False)


def course_chart_table(programme: Programme, what: str) -> Table:
    """The data behind a course chart: delegates (count) with their share (``what="delegates"``),
    or learning hours and their share (``what="learning_hours"``).

    Rows in the report's order, then a total row (the sum of the course rows).
    """
    courses = programme.courses
    frame = pd.DataFrame({"Course": courses["course"], LENGTH_COLUMN: length_text(courses["length_hours"]),
                          "Delegates": courses["delegates"]})
    total = {"Course": TOTAL_LABEL, LENGTH_COLUMN: NOT_APPLICABLE, "Delegates": programme.delegates}
    formats = {LENGTH_COLUMN: "text"}
    if what == "delegates":
        frame["Share of delegates (%)"] = courses["delegates_share"]
        total["Share of delegates (%)"] = 100.0 if programme.delegates else np.nan
        derived = {"Share of delegates (%)": "Delegates"}
        formats["Share of delegates (%)"] = "percent"
    else:
        frame["Learning hours (delegates × length)"] = courses["learning_hours"]
        frame["Share of learning hours (%)"] = courses["learning_hours_share"]
        total["Learning hours (delegates × length)"] = programme.learning_hours
        total["Share of learning hours (%)"] = 100.0 if programme.learning_hours else np.nan
        derived = {"Learning hours (delegates × length)": "Delegates", "Share of learning hours (%)": "Delegates"}
        formats.update({"Learning hours (delegates × length)": "hours", "Share of learning hours (%)": "percent"})
    frame = pd.concat([frame, pd.DataFrame([total])], ignore_index=True)
    return Table(title="", frame=frame, source=programme.source, count_columns=["Delegates"], people_columns=["Delegates"], derived=derived,
                 formats=formats, total_row=TOTAL_LABEL,
                 notes=["Delegates: the report's 'Total number of delegates'. Learning hours = delegates × the "
                        "course's printed length, computed here. " + COURSE_LENGTH_NOTE])


# --------------------------------------------------------------------------- conference
def conference_section(ctx: Context, rows: pd.DataFrame) -> Section:
    """The annual conference: ``rows`` from :func:`.frames.conference`."""
    section = Section("conference", "The annual conference")
    if rows.empty:
        section.unavailable = not_yet_available(ctx, ["conference_attendees"], "conference attendance figures")
        return section
    counts = CountWords(ctx.disclosure)
    events = []
    for row in rows.itertuples(index=False):
        lower_bound = is_lower_bound(row.flags)
        when = f"{row.period_end:%B %Y}"
        if pd.isna(row.value):
            printed = NOT_AVAILABLE
        else:
            printed = f"more than {counts.text(row.value)}" if lower_bound else counts.text(row.value)
        events.append({"Event": "Annual conference", "Month": when, "Attendees as printed": printed,
                       "Attendees (lower bound)" if lower_bound else "Attendees": row.value})
        section.paragraphs.append(
            f"In {when} the board's annual conference attracted {printed} multi-agency practitioners"
            + (". The report gives a lower bound, not a count, so the true figure is unknown and it is not added to "
               "the course delegates." if lower_bound else "."))
    frame = pd.DataFrame(events)
    count_columns = [column for column in frame.columns if column.startswith("Attendees (") or column == "Attendees"]
    fy = fy_label(int(rows["time_period"].iloc[-1]))
    section.tables.append(Table(
        title="Annual conference attendance", frame=frame, source=training_source(ctx),
        count_columns=count_columns, people_columns=count_columns, formats={"Event": "text", "Month": "text", "Attendees as printed": "text"},
        notes=["'More than' figures are lower bounds as printed; the report gives no exact count."]))
    return section


# --------------------------------------------------------------------------- uptake by agency
def agency_section(ctx: Context, uptake: Uptake | None) -> Section:
    """Each named agency's share of attendance against its share of the funding, and the remainder."""
    section = Section("agency_uptake", "Take-up by agency against each agency's share of the funding")
    if uptake is None:
        section.unavailable = not_yet_available(ctx, ["training_attendance_share"],
                                                "training attendance figures by agency")
        return section
    counts = CountWords(ctx.disclosure)
    frame = uptake.frame
    named = frame[~frame["remainder"]]
    section.paragraphs.append(
        "The report asks whether partners get a return on their contribution to the board ('Partner agencies question "
        "the return they are receiving from their investment through the Board budget'). It gives attendance by agency "
        "only as " + " and ".join(f"{row.attendance_label} {fmt_percent(row.attendance_percent, 0)}"
                                  for row in named.itertuples(index=False))
        + " of attendance; below, each is set against that agency's share of the board's income.")
    if not uptake.has_budget:
        section.paragraphs.append(f"The board's budget for {fy_label(uptake.time_period)} is not in the data, so "
                                  "funding shares cannot be computed.")
    for row in named.itertuples(index=False):
        section.paragraphs.append(uptake_sentence(row, uptake.base_delegates, counts, uptake.has_budget))
    remainder = frame[frame["remainder"]]
    if not remainder.empty and not pd.isna(remainder["attendance_percent"].iloc[0]):
        row = remainder.iloc[0]
        section.paragraphs.append(
            f"Everyone else together made up the remaining {fmt_percent(row['attendance_percent'], 0)} of attendance"
            + (f", while the other contributing agencies paid {fmt_percent(row['funding_percent'])} of the income"
               if not pd.isna(row["funding_percent"]) else "")
            + ". That remainder also includes organisations that pay nothing to the board (for example voluntary "
            "groups and independent schools), so it is not a return on those agencies' contributions; the report "
            "says only that take-up was disproportionately by 'local authority' related services.")
    if uptake.base_delegates:
        section.paragraphs.append(
            "Assumptions: the report does not say what its percentages are of. The intervals take them as shares of "
            f"the {counts.text(uptake.base_delegates)} delegates in the course table (not the conference), and the "
            "printed whole-number percentages may each be up to half a point higher or lower than the true share. Police attendance was, in the "
            "report's words, 'almost entirely related to one course'.")
    # the uptake table is the data behind the chart; it was also appended as a table, so the page
    # printed it twice (issue 10): once is enough
    section.charts.append(uptake_chart(uptake, uptake_table(uptake), ctx.disclosure))
    return section


def uptake_table(uptake: Uptake) -> Table:
    """Each agency's contribution, funding share, attendance share, interval, ratio and verdict."""
    frame = uptake.frame
    table = pd.DataFrame({
        "Agency": frame["agency"],
        "Attendance as printed": frame["attendance_label"],
        "Contribution (£)": frame["contribution_gbp"],
        "Share of income (%)": frame["funding_percent"],
        "Share of attendance (%)": frame["attendance_percent"],
        IMPLIED_DELEGATES_COLUMN: frame["implied_delegates"],
        "95% CI lower (%)": frame["lower"],
        "95% CI upper (%)": frame["upper"],
        "Attendance ÷ funding share": frame["ratio"],
        "Against funding share (95%)": [(verdict or NOT_AVAILABLE) + ("" if robust is not False
                                                                      else " (not robust to rounding)")
                                        for verdict, robust in zip(frame["verdict"], frame["robust"])],
    })
    return Table(
        title=f"Training attendance against funding share by agency, {fy_label(uptake.time_period)}",
        frame=table, source=uptake.source,
        count_columns=[IMPLIED_DELEGATES_COLUMN], people_columns=[IMPLIED_DELEGATES_COLUMN],
        derived={column: IMPLIED_DELEGATES_COLUMN for column in
                 ("Share of attendance (%)", "95% CI lower (%)", "95% CI upper (%)", "Attendance ÷ funding share")},
        formats={"Agency": "text", "Attendance as printed": "text", "Contribution (£)": "gbp",
                 "Share of income (%)": "percent", "Share of attendance (%)": "percent", "95% CI lower (%)": "percent",
                 "95% CI upper (%)": "percent", "Attendance ÷ funding share": "ratio",
                 "Against funding share (95%)": "text"},
        notes=["Share of attendance as printed in section 8 (whole percent). Implied delegates, intervals and verdicts "
               "assume the shares are of the course table's total delegates. Ratio: 1 means attendance in proportion "
               "to funding; below 1, the agency's staff attend less than its share of the funding. 'Health' "
               "attendance is set against the Health CCGs' contribution. The remainder row includes organisations that "
               "do not contribute to the budget. x = not available."])


# --------------------------------------------------------------------------- budget
def budget_section(ctx: Context, budget: Budget | None) -> Section:
    """Income against expenditure, the balances that do not reconcile, and the lines of each."""
    section = Section("budget", "The board's budget: who pays for the partnership")
    if budget is None:
        section.unavailable = not_yet_available(ctx, ["budget_income"], "budget figures")
        return section
    gap = budget.gap_word
    section.paragraphs.append(
        f"In {budget.fy} the board's income from partner contributions was {fmt_gbp(budget.income_total)} and its "
        f"expenditure {fmt_gbp(budget.expenditure_total)}, a {gap} of {fmt_gbp(abs(budget.deficit))} (each total is "
        "the sum of its printed lines).")
    for label, computed, printed in budget.printed_totals_that_differ():
        section.paragraphs.append(f"The printed {label} total ({fmt_gbp(printed)}) differs from the sum of its lines "
                                  f"({fmt_gbp(computed)}) by {fmt_gbp(computed - printed)}; both are shown.")
    brought_forward = budget.other.get("budget_balance_brought_forward")
    carried_forward = budget.other.get("budget_balance_carried_forward")
    scr_spending = budget.other.get("scr_expenditure")
    if brought_forward is not None and carried_forward is not None:
        left = brought_forward - budget.deficit
        section.paragraphs.append(
            f"The printed balances do not reconcile on their own: {fmt_gbp(brought_forward)} brought forward less the "
            f"{fmt_gbp(budget.deficit)} {gap} leaves {fmt_gbp(left)}, against {fmt_gbp(carried_forward)} carried "
            f"forward (a difference of {fmt_gbp(carried_forward - left)}). The report attributes the carry-forward "
            "also to 'some income from Training', whose amount it does not give"
            + (f", and says the {fmt_gbp(scr_spending)} spent on Serious Case Reviews was met by partner top-ups and "
               "earlier underspends, also unquantified" if scr_spending is not None else "")
            + ". The gap cannot be explained from the printed figures.")
    section.charts.append(budget_chart(budget))
    section.tables.append(_lines_table(budget, budget.income, "agency", "Contributing agency", "Contribution (£)",
                                       "Share of income (%)", budget.income_total, budget.printed_income_total,
                                       budget.printed_income_words,
                                       title=f"Board income by contributing agency, {budget.fy}",
                                       notes=["Agency names are standardised; the report's own words are shown "
                                              "beside them."]))
    section.tables.append(_lines_table(budget, budget.expenditure, "line", "Expenditure line", "Spent (£)",
                                       "Share of expenditure (%)", budget.expenditure_total,
                                       budget.printed_expenditure_total, budget.printed_expenditure_words,
                                       title=f"Board expenditure by line, {budget.fy}", notes=[]))
    other = pd.DataFrame([
        {"Item": "Deficit (expenditure less income)", "Pounds (£)": budget.deficit},
        {"Item": "Serious Case Review expenditure (outside the lines above)",
         "Pounds (£)": _nan_if_none(scr_spending)},
        {"Item": "Non-recurrent balance brought forward", "Pounds (£)": _nan_if_none(brought_forward)},
        {"Item": "Balance carried forward to the next year", "Pounds (£)": _nan_if_none(carried_forward)},
        {"Item": "Income from training (mentioned, amount not given)",
         "Pounds (£)": _nan_if_none(budget.other.get("training_income"))},
    ])
    section.tables.append(Table(title=f"Deficit, balances and other spending, {budget.fy}", frame=other,
                                source=budget.source, formats={"Item": "text", "Pounds (£)": "gbp"},
                                notes=["x = not available: the report mentions the item but gives no amount."]))
    return section


def _lines_table(budget: Budget, lines: pd.DataFrame, name: str, name_column: str, pounds_column: str,
                 share_column: str, total: float, printed_total: float | None, printed_words: str, *,
                 title: str, notes: list[str]) -> Table:
    """Budget lines (income or expenditure) with their shares, the sum of the lines and the
    total as printed in the report."""
    frame = lines.rename(columns={name: name_column, "gbp": pounds_column, "as_printed": "As printed in the report"})
    frame[share_column] = frame[pounds_column] / total * 100
    frame = pd.concat([frame, pd.DataFrame([
        {name_column: "Total (sum of the lines)", pounds_column: total, share_column: 100.0,
         "As printed in the report": NOT_APPLICABLE},
        {name_column: "Total as printed", pounds_column: _nan_if_none(printed_total), share_column: np.nan,
         "As printed in the report": printed_words or NOT_AVAILABLE}])], ignore_index=True)
    return Table(title=title, frame=frame, source=budget.source,
                 formats={name_column: "text", "As printed in the report": "text", pounds_column: "gbp",
                          share_column: "percent"}, notes=notes)


# --------------------------------------------------------------------------- data gaps
def gaps_section(ctx: Context, programme: Programme | None, budget: Budget | None, uptake: Uptake | None) -> Section:
    """What the report does not give, and the table of delegates by agency to fill in next year."""
    section = Section("data_gaps", "What the data cannot say, and the table to fill in next year")
    if programme is None and budget is None and uptake is None:
        section.unavailable = not_yet_available(
            ctx, ["training_delegates", "budget_income", "training_attendance_share"], "training and budget figures")
        return section
    funders = list(budget.income["agency"]) if budget is not None else []
    named = [] if uptake is None else uptake.frame[~uptake.frame["remainder"]].itertuples(index=False)
    given = {row.agency: row for row in named}  # agency -> its printed attendance
    missing = [agency for agency in funders if agency not in given]
    if missing:
        section.paragraphs.append(
            "Attendance is not given for " + ", ".join(missing[:-1]) + (" or " if len(missing) > 1 else "")
            + missing[-1] + ": for these contributing agencies the return on their contribution cannot be judged "
            "from the report.")
    section.paragraphs.append(
        "The report gives no delegates by agency (only two percentages), no delegates by agency for each course (so "
        "it cannot show which course the Police attended), no previous year's figures to back its 'large increase', "
        "no cost per course or per delegate, no amount for training income, no non-attendance or cancellations, and "
        "no outcome of the evaluations it mentions.")
    section.paragraphs.append(
        "To answer the return-on-contribution question next year, the training officer can fill in the table below "
        "from the booking system: delegates by the agency they work for, with the same agency names as the budget. "
        "x marks what the report does not give.")
    rows = []
    for agency in funders:
        attendance = given.get(agency)
        rows.append({"Agency": agency,
                     "Contribution (£)": float(budget.income.loc[budget.income["agency"] == agency, "gbp"].iloc[0]),
                     "Delegates": np.nan,
                     "Share of delegates (%)": np.nan if attendance is None else attendance.attendance_percent})
    for agency, attendance in given.items():
        if agency not in funders:
            rows.append({"Agency": agency, "Contribution (£)": np.nan, "Delegates": np.nan,
                         "Share of delegates (%)": attendance.attendance_percent})
    rows.append({"Agency": NOT_CONTRIBUTING_LABEL, "Contribution (£)": np.nan, "Delegates": np.nan,
                 "Share of delegates (%)": np.nan})
    rows.append({"Agency": "Total", "Contribution (£)": budget.income_total if budget is not None else np.nan,
                 "Delegates": programme.delegates if programme is not None else np.nan,
                 "Share of delegates (%)": 100.0 if programme is not None else np.nan})
    fy = fy_label((programme or budget or uptake).time_period)
    section.tables.append(Table(
        title=f"Training delegates by agency: what is known for {fy} (x = not given; fill in next year)",
        frame=pd.DataFrame(rows), source=training_source(ctx, with_budget=budget is not None),
        count_columns=["Delegates"], people_columns=["Delegates"],
        formats={"Agency": "text", "Contribution (£)": "gbp", "Share of delegates (%)": "percent"},
        notes=["Shares of delegates as printed in section 8 (whole percent; 'Health' set against the Health CCGs). "
               "The total delegates is the course table's sum; the conference is not included."]))
    return section
