"""What a call does: the HTTP requests behind an app's own client methods and HTTP libraries.

SC101 grades a side effect by what repeating it does, and SC105 reports a call only when it
returns a promise. Both ask here first:

- ``fetch(url, { method })``, ``axios(config)``, ``axios.post(...)``, ``got(url, { method })``,
  ``got.put(...)`` (the library named by its import, or the global ``fetch``): the HTTP method
  decides (POST creates; PUT/PATCH writes; DELETE deletes; GET and HEAD read);
- ``ctx.clients.<name>.<method>(...)`` where ``<name>`` is a getter of the app's own
  ``IOClients`` subclass (``get partner() { return this.getOrSet('partner', Partner) }``) and
  the method is written in the app (in the class or a superclass of the app): the requests
  its body makes (``this.http.post``, ``this.http.request({ method })``, other methods of the
  class...) decide, whatever the method is called. A method that makes no write request is
  no side effect.

Anything else (a client class from a package, a method the app does not write) is left to the
name-based grading in :mod:`scaffold._rules.idempotency`. Hand-written: no maintained Python
library models TypeScript call targets; tree-sitter gives the syntax.
"""

from __future__ import annotations

import posixpath
from typing import TYPE_CHECKING, NamedTuple

from scaffold import _ts
from scaffold._ts import FUNCTION_TYPES, key_text, member_chain, unwrap

if TYPE_CHECKING:
    from collections.abc import Callable

    from tree_sitter import Node

    from scaffold._rules._base import Severity
    from scaffold._rules._source import Module

# Packages whose default (or named) export makes HTTP requests, and how it is called.
HTTP_PACKAGES = frozenset(
    {"axios", "got", "node-fetch", "cross-fetch", "isomorphic-fetch", "undici", "superagent"}
)
# `this.http.<method>` of @vtex/api's HttpClient, and what a request with it does.
_HTTP_VERBS = {
    "post": "POST",
    "postraw": "POST",
    "put": "PUT",
    "putraw": "PUT",
    "patch": "PATCH",
    "delete": "DELETE",
    "del": "DELETE",
    "get": "GET",
    "getraw": "GET",
    "getwithbody": "GET",
    "getbuffer": "GET",
    "getstream": "GET",
    "head": "HEAD",
    "options": "GET",
}


class Does(NamedTuple):
    """What a call does when it runs.

    Attributes:
        severity: ``error`` (creates or sends: a repeat does it twice), ``warning`` (writes or
            deletes: harmless to repeat only if absolute), or None (reads only).
        why: ``repeats``, ``write``, ``delete`` or ``""``.
        promise: Whether the call returns a promise.
    """

    severity: Severity | None
    why: str
    promise: bool


_READ = Does(None, "", True)
_NOTHING = Does(None, "", False)
_GRADES = {
    "POST": Does("error", "repeats", True),
    "PUT": Does("warning", "write", True),
    "PATCH": Does("warning", "write", True),
    "DELETE": Does("warning", "delete", True),
    "?": Does("warning", "write", True),  # a method computed at run time
}
# Calls that make no request, whatever they are given.
_PURE = [
    [name]
    for name in (
        "JSON",
        "Object",
        "Array",
        "Math",
        "String",
        "Number",
        "Boolean",
        "Date",
        "console",
        "Promise",
        "encodeURIComponent",
        "encodeURI",
        "parseInt",
        "parseFloat",
        "Buffer",
    )
]
_RANK = {None: 0, "delete": 1, "write": 2, "repeats": 3}


def _grade(method: str) -> Does:
    return _GRADES.get(method.upper(), _READ)


def worst(found: list[Does]) -> Does | None:
    """The worst of several outcomes (None for none)."""
    if not found:
        return None
    top = max(found, key=lambda d: _RANK[d.why or None])
    return top._replace(promise=any(d.promise for d in found))


def _method_option(args: Node | None) -> str | None:
    """The HTTP method an options object among ``args`` names: ``GET`` when none does."""
    if args is None:
        return None
    for arg in args.named_children:
        arg = unwrap(arg)
        if arg.type != "object":
            continue
        for pair in arg.named_children:
            key = pair.child_by_field_name("key") if pair.type == "pair" else None
            if key is None or key_text(key) != "method":
                continue
            value = pair.child_by_field_name("value")
            if value is not None and unwrap(value).type == "string":
                return _ts.string_text(unwrap(value))
            return "?"
        if any(
            c.type == "shorthand_property_identifier" and _ts.text(c) == "method"
            for c in arg.named_children
        ):
            return "?"
    return "GET"


