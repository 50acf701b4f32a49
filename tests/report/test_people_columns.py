"""Only counts of people are suppressed: a count of events (training events, courses, panel
meetings, actions) identifies no one and is always shown; every theme says which of its count
columns count people (``Table.people_columns``)."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.report.display import prepare_table
from analysis.report.model import Table
from analysis.themes import cdop, cp_trends, representation, training


def _courses(people_columns):
    frame = pd.DataFrame({"Course": ["A", "B", "C", "Total"], "Events": [3, 10, 2, 15],
                          "Delegates": [4, 40, 30, 74], "Delegates per event": [4 / 3, 4.0, 15.0, 74 / 15],
                          "Hours taught": [9.0, 30.0, 6.0, 45.0]})
    return Table("Courses", frame, "test", count_columns=["Events", "Delegates"], people_columns=people_columns,
                 derived={"Delegates per event": "Delegates", "Hours taught": "Events"},
                 formats={"Course": "text", "Delegates per event": "rate", "Hours taught": "hours"},
                 total_row="Total", implicit_totals=False)


def test_events_are_shown_and_people_suppressed() -> None:
    shown = prepare_table(_courses(["Delegates"]), "public").set_index("Course")
    assert shown["Events"].tolist() == ["3", "10", "2", "15"]  # events of 1 to 5: shown
    assert shown["Hours taught"].tolist() == ["9.0", "30.0", "6.0", "45.0"]  # derived from events: shown
    assert shown.loc["A", "Delegates"] == "c" and shown.loc["A", "Delegates per event"] == "c"
    # the smallest other course protects A's 4 from the total: 30, never 40
    assert shown.loc["C", "Delegates"] == "c" and shown.loc["B", "Delegates"] == "40"
    assert (prepare_table(_courses(["Delegates"]), "internal")["Events"] == ["3", "10", "2", "15"]).all()


def test_undeclared_count_columns_are_all_suppressed() -> None:
    # not saying what a column counts is the safe side: it is treated as people
    shown = prepare_table(_courses(None), "public").set_index("Course")
    assert shown.loc["A", "Events"] == "c" and shown.loc["A", "Delegates"] == "c"


def test_people_columns_must_be_count_columns() -> None:
    with pytest.raises(ValueError, match="not count columns"):
        _courses(["Delegates", "Course"])


@pytest.fixture(scope="module")
def shipped_public():
    return [theme.build("E10000031", "2017-18 Q4", disclosure="public")
            for theme in (cp_trends, representation, cdop, training)]


def test_every_theme_table_says_which_counts_are_people(shipped_public) -> None:
    tables = [table for result in shipped_public for section in result.sections
              for table in section.tables + [data for _, data in section.charts]]
    counted = [table for table in tables if table.count_columns]
    assert counted and all(table.people_columns is not None for table in counted), [
        table.title for table in counted if table.people_columns is None]
    not_people = [(table, column) for table in counted for column in table.count_columns
                  if column not in table.people_columns]
    # the training events (and courses, in a table by year) and the CDOP panels held and actions raised
    events = {column for _, column in not_people}
    assert {"Events (times delivered)", "Panels held (sub-region)", "Actions raised"} <= events
    assert events <= {"Events (times delivered)", "Events", "Courses", "Panels held (sub-region)", "Actions raised"}
    for table, column in not_people:
        assert "c" not in prepare_table(table, "public")[column].tolist(), (table.title, column)
