"""Show a :class:`~analysis.report.model.ThemeResult` in a notebook, in plain English.

A theme notebook is a list of calls to these functions: no statistics, parsing or numbers.
Everything is emitted as HTML (headings, paragraphs, accessible figures, tables) so the
exported appendix reads the same as the notebook. In ``public`` disclosure mode every table goes
through disclosure control first (:func:`prepare_table`). In a table, text columns are
left-aligned and number columns right-aligned (:func:`table_html`), in JupyterLab (whose own
stylesheet right-aligns every cell) as in the exported appendix; each table has its title as
``<caption>``, scoped column and row headings, and sits in a focusable region that scrolls
sideways on its own (:func:`scroll_region`); the data behind a chart is collapsed under it.
"""

from __future__ import annotations

import html
import math
from typing import Iterable

import pandas as pd
from IPython.display import HTML, display

from ..formatting import fmt_number
from ..stats.disclosure import NOT_AVAILABLE, SMALL_COUNT_THRESHOLD, suppress_counts, suppress_derived
from .glossary import methods_used, page_text, terms_used
from .model import IN_BRIEF_END, Section, Table, ThemeResult
from .summary import publish_summary



# --- formatting (as DfE publishes) ---------------------------------------------------------
def format_cell(value, fmt: str) -> str:
    """Format one number as DfE publishes it, with the package's one rounding rule (half-up,
    :mod:`analysis.formatting`): counts and pounds whole with thousands separators, percentages,
    rates and hours to one decimal place, ratios to two; text as it is; missing as ``x``."""
    if isinstance(value, str):
        return value
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return NOT_AVAILABLE
    if fmt == "count":
        return fmt_number(value, 0)
    if fmt in ("percent", "rate", "hours"):
        return fmt_number(value, 1)
    if fmt == "gbp":
        return "£" + fmt_number(value, 0)
    if fmt == "ratio":
        return fmt_number(value, 2)
    return str(value)


def prepare_table(table: Table, disclosure: str) -> pd.DataFrame:
    """The table as display strings; in public mode with small counts suppressed as ``c``.

    Public mode: counts of people (``Table.suppressed_columns``; never counts of events) from 1
    to 5 are ``c`` and further cells are suppressed so that none can be recovered from a row or
    column total (:func:`analysis.stats.suppress_counts`); percentages and rates derived from a
    suppressed count are ``c`` too (``suppress_derived``).
    """
    df = table.frame.reset_index(drop=True).copy()
    if disclosure == "public" and table.suppressed_columns:
        df = _suppress(df, table)
    out = pd.DataFrame(index=df.index)
    for col, fmt in column_formats(table).items():
        out[col] = [format_cell(v, fmt) for v in df[col]]
    return out


def _suppress(df: pd.DataFrame, table: Table) -> pd.DataFrame:

    people = table.suppressed_columns
    counts = df[people].apply(pd.to_numeric, errors="coerce")
    total_row = None
    if table.total_row is not None:
        hits = df.index[df.iloc[:, 0].astype(str) == table.total_row]
        total_row = hits[0] if len(hits) else None
    shown = suppress_counts(counts, threshold=SMALL_COUNT_THRESHOLD, total_row=total_row,
                            implicit_totals=table.implicit_totals)
    out = df.astype(object)
    for col in people:
        # a symbol printed in the source ("x", "z") stays as printed
        out[col] = [orig if isinstance(orig, str) else new for orig, new in zip(df[col], shown[col])]
    for col, base in table.derived.items():
        if base not in people:  # derived from a count of events: nothing to protect
            continue
        values = pd.to_numeric(df[col], errors="coerce")
        hidden = suppress_derived(values, shown[base], decimals=6)
        out[col] = [orig if isinstance(orig, str) else (h if isinstance(h, str) else orig) for orig, h in zip(df[col], hidden)]
    return out


#: Formats whose cells are numbers (right-aligned, so digits line up); any other is text.
NUMBER_FORMATS = frozenset({"count", "percent", "rate", "hours", "gbp", "ratio"})


