"""One source per pattern: add-* renders byte-identical files to `scaffold new`'s example.

Also holds the app helpers the add-*/remove-* tests share.
"""

from __future__ import annotations

import shutil
from functools import cache
from pathlib import Path

import pytest

from scaffold import _names, _render
from scaffold._answers import AppAnswers
from scaffold._edit import SUPPORT_FILES
from scaffold.new import create_app

APPS = Path(__file__).parent / "fixtures" / "apps"
FIXTURES = sorted(p.name for p in APPS.iterdir())
STYLES = [*FIXTURES, "generated"]


@cache
def _generated(store: str, example: bool, cache_dir: Path) -> Path:
    dest = cache_dir / f"gen-{store}-{example}"
    answers = AppAnswers(
        vendor="acme",
        name="order-sync",
        title="Order Sync",
        description="",
        store="masterdata" if store == "masterdata" else "vbase",
        example=example,
    )
    create_app(dest, answers)
    return dest


def make_app(style: str, dest: Path, cache_dir: Path, *, store: str = "vbase") -> Path:
    """Copy a fixture app, or a generated one (``generated``, ``generated-bare``), to ``dest``."""
    if style.startswith("generated"):
        shutil.copytree(_generated(store, style != "generated-bare", cache_dir), dest)
    else:
        shutil.copytree(APPS / style, dest)
    return dest


@pytest.fixture(scope="session")
def gen_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("generated")


CONSUMER = _names.component_vars(
    "order-status-updated", sender="vtex.orders-broadcast", topics=["order-status-updated"]
)
WORKER = _names.component_vars(
    "sync-items", topic="items-sync-requested", vendor="acme", app_name="order-sync", kind="job"
)
EXAMPLE = {
    "node/events/orderStatusUpdated.ts": (
        "templates/components/consumer/handler.ts.jinja",
        CONSUMER,
    ),
    "node/__tests__/orderStatusUpdated.test.ts": (
        "templates/components/consumer/handler.test.ts.jinja",
        CONSUMER,
    ),
    "node/workers/syncItems.ts": ("templates/components/worker/worker.ts.jinja", WORKER),
    "node/__tests__/syncItems.test.ts": (
        "templates/components/worker/worker.test.ts.jinja",
        WORKER,
    ),
    "node/publishers/itemsSyncRequested.ts": (
        "templates/components/publisher/publisher.ts.jinja",
        WORKER,
    ),
    "node/__tests__/itemsSyncRequested.test.ts": (
        "templates/components/publisher/publisher.test.ts.jinja",
        WORKER,
    ),
    "node/routes/syncItemsJobs.ts": ("templates/components/routes/jobs.ts.jinja", WORKER),
    "node/__tests__/syncItemsJobs.test.ts": (
        "templates/components/routes/jobs.test.ts.jinja",
        WORKER,
    ),
}


@pytest.mark.parametrize("store", ["vbase", "masterdata"])
def test_components_render_what_new_renders(store: str, gen_cache: Path) -> None:
    app = _generated(store, True, gen_cache)
    for rel, (template, variables) in EXAMPLE.items():
        assert _render.render(template, **variables).encode() == (app / rel).read_bytes(), rel
    for template, rel in SUPPORT_FILES:
        assert _render.render(template, store=store).encode() == (app / rel).read_bytes(), rel


def test_example_names_come_from_one_function() -> None:
    assert WORKER == {
        "handler_id": "syncItems",
        "handler_pascal": "SyncItems",
        "handler_kebab": "sync-items",
        "handler_const": "SYNC_ITEMS",
        "topic": "items-sync-requested",
        "topic_const": "ITEMS_SYNC_REQUESTED",
        "topic_pascal": "ItemsSyncRequested",
        "topic_camel": "itemsSyncRequested",
        "app_id": "acme.order-sync",
        "app_name": "order-sync",
        "kind": "job",
    }
    assert _names.component_vars("orderStatusUpdated")["handler_const"] == "ORDER_STATUS_UPDATED"
