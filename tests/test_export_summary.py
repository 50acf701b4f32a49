"""publish_summary / read_summary: the machine-readable summary each theme notebook leaves."""

from __future__ import annotations

import datetime as dt
import json

import nbformat
import numpy as np
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

from analysis.report import summary as summary_mod
from analysis.periods import parse_period
from analysis.report.summary import SUMMARY_MIMETYPE, SummaryError, format_figure, make_summary, read_summary

ARGS = dict(
    theme="cp_trends",
    title="Children on a child protection plan",
    area_code="E10000031",
    area_name="Warwickshire",
    period="2017-18 Q4",
    key_findings=["564 children were on a plan at 31 March 2018."],
    key_figures={"children_on_cp_plan": {"value": 564, "unit": "count"}},
    caveats=["The board's figure is marked as yet to be validated."],
)


def test_publish_summary_displays_a_raw_bundle_without_text(monkeypatch):
    shown = []
    import IPython.display

    monkeypatch.setattr(IPython.display, "display", lambda *a, **k: shown.append((a, k)))
    assert summary_mod.publish_summary(**ARGS) is None  # nothing for Jupyter to echo as Out[]
    (args, kwargs), = shown
    assert kwargs == {"raw": True}
    bundle = args[0]
    assert list(bundle) == [SUMMARY_MIMETYPE]  # no text/plain: invisible in the HTML
    assert bundle[SUMMARY_MIMETYPE]["key_figures"]["children_on_cp_plan"]["value"] == 564
    assert bundle[SUMMARY_MIMETYPE]["status"] == "ok"


def test_summary_values_become_strict_json():
    s = make_summary(
        **{
            **ARGS,
            "period": parse_period("2017-18-Q4"),
            "key_figures": {
                "numpy_int": np.int64(564),
                "numpy_float": np.float64(12.5),
                "missing": float("nan"),
                "pandas_na": pd.NA,
                "as_of": dt.date(2018, 3, 31),
                "nested": {"value": np.int32(7), "unit": "count"},
            },
        }
    )
    assert s["period"] == "2017-18 Q4"
    figures = s["key_figures"]
    assert figures["numpy_int"] == 564 and type(figures["numpy_int"]) is int
    assert figures["numpy_float"] == 12.5 and type(figures["numpy_float"]) is float
    assert figures["missing"] is None and figures["pandas_na"] is None
    assert figures["as_of"] == "2018-03-31"
    assert figures["nested"] == {"value": 7, "unit": "count"}
    json.dumps(s, allow_nan=False)


@pytest.mark.parametrize(
    "change, message",
    [
        ({"status": "fine"}, "status 'fine'"),
        ({"key_findings": "one sentence"}, "key_findings must be a list"),
        ({"caveats": [""]}, "caveats[0]"),
        ({"theme": ""}, "theme must be non-empty"),
        ({"key_figures": {1: 2}}, "key 1 is not a string"),
        ({"key_figures": {"x": object()}}, "cannot be stored as JSON"),
    ],
)
def test_bad_summaries_are_refused_with_the_reason(change, message):
    with pytest.raises(SummaryError, match=message.replace("[", r"\[").replace("]", r"\]")):
        make_summary(**{**ARGS, **change})


def _nb_with(*summaries) -> nbformat.NotebookNode:
    nb = new_notebook()
    for s in summaries:
        cell = new_code_cell("publish_summary(...)")
        cell.outputs = [new_output("display_data", data={SUMMARY_MIMETYPE: s})]
        nb.cells.append(cell)
    return nb


def test_read_summary_from_notebook_and_path(tmp_path):
    first = make_summary(**ARGS)
    second = make_summary(**{**ARGS, "status": "partial"})
    nb = _nb_with(first, second)
    assert read_summary(nb)["status"] == "partial"  # the last one wins
    path = tmp_path / "executed.ipynb"
    nbformat.write(nb, path)
    assert read_summary(path) == second
    assert read_summary(str(path)) == second
    assert read_summary(new_notebook()) is None


def test_read_summary_reports_a_broken_summary(tmp_path):
    with pytest.raises(SummaryError, match="lacks"):
        read_summary(_nb_with({"theme": "x"}))
    bad = tmp_path / "bad.ipynb"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(SummaryError, match="bad.ipynb"):
        read_summary(bad)


@pytest.mark.parametrize(
    "value, text",
    [
        ({"value": 564, "unit": "count"}, "564"),
        ({"value": 2943.0, "unit": "count"}, "2,943"),
        ({"value": 41.26, "unit": "rate_per_10k"}, "41.3 per 10,000"),
        ({"value": 12.0, "unit": "percent"}, "12.0%"),
        ({"value": 154000, "unit": "gbp"}, "£154,000"),
        ({"value": None, "unit": "count"}, "x"),
        ({"value": "c", "unit": "count"}, "c"),
        (1234567, "1,234,567"),
    ],
)
def test_format_figure(value, text):
    assert format_figure(value) == text
