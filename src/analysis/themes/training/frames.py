"""The training theme's data: which rows a run sees, and the tables computed from them.

* :class:`Programme` (:func:`programme`): one financial year's course table with its derived
  columns, the totals printed in the narrative and totals by year; :func:`narrative_check` sets
  the two side by side.
* :class:`Budget` (:func:`budget`): the board's income by contributing agency, expenditure by
  line and the other printed amounts of one financial year.
* :class:`Uptake` (:func:`uptake`): section 8's attendance shares set against each agency's
  share of the funding, with Wilson intervals and verdicts.
* :func:`conference`: the annual conference rows.

Only figures whose period ends by the run's period end are used (``Context.local``). No
sentences, display tables or charts here: :mod:`.sections` and :mod:`.charts` word and draw them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ...formatting import fmt_number
from ...stats import compare_proportion_to_benchmark, wilson_ci
from ...stats.disclosure import is_small_count
from ..context import Context, board_source
from ...periods import fy_label

#: Report tables this theme reads (``source_table`` values).
TRAINING_TABLES = ["appC training", "appC narrative", "s8"]
BUDGET_TABLES = ["s3 budget"]
TABLES = TRAINING_TABLES + BUDGET_TABLES

#: The report's attendance agencies that are not spelt as in the budget, matched to the budget's
#: contributing agency. Section 8's "Health" is matched to the "Health CCG's" contribution: the
#: report does not say whether Health attendance also counts NHS provider trusts, which do not
#: contribute to the board's budget directly (stated as a caveat).
ATTENDANCE_TO_FUNDER = {"Health": "Health CCGs"}

#: Confidence level of the attendance intervals and verdicts.
CONF = 0.95
REMAINDER_LABEL = "All others (remainder, including non-contributors)"

#: ``Agreement`` of a narrative check: the course table's sum equals the printed total, or the
#: narrative prints none (otherwise "differ by N").
AGREE = "agree"
NOT_PRINTED = "not printed"

PROGRAMME_MEASURES = ["training_events", "training_delegates", "course_hours", "training_courses"]
BUDGET_MEASURES = ["budget_income", "budget_expenditure", "scr_expenditure", "budget_balance_brought_forward",
                   "budget_balance_carried_forward", "training_income"]
#: Budget amounts printed apart from the income and expenditure lines (``Budget.other``).
OTHER_BUDGET_MEASURES = ("scr_expenditure", "budget_balance_brought_forward", "budget_balance_carried_forward",
                         "training_income")




def training_source(ctx: Context, with_budget: bool = False) -> str:
    """Source note for the board's training figures (course table, narrative, agency shares),
    and its budget when ``with_budget``; the report is named from the area's own dataset."""
    parts = "multi-agency training report (Appendix C), training section (section 8) and budget (section 3)" \
        if with_budget else "multi-agency training report (Appendix C) and training section (section 8)"
    return board_source(ctx, "appC training", part=parts)


def budget_source(ctx: Context) -> str:
    """Source note for the board's budget figures."""
    return board_source(ctx, "s3 budget", part="budget (section 3)")


def fmt_plain_number(value: float) -> str:
    """A number that is not a count (hours, a difference) for a sentence: thousands separators,
    one decimal place only when it is not whole (1234 -> "1,234", 3.5 -> "3.5")."""
    return fmt_number(value, 0 if float(value).is_integer() else 1)


def in_report_order(rows: pd.DataFrame) -> pd.DataFrame:
    """Rows in the order the report prints them (file, then row)."""
    return rows.sort_values(["source_file", "source_row"]).reset_index(drop=True)


def latest_year(rows: pd.DataFrame) -> pd.DataFrame:
    """Rows of the latest financial year in ``rows`` (the data may hold several years)."""
    if rows.empty:
        return rows
    return rows[rows["time_period"] == rows["time_period"].max()]


def _first_value(rows: pd.DataFrame, measure: str) -> float | None:
    """The value of the first row of ``measure``; None when there is none or it is blank."""
    values = rows.loc[rows["measure"] == measure, "value"]
    return None if values.empty or pd.isna(values.iloc[0]) else float(values.iloc[0])


