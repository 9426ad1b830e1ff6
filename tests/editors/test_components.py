"""One source per pattern: add-* renders byte-identical files to `scaffold new`'s example."""

from __future__ import annotations

from pathlib import Path

import pytest

from scaffold import _names, _render
from scaffold._edit import SUPPORT_FILES
from scaffold._project import DEFAULT_HOST_VARS
from tests.helpers import generated_app

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
    "node/__tests__/events/orderStatusUpdated.test.ts": (
        "templates/components/consumer/handler.test.ts.jinja",
        CONSUMER,
    ),
    "node/workers/syncItems.ts": ("templates/components/worker/worker.ts.jinja", WORKER),
    "node/__tests__/workers/syncItems.test.ts": (
        "templates/components/worker/worker.test.ts.jinja",
        WORKER,
    ),
    "node/publishers/itemsSyncRequested.ts": (
        "templates/components/publisher/publisher.ts.jinja",
        WORKER,
    ),
    "node/__tests__/publishers/itemsSyncRequested.test.ts": (
        "templates/components/publisher/publisher.test.ts.jinja",
        WORKER,
    ),
    "node/routes/syncItemsJobs.ts": ("templates/components/routes/jobs.ts.jinja", WORKER),
    "node/__tests__/routes/syncItemsJobs.test.ts": (
        "templates/components/routes/jobs.test.ts.jinja",
        WORKER,
    ),
}


@pytest.mark.parametrize("store", ["vbase", "masterdata"])
def test_components_render_what_new_renders(store: str, gen_cache: Path) -> None:
    app = generated_app(store, True, gen_cache)
    for rel, (template, variables) in EXAMPLE.items():
        rendered = _render.render(template, **DEFAULT_HOST_VARS, **variables)
        assert rendered.encode() == (app / rel).read_bytes(), rel
    for template, rel in SUPPORT_FILES:
        rendered = _render.render(template, **DEFAULT_HOST_VARS, store=store)
        assert rendered.encode() == (app / rel).read_bytes(), rel


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
