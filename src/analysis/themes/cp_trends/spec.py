"""What the theme is made of: its sections, the board's tables it reads, its indicators and breakdowns.

Constants only; every other module of the package imports from here.
"""

from __future__ import annotations

from dataclasses import dataclass

THEME = "cp_trends"
TITLE = "Child protection: trends and benchmarks"
#: The board's tables this theme reads (data-quality findings touching them become caveats).
LOCAL_TABLES = ["3.1", "4.1", "4.2", "4.3"]
#: Section keys, in order, and their headings (the notebook calls them by key).
SECTIONS: dict[str, str] = {
    "plans": "Children on child protection plans",
    "benchmarks": "Against England, the region and statistical neighbours",
    "funnel": "Every English local authority: funnel plot",
    "districts": "Districts",
    "mix": "Category of abuse, age and gender",
    "indicators": "Performance indicators",
    "context": "Children in need and looked-after children",
}
#: The methods and sources behind the page's figures (keys of analysis.report.glossary.METHODS),
#: named only in its note "How the figures were worked out"; "spc" only where the board has indicators.
METHODS = ("count_interval", "proportion_interval", "difference_interval", "rate_change_test", "spc", "funnel",
           "lait")
#: GSS code of England (DfE's national rows).
ENGLAND = "E92000001"
#: Rates are per this many children aged 0–17.
PER_CHILDREN = 10_000


@dataclass(frozen=True)
class Indicator:
    """One performance indicator of the board's table 4.3 (a percentage)."""

    label: str
    #: what the percentage is of, as it reads in a sentence
    what: str
    #: the DfE measure holding DfE's validated value of the same indicator (None: DfE has none)
    dfe_measure: str | None
    #: how the DfE source is named in the summary table
    dfe_source: str | None
    #: which direction is better, as :func:`analysis.stats.spc.xmr` takes it (None: neither)
    spc_polarity: str | None


#: The indicators of table 4.3, by measure, in the order the section shows them.
INDICATORS: dict[str, Indicator] = {
    "cp_ceased_2yrs_plus_percent": Indicator(
        label="Long plans",
        what="children ceasing a plan who had been on it for two years or more",
        dfe_measure="cp_ceased_2yrs_plus_percent",  # LAIT CPPlans2yrs
        dfe_source="DfE: plans ended in the year",
        spc_polarity="lower_is_better",
    ),
    "cp_ceased_3months_or_less_percent": Indicator(
        label="Short plans",
        what="children ceasing a plan who had been on it for three months or less",
        dfe_measure=None,
        dfe_source=None,
        spc_polarity=None,  # neither direction is better: context
    ),
    "cp_repeat_plans_percent": Indicator(
        label="Repeat plans",
        what="plans starting that were a second or later plan (at any time)",
        dfe_measure="cp_repeat_plans_percent",  # D3 CPP_subsequent_percent
        dfe_source="DfE: plans started in the year",
        spc_polarity="lower_is_better",
    ),
    "cp_repeat_plans_within_2yrs_percent": Indicator(
        label="Repeat plans within two years",
        what="plans starting within two years of a previous plan ending",
        dfe_measure=None,
        dfe_source=None,
        spc_polarity="lower_is_better",
    ),
}
#: The indicator whose latest value is a key figure and whose sentence is a candidate key finding.
LONG_PLANS = "cp_ceased_2yrs_plus_percent"
#: The DfE indicator published with its counts (D3), so it gets a confidence interval.
REPEAT_PLANS_DFE = "cp_repeat_plans_percent"


@dataclass(frozen=True)
class Breakdown:
    """One breakdown of the board's table 4.2 (children on plans by group)."""

    #: how the breakdown reads in a sentence ("category of abuse")
    what: str
    #: the heading of its group column ("Category of abuse")
    column: str


#: The breakdowns of table 4.2, by the data's ``breakdown`` name, in the order the section shows them.
BREAKDOWNS: dict[str, Breakdown] = {
    "cp_category": Breakdown("category of abuse", "Category of abuse"),
    "age": Breakdown("age", "Age group"),
    "gender": Breakdown("gender", "Gender"),
}
