"""DfE statistical neighbours resolved year by year, checked against the published files.

Every expected value is read here straight from DfE's published CSVs in data/raw/dfe with the
csv module (the groupings file, the children-in-need / child-protection files and ONS's
population file), never through the package's adapters: for each authority in DfE's groupings
and each year of a file, the number of its ten neighbours whose LA number has a row with a
figure in that year must be the number the package says have data, and every code the package
uses must be a code that LA number has in that year's data.
"""

from __future__ import annotations

import csv
import functools
import math
from datetime import date

import pytest

from analysis.ingest.neighbours import read_groupings
from analysis.ingest.schema import DataValidationError
from analysis.paths import REPO_ROOT
from analysis.processed import load
from analysis.themes import cp_trends

DFE = REPO_ROOT / "data" / "raw" / "dfe"
GROUPINGS = DFE / "New_Statistical_Neighbour_Groupings_April_2021.csv"
D5 = "d5_cpps_at31march_by_duration_2013_to_2025.csv"
B1 = "b1_children_in_need_2013_to_2025.csv"
POP = "ons_mid-year_population_estimates_2012_to_2024.csv"
CLA = "cla_number_and_rate_per_10k_children.csv"
#: (file, column, the package's measure, years to add to the file's time_period to get the year
#: ending 31 March that it belongs to: ONS's mid-2017 estimate is DfE's population for 2017-18)
FILES = [(D5, "CPP_At31", "children_on_cp_plan", 0), (B1, "At31_episodes", "children_in_need", 0),
         (POP, "population_estimate", "population_0_17", 1)]


