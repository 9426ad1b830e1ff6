"""``scaffold check`` as a command: the good app, selecting rules, formats, the CLI."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scaffold.check import (
    RULES,
    UnknownRuleError,
    check_app,
    format_text,
    has_errors,
    resolve_rules,
)
from scaffold.cli import app
from scaffold.errors import ProjectError
from tests.check_apps import FIXTURES, app_from


def test_good_app_has_no_findings_at_all() -> None:
    # Also proves node/__tests__ is skipped: its file would fire SC101, SC102 and SC103.
    assert check_app(FIXTURES / "good") == []


def test_rule_ids_and_names_are_unique_and_documented() -> None:
    ids = [rule.id for rule in RULES]
    names = [rule.name for rule in RULES]
    assert len(set(ids)) == len(ids) and len(set(names)) == len(names)
    doc = (Path(__file__).parents[2] / "docs" / "check.md").read_text()
    for rule in RULES:
        assert f"{rule.id} `{rule.name}`" in doc


def test_missing_service_json_is_a_user_error(tmp_path: Path) -> None:
    root = app_from(tmp_path, {"node/service.json": ""})
    with pytest.raises(ProjectError, match="node/service.json is missing"):
        check_app(root)


def test_select_and_ignore_accept_ids_and_names() -> None:
    assert resolve_rules(["sc101", "payload-logged"]) == {"SC101", "SC104"}
    assert "SC104" not in resolve_rules(ignore=["payload-logged"])
    assert resolve_rules() == {rule.id for rule in RULES}
    with pytest.raises(UnknownRuleError, match="unknown rule 'SC999'"):
        resolve_rules(["SC999"])


def test_text_format_is_path_line_col_rule() -> None:
    findings = check_app(FIXTURES / "registration")
    text = format_text(findings)
    assert text.splitlines()[0] == (
        "node/index.ts:10:5 SC002 error: handler `undeclared-handler` is not declared under "
        "`events` in node/service.json, so it never runs"
    )
    assert "SC001 event-not-registered: " in text
    assert text.endswith("Found 2 errors, 0 warnings, 0 info.")
    assert has_errors(findings)


def test_cli_good_app_exits_0(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES / "good" / "node" / "events")  # DIR defaults to the enclosing app
    result = runner.invoke(app, ["check"])
    assert result.exit_code == 0, result.output
    assert result.output == "All checks passed.\n"


def test_cli_errors_exit_1_with_text(runner: CliRunner) -> None:
    result = runner.invoke(app, ["check", str(FIXTURES / "registration")])
    assert result.exit_code == 1
    assert "node/service.json:5:5 SC001 error: event `notRegistered`" in result.output


def test_cli_json_output(runner: CliRunner) -> None:
    result = runner.invoke(app, ["check", str(FIXTURES / "payload"), "--json"])
    assert result.exit_code == 0  # warnings only
    data = json.loads(result.output)
    assert [(d["path"], d["line"], d["column"], d["rule"], d["severity"]) for d in data] == [
        ("node/events/logs.ts", 2, 24, "SC104", "warning"),
        ("node/events/logs.ts", 3, 42, "SC104", "warning"),
        ("node/events/logs.ts", 5, 47, "SC104", "warning"),
    ]
    assert {"message", "name", "fix"} <= set(data[0])


def test_cli_select_and_ignore(runner: CliRunner) -> None:
    root = str(FIXTURES / "swallowed")
    only = runner.invoke(app, ["check", root, "--json", "--select", "SC103"])
    assert {d["rule"] for d in json.loads(only.output)} == {"SC103"}
    assert only.exit_code == 1
    rest = runner.invoke(
        app, ["check", root, "--json", "--ignore", "SC101", "--ignore", "swallowed-error"]
    )
    assert rest.exit_code == 0 and json.loads(rest.output) == []
    nothing = runner.invoke(app, ["check", root, "--select", "SC103", "--ignore", "SC103"])
    assert nothing.exit_code == 2 and nothing.stdout == ""  # no rule left: a usage error
    warnings = runner.invoke(app, ["check", root, "--select", "SC101,SC103", "--ignore", "SC101"])
    assert "SC101" not in warnings.output and "SC103" in warnings.output


def test_cli_unknown_rule_exits_2_with_one_line(runner: CliRunner) -> None:
    result = runner.invoke(app, ["check", str(FIXTURES / "good"), "--select", "SC101,bogus"])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "error: unknown rule 'bogus': use an id SC000-SC304 or a name; see `scaffold check --help`"
    ]


def test_cli_outside_an_app_exits_1(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["check", str(tmp_path)])
    assert result.exit_code == 1
    assert "no manifest.json" in result.stderr


def test_a_check_with_options_imports_no_pydantic(tmp_path: Path) -> None:
    """Typer 0.29 coerces option values through pydantic (~70 ms); scaffold's plain options
    do without it (cli._lighten), and the values still arrive typed."""
    root = tmp_path / "app"
    shutil.copytree(FIXTURES / "idempotency", root)
    code = (
        "import json, sys\n"
        "from scaffold.cli import main\n"
        f"sys.argv = ['scaffold', 'check', {str(root / 'node')!r}, '--format', 'json',"
        " '--select', 'SC101', '--select', 'SC105', '--no-cache']\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as done:\n"
        "    assert done.code == 1, done.code\n"
        "assert 'pydantic' not in sys.modules, 'pydantic was imported'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    rules = {item["rule"] for item in json.loads(result.stdout)}
    assert rules == {"SC101"}


def test_a_typer_without_its_private_coercion_layer_still_runs_check(tmp_path: Path) -> None:
    """The light path leans on typer 0.29's private ``typer._coercion.RuntimeParam``; a typer
    without it (older or newer) keeps typer's own coercion, and the command works the same."""
    root = tmp_path / "app"
    shutil.copytree(FIXTURES / "idempotency", root)
    code = (
        "import sys\n"
        "import typer._coercion\n"
        "del typer._coercion.RuntimeParam  # as in a typer whose private layer changed\n"
        "from scaffold import cli\n"
        f"sys.argv = ['scaffold', 'check', {str(root / 'node')!r}, '--format', 'json',"
        " '--select', 'SC101', '--no-cache']\n"
        "try:\n"
        "    cli.main()\n"
        "except SystemExit as done:\n"
        "    assert done.code == 1, done.code\n"
        "assert cli._plain_param() is None\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert {item["rule"] for item in json.loads(result.stdout)} == {"SC101"}


def test_importing_the_cli_does_not_load_tree_sitter() -> None:
    code = "import sys, scaffold.cli, scaffold.check; assert 'tree_sitter' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
