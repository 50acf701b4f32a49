"""DQ05: the board's figure against DfE's validated return for the same date."""

from __future__ import annotations

from .helpers import AREA, findings_of, frame

DFE = dict(source="dfe", source_table="DfE d5", source_file="dfe/d5.csv")


def test_board_matching_dfe_is_clean():
    observations = frame(dict(measure="children_on_cp_plan", value=561), dict(measure="children_on_cp_plan", value=561, **DFE))
    assert findings_of("DQ05", observations) == []


def test_catches_board_differing_from_dfe_and_says_if_unvalidated():
    observations = frame(dict(measure="children_on_cp_plan", value=564, flags="unvalidated", source_table="3.1"),
                         dict(measure="children_on_cp_plan", value=561, **DFE))
    [finding] = findings_of("DQ05", observations)
    assert "564" in finding.message and "561" in finding.message and "not yet validated" in finding.message
    assert finding.source_tables == "3.1, DfE d5"
    assert finding.area_code == AREA and finding.source_rows == "test.csv:1;dfe/d5.csv:2"


def test_names_every_board_table_printing_the_same_value():
    observations = frame(dict(measure="children_on_cp_plan", value=564, source_table="3.1"),
                         dict(measure="children_on_cp_plan", value=564, source_table="4.2"),
                         dict(measure="children_on_cp_plan", value=561, **DFE))
    [finding] = findings_of("DQ05", observations)
    assert "the board's tables 3.1 and 4.2 give 564" in finding.message
    assert finding.source_rows == "test.csv:1,2;dfe/d5.csv:3"


def test_allows_rounding_of_a_printed_percentage():
    observations = frame(dict(measure="cp_repeat_plans_percent", unit="percent", value=18.6),
                         dict(measure="cp_repeat_plans_percent", unit="percent", value=18.64, source="dfe"))
    assert findings_of("DQ05", observations) == []


def test_two_boards_in_one_folder_get_one_finding_each():
    other = "E10000016"
    observations = frame(dict(measure="children_on_cp_plan", value=564),
                         dict(measure="children_on_cp_plan", value=564, new_la_code=other),
                         dict(measure="children_on_cp_plan", value=561, **DFE),
                         dict(measure="children_on_cp_plan", value=561, new_la_code=other, **DFE))
    findings = findings_of("DQ05", observations)
    assert sorted(f.area_code for f in findings) == [other, AREA]
    assert {f.area_code: f.source_rows for f in findings} == {AREA: "test.csv:1;dfe/d5.csv:3", other: "test.csv:2;dfe/d5.csv:4"}
