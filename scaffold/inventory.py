"""``scaffold list`` / ``scaffold graph``: the inventory as a table, Mermaid, DOT, a README block.

The model (reading what an app has) is :mod:`scaffold._inventory`; its names are re-exported
here, so ``inventory.read_app`` and ``inventory.mermaid`` stand side by side.
"""

from __future__ import annotations

import json
import re

from scaffold._inventory import (
    Inventory,
    Item,
    Kind,
    Parses,
    Reader,
    inventory,
    listed,
    read_app,
    ts_files,
)

__all__ = [
    "GRAPH_END",
    "GRAPH_START",
    "Inventory",
    "Item",
    "Kind",
    "Parses",
    "Reader",
    "dot",
    "inventory",
    "listed",
    "mermaid",
    "read_app",
    "readme_block",
    "table",
    "ts_files",
]

GRAPH_START = "<!-- scaffold:graph:start (scaffold add-*/remove-* rewrite this block) -->"
GRAPH_END = "<!-- scaffold:graph:end -->"


def _mark(value: bool | None) -> str:
    return {True: "yes", False: "NO", None: "?"}[value]


def table(inv: Inventory, width: int | None = None) -> list[str]:
    """Render the inventory as a plain-text table (what ``scaffold list`` prints).

    Args:
        inv: The inventory.
        width: The terminal's width: a table wider than that is printed as one block per
            item (id and kind, then one field per line) instead; None: always the table.

    Returns:
        The lines.
    """
    head = ("ID", "KIND", "TRIGGER", "HANDLER", "DECLARED", "REGISTERED", "POLICIES")
    rows = [
        (
            item.id,
            item.kind,
            item.trigger,
            item.files[-1] if item.files else "?",
            "-" if item.declared is None else _mark(item.declared),
            "-" if item.kind == "publisher" else _mark(item.registered),
            "ok" if item.policies_ok else "missing " + ", ".join(item.missing_policies),
        )
        for item in inv.items
    ]
    if not rows:
        return [f"{inv.app_id}: no events, workers, publishers or routes found"]
    widths = [max(len(r[i]) for r in (head, *rows)) for i in range(len(head) - 1)]
    lines = []
    for row in (head, *rows):
        cells = [cell.ljust(size) for cell, size in zip(row, widths, strict=False)]
        lines.append("  ".join([*cells, row[-1]]).rstrip())
    if width is not None and max(len(line) for line in lines) > width:
        lines = []
        for row in rows:
            lines.append(f"{row[0]}  ({row[1]})")
            fields = zip(head[2:], row[2:], strict=True)
            lines += [f"  {name.lower():<10}  {cell}" for name, cell in fields]
    lines += [f"note: {problem}" for problem in inv.problems]
    return lines


_ID = re.compile(r"[^A-Za-z0-9_]")


class _Graph:
    def __init__(self) -> None:
        self.nodes: dict[str, tuple[str, str]] = {}  # id -> (label, shape)
        self.edges: list[tuple[str, str, str]] = []  # (from, to, label)
        self._ids: dict[tuple[str, ...], str] = {}
        # The ids given and the edges drawn, as sets: a 200-handler app has ~600 of each.
        self._taken: set[str] = set()
        self._edges: set[tuple[str, str, str]] = set()

    def id(self, prefix: str, *parts: str) -> str:
        """A readable id for (prefix, parts), never another key's: ``order.created`` and
        ``order-created`` both read ``order_created``, so the second met is ``..._2``."""
        key = (prefix, *parts)
        if key not in self._ids:
            base = f"{prefix}_{_ID.sub('_', parts[-1])}"
            found, n = base, 1
            while found in self._taken:
                n += 1
                found = f"{base}_{n}"
            self._ids[key] = found
            self._taken.add(found)
        return self._ids[key]

    def node(self, node_id: str, label: str, shape: str) -> str:
        self.nodes.setdefault(node_id, (label, shape))
        return node_id

    def edge(self, a: str, b: str, label: str = "") -> None:
        if (a, b, label) not in self._edges:
            self._edges.add((a, b, label))
            self.edges.append((a, b, label))


