"""Financial-year periods: labels, quarter ends, and cumulative-to-discrete conversion."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from analysis.periods import Period, PeriodError, discrete_from_cumulative, parse_period, period_of, quarter_of


@pytest.mark.parametrize("text", ["2017-18 Q4", "2017-18-Q4", "2017/18 Q4", " 2017-18-q4 "])
def test_parse_period_accepts_the_usual_spellings(text):
    p = parse_period(text)
    assert (p.start_year, p.quarter, p.label, p.slug, p.time_period) == (2017, 4, "2017-18 Q4", "2017-18-Q4", 201718)
    assert p.end == date(2018, 3, 31) and p.start == date(2018, 1, 1) and p.year_start == date(2017, 4, 1)


@pytest.mark.parametrize("text", ["2017-19 Q4", "2017 Q4", "Q4 2017-18", "2017-18 Q5", ""])
def test_parse_period_rejects_nonsense_with_the_accepted_forms(text):
    with pytest.raises(PeriodError, match="2017-18"):
        parse_period(text)


def test_quarter_ends_and_financial_quarters():
    assert [Period(2017, q).end for q in (1, 2, 3, 4)] == [date(2017, 6, 30), date(2017, 9, 30), date(2017, 12, 31), date(2018, 3, 31)]
    assert quarter_of(date(2017, 4, 1)) == Period(2017, 1)
    assert quarter_of(date(2018, 1, 19)) == Period(2017, 4)
    assert period_of(201718, "Annual") == Period(2017, None)
    assert Period(2017, 1).shift_quarters(-1) == Period(2016, 4)
    assert Period(2017, 2).previous_year_end() == Period(2016, 4)


def test_discrete_from_cumulative_q2_alone_is_q2_minus_q1():
    # table 2.1 referrals, cumulative from 1 April 2017: 2,943; 5,409; 8,033; 10,750
    cum = pd.Series([2943, 5409, 8033, 10750], index=[Period(2017, q) for q in (1, 2, 3, 4)])
    assert discrete_from_cumulative(cum).tolist() == [2943, 2466, 2624, 2717]


def test_discrete_from_cumulative_never_guesses_a_gap():
    cum = pd.Series([2943, 8033], index=[Period(2017, 1), Period(2017, 3)])
    out = discrete_from_cumulative(cum)
    assert out.iloc[0] == 2943 and pd.isna(out.iloc[1])


def test_discrete_from_cumulative_refuses_to_mix_years():
    with pytest.raises(ValueError, match="one financial year"):
        discrete_from_cumulative(pd.Series([1, 2], index=[Period(2016, 4), Period(2017, 1)]))
