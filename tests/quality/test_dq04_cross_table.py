"""DQ04: one figure printed in two tables has one value."""

from __future__ import annotations

from .helpers import AREA, findings_of, frame


def test_same_value_in_two_tables_is_clean():
    observations = frame(dict(measure="children_on_cp_plan", value=439, source_table="3.1"),
                         dict(measure="children_on_cp_plan", value=439, source_table="4.2"))
    assert findings_of("DQ04", observations) == []


def test_catches_two_tables_disagreeing():
    observations = frame(dict(measure="children_on_cp_plan", value=439, source_table="3.1", source_file="t3_1.csv"),
                         dict(measure="children_on_cp_plan", value=443, source_table="4.2", source_file="t4_2.csv"))
    [finding] = findings_of("DQ04", observations)
    assert "table 3.1: 439" in finding.message and "table 4.2: 443" in finding.message
    assert finding.source_tables == "3.1, 4.2"
    assert finding.area_code == AREA and finding.source_rows == "t3_1.csv:1;t4_2.csv:2"


def test_two_boards_are_not_compared_with_each_other():
    observations = frame(dict(measure="children_on_cp_plan", value=439, source_table="3.1"),
                         dict(measure="children_on_cp_plan", value=443, source_table="4.2", new_la_code="E10000016"))
    assert findings_of("DQ04", observations) == []
