"""Shared fixtures: hermetic environment, a CLI runner, a session cache of generated apps.

Helper functions live in tests/helpers.py; test modules never import each other."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
from typer.testing import CliRunner

# A suite started from a background job (`cmd &`, nohup, a CI step run that way) inherits
# SIGINT and SIGHUP ignored, and an ignored signal stays ignored in every process it
# starts: `scaffold dev` would never see the Ctrl-C the dev tests send, and wait forever.
# Each worker restores what a terminal gives; the tests that want a signal ignored set it
# themselves in the process they start (tests/robustness/test_faults.py).
for _sig, _handler in (
    (signal.SIGINT, signal.default_int_handler),
    (signal.SIGHUP, signal.SIG_DFL),
):
    if signal.getsignal(_sig) == signal.SIG_IGN:
        signal.signal(_sig, _handler)


@pytest.fixture(autouse=True)
def _hermetic(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No user config, no colour, a private HOME: results must not depend on the machine."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "home" / ".config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "home" / ".cache"))
    monkeypatch.delenv("SCAFFOLD_CACHE_DIR", raising=False)
    monkeypatch.setenv("COPIER_SETTINGS_PATH", str(tmp_path / "home" / "no-copier-settings.yml"))
    monkeypatch.setenv("NO_COLOR", "1")


@pytest.fixture
def runner() -> CliRunner:
    """A typer CLI runner (stdin is not a TTY, so nothing is ever prompted)."""
    return CliRunner()


@pytest.fixture(scope="session")
def gen_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder where generated apps are rendered once per session (see helpers.make_app)."""
    return tmp_path_factory.mktemp("generated")
