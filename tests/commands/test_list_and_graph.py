"""``scaffold list`` / ``scaffold graph``: generated apps, apps grown with every add-*, fixtures."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scaffold import inventory
from scaffold._rules._source import Project
from scaffold._rules.events_map import read_events_map
from scaffold.cli import app as cli
from scaffold.events import add_event, remove_event
from scaffold.inventory import GRAPH_END, GRAPH_START
from scaffold.publishers import add_publisher
from scaffold.workers import add_worker
from tests.helpers import FIXTURES, make_app

CHECK_FIXTURES = Path(__file__).parents[1] / "fixtures" / "check"


def by_id(inv: inventory.Inventory) -> dict[str, inventory.Item]:
    return {item.id: item for item in inv.items}


def edges(diagram: str) -> set[tuple[str, str]]:
    """``(from, to)`` node ids of every Mermaid edge."""
    return set(re.findall(r"^\s+(\S+) --> (\S+)$", diagram, re.M))


def label(diagram: str, node_id: str) -> str:
    match = re.search(rf"^\s+{re.escape(node_id)}\W+\"(.*?)\"", diagram, re.M)
    assert match, f"{node_id} not in diagram"
    return match.group(1)


def test_generated_app(tmp_path: Path, gen_cache: Path) -> None:
    app = make_app("generated", tmp_path / "app", gen_cache)
    items = by_id(inventory.read_app(app))
    assert {i: (v.kind, v.declared, v.registered) for i, v in items.items()} == {
        "orderStatusUpdated": ("event", True, True),
        "syncItems": ("worker", True, True),
        "syncItemsJobs": ("route", True, True),
        "syncItemsJob": ("route", True, True),
        "syncItemsRedrive": ("route", True, True),
        "publishItemsSyncRequested": ("publisher", None, None),
    }
    event = items["orderStatusUpdated"]
    assert (event.sender, event.topics) == ("vtex.orders-broadcast", ("order-status-updated",))
    assert event.files[-1].startswith("node/events/orderStatusUpdated.ts:")
    marker_file, marker_line = str(event.marker).split(":")
    lines = (app / marker_file).read_text(encoding="utf-8").splitlines()
    assert lines[int(marker_line) - 1].lstrip().startswith("// >>>")
    assert items["syncItemsJobs"].methods == ("POST",)
    assert items["syncItemsJobs"].path == "/_v/order-sync/sync-items/jobs"
    assert items["syncItemsJobs"].publishes == ("publishItemsSyncRequested",)
    assert items["syncItemsJob"].publishes == ()  # the status route only reads
    assert items["syncItemsRedrive"].publishes == ("publishItemsSyncRequested",)
    assert items["publishItemsSyncRequested"].topics == ("items-sync-requested",)
    assert all(item.policies_ok for item in items.values())

    diagram = inventory.mermaid(inventory.read_app(app))
    assert diagram.startswith("flowchart LR\n")
    assert edges(diagram) == {
        ("app_vtex_orders_broadcast", "topic_order_status_updated"),
        ("topic_order_status_updated", "handler_orderStatusUpdated"),
        ("route_syncItemsJobs", "pub_publishItemsSyncRequested"),
        ("route_syncItemsRedrive", "pub_publishItemsSyncRequested"),
        ("pub_publishItemsSyncRequested", "topic_items_sync_requested"),
        ("topic_items_sync_requested", "handler_syncItems"),
    }
    readme = (app / "README.md").read_text(encoding="utf-8")
    assert inventory.readme_block(inventory.read_app(app)) in readme


def test_app_grown_with_every_add(tmp_path: Path, gen_cache: Path) -> None:
    app = make_app("generated-bare", tmp_path / "app", gen_cache)
    assert inventory.read_app(app).items == []
    add_event(
        app,
        "order-status-changed",
        sender="vtex.orders-broadcast",
        topics=["order-status-updated", "order-created"],
    )
    add_event(app, "sku-changed", sender="vtex.broadcaster", topics=["broadcaster.notification"])
    add_worker(app, "export-orders")
    add_worker(app, "reindex", batch=False, route=False)
    add_publisher(app, "item-changed")
    inv = inventory.read_app(app)
    items = by_id(inv)
    assert {i: v.kind for i, v in items.items()} == {
        "orderStatusChanged": "event",
        "skuChanged": "event",
        "exportOrders": "worker",
        "reindex": "worker",
        "exportOrdersJobs": "route",
        "exportOrdersJob": "route",
        "exportOrdersRedrive": "route",
        "publishExportOrdersRequested": "publisher",
        "publishReindexRequested": "publisher",
        "publishItemChanged": "publisher",
    }
    for item in inv.items:
        assert item.policies_ok, item
        if item.kind != "publisher":
            assert (item.declared, item.registered) == (True, True), item
    assert items["orderStatusChanged"].topics == ("order-status-updated", "order-created")
    diagram = inventory.mermaid(inv)
    assert {
        ("app_vtex_orders_broadcast", "topic_order_created"),
        ("topic_order_created", "handler_orderStatusChanged"),
        ("app_vtex_broadcaster", "topic_broadcaster_notification"),
        ("route_exportOrdersJobs", "pub_publishExportOrdersRequested"),
        ("pub_publishExportOrdersRequested", "topic_export_orders_requested"),
        ("topic_export_orders_requested", "handler_exportOrders"),
        ("pub_publishReindexRequested", "topic_reindex_requested"),
        ("topic_reindex_requested", "handler_reindex"),
        ("pub_publishItemChanged", "topic_item_changed"),
    } <= edges(diagram)
    assert "no publisher found" not in diagram
    dot = inventory.dot(inv)
    assert dot.startswith('digraph "acme.order-sync" {')
    assert "  topic_reindex_requested -> handler_reindex;" in dot


@pytest.mark.parametrize("style", FIXTURES)
def test_hand_written_apps_agree_with_check(style: str, tmp_path: Path, gen_cache: Path) -> None:
    app = make_app(style, tmp_path / "app", gen_cache)
    inv = inventory.read_app(app)
    registered = {i.id for i in inv.items if i.kind in {"event", "worker"} and i.registered}
    assert registered == set(read_events_map(Project(app)).keys)
    service = json.loads((app / "node/service.json").read_text(encoding="utf-8-sig"))
    declared = {i.id for i in inv.items if i.kind in {"event", "worker"} and i.declared}
    assert declared == set(service.get("events", {}))
    for item in inv.of("event", "worker", "route"):
        assert item.files, item  # every registered handler resolves to a function in a file
        for ref in item.files:
            rel, line = ref.rsplit(":", 1)
            assert (app / rel).is_file() and int(line) >= 1


def test_middleware_array_lists_every_function(tmp_path: Path, gen_cache: Path) -> None:
    app = make_app("imported-tabs", tmp_path / "app", gen_cache)
    item = by_id(inventory.read_app(app))["orderCreated"]
    assert [ref.rsplit(":", 1)[0] for ref in item.files] == [
        "node/events/validate.ts",
        "node/events/orderCreated.ts",
    ]


def test_routes_of_a_hand_written_app(tmp_path: Path, gen_cache: Path) -> None:
    app = make_app("no-events", tmp_path / "app", gen_cache)
    (route,) = inventory.read_app(app).items
    assert (route.kind, route.methods, route.path) == ("route", ("GET",), "/_v/no-events/status")


def test_not_declared_not_registered_and_unreadable() -> None:
    items = by_id(inventory.read_app(CHECK_FIXTURES / "registration"))
    assert (items["notRegistered"].declared, items["notRegistered"].registered) == (True, False)
    undeclared = items["undeclared-handler"]
    assert (undeclared.declared, undeclared.registered) == (False, True)
    diagram = inventory.mermaid(inventory.read_app(CHECK_FIXTURES / "registration"))
    assert "NOT REGISTERED" in label(diagram, "handler_notRegistered")
    assert "NOT DECLARED" in label(diagram, "handler_undeclared_handler")
    assert "no publisher found" in diagram  # a worker nobody triggers

    unresolved = inventory.read_app(CHECK_FIXTURES / "unresolved")
    assert by_id(unresolved)["fromSpread"].registered is None  # behind a spread: unknown
    assert any("spread" in problem for problem in unresolved.problems)


def test_missing_policies() -> None:
    item = by_id(inventory.read_app(CHECK_FIXTURES / "policies"))["store"]
    assert set(item.missing_policies) == {"ADMIN_DS", "vbase-read-write"}
    assert not item.policies_ok


def test_cli_list_and_graph(tmp_path: Path, gen_cache: Path, runner: CliRunner) -> None:
    app = make_app("generated", tmp_path / "app", gen_cache)
    table = runner.invoke(cli, ["list", str(app / "node")])
    assert table.exit_code == 0, table.output
    head, *rows = table.output.splitlines()
    assert head.split() == [
        "ID",
        "KIND",
        "TRIGGER",
        "HANDLER",
        "DECLARED",
        "REGISTERED",
        "POLICIES",
    ]
    assert any(r.split()[:2] == ["syncItems", "worker"] for r in rows)
    as_json = runner.invoke(cli, ["list", str(app), "--json"])
    data = json.loads(as_json.output)
    assert data["app"] == "acme.order-sync"
    assert {item["id"] for item in data["items"]} == set(by_id(inventory.read_app(app)))
    assert all(item["policies_ok"] for item in data["items"])
    graph = runner.invoke(cli, ["graph", str(app)])
    assert graph.exit_code == 0 and graph.output == inventory.mermaid(inventory.read_app(app))
    dot = runner.invoke(cli, ["graph", str(app), "--format", "dot"])
    assert dot.exit_code == 0 and dot.output.startswith("digraph")
    bad = runner.invoke(cli, ["graph", str(app), "--format", "png"])
    assert bad.exit_code == 2 and "choose mermaid or dot" in bad.output
    outside = runner.invoke(cli, ["list", str(tmp_path)])
    assert outside.exit_code == 1 and "no manifest.json" in outside.output


def block(app: Path) -> str:
    text = (app / "README.md").read_text(encoding="utf-8")
    return text[text.index(GRAPH_START) : text.index(GRAPH_END)]


def test_readme_and_changelog_follow_add_and_remove(tmp_path: Path, gen_cache: Path) -> None:
    app = make_app("generated", tmp_path / "app", gen_cache)
    readme, changelog = (app / "README.md").read_bytes(), (app / "CHANGELOG.md").read_bytes()
    result = add_event(
        app, "order-status-changed", sender="vtex.orders-broadcast", topics=["order-created"]
    )
    assert {"README.md", "CHANGELOG.md"} <= set(result.modified)
    assert "handler_orderStatusChanged" in block(app)
    assert "topic_order_created --> handler_orderStatusChanged" in block(app)
    assert (
        "- `orderStatusChanged` event handler for `vtex.orders-broadcast` / `order-created`.\n"
        in (app / "CHANGELOG.md").read_text(encoding="utf-8")
    )
    remove_event(app, "order-status-changed")
    assert (app / "README.md").read_bytes() == readme
    assert (app / "CHANGELOG.md").read_bytes() == changelog


def test_removing_a_released_handler_is_recorded(tmp_path: Path, gen_cache: Path) -> None:
    app = make_app("generated", tmp_path / "app", gen_cache)
    log = app / "CHANGELOG.md"
    released = log.read_text(encoding="utf-8").replace(
        "## [Unreleased]\n\n### Added", "## [Unreleased]\n\n## [0.1.0] - 2026-01-01\n\n### Added"
    )
    log.write_text(released, encoding="utf-8")
    remove_event(app, "order-status-updated")
    text = log.read_text(encoding="utf-8")
    unreleased = text[text.index("## [Unreleased]") : text.index("## [0.1.0]")]
    assert unreleased == (
        "## [Unreleased]\n\n### Removed\n\n"
        "- `orderStatusUpdated` event handler for `vtex.orders-broadcast` / "
        "`order-status-updated`.\n\n"
    )
    assert "handler_orderStatusUpdated" not in block(app)


def test_dry_run_and_hand_written_readme(tmp_path: Path, gen_cache: Path) -> None:
    app = make_app("inline-semicolons", tmp_path / "app", gen_cache)
    (app / "README.md").write_text("# Mine\n\nNo markers here.\n", encoding="utf-8")
    result = add_event(app, "x", sender="vtex.orders-broadcast", topics=["order-created"])
    assert "README.md" not in result.modified  # no markers: the person's README is theirs
    assert (app / "README.md").read_text(encoding="utf-8") == "# Mine\n\nNo markers here.\n"

    gen = make_app("generated", tmp_path / "gen", gen_cache)
    before = (gen / "README.md").read_bytes()
    dry = add_worker(gen, "reindex", batch=False, route=False, dry_run=True)
    assert "README.md" in dry.diff and (gen / "README.md").read_bytes() == before
    shutil.rmtree(gen)


def test_publishers_are_events_client_calls_named_by_their_function(
    tmp_path: Path, gen_cache: Path
) -> None:
    app = make_app("inline-semicolons", tmp_path / "app", gen_cache)
    (app / "node/resolvers.ts").write_text(
        "export const Users = {\n"
        "  removeUser: async (_: unknown, ctx: Context) => {\n"
        "    await ctx.clients.audit.sendEvent({ operation: 'REMOVE_USER' });\n"
        "    await ctx.clients.events.sendEvent('', `users.removed`, { id: 1 });\n"
        "  },\n"
        "  dynamic: async (topic: string, ctx: Context) => {\n"
        "    await ctx.clients.events.sendEvent('', topic, {});\n"
        "  },\n"
        "};\n",
        encoding="utf-8",
    )
    items = by_id(inventory.read_app(app))
    assert items["removeUser"].topics == ("users.removed",)  # audit.sendEvent({...}) is not one
    assert items["dynamic"].topics == ("?",)
    assert items["removeUser"].missing_policies == ("colossus-fire-event",)


def test_ts_files_lists_what_rglob_lists_without_entering_node_modules(tmp_path: Path) -> None:
    def rglob(root: Path) -> list[str]:
        rels = (p.relative_to(root).as_posix() for p in (root / "node").rglob("*.ts"))
        return sorted(r for r in rels if inventory.listed(r))

    node = tmp_path / "node"
    for rel in [
        "index.ts",
        "events/a.ts",
        "events/a.test.ts",
        "events/b.d.ts",
        "events/readme.md",
        ".hidden/c.ts",
        "__tests__/x.ts",
        "deep/er/still/d.TS",
        "deep/er/still/e.ts",
        "node_modules/@vtex/api/index.ts",
        "x/node_modules/y.ts",
        "folder.ts/inner.ts",
    ]:
        (node / rel).parent.mkdir(parents=True, exist_ok=True)
        (node / rel).write_text("export {}\n", encoding="utf-8")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "o.ts").write_text("export {}\n", encoding="utf-8")
    (node / "linked").symlink_to(outside, target_is_directory=True)
    (node / "linked.ts").symlink_to(outside / "o.ts")
    listed = inventory.ts_files(tmp_path)
    assert listed == rglob(tmp_path)
    assert "node/events/a.ts" in listed and "node/folder.ts" in listed
    assert not any("node_modules" in rel for rel in listed)
