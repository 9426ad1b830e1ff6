"""``scaffold graph`` output parses with the real tools: npm ``mermaid`` and Graphviz (wasm)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from scaffold import inventory
from scaffold.events import add_event
from scaffold.publishers import add_publisher
from scaffold.workers import add_worker
from tests import nodeapp
from tests.helpers import FIXTURES, make_app

pytestmark = pytest.mark.node

HERE = Path(__file__).parents[1]
# pinned like the generated app's dependencies
PARSER = {"mermaid": "11.4.1", "jsdom": "25.0.1", "@hpcc-js/wasm-graphviz": "1.29.2"}


def parse(folder: Path, diagrams: dict[str, str], *, fmt: str) -> dict[str, str]:
    """Write each diagram to a file and parse them all; return ``name -> ok/FAIL line``."""
    folder.mkdir()
    package = {"name": "parse-graphs", "private": True, "type": "module", "dependencies": PARSER}
    (folder / "package.json").write_text(json.dumps(package), encoding="utf-8")
    script = "mermaid_parse.mjs" if fmt == "mermaid" else "dot_parse.mjs"
    shutil.copy(HERE / script, folder / "parse.mjs")
    nodeapp.ensure_node_modules(folder)
    for name, text in diagrams.items():
        (folder / f"{name}.{fmt}").write_text(text, encoding="utf-8")
    done = nodeapp.run(folder, "node", "parse.mjs", *(f"{name}.{fmt}" for name in diagrams))
    lines = {line.split()[1].removesuffix(":"): line for line in done.stdout.splitlines()}
    return {name: lines.get(f"{name}.{fmt}", done.stderr) for name in diagrams}


def inventories(tmp_path: Path, gen_cache: Path) -> dict[str, inventory.Inventory]:
    """Fixtures, generated apps, an app grown with every add-*, and the check fixtures."""
    found: dict[str, inventory.Inventory] = {}
    for style in [*FIXTURES, "generated", "generated-bare"]:
        found[style] = inventory.read_app(make_app(style, tmp_path / style, gen_cache))
    grown = make_app("generated", tmp_path / "grown", gen_cache)
    add_event(grown, "sku-changed", sender="vtex.broadcaster", topics=["broadcaster.notification"])
    add_event(grown, "order-status-changed", sender="vtex.orders-broadcast", topics=["a", "b"])
    add_worker(grown, "export-orders")
    add_worker(grown, "reindex", batch=False, route=False)
    add_publisher(grown, "item-changed")
    found["grown"] = inventory.read_app(grown)
    for name in ("registration", "unresolved", "policies"):
        found[f"check-{name}"] = inventory.read_app(HERE / "fixtures" / "check" / name)
    return found


def test_every_graph_parses(tmp_path: Path, gen_cache: Path) -> None:
    found = inventories(tmp_path, gen_cache)
    mermaid = {name: inventory.mermaid(inv) for name, inv in found.items()}
    mermaid["broken"] = mermaid["grown"].replace('"]]', '"]', 1)  # the parser is strict
    results = parse(tmp_path / "mermaid", mermaid, fmt="mermaid")
    assert results.pop("broken").startswith("FAIL")
    assert all(line.startswith("ok") for line in results.values()), results

    dot = {name: inventory.dot(inv) for name, inv in found.items()}
    dot["broken"] = dot["grown"].replace("];", "];;[", 1)
    results = parse(tmp_path / "dot", dot, fmt="dot")
    assert results.pop("broken").startswith("FAIL")
    assert all(line.startswith("ok") for line in results.values()), results
