"""Edit the events map of an app's TypeScript by position, found with tree-sitter.

``locate_events`` follows ``new Service({...})`` to the object literal that holds the
event handlers: inline, a ``const`` in the same file, or a binding imported from a
relative module (``import { events } from './events'``). It reads the map with
:class:`scaffold._service_map.Resolver`, the same resolver ``scaffold check`` uses, and
refuses the first problem that resolver meets. ``add_handler`` and
``remove_handler`` then splice only the bytes they own (one import line, one member)
in the file's own style: quotes, semicolons, indent unit, trailing commas, line
endings and BOM. Removing what was added gives back the original bytes.

Anything built at run time (a function call, a spread, a computed key, a ``let`` that
is reassigned) is refused with a :class:`~scaffold.errors.ProjectError` that names the
file and line and says what to add by hand; nothing is changed in that case.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Literal, NamedTuple

from scaffold import _service_map, _ts
from scaffold._vtex import INDEX
from scaffold.errors import ConflictError, ProjectError, ScaffoldError

if TYPE_CHECKING:
    from tree_sitter import Node

_IDENT = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")

ReadModule = Callable[[str], "bytes | None"]
"""Return the bytes of a file given its path relative to the app root, or ``None``."""

_Edit = tuple[int, int, str]


class EventsLocation(NamedTuple):
    """Where an app's events map lives, in one snapshot of one file.

    Attributes:
        file: The file holding the map, relative to the app root (``node/index.ts``).
        offset: Byte offset (after any BOM) of the map's ``{``; when ``missing``, of
            the ``{`` of the options object given to ``new Service``.
        line: 1-based line of that ``{``.
        missing: The Service has no ``events`` yet; ``add_handler`` adds
            ``events: { ... }`` to its options.
        keys: The handler ids already in the map, in order.
        prop: The Service option the map is given as: ``events`` or ``routes``.
    """

    file: str
    offset: int
    line: int
    missing: bool
    keys: tuple[str, ...]
    prop: str = "events"

    def has_handler(self, key: str) -> bool:
        """Return whether ``key`` is already a handler id in the map.

        Args:
            key: A handler id.

        Returns:
            True if the events map has that key.
        """
        return key in self.keys


def manual_hint(key: str, import_name: str, module_file: str) -> str:
    """Say in one sentence what to add by hand when scaffold refuses to edit.

    Args:
        key: The handler id (key in service.json ``events``).
        import_name: The exported name of the handler.
        module_file: The handler's file, relative to the app root.

    Returns:
        The sentence, to pass as ``hint`` to :func:`locate_events`.
    """
    member = key if key == import_name else f"{key}: {import_name}"
    return (
        f"add it by hand: import {{ {import_name} }} from {module_file} and put "
        f"`{member},` in the events object given to new Service"
    )


def relative_import(from_file: str, to_file: str) -> str:
    """Return the import specifier of ``to_file`` as seen from ``from_file``.

    Args:
        from_file: The importing file, relative to the app root.
        to_file: The imported ``.ts`` file, relative to the app root.

    Returns:
        A relative specifier without extension (``./orderCreated``, ``../events``).
    """
    target = to_file[:-3] if to_file.endswith(".ts") else to_file
    if target.endswith("/index"):
        target = target[: -len("/index")]
    spec = posixpath.relpath(target, posixpath.dirname(from_file) or ".")
    return spec if spec.startswith(".") else f"./{spec}"


class _Doc:
    """One parsed TypeScript file and the facts about its style."""

    def __init__(self, source: bytes, file: str) -> None:
        self.bom = _ts.BOM if source.startswith(_ts.BOM) else b""
        self.body = source[len(self.bom) :]
        self.file = file
        self.root = _ts.parse(self.body).root_node
        if self.root.has_error:
            raise _cannot_parse(file, _ts.first_error(self.root))
        self.eol = "\r\n" if b"\r\n" in self.body else "\n"
        self.unit = self._indent_unit()

    def _indent_unit(self) -> str:
        widths: list[int] = []
        for line in self.body.decode("utf-8", errors="replace").splitlines():
            stripped = line.lstrip(" \t")
            if not stripped or stripped == line or stripped.startswith("*"):
                continue
            if line.startswith("\t"):
                return "\t"
            widths.append(len(line) - len(stripped))
        return " " * min(widths) if widths else "  "

    def text(self, node: Node) -> str:
        return self.body[node.start_byte : node.end_byte].decode("utf-8")

    def line(self, node: Node) -> int:
        return node.start_point.row + 1

    def line_start(self, pos: int) -> int:
        return self.body.rfind(b"\n", 0, pos) + 1

    def line_end(self, pos: int) -> int:
        """Offset of the line ending after ``pos`` (before any ``\\r``), or the end."""
        end = self.body.find(b"\n", pos)
        if end < 0:
            return len(self.body)
        return end - 1 if self.body[end - 1 : end] == b"\r" else end

    def next_line_start(self, pos: int) -> int:
        end = self.body.find(b"\n", pos)
        return len(self.body) if end < 0 else end + 1

    def indent_at(self, pos: int) -> tuple[str, bool]:
        before = self.body[self.line_start(pos) : pos]
        lead = before[: len(before) - len(before.lstrip(b" \t"))]
        return lead.decode(), lead == before

    def object_at(self, offset: int) -> Node:
        node: Node | None = self.root.descendant_for_byte_range(offset, offset + 1)
        while node is not None and not (node.type == "object" and node.start_byte == offset):
            node = node.parent
        if node is None:
            raise ScaffoldError(
                f"internal error: {self.file} changed since its events map was located"
            )
        return node

    def trailing_commas(self) -> bool:
        """Whether multi-line lists in this file end with a comma (default: yes)."""
        votes = []
        for node in _ts.walk(self.root):
            if node.type not in {"object", "array", "arguments", "named_imports", "object_type"}:
                continue
            if b"\n" not in self.body[node.start_byte : node.end_byte]:
                continue
            items = _ts.members(node)
            if items:
                votes.append(_comma_after(items[-1]) is not None)
        return sum(votes) * 2 >= len(votes) if votes else True

    def semicolons(self) -> bool:
        kinds = {"import_statement", "lexical_declaration", "expression_statement"}
        ends = [
            n.children[-1].type == ";"
            for n in self.root.children
            if n.type in kinds | {"export_statement"} and n.children
        ]
        return sum(ends) * 2 > len(ends) if ends else False

    def apply(self, edits: list[_Edit]) -> bytes:
        body = self.body
        for start, end, text in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
            body = body[:start] + text.encode("utf-8") + body[end:]
        if body != self.body and _ts.parse(body).root_node.has_error:
            raise ScaffoldError(f"internal error: an edit of {self.file} broke its syntax")
        return self.bom + body


def _cannot_parse(file: str, bad: Node) -> ProjectError:
    return ProjectError(
        f"{file}:{bad.start_point.row + 1}: cannot parse this TypeScript; fix the syntax error "
        "(`npx tsc --noEmit` shows it) and run again, nothing was changed"
    )


def _comma_after(node: Node) -> Node | None:
    sibling = node.next_sibling
    while sibling is not None and sibling.type == "comment":
        sibling = sibling.next_sibling
    return sibling if sibling is not None and sibling.type == "," else None


def _member_key(doc: _Doc, member: Node) -> str | None:
    """The static key of an object member; ``None`` for a spread or a computed key."""
    if member.type == "shorthand_property_identifier":
        return doc.text(member)
    if member.type in {"pair", "method_definition"}:
        key = member.child_by_field_name("key" if member.type == "pair" else "name")
        if key is None or key.type == "computed_property_name":
            return None
        return _ts.string_text(key) if key.type == "string" else doc.text(key)
    return None


def _top_statements(doc: _Doc) -> list[Node]:
    out = []
    for stmt in doc.root.named_children:
        if stmt.type != "export_statement":
            out.append(stmt)  # only an export's declaration is taken
            continue
        declaration = stmt.child_by_field_name("declaration")
        out.append(declaration if stmt.type == "export_statement" and declaration else stmt)
    return out


def _declarator(doc: _Doc, name: str) -> Node | None:
    for stmt in _top_statements(doc):
        if stmt.type in {"lexical_declaration", "variable_declaration"}:
            for decl in stmt.named_children:
                target = decl.child_by_field_name("name")
                if decl.type == "variable_declarator" and target and doc.text(target) == name:
                    return decl
        elif stmt.type in {"function_declaration", "class_declaration"}:
            target = stmt.child_by_field_name("name")
            if target is not None and doc.text(target) == name:
                return stmt
    return None


def _find_import(doc: _Doc, local: str) -> _ts.Import | None:
    return next((item for item in _ts.imports(doc.root) if item.local == local), None)


def locate_events(
    index_source: bytes,
    read_module: ReadModule,
    *,
    index_file: str = INDEX,
    hint: str = "add the handler to the events object given to new Service by hand",
    prop: Literal["events", "routes"] = "events",
    keep: dict[str, _service_map.ServiceMap[_service_map.Source]] | None = None,
) -> EventsLocation:
    """Find the object literal that holds the app's event handlers (or its routes).

    Args:
        index_source: The bytes of the file that calls ``new Service``.
        read_module: Reads another file of the app (path relative to the app root),
            returning ``None`` if it does not exist.
        index_file: ``index_source``'s path relative to the app root.
        hint: What to do by hand, appended to refusals (see :func:`manual_hint`).
        prop: Which Service option to follow: ``events`` (handlers) or ``routes``.
        keep: Receives the map as read (under ``prop``), for a reader of the same bytes.

    Returns:
        Where the map is (or, if the Service has no such option, where to add it).

    Raises:
        ProjectError: If a file does not parse or the map is not a plain object
            literal that can be edited safely.
    """
    resolver = _service_map.Resolver(_loader(read_module), prop)
    found = resolver.service_map(_service_map.Source.parse(index_file, index_source))
    if keep is not None:
        keep[prop] = found
    # A spread or a literal passed to a call still leaves a literal to add a key to.
    refused = [problem for problem in found.problems if problem.kind != "partial"]
    if refused:
        raise _refusal(refused[0], found.prop, hint)
    assert found.options is not None
    if found.map is None:
        file, options = found.options
        line = options.start_point.row + 1
        return EventsLocation(file.rel, options.start_byte, line, True, (), prop)
    file, events = found.map
    keys = tuple(entry.key for entry in found.entries if entry.key is not None)
    line = events.start_point.row + 1
    return EventsLocation(file.rel, events.start_byte, line, False, keys, prop)


def _loader(read_module: ReadModule) -> Callable[[str], _service_map.Source | None]:
    def load(rel: str) -> _service_map.Source | None:
        data = read_module(rel)
        return None if data is None else _service_map.Source.parse(rel, data)

    return load


def _refusal(
    problem: _service_map.Problem[_service_map.Source], prop: str, hint: str
) -> ProjectError:
    """The error for the first problem met on the way to the map."""
    where = f"{problem.file.rel}:{problem.node.start_point.row + 1}"
    if problem.kind == "syntax":
        return _cannot_parse(problem.file.rel, problem.node)
    if problem.kind == "no-service":
        return ProjectError(
            f"{problem.file.rel}: no `new Service(...)` found, so scaffold does not know where "
            f"the {prop} map is and changed nothing; {hint}"
        )
    return ProjectError(
        f"{where}: {problem.reason}, so scaffold cannot edit it safely and changed nothing; {hint}"
    )


def _quote(doc: _Doc) -> str:
    for item in _ts.imports(doc.root):
        source = item.statement.child_by_field_name("source")
        if source is not None:
            return doc.text(source)[0]
    return "'"


def _key_text(doc: _Doc, key: str) -> str:
    if _IDENT.match(key):
        return key
    quote = _quote(doc)
    return quote + key.replace("\\", "\\\\").replace(quote, "\\" + quote) + quote


def _insert_member(doc: _Doc, obj: Node, render: Callable[[str | None], str]) -> list[_Edit]:
    """Edits that add a member after ``obj``'s last one; ``render(indent)`` gives its text.

    ``render`` gets the member's indent, or ``None`` when it goes on one line.
    """
    members = _ts.members(obj)
    open_indent, _ = doc.indent_at(obj.start_byte)
    close = obj.children[-1]
    if not members:
        indent = open_indent + doc.unit
        comma = "," if doc.trailing_commas() else ""
        text = doc.eol + indent + render(indent) + comma
        if any(c.type == "comment" for c in obj.children):
            return [(obj.start_byte + 1, obj.start_byte + 1, text)]
        return [(obj.start_byte + 1, close.start_byte, text + doc.eol + open_indent)]
    last = members[-1]
    comma_node = _comma_after(last)
    if b"\n" not in doc.body[obj.start_byte : obj.end_byte]:
        if comma_node is not None:
            return [(comma_node.end_byte, comma_node.end_byte, " " + render(None) + ",")]
        return [(last.end_byte, last.end_byte, ", " + render(None))]
    indent, alone = doc.indent_at(last.start_byte)
    if not alone:
        indent = open_indent + doc.unit
    anchor = comma_node.end_byte if comma_node is not None else last.end_byte
    tail = "," if comma_node is not None else ""
    line_end = doc.line_end(anchor)
    if close.start_byte > line_end:
        edits = [(line_end, line_end, doc.eol + indent + render(indent) + tail)]
        if comma_node is None:
            edits.append((last.end_byte, last.end_byte, ","))
        return edits
    lead = "" if comma_node is not None else ","
    return [(anchor, anchor, lead + doc.eol + indent + render(indent) + tail)]


def _remove_member(doc: _Doc, obj: Node, member: Node) -> list[_Edit]:
    """Edits that delete ``member`` and its comma: the inverse of ``_insert_member``."""
    members = _ts.members(obj)
    index = next(i for i, m in enumerate(members) if m.id == member.id)
    comma = _comma_after(member)
    has_comments = any(c.type == "comment" for c in obj.children)
    close = obj.children[-1]
    if len(members) == 1 and not has_comments:
        return [(obj.start_byte + 1, close.start_byte, "")]
    end = comma.end_byte if comma is not None else member.end_byte
    following = (comma or member).next_sibling
    while following is not None and following.type == "comment":
        following = following.next_sibling
    _, alone = doc.indent_at(member.start_byte)
    own_lines = alone and (following is None or following.start_byte > doc.line_end(end))
    if own_lines and (comma is not None or len(members) == 1):
        return [(doc.line_start(member.start_byte), doc.next_line_start(end), "")]
    if own_lines and index == len(members) - 1:
        previous_comma = _comma_after(members[index - 1])
        assert previous_comma is not None
        start = doc.line_start(member.start_byte)
        start -= 2 if doc.body[start - 2 : start] == b"\r\n" else 1
        return [
            (previous_comma.start_byte, previous_comma.end_byte, ""),
            (start, doc.line_end(end), ""),
        ]
    if index < len(members) - 1:
        return [(member.start_byte, members[index + 1].start_byte, "")]
    return [(members[index - 1].end_byte, member.end_byte, "")]


def _add_import(doc: _Doc, name: str, path: str) -> list[_Edit]:
    bound = _ts.imports(doc.root)  # read once: an events/index.ts may import 200 handlers
    item = next((found for found in bound if found.local == name), None)
    if item is not None:
        if item.source == path and item.imported == name:
            return []
        raise ConflictError(
            f"{doc.file}:{doc.line(item.statement)}: {name} is already imported from "
            f"{item.source!r}; pick another handler name or rename that import"
        )
    decl = _declarator(doc, name)
    if decl is not None:
        raise ConflictError(
            f"{doc.file}:{doc.line(decl)}: {name} is already declared here; "
            "pick another handler name"
        )
    for item in bound:
        named = item.specifier.parent if item.specifier is not None else None
        if item.source == path and named is not None and _is_value_import(doc, item.statement):
            # NOTE: a second name from the same module joins its import, like an editor would.
            return _insert_member(doc, named, lambda _indent: name)
    imports = [s for s in doc.root.named_children if s.type == "import_statement"]
    quote = _quote(doc)
    pad = " "
    for item in bound:
        if item.specifier is not None and item.specifier.parent is not None:
            pad = " " if doc.text(item.specifier.parent).startswith("{ ") else ""
    semi = ";" if (doc.text(imports[-1]).endswith(";") if imports else doc.semicolons()) else ""
    text = f"import {{{pad}{name}{pad}}} from {quote}{path}{quote}{semi}"
    if imports:
        end = doc.line_end(imports[-1].end_byte)
        return [(end, end, doc.eol + text)]
    return [(0, 0, text + doc.eol + doc.eol)]


def _is_value_import(doc: _Doc, statement: Node) -> bool:
    """False for ``import type { ... }``, whose names cannot be used as values."""
    return not re.match(r"import\s+type\b", doc.text(statement))


def _remove_import(doc: _Doc, name: str, path: str, removed: list[_Edit]) -> list[_Edit]:
    item = _find_import(doc, name)
    if item is None or item.source != path or item.specifier is None:
        return []
    stmt = item.statement
    for node in _ts.walk(doc.root):
        if node.type not in {"identifier", "shorthand_property_identifier"}:
            continue
        if doc.text(node) != name:
            continue
        inside = stmt.start_byte <= node.start_byte < stmt.end_byte or any(
            start <= node.start_byte < end for start, end, _ in removed
        )
        if not inside:
            return []
    assert item.specifier is not None
    named = item.specifier.parent
    assert named is not None
    clause = named.parent
    if len(_ts.members(named)) > 1 or (clause is not None and len(clause.named_children) > 1):
        return _remove_member(doc, named, item.specifier)
    if stmt.start_byte == 0 or doc.line_start(stmt.start_byte) == 0:
        end = doc.next_line_start(stmt.end_byte)
        others = [s for s in doc.root.named_children if s.type == "import_statement"]
        if len(others) == 1 and doc.body[end : doc.next_line_start(end)].strip() == b"":
            end = doc.next_line_start(end)
        return [(0, end, "")]
    start = doc.line_start(stmt.start_byte)
    start -= 2 if doc.body[start - 2 : start] == b"\r\n" else 1
    return [(start, doc.line_end(stmt.end_byte), "")]


def _member_is(doc: _Doc, member: Node, import_name: str) -> bool:
    if member.type == "shorthand_property_identifier":
        return doc.text(member) == import_name
    value = member.child_by_field_name("value") if member.type == "pair" else None
    return value is not None and doc.text(value) == import_name


def add_handler(
    source: bytes, location: EventsLocation, key: str, import_name: str, import_path: str
) -> bytes:
    """Add ``key: import_name`` to the events map and import the handler.

    Running it again on its own output changes nothing.

    Args:
        source: The bytes of ``location.file`` (the same snapshot that was located).
        location: From :func:`locate_events`.
        key: The handler id (also the key in service.json ``events``).
        import_name: The handler's exported name.
        import_path: The module specifier to import it from, relative to
            ``location.file`` (see :func:`relative_import`).

    Returns:
        The new bytes of ``location.file``.

    Raises:
        ConflictError: If ``key`` or ``import_name`` is already used for something else.
        ProjectError: If the file does not parse.
    """
    doc = _Doc(source, location.file)
    obj = doc.object_at(location.offset)
    key_text = _key_text(doc, key)
    member_text = key_text if key == import_name else f"{key_text}: {import_name}"
    edits: list[_Edit] = []
    if location.missing:
        comma = "," if doc.trailing_commas() else ""

        def render(indent: str | None) -> str:
            if indent is None:
                return f"{location.prop}: {{ {member_text} }}"
            inner = indent + doc.unit
            return f"{location.prop}: {{{doc.eol}{inner}{member_text}{comma}{doc.eol}{indent}}}"

        edits += _insert_member(doc, obj, render)
    else:
        existing = next((m for m in _ts.members(obj) if _member_key(doc, m) == key), None)
        if existing is None and _empty_inline_map(doc, obj, location.prop):
            # NOTE: `events: {}` written in new Service stays on its line (`{ key }`), so
            # remove_handler can tell it from an option add_handler created, and keep it.
            edits.append((obj.start_byte + 1, obj.children[-1].start_byte, f" {member_text} "))
        elif existing is None:
            edits += _insert_member(doc, obj, lambda _indent: member_text)
        elif not _member_is(doc, existing, import_name):
            raise ConflictError(
                f"{doc.file}:{doc.line(existing)}: the {location.prop} map already has {key!r} "
                f"bound to something other than {import_name}; pick another handler name"
            )
    edits += _add_import(doc, import_name, import_path)
    return doc.apply(edits) if edits else source


def _created_by_add(doc: _Doc, obj: Node, options: Node) -> bool:
    """Whether a one-key map inline in ``new Service`` has the shape add_handler creates.

    add_handler appends a new option last: on its own lines in multi-line options, as
    ``prop: { key }`` in one-line options; a map the app had as ``{}`` it fills in place,
    on one line. So a multi-line map, or the last option of one-line options, was created.
    """
    if b"\n" in doc.body[obj.start_byte : obj.end_byte]:
        return True
    one_line = b"\n" not in doc.body[options.start_byte : options.end_byte]
    members = _ts.members(options)
    return one_line and bool(members) and obj.parent is not None and members[-1].id == obj.parent.id


def _empty_inline_map(doc: _Doc, obj: Node, prop: str) -> bool:
    """``obj`` is an empty, one-line ``{}`` given inline as ``prop`` to ``new Service``."""
    return (
        not _ts.members(obj)
        and not any(c.type == "comment" for c in obj.children)
        and b"\n" not in doc.body[obj.start_byte : obj.end_byte]
        and _service_events_pair(doc, obj, prop) is not None
    )


def _service_events_pair(doc: _Doc, obj: Node, prop: str = "events") -> tuple[Node, Node] | None:
    """If ``obj`` is ``events: {...}`` inline in ``new Service({...})``: (pair, options)."""
    pair = obj.parent
    options = pair.parent if pair is not None else None
    args = options.parent if options is not None else None
    service = args.parent if args is not None else None
    if (
        pair is None
        or options is None
        or service is None
        or pair.type != "pair"
        or _member_key(doc, pair) != prop
        or service.type != "new_expression"
    ):
        return None
    return pair, options


def remove_handler(
    source: bytes,
    location: EventsLocation,
    key: str,
    import_name: str,
    import_path: str,
    *,
    prune_empty: bool = True,
    created: bool | None = None,
) -> bytes:
    """Remove ``key`` from the events map, and its import if nothing else uses it.

    The exact inverse of :func:`add_handler`; nothing happens if ``key`` is absent.

    Args:
        source: The bytes of ``location.file`` (the same snapshot that was located).
        location: From :func:`locate_events`.
        key: The handler id.
        import_name: The handler's imported name.
        import_path: The module specifier it is imported from.
        prune_empty: If the map is ``events: {...}`` inline in ``new Service`` and
            this removes its last key, remove the ``events`` property too.
        created: Whether an add created that property (from the provenance record);
            ``None`` when unknown: then its shape decides (see ``_created_by_add``).

    Returns:
        The new bytes of ``location.file``.

    Raises:
        ProjectError: If the file does not parse.
    """
    if location.missing:
        return source
    doc = _Doc(source, location.file)
    obj = doc.object_at(location.offset)
    members = _ts.members(obj)
    member = next((m for m in members if _member_key(doc, m) == key), None)
    if member is None:
        return source
    inline = _service_events_pair(doc, obj, location.prop)
    has_comments = any(c.type == "comment" for c in obj.children)
    if (
        prune_empty
        and inline is not None
        and len(members) == 1
        and not has_comments
        and (created if created is not None else _created_by_add(doc, obj, inline[1]))
    ):
        edits = _remove_member(doc, inline[1], inline[0])
    else:
        edits = _remove_member(doc, obj, member)
    removed = [(member.start_byte, member.end_byte, "")]
    edits += _remove_import(doc, import_name, import_path, removed)
    return doc.apply(edits)
