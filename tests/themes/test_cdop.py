"""CDOP theme: build() on the shipped data, asserted against the WSCB Annual Report 2017/18.

Expected values are the report's printed figures (section 5, quoted in the comments) or plain
arithmetic on them, and, for DfE's count of reviews with modifiable factors, the value read
straight from DfE's published LAIT file (not through the package's adapter). The theme computes
its figures from data/raw.
"""

from __future__ import annotations

import csv
import functools
import re
from pathlib import Path

import pandas as pd
import pytest

from analysis.ingest.declaration import declare
from analysis.report import display
from analysis.paths import REPO_ROOT
from analysis.stats import disclosure
from analysis.themes import cdop

WARWICKSHIRE = "E10000031"
COVENTRY = "E08000026"  # DfE data only: no board report in data/raw
LAIT_FILE = REPO_ROOT / "data" / "raw" / "dfe" / "lait_bds_long.parquet"

# Section 5: "17 panels were held across the sub-region during the year 2017-2018 and a total of
# 77 deaths were reviewed. Of the 77 deaths reviewed 34 were from Warwickshire, 28 from Coventry
# and 15 from Solihull. Of the 34 deaths from Warwickshire were categorised into 9 'Generic
# Themes'"; "Warwickshire's panel raised 30 different actions in the year".
PANELS, TOTAL, WARKS, COV, SOL, THEMES, ACTIONS = 17, 77, 34, 28, 15, 9, 30
# Section 5, the nine themes as printed (the tenth standard category is not in the list):
REPORT_CATEGORIES = {
    "Deliberately inflicted injury, abuse or neglect": 0,  # "no reviewed deaths within this category"
    "Suicide or deliberate self-inflicted harm": 1,  # "There was a single self-inflicted death"
    "Trauma and other external factors": 3,  # "There were three traumatic deaths"
    "Malignancy": 1,  # "Accounted for 1 death within Warwickshire this year"
    "Acute medical or surgical condition": 1,  # "There was 1 death attributed to this category"
    "Chronic medical condition": 1,  # "There was 1 death attributed to chronic conditions"
    "Chromosomal, genetic and congenital anomalies": 6,  # "There were 6 deaths reviewed under this category"
    "Perinatal/neonatal event": 20,  # "There were 20 deaths that were attributed to prematurity"
    "Infection": 1,  # "There was 1 death attributed to this category this year"
}
PERINATAL = 20

#: A stand-alone whole number from 1 to 5 in prose (not part of 17, 0.5, 2017/18, 95%, Q2 …).
SMALL_NUMBER = re.compile(r"(?<![\w.,/–-])[1-5](?![\w.,%/–-])")


@pytest.fixture(scope="module")
def q4():
    return cdop.build(WARWICKSHIRE, "2017-18 Q4", disclosure="public")


@pytest.fixture(scope="module")
def q4_internal():
    return cdop.build(WARWICKSHIRE, "2017-18 Q4", disclosure="internal")


@functools.lru_cache(maxsize=1)
def lait_prechilddea() -> pd.DataFrame:
    """DfE's published LAIT rows of 'PreChildDea' (child death reviews with modifiable factors)."""
    lait = pd.read_parquet(LAIT_FILE, columns=["Short Desc", "Years", "LA and Regions", "Values", "LA Number"])
    return lait[lait["Short Desc"] == "PreChildDea"]


def lait_published(la_name: str, year: str) -> float | None:
    """DfE LAIT 'PreChildDea' for an area and LAIT year, read straight from the published file."""
    lait = lait_prechilddea()
    row = lait[(lait["Short Desc"] == "PreChildDea") & (lait["LA and Regions"] == la_name) & (lait["Years"] == year)]
    assert len(row) == 1, (la_name, year)
    v = str(row["Values"].iloc[0])
    return None if v.strip() == "-" else float(v)


def chart_table(result, key: str, i: int = 0):
    chart, table = result.section(key).charts[i]
    return chart, table


def prose(result) -> list[str]:
    """Every sentence a reader sees: findings, paragraphs, chart titles, subtitles and alt text."""
    out = list(result.key_findings)
    for s in result.sections:
        out += s.paragraphs + ([s.unavailable] if s.unavailable else [])
        for chart, _t in s.charts:
            out += [chart.title, chart.subtitle, chart.alt]
    return out