def _build(inv: Inventory) -> _Graph:
    """Other apps' events first (sender -> topic -> handler), then the app's own work
    (route -> publisher -> topic -> worker)."""
    g = _Graph()
    # A topic is one node per (sender, topic): two apps' `order-created` are two events.
    published = {topic for pub in inv.of("publisher") for topic in pub.topics}
    for item in inv.of("event"):
        hid = g.node(g.id("handler", item.id), _handler_label(item), "event")
        sender = item.sender or "?"
        own = sender == inv.app_id
        sid = None if own else g.node(g.id("app", sender), sender, "app")
        for topic in item.topics:
            tid = g.node(g.id("topic", sender, topic), topic, "topic")
            if sid is not None:
                g.edge(sid, tid)
            g.edge(tid, hid)
    for item in inv.of("route"):
        rid = g.node(g.id("route", item.id), f"{item.trigger}<br/>{item.id}", "route")
        for name in item.publishes:
            g.edge(rid, g.id("pub", name))
    for publisher in inv.of("publisher"):
        pid = g.node(g.id("pub", publisher.id), f"{publisher.id}()", "publisher")
        for topic in publisher.topics:
            g.edge(pid, g.node(g.id("topic", inv.app_id, topic), topic, "topic"))
    _workers(g, inv, published)
    return g


def _workers(g: _Graph, inv: Inventory, published: set[str]) -> None:
    for item in inv.of("worker"):
        hid = g.node(g.id("handler", item.id), _handler_label(item), "worker")
        for topic in item.topics:
            tid = g.node(g.id("topic", inv.app_id, topic), topic, "topic")
            if topic not in published:
                g.edge(g.node(f"nopub_{tid}", "no publisher found", "warn"), tid)
            g.edge(tid, hid)
    for item in inv.of("event", "worker"):
        for pub in item.publishes:
            g.edge(g.id("handler", item.id), g.id("pub", pub))


def _handler_label(item: Item) -> str:
    label = f"{item.id}"
    if item.declared is False:
        label += "<br/>NOT DECLARED in service.json"
    if item.registered is False:
        label += "<br/>NOT REGISTERED in new Service"
    return label


_MERMAID_SHAPES = {
    "app": ('["', '"]'),
    "topic": ('(["', '"])'),
    "event": ('["', '"]'),
    "worker": ('[["', '"]]'),
    "publisher": ('>"', '"]'),
    "route": ('{{"', '"}}'),
    "warn": ('["', '"]'),
}


def mermaid(inv: Inventory) -> str:
    """Render the event topology as a Mermaid flowchart.

    Senders -> topics -> handlers for other apps' events; routes -> publishers -> the app's
    own topics -> workers for background work.

    Args:
        inv: The inventory.

    Returns:
        The diagram source (no code fence).
    """
    g = _build(inv)
    lines = ["flowchart LR"]
    if not g.nodes:
        lines.append(f'  empty["{inv.app_id}: no events, workers or routes"]')
    for node_id, (label, shape) in g.nodes.items():
        left, right = _MERMAID_SHAPES[shape]
        lines.append(f"  {node_id}{left}{_escape(label)}{right}")
    for a, b, label in g.edges:
        lines.append(f"  {a} -->{'|' + label + '|' if label else ''} {b}")
    return "\n".join(lines) + "\n"


def _escape(label: str) -> str:
    return label.replace('"', "#quot;")


_DOT_SHAPES = {
    "app": "box",
    "topic": "ellipse",
    "event": "box",
    "worker": "box3d",
    "publisher": "cds",
    "route": "hexagon",
    "warn": "note",
}


def dot(inv: Inventory) -> str:
    """Render the event topology as Graphviz DOT (same graph as :func:`mermaid`).

    Args:
        inv: The inventory.

    Returns:
        The DOT source.
    """
    g = _build(inv)
    lines = [f"digraph {json.dumps(inv.app_id)} {{", "  rankdir=LR;"]
    for node_id, (label, shape) in g.nodes.items():
        text = json.dumps(label.replace("<br/>", "\n"))
        lines.append(f"  {node_id} [label={text}, shape={_DOT_SHAPES[shape]}];")
    for a, b, label in g.edges:
        extra = f" [label={json.dumps(label)}]" if label else ""
        lines.append(f"  {a} -> {b}{extra};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def readme_block(inv: Inventory) -> str:
    """The README block between the graph markers, markers included.

    Args:
        inv: The inventory.

    Returns:
        The block, ending with a newline.
    """
    return f"{GRAPH_START}\n```mermaid\n{mermaid(inv)}```\n{GRAPH_END}\n"
