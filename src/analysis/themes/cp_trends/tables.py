"""The theme's tables: the data behind each chart and the tables under the sections.

Numbers stay numbers (:class:`~analysis.report.model.Table`); the display formats them and, in
public mode, suppresses the counts named in ``count_columns`` and what is derived from them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ...formatting import fmt_count, fmt_interval, fmt_rate
from ...report.charts import DFE_SOURCE
from ...report.model import Table
from ...report.words import BORDERLINE, decimals_to_tell_apart, limit_margin, printed_apart
from ...stats import compare_proportion_to_benchmark, wilson_ci
from ...stats.disclosure import NOT_AVAILABLE, SUPPRESSED
from ...ingest.neighbours import Neighbour
from ...periods import financial_year_label, fy_label, long_date, quarter_of, short_date
from ...report.words import join_words
from ..context import board_source
from .board_frames import IndicatorPanel, MixPanel, dfe_repeat_plans
from .frames import FunnelData, neighbour_rates
from .run import ThemeRun
from .long_plans import long_plans, table_cells
from .spec import LONG_PLANS, REPEAT_PLANS_DFE, Indicator
from .wording import LAIT_SOURCE, as_printed, combined_source, signal_words, significance_words, signed_count

#: Formats of the three columns of a rate with its interval.
RATE_WITH_INTERVAL = {"Rate per 10,000": "rate", "95% lower": "rate", "95% upper": "rate"}
NEIGHBOURS_SOURCE = DFE_SOURCE + "; DfE statistical neighbours"
#: "Applies to no one": DfE's symbol for a figure that does not exist (no DfE equivalent).
NOT_APPLICABLE = "z"


def _derived_from(count: str, *columns: str) -> dict[str, str]:
    """``{column: count}``: each column is derived from the count (suppressed with it)."""
    return {column: count for column in columns}


# --------------------------------------------------------------------------- 1. plans
def plans_table(run: ThemeRun, series: pd.DataFrame) -> Table:
    """The data behind the plans chart: counts, populations, rates and intervals at each date."""
    frame = pd.DataFrame({
        "Date": [short_date(when) for when in series["period_end"]],
        "Children on plans": series["count"],
        "From table": series["source_table"],
        "ONS population (mid-year)": [f"{fmt_count(population)} (mid-{year})" if not pd.isna(population) else NOT_AVAILABLE
                                      for population, year in zip(series["population"], series["population_year"])],
        "Rate per 10,000": series["rate"],
        "95% lower": series["lower"],
        "95% upper": series["upper"],
        "Rate printed by the board": [as_printed(rate) for rate in series["printed_rate"]],
        "Note": [_plans_row_note(row) for row in series.itertuples(index=False)],
    })
    return Table(
        title=f"Children on child protection plans, {run.name}", frame=frame,
        implicit_totals=False,
        source=combined_source(_plans_source(run, series), DFE_SOURCE),
        count_columns=["Children on plans"], people_columns=["Children on plans"],
        derived=_derived_from("Children on plans", "Rate per 10,000", "95% lower", "95% upper"),
        formats={**RATE_WITH_INTERVAL, "Rate printed by the board": "text", "From table": "text", "Note": "text",
                 "Date": "text", "ONS population (mid-year)": "text"},
        notes=["Rates: count ÷ ONS mid-year population aged 0–17 × 10,000 (the estimate DfE uses for the date); "
               "the 95% interval is the range the true rate probably lies in."],
    )


def _plans_source(run: ThemeRun, series: pd.DataFrame) -> str:
    """The board's table 3.1, naming the dates taken from another table (e.g. "31 March 2013: table 4.2")."""
    others = series[series["source_table"] != "3.1"]
    if others.empty:
        return board_source(run.ctx, "3.1")
    return board_source(run.ctx, "3.1") + " (" + "; ".join(
        f"{long_date(row.period_end)}: table {row.source_table}" for row in others.itertuples(index=False)) + ")"


