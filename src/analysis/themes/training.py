"""Theme: multi-agency training uptake by agency (the board's learning and development offer).

What the board's report gives (all board data; DfE publishes nothing on LSCB training):

* Appendix C course table: for each course, its length in hours (printed after the name), the
  number of times it was delivered ("No. of courses delivered", here *events*) and the total
  number of delegates, over the financial year (1 April – 31 March);
* Appendix C narrative: the programme's printed totals ("From a programme of 8 different courses,
  46 training events were delivered in the year") and the annual conference ("more than 200"
  practitioners: a lower bound, in one month);
* section 8: the only attendance by agency ("the Police overall attendance at 17% ... and Health
  at 3%"), as whole percentages of attendance;
* section 3: the board's income by contributing agency and its expenditure by line (pounds, one
  financial year), the balances brought and carried forward, and SCR spending.

Derived here (units in the names): learning hours = delegates × course length (hours of
practitioner learning); course hours delivered = events × course length (hours of teaching);
delegates per event; each agency's share of income (percent of the sum of the income lines);
attendance share ÷ funding share (a ratio: 1 = attendance in proportion to funding). Attendance
shares get a Wilson interval only on the stated assumption that the base is the course table's
total delegates (the report does not give its base); the verdict against the funding share is
checked at both ends of the printed figure's rounding range.

The course, attendance and budget figures are annual: a run for a period ending before 31 March
of the year sees only what ended by then (the July conference, in one month), and each other
section says plainly that its figures are not yet available. With several years in the data the
latest year up to the period is shown, and the programme section adds totals by year.

Public mode: tables carry ``count_columns``/``derived`` (and ``implicit_totals=False`` where
rows or columns are not parts of a whole), charts hide exactly what their table shows as ``c``,
and sentences say "fewer than 6" instead of a count from 1 to 5.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..report import charts
from .. import stats
from ..stats import disclosure as dc
from ..report import words as sn
from ..periods import period_of
from ..report.model import Section, Table, ThemeResult
from .context import Context, caveats_from_findings, context

THEME = "training"
TITLE = "Multi-agency training uptake by agency"

#: Report tables this theme reads (``source_table`` values).
TRAINING_TABLES = ["appC training", "appC narrative", "s8"]
BUDGET_TABLES = ["s3 budget"]
TABLES = TRAINING_TABLES + BUDGET_TABLES

#: Section keys, in display order (the notebook calls each one).
SECTION_KEYS = ("programme", "conference", "agency_uptake", "budget", "data_gaps")

#: The report's attendance agencies that are not spelt as in the budget, matched to the budget's
#: contributing agency. Section 8's "Health" is matched to the "Health CCG's" contribution: the
#: report does not say whether Health attendance also counts NHS provider trusts, which do not
#: contribute to the board's budget directly (stated as a caveat).
ATTENDANCE_TO_FUNDER = {"Health": "Health CCGs"}

CONF = 0.95
TOTAL_LABEL = "Total (sum of the course rows)"
#: Course length is shown as text with its unit ("3.5 hours", as the report prints "(3.5hrs)"): it
#: is a duration, not a count, and a bare "3" would read as a count that public mode should hide.
LENGTH_COLUMN = "Length of one course"
NOT_APPLICABLE = "z"
REMAINDER_LABEL = "All others (remainder, including non-contributors)"
NOT_CONTRIBUTING_LABEL = "Organisations not contributing to the budget"



def training_source(area_name: str, fy: str, with_budget: bool = False) -> str:
    """Source note for the board's training figures (course table, narrative, agency shares),
    and its budget when ``with_budget``."""
    parts = "multi-agency training report (Appendix C), training section (section 8) and budget (section 3)" \
        if with_budget else "multi-agency training report (Appendix C) and training section (section 8)"
    return f"Source: {area_name} Safeguarding Children Board Annual Report {fy}: {parts}"


def budget_source(area_name: str, fy: str) -> str:
    """Source note for the board's budget figures."""
    return f"Source: {area_name} Safeguarding Children Board Annual Report {fy}: budget (section 3)"


# --------------------------------------------------------------------------- small helpers
def _pct(v: float, dp: int = 1) -> str:
    """A percentage for a sentence (``v`` already in percent), DfE style: "14.0%"."""
    return sn.fmt_percent(v, dp)


def _gbp(v: float) -> str:
    return sn.fmt_gbp(v)


def _num(v: float) -> str:
    """A non-count number for a sentence (hours): thousands separators, one decimal only if needed."""
    return sn.fmt_number(v, 0 if float(v).is_integer() else 1)


def _is_small(v: float | None) -> bool:
    """A count that disclosure control suppresses in public mode (the DfE rule: 1 to 5)."""
    return v is not None and not pd.isna(v) and dc.label_for_chart(float(v)) == dc.SUPPRESSED


def _count_text(v: float, disclosure: str) -> str:
    """A count for a sentence; in public mode a suppressed count reads "fewer than 6"."""
    if disclosure == "public" and _is_small(v):
        return f"fewer than {_display_threshold() + 1}"
    return sn.fmt_count(v)


def _count_label(v: float, disclosure: str) -> str:
    """A count as a chart label; in public mode suppressed counts are shown as ``c``."""
    return dc.label_for_chart(v) if disclosure == "public" else sn.fmt_count(v)


def _display_threshold() -> int:
    """The largest count suppressed in public mode (DfE: 5)."""
    from ..report.display import SMALL_COUNT_THRESHOLD

    return SMALL_COUNT_THRESHOLD


def _public_count(v: float | None, disclosure: str):
    """A count for ``key_figures``: ``"c"`` when suppressed in public mode (as the summary expects)."""
    if v is None:
        return None
    return dc.SUPPRESSED if disclosure == "public" and _is_small(v) else v


def _printed_half_width(percent: float) -> float:
    """Half the rounding step of a printed percentage: 0.5 for a whole number ("17%"), else 0.05.

    The report prints section 8's shares as whole numbers, so "17%" means 16.5% to 17.5%.
    """
    return 0.5 if float(percent).is_integer() else 0.05


def _length_text(hours: pd.Series) -> list[str]:
    """Course lengths as text with the unit: 3.5 -> "3.5 hours"; missing -> "x"."""
    return [dc.NOT_AVAILABLE if pd.isna(h) else f"{_num(h)} hours" for h in hours]


def _round(v: float, decimals: int) -> float:
    """Round half-up as published (DfE convention), for key figures."""
    return float(sn.round_half_up(float(v), decimals))


def _date(d) -> str:
    """A date as the report writes it: "30 September 2017"."""
    d = pd.Timestamp(d)
    return f"{d.day} {d:%B %Y}"


def _fy_label(time_period: int) -> str:
    return period_of(int(time_period), "Annual").fy_label


def _in_report_order(df: pd.DataFrame) -> pd.DataFrame:
    """Rows in the order the report prints them (file, then row)."""
    return df.sort_values(["source_file", "source_row"]).reset_index(drop=True)


def _latest_year(df: pd.DataFrame) -> pd.DataFrame:
    """Rows of the latest financial year in ``df`` (the data may hold several years)."""
    if df.empty:
        return df
    return df[df["time_period"] == df["time_period"].max()]


