"""The one TypeScript layer: the tree-sitter grammar (loaded lazily) and node helpers.

Following names through bindings, imports and exports is :mod:`scaffold._service_map`'s job.
"""

from __future__ import annotations

import re
from functools import cache
from typing import TYPE_CHECKING, NamedTuple, cast

if TYPE_CHECKING:
    from tree_sitter import Language, Node, Parser, Tree

BOM = b"\xef\xbb\xbf"


@cache
def language() -> Language:
    """Return the TypeScript (not TSX) grammar, loaded once."""
    import tree_sitter
    import tree_sitter_typescript

    return tree_sitter.Language(tree_sitter_typescript.language_typescript())


@cache
def parser() -> Parser:
    """Return a shared parser for TypeScript (not TSX).

    Returns:
        A tree-sitter parser configured with the TypeScript grammar.
    """
    import tree_sitter

    return tree_sitter.Parser(language())


# The node types the rules look up (``_rules._source.Module.nodes``) and the mutations the
# service map looks for: one walk per file finds them all (:func:`index`).
INDEXED = frozenset(
    {
        "assignment_expression",
        "augmented_assignment_expression",
        "call_expression",
        "catch_clause",
        "class_declaration",
        "comment",
        "expression_statement",
        "formal_parameters",
        "member_expression",
        "pair_pattern",
        "shorthand_property_identifier_pattern",
        "unary_expression",
        "variable_declarator",
    }
)


@cache
def _indexed_kinds() -> dict[int, str]:
    """The grammar's named node kinds of an :data:`INDEXED` type, by kind id (one type can
    have several ids: ``call_expression`` and the aliases written as one)."""
    lang = language()
    out: dict[int, str] = {}
    for kind in range(lang.node_kind_count):
        name = lang.node_kind_for_id(kind)
        if name in INDEXED and lang.node_kind_is_named(kind):
            out[kind] = name
    return out


@cache
def _kinds_named(*names: str) -> frozenset[int]:
    """The kind ids of the grammar's named node kinds called ``names``."""
    lang = language()
    return frozenset(
        kind
        for kind in range(lang.node_kind_count)
        if lang.node_kind_for_id(kind) in names and lang.node_kind_is_named(kind)
    )


def _holds_nothing_indexed(node: Node, kind: int) -> bool:
    """Whether no node below ``node`` (of kind id ``kind``) can be of an :data:`INDEXED` type.

    A string holds only its fragments and escapes. An import statement that parsed cleanly
    holds names, strings and, in an import attribute, an object; of the indexed types only a
    comment, which its text shows (a module specifier's ``/`` is neither ``//`` nor ``/*``).
    """
    if kind in _kinds_named("string"):
        return True
    if kind not in _kinds_named("import_statement") or node.has_error:
        return False
    text = node.text or b""
    return b"//" not in text and b"/*" not in text


def index(node: Node) -> dict[str, list[Node]]:
    """Every node of an :data:`INDEXED` type in ``node``'s subtree (``node`` included), by
    type, each list in document order (outer before inner, as :func:`walk` lists them).

    Every indexed type is a named node, and an anonymous node (a keyword, a punctuation
    mark) is a leaf, so only named children are visited, and not those of a node that can
    hold none (:func:`_holds_nothing_indexed`: a string, most import statements); a node's
    type is told by its kind id (reading ``.type`` makes a new str per node). callgrind,
    200 handlers: this walk costs ~25% fewer instructions than one tree-sitter query of the
    same types per file (whose cursor visits every node, in C, at ~1.5k instructions each),
    and no query is compiled (~25M instructions per process).

    Args:
        node: Where to search (usually a file's ``program`` node).

    Returns:
        Type to nodes; a type with no node is absent.
    """
    kinds = _indexed_kinds()
    bare = _kinds_named("string", "import_statement")
    found: dict[str, list[Node]] = {}
    stack = [node]
    pop, push = stack.pop, stack.extend
    while stack:
        current = pop()
        kind = current.kind_id
        name = kinds.get(kind)
        if name is not None:
            listed = found.get(name)
            if listed is None:
                found[name] = [current]
            else:
                listed.append(current)
        elif kind in bare and _holds_nothing_indexed(current, kind):
            continue
        if current.named_child_count:
            children = current.named_children
            children.reverse()  # popped first to last
            push(children)
    return found


