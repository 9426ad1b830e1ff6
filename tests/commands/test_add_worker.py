from __future__ import annotations

import difflib
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scaffold.cli import app as cli
from scaffold.errors import ConflictError, InvalidAnswerError
from scaffold.events import add_event
from scaffold.publishers import add_publisher
from scaffold.workers import add_worker
from tests import nodeapp
from tests.helpers import STYLES, make_app, snapshot


@pytest.fixture(params=STYLES)
def app(request: pytest.FixtureRequest, tmp_path: Path, gen_cache: Path) -> Path:
    return make_app(str(request.param), tmp_path / "app", gen_cache)


def test_batch_worker_with_routes(app: Path) -> None:
    before = snapshot(app)
    result = add_worker(app, "export_orders")
    after = snapshot(app)
    for rel in (
        "node/workers/exportOrders.ts",
        "node/__tests__/workers/exportOrders.test.ts",
        "node/publishers/exportOrdersRequested.ts",
        "node/routes/exportOrdersJobs.ts",
    ):
        assert rel in result.created
    for rel in result.modified:
        # Filling an empty one-line `routes: {}` splits its line: check bytes, not lines.
        ops = difflib.SequenceMatcher(a=before[rel], b=after[rel], autojunk=False).get_opcodes()
        assert all(tag in {"equal", "insert"} for tag, *_ in ops), rel
    service = json.loads(after["node/service.json"].decode("utf-8-sig"))
    name = json.loads(after["manifest.json"].decode("utf-8-sig"))["name"]
    event = service["events"]["exportOrders"]
    assert event["sender"] == f"acme.{name}"
    assert event.get("topics", event.get("keys")) == ["export-orders-requested"]
    # Private, with the policies that admit who the README says may call them.
    api_keys = "vrn:vtex.vtex-id:*:*:*:user/vtexappkey-*"
    assert service["routes"]["exportOrdersJobs"] == {
        "path": f"/_v/{name}/export-orders/jobs",
        "public": False,
        "policies": [{"effect": "allow", "actions": ["post"], "principals": [api_keys]}],
    }
    assert service["routes"]["exportOrdersJob"]["path"].endswith("/jobs/:jobId")
    assert service["routes"]["exportOrdersJob"]["policies"][0]["actions"] == ["get"]
    redrive = service["routes"]["exportOrdersRedrive"]
    assert redrive["path"] == f"/_v/{name}/export-orders/redrive"
    assert redrive["policies"][0]["principals"] == [
        api_keys,
        "vrn:apps:*:*:*:app/vtex.scheduler@*",
    ]
    policies = [
        p["name"] for p in json.loads(after["manifest.json"].decode("utf-8-sig"))["policies"]
    ]
    assert "colossus-fire-event" in policies and len(policies) == len(set(policies))

    again = add_worker(app, "exportOrders")
    assert again.unchanged
    assert snapshot(app) == after


def test_dry_run(app: Path) -> None:
    before = snapshot(app)
    result = add_worker(app, "export-orders", dry_run=True)
    assert snapshot(app) == before
    assert "node/routes/exportOrdersJobs.ts" in result.diff


def test_routes_join_one_import(tmp_path: Path, gen_cache: Path) -> None:
    app = make_app("generated", tmp_path / "app", gen_cache)
    add_worker(app, "export-orders")
    text = (app / "node/routes/index.ts").read_text()
    names = "exportOrdersJobs, exportOrdersJob, exportOrdersRedrive"
    assert f"import {{ {names} }} from './exportOrdersJobs'" in text


def test_single_worker(tmp_path: Path, gen_cache: Path) -> None:
    app = make_app("generated", tmp_path / "app", gen_cache)
    result = add_worker(app, "reindex", batch=False, route=False, topic="product-changed")
    assert "node/workers/reindex.ts" in result.created
    assert not any("routes" in rel for rel in result.created)
    assert "isProductChangedPayload" in (app / "node/workers/reindex.ts").read_text()


def test_single_worker_has_no_routes_unless_asked_then_refused(
    tmp_path: Path, gen_cache: Path
) -> None:
    app = make_app("generated", tmp_path / "app", gen_cache)
    before = snapshot(app)
    with pytest.raises(InvalidAnswerError, match="--route needs a batch worker"):
        add_worker(app, "reindex", batch=False, route=True)
    assert snapshot(app) == before
    result = add_worker(app, "reindex", batch=False)
    assert not [rel for rel in result.created if "/routes/" in rel]
    assert "reindexJobs" not in (app / "node/service.json").read_text()


def test_conflicts(tmp_path: Path, gen_cache: Path) -> None:
    app = make_app("generated", tmp_path / "app", gen_cache)
    before = snapshot(app)
    with pytest.raises(ConflictError):
        add_worker(app, "order-status-updated")  # a consumer already has that id
    with pytest.raises(ConflictError):
        add_worker(app, "sync-items", topic="other-topic")
    with pytest.raises(ConflictError, match="payload"):
        add_worker(app, "other", topic="items-sync-requested", batch=False, route=False)
    assert snapshot(app) == before


def test_cli(runner: CliRunner, tmp_path: Path, gen_cache: Path) -> None:
    app = make_app("generated", tmp_path / "app", gen_cache)
    result = runner.invoke(cli, ["add-worker", "export-orders", "-C", str(app)])
    assert result.exit_code == 0, result.output
    assert "create node/workers/exportOrders.ts" in result.output
    single = runner.invoke(cli, ["add-worker", "x", "--no-batch", "-C", str(app)])
    assert single.exit_code == 0, single.output
    assert "routes/" not in single.output
    bad = runner.invoke(cli, ["add-worker", "y", "--no-batch", "--route", "-C", str(app)])
    assert bad.exit_code == 1
    assert bad.stderr.startswith("error: --route needs a batch worker")


@pytest.mark.node
def test_generated_app_typechecks_and_passes_its_tests_after_every_add(
    tmp_path: Path, gen_cache: Path
) -> None:
    app = make_app("generated", tmp_path / "app", gen_cache)
    add_event(app, "order-paid", sender="vtex.orders-broadcast", topics=["payment-approved"])
    add_event(app, "partner-update", sender="acme.partner", topics=["updated"])
    add_event(app, "sku-changed", sender="vtex.broadcaster", topics=["broadcaster.notification"])
    add_worker(app, "export-orders")
    add_worker(app, "reindex", batch=False, route=False)
    add_publisher(app, "item-changed")
    checked = nodeapp.typecheck(app / "node")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    tested = nodeapp.jest(app / "node")
    assert tested.returncode == 0, tested.stdout + tested.stderr