# --------------------------------------------------------------------------- key figures
def test_key_figures_match_section_5_of_the_report(q4):
    k = q4.key_figures
    assert k["deaths_reviewed_total"] == TOTAL
    assert k["warwickshire_deaths_reviewed"] == WARKS
    assert k["perinatal_neonatal_deaths"] == PERINATAL
    assert k["perinatal_neonatal_percent"] == round(PERINATAL / WARKS * 100, 1)  # 58.8
    assert k["panels_held"] == PANELS
    assert k["actions_raised"] == ACTIONS
    assert k["categories_listed"] == THEMES
    assert k["sudden_unexpected_death_reported"] is False
    assert k["cdop_year"] == "2017/18"


def test_key_figures_are_the_same_in_both_disclosure_modes_when_none_is_small(q4, q4_internal):
    same = [k for k in q4.key_figures if k != "modifiable_factors_reviews"]
    assert {k: q4.key_figures[k] for k in same} == {k: q4_internal.key_figures[k] for k in same}


def test_sections_have_fixed_keys_and_every_chart_has_words_and_a_table(q4):
    assert [s.key for s in q4.sections] == list(cdop.SECTION_KEYS)
    for s in q4.sections:
        assert s.unavailable is None
        for chart, table in s.charts:
            assert chart.title and chart.alt and chart.source.startswith("Source:")
            assert not table.frame.empty and table.source.startswith("Source:")


def test_deaths_by_home_authority_and_shares(q4_internal):
    _chart, table = chart_table(q4_internal, "panel_activity")
    df = table.frame.set_index(cdop.COL_AUTHORITY)
    assert df[cdop.COL_DEATHS].to_dict() == {"Warwickshire": WARKS, "Coventry": COV, "Solihull": SOL, "Total": TOTAL}
    assert df.loc["Warwickshire", cdop.COL_SHARE] == pytest.approx(WARKS / TOTAL * 100)
    lo, hi = df.loc["Warwickshire", [cdop.COL_LOWER, cdop.COL_UPPER]]
    assert lo < WARKS / TOTAL * 100 < hi


def test_categories_as_printed_with_the_tenth_not_listed_not_zero(q4_internal):
    _chart, table = chart_table(q4_internal, "categories")
    df = table.frame.set_index(cdop.COL_CATEGORY)
    for cat, n in REPORT_CATEGORIES.items():
        assert df.loc[cat, cdop.COL_DEATHS] == n, cat
    tenth = df.loc[cdop.SUDDEN_UNEXPECTED]
    assert pd.isna(tenth[cdop.COL_DEATHS]) and tenth[cdop.COL_REPORTED] == "not listed in the report"
    assert df.loc["Deliberately inflicted injury, abuse or neglect", cdop.COL_REPORTED].startswith("listed")
    assert df.loc["Total", cdop.COL_DEATHS] == WARKS
    # shares of the 34 with Wilson intervals containing them; the perinatal share is 20/34
    assert df.loc[cdop.PERINATAL, cdop.COL_SHARE] == pytest.approx(PERINATAL / WARKS * 100)
    listed = df.drop(index=["Total", cdop.SUDDEN_UNEXPECTED])
    assert (listed[cdop.COL_LOWER] <= listed[cdop.COL_SHARE]).all()
    assert (listed[cdop.COL_SHARE] <= listed[cdop.COL_UPPER]).all()
    # a zero keeps a real interval (0 to about 10%), a blank has none
    assert listed.loc["Deliberately inflicted injury, abuse or neglect", cdop.COL_UPPER] > 0
    assert pd.isna(tenth[cdop.COL_UPPER])
    # the unlisted category is shown as x in the table, never 0
    shown = display.prepare_table(table, "internal").set_index(cdop.COL_CATEGORY)
    assert shown.loc[cdop.SUDDEN_UNEXPECTED, cdop.COL_DEATHS] == "x"
    assert shown.loc["Deliberately inflicted injury, abuse or neglect", cdop.COL_DEATHS] == "0"


def test_findings_give_intervals_and_explain_small_numbers(q4):
    text = " ".join(q4.key_findings)
    assert 3 <= len(q4.key_findings) <= 6
    assert "95%" in text and "interval" in text
    assert "not listed" in text and "Sudden unexpected, unexplained death" in text
    cats = " ".join(q4.section("categories").paragraphs)
    assert "wide because there are few deaths" in cats