# --------------------------------------------------------------------------- the published files
def _rows(name: str) -> list[dict[str, str]]:
    with open(DFE / name, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _is_number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


@functools.lru_cache(maxsize=None)
def groupings() -> dict[str, list[str]]:
    """LA number -> the ten LA numbers of its neighbours, from every row of the file with an LA number."""
    out = {}
    with open(GROUPINGS, encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["LA num"].strip():
                out[row["LA num"].strip()] = [row[f"SN{k}"].strip() for k in range(1, 11)]
    return out


@functools.lru_cache(maxsize=None)
def by_number_and_year(name: str, column: str, offset: int) -> dict[tuple[str, int], list[tuple[str, str, bool]]]:
    """(LA number, year ending 31 March) -> [(code, name, has a figure)] of a file's LA rows."""
    out: dict[tuple[str, int], list[tuple[str, str, bool]]] = {}
    for row in _rows(name):
        if row["geographic_level"] != "Local authority":
            continue
        if name == CLA and row["population_type"] != "Children looked after on 31 March each year":
            continue
        key = (row["old_la_code"].strip(), int(row["time_period"]) + offset)
        out.setdefault(key, []).append((row["new_la_code"], row["la_name"], _is_number(row[column])))
    return out


@functools.lru_cache(maxsize=None)
def codes_in_any_file() -> dict[tuple[str, int], set[str]]:
    """(LA number, year ending 31 March) -> every code that number has in any of the DfE files."""
    out: dict[tuple[str, int], set[str]] = {}
    for name, column, offset in [(D5, "CPP_At31", 0), (B1, "At31_episodes", 0), (POP, "population_estimate", 1),
                                 (CLA, "children_count", 0), ("d3_cpps_subsequent_plan_2013_to_2025.csv", "CPP_start", 0),
                                 ("c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv", "referral_count", 0)]:
        for key, rows in by_number_and_year(name, column, offset).items():
            out.setdefault(key, set()).update(code for code, _name, _value in rows)
    return out


def codes_of(number: str) -> set[str]:
    return {code for (n, _year), codes in codes_in_any_file().items() if n == number for code in codes}


@pytest.fixture(scope="module")
def ds():
    return load()


# --------------------------------------------------------------------------- every authority, every year
@pytest.mark.parametrize("name, column, measure, offset", FILES, ids=[f[2] for f in FILES])
def test_every_authoritys_neighbours_in_every_year_match_the_published_files(ds, name, column, measure, offset):
    published = by_number_and_year(name, column, offset)
    years = sorted({year for _number, year in published})
    checked = 0
    for number, members in groupings().items():
        for code in sorted(codes_of(number)):  # every code the authority has had (815: both North Yorkshires)
            for year in years:
                got = ds.statistical_neighbours(code, date(year, 3, 31), measure)
                assert [n.la_number for n in got] == members, (code, year)
                expected = sum(any(has for _c, _n, has in published.get((m, year), [])) for m in members)
                assert sum(n.has_data for n in got) == expected, (code, year, measure)
                for n in got:
                    rows = published.get((n.la_number, year), [])
                    if n.has_data:  # the code with the figure, and that year's name for it
                        assert [(c, nm) for c, nm, has in rows if has] == [(n.code, n.name)], (code, year, n)
                    elif n.code is not None:  # a code the number has in that year's data, without a figure
                        assert n.code in codes_in_any_file()[(n.la_number, year)], (code, year, n)
                        assert not any(has for _c, _n, has in rows), (code, year, n)
                    else:  # the number has no row at all that year: named all the same
                        assert (n.la_number, year) not in codes_in_any_file(), (code, year, n)
                        assert n.name, (code, year, n)
                checked += 1
    # every grouping (the 152 current ones and the 4 'Old SNs') for every year of the file
    assert checked >= len(groupings()) * len(years)


# --------------------------------------------------------------------------- the reorganised authorities
def only_code(number: str, year: int) -> str:
    """The one code of an LA number with a figure in D5 for the year ending 31 March ``year``."""
    codes = [code for code, _name, has in by_number_and_year(D5, "CPP_At31", 0).get((number, year), []) if has]
    assert len(codes) == 1, (number, year, codes)
    return codes[0]


def owner_of(member: str) -> str:
    """A current authority whose neighbours include the LA number ``member``."""
    return next(number for number, members in groupings().items() if member in members)


def neighbour(ds, owner_number: str, member: str, year: int):
    owner_code = sorted(codes_of(owner_number))[-1]
    found = [n for n in ds.statistical_neighbours(owner_code, date(year, 3, 31)) if n.la_number == member]
    assert len(found) == 1
    return found[0]


@pytest.mark.parametrize("member, before, after", [
    ("815", 2023, 2024),  # North Yorkshire: county council to unitary (new code, same LA number)
    ("825", 2020, 2021),  # Buckinghamshire
    ("933", 2023, 2024),  # Somerset
])
def test_a_neighbour_with_a_new_code_resolves_to_the_code_that_has_data_that_year(ds, member, before, after):
    old, new = only_code(member, before), only_code(member, after)
    assert old != new  # the file itself shows the change of code
    owner = owner_of(member)
    for year, code in ((before, old), (after, new), (2025, only_code(member, 2025)), (2013, only_code(member, 2013))):
        got = neighbour(ds, owner, member, year)
        assert got.has_data and got.code == code, (member, year, got)


@pytest.mark.parametrize("member, last_year, name", [
    ("909", 2023, "Cumbria"),  # split into Cumberland and Westmorland and Furness in April 2023
    ("835", 2019, "Dorset"),  # Dorset County Council, merged into Dorset (838) in April 2019
    ("836", 2019, "Poole"),  # into Bournemouth, Christchurch and Poole (839)
])
def test_a_neighbour_that_no_longer_exists_is_named_without_data(ds, member, last_year, name):
    owner = owner_of(member)
    assert neighbour(ds, owner, member, last_year).has_data
    gone = neighbour(ds, owner, member, last_year + 1)
    assert not gone.has_data and gone.name == name
    assert not any(has for _c, _n, has in by_number_and_year(D5, "CPP_At31", 0).get((member, last_year + 1), []))


@pytest.mark.parametrize("member, first_year, name", [
    ("941", 2022, "West Northamptonshire"),  # Northamptonshire (928) split in April 2021
    ("838", 2020, "Dorset"),  # the unitary Dorset of April 2019
])
def test_a_neighbour_created_after_a_year_is_named_without_data_in_it(ds, member, first_year, name):
    owner = owner_of(member)
    before = neighbour(ds, owner, member, first_year - 1)
    assert not before.has_data and before.name == name
    key = (member, first_year - 1)
    # no code at all, or (West Northamptonshire in 2020-21) the code of a row the files print as 'x'
    assert before.code is None if key not in codes_in_any_file() else before.code in codes_in_any_file()[key]
    assert neighbour(ds, owner, member, first_year).has_data


def test_old_groupings_of_reorganised_authorities_are_read(ds):
    # the "Old SNs" rows at the foot of the file: Northamptonshire (928) until March 2021
    northamptonshire = only_code("928", 2021)
    got = ds.statistical_neighbours(northamptonshire, date(2021, 3, 31))
    assert [n.la_number for n in got] == groupings()["928"]
    expected = sum(any(has for _c, _n, has in by_number_and_year(D5, "CPP_At31", 0).get((m, 2021), []))
                   for m in groupings()["928"])
    assert sum(n.has_data for n in got) == expected == 10


def test_an_authority_without_a_grouping_has_no_neighbours(ds):
    # Cumberland (942) began in April 2023, after DfE's groupings of April 2021
    assert "942" not in groupings()
    cumberland = only_code("942", 2025)
    assert ds.statistical_neighbours(cumberland, date(2025, 3, 31)) == []


def test_a_malformed_groupings_file_names_file_row_column_and_value(tmp_path):
    text = GROUPINGS.read_text(encoding="utf-8-sig").splitlines()
    header, first = text[0], text[1].split(",")
    first[5] = "Camden"  # SN1 as a name instead of an LA number
    bad = tmp_path / GROUPINGS.name
    bad.write_text("\n".join([header, ",".join(first)] + text[2:]), encoding="utf-8")
    with pytest.raises(DataValidationError) as error:
        read_groupings(bad)
    problem = error.value.report.problems[0]
    assert (problem.file, problem.row, problem.column, problem.value) == (f"dfe/{GROUPINGS.name}", 1, "SN1", "Camden")


# --------------------------------------------------------------------------- the theme's average
pytestmark = pytest.mark.usefixtures("no_pixels")  # charts are not drawn: see conftest.no_pixels


def independent_mean(owner_number: str, year: int) -> tuple[float, int, list[tuple[str, int]]]:
    """The neighbours' mean rate per 10,000 at 31 March ``year`` from D5 and ONS, the number of
    neighbours it is over, and the others: (name, year of the last D5 figure of their number)."""
    counts, populations = by_number_and_year(D5, "CPP_At31", 0), by_number_and_year(POP, "population_estimate", 1)
    d5_rows = {(r["old_la_code"], int(r["time_period"])): r for r in _rows(D5) if r["geographic_level"] == "Local authority"}
    pop_rows = {(r["old_la_code"], int(r["time_period"]) + 1): r for r in _rows(POP) if r["geographic_level"] == "Local authority"}
    rates, missing = [], []
    for member in groupings()[owner_number]:
        has = (any(h for _c, _n, h in counts.get((member, year), []))
               and any(h for _c, _n, h in populations.get((member, year), [])))
        if has:
            rates.append(float(d5_rows[(member, year)]["CPP_At31"])
                         / float(pop_rows[(member, year)]["population_estimate"]) * 10000)
        else:
            latest = max(y for (n, y) in d5_rows if n == member and _is_number(d5_rows[(n, y)]["CPP_At31"]))
            missing.append((d5_rows[(member, latest)]["la_name"], latest))
    return sum(rates) / len(rates), len(rates), missing


@pytest.mark.parametrize("owner_number, code_number", [
    ("940", "940"),  # North Northamptonshire: Cumbria among its neighbours, gone by 2025
    ("811", "811"),  # East Riding of Yorkshire: North Yorkshire among its neighbours, under its new code
])
def test_the_benchmark_mean_is_over_the_neighbours_dfe_has_and_names_the_others(owner_number, code_number):
    code = only_code(code_number, 2025)
    result = cp_trends.build(code, "2024-25 Q4", disclosure="internal")
    section = result.section("benchmarks")
    bench = section.charts[0][1]
    last = bench.frame.iloc[-1]
    mean, over, missing = independent_mean(owner_number, 2025)
    assert last["31 March"] == "31 Mar 2025"
    assert last["Neighbours' average"] == pytest.approx(mean, rel=1e-12)
    assert last["Neighbours with a figure"] == f"{over} of 10"
    for name, last_figure in missing:  # each neighbour without a figure is named in the sentence and the notes
        assert any(name in p and f"{over} of 10" in p for p in section.paragraphs)
        assert any(name in note for note in bench.notes)
        if last_figure < 2025:  # an authority that no longer existed says when its figures end
            said = f"{name} (DfE's figures end in {last_figure - 1}/{last_figure % 100:02d})"
            assert any(said in p for p in section.paragraphs), said
    neighbours_table = next(t for t in section.tables if "statistical neighbours at" in t.title)
    assert len(neighbours_table.frame) == 11  # the area and all ten neighbours, with or without a figure
    for name, _last in missing:
        assert any(name in note for note in neighbours_table.notes)


# --------------------------------------------------------------------------- LAIT, mapped the same way
@pytest.mark.parametrize("number", ["815", "825", "933"])
def test_lait_rows_of_a_reorganised_authority_go_to_the_code_of_their_year(ds, number):
    import pandas as pd

    lait = pd.read_parquet(DFE / "lait_bds_long.parquet", columns=["Short Desc", "LA Number", "Years", "Values"])
    published = lait[(lait["Short Desc"] == "CPP_rate") & (lait["LA Number"] == float(number))]
    obs = ds.observations
    mapped = obs[(obs["source_table"] == "DfE LAIT") & (obs["measure"] == "cp_rate_per_10k")]
    for years, value in zip(published["Years"], published["Values"]):
        year = int(str(years)[:4])
        code = only_code(number, year)  # the code D5 gives the number that year
        row = mapped[(mapped["time_period"] == (year - 1) * 100 + year % 100) & (mapped["new_la_code"] == code)]
        assert len(row) == 1, (number, year, code)
        assert row["value"].iloc[0] == pytest.approx(float(value)), (number, year)
