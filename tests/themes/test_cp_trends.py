"""CP trends theme: build() on the shipped data, asserted against the WSCB Annual Report 2017/18
and DfE's published files.

Expected values are the report's printed figures (quoted in the comments), DfE/ONS figures
read straight from the published files in data/raw/dfe (not through the package's adapters),
plain arithmetic on those, or the published interval formula of methods.md (Byar's). The theme
computes everything from data/raw.

Speed: chart rendering (PNG encoding and layout) is most of a build's time and nothing here
looks at pixels, so the module's fixtures stub the two matplotlib calls that produce the image;
:func:`analysis.report.charts.finish` itself still runs (it refuses a chart without a title or alt
text). The notebook tests render every chart for real.
"""

from __future__ import annotations

import functools
import math
import re

import numpy as np
import pandas as pd
import pytest

from analysis.report import display
from analysis.paths import REPO_ROOT
from analysis.themes import cp_trends

WARWICKSHIRE = "E10000031"
COVENTRY = "E08000026"  # DfE data only: no board report in data/raw
DFE = REPO_ROOT / "data" / "raw" / "dfe"

# Section 4: "The number of children subject to Child Protection Plans increased in this year by
# 28.5% - rising from 439 to 564."
START, END, CHANGE = 439, 564, 28.5
# Table 3.1: "Number of Children subject to Child Protection Plans 528 536 472 439 478 547 554 564*"
# (31-Mar-14 … 31-Mar-18); the Q2 column (30-Sep-17) is 547.
Q2_END = 547
# Section 4: "The percentage of children who ceased to be subject of a CP Plan in 2017/18 who had
# been such for 2+ years stood at 5.9%"; table 4.3 'Long Plans' Q2 End 30-Sep-17: 6.4%.
LONG_PLANS, LONG_PLANS_Q2 = 5.9, 6.4
# Table 4.2 prints 443 at 31-Mar-17 where table 3.1 prints 439.
T42_MAR17 = 443
# Table 4.2, Gender, 'Not Recorded' at 31-Mar-18: 2 (a count public mode must hide).
GENDER_NOT_RECORDED_MAR18 = 2

#: A stand-alone whole number from 1 to 5 in prose (not part of 17, 0.5, 2017/18, 95%, Q2, -1 …).
SMALL_NUMBER = re.compile(r"(?<![\w.,/–−+-])[1-5](?![\w.,%/–-])")
#: Age-group labels of table 4.2 and dates: small numbers that are not counts.
NOT_COUNTS = re.compile(r"\b(\d+ to \d+|Under 1|\d{1,2} (January|February|March|April|May|June|July|August|"
                        r"September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Oct|Nov|Dec))\b", re.IGNORECASE)


pytestmark = pytest.mark.usefixtures("no_pixels")  # charts are not drawn: see conftest.no_pixels


@pytest.fixture(scope="module")
def q4():
    return cp_trends.build(WARWICKSHIRE, "2017-18 Q4", disclosure="public")


@pytest.fixture(scope="module")
def q4_internal():
    return cp_trends.build(WARWICKSHIRE, "2017-18 Q4", disclosure="internal")


@pytest.fixture(scope="module")
def q2():
    return cp_trends.build(WARWICKSHIRE, "2017-18 Q2", disclosure="internal")


@pytest.fixture(scope="module")
def coventry():
    return cp_trends.build(COVENTRY, "2017-18 Q4", disclosure="public", area_name="Coventry")


# --------------------------------------------------------------------------- published files
def d5_count(new_la_code: str, year: int) -> float:
    """DfE table D5 'CPP_At31' (children on plans at 31 March of ``year``), read as published."""
    d5 = pd.read_csv(DFE / "d5_cpps_at31march_by_duration_2013_to_2025.csv", dtype=str)
    row = d5[(d5["new_la_code"] == new_la_code) & (d5["time_period"] == str(year))]
    assert len(row) == 1
    return float(row["CPP_At31"].iloc[0])


def ons_population(new_la_code: str, year: int) -> float:
    """ONS mid-year population aged 0-17 at 30 June ``year``, read as published."""
    pop = pd.read_csv(DFE / "ons_mid-year_population_estimates_2012_to_2024.csv", dtype=str)
    row = pop[(pop["new_la_code"] == new_la_code) & (pop["time_period"] == str(year))]
    assert len(row) == 1
    return float(row["population_estimate"].iloc[0])


@functools.lru_cache(maxsize=1)
def _lait_file() -> pd.DataFrame:
    return pd.read_parquet(DFE / "lait_bds_long.parquet", columns=["Short Desc", "LA and Regions", "Years", "Values"])