# --------------------------------------------------------------------------- disclosure
def test_public_tables_suppress_small_counts_and_protect_them_from_the_total(q4):
    _chart, table = chart_table(q4, "categories")
    shown = display.prepare_table(table, "public")
    counts = shown[cdop.COL_DEATHS]
    assert not counts.isin([str(n) for n in range(1, 6)]).any()
    for col in (cdop.COL_SHARE, cdop.COL_LOWER, cdop.COL_UPPER):
        assert (shown.loc[counts == "c", col] == "c").all()
    # the 20 perinatal/neonatal deaths, the 6 and the printed zero stay visible
    by_cat = dict(zip(shown[cdop.COL_CATEGORY], counts))
    assert by_cat[cdop.PERINATAL] == "20" and by_cat["Deliberately inflicted injury, abuse or neglect"] == "0"
    assert by_cat[cdop.SUDDEN_UNEXPECTED] == "x"
    # no suppressed category can be worked out from the total of 34
    total_at = counts.index[shown[cdop.COL_CATEGORY] == "Total"][0]
    assert disclosure.recoverable_cells(counts.to_frame(), total_row=total_at) == []


def test_no_public_table_shows_a_count_from_1_to_5(q4):
    for s in q4.sections:
        for t in [t for _c, t in s.charts] + s.tables:
            shown = display.prepare_table(t, "public")
            for col in t.count_columns:
                assert not shown[col].isin([str(n) for n in range(1, 6)]).any(), (t.title, col)


def test_public_prose_and_chart_labels_state_no_count_from_1_to_5(q4, q4_internal):
    for text in prose(q4):
        assert not SMALL_NUMBER.search(text), text
    # the internal version does state them (so the check above can fail)
    assert any(SMALL_NUMBER.search(t) for t in prose(q4_internal))
    chart, _t = chart_table(q4, "categories")
    assert "suppressed" in chart.alt


def test_hidden_cells_are_exactly_the_tables_c_cells(q4):
    _chart, table = chart_table(q4, "categories")
    mask = cdop.hidden_cells(table, "public")[cdop.COL_DEATHS]
    shown = display.prepare_table(table, "public")[cdop.COL_DEATHS]
    assert mask.tolist() == (shown == "c").tolist()
    assert not cdop.hidden_cells(table, "internal").to_numpy().any()


# --------------------------------------------------------------------------- DfE LAIT
def test_lait_count_is_dfes_published_value_with_region_and_england(q4):
    _chart, table = chart_table(q4, "modifiable_factors")
    df = table.frame.set_index(cdop.COL_YEAR)
    # LAIT labels the year by the year in which the financial year ends: "2018" = 2017/18
    assert df.loc["2017/18", "Warwickshire: reviews with modifiable factors"] == lait_published("Warwickshire", "2018")
    assert df.loc["2017/18", "West Midlands: reviews with modifiable factors"] == lait_published("West Midlands", "2018")
    assert df.loc["2017/18", "England: reviews with modifiable factors"] == lait_published("England", "2018")
    assert q4.key_figures["modifiable_factors_reviews"] == lait_published("Warwickshire", "2018")
    assert list(df.index) == ["2015/16", "2016/17", "2017/18"]  # nothing after the period
    # every published 2018 figure is a multiple of five (DfE rounded them); 2017's are not
    lait = lait_prechilddea()
    values = {y: pd.to_numeric(lait[(lait["Short Desc"] == "PreChildDea") & (lait["Years"] == y)]["Values"],
                               errors="coerce").dropna() for y in ("2017", "2018")}
    assert (values["2018"] % 5 == 0).all() and not (values["2017"] % 5 == 0).all()
    assert any("2017/18" in n and "nearest five" in n for n in table.notes)
    assert not any("2016/17" in n and "nearest five" in n for n in table.notes)
    assert any("rounded" in c and "2017/18" in c for c in q4.caveats)
    rate, lo, hi = df.loc["2017/18", ["Warwickshire: per 100,000 children", "Warwickshire: 95% CI lower",
                                      "Warwickshire: 95% CI upper"]]
    assert lo < rate < hi


