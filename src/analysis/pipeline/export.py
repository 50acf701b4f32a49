"""Executed notebook -> self-contained, offline HTML appendix.

The appendix is what a board member opens on a locked-down council laptop, so it is checked
before it is written, not after:

* **no code, no prompts, no traceback** – nbconvert runs with ``exclude_input``,
  ``exclude_input_prompt`` and ``exclude_output_prompt``; a notebook holding any error output
  is refused (:class:`ExportError`); ``stderr`` streams (warnings, which carry file paths) are
  dropped from the HTML but stay in the executed notebook kept for audit;
* **offline** – the house template (``templates/safeguarding``) extends nbconvert's ``lab``
  template but replaces its ``<head>``: no require.js / MathJax / Mermaid / widget scripts
  from a CDN, one small inlined stylesheet; charts are ``data:`` URIs;
* **no absolute path of the machine, no small count in public mode** – every page passes
  :func:`analysis.pipeline.htmlcheck.check_html` before it is written.

Re-running on the same inputs gives the same appendix apart from the run date, which sits in
one ``<time class="sg-run-date">`` element (random pandas Styler ids are renumbered). Also the
facts both the appendices and the index page print (:data:`DISCLOSURE_TEXT`,
:func:`analysis.periods.long_date`) and :class:`ExportError`.
"""

from __future__ import annotations

import copy
import datetime as dt
import html as html_lib
import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
from nbconvert import HTMLExporter
from traitlets.config import Config

from .. import __version__
from ..periods import long_date
from ..report.model import DISCLOSURE_MODES, IN_BRIEF_END
from ..report.summary import SUMMARY_MIMETYPE
from ..formatting import SMALL_COUNT_THRESHOLD, SUPPRESSED
from .htmlcheck import check_html, headings, marking_problems

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
APPENDIX_TEMPLATE = "safeguarding"
HOUSE_CSS = TEMPLATE_DIR / APPENDIX_TEMPLATE / "static" / "house.css"

#: Disclosure modes a run accepts (the notebooks receive the same value as ``disclosure``);

DISCLOSURE_TEXT = {
    "public": f"Public: counts from 1 to {SMALL_COUNT_THRESHOLD} are suppressed and shown as {SUPPRESSED} "
              "(DfE disclosure control).",
    "internal": "Internal: not for publication. Small counts are shown unsuppressed.",
}

#: What marks every page of an internal run: the prefix of its <title> and <h1>, and the banner
#: at the top of the page (:func:`analysis.pipeline.htmlcheck.marking_problems` checks both).
INTERNAL_LABEL = "INTERNAL – not for publication"
INTERNAL_BANNER = f"{INTERNAL_LABEL}: small numbers are not suppressed"

#: A notebook cell with this tag is left out of the appendix; with ``remove-output`` its output is.
REMOVE_CELL_TAGS = frozenset({"remove-cell", "remove_cell"})
REMOVE_OUTPUT_TAGS = frozenset({"remove-output", "remove_output"})

#: Output types an appendix never shows (the summary bundle is invisible; scripts are not static).
_HIDDEN_MIMETYPES = (SUMMARY_MIMETYPE, "application/javascript", "application/vnd.jupyter.widget-view+json")

_TOC_MARKER = "<!--sg:toc-->"
_DETAILS_RE = re.compile(r"<!--sg:details-start-->.*?<!--sg:details-end-->", re.DOTALL)
_MARKDOWN_H1_RE = re.compile(r"^#\s+(.+?)\s*#*\s*$")
_MARKDOWN_SECTION_RE = re.compile(r"^\s{0,3}#{1,6}\s", re.MULTILINE)
_HTML_H1_RE = re.compile(r"^\s*<h1\b[^>]*>(.*?)</h1>\s*", re.IGNORECASE | re.DOTALL)
#: The "¶" link nbconvert puts after each markdown heading: its text names nothing to a screen
#: reader, and the contents list links to every section. The heading keeps its id (the contents
#: list needs it), which ``HTMLExporter.exclude_anchor_links`` would drop with the link.
_ANCHOR_LINK_RE = re.compile(r'<a class="anchor-link" href="#[^"]*">.*?</a>', re.DOTALL)
_STYLER_ID_RE = re.compile(r"\bT_([0-9a-f]{5})(?=[_\"'\s{.,:#>)])")