def lait(short_desc: str, area: str, year: str) -> float:
    """A DfE LAIT value as published (e.g. 'CPP_rate' for 'England', '2018')."""
    df = _lait_file()
    row = df[(df["Short Desc"] == short_desc) & (df["LA and Regions"] == area) & (df["Years"] == year)]
    assert len(row) == 1, (short_desc, area, year)
    return float(row["Values"].iloc[0])


def byars(x: float, z: float = 1.959964) -> tuple[float, float]:
    """Byar's limits for a count (methods.md; z for 95% as printed there)."""
    lo = x * (1 - 1 / (9 * x) - z / (3 * math.sqrt(x))) ** 3
    hi = (x + 1) * (1 - 1 / (9 * (x + 1)) + z / (3 * math.sqrt(x + 1))) ** 3
    return lo, hi


def prose(result) -> list[str]:
    """Every sentence a reader sees: findings, caveats, paragraphs, chart words."""
    out = list(result.key_findings) + list(result.caveats)
    for s in result.sections:
        out += s.paragraphs + ([s.unavailable] if s.unavailable else [])
        for chart, _t in s.charts:
            out += [chart.title, chart.subtitle, chart.alt]
    return out


def tables(result):
    for s in result.sections:
        for _chart, t in s.charts:
            yield s.key, t
        for t in s.tables:
            yield s.key, t


# --------------------------------------------------------------------------- key figures (Q4)
def test_headline_rise_from_439_to_564_is_28_5_percent(q4):
    k = q4.key_figures
    assert (k["cp_plans_start"], k["cp_plans_end"], k["cp_plans_change_percent"]) == (START, END, CHANGE)
    assert q4.key_findings[0].startswith("Between 31 March 2017 and 31 March 2018, children on child protection "
                                         "plans rose by 28.5%, from 439 to 564; the rise is statistically significant")


def test_rate_at_the_period_end_uses_the_ons_mid_2017_population_and_byars_interval(q4):
    # DfE computes a 31 March 2018 rate with the ONS mid-2017 estimate.
    pop = ons_population(WARWICKSHIRE, 2017)
    lo, hi = byars(END)
    k = q4.key_figures
    assert k["cp_rate_per_10k_end"] == round(END / pop * 10_000, 1)
    assert k["cp_rate_ci_lower"] == round(lo / pop * 10_000, 1)
    assert k["cp_rate_ci_upper"] == round(hi / pop * 10_000, 1)


def test_board_figure_against_the_validated_dfe_return(q4):
    # reference README: "564 in the report, marked 'yet to be validated'; 561 in the DfE return"
    validated = d5_count(WARWICKSHIRE, 2018)
    assert validated == 561
    assert q4.key_figures["cp_plans_dfe_validated_end"] == validated
    assert q4.key_figures["cp_plans_board_minus_dfe"] == END - validated
    # one figure per fact (issue 10): DfE's validated figure is the headline (In brief), and the
    # board's count is reconciled with it once, in a note, not in the key findings
    dfe, board = f"{int(validated)} ", f"{int(END)}"
    assert dfe in q4.in_brief[0] and board not in q4.in_brief[0]
    notes = [p for s in q4.sections for p in s.paragraphs if "One figure per date" in p]
    assert len(notes) == 1 and board in notes[0] and dfe in notes[0]
    assert not any(board in f and dfe in f for f in q4.key_findings)


def test_long_plans_percent_is_the_reports_5_9(q4):
    assert q4.key_figures["long_plans_percent"] == LONG_PLANS


def test_benchmarks_equal_dfes_published_lait_rates(q4):
    k = q4.key_figures
    assert k["cp_rate_dfe_latest_year_end"] == lait("CPP_rate", "Warwickshire", "2018")
    assert k["england_cp_rate_per_10k"] == lait("CPP_rate", "England", "2018")
    assert k["region_cp_rate_per_10k"] == lait("CPP_rate", "West Midlands", "2018")


def test_the_narratives_claim_above_the_statistical_neighbour_average_holds(q4):
    # Section 4: "our numbers are above the statistical neighbour average"
    k = q4.key_figures
    assert k["sn_average_cp_rate_per_10k"] < k["cp_rate_dfe_latest_year_end"]
    bench = q4.section("benchmarks").charts[0][1].frame
    assert bench["Against neighbours (95%)"].iloc[-1] == "higher"


