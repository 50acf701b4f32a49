"""DQ02: the shares of a whole breakdown add up to 100% within rounding."""

from __future__ import annotations

from .helpers import AREA, findings_of, frame


def shares(values):
    return frame(*[dict(measure="cp_plan_share", unit="percent", breakdown="ethnicity", breakdown_value=str(i), value=v)
                   for i, v in enumerate(values)])


def test_rounding_is_not_an_alarm():
    assert findings_of("DQ02", shares([87.9, 9.2, 0.0, 2.8])) == []  # 99.9: table 4.2 at 31 March 2018


def test_catches_shares_beyond_rounding():
    [finding] = findings_of("DQ02", shares([87.9, 9.2, 1.0, 2.8]))
    assert "100.9%" in finding.message and "(4 figures, ±0.20)" in finding.message
    assert finding.area_code == AREA and finding.source_rows == "test.csv:1,2,3,4"
