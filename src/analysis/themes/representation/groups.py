"""What the representation theme measures: its groups, populations, tables and fixed wording.

The groups (BME, non-English-speaking, disabled) and populations (children on plans,
referrals) are labelled as the board's tables 2.3 and 4.2 label them. Also here: the names of
the theme's table columns and sources, and the quotations the "not recorded" section opens with.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..context import board_source

THEME = "representation"
TITLE = "BME, language and disability representation"

#: Section keys, in display order (the notebook calls them by these names).
SECTION_KEYS = ("benchmarks", "trends", "not_recorded", "mix", "census_2021")

#: Report tables this theme reads (their data-quality findings become caveats).
TABLES = ("2.3", "4.2")
#: Tables that only supply totals: their findings count when they concern those totals.
TOTAL_MEASURES = ("children_on_cp_plan", "referrals")
TOTAL_TABLES = ("3.1", "2.1", "4.2", "DfE d5", "DfE c1")
#: The measures of tables 2.3 and 4.2 this theme reads (4.2's age, gender and category counts belong to CP trends).
THEME_MEASURES = ("cp_plan_share", "referrals_share", "school_census_pupil_share", "disabled_children_prevalence")

#: The breakdown value of records whose ethnicity or language is not recorded.
NOT_RECORDED = "Not recorded"

CENSUS_MEASURE = "census_population_all_ages"
CENSUS_SOURCE = "Source: ONS Census 2021, usual residents by ethnic group (20 categories), all ages"
ENGLAND = "E92000001"
#: The geography of the census comparator, said wherever it is shown.
ENGLAND_ONLY_NOTE = ("England is England only (ONS's England rows, without Wales); the area is the local authority "
                     "as Census 2021 reports it.")

#: Conclusions about a verdict once the "not recorded" records are allowed for.
INCONCLUSIVE = "inconclusive"
NO_BOUNDS = "cannot be bounded"

#: Count columns of the theme's tables.
COUNT = "Count (reconstructed)"
NR_COUNT = "Not recorded (reconstructed count)"
OTHER_RECORDED_COUNT = "Other recorded children (reconstructed)"
#: Share columns of the mix table: children on plans with the item recorded, and the School Census.
MIX_OBSERVED = "Share of recorded children %"
MIX_EXPECTED = "School Census share (rescaled) %"

#: How a percentage column of a table is formatted (see :class:`analysis.report.model.Table`).
PERCENT_FORMAT = "percent"



@dataclass(frozen=True)
class BoardSources:
    """Source notes of the area's own board tables 2.3 and 4.2, named from its dataset
    (:func:`analysis.themes.context.board_source`); empty when the area has no board data,
    whose sections then say so and show no table."""

    table_2_3: str = ""
    table_4_2: str = ""

    @property
    def shares(self) -> str:
        """Tables 2.3 and 4.2 (the shares of referrals and of children on plans)."""
        return f"{self.table_2_3} and table 4.2" if self.table_2_3 else ""

    @property
    def reconstructed(self) -> str:
        return f"{self.shares}; counts reconstructed from printed shares" if self.shares else ""

    def plans(self, detail: str) -> str:
        """Table 4.2 with a detail ("counts reconstructed from printed shares")."""
        return f"{self.table_4_2}; {detail}" if self.table_4_2 else ""


def board_sources(ctx) -> BoardSources:
    """The area's board sources, or empty ones when it has no board data."""
    if not ctx.has_local():
        return BoardSources()
    return BoardSources(board_source(ctx, "2.3"), board_source(ctx, "4.2"))

WITHHELD_NOTE = "c = withheld to protect confidentiality (the figure rests on 1 to 5 children, or would reveal one)."


@dataclass(frozen=True)
class Group:
    """A group whose representation is measured, labelled as tables 2.3 and 4.2 label it."""

    key: str
    short: str  # tables and chart labels
    noun: str  # sentences
    title_name: str  # inside a chart title
    breakdown: str
    value: str
    complement: str | None  # the other recorded group (None: everyone else in the total)
    benchmark_measure: str
    benchmark_name: str


@dataclass(frozen=True)
class Population:
    """Whom the shares are of."""

    key: str
    label: str
    measure: str
    table: str
    unit: str  # "children" or "referrals"


GROUPS = (
    Group("bme", "BME", "BME children", "BME", "ethnicity", "BME", "White British/Irish/Other",
          "school_census_pupil_share", "School Census"),
    Group("non_english", "Non-English speaking", "children whose preferred language is not English",
          "non-English-speaking", "language", "Non-English speaking", "English", "school_census_pupil_share",
          "School Census"),
    Group("disabled", "Disabled", "disabled children", "disabled", "disability", "Disabled", None,
          "disabled_children_prevalence", "national prevalence of disability among children"),
)
POPULATIONS = (
    Population("plans", "children on child protection plans", "cp_plan_share", "4.2", "children"),
    Population("referrals", "referrals to children's social care", "referrals_share", "2.3", "referrals"),
)
GROUP_BY_KEY = {group.key: group for group in GROUPS}
POPULATION_BY_KEY = {population.key: population for population in POPULATIONS}
POPULATION_LABELS = {population.key: population.label for population in POPULATIONS}

#: Census 2021 broad groups (the text before the colon of each of the 20 categories).
CENSUS_BROAD_ORDER = ("White", "Asian, Asian British or Asian Welsh",
                      "Black, Black British, Black Welsh, Caribbean or African",
                      "Mixed or Multiple ethnic groups", "Other ethnic group")

#: The report the two quotes below are transcribed from: they are shown only on a page whose board
#: tables come from that report (named from its dataset's SOURCE.md), never on another board's.
QUOTES_FROM = "Warwickshire Safeguarding Children Board Annual Report 2017/18"
OFSTED_QUOTE = ("Ensure that the board has a full understanding of any gaps in the provision of equitable services "
                "to children who have a disability or are of a different cultural and ethnic background, in order "
                "to assure itself that services are meeting the needs of all children.")
BOARD_QUOTE = ("there is still under-recording of information on children from minority ethnic and linguistic "
               "groups with figures lower than would be expected when compared to the Warwickshire population. "
               "This makes monitoring and trend evaluation inconsistent.")