class ExportError(RuntimeError):
    """The appendix would break a rule; ``problems`` lists each one for a person."""

    def __init__(self, what: str, problems: Sequence[str]):
        self.what = what
        self.problems = list(problems)
        shown = "; ".join(self.problems[:5])
        more = f" (and {len(self.problems) - 5} more)" if len(self.problems) > 5 else ""
        super().__init__(f"{what}: {shown}{more}")


@dataclass(frozen=True)
class AppendixContext:
    """Facts printed in an appendix's header.

    ``period`` is the label (``"2017-18 Q4"``); ``run_date`` is when the run started (local
    time of the machine); ``title`` falls back to the notebook's first level-1 heading.
    """

    theme: str
    area_code: str
    area_name: str
    period: str
    run_date: dt.datetime
    disclosure: str = "public"
    title: str | None = None
    kicker: str = "Report appendix"
    index_href: str = "index.html"
    source_note: str = (
        "Sources: the board's own quarterly dataset and annual report; Department for Education, "
        "Children in need statistics; ONS mid-year population estimates (Open Government Licence v3.0)."
    )




# --------------------------------------------------------------------------------------------
# Notebook preparation


def execution_errors(nb: Mapping[str, Any]) -> list[str]:
    """One line per error output in the notebook (empty list: it ran cleanly)."""
    problems = []
    for index, cell in enumerate(nb.get("cells", [])):
        for output in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
            if output.get("output_type") == "error":
                problems.append(
                    f"cell {index + 1} raised {output.get('ename', 'an error')}: {output.get('evalue', '')}".rstrip(": ")
                )
    return problems


def _first_h1(source: str) -> tuple[str | None, str]:
    """(text of a leading ``# heading``, source without it)."""
    lines = source.splitlines()
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        match = _MARKDOWN_H1_RE.match(line)
        if match:
            return match.group(1).strip(), "\n".join(lines[:i] + lines[i + 1 :]).strip("\n")
        return None, source
    return None, source


def _strip_tags(text: str) -> str:
    return html_lib.unescape(re.sub(r"<[^>]+>", "", text)).strip()


class _Preparation:
    """What :func:`prepare_notebook` has seen so far, walking the cells in order."""

    def __init__(self) -> None:
        self.title: str | None = None
        self.seen_content = False  # anything shown yet
        self.seen_section = False  # a level-2 (or lower) heading shown yet
        self.stripped_html_h1 = False

    def markdown_cell(self, cell: Any) -> bool:
        """Take a leading ``# Title`` out of the first markdown; False when the cell is left empty."""
        if not self.seen_content:
            self.title, cell.source = _first_h1(cell.source)
        self.seen_content = True
        if _MARKDOWN_SECTION_RE.search(cell.source) or re.search(r"<h[2-6]\b", cell.source):
            self.seen_section = True
        return bool(cell.source.strip())

    def code_cell(self, cell: Any, tags: set[str]) -> bool:
        """Keep the outputs an appendix shows; False when none is left."""
        if tags & REMOVE_OUTPUT_TAGS:
            cell.outputs = []
        kept = []
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                continue
            if output.get("output_type") in ("display_data", "execute_result"):
                data = self._shown_data(output)
                if not data:
                    continue
                output["data"] = data
            self.seen_content = True
            kept.append(output)
        cell.outputs = kept
        return bool(kept)

    def _shown_data(self, output: Any) -> dict[str, Any]:
        """The output's mime bundle without hidden types and without a title ``<h1>`` before the
        first section (that title goes into the page header); empty when nothing is left."""
        data = {mimetype: value for mimetype, value in output.get("data", {}).items()
                if mimetype not in _HIDDEN_MIMETYPES}
        if "text/html" not in data:
            return data
        html = data["text/html"]
        text = "".join(html) if isinstance(html, list) else html
        match = _HTML_H1_RE.match(text)
        if match and not self.seen_section and not self.stripped_html_h1:
            self.title = self.title or _strip_tags(match.group(1))
            text = text[match.end():]
            self.stripped_html_h1 = True
            if not text.strip() and len(data) == 1:
                return {}
            data["text/html"] = text
        if re.search(r"<h[2-6]\b", text, re.IGNORECASE):
            self.seen_section = True
        return data


