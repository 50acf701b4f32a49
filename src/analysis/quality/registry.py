"""The data-quality rule types, the registry of rules, and running them.

* :class:`Finding` – one row of the findings table (what a rule reports);
* :class:`CheckInput` – what every rule reads (the tidy observations, the board's own
  observations and the values the extraction could not place);
* :class:`Rule` – a rule's code, title, severity, description and check function;
* :data:`RULES` – every rule, registered by its module at import; a repeated code is refused;
* :func:`run_checks`, :func:`findings_for_tables`, :func:`format_findings` – run the rules,
  pick the findings about some report tables, list them for the terminal.

The rules themselves live in :mod:`analysis.quality.rules`, one module each.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Callable

import pandas as pd

from ..ingest.dataset import Dataset
from ..ingest.dfe import SOURCE as DFE_SOURCE

SEVERITIES = ("warning", "info")


@dataclass(frozen=True)
class Finding:
    """One data-quality finding: a row of the findings table.

    ``period_end`` is the latest date the finding is about (ISO), so a run for an earlier
    quarter can leave it out. ``area_code`` is the LA code of the board observations it is about
    and ``source_rows`` locates the rows, e.g. ``"wscb_2017_18/t4_2_cp_demographics.csv:12,13;
    dfe/d5_cpps_at31march_by_duration_2013_to_2025.csv:1071"`` (file, then data-row numbers).
    """

    code: str
    severity: str
    title: str
    message: str
    source_tables: str = ""
    measure: str = ""
    period: str = ""
    values: str = ""
    period_end: str = ""
    area_code: str = ""
    source_rows: str = ""


FINDING_COLUMNS = [column.name for column in fields(Finding)]


@dataclass(frozen=True, eq=False)
class CheckInput:
    """What a rule reads: built once per run and handed to every rule."""

    #: every tidy observation: the board's own and the DfE/ONS files'
    observations: pd.DataFrame
    #: the board's own observations (not the DfE/ONS files)
    board: pd.DataFrame
    #: printed values the extraction could not place in a column (``unplaced_values.csv``)
    unplaced: pd.DataFrame

    @classmethod
    def of(cls, observations: pd.DataFrame, unplaced: pd.DataFrame | None = None) -> "CheckInput":
        board = observations[observations["source"] != DFE_SOURCE]
        return cls(observations, board, unplaced if unplaced is not None else pd.DataFrame())


@dataclass(frozen=True)
class Rule:
    """A data-quality rule: its code (DQnn), title, severity, plain-English description and check."""

    code: str
    title: str
    severity: str
    description: str
    check: Callable[[CheckInput], list[Finding]] = field(repr=False)

    def finding(self, message: str, source_tables: str = "", measure: str = "", period: str = "",
                values: str = "", period_end: str = "", area_code: str = "", source_rows: str = "") -> Finding:
        """A finding of this rule (its code, title and severity filled in)."""
        return Finding(self.code, self.severity, self.title, message, source_tables, measure, period, values,
                       period_end, area_code, source_rows)


class DuplicateRuleCode(ValueError):
    """Two rules registered under one code."""


class RuleRegistry(Mapping[str, Rule]):
    """Rules by code, in the order they were registered; a code can be registered once only."""

    def __init__(self) -> None:
        self._rules: dict[str, Rule] = {}

    def add(self, rule: Rule) -> Rule:
        """Register ``rule``; raises :class:`DuplicateRuleCode` if its code is already taken."""
        if rule.code in self._rules:
            raise DuplicateRuleCode(f"data-quality rule code {rule.code} is registered twice "
                                    f"({self._rules[rule.code].title!r} and {rule.title!r})")
        if rule.severity not in SEVERITIES:
            raise ValueError(f"rule {rule.code}: severity {rule.severity!r} is not one of {SEVERITIES}")
        self._rules[rule.code] = rule
        return rule

    def __getitem__(self, code: str) -> Rule:
        return self._rules[code]

    def __iter__(self) -> Iterator[str]:
        return iter(self._rules)

    def __len__(self) -> int:
        return len(self._rules)


#: Every data-quality rule, filled by the modules of :mod:`analysis.quality.rules` as they are imported.
RULES = RuleRegistry()


def register(rule: Rule) -> Rule:
    """Add a rule to :data:`RULES` (at import of its module, so a repeated code fails the import)."""
    return RULES.add(rule)


def run_checks(data=None, unplaced: pd.DataFrame | None = None, codes: list[str] | None = None) -> pd.DataFrame:
    """Run every rule (or ``codes``) and return the findings, one row each.

    ``data`` is a :class:`~analysis.ingest.dataset.Dataset` (its findings are stored on it and
    reused), or a tidy observation frame (then pass ``unplaced`` yourself).
    Columns: :data:`FINDING_COLUMNS` (code, severity, title, message, source_tables, measure,
    period, values, period_end, area_code, source_rows).
    """
    if isinstance(data, pd.DataFrame):
        observations = data
    else:
        if not isinstance(data, Dataset):
            raise TypeError(f"run_checks takes a Dataset or a tidy observation frame, not {type(data).__name__}")
        dataset = data
        if codes is None and dataset.findings is not None:
            return dataset.findings.copy()
        observations, unplaced = dataset.observations, dataset.unplaced
    rule_input = CheckInput.of(observations, unplaced)
    rows = []
    for code, rule in RULES.items():
        if codes and code not in codes:
            continue
        rows += [asdict(finding) for finding in rule.check(rule_input)]
    findings = pd.DataFrame(rows, columns=FINDING_COLUMNS)
    if codes is None and not isinstance(data, pd.DataFrame):
        dataset.findings = findings.copy()  # the same inputs give the same findings: compute them once
    return findings


def _table_names(source_tables: str) -> list[str]:
    """The report tables named in a finding's ``source_tables`` cell ("3.1, 4.2")."""
    return [name.strip() for name in str(source_tables).split(",")]


def findings_for_tables(findings: pd.DataFrame, tables: list[str]) -> pd.DataFrame:
    """The findings that touch any of the given report tables (for a theme's caveats)."""
    if findings.empty:
        return findings
    wanted = set(tables)
    touches = findings["source_tables"].apply(lambda cell: not wanted.isdisjoint(_table_names(cell)))
    return findings[touches]


def format_findings(findings: pd.DataFrame) -> str:
    """Plain-text listing for the terminal."""
    if findings.empty:
        return "Data-quality checks: no findings."
    warnings = (findings["severity"] == "warning").sum()
    for_information = (findings["severity"] == "info").sum()
    lines = [f"Data-quality checks: {len(findings)} finding(s) "
             f"({warnings} warning(s), {for_information} for information)."]
    for code, of_rule in findings.groupby("code", sort=True):
        rule = RULES[code]
        lines.append(f"\n{code} {rule.title} [{rule.severity}]")
        lines += [f"  - {message}" for message in of_rule["message"]]
    return "\n".join(lines)
