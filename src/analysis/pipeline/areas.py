"""The local authorities a run is for: ``--area`` codes (or ``all``) turned into :class:`Area`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..periods import Period
from .options import DEFAULT_AREA, RunError


@dataclass(frozen=True)
class Area:
    """A local authority to run for, and the period its appendices are for.

    ``period`` is ``--period`` or, without it, the latest period the data support for this area
    (:func:`analysis.processed.latest_period`); ``period_note`` says so in one plain sentence
    (or that a later period is in the data). Both are set by the runner once the data are loaded.
    """

    code: str
    name: str
    has_local_data: bool
    period: Period | None = None
    period_note: str = ""


def _codes_asked_for(codes: Sequence[str]) -> list[str]:
    """``--area`` values split at commas, in order, without repeats (the default area if none)."""
    wanted: list[str] = []
    for value in codes or [DEFAULT_AREA]:
        for part in str(value).split(","):
            part = part.strip()
            if part and part not in wanted:
                wanted.append(part)
    return wanted


def resolve_areas(codes: Sequence[str], dataset: Any, period: Period | None) -> list[Area]:
    """Turn ``--area`` values into :class:`Area` objects.

    ``codes`` may hold several codes, comma-separated lists, or ``all`` (every local authority
    with DfE data for the period's financial year; without a period, for DfE's latest year; every
    LA in the DfE files if that is unknown).
    ``dataset`` is an :class:`analysis.ingest.dataset.Dataset` (``local_authorities()``,
    ``area_name()``, ``has_local_data()``).
    """
    wanted = _codes_asked_for(codes)
    authorities = dataset.local_authorities()
    known = dict(zip(authorities["new_la_code"].astype(str), authorities["la_name"].astype(str)))
    if any(code.lower() == "all" for code in wanted):
        in_period = _authorities_with_data(dataset, period)
        wanted = [code for code in known if not in_period or code in in_period]
    unknown = [code for code in wanted if code not in known and not dataset.has_local_data(code)]
    if unknown:
        hints = [f"{code}: did you mean {' or '.join(close)}?" for code in unknown
                 if (close := _similar(dataset, code))]
        raise RunError(
            f"unknown area code(s): {', '.join(unknown)}. Use a local authority's new_la_code as in "
            "DfE's files (e.g. E10000031 for Warwickshire), several separated by spaces or commas, or 'all'"
            + "".join(f"\n  {hint}" for hint in hints)
        )
    return [
        Area(code, known.get(code) or dataset.area_name(code), bool(dataset.has_local_data(code)))
        for code in wanted
    ]


def _similar(dataset: Any, code: str) -> list[str]:
    """Close matches by code or name ("E08000026 Coventry"), where the dataset can say."""
    similar = getattr(dataset, "similar_areas", None)
    return list(similar(code)) if similar else []


def _authorities_with_data(dataset: Any, period: Period | None) -> set[str]:
    """LA codes with DfE observations in the period's financial year (without a period: in DfE's
    latest year with year-end figures); empty set if unknown."""
    if period is None:
        years = dataset.dfe_years() if hasattr(dataset, "dfe_years") else []
        if not years:
            return set()
        period = years[-1]
    if hasattr(dataset, "dfe_authorities"):
        return dataset.dfe_authorities(period)
    observations = getattr(dataset, "observations", None)
    needed = {"geographic_level", "new_la_code", "time_period"}
    if observations is None or not needed <= set(observations.columns):
        return set()
    in_year = observations[
        (observations["geographic_level"] == "Local authority")
        & (observations["time_period"].astype(str) == str(period.time_period))
    ]
    return set(in_year["new_la_code"].astype(str))
