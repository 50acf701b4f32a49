"""No internal identifier in any sentence a reader sees (issue 10, item 5).

Every page of a shipped public run (Warwickshire 2017-18 Q4, with board data, and Coventry
2024-25 Q4, without) is read as text, without tags, scripts and styles. No measure name of
``data/raw/data_dictionary.csv`` (the ones with an underscore: a single word such as
"referrals" is English), no data-quality or plausibility rule code (DQ05, P03), no file name
(``*.csv``) and no snake_case word may appear. The first test shows the check can fail.
Also: each page opens with its "In brief" box, before the page details.

No jargon either (issue 10): method names, their symbols and source-table codes (:data:`JARGON`)
may appear only in a page's glossary block (the glossary and its "How the figures were worked
out" note, :mod:`analysis.report.glossary`), each at most once on the page and each as a term that
block defines; never in In brief, findings, caveats, sections, chart labels or table headings.
Hartlepool 2024-25 Q4 is a third run (no board data, a withheld DfE figure).
"""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.notebook

#: (area, period) of the shipped runs checked: one with board data, one without.
RUNS = (("E10000031", "2017-18-Q4"), ("E08000026", "2024-25-Q4"), ("E06000001", "2024-25-Q4"))
#: Method names, symbols and codes a board member should not meet outside the methods note.
JARGON = {
    "τ²": r"τ", "σ": r"σ", "±": r"±", "Wilson": r"\bWilson\b", "Byar's": r"\bByar", "Newcombe": r"\bNewcombe",
    "Poisson": r"\bPoisson\b", "Spiegelhalter": r"\bSpiegelhalter", "special cause": r"(?i)\bspecial[- ]cause",
    "relative rate index": r"(?i)\brelative rate index|\bRRI\b", "LAIT": r"\bLAIT\b",
    "DfE table code": r"\bDfE [A-Da-d][0-9]\b", "DWP": r"\bDWP\b", "XmR": r"\bXmR\b", "SPC": r"\bSPC\b",
    "Making Data Count": r"(?i)making data count", "moving range": r"(?i)\bmoving range", "PHE": r"\bPHE\b",
    "chi-squared": r"(?i)\bchi-squared|χ²", "degrees of freedom": r"(?i)\bdegrees? of freedom",
    "overdispersion": r"(?i)\bover-?dispersion", "control limits": r"(?i)\bcontrol limits?\b",
    "score interval": r"(?i)\bscore interval", "goodness of fit": r"(?i)\bgoodness[- ]of[- ]fit",
    "conditional binomial": r"(?i)\bconditional binomial", "p-value": r"\bp ?[<=>] ?0?\.\d|\b[Pp]-value",
}
#: The glossary block of a page: the glossary and the note on how the figures were worked out.
GLOSSARY_BLOCK = re.compile(r"(?s)<div class=['\"]sg-glossary['\"]>.*?</div>")


def visible_text(page: str) -> str:
    """The text a reader sees: no head, script or style, tags removed, entities decoded."""
    page = re.sub(r"(?is)<(head|script|style)\b.*?</\1>", " ", page)
    page = re.sub(r"(?s)<!--.*?-->", " ", page)
    return html.unescape(re.sub(r"(?s)<[^>]+>", " ", page))


def identifiers() -> set[str]:
    """The data dictionary's measure names that are code names (with an underscore)."""
    measures = pd.read_csv(REPO / "data" / "raw" / "data_dictionary.csv")["measure"].dropna().astype(str)
    return {m for m in measures if "_" in m}


def code_names(text: str, measures: set[str]) -> list[str]:
    """Every internal identifier in ``text``: measure names, rule codes, file names, snake_case."""
    found = [m for m in measures if re.search(rf"\b{re.escape(m)}\b", text)]
    found += re.findall(r"\b(?:DQ|P)\d{2}\b", text)
    found += re.findall(r"\b[\w.-]+\.csv\b", text)
    found += re.findall(r"\b[A-Za-z0-9]+(?:_[A-Za-z0-9]+)+\b", text)
    return sorted(set(found))


