"""The fixture apps are real VTEX IO apps: scaffold's edits never make `tsc` worse, undo exactly.

Each fixture in ``tests/fixtures/apps/`` is modelled on the shape of public VTEX apps: a
source style (CRLF + BOM, tabs, a ``const`` events map...) or a host setup (no
``node/clients``, ``Clients`` declared elsewhere, VTEX's ``.gitignore``, no jest, jest through
``@vtex/test-tools``, ``"types": ["node"]``, ``events: {}``). For each, in a git work tree:
count ``tsc`` errors against the real ``@vtex/api``, run ``add-event``, ``add-worker`` (with job
routes) and ``add-publisher``, count again (never more), run the jest tests those brought
when the app can run them (else check none were written), then ``remove-publisher``,
``remove-worker`` and ``remove-event`` must give back every byte.

Fixtures that carry no toolchain files get a generated app's (``tests.helpers.add_toolchain``),
so most share one cached npm install.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scaffold._project import read_test_setup
from scaffold.cli import app as cli
from tests import nodeapp
from tests.helpers import FIXTURES, make_app

ADDS = [
    ["add-event", "payment-approved", "--sender", "vtex.orders-broadcast"]
    + ["--topic", "order-status-updated"],
    ["add-worker", "rebuild-index"],
    ["add-publisher", "catalog-exported"],
]
REMOVES = [
    ["remove-publisher", "catalog-exported"],
    ["remove-worker", "rebuild-index"],
    ["remove-event", "payment-approved"],
]
SUITES = (
    "events/paymentApproved",
    "workers/rebuildIndex",
    "routes/rebuildIndexJobs",
    "publishers/catalogExported",
)
TSC_ERROR = re.compile(r"error TS\d+")


def files(root: Path) -> dict[str, bytes]:
    """Every file of the app, without git's folder and the linked node_modules."""
    out: dict[str, bytes] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if rel.startswith(".git/") or "node_modules" in rel.split("/") or not path.is_file():
            continue
        out[rel] = path.read_bytes()
    return out


def tsc_errors(node_dir: Path) -> tuple[int, str]:
    """``tsc --noEmit`` error count of the build project (and the jest project, if any)."""
    nodeapp.ensure_node_modules(node_dir)
    tsc = ["node", "node_modules/typescript/bin/tsc", "--noEmit", "--pretty", "false", "-p"]
    projects = ["."] + (["__tests__"] if (node_dir / "__tests__/tsconfig.json").is_file() else [])
    text = ""
    for project in projects:
        done = nodeapp.run(node_dir, *tsc, project)
        text += done.stdout + done.stderr
    return len(TSC_ERROR.findall(text)), text


def invoke(args: list[str], root: Path) -> str:
    result = CliRunner().invoke(cli, [*args, "-C", str(root)])
    assert result.exit_code == 0, f"{args}: {result.output}"
    return result.output


@pytest.mark.node
@pytest.mark.parametrize("fixture", FIXTURES)
def test_fixture_never_gets_new_tsc_errors_and_is_restored_byte_for_byte(
    fixture: str, tmp_path: Path, gen_cache: Path
) -> None:
    root = make_app(fixture, tmp_path / fixture, gen_cache)
    subprocess.run(["git", "init", "-q", str(root)], check=True)  # check-ignore asks git
    node_dir = root / "node"
    original = files(root)
    before, before_text = tsc_errors(node_dir)

    def read(rel: str) -> bytes | None:
        return original.get(rel)

    ready = read_test_setup(read).ready
    output = "".join(invoke(args, root) for args in ADDS)

    after, after_text = tsc_errors(node_dir)
    assert after <= before, f"{fixture}: tsc errors {before} -> {after}\n{after_text}"
    assert before == 0, f"{fixture} does not type-check as written:\n{before_text}"
    created = set(files(root)) - set(original)
    tests = {rel for rel in created if "/__tests__/" in rel}
    if ready:
        tested = nodeapp.jest(node_dir)
        report = tested.stdout + tested.stderr
        assert tested.returncode == 0, f"{fixture} jest after the edits:\n{report}"
        for suite in SUITES:
            assert f"PASS __tests__/{suite}.test.ts" in report, report
        summary = re.search(r"Tests:\s+(\d+) passed, (\d+) total", report)
        assert summary is not None and summary.group(1) == summary.group(2), report
    else:
        assert not tests, tests
        assert "tests not added" in output

    for args in REMOVES:
        invoke(args, root)
    assert files(root) == original
