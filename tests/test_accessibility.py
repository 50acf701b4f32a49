"""WCAG 2.2 AA on the shipped pages: axe-core, reflow at 390 px, table captions, chart contrast.

The real theme notebooks run once per disclosure mode (public and internal) for Warwickshire
(E10000031), 2017-18 Q4; every page each run writes (the appendices and the index, found from
the run's ``report_dirs``) is opened in headless Chromium at 1280 x 800 and at 390 x 844 (a
phone) with every "data behind the chart" opened, so the tables inside are audited too. On each:

* axe-core (``axe-playwright-python``) finds no violation of the WCAG 2.0, 2.1 and 2.2 level A
  and AA rules;
* at 390 px the page does not scroll sideways (``scrollWidth <= clientWidth``);
* every ``<table>`` has a non-empty ``<caption>``;
* every colour a chart draws with, as the browser computes it (translucent colours blended with
  white), has a contrast of at least 3:1 against white, apart from white, the gridline greys and
  faint interval shading (``analysis.report.charts.DECORATION`` and ``SHADING_OPACITY``). The
  contrast is computed here with WCAG's formula, not with the package's own function.

``test_the_audit_can_fail`` shows each check catching a page built to break it. Skipped without
Debian's chromium or the axe package, unless ``REQUIRE_BROWSER=1`` (then failed).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from analysis.report.charts import DECORATION, SHADING_OPACITY

from conftest_runner import _browser_unavailable, chromium  # noqa: F401 - chromium is a fixture

pytestmark = [pytest.mark.browser, pytest.mark.notebook]

AREA, PERIOD = "E10000031", "2017-18 Q4"
VIEWPORTS = {"desktop": (1280, 800), "phone": (390, 844)}
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]

#: Every colour drawn inside a chart, with its opacities, as the browser computes them.
CHART_COLOURS_JS = """() => {
  const out = [];
  for (const svg of document.querySelectorAll('svg[role=img]')) {
    for (const el of svg.querySelectorAll('path, use, rect, circle, ellipse, line, polyline, polygon, text')) {
      if (el.closest('clipPath')) continue;  // a clip region is never painted
      const cs = getComputedStyle(el);
      const opacity = parseFloat(cs.opacity);
      out.push(['fill', cs.fill, parseFloat(cs.fillOpacity) * opacity]);
      out.push(['stroke', cs.stroke, parseFloat(cs.strokeOpacity) * opacity]);
    }
  }
  return out;
}"""


@dataclass
class PageAudit:
    """What one page showed at one viewport."""

    name: str
    violations: list[dict] = field(default_factory=list)
    scroll: tuple[int, int] = (0, 0)  # (scrollWidth, clientWidth) with every details element open
    tables: int = 0
    uncaptioned: int = 0
    charts: int = 0
    colours: list[tuple[str, str, float]] = field(default_factory=list)


def _axe():
    try:
        from axe_playwright_python.sync_playwright import Axe
    except ImportError as exc:
        _browser_unavailable(f"axe-playwright-python is not installed ({exc}); pip install -e '.[test]'")
    return Axe()


def audit_page(browser, axe, path: Path, viewport: tuple[int, int], name: str) -> PageAudit:
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]}, offline=True)
    page = context.new_page()
    page.goto(path.as_uri(), wait_until="load")
    page.evaluate("() => document.querySelectorAll('details').forEach(d => { d.open = true; })")
    result = axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]})
    audit = PageAudit(
        name=name,
        violations=[{"id": v["id"], "nodes": len(v["nodes"]), "help": v["help"],
                     "where": [n["target"] for n in v["nodes"][:3]]} for v in result.response["violations"]],
        scroll=tuple(page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")),
        tables=page.locator("table").count(),
        uncaptioned=page.evaluate(
            "() => Array.from(document.querySelectorAll('table'))"
            ".filter(t => !t.caption || !t.caption.textContent.trim()).length"),
        charts=page.locator("svg[role=img]").count(),
        colours=[tuple(c) for c in page.evaluate(CHART_COLOURS_JS)],
    )
    context.close()
    return audit


def _luminance(rgb: tuple[float, float, float]) -> float:
    """WCAG 2.2 relative luminance of an sRGB colour with channels 0-255."""
    linear = [(c / 255) / 12.92 if c / 255 <= 0.04045 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast_on_white(rgb: tuple[float, float, float]) -> float:
    return 1.05 / (_luminance(rgb) + 0.05)


def low_contrast_colours(colours: list[tuple[str, str, float]]) -> dict[str, float]:
    """The computed chart colours under 3:1 against white, as ``#RRGGBB`` -> ratio."""
    decoration = {tuple(int(c[i:i + 2], 16) for i in (1, 3, 5)) for c in DECORATION}
    low = {}
    for kind, value, alpha in colours:
        match = re.fullmatch(r"rgba?\((\d+), (\d+), (\d+)(?:, ([\d.]+))?\)", value)
        if not match or alpha == 0:
            continue  # "none"
        rgb = tuple(int(match.group(i)) for i in (1, 2, 3))
        alpha *= float(match.group(4) or 1)
        if rgb in decoration or (kind == "fill" and alpha <= SHADING_OPACITY):
            continue
        shown = tuple(alpha * c + (1 - alpha) * 255 for c in rgb)  # as it shows on white
        ratio = _contrast_on_white(shown)
        if ratio < 3:
            low["#" + "".join(f"{round(c):02X}" for c in shown)] = round(ratio, 2)
    return low