def _plans_row_note(row) -> str:
    notes = []
    if "unvalidated" in str(row.flags):
        notes.append("not yet validated (report's footnote)")
    if row.other_table and not pd.isna(row.other_value):
        notes.append(f"table {row.other_table} prints {fmt_count(row.other_value)}")
    return "; ".join(notes)


def changes_table(run: ThemeRun, changes: pd.DataFrame) -> Table:
    """Each year's change in children on plans, with the rate-ratio test."""
    if changes.empty:
        frame = pd.DataFrame(columns=["From", "To"])
    else:
        no_test = [None] * len(changes)
        frame = pd.DataFrame({
            "From": [short_date(when) for when in changes["from"]],
            "To": [short_date(when) for when in changes["to"]],
            "Children at start": changes["old"],
            "Children at end": changes["new"],
            "Change (%)": changes["percent_change"],
            "Rate at start": changes.get("old_rate"),
            "Rate at end": changes.get("new_rate"),
            "Rate ratio": changes.get("rate_ratio"),
            "95% lower": changes.get("rr_lower"),
            "95% upper": changes.get("rr_upper"),
            "Significant": [significance_words(at_95, at_99_8).replace("statistically ", "") for at_95, at_99_8 in
                            zip(changes.get("significant_95", no_test), changes.get("significant_99_8", no_test))],
        })
    return Table(
        title="Change in children on plans over each year (and from the opening 31 March to the period end)",
        implicit_totals=False,
        frame=frame, source=combined_source(board_source(run.ctx, "3.1"), DFE_SOURCE),
        count_columns=["Children at start", "Children at end"],
        people_columns=["Children at start", "Children at end"],
        derived={"Change (%)": "Children at end", "Rate at start": "Children at start", "Rate at end": "Children at end"},
        formats={"Change (%)": "percent", "Rate at start": "rate", "Rate at end": "rate", "Rate ratio": "ratio",
                 "95% lower": "ratio", "95% upper": "ratio", "Significant": "text", "From": "text", "To": "text"},
        notes=["Change (%) is the change in the count. Significance: exact conditional test of the two rates "
               "(rate ratio = rate at end ÷ rate at start); a count of children on plans at a date is not strictly "
               "a count of independent events, so treat the test as a screen for more-than-routine change."],
    )


# --------------------------------------------------------------------------- 2. benchmarks
def verdict_cells(verdicts, lowers, uppers, benchmarks) -> list[str]:
    """Each verdict of an interval against a benchmark, for a table whose numbers print to one
    decimal place: where a bound prints the same as the benchmark, the cell shows both with the
    digits that tell them apart (the shared rule, :func:`analysis.report.words.decimals_to_tell_apart`)."""
    cells = []
    for verdict, lower, upper, benchmark in zip(verdicts, lowers, uppers, benchmarks):
        if verdict is None or (isinstance(verdict, float) and pd.isna(verdict)) or verdict == "":
            cells.append(NOT_AVAILABLE)
            continue
        close = [(name, bound) for name, bound in (("lower bound", lower), ("upper bound", upper))
                 if not (pd.isna(bound) or pd.isna(benchmark)) and fmt_rate(bound) == fmt_rate(benchmark)]
        if not close:
            cells.append(str(verdict))
            continue
        d = decimals_to_tell_apart([(bound, benchmark) for _, bound in close])
        detail = "; ".join(f"{name} {fmt_rate(bound, d)} against {fmt_rate(benchmark, d)}" for name, bound in close)
        cells.append(f"{verdict} ({detail}{'' if printed_apart(close[0][1], benchmark) else ': ' + BORDERLINE})")
    return cells


