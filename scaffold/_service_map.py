"""The events (or routes) map that ``new Service({...})`` receives: one resolver for all uses.

Both the add-*/remove-event commands (:func:`scaffold._ts_edit.locate_events`) and
``scaffold check`` (:mod:`scaffold._rules.events_map`) read the map through
:meth:`Resolver.service_map`, so they cannot disagree about which handlers are registered.
It follows the Service's options and the map through bindings, imports, re-exports,
``export *`` and namespace members, and records on the way, in the order met, every shape
that is not a plain literal scaffold could edit safely (a call, a spread, a computed key, a
``let``, a mutation, a namespace import, a file that does not parse...) as a
:class:`Problem`. The editor refuses the first problem; the check reports only what stops it
from reading the map and checks every static key it can read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Generic, Literal, NamedTuple, Protocol, TypeVar

from scaffold import _ts
from scaffold._app_files import import_candidates
from scaffold._ts import key_text, member_chain, unwrap

if TYPE_CHECKING:
    from tree_sitter import Node, Tree

_KEYED = frozenset({"pair", "method_definition", "shorthand_property_identifier"})
_CALLS = frozenset({"call_expression", "new_expression", "await_expression"})
_DECLARATIONS = frozenset(
    {"function_declaration", "generator_function_declaration", "class_declaration"}
)
_MAX_HOPS = 8


class Parsed(Protocol):
    """A parsed TypeScript file of the app (a check ``Module`` or a :class:`Source`)."""

    @property
    def rel(self) -> str:
        """Path relative to the app root, ``/``-separated."""
        ...

    @property
    def root(self) -> Node:
        """The ``program`` node."""
        ...

    @property
    def imports(self) -> list[_ts.Imported]:
        """The names its top-level imports bind (:func:`scaffold._ts.imported_names`)."""
        ...


F = TypeVar("F", bound=Parsed)


class Source(NamedTuple):
    """A file parsed on its own, for callers without a check ``Project``.

    Attributes:
        rel: Path relative to the app root, ``/``-separated.
        tree: The tree of its bytes without any BOM.
    """

    rel: str
    tree: Tree

    @property
    def root(self) -> Node:
        """The ``program`` node."""
        return self.tree.root_node

    @property
    def imports(self) -> list[_ts.Imported]:
        """The names its top-level imports bind (:func:`scaffold._ts.imported_names`)."""
        return _ts.imported_names(self.root)

    @classmethod
    def parse(cls, rel: str, data: bytes) -> Source:
        """Parse a file's bytes.

        Args:
            rel: Its path relative to the app root.
            data: Its bytes, with or without a BOM (offsets count from after it).

        Returns:
            The parsed file.
        """
        return cls(rel, _ts.parse(data.removeprefix(_ts.BOM)))


class Problem(NamedTuple, Generic[F]):
    """A shape on the way to the map that is not a plain, safely editable literal.

    Attributes:
        file: The file it is in.
        node: Where it is.
        reason: What it is, as a clause (``the events map uses a spread (...)``).
        kind: ``syntax`` (the file does not parse), ``no-service`` (no ``new Service``),
            ``partial`` (the map is a literal the editor can add to, but not every key can
            be read: a spread, a literal passed to a call) or ``shape`` (anything else).
    """

    file: F
    node: Node
    reason: str
    kind: Literal["syntax", "no-service", "partial", "shape"] = "shape"


class Entry(NamedTuple):
    """One member of the map.

    Attributes:
        member: The member node: a pair, a shorthand, a method or a spread.
        key: The key as the runtime sees it; None for a spread or a computed key.
        key_node: The key's node (the member itself for a shorthand); None for a spread.
        values: What the member registers: its value, each element of an array value,
            or the method itself.
    """

    member: Node
    key: str | None
    key_node: Node | None
    values: tuple[Node, ...] = ()


@dataclass
class ServiceMap(Generic[F]):
    """Where the Service's map is and what it holds, as far as it can be read statically.

    Attributes:
        prop: The Service option followed: ``events`` or ``routes``.
        problems: Every shape that is not a plain literal, in the order met.
        service: The (first) ``new Service(...)`` expression; None if there is none.
        options: Where the first argument of ``new Service`` leads (an ``object``, unless a
            problem says why not); None if it has no argument.
        options_spread: When the options have no ``prop`` member, their last spread.
        map: Where the ``prop`` member leads (an ``object``, unless a problem says why not);
            None if the options have no such member.
        entries: The map's members in order, when ``map`` is an object.
    """

    prop: str
    problems: list[Problem[F]] = field(default_factory=list)
    service: Node | None = None
    options: tuple[F, Node] | None = None
    options_spread: Node | None = None
    map: tuple[F, Node] | None = None
    entries: list[Entry] = field(default_factory=list)


_Problems = list[Problem[F]] | None


class Resolver(Generic[F]):
    """Follows expressions through an app's modules; one instance caches what it read.

    Args:
        load: Returns the parsed file at a path relative to the app root, or None.
        prop: The Service option :meth:`service_map` follows: ``events`` or ``routes``.
    """

    def __init__(self, load: Callable[[str], F | None], prop: str = "events") -> None:
        self.prop = prop
        self.label = f"the {prop} map"
        self._load = load
        self._files: dict[str, F | None] = {}
        self._bindings: dict[str, dict[str, Node]] = {}
        self._imports: dict[str, dict[str, tuple[Node, str, str]]] = {}
        # Quiet lookups (no problems collected) depend only on these keys: a linter asks the
        # same "what does ../support/processing export as runOnce" once per handler file.
        self._exports: dict[tuple[str, str, int], tuple[F, Node] | None] = {}
        self._paths: dict[tuple[str, str], list[str]] = {}
        self._literal_calls = False

    def service_map(self, index: F) -> ServiceMap[F]:
        """Find the map given to ``new Service`` in ``index`` and read its members.

        Args:
            index: The file that calls ``new Service`` (node/index.ts).

        Returns:
            The map, with every problem met on the way.
        """
        result = ServiceMap[F](self.prop)
        problems = result.problems
        self._files[index.rel] = index
        self._syntax(index, problems)
        services = [
            node
            for node in _ts.walk(index.root)
            if node.type == "new_expression" and _is_service(node)
        ]
        if not services:
            problems.append(Problem(index, index.root, "no `new Service(...)` found", "no-service"))
            return result
        if len(services) > 1:
            _note(problems, index, services[1], "there is more than one `new Service(...)`")
        result.service = service = services[0]
        args = service.child_by_field_name("arguments")
        items = _ts.members(args) if args is not None else []
        if len(items) != 1:
            _note(
                problems,
                index,
                service,
                "`new Service(...)` is not given exactly one options object",
            )
        if not items:
            return result
        result.options = file, options = self._follow(index, items[0], problems, 0)
        if options.type != "object":
            return result
        member = self._options_member(file, options, result)
        if member is None:
            return result
        # Only on the way to the map is a call of an object literal the map itself (a
        # route's `method({ GET })` is a value, not a map to edit).
        self._literal_calls = True
        try:
            if member.type == "method_definition":
                _note(problems, file, member, f"{self.prop} is a method")
                result.map = (file, member)
            elif member.type == "shorthand_property_identifier":
                result.map = self._name(file, self.prop, member, problems, 0) or (file, member)
            else:
                value = member.child_by_field_name("value")
                assert value is not None
                result.map = self._follow(file, value, problems, 0)
        finally:
            self._literal_calls = False
        file, obj = result.map
        if obj.type == "object":
            result.entries = [self._entry(file, m, problems) for m in _ts.members(obj)]
        return result

    def _options_member(self, file: F, options: Node, result: ServiceMap[F]) -> Node | None:
        """The options' ``prop`` member, or None (then ``options_spread`` is set)."""
        members = _ts.members(options)
        member = next((m for m in members if m.type in _KEYED and _key(m) == self.prop), None)
        if member is None or _dynamic_key(member):
            odd = next((m for m in members if _dynamic_key(m)), None)
            if odd is not None:
                _note(
                    result.problems, file, odd, "the Service options use a spread or computed key"
                )
        if member is None:
            spreads = [m for m in members if m.type == "spread_element"]
            result.options_spread = spreads[-1] if spreads else None
        return member

    def follow(self, file: F, node: Node) -> tuple[F, Node]:
        """Follow an expression through names, imports and namespaces to what it stands for.

        Args:
            file: The file ``node`` belongs to.
            node: An expression (e.g. a handler registered in the map).

        Returns:
            The file and node it resolves to; ``node`` itself (unwrapped) when it cannot be
            followed further (an object, a function, a call, an unknown name...).
        """
        return self._follow(file, node, None, 0)

    def binds(self, file: F, name: str) -> bool:
        """Whether a top-level declaration of ``file`` binds ``name`` (followed before imports).

        Args:
            file: The file.
            name: The name.

        Returns:
            True for a function, class or variable declared at the top level.
        """
        return self._binding(file, name) is not None

    def imported(self, file: F, name: str) -> tuple[Node, str, str] | None:
        """``(statement, specifier, imported name)`` of a name ``file`` imports, if it does.

        Args:
            file: The file.
            name: The local name.

        Returns:
            The import, or None.
        """
        return self._import(file, name)

    def _entry(self, file: F, member: Node, problems: _Problems[F]) -> Entry:
        if member.type == "spread_element":
            _note(problems, file, member, f"{self.label} uses a spread (...)", "partial")
            return Entry(member, None, None)
        if member.type == "shorthand_property_identifier":
            return Entry(member, _ts.text(member), member, (member,))
        key_node = _key_node(member)
        if key_node is None or key_node.type == "computed_property_name":
            _note(problems, file, member, f"{self.label} uses a computed key")
        key = key_text(key_node) if key_node is not None else None
        value = member.child_by_field_name("value") if member.type == "pair" else None
        if value is not None:
            value = unwrap(value)
            values = tuple(_ts.members(value)) if value.type == "array" else (value,)
        else:
            values = (member,) if member.type == "method_definition" else ()
        return Entry(member, key, key_node, values)

    def _unwrap(self, file: F, node: Node, problems: _Problems[F]) -> Node:
        inner = unwrap(node)
        assertion, step = None, inner
        while step.id != node.id and step.parent is not None:
            step = step.parent
            assertion = step if step.type == "type_assertion" else assertion
        if assertion is not None:
            _note(
                problems, file, assertion, f"{self.label} is built dynamically (a type assertion)"
            )
        return inner

    def _follow(self, file: F, node: Node, problems: _Problems[F], hops: int) -> tuple[F, Node]:
        node = self._unwrap(file, node, problems)
        if hops > _MAX_HOPS:
            _note(problems, file, node, f"{self.label} is reached through too many names")
            return file, node
        if node.type in {"identifier", "shorthand_property_identifier"}:
            return self._name(file, _ts.text(node), node, problems, hops + 1) or (file, node)
        if node.type == "object":
            return file, node
        if node.type in _CALLS:
            snippet = _ts.text(node).split("(")[0].strip()
            literal = _literal_argument(node) if self._literal_calls else None
            if literal is not None:
                # `mapObjIndexed(fn, { ... })`: the keys are the literal's; one added there
                # is registered like the others.
                _note(
                    problems,
                    file,
                    node,
                    f"{self.label} is an object literal passed to {snippet}(...)",
                    "partial",
                )
                return file, literal
            _note(
                problems, file, node, f"{self.label} is built by a function call ({snippet}(...))"
            )
        else:
            kind = node.type.replace("_", " ")
            _note(problems, file, node, f"{self.label} is built dynamically (a {kind})")
        if node.type == "member_expression":
            return self._namespace_member(file, node, problems, hops) or (file, node)
        return file, node

    def _name(
        self, file: F, name: str, at: Node, problems: _Problems[F], hops: int
    ) -> tuple[F, Node] | None:
        decl = self._binding(file, name)
        if decl is not None:
            if decl.type != "variable_declarator":
                kind = decl.type.split("_")[0]
                _note(problems, file, decl, f"{name} is a {kind}, not an object literal")
                return None if decl.type == "class_declaration" else (file, decl)
            parent = decl.parent
            kind = parent.children[0].type if parent is not None else "var"
            if kind != "const":
                _note(problems, file, decl, f"{name} is declared with {kind}, not const")
            if problems is not None:
                _note_mutation(problems, file, name)
            value = decl.child_by_field_name("value")
            if value is None:
                _note(problems, file, decl, f"{name} has no value")
                return None
            return self._follow(file, value, problems, hops)
        found = self._import(file, name)
        if found is None:
            _note(problems, file, at, f"cannot find where {name} is declared")
            return None
        statement, spec, imported = found
        if imported == "*":
            _note(problems, file, statement, f"{name} is a namespace import (import * as {name})")
            return None
        target = self._open(file, statement, spec, problems)
        if target is None:
            return None
        return self._export(target, imported, statement, file, problems, hops)

    def _namespace_member(
        self, file: F, node: Node, problems: _Problems[F], hops: int
    ) -> tuple[F, Node] | None:
        chain = member_chain(node)
        found = self._import(file, chain[0]) if len(chain) == 2 else None
        if found is None or found[2] != "*":
            return None
        target = self._open(file, found[0], found[1], problems)
        if target is None:
            return None
        return self._export(target, chain[1], found[0], file, problems, hops + 1)

    def _export(
        self, file: F, name: str, at: Node, importer: F, problems: _Problems[F], hops: int
    ) -> tuple[F, Node] | None:
        """What ``file`` exports as ``name``; ``at`` is the importer's statement."""
        if problems is None:
            key = (file.rel, name, hops)
            if key not in self._exports:
                self._exports[key] = self._find_export(file, name, at, importer, None, hops)
            return self._exports[key]
        return self._find_export(file, name, at, importer, problems, hops)

    def _find_export(
        self, file: F, name: str, at: Node, importer: F, problems: _Problems[F], hops: int
    ) -> tuple[F, Node] | None:
        if hops > _MAX_HOPS:
            _note(problems, importer, at, f"{self.label} is reached through too many names")
            return None
        stars: list[Node] = []
        exports = [s for s in file.root.named_children if s.type == "export_statement"]
        for statement in exports:
            declaration = statement.child_by_field_name("declaration")
            if any(c.type == "default" for c in statement.children):
                if name == "default":
                    return self._export_default(file, statement, problems, hops)
            elif declaration is not None:
                if _declares(declaration, name):
                    if declaration.type not in {"lexical_declaration", "variable_declaration"}:
                        _note(problems, importer, at, _not_exported(file, name))
                    return self._name(file, name, declaration, problems, hops + 1)
            elif (specifier := _export_specifier(statement, name)) is not None:
                return self._reexport(file, statement, specifier, problems, hops)
            elif _is_star(statement):
                stars.append(statement)
        _note(problems, importer, at, _not_exported(file, name))
        return self._export_star(file, name, stars, problems, hops)

    def _export_star(
        self, file: F, name: str, stars: list[Node], problems: _Problems[F], hops: int
    ) -> tuple[F, Node] | None:
        """Look for ``name`` behind ``export * from './x'`` (explicit exports come first)."""
        for statement in stars:
            source = statement.child_by_field_name("source")
            assert source is not None
            target = self._open(file, statement, _ts.string_text(source), problems)
            found = (
                self._export(target, name, statement, file, problems, hops + 1) if target else None
            )
            if found is not None:
                return found
        return None

    def _export_default(
        self, file: F, statement: Node, problems: _Problems[F], hops: int
    ) -> tuple[F, Node] | None:
        value = statement.child_by_field_name("value")
        if value is not None:
            return self._follow(file, value, problems, hops + 1)
        _note(problems, file, statement, "the default export is not an object literal")
        declaration = statement.child_by_field_name("declaration")
        return (file, declaration) if declaration is not None else None

    def _reexport(
        self, file: F, statement: Node, specifier: Node, problems: _Problems[F], hops: int
    ) -> tuple[F, Node] | None:
        """Follow ``export { local as name }``, with or without ``from './x'``."""
        local = specifier.child_by_field_name("name")
        assert local is not None
        source = statement.child_by_field_name("source")
        if source is None:
            return self._name(file, _ts.text(local), specifier, problems, hops + 1)
        target = self._open(file, statement, _ts.string_text(source), problems)
        if target is None:
            return None
        return self._export(target, _ts.text(local), statement, file, problems, hops + 1)

    def _open(self, file: F, at: Node, spec: str, problems: _Problems[F]) -> F | None:
        if not spec.startswith("."):
            _note(problems, file, at, f"{self.label} comes from the package {spec!r}")
            return None
        folder = file.rel.rpartition("/")[0]
        if (folder, spec) not in self._paths:
            self._paths[folder, spec] = import_candidates(file.rel, spec)
        candidates = self._paths[folder, spec]
        for path in candidates:
            if path not in self._files:
                self._files[path] = None if path.startswith("..") else self._load(path)
            target = self._files[path]
            if target is not None:
                self._syntax(target, problems)
                return target
        looked = " and ".join(candidates)
        _note(problems, file, at, f"the module {spec!r} was not found (looked for {looked})")
        return None

    def _syntax(self, file: F, problems: _Problems[F]) -> None:
        if problems is not None and file.root.has_error:
            bad = next(
                (n for n in _ts.walk(file.root) if n.type == "ERROR" or n.is_missing), file.root
            )
            problems.append(Problem(file, bad, "cannot parse this TypeScript", "syntax"))

    def _binding(self, file: F, name: str) -> Node | None:
        """The top-level declarator, function or class declaring ``name``."""
        if file.rel not in self._bindings:
            bindings: dict[str, Node] = {}
            for statement in file.root.named_children:
                # Only an export's declaration counts: the others are not asked for one
                # (an events map file has hundreds of imports).
                if statement.type == "export_statement":
                    declaration = statement.child_by_field_name("declaration")
                    statement = statement if declaration is None else declaration
                if statement.type in _DECLARATIONS:
                    ident = statement.child_by_field_name("name")
                    if ident is not None:
                        bindings.setdefault(_ts.text(ident), statement)
                elif statement.type in {"lexical_declaration", "variable_declaration"}:
                    for declarator in statement.named_children:
                        ident = declarator.child_by_field_name("name")
                        if declarator.type == "variable_declarator" and ident is not None:
                            if ident.type == "identifier":
                                bindings.setdefault(_ts.text(ident), declarator)
            self._bindings[file.rel] = bindings
        return self._bindings[file.rel].get(name)

    def _import(self, file: F, name: str) -> tuple[Node, str, str] | None:
        """``(statement, specifier, imported name)`` of a local name bound by an import.

        The imported name is ``default``, ``*`` for a namespace, or the exported name.
        """
        if file.rel not in self._imports:
            imports: dict[str, tuple[Node, str, str]] = {}
            for item in file.imports:
                imports.setdefault(item.local, (item.statement, item.source, item.imported))
            self._imports[file.rel] = imports
        return self._imports[file.rel].get(name)


