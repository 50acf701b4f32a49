"""Words and screens per page of a reports folder: how long the appendices are to read.

    python scripts/page_length.py reports/E10000031/2017-18-Q4
    python scripts/page_length.py reports/E10000031/2017-18-Q4 --words-only

Words are counted in the visible text (scripts, styles, hidden elements and the contents of
closed ``<details>`` excluded when the browser measures; in words-only mode scripts and styles
are stripped and everything else is counted). Screens are the page's full height at 1280 px wide
divided by 800, measured in headless Chromium driven by playwright, as the browser tests do
(Debian's ``/usr/bin/chromium``, or the ``CHROMIUM`` environment variable). Without a browser it
prints words only. It prints numbers; it is not a test.
"""

from __future__ import annotations

import argparse
import html
import os
import re
import sys
from pathlib import Path

WIDTH, HEIGHT = 1280, 800
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

#: The visible text as a reader's browser shows it (closed details show only their summary).
VISIBLE_TEXT_JS = "() => document.body.innerText"


def words_in_text(text: str) -> int:
    """Words in ``text``: runs of letters or digits (a number such as 49.2 is one word)."""
    return len(re.findall(r"[\w][\w.,'’%/-]*", text))


def text_of_html(source: str) -> str:
    """The text of an HTML page without scripts, styles or tags (the no-browser fallback)."""
    source = re.sub(r"(?is)<(script|style|head)\b.*?</\1>", " ", source)
    return html.unescape(re.sub(r"(?s)<[^>]+>", " ", source))


def pages_of(folder: Path) -> list[Path]:
    """The HTML pages of a reports folder: the index first, then the appendices by name."""
    pages = sorted(folder.glob("*.html"))
    return sorted(pages, key=lambda p: (p.name != "index.html", p.name))


def measure_in_browser(pages: list[Path]) -> list[tuple[str, int, float]]:
    """(page, words, screens) for each page, opened at 1280 x 800 in headless Chromium."""
    from playwright.sync_api import sync_playwright

    rows = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(offline=True, viewport={"width": WIDTH, "height": HEIGHT})
        for path in pages:
            page = context.new_page()
            page.goto(path.as_uri(), wait_until="load")
            height = page.evaluate("() => document.documentElement.scrollHeight")
            words = words_in_text(page.evaluate(VISIBLE_TEXT_JS))
            rows.append((path.name, words, height / HEIGHT))
            page.close()
        browser.close()
    return rows


def browser_available() -> bool:
    """True when Chromium is installed and playwright can be imported."""
    if not CHROMIUM.exists():
        return False
    try:
        import playwright.sync_api  # noqa: F401 - only checks the package is there
    except ImportError:
        return False
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="a reports folder, e.g. reports/E10000031/2017-18-Q4")
    parser.add_argument("--words-only", action="store_true", help="count words without a browser")
    args = parser.parse_args(argv)
    pages = pages_of(args.folder)
    if not pages:
        print(f"no HTML pages in {args.folder}", file=sys.stderr)
        return 1
    if not args.words_only and browser_available():
        rows = measure_in_browser(pages)
        print(f"| page | words | screens (height / {HEIGHT} px at {WIDTH} px wide) |")
        print("| --- | ---: | ---: |")
        for name, words, screens in rows:
            print(f"| {name} | {words:,} | {screens:.1f} |")
        return 0
    print("| page | words (no browser: screens not measured) |")
    print("| --- | ---: |")
    for path in pages:
        print(f"| {path.name} | {words_in_text(text_of_html(path.read_text(encoding='utf-8'))):,} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
