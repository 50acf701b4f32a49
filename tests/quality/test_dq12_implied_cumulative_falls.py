"""DQ12: a share of a cumulative total implies a count that may not fall beyond rounding."""

from __future__ import annotations

from .helpers import AREA, findings_of, frame


def implied(q3_share, q4_share):
    rows = []
    for quarter, end, share, total in (("Q3", "2017-12-31", q3_share, 8033), ("Q4", "2018-03-31", q4_share, 10750)):
        common = dict(period_type="cumulative_from_april", time_identifier=quarter, period_start="2017-04-01", period_end=end)
        rows += [dict(measure="referrals_share", unit="percent", breakdown="ethnicity", breakdown_value="Not recorded",
                      value=share, source_table="2.3", source_file="t2_3.csv", **common),
                 dict(measure="referrals", value=total, source_table="2.1", source_file="t2_1.csv", **common)]
    return frame(*rows)


def test_rising_implied_count_is_clean():
    assert findings_of("DQ12", implied(18.0, 14.0)) == []  # 1,446 -> 1,505


def test_catches_an_implied_count_that_falls():
    [finding] = findings_of("DQ12", implied(18.0, 12.6))  # table 2.3: 1,446 -> 1,354
    assert "about 1,446" in finding.message and "about 1,354" in finding.message
    assert finding.values == "Q3≈1446; Q4≈1354" and finding.period == "2017/18 Q3–Q4"
    assert finding.area_code == AREA and finding.source_rows == "t2_3.csv:1,3;t2_1.csv:2,4"


def test_a_quarter_without_a_total_breaks_the_comparison():
    observations = implied(18.0, 12.6)
    without_q4_total = observations[~((observations["measure"] == "referrals") & (observations["time_identifier"] == "Q4"))]
    assert findings_of("DQ12", without_q4_total) == []