def indexed(node: Node) -> list[Node]:
    """Every node of an :data:`INDEXED` type in ``node``'s subtree, in document order.

    Args:
        node: Where to search (usually a file's ``program`` node).

    Returns:
        The nodes, outer before inner, as :func:`walk` lists them.
    """
    kinds = _indexed_kinds()
    bare = _kinds_named("string", "import_statement")
    out: list[Node] = []
    stack = [node]
    while stack:
        current = stack.pop()
        kind = current.kind_id
        if kind in kinds:
            out.append(current)
        elif kind in bare and _holds_nothing_indexed(current, kind):
            continue
        if current.named_child_count:
            children = current.named_children
            children.reverse()
            stack.extend(children)
    return out


# The last few trees parsed, by their source bytes, and the imports of those trees, by root
# node id. An edit reads the same large file (a 200-handler events map) several times, before
# and after it changes: each version is parsed once. Trees are never edited in place, and a
# root id is only looked up while its tree is held here (so no other tree can have that id).
_KEPT = 32
_TREES: dict[bytes, Tree] = {}
_ROOTS: set[int] = set()  # the root ids of the trees in _TREES
_IMPORTS: dict[int, list[Import]] = {}
_NAMES: dict[int, list[Imported]] = {}  # imported_names, as _IMPORTS


def parse(source: bytes) -> Tree:
    """Parse TypeScript source bytes (the same bytes as a recent call: the same tree).

    Args:
        source: The file's bytes (any line endings, with or without a BOM).

    Returns:
        The syntax tree; check ``tree.root_node.has_error`` before trusting it for edits.
    """
    tree = _TREES.pop(source, None)
    if tree is None:
        tree = parser().parse(source)
        if len(_TREES) >= _KEPT:
            gone = _TREES.pop(next(iter(_TREES))).root_node.id
            _ROOTS.discard(gone)
            _IMPORTS.pop(gone, None)
            _NAMES.pop(gone, None)
        _ROOTS.add(tree.root_node.id)
    _TREES[source] = tree  # the most recent last
    return tree


def text(node: Node) -> str:
    """Return a node's source text.

    Args:
        node: A node of a tree parsed from bytes.

    Returns:
        The text, decoded as UTF-8.
    """
    return (node.text or b"").decode("utf-8", "replace")  # positional: no keyword parsing


def first_error(root: Node) -> Node:
    """Return the first ``ERROR`` or missing node of a tree (``root`` itself if none).

    Args:
        root: The root of a tree that ``has_error``.

    Returns:
        Where to point a person at the syntax error.
    """
    for node in walk(root):
        if node.type == "ERROR" or node.is_missing:
            return node
    return root


def members(node: Node) -> list[Node]:
    """Return the named children of a list-like node, comments left out.

    Args:
        node: An object, array, arguments list, named imports...

    Returns:
        Its members in order.
    """
    return [child for child in node.named_children if child.type != "comment"]


def string_text(node: Node) -> str:
    """Return the text between the quotes of a ``string`` node (escapes as written).

    Args:
        node: A ``string`` node.

    Returns:
        Its contents.
    """
    return "".join(text(part) for part in node.named_children)


class Import(NamedTuple):
    """One name bound by a top-level ``import`` statement.

    Attributes:
        statement: The ``import_statement``.
        specifier: The ``import_specifier`` of a named import; ``None`` for default/namespace.
        local: The name the module uses.
        imported: ``default``, ``*`` (a namespace) or the exported name.
        source: The module specifier (``./events``).
    """

    statement: Node
    specifier: Node | None
    local: str
    imported: str
    source: str


def imports(root: Node) -> list[Import]:
    """Return every name the top-level imports of a module bind, in order.

    Side-effect imports (``import './x'``) bind nothing and are left out.

    Args:
        root: The ``program`` node.

    Returns:
        One entry per bound name.
    """
    kept = _IMPORTS.get(root.id)
    if kept is not None:
        return list(kept)
    out = _imports(root)
    if root.id in _ROOTS and root.parent is None:
        _IMPORTS[root.id] = list(out)
    return out


