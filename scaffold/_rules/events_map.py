"""SC001-SC003: service.json events and the Service ``events`` object must match."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from scaffold import _ts
from scaffold._rules._base import Finding
from scaffold._rules._tsnav import FUNCTION_TYPES, key_text, member_chain, resolve, unwrap

if TYPE_CHECKING:
    from tree_sitter import Node

    from scaffold._rules._source import JsonFile, Module, Project


@dataclass(frozen=True)
class Handler:
    """A function registered in the events object.

    Attributes:
        event: The event id it is registered under.
        module: The module that defines the function.
        node: The function node.
    """

    event: str
    module: Module
    node: Node


@dataclass
class EventsMap:
    """What the Service ``events`` object registers, as far as it can be read statically.

    Attributes:
        keys: Event id -> (module, key node) of each registered entry.
        handlers: The functions those entries resolve to.
        complete: False when part of the map could not be read (spread, computed key, call).
        findings: SC003 findings explaining what could not be read.
    """

    keys: dict[str, tuple[Module, Node]] = field(default_factory=dict)
    handlers: list[Handler] = field(default_factory=list)
    complete: bool = True
    findings: list[Finding] = field(default_factory=list)

    def unresolved(self, module: Module, node: Node, why: str) -> None:
        """Record that (part of) the map cannot be read statically."""
        self.complete = False
        self.findings.append(
            module.finding(
                node,
                "SC003",
                "warning",
                f"{why}; cannot check event registration statically here",
            )
        )


def read_events_map(project: Project) -> EventsMap:
    """Find the Service ``events`` object from node/index.ts and read its entries.

    Args:
        project: The app.

    Returns:
        The events map (``complete`` False with SC003 findings when not fully readable).
    """
    result = EventsMap()
    index = project.module(project.node / "index.ts")
    if index is None:
        result.complete = False
        result.findings.append(
            Finding(
                "node/service.json",
                1,
                1,
                "SC003",
                "warning",
                "node/index.ts is missing; cannot find the Service events object",
            )
        )
        return result
    service = next(
        (
            n
            for n in _ts.walk(index.root)
            if n.type == "new_expression" and _constructor_is_service(n)
        ),
        None,
    )
    if service is None:
        result.unresolved(index, index.root, "no `new Service(...)` in node/index.ts")
        return result
    args = service.child_by_field_name("arguments")
    first = _named(args)[0] if args is not None and _named(args) else None
    if first is None:
        return result
    module, config = resolve(project, index, first)
    if config.type != "object":
        result.unresolved(module, config, f"the Service config `{_short(config)}` is not an object")
        return result
    events = _events_property(result, module, config)
    if events is None:
        return result
    module, events = resolve(project, module, events)
    if events.type != "object":
        result.unresolved(module, events, f"the events map `{_short(events)}` is not an object")
        return result
    _read_entries(project, result, module, events)
    return result


def check_registration(service: JsonFile | None, events_map: EventsMap) -> list[Finding]:
    """SC001/SC002: compare service.json ``events`` with the registered handlers.

    Args:
        service: node/service.json, or None if it is invalid.
        events_map: What the Service registers.

    Returns:
        The findings, including the map's own SC003 findings.
    """
    findings = list(events_map.findings)
    if service is None or not isinstance(service.data, dict):
        return findings
    declared = service.data.get("events")
    declared = declared if isinstance(declared, dict) else {}
    if events_map.complete:
        findings.extend(
            service.finding(
                ("events", event),
                "SC001",
                "error",
                f"event `{event}` has no handler in the Service events object: the runtime "
                f'would answer 404 "Event handler not found for {event}"',
            )
            for event in declared
            if event not in events_map.keys
        )
    findings.extend(
        module.finding(
            key,
            "SC002",
            "error",
            f"handler `{event}` is not declared under `events` in node/service.json, "
            "so it never runs",
        )
        for event, (module, key) in events_map.keys.items()
        if event not in declared
    )
    return findings


def _constructor_is_service(node: Node) -> bool:
    constructor = node.child_by_field_name("constructor")
    return constructor is not None and member_chain(constructor)[-1:] == ["Service"]


def _named(node: Node) -> list[Node]:
    return [child for child in node.named_children if child.type != "comment"]


def _short(node: Node) -> str:
    text = " ".join(_ts.text(node).split())
    return text if len(text) <= 40 else text[:37] + "..."


def _events_property(result: EventsMap, module: Module, config: Node) -> Node | None:
    spread: Node | None = None
    for child in _named(config):
        if child.type == "pair":
            key = child.child_by_field_name("key")
            if key is not None and key_text(key) == "events":
                return child.child_by_field_name("value")
        elif child.type == "shorthand_property_identifier" and _ts.text(child) == "events":
            return child
        elif child.type == "spread_element":
            spread = child
    if spread is not None:
        result.unresolved(module, spread, "the Service config is spread from elsewhere")
    return None


def _read_entries(project: Project, result: EventsMap, module: Module, events: Node) -> None:
    for entry in _named(events):
        if entry.type == "spread_element":
            result.unresolved(module, entry, f"`{_short(entry)}` spreads entries into the map")
            continue
        key: Node | None
        if entry.type == "shorthand_property_identifier":
            key, values = entry, [entry]
        elif entry.type in {"pair", "method_definition"}:
            key = entry.child_by_field_name("key") or entry.child_by_field_name("name")
            value = entry.child_by_field_name("value")
            values = [entry] if value is None else _elements(value)
        else:
            continue
        event = key_text(key) if key is not None else None
        if key is None or event is None:
            result.unresolved(module, entry, f"`{_short(entry)}` has a computed key")
            continue
        result.keys[event] = (module, key)
        for value in values:
            where, function = resolve(project, module, value)
            if function.type in FUNCTION_TYPES:
                result.handlers.append(Handler(event, where, function))


def _elements(value: Node) -> list[Node]:
    value = unwrap(value)
    return _named(value) if value.type == "array" else [value]
