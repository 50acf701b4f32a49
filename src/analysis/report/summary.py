"""A theme notebook's machine-readable summary: what the index page shows about each appendix.

Every theme notebook ends with one call to :func:`publish_summary`. It displays a *raw* mime
bundle of the single type :data:`SUMMARY_MIMETYPE` (no ``text/plain``), so it is stored in the
executed notebook but renders as nothing in JupyterLab or in the HTML appendix. The runner
reads it back with :func:`read_summary` to build the index page (key findings, caveats,
status), and notebook tests use it to assert the figures a notebook computed.

Everything in the summary must be JSON: numpy / pandas scalars are converted, ``NaN`` and
``pd.NA`` become ``null``, dates become ISO strings. Nothing is rounded or suppressed here: the
notebook is responsible for applying the disclosure rules before it publishes a figure (in
``public`` mode, counts from 1 to 5 are shown as ``"c"``).
"""

from __future__ import annotations

import datetime as _dt
import decimal
import json
import math
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

#: The mime type of the summary bundle (vendor tree, JSON suffix: Jupyter stores it as JSON).
SUMMARY_MIMETYPE = "application/vnd.safeguarding.summary+json"

#: Version of the summary's shape; bump when keys change meaning.
SUMMARY_SCHEMA_VERSION = 1

#: Allowed ``status`` values.
#:
#: * ``ok`` – the theme ran on the data it needs;
#: * ``partial`` – it ran, but some of its tables or periods were missing (say which in caveats);
#: * ``no_local_data`` – the area has none of the local tables this theme needs: the appendix
#:   says so instead of failing;
#: * ``not_applicable`` – the theme does not apply to this area or period.
STATUSES = ("ok", "partial", "no_local_data", "not_applicable")

_REQUIRED_KEYS = (
    "theme",
    "title",
    "area_code",
    "area_name",
    "period",
    "key_findings",
    "key_figures",
    "caveats",
    "status",
)


class SummaryError(ValueError):
    """A summary that cannot be published or read back (message says which key and why)."""


