"""``scaffold check``'s command line read without typer (scaffold._check_command.parse) against
typer's reading of the same line: the same options, the same values, or typer's turn."""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import typer.main
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from scaffold import _check_command, cli
from scaffold._check_command import OPTIONS, CheckOptions, parse
from tests.check_apps import FIXTURES


def _typer_check() -> typer.main.TyperCommand:
    group = typer.main.get_command(cli.app)
    return group.commands["check"]  # type: ignore[attr-defined,no-any-return]


def test_the_table_has_every_option_of_the_typer_signature_and_nothing_else() -> None:
    declared = {}
    for param in _typer_check().params:
        if param.param_type_name == "argument":
            assert param.name == "path"
            assert not param.required and param.nargs == 1
            continue
        flags = tuple(f for f in (*param.opts, *param.secondary_opts) if f not in ("-h", "--help"))
        if not flags:
            continue
        declared[param.name] = (
            frozenset(flags),
            not param.is_flag,
            bool(param.multiple),
        )
    table = {
        option.name: (frozenset(option.flags), option.takes_value, option.repeats)
        for option in OPTIONS
    }
    assert table == declared


def test_the_defaults_are_the_typer_signature_s() -> None:
    defaults = {param.name: param.default for param in _typer_check().params}
    for item in dataclasses.fields(CheckOptions):
        typed = defaults[item.name]
        assert getattr(CheckOptions(), item.name) == (typed if typed != () else None), item.name


def _typer_reading(args: list[str], monkeypatch: pytest.MonkeyPatch) -> CheckOptions | None:
    """What typer hands check's body for ``scaffold check ARGS``, or None if it refuses."""
    seen: list[CheckOptions] = []

    def record(options: CheckOptions) -> int:
        seen.append(options)
        return 0

    monkeypatch.setattr(_check_command, "execute", record)
    result = CliRunner().invoke(cli.app, ["check", *args])
    if result.exit_code != 0:
        assert result.exit_code == 2, result.output  # a usage error, never a crash
        assert not seen
        return None
    if not seen:  # --help
        return None
    return seen[0]


LINES = [
    [],
    ["app"],
    ["--no-cache"],
    ["app", "--format", "json", "--no-cache"],
    ["--format=github", "app"],
    ["--format", "SARIF"],
    ["--format="],
    ["--format", "-"],
    ["--json", "--format", "text"],
    ["--select", "SC101", "--select", "SC105,SC103", "--ignore", "SC105"],
    ["--select=SC101", "--ignore=payload-size", "sub/dir"],
    ["--fix", "-n"],
    ["--fix", "--dry-run", "--format", "json"],
    ["--list-rules", "--json"],
    ["--format", "json", "--format", "text"],
    ["-"],
    [""],
    ["app", "--no-cache", "--json"],
    # typer's turn: help, mistakes, and what the table leaves to typer
    ["--help"],
    ["-h"],
    ["--no-such-flag"],
    ["--format"],
    ["--select"],
    ["--json=yes"],
    ["--no-cache=1"],
    ["a", "b"],
    ["-nx"],
    ["-C", "app"],
    ["--", "app"],
    ["--format", "--json"],
    ["--select", "-n"],
]


@pytest.mark.parametrize("args", LINES, ids=[" ".join(line) or "(nothing)" for line in LINES])
def test_a_line_the_table_reads_typer_reads_the_same(
    args: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    mine = parse(args)
    if mine is not None:
        assert mine == _typer_reading(args, monkeypatch)


def test_the_table_reads_plain_lines_and_leaves_the_rest(monkeypatch: pytest.MonkeyPatch) -> None:
    # not a test that can pass by declining everything: these are read, with these values
    assert parse(["app", "--format=json", "--select", "SC101", "--select", "SC105", "-n"]) == (
        CheckOptions(
            path=Path("app"), output_format="json", select=["SC101", "SC105"], dry_run=True
        )
    )
    assert parse([]) == CheckOptions()
    for declined in (["--help"], ["-h"], ["--format"], ["--", "x"], ["a", "b"], ["--json=1"]):
        assert parse(declined) is None, declined
    monkeypatch.setenv("_SCAFFOLD_COMPLETE", "complete_bash")
    assert parse([]) is None  # shell completion is typer's


TOKENS = st.sampled_from(
    [
        "--format", "--format=json", "json", "sarif", "github", "--json", "--select", "SC101",
        "--select=SC105,SC103", "--ignore", "payload-size", "--list-rules", "--no-cache",
        "--fix", "--dry-run", "-n", "app", "-", "", "--", "-h", "--bogus", "--no-cache=x",
    ]
)  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(st.lists(TOKENS, max_size=6))
def test_any_line_the_table_reads_typer_reads_the_same(args: list[str]) -> None:
    mine = parse(args)
    if mine is None:
        return
    with pytest.MonkeyPatch.context() as patch:
        assert mine == _typer_reading(args, patch)


def _fast(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """``scaffold check ARGS`` as the console script runs it, reporting whether typer loaded."""
    code = (
        "import atexit, sys\n"
        "atexit.register(lambda: sys.stderr.write(f\"typer={'typer' in sys.modules}\"))\n"
        "from scaffold import _entry\n"
        f"sys.argv = ['scaffold', 'check', *{args!r}]\n"
        "_entry.run()\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=cwd, check=False
    )


@pytest.mark.parametrize(
    "args",
    [
        ["--no-cache"],
        ["--format", "json", "--no-cache"],
        ["--format=github"],
        ["--format", "sarif", "--select", "SC101,SC201"],
        ["--ignore", "SC101", "--no-cache"],
        ["--select", "bogus"],
        ["--select", "SC101", "--ignore", "SC101"],
        ["--format", "xml"],
        ["--list-rules"],
        ["--fix", "--dry-run"],
        ["elsewhere"],
    ],
    ids=lambda args: " ".join(args),
)
def test_check_without_typer_prints_and_exits_as_through_typer(
    args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "app"
    shutil.copytree(FIXTURES / "idempotency", root)
    monkeypatch.setenv("SCAFFOLD_CACHE_DIR", str(tmp_path / "cache"))
    fast = _fast(args, cwd=root)
    assert fast.stderr.endswith("typer=False"), fast.stderr  # typer never loaded
    monkeypatch.chdir(root)
    through_typer = CliRunner().invoke(cli.app, ["check", *args])
    assert fast.returncode == through_typer.exit_code
    assert fast.stdout == through_typer.stdout
    assert fast.stderr.removesuffix("typer=False") == through_typer.stderr
    if "--format" in args and "json" in args:
        assert json.loads(fast.stdout)  # findings, not an empty report


def test_a_line_for_typer_still_loads_typer(tmp_path: Path) -> None:
    root = tmp_path / "app"
    shutil.copytree(FIXTURES / "idempotency", root)
    result = _fast(["--no-cache", "--", "."], cwd=root)
    assert result.returncode == 1
    assert "SC101" in result.stdout
    assert result.stderr.endswith("typer=True")
