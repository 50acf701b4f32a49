"""Is a page fit to publish? The HTML checks every appendix and index page passes.

:func:`check_html` lists every rule a page breaks: nothing loaded from a network address or
from a file beside the page; no script; no absolute local path of the machine
(:func:`local_roots`, :func:`find_local_paths`); no traceback; no code cell or prompt; in
``public`` mode no table cell holding a whole number from 1 to 5 (DfE rule: such counts are
suppressed; a row heading, ``<th scope="row">``, is read as a cell too). Counts are printed as whole numbers and percentages, rates and hours with one
decimal place, so ``3.0`` is not a count. Cells or tables with the class ``sg-not-count``
(e.g. a quarter number or a rank) are exempt. :func:`redact_paths` replaces local paths in a
message by names such as ``<data_dir>``; :func:`headings` lists a page's headings.
:func:`marking_problems` checks that an internal page is marked as one (banner, title prefix)
and a public page is not.
"""

from __future__ import annotations

import re
import sys
import tempfile
from collections.abc import Iterable, Mapping
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from .. import paths
from ..formatting import SMALL_COUNT_THRESHOLD, SUPPRESSED, is_small_count

#: Class on a ``<td>`` or ``<table>`` that says "these whole numbers are not counts".
NOT_COUNT_CLASS = "sg-not-count"

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
#: Attributes through which each element can load something.
_SOURCE_ATTRIBUTES = {
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
#: ``<link rel=...>`` values that load a resource.
_LOADING_LINK_RELS = ("stylesheet", "preload", "icon", "import")
#: Path fragments that give away a user folder or an installed package.
_USER_PATH_RE = re.compile(r"(?:[A-Za-z]:\\\\?Users\\|/home/[\w.-]+/|/Users/[\w.-]+/|site-packages[/\\])")


class _PageScanner(HTMLParser):
    """Collects what the checks need in one pass over the document."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.traceback: list[str] = []
        self.code: list[str] = []
        self.small_counts: list[str] = []
        self.headings: list[tuple[int, str, str]] = []  # (level, id, text) inside <main>
        self._main_depth = 0
        self._heading: tuple[int, str, list[str]] | None = None  # (level, id, text parts)
        self._tables: list[dict[str, Any]] = []  # stack of open tables
        self._cell: dict[str, Any] | None = None  # the open <td> or <caption>
        self._in_style = False
        self._style_text: list[str] = []

    # -- helpers
    def _where(self) -> str:
        line, _ = self.getpos()
        return f"line {line}"

    def _check_resource(self, tag: str, attribute: str, value: str) -> None:
        if attribute == "srcset":
            values = [candidate.strip().split(" ")[0] for candidate in value.split(",")]
        else:
            values = [value]
        for address in values:
            if not address or address.startswith("#"):
                continue
            if _NETWORK_RE.match(address):
                self.problems.append(
                    f"<{tag} {attribute}={address[:80]!r}> loads from a network address ({self._where()})"
                )
            elif not address.lower().startswith("data:"):
                self.problems.append(
                    f"<{tag} {attribute}={address[:80]!r}> refers to a file beside the page instead of embedding it "
                    f"({self._where()})"
                )

    def _check_css(self, text: str) -> None:
        for match in _CSS_URL_RE.finditer(text):
            address = (match.group(1) or match.group(2) or "").strip()
            if address and not address.lower().startswith("data:") and not address.startswith("#"):
                self.problems.append(f"stylesheet refers to {address[:80]!r}: not embedded ({self._where()})")

    def _check_link(self, attributes: dict[str, str]) -> None:
        href = attributes["href"]
        rel = attributes.get("rel", "").lower()
        if not (any(word in rel for word in _LOADING_LINK_RELS) or _NETWORK_RE.match(href)):
            return
        if _NETWORK_RE.match(href):
            self.problems.append(f"<link href={href[:80]!r}> loads from a network address ({self._where()})")
        elif not href.lower().startswith("data:"):
            self.problems.append(f"<link href={href[:80]!r}> refers to a file beside the page ({self._where()})")

    # -- parser callbacks
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name.lower(): (value or "") for name, value in attrs}
        classes = set(attributes.get("class", "").split())
        for name in classes.intersection(_TRACEBACK_CLASSES):
            self.traceback.append(f"class {name!r}, {self._where()}")
        if attributes.get("data-mime-type") in _TRACEBACK_MIMETYPES:
            self.traceback.append(f"stderr output, {self._where()}")
        for name in classes.intersection(_CODE_CLASSES):
            self.code.append(f"class {name!r}, {self._where()}")
        if tag == "script":
            if "src" in attributes:
                self._check_resource(tag, "src", attributes["src"])
            elif attributes.get("type", "").lower() not in ("application/json", "application/ld+json"):
                self.problems.append(f"<script> element: an appendix must be static ({self._where()})")
        if tag == "link" and attributes.get("href"):
            self._check_link(attributes)
        for attribute in _SOURCE_ATTRIBUTES.get(tag, ()):
            if attribute in attributes:
                self._check_resource(tag, attribute, attributes[attribute])
        if "style" in attributes:
            self._check_css(attributes["style"])
        if tag == "style":
            self._in_style = True
            self._style_text = []
        if tag == "main":
            self._main_depth += 1
        if tag in ("h1", "h2", "h3") and self._main_depth:
            self._heading = (int(tag[1]), attributes.get("id", ""), [])
        if tag == "table":
            inside_exempt_table = bool(self._tables and self._tables[-1]["exempt"])
            self._tables.append({"exempt": inside_exempt_table or NOT_COUNT_CLASS in classes, "row": 0, "caption": []})
        if tag == "caption" and self._tables:
            self._cell = {"kind": "caption", "text": []}
        if tag == "tr" and self._tables:
            self._tables[-1]["row"] += 1
        if (tag == "td" or (tag == "th" and attributes.get("scope") == "row")) and self._tables:
            self._cell = {"kind": "td", "text": [], "exempt": NOT_COUNT_CLASS in classes, "line": self.getpos()[0]}

    def handle_endtag(self, tag: str) -> None:
        if tag == "style" and self._in_style:
            self._in_style = False
            self._check_css("".join(self._style_text))
        if tag == "main" and self._main_depth:
            self._main_depth -= 1
        if tag in ("h1", "h2", "h3") and self._heading is not None:
            level, heading_id, parts = self._heading
            text = re.sub(r"\s+", " ", "".join(parts)).strip().rstrip("¶").strip()
            self.headings.append((level, heading_id, text))
            self._heading = None
        if tag == "caption" and self._cell and self._cell["kind"] == "caption":
            self._tables[-1]["caption"] = self._cell["text"]
            self._cell = None
        if tag in ("td", "th") and self._cell and self._cell["kind"] == "td":
            self._end_cell()
        if tag == "table" and self._tables:
            self._tables.pop()

    def _end_cell(self) -> None:
        """Record the closing ``<td>`` if it holds a small count outside an exempt table."""
        text = "".join(self._cell["text"]).strip().replace(",", "")
        table = self._tables[-1] if self._tables else {"exempt": False, "row": 0, "caption": []}
        exempt = self._cell["exempt"] or table["exempt"]
        if _WHOLE_NUMBER_RE.match(text) and is_small_count(int(text)) and not exempt:
            caption = " ".join("".join(table["caption"]).split())
            where = f"table {caption!r}" if caption else "a table"
            self.small_counts.append(f"{where}, row {table['row']}: cell holds {text} (line {self._cell['line']})")
        self._cell = None

    def handle_data(self, data: str) -> None:
        if "Traceback (most recent call last)" in data and not self._in_style:
            self.traceback.append(f"'Traceback (most recent call last)', {self._where()}")
        if self._in_style:
            self._style_text.append(data)
        if self._heading is not None:
            self._heading[2].append(data)
        if self._cell is not None:
            self._cell["text"].append(data)


def _scan(html: str) -> _PageScanner:
    scanner = _PageScanner()
    scanner.feed(html)
    scanner.close()
    return scanner


# ----------------------------------------------------------------------------------------------
# Local paths


def local_roots(extra: Iterable[str | Path] = ()) -> list[str]:
    """Absolute local paths that must never appear in an appendix.

    The repository, home and working directories, the Python installation and temp dir, and
    ``extra`` (data, notebook and report folders). Roots shorter than 5 characters (``/``,
    ``/tmp``) are matched only as a prefix of a longer path, see :func:`find_local_paths`.
    """
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
    for candidate in candidates:
        try:
            path = Path(candidate)
        except TypeError:  # pragma: no cover
            continue
        for form in {path, path.resolve()} if path.is_absolute() else set():
            text = str(form).rstrip("/\\")
            if text and text not in ("/", "\\"):
                roots.add(text)
    return sorted(roots, key=len, reverse=True)


def redact_paths(text: str, names: Mapping[str | Path, str]) -> str:
    """``text`` with each local root replaced by a name such as ``<data_dir>`` (longest first)."""
    pairs = sorted(((str(root).rstrip("/\\"), name) for root, name in names.items() if str(root).strip("/\\")),
                   key=lambda pair: len(pair[0]), reverse=True)
    for root, name in pairs:
        text = re.sub(r"(?<![\w.~-])" + re.escape(root) + r"(?=$|[/\\\s\"'<>:;,)])", name, text)
    return text


def _path_at(text: str, start: int) -> str:
    """The path-like snippet starting at ``start`` (up to 80 characters, to a space or quote)."""
    return re.split(r"[<\s\"']", text[start : start + 80])[0]


def find_local_paths(text: str, roots: Iterable[str]) -> list[str]:
    """Each absolute local path (or path-like traceback line) found in ``text``.

    Embedded ``data:`` URIs are skipped: base64 can spell ``/tmp/`` by chance.
    """
    scanned = _DATA_URI_RE.sub("data:", text)
    found = []
    for root in roots:
        pattern = re.escape(root) + (r"(?=[/\\])" if len(root) < 5 else r"(?=$|[/\\\s\"'<>:;,)])")
        for match in re.finditer(r"(?<![\w.~-])" + pattern, scanned):
            found.append(_path_at(scanned, match.start()))
    for match in _USER_PATH_RE.finditer(scanned):
        found.append(_path_at(scanned, match.start()))
    return sorted(set(found))


# ----------------------------------------------------------------------------------------------
# The checks


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
    scanner = _scan(html)
    problems = list(scanner.problems)
    for path in find_local_paths(html, roots):
        problems.append(f"absolute local path {path!r} appears in the page")
    if scanner.traceback:
        problems.append(f"the page holds a traceback or error output ({scanner.traceback[0]})")
    if not allow_code and scanner.code:
        problems.append(f"the page shows code or prompts ({scanner.code[0]})")
    if disclosure == "public":
        for hit in scanner.small_counts:
            problems.append(f"disclosure: {hit}; counts from 1 to {SMALL_COUNT_THRESHOLD} must be suppressed "
                            f"(shown as {SUPPRESSED}) in public mode")
    return problems


def headings(html: str) -> list[tuple[int, str, str]]:
    """``(level, id, text)`` of each h1–h3 inside ``<main>``."""
    return _scan(html).headings


def _visible_text(fragment: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", "", fragment)).split())


def marking_problems(html: str, *, disclosure: str, label: str, banner: str) -> list[str]:
    """How the page breaks the marking of internal pages: an internal page's ``<title>`` and
    ``<h1>`` start with ``label`` and an element of class ``sg-internal-banner`` says
    ``banner``; a public page shows ``label`` nowhere (so one is never taken for the other)."""
    title = _visible_text(" ".join(re.findall(r"<title[^>]*>(.*?)</title>", html, re.IGNORECASE | re.DOTALL)))
    h1 = _visible_text(" ".join(re.findall(r"<h1\b[^>]*>(.*?)</h1>", html, re.IGNORECASE | re.DOTALL)))
    banners = [_visible_text(text) for text in re.findall(
        r"<(?:p|div)\b[^>]*class=\"[^\"]*\bsg-internal-banner\b[^\"]*\"[^>]*>(.*?)</(?:p|div)>", html,
        re.IGNORECASE | re.DOTALL)]
    if disclosure != "internal":
        shown = _visible_text(re.sub(r"<style\b.*?</style>", " ", html, flags=re.IGNORECASE | re.DOTALL))
        return [f"a public page shows the internal marking {label!r}"] if label in shown or banners else []
    problems = []
    if not title.startswith(label):
        problems.append(f"an internal page's <title> must start with {label!r} (it is {title!r})")
    if not h1.startswith(label):
        problems.append(f"an internal page's heading must start with {label!r} (it is {h1!r})")
    if banner not in banners:
        problems.append(f"an internal page must carry the banner {banner!r} at its top")
    return problems