def test_discrepancy_between_tables_3_1_and_4_2_is_a_caveat_not_a_correction(q4_internal):
    plans = q4_internal.section("plans").charts[0][1].frame.set_index("Date")
    assert plans.loc["31 Mar 2017", "Children on plans"] == START
    assert plans.loc["31 Mar 2017", "From table"] == "3.1"
    assert str(T42_MAR17) in plans.loc["31 Mar 2017", "Note"]
    # the finding's detail is in the index page's annex; the caveats point there, and the plans
    # section states both tables' figures (issue 10: no rule code on the page)
    assert any("annex of the index page" in c for c in q4_internal.caveats)
    assert not any("DQ04" in c for c in q4_internal.caveats)
    assert any("439" in p and "443" in p for p in q4_internal.section("plans").paragraphs)
    # the 4.2 breakdowns keep their own total
    mix = {t.title: t.frame for _k, t in tables(q4_internal) if t.title.endswith("(counts)")}
    cat = mix["Children on plans by category of abuse (counts)"].set_index("Category of abuse")
    assert cat.loc["Total", "31 Mar 2017"] == T42_MAR17


def test_year_ends_start_in_2013_from_table_4_2(q4_internal):
    plans = q4_internal.section("plans").charts[0][1].frame
    assert plans["Date"].iloc[0] == "31 Mar 2013"
    assert plans["From table"].iloc[0] == "4.2"
    # table 4.2 total row: "550 528 536 472 443 478 547 554 564"
    assert plans["Children on plans"].iloc[0] == 550


def test_sections_have_fixed_keys_and_every_chart_has_words_and_a_table(q4):
    assert [s.key for s in q4.sections] == list(cp_trends.SECTIONS)
    for s in q4.sections:
        assert s.unavailable is None, s.key
        assert s.charts, s.key
        for chart, table in s.charts:
            assert chart.title and chart.subtitle and chart.alt and chart.source.startswith("Source:")
            assert not table.frame.empty and table.source.startswith("Source:")
    assert 3 <= len(q4.key_findings) <= 6


def test_funnel_marks_the_area_and_its_ten_neighbours(q4):
    sn = pd.read_csv(DFE / "New_Statistical_Neighbour_Groupings_April_2021.csv", dtype=str, encoding="utf-8-sig")
    row = sn[sn["LA Name"] == "Warwickshire"].iloc[0]
    names = {row[f"SN{i}"] for i in range(1, 11)}
    assert len(names) == 10
    frame = q4.section("funnel").charts[0][1].frame
    assert len(frame) == 11 and frame["Local authority"].iloc[0] == "Warwickshire (this area)"
    assert q4.key_figures["funnel_position"] in {"inside 95% limits", "above 95% limit", "below 95% limit",
                                                 "above 99.8% limit", "below 99.8% limit"}


def test_indicator_spc_series_is_the_completed_years_then_this_years_quarters(q4_internal):
    frame = q4_internal.section("indicators").charts[0][1].frame
    long = frame[frame["Indicator"] == "Long plans"]
    # table 4.3 'Long Plans': "8.0% 9.4% 6.5% 4.9% 4.9% 5.4% 6.4% 6.5% 5.9%"
    assert long["Value (%)"].tolist() == [8.0, 9.4, 6.5, 4.9, 4.9, 5.4, 6.4, 6.5, 5.9]
    assert long["Point"].iloc[0] == "2012/13" and long["Point"].iloc[-1] == "2017/18 to 31 Mar 2018"
    assert (long["Mean (%)"].round(6) == round(sum(long["Value (%)"]) / 9, 6)).all()


# --------------------------------------------------------------------------- disclosure
def test_public_mode_tables_show_no_count_from_1_to_5(q4):
    for key, t in tables(q4):
        shown = display.prepare_table(t, "public")
        small = [v for v in shown.to_numpy().ravel() if re.fullmatch(r"[1-5]", str(v))]
        assert not small, f"{key}: {t.title} shows {small}"


def _fixed_by_both_tables(gender_hidden: list[str], age_hidden: list[str]) -> list[str]:
    """Hidden cells of one date a reader holding both breakdowns can work out: each breakdown's
    hidden cells add up to its total less its visible cells, and the unborn row is the same
    children in both (rank test: a cell is fixed when its unit vector is a combination of the
    two equations)."""
    names = sorted({f"gender {g}" for g in gender_hidden if g != "Unborn"}
                   | {f"age {a}" for a in age_hidden if a != "Unborn"}
                   | ({"Unborn"} if "Unborn" in gender_hidden else set()))
    if not names:
        return []
    a = np.array([[1.0 if n == "Unborn" or n.startswith("gender ") else 0.0 for n in names],
                  [1.0 if n == "Unborn" or n.startswith("age ") else 0.0 for n in names]])
    rank = np.linalg.matrix_rank(a)
    return [n for j, n in enumerate(names) if np.linalg.matrix_rank(np.vstack([a, np.eye(len(names))[j]])) == rank]


