"""DQ07: unborn children have one share in the ethnicity and the language breakdown."""

from __future__ import annotations

from .helpers import AREA, findings_of, frame


def unborn(by_ethnicity, by_language):
    return frame(dict(measure="referrals_share", unit="percent", breakdown="ethnicity", breakdown_value="Unborn", value=by_ethnicity),
                 dict(measure="referrals_share", unit="percent", breakdown="language", breakdown_value="Unborn", value=by_language))


def test_same_unborn_share_is_clean():
    assert findings_of("DQ07", unborn(1.1, 1.1)) == []


def test_catches_different_unborn_shares():
    [finding] = findings_of("DQ07", unborn(2.2, 1.9))
    assert "ethnicity: 2.2" in finding.message and "language: 1.9" in finding.message
    assert finding.area_code == AREA and finding.source_rows == "test.csv:1,2"
