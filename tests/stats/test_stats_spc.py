"""XmR chart and Making Data Count rules: methods.md unit checks, planted signals, edge cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.stats import shift_points, trend_points, two_of_three_points, xmr

ALT = [54.0, 46.0] * 5  # common-cause noise that crosses the mean every point


def _planted() -> list[float]:
    before = list(ALT)
    before[5] = 95.0  # planted outlier at index 5
    shift = [56.0, 55.0] * 4  # planted shift at indexes 10..17 (8 points above the mean)
    after = [46.0, 54.0] * 5
    return before + shift + after


def test_trend_detector_methods_md_unit_checks() -> None:
    rising, falling = trend_points([1, 2, 3, 4, 5, 6, 7])
    assert rising.tolist() == [False] * 6 + [True]  # only the 7th point
    assert not falling.any()
    rising, falling = trend_points([1, 2, 3, 3, 4, 5, 6])  # the tie breaks the trend
    assert not rising.any() and not falling.any()
    rising, falling = trend_points([7, 6, 5, 4, 3, 2, 1, 0])
    assert falling.tolist() == [False] * 6 + [True, True]  # 7th and the point that extends it
    rising, _ = trend_points([1, 2, 3, 4, 5, 6], run=6)
    assert rising.tolist() == [False] * 5 + [True]


def test_rule_detectors_on_their_own() -> None:
    above, below = shift_points([1, 5, 5, 5, 5, 5, 5, 5, 3, 5], centre=3.0, run=7)
    assert above.tolist() == [False] * 7 + [True, False, False]  # point on the centre breaks it
    assert not below.any()
    hi, lo = two_of_three_points([0, 3, 0, 3, 3, -3, 0, -3], upper_2sigma=2, lower_2sigma=-2)
    assert hi.tolist() == [False, False, False, True, True, False, False, False]
    assert lo.tolist() == [False] * 7 + [True]
    # missing values are skipped: the run continues across them
    rising, _ = trend_points([1, 2, np.nan, 3, 4, 5, 6, 7])
    assert rising.tolist() == [False] * 7 + [True]


def test_limits_follow_the_xmr_formula() -> None:
    r = xmr([10, 12, 11, 13, 12], screen_outliers=False)
    mr_bar = (2 + 1 + 2 + 1) / 4
    assert r["mean"].iloc[0] == pytest.approx(11.6)
    assert r["ucl"].iloc[0] == pytest.approx(11.6 + 2.66 * mr_bar)
    assert r["lcl"].iloc[0] == pytest.approx(11.6 - 2.66 * mr_bar)
    assert r["upper_2sigma"].iloc[0] == pytest.approx(11.6 + 2 / 3 * 2.66 * mr_bar)
    assert r["moving_range"].tolist()[1:] == [2, 1, 2, 1] and np.isnan(r["moving_range"].iloc[0])
    assert r.attrs["mean_moving_range"] == pytest.approx(mr_bar)
    assert any("15" in note for note in r.attrs["notes"])  # short-series caveat


def test_planted_shift_and_outlier_are_flagged_exactly_there() -> None:
    r = xmr(_planted())
    flagged = {i: (s, d) for i, (s, d) in enumerate(zip(r["signal"], r["direction"])) if s}
    assert flagged == {5: ("outside_limits", "high"), 16: ("shift", "high"), 17: ("shift", "high")}
    assert (r["variation"] == "common cause").sum() == len(r) - 3
    # the outlier's two moving ranges were screened out before setting the limits
    assert any("screened" in note for note in r.attrs["notes"])
    six = xmr(_planted(), shift_run=6)
    assert [i for i, s in enumerate(six["signal"]) if s == "shift"] == [15, 16, 17]


def test_screening_changes_the_limits() -> None:
    screened, raw = xmr(_planted()), xmr(_planted(), screen_outliers=False)
    assert raw["ucl"].iloc[0] > screened["ucl"].iloc[0]
    assert raw.attrs["mean_moving_range"] == pytest.approx(np.nanmean(raw["moving_range"]))


def test_precedence_trend_and_two_of_three_inside_limits() -> None:
    # A long stable stretch, then a slow steady climb: trend fires on the 7th rising point,
    # and a point beyond the 2σ line right after another is "two_of_three" unless a
    # stronger rule applies.
    stable = [50.0, 44.0] * 10
    climb = [45.0, 46.0, 47.0, 48.0, 49.0, 51.0]  # with the last stable point (44): 7 rising
    r = xmr(stable + climb)
    assert r["signal"].iloc[-1] == "trend" and r["direction"].iloc[-1] == "high"
    assert (r["signal"].iloc[:-1] == "").all()
    base = xmr(stable)  # limits from the stable stretch, then fixed with baseline=20
    lo2, ucl = base["lower_2sigma"].iloc[0], base["ucl"].iloc[0]
    tail = [lo2 - 0.5, 47.0, lo2 - 0.5]
    r2 = xmr(stable + tail, baseline=20)
    assert r2["signal"].tolist()[-3:] == ["", "", "two_of_three"]
    assert r2["direction"].iloc[-1] == "low"
    r3 = xmr(stable + [lo2 - 0.5, ucl + 5], baseline=20)
    assert r3["signal"].iloc[-1] == "outside_limits"


def test_polarity_and_index_and_missing_values() -> None:
    values = pd.Series(_planted(), index=[f"Q{i}" for i in range(len(_planted()))])
    values.iloc[12] = np.nan  # a missing quarter inside the shift: skipped, the run continues
    r = xmr(values, polarity="lower_is_better")
    assert list(r.index) == list(values.index)
    assert r.loc["Q12", "signal"] == "" and r.loc["Q12", "variation"] == "" and np.isnan(r.loc["Q12", "moving_range"])
    assert r.loc["Q5", "variation"] == "special cause concern"
    flagged = r.index[r["signal"] != ""].tolist()
    assert flagged == ["Q5", "Q17"]  # 10, 11, 13..17: the 7th point above is now Q17
    assert xmr(_planted(), polarity="higher_is_better")["variation"].iloc[5] == "special cause improvement"
    assert xmr(_planted())["variation"].iloc[5] == "special cause high"


def test_short_series_warn_instead_of_crashing() -> None:
    with pytest.warns(UserWarning, match="at least 2"):
        r = xmr([42.0])
    assert np.isnan(r["ucl"].iloc[0]) and r["signal"].tolist() == [""]
    with pytest.warns(UserWarning):
        r = xmr([np.nan, 5.0, np.nan])
    assert len(r) == 3 and r["mean"].isna().all()
    with pytest.warns(UserWarning):
        assert xmr([]).empty
    r = xmr([3.0, 3.0, 3.0])  # no variation at all: limits collapse, nothing flagged
    assert (r["signal"] == "").all() and r["ucl"].iloc[0] == 3.0
    with pytest.raises(ValueError, match="shift_run"):
        xmr([1, 2, 3], shift_run=1)
    with pytest.raises(ValueError, match="polarity"):
        xmr([1, 2, 3], polarity="up")
