"""What one build reads, selected once: :class:`ThemeRun` (dates, comparators and observations)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from ...ingest.dataset import select as select_observations
from ...ingest.dfe import population_for
from ...ingest.neighbours import Neighbour
from ..context import Context

#: The DfE/ONS measures the theme reads (selected once per build).
DFE_MEASURES = [
    "children_on_cp_plan", "population_0_17", "cp_rate_per_10k", "cp_ceased_2yrs_plus_percent",
    "cp_ceased_2yrs_plus", "cp_ceased_rate_per_10k",
    "cp_repeat_plans_percent", "cp_plan_starts", "cp_plan_starts_subsequent", "children_in_need",
    "looked_after_children", "looked_after_children_rate_per_10k",
]


@dataclass
class ThemeRun:
    """Everything one build needs, selected once."""

    ctx: Context
    end: pd.Timestamp  # last day of the period
    start: pd.Timestamp  # the 31 March that opened the financial year
    has_local: bool
    region_code: str | None
    region_name: str | None
    neighbour_group: list[str]  # LA numbers of DfE's statistical neighbours ([] if the file has no group)
    dfe: pd.DataFrame  # DfE/ONS observations up to the period end, with an ``area`` column
    local_obs: pd.DataFrame  # the area's own (board) observations up to the period end
    _dfe_by_measure: dict[str, pd.DataFrame] = field(init=False, repr=False)
    _population: dict[tuple[str, int], float] = field(init=False, repr=False)

    @classmethod
    def for_context(cls, ctx: Context) -> "ThemeRun":
        """Select the run's observations: the area's own, and DfE/ONS for every area."""
        period = ctx.period
        region = ctx.ds.region_of(ctx.area_code)
        dfe = ctx.ds.select(DFE_MEASURES, source="dfe", up_to=period)
        local_obs = ctx.ds.select(area_code=ctx.area_code, up_to=period)
        local_obs = local_obs[local_obs["source"] != "dfe"]
        return cls(
            ctx=ctx, end=pd.Timestamp(period.end), start=pd.Timestamp(date(period.start_year, 3, 31)),
            has_local=ctx.has_local(), region_code=region,
            region_name=ctx.ds.area_name(region) if region else None,
            neighbour_group=ctx.ds.neighbours.group(ctx.area_code), dfe=_with_area(dfe), local_obs=local_obs,
        )

    @property
    def disclosure(self) -> str:
        return self.ctx.disclosure

    @property
    def name(self) -> str:
        return self.ctx.area_name

    @property
    def area_code(self) -> str:
        return self.ctx.area_code

    def __post_init__(self) -> None:
        self._dfe_by_measure = {measure: rows for measure, rows in self.dfe.groupby("measure", sort=False)}
        population = self._dfe_by_measure.get("population_0_17", self.dfe.iloc[0:0])
        population = population[(population["breakdown"] == "total") & population["value"].notna()]
        self._population = {
            (area, int(when.year)): float(value)
            for area, when, value in zip(population["area"], population["period_end"], population["value"])
        }

    def local(self, measure, **filters) -> pd.DataFrame:
        """The area's board observations up to the period end (as ``Context.local``, selected
        from the area's rows only, which is much faster than the whole frame)."""
        return select_observations(self.local_obs, measure, **filters)

    def dfe_values(self, measure: str, *, breakdown: str = "total", breakdown_value: str | None = None) -> pd.DataFrame:
        """DfE/ONS observations of one measure (up to the period end), with an ``area`` column."""
        rows = self._dfe_by_measure.get(measure)
        if rows is None:
            return self.dfe.iloc[0:0]
        rows = rows[rows["breakdown"] == breakdown]
        if breakdown_value is not None:
            rows = rows[rows["breakdown_value"] == breakdown_value]
        return rows

    def neighbours_at(self, when) -> list[Neighbour]:
        """The area's statistical neighbours in the financial year ending at ``when`` (a 31 March),
        each resolved to the code it had then, with whether DfE's count of children on plans has a
        figure for it (:meth:`analysis.ingest.dataset.Dataset.statistical_neighbours`)."""
        return self.ctx.ds.statistical_neighbours(self.area_code, pd.Timestamp(when), "children_on_cp_plan")

    def population(self, area: str, when) -> float | None:
        """ONS population aged 0–17 used by DfE for a date (None when not in the data)."""
        return self._population.get((area, population_for(when)))

    def populations(self, when) -> pd.Series:
        """Population aged 0–17 of every area for a date, indexed by area code."""
        year = population_for(when)
        found = {area: value for (area, population_year), value in self._population.items() if population_year == year}
        return pd.Series(found, dtype="float64")


def _with_area(df: pd.DataFrame) -> pd.DataFrame:
    """DfE rows with one ``area`` column: the country, region or LA code, as the row's level says."""
    area = np.where(
        df["geographic_level"] == "National", df["country_code"],
        np.where(df["geographic_level"] == "Regional", df["region_code"], df["new_la_code"]),
    )
    return df.assign(area=pd.Series(area, index=df.index, dtype="str"))