def _not_yet(ctx: Context, measures: list[str], what: str) -> str:
    """Why a section is unavailable: no board data for the area at all, or none by this period.

    ``what`` names the figures without an article, e.g. "training course figures". The sentence
    never names a date after the run's period (a Q2 run must not learn when later data ends).
    """
    if not ctx.has_local():
        return (f"There is no safeguarding board data for {ctx.area_name} in the data folder. A board's {what} come "
                "only from its own annual report (the DfE publishes no training or board budget figures), so this "
                "section cannot be produced; add the board's figures as a local dataset to see it.")
    when = f"{ctx.period.label}, ending {_date(ctx.period.end)}"
    anywhen = ctx.ds.select(measures, area_code=ctx.area_code)
    anywhen = anywhen[anywhen["source"] != "dfe"]
    if anywhen.empty:
        return f"The board's data for {ctx.area_name} holds no {what}."
    if set(anywhen["period_type"]) == {"financial_year"} and ctx.period.quarter not in (None, 4):
        return (f"The board's {what} cover a whole financial year (1 April to 31 March), so they appear from the run "
                f"for the year's last quarter (Q4); this run's period is {when}.")
    return f"The board's data holds no {what} for periods ending by {_date(ctx.period.end)} (this run: {ctx.period.label})."


# --------------------------------------------------------------------------- the programme
@dataclass
class Programme:
    """The course table of one financial year, and the narrative totals it should agree with."""

    time_period: int
    courses: pd.DataFrame  # one row per course, report order; value columns named below
    printed: dict[str, float | None]  # narrative totals: "training_courses", "training_events"
    by_year: pd.DataFrame  # totals per financial year (one row per year in the data)
    source: str = ""  # source note for tables and charts

    @property
    def fy(self) -> str:
        return _fy_label(self.time_period)

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


def _course_frame(rows: pd.DataFrame) -> pd.DataFrame:
    """Wide course table: course, length_hours, events, delegates and the derived columns.

    A course missing any printed figure keeps NaN in the derived columns (never a zero).
    """
    rows = _in_report_order(rows[rows["breakdown_value"] != "Total"])
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
    total_del = out["delegates"].sum(min_count=1)
    total_lh = out["learning_hours"].sum(min_count=1)
    out["delegates_share"] = out["delegates"] / total_del * 100
    out["learning_hours_share"] = out["learning_hours"] / total_lh * 100
    return out


def programme(ctx: Context) -> Programme | None:
    """The latest financial year's programme up to the run's period end, or None if there is none."""
    measures = ["training_events", "training_delegates", "course_hours", "training_courses"]
    rows = ctx.local(measures, period_type="financial_year")
    course_rows = rows[(rows["breakdown"] == "course") & (rows["source_table"] == "appC training")]
    if course_rows.empty:
        return None
    years = []
    for tp, g in course_rows.groupby("time_period"):
        f = _course_frame(g)
        years.append({"time_period": int(tp), "year": _fy_label(tp), "courses": len(f),
                      "events": f["events"].sum(min_count=1), "delegates": f["delegates"].sum(min_count=1),
                      "learning_hours": f["learning_hours"].sum(min_count=1)})
    by_year = pd.DataFrame(years).sort_values("time_period").reset_index(drop=True)
    latest = _latest_year(course_rows)
    tp = int(latest["time_period"].iloc[0])
    narrative = rows[(rows["time_period"] == tp) & (rows["breakdown_value"] == "Total")]
    printed = {}
    for m in ("training_courses", "training_events", "training_delegates"):
        v = narrative.loc[narrative["measure"] == m, "value"]
        printed[m] = None if v.empty or pd.isna(v.iloc[0]) else float(v.iloc[0])
    return Programme(tp, _course_frame(latest), printed, by_year, training_source(ctx.area_name, _fy_label(tp)))


def _agreement(computed: float, printed: float | None) -> str:
    if printed is None:
        return "not printed"
    return "agree" if abs(computed - printed) < 1e-9 else f"differ by {_num(computed - printed)}"


def _programme_section(ctx: Context, prog: Programme | None) -> Section:
    sec = Section("programme", "The training programme: courses, events, delegates and learning hours")
    if prog is None:
        sec.unavailable = _not_yet(ctx, ["training_events", "training_delegates"], "training course figures")
        return sec
    d = ctx.disclosure
    c = prog.courses
    src = prog.source
    dpe = prog.delegates_per_event
    sec.paragraphs.append(
        f"In {prog.fy} the board ran {_count_text(prog.events, d)} training events across "
        f"{_count_text(prog.n_courses, d)} courses, attended by {_count_text(prog.delegates, d)} delegates"
        + (f" ({sn.fmt_number(dpe, 1)} delegates per event on average)" if dpe is not None else "")
        + f". Delegates × course length gives {_num(prog.learning_hours)} hours of practitioner learning "
        f"from {_num(prog.course_hours_delivered)} hours of teaching.")
    checks = narrative_check(prog)
    disagree = [r for r in checks if r["Agreement"] not in ("agree", "not printed")]
    if disagree:
        sec.paragraphs.append(
            "The course table does not agree with the totals printed in the report's narrative: "
            + "; ".join(f"{r['Figure'].lower()} {r['Agreement']}" for r in disagree)
            + ". Both are shown as printed; ask the training officer which is right.")
    else:
        sec.paragraphs.append(
            "The course table agrees with the totals printed in the report's narrative ("
            + " and ".join(f"{_count_text(r['Printed in the narrative'], d)} {r['Figure'].lower()}" for r in checks
                           if r["Agreement"] == "agree") + ").")
    small = c[c["events"].between(1, 5)]
    if not small.empty:
        sec.paragraphs.append(
            "Some courses ran fewer than six times, so their delegates per event rest on very few sessions "
            "and say little about demand.")

    # chart 1: delegates by course
    sec.charts.append(_course_chart(prog, "delegates", ctx))
    # chart 2: learning hours by course
    sec.charts.append(_course_chart(prog, "learning_hours", ctx))

    # Events and delegates are different measures: their row sums mean nothing, so the table does
    # not ask disclosure control to protect row totals (implicit_totals=False); the column totals
    # are the printed total row.
    frame = pd.DataFrame({
        "Course": c["course"],
        LENGTH_COLUMN: _length_text(c["length_hours"]),
        "Events (times delivered)": c["events"],
        "Delegates": c["delegates"],
        "Delegates per event": c["delegates_per_event"],
        "Course hours delivered (events × length)": c["course_hours_delivered"],
        "Learning hours (delegates × length)": c["learning_hours"],
    })
    total = {
        "Course": TOTAL_LABEL,
        LENGTH_COLUMN: NOT_APPLICABLE,
        "Events (times delivered)": prog.events,
        "Delegates": prog.delegates,
        "Delegates per event": dpe if dpe is not None else np.nan,
        "Course hours delivered (events × length)": prog.course_hours_delivered,
        "Learning hours (delegates × length)": prog.learning_hours,
    }
    frame = pd.concat([frame, pd.DataFrame([total])], ignore_index=True)
    sec.tables.append(Table(
        title=f"Multi-agency training courses, {prog.fy}",
        frame=frame, source=src,
        count_columns=["Events (times delivered)", "Delegates"],
        derived={"Delegates per event": "Events (times delivered)",
                 "Course hours delivered (events × length)": "Events (times delivered)",
                 "Learning hours (delegates × length)": "Delegates"},
        formats={LENGTH_COLUMN: "text", "Delegates per event": "rate",
                 "Course hours delivered (events × length)": "hours",
                 "Learning hours (delegates × length)": "hours"},
        total_row=TOTAL_LABEL,
        implicit_totals=False,
        notes=["Events: the report's 'No. of courses delivered'; delegates: its 'Total number of delegates'. Course "
               "length as printed after each course's name. Delegates per event, course hours delivered and "
               "learning hours are computed here, not printed in the report. z = not applicable (the total has no "
               "single course length)."],
    ))
    sec.tables.append(Table(
        title=f"Course table against the totals printed in the narrative, {prog.fy}",
        frame=pd.DataFrame(checks), source=src,
        count_columns=["Sum of the course table", "Printed in the narrative"],
        formats={"Figure": "text", "Agreement": "text"},
        implicit_totals=False,  # courses, events and delegates are not parts of a whole
        notes=["The narrative prints: 'From a programme of 8 different courses, 46 training events were delivered "
               "in the year.' It prints no total of delegates (x)."],
    ))
    if len(prog.by_year) > 1:
        by = prog.by_year.rename(columns={"year": "Financial year", "courses": "Courses", "events": "Events",
                                          "delegates": "Delegates", "learning_hours": "Learning hours"})
        by = by.drop(columns="time_period")
        sec.tables.append(Table(title="Training programme by financial year", frame=by, source=src,
                                count_columns=["Courses", "Events", "Delegates"],
                                derived={"Learning hours": "Delegates"},
                                formats={"Financial year": "text", "Learning hours": "hours"},
                                implicit_totals=False))  # a time series: years do not add up
    return sec


