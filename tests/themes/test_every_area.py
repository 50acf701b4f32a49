"""Issue 9, items 3 to 6: the themes outside the one board they were built on.

Every expected value is read here straight from the published files in data/raw (csv module,
pandas on the raw parquet, scipy's chi-squared for the exact Poisson limit), never through the
package's adapters or theme code.

3. the Census 2021 England comparator is England only (the national file also holds Wales);
4. no area's page cites another area's board, and the board's name comes from its SOURCE.md;
5. the latest year's DfE figures are shown, the census caveat is true for the period, and a
   figure older than the period (a fallback) is a caveat;
6. a verdict that rests on a difference smaller than the printed rounding shows the digits.
"""

from __future__ import annotations

import csv
import functools
import re

import pandas as pd
import pytest
from scipy.optimize import brentq
from scipy.stats import chi2

from analysis.paths import REPO_ROOT
from analysis.report import words
from analysis.themes import cdop, cp_trends, representation, training

RAW = REPO_ROOT / "data" / "raw"
DFE = RAW / "dfe"
WARWICKSHIRE, COVENTRY, RUTLAND, SOLIHULL = "E10000031", "E08000026", "E06000017", "E08000029"
THEMES = {"cp_trends": cp_trends, "representation": representation, "cdop": cdop, "training": training}


pytestmark = pytest.mark.usefixtures("no_pixels")  # charts are not drawn: see conftest.no_pixels


@functools.lru_cache(maxsize=None)
def built(theme: str, area: str, period: str):
    return THEMES[theme].build(area_code=area, period=period)


def texts(result) -> list[str]:
    """Every piece of text a reader sees: findings, caveats, sections, tables, charts."""
    out = [result.title, *result.key_findings, *result.caveats]
    for section in result.sections:
        out += [section.heading, section.unavailable or "", *section.paragraphs]
        tables = list(section.tables)
        for chart, table in section.charts:
            out += [chart.title, chart.subtitle, chart.alt, chart.source]
            tables.append(table)
        for table in tables:
            out += [table.title, table.source, *table.notes, *map(str, table.frame.columns)]
            out += [str(v) for v in table.frame.to_numpy().ravel() if isinstance(v, str)]
    return out


