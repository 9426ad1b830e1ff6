"""The rule registry: a row per rule names its check, severity and fixer; selected rules run."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scaffold import fix
from scaffold._rules import _checks
from scaffold._rules._base import RULES, Finding
from scaffold.check import check_app, resolve_rules
from scaffold.cli import app
from scaffold.errors import UsageError

FIXTURES = Path(__file__).parent / "fixtures" / "check"
Check = Callable[[_checks.Context], list[Finding]]
DOC = Path(__file__).parents[1] / "docs" / "check.md"


def test_every_rule_names_a_check_and_the_fixable_ones_a_fixer() -> None:
    assert set(_checks.CHECKS) == {rule.id for rule in RULES}
    assert all(callable(check) for check in _checks.CHECKS.values())
    assert (
        set(fix.FIXERS)
        == {rule.id for rule in RULES if rule.fixer}
        == {
            "SC001",
            "SC201",
            "SC301",
        }
    )


def test_only_the_checks_of_selected_rules_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "app"
    shutil.copytree(FIXTURES / "swallowed", root)
    ran: list[str] = []
    for rule_id, check in list(_checks.CHECKS.items()):

        def spy(ctx: _checks.Context, check: Check = check) -> list[Finding]:
            ran.append(check.__name__)
            return check(ctx)

        monkeypatch.setitem(_checks.CHECKS, rule_id, spy)
    assert check_app(root, select=["SC301"]) == []
    assert ran == ["service_json"]
    ran.clear()
    found = check_app(root, select=["SC103", "SC104"])
    assert ran == ["handlers"]  # one check serves both, and runs once
    assert {f.rule for f in found} == {"SC103"}


def test_a_rule_alone_finds_what_it_finds_among_all() -> None:
    for name in ("swallowed", "registration", "policies", "service-json", "parse-error"):
        root = FIXTURES / name
        every = check_app(root)
        for rule in {f.rule for f in every}:
            assert check_app(root, select=[rule]) == [f for f in every if f.rule == rule], (
                name,
                rule,
            )


def test_fixable_findings_say_what_they_are_about() -> None:
    about = {
        (f.rule, f.data)
        for name in ("registration", "policies", "service-json")
        for f in check_app(FIXTURES / name, select=["SC001", "SC201", "SC301"])
    }
    assert about
    keys = {"SC001": "event", "SC201": "policy", "SC301": "event"}
    for rule, data in about:
        ((key, value),) = data
        assert key == keys[rule] and value


def test_a_fixer_reads_the_finding_data_not_its_message(tmp_path: Path) -> None:
    root = tmp_path / "app"
    shutil.copytree(FIXTURES / "good", root)
    manifest = json.loads((root / "manifest.json").read_text())
    manifest["policies"] = []
    (root / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    finding = Finding(
        "node/index.ts", 1, 1, "SC201", "error", "worded in any way", (("policy", "ADMIN_DS"),)
    )
    done = fix.fix_app(root, [finding], dry_run=False)
    assert done.fixed == ["SC201 manifest.json: added the `ADMIN_DS` policy"]
    assert json.loads((root / "manifest.json").read_text())["policies"] == [{"name": "ADMIN_DS"}]
    silent = finding._replace(data=())
    assert fix.fix_app(root, [silent], dry_run=True).skipped == [
        "SC201 node/index.ts: the finding names no policy; fix it by hand"
    ]


def test_select_and_ignore_that_leave_no_rule_are_a_usage_error() -> None:
    with pytest.raises(UsageError, match="nothing would be checked"):
        resolve_rules(["SC101"], ["missing-idempotency-guard"])
    with pytest.raises(UsageError, match="removes every rule there is"):
        resolve_rules(None, [rule.id for rule in RULES])
    assert resolve_rules(["SC101", "SC103"], ["SC101"]) == {"SC103"}


def test_cli_exits_2_with_one_line_when_no_rule_is_left(runner: CliRunner) -> None:
    result = runner.invoke(
        app, ["check", str(FIXTURES / "good"), "--select", "SC103", "--ignore", "swallowed-error"]
    )
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "error: --ignore removes every rule --select keeps (SC103), so nothing would be "
        "checked; select a rule you do not ignore"
    ]


def test_docs_fix_table_and_severities_match_the_registry() -> None:
    text = DOC.read_text()
    fixing = text.split("## Fixing", 1)[1].split("\n## ", 1)[0]
    assert set(re.findall(r"^\| (SC\d{3}) \|", fixing, re.MULTILINE)) == set(fix.FIXERS)
    table = text.split("## Rules", 1)[1].split("\n### ", 1)[0]
    rows = re.findall(r"^\| (SC\d{3}) \| ([\w-]+) \| (\w+)", table, re.MULTILINE)
    assert [(r.id, r.name, r.severity) for r in RULES] == rows
    codes = text.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    assert "leave no rule" in codes