def benchmark_table(run: ThemeRun, bench: pd.DataFrame) -> Table:
    """The data behind the benchmark chart."""
    count = f"{run.name}: children on plans"
    rate = f"{run.name}: rate"
    region = run.region_name or "Region"
    frame = pd.DataFrame({
        "31 March": [short_date(when) for when in bench["period_end"]],
        count: bench["count"],
        rate: bench["rate"],
        "95% lower": bench["lower"],
        "95% upper": bench["upper"],
        "England": bench["england"],
        region: bench["region"],
        "Neighbours' average": bench["neighbours_mean"],
        "Neighbours (pooled)": bench["neighbours_pooled"],
        "Neighbours with a figure": [f"{int(n)} of {int(of)}" if of else NOT_AVAILABLE
                                     for n, of in zip(bench["neighbours_with_data"], bench["neighbours_listed"])],
        "Against England (95%)": verdict_cells(bench["vs_england_95"], bench["lower"], bench["upper"], bench["england"]),
        "Against neighbours (95%)": verdict_cells(bench["vs_neighbours_95"], bench["lower"], bench["upper"],
                                                  bench["neighbours_mean"]),
    })
    rate_columns = [rate, "95% lower", "95% upper", "England", region, "Neighbours' average", "Neighbours (pooled)"]
    return Table(
        title="Children on plans per 10,000 at 31 March: area, England, region and statistical neighbours",
        implicit_totals=False,
        frame=frame, source=NEIGHBOURS_SOURCE, count_columns=[count], people_columns=[count],
        derived=_derived_from(count, rate, "95% lower", "95% upper"),
        formats={**{c: "rate" for c in rate_columns}, "31 March": "text", "Against England (95%)": "text",
                 "Against neighbours (95%)": "text", "Neighbours with a figure": "text"},
        notes=["Rates: DfE count ÷ ONS mid-year population aged 0–17 × 10,000. England and regional counts are "
               "published rounded to the nearest 10. Verdicts: higher or lower only when the comparator's rate lies outside the area's 95% interval."]
        + neighbour_notes(bench),
    )


def neighbour_notes(bench: pd.DataFrame) -> list[str]:
    """One note per 31 March whose neighbours' average is over fewer than all the neighbours,
    naming those without a figure (an authority that did not exist that year, or whose figure DfE
    did not publish)."""
    notes = []
    for row in bench.itertuples(index=False):
        if row.neighbours_listed and row.neighbours_with_data < row.neighbours_listed:
            coverage = neighbour_coverage(row.neighbours_listed, row.neighbours_with_data,
                                          row.neighbours_without_data, row.period_end)
            notes.append(f"Neighbours at {long_date(row.period_end)}: {coverage}.")
    return notes


def board_vs_dfe_table(run: ThemeRun, both: pd.DataFrame) -> Table:
    """The board's count beside DfE's validated count at each 31 March both give."""
    frame = pd.DataFrame({
        "31 March": [short_date(when) for when in both["period_end"]],
        "Board's count": both["count_board"],
        "Board's table": both["source_table"],
        "DfE validated count": both["count_dfe"],
        "Board minus DfE": [signed_count(difference) for difference in both["difference"]],
        "Board's printed rate": [as_printed(rate) for rate in both["printed_rate"]],
        "DfE published rate": both["published_rate"],
        "Note": ["board marks it not yet validated" if "unvalidated" in str(flags) else "" for flags in both["flags"]],
    })
    return Table(
        title=f"The board's count of children on plans against DfE's validated return, {run.name}",
        frame=frame, source=combined_source(board_source(run.ctx, "3.1"), DFE_SOURCE),
        count_columns=["Board's count", "DfE validated count"],
        people_columns=["Board's count", "DfE validated count"],
        formats={"Board minus DfE": "text", "Board's printed rate": "text", "DfE published rate": "rate",
                 "31 March": "text", "Board's table": "text", "Note": "text"},
        notes=["Board minus DfE is a difference between two published totals, not a count of children, so it is "
               "shown (with its sign) in public mode too.",
               "The board's quarterly data is its own return; DfE's figure is the validated CIN census."],
    )