def _note(
    problems: _Problems[F],
    file: F,
    node: Node,
    reason: str,
    kind: Literal["partial", "shape"] = "shape",
) -> None:
    if problems is not None:
        problems.append(Problem(file, node, reason, kind))


def _literal_argument(call: Node) -> Node | None:
    """The one object literal among a plain call's arguments (``f(fn, {...})``), else None."""
    if call.type != "call_expression":
        return None
    args = call.child_by_field_name("arguments")
    objects = [unwrap(a) for a in (_ts.members(args) if args is not None else [])]
    objects = [a for a in objects if a.type == "object"]
    return objects[0] if len(objects) == 1 else None


def _not_exported(file: Parsed, name: str) -> str:
    return f"{file.rel} does not export {name} as an object literal"


def _is_service(node: Node) -> bool:
    constructor = node.child_by_field_name("constructor")
    return constructor is not None and member_chain(constructor)[-1:] == ["Service"]


def _key_node(member: Node) -> Node | None:
    if member.type == "pair":
        return member.child_by_field_name("key")
    if member.type == "method_definition":
        return member.child_by_field_name("name")
    return None


def _key(member: Node) -> str | None:
    if member.type == "shorthand_property_identifier":
        return _ts.text(member)
    key = _key_node(member)
    return key_text(key) if key is not None else None


