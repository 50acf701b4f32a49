"""Executed notebook -> self-contained, offline HTML appendix (and the index page).

The appendix is what a board member opens on a locked-down council laptop, so it is checked
before it is written, not after:

* **no code, no prompts, no traceback** – nbconvert runs with ``exclude_input``,
  ``exclude_input_prompt`` and ``exclude_output_prompt``; a notebook holding any error output
  is refused (:class:`ExportError`); ``stderr`` streams (warnings, which carry file paths) are
  dropped from the HTML but stay in the executed notebook kept for audit;
* **offline** – the house template (``templates/safeguarding``) extends nbconvert's ``lab``
  template but replaces its ``<head>``: no require.js / MathJax / Mermaid / widget scripts
  from a CDN, one small inlined stylesheet; charts are ``data:`` URIs. :func:`check_html`
  rejects any script, stylesheet, image or frame that is not embedded;
* **no absolute path of the machine** – :func:`check_html` looks for every local root it is
  given (repository, home, Python prefix, temp dir, data and report folders);
* **disclosure** – in ``public`` mode a table cell holding a whole number from 1 to 5 is a
  disclosure failure (DfE rule: counts from 1 to 5 are suppressed). Counts are printed as
  whole numbers and percentages, rates and hours with one decimal place, so ``3.0`` is not a
  count. Cells or tables with the
  class ``sg-not-count`` (e.g. a quarter number or a rank) are exempt.

Re-running on the same inputs gives the same appendix apart from the run date, which sits in
one ``<time class="sg-run-date">`` element (random pandas Styler ids are renumbered).
"""

from __future__ import annotations

import copy
import datetime as dt
import html as html_lib
import re
import sys
import tempfile
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import nbformat

from .. import __version__
from ..report.summary import SUMMARY_MIMETYPE
from ..stats.disclosure import is_small_count

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
APPENDIX_TEMPLATE = "safeguarding"
INDEX_TEMPLATE = "index_page.html.j2"
HOUSE_CSS = TEMPLATE_DIR / APPENDIX_TEMPLATE / "static" / "house.css"

#: Disclosure modes a run accepts (the notebooks receive the same value as ``disclosure``).
DISCLOSURE_MODES = ("public", "internal")

DISCLOSURE_TEXT = {
    "public": "Public: counts from 1 to 5 are suppressed and shown as c (DfE disclosure control).",
    "internal": "Internal: not for publication. Small counts are shown unsuppressed.",
}

#: A notebook cell with this tag is left out of the appendix; with ``remove-output`` its output is.
REMOVE_CELL_TAGS = frozenset({"remove-cell", "remove_cell"})
REMOVE_OUTPUT_TAGS = frozenset({"remove-output", "remove_output"})

#: Class on a ``<td>`` or ``<table>`` that says "these whole numbers are not counts".
NOT_COUNT_CLASS = "sg-not-count"

_TOC_MARKER = "<!--sg:toc-->"


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


def run_date_text(when: dt.datetime | dt.date) -> str:
    """``28 November 2026`` (GOV.UK style, no leading zero)."""
    return f"{when.day} {when:%B %Y}"


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
        m = re.match(r"^#\s+(.+?)\s*#*\s*$", line)
        if m:
            return m.group(1).strip(), "\n".join(lines[:i] + lines[i + 1 :]).strip("\n")
        return None, source
    return None, source


_HTML_H1_RE = re.compile(r"^\s*<h1\b[^>]*>(.*?)</h1>\s*", re.IGNORECASE | re.DOTALL)