def _csv(name: str) -> list[dict]:
    with open(DFE / name, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


# =========================================================================== 3. census comparator
def test_census_england_comparator_is_england_only():
    rows = [r for r in _csv("ons-ethnic-population-nat.csv")
            if r["Countries Code"] == "E92000001" and r["Ethnic group (20 categories)"] != "Does not apply"]
    assert len(rows) == 19 and {r["Countries"] for r in rows} == {"England"}
    total = sum(int(r["Observation"]) for r in rows)
    white = sum(int(r["Observation"]) for r in rows if r["Ethnic group (20 categories)"].startswith("White"))
    expected = (total - white) / total * 100  # every group outside the White groups is "BME" on the board's mapping
    wales = [r for r in _csv("ons-ethnic-population-nat.csv") if r["Countries Code"] == "W92000004"]
    assert wales, "the national file holds Wales too: the test would not tell the two apart"
    result = built("representation", COVENTRY, "2024-25 Q4")
    assert result.key_figures["census_2021_bme_percent_all_ages_england"] == pytest.approx(expected, abs=5e-7)  # key figures keep six decimals
    broad = next(t for _, t in result.section("census_2021").charts)
    assert broad.frame["England %"].sum() == pytest.approx(100.0)
    # the comparator's geography is said where it is shown
    assert any("without Wales" in p for p in result.section("census_2021").paragraphs)
    assert any("England only" in n for n in broad.notes)


# =========================================================================== 4. another board's sources
def _source_title() -> str:
    """The board report's name, as the title of the board dataset's SOURCE.md (read here)."""
    folders = [p for p in RAW.iterdir() if p.is_dir() and p.name != "dfe" and (p / "SOURCE.md").exists()]
    assert len(folders) == 1
    heading = next(line for line in (folders[0] / "SOURCE.md").read_text(encoding="utf-8").splitlines()
                   if line.startswith("# "))
    return heading[2:].replace(" \u2014 ", " ").strip()


@pytest.mark.parametrize("area", [COVENTRY, RUTLAND])
@pytest.mark.parametrize("period", ["2017-18 Q4", "2024-25 Q4"])
@pytest.mark.parametrize("theme", sorted(THEMES))
def test_no_board_source_in_an_area_without_board_data(theme, area, period):
    result = built(theme, area, period)
    title = _source_title()
    for text in texts(result):
        assert title not in text and "Safeguarding Children Board" not in text, text
        assert not re.search(r"\btable \d\.\d of\b", text), text
    for section in result.sections:
        for table in section.tables + [t for _, t in section.charts]:
            # no column of the board's figures left empty (old: "Latest board value (%)" all x)
            for column in [c for c in table.frame.columns if "board" in str(c).lower()]:
                values = table.frame[column]
                assert not (values.isna() | values.astype(str).isin(["x", "z", ""])).all(), (table.title, column)


def test_board_source_named_from_its_dataset():
    title = _source_title()  # "Warwickshire Safeguarding Children Board Annual Report 2017/18"
    result = built("cp_trends", WARWICKSHIRE, "2017-18 Q4")
    sources = {t.source for s in result.sections for t in s.tables + [t for _, t in s.charts]}
    assert f"Source: table 4.3 of the {title}" in sources
    assert all(title in s for s in sources if "table 4." in s or "table 3.1" in s)
    cdop_sources = {t.source for s in built("cdop", WARWICKSHIRE, "2017-18 Q4").sections for t in s.tables}
    assert any(title in s for s in cdop_sources)


def test_indicators_of_an_area_without_board_data_are_dfe_only():
    section = built("cp_trends", COVENTRY, "2024-25 Q4").section("indicators")
    (table,) = section.tables
    assert "board" not in table.source.lower() and "board" not in table.title.lower()
    assert list(table.frame.columns[:2]) == ["Indicator", "DfE Coventry (%)"]


# =========================================================================== 5. latest-year gaps, caveats
def test_latest_dfe_looked_after_children_are_shown():
    rows = [r for r in _csv("cla_number_and_rate_per_10k_children.csv")
            if r["time_period"] == "2025" and r["new_la_code"] == COVENTRY
            and r["population_type"] == "Children looked after on 31 March each year"]
    count = int(rows[0]["children_count"])
    context = built("cp_trends", COVENTRY, "2024-25 Q4").section("context")
    sentence = next(p for p in context.paragraphs if "looked-after children at 31 March 2025" in p)
    assert f" was {count:,}:" in sentence
    table = next(t for t in context.tables if t.title.startswith("Looked-after children at 31 March"))
    assert table.frame.iloc[-1, 1] == count


@pytest.mark.parametrize("area", [COVENTRY, WARWICKSHIRE])
def test_census_caveat_is_true_for_the_period(area):
    caveat = next(c for c in built("representation", area, "2024-25 Q4").caveats if c.startswith("Census 2021"))
    assert "after the board's periods" not in caveat and "after the end of this period" not in caveat
    assert "before this period" in caveat
    early = next(c for c in built("representation", area, "2017-18 Q4").caveats if c.startswith("Census 2021"))
    assert "after the end of this period (31 March 2018)" in early


def test_fallback_year_is_a_caveat():
    lait = pd.read_parquet(DFE / "lait_bds_long.parquet")
    solihull = lait[(lait["Short Desc"] == "CPPlans2yrs") & (lait["LA and Regions"] == "Solihull")]
    numeric = pd.to_numeric(solihull["Values"], errors="coerce")
    latest = int(solihull.loc[numeric.notna(), "Years"].astype(int).max())  # LAIT labels a year by its end
    assert latest < 2025, "the test needs a fallback year"
    label = f"{latest - 1}/{latest % 100:02d}"
    caveats = built("cp_trends", SOLIHULL, "2024-25 Q4").caveats
    assert any("long plans" in c and f"is for {label}" in c and "not a figure for this period" in c for c in caveats)


def test_fallback_caveat_wording():
    assert words.fallback_caveat("X", "Y", "2025-03-31", pd.Timestamp("2025-03-31")) is None
    assert words.fallback_caveat("X", "Y", "2024-03-31", pd.Timestamp("2024-09-30")) is None  # the latest year end
    assert "two years before 2024/25" in words.fallback_caveat("X", "Y", "2023-03-31", pd.Timestamp("2025-03-31"))


# =========================================================================== 6. borderline verdicts
def test_decimals_to_tell_apart():
    assert words.decimals_to_tell_apart([(47.629875, 47.600627)]) == 2
    assert words.decimals_to_tell_apart([(47.62, 47.71)]) == 1
    assert words.decimals_to_tell_apart([(1.00001, 1.00002)]) == 3 and not words.printed_apart(1.00001, 1.00002)
    assert words.limit_margin(47.7, {"the limit": 47.61}) == ""


def test_funnel_verdict_within_the_rounding_shows_the_digits():
    d5 = [r for r in _csv("d5_cpps_at31march_by_duration_2013_to_2025.csv") if r["time_period"] == "2025"]
    population = [r for r in _csv("ons_mid-year_population_estimates_2012_to_2024.csv") if r["time_period"] == "2024"]
    count = float(next(r for r in d5 if r["new_la_code"] == COVENTRY)["CPP_At31"])
    england = float(next(r for r in d5 if r["geographic_level"] == "National")["CPP_At31"])
    n = float(next(r for r in population if r["new_la_code"] == COVENTRY)["population_estimate"])
    n_england = float(next(r for r in population if r["geographic_level"] == "National")["population_estimate"])
    expected = england / n_england * n
    # the 99.8% upper limit: the count whose exact Poisson 99.8% lower bound is England's expected count
    limit = brentq(lambda x: chi2.ppf(0.001, 2 * x) / 2 - expected, expected, 3 * expected) / n * 10_000
    rate = count / n * 10_000
    assert f"{rate:.1f}" == f"{limit:.1f}" and rate > limit  # the case of the issue: 47.6 "above" 47.6
    sentence = next(p for p in built("cp_trends", COVENTRY, "2024-25 Q4").section("funnel").paragraphs
                    if p.startswith("Among all English authorities"))
    assert f"{rate:.2f} against the 99.8% upper limit of {limit:.2f}" in sentence
    table = next(t for _, t in built("cp_trends", COVENTRY, "2024-25 Q4").section("funnel").charts)
    assert f"{rate:.2f} against the 99.8% upper limit of {limit:.2f}" in table.frame["Position"].iloc[0]


def test_table_verdicts_within_the_rounding_show_the_digits():
    from analysis.themes.cp_trends.tables import verdict_cells

    cells = verdict_cells(["higher", "not significantly different", "lower"], [40.63, 30.0, 20.0], [50.0, 40.58, 25.0],
                          [40.6, 40.6, 30.0])
    assert cells == ["higher (lower bound 40.63 against 40.60)",
                     "not significantly different (upper bound 40.58 against 40.60)", "lower"]


def test_board_name_comes_from_the_dataset_not_a_constant(raw_copy):
    """Renaming the board in its SOURCE.md renames it in every source note of the page."""
    source_md = next(p for p in raw_copy.iterdir() if p.is_dir() and (p / "SOURCE.md").exists()
                     and not p.is_symlink()) / "SOURCE.md"
    lines = source_md.read_text(encoding="utf-8").splitlines()
    old_title = next(line for line in lines if line.startswith("# "))[2:].replace(" \u2014 ", " ").strip()
    lines = ["# Anytown Safeguarding Children Partnership \u2014 Annual Report 2017/18" if line.startswith("# ") else line
             for line in lines]
    source_md.write_text("\n".join(lines) + "\n", encoding="utf-8")
    for theme in ("cp_trends", "cdop", "training"):
        result = THEMES[theme].build(area_code=WARWICKSHIRE, period="2017-18 Q4", data_dir=raw_copy)
        sources = [t.source for s in result.sections for t in s.tables + [t for _, t in s.charts]]
        assert any("Anytown Safeguarding Children Partnership Annual Report 2017/18" in s for s in sources), theme
        assert not any(old_title in text for text in texts(result)), theme
