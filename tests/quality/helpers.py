"""Small tidy frames for the per-rule tests, and running one rule on them."""

from __future__ import annotations

import pandas as pd

from analysis.quality import RULES, CheckInput, Finding

#: One observation of the board (Warwickshire, 31 March 2018); a test overrides what it needs.
BASE = dict(time_period=201718, time_identifier="Q4", period_type="snapshot", period_start="2018-03-31",
            period_end="2018-03-31", geographic_level="Local authority", country_code="E92000001",
            region_code="E12000005", new_la_code="E10000031", la_name="Warwickshire", source_table="4.2",
            breakdown="total", breakdown_value="All", unit="count", status="", flags="", note="",
            source="test", source_file="test.csv")

AREA = BASE["new_la_code"]


def frame(*rows: dict) -> pd.DataFrame:
    """Tidy observations (typed as loaded), numbered as rows 1, 2, … of their file."""
    df = pd.DataFrame([{**BASE, **row} for row in rows])
    df["source_row"] = range(1, len(df) + 1)
    df["period_start"] = pd.to_datetime(df["period_start"])
    df["period_end"] = pd.to_datetime(df["period_end"])
    df["value"] = df["value"].astype("float64")
    return df


def findings_of(code: str, observations: pd.DataFrame, unplaced: pd.DataFrame | None = None) -> list[Finding]:
    """What rule ``code`` finds in some observations (and unplaced values)."""
    return RULES[code].check(CheckInput.of(observations, unplaced))