def _strip_tags(text: str) -> str:
    return html_lib.unescape(re.sub(r"<[^>]+>", "", text)).strip()


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
    title = None
    seen_content = False  # anything shown yet
    seen_section = False  # a level-2 (or lower) heading shown yet
    stripped_html_h1 = False
    cells = []
    for position, cell in enumerate(nb.cells):
        # cell ids become HTML anchors; papermill and nbformat upgrades can make them random
        if "id" in cell:
            cell.id = f"cell-{position}"
        tags = set(cell.get("metadata", {}).get("tags", []))
        if tags & REMOVE_CELL_TAGS:
            continue
        if cell.cell_type == "markdown":
            if not seen_content:
                title, cell.source = _first_h1(cell.source)
            seen_content = True
            if re.search(r"^\s{0,3}#{1,6}\s", cell.source, re.MULTILINE) or re.search(r"<h[2-6]\b", cell.source):
                seen_section = True
            if not cell.source.strip():
                continue
        elif cell.cell_type == "code":
            if tags & REMOVE_OUTPUT_TAGS:
                cell.outputs = []
            kept = []
            for output in cell.get("outputs", []):
                if output.get("output_type") == "stream" and output.get("name") == "stderr":
                    continue
                if output.get("output_type") in ("display_data", "execute_result"):
                    data = {
                        k: v
                        for k, v in output.get("data", {}).items()
                        if k not in (SUMMARY_MIMETYPE, "application/javascript", "application/vnd.jupyter.widget-view+json")
                    }
                    if not data:
                        continue
                    if "text/html" in data:
                        text = "".join(data["text/html"]) if isinstance(data["text/html"], list) else data["text/html"]
                        m = _HTML_H1_RE.match(text)
                        if m and not seen_section and not stripped_html_h1:
                            title = title or _strip_tags(m.group(1))
                            text = text[m.end():]
                            stripped_html_h1 = True
                            if not text.strip() and len(data) == 1:
                                continue
                            data["text/html"] = text
                        if re.search(r"<h[2-6]\b", text, re.IGNORECASE):
                            seen_section = True
                    output["data"] = data
                seen_content = True
                kept.append(output)
            cell.outputs = kept
            if not kept:
                continue
        cells.append(cell)
    nb.cells = cells
    return nb, title


# --------------------------------------------------------------------------------------------
# HTML checks


_NETWORK_RE = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)
_CSS_URL_RE = re.compile(r"url\(\s*['\"]?([^'\")]+)|@import\s+(?:url\()?\s*['\"]?([^'\"\s);]+)", re.IGNORECASE)
_DATA_URI_RE = re.compile(r"data:[\w/+.-]+(?:;[\w=.-]+)*,[A-Za-z0-9+/=%._~-]*", re.IGNORECASE)
#: A count as this project prints it: a whole number (percentages, rates and hours always
#: carry one decimal place, so "3.0" is a measure, not a count: see analysis.report.display.format_cell).
_WHOLE_NUMBER_RE = re.compile(r"^[0-9]+$")
#: Classes nbconvert gives error output / stderr, and code input / prompts.
_TRACEBACK_CLASSES = ("jp-OutputArea-error", "ansi-red-fg", "ansi-green-intense-fg", "ansi-bold")
_TRACEBACK_MIMETYPES = ("application/vnd.jupyter.stderr",)
_CODE_CLASSES = ("jp-InputArea-editor", "jp-InputPrompt", "jp-OutputPrompt", "highlight", "input_area", "prompt")
_SRC_ATTRS = {
    "script": ("src",),
    "img": ("src", "srcset"),
    "iframe": ("src",),
    "frame": ("src",),
    "embed": ("src",),
    "source": ("src", "srcset"),
    "video": ("src", "poster"),
    "audio": ("src",),
    "track": ("src",),
    "object": ("data",),
    "input": ("src",),
    "image": ("href", "xlink:href"),
    "use": ("href", "xlink:href"),
}


