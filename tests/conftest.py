"""Shared fixtures: hermetic environment, a CLI runner, helpers to snapshot folders."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pexpect
import pytest
from typer.testing import CliRunner


@pytest.fixture(autouse=True)
def _hermetic(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No user config, no colour, a private HOME: results must not depend on the machine."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "home" / ".config"))
    monkeypatch.setenv("COPIER_SETTINGS_PATH", str(tmp_path / "home" / "no-copier-settings.yml"))
    monkeypatch.setenv("NO_COLOR", "1")


@pytest.fixture
def runner() -> CliRunner:
    """A typer CLI runner (stdin is not a TTY, so nothing is ever prompted)."""
    return CliRunner()


def snapshot(root: Path) -> dict[str, bytes]:
    """Return every file under ``root`` with its bytes (empty when ``root`` is missing)."""
    if not root.exists():
        return {}
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def spawn_scaffold(args: list[str], cwd: Path) -> pexpect.spawn:
    """Run ``python -m scaffold ARGS`` on a real pseudo-terminal, so questionary prompts."""
    env = {
        **os.environ,
        "TERM": "xterm",
        "PROMPT_TOOLKIT_NO_CPR": "1",  # pexpect does not answer cursor-position requests
        "NO_COLOR": "1",
    }
    return pexpect.spawn(
        sys.executable,
        ["-m", "scaffold", *args],
        cwd=str(cwd),
        env=env,
        encoding="utf-8",
        timeout=20,
        dimensions=(40, 160),
    )