def narrative_check(prog: Programme) -> list[dict]:
    """The course table's totals against the totals printed in the narrative.

    One dict per figure (courses, events, delegates): ``Figure``, ``Sum of the course table``
    (courses: the number of course rows), ``Printed in the narrative`` (NaN when not printed) and
    ``Agreement`` ("agree", "differ by N" = computed minus printed, or "not printed").
    """
    rows = [("Courses", float(prog.n_courses), prog.printed.get("training_courses")),
            ("Events", prog.events, prog.printed.get("training_events")),
            ("Delegates", prog.delegates, prog.printed.get("training_delegates"))]
    return [{"Figure": f, "Sum of the course table": comp, "Printed in the narrative": np.nan if p is None else p,
             "Agreement": _agreement(comp, p)} for f, comp, p in rows]


def _course_table(prog: Programme, what: str) -> Table:
    """The data behind a course chart: delegates (count) with their share, or learning hours.

    Rows in the report's order, then a total row (the sum of the course rows).
    """
    cc = prog.courses
    frame = pd.DataFrame({"Course": cc["course"], LENGTH_COLUMN: _length_text(cc["length_hours"]),
                          "Delegates": cc["delegates"]})
    total = {"Course": TOTAL_LABEL, LENGTH_COLUMN: NOT_APPLICABLE, "Delegates": prog.delegates}
    formats = {LENGTH_COLUMN: "text"}
    if what == "delegates":
        frame["Share of delegates (%)"] = cc["delegates_share"]
        total["Share of delegates (%)"] = 100.0 if prog.delegates else np.nan
        derived = {"Share of delegates (%)": "Delegates"}
        formats["Share of delegates (%)"] = "percent"
    else:
        frame["Learning hours (delegates × length)"] = cc["learning_hours"]
        frame["Share of learning hours (%)"] = cc["learning_hours_share"]
        total["Learning hours (delegates × length)"] = prog.learning_hours
        total["Share of learning hours (%)"] = 100.0 if prog.learning_hours else np.nan
        derived = {"Learning hours (delegates × length)": "Delegates", "Share of learning hours (%)": "Delegates"}
        formats.update({"Learning hours (delegates × length)": "hours", "Share of learning hours (%)": "percent"})
    frame = pd.concat([frame, pd.DataFrame([total])], ignore_index=True)
    return Table(title="", frame=frame, source=prog.source, count_columns=["Delegates"], derived=derived,
                 formats=formats, total_row=TOTAL_LABEL,
                 notes=["Delegates: the report's 'Total number of delegates'. Learning hours = delegates × the "
                        "course's printed length, computed here. z = not applicable (the total has no single course "
                        "length)."])


def _hidden(table: Table, column: str, disclosure: str) -> np.ndarray:
    """Which rows the displayed table shows as ``c`` in ``column`` (primary or secondary
    suppression), so a chart never reveals what its table hides. All False in internal mode. The
    total row (the table's last row, when it has one) is excluded."""
    n = len(table.frame) - (1 if table.total_row else 0)
    if disclosure != "public":
        return np.zeros(n, dtype=bool)
    from ..report import display

    shown = display.prepare_table(table, disclosure)
    return (shown[column].iloc[:n] == dc.SUPPRESSED).to_numpy()


def _course_chart(prog: Programme, what: str, ctx: Context):
    """Horizontal bars by course of delegates (count) or learning hours (hours); largest at the top.

    In public mode a course whose delegates the table suppresses gets no bar and the label ``c``.
    """
    d = ctx.disclosure
    table = _course_table(prog, what)
    c = prog.courses.assign(hidden=_hidden(table, "Delegates", d))
    # suppressed courses go last, alphabetically, so the bar order does not hint at their size
    c = c.assign(order=c[what].where(~c["hidden"], -np.inf)).sort_values(["order", "course"], ascending=[True, False])
    c = c.reset_index(drop=True)
    share_col = "delegates_share" if what == "delegates" else "learning_hours_share"
    top = c.iloc[-1]
    fig, ax = charts.new_chart(9.0, 1.5 + 0.62 * len(c))
    values = c[what].where(~c["hidden"], 0.0)
    bars = ax.barh(c["course"].map(lambda t: _wrap(t, 40)), values, color=charts.PALETTE[0 if what == "delegates" else 2],
                   hatch=charts.HATCHES[0 if what == "delegates" else 1], edgecolor="white")
    for bar, v, hid, sh in zip(bars, c[what], c["hidden"], c[share_col]):
        if hid:
            label = dc.SUPPRESSED
        elif pd.isna(v):
            label = dc.NOT_AVAILABLE
        else:
            label = (_count_label(v, d) if what == "delegates" else _num(v)) + f" ({_pct(sh, 0)})"
        ax.text(bar.get_width(), bar.get_y() + bar.get_height() / 2, " " + label, va="center", fontsize=9)
    ax.set_xlim(0, float(np.nanmax(c[what])) * 1.25)
    if what == "delegates":
        title = (f"{top['course']} drew {_pct(top[share_col], 0)} of the {prog.fy} delegates"
                 if not top["hidden"] else f"Delegates by course, {prog.fy}")
        subtitle = (f"Delegates by course, {prog.fy}: {_count_text(prog.delegates, d)} delegates at "
                    f"{_count_text(prog.events, d)} events")
        xlabel, unit = "Delegates (count)", "delegates"
    else:
        title = (f"{top['course']} gave {_pct(top[share_col], 0)} of the year's learning hours"
                 if not top["hidden"] else f"Learning hours by course, {prog.fy}")
        subtitle = (f"Learning hours (delegates × course length) by course, {prog.fy}: "
                    f"{_num(prog.learning_hours)} hours in all")
        xlabel, unit = "Learning hours (delegates × course length, hours)", "hours"

    def alt_value(r) -> str:
        v = getattr(r, what)
        if r.hidden:
            return "suppressed"
        if pd.isna(v):
            return "not available"
        return _count_label(v, d) if what == "delegates" else _num(v)

    alt = (f"Horizontal bar chart of {unit} by course in {prog.fy}, largest first: "
           + "; ".join(f"{r.course}: {alt_value(r)}" for r in c.iloc[::-1].itertuples(index=False)) + ".")
    chart = charts.finish(fig, ax, title=title, subtitle=subtitle, xlabel=xlabel, ylabel="Course",
                          source=prog.source, alt=alt, legend=False)
    table.title = title
    return chart, table


def _wrap(text: str, width: int = 34) -> str:
    """Wrap a long label onto several lines (course names are long)."""
    import textwrap

    return "\n".join(textwrap.wrap(text, width)) if len(text) > width else text


# --------------------------------------------------------------------------- budget
@dataclass
class Budget:
    """The board's income and expenditure over one financial year (pounds)."""

    time_period: int
    income: pd.DataFrame  # agency, gbp (report order, without the printed total)
    expenditure: pd.DataFrame  # line, gbp
    printed_income_total: float | None
    printed_expenditure_total: float | None
    other: dict[str, float | None]  # scr_expenditure, balances brought/carried forward, training_income
    source: str = ""  # source note for tables and charts
    printed_income_words: str = ""  # the report's words for the printed totals
    printed_expenditure_words: str = ""

    @property
    def fy(self) -> str:
        return _fy_label(self.time_period)

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

    def funding_share(self, agency: str) -> float | None:
        """An agency's share of the income, in percent of the sum of the income lines."""
        v = self.income.loc[self.income["agency"] == agency, "gbp"]
        if v.empty or pd.isna(v.iloc[0]) or not self.income_total:
            return None
        return float(v.iloc[0]) / self.income_total * 100