def test_lait_year_dfe_does_not_give_is_missing_not_zero():
    # DfE's LAIT prints "-" for Warwickshire in 2019 (2018/19)
    assert lait_published("Warwickshire", "2019") is None
    r = cdop.build(WARWICKSHIRE, "2018-19 Q4", disclosure="public")
    _chart, table = chart_table(r, "modifiable_factors")
    shown = display.prepare_table(table, "public").set_index(cdop.COL_YEAR)
    assert shown.loc["2018/19", "Warwickshire: reviews with modifiable factors"] == "x"
    assert shown.loc["2018/19", "Warwickshire: per 100,000 children"] == "x"
    assert r.key_figures["modifiable_factors_year"] == "2017/18"  # the latest year DfE gives
    assert any("2018/19" in p and "not available" in p for p in r.section("modifiable_factors").paragraphs)


def test_a_small_dfe_count_is_withheld_everywhere_in_public_mode():
    # an LA whose published 2017/18 ("2018") LAIT count is from 1 to 5, found in DfE's own file
    lait = lait_prechilddea()
    rows = lait[(lait["Short Desc"] == "PreChildDea") & (lait["Years"] == "2018") & lait["LA Number"].notna()]
    small = rows[pd.to_numeric(rows["Values"], errors="coerce").between(1, 5)]
    assert not small.empty
    name = str(small["LA and Regions"].iloc[0])
    from analysis import processed as data

    ds = data.load()
    code = ds.local_authorities().set_index("la_name").loc[name, "new_la_code"]
    r = cdop.build(code, "2017-18 Q4", disclosure="public", area_name=name)
    assert r.key_figures["modifiable_factors_reviews"] == "c"
    _chart, table = chart_table(r, "modifiable_factors")
    shown = display.prepare_table(table, "public").set_index(cdop.COL_YEAR)
    row = shown.loc["2017/18"]
    assert row[f"{name}: reviews with modifiable factors"] == "c"
    assert row[f"{name}: per 100,000 children"] == "c" and row[f"{name}: 95% CI upper"] == "c"
    assert row[f"{name} compared with England (95%)"] == "c"
    assert row["England: reviews with modifiable factors"] not in ("c", "x")  # the benchmark stays visible
    for text in prose(r):
        assert not SMALL_NUMBER.search(text), text
    assert table.frame.set_index(cdop.COL_YEAR).loc["2017/18", f"{name}: reviews with modifiable factors"] == float(
        small["Values"].iloc[0])  # the number itself is kept; only its display is withheld


# --------------------------------------------------------------------------- periods and areas
def test_an_earlier_quarter_sees_no_later_figures():
    r = cdop.build(WARWICKSHIRE, "2017-18 Q2", disclosure="public")
    assert r.period.label == "2017-18 Q2"
    # the panel's 2017/18 figures cover the year to 31 March 2018: not yet available at Q2
    for key in ("panel_activity", "categories"):
        assert r.section(key).unavailable and "30 September 2017" in r.section(key).unavailable
        assert not r.section(key).charts and not r.section(key).tables
    for k in ("deaths_reviewed_total", "warwickshire_deaths_reviewed", "perinatal_neonatal_deaths", "panels_held"):
        assert r.key_figures[k] is None
    _chart, table = chart_table(r, "modifiable_factors")
    assert list(table.frame[cdop.COL_YEAR]) == ["2015/16", "2016/17"]
    assert r.key_figures["modifiable_factors_reviews"] == lait_published("Warwickshire", "2017")
    assert 3 <= len(r.key_findings) <= 6
    tables = [t for s in r.sections for t in [t for _c, t in s.charts] + s.tables]
    words = prose(r) + r.caveats + [t.title for t in tables] + [n for t in tables for n in t.notes]
    assert not any("2018" in w for w in words)  # not even a later date


def test_an_la_without_board_data_gets_unavailable_sections_and_the_dfe_section():
    r = cdop.build(COVENTRY, "2017-18 Q4", disclosure="public", area_name="Coventry")
    assert r.area_name == "Coventry"
    for key in ("panel_activity", "categories"):
        assert "No safeguarding board data" in r.section(key).unavailable
    m = r.section("modifiable_factors")
    assert m.unavailable is None and m.charts
    assert r.key_figures["modifiable_factors_reviews"] == lait_published("Coventry", "2018")
    assert r.key_figures["deaths_reviewed_total"] is None
    assert 3 <= len(r.key_findings) <= 6


