"""The README's main command on the shipped data, in a fresh clone, and a planted bad file.

``safeguarding run`` with no options must validate ``data/raw``, execute the four theme
notebooks for the latest quarter (2017-18 Q4, Warwickshire) and write the index and four
appendices to ``reports/E10000031/2017-18-Q4/``, exit 0, and every page must be fit to publish.
The clone makes sure the run depends only on committed files.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from analysis.pipeline.htmlcheck import check_html, local_roots
from analysis.pipeline.themes import THEMES

from conftest_runner import REPO, assert_page_renders, chromium, open_in_browser, strip_run_date  # noqa: F401

pytestmark = pytest.mark.notebook


def _committed(paths: list[str]) -> set[str]:
    out = subprocess.run(["git", "ls-files", *paths], cwd=REPO, capture_output=True, text=True)
    return set(out.stdout.split()) if out.returncode == 0 else set()


@pytest.fixture(scope="module")
def shipped_run(tmp_path_factory):
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("needs the git repository to make a fresh clone")
    wanted = [f"notebooks/{t}.ipynb" for t in THEMES]
    missing = sorted(set(wanted) - _committed(wanted))
    if missing:
        pytest.skip(f"theme notebooks not committed yet: {', '.join(missing)}")
    clone = tmp_path_factory.mktemp("fresh") / "clone"
    subprocess.run(["git", "clone", "-q", str(REPO), str(clone)], check=True)
    env = {**os.environ, "PYTHONPATH": str(clone / "src")}  # the clone's package, not the checkout's
    for var in ("SAFEGUARDING_RAW_DIR", "SAFEGUARDING_REPORTS_DIR", "SAFEGUARDING_NOTEBOOKS_DIR"):
        env.pop(var, None)
    cli = shutil.which("safeguarding")
    cmd = [cli, "run"] if cli else [sys.executable, "-m", "analysis.pipeline.cli", "run"]
    proc = subprocess.run(cmd, cwd=clone, env=env, capture_output=True, text=True, timeout=1500)
    return clone, proc


def test_readme_command_produces_index_and_four_appendices(shipped_run):
    clone, proc = shipped_run
    assert proc.returncode == 0, proc.stderr[-4000:] + proc.stdout[-2000:]
    out = clone / "reports" / "E10000031" / "2017-18-Q4"
    assert sorted(p.name for p in out.glob("*.html")) == sorted(["index.html", *(f"{t}.html" for t in THEMES)])
    assert sorted(p.name for p in out.glob("*.ipynb")) == sorted(f"{t}.ipynb" for t in THEMES)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["parameters"]["period"] == "2017-18 Q4"
    assert manifest["parameters"]["disclosure"] == "public"
    assert {n["theme"]: n["status"] for n in manifest["notebooks"]} == {t: "ok" for t in THEMES}
    shipped = clone / "data" / "raw" / "wscb_2017_18" / "t2_1_contacts_referrals_assessments.csv"
    entry = next(i for i in manifest["inputs"] if i["path"] == "data/raw/wscb_2017_18/t2_1_contacts_referrals_assessments.csv")
    assert entry["sha256"] == hashlib.sha256(shipped.read_bytes()).hexdigest()
    assert not (clone / "reports" / ".staging").exists()


def test_rerun_on_the_same_inputs_gives_the_same_appendices(shipped_run):
    """The issue: re-running on the same inputs produces the same appendices apart from the run
    date. The README command again in the same clone; each appendix (charts included) and each
    executed notebook's outputs must match the first run's, byte for byte, once the run date
    is taken out."""
    clone, proc = shipped_run
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = clone / "reports" / "E10000031" / "2017-18-Q4"
    first = {t: (out / f"{t}.html").read_text(encoding="utf-8") for t in THEMES}
    first_outputs = {t: _outputs(out / f"{t}.ipynb") for t in THEMES}
    first_run = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["run_id"]
    env = {**os.environ, "PYTHONPATH": str(clone / "src")}
    for var in ("SAFEGUARDING_RAW_DIR", "SAFEGUARDING_REPORTS_DIR", "SAFEGUARDING_NOTEBOOKS_DIR"):
        env.pop(var, None)
    again = subprocess.run([sys.executable, "-m", "analysis.pipeline.cli", "run"], cwd=clone, env=env,
                           capture_output=True, text=True, timeout=1500)
    assert again.returncode == 0, again.stderr[-4000:]
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))["run_id"] != first_run
    for t in THEMES:
        second = (out / f"{t}.html").read_text(encoding="utf-8")
        assert strip_run_date(second) == strip_run_date(first[t]), t
        assert _outputs(out / f"{t}.ipynb") == first_outputs[t], t


def _outputs(path: Path) -> list:
    """A notebook's outputs, without the timings papermill records."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    return [c.get("outputs") for c in nb["cells"] if c["cell_type"] == "code"]


