"""DfE number formatting and plain-English sentences: every number comes from the arguments."""

from __future__ import annotations

import math

import pytest

from analysis.formatting import fmt_count, fmt_gbp, fmt_interval, fmt_percent, fmt_rate
from analysis.report.words import describe_change, describe_rate_vs_benchmark, describe_share_vs_benchmark
from analysis.stats import change_significance, percent_change, rate_ci, wilson_ci


def test_dfe_number_formats() -> None:
    assert fmt_count(10750) == "10,750"
    assert fmt_count(564.0) == "564"
    assert fmt_percent(28.4738) == "28.5%"
    assert fmt_percent(28.45) == "28.5%"  # half-up on the number as written, not banker's
    assert fmt_percent(0.0461, from_proportion=True) == "4.6%"
    assert fmt_rate(49.83) == "49.8"
    assert fmt_rate(0.05) == "0.1"
    assert fmt_gbp(125105) == "£125,105"
    assert fmt_gbp(-1200) == "-£1,200"
    assert fmt_count(None) == "x" and fmt_percent(math.nan) == "x" and fmt_rate(None, missing="–") == "–"
    assert fmt_interval(3.21, 6.66) == "3.2% to 6.7%"
    assert fmt_interval(45.84, 54.16, "rate") == "45.8 to 54.2"


def test_describe_change_matches_the_brief_wording() -> None:
    sig = change_significance(439, 564)
    text = describe_change(439, 564, significance=sig)
    level = "99.8%" if sig.significant_99_8 else "95%"
    assert text == (
        f"rose by {fmt_percent(percent_change(439, 564))}, from 439 to 564; "
        f"the rise is statistically significant at {level}"
    )
    assert text.startswith("rose by 28.5%, from 439 to 564; the rise is statistically significant")
    assert describe_change(439, 564, significance="95%") == (
        "rose by 28.5%, from 439 to 564; the rise is statistically significant at 95%"
    )
    assert describe_change(439, 564, what="children on CP plans", significance=None) == (
        "children on CP plans rose by 28.5%, from 439 to 564"
    )
    assert describe_change(439, 564) == describe_change(439, 564, significance=sig)  # auto


def test_describe_change_falls_no_change_and_non_significant() -> None:
    assert describe_change(12, 10) == "fell by 16.7%, from 12 to 10; the fall is not statistically significant at 95%"
    assert describe_change(5, 5) == "did not change, at 5"
    assert describe_change(0, 4, significance=None) == "rose from 0 to 4"
    assert describe_change(10_200, 10_750, significance=False).startswith("rose by 5.4%, from 10,200 to 10,750")
    assert describe_change(None, 4).startswith("cannot be compared")
    pct = change_significance(48, 56, 80, 70, kind="proportion")
    assert describe_change(60.0, 80.0, unit="percent", significance=pct) == (
        "rose by 20.0 percentage points, from 60.0% to 80.0%; the rise is statistically significant at 95%"
    )
    with pytest.raises(ValueError, match="auto"):
        describe_change(60.0, 80.0, unit="percent")


def test_describe_share_vs_benchmark_formats_its_own_computation() -> None:
    x, n, share = 30, 700, 0.06
    lo, hi = wilson_ci(x, n)
    text = describe_share_vs_benchmark(x, n, share, group="disabled children", among="children on CP plans", benchmark_label="national prevalence")
    assert text == (
        f"30 of 700 children on CP plans ({fmt_percent(x / n * 100)}; 95% confidence interval "
        f"{fmt_interval(lo * 100, hi * 100)}) were disabled children, compared with 6.0% "
        f"(national prevalence): "
        + ("significantly lower at 95%." if hi < share else "not significantly different at 95%.")
    )
    assert "significantly lower at 95%" in describe_share_vs_benchmark(1, 100, 0.06, group="g", among="children", benchmark_label="b")
    assert "not significantly different at 99.8%" in describe_share_vs_benchmark(1, 100, 0.06, group="g", among="children", benchmark_label="b", confidence=0.998)
    with pytest.raises(ValueError, match="0.06"):
        describe_share_vs_benchmark(26, 564, 6, group="g", among="children", benchmark_label="b")


def test_describe_rate_vs_benchmark() -> None:
    lo, hi = rate_ci(500, 110_000)
    text = describe_rate_vs_benchmark(500, 110_000, 43.0, area="Area A", what="children on CP plans", benchmark_label="England")
    assert text == (
        f"Area A had {fmt_rate(500 / 110_000 * 10_000)} children on CP plans per 10,000 children "
        f"(95% confidence interval {fmt_interval(lo, hi, 'rate')}), compared with 43.0 for England: "
        + ("significantly higher at 95%." if lo > 43.0 else "not significantly different at 95%.")
    )


def test_an_infinite_value_prints_as_infinity_not_a_rounding_error() -> None:
    """A ratio whose denominator is zero (e.g. a rise from no deaths reviewed) has an infinite
    upper limit; printing it used to raise decimal.InvalidOperation inside a theme."""
    assert fmt_interval(1.5, math.inf, "ratio") == "1.50 to ∞"
    assert fmt_count(-math.inf) == "−∞"


def test_cdop_builds_where_the_previous_year_had_no_reviews() -> None:
    """Derbyshire's 2024-25 CDOP appendix compares a year with a count against a year with none;
    the sentence says no rate ratio can be given instead of crashing."""
    from analysis.themes import cdop

    result = cdop.build(area_code="E10000007", period="2024-25 Q4")
    text = " ".join(p for s in result.sections for p in s.paragraphs)
    assert "rose from 0 to" in text  # DfE's LAIT file gives Derbyshire no reviews in the earlier year
    assert "no rate ratio can be given" in text and "∞" not in text