def prepare_notebook(nb: nbformat.NotebookNode) -> tuple[nbformat.NotebookNode, str | None]:
    """A copy of ``nb`` ready for export, and the title taken from its leading level-1 heading.

    Drops: cells tagged ``remove-cell``; outputs of cells tagged ``remove-output``; ``stderr``
    streams (warnings carry local paths; they stay in the executed notebook); the invisible
    summary bundle; javascript and widget outputs; then every code cell left without output
    (the papermill parameters cell among them: its cell id is random on each run).
    The page header shows the title as the page's only ``<h1>``, so the notebook's own title
    headings before its first section are removed: a leading markdown ``# Title`` and an HTML
    output starting with ``<h1>`` (e.g. ``analysis.report.display.header``).
    """
    nb = copy.deepcopy(nb)
    preparation = _Preparation()
    cells = []
    for position, cell in enumerate(nb.cells):
        # cell ids become HTML anchors; papermill and nbformat upgrades can make them random
        if "id" in cell:
            cell.id = f"cell-{position}"
        tags = set(cell.get("metadata", {}).get("tags", []))
        if tags & REMOVE_CELL_TAGS:
            continue
        if cell.cell_type == "markdown" and not preparation.markdown_cell(cell):
            continue
        if cell.cell_type == "code" and not preparation.code_cell(cell, tags):
            continue
        cells.append(cell)
    nb.cells = cells
    return nb, preparation.title


# --------------------------------------------------------------------------------------------
# Page finishing


def _toc_html(items: list[tuple[int, str, str]]) -> str:
    """Contents: the top heading level numbered, the next level nested under its parent."""
    links = [(level, heading_id, text) for level, heading_id, text in items if heading_id and text]
    if not links:
        return ""
    top = min(level for level, _, _ in links)
    lines = ['<nav class="sg-toc" aria-label="Contents">', "<h2>Contents</h2>", "<ol>"]
    item_open = sublist_open = False
    for level, heading_id, text in links:
        link = f'<a href="#{html_lib.escape(heading_id)}">{html_lib.escape(text)}</a>'
        if level > top and item_open:
            if not sublist_open:
                lines.append("<ul>")
                sublist_open = True
            lines.append(f"<li>{link}</li>")
            continue
        if sublist_open:
            lines.append("</ul>")
            sublist_open = False
        if item_open:
            lines.append("</li>")
        lines.append(f"<li>{link}")
        item_open = True
    if sublist_open:
        lines.append("</ul>")
    if item_open:
        lines.append("</li>")
    lines += ["</ol>", "</nav>"]
    return "\n".join(lines)


def details_below_in_brief(html: str) -> str:
    """The page with its details block (area, period, run date, disclosure, contents) moved from
    under the title to just below the "In brief" box, so that the answer is on the first screen;
    unchanged when the page has no such box."""
    details = _DETAILS_RE.search(html)
    if details is None or IN_BRIEF_END not in html[details.end():]:
        return html
    block = details.group(0)
    html = html[:details.start()] + html[details.end():]
    return html.replace(IN_BRIEF_END, block, 1)


def normalise_volatile_ids(html: str) -> str:
    """Renumber pandas Styler's random table ids (``T_1a2b3``) in order of appearance."""
    renumbered: dict[str, str] = {}

    def stable_id(match: re.Match[str]) -> str:
        random_id = match.group(1)
        if random_id not in renumbered:
            renumbered[random_id] = f"sg{len(renumbered) + 1:03d}"
        return f"T_{renumbered[random_id]}"

    return _STYLER_ID_RE.sub(stable_id, html)


# --------------------------------------------------------------------------------------------
# Export

_thread_local = threading.local()


