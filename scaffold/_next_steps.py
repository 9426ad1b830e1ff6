"""What to do after each command: the lines ``cli.py`` prints under "Next steps".

Computed from the app as it is on disk after the command (the same inventory ``scaffold
list`` prints), so a path, a line number or a route is never a guess.
"""

from __future__ import annotations

import os
import shlex
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scaffold._inventory import Inventory, Item

ORDERS = "vtex.orders-broadcast"
CATALOG = "vtex.broadcaster"
ENTITY_MARK = "const DATA_ENTITY = '"


def _shown(path: Path) -> str:
    """``path`` relative to the current folder when inside it, else absolute; shell-quoted."""
    try:
        rel = os.path.relpath(path)
    except ValueError:
        rel = str(path)
    return shlex.quote(str(path) if rel.startswith("..") else rel)


def workspace_note(sender: str | None) -> str | None:
    """The reminder that platform broadcasters notify only ``master`` by default."""
    if sender == ORDERS:
        return (
            "order events reach only the master workspace unless you set Target Workspace in "
            "https://$ACCOUNT.myvtex.com/admin/apps/vtex.orders-broadcast/setup"
        )
    if sender == CATALOG:
        return (
            "catalog events reach only the master workspace unless the Broadcaster app's "
            "setting Notify Target Workspace names your workspace"
        )
    return None


def curl(path: str, method: str, body: str | None) -> str:
    """A copy-paste ``curl`` call of a private route of a linked app."""
    parts = [f"curl -X {method}", f'"https://$WORKSPACE--$ACCOUNT.myvtex.com{path}"']
    parts.append('-H "VtexIdclientAutCookie: $(vtex local token)"')
    if body is not None:
        parts.append("-H 'Content-Type: application/json' -d " + shlex.quote(body))
    return " ".join(parts)


def entity(root: Path) -> str | None:
    """The Master Data entity the ledger writes to, if it uses Master Data."""
    from scaffold._vtex import PROCESSING, detect_store

    try:
        data = (root / PROCESSING).read_bytes()
        text = data.decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    if detect_store(data) != "masterdata" or ENTITY_MARK not in text:
        return None
    return text.split(ENTITY_MARK, 1)[1].split("'", 1)[0]


def _entity_line(root: Path) -> list[str]:
    name = entity(root)
    if name is None:
        return []
    return [
        f"create the Master Data v1 entity {name} before linking (fields: README.md, "
        '"Store"): the ledger keeps its records there'
    ]


def _prefix(root: Path) -> str:
    """How to show paths under ``root`` from the current folder (``""`` when it is cwd)."""
    return "" if root.resolve() == Path.cwd().resolve() else _shown(root).strip("'") + "/"


def _handler_lines(item: Item, prefix: str) -> list[str]:
    lines = []
    if item.marker:
        lines.append(f"write the side effect at {prefix}{item.marker} (the `// >>>` marker)")
    note = workspace_note(item.sender)
    if note:
        lines.append(note)
    return lines


def _route_lines(inv: Inventory, worker: str) -> list[str]:
    lines = []
    for route in inv.of("route"):
        if not route.path or not route.id.startswith(worker):
            continue
        if "POST" in route.methods:
            body = '{"itemIds": ["sku-1", "sku-2"]}'
            lines.append(f"trigger it: {curl(route.path, 'POST', body)}")
        elif "GET" in route.methods:
            path = route.path.replace(":jobId", "$JOB_ID")
            lines.append(f"follow the job: {curl(path, 'GET', None)}")
    return lines


def after_new(dest: Path, example: bool) -> list[str]:
    """Next steps after ``scaffold new``.

    Args:
        dest: The app folder.
        example: Whether the example handlers were generated.

    Returns:
        The lines.
    """
    from scaffold._inventory import read_app

    where = _shown(dest)
    lines = [
        f"cd {where}/node && npm install && npm test   # type-check and run the app's tests",
        f"vtex link   # from {where}, after `vtex login $ACCOUNT && vtex use $WORKSPACE`",
    ]
    lines += _entity_line(dest)
    if example:
        inv = read_app(dest)
        for item in inv.of("event", "worker"):
            lines += _handler_lines(item, _prefix(dest))
        for item in inv.of("worker"):
            lines += _route_lines(inv, item.id)
    else:
        lines.append("add handlers: scaffold add-event NAME, scaffold add-worker NAME")
    lines.append("see the wiring: scaffold list, scaffold graph; lint: scaffold check")
    return lines


def _added_handler(inv: Inventory, ident: str, prefix: str) -> list[str]:
    item = next((i for i in inv.of("event", "worker") if i.id == ident), None)
    if item is None:
        return []
    lines = _handler_lines(item, prefix)
    if item.kind == "worker":
        lines += _route_lines(inv, item.id)
        if not any(r.id.startswith(item.id) for r in inv.of("route")):
            pubs = [p.id for p in inv.of("publisher") if set(p.topics) & set(item.topics)]
            if pubs:
                lines.append(f"publish its event from your code: {pubs[0]}(ctx, ...)")
    return lines


def _added_publisher(inv: Inventory, topic: str) -> list[str]:
    lines = []
    pubs = [p for p in inv.of("publisher") if topic in p.topics]
    if pubs:
        lines.append(f"call {pubs[0].id}(ctx, {{ id }}) from your code ({pubs[0].files[0]})")
    if not any(topic in w.topics for w in inv.of("worker")):
        lines.append(f"consume it: scaffold add-worker NAME --topic {topic} --no-batch --no-route")
    return lines


def after_edit(result: Any) -> list[str]:
    """Next steps after an add-*/remove-* command that changed the app.

    Args:
        result: The command's :class:`scaffold._edit.Result`.

    Returns:
        The lines.
    """
    from scaffold._inventory import read_app
    from scaffold.errors import UserError

    root: Path = result.root
    inv = result.inventory  # read by the edit from the bytes it wrote, when it read it
    if inv is None:
        try:
            inv = read_app(root)
        except UserError:
            return []
    lines: list[str] = []
    if result.command in {"add-event", "add-worker"}:
        lines += _added_handler(inv, result.name, _prefix(root))
    elif result.command == "add-publisher":
        lines += _added_publisher(inv, result.name)
    if result.command.startswith("add-"):
        lines += _entity_line(root)
    if _prefix(root):
        where = _shown(root)
        lines.append(f"cd {where}/node && npm test; then `vtex link` from {where}")
    else:
        lines.append("cd node && npm test; then `vtex link` from here (the app root)")
    lines.append("scaffold list   # every handler declared, registered, with its policies")
    return lines
