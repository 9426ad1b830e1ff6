from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from scaffold.cli import app as cli
from scaffold.errors import ConflictError
from scaffold.events import add_event, remove_event
from tests.helpers import make_app, snapshot


def test_remove_the_example_consumer(tmp_path: Path, gen_cache: Path) -> None:
    app = make_app("generated", tmp_path / "app", gen_cache)
    result = remove_event(app, "order-status-updated")
    assert set(result.deleted) == {
        "node/events/orderStatusUpdated.ts",
        "node/__tests__/events/orderStatusUpdated.test.ts",
        "node/__tests__/e2e/orderStatusUpdated.test.ts",  # its end-to-end tests too
    }
    assert "orderStatusUpdated" not in (app / "node/events/index.ts").read_text()
    assert "orderStatusUpdated" not in (app / "node/service.json").read_text()


def test_nothing_to_remove_changes_nothing(tmp_path: Path, gen_cache: Path) -> None:
    app = make_app("generated", tmp_path / "app", gen_cache)
    before = snapshot(app)
    result = remove_event(app, "not-there")
    assert result.unchanged and "nothing to remove" in result.message
    assert snapshot(app) == before


def test_worker_is_refused(tmp_path: Path, gen_cache: Path) -> None:
    app = make_app("generated", tmp_path / "app", gen_cache)
    before = snapshot(app)
    with pytest.raises(ConflictError, match="is a worker"):
        remove_event(app, "sync-items")
    assert snapshot(app) == before


def test_cli_dry_run_then_remove(runner: CliRunner, tmp_path: Path, gen_cache: Path) -> None:
    app = make_app("no-events", tmp_path / "app", gen_cache)
    original = (app / "node/index.ts").read_bytes(), (app / "node/service.json").read_bytes()
    add_event(app, "paid", sender="vtex.orders-broadcast", topics=["payment-approved"])
    added = snapshot(app)
    dry = runner.invoke(cli, ["remove-event", "paid", "-n", "-C", str(app)])
    assert dry.exit_code == 0
    assert "+++ /dev/null" in dry.output
    assert snapshot(app) == added
    done = runner.invoke(cli, ["remove-event", "paid", "-C", str(app)])
    assert done.exit_code == 0, done.output
    assert "delete node/events/paid.ts" in done.output
    # The inline `events` option and service.json's `events` both go away with their last key.
    assert ((app / "node/index.ts").read_bytes(), (app / "node/service.json").read_bytes()) == (
        original
    )


def test_an_edited_example_e2e_test_is_kept_and_said(tmp_path: Path, gen_cache: Path) -> None:
    app = make_app("generated", tmp_path / "app", gen_cache)
    e2e = app / "node/__tests__/e2e/orderStatusUpdated.test.ts"
    e2e.write_text(e2e.read_text() + "// my own case\n")
    result = remove_event(app, "order-status-updated")
    assert e2e.is_file() and "node/__tests__/e2e/orderStatusUpdated.test.ts" not in result.deleted
    assert any("kept node/__tests__/e2e/orderStatusUpdated.test.ts" in n for n in result.notes)