# --------------------------------------------------------------------------- the programme
@dataclass
class Programme:
    """The course table of one financial year, and the narrative totals it should agree with."""

    time_period: int
    courses: pd.DataFrame  # one row per course, report order; columns from course_frame
    printed: dict[str, float | None]  # narrative totals: "training_courses", "training_events"
    by_year: pd.DataFrame  # totals per financial year (one row per year in the data)
    source: str = ""  # source note for tables and charts

    @property
    def fy(self) -> str:
        return fy_label(self.time_period)

    @property
    def n_courses(self) -> int:
        return int(len(self.courses))

    @property
    def events(self) -> float:
        return float(self.courses["events"].sum(min_count=1))

    @property
    def delegates(self) -> float:
        return float(self.courses["delegates"].sum(min_count=1))

    @property
    def learning_hours(self) -> float:
        return float(self.courses["learning_hours"].sum(min_count=1))

    @property
    def course_hours_delivered(self) -> float:
        return float(self.courses["course_hours_delivered"].sum(min_count=1))

    @property
    def delegates_per_event(self) -> float | None:
        return None if not self.events else self.delegates / self.events

    @property
    def some_courses_ran_few_times(self) -> bool:
        """Whether a course ran a small number of times (1 to 5: the small-count rule), so that
        its figures per event rest on very few sessions."""
        return bool(self.courses["events"].map(is_small_count).any())


def course_frame(rows: pd.DataFrame) -> pd.DataFrame:
    """Wide course table: course, length_hours, events, delegates and the derived columns
    (course_hours_delivered, learning_hours, delegates_per_event, delegates_share and
    learning_hours_share, shares in percent of the course rows' sum).

    A course missing any printed figure keeps NaN in the derived columns (never a zero).
    """
    rows = in_report_order(rows[rows["breakdown_value"] != "Total"])
    order = list(dict.fromkeys(rows["breakdown_value"]))
    wide = rows.pivot_table(index="breakdown_value", columns="measure", values="value", aggfunc="first", dropna=False)
    wide = wide.reindex(index=order, columns=["course_hours", "training_events", "training_delegates"])
    out = pd.DataFrame({
        "course": order,
        "length_hours": wide["course_hours"].to_numpy(dtype=float),
        "events": wide["training_events"].to_numpy(dtype=float),
        "delegates": wide["training_delegates"].to_numpy(dtype=float),
    })
    out["course_hours_delivered"] = out["events"] * out["length_hours"]
    out["learning_hours"] = out["delegates"] * out["length_hours"]
    with np.errstate(divide="ignore", invalid="ignore"):
        out["delegates_per_event"] = (out["delegates"] / out["events"]).where(out["events"] > 0)
    total_delegates = out["delegates"].sum(min_count=1)
    total_learning_hours = out["learning_hours"].sum(min_count=1)
    out["delegates_share"] = out["delegates"] / total_delegates * 100
    out["learning_hours_share"] = out["learning_hours"] / total_learning_hours * 100
    return out


def programme(ctx: Context) -> Programme | None:
    """The latest financial year's programme up to the run's period end, or None if there is none."""
    rows = ctx.local(PROGRAMME_MEASURES, period_type="financial_year")
    course_rows = rows[(rows["breakdown"] == "course") & (rows["source_table"] == "appC training")]
    if course_rows.empty:
        return None
    years = []
    for time_period, year_rows in course_rows.groupby("time_period"):
        courses = course_frame(year_rows)
        years.append({"time_period": int(time_period), "year": fy_label(time_period), "courses": len(courses),
                      "events": courses["events"].sum(min_count=1),
                      "delegates": courses["delegates"].sum(min_count=1),
                      "learning_hours": courses["learning_hours"].sum(min_count=1)})
    by_year = pd.DataFrame(years).sort_values("time_period").reset_index(drop=True)
    latest = latest_year(course_rows)
    time_period = int(latest["time_period"].iloc[0])
    narrative = rows[(rows["time_period"] == time_period) & (rows["breakdown_value"] == "Total")]
    printed = {measure: _first_value(narrative, measure)
               for measure in ("training_courses", "training_events", "training_delegates")}
    return Programme(time_period, course_frame(latest), printed, by_year,
                     training_source(ctx))


def _agreement(computed: float, printed: float | None) -> str:
    if printed is None:
        return NOT_PRINTED
    return AGREE if abs(computed - printed) < 1e-9 else f"differ by {fmt_plain_number(computed - printed)}"