def _imports(root: Node) -> list[Import]:
    out: list[Import] = []
    for statement in root.named_children:
        if statement.type == "import_statement":
            out.extend(_statement_imports(statement))
    return out


def _statement_imports(statement: Node) -> list[Import]:
    """The names one ``import_statement`` binds, read from its tree."""
    out: list[Import] = []
    source = statement.child_by_field_name("source")
    clause = next((c for c in statement.named_children if c.type == "import_clause"), None)
    if source is None or clause is None:
        return out
    spec = quoted(source)
    for part in clause.named_children:
        kind = part.type  # read once: each read makes a new str
        if kind == "identifier":
            out.append(Import(statement, None, text(part), "default", spec))
        elif kind == "namespace_import":
            out.extend(
                Import(statement, None, text(ident), "*", spec) for ident in part.named_children
            )
        elif kind == "named_imports":
            out.extend(_named_imports(statement, part, spec))
    return out


class Imported(NamedTuple):
    """One name bound by a top-level ``import`` statement, without the specifier's node
    (what following names needs: :func:`imported_names`).

    Attributes:
        statement: The ``import_statement``.
        local: The name the module uses.
        imported: ``default``, ``*`` (a namespace) or the exported name.
        source: The module specifier (``./events``).
    """

    statement: Node
    local: str
    imported: str
    source: str


def imported_names(root: Node) -> list[Imported]:
    """:func:`imports` without the specifiers' nodes: a statement written plainly
    (``import a, { b, c as d } from './x'``, ``import * as n from 'y'``) is read from its
    text, one accessor instead of a dozen (every handler imports a few names, and an
    events map imports every handler).

    Args:
        root: The ``program`` node.

    Returns:
        One entry per bound name, as :func:`imports` lists them.
    """
    kept = _NAMES.get(root.id)
    if kept is not None:
        return list(kept)
    out: list[Imported] = []
    for statement in root.named_children:
        if statement.type != "import_statement":
            continue
        plain = _plain_import(statement)
        if plain is None:
            plain = [
                Imported(item.statement, item.local, item.imported, item.source)
                for item in _statement_imports(statement)
            ]
        out.extend(plain)
    if root.id in _ROOTS and root.parent is None:
        _NAMES[root.id] = list(out)
    return out


# An import statement written plainly: optional `type`, a default name, then `{ ... }` or
# `* as name`, from a quoted specifier without escapes. Names are ASCII; braces hold no
# comment, string or brace. Anything else is read from the tree.
_PLAIN_IMPORT = re.compile(
    rb"import\s+(?:type\s+)?"
    rb"(?:([A-Za-z_$][\w$]*)(?:\s*,\s*|\s+))?"
    rb"(?:\{([^{}/'\"`]*)\}|\*\s*as\s+([A-Za-z_$][\w$]*))?"
    rb"\s*(?<![\w$])from\s*(?:'([^'\\\n]*)'|\"([^\"\\\n]*)\")\s*;?"
)
# Names a plain reading does not take for a default import: the tree decides.
_NOT_DEFAULTS = frozenset({b"type", b"typeof", b"from", b"as"})


def _plain_import(statement: Node) -> list[Imported] | None:
    """The names a plainly written import statement binds, from its text; None otherwise."""
    found = _PLAIN_IMPORT.fullmatch(statement.text or b"")
    if found is None or statement.has_error:
        return None
    default, named, namespace, single, double = found.groups()
    if default is None and named is None and namespace is None:
        return None  # `import from 'x'`: not plain
    if default in _NOT_DEFAULTS or namespace in _NOT_DEFAULTS:
        return None
    spec = (single if single is not None else double).decode("utf-8", "replace")
    out: list[Imported] = []
    if default is not None:
        out.append(Imported(statement, default.decode(), "default", spec))
    if namespace is not None:
        out.append(Imported(statement, namespace.decode(), "*", spec))
    elif named is not None:
        for piece in named.decode("utf-8", "replace").split(","):
            written = piece.strip()
            if not written:  # `{ a, }`, `{}`
                continue
            names = _SPECIFIER.match(written)
            if names is None or names[1] in _NOT_SPECIFIER_NAMES:
                return None
            out.append(Imported(statement, names[2] or names[1], names[1], spec))
    return out


