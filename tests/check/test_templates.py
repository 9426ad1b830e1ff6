"""`scaffold check` agrees with the code scaffold generates.

A user who writes the side effect exactly where the generated code says (the `// >>>`
markers: inside the ledger's runOnce callback) gets no finding, in every generated variant:
both stores, grown with add-event (each kind of sender) and add-worker (batch and single).
The same side effects written before the ledger decides are reported, one by one, so the
clean result is not the checker seeing nothing.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from scaffold.check import check_app
from scaffold.events import add_event
from scaffold.workers import add_worker
from tests.helpers import generated_app

PARTNER_CLIENT = """import type { InstanceOptions, IOContext } from '@vtex/api'
import { ExternalClient } from '@vtex/api'

export class PartnerClient extends ExternalClient {
  constructor(context: IOContext, options?: InstanceOptions) {
    super('https://partner.example.com', context, options)
  }

  public sendOrder(orderId: string) {
    return this.http.post('/orders', { orderId })
  }

  public async charge(orderId: string, cents: number): Promise<void> {
    await this.http.post(`/orders/${orderId}/charges`, { cents })
  }

  public notify(orderId: string) {
    return this.http.request({ method: 'POST', url: '/notifications', data: { orderId } })
  }
}
"""

CLIENTS = """import { IOClients } from '@vtex/api'

import { PartnerClient } from './partner'

export class Clients extends IOClients {
  public get partner() {
    return this.getOrSet('partner', PartnerClient)
  }
}
"""

# A representative set of side effects; {u} is the unit of work. The severity is what an
# unguarded one is reported with.
EFFECTS = {
    "app client method named like a send": ("await ctx.clients.partner.sendOrder({u})", "error"),
    "app client method named like nothing": ("await ctx.clients.partner.charge({u}, 100)", "error"),
    "destructured app client, request with a method": (
        "const {{ partner }} = ctx.clients\n  await partner.notify({u})",
        "error",
    ),
    "event": ("await ctx.clients.events.sendEvent('', 'unit.done', {{ id: {u} }})", "error"),
    "master data create": (
        "await ctx.clients.masterdata.createDocument("
        "{{ dataEntity: 'XX', fields: {{ unit: {u} }} }})",
        "error",
    ),
    "fetch POST": (
        "await fetch('https://partner.example.com/hook', "
        "{{ method: 'POST', body: JSON.stringify({{ unit: {u} }}) }})",
        "error",
    ),
    "axios post": (
        "await axios.post('https://partner.example.com/hook', {{ unit: {u} }})",
        "error",
    ),
    "vbase write": (
        "await ctx.clients.vbase.saveJSON('partner-sync', {u}, {{ unit: {u} }})",
        "warning",
    ),
}
# The marker's function, and the unit of work each template's parameters give it.
MARKER = re.compile(
    r"// >>>.*?\nexport const \w+: \w+ = async \(ctx, (?P<params>.*?)\) => \{\n", re.S
)
UNITS = {"payload": "keyOf(payload)", "{ jobId, itemId }": "`${jobId}:${itemId}`", "{ id }": "id"}
# The handler a factory returns, before it validates the payload or asks the ledger.
HANDLER_START = re.compile(r"    const \{ logger \} = ctx\.vtex\n")


def grown_app(store: str, cache: Path, dest: Path) -> Path:
    """The generated app (with its example) grown with every kind of consumer and worker."""
    app = dest / f"app-{store}"
    shutil.copytree(generated_app(store, True, cache), app)
    add_event(app, "order-changed", sender="vtex.orders-broadcast", topics=["order-status-updated"])
    add_event(app, "sku-changed", sender="vtex.broadcaster", topics=["broadcaster.notification"])
    add_event(app, "partner-update", sender="acme.partner", topics=["partner-updated"])
    add_worker(app, "export-items")
    add_worker(app, "reindex-product", batch=False, route=False)
    (app / "node" / "clients" / "partner.ts").write_text(PARTNER_CLIENT)
    (app / "node" / "clients" / "index.ts").write_text(CLIENTS)
    manifest = json.loads((app / "manifest.json").read_text())
    names = {p["name"] for p in manifest["policies"]}
    for needed in ("ADMIN_DS", "colossus-fire-event", "vbase-read-write"):
        if needed not in names:
            manifest["policies"].append({"name": needed})
    (app / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return app


def handler_files(app: Path) -> list[Path]:
    node = app / "node"
    files = sorted([*node.glob("events/*.ts"), *node.glob("workers/*.ts")])
    return [f for f in files if MARKER.search(f.read_text())]


def with_import(text: str) -> str:
    return "import axios from 'axios'\n" + text


@pytest.fixture(scope="module", params=["vbase", "masterdata"])
def app(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    cache = tmp_path_factory.mktemp("gen")
    return grown_app(request.param, cache, tmp_path_factory.mktemp("grown"))


def test_every_variant_has_every_marker(app: Path) -> None:
    names = {f.stem for f in handler_files(app)}
    assert names == {
        "orderStatusUpdated",
        "orderChanged",
        "skuChanged",
        "partnerUpdate",
        "syncItems",
        "exportItems",
        "reindexProduct",
    }


def test_side_effects_written_at_the_markers_check_clean(app: Path, tmp_path: Path) -> None:
    filled = tmp_path / "filled"
    shutil.copytree(app, filled)
    block = "".join(f"  {code}\n" for code, _ in EFFECTS.values())
    for path in handler_files(filled):
        text = path.read_text()
        match = MARKER.search(text)
        assert match is not None
        unit = UNITS[match["params"]]
        path.write_text(
            with_import(text[: match.end()] + block.format(u=unit) + text[match.end() :])
        )
    assert check_app(filled) == []


@pytest.mark.parametrize("effect", EFFECTS)
def test_the_same_side_effect_before_the_ledger_decides_is_reported(
    app: Path, tmp_path: Path, effect: str
) -> None:
    code, severity = EFFECTS[effect]
    unguarded = tmp_path / "unguarded"
    shutil.copytree(app, unguarded)
    files = handler_files(unguarded)
    for path in files:
        text = path.read_text()
        match = HANDLER_START.search(text)
        assert match is not None, path
        line = "    " + code.format(u="ctx.vtex.account").replace("\n  ", "\n    ") + "\n"
        path.write_text(with_import(text[: match.end()] + line + text[match.end() :]))
    found = check_app(unguarded, select=["SC101"])
    assert {(f.path, f.severity) for f in found} == {
        (path.relative_to(unguarded).as_posix(), severity) for path in files
    }
