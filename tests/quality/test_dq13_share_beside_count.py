"""DQ13: a share printed beside its count equals count ÷ printed total."""

from __future__ import annotations

from .helpers import AREA, findings_of, frame


def beside(count, total, share):
    common = dict(breakdown="referral_source", source_table="2.4")
    return frame(dict(measure="referrals", breakdown_value="Police", value=count, **common),
                 dict(measure="referrals", breakdown_value="Total", value=total, **common),
                 dict(measure="referrals_share", unit="percent", breakdown_value="Police", value=share, **common))


def test_correct_share_beside_count_is_clean():
    assert findings_of("DQ13", beside(2061, 10750, 19.2)) == []


def test_catches_a_share_that_does_not_match_its_count():
    [finding] = findings_of("DQ13", beside(468, 5409, 8.6))  # 8.65% printed as 8.6%
    assert "8.65%" in finding.message and "beside 468 of 5,409 referrals" in finding.message
    assert finding.area_code == AREA and finding.source_rows == "test.csv:1,2,3"
