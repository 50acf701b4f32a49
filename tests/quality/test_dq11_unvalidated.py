"""DQ11: figures the report marks as not yet validated are listed one by one."""

from __future__ import annotations

from .helpers import AREA, findings_of, frame


def test_nothing_when_no_figure_is_flagged():
    assert findings_of("DQ11", frame(dict(measure="m", value=1))) == []


def test_lists_unvalidated_figures_when_flagged():
    observations = frame(dict(measure="m", value=1),
                         dict(measure="children_on_cp_plan", value=564, flags="unvalidated", source_table="3.1"))
    [finding] = findings_of("DQ11", observations)
    assert finding.message == "Table 3.1: children_on_cp_plan at 31 Mar 2018 (564) is marked as not yet validated."
    assert finding.area_code == AREA and finding.source_rows == "test.csv:2"
