"""Internal runs (small numbers not suppressed) never land in, replace or get linked from the
public appendices: they go to ``reports/internal/<area>/<period>/``, and every internal page
says what it is at its top and in its title.

Runs use the fixture notebooks and the fake data contracts of :mod:`conftest_runner`; the
same check on the shipped notebooks is in ``test_runner_shipped.py``.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from analysis.pipeline import publish
from analysis.pipeline.export import INTERNAL_BANNER, INTERNAL_LABEL
from analysis.pipeline.htmlcheck import marking_problems
from analysis.pipeline.options import EXIT_OK, display_path
from analysis.pipeline.runner import run

from conftest_runner import REPO, contracts, workspace  # noqa: F401 - fixtures

#: Written out here, not imported, so a change to the wording has to change this test too.
BANNER = "INTERNAL – not for publication: small numbers are not suppressed"
PREFIX = "INTERNAL – not for publication"


_BLOCKS = ("body", "div", "p", "header", "main", "footer", "section", "nav", "h1", "h2", "h3", "h4", "dl", "dt",
           "dd", "ul", "ol", "li", "table", "tr", "td", "th", "caption", "figure")


class _Page(HTMLParser):
    """The <title>, the <h1> and the text of <body> in order, of one page."""

    def __init__(self) -> None:
        super().__init__()
        self.title, self.h1, self.body_text = "", "", []
        self.hrefs: list[str] = []
        self._in: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("title", "h1", "body", "style"):
            self._in.append(tag)
        if tag in _BLOCKS:
            self.body_text.append("")
        if tag == "a" and dict(attrs).get("href"):
            self.hrefs.append(dict(attrs)["href"])

    def handle_endtag(self, tag):
        if tag in self._in:
            self._in.remove(tag)

    def handle_data(self, data):
        if "style" in self._in:
            return
        if "title" in self._in:
            self.title += data
        if "h1" in self._in:
            self.h1 += data
        if "body" in self._in and self.body_text:
            self.body_text[-1] += data

    @property
    def first_text(self) -> str:
        """The text a reader meets first: that of the body's first block holding any."""
        return next((" ".join(block.split()) for block in self.body_text if block.strip()), "")


def _page(path: Path) -> _Page:
    parser = _Page()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def _run(ws, **kwargs):
    stream = io.StringIO()
    result = run(ws.options(**kwargs), stream=stream)
    return result, stream.getvalue()


def test_the_marking_is_what_the_issue_asks_for():
    assert INTERNAL_LABEL == PREFIX and INTERNAL_BANNER == BANNER


@pytest.mark.parametrize("page, disclosure, problems", [
    ('<title>Training – W</title><h1>Training</h1>', "public", 0),
    (f'<title>{PREFIX}: Training</title><h1>{PREFIX}: Training</h1>'
     f'<p class="sg-internal-banner"><strong>{PREFIX}</strong>: small numbers are not suppressed</p>', "internal", 0),
    (f'<title>{PREFIX}: Training</title><h1>Training</h1><p class="sg-internal-banner">{BANNER}</p>', "internal", 1),
    (f'<title>Training</title><h1>{PREFIX}: Training</h1>', "internal", 2),  # no prefix in title, no banner
    (f'<title>Training</title><h1>Training</h1><p class="sg-internal-banner">{BANNER}</p>', "public", 1),
    (f'<title>Training</title><h1>Training</h1><p>{PREFIX}</p>', "public", 1),
])
def test_marking_problems_finds_a_page_marked_wrongly(page, disclosure, problems):
    found = marking_problems(page, disclosure=disclosure, label=INTERNAL_LABEL, banner=INTERNAL_BANNER)
    assert len(found) == problems, found


