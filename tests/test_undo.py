"""Exact undo: remove-event / remove-worker / remove-publisher give back every byte."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from scaffold.errors import ConflictError
from scaffold.events import add_event, remove_event
from scaffold.publishers import add_publisher, remove_publisher
from scaffold.workers import add_worker, remove_worker
from tests.helpers import FIXTURES, make_app, snapshot, write_tree


def folders(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_dir()}


PAIRS: dict[str, tuple[Callable[[Path], object], Callable[[Path], object]]] = {
    "event": (
        lambda a: add_event(
            a, "payment-approved", sender="vtex.orders-broadcast", topics=["order-status-updated"]
        ),
        lambda a: remove_event(a, "payment-approved"),
    ),
    "batch-worker": (
        lambda a: add_worker(a, "rebuild-index"),
        lambda a: remove_worker(a, "rebuild-index"),
    ),
    "single-worker": (
        lambda a: add_worker(a, "reindex", batch=False),
        lambda a: remove_worker(a, "reindex"),
    ),
    "publisher": (
        lambda a: add_publisher(a, "catalog-exported"),
        lambda a: remove_publisher(a, "catalog-exported"),
    ),
}


@pytest.mark.parametrize("pair", sorted(PAIRS))
@pytest.mark.parametrize("style", [*FIXTURES, "generated", "generated-bare"])
def test_remove_gives_back_every_byte_and_folder(
    tmp_path: Path, gen_cache: Path, style: str, pair: str
) -> None:
    app = make_app(style, tmp_path / "app", gen_cache)
    before, dirs = snapshot(app), folders(app)
    add, remove = PAIRS[pair]
    added = add(app)
    assert snapshot(app) != before
    removed = remove(app)
    assert not removed.notes  # type: ignore[attr-defined]
    assert snapshot(app) == before
    assert folders(app) == dirs
    assert set(removed.deleted) == set(added.created)  # type: ignore[attr-defined]


def test_support_and_policies_stay_while_something_uses_them(
    tmp_path: Path, gen_cache: Path
) -> None:
    app = make_app("no-events", tmp_path / "app", gen_cache)
    add_event(app, "order-paid", sender="vtex.orders-broadcast", topics=["order-paid"])
    manifest = (app / "manifest.json").read_bytes()
    add_event(app, "sku-changed", sender="vtex.broadcaster", topics=["broadcaster.notification"])
    removed = remove_event(app, "sku-changed")
    assert not [rel for rel in removed.deleted if "support" in rel or "platform" in rel]
    assert (app / "manifest.json").read_bytes() == manifest


def test_remove_event_accepts_a_consumer_of_the_apps_own_event(
    tmp_path: Path, gen_cache: Path
) -> None:
    app = make_app("generated", tmp_path / "app", gen_cache)
    before = snapshot(app)
    add_event(app, "audit-items", sender="acme.order-sync", topics=["items-sync-requested"])
    remove_event(app, "audit-items")
    assert snapshot(app) == before
    with pytest.raises(ConflictError, match="is a worker .*remove-worker syncItems"):
        remove_event(app, "sync-items")
    with pytest.raises(ConflictError, match="is a consumer .*remove-event orderStatusUpdated"):
        remove_worker(app, "order-status-updated")


def test_publisher_used_by_a_worker_is_refused(tmp_path: Path, gen_cache: Path) -> None:
    app = make_app("generated", tmp_path / "app", gen_cache)
    before = snapshot(app)
    with pytest.raises(ConflictError, match="still imported by .*node/routes/syncItemsJobs.ts"):
        remove_publisher(app, "items-sync-requested")
    assert snapshot(app) == before


def test_empty_events_map_the_app_wrote_stays(tmp_path: Path) -> None:
    app = tmp_path / "app"
    files = {
        "manifest.json": '{\n  "vendor": "acme",\n  "name": "x",\n  "policies": [],\n'
        '  "$schema": "https://raw.githubusercontent.com/vtex/node-vtex-api/master/gen/manifest.schema"\n}\n',
        "node/service.json": '{\n  "memory": 256,\n  "events": {},\n  "routes": {}\n}\n',
        "node/index.ts": "import { Service } from '@vtex/api'\n\nexport default new Service({\n"
        "  events: {},\n  routes: {},\n})\n",
    }
    write_tree(app, files)
    before = snapshot(app)
    add_event(app, "order-paid", sender="vtex.orders-broadcast", topics=["order-paid"])
    assert "events: { orderPaid }" in (app / "node/index.ts").read_text()
    remove_event(app, "order-paid")
    assert snapshot(app) == before


def test_policies_git_holds_are_the_apps_and_stay(tmp_path: Path, gen_cache: Path) -> None:
    app = make_app("no-events", tmp_path / "app", gen_cache)
    manifest = json.loads((app / "manifest.json").read_text())
    manifest["policies"] = [{"name": "vbase-read-write"}, {"name": "colossus-write-logs"}]
    (app / "manifest.json").write_text(json.dumps(manifest, indent=4) + "\n")
    subprocess.run(["git", "init", "-q", str(app)], check=True)
    subprocess.run(["git", "-C", str(app), "add", "manifest.json"], check=True)
    before = snapshot(app)
    add_event(app, "order-paid", sender="vtex.orders-broadcast", topics=["order-paid"])
    remove_event(app, "order-paid")
    # The ledger that used vbase is gone, yet the app had the policy: it stays.
    assert snapshot(app) == before
