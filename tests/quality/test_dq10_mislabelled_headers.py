"""DQ10: figures under a header that contradicts their dates are listed per table."""

from __future__ import annotations

from .helpers import AREA, findings_of, frame


def test_nothing_when_no_header_is_flagged():
    assert findings_of("DQ10", frame(dict(measure="m", value=1))) == []


def test_lists_mislabelled_headers_when_flagged():
    observations = frame(dict(measure="m", value=1),
                         dict(measure="m", value=2, flags="header_mislabelled", note="printed 'Q1 2016/17'"),
                         dict(measure="n", value=3, flags="header_mislabelled", note="printed 'Q2 2016/17'"))
    [finding] = findings_of("DQ10", observations)
    assert "2 figure(s)" in finding.message and "Q1 2016/17" in finding.message
    assert finding.measure == "m, n" and finding.values == "rows=2"
    assert finding.area_code == AREA and finding.source_rows == "test.csv:2,3"