class _Scanner(HTMLParser):
    """Collects what the checks need in one pass over the document."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.traceback: list[str] = []
        self.code: list[str] = []
        self.small_counts: list[str] = []
        self.headings: list[tuple[int, str, str]] = []  # (level, id, text) inside <main>
        self._in_main = 0
        self._heading: list[Any] | None = None
        self._tables: list[dict[str, Any]] = []  # stack of open tables
        self._cell: dict[str, Any] | None = None
        self._style = False
        self._style_text: list[str] = []

    # -- helpers
    def _where(self) -> str:
        line, _ = self.getpos()
        return f"line {line}"

    def _resource(self, tag: str, attr: str, value: str) -> None:
        values = [v.strip().split(" ")[0] for v in value.split(",")] if attr == "srcset" else [value]
        for v in values:
            if not v or v.startswith("#"):
                continue
            if _NETWORK_RE.match(v):
                self.problems.append(f"<{tag} {attr}={v[:80]!r}> loads from a network address ({self._where()})")
            elif not v.lower().startswith("data:"):
                self.problems.append(
                    f"<{tag} {attr}={v[:80]!r}> refers to a file beside the page instead of embedding it ({self._where()})"
                )

    def _css(self, text: str) -> None:
        for m in _CSS_URL_RE.finditer(text):
            v = (m.group(1) or m.group(2) or "").strip()
            if v and not v.lower().startswith("data:") and not v.startswith("#"):
                self.problems.append(f"stylesheet refers to {v[:80]!r}: not embedded ({self._where()})")

    # -- parser callbacks
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): (v or "") for k, v in attrs}
        classes = set(a.get("class", "").split())
        for c in classes.intersection(_TRACEBACK_CLASSES):
            self.traceback.append(f"class {c!r}, {self._where()}")
        if a.get("data-mime-type") in _TRACEBACK_MIMETYPES:
            self.traceback.append(f"stderr output, {self._where()}")
        for c in classes.intersection(_CODE_CLASSES):
            self.code.append(f"class {c!r}, {self._where()}")
        if tag == "script":
            if "src" in a:
                self._resource(tag, "src", a["src"])
            elif a.get("type", "").lower() not in ("application/json", "application/ld+json"):
                self.problems.append(f"<script> element: an appendix must be static ({self._where()})")
        if tag == "link" and a.get("href"):
            rel = a.get("rel", "").lower()
            if "stylesheet" in rel or "preload" in rel or "icon" in rel or "import" in rel or _NETWORK_RE.match(a["href"]):
                if _NETWORK_RE.match(a["href"]):
                    self.problems.append(f"<link href={a['href'][:80]!r}> loads from a network address ({self._where()})")
                elif not a["href"].lower().startswith("data:"):
                    self.problems.append(f"<link href={a['href'][:80]!r}> refers to a file beside the page ({self._where()})")
        for attr in _SRC_ATTRS.get(tag, ()):
            if attr in a:
                self._resource(tag, attr, a[attr])
        if "style" in a:
            self._css(a["style"])
        if tag == "style":
            self._style = True
            self._style_text = []
        if tag == "main":
            self._in_main += 1
        if tag in ("h1", "h2", "h3") and self._in_main:
            self._heading = [int(tag[1]), a.get("id", ""), []]
        if tag == "table":
            parent_exempt = bool(self._tables and self._tables[-1]["exempt"])
            self._tables.append({"exempt": parent_exempt or NOT_COUNT_CLASS in classes, "row": 0, "caption": []})
        if tag == "caption" and self._tables:
            self._cell = {"kind": "caption", "text": []}
        if tag == "tr" and self._tables:
            self._tables[-1]["row"] += 1
        if tag == "td" and self._tables:
            self._cell = {"kind": "td", "text": [], "exempt": NOT_COUNT_CLASS in classes, "line": self.getpos()[0]}

    def handle_endtag(self, tag: str) -> None:
        if tag == "style" and self._style:
            self._style = False
            self._css("".join(self._style_text))
        if tag == "main" and self._in_main:
            self._in_main -= 1
        if tag in ("h1", "h2", "h3") and self._heading is not None:
            level, hid, parts = self._heading
            text = re.sub(r"\s+", " ", "".join(parts)).strip().rstrip("¶").strip()
            self.headings.append((level, hid, text))
            self._heading = None
        if tag == "caption" and self._cell and self._cell["kind"] == "caption":
            self._tables[-1]["caption"] = self._cell["text"]
            self._cell = None
        if tag == "td" and self._cell and self._cell["kind"] == "td":
            text = "".join(self._cell["text"]).strip().replace(",", "")
            table = self._tables[-1] if self._tables else {"exempt": False, "row": 0, "caption": []}
            if _WHOLE_NUMBER_RE.match(text) and is_small_count(int(text)) and not (self._cell["exempt"] or table["exempt"]):
                caption = " ".join("".join(table["caption"]).split())
                where = f"table {caption!r}" if caption else "a table"
                self.small_counts.append(f"{where}, row {table['row']}: cell holds {text} (line {self._cell['line']})")
            self._cell = None
        if tag == "table" and self._tables:
            self._tables.pop()

    def handle_data(self, data: str) -> None:
        if "Traceback (most recent call last)" in data and not self._style:
            self.traceback.append(f"'Traceback (most recent call last)', {self._where()}")
        if self._style:
            self._style_text.append(data)
        if self._heading is not None:
            self._heading[2].append(data)
        if self._cell is not None:
            self._cell["text"].append(data)


def local_roots(extra: Iterable[str | Path] = ()) -> list[str]:
    """Absolute local paths that must never appear in an appendix.

    The repository, home and working directories, the Python installation and temp dir, and
    ``extra`` (data, notebook and report folders). Roots shorter than 5 characters (``/``,
    ``/tmp``) are matched only as a prefix of a longer path, see :func:`find_local_paths`.
    """
    from .. import paths

    candidates = [
        paths.REPO_ROOT,
        Path.home(),
        Path.cwd(),
        sys.prefix,
        sys.base_prefix,
        sys.exec_prefix,
        tempfile.gettempdir(),
        *extra,
    ]
    roots: set[str] = set()
    for c in candidates:
        try:
            p = Path(c)
        except TypeError:  # pragma: no cover
            continue
        for q in {p, p.resolve()} if p.is_absolute() else set():
            s = str(q).rstrip("/\\")
            if s and s not in ("/", "\\"):
                roots.add(s)
    return sorted(roots, key=len, reverse=True)


def redact_paths(text: str, names: Mapping[str | Path, str]) -> str:
    """``text`` with each local root replaced by a name such as ``<data_dir>`` (longest first)."""
    pairs = sorted(((str(k).rstrip("/\\"), v) for k, v in names.items() if str(k).strip("/\\")),
                   key=lambda kv: len(kv[0]), reverse=True)
    for root, name in pairs:
        text = re.sub(r"(?<![\w.~-])" + re.escape(root) + r"(?=$|[/\\\s\"'<>:;,)])", name, text)
    return text


def find_local_paths(text: str, roots: Iterable[str]) -> list[str]:
    """Each absolute local path (or path-like traceback line) found in ``text``.

    Embedded ``data:`` URIs are skipped: base64 can spell ``/tmp/`` by chance.
    """
    scan = _DATA_URI_RE.sub("data:", text)
    found = []
    for root in roots:
        pattern = re.escape(root) + (r"(?=[/\\])" if len(root) < 5 else r"(?=$|[/\\\s\"'<>:;,)])")
        for m in re.finditer(r"(?<![\w.~-])" + pattern, scan):
            snippet = re.split(r"[<\s\"']", scan[m.start() : m.start() + 80])[0]
            found.append(snippet)
    for m in re.finditer(r"(?:[A-Za-z]:\\\\?Users\\|/home/[\w.-]+/|/Users/[\w.-]+/|site-packages[/\\])", scan):
        found.append(re.split(r"[<\s\"']", scan[m.start() : m.start() + 80])[0])
    return sorted(set(found))


def check_html(
    html: str,
    *,
    disclosure: str,
    roots: Iterable[str] = (),
    allow_code: bool = False,
) -> list[str]:
    """Every rule the page breaks, one sentence each (empty list: the page is fit to publish).

    Rules: nothing loaded from a network address or from a file beside the page; no script;
    no absolute local path (``roots``, see :func:`local_roots`); no traceback; no code cell
    or prompt; in ``public`` mode no table cell holding a whole number from 1 to 5.
    """
    scanner = _Scanner()
    scanner.feed(html)
    scanner.close()
    problems = list(scanner.problems)
    for path in find_local_paths(html, roots):
        problems.append(f"absolute local path {path!r} appears in the page")
    if scanner.traceback:
        problems.append(f"the page holds a traceback or error output ({scanner.traceback[0]})")
    if not allow_code and scanner.code:
        problems.append(f"the page shows code or prompts ({scanner.code[0]})")
    if disclosure == "public":
        for hit in scanner.small_counts:
            problems.append(f"disclosure: {hit}; counts from 1 to 5 must be suppressed (shown as c) in public mode")
    return problems


def headings(html: str) -> list[tuple[int, str, str]]:
    """``(level, id, text)`` of each h1–h3 inside ``<main>``."""
    scanner = _Scanner()
    scanner.feed(html)
    scanner.close()
    return scanner.headings


def _toc_html(items: list[tuple[int, str, str]]) -> str:
    """Contents: the top heading level numbered, the next level nested under its parent."""
    links = [(lvl, hid, text) for lvl, hid, text in items if hid and text]
    if not links:
        return ""
    top = min(lvl for lvl, _, _ in links)
    lines = ['<nav class="sg-toc" aria-label="Contents">', "<h2>Contents</h2>", "<ol>"]
    li_open = sub_open = False
    for lvl, hid, text in links:
        link = f'<a href="#{html_lib.escape(hid)}">{html_lib.escape(text)}</a>'
        if lvl > top and li_open:
            if not sub_open:
                lines.append("<ul>")
                sub_open = True
            lines.append(f"<li>{link}</li>")
            continue
        if sub_open:
            lines.append("</ul>")
            sub_open = False
        if li_open:
            lines.append("</li>")
        lines.append(f"<li>{link}")
        li_open = True
    if sub_open:
        lines.append("</ul>")
    if li_open:
        lines.append("</li>")
    lines += ["</ol>", "</nav>"]
    return "\n".join(lines)


_STYLER_ID_RE = re.compile(r"\bT_([0-9a-f]{5})(?=[_\"'\s{.,:#>)])")


def normalise_volatile_ids(html: str) -> str:
    """Renumber pandas Styler's random table ids (``T_1a2b3``) in order of appearance."""
    mapping: dict[str, str] = {}

    def repl(m: re.Match[str]) -> str:
        key = m.group(1)
        if key not in mapping:
            mapping[key] = f"sg{len(mapping) + 1:03d}"
        return f"T_{mapping[key]}"

    return _STYLER_ID_RE.sub(repl, html)