# --------------------------------------------------------------------------- several years
def _add_synthetic_year(raw: Path) -> dict[str, float]:
    """Append a made-up 2018/19 to the copy's s5_cdop.csv (this time listing all ten
    categories); return the counts written."""
    path = raw / "wscb_2017_18" / "s5_cdop.csv"
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    fields = list(rows[0])
    cats = {"Deliberately inflicted injury, abuse or neglect": 1, "Suicide or deliberate self-inflicted harm": 2,
            "Trauma and other external factors": 2, "Malignancy": 3, "Acute medical or surgical condition": 1,
            "Chronic medical condition": 0, "Chromosomal, genetic and congenital anomalies": 5,
            "Perinatal/neonatal event": 12, "Infection": 0, cdop.SUDDEN_UNEXPECTED: 4}
    values = {("cdop_panels_held", "total", "All"): 15, ("cdop_actions_raised", "total", "All"): 25,
              ("cdop_deaths_reviewed", "child_residence_la", "Warwickshire"): 30,
              ("cdop_deaths_reviewed", "child_residence_la", "Coventry"): 25,
              ("cdop_deaths_reviewed", "child_residence_la", "Solihull"): 12,
              ("cdop_deaths_reviewed", "child_residence_la", "Total"): 67,
              ("cdop_deaths_reviewed", "cdop_category", "Total"): sum(cats.values()),
              **{("cdop_deaths_reviewed", "cdop_category", c): v for c, v in cats.items()}}
    new = []
    for (measure, breakdown, label), v in values.items():
        r = dict(rows[0])
        r.update(time_period="201819", period_start="2018-04-01", period_end="2019-03-31", measure=measure,
                 breakdown=breakdown, breakdown_value=label, value=str(v), status="", flags="", note="synthetic test year")
        new.append(r)
    with path.open("a", newline="", encoding="utf-8") as fh:
        csv.DictWriter(fh, fieldnames=fields).writerows(new)
    declare(path.parent)  # a deliberate change is declared, as `safeguarding declare` does
    return {"warks": 30, "total": 67, "perinatal": 12, "sudi": 4, "panels": 15}


def test_several_years_of_panel_figures_give_tables_by_year(raw_copy):
    written = _add_synthetic_year(raw_copy)
    r = cdop.build(WARWICKSHIRE, "2018-19 Q4", data_dir=raw_copy, disclosure="internal")
    k = r.key_figures
    assert k["cdop_year"] == "2018/19"
    assert (k["warwickshire_deaths_reviewed"], k["deaths_reviewed_total"], k["panels_held"]) == (
        written["warks"], written["total"], written["panels"])
    assert k["sudden_unexpected_death_reported"] is True and k["categories_listed"] == 10
    activity = r.section("panel_activity").tables[0].frame
    assert list(activity[cdop.COL_YEAR]) == ["2017/18", "2018/19"]
    by_year = r.section("categories").tables[0].frame.set_index(cdop.COL_CATEGORY)
    assert by_year.loc[cdop.PERINATAL].tolist() == [PERINATAL, written["perinatal"]]
    assert pd.isna(by_year.loc[cdop.SUDDEN_UNEXPECTED, "2017/18"])  # still not a zero
    assert by_year.loc[cdop.SUDDEN_UNEXPECTED, "2018/19"] == written["sudi"]
    assert by_year.index[-1] == "Total"
    auth_by_year = r.section("panel_activity").tables[1].frame.set_index(cdop.COL_AUTHORITY)
    assert auth_by_year.loc["Total"].tolist() == [TOTAL, written["total"]]
    # a change sentence between the years, with its significance
    assert any("2017/18 to 2018/19" in p and "statistically significant" in p
               for p in r.section("panel_activity").paragraphs)
    # public mode (the same Table, displayed publicly): the by-year table hides every count of 1 to 5
    wide = r.section("categories").tables[0]
    shown = display.prepare_table(wide, "public")
    for col in wide.count_columns:
        assert not shown[col].isin([str(n) for n in range(1, 6)]).any()
    # and the same data run for 2017-18 Q4 still shows 2017/18 only
    old = cdop.build(WARWICKSHIRE, "2017-18 Q4", data_dir=raw_copy, disclosure="internal")
    assert old.key_figures["warwickshire_deaths_reviewed"] == WARKS
    assert old.key_figures["sudden_unexpected_death_reported"] is False
