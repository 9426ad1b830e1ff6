"""`scaffold CMD ...` builds only CMD's parser: everything it prints and returns is the same."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.main import get_command_name
from typer.testing import CliRunner

from scaffold import cli

NAMES = [
    info.name or get_command_name(info.callback.__name__)
    for info in cli.app.registered_commands
    if info.callback is not None
]


def test_every_command_can_be_built_alone() -> None:
    assert len(NAMES) == len(set(NAMES)) > 10
    for name in NAMES:
        one = cli.only(name)
        assert one is not None
        (info,) = one.registered_commands
        assert info.callback is not None
        assert (info.name or get_command_name(info.callback.__name__)) == name
    assert len(cli.app.registered_commands) == len(NAMES)  # the app itself is untouched


@pytest.mark.parametrize("first", ["--help", "-V", "add-evnt", "", "list-"])
def test_anything_but_a_command_name_gets_the_whole_app(first: str) -> None:
    assert cli.only(first) is None


def test_shell_completion_gets_the_whole_app(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("_SCAFFOLD_COMPLETE", "complete_bash")
    assert cli.only("add-event") is None


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("args", [["--help"], ["--no-such-flag"], [], ["a", "b", "c", "d"]])
def test_one_command_behaves_as_in_the_whole_app(
    name: str, args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # an empty folder: no app for the command to change
    one = cli.only(name)
    assert one is not None
    runner = CliRunner()
    whole = runner.invoke(cli.app, [name, *args])
    alone = runner.invoke(one, [name, *args])
    assert (alone.exit_code, alone.output) == (whole.exit_code, whole.output)
    assert list(tmp_path.iterdir()) == []


def test_main_runs_the_command_alone(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    built: list[int] = []
    real = cli.only

    def spy(name: str) -> object:
        found = real(name)
        built.append(len(found.registered_commands) if found else 0)
        return found

    monkeypatch.setattr(cli, "only", spy)
    monkeypatch.setattr("sys.argv", ["scaffold", "docs", "--help"])
    with pytest.raises(SystemExit) as done:
        cli.main()
    assert done.value.code == 0
    assert built == [1]
    assert "Usage: scaffold docs" in capsys.readouterr().out
