"""DQ03: a count cumulative from 1 April never falls within a year."""

from __future__ import annotations

from .helpers import AREA, findings_of, frame

QUARTER_ENDS = {"Q1": "2017-06-30", "Q2": "2017-09-30", "Q3": "2017-12-31", "Q4": "2018-03-31"}


def cumulative(values):
    return frame(*[dict(measure="referrals", period_type="cumulative_from_april", time_identifier=quarter,
                        period_start="2017-04-01", period_end=QUARTER_ENDS[quarter], value=value, source_table="2.4")
                   for quarter, value in zip(QUARTER_ENDS, values)])


def test_rising_cumulative_is_clean():
    assert findings_of("DQ03", cumulative([2, 83, 86, 90])) == []


def test_catches_a_falling_cumulative_count():
    [finding] = findings_of("DQ03", cumulative([2, 83, 86, 12]))
    assert "falls from 86 at Q3 to 12 at Q4 2017/18" in finding.message
    assert finding.period == "2017/18 Q3–Q4" and finding.period_end == "2018-03-31"
    assert finding.area_code == AREA and finding.source_rows == "test.csv:3,4"
