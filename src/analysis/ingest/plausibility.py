"""Plausibility rules: figures that are well formed but cannot be true.

The schema (:mod:`analysis.ingest.schema`) checks each cell's form; these rules check a figure
against the world: a count of children against the area's child population, a date against
today, a part against its whole, an area code against DfE's list of local authorities. Each rule
has a code and a message (:data:`RULES`) and a test in ``tests/test_validation.py``; every
breach is a :class:`~analysis.ingest.schema.Problem` naming file, row, column and value, and
``safeguarding validate`` refuses the data (a wrong figure that looks right is worse than none).

Layer: ingest.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from . import dfe
from .schema import Problem

#: More people than live in the United Kingdom: no count in these files can be larger.
ABSURD_COUNT = 100_000_000
#: Breaches listed per file and rule before the rest are summarised in one line.
MAX_LISTED = 20

RULES: dict[str, str] = {
    "P01-count-absurd": f"a count above {ABSURD_COUNT:,} (more people than live in the UK) cannot be right: "
                        "check the figure against the source",
    "P02-children-above-population": "more children counted than the area's whole child population (aged 0 to 17, "
                                     "ONS mid-year estimate{year}: {pop:,.0f}): check the figure against the source",
    "P03-date-in-future": "the date is after today ({today}): a figure cannot be dated in the future (it would "
                          "become the latest period of every run)",
    "P04-part-above-whole": "a part is larger than its whole ({whole_label}: {whole:,.0f} in row {whole_row}): "
                            "check both figures against the source",
    "P05-la-code-unknown": "not a local authority code in DfE's files (data/raw/dfe): use the authority's current "
                           "GSS code, e.g. E10000031 for Warwickshire",
    "P06-la-name-mismatch": "the name does not match DfE's name for this code ({expected})",
    "P07-region-mismatch": "the region code does not match DfE's region for this authority ({expected})",
}

#: Counts that are not of children (people trained, meetings, money-like tallies): not bounded
#: by the child population. Every other count is (a new measure is checked unless listed here).
NOT_CHILDREN = {
    "training_events", "training_delegates", "training_courses", "conference_attendees", "scr_commissioned",
    "cdop_panels_held", "cdop_actions_raised", "census_population_all_ages", "population_0_17", "mase_outcomes",
}
#: breakdown_value of a printed total row inside a breakdown, and of the whole of a measure
TOTAL_LABELS = {"Total", "All"}


#: (published file, measure, breakdown_value) -> the column of DfE's file a tidy value came from
_DFE_COLUMNS = {(f"{dfe.DFE_DIR}/{dfe.FILES[s[0]]}", s[2], s[6]): s[1] for s in dfe._WIDE_SPECS}


def _problem(r, column: str, value, rule: str, **fmt) -> Problem:
    if column == "value" and getattr(r, "source", "") == dfe.SOURCE:  # name the column as published
        column = _DFE_COLUMNS.get((r.source_file, r.measure, r.breakdown_value), "Values")
    return Problem(str(r.source_file), int(r.source_row), column, None if value is None else str(value), rule,
                   RULES[rule].format(**fmt))


def _number(v: float) -> str:
    return f"{v:.0f}" if float(v).is_integer() else f"{v}"


def _capped(problems: list[Problem]) -> list[Problem]:
    out, seen = [], {}
    for p in problems:
        key = (p.file, p.rule)
        seen[key] = seen.get(key, 0) + 1
        if seen[key] <= MAX_LISTED:
            out.append(p)
    for (file, rule), n in seen.items():
        if n > MAX_LISTED:
            out.append(Problem(file, None, None, None, rule, f"and {n - MAX_LISTED:,} more rows breaking the same rule"))
    return out


def check(obs: pd.DataFrame, areas: pd.DataFrame, today: date | None = None) -> list[Problem]:
    """Every plausibility problem in a typed observation frame (see :data:`RULES`)."""
    if obs.empty:
        return []
    today = today or date.today()
    problems: list[Problem] = []
    counts = obs[(obs["unit"] == "count") & obs["value"].notna()]
    for r in counts[counts["value"] > ABSURD_COUNT].itertuples(index=False):
        problems.append(_problem(r, "value", _number(r.value), "P01-count-absurd"))
    problems += _above_population(counts[counts["value"] <= ABSURD_COUNT])
    problems += _future_dates(obs, today)
    problems += _parts_above_wholes(obs)
    problems += _unknown_areas(obs, areas)
    return _capped(problems)


def _area_key(df: pd.DataFrame) -> pd.Series:
    level = df["geographic_level"]
    return df["new_la_code"].where(level == "Local authority",
                                   df["region_code"].where(level == "Regional", df["country_code"]))


def _above_population(counts: pd.DataFrame) -> list[Problem]:
    pop = counts[counts["measure"] == "population_0_17"]
    if pop.empty:
        return []
    pop = pop.assign(area=_area_key(pop))[["area", "time_period", "value"]]
    children = counts[~counts["measure"].isin(NOT_CHILDREN)]
    children = children.assign(area=_area_key(children))
    exact = pop.drop_duplicates(["area", "time_period"]).rename(columns={"value": "pop"})
    merged = children.merge(exact, on=["area", "time_period"], how="left")
    # a year without an estimate (the newest DfE year) is compared with the area's nearest year
    nearest = pop.sort_values("time_period").groupby("area").agg(pop_any=("value", "last"), year_any=("time_period", "last"))
    merged = merged.join(nearest, on="area")
    bound = merged["pop"].fillna(merged["pop_any"])
    bad = merged[bound.notna() & (merged["value"] > bound)]
    out = []
    for r, b, exact_pop in zip(bad.itertuples(index=False), bound[bad.index], bad["pop"]):
        tp = r.time_period if pd.notna(exact_pop) else r.year_any
        out.append(_problem(r, "value", _number(r.value), "P02-children-above-population",
                            year=f" mid-{int(tp) // 100}", pop=b))
    return out


def _future_dates(obs: pd.DataFrame, today: date) -> list[Problem]:
    limit = pd.Timestamp(today)
    out = []
    for col in ("period_start", "period_end"):
        late = obs[obs[col] > limit]
        if col == "period_start":
            late = late[~(late["period_end"] > limit)]  # one problem per row: the end is reported
        for r in late.itertuples(index=False):
            out.append(_problem(r, col, pd.Timestamp(getattr(r, col)).date().isoformat(), "P03-date-in-future",
                                today=today.isoformat()))
    return out


def _parts_above_wholes(obs: pd.DataFrame) -> list[Problem]:
    """A count in a breakdown above the breakdown's printed Total, or above the measure's total
    for the same period and area (e.g. CDOP deaths in one category above all deaths reviewed)."""
    counts = obs[(obs["unit"] == "count") & obs["value"].notna() & (obs["source"] != "dfe")]
    if counts.empty:
        return []
    when = ["source", "time_period", "time_identifier", "period_type", "period_end", "new_la_code", "measure"]
    parts = counts[~counts["breakdown_value"].isin(TOTAL_LABELS) & (counts["breakdown"] != "total")]
    totals_in = counts[(counts["breakdown_value"] == "Total") & (counts["breakdown"] != "total")]
    grand = counts[(counts["breakdown"] == "total")]
    out = []
    for wholes, keys, label in ((totals_in, when + ["breakdown"], "the printed total of this breakdown"),
                                (grand, when, "the total for the same period")):
        w = wholes.drop_duplicates(keys)[keys + ["value", "source_row", "source_file"]].rename(
            columns={"value": "whole", "source_row": "whole_row", "source_file": "whole_file"})
        m = parts.merge(w, on=keys, how="inner")
        for r in m[m["value"] > m["whole"]].itertuples(index=False):
            where = r.whole_row if r.whole_file == r.source_file else f"{r.whole_row} of {r.whole_file}"
            out.append(_problem(r, "value", _number(r.value), "P04-part-above-whole", whole_label=label,
                                whole=r.whole, whole_row=where))
    return out


def _unknown_areas(obs: pd.DataFrame, areas: pd.DataFrame) -> list[Problem]:
    """Local rows name an authority DfE knows, by its name and region in DfE's files."""
    if areas is None or areas.empty or "new_la_code" not in areas:
        return []  # the DfE files are missing or broken: reported on their own
    la = areas[areas["geographic_level"] == "Local authority"].drop_duplicates("new_la_code", keep="last")
    names = dict(zip(la["new_la_code"], la["la_name"]))
    regions = dict(zip(la["new_la_code"], la["region_code"]))
    local = obs[(obs["source"] != "dfe") & (obs["geographic_level"] == "Local authority")]
    out = []
    for r in local.drop_duplicates(["source_file", "new_la_code", "la_name", "region_code"]).itertuples(index=False):
        if r.new_la_code not in names:
            out.append(_problem(r, "new_la_code", r.new_la_code, "P05-la-code-unknown"))
            continue
        all_names = set(la.loc[la["new_la_code"] == r.new_la_code, "la_name"])
        if r.la_name not in all_names:
            out.append(_problem(r, "la_name", r.la_name, "P06-la-name-mismatch", expected=names[r.new_la_code]))
        if r.region_code and r.region_code != regions[r.new_la_code]:
            out.append(_problem(r, "region_code", r.region_code, "P07-region-mismatch", expected=regions[r.new_la_code]))
    return out
