"""DQ01: a breakdown's counts add up to the total printed in the same table."""

from __future__ import annotations

from .helpers import AREA, findings_of, frame


def gender(total, parts):
    rows = [dict(measure="children_on_cp_plan", value=total)]
    rows += [dict(measure="children_on_cp_plan", breakdown="gender", breakdown_value=name, value=value)
             for name, value in parts.items()]
    return frame(*rows)


def test_clean_breakdown_adds_up():
    assert findings_of("DQ01", gender(10, {"Male": 6, "Female": 4})) == []


def test_catches_breakdown_not_adding_up():
    [finding] = findings_of("DQ01", gender(10, {"Male": 6, "Female": 5}))
    assert "adds up to 11" in finding.message and "total is 10" in finding.message
    assert finding.area_code == AREA and finding.source_rows == "test.csv:1,2,3"  # the total and both parts


def test_prefers_the_breakdowns_own_total_row():
    parts = [dict(measure="children_on_cp_plan", breakdown="gender", breakdown_value=name, value=value)
             for name, value in {"Male": 6, "Female": 5}.items()]
    observations = frame(dict(measure="children_on_cp_plan", value=99), *parts,
                         dict(measure="children_on_cp_plan", breakdown="gender", breakdown_value="Total", value=10,
                              source_file="other.csv"))
    [finding] = findings_of("DQ01", observations)
    assert "total is 10" in finding.message and finding.source_rows == "test.csv:2,3;other.csv:4"


def test_a_breakdown_of_rates_is_not_summed():
    rates = gender(10, {"Male": 6, "Female": 5}).assign(unit="rate_per_10k")
    assert findings_of("DQ01", rates) == []