def test_every_shipped_page_is_fit_to_publish(shipped_run):
    clone, proc = shipped_run
    out = clone / "reports" / "E10000031" / "2017-18-Q4"
    roots = local_roots([clone, REPO])
    for page in sorted(out.glob("*.html")):
        html = page.read_text(encoding="utf-8")
        assert check_html(html, disclosure="public", roots=roots) == [], page.name
        # the rules, spelled out independently of check_html
        assert not re.search(r"<script[^>]+src=[\"']?(https?:)?//", html), page.name
        assert not re.search(r"<link[^>]+href=[\"']?(https?:)?//", html), page.name
        assert "jp-InputArea-editor" not in html and "In&nbsp;[" not in html, page.name
        for root in (str(clone), str(REPO), str(Path.home())):
            assert root + "/" not in re.sub(r"data:[^\"')]+", "", html), (page.name, root)
        # a count of people from 1 to 5 is never shown; counts of events (training events and
        # courses, CDOP panels) are marked as not counting people and may be, on those pages only
        cells = [(attributes, re.sub(r"<[^>]+>", "", c).strip())
                 for attributes, c in re.findall(r"<td\b([^>]*)>(.*?)</td>", html, re.S)]
        people = [c for attributes, c in cells if "sg-not-count" not in attributes]
        assert not [c for c in people if c in {"1", "2", "3", "4", "5"}], page.name
        if page.stem not in ("training", "cdop"):
            assert len(people) == len(cells), f"{page.name}: cells exempt from the small-count rule"


@pytest.mark.browser
def test_shipped_pages_render_in_chromium(shipped_run, chromium, tmp_path):
    clone, proc = shipped_run
    out = clone / "reports" / "E10000031" / "2017-18-Q4"
    for page in sorted(out.glob("*.html")):
        report = open_in_browser(chromium, page, tmp_path / f"{page.stem}.png")
        assert_page_renders(report, expect_images=page.stem != "index", expect_tables=True)


def test_planted_bad_file_stops_the_run_before_anything_executes(raw_copy, tmp_path):
    """Real validation (analysis.ingest.dataset.validate_raw) on a copy of data/raw with one bad cell."""
    target = raw_copy / "wscb_2017_18" / "t2_1_contacts_referrals_assessments.csv"
    lines = target.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[1] = lines[1].replace(",10059,count,", ",-10059,count,")
    assert "-10059" in lines[1]
    target.write_text("".join(lines), encoding="utf-8")
    reports = tmp_path / "reports"
    (reports / "E10000031" / "2017-18-Q4").mkdir(parents=True)
    (reports / "E10000031" / "2017-18-Q4" / "cdop.html").write_text("earlier good appendix", encoding="utf-8")
    before = {p: p.read_bytes() for p in reports.rglob("*") if p.is_file()}
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    shutil.copyfile(REPO / "tests" / "fixtures" / "notebooks" / "plain.ipynb", notebooks / "cdop.ipynb")
    cmd = [sys.executable, "-m", "analysis.pipeline.cli", "run", "--data-dir", str(raw_copy),
           "--notebooks-dir", str(notebooks), "--reports-dir", str(reports)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    text = proc.stdout + proc.stderr
    assert "t2_1_contacts_referrals_assessments.csv" in text and "-10059" in text
    assert "Nothing was executed" in text and "running" not in text
    assert {p: p.read_bytes() for p in reports.rglob("*") if p.is_file()} == before
