"""Following names through TypeScript modules: local bindings, imports and exports."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from scaffold import _ts

if TYPE_CHECKING:
    from tree_sitter import Node

    from scaffold._rules._source import Module, Project

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
_MAX_HOPS = 8


def unwrap(node: Node) -> Node:
    """Strip ``(x)``, ``x as T``, ``x satisfies T``, ``x!`` and ``<T>x`` around an expression.

    Args:
        node: An expression.

    Returns:
        The expression inside.
    """
    while node.type in _WRAPPERS and node.named_children:
        node = node.named_children[0] if node.type != "type_assertion" else node.named_children[-1]
    return node


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
        return "".join(_ts.text(part) for part in key.named_children)
    if key.type in {
        "property_identifier",
        "number",
        "identifier",
        "shorthand_property_identifier",
        "shorthand_property_identifier_pattern",
        "private_property_identifier",
    }:
        return _ts.text(key)
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
        return _ts.text(function)
    if function.type == "member_expression":
        prop = function.child_by_field_name("property")
        return _ts.text(prop) if prop is not None else ""
    return ""


def member_chain(node: Node) -> list[str]:
    """Return the names along ``a.b?.c.d`` (``["a", "b", "c", "d"]``); ``[]`` if not a chain.

    Args:
        node: An identifier or member expression.

    Returns:
        The names, root first; ``this`` counts as a name.
    """
    names: list[str] = []
    node = unwrap(node)
    while node.type == "member_expression":
        prop = node.child_by_field_name("property")
        obj = node.child_by_field_name("object")
        if prop is None or obj is None:
            return []
        names.append(_ts.text(prop))
        node = unwrap(obj)
    if node.type in {"identifier", "this"}:
        names.append(_ts.text(node))
        return names[::-1]
    return []


def _top_level(module: Module) -> list[Node]:
    out: list[Node] = []
    for child in module.root.named_children:
        if child.type == "export_statement":
            declaration = child.child_by_field_name("declaration")
            if declaration is not None:
                out.append(declaration)
        out.append(child)
    return out


def local_binding(module: Module, name: str) -> Node | None:
    """Return what a top-level name is bound to: a function declaration or a const's value.

    Args:
        module: Where to look.
        name: The name.

    Returns:
        The function declaration node or the variable's initial value, or None.
    """
    if module.bindings is None:
        module.bindings = {}
        for node in _top_level(module):
            if node.type in {"function_declaration", "generator_function_declaration"}:
                ident = node.child_by_field_name("name")
                if ident is not None:
                    module.bindings.setdefault(_ts.text(ident), node)
            elif node.type in {"lexical_declaration", "variable_declaration"}:
                for declarator in node.named_children:
                    ident = declarator.child_by_field_name("name")
                    if ident is not None and ident.type == "identifier":
                        module.bindings.setdefault(
                            _ts.text(ident), declarator.child_by_field_name("value")
                        )
    return module.bindings.get(name)


def imported(module: Module, name: str) -> tuple[str, str] | None:
    """Return ``(source, imported name)`` for a local name bound by an import.

    Args:
        module: Where to look.
        name: The local name.

    Returns:
        The module specifier and the exported name (``default`` or ``*`` for a namespace),
        or None if ``name`` is not imported.
    """
    if module.imports is None:
        module.imports = {}
        for statement in module.root.named_children:
            if statement.type == "import_statement":
                _read_import(statement, module.imports)
    return module.imports.get(name)


def _read_import(statement: Node, out: dict[str, tuple[str, str]]) -> None:
    source = statement.child_by_field_name("source")
    clause = next((c for c in statement.named_children if c.type == "import_clause"), None)
    if source is None or clause is None:
        return
    spec = "".join(_ts.text(part) for part in source.named_children)
    for part in clause.named_children:
        if part.type == "identifier":
            out.setdefault(_ts.text(part), (spec, "default"))
        elif part.type == "namespace_import":
            for ident in part.named_children:
                out.setdefault(_ts.text(ident), (spec, "*"))
        elif part.type == "named_imports":
            for specifier in part.named_children:
                orig = specifier.child_by_field_name("name")
                alias = specifier.child_by_field_name("alias") or orig
                if orig is not None and alias is not None:
                    out.setdefault(_ts.text(alias), (spec, _ts.text(orig)))


def import_target(project: Project, module: Module, spec: str) -> Module | None:
    """Load the module a relative import specifier points to (``./x`` -> x.ts or x/index.ts).

    Args:
        project: The app.
        module: The importing module.
        spec: The specifier; packages (not starting with ``.``) are not followed.

    Returns:
        The imported module, or None.
    """
    if not spec.startswith("."):
        return None
    base = module.path.parent / spec
    for candidate in (
        base.with_name(base.name + ".ts"),
        base / "index.ts",
        base if base.suffix == ".ts" else None,
        base.with_suffix(".ts") if base.suffix == ".js" else None,
    ):
        if candidate is not None and Path(candidate).is_file():
            return project.module(candidate)
    return None


def exported(
    project: Project, module: Module, name: str, hops: int = 0
) -> tuple[Module, Node] | None:
    """Return what ``module`` exports as ``name``, following re-exports.

    Args:
        project: The app.
        module: The exporting module.
        name: The exported name, or ``default``.
        hops: How many modules were already followed (to stop cycles).

    Returns:
        The module and node the export is bound to, or None.
    """
    if hops > _MAX_HOPS:
        return None
    for statement in module.root.named_children:
        if statement.type != "export_statement":
            continue
        found = _export_in(project, module, statement, name, hops)
        if found is not None:
            return found
    return None


def _export_in(
    project: Project, module: Module, statement: Node, name: str, hops: int
) -> tuple[Module, Node] | None:
    source = statement.child_by_field_name("source")
    target = (
        import_target(project, module, "".join(_ts.text(p) for p in source.named_children))
        if source is not None
        else None
    )
    if name == "default" and any(c.type == "default" for c in statement.children):
        value = statement.child_by_field_name("value") or statement.child_by_field_name(
            "declaration"
        )
        return (module, value) if value is not None else None
    declaration = statement.child_by_field_name("declaration")
    if declaration is not None:
        value = local_binding(module, name)
        return (module, value) if value is not None and _declares(declaration, name) else None
    clause = next((c for c in statement.named_children if c.type == "export_clause"), None)
    if clause is None:
        # export * from './x'
        return exported(project, target, name, hops + 1) if target is not None else None
    for specifier in clause.named_children:
        orig = specifier.child_by_field_name("name")
        alias = specifier.child_by_field_name("alias") or orig
        if orig is None or alias is None or _ts.text(alias) != name:
            continue
        if target is not None:
            return exported(project, target, _ts.text(orig), hops + 1)
        return resolve(project, module, orig, hops + 1)
    return None


def _declares(declaration: Node, name: str) -> bool:
    names = [declaration.child_by_field_name("name")] + [
        d.child_by_field_name("name") for d in declaration.named_children
    ]
    return any(ident is not None and _ts.text(ident) == name for ident in names)


def resolve(project: Project, module: Module, node: Node, hops: int = 0) -> tuple[Module, Node]:
    """Follow an expression through names, imports and namespaces to what it stands for.

    Args:
        project: The app.
        module: The module ``node`` belongs to.
        node: An expression.
        hops: How many names were already followed (to stop cycles).

    Returns:
        The module and node it resolves to; ``node`` itself (unwrapped) when it cannot be
        followed further (an object, a function, a call, an unknown name...).
    """
    node = unwrap(node)
    if hops > _MAX_HOPS:
        return module, node
    if node.type in {"identifier", "shorthand_property_identifier"}:
        name = _ts.text(node)
        value = local_binding(module, name)
        if value is not None:
            return resolve(project, module, value, hops + 1)
        origin = imported(module, name)
        if origin is not None and origin[1] != "*":
            target = import_target(project, module, origin[0])
            found = exported(project, target, origin[1], hops + 1) if target else None
            if found is not None:
                return resolve(project, found[0], found[1], hops + 1)
    elif node.type == "member_expression":
        chain = member_chain(node)
        origin = imported(module, chain[0]) if len(chain) == 2 else None
        if origin is not None and origin[1] == "*":
            target = import_target(project, module, origin[0])
            found = exported(project, target, chain[1], hops + 1) if target else None
            if found is not None:
                return resolve(project, found[0], found[1], hops + 1)
    return module, node
