"""The registry: thirteen rules, each fully described, a repeated code refused; and the runner's
helpers (run_checks, findings_for_tables, format_findings)."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import quality
from analysis.quality import FINDING_COLUMNS, RULES, SEVERITIES, DuplicateRuleCode, Rule, RuleRegistry, rules

from .helpers import frame


def test_thirteen_rules_in_code_order():
    assert len(RULES) == 13
    assert list(RULES) == [f"DQ{n:02d}" for n in range(1, 14)]
    assert [module.RULE for module in rules.MODULES] == list(RULES.values())


def test_every_rule_has_code_title_severity_and_description():
    for code, rule in RULES.items():
        assert code == rule.code and rule.title and rule.description and rule.severity in SEVERITIES


def test_each_rule_module_is_named_after_its_code():
    for module in rules.MODULES:
        assert module.__name__.rsplit(".", 1)[1].startswith(module.RULE.code.lower() + "_")


def test_registry_refuses_a_repeated_code():
    registry = RuleRegistry()
    registry.add(Rule("DQ99", "A rule", "info", "Finds nothing.", lambda data: []))
    with pytest.raises(DuplicateRuleCode, match="DQ99"):
        registry.add(Rule("DQ99", "Another rule", "warning", "Finds nothing either.", lambda data: []))
    assert len(registry) == 1 and registry["DQ99"].title == "A rule"


def test_the_shared_registry_refuses_a_second_rule_with_a_taken_code():
    with pytest.raises(DuplicateRuleCode):
        quality.register(Rule("DQ01", "Copy", "warning", "A copy of DQ01.", RULES["DQ01"].check))
    assert len(RULES) == 13 and RULES["DQ01"].title == "Breakdown does not add up to its total"


def test_registry_refuses_an_unknown_severity():
    with pytest.raises(ValueError, match="severity"):
        RuleRegistry().add(Rule("DQ99", "A rule", "fatal", "Finds nothing.", lambda data: []))


def test_run_checks_on_a_frame_returns_every_column_new_ones_last():
    findings = quality.run_checks(frame(dict(measure="children_on_cp_plan", value=564, flags="unvalidated")))
    assert list(findings.columns) == FINDING_COLUMNS
    assert FINDING_COLUMNS[-2:] == ["area_code", "source_rows"]
    assert list(findings["code"]) == ["DQ11"]


def test_run_checks_runs_only_the_codes_asked_for():
    observations = frame(dict(measure="children_on_cp_plan", value=564, flags="unvalidated"))
    assert quality.run_checks(observations, codes=["DQ01"]).empty
    assert list(quality.run_checks(observations, codes=["DQ11"])["code"]) == ["DQ11"]


def test_run_checks_refuses_anything_but_a_dataset_or_a_frame():
    with pytest.raises(TypeError, match="Dataset or a tidy observation frame"):
        quality.run_checks([1, 2])


def test_findings_for_tables_matches_whole_table_names():
    findings = pd.DataFrame({"code": ["DQ04", "DQ05"], "source_tables": ["3.1, 4.2", "2.1, DfE c1"]})
    assert list(quality.findings_for_tables(findings, ["4.2"])["code"]) == ["DQ04"]
    assert list(quality.findings_for_tables(findings, ["DfE c1", "3.1"])["code"]) == ["DQ04", "DQ05"]
    assert quality.findings_for_tables(findings, ["4"]).empty


def test_format_findings_groups_by_rule():
    assert quality.format_findings(pd.DataFrame(columns=FINDING_COLUMNS)) == "Data-quality checks: no findings."
    findings = quality.run_checks(frame(dict(measure="children_on_cp_plan", value=564, flags="unvalidated")))
    text = quality.format_findings(findings)
    assert text.startswith("Data-quality checks: 1 finding(s) (0 warning(s), 1 for information).")
    assert "DQ11 Figures not yet validated [info]" in text