def narrative_check(course_programme: Programme) -> list[dict]:
    """The course table's totals against the totals printed in the narrative.

    One dict per figure (courses, events, delegates): ``Figure``, ``Sum of the course table``
    (courses: the number of course rows), ``Printed in the narrative`` (NaN when not printed) and
    ``Agreement`` ("agree", "differ by N" = computed minus printed, or "not printed").
    """
    rows = [("Courses", float(course_programme.n_courses), course_programme.printed.get("training_courses")),
            ("Events", course_programme.events, course_programme.printed.get("training_events")),
            ("Delegates", course_programme.delegates, course_programme.printed.get("training_delegates"))]
    return [{"Figure": figure, "Sum of the course table": computed,
             "Printed in the narrative": np.nan if printed is None else printed,
             "Agreement": _agreement(computed, printed)} for figure, computed, printed in rows]


def disagreements(checks: list[dict]) -> list[dict]:
    """The rows of :func:`narrative_check` where the course table and the narrative differ."""
    return [row for row in checks if row["Agreement"] not in (AGREE, NOT_PRINTED)]


# --------------------------------------------------------------------------- budget
@dataclass
class Budget:
    """The board's income and expenditure over one financial year (pounds)."""

    time_period: int
    income: pd.DataFrame  # agency, gbp, as_printed (report order, without the printed total)
    expenditure: pd.DataFrame  # line, gbp, as_printed
    printed_income_total: float | None
    printed_expenditure_total: float | None
    other: dict[str, float | None]  # OTHER_BUDGET_MEASURES: SCR spending, balances, training income
    source: str = ""  # source note for tables and charts
    printed_income_words: str = ""  # the report's words for the printed totals
    printed_expenditure_words: str = ""

    @property
    def fy(self) -> str:
        return fy_label(self.time_period)

    @property
    def income_total(self) -> float:
        """Income: the sum of the contribution lines (pounds)."""
        return float(self.income["gbp"].sum(min_count=1))

    @property
    def expenditure_total(self) -> float:
        """Expenditure: the sum of the expenditure lines (pounds; SCR spending is reported apart)."""
        return float(self.expenditure["gbp"].sum(min_count=1))

    @property
    def deficit(self) -> float:
        """Expenditure minus income (pounds); negative would be a surplus."""
        return self.expenditure_total - self.income_total

    @property
    def gap_word(self) -> str:
        """ "deficit" when expenditure exceeds income, else "surplus"."""
        return "deficit" if self.deficit > 0 else "surplus"

    def funding_share(self, agency: str) -> float | None:
        """An agency's share of the income, in percent of the sum of the income lines."""
        contribution = self.income.loc[self.income["agency"] == agency, "gbp"]
        if contribution.empty or pd.isna(contribution.iloc[0]) or not self.income_total:
            return None
        return float(contribution.iloc[0]) / self.income_total * 100

    def printed_totals_that_differ(self) -> list[tuple[str, float, float]]:
        """(``"income"`` or ``"expenditure"``, sum of the lines, printed total) for each printed
        total that is not the sum of its lines."""
        totals = (("income", self.income_total, self.printed_income_total),
                  ("expenditure", self.expenditure_total, self.printed_expenditure_total))
        return [(label, computed, printed) for label, computed, printed in totals
                if printed is not None and abs(computed - printed) > 1e-9]


def as_printed(note: str) -> str:
    """The report's own words for a budget line, kept in the row's note as ``printed '…'``
    (the transcription convention of data/raw); empty when the note does not quote it."""
    match = re.search(r"printed '([^']+)'", note or "")
    return match.group(1) if match else ""


def _budget_lines(rows: pd.DataFrame, measure: str, name: str) -> tuple[pd.DataFrame, float | None, str]:
    """One measure's lines (``name``, ``gbp``, ``as_printed``), its printed total and the
    report's words for that total."""
    measure_rows = rows[rows["measure"] == measure]
    body = measure_rows[measure_rows["breakdown_value"] != "Total"]
    total = measure_rows[measure_rows["breakdown_value"] == "Total"]
    lines = pd.DataFrame({name: body["breakdown_value"].to_numpy(), "gbp": body["value"].to_numpy(dtype=float),
                          "as_printed": [as_printed(note) for note in body["note"]]})
    printed_total = None if total.empty or pd.isna(total["value"].iloc[0]) else float(total["value"].iloc[0])
    printed_words = "" if total.empty else as_printed(total["note"].iloc[0])
    return lines, printed_total, printed_words