def column_formats(table: Table) -> dict[str, str]:
    """Each column's display format (a count column with no format is a count; else text)."""
    return {col: table.formats.get(col, "count" if col in table.count_columns else "text")
            for col in table.frame.columns}


#: Class of a cell that holds a count of events, not people (training events, panels held): the
#: page checker's public small-count rule does not apply to it (``pipeline.htmlcheck``).
NOT_PEOPLE_CLASS = "sg-not-count"


def _cell(tag: str, text: str, numeric: bool, scope: str = "", not_people: bool = False) -> str:
    # Inline alignment as well as the class: JupyterLab's own stylesheet right-aligns every cell,
    # and the exported appendix's right-aligns every cell but ``sg-text`` ones.
    align = "right" if numeric else "left"
    classes = ([] if numeric else ["sg-text"]) + ([NOT_PEOPLE_CLASS] if not_people else [])
    cls = f" class='{' '.join(classes)}'" if classes else ""
    return f"<{tag}{scope}{cls} style='text-align:{align}'>{html.escape(text)}</{tag}>"


def table_frame_html(df: pd.DataFrame, numeric: dict[str, bool], caption: str = "",
                     not_people: frozenset[str] = frozenset()) -> str:
    """A table of display strings as HTML: text columns left-aligned, number columns right-aligned
    (heading and cells alike), column headings marked as such for screen readers, and the first
    column's cells as row headings where they are labels (text, not numbers), so a screen reader
    says which row a figure is in. ``caption`` (the table's title) names the table."""
    head = "".join(_cell("th", str(col), numeric.get(col, False), " scope='col'") for col in df.columns)
    labelled = len(df.columns) > 1 and not numeric.get(df.columns[0], False)

    def row_html(row) -> str:
        cells = [_cell("th" if labelled and i == 0 else "td", str(v), numeric.get(col, False),
                       " scope='row'" if labelled and i == 0 else "", not_people=col in not_people)
                 for i, (col, v) in enumerate(zip(df.columns, row))]
        return "<tr>" + "".join(cells) + "</tr>"

    rows = "".join(row_html(row) for row in df.itertuples(index=False, name=None))
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return f"<table class='data-table'>{cap}<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def scroll_region(inner: str, label: str) -> str:
    """``inner`` (a table) in a region that scrolls sideways on its own when it is wider than the
    screen, so the page never does; it takes keyboard focus (arrow keys scroll it) and is named
    by ``label`` for screen readers."""
    return f"<div class='table-scroll' role='region' tabindex='0' aria-label='{html.escape(label)}'>{inner}</div>"


def table_html(table: Table, disclosure: str, *, show_source: bool = True) -> str:
    """A table block: the table with its title as caption (in a scroll region of its own), its
    source (unless ``show_source`` is False, for the data under a chart whose image already
    states the same source), notes and the symbols' legend."""
    df = prepare_table(table, disclosure)
    numeric = {col: fmt in NUMBER_FORMATS for col, fmt in column_formats(table).items()}
    events = frozenset(table.count_columns) - frozenset(table.suppressed_columns)
    body = scroll_region(table_frame_html(df, numeric, caption=table.title, not_people=events), table.title)
    notes = "".join(f"<p class='table-note'>{html.escape(n)}</p>" for n in table.notes)
    legend = ""
    if disclosure == "public" and table.count_columns:
        legend = "<p class='table-note'>c = suppressed to protect confidentiality (1 to 5, or could reveal one); x = not available; z = not applicable.</p>"
    source = f"<p class='table-source'>{html.escape(table.source)}</p>" if show_source and table.source else ""
    return f"<div class='table-block'>{body}{source}{notes}{legend}</div>"


# --- notebook display --------------------------------------------------------------------
def _p(texts: Iterable[str]) -> str:
    return "".join(f"<p>{html.escape(t)}</p>" for t in texts)


def _ul(texts: Iterable[str]) -> str:
    items = "".join(f"<li>{html.escape(t)}</li>" for t in texts)
    return f"<ul>{items}</ul>" if items else ""


def in_brief_html(sentences: Iterable[str], heading_id: str = "in-brief", heading: str = "In brief") -> str:
    """The "In brief" box: a labelled section with its heading and one paragraph per sentence."""
    return (f"<section class='in-brief' aria-labelledby='{html.escape(heading_id)}'>"
            f"<h2 id='{html.escape(heading_id)}'>{html.escape(heading)}</h2>{_p(sentences)}</section>")