# --------------------------------------------------------------------------------------------
# Export

_local = threading.local()


def _exporter():
    """One HTMLExporter per thread (exporters hold state; building one loads the templates)."""
    exporter = getattr(_local, "exporter", None)
    if exporter is None:
        from nbconvert import HTMLExporter
        from traitlets.config import Config

        c = Config()
        c.HTMLExporter.extra_template_basedirs = [str(TEMPLATE_DIR)]
        c.HTMLExporter.template_name = APPENDIX_TEMPLATE
        c.HTMLExporter.exclude_input = True
        c.HTMLExporter.exclude_input_prompt = True
        c.HTMLExporter.exclude_output_prompt = True
        c.HTMLExporter.embed_images = True
        c.HTMLExporter.theme = "light"
        exporter = HTMLExporter(config=c)
        _local.exporter = exporter
    return exporter


def export_appendix(
    nb: nbformat.NotebookNode,
    context: AppendixContext,
    *,
    roots: Iterable[str] = (),
) -> str:
    """The appendix HTML of an executed notebook, or :class:`ExportError` listing why not.

    Refuses a notebook with any error output (a failed run never becomes an appendix), then
    renders with the house template, adds the table of contents and checks the page with
    :func:`check_html` in the context's disclosure mode.
    """
    if context.disclosure not in DISCLOSURE_MODES:
        raise ValueError(f"disclosure {context.disclosure!r} is not one of {DISCLOSURE_MODES}")
    errors = execution_errors(nb)
    if errors:
        raise ExportError(f"{context.theme}: not exported, the notebook holds error output", errors)
    prepared, h1 = prepare_notebook(nb)
    title = context.title or h1 or prepared.metadata.get("title") or context.theme.replace("_", " ").capitalize()
    sg = {
        "title": title,
        "kicker": context.kicker,
        "area_code": context.area_code,
        "area_name": context.area_name,
        "period": context.period,
        "run_date_iso": context.run_date.date().isoformat(),
        "run_date_text": run_date_text(context.run_date),
        "disclosure_text": DISCLOSURE_TEXT[context.disclosure],
        "index_href": context.index_href,
        "source_note": context.source_note,
        "version": __version__,
    }
    body, _ = _exporter().from_notebook_node(prepared, resources={"sg": sg, "metadata": {"name": title}})
    body = body.replace(_TOC_MARKER, _toc_html(headings(body)), 1)
    body = normalise_volatile_ids(body)
    problems = check_html(body, disclosure=context.disclosure, roots=roots)
    if problems:
        raise ExportError(f"{context.theme}: appendix not written", problems)
    return body