def budget(ctx: Context) -> Budget | None:
    """The latest financial year's budget up to the run's period end, or None if there is none."""
    rows = ctx.local(BUDGET_MEASURES, period_type="financial_year")
    income_rows = rows[rows["measure"] == "budget_income"]
    if income_rows.empty:
        return None
    time_period = int(income_rows["time_period"].max())
    rows = in_report_order(rows[rows["time_period"] == time_period])
    income, income_total, income_words = _budget_lines(rows, "budget_income", "agency")
    expenditure, expenditure_total, expenditure_words = _budget_lines(rows, "budget_expenditure", "line")
    other = {measure: _first_value(rows, measure) for measure in OTHER_BUDGET_MEASURES}
    return Budget(time_period, income, expenditure, income_total, expenditure_total, other,
                  budget_source(ctx), income_words, expenditure_words)


# --------------------------------------------------------------------------- uptake by agency
@dataclass
class Uptake:
    """Attendance share against funding share, one row per agency with either figure."""

    time_period: int
    frame: pd.DataFrame
    base_delegates: float | None  # the assumed n for the Wilson intervals (course-table delegates)
    source: str = ""  # source note for tables and charts
    has_budget: bool = False  # the budget of the same year is in the data (funding shares known)


def printed_half_width(percent: float) -> float:
    """Half the rounding step of a printed percentage: 0.5 for a whole number ("17%"), else 0.05.

    The report prints section 8's shares as whole numbers, so "17%" means 16.5% to 17.5%.
    """
    return 0.5 if float(percent).is_integer() else 0.05


def _attendance_rows(attendance: pd.DataFrame, funders: list[str]) -> pd.DataFrame:
    """One row per printed attendance share (matched to its contributing agency, if any), then
    the remainder: everyone whose attendance the report does not break down."""
    rows = []
    for printed in attendance.itertuples(index=False):
        funder = ATTENDANCE_TO_FUNDER.get(printed.breakdown_value, printed.breakdown_value)
        funder = funder if funder in funders else None
        rows.append({"agency": funder or printed.breakdown_value, "attendance_label": printed.breakdown_value,
                     "attendance_percent": float(printed.value) if not pd.isna(printed.value) else np.nan,
                     "funder": funder, "remainder": False})
    given = [row["attendance_percent"] for row in rows if not pd.isna(row["attendance_percent"])]
    rows.append({"agency": REMAINDER_LABEL, "attendance_label": "(100% less the shares given)",
                 "attendance_percent": 100 - sum(given) if given else np.nan, "funder": None, "remainder": True})
    return pd.DataFrame(rows)


def _add_funding(frame: pd.DataFrame, board_budget: Budget | None) -> None:
    """Columns ``contribution_gbp`` and ``funding_percent`` (of the sum of the income lines); the
    remainder row gets the contributing agencies whose attendance is not given."""
    if board_budget is None:
        frame["contribution_gbp"] = np.nan
        frame["funding_percent"] = np.nan
        return
    funders = list(board_budget.income["agency"])
    shares = {agency: board_budget.funding_share(agency) for agency in funders}
    contributions = dict(zip(board_budget.income["agency"], board_budget.income["gbp"]))
    frame["contribution_gbp"] = [contributions.get(f, np.nan) if f else np.nan for f in frame["funder"]]
    frame["funding_percent"] = [shares.get(f, np.nan) if f else np.nan for f in frame["funder"]]
    matched = set(frame["funder"].dropna())
    rest = [agency for agency in funders if agency not in matched]
    remainder = frame["remainder"]
    frame.loc[remainder, "contribution_gbp"] = sum(contributions[a] for a in rest) if rest else np.nan
    frame.loc[remainder, "funding_percent"] = (sum(shares[a] for a in rest if shares[a] is not None)
                                               if rest else np.nan)


