"""DQ08: a printed rate per 10,000 equals its count over the ONS population DfE uses."""

from __future__ import annotations

from .helpers import AREA, findings_of, frame


def rate(printed):
    return frame(dict(measure="cp_rate_per_10k", unit="rate_per_10k", value=printed, source_table="4.1"),
                 dict(measure="children_on_cp_plan", value=561),
                 dict(measure="population_0_17", value=114_689, source="dfe", source_file="dfe/population.csv",
                      period_end="2017-06-30", period_start="2017-06-30", time_identifier="Q1"))


def test_rate_matching_count_over_population_is_clean():
    assert findings_of("DQ08", rate(48.9)) == []  # 561 / 114,689 × 10,000 = 48.9 (DfE LAIT CPP_rate 2018)


def test_catches_a_rate_on_another_population_base():
    [finding] = findings_of("DQ08", rate(49.8))
    assert "is printed as 49.8" in finding.message and "(114,689) gives 48.9" in finding.message
    assert finding.source_tables == "4.1, 4.2"
    assert finding.area_code == AREA and finding.source_rows == "test.csv:1,2;dfe/population.csv:3"


def test_says_nothing_without_a_population_for_the_date():
    observations = rate(49.8)
    assert findings_of("DQ08", observations[observations["measure"] != "population_0_17"]) == []
