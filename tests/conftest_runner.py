"""Fixtures for the runner / export / browser tests (imported by those test modules).

The runner calls other parts of the package through their contracts:
``analysis.ingest.dataset.validate_raw``, ``analysis.processed.load`` / ``store_validated`` /
``latest_period`` and ``analysis.quality.run_checks``. Unit tests replace them with small fakes (:class:`Contracts`)
so that they exercise the runner, on tiny fixture notebooks, in seconds; the shipped-data test
uses the real ones.
"""

from __future__ import annotations

import hashlib
import importlib
import shutil
import sys
import types
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pytest

TESTS = Path(__file__).resolve().parent
FIXTURE_NOTEBOOKS = TESTS / "fixtures" / "notebooks"
REPO = TESTS.parent

#: Local authorities of the fake dataset: code -> (name, has local data).
FAKE_LAS = {
    "E10000031": ("Warwickshire", True),
    "E08000025": ("Birmingham", False),
    "E06000001": ("Hartlepool", False),
}


@dataclass
class FakeProblem:
    file: str
    row: int
    column: str
    value: str
    rule: str

    def __str__(self) -> str:
        return f"{self.file}, row {self.row}, column '{self.column}': value {self.value!r} — rule {self.rule}"


@dataclass
class FakeReport:
    problems: list = field(default_factory=list)
    earlier: str = ""  # as ValidationReport: when the same files passed an earlier validation

    @property
    def ok(self) -> bool:
        return not self.problems

    def __str__(self) -> str:
        if self.ok:
            return "Validation passed" + (f" (earlier, at {self.earlier}; not repeated)." if self.earlier else ".")
        return "Validation failed:\n" + "\n".join(f"  - {p}" for p in self.problems)


class FakeDataset:
    """The parts of :class:`analysis.ingest.dataset.Dataset` the runner uses."""

    def __init__(self, las: dict[str, tuple[str, bool]]):
        self.las = las
        self.observations = None

    def local_authorities(self) -> pd.DataFrame:
        return pd.DataFrame({"new_la_code": list(self.las), "la_name": [v[0] for v in self.las.values()]})

    def area_name(self, code: str) -> str:
        return self.las.get(code, (code, False))[0]

    def has_local_data(self, code: str) -> bool:
        return self.las.get(code, ("", False))[1]


class Contracts:
    """Fakes for the functions the runner calls in other modules; tweak the attributes."""

    def __init__(self) -> None:
        self.problems: list[FakeProblem] = []
        self.findings = pd.DataFrame(
            {
                "code": ["DQ01", "DQ03"],
                "severity": ["warning", "warning"],
                "title": ["Breakdown does not add up to its total", "Cumulative count falls"],
                "message": [
                    "Table 2.3: the ethnic groups add up to 2,940, the printed total is 2,943.",
                    "Table 2.4: a count about 2018-19 Q1, after the run's period.",
                ],
                "source_tables": ["2.3", "2.4"],
                "period_end": ["2018-03-31", "2018-06-30"],
            }
        )
        self.latest = "2017-18 Q4"
        self.earlier: FakeReport | None = None  # what earlier_validation answers (None: never validated)
        self.calls: list[str] = []
        self.las = dict(FAKE_LAS)

    def validate_raw(self, raw_dir=None):
        self.calls.append("validate_raw")
        return FakeReport(list(self.problems))

    def load(self, raw_dir=None, **kwargs):
        self.calls.append("load")
        return FakeDataset(self.las)

    def earlier_validation(self, raw_dir=None):
        self.calls.append("earlier_validation")
        return self.earlier  # None: the runner validates (the fake validate_raw)

    def store_validated(self, raw_dir=None):
        self.calls.append("store_validated")

    def run_checks(self, data=None, *args, **kwargs):
        self.calls.append("run_checks")
        return self.findings.copy()

    def latest_period(self, raw_dir=None, area_code=None):
        from analysis.periods import parse_period

        return parse_period(self.latest)


def _patch(monkeypatch: pytest.MonkeyPatch, module: str, name: str, fn) -> None:
    """Replace ``module.name`` (creating a stand-in module if the real one is not there yet)."""
    try:
        mod = importlib.import_module(module)
    except ImportError:
        mod = types.ModuleType(module)
        monkeypatch.setitem(sys.modules, module, mod)
    monkeypatch.setattr(mod, name, fn, raising=False)


@pytest.fixture
def contracts(monkeypatch: pytest.MonkeyPatch) -> Contracts:
    c = Contracts()
    _patch(monkeypatch, "analysis.ingest.dataset", "validate_raw", c.validate_raw)
    _patch(monkeypatch, "analysis.processed", "load", c.load)
    _patch(monkeypatch, "analysis.processed", "store_validated", c.store_validated)
    _patch(monkeypatch, "analysis.processed", "earlier_validation", c.earlier_validation)
    _patch(monkeypatch, "analysis.quality", "run_checks", c.run_checks)
    _patch(monkeypatch, "analysis.processed", "latest_period", c.latest_period)
    return c