def _dynamic_key(member: Node) -> bool:
    """A spread, a computed key (even ``['x']``) or anything else without a plain key."""
    if member.type == "shorthand_property_identifier":
        return False
    key = _key_node(member)
    return key is None or key.type == "computed_property_name"


def _export_specifier(statement: Node, name: str) -> Node | None:
    """The specifier of ``export { x as name }`` (``from`` or not) that exports ``name``."""
    clause = next((c for c in statement.named_children if c.type == "export_clause"), None)
    for specifier in clause.named_children if clause is not None else []:
        local = specifier.child_by_field_name("name")
        alias = specifier.child_by_field_name("alias") or local
        if local is not None and alias is not None and _ts.text(alias) == name:
            return specifier
    return None


def _is_star(statement: Node) -> bool:
    """Whether an export statement is ``export * from './x'`` (not ``export * as ns``)."""
    return statement.child_by_field_name("source") is not None and not any(
        c.type in {"export_clause", "namespace_export"} for c in statement.named_children
    )


def _declares(declaration: Node, name: str) -> bool:
    """Whether an exported declaration binds the value ``name`` (types do not count)."""
    if declaration.type in _DECLARATIONS:
        names = [declaration.child_by_field_name("name")]
    else:
        names = [
            d.child_by_field_name("name")
            for d in declaration.named_children
            if d.type == "variable_declarator"
        ]
    return any(ident is not None and _ts.text(ident) == name for ident in names)


