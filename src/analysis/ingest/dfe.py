"""Adapters from DfE / ONS open-data files (``data/raw/dfe``) to the tidy observation format.

Each adapter reads one published file as it is and returns tidy observations with the same
columns as the board's own data, so every theme filters one frame instead of knowing a file's
layout. Measure names match the board's where the definition is the same (e.g.
``children_on_cp_plan`` at 31 March), which is what lets the data-quality checks compare the
board's unvalidated figure with the validated return.

Period conventions: DfE's children-in-need ``time_period`` 2018 is the year ending 31 March
2018, i.e. financial year 2017-18 (``time_period`` 201718 here); a count "at 31 March" is a
``snapshot``; activity "during the year" is a ``financial_year``. ONS mid-year estimates are
snapshots at 30 June of their year. DfE computes a rate at 31 March 2018 with the mid-2017
estimate (the mid-year within that financial year) and so does :func:`population_for`.

GSS symbols in the published files (``c``, ``x``, ``z``, ``low``, ``u``, and LAIT's ``-``) become
a blank value with that symbol in ``status`` (LAIT's ``-`` -> ``x``), never zero.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from ..periods import financial_year_of
from .schema import DataValidationError, Problem, ValidationReport

DFE_DIR = "dfe"
SOURCE = "dfe"

FILES = {
    "d5": "d5_cpps_at31march_by_duration_2013_to_2025.csv",
    "d3": "d3_cpps_subsequent_plan_2013_to_2025.csv",
    "c1": "c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv",
    "b1": "b1_children_in_need_2013_to_2025.csv",
    "cla": "cla_number_and_rate_per_10k_children.csv",
    "pop": "ons_mid-year_population_estimates_2012_to_2024.csv",
    "eth_la": "ons-ethnic-population-la.csv",
    "eth_nat": "ons-ethnic-population-nat.csv",
    "sn": "New_Statistical_Neighbour_Groupings_April_2021.csv",
    "lait": "lait_bds_long.parquet",
    "lait_dict": "lait_data_dictionary.csv",
}

#: Census files' columns: area code, area name, ethnic group, count (as ONS publishes them)
ETHNICITY_COLUMNS = {
    "eth_la": ("2023 Upper tier local authorities Code", "2023 Upper tier local authorities", "Ethnic group (20 categories)", "Observation"),
    "eth_nat": ("Countries Code", "Countries", "Ethnic group (20 categories)", "Observation"),
}
#: Files the themes read themselves (not through the tidy frame): checked here, before any run.
READ_BY_THEMES = {
    "sn": ["LA num", "LA Name"] + [f"SN{i}" for i in range(1, 11)],
    "lait_dict": ["Measure_short", "Table_status", "Next Update"],
}

_GEO_COLS = ["geographic_level", "country_code", "region_code", "new_la_code", "la_name"]

#: (file key, source column, measure, unit, period_type, breakdown, breakdown_value, extra filter)
_WIDE_SPECS: list[tuple] = [
    ("d5", "CPP_At31", "children_on_cp_plan", "count", "snapshot", "total", "All", None),
    ("d5", "2_years_or_more", "children_on_cp_plan", "count", "snapshot", "plan_length", "2 years or more", None),
    ("d5", "2_years_or_more_percent", "children_on_cp_plan_share", "percent", "snapshot", "plan_length", "2 years or more", None),
    ("d5", "3_months_or_less", "children_on_cp_plan", "count", "snapshot", "plan_length", "3 months or less", None),
    ("d3", "CPP_start", "cp_plan_starts", "count", "financial_year", "total", "All", None),
    ("d3", "CPP_subsequent", "cp_plan_starts_subsequent", "count", "financial_year", "total", "All", None),
    ("d3", "CPP_subsequent_percent", "cp_repeat_plans_percent", "percent", "financial_year", "total", "All", None),
    ("c1", "referral_count", "referrals", "count", "financial_year", "total", "All", None),
    ("c1", "rereferral_percent", "rereferrals_percent", "percent", "financial_year", "total", "All", None),
    ("b1", "At31_episodes", "children_in_need", "count", "snapshot", "total", "All", None),
    ("cla", "children_count", "looked_after_children", "count", "snapshot", "total", "All",
     ("population_type", "Children looked after on 31 March each year")),
    ("cla", "rate_per_10000", "looked_after_children_rate_per_10k", "rate_per_10k", "snapshot", "total", "All",
     ("population_type", "Children looked after on 31 March each year")),
    ("pop", "population_estimate", "population_0_17", "count", "snapshot", "total", "All", None),
]

#: LAIT indicators used (Short Desc -> measure, unit, period_type).
_LAIT_SPECS = {
    "CPP_rate": ("cp_rate_per_10k", "rate_per_10k", "snapshot"),
    "CPPlans2yrs": ("cp_ceased_2yrs_plus_percent", "percent", "financial_year"),
    # the count behind CPPlans2yrs, and the rate of plans ceased per 10,000 children: with the
    # ONS population the rate gives the number of plans ceased, the share's denominator
    "CPRDuration": ("cp_ceased_2yrs_plus", "count", "financial_year"),
    "DeRegCPR": ("cp_ceased_rate_per_10k", "rate_per_10k", "financial_year"),
    "PrevRegCPR": ("cp_repeat_plans_percent_lait", "percent", "financial_year"),
    "PreChildDea": ("cdop_reviews_modifiable_factors", "count", "financial_year"),
}

_SYMBOLS = {"c": "c", "x": "x", "z": "z", "low": "low", "u": "u", "k": "low", "-": "x", "": "x", "..": "x", ":": "x"}


def _read_csv(path: Path, report: ValidationReport, required: list[str]) -> pd.DataFrame | None:
    name = f"{DFE_DIR}/{path.name}"
    report.files_checked.append(name)
    if not path.exists():
        report.problems.append(Problem(name, None, None, None, "D00-missing-file", "benchmark file is missing from data/raw/dfe (see data/raw/dfe/SOURCE.md)"))
        return None
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False, encoding="utf-8-sig")
    except (OSError, ValueError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        # an empty, folder, non-UTF-8 or malformed file: a problem naming it, never a traceback
        report.problems.append(Problem(name, None, None, None, "D04-unreadable", f"the file cannot be read as CSV ({type(exc).__name__}: {str(exc).splitlines()[0][:160]})"))
        return None
    if df.empty:
        report.problems.append(Problem(name, None, None, None, "F06-empty", "the file has a header but no rows"))
        return None
    df.columns = [str(c).strip() for c in df.columns]
    missing = [c for c in required if c not in df.columns]
    for c in missing:
        report.problems.append(Problem(name, None, c, None, "D01-columns", f"required column '{c}' is missing from the published file"))
    return None if missing else df


def _values(raw: pd.Series, name: str, column: str, report: ValidationReport) -> tuple[pd.Series, pd.Series]:
    """Published text -> (float value, GSS status). Unknown text is a validation problem."""
    text = raw.str.strip()
    num = pd.to_numeric(text, errors="coerce")
    status = text.str.lower().map(_SYMBOLS).fillna("")
    bad = num.isna() & status.eq("")
    for idx in bad[bad].index[:20]:
        report.problems.append(Problem(name, int(idx) + 1, column, raw.loc[idx], "D02-value", "must be a number or a GSS symbol (c, x, z, low, u)"))
    return num.astype("float64"), status.where(num.isna(), "")


def _fy_from_year_end(year: pd.Series) -> tuple[pd.Series, pd.Series]:
    """DfE 'Reporting year' 2018 -> (time_period 201718, 31 March 2018)."""
    y = year.astype(int)
    return (y - 1) * 100 + y % 100, pd.to_datetime(y.astype(str) + "-03-31")


def _tidy(base: pd.DataFrame, name: str, **cols) -> pd.DataFrame:
    """Tidy columns for the rows of ``base`` (a published file's frame), with provenance."""
    cols = {"flags": "", "note": "", **cols, "source": SOURCE, "source_file": name,
            "source_row": (base.index.to_series() + 1).astype("int64")}
    out = pd.DataFrame(index=base.index)
    for c, v in cols.items():
        out[c] = v
    return out


def _wide(df: pd.DataFrame, key: str, spec: tuple, report: ValidationReport) -> pd.DataFrame:
    _, col, measure, unit, ptype, bd, bdv, filt = spec
    name = f"{DFE_DIR}/{FILES[key]}"
    d = df
    if filt is not None:
        d = d[d[filt[0]] == filt[1]]
    value, status = _values(d[col], name, col, report)
    if key == "pop":  # ONS mid-year estimate: snapshot at 30 June of time_period
        y = d["time_period"].astype(int)
        end = pd.to_datetime(y.astype(str) + "-06-30")
        tp = y * 100 + (y + 1) % 100
        ti = "Q1"
    else:
        tp, end = _fy_from_year_end(d["time_period"])
        ti = "Q4" if ptype == "snapshot" else "Annual"
    start = end if ptype == "snapshot" else pd.to_datetime((tp // 100).astype(str) + "-04-01")
    return _tidy(
        d,
        name,
        time_period=tp.astype("int64"),
        time_identifier=ti,
        period_type=ptype,
        period_start=start,
        period_end=end,
        geographic_level=d["geographic_level"],
        country_code=d["country_code"],
        region_code=d["region_code"],
        new_la_code=d["new_la_code"],
        la_name=d["la_name"],
        source_table=f"DfE {key}",
        measure=measure,
        breakdown=bd,
        breakdown_value=bdv,
        value=value,
        unit=unit,
        status=status,
    )


def _area_lookup(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Every area named in the DfE files: old and new codes, names, region."""
    rows = []
    for d in frames:
        cols = [c for c in ["geographic_level", "country_code", "region_code", "region_name", "old_la_code", "new_la_code", "la_name"] if c in d.columns]
        rows.append(d[cols])
    areas = pd.concat(rows).drop_duplicates()
    return areas


def load_lait(raw_dir: Path, areas: pd.DataFrame, report: ValidationReport,
              code_years: pd.DataFrame | None = None) -> pd.DataFrame:
    """LAIT indicators, mapped to GSS codes through the LA numbers in the DfE files.

    An LA number that has had several codes (North Yorkshire, 815: E10000023 to 2022-23, then
    E06000065) is mapped year by year to the code it has in that year's rows of the other DfE
    files (``code_years``: their ``new_la_code`` and ``time_period``)."""
    path = Path(raw_dir) / DFE_DIR / FILES["lait"]
    name = f"{DFE_DIR}/{FILES['lait']}"
    report.files_checked.append(name)
    if not path.exists():
        report.problems.append(Problem(name, None, None, None, "D00-missing-file", "LAIT file is missing from data/raw/dfe"))
        return pd.DataFrame()
    try:
        lait = pd.read_parquet(path)
    except Exception as exc:  # noqa: BLE001 - pyarrow raises many types for a damaged file
        report.problems.append(Problem(name, None, None, None, "D04-unreadable", f"the parquet file cannot be read ({type(exc).__name__})"))
        return pd.DataFrame()
    missing = [c for c in ("Short Desc", "LA Number", "LA and Regions", "Years", "Values") if c not in lait.columns]
    for c in missing:
        report.problems.append(Problem(name, None, c, None, "D01-columns", f"required column '{c}' is missing from the published file"))
    if missing:
        return pd.DataFrame()
    lait = lait[lait["Short Desc"].isin(list(_LAIT_SPECS))].copy()
    la = areas[areas["geographic_level"] == "Local authority"].drop_duplicates("old_la_code")
    la = la.assign(old=pd.to_numeric(la["old_la_code"], errors="coerce"))
    by_old = la.set_index("old")
    reg = areas[areas["geographic_level"] == "Regional"].drop_duplicates("region_name").set_index("region_name")
    num = lait["LA Number"]
    is_la = num.notna() & num.isin(by_old.index)
    is_eng = lait["LA and Regions"].eq("England")
    is_reg = lait["LA and Regions"].isin(reg.index) & ~is_la
    lait = lait[is_la | is_eng | is_reg]
    is_la, is_eng, is_reg = is_la[lait.index], is_eng[lait.index], is_reg[lait.index]
    geo = pd.DataFrame(index=lait.index, columns=_GEO_COLS, dtype=object).fillna("")
    geo["country_code"] = "E92000001"
    geo.loc[is_eng, "geographic_level"] = "National"
    geo.loc[is_reg, "geographic_level"] = "Regional"
    geo.loc[is_reg, "region_code"] = lait.loc[is_reg, "LA and Regions"].map(reg["region_code"])
    geo.loc[is_la, "geographic_level"] = "Local authority"
    for c in ["region_code", "new_la_code", "la_name"]:
        geo.loc[is_la, c] = lait.loc[is_la, "LA Number"].map(by_old[c])
    if code_years is not None:
        _codes_by_year(lait, geo, is_la, areas, code_years)
    value, status = _values(lait["Values"].astype(str), name, "Values", report)
    spec = lait["Short Desc"].map(_LAIT_SPECS)
    ptype = spec.str[2]
    year = pd.to_numeric(lait["Years"].str[:4], errors="coerce")
    bad_year = year.isna()
    for idx in bad_year[bad_year].index[:5]:
        report.problems.append(Problem(name, int(idx) + 1, "Years", lait.loc[idx, "Years"], "D03-year", "LAIT year must start with a four-digit year"))
    lait, geo, value, status, ptype, spec, year = (x[~bad_year] for x in (lait, geo, value, status, ptype, spec, year))
    y = year.astype(int)
    end = pd.to_datetime(y.astype(str) + "-03-31")
    tp = (y - 1) * 100 + y % 100
    start = end.where(ptype.eq("snapshot"), pd.to_datetime((y - 1).astype(str) + "-04-01"))
    return _tidy(
        lait,
        name,
        time_period=tp.astype("int64"),
        time_identifier=np.where(ptype.eq("snapshot"), "Q4", "Annual"),
        period_type=ptype,
        period_start=start,
        period_end=end,
        **{c: geo[c].astype(str) for c in _GEO_COLS},
        source_table="DfE LAIT",
        measure=spec.str[0],
        breakdown="total",
        breakdown_value="All",
        value=value,
        unit=spec.str[1],
        status=status,
    )


def _codes_by_year(lait: pd.DataFrame, geo: pd.DataFrame, is_la: pd.Series, areas: pd.DataFrame,
                   code_years: pd.DataFrame) -> None:
    """Re-map the LAIT rows of LA numbers with several codes to the code of their year (in place)."""
    la = areas[areas["geographic_level"] == "Local authority"]
    la = la.assign(old=pd.to_numeric(la["old_la_code"], errors="coerce"))
    several = la.groupby("old")["new_la_code"].nunique()
    present = set(zip(code_years["new_la_code"], code_years["time_period"].astype(int)))
    year = pd.to_numeric(lait["Years"].str[:4], errors="coerce")
    for number in several[several > 1].index:
        rows = la[la["old"] == number].drop_duplicates("new_la_code")
        mask = is_la & lait["LA Number"].eq(number) & year.notna()
        for idx in mask[mask].index:
            y = int(year[idx])
            tp = (y - 1) * 100 + y % 100
            match = rows[[(code, tp) in present for code in rows["new_la_code"]]]
            if not match.empty:
                for c in ["region_code", "new_la_code", "la_name"]:
                    geo.loc[idx, c] = match[c].iloc[0]


def load_census_ethnicity(raw_dir: Path, report: ValidationReport) -> pd.DataFrame:
    """Census 2021 usual residents (all ages) by ethnic group (20 categories), LA and England."""
    out = []
    for key, level in (("eth_la", "Local authority"), ("eth_nat", "National")):
        path = Path(raw_dir) / DFE_DIR / FILES[key]
        name = f"{DFE_DIR}/{FILES[key]}"
        d = _read_csv(path, report, list(ETHNICITY_COLUMNS[key]))
        if d is None:
            continue
        code_col, name_col, grp = ETHNICITY_COLUMNS[key][:3]
        d = d[d[grp] != "Does not apply"]
        value, status = _values(d["Observation"], name, "Observation", report)
        out.append(
            _tidy(
                d,
                name,
                time_period=202122,
                time_identifier="Q1",
                period_type="snapshot",
                period_start=pd.Timestamp("2021-03-21"),
                period_end=pd.Timestamp("2021-03-21"),
                geographic_level=level,
                # the national file holds England (E92000001) and Wales (W92000004): keep each row's own country
                country_code=d[code_col] if level == "National" else d[code_col].str[0].map({"E": "E92000001", "W": "W92000004"}),
                region_code="",
                new_la_code=d[code_col] if level == "Local authority" else "",
                la_name=d[name_col] if level == "Local authority" else "",
                source_table="ONS Census 2021",
                measure="census_population_all_ages",
                breakdown="ethnic_group",
                breakdown_value=d[grp],
                value=value,
                unit="count",
                status=status,
            )
        )
    return pd.concat(out, ignore_index=True) if out else pd.DataFrame()


def load_dfe(raw_dir: Path, *, strict: bool = True) -> tuple[pd.DataFrame, pd.DataFrame, ValidationReport]:
    """All DfE/ONS observations as one tidy frame, the area lookup, and the validation report."""
    raw_dir = Path(raw_dir)
    report = ValidationReport()
    frames: dict[str, pd.DataFrame] = {}
    required = ["time_period", "geographic_level", "country_code", "region_code", "new_la_code", "la_name"]
    for key in ("d5", "d3", "c1", "b1", "cla", "pop"):
        cols = required + [s[1] for s in _WIDE_SPECS if s[0] == key]
        d = _read_csv(raw_dir / DFE_DIR / FILES[key], report, cols)
        if d is not None:
            frames[key] = d
    tidy = [_wide(frames[s[0]], s[0], s, report) for s in _WIDE_SPECS if s[0] in frames]
    areas = _area_lookup(list(frames.values())) if frames else pd.DataFrame(columns=["geographic_level", "new_la_code", "la_name", "old_la_code", "region_code", "region_name"])
    if not areas.empty:
        # the children-in-need files and ONS carry the code of each year (the looked-after children file
        # restates its series under today's codes, e.g. North Yorkshire's E06000065 back to 2020-21)
        code_years = [t[["new_la_code", "time_period"]] for t in tidy if not t.empty and t["source_table"].iloc[0] != "DfE cla"]
        tidy.append(load_lait(raw_dir, areas, report, pd.concat(code_years) if code_years else None))
    tidy.append(load_census_ethnicity(raw_dir, report))
    for key, cols in READ_BY_THEMES.items():  # read later by the themes: a fault must stop the run now
        _read_csv(raw_dir / DFE_DIR / FILES[key], report, cols)
    obs = pd.concat([t for t in tidy if not t.empty], ignore_index=True) if tidy else pd.DataFrame()
    if strict and not report.ok:
        raise DataValidationError(report)
    return obs, areas, report


def population_for(period_end: date | pd.Timestamp) -> int:
    """Year of the ONS mid-year estimate DfE uses for a 31 March (or any) date.

    DfE rates at 31 March 2018 use the mid-2017 estimate: the estimate at 30 June within the
    same financial year. For a date d that is the 30 June of year(d) if d is on or after 1 April,
    else of year(d) − 1.
    """
    return financial_year_of(pd.Timestamp(period_end))