def http_names(module: Module) -> set[str]:
    """Local names of HTTP libraries in ``module``: their imports, and the global ``fetch``."""
    names = {"fetch"}
    for imported in module.imports:
        package = imported.source.split("/")[0]
        if package in HTTP_PACKAGES or imported.source.startswith("node-fetch"):
            names.add(imported.local)
    return names


def library_call(call: Node, libraries: set[str]) -> Does | None:
    """What a call of an HTTP library does, or None when ``call`` is not one.

    ``fetch(url, { method: 'POST' })``, ``axios({ method: 'post', url })``, ``axios.put(...)``,
    ``got.delete(...)``, ``axios.request({ method })``.
    """
    callee = call.child_by_field_name("function")
    if callee is None:
        return None
    callee = unwrap(callee)
    args = call.child_by_field_name("arguments")
    if callee.type == "identifier":
        return library_call_by(_ts.text(callee), [], args, libraries)
    if callee.type != "member_expression":
        return None
    return library_call_by("", member_chain(callee), args, libraries)


def library_call_by(
    name: str, chain: list[str], args: Node | None, libraries: set[str]
) -> Does | None:
    """:func:`library_call` from what is known of the call already: the callee's ``name``
    when it is an identifier, else its member ``chain`` (``[]`` for neither)."""
    if name:
        return _grade(_method_option(args) or "GET") if name in libraries else None
    if len(chain) != 2 or chain[0] not in libraries:
        return None
    name = chain[1].lower()
    if name == "request":
        return _grade(_method_option(args) or "GET")
    verb = _HTTP_VERBS.get(name)
    # `axios.create(...)`, `got.extend(...)`: configure an instance, request nothing.
    return _grade(verb) if verb is not None else _NOTHING


