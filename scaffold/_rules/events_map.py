"""SC001-SC003: service.json events and the Service ``events`` object must match."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

from scaffold import _ts
from scaffold._app_files import ANY_MODULE, import_candidates, resolve_import
from scaffold._rules._base import Finding
from scaffold._service_map import Entry, Resolver
from scaffold._ts import FUNCTION_TYPES, unwrap
from scaffold._vtex import INDEX, SERVICE

if TYPE_CHECKING:
    from tree_sitter import Node

    from scaffold._rules._source import JsonFile, Module, Project


class Handler(NamedTuple):
    """A function registered in the events object.

    Attributes:
        event: The event id it is registered under.
        module: The module that defines the function.
        node: The function node.
        bindings: For a handler a factory returns (``createHandler(work)``), the factory's
            parameters and the expressions the call passes them (module, node).
    """

    event: str
    module: Module
    node: Node
    bindings: dict[str, tuple[Module, Node]] = {}  # noqa: RUF012 -- never mutated


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

    The map is found by the same :class:`~scaffold._service_map.Resolver` the add-*/
    remove-event commands use; this reads it leniently: what stops the resolver becomes an
    SC003 finding, and every static key it can read is still checked.

    Args:
        project: The app.

    Returns:
        The events map (``complete`` False with SC003 findings when not fully readable).
    """
    result = EventsMap()
    index = project.module(project.root / INDEX)
    if index is None:
        result.complete = False
        result.findings.append(
            Finding(
                SERVICE,
                1,
                1,
                "SC003",
                "warning",
                f"{INDEX} is missing; cannot find the Service events object",
            )
        )
        return result
    resolver = project.resolver
    found = resolver.service_map(index)
    if found.service is None:
        result.unresolved(index, index.root, "no `new Service(...)` in node/index.ts")
        return result
    if found.options is None:
        return result
    module, config = found.options
    if config.type != "object":
        result.unresolved(module, config, f"the Service config `{_short(config)}` is not an object")
        return result
    if found.map is None:
        if found.options_spread is not None:
            result.unresolved(
                module, found.options_spread, "the Service config is spread from elsewhere"
            )
        return result
    module, events = found.map
    if events.type != "object":
        result.unresolved(module, events, f"the events map `{_short(events)}` is not an object")
        return result
    _read_entries(resolver, result, module, found.entries)
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
                (("event", event),),
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


def _short(node: Node) -> str:
    text = " ".join(_ts.text(node).split())
    return text if len(text) <= 40 else text[:37] + "..."


def _read_entries(
    resolver: Resolver[Module], result: EventsMap, module: Module, entries: list[Entry]
) -> None:
    for entry in entries:
        if entry.member.type == "spread_element":
            result.unresolved(
                module, entry.member, f"`{_short(entry.member)}` spreads entries into the map"
            )
        elif entry.key is None:
            if entry.key_node is not None:
                result.unresolved(
                    module, entry.member, f"`{_short(entry.member)}` has a computed key"
                )
        else:
            assert entry.key_node is not None
            result.keys[entry.key] = (module, entry.key_node)
            for value in entry.values:
                where, function = resolver.follow(module, value)
                if function.type in FUNCTION_TYPES:
                    result.handlers.append(Handler(entry.key, where, function))
                elif function.type == "call_expression":
                    made = _factory_made(resolver, where, function)
                    if made is not None:
                        result.handlers.append(Handler(entry.key, *made))


def _factory_made(
    resolver: Resolver[Module], module: Module, call: Node
) -> tuple[Module, Node, dict[str, tuple[Module, Node]]] | None:
    """The function a factory call returns: ``createHandler(work)`` whose body is
    ``return async function handler(ctx) {...}`` (or ``=> async (ctx) => ...``), with the
    factory's parameters bound to the call's arguments."""
    callee = call.child_by_field_name("function")
    if callee is None:
        return None
    where, factory = resolver.follow(module, callee)
    if factory.type not in FUNCTION_TYPES:
        return None
    body = factory.child_by_field_name("body")
    made: Node | None = None
    if body is not None and body.type != "statement_block":
        made = unwrap(body)
    elif body is not None:
        for statement in body.named_children:
            if statement.type == "return_statement" and statement.named_children:
                made = unwrap(statement.named_children[0])
    if made is None or made.type not in FUNCTION_TYPES:
        return None
    params = factory.child_by_field_name("parameters")
    names = [
        p.child_by_field_name("pattern")
        for p in (params.named_children if params is not None else [])
        if p.type.endswith("_parameter")
    ]
    args = call.child_by_field_name("arguments")
    values = [a for a in args.named_children if a.type != "comment"] if args is not None else []
    bindings = {
        _ts.text(name): (module, value)
        for name, value in zip(names, values, strict=False)
        if name is not None and name.type == "identifier"
    }
    return where, made, bindings


_EXTENSIONS = (".ts", ".tsx", ".d.ts", ".js", ".json", "/index.ts", "/index.tsx", "/index.js")


def check_imports(project: Project, events_map: EventsMap) -> list[Finding]:
    """SC004: relative imports of node/index.ts and of the events map's modules must exist.

    Args:
        project: The app.
        events_map: The registered handlers (their keys name the modules holding the map).

    Returns:
        One finding per import whose module is missing.
    """
    index = project.module(project.root / INDEX)
    modules = {module.rel: module for module, _ in events_map.keys.values()}
    if index is not None:
        modules[index.rel] = index
    findings: list[Finding] = []
    # A module the project has read is a file there: no stat for an import that names one
    # (an events/index.ts imports 200 handlers, each read to follow the map).
    read = project.read_rels()
    for rel in sorted(modules):
        module = modules[rel]
        seen: set[int] = set()
        for imported in module.imports:
            statement = imported.statement
            if statement.start_byte in seen or not imported.source.startswith("."):
                continue
            seen.add(statement.start_byte)
            candidates = import_candidates(module.rel, imported.source, ANY_MODULE)
            if any(candidate in read for candidate in candidates) or resolve_import(
                str(module.path), imported.source, _is_file, ANY_MODULE
            ):
                continue
            source = statement.child_by_field_name("source") or statement
            findings.append(
                module.finding(
                    source,
                    "SC004",
                    "error",
                    f"`{imported.source}` does not exist (no .ts, .js or index.ts there): "
                    "the app does not build and its handlers never run",
                )
            )
    return findings


_is_file = os.path.isfile  # as Path.is_file, without making a Path for each candidate
