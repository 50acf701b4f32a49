"""Training theme: build() on the shipped data, asserted against the WSCB Annual Report 2017/18.

Expected values are the report's printed figures (quoted in the comments) or plain arithmetic on
them; the theme computes its figures from data/raw.
"""

from __future__ import annotations

import re
from dataclasses import replace


import pytest
from scipy.stats import binomtest

from analysis.report import display
from analysis.periods import parse_period
from analysis.themes import context as common, training
from analysis.themes.context import Context

WARWICKSHIRE = "E10000031"
COVENTRY = "E08000026"  # DfE data only: no board report in data/raw

# Appendix C course table ("No. of courses delivered", "Total number of delegates", length after the name):
#   Learning from Serious Case Review workshop (3hrs) ... 10 150
#   Working together to achieve effective referrals (3.5hrs) ... 5 81
#   Child Sexual Exploitation – Responsibilities, Reporting and Responding to CSE (7hrs) ... 17 331
#   Raising Awareness of Child Sexual Exploitation (3.5hrs) ... 6 95
#   Effective Child Protection Planning and Core Group (13hrs) ... 2 30
#   Emotional Abuse (6.5hrs) ... 1 13
#   Protective Behaviours (12hrs) ... 3 56
#   Child Protection Awareness (3.5hrs)  Universal course  2 27
REPORT_COURSES = [  # (hours, events, delegates) as printed
    (3, 10, 150), (3.5, 5, 81), (7, 17, 331), (3.5, 6, 95), (13, 2, 30), (6.5, 1, 13), (12, 3, 56), (3.5, 2, 27),
]
# Section 3: "In 2017/18, the LSCB INCOME was £125,105"; "Police £17,508"; "Health CCG's £32,952";
# "LSCB EXPENDITURE was £157,074".
INCOME, EXPENDITURE, POLICE_GBP, HEALTH_GBP = 125_105, 157_074, 17_508, 32_952
# Section 8: "the Police overall attendance at 17% - almost entirely related to one course – and Health at 3%"
POLICE_PCT, HEALTH_PCT = 17, 3


@pytest.fixture(scope="module")
def q4_public():
    return training.build(WARWICKSHIRE, "2017-18 Q4", disclosure="public")


@pytest.fixture(scope="module")
def q4_internal(q4_public):
    """Tables hold raw numbers in both modes (display applies disclosure), so the public build's
    key figures and tables serve for internal checks too; key figures differ only for counts 1–5."""
    return q4_public


def test_programme_key_figures_match_the_report(q4_internal):
    kf = q4_internal.key_figures
    # Appendix C: "From a programme of 8 different courses, 46 training events were delivered in the year."
    assert kf["courses"] == 8 == len(REPORT_COURSES)
    assert kf["events"] == 46 == sum(e for _, e, _ in REPORT_COURSES)
    assert kf["events_printed_total"] == 46
    assert kf["courses_printed_total"] == 8
    delegates = sum(d for _, _, d in REPORT_COURSES)
    assert delegates == 783
    assert kf["delegates"] == delegates
    assert kf["learning_hours"] == sum(h * d for h, _, d in REPORT_COURSES)
    assert kf["course_hours_delivered"] == sum(h * e for h, e, _ in REPORT_COURSES)
    assert kf["delegates_per_event"] == round(783 / 46, 1)


def test_agency_shares_and_funding(q4_internal):
    kf = q4_internal.key_figures
    assert kf["police_attendance_percent"] == POLICE_PCT
    assert kf["health_attendance_percent"] == HEALTH_PCT
    assert kf["police_funding_percent"] == round(POLICE_GBP / INCOME * 100, 1)
    assert kf["health_funding_percent"] == round(HEALTH_GBP / INCOME * 100, 1)
    assert kf["police_attendance_to_funding_ratio"] == round(POLICE_PCT / (POLICE_GBP / INCOME * 100), 2)
    assert kf["health_attendance_to_funding_ratio"] == round(HEALTH_PCT / (HEALTH_GBP / INCOME * 100), 2)


@pytest.mark.parametrize("agency, pct, gbp", [("police", POLICE_PCT, POLICE_GBP), ("health", HEALTH_PCT, HEALTH_GBP)])
def test_attendance_interval_is_wilson_on_the_course_delegates(q4_internal, agency, pct, gbp):
    # assumption stated by the theme: the shares are of the 783 course delegates
    k = round(pct / 100 * 783)
    ci = binomtest(k, 783).proportion_ci(confidence_level=0.95, method="wilson")
    kf = q4_internal.key_figures
    assert kf[f"{agency}_attendance_ci_lower"] == round(ci.low * 100, 1)
    assert kf[f"{agency}_attendance_ci_upper"] == round(ci.high * 100, 1)
    share = gbp / INCOME
    expected = "higher" if ci.low > share else "lower" if ci.high < share else "not significantly different"
    assert kf[f"{agency}_verdict"] == expected


