"""The exported pages in a real browser: headless Chromium, every network request blocked.

Reports are produced by the runner from the fixture notebooks (a chart, tables, a failed
theme, an area without local data), then the index and every appendix are opened; each must
render its title, charts and tables with no console error and no request outside the file. A
screenshot of each page is written under the test's temp folder. The shipped theme notebooks
get the same treatment in ``test_runner_shipped.py``.

Skipped when Debian's chromium is absent, unless ``REQUIRE_BROWSER=1`` (CI), then failed.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from conftest_runner import (  # noqa: F401 - chromium is a fixture
    Contracts,
    Workspace,
    _patch,
    assert_page_renders,
    chromium,
    open_in_browser,
)

pytestmark = [pytest.mark.browser, pytest.mark.notebook]


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> dict[str, Path]:
    from analysis.pipeline.runner import run

    root = tmp_path_factory.mktemp("browser")
    ws = Workspace(root, root / "raw", root / "notebooks", root / "reports")
    for d in (ws.raw / "board", ws.notebooks, ws.reports):
        d.mkdir(parents=True)
    (ws.raw / "board" / "observations.csv").write_text("measure,value\nx,1\n", encoding="utf-8")
    ws.add_theme("chart_table", "chart_table")
    ws.add_theme("plain", "plain")
    ws.add_theme("fails", "fails")
    contracts = Contracts()
    with pytest.MonkeyPatch.context() as mp:
        _patch(mp, "analysis.ingest.dataset", "validate_raw", contracts.validate_raw)
        _patch(mp, "analysis.processed", "load", contracts.load)
        _patch(mp, "analysis.quality", "run_checks", contracts.run_checks)
        _patch(mp, "analysis.processed", "latest_period", contracts.latest_period)
        _patch(mp, "analysis.processed", "store_validated", contracts.store_validated)
        _patch(mp, "analysis.processed", "earlier_validation", contracts.earlier_validation)
        result = run(ws.options(areas=["E10000031", "E08000025"]), stream=io.StringIO())
    assert {(r.area_code, r.theme): r.status for r in result.results} == {
        ("E10000031", "chart_table"): "ok",
        ("E10000031", "fails"): "failed",
        ("E10000031", "plain"): "ok",
        ("E08000025", "chart_table"): "ok",
        ("E08000025", "fails"): "no_local_data",
        ("E08000025", "plain"): "no_local_data",
    }
    return {code: d for code, d in result.report_dirs.items()}


def test_index_and_every_appendix_render_offline(chromium, reports, tmp_path):
    pages = sorted(p for d in reports.values() for p in d.glob("*.html"))
    names = sorted(f"{p.parent.parent.name}/{p.name}" for p in pages)
    assert names == [
        "E08000025/chart_table.html", "E08000025/index.html",
        "E10000031/chart_table.html", "E10000031/index.html", "E10000031/plain.html",
    ]
    for page in pages:
        shot = tmp_path / f"{page.parent.parent.name}-{page.stem}.png"
        report = open_in_browser(chromium, page, shot)
        assert_page_renders(
            report,
            expect_images=page.stem == "chart_table",
            expect_tables=True,
        )


def test_index_links_open_the_appendices(chromium, reports, tmp_path):
    index = reports["E10000031"] / "index.html"
    context = chromium.new_context(offline=True)
    page = context.new_page()
    page.goto(index.as_uri())
    hrefs = page.eval_on_selector_all("main a[href$='.html']", "els => els.map(e => e.getAttribute('href'))")
    assert set(hrefs) == {"chart_table.html", "plain.html"}  # the failed theme has no appendix
    page.click("text=Open the appendix: Fixture: chart and table")
    assert page.url.endswith("/E10000031/2017-18-Q4/chart_table.html")
    assert page.locator("h1").inner_text() == "Fixture: chart and table"
    page.click("text=Back to the index of appendices")
    assert page.url.endswith("/index.html")
    assert "could not be produced in this run" in page.locator("main").inner_text()
    context.close()


def test_print_layout_has_the_charts(chromium, reports, tmp_path):
    """Board members print appendices: the print stylesheet keeps charts and drops navigation."""
    context = chromium.new_context(offline=True)
    page = context.new_page()
    page.goto((reports["E10000031"] / "chart_table.html").as_uri())
    page.emulate_media(media="print")
    assert page.locator("img").first.is_visible()
    assert not page.locator("a.sg-noprint").is_visible()
    pdf = tmp_path / "chart_table.pdf"
    page.pdf(path=str(pdf))
    assert pdf.stat().st_size > 5000
    context.close()


def test_the_browser_check_can_fail(chromium, tmp_path):
    """A page that reaches for the network and throws is caught (the checks are not vacuous)."""
    bad = tmp_path / "bad.html"
    bad.write_text(
        '<!DOCTYPE html><html lang="en-GB"><head><title>Bad</title>'
        '<script src="https://cdnjs.cloudflare.com/ajax/libs/require.js/2.1.10/require.min.js"></script></head>'
        '<body><h1>Bad</h1><img src="https://example.org/chart.png" alt="chart">'
        "<script>undefinedFunction()</script></body></html>",
        encoding="utf-8",
    )
    report = open_in_browser(chromium, bad, tmp_path / "bad.png")
    assert any("cdnjs.cloudflare.com" in u for u in report.outside_requests)
    assert any("example.org" in u for u in report.outside_requests)
    assert report.page_errors  # ReferenceError: undefinedFunction is not defined
    with pytest.raises(AssertionError):
        assert_page_renders(report, expect_images=True, expect_tables=False)
