"""The hand-written fixture apps are real VTEX IO apps, before and after scaffold edits them.

Each fixture in ``tests/fixtures/apps/`` exists to test one source style (CRLF + BOM, tabs,
a ``const`` events map...). Here each one is type-checked against the real ``@vtex/api``
as it is, then again after ``add-event``, ``add-worker`` (with job routes) and
``add-publisher``, and the jest tests those bring must pass: an error after the edits is
the edits' fault, not the fixture's.

The fixtures carry no toolchain files: the copy gets a generated app's ``package.json`` and
``tsconfig.json`` files, so every fixture shares the one cached npm install.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scaffold._answers import AppAnswers
from scaffold.cli import app as cli
from scaffold.new import create_app
from tests import nodeapp

APPS = Path(__file__).parent / "fixtures" / "apps"
FIXTURES = sorted(p.name for p in APPS.iterdir())
TOOLCHAIN = ("package.json", "tsconfig.json", "__tests__/tsconfig.json")


@pytest.fixture(scope="session")
def toolchain(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated app's ``node/`` folder, to take the toolchain files from."""
    dest = tmp_path_factory.mktemp("toolchain") / "app"
    create_app(dest, AppAnswers("acme", "fixture", "Fixture", "", "vbase", False))
    return dest / "node"


def output(result: object) -> str:
    return f"{getattr(result, 'stdout', '')}\n{getattr(result, 'stderr', '')}"


@pytest.mark.node
@pytest.mark.parametrize("fixture", FIXTURES)
def test_fixture_typechecks_and_passes_jest_after_every_add_command(
    fixture: str, tmp_path: Path, toolchain: Path
) -> None:
    root = tmp_path / fixture
    shutil.copytree(APPS / fixture, root)
    node_dir = root / "node"
    assert not (node_dir / "node_modules").exists()
    for rel in TOOLCHAIN:
        if not (node_dir / rel).exists():
            (node_dir / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(toolchain / rel, node_dir / rel)

    before = nodeapp.typecheck(node_dir)
    assert before.returncode == 0, f"{fixture} does not type-check as written:\n{output(before)}"

    args = ["add-event", "payment-approved", "--sender", "vtex.orders-broadcast"]
    args += ["--topic", "order-status-updated", "-C", str(root)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "create node/events/paymentApproved.ts" in result.output
    assert "is missing" not in result.output  # the fixture has its clients module
    for more in (["add-worker", "rebuild-index"], ["add-publisher", "catalog-exported"]):
        result = CliRunner().invoke(cli, [*more, "-C", str(root)])
        assert result.exit_code == 0, result.output

    after = nodeapp.typecheck(node_dir)
    assert after.returncode == 0, f"{fixture} after the edits:\n{output(after)}"
    tested = nodeapp.jest(node_dir)
    assert tested.returncode == 0, f"{fixture} jest after the edits:\n{output(tested)}"
    summary = re.search(r"Tests:\s+(\d+) passed, (\d+) total", tested.stderr)
    assert summary is not None, tested.stderr
    assert summary.group(1) == summary.group(2)
    for suite in (
        "events/paymentApproved",
        "workers/rebuildIndex",
        "routes/rebuildIndexJobs",
        "publishers/catalogExported",
    ):
        assert f"PASS __tests__/{suite}.test.ts" in tested.stderr