def _add_intervals_and_verdicts(frame: pd.DataFrame, base_delegates: float | None) -> None:
    """Columns ``implied_delegates``, Wilson ``lower``/``upper`` (percent), ``verdict`` against the
    funding share and ``robust`` (the same verdict at both ends of the printed rounding range)."""
    # a printed share of a known base implies a whole number of delegates (rounded to the nearest)
    frame["implied_delegates"] = (frame["attendance_percent"] / 100 * base_delegates).round(0) \
        if base_delegates else np.nan
    frame["lower"] = np.nan
    frame["upper"] = np.nan
    frame["verdict"] = None
    frame["robust"] = None
    if not base_delegates:
        return
    given = frame["attendance_percent"].notna()
    lower, upper = wilson_ci(frame.loc[given, "implied_delegates"], base_delegates, confidence=CONF)
    frame.loc[given, "lower"] = lower * 100
    frame.loc[given, "upper"] = upper * 100
    comparable = given & frame["funding_percent"].notna()
    if not comparable.any():
        return
    funding_share = frame.loc[comparable, "funding_percent"] / 100
    printed = frame.loc[comparable, "attendance_percent"]
    frame.loc[comparable, "verdict"] = compare_proportion_to_benchmark(
        frame.loc[comparable, "implied_delegates"], base_delegates, funding_share, confidence=CONF)
    half_width = printed.map(printed_half_width)
    lowest_delegates = (printed - half_width).clip(lower=0) / 100 * base_delegates
    highest_delegates = (printed + half_width).clip(upper=100) / 100 * base_delegates
    verdict_at_lowest = compare_proportion_to_benchmark(lowest_delegates, base_delegates, funding_share,
                                                              confidence=CONF)
    verdict_at_highest = compare_proportion_to_benchmark(highest_delegates, base_delegates, funding_share,
                                                               confidence=CONF)
    frame.loc[comparable, "robust"] = [
        bool(at_lowest == at_highest == verdict)
        for at_lowest, at_highest, verdict in zip(verdict_at_lowest, verdict_at_highest,
                                                  frame.loc[comparable, "verdict"])]


def uptake(ctx: Context, course_programme: Programme | None, board_budget: Budget | None) -> Uptake | None:
    """Match section 8's attendance shares to the budget's contributing agencies.

    Columns: ``agency`` (the budget's name, or the report's if no contribution matches),
    ``attendance_label`` (as printed), ``funder`` (the matched contributing agency or None),
    ``remainder`` (True for the row of everyone else), ``contribution_gbp``, ``funding_percent``
    (of the sum of the income lines), ``attendance_percent`` (as printed, whole percent),
    ``implied_delegates`` (attendance share × the course table's delegates, rounded to whole
    delegates: an assumption), Wilson ``lower``/``upper`` (percent, 95%), ``ratio`` (attendance ÷
    funding share) with ``ratio_lower``/``ratio_upper``, ``verdict`` of attendance against the
    funding share (at 95%) and ``robust`` (the same verdict at both ends of the printed figure's
    rounding range). The programme and budget are used only when they are of the same year.
    """
    attendance = ctx.local("training_attendance_share", period_type="financial_year")
    if attendance.empty:
        return None
    attendance = in_report_order(latest_year(attendance))
    time_period = int(attendance["time_period"].iloc[0])
    same_year_programme = course_programme is not None and course_programme.time_period == time_period
    base_delegates = course_programme.delegates if same_year_programme else None
    same_year_budget = board_budget if board_budget is not None and board_budget.time_period == time_period else None
    funders = list(same_year_budget.income["agency"]) if same_year_budget is not None else []
    frame = _attendance_rows(attendance, funders)
    _add_funding(frame, same_year_budget)
    _add_intervals_and_verdicts(frame, base_delegates)
    with np.errstate(divide="ignore", invalid="ignore"):
        frame["ratio"] = frame["attendance_percent"] / frame["funding_percent"]
        frame["ratio_lower"] = frame["lower"] / frame["funding_percent"]
        frame["ratio_upper"] = frame["upper"] / frame["funding_percent"]
    # the remainder mixes contributing agencies with organisations that pay nothing: its attendance
    # is not a return on those contributions, so it gets no ratio or verdict (shown, not judged).
    remainder = frame["remainder"]
    frame.loc[remainder, ["ratio", "ratio_lower", "ratio_upper"]] = np.nan
    frame.loc[remainder, "verdict"] = None
    frame.loc[remainder, "robust"] = None
    has_budget = same_year_budget is not None
    source = training_source(ctx, with_budget=has_budget)
    return Uptake(time_period, frame, base_delegates, source, has_budget)


# --------------------------------------------------------------------------- conference
def conference(ctx: Context) -> pd.DataFrame:
    """The annual conference rows up to the run's period end, in report order (value: attendees;
    ``flags`` holds ``lower_bound`` when the report prints "more than")."""
    return in_report_order(ctx.local("conference_attendees"))


def is_lower_bound(flags: str) -> bool:
    """Whether a row's ``flags`` mark its value as a lower bound ("more than 200")."""
    return "lower_bound" in flags.split(";")
