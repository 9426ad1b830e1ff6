"""The diagrams of ``scaffold graph`` parse with the real mermaid parser (npm ``mermaid``)."""

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

HERE = Path(__file__).parent
PARSER = {"mermaid": "11.4.1", "jsdom": "25.0.1"}  # pinned like the generated app's deps


def parse(folder: Path, diagrams: dict[str, str]) -> dict[str, str]:
    """Write each diagram to a file and parse them all; return ``name -> ok/FAIL line``."""
    folder.mkdir()
    package = {"name": "parse-mermaid", "private": True, "type": "module", "dependencies": PARSER}
    (folder / "package.json").write_text(json.dumps(package), encoding="utf-8")
    shutil.copy(HERE / "mermaid_parse.mjs", folder / "parse.mjs")
    nodeapp.ensure_node_modules(folder)
    for name, text in diagrams.items():
        (folder / f"{name}.mmd").write_text(text, encoding="utf-8")
    done = nodeapp.run(folder, "node", "parse.mjs", *(f"{name}.mmd" for name in diagrams))
    lines = {line.split()[1].removesuffix(":"): line for line in done.stdout.splitlines()}
    return {name: lines.get(f"{name}.mmd", done.stderr) for name in diagrams}


def test_every_graph_parses(tmp_path: Path, gen_cache: Path) -> None:
    diagrams: dict[str, str] = {}
    for style in [*FIXTURES, "generated", "generated-bare"]:
        app = make_app(style, tmp_path / style, gen_cache)
        diagrams[style] = inventory.mermaid(inventory.read_app(app))
    grown = make_app("generated", tmp_path / "grown", gen_cache)
    add_event(grown, "sku-changed", sender="vtex.broadcaster", topics=["broadcaster.notification"])
    add_event(grown, "order-status-changed", sender="vtex.orders-broadcast", topics=["a", "b"])
    add_worker(grown, "export-orders")
    add_worker(grown, "reindex", batch=False, route=False)
    add_publisher(grown, "item-changed")
    diagrams["grown"] = inventory.mermaid(inventory.read_app(grown))
    for name in ("registration", "unresolved", "policies"):
        checked = inventory.read_app(HERE / "fixtures" / "check" / name)
        diagrams[f"check-{name}"] = inventory.mermaid(checked)
    diagrams["broken"] = diagrams["grown"].replace('"]]', '"]', 1)  # the parser is strict
    results = parse(tmp_path / "parser", diagrams)
    assert results.pop("broken").startswith("FAIL")
    assert all(line.startswith("ok") for line in results.values()), results