def test_the_check_finds_each_kind_of_identifier():
    measures = identifiers()
    assert "children_on_cp_plan" in measures
    page = ("<p>Data quality (DQ05): children_on_cp_plan (All) differs; see unplaced_values.csv and P03; "
            "the column referral_source.</p><script>var not_seen_here = 1;</script>")
    found = code_names(visible_text(page), measures)
    assert {"DQ05", "P03", "children_on_cp_plan", "unplaced_values.csv", "referral_source"} <= set(found)
    assert "not_seen_here" not in found
    assert code_names(visible_text("<p>Children on plans rose by 28.5% (95% interval).</p>"), measures) == []


@pytest.fixture(scope="module")
def shipped_pages(tmp_path_factory):
    reports = tmp_path_factory.mktemp("reports")
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    pages = {}
    for area, period in RUNS:
        proc = subprocess.run([sys.executable, "-m", "analysis.pipeline.cli", "run", "--area", area, "--period", period,
                               "--disclosure", "public", "--reports-dir", str(reports), "--quiet"],
                              cwd=REPO, env=env, capture_output=True, text=True, timeout=1500)
        assert proc.returncode == 0, proc.stderr[-3000:]
        folder = reports / area / period
        pages.update({f"{area}/{p.name}": p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.html"))})
    return pages


def test_no_internal_identifier_in_visible_text(shipped_pages):
    measures = identifiers()
    problems = {name: code_names(visible_text(page), measures) for name, page in shipped_pages.items()}
    assert {name: found for name, found in problems.items() if found} == {}


def test_each_page_opens_with_its_in_brief_box(shipped_pages):
    for name, page in shipped_pages.items():
        body = page[page.index("<body"):]
        first_section = body.index('class="in-brief"') if 'class="in-brief"' in body else body.index("class='in-brief'")
        assert body.index("<h1") < first_section, name
        assert first_section < body.index('class="sg-meta"'), name  # the page details come after the answer
        brief = re.search(r"class=['\"]in-brief['\"].*?</section>", body, re.S).group(0)
        assert 1 <= len(re.findall(r"<p>", brief)) <= 6, name  # sentences (and on the index, a link)


def jargon(text: str) -> list[str]:
    """The :data:`JARGON` terms ``text`` uses."""
    return sorted(name for name, pattern in JARGON.items() if re.search(pattern, text))


def test_the_jargon_check_can_fail():
    page = ("<p>Rate 49.2 (95% CI, Byar's method; τ² = 0.02; mean ± 3σ); special-cause signal; DfE LAIT and DfE d5.</p>"
            "<div class='sg-glossary'><dl><dt>Wilson score interval</dt><dd>The range of a percentage.</dd></dl></div>")
    outside = visible_text(GLOSSARY_BLOCK.sub(" ", page))
    assert {"Byar's", "τ²", "±", "σ", "special cause", "LAIT", "DfE table code"} <= set(jargon(outside))
    assert "Wilson" not in jargon(outside)
    assert jargon(visible_text("<p>The usual range for this many children; the Department for Work and Pensions.</p>")) == []


def test_no_jargon_outside_the_glossary_block(shipped_pages):
    found = {name: jargon(visible_text(GLOSSARY_BLOCK.sub(" ", page))) for name, page in shipped_pages.items()}
    assert {name: terms for name, terms in found.items() if terms} == {}


def test_each_method_named_is_defined_once_in_the_glossary_block(shipped_pages):
    for name, page in shipped_pages.items():
        block = GLOSSARY_BLOCK.search(page)
        text = visible_text(page)
        used = jargon(text)
        if not used:
            continue
        assert block, f"{name}: uses {used} but has no glossary block"
        names = [visible_text(term) for term in re.findall(r"(?s)<dt>(.*?)</dt>", block.group(0))]
        definitions = [visible_text(words) for words in re.findall(r"(?s)<dd>(.*?)</dd>", block.group(0))]
        for term in used:
            naming = [entry for entry in names if re.search(JARGON[term], entry)]
            assert naming, f"{name}: {term} is used but not defined in the glossary block"
            assert len(naming) == 1, f"{name}: {term} is named by more than one entry: {naming}"
            assert not [words for words in definitions if re.search(JARGON[term], words)], \
                f"{name}: {term} appears in a definition, not only as the entry's name"
