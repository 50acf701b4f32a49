"""DQ05: the board's figure differs from DfE's validated return for the same date (information)."""

from __future__ import annotations

from ...ingest.dfe import SOURCE as DFE_SOURCE
from ..registry import CheckInput, Finding, Rule, register
from .helpers import fmt_figure, iso_date, period_label, references_of, row_locator

CODE = "DQ05"
TITLE = "Board figure differs from the validated DfE return"
SEVERITY = "info"
DESCRIPTION = ("The board's quarterly dataset is not validated; DfE's published return is. Where both give "
               "a figure for the same date, a difference is shown (beyond rounding of the printed figure).")

#: Measure pairs (board measure, DfE measure) meaning the same thing; matched on date and breakdown.
BOARD_VS_DFE = [
    ("children_on_cp_plan", "children_on_cp_plan"),
    ("referrals", "referrals"),
    ("cp_repeat_plans_percent", "cp_repeat_plans_percent"),
    ("cp_ceased_2yrs_plus_percent", "cp_ceased_2yrs_plus_percent"),
    ("cp_rate_per_10k", "cp_rate_per_10k"),
    ("looked_after_children", "looked_after_children"),
]

#: How far a printed figure of each unit may be from the exact one by rounding (counts: not at all).
ROUNDING = {"percent": 0.05, "rate_per_10k": 0.5}

MATCH_KEYS = ["new_la_code", "period_type", "period_end", "breakdown", "breakdown_value"]


def check(data: CheckInput) -> list[Finding]:
    board = data.board
    national = data.observations[data.observations["source"] == DFE_SOURCE]
    findings = []
    for board_measure, dfe_measure in BOARD_VS_DFE:
        board_rows = board[(board["measure"] == board_measure) & board["value"].notna() & (board["breakdown"] == "total")]
        dfe_rows = national[(national["measure"] == dfe_measure) & national["value"].notna()]
        if board_rows.empty or dfe_rows.empty:
            continue
        dfe_columns = MATCH_KEYS + ["value", "source_table", "source_file", "source_row"]
        matched = board_rows.merge(dfe_rows[dfe_columns], on=MATCH_KEYS, suffixes=("", "_dfe"))
        tolerance = matched["unit"].map(ROUNDING).fillna(0)
        matched = matched[(matched["value"] - matched["value_dfe"]).abs() > tolerance + 1e-9]
        # one finding per area, date and board value, naming every board table that prints it
        for (_, _, value, _), same in matched.groupby(["period_end", "new_la_code", "value", "value_dfe"], sort=True):
            first = same.iloc[0]
            names = sorted(same["source_table"].unique())
            tables = ", ".join(names)
            said = f"table {names[0]} gives" if len(names) == 1 else f"tables {' and '.join(names)} give"
            when = period_label(first.time_period, first.time_identifier, first.period_type, first.period_end)
            unvalidated = same["flags"].str.contains("unvalidated").any()
            flag = " (the board marks its figure as not yet validated)" if unvalidated else ""
            findings.append(RULE.finding(
                f"{board_measure} {when}: the board's {said} {fmt_figure(value)}{flag}; "
                f"the validated DfE return ({first.source_table_dfe}) gives {fmt_figure(first.value_dfe)}.",
                f"{tables}, {first.source_table_dfe}", board_measure, when,
                f"board={fmt_figure(value)}; dfe={fmt_figure(first.value_dfe)}",
                period_end=iso_date(first.period_end), area_code=first.new_la_code,
                source_rows=row_locator(references_of(same) + references_of(same, "_dfe")),
            ))
    return findings


RULE: Rule = register(Rule(CODE, TITLE, SEVERITY, DESCRIPTION, check))