@pytest.mark.notebook
def test_public_and_internal_runs_land_apart_and_internal_pages_say_so(workspace, contracts):
    workspace.add_theme("chart_table", "chart_table")
    workspace.add_theme("plain", "plain")
    public_result, _ = _run(workspace)
    assert public_result.exit_code == EXIT_OK
    public = workspace.reports / "E10000031" / "2017-18-Q4"
    assert public_result.report_dirs == {"E10000031": public}
    public_files = workspace.snapshot()

    internal_result, output = _run(workspace, disclosure="internal")
    assert internal_result.exit_code == EXIT_OK, output
    internal = workspace.reports / "internal" / "E10000031" / "2017-18-Q4"
    assert internal_result.report_dirs == {"E10000031": internal}
    # the console says where the internal pages went
    assert f"E10000031: {display_path(internal / 'index.html')}" in output
    assert f"Internal pages (not for publication: small numbers are not suppressed) are in " \
           f"{display_path(workspace.reports / 'internal')}" in output

    # the internal run changed nothing outside reports/internal/, and left no staging anywhere
    after = {name: digest for name, digest in workspace.snapshot().items() if not name.startswith("internal/")}
    assert after == public_files
    assert not (workspace.reports / publish.STAGING_DIR).exists()
    assert not (workspace.reports / "internal" / publish.STAGING_DIR).exists()
    assert (workspace.reports / "internal" / publish.LOCKS_DIR / "E10000031__2017-18-Q4.lock").exists()

    for folder, is_internal in ((public, False), (internal, True)):
        pages = sorted(folder.glob("*.html"))
        assert [p.name for p in pages] == ["chart_table.html", "index.html", "plain.html"]
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        assert manifest["parameters"]["disclosure"] == ("internal" if is_internal else "public")
        for path in pages:
            page = _page(path)
            text = " ".join(" ".join(page.body_text).split())
            if is_internal:
                assert page.first_text == BANNER, (path, page.first_text)
                assert page.title.strip().startswith(f"{PREFIX}: "), (path, page.title)
                assert " ".join(page.h1.split()).startswith(f"{PREFIX}: "), (path, page.h1)
            else:
                assert PREFIX not in page.title and PREFIX not in page.h1 and PREFIX not in text, path
                assert "sg-internal-banner" not in re.sub(r"<style.*?</style>", "", path.read_text("utf-8"), flags=re.S)

    # the public index links only to pages in its own folder, none into reports/internal/
    links = _page(public / "index.html").hrefs
    assert {"chart_table.html", "plain.html"} <= set(links)
    for href in links:
        if href.startswith("#"):
            continue
        target = (public / href).resolve()
        assert target.parent == public.resolve(), href
        assert "internal" not in target.relative_to(workspace.reports.resolve()).parts, href


@pytest.mark.notebook
def test_a_public_run_keeps_nothing_of_an_internal_run_in_a_shared_folder(workspace, contracts):
    """An older version put internal runs in the public folder: a public run that meets one
    carries none of its appendices forward (it would otherwise keep a theme it did not run)."""
    workspace.add_theme("plain", "plain")
    final = workspace.reports / "E10000031" / "2017-18-Q4"
    final.mkdir(parents=True)
    (final / "other.html").write_text("an internal appendix with small numbers", encoding="utf-8")
    (final / "other.ipynb").write_text("{}", encoding="utf-8")
    (final / "manifest.json").write_text(json.dumps({
        "run_id": "older", "parameters": {"disclosure": "internal"},
        "notebooks": [{"theme": "other", "area_code": "E10000031", "status": "ok", "notebook": "other.ipynb"}],
    }), encoding="utf-8")
    result, output = _run(workspace)
    assert result.exit_code == EXIT_OK, output
    assert sorted(p.name for p in final.glob("*.html")) == ["index.html", "plain.html"]
    assert not (final / "other.ipynb").exists()
    assert "other.html" not in (final / "index.html").read_text(encoding="utf-8")
    assert "held the appendices of a internal run" not in output  # grammar
    assert "held the appendices of an internal run" in output


@pytest.mark.notebook
def test_shipped_training_appendix_public_and_internal(tmp_path):
    """The real notebook on the shipped data, through the command line: the public page is in
    reports/<area>/<period>/ without any internal marking, the internal one in
    reports/internal/<area>/<period>/ with the banner first and the prefix in its title."""
    reports = tmp_path / "reports"
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    outputs = {}
    for mode in ("public", "internal"):
        proc = subprocess.run(
            [sys.executable, "-m", "analysis.pipeline.cli", "run", "--themes", "training", "--period", "2017-18-Q4",
             "--area", "E10000031", "--disclosure", mode, "--reports-dir", str(reports), "--quiet"],
            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900,
        )
        assert proc.returncode == 0, proc.stderr[-3000:] + proc.stdout[-2000:]
        outputs[mode] = proc.stdout + proc.stderr
    public = reports / "E10000031" / "2017-18-Q4" / "training.html"
    internal = reports / "internal" / "E10000031" / "2017-18-Q4" / "training.html"
    assert public.exists() and internal.exists()
    assert "reports/internal/E10000031/2017-18-Q4/index.html" in outputs["internal"]
    assert "reports/internal" not in outputs["public"]
    shown = _page(internal)
    assert shown.first_text == BANNER
    assert shown.title.startswith(f"{PREFIX}: ") and " ".join(shown.h1.split()).startswith(f"{PREFIX}: ")
    plain = _page(public)
    assert PREFIX not in plain.title and PREFIX not in " ".join(plain.body_text)
    assert " ".join(shown.h1.split()) == f"{PREFIX}: {' '.join(plain.h1.split())}"  # the same appendix