# --------------------------------------------------------------------------------------------
# Index page


@dataclass
class IndexTheme:
    """One theme's entry on the index page."""

    theme: str
    title: str
    status: str  # ok | failed | no_local_data | earlier (not run this time; appendix of an earlier run)
    href: str | None = None
    error: str = ""
    message: str = ""
    previous_run_date: str | None = None
    summary: Mapping[str, Any] | None = None

    def as_context(self) -> dict[str, Any]:
        s = self.summary or {}
        status_text = {
            "ok": "Produced",
            "failed": "Failed: previous appendix kept" if self.href else "Failed: no appendix",
            "no_local_data": "Not produced: no local data for this area",
            "earlier": "Not run this time: appendix of an earlier run",
        }.get(self.status, self.status)
        return {
            "theme": self.theme,
            "title": s.get("title") or self.title,
            "status": self.status,
            "status_text": status_text,
            "href": self.href,
            "error": self.error,
            "message": self.message,
            "previous_run_date": self.previous_run_date,
            "summary_status": s.get("status"),
            "summary_status_text": str(s.get("status", "")).replace("_", " "),
            "key_findings": list(s.get("key_findings", [])),
            "caveats": list(s.get("caveats", [])),
        }


@dataclass
class IndexRun:
    """Run facts printed at the foot of the index page."""

    run_id: str
    started: dt.datetime
    finished: dt.datetime
    counts_text: str
    inputs_text: str
    manifest_href: str = "manifest.json"