@pytest.fixture(scope="module")
def audits(chromium, tmp_path_factory) -> dict[str, list[PageAudit]]:  # noqa: F811 - chromium is a fixture
    """Each disclosure mode's run, every page audited at both viewports: mode -> audits."""
    from analysis.pipeline.options import RunOptions
    from analysis.pipeline.runner import run

    axe = _axe()
    out: dict[str, list[PageAudit]] = {}
    for mode in ("public", "internal"):
        reports = tmp_path_factory.mktemp(f"a11y-{mode}")
        result = run(RunOptions(period=PERIOD, areas=[AREA], disclosure=mode, reports_dir=reports, progress=False),
                     stream=io.StringIO())
        assert result.exit_code == 0, result.messages
        pages = sorted(result.report_dirs[AREA].glob("*.html"))
        out[mode] = [audit_page(chromium, axe, page, size, f"{mode} {page.name} at {size[0]} px")
                     for size in VIEWPORTS.values() for page in pages]
    return out


def _all(audits) -> list[PageAudit]:
    return [a for mode in audits.values() for a in mode]


def test_every_page_of_both_runs_is_audited(audits):
    for mode, pages in audits.items():
        names = {a.name.split(" ")[1] for a in pages}
        assert names == {"index.html", "cp_trends.html", "representation.html", "cdop.html", "training.html"}, mode
        assert len(pages) == 2 * len(names)
        assert sum(a.charts for a in pages) >= 2 * 20  # the charts are there to be checked


def test_axe_finds_no_wcag_a_or_aa_violation(audits):
    found = {a.name: a.violations for a in _all(audits) if a.violations}
    assert found == {}


def test_no_page_scrolls_sideways_on_a_phone(audits):
    wide = {a.name: a.scroll for a in _all(audits) if a.name.endswith("390 px") and a.scroll[0] > a.scroll[1]}
    assert wide == {}


def test_every_table_has_a_caption(audits):
    assert all(a.tables for a in _all(audits))  # every page has at least one table
    assert {a.name: a.uncaptioned for a in _all(audits) if a.uncaptioned} == {}


def test_every_chart_colour_is_3_to_1_against_white(audits):
    pages = _all(audits)
    assert sum(len(a.colours) for a in pages) > 1000
    assert {a.name: low for a in pages if (low := low_contrast_colours(a.colours))} == {}


def test_the_audit_can_fail(chromium, tmp_path):  # noqa: F811 - chromium is a fixture
    """A page with an image without alt text, grey-on-white text, an unfocusable scrolling table
    without a caption, a 600 px wide block and an orange chart line is caught by every check."""
    bad = tmp_path / "bad.html"
    bad.write_text(
        '<!DOCTYPE html><html lang="en-GB"><head><meta name="viewport" content="width=device-width">'
        "<title>Bad</title></head><body><main><h1>Bad</h1>"
        '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">'
        '<p style="color:#aaaaaa">Faint text</p>'
        '<div style="overflow-x:auto;width:200px"><table><tr><th>Verdict</th><td style="white-space:nowrap">' + "wide " * 80 + "</td></tr></table></div>"
        '<div style="width:600px">wide</div>'
        '<svg role="img" aria-label="chart" viewBox="0 0 10 10" width="100"><path d="M0 0 L10 10" '
        'style="stroke: #e69f00"/><path d="M0 10 L10 0" style="fill: #56b4e9; fill-opacity: 0.9"/></svg>'
        "</main></body></html>",
        encoding="utf-8",
    )
    audit = audit_page(chromium, _axe(), bad, VIEWPORTS["phone"], "bad at 390 px")
    ids = {v["id"] for v in audit.violations}
    assert {"image-alt", "color-contrast", "scrollable-region-focusable"} <= ids, ids
    assert audit.scroll[0] > audit.scroll[1]
    assert audit.uncaptioned == 1
    low = low_contrast_colours(audit.colours)
    assert "#E69F00" in low and len(low) == 2, low  # the sky blue, at 90%, shows paler still
