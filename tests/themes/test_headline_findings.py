"""The headline findings are this period's real ones, chosen from the full figures, in public
and internal mode alike: a finding that rests on withheld counts is said to be withheld, never
replaced by a lesser one. Expected values are computed here from the data/raw CSVs."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from analysis.paths import REPO_ROOT
from analysis.themes import cp_trends, representation

RAW = REPO_ROOT / "data" / "raw" / "wscb_2017_18"
WITHHELD = "is not shown here because the numbers are small enough to identify children"
START, END = "2017-03-31", "2018-03-31"


def _demographics() -> pd.DataFrame:
    return pd.read_csv(RAW / "t4_2_cp_demographics.csv", dtype={"value": "float64"})


def _gender_shift() -> tuple[str, float, float]:
    """The group of table 4.2's gender breakdown whose share changed most over 2017/18 (raw CSV)."""
    rows = _demographics()
    plans = rows[rows["measure"] == "children_on_cp_plan"]
    total = plans[plans["breakdown"] == "total"].drop_duplicates("period_end").set_index("period_end")["value"]
    gender = plans[plans["breakdown"] == "gender"].pivot_table(index="breakdown_value", columns="period_end",
                                                               values="value")
    shares = gender[[START, END]].div(total[[START, END]], axis=1) * 100
    group = (shares[END] - shares[START]).abs().idxmax()
    return group, shares.at[group, START], shares.at[group, END]


@pytest.fixture(scope="module", params=["public", "internal"])
def cp(request):
    return cp_trends.build("E10000031", "2017-18 Q4", disclosure=request.param)


@pytest.fixture(scope="module", params=["public", "internal"])
def rep(request):
    return representation.build("E10000031", "2017-18 Q4", disclosure=request.param)


def test_gender_finding_is_the_real_biggest_shift(cp) -> None:
    group, old, new = _gender_shift()
    assert group == "Male"  # boys: 204 of 443 to 298 of 564
    sentence = next(p for p in cp.section("mix").paragraphs if p.startswith("By gender"))
    shift = sentence.split("The biggest shift", 1)[1] if "The biggest shift" in sentence else sentence
    if WITHHELD in sentence:
        assert "gender mix" in sentence
    else:
        assert f"in boys: {old:.1f}% to {new:.1f}%" in shift
    assert "unborn" not in shift  # never a lesser shift chosen from the cells that survived
    assert "statistically significant at 95%" in shift


def _disabled_change() -> tuple[float, float, float, float]:
    rows = _demographics()
    disabled = rows[(rows["measure"] == "cp_plan_share") & (rows["breakdown_value"] == "Disabled")]
    share = disabled.set_index("period_end")["value"]
    totals = rows[(rows["measure"] == "children_on_cp_plan") & (rows["breakdown"] == "total")]
    total = totals.drop_duplicates("period_end").set_index("period_end")["value"]
    return share[START], share[END], total[START], total[END]


def test_disability_rise_leads_or_is_said_to_be_withheld(rep) -> None:
    old, new, old_total, new_total = _disabled_change()
    old_count = round(old / 100 * old_total)
    first = rep.key_findings[0]
    if rep.disclosure == "public" and 1 <= old_count <= 5:  # 0.9% of 443: 4 children, withheld
        assert first == ("The change over the year in the Disabled share of children on plans " + WITHHELD + ".")
        assert not re.search(rf"(?<![\d.]){re.escape(f'{old:.1f}')}%", " ".join(rep.key_findings))
    else:
        assert first.startswith(f"The Disabled share of children on plans rose from {old:.1f}% at 31 March 2017 "
                                f"to {new:.1f}% at 31 March 2018")
        assert first.endswith("a significant change at 95% confidence and at 99.8%.")
    # the change sentence of the trends section says the same, never nothing
    assert first in rep.section("trends").paragraphs


def test_concerning_is_set_against_the_data(rep) -> None:
    text = next(f for f in rep.key_findings if "\u201cconcerning\u201d" in f)
    assert "not significantly different from 6.0%" in text and "less strongly" in text
    assert re.search(r"more strongly for referrals: 0\.8% of referrals", text)


@pytest.mark.parametrize("theme", [cp_trends, representation])
def test_an_area_with_dfe_data_only_builds_in_both_modes(theme) -> None:
    # Coventry has no board report in data/raw: DfE's 2024-25 figures only
    public = theme.build("E08000026", "2024-25 Q4", disclosure="public")
    internal = theme.build("E08000026", "2024-25 Q4", disclosure="internal")
    assert public.key_findings and internal.key_findings
    # no board data, no small counts to withhold: public and internal choose the same findings
    assert public.key_findings == internal.key_findings


def test_long_plans_finding_leads_with_this_year_not_a_2013_14_signal(cp) -> None:
    text = next(f for f in cp.key_findings if f.startswith("Long plans"))
    # table 4.3 'Long Plans': 5.9% in 2017/18 to 31 March 2018
    rows = pd.read_csv(RAW / "t4_3_cp_indicators.csv")
    latest = rows[(rows["measure"] == "cp_ceased_2yrs_plus_percent") & (rows["period_end"] == END)]["value"].iloc[-1]
    assert text.startswith(f"Long plans (children ceasing a plan who had been on it for two years or more): "
                           f"{latest:.1f}% in 2017/18 to 31 Mar 2018")
    assert "this year" in text
    if "2013/14" in text:  # an earlier year's signal comes after this year's, and says it is earlier
        assert text.index("this year") < text.index("2013/14") and "earlier years" in text