@dataclass
class IndexPage:
    """Everything the index page of one area and period shows."""

    area_code: str
    area_name: str
    period: str
    run_date: dt.datetime
    disclosure: str
    themes: list[IndexTheme]
    run: IndexRun
    quality: list[Mapping[str, Any]] | None = None
    quality_note: str = "The data-quality checks were not run."
    extra: dict[str, Any] = field(default_factory=dict)


def _when(t: dt.datetime) -> str:
    return f"{run_date_text(t)}, {t:%H:%M:%S}"


def render_index(page: IndexPage, *, roots: Iterable[str] = ()) -> str:
    """The index page HTML, checked like an appendix (:class:`ExportError` if it fails)."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    quality = None
    if page.quality is not None:
        quality = [
            {k: ("" if row.get(k) is None else str(row.get(k))) for k in ("code", "severity", "title", "message", "source_tables")}
            for row in page.quality
        ]
    html = env.get_template(INDEX_TEMPLATE).render(
        css=HOUSE_CSS.read_text(encoding="utf-8"),
        page={
            "area_code": page.area_code,
            "area_name": page.area_name,
            "period": page.period,
            "run_date_iso": page.run_date.date().isoformat(),
            "run_date_text": run_date_text(page.run_date),
            "disclosure_text": DISCLOSURE_TEXT[page.disclosure],
            "version": __version__,
        },
        themes=[t.as_context() for t in page.themes],
        quality=quality,
        quality_note=page.quality_note,
        run={
            "run_id": page.run.run_id,
            "started_text": _when(page.run.started),
            "finished_text": _when(page.run.finished),
            "counts_text": page.run.counts_text,
            "inputs_text": page.run.inputs_text,
            "manifest_href": page.run.manifest_href,
        },
    )
    problems = check_html(html, disclosure=page.disclosure, roots=roots)
    if problems:
        raise ExportError(f"index page of {page.area_code} {page.period}", problems)
    return html