def neighbour_coverage(listed: int, with_data: int, without: list[Neighbour], when, *, why: bool = True) -> str:
    """Over how many neighbours an average is, naming those without a figure: "the mean is over 9 of
    10 neighbours; no figure in 2023/24 for Cumbria (…)" ("" when there are no neighbours)."""
    if not listed:
        return ""
    if with_data == listed:
        return f"the mean is over all {listed} neighbours in {financial_year_label(when)}"
    missing = neighbours_missing(without, when, why=why)
    if not with_data:
        return f"there is no mean: {missing}"
    return f"the mean is over {with_data} of {listed} neighbours; {missing}"


def neighbours_missing(without: list[Neighbour], when, *, why: bool = True) -> str:
    """"no figure in 2023/24 for Cumbria (DfE's figures end in 2022/23)": the neighbours without a
    figure in the year ending ``when``, each that did not exist as an authority then saying so
    (unless ``why`` is False, for a sentence that already sits in brackets)."""
    period = quarter_of(pd.Timestamp(when)).time_period
    names = []
    for n in without:
        if not why:
            names.append(n.name)
        elif n.first_year is not None and n.first_year > period:
            names.append(f"{n.name} (DfE's figures begin in {fy_label(n.first_year)})")
        elif n.last_year is not None and n.last_year < period:
            names.append(f"{n.name} (DfE's figures end in {fy_label(n.last_year)})")
        else:
            names.append(n.name)
    return f"no figure in {financial_year_label(when)} for {join_words(names)}"


def neighbours_table(run: ThemeRun, when) -> Table:
    """The area and every one of its statistical neighbours at one 31 March (a neighbour without a
    figure that year keeps its row, shown as not available, and is named in the notes)."""
    rates = neighbour_rates(run, when)
    neighbours = rates.iloc[1:]
    shown = set(neighbours.loc[neighbours["rate"].notna(), "code"])
    without = [n for n in run.neighbours_at(when) if n.code not in shown]
    notes = []
    if without:
        notes.append(f"The neighbours' average at {long_date(when)}: "
                     f"{neighbour_coverage(len(neighbours), len(neighbours) - len(without), without, when)}.")
    frame = pd.DataFrame({
        "Local authority": [name + (" (this area)" if k == 0 else "") for k, name in enumerate(rates["name"])],
        "Children on plans": rates["count"], "Children aged 0–17": rates["population"],
        "Rate per 10,000": rates["rate"], "95% lower": rates["lower"], "95% upper": rates["upper"],
    })
    return Table(
        title=f"{run.name} and its statistical neighbours at {long_date(when)}", frame=frame,
        implicit_totals=False,
        source=NEIGHBOURS_SOURCE, count_columns=["Children on plans"], people_columns=["Children on plans"],
        derived=_derived_from("Children on plans", "Rate per 10,000", "95% lower", "95% upper"),
        formats={"Children aged 0–17": "count", **RATE_WITH_INTERVAL, "Local authority": "text"},
        notes=notes,
    )


# --------------------------------------------------------------------------- 3. funnel
def funnel_table(run: ThemeRun, funnel: FunnelData) -> Table:
    """Where the area and its neighbours sit on the funnel (★ and N1, N2 … as on the chart)."""
    table = funnel.table
    listed = table[table["is_area"] | table["is_neighbour"]].copy()
    listed = pd.concat([listed[listed["is_area"]], listed[~listed["is_area"]].sort_values("rate", ascending=False)])
    marks = ["★" if is_area else f"N{k}"
             for is_area, k in zip(listed["is_area"], np.cumsum(~listed["is_area"].to_numpy()))]
    frame = pd.DataFrame({
        "On chart": marks,
        "Local authority": [name + (" (this area)" if is_area else "")
                            for name, is_area in zip(listed["name"], listed["is_area"])],
        "Children on plans": listed["count"].to_numpy(),
        "Children aged 0–17": listed["population"].to_numpy(),
        "Rate per 10,000": listed["rate"].to_numpy(),
        "99.8% lower limit": listed["lower_99_8"].to_numpy(),
        "99.8% upper limit": listed["upper_99_8"].to_numpy(),
        "Position": [position + limit_margin(rate, {"the 99.8% lower limit": lower, "the 99.8% upper limit": upper})
                     for position, rate, lower, upper in zip(listed["position"], listed["rate"], listed["lower_99_8"],
                                                             listed["upper_99_8"])],
    })
    if "od_position" in listed.columns:
        frame["Allowing for between-LA variation"] = listed["od_position"].to_numpy()
    return Table(
        title=f"Where {run.name} and its statistical neighbours sit on the funnel at {long_date(funnel.when)}",
        frame=frame, implicit_totals=False,
        source=DFE_SOURCE, count_columns=["Children on plans"], people_columns=["Children on plans"], derived={"Rate per 10,000": "Children on plans"},
        formats={"Children aged 0–17": "count", "Rate per 10,000": "rate", "99.8% lower limit": "rate",
                 "99.8% upper limit": "rate", "Position": "text", "Local authority": "text", "On chart": "text",
                 "Allowing for between-LA variation": "text"},
        notes=[f"Centre: England's rate {fmt_rate(funnel.england_rate)} per 10,000 (England's count ÷ population). "
               f"{len(table)} local authorities plotted."],
    )


