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
from ..processed import AreaPeriods, area_periods, load
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
    #: what the data hold for the area (board quarters, DfE years) and the latest of them
    coverage: AreaPeriods | None = None

    @property
    def period_note(self) -> str:
        """One plain sentence for the appendix header: how the period relates to the latest
        period the data support for the area (see :meth:`AreaPeriods.statement`)."""
        return self.coverage.statement(self.period) if self.coverage is not None else ""

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


class AreaError(ValueError):
    """An area code the data do not know, or an area name that is not the code's name."""


def context(area_code: str, period: "str | Period | None", data_dir: "str | Path | None", disclosure: str,
            area_name: str | None = None) -> Context:
    """Load (cached) data and resolve the run's parameters.

    ``period`` None (or "") is the latest period the data support for this area: the latest
    quarter of its board data, else the year-end quarter of its latest DfE year. The area's
    name comes from its code; an ``area_name`` that is not one of the code's names, or a code
    the data do not know, is an :class:`AreaError` naming it (with close matches).
    """
    check_disclosure(disclosure)
    ds = load(data_dir or None)
    name = resolve_area_name(ds, area_code, area_name)
    coverage = area_periods(ds, area_code)
    if period is None or period == "":
        per = coverage.latest
        if per is None:
            raise AreaError(f"area code {area_code} ({name}): the data hold no board quarters and no DfE "
                            "years for it, so there is no period to report")
    else:
        per = parse_period(period)
    findings = findings_up_to(quality.run_checks(ds), per)
    if not ds.has_local_data(area_code):
        # every rule checks the board's own tables: none is about an area without them
        findings = findings.iloc[0:0]
    # the themes' own selections are often empty by design (no board data): they stay quiet
    return Context(ds.quiet(), area_code, name, per, disclosure, findings, coverage)


def resolve_area_name(ds: Dataset, area_code: str, area_name: str | None = None) -> str:
    """The name of ``area_code`` in the data; :class:`AreaError` for an unknown code or a name
    that does not match it."""
    code = str(area_code or "").strip()
    if not ds.is_known_area(code):
        close = ds.similar_areas(code)
        hint = f" Did you mean {' or '.join(close)}?" if close else ""
        raise AreaError(f"area code {area_code!r} is not in the data: use a local authority's code as in "
                        f"DfE's files (new_la_code, e.g. E10000031 for Warwickshire).{hint}")
    name = ds.area_name(code)
    if area_name:
        known = {_plain(n) for n in ds.area_names(code)} | {_plain(name)}
        if _plain(area_name) not in known:
            raise AreaError(f"area_name {area_name!r} does not match area code {code}, which is {name}: "
                            "leave area_name empty to use the code's name, or give the code of the area you mean"
                            + _code_hint(ds, area_name))
    return name


def _plain(name: str) -> str:
    return " ".join(str(name).lower().split())


def _code_hint(ds: Dataset, name: str) -> str:
    close = ds.similar_areas(name, n=1)
    return f" ({close[0]}?)" if close else ""


def findings_up_to(findings: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Findings about figures dated on or before the period's end (or undated)."""
    end = period.end.isoformat()
    return findings[(findings["period_end"] == "") | (findings["period_end"] <= end)]




#: At most this many caveats on an appendix (issue 10): the most important first; the detail of
#: the data-quality findings is in the annex of the index page.
MAX_CAVEATS = 5


def quality_pointer(findings: pd.DataFrame) -> str | None:
    """One plain caveat pointing to the index page's annex, where the data-quality findings that
    touch a page's figures are listed in full (None when there are none)."""
    if findings.empty:
        return None
    count = len(findings)
    what = "one problem" if count == 1 else f"{count} problems"
    return (f"The checks on the board's figures that this page uses found {what} (for example two tables giving "
            f"different totals for the same date, or the board's figure differing from DfE's). The figures are "
            f"shown as printed; each problem is described in the annex of the index page.")


def limit_caveats(caveats: list[str], findings: pd.DataFrame | None = None, limit: int = MAX_CAVEATS) -> list[str]:
    """At most ``limit`` caveats: the first of ``caveats`` (most important first, repeats dropped),
    then the pointer to the data-quality annex (:func:`quality_pointer`) when ``findings`` touch
    the page."""
    pointer = quality_pointer(findings) if findings is not None else None
    kept = list(dict.fromkeys(caveats))[: limit - (1 if pointer else 0)]
    return kept + ([pointer] if pointer else [])


def caveats_from_findings(findings: pd.DataFrame, limit: int = 6) -> list[str]:
    """Plain-English caveats from data-quality findings (most important first)."""
    if findings.empty:
        return []
    f = findings.sort_values(["severity", "code"], ascending=[False, True])  # warnings first
    out = [f"Data quality ({r.code}): {r.message}" for r in f.head(limit).itertuples(index=False)]
    if len(f) > limit:
        out.append(f"{len(f) - limit} further data-quality finding(s) touch this theme; see the index page.")
    return out
