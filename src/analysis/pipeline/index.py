"""The index page of one area and period: links to each appendix, key findings, run facts.

:class:`IndexPage` (with :class:`IndexTheme` per theme and :class:`IndexRun`) holds what the
page shows; :func:`render_index` renders ``templates/index_page.html.j2`` and checks the page
like an appendix. :func:`theme_entries`, :func:`counts_text` and :func:`inputs_text` build the
parts of a page from a run's results.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2

from ..periods import long_date
from ..report.summary import SummaryError, read_summary
from .export import HOUSE_CSS, INTERNAL_BANNER, INTERNAL_LABEL, TEMPLATE_DIR, ExportError, page_header
from .htmlcheck import check_html, marking_problems
from .options import NotebookResult

INDEX_TEMPLATE = "index_page.html.j2"
QUALITY_COLUMNS = ("severity", "title", "message", "source_tables")
NOT_CHECKED_NOTE = "The data-quality checks were not run."

_STATUS_TEXT = {
    "ok": "Produced",
    "no_local_data": "Not produced: no local data for this area",
    "earlier": "Not run this time: appendix of an earlier run",
}


@dataclass
class IndexTheme:
    """One theme's entry on the index page."""

    theme: str
    title: str
    status: str  # ok | failed | no_local_data | earlier (not run this time; appendix of an earlier run)
    href: str | None = None
    error: str = ""
    message: str = ""
    previous_run_date: str | None = None
    summary: Mapping[str, Any] | None = None
    pdf_href: str | None = None  # the print version, when the folder holds one

    def status_text(self) -> str:
        if self.status == "failed":
            return "Failed: previous appendix kept" if self.href else "Failed: no appendix"
        return _STATUS_TEXT.get(self.status, self.status)

    def as_context(self) -> dict[str, Any]:
        summary = self.summary or {}
        return {
            "theme": self.theme,
            "title": summary.get("title") or self.title,
            "status": self.status,
            "pdf_href": self.pdf_href,
            "status_text": self.status_text(),
            "href": self.href,
            "error": self.error,
            "message": self.message,
            "previous_run_date": self.previous_run_date,
            "summary_status": summary.get("status"),
            "summary_status_text": str(summary.get("status", "")).replace("_", " "),
            "in_brief": list(summary.get("in_brief") or summary.get("key_findings", [])[:3]),
            "key_findings": list(summary.get("key_findings", [])),
            "caveats": list(summary.get("caveats", [])),
        }


@dataclass
class IndexRun:
    """Run facts printed at the foot of the index page."""

    run_id: str
    started: dt.datetime
    finished: dt.datetime
    counts_text: str
    inputs_text: str
    manifest_href: str = "manifest.json"


@dataclass
class IndexPage:
    """Everything the index page of one area and period shows."""

    area_code: str
    area_name: str
    period: str
    run_date: dt.datetime
    disclosure: str
    themes: list[IndexTheme]
    run: IndexRun
    quality: list[Mapping[str, Any]] | None = None
    quality_note: str = NOT_CHECKED_NOTE
    extra: dict[str, Any] = field(default_factory=dict)
    #: one plain sentence on the period: the latest the data support for the area, or that a
    #: later period is in the data (:meth:`analysis.processed.AreaPeriods.statement`)
    period_note: str = ""


#: Short forms inside the data's identifiers, in words (``cp_rate_per_10k``: "child protection
#: rate per 10,000").
_IDENTIFIER_WORDS = {
    "cp": "child protection", "10k": "10,000", "lac": "looked-after children", "cin": "children in need",
    "cse": "child sexual exploitation", "excl": "excluding", "pct": "percent", "yrs": "years",
}
_IDENTIFIER_RE = re.compile(r"\b[A-Za-z0-9]+(?:_[A-Za-z0-9]+)+\b")
#: DfE's table codes in the data-quality messages ("DfE d5", "DfE LAIT"): the reader needs "DfE".
_DFE_TABLE_RE = re.compile(r"\s*\(DfE [A-Za-z0-9]+\)|(?<=DfE) [a-z][0-9]+\b|(?<=DfE) LAIT\b")


def plain_identifiers(text: str) -> str:
    """``text`` with the data's internal names in words: a measure or column name such as
    ``children_on_cp_plan (All)`` becomes "children on child protection plan", and DfE's table
    codes ("DfE d5", "(DfE LAIT)") are dropped, so the index page shows no code name."""
    def words(match: re.Match[str]) -> str:
        return " ".join(_IDENTIFIER_WORDS.get(part.lower(), part) for part in match.group(0).split("_"))

    text = re.sub(r"\b([A-Za-z0-9]+(?:_[A-Za-z0-9]+)+) \(All\)", r"\1", text)
    text = _IDENTIFIER_RE.sub(words, text)
    return _DFE_TABLE_RE.sub("", text)