def budget(ctx: Context) -> Budget | None:
    """The latest financial year's budget up to the run's period end, or None if there is none."""
    rows = ctx.local(["budget_income", "budget_expenditure", "scr_expenditure", "budget_balance_brought_forward",
                      "budget_balance_carried_forward", "training_income"], period_type="financial_year")
    inc = rows[rows["measure"] == "budget_income"]
    if inc.empty:
        return None
    tp = int(inc["time_period"].max())
    rows = _in_report_order(rows[rows["time_period"] == tp])

    def lines(measure: str, name: str) -> tuple[pd.DataFrame, float | None, str]:
        r = rows[rows["measure"] == measure]
        body = r[r["breakdown_value"] != "Total"]
        tot = r[r["breakdown_value"] == "Total"]
        return (pd.DataFrame({name: body["breakdown_value"].to_numpy(), "gbp": body["value"].to_numpy(dtype=float),
                              "as_printed": [_as_printed(t) for t in body["note"]]}),
                None if tot.empty or pd.isna(tot["value"].iloc[0]) else float(tot["value"].iloc[0]),
                "" if tot.empty else _as_printed(tot["note"].iloc[0]))

    income, inc_total, inc_words = lines("budget_income", "agency")
    exp, exp_total, exp_words = lines("budget_expenditure", "line")
    other = {}
    for m in ("scr_expenditure", "budget_balance_brought_forward", "budget_balance_carried_forward", "training_income"):
        v = rows.loc[rows["measure"] == m, "value"]
        other[m] = None if v.empty or pd.isna(v.iloc[0]) else float(v.iloc[0])
    return Budget(tp, income, exp, inc_total, exp_total, other, budget_source(ctx.area_name, _fy_label(tp)),
                  inc_words, exp_words)


def _budget_section(ctx: Context, bud: Budget | None) -> Section:
    sec = Section("budget", "The board's budget: who pays for the partnership")
    if bud is None:
        sec.unavailable = _not_yet(ctx, ["budget_income"], "budget figures")
        return sec
    inc, exp = bud.income_total, bud.expenditure_total
    gap = "deficit" if bud.deficit > 0 else "surplus"
    sec.paragraphs.append(
        f"In {bud.fy} the board's income from partner contributions was {_gbp(inc)} and its expenditure "
        f"{_gbp(exp)}, a {gap} of {_gbp(abs(bud.deficit))} (each total is the sum of its printed lines).")
    for label, comp, printed in (("income", inc, bud.printed_income_total), ("expenditure", exp, bud.printed_expenditure_total)):
        if printed is not None and abs(comp - printed) > 1e-9:
            sec.paragraphs.append(f"The printed {label} total ({_gbp(printed)}) differs from the sum of its lines "
                                  f"({_gbp(comp)}) by {_gbp(comp - printed)}; both are shown.")
    o = bud.other
    bf, cf, scr = o.get("budget_balance_brought_forward"), o.get("budget_balance_carried_forward"), o.get("scr_expenditure")
    if bf is not None and cf is not None:
        left = bf - bud.deficit
        sec.paragraphs.append(
            f"The printed balances do not reconcile on their own: {_gbp(bf)} brought forward less the {_gbp(bud.deficit)} "
            f"{gap} leaves {_gbp(left)}, against {_gbp(cf)} carried forward (a difference of {_gbp(cf - left)}). "
            "The report attributes the carry-forward also to 'some income from Training', whose amount it does not give"
            + (f", and says the {_gbp(scr)} spent on Serious Case Reviews was met by partner top-ups and earlier "
               "underspends, also unquantified" if scr is not None else "")
            + ". The gap cannot be explained from the printed figures.")
    sec.charts.append(_budget_chart(bud))
    inc_frame = bud.income.rename(columns={"agency": "Contributing agency", "gbp": "Contribution (£)",
                                           "as_printed": "As printed in the report"})
    inc_frame["Share of income (%)"] = inc_frame["Contribution (£)"] / inc * 100
    inc_frame = pd.concat([inc_frame, pd.DataFrame([
        {"Contributing agency": "Total (sum of the lines)", "Contribution (£)": inc, "Share of income (%)": 100.0,
         "As printed in the report": NOT_APPLICABLE},
        {"Contributing agency": "Total as printed", "Contribution (£)": bud.printed_income_total
         if bud.printed_income_total is not None else np.nan, "Share of income (%)": np.nan,
         "As printed in the report": bud.printed_income_words or dc.NOT_AVAILABLE}])], ignore_index=True)
    sec.tables.append(Table(
        title=f"Board income by contributing agency, {bud.fy}", frame=inc_frame, source=bud.source,
        formats={"Contributing agency": "text", "As printed in the report": "text", "Contribution (£)": "gbp",
                 "Share of income (%)": "percent"},
        notes=["Agency names are standardised; the report's own words are shown beside them."]))
    exp_frame = bud.expenditure.rename(columns={"line": "Expenditure line", "gbp": "Spent (£)",
                                                "as_printed": "As printed in the report"})
    exp_frame["Share of expenditure (%)"] = exp_frame["Spent (£)"] / exp * 100
    exp_frame = pd.concat([exp_frame, pd.DataFrame([
        {"Expenditure line": "Total (sum of the lines)", "Spent (£)": exp, "Share of expenditure (%)": 100.0,
         "As printed in the report": NOT_APPLICABLE},
        {"Expenditure line": "Total as printed", "Spent (£)": bud.printed_expenditure_total
         if bud.printed_expenditure_total is not None else np.nan, "Share of expenditure (%)": np.nan,
         "As printed in the report": bud.printed_expenditure_words or dc.NOT_AVAILABLE}])],
        ignore_index=True)
    sec.tables.append(Table(
        title=f"Board expenditure by line, {bud.fy}", frame=exp_frame, source=bud.source,
        formats={"Expenditure line": "text", "As printed in the report": "text", "Spent (£)": "gbp",
                 "Share of expenditure (%)": "percent"}))
    other = pd.DataFrame([
        {"Item": "Deficit (expenditure less income)", "Pounds (£)": bud.deficit},
        {"Item": "Serious Case Review expenditure (outside the lines above)", "Pounds (£)": _nan(scr)},
        {"Item": "Non-recurrent balance brought forward", "Pounds (£)": _nan(bf)},
        {"Item": "Balance carried forward to the next year", "Pounds (£)": _nan(cf)},
        {"Item": "Income from training (mentioned, amount not given)", "Pounds (£)": _nan(o.get("training_income"))},
    ])
    sec.tables.append(Table(title=f"Deficit, balances and other spending, {bud.fy}", frame=other, source=bud.source,
                            formats={"Item": "text", "Pounds (£)": "gbp"},
                            notes=["x = not available: the report mentions the item but gives no amount."]))
    return sec


def _as_printed(note: str) -> str:
    """The report's own words for a budget line, kept in the row's note as ``printed '…'``
    (the transcription convention of data/raw); empty when the note does not quote it."""
    m = re.search(r"printed '([^']+)'", note or "")
    return m.group(1) if m else ""


def _nan(v: float | None) -> float:
    return np.nan if v is None else v