@dataclass
class Workspace:
    """A throw-away data / notebooks / reports layout for one test."""

    root: Path
    raw: Path
    notebooks: Path
    reports: Path

    def add_theme(self, name: str, fixture: str) -> Path:
        """Install fixture notebook ``fixture`` as theme ``name``."""
        dest = self.notebooks / f"{name}.ipynb"
        shutil.copyfile(FIXTURE_NOTEBOOKS / f"{fixture}.ipynb", dest)
        return dest

    def options(self, **kwargs):
        from analysis.pipeline.options import RunOptions

        base = dict(
            period="2017-18 Q4",
            areas=["E10000031"],
            raw_dir=self.raw,
            notebooks_dir=self.notebooks,
            reports_dir=self.reports,
            jobs=2,
            cell_timeout=60,
            progress=True,
        )
        base.update(kwargs)
        return RunOptions(**base)

    def snapshot(self) -> dict[str, str]:
        """SHA-256 of every file under reports/ (to prove nothing changed)."""
        return {
            str(p.relative_to(self.reports)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(self.reports.rglob("*"))
            if p.is_file()
        }


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    raw = tmp_path / "raw"
    (raw / "dfe").mkdir(parents=True)
    (raw / "board").mkdir()
    (raw / "dfe" / "SOURCE.md").write_text("DfE files (fixture)\n", encoding="utf-8")
    (raw / "board" / "observations.csv").write_text(
        "time_period,new_la_code,measure,value\n201718,E10000031,children_on_cp_plan,564\n", encoding="utf-8"
    )
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    reports = tmp_path / "reports"
    reports.mkdir()
    return Workspace(tmp_path, raw, notebooks, reports)


def slow_warm_imports(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Make the run's warm-up imports (warm kernels, or the fork engine's zygote) one module
    whose import takes 90 s, so a test can stop a run while they are under way."""
    import os

    from analysis.pipeline import runner

    modules = tmp_path / "modules"
    modules.mkdir()
    (modules / "sg_slow_import_fixture.py").write_text("import time\ntime.sleep(90)\n", encoding="utf-8")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(modules), os.environ.get("PYTHONPATH", "")]))
    monkeypatch.setattr(runner, "prewarm_modules", lambda themes: ["sg_slow_import_fixture"])


def strip_run_date(html: str) -> str:
    """The page without its run date (the one part allowed to differ between re-runs)."""
    import re

    return re.sub(r'<time class="sg-run-date"[^>]*>[^<]*</time>', "<time/>", html)


# ---------------------------------------------------------------------------------------------
# headless Chromium (Debian's package; playwright drives it, no browser download)

CHROMIUM = Path(__import__("os").environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def _browser_unavailable(reason: str):
    import os

    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"REQUIRE_BROWSER=1 but the browser test cannot run: {reason}")
    pytest.skip(f"{reason}; install Debian's chromium (apt-get install chromium), or set REQUIRE_BROWSER=1 to fail instead")


@pytest.fixture(scope="module")
def chromium():
    """A headless Chromium (module-scoped); skipped, or failed under REQUIRE_BROWSER=1, if absent."""
    if not CHROMIUM.exists():
        _browser_unavailable(f"no Chromium at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        _browser_unavailable(f"the playwright package is not installed ({exc})")
    with sync_playwright() as p:
        try:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        except Exception as exc:  # noqa: BLE001 - reported as skip/fail with the reason
            _browser_unavailable(f"Chromium did not start ({type(exc).__name__}: {str(exc)[:200]})")
        yield browser
        browser.close()


@dataclass
class PageReport:
    """What a page did in the browser."""

    url: str
    title: str
    h1: list[str]
    images: list[dict]
    tables: int
    outside_requests: list[str]
    console_errors: list[str]
    page_errors: list[str]
    screenshot: Path


def open_in_browser(browser, path: Path, screenshot: Path) -> PageReport:
    """Open ``path`` with every request that is not ``file://`` blocked and recorded."""
    context = browser.new_context(offline=True, java_script_enabled=True)
    page = context.new_page()
    outside: list[str] = []
    console_errors: list[str] = []
    page_errors: list[str] = []

    def route(r):
        url = r.request.url
        if url.startswith("file:"):
            r.continue_()
        else:
            outside.append(url)
            r.abort()

    page.route("**/*", route)
    page.on("request", lambda req: None if req.url.startswith(("file:", "data:")) else outside.append(req.url))
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: page_errors.append(str(e)))
    page.goto(path.as_uri(), wait_until="load")
    # charts: <img> with a data: URI, or inline <svg role="img"> named by its aria-label
    images = page.evaluate(
        "Array.from(document.images).map(i => ({alt: i.getAttribute('alt'), complete: i.complete, "
        "width: i.naturalWidth, src: i.getAttribute('src').slice(0, 30)})).concat("
        "Array.from(document.querySelectorAll('svg[role=img]')).map(s => ({alt: s.getAttribute('aria-label'), "
        "complete: true, width: s.getBoundingClientRect().width, src: 'inline svg'})))"
    )
    report = PageReport(
        url=page.url,
        title=page.title(),
        h1=[t.strip() for t in page.locator("h1").all_inner_texts()],
        images=images,
        tables=page.locator("table").count(),
        outside_requests=sorted(set(outside)),
        console_errors=console_errors,
        page_errors=page_errors,
        screenshot=screenshot,
    )
    page.screenshot(path=str(screenshot), full_page=True)
    context.close()
    return report


def assert_page_renders(report: PageReport, *, expect_images: bool, expect_tables: bool) -> None:
    """The common browser expectations for an appendix or index page."""
    assert report.outside_requests == [], f"{report.url} asked for {report.outside_requests}"
    assert report.console_errors == [] and report.page_errors == [], (report.console_errors, report.page_errors)
    assert len(report.h1) == 1 and report.h1[0], report.h1
    assert report.title.startswith(report.h1[0].split(":")[0]) or report.h1[0] in report.title, (report.title, report.h1)
    if expect_images:
        assert report.images, f"{report.url}: no chart"
    for img in report.images:
        assert img["complete"] and img["width"] > 0, f"{report.url}: chart did not render: {img}"
        assert img["src"].startswith("data:image/") or img["src"] == "inline svg", img
        assert img["alt"], f"{report.url}: image without alt text"
    if expect_tables:
        assert report.tables > 0, f"{report.url}: no table"
    assert report.screenshot.exists() and report.screenshot.stat().st_size > 1000
