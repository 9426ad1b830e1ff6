"""SC105 floating promises in handlers, SC106 secrets passed to a logger."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, NamedTuple

from scaffold import _ts
from scaffold._rules.idempotency import call_facts, method_of
from scaffold._ts import FUNCTION_TYPES, key_text, member_chain, unwrap

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from tree_sitter import Node

    from scaffold._rules._base import Finding
    from scaffold._rules._source import Module
    from scaffold._rules.effects import Does

# The last name of something that holds a credential (case-insensitive, at the end).
SECRET = re.compile(
    r"(token|authorization|password|passwd|secret|apikey|api_key|cookie|credentials?)$",
    re.IGNORECASE,
)
# What an ASCII source must hold (lower-cased) for a name in it to match SECRET: a log call
# whose arguments hold none of these logs no credential, and is not walked.
_SECRET_WORDS = (
    b"token",
    b"authorization",
    b"password",
    b"passwd",
    b"secret",
    b"apikey",
    b"api_key",
    b"api-key",  # SECRET sees `-` as `_`
    b"cookie",
    b"credential",
)
# ...unless the name says it is a flag about one (hasAdminToken, isValidToken).
FLAG = re.compile(r"^(has|is|should|can|was|valid|missing|no|with|without)[A-Z_]")
_PROMISE_COMBINATORS = frozenset({"all", "allSettled", "race", "any"})
_CHAINS = frozenset({"then", "catch", "finally"})
_VALUE_PARENTS = frozenset(
    {"arguments", "pair", "template_substitution", "array", "spread_element", "object"}
)


class Callees(NamedTuple):
    """What SC105 knows of the callees in a module."""

    clients: Mapping[str, str]
    """Names destructured from ``ctx.clients`` in the module."""
    is_async_function: Callable[[Module, Node], bool]
    """Whether a callee names an async function (followed)."""
    does: Callable[[Module, Node], Does | None]
    """What a call does, when its target is known (app client method, HTTP library)."""


def floating(module: Module, statement: Node, callees: Callees) -> Finding | None:
    """SC105: an expression statement that starts async work nobody awaits.

    Reported only when the callee is known to return a promise: an async function (or one
    declared to return a Promise) of the app, a method of the app's own client class that
    is async or hands back a request, a client of a package (every @vtex/api client method
    makes a request), an HTTP library call, ``Promise.all``...

    Args:
        module: The module.
        statement: An ``expression_statement``.
        callees: What is known of the module's callees.

    Returns:
        The finding, or None.
    """
    first = statement.named_child(0)  # one node, not the list of every child
    if first is None:
        return None
    call = unwrap(first)
    if call.type != "call_expression":
        return None
    if call_facts(module, call).name == "forEach":
        args = call.child_by_field_name("arguments")
        callback = args.named_children[0] if args is not None and args.named_children else None
        if callback is not None and _is_async_node(unwrap(callback)):
            return module.finding(
                call,
                "SC105",
                "error",
                "`forEach(async ...)` starts one promise per item and waits for none: the "
                "handler returns before they finish and their failures never reach the "
                "platform; use `for ... of` with await, or `await Promise.all(items.map(...))`",
            )
        return None
    if not _is_async_call(module, call, callees):
        return None
    return module.finding(
        call,
        "SC105",
        "error",
        f"`{_short(call)}` is not awaited: the handler can return before it finishes and its "
        "failure never reaches the platform (no retry); `await` it (or `return` it)",
    )


def _is_async_call(module: Module, call: Node, callees: Callees) -> bool:
    facts = call_facts(module, call)
    callee = facts.callee
    if callee is None:
        return False
    known = callees.does(module, call)
    if known is not None:
        return known.promise
    chain = facts.chain
    name = facts.name
    if name in _CHAINS and facts.kind == "member_expression":
        target = callee.child_by_field_name("object")
        inner = unwrap(target) if target is not None else None
        # `promise.catch(...)` on a name: the promise may be awaited elsewhere; only a chain
        # on an async call itself is known to float.
        return (
            inner is not None
            and inner.type == "call_expression"
            and _is_async_call(module, inner, callees)
        )
    if chain[:1] == ["Promise"] and name in _PROMISE_COMBINATORS:
        return True
    receiver = chain[:-1]
    if receiver and ("clients" in receiver or receiver[0] in callees.clients):
        return True  # a client the app does not define: @vtex/api's and packages' all request
    return facts.kind == "identifier" and callees.is_async_function(module, callee)


def _is_async_node(node: Node) -> bool:
    return node.type in FUNCTION_TYPES and any(child.type == "async" for child in node.children)


def is_async_declaration(function: Node) -> bool:
    """An ``async`` function, or one whose declared return type is a Promise."""
    if _is_async_node(function):
        return True
    returns = function.child_by_field_name("return_type")
    return returns is not None and "Promise" in _ts.text(returns)


def secret_logged(module: Module, call: Node) -> Finding | None:
    """SC106: a log call receives a credential (auth token, Authorization header, password).

    Args:
        module: The module.
        call: A log call.

    Returns:
        The finding at the first credential in its arguments, or None.
    """
    args = call.child_by_field_name("arguments")
    if args is None:
        return None
    raw = args.text or b""
    # A name is a slice of the source, so it holds a word only where the source does. Only
    # ASCII is ruled out this way: IGNORECASE also matches non-ASCII letters (the long s).
    if raw.isascii() and not any(word in raw.lower() for word in _SECRET_WORDS):
        return None
    for node in _ts.walk(args):
        name = _secret_name(node)
        if name is None or not _used_as_value(node) or _transformed(node, args):
            continue
        return module.finding(
            node,
            "SC106",
            "error",
            f"`{_short(node)}` looks like a credential ({name}) and is logged: logs are kept "
            "and read widely; log that it is present, never its value",
        )
    return None


def _secret_name(node: Node) -> str | None:
    if node.type in {"identifier", "shorthand_property_identifier"}:
        name = _ts.text(node)
    elif node.type == "member_expression":
        chain = member_chain(node)
        name = chain[-1] if chain else ""
    elif node.type == "subscript_expression":
        index = node.child_by_field_name("index")
        name = _ts.string_text(index) if index is not None and index.type == "string" else ""
    elif node.type == "pair":
        key = node.child_by_field_name("key")
        value = node.child_by_field_name("value")
        name = key_text(key) or "" if key is not None else ""
        if value is None or unwrap(value).type in {"true", "false", "number", "unary_expression"}:
            return None
        if unwrap(value).type in {"string", "binary_expression", "call_expression"}:
            return None
    else:
        return None
    if FLAG.match(name):
        return None
    return name if SECRET.search(name.replace("-", "_")) else None


_PASS_THROUGH = frozenset({"stringify", "String", "toString", "concat", "join"})


def _transformed(node: Node, args: Node) -> bool:
    """Whether a call other than ``JSON.stringify``/``String`` stands between the value and
    the logger (``Boolean(token)``, ``mask(token)``, ``hash(token)``)."""
    parent = node.parent
    while parent is not None and parent != args:
        if parent.type == "call_expression" and method_of(parent) not in _PASS_THROUGH:
            return True
        parent = parent.parent
    return False


def _used_as_value(node: Node) -> bool:
    """Passed on as is: not tested (``!!token``), measured (``token.length``) or compared."""
    parent = node.parent
    if parent is None:
        return False
    if node.type == "pair":
        return True
    if parent.type in {"member_expression", "subscript_expression"}:
        return False  # the object of token.length / headers['x'] is not logged itself
    return parent.type in _VALUE_PARENTS or parent.type == "shorthand_property_identifier"


def _short(node: Node) -> str:
    text = " ".join(_ts.text(node).split())
    return text if len(text) <= 60 else text[:57] + "..."