def _budget_chart(bud: Budget):
    """Two bars, income and expenditure (pounds), with the gap marked and labelled."""
    fig, ax = charts.new_chart(8.0, 3.6)
    labels = ["Income", "Expenditure"]
    vals = [bud.income_total, bud.expenditure_total]
    for i, (lab, v) in enumerate(zip(labels, vals)):
        ax.barh(lab, v, color=charts.PALETTE[i], hatch=charts.HATCHES[i], edgecolor="white")
        ax.text(v, i, f" {_gbp(v)}", va="center", fontsize=10)
    lo, hi = sorted(vals)
    ax.annotate("", xy=(hi, -0.45), xytext=(lo, -0.45), arrowprops={"arrowstyle": "<->", "color": "#333333"})
    gap = "deficit" if bud.deficit > 0 else "surplus"
    ax.text((lo + hi) / 2, -0.55, f"{gap} {_gbp(abs(bud.deficit))}", ha="center", va="top", fontsize=9)
    ax.set_ylim(-0.9, 1.6)
    ax.set_xlim(0, hi * 1.3)
    ax.xaxis.set_major_formatter(lambda x, _pos: f"£{x / 1000:,.0f}k")
    title = (f"The board spent {_gbp(bud.expenditure_total)} against income of {_gbp(bud.income_total)}"
             if bud.deficit > 0 else f"The board's income of {_gbp(bud.income_total)} covered its spending")
    chart = charts.finish(
        fig, ax, title=title,
        subtitle=f"Income (partner contributions) and expenditure, {bud.fy}: a {gap} of {_gbp(abs(bud.deficit))}",
        xlabel="Pounds (£, thousands)", ylabel="", source=bud.source,
        alt=(f"Bar chart: income {_gbp(bud.income_total)} and expenditure {_gbp(bud.expenditure_total)} in {bud.fy}; "
             f"{gap} {_gbp(abs(bud.deficit))}."), legend=False)
    data = pd.DataFrame({"Item": ["Income (sum of contributions)", "Expenditure (sum of lines)", f"{gap.capitalize()}"],
                         "Pounds (£)": [bud.income_total, bud.expenditure_total, abs(bud.deficit)]})
    return chart, Table(title=chart.title, frame=data, source=bud.source, formats={"Item": "text", "Pounds (£)": "gbp"})


# --------------------------------------------------------------------------- uptake by agency
@dataclass
class Uptake:
    """Attendance share against funding share, one row per agency with either figure."""

    time_period: int
    frame: pd.DataFrame
    base_delegates: float | None  # the assumed n for the Wilson intervals (course-table delegates)
    source: str = ""  # source note for tables and charts


def uptake(ctx: Context, prog: Programme | None, bud: Budget | None) -> Uptake | None:
    """Match section 8's attendance shares to the budget's contributing agencies.

    Columns: ``agency`` (the budget's name, or the report's if no contribution matches),
    ``attendance_label`` (as printed), ``contribution_gbp``, ``funding_percent`` (of the sum of
    the income lines), ``attendance_percent`` (as printed, whole percent), ``implied_delegates``
    (attendance share × the course table's delegates, rounded to whole delegates: an assumption), Wilson ``lower``/``upper``
    (percent, 95%), ``ratio`` (attendance ÷ funding share) with ``ratio_lower``/``ratio_upper``,
    ``verdict`` of attendance against the funding share (at 95%) and ``robust`` (the same verdict
    at both ends of the printed figure's rounding range).
    """
    att = ctx.local("training_attendance_share", period_type="financial_year")
    if att.empty:
        return None
    att = _in_report_order(_latest_year(att))
    tp = int(att["time_period"].iloc[0])
    n = prog.delegates if prog is not None and prog.time_period == tp else None
    bud = bud if bud is not None and bud.time_period == tp else None
    rows = []
    funders = list(bud.income["agency"]) if bud is not None else []
    matched = set()
    for r in att.itertuples(index=False):
        funder = ATTENDANCE_TO_FUNDER.get(r.breakdown_value, r.breakdown_value)
        funder = funder if funder in funders else None
        if funder:
            matched.add(funder)
        rows.append({"agency": funder or r.breakdown_value, "attendance_label": r.breakdown_value,
                     "attendance_percent": float(r.value) if not pd.isna(r.value) else np.nan, "funder": funder})
    # the remainder: everyone whose attendance the report does not break down
    given = [x["attendance_percent"] for x in rows if not pd.isna(x["attendance_percent"])]
    rows.append({"agency": REMAINDER_LABEL, "attendance_label": "(100% less the shares given)",
                 "attendance_percent": 100 - sum(given) if given else np.nan, "funder": None, "remainder": True})
    df = pd.DataFrame(rows)
    df["remainder"] = df.get("remainder", False)
    df["remainder"] = df["remainder"].fillna(False).astype(bool)
    if bud is not None:
        shares = {a: bud.funding_share(a) for a in funders}
        contrib = dict(zip(bud.income["agency"], bud.income["gbp"]))
        df["contribution_gbp"] = [contrib.get(f, np.nan) if f else np.nan for f in df["funder"]]
        df["funding_percent"] = [shares.get(f, np.nan) if f else np.nan for f in df["funder"]]
        rest = [a for a in funders if a not in matched]
        rem = df["remainder"]
        df.loc[rem, "contribution_gbp"] = sum(contrib[a] for a in rest) if rest else np.nan
        df.loc[rem, "funding_percent"] = sum(shares[a] for a in rest if shares[a] is not None) if rest else np.nan
    else:
        df["contribution_gbp"] = np.nan
        df["funding_percent"] = np.nan
    # a printed share of a known base implies a whole number of delegates (rounded to the nearest)
    df["implied_delegates"] = (df["attendance_percent"] / 100 * n).round(0) if n else np.nan
    df["lower"] = np.nan
    df["upper"] = np.nan
    df["verdict"] = None
    df["robust"] = None
    if n:
        ok = df["attendance_percent"].notna()
        x = df.loc[ok, "implied_delegates"]
        lo, hi = stats.wilson_ci(x, n, conf=CONF)
        df.loc[ok, "lower"] = lo * 100
        df.loc[ok, "upper"] = hi * 100
        both = ok & df["funding_percent"].notna()
        if both.any():
            b = df.loc[both, "funding_percent"] / 100
            df.loc[both, "verdict"] = stats.compare_proportion_to_benchmark(df.loc[both, "implied_delegates"], n, b, conf=CONF)
            hw = df.loc[both, "attendance_percent"].map(_printed_half_width)
            p_lo = ((df.loc[both, "attendance_percent"] - hw).clip(lower=0) / 100 * n)
            p_hi = ((df.loc[both, "attendance_percent"] + hw).clip(upper=100) / 100 * n)
            v_lo = stats.compare_proportion_to_benchmark(p_lo, n, b, conf=CONF)
            v_hi = stats.compare_proportion_to_benchmark(p_hi, n, b, conf=CONF)
            df.loc[both, "robust"] = [bool(a == c == v) for a, c, v in zip(v_lo, v_hi, df.loc[both, "verdict"])]
    with np.errstate(divide="ignore", invalid="ignore"):
        df["ratio"] = df["attendance_percent"] / df["funding_percent"]
        df["ratio_lower"] = df["lower"] / df["funding_percent"]
        df["ratio_upper"] = df["upper"] / df["funding_percent"]
    # the remainder mixes contributing agencies with organisations that pay nothing: its attendance
    # is not a return on those contributions, so it gets no ratio or verdict (shown, not judged).
    rem = df["remainder"]
    df.loc[rem, ["ratio", "ratio_lower", "ratio_upper"]] = np.nan
    df.loc[rem, "verdict"] = None
    df.loc[rem, "robust"] = None
    return Uptake(tp, df, n, training_source(ctx.area_name, _fy_label(tp), with_budget=bud is not None))


def _verdict_words(verdict: str | None) -> str:
    level = stats.conf_label(CONF)
    return {"higher": f"significantly above it at {level}", "lower": f"significantly below it at {level}",
            "not significantly different": f"not significantly different from it at {level}"}.get(verdict or "", "")


