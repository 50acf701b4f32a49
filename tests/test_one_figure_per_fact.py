"""One figure per fact on every page (issue 10): no fact is stated with two different values.

``tests/themes/test_cp_trends.py`` checks the one case that had gone wrong (the board's count and
DfE's validated count of children on plans at the same date). This test reads every sentence a
reader sees on each theme's page (In brief, findings, caveats, section sentences, chart titles and
subtitles, table titles and notes) for Warwickshire 2017-18 Q4 (board data) and Hartlepool
2024-25 Q4 (none), and collects the facts it can recognise:

* a count of something at a date or in a year: "561 children on plans", "783 delegates",
  "77 deaths" (with whose, when a possessive names it: "Warwickshire's 34 deaths");
* a rate: "48.9 per 10,000", whose by the nearest area named before it in the sentence
  (or England or the region);
* a share: "9.2% of children on plans".

A fact is keyed by what it counts (and whose) and the one date or year its sentence names;
a sentence naming no date or several (a change "from 31 March 2017 to 31 March 2018") states no
dated fact and is left out. Two different printed values of one key fail, unless a paragraph of
the page states both values (the page reconciles them, e.g. "One figure per date: … DfE's validated
figures, 561 children on plans … The board's own count was 564"). The first test shows the check
catches a rate printed 49.2 in one place and 49.8 in another.
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict

import pytest

from analysis.report.glossary import page_text
from analysis.themes import cdop, cp_trends, representation, training

pytestmark = pytest.mark.usefixtures("no_pixels")

MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
#: a date ("31 March 2018", "31 Mar 2018") or a financial year ("2017/18")
WHEN = re.compile(rf"\b\d{{1,2}} (?:{MONTHS}|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{{4}}\b|\b\d{{4}}/\d{{2}}\b")
NUMBER = r"\d[\d,]*(?:\.\d+)?"
#: "561 children on plans", "46 training events", "Warwickshire's 34 deaths" (not "fewer than 6 deaths")
COUNT = re.compile(rf"(?<![\w.,%(£/-])(?<!per )(?:(?P<whose>[A-Z][\w-]*(?: [A-Z][\w-]*)*)'s )?(?P<value>{NUMBER}) "
                   r"(?P<what>children (?:on plans|on child protection plans|looked after|in need)|delegates|deaths|"
                   r"panels|actions|courses|training events|events|reviews|referrals|hours)\b")
#: what a rate is of: the last of these named before it in its sentence
RATE_OF = re.compile(r"on plans|on child protection plans|looked after|in need|modifiable factors|referrals")
#: words that end the description of what a share is of
SHARE_END = re.compile(r" (?:at|in|from|to|were|was|for|and|on \d|is|are)\b.*")
RATE = re.compile(rf"(?P<value>{NUMBER}) per (?P<per>10,000|100,000)")
SHARE = re.compile(rf"(?<![\w.,-])(?P<value>{NUMBER})% of (?P<what>(?:[a-z][\w'-]* ?){{1,4}})")
AREA = re.compile(r"\b([A-Z][a-z]+(?:[ -](?:and|upon|on|of|[A-Z][a-z]+))*)(?:'s)?\b")
NOT_A_FACT = re.compile(r"(?:fewer|more|less|up to|at least|about|around|over|under) $")


def sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.;:])\s+(?=[A-Z0-9])|\n", text) if s.strip()]


def whose_rate(sentence: str, at: int) -> str:
    """The last area (or England, or a region) named before position ``at``."""
    names = [m.group(1) for m in AREA.finditer(sentence[:at])
             if m.group(1) not in {"At", "In", "From", "Since", "Among", "DfE", "The", "This", "ONS", "Rate", "March",
                                   "April", "All"}]
    return names[-1] if names else ""


def facts(text: str) -> dict[tuple, set[str]]:
    """Each recognised fact of ``text`` -> the set of values it is printed with (a share is
    recognised only with the group it is of: "BME children were 9.2% of …", "9.2% of … were BME")."""
    found: dict[tuple, set[str]] = defaultdict(set)
    for sentence in sentences(text):
        when = set(WHEN.findall(sentence))
        if len(when) != 1:
            continue
        (date,) = when
        for m in COUNT.finditer(sentence):
            if NOT_A_FACT.search(sentence[:m.start()]) or sentence[m.end():m.end() + 5].startswith(" per "):
                continue
            found[("count", m.group("whose") or "", m.group("what"), date)].add(m.group("value"))
        for m in RATE.finditer(sentence):
            of = RATE_OF.findall(sentence[:m.start()])
            found[("rate", whose_rate(sentence, m.start()), of[-1] if of else "", m.group("per"), date)].add(m.group("value"))
        for m in SHARE.finditer(sentence):
            if NOT_A_FACT.search(sentence[:m.start()]):
                continue
            group = (re.search(r"([\w-]+) (?:children |staff )?(?:were|was|made up) $", sentence[:m.start()])
                     or re.match(r"(?:[a-z ]*?) (?:were|was) (?:for )?([\w-]+)", sentence[m.end():]))
            if group:
                what = SHARE_END.sub("", m.group("what").replace("child protection plans", "plans").strip())
                found[("share", group.group(1), what, date)].add(m.group("value"))
    return found


def conflicts(text: str) -> dict[tuple, set[str]]:
    """Facts printed with two values that no paragraph (or sentence) of ``text`` states together."""
    said = [line for line in text.split("\n") if line.strip()]
    out = {}
    for key, values in facts(text).items():
        if len(values) < 2:
            continue
        reconciled = any(all(re.search(rf"(?<![\d.]){re.escape(v)}(?![\d])", s) for v in values) for s in said)
        if not reconciled:
            out[key] = values
    return out


def test_the_check_catches_two_values_of_one_rate():
    text = ("At 31 March 2018 Warwickshire had 564 children on plans, 49.2 per 10,000 children.\n"
            "Warwickshire had 564 children on plans at 31 March 2018, 49.8 per 10,000")
    assert conflicts(text) == {("rate", "Warwickshire", "on plans", "10,000", "31 March 2018"): {"49.2", "49.8"}}
    reconciled = text + "\nThe board printed 49.8 per 10,000 at 31 March 2018 where its count gives 49.2 per 10,000."
    assert conflicts(reconciled) == {}
    # different dates, different areas and a change "from … to …" are different facts
    assert conflicts("At 31 March 2017 Warwickshire had 46.8 per 10,000. At 31 March 2018 Warwickshire had "
                     "49.2 per 10,000. At 31 March 2018 England had 45.3 per 10,000. From 31 March 2017 to 31 March "
                     "2018 Warwickshire's rate rose from 46.8 to 49.2 per 10,000.") == {}
    assert conflicts("In 2017/18 the board ran 46 training events.\nIn 2017/18 there were 45 training events.") \
        == {("count", "", "training events", "2017/18"): {"45", "46"}}


def page(result) -> str:
    """Everything a reader sees in the theme's words, chart subtitles included."""
    subtitles = [chart.subtitle for section in result.sections for chart, _table in section.charts if chart.subtitle]
    return "\n".join([page_text(result), *subtitles])


@functools.lru_cache(maxsize=None)
def built(theme: str, area: str, period: str):
    module = {"cp_trends": cp_trends, "representation": representation, "cdop": cdop, "training": training}[theme]
    return module.build(area, period, disclosure="public")


@pytest.mark.parametrize("theme", ["cp_trends", "representation", "cdop", "training"])
@pytest.mark.parametrize("area, period", [("E10000031", "2017-18 Q4"), ("E06000001", "2024-25 Q4")])
def test_every_fact_has_one_figure(theme, area, period):
    if theme == "training" and area != "E10000031":
        pytest.skip("training is built only from a board's own report")
    assert conflicts(page(built(theme, area, period))) == {}