def test_budget_totals_are_the_sums_of_the_lines(q4_internal):
    kf = q4_internal.key_figures
    assert kf["income_total"] == INCOME
    assert kf["expenditure_total"] == EXPENDITURE
    assert kf["deficit"] == EXPENDITURE - INCOME
    budget = q4_internal.section("budget")
    assert budget.unavailable is None
    # the printed balances (£47,000 brought forward, £18,000 carried forward) do not reconcile alone
    text = " ".join(budget.paragraphs)
    assert "£47,000" in text and "£18,000" in text and f"£{47_000 - (EXPENDITURE - INCOME):,}" in text


def test_sections_and_findings_are_complete(q4_public):
    assert [s.key for s in q4_public.sections] == list(training.SECTION_KEYS)
    assert all(s.unavailable is None for s in q4_public.sections)
    assert 3 <= len(q4_public.key_findings) <= 6
    assert any("95% CI" in f for f in q4_public.key_findings)
    for s in q4_public.sections:
        for chart, table in s.charts:
            assert chart.alt and chart.title and chart.source and chart.svg.startswith("<svg")
            assert not table.frame.empty
    # the narrative's totals are checked, not assumed
    assert "agrees with the totals printed" in q4_public.key_findings[0]
    # "more than 200": shown as a lower bound
    conf = q4_public.section("conference")
    assert "more than 200" in " ".join(conf.paragraphs)
    assert any("lower bound" in c for c in q4_public.caveats)


def test_fill_in_table_lists_every_contributing_agency_with_x(q4_public):
    table = q4_public.section("data_gaps").tables[0]
    shown = display.prepare_table(table, "internal").set_index("Agency")
    # Section 3 lists seven contributors (Police, Health CCG's, Districts and Boroughs, WCC, schools grant,
    # CRC, CAFCASS)
    assert {"Police", "Health CCGs", "Cafcass"} <= set(shown.index)
    assert len(shown) == 7 + 2  # + organisations not contributing + total
    assert (shown.drop(index="Total")["Delegates"] == "x").all()
    assert shown.loc["Police", "Share of delegates (%)"] == "17.0"
    assert shown.loc["Warwickshire County Council", "Share of delegates (%)"] == "x"
    assert shown.loc["Total", "Delegates"] == "783"


def _small_counts_shown(result, mode: str) -> list[str]:
    bad = []
    for s in result.sections:
        for t in s.tables + [tb for _, tb in s.charts]:
            shown = display.prepare_table(t, mode)
            for col in t.suppressed_columns:  # counts of people (events are not people)
                for v in shown[col]:
                    if re.fullmatch(r"[1-5]", v):
                        bad.append(f"{t.title}: {col} = {v}")
    return bad


def test_public_mode_suppresses_small_counts_of_people_not_events(q4_public):
    # Emotional Abuse ran once ("Emotional Abuse (6.5hrs) ... 1 13"): a training event is not a
    # person, so the 1 is shown in both modes, and so is 13 delegates per event (13 is not small)
    table = q4_public.section("programme").tables[0]
    assert table.people_columns == ["Delegates"]

    def emotional_abuse(mode):
        shown = display.prepare_table(table, mode).set_index("Course")
        return shown.loc["Emotional Abuse", "Events (times delivered)"], shown.loc["Emotional Abuse", "Delegates per event"]

    assert emotional_abuse("internal") == ("1", "13.0")
    assert emotional_abuse("public") == ("1", "13.0")
    events = display.prepare_table(table, "public")["Events (times delivered)"].tolist()
    assert events[:-1] == [str(printed) for _, printed, _ in REPORT_COURSES]  # 5, 2, 1, 3, 2 included
    assert _small_counts_shown(q4_public, "public") == []
    # sentences never state a count from 1 to 5 in public mode
    words = q4_public.key_findings + q4_public.caveats + [p for s in q4_public.sections for p in s.paragraphs]
    assert not [w for w in words if re.search(r"(?<![\d.,£/])[1-5](?![\d.,%/])", w)]


def test_earlier_quarter_shows_only_what_had_happened(q4_internal):
    q2 = training.build(WARWICKSHIRE, "2017-18 Q2", disclosure="public")
    # the training and budget figures cover the year to 31 March 2018: none before that, and the
    # run is not told when later figures end
    for key in ("programme", "agency_uptake", "budget", "data_gaps"):
        assert "whole financial year" in q2.section(key).unavailable
        assert "2018" not in q2.section(key).unavailable
        assert not q2.section(key).tables and not q2.section(key).charts
    assert not any("2018" in f for f in q2.key_findings + q2.caveats)
    assert not {"events", "delegates", "income_total"} & set(q2.key_figures)
    # "In July 2017, WSCB's Annual Conference attracted more than 200" – within Q2 (July–September)
    assert q2.section("conference").unavailable is None
    assert any("July 2017" in f for f in q2.key_findings)
    q1 = training.build(WARWICKSHIRE, "2017-18 Q1", disclosure="public")
    assert q1.section("conference").unavailable is not None
    assert all(s.unavailable for s in q1.sections)
    for result in (q2, q1):
        assert 3 <= len(result.key_findings) <= 6
        assert any("ending 30 " in f for f in result.key_findings)  # says why, with the period's end