def _uptake_sentence(r, n: float | None, d: str, no_budget: bool = False) -> str:
    """One agency's attendance against its funding, with interval and verdict (a full sentence).

    ``no_budget``: the year's income lines are absent (rather than this agency missing from them).
    """
    payer = r.funder or r.agency
    if pd.isna(r.funding_percent):
        s = f"{r.attendance_label} made up {_pct(r.attendance_percent, 0)} of training attendance"
    else:
        who = "" if r.attendance_label == payer else f"{r.attendance_label} staff "
        s = (f"{payer} paid {_pct(r.funding_percent)} of the board's income ({_gbp(r.contribution_gbp)}) and "
             f"{who}made up {_pct(r.attendance_percent, 0)} of training attendance")
    if n and not pd.isna(r.lower):
        s += (f" (about {_count_text(r.implied_delegates, d)} of the year's {_count_text(n, d)} course delegates, "
              f"if that is the base; 95% CI {sn.fmt_interval(r.lower, r.upper)})")
    if not pd.isna(r.ratio):
        s += f": {sn.fmt_number(r.ratio, 2)} times its funding share"
    if r.verdict:
        s += f", {_verdict_words(r.verdict)}"
        if r.robust is False:
            s += (" — but not robustly so, since the printed share is rounded to a whole percent and the verdict "
                  "changes within that rounding")
    if pd.isna(r.funding_percent):
        s += ("; the board's income by agency is not in the data for that year, so it cannot be set against funding"
              if no_budget else "; it has no matching line in the board's income, so no funding share")
    return s + "."


def _agency_section(ctx: Context, up: Uptake | None, bud: Budget | None) -> Section:
    sec = Section("agency_uptake", "Take-up by agency against each agency's share of the funding")
    if up is None:
        sec.unavailable = _not_yet(ctx, ["training_attendance_share"], "training attendance figures by agency")
        return sec
    d = ctx.disclosure
    f = up.frame
    fy = _fy_label(up.time_period)
    named = f[~f["remainder"]]
    sec.paragraphs.append(
        "The report asks whether partners get a return on their contribution to the board ('Partner agencies question "
        "the return they are receiving from their investment through the Board budget'). It gives attendance by agency "
        "only as " + " and ".join(f"{r.attendance_label} {_pct(r.attendance_percent, 0)}" for r in named.itertuples(index=False))
        + " of attendance; below, each is set against that agency's share of the board's income.")
    if bud is None or bud.time_period != up.time_period:
        sec.paragraphs.append(f"The board's budget for {fy} is not in the data, so funding shares cannot be computed.")
    no_budget = bud is None or bud.time_period != up.time_period
    for r in named.itertuples(index=False):
        sec.paragraphs.append(_uptake_sentence(r, up.base_delegates, d, no_budget))
    rem = f[f["remainder"]]
    if not rem.empty and not pd.isna(rem["attendance_percent"].iloc[0]):
        r = rem.iloc[0]
        sec.paragraphs.append(
            f"Everyone else together made up the remaining {_pct(r['attendance_percent'], 0)} of attendance"
            + (f", while the other contributing agencies paid {_pct(r['funding_percent'])} of the income" if not pd.isna(r["funding_percent"]) else "")
            + ". That remainder also includes organisations that pay nothing to the board (for example voluntary "
            "groups and independent schools), so it is not a return on those agencies' contributions; the report "
            "says only that take-up was disproportionately by 'local authority' related services.")
    if up.base_delegates:
        sec.paragraphs.append(
            f"Assumptions: the report does not say what its percentages are of. The intervals take them as shares of the "
            f"{_count_text(up.base_delegates, d)} delegates in the course table (not the conference), and the printed "
            "whole-number percentages carry a further ±0.5 points of rounding. Police attendance was, in the report's "
            "words, 'almost entirely related to one course'.")
    sec.charts.append(_uptake_chart(up, ctx))
    sec.tables.append(_uptake_table(up, d))
    return sec


def _uptake_table(up: Uptake, d: str) -> Table:
    f = up.frame
    frame = pd.DataFrame({
        "Agency": f["agency"],
        "Attendance as printed": f["attendance_label"],
        "Contribution (£)": f["contribution_gbp"],
        "Share of income (%)": f["funding_percent"],
        "Share of attendance (%)": f["attendance_percent"],
        "Implied delegates (share × course delegates)": f["implied_delegates"],
        "95% CI lower (%)": f["lower"],
        "95% CI upper (%)": f["upper"],
        "Attendance ÷ funding share": f["ratio"],
        "Against funding share (95%)": [(v or "x") + ("" if rb is not False else " (not robust to rounding)")
                                        for v, rb in zip(f["verdict"], f["robust"])],
    })
    return Table(
        title=f"Training attendance against funding share by agency, {_fy_label(up.time_period)}",
        frame=frame, source=up.source,
        count_columns=["Implied delegates (share × course delegates)"],
        derived={c: "Implied delegates (share × course delegates)" for c in
                 ("Share of attendance (%)", "95% CI lower (%)", "95% CI upper (%)", "Attendance ÷ funding share")},
        formats={"Agency": "text", "Attendance as printed": "text", "Contribution (£)": "gbp",
                 "Share of income (%)": "percent", "Share of attendance (%)": "percent", "95% CI lower (%)": "percent",
                 "95% CI upper (%)": "percent", "Attendance ÷ funding share": "ratio", "Against funding share (95%)": "text"},
        notes=["Share of attendance as printed in section 8 (whole percent). Implied delegates, intervals and verdicts "
               "assume the shares are of the course table's total delegates. Ratio: 1 means attendance in proportion "
               "to funding; below 1, the agency's staff attend less than its share of the funding. 'Health' "
               "attendance is set against the Health CCGs' contribution. The remainder row includes organisations that "
               "do not contribute to the budget. x = not available."])


def _uptake_chart(up: Uptake, ctx: Context):
    """Dot plot: funding share (square) and attendance share (circle with 95% CI) per agency."""
    table = _uptake_table(up, ctx.disclosure)
    hidden = pd.Series(_hidden(table, "Implied delegates (share × course delegates)", ctx.disclosure),
                       index=up.frame.index)
    # a share the public table suppresses is not plotted either
    f = up.frame[up.frame["attendance_percent"].notna() & ~hidden].reset_index(drop=True)
    fig, ax = charts.new_chart(9.0, 1.6 + 1.1 * len(f))
    y = np.arange(len(f))[::-1]
    labels = [_wrap(a, 28) for a in f["agency"]]
    fund = charts.series_style(0)
    att = charts.series_style(1)
    ax.scatter(f["funding_percent"], y + 0.12, marker="s", s=70, color=fund["color"], label="Share of income (%)", zorder=3)
    err = np.vstack([f["attendance_percent"] - f["lower"], f["upper"] - f["attendance_percent"]])
    has_ci = f["lower"].notna().to_numpy()
    ax.errorbar(f["attendance_percent"], y - 0.12, xerr=np.where(has_ci, err, 0), fmt="o", ms=8, color=att["color"],
                ecolor=att["color"], capsize=4, label="Share of training attendance (%, 95% CI)", zorder=3)
    for yi, r in zip(y, f.itertuples(index=False)):
        if not pd.isna(r.funding_percent):
            ax.text(r.funding_percent, yi + 0.3, f"{_pct(r.funding_percent, 1)}", ha="center", fontsize=8.5)
        ax.text(r.attendance_percent, yi - 0.45, f"{_pct(r.attendance_percent, 0)}", ha="center", fontsize=8.5)
    ax.set_yticks(y, labels)
    ax.set_xlim(0, max(100.0, float(np.nanmax(f[["funding_percent", "upper", "attendance_percent"]].to_numpy())) + 5))
    ax.set_ylim(-0.8, len(f) - 0.3)
    named = f[~f["remainder"] & f["ratio"].notna()]
    fy = _fy_label(up.time_period)
    if not named.empty:
        low = named.loc[named["ratio"].idxmin()]
        who = "Health" if low["funder"] == "Health CCGs" else low["agency"]
        title = (f"{low['funder'] or low['agency']} paid {_pct(low['funding_percent'], 0)} of the board's income; "
                 f"{who} made up {_pct(low['attendance_percent'], 0)} of training attendance")
    else:
        title = f"Training attendance by agency, {fy}"
    subtitle = (f"Share of income and of training attendance, {fy}; attendance given only for "
                + " and ".join(f[~f["remainder"]]["attendance_label"]) + "; intervals assume "
                + (f"{_count_text(up.base_delegates, ctx.disclosure)} delegates" if up.base_delegates else "a base of delegates"))
    alt = ("Dot plot of each agency's share of the board's income (squares) and of training attendance (circles with "
           "95% confidence intervals): " + "; ".join(
               f"{r.agency}: income " + ("not available" if pd.isna(r.funding_percent) else f"{_pct(r.funding_percent, 1)}")
               + f", attendance {_pct(r.attendance_percent, 0)}"
               + ("" if pd.isna(r.lower) else f" (95% CI {_pct(r.lower, 1)} to {_pct(r.upper, 1)})")
               for r in f.itertuples(index=False)) + ".")
    ax.legend(loc="upper right")
    chart = charts.finish(fig, ax, title=title, subtitle=subtitle, xlabel="Percent (%)",
                          ylabel="", source=up.source, alt=alt, legend=False)
    return chart, table


