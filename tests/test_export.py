"""The HTML appendix: offline, no code, no local path, no small count in public mode.

These tests build executed notebooks by hand (outputs included), so no kernel starts.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
import struct
import zlib

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from analysis.pipeline import export
from analysis.pipeline.export import AppendixContext, ExportError, export_appendix, prepare_notebook
from analysis.pipeline.htmlcheck import check_html
from analysis.report.summary import SUMMARY_MIMETYPE

from conftest_runner import strip_run_date


def tiny_png(width: int = 4, height: int = 3) -> bytes:
    """A valid PNG (grey), built without any imaging library."""
    raw = b"".join(b"\x00" + b"\x80" * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def executed_notebook(*, table_value: str = "c", extra_outputs=()) -> nbformat.NotebookNode:
    """What papermill hands back for a small theme: parameters, injected cell, outputs."""
    nb = new_notebook()
    params = new_code_cell('area_code = "E10000031"', execution_count=1)
    params.metadata["tags"] = ["parameters"]
    injected = new_code_cell('# Parameters\ndata_dir = "/somewhere/data/raw"\n', execution_count=2)
    injected.metadata["tags"] = ["injected-parameters"]
    chart = new_code_cell("show_chart()", execution_count=3)
    chart.outputs = [
        new_output("display_data", data={"image/png": base64.b64encode(tiny_png()).decode(), "text/plain": "<Figure>"}),
        new_output("stream", name="stderr", text="/usr/lib/python3/site-packages/x.py:1: FutureWarning: careful\n"),
    ]
    table = new_code_cell("show_table()", execution_count=4)
    table.outputs = [
        new_output(
            "display_data",
            data={
                "text/html": (
                    "<table><caption>Children by district</caption><thead><tr><th>District</th><th>Children</th>"
                    f"</tr></thead><tbody><tr><th>Rugby</th><td>{table_value}</td></tr>"
                    "<tr><th>Warwick</th><td>1,234</td></tr></tbody></table>"
                ),
                "text/plain": "table",
            },
        )
    ]
    result = new_code_cell("1 + 1", execution_count=5)
    result.outputs = [new_output("execute_result", data={"text/plain": "2"}, execution_count=5)]
    summary = new_code_cell("publish_summary(...)", execution_count=6)
    summary.outputs = [new_output("display_data", data={SUMMARY_MIMETYPE: {"theme": "t"}})]
    nb.cells = [
        params,
        injected,
        new_markdown_cell("# Children on a plan\n\nIntroduction."),
        new_markdown_cell("## Trend\n\nThe chart shows the trend."),
        chart,
        new_markdown_cell("## By district\n\n### Rates"),
        table,
        result,
        summary,
        *extra_outputs,
    ]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


CONTEXT = AppendixContext(
    theme="cp_trends",
    area_code="E10000031",
    area_name="Warwickshire",
    period="2017-18 Q4",
    run_date=dt.datetime(2018, 5, 4, 9, 30),
)


@pytest.fixture(scope="module")
def page() -> str:
    return export_appendix(executed_notebook(), CONTEXT, roots=["/somewhere", "/usr/lib/python3"])


def test_page_is_english_with_header_facts(page):
    assert '<html lang="en-GB">' in page
    assert '<h1 class="sg-title">Children on a plan</h1>' in page
    assert "Warwickshire (E10000031)" in page
    assert "2017-18 Q4" in page
    assert '<time class="sg-run-date" datetime="2018-05-04">4 May 2018</time>' in page
    assert "<title>Children on a plan – Warwickshire, 2017-18 Q4</title>" in page
    # the notebook's own "# Children on a plan" became the header, so there is one h1
    assert len(re.findall(r"<h1\b", page)) == 1


def test_page_has_table_of_contents_from_headings(page):
    toc = page[page.index('<nav class="sg-toc"') : page.index("</nav>")]
    assert [m for m in re.findall(r'href="#([^"]+)"', toc)] == ["Trend", "By-district", "Rates"]
    # h2 numbered, h3 nested under its h2
    assert re.sub(r"\s+", "", toc).endswith(
        '<li><ahref="#By-district">Bydistrict</a><ul><li><ahref="#Rates">Rates</a></li></ul></li></ol>'
    )
    for anchor in ("Trend", "By-district", "Rates"):
        assert f'id="{anchor}"' in page
    # nbconvert's "¶" link after each heading is gone (its text names nothing); the ids stay
    assert "anchor-link" not in page and "¶" not in page


def test_page_has_no_code_prompts_or_scripts(page):
    for forbidden in ("show_chart()", "show_table()", "publish_summary", "In&nbsp;[", "Out[", "<script", "<link"):
        assert forbidden not in page
    assert "require.js" not in page and "mathjax" not in page.lower()
    assert check_html(page, disclosure="public", roots=["/somewhere"]) == []


def test_page_embeds_chart_and_drops_stderr_and_summary(page):
    assert re.search(r'<img[^>]+src="data:image/png;base64,', page)
    assert "FutureWarning" not in page and "site-packages" not in page
    assert "/somewhere" not in page  # the injected parameters cell is input: never shown
    assert SUMMARY_MIMETYPE not in page
    assert "<pre>2</pre>" in page  # an execute_result is output: kept, without its Out[] prompt


def test_page_has_print_css_and_no_network_css(page):
    style = page[page.index("<style") : page.index("</style>")]
    assert "@media print" in style
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", style)
    assert "@import" not in style


def test_rerun_gives_same_page_apart_from_run_date():
    later = AppendixContext(**{**CONTEXT.__dict__, "run_date": dt.datetime(2019, 1, 2, 17, 0)})
    first = export_appendix(executed_notebook(), CONTEXT)
    second = export_appendix(executed_notebook(), later)
    assert first != second
    assert strip_run_date(first) == strip_run_date(second)


def test_notebook_with_error_output_is_not_exported():
    error_cell = new_code_cell("1/0", execution_count=9)
    error_cell.outputs = [new_output("error", ename="ZeroDivisionError", evalue="division by zero", traceback=["..."])]
    with pytest.raises(ExportError) as info:
        export_appendix(executed_notebook(extra_outputs=[error_cell]), CONTEXT)
    assert "ZeroDivisionError" in str(info.value)


def test_small_count_in_public_table_refuses_export_but_internal_allows_it():
    with pytest.raises(ExportError) as info:
        export_appendix(executed_notebook(table_value="3"), CONTEXT)
    assert "Children by district" in str(info.value) and "holds 3" in str(info.value)
    internal = AppendixContext(**{**CONTEXT.__dict__, "disclosure": "internal"})
    assert "<td>3</td>" in export_appendix(executed_notebook(table_value="3"), internal)


def test_prepare_notebook_takes_title_from_leading_html_h1():
    nb = new_notebook()
    c = new_code_cell("display.header(result)")
    c.outputs = [new_output("display_data", data={"text/html": "<h1>CP plans &amp; rates</h1><p class='lede'>Warwickshire</p>"})]
    nb.cells = [c]
    prepared, title = prepare_notebook(nb)
    assert title == "CP plans & rates"
    assert prepared.cells[0].outputs[0].data["text/html"] == "<p class='lede'>Warwickshire</p>"


def test_prepare_notebook_honours_remove_tags():
    nb = executed_notebook()
    nb.cells[4].metadata["tags"] = ["remove-output"]
    nb.cells[3].metadata["tags"] = ["remove-cell"]
    prepared, _ = prepare_notebook(nb)
    sources = [c.source for c in prepared.cells]
    assert "show_chart()" not in sources
    assert not any("## Trend" in s for s in sources)


# ---------------------------------------------------------------------------------------------
# check_html on its own


def _doc(body: str, head: str = "") -> str:
    return f'<!DOCTYPE html><html lang="en-GB"><head>{head}</head><body><main>{body}</main></body></html>'


@pytest.mark.parametrize(
    "head, body, fragment",
    [
        ('<script src="https://cdnjs.cloudflare.com/require.js"></script>', "", "network address"),
        ('<script src="//cdn.example.org/x.js"></script>', "", "network address"),
        ('<link rel="stylesheet" href="http://fonts.example.org/a.css">', "", "network address"),
        ("", '<img src="https://example.org/chart.png" alt="x">', "network address"),
        ("", '<img src="chart.png" alt="x">', "instead of embedding"),
        ("<style>@import url(https://example.org/a.css);</style>", "", "not embedded"),
        ("", '<div style="background: url(\'http://example.org/a.png\')">x</div>', "not embedded"),
        ("<script>alert(1)</script>", "", "static"),
        ("", '<iframe src="https://example.org"></iframe>', "network address"),
    ],
)
def test_check_html_rejects_external_resources(head, body, fragment):
    problems = check_html(_doc(body, head), disclosure="internal")
    assert problems and any(fragment in p for p in problems), problems


def test_check_html_allows_links_and_data_uris():
    page = _doc(
        '<p><a href="https://www.gov.uk/government/collections/statistics-children-in-need">DfE</a></p>'
        '<img alt="chart" src="data:image/png;base64,iVBORw0KGgo/tmp/abc/root/">'
        '<style>.x { background: url(data:image/png;base64,AAAA); }</style>'
    )
    assert check_html(page, disclosure="public", roots=["/tmp", "/root"]) == []


def test_check_html_finds_absolute_local_paths():
    page = _doc("<pre>reading /home/analyst/project/data/raw/board.csv</pre><p>see /srv/sg/data</p>")
    problems = check_html(page, disclosure="internal", roots=["/srv/sg"])
    assert any("/srv/sg/data" in p for p in problems)
    assert any("/home/analyst/" in p for p in problems)
    # a path-like word that is not under a root is fine
    assert check_html(_doc("<p>rates per 10,000 / year</p>"), disclosure="internal", roots=["/srv/sg"]) == []


def test_check_html_finds_tracebacks_and_code():
    tb = _doc("<pre>Traceback (most recent call last):\n  boom</pre>")
    assert any("traceback" in p for p in check_html(tb, disclosure="internal"))
    code = _doc('<div class="jp-InputArea-editor">x = 1</div>')
    assert any("code" in p for p in check_html(code, disclosure="internal"))
    # the same class names inside a stylesheet are not code
    css = _doc("", "<style>.jp-InputPrompt { display: none; }</style>")
    assert check_html(css, disclosure="internal") == []


@pytest.mark.parametrize(
    "cell, flagged",
    [("1", True), ("5", True), ("3.0", False), (" 4 ", True), ("0", False), ("6", False), ("c", False),
     ("3.5", False), ("2%", False), ("1,234", False), ("Q4", False)],
)
def test_check_html_small_counts_in_public_mode(cell, flagged):
    page = _doc(f"<table><caption>T</caption><tr><th>Group</th><td>{cell}</td></tr></table>")
    problems = check_html(page, disclosure="public")
    assert bool(problems) is flagged, problems
    assert check_html(page, disclosure="internal") == []


def test_check_html_reads_a_row_heading_as_a_cell():
    """Tables name each row with ``<th scope="row">``: a small count there is still a count."""
    row_heading = _doc('<table><caption>T</caption><tr><th scope="row">3</th><td>c</td></tr></table>')
    assert any("cell holds 3" in p for p in check_html(row_heading, disclosure="public"))
    column_heading = _doc('<table><caption>T</caption><tr><th scope="col">3</th></tr><tr><td>c</td></tr></table>')
    assert check_html(column_heading, disclosure="public") == []


def test_check_html_accepts_an_inline_svg_chart_but_not_one_that_loads():
    """The SVG namespace URLs are names, not requests; a chart that loads an image is refused."""
    from analysis.report import charts

    fig, ax = charts.new_chart()
    ax.plot([1, 2, 3], [3, 1, 2], marker="o", label="series")
    chart = charts.finish(fig, ax, title="A finding", subtitle="A statistic", xlabel="x", ylabel="y",
                          source="Source: made up", alt="Line chart of three made-up points.")
    page = _doc(chart.to_html())
    assert "http://www.w3.org/2000/svg" in page and "<use " in page  # markers drawn by reference
    assert check_html(page, disclosure="public") == []
    loads = _doc(chart.to_html().replace("</svg>", '<image href="https://example.org/x.png"/></svg>'))
    assert any("network address" in p for p in check_html(loads, disclosure="public"))


def test_check_html_small_count_exemptions_are_explicit():
    exempt_table = _doc('<table class="sg-not-count"><tr><td>3</td></tr></table>')
    exempt_cell = _doc('<table><tr><td class="sg-not-count">3</td><td>2</td></tr></table>')
    header_only = _doc("<table><tr><th>1</th><td>c</td></tr></table>")
    assert check_html(exempt_table, disclosure="public") == []
    assert len(check_html(exempt_cell, disclosure="public")) == 1  # the 2 is still a count
    assert check_html(header_only, disclosure="public") == []


def test_styler_ids_are_renumbered():
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({"a": [10, 20]})
    first = df.style.highlight_max().to_html()
    second = df.style.highlight_max().to_html()
    assert first != second  # pandas picks a random id each time
    assert export.normalise_volatile_ids(first) == export.normalise_volatile_ids(second)


def test_disclosure_modes_match_the_themes():
    base = pytest.importorskip("analysis.report.model")
    assert set(export.DISCLOSURE_MODES) == set(base.DISCLOSURE_MODES)


def test_markdown_title_and_display_header_give_one_h1():
    """A notebook with a markdown "# Appendix" and then analysis.report.display.header's <h1>."""
    nb = new_notebook()
    header = new_code_cell("display.header(result)")
    header.outputs = [new_output("display_data", data={"text/html": "<h1>Child deaths</h1><p class='lede'>Area</p>"})]
    section = new_code_cell("display.section(result, 'x')")
    section.outputs = [new_output("display_data", data={"text/html": "<h2 id='x'>Reviews</h2><h1>Not a title</h1>"})]
    nb.cells = [new_markdown_cell("# Appendix: child deaths\n\nWho it is for."), header, section]
    prepared, title = prepare_notebook(nb)
    assert title == "Appendix: child deaths"
    assert prepared.cells[1].outputs[0].data["text/html"] == "<p class='lede'>Area</p>"
    assert "<h1>Not a title</h1>" in prepared.cells[2].outputs[0].data["text/html"]  # after a section: kept