def test_area_without_board_data_says_so():
    cov = training.build(COVENTRY, "2017-18 Q4", disclosure="public", area_name="Coventry")
    assert cov.area_name == "Coventry"
    for s in cov.sections:
        assert s.unavailable and "Coventry" in s.unavailable
        assert not s.tables and not s.charts
    assert cov.key_figures == {}
    assert 3 <= len(cov.key_findings) <= 6 and "Coventry" in cov.key_findings[0]  # says plainly what is missing


def test_course_table_disagreeing_with_the_narrative_is_reported():
    ctx = common.context(WARWICKSHIRE, "2017-18 Q4", None, "internal")
    obs = ctx.ds.observations
    row = (obs["measure"] == "training_events") & (obs["breakdown_value"] == "Emotional Abuse")
    assert row.sum() == 1
    changed = obs.copy()
    changed.loc[row, "value"] = 2.0
    broken = Context(replace(ctx.ds, observations=changed), ctx.area_code, ctx.area_name,
                     parse_period("2017-18 Q4"), "internal", ctx.findings)
    check = {r["Figure"]: r for r in training.narrative_check(training.programme(broken))}
    assert check["Events"]["Sum of the course table"] == 47 and check["Events"]["Printed in the narrative"] == 46
    assert check["Events"]["Agreement"] == "differ by 1"
    assert check["Courses"]["Agreement"] == "agree"
    assert check["Delegates"]["Agreement"] == "not printed"
    intact = {r["Figure"]: r["Agreement"] for r in training.narrative_check(training.programme(ctx))}
    assert intact == {"Courses": "agree", "Events": "agree", "Delegates": "not printed"}


def test_public_charts_do_not_label_small_counts():
    """With a course of 4 delegates (a planted value), the public chart hides it as its table does."""
    ctx = common.context(WARWICKSHIRE, "2017-18 Q4", None, "public")
    obs = ctx.ds.observations
    row = (obs["measure"] == "training_delegates") & (obs["breakdown_value"] == "Emotional Abuse")
    changed = obs.copy()
    changed.loc[row, "value"] = 4.0
    planted = Context(replace(ctx.ds, observations=changed), ctx.area_code, ctx.area_name,
                      parse_period("2017-18 Q4"), "public", ctx.findings)
    result = training.build_for(planted)
    assert _small_counts_shown(result, "internal")  # the check can fail...
    assert _small_counts_shown(result, "public") == []  # ...and does not in public mode
    for chart, table in result.section("programme").charts:
        shown = display.prepare_table(table, "public").set_index("Course")
        assert shown.loc["Emotional Abuse", "Delegates"] == "c"
        assert "Emotional Abuse: suppressed" in chart.alt
        hidden = set(shown.index[shown["Delegates"] == "c"])
        assert len(hidden) >= 2  # secondary suppression: the total would give the planted value away
        for course in hidden:
            assert f"{course}: suppressed" in chart.alt
    words = result.key_findings + [p for s in result.sections for p in s.paragraphs]
    assert not [w for w in words if re.search(r"(?<![\d.,£/])[1-5](?![\d.,%/])", w)]


def test_the_narrative_check_table_has_one_unit_per_column(q4_public):
    """Courses, events and delegates are counted in columns of their own (issue 10), so no column
    mixes a count of courses with a count of people; the values are narrative_check's."""
    table = next(t for s in q4_public.sections for t in s.tables if "narrative's totals" in t.title)
    ctx = common.context(WARWICKSHIRE, "2017-18 Q4", None, "internal")
    checks = {row["Figure"]: row for row in training.narrative_check(training.programme(ctx))}
    assert list(table.frame.columns) == ["Total from", "Courses", "Events (times delivered)", "Delegates (people)"]
    assert table.people_columns == ["Delegates (people)"]
    for figure, column in (("Courses", "Courses"), ("Events", "Events (times delivered)"),
                           ("Delegates", "Delegates (people)")):
        summed, printed = table.frame[column].tolist()
        assert summed == checks[figure]["Sum of the course table"]
        expected = checks[figure]["Printed in the narrative"]
        assert (printed != printed and expected != expected) or printed == expected  # NaN: not printed
        assert f"{column.lower()}: {checks[figure]['Agreement']}" in table.notes[0]