# --------------------------------------------------------------------------- conference
def _conference_section(ctx: Context) -> tuple[Section, pd.DataFrame]:
    sec = Section("conference", "The annual conference")
    rows = _in_report_order(ctx.local("conference_attendees"))
    if rows.empty:
        sec.unavailable = _not_yet(ctx, ["conference_attendees"], "conference attendance figures")
        return sec, rows
    d = ctx.disclosure
    out = []
    for r in rows.itertuples(index=False):
        lower = "lower_bound" in r.flags.split(";")
        when = f"{r.period_end:%B %Y}"
        printed = (f"more than {_count_text(r.value, d)}" if lower else _count_text(r.value, d)) if not pd.isna(r.value) else "x"
        out.append({"Event": "Annual conference", "Month": when, "Attendees as printed": printed,
                    "Attendees (lower bound)" if lower else "Attendees": r.value})
        sec.paragraphs.append(
            f"In {when} the board's annual conference attracted {printed} multi-agency practitioners"
            + (". The report gives a lower bound, not a count, so the true figure is unknown and it is not added to "
               "the course delegates." if lower else "."))
    frame = pd.DataFrame(out)
    count_cols = [c for c in frame.columns if c.startswith("Attendees (") or c == "Attendees"]
    fy = _fy_label(int(rows["time_period"].iloc[-1]))
    sec.tables.append(Table(title="Annual conference attendance", frame=frame, source=training_source(ctx.area_name, fy),
                            count_columns=count_cols, formats={"Event": "text", "Month": "text", "Attendees as printed": "text"},
                            notes=["'More than' figures are lower bounds as printed; the report gives no exact count."]))
    return sec, rows


# --------------------------------------------------------------------------- data gaps
def _gaps_section(ctx: Context, prog: Programme | None, bud: Budget | None, up: Uptake | None) -> Section:
    sec = Section("data_gaps", "What the data cannot say, and the table to fill in next year")
    if prog is None and bud is None and up is None:
        sec.unavailable = _not_yet(ctx, ["training_delegates", "budget_income", "training_attendance_share"],
                                   "training and budget figures")
        return sec
    funders = list(bud.income["agency"]) if bud is not None else []
    given = {} if up is None else {r.agency: r for r in up.frame[~up.frame["remainder"]].itertuples(index=False)}
    missing = [a for a in funders if a not in given]
    if missing:
        sec.paragraphs.append(
            "Attendance is not given for " + ", ".join(missing[:-1]) + (" or " if len(missing) > 1 else "") + missing[-1]
            + ": for these contributing agencies the return on their contribution cannot be judged from the report.")
    sec.paragraphs.append(
        "The report gives no delegates by agency (only two percentages), no delegates by agency for each course (so it "
        "cannot show which course the Police attended), no previous year's figures to back its 'large increase', no cost "
        "per course or per delegate, no amount for training income, no non-attendance or cancellations, and no outcome "
        "of the evaluations it mentions.")
    sec.paragraphs.append(
        "To answer the return-on-contribution question next year, the training officer can fill in the table below "
        "from the booking system: delegates by the agency they work for, with the same agency names as the budget. "
        "x marks what the report does not give.")
    rows = []
    for a in funders:
        r = given.get(a)
        rows.append({"Agency": a, "Contribution (£)": float(bud.income.loc[bud.income["agency"] == a, "gbp"].iloc[0]),
                     "Delegates": np.nan, "Share of delegates (%)": np.nan if r is None else r.attendance_percent})
    for a, r in given.items():
        if a not in funders:
            rows.append({"Agency": a, "Contribution (£)": np.nan, "Delegates": np.nan,
                         "Share of delegates (%)": r.attendance_percent})
    rows.append({"Agency": NOT_CONTRIBUTING_LABEL, "Contribution (£)": np.nan, "Delegates": np.nan,
                 "Share of delegates (%)": np.nan})
    total_del = prog.delegates if prog is not None else np.nan
    rows.append({"Agency": "Total", "Contribution (£)": bud.income_total if bud is not None else np.nan,
                 "Delegates": total_del, "Share of delegates (%)": 100.0 if prog is not None else np.nan})
    fy = _fy_label((prog or bud or up).time_period)
    sec.tables.append(Table(
        title=f"Training delegates by agency: what is known for {fy} (x = not given; fill in next year)",
        frame=pd.DataFrame(rows), source=training_source(ctx.area_name, fy, with_budget=bud is not None),
        count_columns=["Delegates"], formats={"Agency": "text", "Contribution (£)": "gbp", "Share of delegates (%)": "percent"},
        notes=["Shares of delegates as printed in section 8 (whole percent; 'Health' set against the Health CCGs). "
               "The total delegates is the course table's sum; the conference is not included."]))
    return sec


# --------------------------------------------------------------------------- build
def build(area_code: str = "E10000031", period: str | None = "2017-18 Q4", data_dir: str | Path | None = None,
          disclosure: str = "public", area_name: str | None = None) -> ThemeResult:
    """Training uptake by agency for one area and period.

    ``period``: a quarter label such as ``"2017-18 Q4"`` (None: latest in the data). Only figures
    whose period ends on or before the period's end are used: the training and budget figures
    cover a whole financial year, so they appear from the Q4 run of that year.
    ``disclosure``: ``"public"`` (counts 1–5 suppressed in tables, labels and sentences) or
    ``"internal"``.
    """
    return build_for(context(area_code, period, data_dir, disclosure, area_name))


def build_for(ctx: Context) -> ThemeResult:
    """The theme for an already resolved :class:`~analysis.themes.context.Context` (see :func:`build`)."""
    d = ctx.disclosure
    prog = programme(ctx)
    bud = budget(ctx)
    up = uptake(ctx, prog, bud)
    conf_sec, conf_rows = _conference_section(ctx)
    sections = [_programme_section(ctx, prog), conf_sec, _agency_section(ctx, up, bud), _budget_section(ctx, bud),
                _gaps_section(ctx, prog, bud, up)]
    result = ThemeResult(THEME, TITLE, ctx.area_code, ctx.area_name, ctx.period, d, sections=sections)
    result.key_findings = _key_findings(ctx, prog, bud, up, conf_rows)
    result.caveats = _caveats(ctx, prog, bud, up)
    result.key_figures = _key_figures(ctx, prog, bud, up)
    return result


