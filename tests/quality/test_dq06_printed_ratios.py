"""DQ06: a printed percentage equals numerator ÷ denominator; its denominator equals the total."""

from __future__ import annotations

from .helpers import AREA, findings_of, frame


def ratio(numerator, denominator, percent, total=None):
    rows = [dict(measure="referrals_to_assessment", value=numerator),
            dict(measure="referrals_to_assessment_denominator", value=denominator),
            dict(measure="referrals_to_assessment_percent", unit="percent", value=percent)]
    if total is not None:
        rows.append(dict(measure="referrals", value=total))
    return frame(*rows)


def test_correctly_rounded_ratio_is_clean():
    assert findings_of("DQ06", ratio(4544, 10750, 42.3, total=10750)) == []  # table 2.1, Q4
    assert findings_of("DQ06", ratio(3525, 6524, 54, total=6524)) == []  # printed "=54%" (no decimals)


def test_a_zero_denominator_proves_nothing():
    assert findings_of("DQ06", ratio(0, 0, 0)) == []


def test_catches_a_wrong_percentage():
    [finding] = findings_of("DQ06", ratio(3366, 8035, 43.9))
    assert "43.9%" in finding.message and "3,366 / 8,035 = 41.89%" in finding.message
    assert finding.values == "printed=43.9; computed=41.89"
    assert finding.area_code == AREA and finding.source_rows == "test.csv:1,2,3"


def test_says_when_a_percentage_was_truncated():
    [finding] = findings_of("DQ06", ratio(19, 58, 32.7))
    assert "19 / 58 = 32.76% (truncated rather than rounded)" in finding.message


def test_catches_a_denominator_that_is_not_the_total():
    [finding] = findings_of("DQ06", ratio(3366, 8035, 41.9, total=8033))
    assert "8,035" in finding.message and "8,033" in finding.message
    assert finding.measure == "referrals_to_assessment_denominator"
    assert finding.area_code == AREA and finding.source_rows == "test.csv:2,4"