class AppClients:
    """The app's own ``IOClients`` getters and what their methods do.

    Args:
        modules: The app's client modules (``node/clients/**``), parsed.
        load: Opens a module by its path relative to the app root (None when absent).
    """

    def __init__(self, modules: list[Module], load: Callable[[str], Module | None]) -> None:
        self._load = load
        self._getters: dict[str, tuple[Module, Node] | None] = {}
        self._methods: dict[tuple[str, int, str], Does | None] = {}
        for module in modules:
            for node in module.nodes("class_declaration"):
                heritage = next((c for c in node.children if c.type == "class_heritage"), None)
                if heritage is not None and "IOClients" in _ts.text(heritage):
                    self._read_getters(module, node)

    def _read_getters(self, module: Module, cls: Node) -> None:
        body = cls.child_by_field_name("body")
        for member in body.named_children if body is not None else []:
            name = member.child_by_field_name("name")
            if member.type != "method_definition" or name is None:
                continue
            target: tuple[Module, Node] | None = None
            for call in _ts.walk(member):
                if call.type == "call_expression" and _ts.callee_name(call) == "getOrSet":
                    args = call.child_by_field_name("arguments")
                    values = args.named_children if args is not None else []
                    if len(values) >= 2 and unwrap(values[1]).type == "identifier":
                        target = self.find_class(module, _ts.text(unwrap(values[1])))
            key = key_text(name)
            if key is not None:
                self._getters[key] = target

    def find_class(self, module: Module, name: str, hops: int = 0) -> tuple[Module, Node] | None:
        """The class declaration ``name`` names in ``module`` (followed through imports)."""
        if hops > 4:
            return None
        for statement in module.root.named_children:
            declaration = statement.child_by_field_name("declaration") or statement
            if declaration.type in {"class_declaration", "abstract_class_declaration"}:
                ident = declaration.child_by_field_name("name")
                if ident is not None and _ts.text(ident) == name:
                    return module, declaration
        for imported in module.imports:
            if imported.local != name or not imported.source.startswith("."):
                continue
            target = self._open(module, imported.source)
            if target is None:
                return None
            if imported.imported == "default":
                return self._default_class(target, hops + 1)
            return self._exported_class(target, imported.imported, hops + 1)
        return None

    def _default_class(self, module: Module, hops: int) -> tuple[Module, Node] | None:
        for statement in module.root.named_children:
            if statement.type != "export_statement" or not any(
                c.type == "default" for c in statement.children
            ):
                continue
            declaration = statement.child_by_field_name("declaration")
            if declaration is not None:
                return module, declaration
            value = statement.child_by_field_name("value")
            if value is not None and unwrap(value).type == "identifier":
                return self.find_class(module, _ts.text(unwrap(value)), hops)
        return None

    def _exported_class(self, module: Module, name: str, hops: int) -> tuple[Module, Node] | None:
        found = self.find_class(module, name, hops)
        if found is not None:
            return found
        for statement in module.root.named_children:
            source = statement.child_by_field_name("source")
            if statement.type != "export_statement" or source is None:
                continue
            text = _ts.text(statement)
            if "*" in text.split("from")[0] or name in text:
                target = self._open(module, _ts.string_text(source))
                if target is not None:
                    found = self._exported_class(target, name, hops + 1)
                    if found is not None:
                        return found
        return None

    def _open(self, module: Module, spec: str) -> Module | None:
        folder = module.rel.rpartition("/")[0]
        base = posixpath.normpath(posixpath.join(folder, spec)).removesuffix(".js")
        base = base.removesuffix(".ts")
        for rel in (f"{base}.ts", f"{base}/index.ts"):
            if not rel.startswith(".."):
                found = self._load(rel)
                if found is not None:
                    return found
        return None

    def method(self, getter: str, name: str) -> Does | None:
        """What ``ctx.clients.<getter>.<name>(...)`` does, or None when the app does not
        define that method (a package class, an unknown getter)."""
        cls = self._getters.get(getter)
        return self._class_method(*cls, name, 0) if cls is not None else None

    def _class_method(self, module: Module, cls: Node, name: str, depth: int) -> Does | None:
        key = (module.rel, cls.start_byte, name)
        if key in self._methods:
            return self._methods[key]
        self._methods[key] = None  # recursion
        found: Does | None = None
        function = _member(cls, name)
        if function is not None:
            found = self._body(module, cls, function, depth)
        elif depth < 4:
            parent = _ts.superclass(cls)
            target = self.find_class(module, parent) if parent is not None else None
            if target is not None:
                found = self._class_method(*target, name, depth + 1)
        self._methods[key] = found
        return found

    def _body(self, module: Module, cls: Node, function: Node, depth: int) -> Does | None:
        """What a method's body requests; None when it requests nothing it can see but calls
        something it cannot follow (a helper handed ``this.http``...): judged by name then."""
        libraries = http_names(module)
        found: list[Does] = []
        unknown = False
        for call in _ts.walk(function):
            if call.type != "call_expression":
                continue
            callee = call.child_by_field_name("function")
            chain = member_chain(callee) if callee is not None else []
            does: Does | None = None
            if len(chain) == 3 and chain[:2] == ["this", "http"]:
                verb = chain[2].lower()
                if verb == "request":
                    does = _grade(_method_option(call.child_by_field_name("arguments")) or "GET")
                else:
                    does = _grade(_HTTP_VERBS.get(verb, "GET"))
            elif len(chain) == 3 and chain[:2] == ["this", "graphql"]:
                does = Does("warning", "write", True) if chain[2] == "mutate" else _READ
            elif len(chain) == 2 and chain[0] == "this" and depth < 4:
                does = self._class_method(module, cls, chain[1], depth + 1)
            else:
                does = library_call(call, libraries)
            if does is not None:
                found.append(does)
            elif chain[:1] not in _PURE:
                unknown = True
        if not found and unknown:
            return None
        result = worst(found) or _NOTHING
        promise = _returns_promise(function) or (result.promise and _returns_call(function))
        return result._replace(promise=promise)


def _member(cls: Node, name: str) -> Node | None:
    body = cls.child_by_field_name("body")
    for member in body.named_children if body is not None else []:
        key = member.child_by_field_name("name") or member.child_by_field_name("property")
        if key is None or key_text(key) != name:
            continue
        if member.type == "method_definition":
            return member
        value = member.child_by_field_name("value")
        if value is not None and unwrap(value).type in FUNCTION_TYPES:
            return unwrap(value)
    return None


def _returns_promise(function: Node) -> bool:
    if any(child.type == "async" for child in function.children):
        return True
    returns = function.child_by_field_name("return_type")
    return returns is not None and "Promise" in _ts.text(returns)


def _returns_call(function: Node) -> bool:
    """The function hands back what it calls: ``=> this.http.get(...)``, ``return f(...)``."""
    body = function.child_by_field_name("body")
    if body is None:
        return False
    if body.type != "statement_block":
        return unwrap(body).type in {"call_expression", "await_expression"}
    return any(
        node.type == "return_statement"
        and node.named_children
        and unwrap(node.named_children[0]).type in {"call_expression", "await_expression"}
        for node in _ts.walk(body)
    )