# `name` or `name as alias`, nothing else (no comment, no `type` modifier, no string name).
_SPECIFIER = re.compile(r"([A-Za-z_$][\w$]*)(?:\s+as\s+([A-Za-z_$][\w$]*))?\Z")
_NOT_SPECIFIER_NAMES = frozenset({"type", "typeof"})


def _named_imports(statement: Node, named: Node, spec: str) -> list[Import]:
    """The names ``{ a, b as c }`` binds."""
    out: list[Import] = []
    for specifier in named.named_children:
        if specifier.type == "import_specifier":
            names = specifier_names(specifier)
            if names is not None:
                out.append(Import(statement, specifier, *names, spec))
    return out


def specifier_names(specifier: Node) -> tuple[str, str] | None:
    """``(local, imported)`` of an ``import_specifier``; a plain one (``a``, ``a as b``) is
    read from its text, one accessor instead of four (every handler imports a few names).

    Args:
        specifier: An ``import_specifier`` node.

    Returns:
        The names, or None when the tree lacks one (a broken file).
    """
    plain = _SPECIFIER.match(text(specifier))
    if plain is not None and plain[1] not in _NOT_SPECIFIER_NAMES:
        return plain[2] or plain[1], plain[1]
    return specifier_names_by_tree(specifier)


def specifier_names_by_tree(specifier: Node) -> tuple[str, str] | None:
    """:func:`specifier_names` read from the tree's fields (its general, slower path).

    Args:
        specifier: An ``import_specifier`` node.

    Returns:
        ``(local, imported)``, or None.
    """
    name = specifier.child_by_field_name("name")
    local = specifier.child_by_field_name("alias") or name
    return (text(local), text(name)) if name and local else None


def quoted(node: Node) -> str:
    """:func:`string_text`, read in one accessor instead of one per part when the string is
    written whole (a quote, its contents, the same quote).

    Args:
        node: A ``string`` node.

    Returns:
        Its contents, escapes as written.
    """
    raw = node.text or b""
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in b"'\"":
        return raw[1:-1].decode("utf-8", "replace")
    return string_text(node)


def walk(node: Node) -> list[Node]:
    """Return ``node`` and all its descendants in document order (iteratively).

    Args:
        node: The root to start from.

    Returns:
        Every node of the subtree.
    """
    out: list[Node | None] = []  # a live cursor's node is never None
    append = out.append
    cursor = node.walk()  # a tree cursor: about 3x faster than reading .children lists
    depth = 0
    while True:
        append(cursor.node)
        if cursor.goto_first_child():
            depth += 1
            continue
        while not cursor.goto_next_sibling():
            if depth == 0 or not cursor.goto_parent():
                return cast("list[Node]", out)
            depth -= 1
        if depth == 0:
            return cast("list[Node]", out)


FUNCTION_TYPES = frozenset(
    {
        "arrow_function",
        "function_expression",
        "function",
        "function_declaration",
        "method_definition",
        "generator_function",
        "generator_function_declaration",
    }
)
_WRAPPERS = frozenset(
    {
        "as_expression",
        "satisfies_expression",
        "parenthesized_expression",
        "non_null_expression",
        "type_assertion",
    }
)


def unwrap(node: Node) -> Node:
    """Strip ``(x)``, ``x as T``, ``x satisfies T``, ``x!`` and ``<T>x`` around an expression.

    Args:
        node: An expression.

    Returns:
        The expression inside.
    """
    kind = node.type  # read once per node: each read makes a new str
    while kind in _WRAPPERS:
        inner = node.named_children
        if not inner:
            break
        node = inner[0] if kind != "type_assertion" else inner[-1]
        kind = node.type
    return node