def _key_findings(ctx: Context, prog: Programme | None, bud: Budget | None, up: Uptake | None,
                  conf_rows: pd.DataFrame) -> list[str]:
    d = ctx.disclosure
    out = []
    if prog is not None:
        checks = narrative_check(prog)
        agree = all(r["Agreement"] in ("agree", "not printed") for r in checks)
        dpe = prog.delegates_per_event
        out.append(
            f"In {prog.fy} the board delivered {_count_text(prog.events, d)} training events from a programme of "
            f"{_count_text(prog.n_courses, d)} courses to {_count_text(prog.delegates, d)} delegates"
            + (f" ({sn.fmt_number(dpe, 1)} per event)" if dpe is not None else "")
            + f", {_num(prog.learning_hours)} hours of practitioner learning in all; the course table "
            + ("agrees with" if agree else "does not agree with") + " the totals printed in the report.")
        top = prog.courses.loc[prog.courses["learning_hours"].idxmax()] if prog.courses["learning_hours"].notna().any() else None
        if top is not None and not (d == "public" and _is_small(top["delegates"])):
            out.append(
                f"One course, '{top['course']}', accounted for {_pct(top['delegates_share'], 1)} of delegates and "
                f"{_pct(top['learning_hours_share'], 1)} of learning hours.")
    if up is not None:
        no_budget = bud is None or bud.time_period != up.time_period
        named = up.frame[~up.frame["remainder"]]
        for r in named.itertuples(index=False):
            out.append(_uptake_sentence(r, up.base_delegates, d, no_budget))
        if not no_budget:
            given = set(named["funder"].dropna())
            rest = [a for a in bud.income["agency"] if a not in given]
            if rest:
                share = sum(bud.funding_share(a) or 0 for a in rest)
                out.append("The report gives no attendance for the other contributing agencies ("
                           + ", ".join(rest) + f"), who paid {_pct(share)} of the income between them, so their "
                           "return on contribution cannot be judged.")
    if bud is not None:
        gap = "deficit" if bud.deficit > 0 else "surplus"
        out.append(f"The board spent {_gbp(bud.expenditure_total)} against income of {_gbp(bud.income_total)} in {bud.fy}, "
                   f"a {gap} of {_gbp(abs(bud.deficit))}.")
    if prog is None and not conf_rows.empty:
        r = conf_rows.iloc[-1]
        lower = "lower_bound" in r["flags"].split(";")
        out.append(f"The annual conference in {r['period_end']:%B %Y} attracted "
                   + ("more than " if lower else "") + f"{_count_text(r['value'], d)} multi-agency practitioners.")
    if prog is None:
        out += _unavailable_findings(ctx, conf_rows, bud)
    return out[:6]


def _unavailable_findings(ctx: Context, conf_rows: pd.DataFrame, bud: Budget | None) -> list[str]:
    """Plain sentences for a run without the year's programme: why, and where the figures are."""
    if not ctx.has_local():
        return [f"There is no safeguarding board data for {ctx.area_name} in the data folder, and training uptake "
                "comes only from a board's own annual report.",
                "The Department for Education publishes no figures on partnership training or board budgets, so no "
                "national data can stand in for the board's own.",
                "To produce this appendix, add the board's course table, its attendance by agency and its budget "
                "lines as a local dataset in the toolkit's tidy format."]
    out = [_not_yet(ctx, ["training_events", "training_delegates"], "training course figures")]
    if bud is None and ctx.period.quarter in (None, 4):
        out.append(f"The board's data holds no income and expenditure for a year ending by {_date(ctx.period.end)}, so "
                   "whether partners get a return on their contribution cannot be examined.")
    elif bud is None:
        out.append("The board's income and expenditure are also reported for the whole year, so whether partners get a "
                   "return on their contribution can only be examined in a year-end appendix.")
    if conf_rows.empty:
        out.append("No other training figure in the board's data falls within this period.")
    return out


def _caveats(ctx: Context, prog: Programme | None, bud: Budget | None, up: Uptake | None) -> list[str]:
    out = []
    if up is not None:
        out.append("Attendance by agency is given only for two agencies, as whole percentages with no stated base; intervals "
                   "assume a base of the course table's delegates, and Police attendance was 'almost entirely related to "
                   "one course'.")
        out.append("'Health' attendance is set against the Health CCGs' contribution; the report does not say whether it "
                   "includes NHS provider trusts, which do not fund the board directly.")
    if prog is not None and prog.courses["events"].between(1, 5).any():
        out.append("Small numbers: some courses ran fewer than six times, so figures per event for them rest on very few "
                   "sessions.")
    if ctx.has_local():
        out.append("There is no national benchmark: the DfE publishes no figures on safeguarding partnership training or "
                   "budgets, so comparisons are within the board only.")
    rows = ctx.local(["training_events", "training_delegates", "course_hours", "training_attendance_share",
                      "conference_attendees", "budget_income", "budget_expenditure"])
    if rows["flags"].str.contains("unvalidated").any():
        out.append("Some of these figures are marked by the board as not yet validated.")
    if rows["flags"].str.contains("lower_bound").any():
        out.append("The conference attendance is printed as 'more than' a number: a lower bound, not a count.")
    if prog is not None and any(r["Agreement"] not in ("agree", "not printed") for r in narrative_check(prog)):
        out.append("The course table does not agree with the narrative's printed totals; both are shown.")
    if bud is not None:
        for label, comp, printed in (("income", bud.income_total, bud.printed_income_total),
                                     ("expenditure", bud.expenditure_total, bud.printed_expenditure_total)):
            if printed is not None and abs(comp - printed) > 1e-9:
                out.append(f"The printed {label} total differs from the sum of its lines; the sum is used.")
    if ctx.disclosure == "public":
        out.append("Public version: small counts (fewer than six) are shown as c, as in every table of this toolkit, "
                   "although training events do not identify children.")
    out += caveats_from_findings(ctx.findings_for(TABLES))
    return out


def _key_figures(ctx: Context, prog: Programme | None, bud: Budget | None, up: Uptake | None) -> dict:
    d = ctx.disclosure
    kf: dict = {}
    if prog is not None:
        kf.update({
            "financial_year": prog.fy,
            "courses": _public_count(prog.n_courses, d),
            "courses_printed_total": _public_count(prog.printed.get("training_courses"), d),
            "events": _public_count(prog.events, d),
            "events_printed_total": _public_count(prog.printed.get("training_events"), d),
            "delegates": _public_count(prog.delegates, d),
            "learning_hours": prog.learning_hours,
            "course_hours_delivered": prog.course_hours_delivered,
            "delegates_per_event": None if prog.delegates_per_event is None else _round(prog.delegates_per_event, 1),
        })
    if up is not None:
        f = up.frame.set_index("attendance_label")
        for label, key in (("Police", "police"), ("Health", "health")):
            if label in f.index:
                r = f.loc[label]
                kf[f"{key}_attendance_percent"] = float(r["attendance_percent"])
                kf[f"{key}_funding_percent"] = None if pd.isna(r["funding_percent"]) else _round(r["funding_percent"], 1)
                kf[f"{key}_attendance_to_funding_ratio"] = None if pd.isna(r["ratio"]) else _round(r["ratio"], 2)
                kf[f"{key}_attendance_ci_lower"] = None if pd.isna(r["lower"]) else _round(r["lower"], 1)
                kf[f"{key}_attendance_ci_upper"] = None if pd.isna(r["upper"]) else _round(r["upper"], 1)
                kf[f"{key}_verdict"] = r["verdict"]
                kf[f"{key}_verdict_robust_to_rounding"] = None if r["robust"] is None else bool(r["robust"])
    if bud is not None:
        kf.update({"income_total": bud.income_total, "expenditure_total": bud.expenditure_total,
                   "deficit": bud.deficit})
    return kf