# --------------------------------------------------------------------------- 4. districts
def districts_table(run: ThemeRun, wide: pd.DataFrame) -> Table:
    """Table 4.1 as printed."""
    frame = wide.map(as_printed)
    frame.columns = [short_date(when) for when in frame.columns]
    frame = frame.reset_index().rename(columns={"label": "District"})
    return Table(
        title=f"Children on plans per 10,000 by district, {run.name} (as printed)", frame=frame,
        source=board_source(run.ctx, "4.1"), formats={c: "text" for c in frame.columns},
        notes=["Rates as printed by the board (whole numbers, except one value printed to one decimal place)."],
    )


# --------------------------------------------------------------------------- 5. mix
def mix_shares_table(run: ThemeRun, mix_panels: list[MixPanel]) -> Table:
    """The data behind the mix chart: each group's share at each date (``c`` where hidden)."""
    rows = []
    for panel in mix_panels:
        shares = panel.shares
        for group in panel.groups.index:
            row = {"Breakdown": panel.spec.what.capitalize(), "Group": group}
            for when in shares.columns:
                row[short_date(when)] = SUPPRESSED if bool(panel.mask.at[group, when]) else shares.at[group, when]
            rows.append(row)
    frame = pd.DataFrame(rows)
    hidden = any(panel.hides_a_plotted_share for panel in mix_panels)
    return Table(
        title="Share of children on plans by category of abuse, age and gender (%)", frame=frame,
        source=board_source(run.ctx, "4.2"),
        formats={c: "percent" for c in frame.columns if c not in ("Breakdown", "Group")} | {"Breakdown": "text",
                                                                                             "Group": "text"},
        notes=["Share = group count ÷ table 4.2's total at the date × 100."]
        + (["c = share of a suppressed count (public mode)."] if hidden else []),
    )


def mix_count_table(run: ThemeRun, panel: MixPanel) -> Table:
    """Counts by group and date, with the table's total row. In public mode the suppression is
    applied here (the same mask as the shares and the chart), so the counts and the shares
    can never disagree about what is hidden."""
    label = panel.spec.column
    frame = panel.counts.astype(object).where(~panel.mask, SUPPRESSED)
    frame.columns = [short_date(when) for when in frame.columns]
    frame = frame.reset_index()
    frame = frame.rename(columns={frame.columns[0]: label})
    dates = [c for c in frame.columns if c != label]
    return Table(
        title=f"Children on plans by {panel.spec.what} (counts)", frame=frame, source=board_source(run.ctx, "4.2"),
        formats={label: "text"} | {c: "count" for c in dates}, total_row="Total",
        notes=(["c = suppressed to protect confidentiality (1 to 5, or a count that would reveal one); 0 is a true zero."]
               if panel.mask.to_numpy().any() else []),
    )


