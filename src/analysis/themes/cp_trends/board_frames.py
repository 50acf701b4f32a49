"""The frames of the board's tables 4.1–4.3: district rates, the category/age/gender breakdowns, the indicators.

District rates as printed (:func:`district_rates`); the table 4.2 breakdowns and what public
mode hides in them (:func:`mix_counts`, :func:`suppressed_masks`, :class:`MixPanel`); each
indicator's SPC series (:func:`indicator_spc`, :class:`IndicatorPanel`) with DfE's validated
values beside it (:func:`dfe_indicator`, :func:`dfe_repeat_plans`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ...stats.disclosure import linked_suppression_masks
from ...stats.spc import xmr
from ...periods import financial_year_label, short_date
from .frames import year_ends
from .run import ThemeRun
from .spec import ENGLAND, Breakdown, Indicator


# =========================================================================== districts
def district_rates(run: ThemeRun) -> pd.DataFrame:
    """Table 4.1 as printed: rows = districts (then the area's own printed rate), columns = dates.

    Values are rates per 10,000 children as the board printed them (no counts or district
    populations are published, so no intervals can be computed).
    """
    rates = run.local("cp_rate_per_10k", breakdown=["district", "total"])
    rates = rates[rates["period_type"] == "snapshot"]
    if rates.empty or not (rates["breakdown"] == "district").any():
        return pd.DataFrame()
    area_label = run.name + " (as printed)"
    rates = rates.assign(label=np.where(rates["breakdown"] == "total", area_label, rates["breakdown_value"]))
    order = list(dict.fromkeys(rates.loc[rates["breakdown"] == "district", "label"])) + [area_label]
    wide = rates.pivot_table(index="label", columns="period_end", values="value", aggfunc="first")
    return wide.reindex([label for label in order if label in wide.index])


# =========================================================================== category, age, gender
def mix_counts(run: ThemeRun, breakdown: str) -> pd.DataFrame:
    """Children on plans by one breakdown of table 4.2: rows = groups in printed order, then
    ``Total`` (the table's own total row), columns = dates (snapshots). Counts of children."""
    groups = run.local("children_on_cp_plan", breakdown=breakdown, period_type="snapshot")
    groups = groups[groups["breakdown_value"] != "Total"]
    if groups.empty:
        return pd.DataFrame()
    tables = groups["source_table"].unique().tolist()
    totals = run.local("children_on_cp_plan", breakdown="total", period_type="snapshot", source_table=tables)
    order = list(dict.fromkeys(groups.sort_values("source_row")["breakdown_value"]))
    wide = (groups.pivot_table(index="breakdown_value", columns="period_end", values="value", aggfunc="first")
            .reindex(order))
    wide.loc["Total"] = totals.drop_duplicates("period_end").set_index("period_end")["value"].reindex(wide.columns)
    return wide


def suppressed_masks(tables: dict[str, pd.DataFrame], disclosure: str) -> dict[str, pd.DataFrame]:
    """Which cells of table 4.2's breakdowns (each groups × dates, last row ``Total``) public mode hides.

    Primary (1–5) and secondary suppression down each date's column against its ``Total`` (a
    row across dates is not a sum, so no implicit row totals), so a share or a chart point
    derived from a hidden count is hidden too. The breakdowns are protected together
    (:func:`analysis.stats.disclosure.linked_suppression_masks`): a row printed in two of them
    (unborn children are in both the age and the gender breakdowns; the total in all) is one
    figure, hidden in both or in neither, so the cheapest protection can be a small shared row
    rather than a large group (never girls, 248, where unborn children and one small age group
    would do).
    """
    masks = {key: pd.DataFrame(False, index=wide.index, columns=wide.columns) for key, wide in tables.items()}
    keys = [key for key, wide in tables.items() if not wide.empty]
    if disclosure != "public" or not keys:
        return masks
    frames = [tables[key] for key in keys]
    rows = {label for wide in frames for label in wide.index}
    same = [[(t, label) for t, wide in enumerate(frames) if label in wide.index] for label in rows]
    found = linked_suppression_masks(frames, [group for group in same if len(group) > 1],
                                     total_row="Total", implicit_totals=False)
    masks.update(dict(zip(keys, found)))
    return masks


@dataclass
class MixPanel:
    """One breakdown of table 4.2 as the section shows it: counts, shares and what public mode hides."""

    breakdown: str  # the data's breakdown name ("cp_category", "age", "gender")
    spec: Breakdown
    counts: pd.DataFrame  # :func:`mix_counts`: groups × dates, then the ``Total`` row
    mask: pd.DataFrame  # :func:`suppressed_masks`: True where public mode hides the count (and its share)

    @property
    def groups(self) -> pd.DataFrame:
        """Counts of the groups, without the total row."""
        return self.counts.drop(index="Total")

    @property
    def total(self) -> pd.Series:
        """Table 4.2's total at each date."""
        return self.counts.loc["Total"]

    @property
    def shares(self) -> pd.DataFrame:
        """Each group's percentage of table 4.2's total at each date, groups × dates."""
        return self.groups.div(self.total, axis=1) * 100

    @property
    def plotted(self) -> list[str]:
        """The groups drawn on the chart: those with a child at some date."""
        groups = self.groups
        return [group for group in groups.index if (groups.loc[group].fillna(0) > 0).any()]

    @property
    def hides_a_plotted_share(self) -> bool:
        """Whether public mode hides a point of a group drawn on the chart."""
        return any(bool(self.mask.loc[group].any()) for group in self.plotted)

    def largest_now(self) -> pd.Series:
        """Shares at the last date, largest first, without the hidden ones."""
        last = self.counts.columns.max()
        return self.shares[last].where(~self.mask.loc[self.groups.index, last]).dropna().sort_values(ascending=False)


# =========================================================================== indicators
def indicator_series(run: ThemeRun, measure: str) -> pd.DataFrame:
    """The points of one table-4.3 indicator that form its SPC series (percent).

    Completed financial years (``financial_year``) and then the current financial year's
    year-to-date values (``cumulative_from_april``) at each quarter end up to the period end.
    Columns: ``period_end``, ``value``, ``point`` (label), ``kind`` ("year" / "year to date").
    """
    values = run.local(measure, breakdown="total")
    values = values[values["value"].notna()]
    if values.empty:
        return pd.DataFrame()
    this_year = run.ctx.period.time_period
    years = values[values["period_type"] == "financial_year"]
    to_date = values[(values["period_type"] == "cumulative_from_april") & (values["time_period"] == this_year)]
    # a past year printed only as year-to-date figures: its 31 March value is the whole year
    past_to_date = values[(values["period_type"] == "cumulative_from_april") & (values["time_period"] != this_year)]
    whole_years = past_to_date[year_ends(past_to_date["period_end"])
                               & ~past_to_date["time_period"].isin(years["time_period"])]
    years = pd.concat([years, whole_years.assign(period_type="financial_year")])
    years = years[~years["time_period"].isin(to_date["time_period"])]
    points = pd.concat([years, to_date]).sort_values("period_end")
    return pd.DataFrame({
        "period_end": points["period_end"].to_numpy(),
        "value": points["value"].to_numpy(dtype="float64"),
        "point": [(financial_year_label(end) if period_type == "financial_year"
                   else f"{financial_year_label(end)} to {short_date(end)}")
                  for end, period_type in zip(points["period_end"], points["period_type"])],
        "kind": ["year" if period_type == "financial_year" else "year to date" for period_type in points["period_type"]],
    })


def indicator_spc(run: ThemeRun, measure: str, indicator: Indicator) -> pd.DataFrame:
    """:func:`indicator_series` with its Making Data Count XmR columns (``mean``, ``ucl``, ``lcl``,
    ``signal``, ``direction``, ``variation``); empty when the board has no values."""
    series = indicator_series(run, measure)
    if series.empty:
        return series
    chart = xmr(series["value"], polarity=indicator.spc_polarity)
    columns = [c for c in ("mean", "ucl", "lcl", "signal", "direction", "variation") if c in chart.columns]
    return series.assign(**{c: np.asarray(chart[c]) for c in columns})


@dataclass
class IndicatorPanel:
    """One indicator as the section shows it: the board's SPC series and DfE's validated values."""

    indicator: Indicator
    series: pd.DataFrame  # :func:`indicator_spc`
    dfe_area: pd.DataFrame  # DfE's values for the area (financial years)
    dfe_england: pd.DataFrame  # DfE's values for England

    @property
    def signals(self) -> pd.DataFrame:
        """The points with a special-cause signal."""
        return self.series[self.series["signal"].fillna("") != ""]


def dfe_indicator(run: ThemeRun, measure: str | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """DfE's validated values of an indicator for the area and England (financial years)."""
    if measure is None:
        return pd.DataFrame(), pd.DataFrame()
    values = run.dfe_values(measure)
    values = values[values["value"].notna()]
    return (values[values["area"] == run.area_code].sort_values("period_end"),
            values[values["area"] == ENGLAND].sort_values("period_end"))


def dfe_repeat_plans(run: ThemeRun, when) -> tuple[float, float] | None:
    """DfE's repeat plans (second or later) and all plan starts of the area in a year (D3), or None."""
    starts = run.dfe_values("cp_plan_starts")
    repeats = run.dfe_values("cp_plan_starts_subsequent")
    starts = starts[(starts["area"] == run.area_code) & (starts["period_end"] == when)]
    repeats = repeats[(repeats["area"] == run.area_code) & (repeats["period_end"] == when)]
    if (starts.empty or repeats.empty or pd.isna(starts["value"].iloc[0]) or pd.isna(repeats["value"].iloc[0])
            or starts["value"].iloc[0] <= 0):
        return None
    return float(repeats["value"].iloc[0]), float(starts["value"].iloc[0])