def sides(node: Node) -> tuple[Node, Node] | None:
    """The two sides of a binding: a declarator's name and value, or a pair's (or pair
    pattern's) key and value.

    Args:
        node: A ``variable_declarator``, ``pair`` or ``pair_pattern``.

    Returns:
        ``(name or key, value)``, or None when either side is missing.
    """
    first = node.child_by_field_name("name" if node.type == "variable_declarator" else "key")
    value = node.child_by_field_name("value")
    return None if first is None or value is None else (first, value)


def key_text(key: Node) -> str | None:
    """Return the name of an object key, or None for a computed key.

    Args:
        key: The ``key`` of a ``pair`` (or a method's ``name``).

    Returns:
        The key as the runtime sees it.
    """
    if key.type == "computed_property_name":
        inner = key.named_children
        if len(inner) != 1 or inner[0].type not in {"string", "number"}:
            return None
        key = inner[0]  # ['b-c'] is as static as 'b-c'
    if key.type == "string":
        return "".join(text(part) for part in key.named_children)
    if key.type in {
        "property_identifier",
        "number",
        "identifier",
        "shorthand_property_identifier",
        "shorthand_property_identifier_pattern",
        "private_property_identifier",
    }:
        return text(key)
    return None


def callee_name(call: Node) -> str:
    """Return the last name of a call's callee: ``b`` for ``a.b()``, ``f`` for ``f()``.

    Args:
        call: A ``call_expression``.

    Returns:
        The name, or ``""`` when the callee is not a plain or member name.
    """
    function = call.child_by_field_name("function")
    if function is None:
        return ""
    function = unwrap(function)
    if function.type == "identifier":
        return text(function)
    if function.type == "member_expression":
        prop = function.child_by_field_name("property")
        return text(prop) if prop is not None else ""
    return ""


_PLAIN_CHAIN = re.compile(r"[A-Za-z_$][\w$]*(?:\??\.#?[A-Za-z_$][\w$]*)+\Z")
_NOT_NAMES = frozenset({"super", "import", "new"})  # super.x, import.meta.url, new.target.x


def member_chain(node: Node) -> list[str]:
    """Return the names along ``a.b?.c.d`` (``["a", "b", "c", "d"]``); ``[]`` if not a chain.

    Args:
        node: An identifier or member expression.

    Returns:
        The names, root first; ``this`` counts as a name.
    """
    node = unwrap(node)
    kind = node.type
    if kind == "identifier":
        return [text(node)]
    if kind == "member_expression":
        # Fast path (the linter calls this on every member expression): a chain written
        # without spaces, comments, calls or wrappers is exactly its text split at the dots.
        whole = text(node)
        if _PLAIN_CHAIN.match(whole):
            names = whole.replace("?.", ".").split(".")
            return [] if names[0] in _NOT_NAMES else names
    return chain_by_tree(node)


def is_plain_chain(node: Node) -> bool:
    """Whether a member expression is written as a plain chain (``a.b?.c``): names and dots
    only, so no call, function or assignment is inside it.

    Args:
        node: A ``member_expression``.

    Returns:
        True for a plain chain.
    """
    return _PLAIN_CHAIN.match(text(node)) is not None


def chain_by_tree(node: Node) -> list[str]:
    """:func:`member_chain` read from the tree node by node (its general, slower path).

    Args:
        node: An identifier or member expression.

    Returns:
        The names, root first; ``[]`` if not a chain.
    """
    names: list[str] = []
    node = unwrap(node)
    while node.type == "member_expression":
        prop = node.child_by_field_name("property")
        obj = node.child_by_field_name("object")
        if prop is None or obj is None:
            return []
        names.append(text(prop))
        node = unwrap(obj)
    if node.type in {"identifier", "this"}:
        names.append(text(node))
        return names[::-1]
    return []


def superclass(cls: Node) -> str | None:
    """The name a class declaration extends (``X`` of ``class A extends X``), if a plain name."""
    heritage = next((c for c in cls.children if c.type == "class_heritage"), None)
    clause = (
        next((c for c in heritage.named_children if c.type == "extends_clause"), None)
        if heritage is not None
        else None
    )
    value = clause.child_by_field_name("value") if clause is not None else None
    return text(value) if value is not None and value.type == "identifier" else None
