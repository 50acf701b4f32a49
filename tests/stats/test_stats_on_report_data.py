"""The statistical core applied to the shipped data (issue 3): the share of disabled children
and of BME children on CP plans at 31 March 2018 against their benchmarks, each with its
interval and verdict. The interval is checked against scipy's independent Wilson implementation
(``binomtest(...).proportion_ci(method="wilson")``) and the verdict against whether the
benchmark lies inside it (PHE's rule)."""

from __future__ import annotations

import pandas as pd
import pytest
from scipy.stats import binomtest

from analysis.stats import compare_proportion_to_benchmark, share_vs_population, wilson_ci

END = pd.Timestamp("2018-03-31")


def value(ds, measure, **filters):
    df = ds.select(measure, area_code="E10000031", **filters)
    df = df[df["period_end"] == END] if "period_end" not in filters else df
    assert len(df) == 1, df
    return float(df["value"].iloc[0])


@pytest.fixture(scope="module")
def plans(dataset):
    return value(dataset, "children_on_cp_plan", source_table="4.2", breakdown="total")


def reconstructed(share_percent: float, total: float) -> int:
    """A count reconstructed from a printed percentage of a printed total."""
    return int(round(share_percent / 100 * total))


@pytest.mark.parametrize("conf", [0.95, 0.998])
def test_disabled_children_on_plans_against_national_prevalence(dataset, plans, conf):
    share = value(dataset, "cp_plan_share", breakdown="disability", breakdown_value="Disabled")
    prevalence = dataset.select("disabled_children_prevalence")["value"].iloc[0]
    x = reconstructed(share, plans)
    assert (x, plans, prevalence) == (26, 564, 6.0)  # report: "26 disabled children (4.6%)"; "stands at 6%"
    lower, upper = wilson_ci(x, plans, confidence=conf)
    ref = binomtest(x, int(plans)).proportion_ci(confidence_level=conf, method="wilson")
    assert lower == pytest.approx(ref.low, rel=1e-9) and upper == pytest.approx(ref.high, rel=1e-9)
    expected = "not significantly different" if lower <= prevalence / 100 <= upper else ("higher" if lower > prevalence / 100 else "lower")
    assert compare_proportion_to_benchmark(x, plans, prevalence / 100, confidence=conf) == expected
    row = share_vs_population(x, plans, prevalence / 100, confidence=conf).iloc[0]  # percent scale
    assert (row["share"], row["lower"], row["upper"]) == pytest.approx((100 * x / plans, 100 * lower, 100 * upper), rel=1e-9)
    assert row["verdict"] == expected


@pytest.mark.parametrize("conf", [0.95, 0.998])
def test_bme_share_of_plans_against_school_census(dataset, plans, conf):
    share = value(dataset, "cp_plan_share", breakdown="ethnicity", breakdown_value="BME")
    census = dataset.select("school_census_pupil_share", area_code="E10000031", breakdown_value="BME")["value"].iloc[0]
    assert (share, census) == (9.2, 17.7)  # report: "at 9.2% at the end of the year"; School Census 17.7%
    x = reconstructed(share, plans)
    lower, upper = wilson_ci(x, plans, confidence=conf)
    ref = binomtest(x, int(plans)).proportion_ci(confidence_level=conf, method="wilson")
    assert (lower, upper) == pytest.approx((ref.low, ref.high), rel=1e-9)
    assert upper < census / 100  # the census share lies above the whole interval ...
    assert compare_proportion_to_benchmark(x, plans, census / 100, confidence=conf) == "lower"  # ... so: lower
