"""Shared fixtures: hermetic environment, a CLI runner, helpers to snapshot folders."""

from __future__ import annotations

from pathlib import Path

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
