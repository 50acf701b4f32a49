"""DQ09: printed values that could not be placed in a column are reported per table."""

from __future__ import annotations

import pandas as pd

from .helpers import AREA, findings_of, frame


def unplaced(*tables):
    return pd.DataFrame([{"source_file": "test/unplaced_values.csv", "source_table": table, "row_label": f"row of {table}",
                          "values_as_printed": "20 14"} for table in tables])


def test_nothing_without_unplaced_values():
    assert findings_of("DQ09", frame(dict(measure="x", value=1))) == []
    assert findings_of("DQ09", frame(dict(measure="x", value=1)), pd.DataFrame()) == []


def test_reports_unplaced_values_per_table():
    first, second = findings_of("DQ09", frame(dict(measure="x", value=1)), unplaced("3.2", "3.4", "3.2"))
    assert "Table 3.2: 2 printed row(s)" in first.message and "'row of 3.2': 20 14" in first.message
    assert first.values == "rows=2" and second.source_tables == "3.4"
    # the rows are numbered within their file; the area is the board whose folder holds the file
    assert first.source_rows == "test/unplaced_values.csv:1,3" and second.source_rows == "test/unplaced_values.csv:2"
    assert first.area_code == AREA


def test_unplaced_values_without_a_file_name_are_still_reported():
    values = pd.DataFrame([{"source_table": "3.2", "row_label": "arrangements", "values_as_printed": "20 14"}])
    [finding] = findings_of("DQ09", frame(dict(measure="x", value=1)), values)
    assert "3.2" in finding.message and "20 14" in finding.message and finding.source_rows == ""
