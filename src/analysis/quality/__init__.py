"""Data-quality checks: findings to report, not crashes.

What lives here:

* :mod:`.registry` – the :class:`Finding`, :class:`CheckInput` and :class:`Rule` types, the
  registry :data:`RULES` (a repeated code is refused at import), and :func:`run_checks`,
  :func:`findings_for_tables` and :func:`format_findings`;
* :mod:`.rules` – the thirteen rules DQ01–DQ13, one module each (``rules/dqNN_<name>.py``) with
  its code, title, severity, description and check, and ``rules/helpers.py`` for what several
  share. Modelled on the CIN census validator: one rule per unit, each with its own tests.

A rule reads a :class:`CheckInput` (the tidy observations, the board's own, the unplaced values)
and returns :class:`Finding` rows; the runner prints them, the index page lists them and the
themes quote the ones that touch them. Each finding names the area (``area_code``) and the
source rows (``source_rows``) it is about.

Tolerances allow for ordinary rounding of printed figures, so a correct table is not flagged:
a percentage printed to one decimal place may be off by up to 0.05 points, a sum of k such
percentages by up to 0.05·k points, a whole-number rate by 0.5.

Layer: imports :mod:`analysis.ingest`, :mod:`analysis.periods` and :mod:`analysis.formatting`
only; :mod:`analysis.processed` and everything above import it. Call the functions through this
package (``quality.run_checks(...)``): tests replace them here.
"""

from __future__ import annotations

from . import rules
from .registry import (
    FINDING_COLUMNS,
    RULES,
    SEVERITIES,
    CheckInput,
    DuplicateRuleCode,
    Finding,
    Rule,
    RuleRegistry,
    findings_for_tables,
    format_findings,
    register,
    run_checks,
)

__all__ = [
    "FINDING_COLUMNS", "RULES", "SEVERITIES", "CheckInput", "DuplicateRuleCode", "Finding", "Rule", "RuleRegistry",
    "findings_for_tables", "format_findings", "register", "rules", "run_checks",
]
