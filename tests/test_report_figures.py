"""The figures the report's narrative quotes, reproduced by the package from data/raw.

Each expected value is quoted from the WSCB Annual Report 2017/18 (section and words in the
comment); the value under test is computed from the transcribed tables, not read from the
narrative.
"""

from __future__ import annotations

import pandas as pd
from analysis.periods import parse_period

Q4 = parse_period("2017-18 Q4")


def one(df: pd.DataFrame, **match) -> float:
    for k, v in match.items():
        df = df[df[k] == (pd.Timestamp(v) if k == "period_end" else v)]
    assert len(df) == 1, f"expected one row for {match}, got {len(df)}"
    return float(df["value"].iloc[0])


def test_cp_plans_rose_28_5_percent_from_439_to_564(dataset):
    # Section 4: "The number of children subject to Child Protection Plans increased in this
    # year by 28.5% - rising from 439 to 564."
    cp = dataset.select("children_on_cp_plan", area_code="E10000031", source_table="3.1", breakdown="total")
    start = one(cp, period_end="2017-03-31")
    end = one(cp, period_end="2018-03-31")
    assert (start, end) == (439, 564)
    assert round((end - start) / start * 100, 1) == 28.5


def test_26_disabled_children_4_6_percent_on_plans_at_31_march_2018(dataset):
    # Section 4: "At March 31, 2018, 26 disabled children (4.6%) were subject to a CP Plan."
    share = one(dataset.select("cp_plan_share", area_code="E10000031", breakdown="disability"), period_end="2018-03-31")
    total = one(dataset.select("children_on_cp_plan", area_code="E10000031", source_table="4.2", breakdown="total"),
                period_end="2018-03-31")
    assert share == 4.6
    assert round(share / 100 * total) == 26


def test_905_missing_episodes_by_145_children_90_with_repeats(dataset):
    # Section 4: "905 episodes ... in relation to 145 children with 90 children having multiple
    # episodes – with 10 children having 10+ episodes in the year."
    lac = dataset.select(["lac_missing_episodes", "lac_missing_children", "lac_missing_repeat_children",
                          "lac_missing_children_10plus_episodes"], area_code="E10000031", period_type="cumulative_from_april")
    at_q4 = lac[lac["period_end"] == pd.Timestamp(Q4.end)].set_index("measure")["value"]
    assert at_q4["lac_missing_episodes"] == 905
    assert at_q4["lac_missing_children"] == 145
    assert at_q4["lac_missing_repeat_children"] == 90
    assert at_q4["lac_missing_children_10plus_episodes"] == 10


def test_34_warwickshire_deaths_across_the_cdop_categories(dataset):
    # Section 5: "Of the 77 deaths reviewed 34 were from Warwickshire, 28 from Coventry and 15
    # from Solihull. Of the 34 deaths from Warwickshire were categorised into 9 'Generic Themes'"
    cdop = dataset.select("cdop_deaths_reviewed", area_code="E10000031")
    cats = cdop[(cdop["breakdown"] == "cdop_category") & (cdop["breakdown_value"] != "Total")]
    listed = cats[cats["status"] == ""]
    assert len(listed) == 9
    assert listed["value"].sum() == 34
    by_la = cdop[(cdop["breakdown"] == "child_residence_la") & (cdop["breakdown_value"] != "Total")]
    assert by_la.set_index("breakdown_value")["value"].to_dict() == {"Warwickshire": 34, "Coventry": 28, "Solihull": 15}
    assert by_la["value"].sum() == 77
    # the tenth standard category is not in the report: missing, never zero
    sudi = cats[cats["breakdown_value"].str.startswith("Sudden unexpected")]
    assert sudi["value"].isna().all() and (sudi["status"] == "x").all()


def test_46_training_events_from_8_courses(dataset):
    # Appendix C: "From a programme of 8 different courses, 46 training events were delivered"
    ev = dataset.select("training_events", area_code="E10000031", breakdown="course")
    courses = ev[ev["breakdown_value"] != "Total"]
    assert courses["breakdown_value"].nunique() == 8
    assert courses["value"].sum() == 46


def test_income_and_expenditure_are_the_sums_of_their_lines(dataset):
    # Section 3: "In 2017/18, the LSCB INCOME was £125,105" ... "LSCB EXPENDITURE was £157,074"
    inc = dataset.select("budget_income", area_code="E10000031", breakdown="contributing_agency")
    exp = dataset.select("budget_expenditure", area_code="E10000031", breakdown="expenditure_line")
    assert inc.loc[inc["breakdown_value"] != "Total", "value"].sum() == 125_105
    assert exp.loc[exp["breakdown_value"] != "Total", "value"].sum() == 157_074


def test_board_and_validated_dfe_disagree_at_31_march_2018(dataset):
    # reference README: "564 in the report, marked 'yet to be validated'; 561 in the DfE return"
    board = dataset.select("children_on_cp_plan", area_code="E10000031", source_table="3.1", breakdown="total")
    dfe = dataset.select("children_on_cp_plan", area_code="E10000031", source="dfe", breakdown="total")
    row = board[board["period_end"] == pd.Timestamp("2018-03-31")].iloc[0]
    assert row["value"] == 564 and "unvalidated" in row["flags"]
    assert one(dfe, period_end="2018-03-31") == 561


def test_blank_tbc_and_not_applicable_cells_stay_missing_not_zero(dataset):
    # e.g. table 2.3 prints "TBC" for the 2016/17 disability share of referrals
    obs = dataset.observations
    tbc = obs[(obs["source_table"] == "2.3") & (obs["breakdown"] == "disability") & (obs["time_period"] == 201617)
              & (obs["measure"] == "referrals_share")]
    assert len(tbc) == 1 and pd.isna(tbc["value"].iloc[0]) and tbc["status"].iloc[0] == "x"
    missing = obs[obs["status"].isin(["x", "z", "c"])]
    assert not missing.empty and missing["value"].isna().all()
