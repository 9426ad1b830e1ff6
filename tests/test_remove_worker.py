"""``scaffold remove-worker``: the worker, its routes and publisher go; what was edited stays.

Byte-for-byte undo of every add/remove pair, on every fixture, is tests/test_undo.py's.
"""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from scaffold.cli import app as cli
from scaffold.workers import add_worker, remove_worker
from tests.helpers import make_app, snapshot


def test_hand_edited_files_are_kept_and_named(tmp_path: Path, gen_cache: Path) -> None:
    app = make_app("no-events", tmp_path / "app", gen_cache)
    add_worker(app, "rebuild-index")
    worker = app / "node/workers/rebuildIndex.ts"
    worker.write_text(worker.read_text() + "// mine\n")
    removed = remove_worker(app, "rebuild-index")
    assert worker.exists()
    assert removed.notes == [
        "kept node/workers/rebuildIndex.ts: it differs from what scaffold wrote (edited by hand?)",
        "kept node/publishers/rebuildIndexRequested.ts: node/workers/rebuildIndex.ts still "
        "imports it",
    ]
    service = json.loads((app / "node/service.json").read_text())
    assert "rebuildIndex" not in service.get("events", {})
    # The kept worker still imports the ledger: the support files stay with it.
    assert (app / "node/support/processing.ts").exists()


def test_cli_remove_worker_and_publisher(
    runner: CliRunner, tmp_path: Path, gen_cache: Path
) -> None:
    app = make_app("generated-bare", tmp_path / "app", gen_cache)
    before = snapshot(app)
    for args in (["add-worker", "export-orders"], ["add-publisher", "item-changed"]):
        assert runner.invoke(cli, [*args, "-C", str(app)]).exit_code == 0
    dry = runner.invoke(cli, ["remove-worker", "export-orders", "-n", "-C", str(app)])
    assert dry.exit_code == 0, dry.output
    assert "would delete node/workers/exportOrders.ts" in dry.output
    for args in (["remove-worker", "export-orders"], ["remove-publisher", "item-changed"]):
        done = runner.invoke(cli, [*args, "-C", str(app)])
        assert done.exit_code == 0, done.output
    assert snapshot(app) == before
    again = runner.invoke(cli, ["remove-publisher", "item-changed", "-C", str(app)])
    assert again.exit_code == 0
    assert "nothing to remove" in again.output