def _exporter() -> HTMLExporter:
    """One HTMLExporter per thread (exporters hold state; building one loads the templates)."""
    exporter = getattr(_thread_local, "exporter", None)
    if exporter is None:
        config = Config()
        config.HTMLExporter.extra_template_basedirs = [str(TEMPLATE_DIR)]
        config.HTMLExporter.template_name = APPENDIX_TEMPLATE
        config.HTMLExporter.exclude_input = True
        config.HTMLExporter.exclude_input_prompt = True
        config.HTMLExporter.exclude_output_prompt = True
        config.HTMLExporter.embed_images = True
        config.HTMLExporter.theme = "light"
        exporter = HTMLExporter(config=config)
        _thread_local.exporter = exporter
    return exporter


def warm_up() -> None:
    """Build this thread's exporter and export one small page (a heading, a paragraph, a table
    and an image), writing nothing: the first real appendix then does not pay for loading the
    templates and the HTML libraries (about 0.3 s here). The runner calls it while the
    kernels start."""
    v4 = nbformat.v4
    table = "<table><thead><tr><th>Group</th><th>Count</th></tr></thead><tbody><tr><td>All</td><td>10</td></tr></tbody></table>"
    svg = '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"></svg>'
    nb = v4.new_notebook(cells=[
        v4.new_markdown_cell("## Warm-up\n\nA paragraph with a [link](#warm-up)."),
        v4.new_code_cell("", outputs=[v4.new_output("display_data", {"text/html": table, "image/svg+xml": svg})]),
    ])
    context = AppendixContext(theme="warm_up", area_code="E92000001", area_name="England", period="2017-18 Q4",
                              run_date=dt.datetime(2018, 3, 31, tzinfo=dt.timezone.utc))
    export_appendix(nb, context)


def page_header(area_code: str, area_name: str, period: str, run_date: dt.datetime, disclosure: str) -> dict[str, str]:
    """What the header of every page says (an appendix's and the index's): area, period, run date,
    disclosure mode and the package version; on an internal page, the banner and title prefix."""
    return {
        "area_code": area_code,
        "area_name": area_name,
        "period": period,
        "run_date_iso": run_date.date().isoformat(),
        "run_date_text": long_date(run_date),
        "disclosure_text": DISCLOSURE_TEXT[disclosure],
        "version": __version__,
        "internal": disclosure == "internal",
        "internal_label": INTERNAL_LABEL,
        "internal_banner_rest": INTERNAL_BANNER[len(INTERNAL_LABEL):],
    }


def export_appendix(
    nb: nbformat.NotebookNode,
    context: AppendixContext,
    *,
    roots: Iterable[str] = (),
) -> str:
    """The appendix HTML of an executed notebook, or :class:`ExportError` listing why not.

    Refuses a notebook with any error output (a failed run never becomes an appendix), then
    renders with the house template, adds the table of contents and checks the page with
    :func:`~analysis.pipeline.htmlcheck.check_html` in the context's disclosure mode.
    """
    if context.disclosure not in DISCLOSURE_MODES:
        raise ValueError(f"disclosure {context.disclosure!r} is not one of {DISCLOSURE_MODES}")
    errors = execution_errors(nb)
    if errors:
        raise ExportError(f"{context.theme}: not exported, the notebook holds error output", errors)
    prepared, h1 = prepare_notebook(nb)
    title = context.title or h1 or prepared.metadata.get("title") or context.theme.replace("_", " ").capitalize()
    page_facts = {
        "title": title,
        "kicker": context.kicker,
        **page_header(context.area_code, context.area_name, context.period, context.run_date, context.disclosure),
        "index_href": context.index_href,
        "source_note": context.source_note,
    }
    body, _ = _exporter().from_notebook_node(prepared, resources={"sg": page_facts, "metadata": {"name": title}})
    body = _ANCHOR_LINK_RE.sub("", body)
    body = details_below_in_brief(body)
    body = body.replace(_TOC_MARKER, _toc_html(headings(body)), 1)
    body = normalise_volatile_ids(body)
    problems = check_html(body, disclosure=context.disclosure, roots=roots)
    problems += marking_problems(body, disclosure=context.disclosure, label=INTERNAL_LABEL, banner=INTERNAL_BANNER)
    if problems:
        raise ExportError(f"{context.theme}: appendix not written", problems)
    return body
