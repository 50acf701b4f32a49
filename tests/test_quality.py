"""Data-quality rules: each passes a clean case and catches a broken one; on the shipped data
they report the report's real inconsistencies and no false alarm for ordinary rounding."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import quality
from analysis.quality import RULES, run_checks

BASE = dict(time_period=201718, time_identifier="Q4", period_type="snapshot", period_start="2018-03-31",
            period_end="2018-03-31", geographic_level="Local authority", country_code="E92000001",
            region_code="E12000005", new_la_code="E10000031", la_name="Warwickshire", source_table="4.2",
            breakdown="total", breakdown_value="All", unit="count", status="", flags="", note="",
            source="test", source_file="test.csv")


def frame(*rows: dict) -> pd.DataFrame:
    df = pd.DataFrame([{**BASE, **r} for r in rows])
    df["source_row"] = range(1, len(df) + 1)
    df["period_start"] = pd.to_datetime(df["period_start"])
    df["period_end"] = pd.to_datetime(df["period_end"])
    df["value"] = df["value"].astype("float64")
    return df


def codes(df: pd.DataFrame, code: str, unplaced: pd.DataFrame | None = None) -> list[quality.Finding]:
    return RULES[code].check(df, unplaced if unplaced is not None else pd.DataFrame())


def test_every_rule_has_code_title_severity_and_description():
    for code, r in RULES.items():
        assert code == r.code and r.title and r.description and r.severity in quality.SEVERITIES


# --- DQ01 breakdown sums -------------------------------------------------------------------
def gender(total, parts):
    rows = [dict(measure="children_on_cp_plan", value=total)]
    rows += [dict(measure="children_on_cp_plan", breakdown="gender", breakdown_value=k, value=v) for k, v in parts.items()]
    return frame(*rows)


def test_dq01_clean_breakdown_adds_up():
    assert codes(gender(10, {"Male": 6, "Female": 4}), "DQ01") == []


def test_dq01_catches_breakdown_not_adding_up():
    [f] = codes(gender(10, {"Male": 6, "Female": 5}), "DQ01")
    assert "adds up to 11" in f.message and "total is 10" in f.message


# --- DQ02 percentages ----------------------------------------------------------------------
def shares(values):
    return frame(*[dict(measure="cp_plan_share", unit="percent", breakdown="ethnicity", breakdown_value=str(i), value=v)
                   for i, v in enumerate(values)])


def test_dq02_rounding_is_not_an_alarm():
    assert codes(shares([87.9, 9.2, 0.0, 2.8]), "DQ02") == []  # 99.9: table 4.2 at 31 March 2018


def test_dq02_catches_shares_beyond_rounding():
    [f] = codes(shares([87.9, 9.2, 1.0, 2.8]), "DQ02")
    assert "100.9%" in f.message


# --- DQ03 cumulative falls -----------------------------------------------------------------
def cumulative(values):
    ends = {"Q1": "2017-06-30", "Q2": "2017-09-30", "Q3": "2017-12-31", "Q4": "2018-03-31"}
    return frame(*[dict(measure="referrals", period_type="cumulative_from_april", time_identifier=q, period_start="2017-04-01",
                        period_end=ends[q], value=v, source_table="2.4") for q, v in zip(ends, values)])


def test_dq03_rising_cumulative_is_clean():
    assert codes(cumulative([2, 83, 86, 90]), "DQ03") == []


def test_dq03_catches_a_falling_cumulative_count():
    [f] = codes(cumulative([2, 83, 86, 12]), "DQ03")
    assert "falls from 86 at Q3 to 12 at Q4" in f.message


# --- DQ04 cross-table ----------------------------------------------------------------------
def test_dq04_same_value_in_two_tables_is_clean():
    df = frame(dict(measure="children_on_cp_plan", value=439, source_table="3.1"),
               dict(measure="children_on_cp_plan", value=439, source_table="4.2"))
    assert codes(df, "DQ04") == []


def test_dq04_catches_two_tables_disagreeing():
    df = frame(dict(measure="children_on_cp_plan", value=439, source_table="3.1"),
               dict(measure="children_on_cp_plan", value=443, source_table="4.2"))
    [f] = codes(df, "DQ04")
    assert "table 3.1: 439" in f.message and "table 4.2: 443" in f.message


# --- DQ05 local vs DfE ---------------------------------------------------------------------
def test_dq05_board_matching_dfe_is_clean():
    df = frame(dict(measure="children_on_cp_plan", value=561), dict(measure="children_on_cp_plan", value=561, source="dfe", source_table="DfE d5"))
    assert codes(df, "DQ05") == []


def test_dq05_catches_board_differing_from_dfe_and_says_if_unvalidated():
    df = frame(dict(measure="children_on_cp_plan", value=564, flags="unvalidated", source_table="3.1"),
               dict(measure="children_on_cp_plan", value=561, source="dfe", source_table="DfE d5"))
    [f] = codes(df, "DQ05")
    assert "564" in f.message and "561" in f.message and "not yet validated" in f.message


def test_dq05_allows_rounding_of_a_printed_percentage():
    df = frame(dict(measure="cp_repeat_plans_percent", unit="percent", value=18.6),
               dict(measure="cp_repeat_plans_percent", unit="percent", value=18.64, source="dfe"))
    assert codes(df, "DQ05") == []


# --- DQ06 printed ratios -------------------------------------------------------------------
def ratio(num, den, pct, total=None):
    rows = [dict(measure="referrals_to_assessment", value=num), dict(measure="referrals_to_assessment_denominator", value=den),
            dict(measure="referrals_to_assessment_percent", unit="percent", value=pct)]
    if total is not None:
        rows.append(dict(measure="referrals", value=total))
    return frame(*rows)


def test_dq06_correctly_rounded_ratio_is_clean():
    assert codes(ratio(4544, 10750, 42.3, total=10750), "DQ06") == []  # table 2.1, Q4
    assert codes(ratio(3525, 6524, 54, total=6524), "DQ06") == []  # printed "=54%" (no decimals)


def test_dq06_catches_a_wrong_percentage():
    [f] = codes(ratio(3366, 8035, 43.9), "DQ06")
    assert "43.9%" in f.message and "41.89%" in f.message


def test_dq06_catches_a_denominator_that_is_not_the_total():
    [f] = codes(ratio(3366, 8035, 41.9, total=8033), "DQ06")
    assert "8,035" in f.message and "8,033" in f.message


# --- DQ07 same group in two breakdowns -----------------------------------------------------
def unborn(eth, lang):
    return frame(dict(measure="referrals_share", unit="percent", breakdown="ethnicity", breakdown_value="Unborn", value=eth),
                 dict(measure="referrals_share", unit="percent", breakdown="language", breakdown_value="Unborn", value=lang))


def test_dq07_same_unborn_share_is_clean():
    assert codes(unborn(1.1, 1.1), "DQ07") == []


def test_dq07_catches_different_unborn_shares():
    [f] = codes(unborn(2.2, 1.9), "DQ07")
    assert "ethnicity: 2.2" in f.message and "language: 1.9" in f.message


# --- DQ08 rate vs population ---------------------------------------------------------------
def rate(printed):
    return frame(dict(measure="cp_rate_per_10k", unit="rate_per_10k", value=printed, source_table="4.1"),
                 dict(measure="children_on_cp_plan", value=561),
                 dict(measure="population_0_17", value=114_689, source="dfe", period_end="2017-06-30",
                      period_start="2017-06-30", time_identifier="Q1"))


def test_dq08_rate_matching_count_over_population_is_clean():
    assert codes(rate(48.9), "DQ08") == []  # 561 / 114,689 × 10,000 = 48.9 (DfE LAIT CPP_rate 2018)


def test_dq08_catches_a_rate_on_another_population_base():
    [f] = codes(rate(49.8), "DQ08")
    assert "49.8" in f.message and "48.9" in f.message


# --- DQ09 to DQ13 --------------------------------------------------------------------------
def test_dq09_reports_unplaced_values_and_nothing_without_them():
    assert codes(frame(dict(measure="x", value=1)), "DQ09") == []
    unplaced = pd.DataFrame([{"source_table": "3.2", "row_label": "arrangements", "values_as_printed": "20 14"}])
    [f] = codes(frame(dict(measure="x", value=1)), "DQ09", unplaced)
    assert "3.2" in f.message and "20 14" in f.message


def test_dq10_lists_mislabelled_headers_only_when_flagged():
    assert codes(frame(dict(measure="m", value=1)), "DQ10") == []
    [f] = codes(frame(dict(measure="m", value=1, flags="header_mislabelled", note="printed 'Q1 2016/17'")), "DQ10")
    assert "Q1 2016/17" in f.message


def test_dq11_lists_unvalidated_figures_only_when_flagged():
    assert codes(frame(dict(measure="m", value=1)), "DQ11") == []
    [f] = codes(frame(dict(measure="children_on_cp_plan", value=564, flags="unvalidated", source_table="3.1")), "DQ11")
    assert "564" in f.message


def implied(q3_share, q4_share):
    rows = []
    for q, end, share, total in (("Q3", "2017-12-31", q3_share, 8033), ("Q4", "2018-03-31", q4_share, 10750)):
        common = dict(period_type="cumulative_from_april", time_identifier=q, period_start="2017-04-01", period_end=end)
        rows += [dict(measure="referrals_share", unit="percent", breakdown="ethnicity", breakdown_value="Not recorded",
                      value=share, source_table="2.3", **common),
                 dict(measure="referrals", value=total, source_table="2.1", **common)]
    return frame(*rows)


def test_dq12_rising_implied_count_is_clean():
    assert codes(implied(18.0, 14.0), "DQ12") == []  # 1,446 -> 1,505


def test_dq12_catches_an_implied_count_that_falls():
    [f] = codes(implied(18.0, 12.6), "DQ12")  # table 2.3: 1,446 -> 1,354
    assert "about 1,446" in f.message and "about 1,354" in f.message


def beside(count, total, share):
    return frame(dict(measure="referrals", breakdown="referral_source", breakdown_value="Police", value=count, source_table="2.4"),
                 dict(measure="referrals", breakdown="referral_source", breakdown_value="Total", value=total, source_table="2.4"),
                 dict(measure="referrals_share", unit="percent", breakdown="referral_source", breakdown_value="Police", value=share,
                      source_table="2.4"))


def test_dq13_correct_share_beside_count_is_clean():
    assert codes(beside(2061, 10750, 19.2), "DQ13") == []


def test_dq13_catches_a_share_that_does_not_match_its_count():
    [f] = codes(beside(468, 5409, 8.6), "DQ13")  # 8.65% printed as 8.6%
    assert "8.65%" in f.message


# --- on the shipped data -------------------------------------------------------------------
@pytest.fixture(scope="module")
def shipped(dataset):
    return run_checks(dataset)


def messages(findings, code):
    return " | ".join(findings.loc[findings["code"] == code, "message"])


def test_shipped_data_reports_the_reports_real_inconsistencies(shipped):
    assert "table 3.1: 439; table 4.2: 443" in messages(shipped, "DQ04")
    assert "School Nurse" in messages(shipped, "DQ03") and "falls from 86 at Q3 to 12 at Q4" in messages(shipped, "DQ03")
    assert "8,035" in messages(shipped, "DQ06") and "8,033" in messages(shipped, "DQ06")
    assert "19 / 58" in messages(shipped, "DQ06")
    assert "ethnicity: 2.2; by language: 1.9" in messages(shipped, "DQ07")
    dq05 = messages(shipped, "DQ05")
    assert "give 564 (the board marks its figure as not yet validated)" in dq05 and "gives 561" in dq05
    assert {"3.2", "3.4", "3.7"} <= set(shipped.loc[shipped["code"] == "DQ09", "source_tables"])
    assert "Family member" in messages(shipped, "DQ13")


def test_shipped_data_raises_no_false_alarm_for_rounding(shipped):
    # every printed percentage breakdown in the report sums to 100 within rounding
    assert messages(shipped, "DQ02") == ""
    # every other printed x/y=z% in tables 2.1 and 3.3 is correctly rounded
    dq06 = shipped[shipped["code"] == "DQ06"]
    assert len(dq06) == 2
    # shares of referral sources other than the one mis-rounded cell are consistent
    assert len(shipped[shipped["code"] == "DQ13"]) == 1


def test_cli_check_prints_findings(capsys):
    from analysis.pipeline.cli import main

    assert main(["check"]) == 0
    out = capsys.readouterr().out
    assert "DQ04" in out and "439" in out
