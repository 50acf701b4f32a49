"""Print versions of the appendices for board papers: A4 PDFs made from the same HTML.

``safeguarding run --pdf`` prints each exported appendix with headless Chromium, driven by
Playwright, in the run's staging folder, so a PDF is promoted with the rest of its folder (a
failed run never replaces a good one; :mod:`.publish`). The page is printed with its print
stylesheet (the block at the end of ``templates/safeguarding/static/house.css``: A4, no chart
or table row cut across two pages, table headers repeated on each page) and Chromium adds a
footer on every page with the page's title and "Page n of m".

Chromium is not needed by anything else in the run: the command line asks for it only with
``--pdf``. :func:`pdf_problem` says in one line why PDFs cannot be made here (no Chromium, or
no Playwright); the run checks it before anything starts. Chromium is Debian's package
(``/usr/bin/chromium``, or the path in the ``CHROMIUM`` environment variable), launched with
the flags the browser tests use; Playwright never downloads a browser of its own.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import re
import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

CHROMIUM_ENV = "CHROMIUM"
DEFAULT_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
)
#: A4, with the margins of the print stylesheet (the footer sits in the bottom margin).
PAGE_FORMAT = "A4"
MARGINS = {"top": "15mm", "right": "15mm", "bottom": "18mm", "left": "15mm"}
#: Chromium fills the spans of class title, pageNumber and totalPages on each page.
FOOTER_TEMPLATE = (
    '<div style="width:100%; margin:0 15mm; font-family:Arial, Helvetica, sans-serif; font-size:8pt; '
    'color:#505a5f; display:flex; justify-content:space-between; gap:6mm;">'
    '<span class="title" style="overflow:hidden; white-space:nowrap; text-overflow:ellipsis;"></span>'
    '<span style="white-space:nowrap;">Page <span class="pageNumber"></span> of <span class="totalPages"></span>'
    "</span></div>"
)
PAGE_SECONDS = 120  # the longest one page may take to load and print


class PdfUnavailable(RuntimeError):
    """PDFs cannot be made on this machine; ``str()`` is one line saying why and what to do."""


@dataclass
class PdfOutcome:
    """One printed appendix: its page count, or why it could not be printed."""

    pdf: Path
    pages: int | None = None
    error: str = ""


def chromium_path() -> Path:
    """Debian's Chromium, or the one named by the ``CHROMIUM`` environment variable."""
    named = os.environ.get(CHROMIUM_ENV)
    if named:
        return Path(named)
    found = shutil.which("chromium")
    return Path(found) if found else Path(DEFAULT_CHROMIUM)


def pdf_problem() -> str | None:
    """Why PDFs cannot be made here (one line), or ``None``: Chromium and Playwright are both needed."""
    browser = chromium_path()
    if not browser.is_file() or not os.access(browser, os.X_OK):
        return (f"--pdf needs headless Chromium, and there is none at {browser}: install Debian's chromium "
                f"(apt-get install chromium) or set {CHROMIUM_ENV} to its path")
    if importlib.util.find_spec("playwright") is None:
        return "--pdf needs the playwright package to drive Chromium: pip install -e \".[pdf]\""
    return None


def count_pages(data: bytes) -> int:
    """The pages of a PDF as Chromium writes it (each page object says ``/Type /Page``)."""
    return len(re.findall(rb"/Type\s*/Page(?![A-Za-z])", data))


def _block_outside_requests(route) -> None:
    """The page is self-contained: anything but the file itself and ``data:`` URIs is refused."""
    if route.request.url.startswith(("file:", "data:")):
        route.continue_()
    else:
        route.abort()


def _print_one(browser, html: Path, pdf: Path) -> PdfOutcome:
    """Print ``html`` to ``pdf`` (written beside it first, then renamed into place)."""
    context = browser.new_context(offline=True, java_script_enabled=False)
    try:
        page = context.new_page()
        page.set_default_timeout(PAGE_SECONDS * 1000)
        page.route("**/*", _block_outside_requests)
        page.goto(html.resolve().as_uri(), wait_until="load")
        page.emulate_media(media="print")
        temporary = pdf.with_name(f".{pdf.name}.tmp")
        page.pdf(path=str(temporary), format=PAGE_FORMAT, print_background=True, display_header_footer=True,
                 header_template="<span></span>", footer_template=FOOTER_TEMPLATE, margin=MARGINS)
        os.replace(temporary, pdf)
        return PdfOutcome(pdf, pages=count_pages(pdf.read_bytes()))
    finally:
        context.close()


def write_pdfs(pages: list[tuple[Path, Path]]) -> list[PdfOutcome]:
    """Print each ``(html, pdf)`` pair with one headless Chromium; an outcome per pair, in order.

    :class:`PdfUnavailable` when Chromium or Playwright is missing or Chromium does not start;
    a page that fails on its own has its ``error`` set and no PDF.
    """
    problem = pdf_problem()
    if problem:
        raise PdfUnavailable(problem)
    if not pages:
        return []
    # in a thread of its own: Playwright's sync API refuses a thread that runs an asyncio loop
    # (a notebook's, or another Playwright's)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="safeguarding-pdf") as pool:
        return pool.submit(_print_all, pages).result()


def _print_all(pages: list[tuple[Path, Path]]) -> list[PdfOutcome]:
    # loaded here, not at import: only --pdf needs Playwright (it is not a dependency of a run)
    sync_playwright = importlib.import_module("playwright.sync_api").sync_playwright
    outcomes = []
    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(executable_path=str(chromium_path()), args=list(CHROMIUM_ARGS))
        except Exception as exc:  # noqa: BLE001 - Playwright raises its own Error types
            reason = " ".join(str(exc).split())[:200]
            raise PdfUnavailable(f"--pdf: Chromium at {chromium_path()} did not start ({reason})") from exc
        try:
            for html, pdf in pages:
                try:
                    outcomes.append(_print_one(browser, html, pdf))
                except Exception as exc:  # noqa: BLE001 - reported for that appendix, the others go on
                    outcomes.append(PdfOutcome(pdf, error=" ".join(str(exc).split())[:200] or type(exc).__name__))
        finally:
            browser.close()
    return outcomes