# --------------------------------------------------------------------------- 6. indicators
def indicators_table(run: ThemeRun, indicator_panels: list[IndicatorPanel]) -> Table:
    """The data behind the indicators' chart: every point with its average, usual range and signal."""
    rows = []
    for panel in indicator_panels:
        for point in panel.series.itertuples(index=False):
            rows.append({"Indicator": panel.indicator.label, "Point": point.point, "Value (%)": point.value,
                         "Mean (%)": getattr(point, "mean", np.nan), "Lower limit (%)": getattr(point, "lcl", np.nan),
                         "Upper limit (%)": getattr(point, "ucl", np.nan),
                         "Signal": signal_words(point.signal, point.variation) if point.signal else ""})
    return Table(
        title="Performance indicators: board values and the usual range", frame=pd.DataFrame(rows),
        source=board_source(run.ctx, "4.3"),
        formats={"Indicator": "text", "Point": "text", "Value (%)": "percent", "Mean (%)": "percent",
                 "Lower limit (%)": "percent", "Upper limit (%)": "percent", "Signal": "text"},
        notes=["The usual range is the average plus or minus 2.66 times the average change from one point to the next; "
               "a lower limit below 0% means the indicator cannot fall unusually low on this evidence."],
    )


def indicator_summary_row(run: ThemeRun, indicator: Indicator, series: pd.DataFrame | None,
                          dfe_area: pd.DataFrame, dfe_england: pd.DataFrame) -> dict[str, Any]:
    """One indicator's row of the summary table: the board's latest value and signals, DfE's figures."""
    row: dict[str, Any] = {"Indicator": indicator.label}
    if series is not None:
        last = series.iloc[-1]
        signals = series[series["signal"].fillna("") != ""]
        row["Latest board value (%)"] = float(last["value"])
        row["Board point"] = last["point"]
        row["Unusual points"] = ("; ".join(f"{point}: {signal_words(signal, variation)}" for point, signal, variation
                                        in zip(signals["point"], signals["signal"], signals["variation"].fillna("")))
                              if not signals.empty else "none")
    elif run.has_local:
        row["Latest board value (%)"] = np.nan
        row["Board point"] = NOT_AVAILABLE
        row["Unusual points"] = NOT_AVAILABLE
    area_column = f"DfE {run.name} (%)"
    if dfe_area.empty:
        row[area_column] = np.nan
        row["DfE England (%)"] = np.nan
        for column in ("DfE year", "DfE source", "DfE 95% interval", "Against England (95%)"):
            row[column] = NOT_AVAILABLE if indicator.dfe_measure else NOT_APPLICABLE
        return row
    latest = dfe_area.iloc[-1]
    england = dfe_england[dfe_england["period_end"] == latest["period_end"]]
    row[area_column] = float(latest["value"])
    row["DfE England (%)"] = float(england["value"].iloc[0]) if not england.empty else np.nan
    row["DfE year"] = financial_year_label(latest["period_end"])
    row["DfE source"] = indicator.dfe_source
    interval, verdict = "", ""
    if indicator.dfe_measure == REPEAT_PLANS_DFE:
        interval, verdict = _repeat_plans_interval(run, latest["period_end"], row["DfE England (%)"])
    elif indicator.dfe_measure == LONG_PLANS:  # its denominator worked out from DfE's rate (long_plans)
        interval, verdict = table_cells(long_plans(run, latest["period_end"]))
    row["DfE 95% interval"] = interval or NOT_AVAILABLE
    row["Against England (95%)"] = verdict or NOT_AVAILABLE
    return row


def _repeat_plans_interval(run: ThemeRun, when, england_percent) -> tuple[str, str]:
    """Wilson interval of DfE's repeat-plan percentage from its counts (D3), and the verdict
    against England ("" for each when not available)."""
    counts = dfe_repeat_plans(run, when)
    if counts is None:
        return "", ""
    repeats, starts = counts
    lower, upper = wilson_ci(repeats, starts, confidence=0.95)
    verdict = ""
    if england_percent is not None and not pd.isna(england_percent):
        verdict = compare_proportion_to_benchmark(repeats, starts, float(england_percent) / 100, confidence=0.95)
    return fmt_interval(lower * 100, upper * 100), verdict