def _mutation_target(node: Node) -> Node | None:
    """The expression a node changes, for assignments, ``delete`` and ``Object.assign``."""
    if node.type in {"assignment_expression", "augmented_assignment_expression"}:
        return node.child_by_field_name("left")
    if node.type == "unary_expression" and node.children[0].type == "delete":
        return node.child_by_field_name("argument")
    if node.type == "call_expression":
        function = node.child_by_field_name("function")
        args = node.child_by_field_name("arguments")
        if function is not None and args is not None and _ts.text(function) == "Object.assign":
            first = _ts.members(args)
            return first[0] if first else None
    return None


# The only node types :func:`_mutation_target` finds a target in, found by the one walk of
# every indexed type (:func:`scaffold._ts.indexed`: the map's file, a 200-handler
# events/index.ts, is searched on every read of the map).
_MUTATIONS = frozenset(
    {
        "assignment_expression",
        "augmented_assignment_expression",
        "unary_expression",
        "call_expression",
    }
)


def _note_mutation(problems: list[Problem[F]], file: F, name: str) -> None:
    for node in _ts.indexed(file.root):
        if node.type not in _MUTATIONS:
            continue
        target = _mutation_target(node)
        if target is not None and target.type in {"member_expression", "subscript_expression"}:
            target = target.child_by_field_name("object")
        if target is not None and target.type == "identifier" and _ts.text(target) == name:
            problems.append(Problem(file, node, f"{name} is changed after it is declared"))
            return