def header(result: ThemeResult) -> None:
    """The appendix title, then directly under it the "In brief" box (the page's answer, first),
    then area, period, disclosure and one plain sentence on the period (the latest the data
    support for the area, or that a later one is in the data)."""
    note = f"<p class='period-note'>{html.escape(result.period_note)}</p>" if result.period_note else ""
    display(HTML(
        f"<h1>{html.escape(result.title)}</h1>" + in_brief_html(result.in_brief) + IN_BRIEF_END
        + f"<p class='lede'>{html.escape(result.area_name)} ({html.escape(result.area_code)}), "
        f"{html.escape(result.period.label)}. Disclosure: {html.escape(result.disclosure)}.</p>" + note
    ))


def glossary_html(result: ThemeResult) -> str:
    """The page's glossary (only the terms its own text uses, each defined once), then the note
    "How the figures were worked out": the only place the page names its methods and sources."""
    terms = terms_used(page_text(result))
    methods = methods_used(result.methods)
    parts = []
    if terms:
        items = "".join(f"<dt>{html.escape(t.term)}</dt><dd>{html.escape(t.definition)}</dd>" for t in terms)
        parts.append(f"<h2 id='glossary'>Glossary</h2><dl class='glossary'>{items}</dl>")
    if methods:
        items = "".join(f"<dt>{html.escape(m.name)}</dt><dd>{html.escape(m.what)}</dd>" for m in methods)
        parts.append(f"<h2 id='methods'>How the figures were worked out</h2><dl class='glossary'>{items}</dl>")
    return f"<div class='sg-glossary'>{''.join(parts)}</div>" if parts else ""


def glossary(result: ThemeResult) -> None:
    """Show the page's glossary (:func:`glossary_html`)."""
    display(HTML(glossary_html(result)))


def key_findings(result: ThemeResult) -> None:
    display(HTML("<h2 id='key-findings'>Key findings</h2>" + _ul(result.key_findings)))


def caveats(result: ThemeResult) -> None:
    display(HTML("<h2 id='caveats'>Caveats</h2>" + (_ul(result.caveats) or "<p>None for this period.</p>")))


def section(result: ThemeResult, key: str) -> None:
    """One section: heading, sentences, each chart with its data table, then other tables."""
    s: Section = result.section(key)
    parts = [f"<h2 id='{html.escape(s.key)}'>{html.escape(s.heading)}</h2>"]
    if s.unavailable:
        parts.append(f"<p class='unavailable'><strong>Not available:</strong> {html.escape(s.unavailable)}</p>")
    parts.append(_p(s.paragraphs))
    for chart, data in s.charts:
        parts.append(chart.to_html())
        # closed until asked for: the chart says it, the figures are one click away
        parts.append(f"<details class='chart-data'><summary>Data behind the chart: {html.escape(chart.title)}</summary>"
                     f"{table_html(data, result.disclosure, show_source=data.source != chart.source)}</details>")
    for t in s.tables:
        # secondary tables (the sentences above give their findings) are one click away too, so
        # the page reads in fewer screens without losing a figure; printed, they are open (house.css)
        parts.append(f"<details class='chart-data sg-more'><summary>Table: {html.escape(t.title)}</summary>"
                     f"{table_html(t, result.disclosure)}</details>")
    display(HTML("".join(parts)))


def show(result: ThemeResult) -> None:
    """Everything, in order (for exploring interactively)."""
    header(result)
    key_findings(result)
    caveats(result)
    glossary(result)
    for s in result.sections:
        section(result, s.key)
    publish(result)


def publish(result: ThemeResult) -> None:
    """Record the machine-readable summary in the notebook (read by the runner and tests)."""

    publish_summary(theme=result.theme, title=result.title, area_code=result.area_code, area_name=result.area_name,
                    period=result.period.label, in_brief=result.in_brief, key_findings=result.key_findings, key_figures=result.key_figures,
                    caveats=result.caveats, status=result.status)
