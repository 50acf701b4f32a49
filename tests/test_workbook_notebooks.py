"""Next quarter through the workbook, end to end: a 2018-19 Q1 template filled with plausible
figures (some ``c``, some cells left empty) is imported into a copy of data/raw, and every theme
notebook runs for 2018-19 Q1 on it (Warwickshire only), showing the figures typed in."""

from __future__ import annotations

import papermill as pm
import pytest

from analysis.ingest.schema import read_text_csv
from analysis.ingest.workbook.layout import build_layout
from analysis.ingest.workbook.template import write_xlsx
from analysis.paths import REPO_ROOT
from analysis.pipeline.cli import main
from analysis.report.summary import read_summary
from workbook_fill import fill_xlsx, plausible

THEMES = ["cp_trends", "representation", "cdop", "training"]
DATASET = "wscb_2017_18"


@pytest.mark.notebook
def test_a_filled_next_quarter_imports_and_every_theme_runs_for_it(raw_copy, tmp_path):
    import nbformat

    layout = build_layout(raw_copy / DATASET, "2018-19-Q1")
    figures = plausible(layout)
    assert "c" in figures.values()
    book = fill_xlsx(write_xlsx(layout, tmp_path / "template.xlsx"), figures, tmp_path / "next_quarter.xlsx")
    assert main(["import", str(book), "--raw", str(raw_copy)]) == 0
    plans = read_text_csv(raw_copy / DATASET / "t3_1_lac_cp_cin.csv")
    typed = plans[(plans["measure"] == "children_on_cp_plan") & (plans["period_end"] == "2018-06-30")]["value"].item()
    for theme in THEMES:
        out = tmp_path / f"{theme}.ipynb"
        pm.execute_notebook(str(REPO_ROOT / "notebooks" / f"{theme}.ipynb"), str(out),
                            parameters={"period": "2018-19 Q1", "data_dir": str(raw_copy), "disclosure": "public"},
                            kernel_name="python3", execution_timeout=300, progress_bar=False, request_save_on_cell_execute=False)
        summary = read_summary(nbformat.read(out, as_version=4))
        assert summary is not None and summary["period"] == "2018-19 Q1", theme
        if theme == "cp_trends":
            assert summary["key_figures"]["cp_plans_end"] == int(typed)