def indicator_summary_table(run: ThemeRun, rows: list[dict[str, Any]]) -> Table:
    """The indicators' summary: latest board value, unusual points and DfE's validated figures."""
    if not run.has_local:  # no board columns and no board source: DfE's figures only
        return Table(
            title=f"Performance indicators: DfE's validated figures for {run.name}", frame=pd.DataFrame(rows),
            source=combined_source(DFE_SOURCE, LAIT_SOURCE),
            formats={"Indicator": "text", f"DfE {run.name} (%)": "percent", "DfE England (%)": "percent",
                     "DfE year": "text", "DfE source": "text", "DfE 95% interval": "text",
                     "Against England (95%)": "text"},
        )
    return Table(
        title="Performance indicators: latest board value, unusual points and DfE's validated figures",
        frame=pd.DataFrame(rows), source=combined_source(board_source(run.ctx, "4.3"), DFE_SOURCE, LAIT_SOURCE),
        formats={"Indicator": "text", "Latest board value (%)": "percent", "Board point": "text",
                 "Unusual points": "text", f"DfE {run.name} (%)": "percent", "DfE England (%)": "percent",
                 "DfE year": "text", "DfE source": "text", "DfE 95% interval": "text",
                 "Against England (95%)": "text"},
    )


# --------------------------------------------------------------------------- 7. context
def context_table(run: ThemeRun, frame: pd.DataFrame) -> Table:
    """The data behind the context chart."""
    looked_after = "Looked-after children"
    out = pd.DataFrame({
        "Date": [short_date(when) for when in frame["period_end"]],
        looked_after: frame["lac"],
        "Looked after per 10,000": frame["lac_rate"],
        "95% lower": frame["lac_lower"], "95% upper": frame["lac_upper"],
        "Open CIN (excl. looked after and plans)": frame["cin"],
        "Children on plans": frame["cp"],
        "The three groups added": frame["three_groups"],
    })
    return Table(
        title=f"Looked-after children and children in need, {run.name} (board, table 3.1)", frame=out,
        source=combined_source(board_source(run.ctx, "3.1"), DFE_SOURCE),
        count_columns=[looked_after, "Open CIN (excl. looked after and plans)", "Children on plans",
                       "The three groups added"],
        people_columns=[looked_after, "Open CIN (excl. looked after and plans)", "Children on plans",
                        "The three groups added"],
        derived=_derived_from(looked_after, "Looked after per 10,000", "95% lower", "95% upper"),
        formats={"Date": "text", "Looked after per 10,000": "rate", "95% lower": "rate", "95% upper": "rate"},
        notes=["'The three groups added' is for comparison with DfE's count of all children in need only: the board "
               "does not publish it and a child could in principle be counted in two groups."],
    )


def children_in_need_table(run: ThemeRun, in_need: pd.DataFrame, what: str = "Children in need") -> Table:
    """DfE's validated children in need (or ``what``) at each 31 March, against England."""
    count = f"{what} (DfE)"
    frame = pd.DataFrame({
        "31 March": [short_date(when) for when in in_need["period_end"]],
        count: in_need["count"], "Rate per 10,000": in_need["rate"], "95% lower": in_need["lower"],
        "95% upper": in_need["upper"], "England rate": in_need["england"],
        "Against England (95%)": verdict_cells(in_need["vs_england"], in_need["lower"], in_need["upper"],
                                               in_need["england"]),
    })
    return Table(
        title=f"{what} at 31 March, {run.name} and England (DfE validated)", frame=frame, source=DFE_SOURCE,
        implicit_totals=False,
        count_columns=[count], people_columns=[count],
        derived=_derived_from(count, "Rate per 10,000", "95% lower", "95% upper"),
        formats={"31 March": "text", **RATE_WITH_INTERVAL, "England rate": "rate", "Against England (95%)": "text"},
    )
