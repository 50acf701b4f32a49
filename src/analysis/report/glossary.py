"""The glossary of an appendix: each technical term the page uses, defined once in plain words.

:data:`TERMS` holds every term the appendices may use, with the pattern that finds it in a
sentence and its definition. :func:`terms_used` picks, in the order of :data:`TERMS`, only the
terms that a page's text actually uses (:func:`page_text`), so the glossary is computed for each
page: a page that never says "funnel plot" does not define it.

:data:`METHODS` holds the statistical methods and published sources behind the figures, each under
its published name. Those names (and their symbols) appear on a page only here, in the note "How the
figures were worked out" under the glossary, once each: a theme lists the methods its page uses in
:attr:`~analysis.report.model.ThemeResult.methods`, and everywhere else the page says what a method
does in plain words ("the range the true figure probably lies in", "the range normal variation
gives").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .model import ThemeResult


@dataclass(frozen=True)
class Term:
    """A technical term, the pattern that finds it (case-insensitive) and its definition."""

    term: str
    pattern: str
    definition: str

    def used_in(self, text: str) -> bool:
        return re.search(self.pattern, text, re.IGNORECASE) is not None


#: Every term an appendix may use, in the order the glossary lists them.
TERMS: tuple[Term, ...] = (
    Term("Child protection plan", r"\bchild protection plans?\b|\bon plans?\b",
         "A plan agreed at a child protection conference for a child judged to be at risk of significant harm."),
    Term("Children in need", r"\bchildren in need\b",
         "Children the local authority's social care services support because their health or development "
         "would suffer without help."),
    Term("Looked-after children", r"\blooked[- ]after\b",
         "Children in the care of the local authority."),
    Term("Referral", r"\breferrals?\b",
         "A request to children's social care to assess whether a child needs help or protection."),
    Term("Rate per 10,000 children", r"\bper 10,000\b",
         "How many children out of every 10,000 aged 0 to 17 living in the area, so that areas of different "
         "sizes can be compared."),
    Term("Validated figures", r"\bvalidated\b|\bunvalidated\b",
         "Figures the Department for Education (DfE) has checked and published; a board's own figures are "
         "collected during the year and can change when they are checked."),
    Term("Confidence interval", r"\bconfidence interval\b|\b95% interval\b|\binterval\b",
         "The range the true figure probably lies in (95 times out of 100), given that small numbers vary "
         "by chance. The fewer the children, the wider the range."),
    Term("Statistically significant", r"\bsignificant(ly)?\b",
         "Too large a difference or change to be explained by chance alone. 'Not significantly different' "
         "means the figures may differ only by chance, not that they are the same."),
    Term("95% and 99.8%", r"\b99\.8%",
         "How sure a verdict is: at 99.8% a difference this large would arise by chance only 2 times in "
         "1,000, so it is a firmer signal than one at 95%."),
    Term("Percentage points", r"\bpercentage points?\b",
         "The difference between two percentages (5% to 7% is a rise of 2 percentage points, or 40%)."),
    Term("Statistical neighbours", r"\bstatistical neighbours?\b|\bneighbours'",
         "The 10 local authorities DfE judges most similar to this one in their population and "
         "circumstances, used to compare like with like."),
    Term("Funnel plot", r"\bfunnel\b",
         "A chart of every authority's rate against its number of children, with limits that narrow as "
         "numbers grow: an authority outside the limits differs from England by more than chance."),
    Term("Normal variation", r"\bnormal variation\b|\broutine variation\b|\bunusual\b",
         "The ups and downs a figure shows from period to period for no particular reason; a point or run of "
         "points outside that range is unusual and worth looking into."),
    Term("Year to date", r"\byear[- ]to[- ]date\b|\bfrom 1 April\b",
         "Counted from the start of the financial year (1 April) to the date shown."),
    Term("Suppressed figures (c)", r"\bsuppressed\b|\bwithheld\b|\bshown as ['‘]?c\b",
         "In the public version, counts of 1 to 5 children, and any figure that would reveal one, are "
         "replaced by c so that no child can be identified."),
    Term("BME (Black and minority ethnic)", r"\bBME\b",
         "Children of every ethnic group other than White British."),
    Term("School Census", r"\bSchool Census\b",
         "DfE's count of pupils in state schools each January, used here as the make-up of the area's "
         "children."),
    Term("Child Death Overview Panel", r"\bChild Death Overview Panel\b|\bpanel\b",
         "The panel that reviews the death of every child in its area to learn whether anything could "
         "prevent future deaths."),
    Term("Modifiable factors", r"\bmodifiable factors\b",
         "Things that, if changed, might have prevented the death; the panel records them when it reviews "
         "a death."),
    Term("Family Resources Survey", r"\bFamily Resources Survey\b",
         "A yearly survey of households by the Department for Work and Pensions; it gives the national share "
         "of children who are disabled."),
    Term("Rate ratio", r"\brate ratio\b",
         "One rate divided by another (a group's rate against other children's, or one year's against the year "
         "before): 1 means the same rate, 2 twice the rate, 0.5 half."),
    Term("Delegate", r"\bdelegates?\b",
         "A person attending a training event; someone who attends two events counts twice."),
)


@dataclass(frozen=True)
class Method:
    """A method or source under its published name (the only place a page names it), and what it
    does in plain words."""

    name: str
    what: str


#: The methods and sources behind the figures, by key, in the order the note lists them.
METHODS: dict[str, Method] = {
    "proportion_interval": Method(
        "Wilson score interval",
        "How the range around a percentage is worked out: the method Public Health England uses for percentages."),
    "count_interval": Method(
        "Exact Poisson interval and Byar's method",
        "How the range around a count or a rate is worked out: exact for fewer than 10 events, a close "
        "approximation from 10, as Public Health England does. A figure is called higher or lower than another "
        "only when the other lies outside its range."),
    "difference_interval": Method(
        "Newcombe's method",
        "How the range around a change in a percentage between two dates is worked out."),
    "rate_change_test": Method(
        "Exact test for the ratio of two rates (conditional binomial)",
        "How a change in a count between two dates is tested: whether the change is larger than chance alone "
        "would give."),
    "spc": Method(
        "Statistical process control (SPC): XmR charts with limits at the mean ± 3σ from the moving range, and the "
        "special-cause rules of NHS England's Making Data Count",
        "The usual range of an indicator is its average plus or minus 2.66 times the average change from one "
        "point to the next (about three standard deviations). A point outside that range, a run of "
        "seven points rising, falling or on one side of the average, or two of three points near the edge is "
        "unusual and worth looking into."),
    "funnel": Method(
        "Funnel plot control limits, with Spiegelhalter's allowance for overdispersion (τ²)",
        "The limits show how far an authority's rate could sit from England's by chance alone, given its number "
        "of children. Because authorities also differ for real reasons (local need, thresholds), wider limits "
        "that allow for those differences, estimated from every authority, are shown as well."),
    "rri": Method(
        "Relative rate index (RRI)",
        "The published name of the rate ratio; its confidence interval is the exact interval for the ratio of two "
        "rates."),
    "chi_squared": Method(
        "Chi-squared goodness-of-fit test (degrees of freedom, p-value)",
        "Tests whether the mix of recorded groups differs from the School Census mix by more than chance would "
        "give; it is not used when a group expects fewer than five children."),
    "lait": Method(
        "DfE's Local Authority Interactive Tool (LAIT)",
        "The Department for Education's published collection of figures for every local authority, region and "
        "England, from which the long-plans, child death review and published rate figures are taken."),
}


def methods_used(keys) -> list[Method]:
    """The :data:`METHODS` of ``keys``, in the note's order (unknown keys are an error)."""
    unknown = [key for key in keys if key not in METHODS]
    if unknown:
        raise KeyError(f"no method {unknown} in analysis.report.glossary.METHODS")
    return [method for key, method in METHODS.items() if key in set(keys)]


def page_text(result: ThemeResult) -> str:
    """Every sentence a reader sees on the theme's page, as one text: In brief, findings, caveats,
    section sentences, table and chart titles and notes."""
    parts = [result.title, *result.in_brief, *result.key_findings, *result.caveats]
    for section in result.sections:
        parts += [section.heading, *(section.paragraphs or []), section.unavailable or ""]
        for chart, table in section.charts:
            parts += [chart.title, table.title, *table.notes]
        for table in section.tables:
            parts += [table.title, *table.notes]
    return "\n".join(part for part in parts if part)


def terms_used(text: str) -> list[Term]:
    """The terms of :data:`TERMS` that ``text`` uses, in the glossary's order."""
    return [term for term in TERMS if term.used_in(text)]