def _date_and_time(moment: dt.datetime) -> str:
    return f"{long_date(moment)}, {moment:%H:%M:%S}"


def render_index(page: IndexPage, *, roots: Iterable[str] = ()) -> str:
    """The index page HTML, checked like an appendix (:class:`ExportError` if it fails)."""
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    quality = None
    if page.quality is not None:
        quality = [
            {column: plain_identifiers("" if row.get(column) is None else str(row.get(column)))
             for column in QUALITY_COLUMNS}
            for row in page.quality
        ]
    html = environment.get_template(INDEX_TEMPLATE).render(
        css=HOUSE_CSS.read_text(encoding="utf-8"),
        page=page_header(page.area_code, page.area_name, page.period, page.run_date, page.disclosure),
        themes=[theme.as_context() for theme in page.themes],
        quality=quality,
        quality_note=page.quality_note,
        period_note=page.period_note,
        run={
            "run_id": page.run.run_id,
            "started_text": _date_and_time(page.run.started),
            "finished_text": _date_and_time(page.run.finished),
            "counts_text": page.run.counts_text,
            "inputs_text": page.run.inputs_text,
            "manifest_href": page.run.manifest_href,
        },
    )
    problems = check_html(html, disclosure=page.disclosure, roots=roots)
    problems += marking_problems(html, disclosure=page.disclosure, label=INTERNAL_LABEL, banner=INTERNAL_BANNER)
    if problems:
        raise ExportError(f"index page of {page.area_code} {page.period}", problems)
    return html


# ----------------------------------------------------------------------------------------------
# The parts of an area's page, from the run's results


def _summary_in_place(final: Path, theme: str) -> dict[str, Any] | None:
    """The summary of the executed notebook already in ``final`` (an earlier run's), if any;
    :class:`SummaryError` if it cannot be read."""
    notebook = final / f"{theme}.ipynb"
    return read_summary(notebook) if notebook.exists() else None


def _last_good_date(previous_entry: Mapping[str, Any]) -> str | None:
    """The date of the earlier run whose appendix is still in place (from the previous manifest)."""
    when = previous_entry.get("last_good_at")
    if not when:
        return None
    with contextlib.suppress(ValueError):
        return long_date(dt.datetime.fromisoformat(when).astimezone())
    return None


def _sentence(text: str) -> str:
    return text + "." if text and not text.endswith(".") else text


def theme_entries(final: Path, results: list[NotebookResult], previous_manifest: Mapping[str, Any]) -> list[IndexTheme]:
    """One :class:`IndexTheme` per result; a theme whose appendix in ``final`` is an earlier
    run's shows that run's summary and date."""
    previous = {entry.get("theme"): entry for entry in previous_manifest.get("notebooks", [])}
    entries = []
    for result in results:
        html_exists = (final / f"{result.theme}.html").exists()
        summary = result.summary
        previous_date = None
        if (result.status != "ok" or result.carried_forward) and html_exists:
            with contextlib.suppress(SummaryError):  # then the entry shows this run's summary, if any
                summary = _summary_in_place(final, result.theme)
            previous_date = _last_good_date(previous.get(result.theme) or {})
        entries.append(IndexTheme(
            theme=result.theme,
            title=(summary or {}).get("title") or result.theme.replace("_", " ").capitalize(),
            status="earlier" if result.carried_forward else result.status,
            href=f"{result.theme}.html" if html_exists and result.status != "no_local_data" else None,
            error=_sentence(result.error),
            message=result.error if result.status == "no_local_data" else "",
            previous_run_date=previous_date,
            summary=summary,
            pdf_href=f"{result.theme}.pdf" if html_exists and (final / f"{result.theme}.pdf").exists() else None,
        ))
    return entries


def counts_text(results: list[NotebookResult]) -> str:
    """``2 exported, 1 failed, 0 not run (...)``, and the appendices kept from earlier runs."""
    this_run = [result for result in results if not result.carried_forward]
    exported = sum(result.status == "ok" for result in this_run)
    failed = sum(result.status == "failed" for result in this_run)
    not_run = sum(result.status == "no_local_data" for result in this_run)
    text = f"{exported} exported, {failed} failed, {not_run} not run (no local data for this area)"
    carried = len(results) - len(this_run)
    if carried:
        text += f"; {carried} appendix(es) from earlier runs of this period kept (not run this time)"
    return text


def inputs_text(inputs: list[dict[str, Any]]) -> str:
    """How many data files the run read (the notebooks are inputs too, but not data)."""
    data_files = sum(1 for entry in inputs if not entry["path"].endswith(".ipynb"))
    return f"{data_files} input files, validated; SHA-256 of each in the manifest"