def _json_safe(value: Any, where: str) -> Any:
    """Convert ``value`` to plain JSON types; raise :class:`SummaryError` naming ``where``."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else float(value)
    if isinstance(value, decimal.Decimal):
        return _json_safe(float(value), where)
    if isinstance(value, (_dt.datetime, _dt.date)):
        return value.isoformat()
    label = getattr(value, "label", None)  # analysis.periods.Period
    if isinstance(label, str) and type(value).__name__ == "Period":
        return label
    # numpy / pandas scalars and missing values; only looked at when those libraries are
    # already loaded (importing pandas costs a second in a fresh kernel)
    np = sys.modules.get("numpy")
    pd = sys.modules.get("pandas")
    if pd is not None and (value is pd.NA or value is pd.NaT):
        return None
    if np is not None and isinstance(value, np.generic):
        return _json_safe(value.item(), where)
    if pd is not None and isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, Mapping):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise SummaryError(f"{where}: key {k!r} is not a string (JSON objects need text keys)")
            out[k] = _json_safe(v, f"{where}[{k!r}]")
        return out
    if isinstance(value, Sequence) and not isinstance(value, (bytes, bytearray)):
        return [_json_safe(v, f"{where}[{i}]") for i, v in enumerate(value)]
    raise SummaryError(
        f"{where}: {type(value).__name__} value {value!r} cannot be stored as JSON; "
        "pass a number, text, date, list or dict"
    )


def make_summary(
    *,
    theme: str,
    title: str,
    area_code: str,
    area_name: str,
    period: Any,
    key_findings: Sequence[str],
    key_figures: Mapping[str, Any],
    caveats: Sequence[str],
    status: str = "ok",
    in_brief: Sequence[str] = (),
) -> dict[str, Any]:
    """Build and check the summary dict that :func:`publish_summary` displays.

    ``period`` is the period label (``"2017-18 Q4"``) or an :class:`analysis.periods.Period`.
    ``key_findings``, ``caveats`` and ``in_brief`` (the page's "In brief" box; optional, so a
    summary written before it existed still reads) are complete sentences for a board member.
    ``key_figures`` maps a short label to a value, or to ``{"value": ..., "unit": ...}`` where
    unit is one of the data dictionary's units (``count``, ``percent``, ``rate_per_10k``,
    ``gbp``, ``hours``, ``days``); a suppressed value is the string ``"c"``.
    """
    for name, val in (("theme", theme), ("title", title), ("area_code", area_code), ("area_name", area_name)):
        if not isinstance(val, str) or not val.strip():
            raise SummaryError(f"publish_summary: {name} must be non-empty text, got {val!r}")
    if status not in STATUSES:
        raise SummaryError(f"publish_summary: status {status!r} is not one of {', '.join(STATUSES)}")
    for name, seq in (("key_findings", key_findings), ("caveats", caveats), ("in_brief", in_brief)):
        if isinstance(seq, str) or not isinstance(seq, Sequence):
            raise SummaryError(f"publish_summary: {name} must be a list of sentences, got {type(seq).__name__}")
        for i, item in enumerate(seq):
            if not isinstance(item, str) or not item.strip():
                raise SummaryError(f"publish_summary: {name}[{i}] must be non-empty text, got {item!r}")
    if not isinstance(key_figures, Mapping):
        raise SummaryError(f"publish_summary: key_figures must be a dict, got {type(key_figures).__name__}")
    payload = {
        "schema_version": SUMMARY_SCHEMA_VERSION,
        "theme": theme,
        "title": title,
        "area_code": area_code,
        "area_name": area_name,
        "period": period,
        "in_brief": list(in_brief),
        "key_findings": list(key_findings),
        "key_figures": dict(key_figures),
        "caveats": list(caveats),
        "status": status,
    }
    safe = _json_safe(payload, "summary")
    if not isinstance(safe["period"], str):
        raise SummaryError(f"publish_summary: period must be a label such as '2017-18 Q4', got {period!r}")
    json.dumps(safe, allow_nan=False)  # proves it is strict JSON
    return safe


def publish_summary(
    *,
    theme: str,
    title: str,
    area_code: str,
    area_name: str,
    period: Any,
    key_findings: Sequence[str],
    key_figures: Mapping[str, Any],
    caveats: Sequence[str],
    status: str = "ok",
    in_brief: Sequence[str] = (),
) -> None:
    """Display the theme's summary as an invisible raw mime bundle (see module docstring).

    Returns ``None`` on purpose: a returned dict would be echoed as ``Out[]`` in the appendix.
    """
    from IPython.display import display

    payload = make_summary(
        theme=theme,
        title=title,
        area_code=area_code,
        area_name=area_name,
        period=period,
        key_findings=key_findings,
        key_figures=key_figures,
        caveats=caveats,
        status=status,
        in_brief=in_brief,
    )
    display({SUMMARY_MIMETYPE: payload}, raw=True)


def _load(notebook_or_path: Any) -> Mapping[str, Any]:
    if isinstance(notebook_or_path, (str, Path)):
        path = Path(notebook_or_path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise SummaryError(f"{path.name}: cannot read the executed notebook ({exc.strerror})") from exc
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise SummaryError(f"{path.name}: not a notebook (invalid JSON at line {exc.lineno})") from exc
    if isinstance(notebook_or_path, Mapping):
        return notebook_or_path
    raise SummaryError(f"read_summary: expected a notebook or a path, got {type(notebook_or_path).__name__}")


def summary_outputs(nb: Mapping[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    """``(cell index, summary)`` for every summary bundle in the notebook, in order."""
    found = []
    for index, cell in enumerate(nb.get("cells", [])):
        if cell.get("cell_type") != "code":
            continue
        for output in cell.get("outputs", []):
            data = output.get("data") or {}
            if SUMMARY_MIMETYPE in data:
                value = data[SUMMARY_MIMETYPE]
                if isinstance(value, str):  # some writers store JSON mime data as text
                    value = json.loads(value)
                found.append((index, dict(value)))
    return found


def read_summary(notebook_or_path: Any) -> dict[str, Any] | None:
    """The summary a notebook published, or ``None`` if it published none.

    Accepts a path to an executed ``.ipynb`` or a notebook object. If the notebook published
    more than one summary, the last one wins (a notebook re-run in JupyterLab can hold a stale
    one above). Raises :class:`SummaryError` when the summary lacks a required key.
    """
    nb = _load(notebook_or_path)
    found = summary_outputs(nb)
    if not found:
        return None
    index, summary = found[-1]
    missing = [k for k in _REQUIRED_KEYS if k not in summary]
    if missing:
        raise SummaryError(f"summary in cell {index + 1} lacks {', '.join(missing)}")
    return summary


def format_figure(value: Any) -> str:
    """Text for a key figure on the index page.

    ``value`` is a plain value or ``{"value": v, "unit": u}``; counts get thousands separators,
    percentages a ``%``, rates "per 10,000", money a ``£``; ``None`` is shown as ``x`` (not
    available, GSS symbol) and text (e.g. ``"c"``) as it is.
    """
    unit = None
    if isinstance(value, Mapping):
        unit = value.get("unit")
        value = value.get("value")
    if value is None:
        return "x"
    if isinstance(value, bool) or isinstance(value, str):
        return str(value)
    if isinstance(value, (int, float)):
        if isinstance(value, float) and value.is_integer() and unit in (None, "count"):
            value = int(value)
        if isinstance(value, int):
            number = f"{value:,}"
        elif unit == "gbp":
            number = f"{value:,.2f}"
        else:  # percentages and rates are published to one decimal place
            number = f"{value:,.1f}"
        if unit == "percent":
            return f"{number}%"
        if unit == "rate_per_10k":
            return f"{number} per 10,000"
        if unit == "gbp":
            return f"£{number}"
        if unit in ("hours", "days"):
            return f"{number} {unit}"
        return number
    return str(value)
