"""``safeguarding run --pdf``: an A4 print version of each appendix, by headless Chromium.

Runs use the fixture notebooks and the fake data contracts of :mod:`conftest_runner`. The PDFs
are read with pypdf, independently of how the run counts their pages. Skipped when Debian's
chromium is absent, unless ``REQUIRE_BROWSER=1`` (CI), then failed; the test of the message
without Chromium needs no browser.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import shutil

import pytest

from analysis.pipeline import pdf as pdf_module
from analysis.pipeline.cli import add_run_arguments, run_from_args
from analysis.pipeline.options import EXIT_FAILED, EXIT_OK
from analysis.pipeline.runner import run

from conftest_runner import FIXTURE_NOTEBOOKS, chromium, contracts, workspace  # noqa: F401 - fixtures

#: A4 is 210 mm x 297 mm: 595.3 x 841.9 points (Chromium rounds to whole device pixels).
A4_POINTS = (595.3, 841.9)


def _run(ws, **kwargs):
    stream = io.StringIO()
    result = run(ws.options(**kwargs), stream=stream)
    return result, stream.getvalue()


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.browser
@pytest.mark.notebook
def test_run_with_pdf_prints_each_appendix_on_numbered_a4_pages(chromium, workspace, contracts):
    pypdf = pytest.importorskip("pypdf")
    workspace.add_theme("chart_table", "chart_table")
    workspace.add_theme("plain", "plain")
    result, output = _run(workspace, pdf=True)
    assert result.exit_code == EXIT_OK, output
    final = workspace.reports / "E10000031" / "2017-18-Q4"
    assert sorted(p.name for p in final.glob("*.pdf")) == ["chart_table.pdf", "plain.pdf"]
    manifest = {entry["theme"]: entry for entry in
                json.loads((final / "manifest.json").read_text(encoding="utf-8"))["notebooks"]}
    for theme in ("chart_table", "plain"):
        reader = pypdf.PdfReader(final / f"{theme}.pdf")
        pages = len(reader.pages)
        assert pages > 0
        assert manifest[theme]["pdf"] == f"{theme}.pdf" and manifest[theme]["pdf_pages"] == pages
        assert f"{theme}.pdf ({pages} page" in output  # the console says what was printed
        for number, page in enumerate(reader.pages, start=1):
            width, height = float(page.mediabox.width), float(page.mediabox.height)
            assert abs(width - A4_POINTS[0]) < 2 and abs(height - A4_POINTS[1]) < 2, (theme, width, height)
            text = " ".join(page.extract_text().split())
            assert f"Page {number} of {pages}" in text, (theme, number, text[-200:])
        first = " ".join(reader.pages[0].extract_text().split())
        title = "Fixture: chart and table" if theme == "chart_table" else "Fixture: plain"
        assert title in first  # the same page as the HTML appendix
    index = (final / "index.html").read_text(encoding="utf-8")
    assert 'href="chart_table.pdf"' in index and 'href="plain.pdf"' in index
    assert not (workspace.reports / ".staging").exists()

    # a later run whose plain notebook fails keeps the earlier good appendix and its PDF
    good_pdf, good_html = _sha(final / "plain.pdf"), _sha(final / "plain.html")
    shutil.copyfile(FIXTURE_NOTEBOOKS / "fails.ipynb", workspace.notebooks / "plain.ipynb")
    result, output = _run(workspace, pdf=True)
    assert result.exit_code == EXIT_FAILED
    assert _sha(final / "plain.pdf") == good_pdf and _sha(final / "plain.html") == good_html
    assert 'href="plain.pdf"' in (final / "index.html").read_text(encoding="utf-8")

    # a run without --pdf replaces an appendix and drops its PDF: a print version never
    # disagrees with the page beside it
    result, output = _run(workspace, themes=["chart_table"])
    assert result.exit_code == EXIT_OK, output
    assert not (final / "chart_table.pdf").exists() and (final / "plain.pdf").exists()


def test_pdf_without_chromium_is_one_line_and_writes_nothing(workspace, contracts, monkeypatch, capsys):
    workspace.add_theme("plain", "plain")
    monkeypatch.setenv(pdf_module.CHROMIUM_ENV, str(workspace.root / "no-chromium-here"))
    parser = argparse.ArgumentParser()
    add_run_arguments(parser)
    args = parser.parse_args(["--pdf", "--notebooks-dir", str(workspace.notebooks), "--data-dir", str(workspace.raw),
                              "--reports-dir", str(workspace.reports), "--period", "2017-18-Q4"])
    assert args.pdf is True
    assert run_from_args(args) == EXIT_FAILED
    captured = capsys.readouterr()
    lines = [line for line in captured.err.splitlines() if line.strip()]
    assert len(lines) == 1, captured.err
    assert "--pdf needs headless Chromium" in lines[0] and "no-chromium-here" in lines[0]
    assert "apt-get install chromium" in lines[0]
    assert "Traceback" not in captured.err + captured.out
    assert contracts.calls == []  # answered before the data was even validated
    assert list(workspace.reports.iterdir()) == []


def test_count_pages_counts_page_objects_not_the_page_tree():
    data = b"<< /Type /Pages /Kids [3 0 R 4 0 R] >> << /Type /Page >> << /Type/Page /Parent 2 0 R >>"
    assert pdf_module.count_pages(data) == 2
