"""What every theme needs for one run: the loaded data, the resolved area and period, the findings.

:func:`context` loads the validated dataset once (:func:`analysis.processed.load`), resolves the
run's period and keeps the data-quality findings that concern the area up to the period's end;
:class:`Context` selects the area's board and DfE figures up to that end.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .. import quality
from ..ingest.dataset import Dataset
from ..processed import load
from ..periods import Period, parse_period
from ..report.model import check_disclosure

def board_source(ctx: "Context", table: str | None = None, part: str | None = None) -> str:
    """Source note for a figure from the area's own board report: "Source: table 4.3 of <report>".

    The report's name is the title of the ``SOURCE.md`` of each local dataset folder that holds
    the area's observations (of ``table``, when given), so one area's page can never cite another
    board's report. ``part`` names a part other than a table ("section 5 (Child Death Overview
    Panel)"). Raises ``ValueError`` when the area has no board data: a section without the
    board's figures says so instead of citing a source.
    """
    obs = ctx.ds.observations
    rows = obs[(obs["source"] != "dfe") & (obs["new_la_code"] == ctx.area_code)]
    if table is not None and (rows["source_table"] == table).any():
        rows = rows[rows["source_table"] == table]
    folders = sorted(set(rows["source"]))
    if not folders:
        raise ValueError(f"board_source: there is no board dataset for {ctx.area_name} ({ctx.area_code}) in "
                         f"{ctx.ds.raw_dir}, so no board report can be cited")
    titles = []
    for folder in folders:
        path = Path(ctx.ds.raw_dir) / folder / "SOURCE.md"
        lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
        heading = next((line.lstrip("#").strip() for line in lines if line.startswith("# ")), "")
        titles.append(heading.replace(" \u2014 ", " ").replace(" - ", " ") if heading
                      else f"the board's own report for {ctx.area_name}")
    where = f"{part} of " if part else (f"table {table} of " if table is not None else "")
    return f"Source: {where}the {' and the '.join(dict.fromkeys(titles))}"


@dataclass
class Context:
    """What a theme needs for one run."""

    ds: Dataset
    area_code: str
    area_name: str
    period: Period
    disclosure: str
    findings: pd.DataFrame

    @property
    def obs(self) -> pd.DataFrame:
        return self.ds.observations

    def local(self, measure, **filters) -> pd.DataFrame:
        """The area's own (board) observations up to the end of the run's period."""
        df = self.ds.select(measure, area_code=self.area_code, up_to=self.period, **filters)
        return df[df["source"] != "dfe"]

    def national(self, measure, area_code: str | None = None, **filters) -> pd.DataFrame:
        """DfE/ONS observations for an area (default: this area) up to the end of the period."""
        return self.ds.select(measure, area_code=area_code or self.area_code, source="dfe", up_to=self.period, **filters)

    def findings_for(self, tables: list[str]) -> pd.DataFrame:
        return quality.findings_for_tables(self.findings, tables)

    def has_local(self) -> bool:
        return self.ds.has_local_data(self.area_code)


def context(area_code: str, period: "str | Period | None", data_dir: "str | Path | None", disclosure: str,
            area_name: str | None = None) -> Context:
    """Load (cached) data and resolve the run's parameters; period None = latest in the data."""
    check_disclosure(disclosure)
    ds = load(data_dir or None)
    if period is None or period == "":
        periods = ds.periods(area_code) or ds.periods()
        per = periods[-1]
    else:
        per = parse_period(period)
    name = area_name or ds.area_name(area_code)
    findings = findings_up_to(quality.run_checks(ds), per)
    if not ds.has_local_data(area_code):
        # every rule checks the board's own tables: none is about an area without them
        findings = findings.iloc[0:0]
    return Context(ds, area_code, name, per, disclosure, findings)


def findings_up_to(findings: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Findings about figures dated on or before the period's end (or undated)."""
    end = period.end.isoformat()
    return findings[(findings["period_end"] == "") | (findings["period_end"] <= end)]




def caveats_from_findings(findings: pd.DataFrame, limit: int = 6) -> list[str]:
    """Plain-English caveats from data-quality findings (most important first)."""
    if findings.empty:
        return []
    f = findings.sort_values(["severity", "code"], ascending=[False, True])  # warnings first
    out = [f"Data quality ({r.code}): {r.message}" for r in f.head(limit).itertuples(index=False)]
    if len(f) > limit:
        out.append(f"{len(f) - limit} further data-quality finding(s) touch this theme; see the index page.")
    return out
