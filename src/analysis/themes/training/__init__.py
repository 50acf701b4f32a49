"""Theme: multi-agency training uptake by agency (the board's learning and development offer).

It answers: what did the board's multi-agency training programme deliver over the year, who
attended compared with who pays for the board, and what does the board's budget show?

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

Periods: the course, attendance and budget figures are annual: a run for a period ending before
31 March of the year sees only what ended by then (the July conference, in one month), and each
other section says plainly that its figures are not yet available. With several years in the
data the latest year up to the period is shown, and the programme section adds totals by year.

Disclosure: in public mode tables carry ``count_columns``/``derived`` (and
``implicit_totals=False`` where rows or columns are not parts of a whole), charts hide exactly
what their table shows as ``c``, and sentences say "fewer than 6" instead of a count from 1 to 5
(:class:`analysis.report.words.CountWords`).

The package, each module importing only those above it:

* :mod:`.frames`: the data (course table, budget, attendance against funding, conference);
* :mod:`.charts`: chart drawing, each chart with the table of its data;
* :mod:`.findings`: the finding sentences, key findings (by an explicit ranking), caveats and
  key figures;
* :mod:`.sections`: the five sections (sentences, tables, which chart goes where);
* this module: :func:`build`.

Layer: a theme; it may import :mod:`analysis.themes.context`, :mod:`analysis.report`,
:mod:`analysis.stats`, :mod:`analysis.periods` and :mod:`analysis.formatting` (and, through the
context, the data), never :mod:`analysis.pipeline` or another theme.
"""

from __future__ import annotations

from pathlib import Path

from ...report.model import ThemeResult
from ..context import Context, context
from .findings import caveats, key_findings, key_figures
from .frames import (
    ATTENDANCE_TO_FUNDER,
    BUDGET_TABLES,
    CONF,
    TABLES,
    TRAINING_TABLES,
    Budget,
    Programme,
    Uptake,
    budget,
    budget_source,
    conference,
    narrative_check,
    programme,
    training_source,
    uptake,
)
from .brief import in_brief
from .sections import agency_section, budget_section, conference_section, gaps_section, programme_section

__all__ = [
    "THEME", "TITLE", "SECTION_KEYS", "TABLES", "TRAINING_TABLES", "BUDGET_TABLES", "ATTENDANCE_TO_FUNDER", "CONF",
    "Programme", "Budget", "Uptake", "programme", "budget", "uptake", "narrative_check", "training_source",
    "budget_source", "build", "build_for",
]

THEME = "training"
TITLE = "Multi-agency training uptake by agency"

#: Section keys, in display order (the notebook calls each one).
SECTION_KEYS = ("programme", "conference", "agency_uptake", "budget", "data_gaps")


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
    course_programme = programme(ctx)
    board_budget = budget(ctx)
    agency_uptake = uptake(ctx, course_programme, board_budget)
    conference_rows = conference(ctx)
    sections = [programme_section(ctx, course_programme),
                conference_section(ctx, conference_rows),
                agency_section(ctx, agency_uptake),
                budget_section(ctx, board_budget),
                gaps_section(ctx, course_programme, board_budget, agency_uptake)]
    result = ThemeResult(THEME, TITLE, ctx.area_code, ctx.area_name, ctx.period, ctx.disclosure, sections=sections,
                         period_note=ctx.period_note, methods=["proportion_interval"])
    result.key_findings = key_findings(ctx, course_programme, board_budget, agency_uptake, conference_rows)
    result.caveats = caveats(ctx, course_programme, board_budget, agency_uptake)
    result.key_figures = key_figures(ctx, course_programme, board_budget, agency_uptake)
    result.in_brief = in_brief(ctx, result.key_figures)
    return result