def test_gender_not_recorded_is_protected_by_the_smallest_cells_of_both_breakdowns(q4, q4_internal):
    def counts(result, title, label):
        return {t.title: t.frame for _k, t in tables(result)}[title].set_index(label)

    gender_title, age_title = "Children on plans by gender (counts)", "Children on plans by age (counts)"
    assert counts(q4_internal, gender_title, "Gender").loc["Not recorded", "31 Mar 2018"] == GENDER_NOT_RECORDED_MAR18
    gender, age = counts(q4, gender_title, "Gender"), counts(q4, age_title, "Age group")
    full_gender, full_age = counts(q4_internal, gender_title, "Gender"), counts(q4_internal, age_title, "Age group")
    assert gender.loc["Not recorded", "31 Mar 2018"] == "c"
    # the unborn row, printed in both breakdowns, is hidden in neither or both
    assert ((gender.loc["Unborn"] == "c") == (age.loc["Unborn"] == "c")).all()
    for when in gender.columns:
        g_hidden = gender.index[gender[when] == "c"].tolist()
        a_hidden = age.index[age[when] == "c"].tolist()
        if not g_hidden:
            continue
        # try it: nothing hidden can be worked out from the two breakdowns and their total
        assert _fixed_by_both_tables(g_hidden, a_hidden) == []
        # the cheapest protection: unborn children and the smallest other age group (in both
        # tables), never boys or girls, whose counts are far larger
        assert "Male" not in g_hidden and "Female" not in g_hidden
        others = full_age[when].drop(["Unborn", "Total"])
        smallest = others[others > 0].astype(float).idxmin()
        assert sorted(a_hidden) == sorted(["Unborn", smallest])
        assert (full_gender.loc["Unborn", when] + full_age.loc[smallest, when]
                < min(full_gender.loc["Male", when], full_gender.loc["Female", when]))
    shares = {t.title: t.frame for _k, t in tables(q4)}["Share of children on plans by category of abuse, age and gender (%)"]
    row = shares[(shares["Breakdown"] == "Gender") & (shares["Group"] == "Not recorded")]
    assert row["31 Mar 2018"].iloc[0] == "c"


def test_public_prose_states_no_count_from_1_to_5(q4):
    for text in prose(q4):
        stripped = NOT_COUNTS.sub("", text)
        assert not SMALL_NUMBER.search(stripped), text


def test_internal_mode_shows_the_small_counts(q4_internal):
    shown = [display.prepare_table(t, "internal") for _k, t in tables(q4_internal)]
    assert any((df == str(GENDER_NOT_RECORDED_MAR18)).to_numpy().any() for df in shown)


# --------------------------------------------------------------------------- an earlier quarter
def test_q2_start_is_31_march_2017_and_end_is_30_september_2017(q2):
    k = q2.key_figures
    assert (k["period_start_date"], k["period_end_date"]) == ("2017-03-31", "2017-09-30")
    assert (k["cp_plans_start"], k["cp_plans_end"]) == (START, Q2_END)
    assert k["cp_plans_change_percent"] == round((Q2_END - START) / START * 100, 1)
    assert k["long_plans_percent"] == LONG_PLANS_Q2
    # DfE publishes 31 March only: no validated figure at 30 September
    assert k["cp_plans_dfe_validated_end"] is None and k["cp_plans_board_minus_dfe"] is None
    # benchmarks fall back to the latest 31 March: 2017
    assert k["benchmark_year_end"] == "2017-03-31"
    assert k["england_cp_rate_per_10k"] == lait("CPP_rate", "England", "2017")


def test_q2_never_shows_a_later_figure_or_date(q2):
    later = re.compile(r"(Dec(ember)? 2017|Mar(ch)? 2018|2018-)")
    for text in prose(q2):
        assert not later.search(text), text
    for key, t in tables(q2):
        for col in t.frame.columns:
            assert not later.search(str(col)), (key, t.title, col)
        cells = [str(c) for c in t.frame.to_numpy().ravel()]
        assert not any(later.search(c) for c in cells), (key, t.title)
    assert str(END) not in " ".join(prose(q2))


# --------------------------------------------------------------------------- an LA without board data
def test_la_with_only_dfe_data_gets_national_sections_and_says_what_is_missing(coventry):
    for key in ("plans", "districts", "mix"):
        s = coventry.section(key)
        assert s.unavailable and "Coventry" in s.unavailable and not s.charts
    for key in ("benchmarks", "funnel"):
        s = coventry.section(key)
        assert s.unavailable is None and s.charts
    k = coventry.key_figures
    assert k["cp_plans_start"] is None and k["cp_plans_end"] is None and k["long_plans_percent"] is None
    assert k["cp_plans_dfe_validated_end"] == d5_count(COVENTRY, 2018)
    assert k["cp_rate_dfe_latest_year_end"] == lait("CPP_rate", "Coventry", "2018")
    assert 3 <= len(coventry.key_findings) <= 6
    # Warwickshire's data-quality findings are not Coventry's caveats
    assert not any("DQ" in c for c in coventry.caveats)
