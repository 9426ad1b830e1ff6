"""SC101-SC104: what event and worker handlers do (idempotency, request state, errors, logs).

Which code is analyzed: every .ts file under node/events and node/workers (tests excluded) as
a whole, plus the body of every function registered in the Service events object wherever it
lives (e.g. inline in node/index.ts, whose routes are left alone).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from scaffold import _ts
from scaffold._rules import calls, effects, idempotency
from scaffold._rules.idempotency import Analyzer, Bindings
from scaffold._service_map import Resolver
from scaffold._ts import FUNCTION_TYPES, callee_name, key_text, member_chain, unwrap

if TYPE_CHECKING:
    from collections.abc import Iterable

    from tree_sitter import Node

    from scaffold._rules._base import Finding
    from scaffold._rules._source import Module, Project
    from scaffold._rules.effects import Does
    from scaffold._rules.events_map import EventsMap

REQUEST_ONLY = frozenset(
    {"request", "query", "params", "headers", "header", "cookies", "querystring"}
)
_REQUEST_PROPS = REQUEST_ONLY | {"get"}
# Each SC102 form names one of these (a property, a destructured key, a key in quotes): a
# module whose bytes hold none of them as a whole word has nothing to report.
_REQUEST_BYTES = [name.encode() for name in sorted(_REQUEST_PROPS)]  # a fast scan first
_REQUEST_WORDS = re.compile(rb"\b(?:" + b"|".join(_REQUEST_BYTES) + rb")\b")
LOGGER_NAMES = frozenset({"logger", "console", "log"})
# In a catch, a (non-log) call or assignment whose text matches this records the failure.
RECORDS_FAILURE = re.compile(r"fail|reject|status|dead.?letter|retry", re.IGNORECASE)
# A call named like this (logError, handleError, sendError) reports at best: like a log.
REPORTS_ERROR = re.compile(r"error", re.IGNORECASE)
# Ledger calls that record a failure before rejecting: a .catch on them swallows nothing.
RECORDING_RUNNERS = frozenset({"runonce"})
_FAILURE_KEYS = frozenset({"status", "error", "failed", "failure", "reason"})


def check_handlers(project: Project, events_map: EventsMap) -> list[Finding]:
    """Run SC101-SC104 over handler code.

    Args:
        project: The app.
        events_map: The registered handlers (followed into their modules).

    Returns:
        The findings.
    """
    whole: dict[str, Module] = {}
    for path in project.ts_files("events", "workers"):
        module = project.module(path)
        if module is not None:
            whole[module.rel] = module
    registered: dict[str, tuple[Module, dict[tuple[int, int], Node]]] = {}
    pipelines: dict[str, list[tuple[Module, Node, Bindings]]] = {}
    for handler in events_map.handlers:
        _, nodes = registered.setdefault(handler.module.rel, (handler.module, {}))
        nodes[(handler.node.start_byte, handler.node.end_byte)] = handler.node
        pipelines.setdefault(handler.event, []).append(
            (handler.module, handler.node, handler.bindings)
        )
    analyzer = _analyzer(project)
    findings: list[Finding] = []
    for members in pipelines.values():
        findings.extend(_sc101(analyzer, members))
    for rel in sorted(set(whole) | set(registered)):
        module = whole.get(rel) or registered[rel][0]
        scopes = (
            [module.root] if rel in whole else _with_helpers(module, registered[rel][1].values())
        )
        if rel not in registered:
            for function in _exported_functions(module):
                findings.extend(_sc101(analyzer, [(module, function, {})]))
        findings.extend(_check_module(module, scopes, analyzer))
    return findings


def _with_helpers(module: Module, functions: Iterable[Node]) -> list[Node]:
    """The functions and the same-file functions they call, transitively."""
    local = _local_functions(module)
    out: dict[tuple[int, int], Node] = {}
    todo = list(functions)
    while todo:
        function = todo.pop()
        span = (function.start_byte, function.end_byte)
        if span in out:
            continue
        out[span] = function
        todo.extend(
            local[_ts.text(node)]
            for node in _ts.walk(function)
            if node.type == "identifier" and _ts.text(node) in local
        )
    return list(out.values())


def _analyzer(project: Project) -> Analyzer:
    facts = _Facts(project)
    return Analyzer(facts.resolve, facts.client_names, facts.does, facts.writes, facts.read_methods)


class _Facts:
    """What the analyzer asks about the app, each answer computed once per run."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.resolver: Resolver[Module] = project.resolver
        self.clients: dict[str, dict[str, str]] = {}
        self.libraries: dict[str, set[str]] = {}
        # What a callee resolves to depends only on its module and its text (top-level
        # bindings, imports, exports), so 200 handlers calling one helper follow it once.
        self.resolved: dict[tuple[str, str, str], tuple[Module, Node] | None] = {}
        self._app_clients: effects.AppClients | None = None
        self._modules: list[Module] | None = None
        self._written: dict[str, set[str]] = {}  # per module (rel)
        self._writes: dict[str, bool] = {}  # per store
        self._read_methods: frozenset[str] | None = None
        # SC101 and SC105 ask about the same calls; a node is its own key (hash: its id).
        self._does: dict[Node, Does | None] = {}

    def load(self, rel: str) -> Module | None:
        return self.project.module(self.project.root / rel)

    def resolve(
        self, module: Module, callee: Node, text: str | None = None
    ) -> tuple[Module, Node] | None:
        callee = unwrap(callee)
        kind = callee.type
        if kind == "member_expression":
            obj = callee.child_by_field_name("object")
            if obj is not None and unwrap(obj).type != "identifier":
                return None  # as _follow_callee: decided before reading the callee's text
        elif kind != "identifier":
            return None
        key = (module.rel, kind, _ts.text(callee) if text is None else text)
        if key not in self.resolved:
            self.resolved[key] = _follow_callee(self.resolver, module, callee)
        return self.resolved[key]

    def client_names(self, module: Module) -> dict[str, str]:
        if module.rel not in self.clients:
            self.clients[module.rel] = _client_names(module)
        return self.clients[module.rel]

    def app_clients(self) -> effects.AppClients:
        if self._app_clients is None:
            found = [self.project.module(path) for path in self.project.ts_files("clients")]
            self._app_clients = effects.AppClients([m for m in found if m is not None], self.load)
        return self._app_clients

    def does(self, module: Module, call: Node) -> Does | None:
        if call in self._does:
            return self._does[call]
        found = self._does[call] = self._does_uncached(module, call)
        return found

    def _does_uncached(self, module: Module, call: Node) -> Does | None:
        if module.rel not in self.libraries:
            self.libraries[module.rel] = effects.http_names(module)
        facts = idempotency.call_facts(module, call)
        if not facts.awaited:  # library_call reads the callee without unwrapping `await`
            name = facts.name if facts.kind == "identifier" else ""
            found = effects.library_call_by(
                name, facts.chain, facts.args, self.libraries[module.rel]
            )
            if found is not None:
                return found
        getter, method = _client_method(facts, self.client_names(module))
        return self.app_clients().method(getter, method) if getter else None

    def modules(self) -> list[Module]:
        """Every .ts module of the app that parses, in :meth:`Project.ts_files` order."""
        if self._modules is None:
            found = (self.project.module(path) for path in self.project.ts_files())
            self._modules = [module for module in found if module is not None]
        return self._modules

    def writes(self, store: str) -> bool:
        """Whether any module writes ``store`` (see :func:`idempotency.written_stores`).

        A store key is always text of the module that writes it (a string's contents, a
        constant's value, an expression as written), so only modules whose bytes hold the
        key are looked at; a key with a replacement character (from bytes that are not
        UTF-8) is not in the bytes as such, so then every module is.
        """
        if store not in self._writes:
            needle = store.encode() if "\ufffd" not in store else b""
            self._writes[store] = any(
                store in self._written_by(module)
                for module in self.modules()
                if needle in module.source
            )
        return self._writes[store]

    def _written_by(self, module: Module) -> set[str]:
        if module.rel not in self._written:
            self._written[module.rel] = idempotency.written_stores(module)
        return self._written[module.rel]

    def read_methods(self) -> frozenset[str]:
        if self._read_methods is None:
            found: set[str] = set()
            for module in self.modules():
                if b"extends" in module.source:
                    found |= idempotency.store_read_methods(module)
            self._read_methods = frozenset(found)
        return self._read_methods


def _client_method(facts: idempotency.CallFacts, names: dict[str, str]) -> tuple[str, str]:
    """``(client, method)`` of ``ctx.clients.client.method(...)`` or of a destructured
    client's ``client.method(...)``; ``("", "")`` for anything else."""
    if facts.kind != "member_expression":
        return "", ""
    chain = facts.chain
    if "clients" in chain[:-2] and chain.index("clients") == len(chain) - 3:
        return chain[-2], chain[-1]
    if len(chain) == 2 and names.get(chain[0]):
        return names[chain[0]], chain[1]
    if len(chain) == 3 and chain[0] in names and not names[chain[0]]:
        return chain[1], chain[2]  # const clients = ctx.clients; clients.x.m()
    return "", ""


def _follow_callee(
    resolver: Resolver[Module], module: Module, callee: Node
) -> tuple[Module, Node] | None:
    """The function a callee (unwrapped) names, followed through names and imports."""
    if callee.type == "identifier":
        where, target = resolver.follow(module, callee)
    elif callee.type == "member_expression":
        obj = callee.child_by_field_name("object")
        if obj is not None and unwrap(obj).type != "identifier":
            # `ctx.clients.x.send`, `this.http.post`, `f().g`: not `ns.f` of a namespace
            # import, nor `obj.f` of a module's object, so nothing the resolver can follow.
            return None
        where, target = resolver.follow(module, callee)
        if target.type not in FUNCTION_TYPES:
            obj = callee.child_by_field_name("object")
            prop = callee.child_by_field_name("property")
            if obj is None or prop is None or unwrap(obj).type != "identifier":
                return None
            where, target = resolver.follow(module, obj)
            if target.type != "object":
                return None
            target = _method(target, _ts.text(prop)) or target
    else:
        return None
    return (where, target) if target.type in FUNCTION_TYPES else None


def _method(obj: Node, name: str) -> Node | None:
    for member in obj.named_children:
        if member.type == "method_definition":
            key = member.child_by_field_name("name")
            if key is not None and key_text(key) == name:
                return member
        elif member.type == "pair":
            key = member.child_by_field_name("key")
            value = member.child_by_field_name("value")
            if key is not None and value is not None and key_text(key) == name:
                return unwrap(value)
    return None


def _sc101(analyzer: Analyzer, members: list[tuple[Module, Node, Bindings]]) -> list[Finding]:
    return [
        idempotency.report(module, effect, _short(effect.node))
        for module, effect in analyzer.pipeline(members)
    ]


_CHECKED_NODES = (
    "member_expression",
    "variable_declarator",
    "catch_clause",
    "call_expression",
    "expression_statement",
)


def _check_module(module: Module, scopes: list[Node], analyzer: Analyzer) -> list[Finding]:
    ctx = _ctx_names(module)
    findings: list[Finding] = []
    found_kinds = _nodes_by_kind(module, scopes)
    bodies = _body_names(module, ctx)

    def is_async(where: Module, callee: Node) -> bool:
        target = analyzer.resolve(where, callee)
        return target is not None and calls.is_async_declaration(target[1])

    callees = calls.Callees(analyzer.clients(module), is_async, analyzer.does)

    findings.extend(_sc102(module, found_kinds, ctx))
    for node in found_kinds["catch_clause"]:
        findings.extend(_swallowed(module, node))
    logs = _log_calls(module)
    for node in found_kinds["call_expression"]:
        findings.extend(_swallowed(module, node))
        if (node.start_byte, node.end_byte) in logs:
            findings.extend(_payload_logged(module, node, ctx, bodies))
    for node in found_kinds["expression_statement"]:
        # Most statements float nothing (an awaited call): the ancestors, each a descent
        # from the root in tree-sitter, are looked up only for one that does.
        found = calls.floating(module, node, callees)
        if found is not None and _inside_function(node):
            findings.append(found)
    return findings


def _nodes_by_kind(module: Module, scopes: list[Node]) -> dict[str, list[Node]]:
    """The nodes of the checked kinds in ``scopes``, kind by kind.

    Each node is judged on its own and the caller sorts the findings, so the kinds are not
    merged into document order; each goes to the checks it feeds.
    """
    if scopes == [module.root]:
        return {kind: module.nodes(kind) for kind in _CHECKED_NODES}
    found: dict[str, list[Node]] = {kind: [] for kind in _CHECKED_NODES}
    for scope in scopes:
        for node in _ts.walk(scope):
            if node.type in found:
                found[node.type].append(node)
    return found


def _log_calls(module: Module) -> dict[tuple[int, int], Node]:
    """The module's log calls by span (SC104 and SC106 both look at them), found once."""
    logs: dict[tuple[int, int], Node] | None = module.memo.get("log_calls")
    if logs is None:
        logs = module.memo["log_calls"] = {
            (node.start_byte, node.end_byte): node
            for node in module.nodes("call_expression")
            if _is_log_call(module, node)
        }
    return logs


def _inside_function(node: Node) -> bool:
    parent = node.parent
    while parent is not None:
        if parent.type in FUNCTION_TYPES:
            return True
        parent = parent.parent
    return False


# --- SC101 -----------------------------------------------------------------------------------


def _client_names(module: Module) -> dict[str, str]:
    """Names bound to clients -> the client's name: ``{ vbase } = ctx.clients``,
    ``{ clients: { partner: p } }`` (``p`` -> ``partner``); ``const c = ctx.clients`` binds
    ``c`` to all of them (``""``)."""
    names: dict[str, str] = {}
    for node in module.nodes("pair_pattern", "variable_declarator"):
        found = _ts.sides(node)
        if found is None:
            continue
        first, value = found
        if node.type == "pair_pattern" and key_text(first) == "clients":
            names.update(_bound(value))
        elif (
            node.type == "variable_declarator"
            and first.type == "object_pattern"
            and member_chain(value)[-1:] == ["clients"]
        ):
            names.update(_bound(first))
    return names


def _bound(pattern: Node) -> dict[str, str]:
    names: dict[str, str] = {}
    for node in _ts.walk(pattern):
        if node.type == "shorthand_property_identifier_pattern":
            names[_ts.text(node)] = _ts.text(node)
        elif node.type == "pair_pattern":
            key = node.child_by_field_name("key")
            value = node.child_by_field_name("value")
            if value is not None and value.type == "identifier" and key is not None:
                names[_ts.text(value)] = key_text(key) or ""
        elif node.type == "identifier" and pattern.type == "identifier":
            names[_ts.text(node)] = ""
    return names


def _local_functions(module: Module) -> dict[str, Node]:
    out: dict[str, Node] = {}
    for node in _top_level(module):
        if node.type == "function_declaration":
            name = node.child_by_field_name("name")
            if name is not None:
                out[_ts.text(name)] = node
        elif node.type in {"lexical_declaration", "variable_declaration"}:
            for declarator in node.named_children:
                name = declarator.child_by_field_name("name")
                value = declarator.child_by_field_name("value")
                if name is not None and value is not None and unwrap(value).type in FUNCTION_TYPES:
                    out[_ts.text(name)] = unwrap(value)
    return out


def _exported_functions(module: Module) -> list[Node]:
    out: list[Node] = []
    for statement in module.root.named_children:
        if statement.type != "export_statement":
            continue
        declaration = statement.child_by_field_name("declaration") or statement.child_by_field_name(
            "value"
        )
        if declaration is None:
            continue
        if declaration.type in FUNCTION_TYPES:
            out.append(declaration)
        elif declaration.type in {"lexical_declaration", "variable_declaration"}:
            for declarator in declaration.named_children:
                value = declarator.child_by_field_name("value")
                if value is not None and unwrap(value).type in FUNCTION_TYPES:
                    out.append(unwrap(value))
    return out


def _top_level(module: Module) -> Iterable[Node]:
    for child in module.root.named_children:
        declaration = (
            child.child_by_field_name("declaration")
            if child.type == ("export_statement")
            else child
        )
        if declaration is not None:
            yield declaration


# --- SC102 -----------------------------------------------------------------------------------


def _ctx_names(module: Module) -> set[str]:
    """``ctx``, ``context`` and every first parameter typed as some ``...Context``."""
    names = {"ctx", "context"}
    for node in module.nodes("formal_parameters"):
        if not node.named_child_count:  # `()`: no list of children to make
            continue
        params = [p for p in node.named_children if p.type != "comment"]
        if not params:
            continue
        pattern = params[0].child_by_field_name("pattern")
        annotation = params[0].child_by_field_name("type")
        if (
            pattern is not None
            and pattern.type == "identifier"
            and annotation is not None
            and "Context" in _ts.text(annotation)
        ):
            names.add(_ts.text(pattern))
    return names


def _sc102(module: Module, found_kinds: dict[str, list[Node]], ctx: set[str]) -> list[Finding]:
    findings: list[Finding] = []
    source = module.source
    if not any(word in source for word in _REQUEST_BYTES) or not _REQUEST_WORDS.search(source):
        return findings
    for node in found_kinds["member_expression"]:
        prop = node.child_by_field_name("property")
        if prop is not None and _ts.text(prop) in _REQUEST_PROPS:  # as _request_only would
            findings.extend(_request_only(module, node, ctx))
    for node in found_kinds["variable_declarator"]:
        findings.extend(_request_only(module, node, ctx))
    return findings


def _request_only(module: Module, node: Node, ctx: set[str]) -> list[Finding]:
    flagged: Node | None = None
    if node.type == "member_expression":
        prop = node.child_by_field_name("property")
        if prop is None or _ts.text(prop) not in _REQUEST_PROPS:
            return []  # every form below ends in one of these names
        chain = member_chain(node)
        parent = node.parent
        if len(chain) == 2 and chain[0] in ctx and chain[1] in REQUEST_ONLY:
            flagged = node
        elif (
            len(chain) == 2
            and chain[0] in ctx
            and chain[1] == "get"
            and (parent is not None and parent.type == "call_expression")
        ):
            flagged = parent
        elif len(chain) == 4 and chain[0] in ctx and chain[1:] == ["vtex", "route", "params"]:
            flagged = node
    elif node.type == "variable_declarator":
        flagged = _destructured_request(node, ctx)
    if flagged is None:
        return []
    return [
        module.finding(
            flagged,
            "SC102",
            "error",
            f"`{_short(flagged)}` is HTTP-only state: events and workers get no request, "
            "query, route params or headers; read the input from ctx.body",
        )
    ]


def _destructured_request(declarator: Node, ctx: set[str]) -> Node | None:
    pattern = declarator.child_by_field_name("name")
    value = declarator.child_by_field_name("value")
    if pattern is None or value is None or pattern.type != "object_pattern":
        return None
    if unwrap(value).type != "identifier" or _ts.text(unwrap(value)) not in ctx:
        return None
    for child in pattern.named_children:
        if child.type == "shorthand_property_identifier_pattern":
            key: Node | None = child
        elif child.type == "pair_pattern":
            key = child.child_by_field_name("key")
        else:
            continue
        if key is not None and key_text(key) in REQUEST_ONLY:
            return key
    return None


# --- SC103 -----------------------------------------------------------------------------------


def _swallowed(module: Module, node: Node) -> list[Finding]:
    body: Node | None = None
    where = node
    if node.type == "catch_clause":
        body = node.child_by_field_name("body")
    elif node.type == "call_expression" and _callee_name(module, node) == "catch":
        callee = node.child_by_field_name("function")
        args = node.child_by_field_name("arguments")
        handlers = [a for a in args.named_children if a.type in FUNCTION_TYPES] if args else []
        if callee is None or unwrap(callee).type != "member_expression" or not handlers:
            return []
        where = unwrap(callee).child_by_field_name("property") or node
        receiver = unwrap(callee).child_by_field_name("object")
        if receiver is not None and _records_own_failure(unwrap(receiver)):
            return []
        body = handlers[0].child_by_field_name("body")
        if body is not None and receiver is not None and _fallback_on_read(receiver, body):
            return [
                module.finding(
                    where,
                    "SC103",
                    "warning",
                    f"a failed read falls back to `{_short(body)}` on any error: fine for an "
                    "optional value; rethrow errors other than the one you expect",
                )
            ]
    if body is None:
        return []
    verdict = _catch_verdict(module, body)
    if verdict == "ok":
        return []
    if verdict == "log":
        return [
            module.finding(
                where,
                "SC103",
                "warning",
                "this catch only logs or reports the error: rethrow it or record the failure "
                "(e.g. markFailed) so it is retried or visible",
            )
        ]
    if body.type != "statement_block" and body.type not in {"undefined", "null"}:
        return [
            module.finding(
                where,
                "SC103",
                "error",
                f"this catch turns every error into a value (`{_short(body)}`): handle "
                "only the failure you expect (e.g. a 412) and rethrow the rest",
            )
        ]
    return [
        module.finding(
            where,
            "SC103",
            "error",
            "this catch swallows the error: it neither rethrows nor records the failure",
        )
    ]


_READ_VERBS = ("get", "info", "list", "search", "find", "fetch", "read", "load", "query")
_FALLBACKS = frozenset({"null", "undefined", "array", "object", "false", "true", "string"})


def _fallback_on_read(receiver: Node, body: Node) -> bool:
    """``x.getY().catch(() => null)``: a read that defaults to a literal on failure."""
    receiver = unwrap(receiver)
    if receiver.type != "call_expression" or unwrap(body).type not in _FALLBACKS:
        return False
    callee = receiver.child_by_field_name("function")
    name = member_chain(callee)[-1:] if callee is not None else []
    return bool(name) and name[0].lower().startswith(_READ_VERBS)


def _records_own_failure(node: Node) -> bool:
    """``runOnce(...).catch(...)``: the ledger call already recorded the failure it rejects with."""
    return node.type == "call_expression" and (callee_name(node) or "").lower() in RECORDING_RUNNERS


def _catch_verdict(module: Module, body: Node) -> str:
    # Whatever comes before it, a throw makes the verdict "ok": one in the body's own
    # statements (`catch (e) { log(e); throw e }`) is found without walking the body.
    if any(child.type == "throw_statement" for child in body.named_children):
        return "ok"
    logged = False
    for node in _ts.walk(body):
        kind = node.type  # once: each read of .type makes a new str
        if kind == "throw_statement":
            return "ok"
        if kind == "call_expression":
            if _is_log_call(module, node):
                logged = True
            elif _records_failure(node):
                return "ok"
            elif _reports_error(node):
                logged = True
        elif kind in {"assignment_expression", "augmented_assignment_expression"}:
            left = node.child_by_field_name("left")
            if left is not None and RECORDS_FAILURE.search(_ts.text(left)):
                return "ok"
    return "log" if logged else "silent"


def _reports_error(call: Node) -> bool:
    callee = call.child_by_field_name("function")
    return callee is not None and bool(REPORTS_ERROR.search(_ts.text(callee)))


def _records_failure(call: Node) -> bool:
    callee = call.child_by_field_name("function")
    if callee is not None and RECORDS_FAILURE.search(_ts.text(callee)):
        return True
    args = call.child_by_field_name("arguments")
    if args is None:
        return False
    keys = (node.child_by_field_name("key") for node in _ts.walk(args) if node.type == "pair")
    return any(key is not None and key_text(key) in _FAILURE_KEYS for key in keys)


def _is_log_call(module: Module, call: Node) -> bool:
    facts = idempotency.call_facts(module, call)
    # member_chain of the `function` field: `[]` when tree-sitter put an `await` there.
    chain = facts.chain if not facts.awaited else []
    return len(chain) >= 2 and (chain[-2].lower() in LOGGER_NAMES or chain[0] == "console")


def _callee_name(module: Module, call: Node) -> str:
    """:func:`scaffold._ts.callee_name` of a call, from its facts."""
    facts = idempotency.call_facts(module, call)
    return facts.name if not facts.awaited else ""


# --- SC104 -----------------------------------------------------------------------------------


def _body_names(module: Module, ctx: set[str]) -> set[str]:
    """Names bound directly to the payload: ``const b = ctx.body``, ``const { body } = ctx``."""
    names: set[str] = set()
    for node in module.nodes("variable_declarator"):
        if node.type != "variable_declarator":
            continue
        name = node.child_by_field_name("name")
        value = node.child_by_field_name("value")
        if name is None or value is None:
            continue
        value = unwrap(value)
        if value.type == "await_expression" and value.named_children:
            value = unwrap(value.named_children[0])
        if name.type == "identifier" and _is_ctx_body(value, ctx):
            names.add(_ts.text(name))
        elif (
            name.type == "object_pattern"
            and value.type == "identifier"
            and (_ts.text(value) in ctx)
        ):
            names |= _bound_key(name, "body")
    return names


def _bound_key(pattern: Node, key: str) -> set[str]:
    for child in pattern.named_children:
        if child.type == "shorthand_property_identifier_pattern" and _ts.text(child) == key:
            return {key}
        found = _ts.sides(child) if child.type == "pair_pattern" else None
        if found is not None and key_text(found[0]) == key and found[1].type == "identifier":
            return {_ts.text(found[1])}
    return set()


def _is_ctx_body(node: Node, ctx: set[str]) -> bool:
    chain = member_chain(node)
    return len(chain) == 2 and chain[0] in ctx and chain[1] == "body"


def _payload_logged(module: Module, call: Node, ctx: set[str], bodies: set[str]) -> list[Finding]:
    args = idempotency.call_facts(module, call).args
    if args is None:
        return []
    # What is reported is `<ctx>.body` or a name bound to the payload, both text of the
    # arguments: without "body" or such a name in their bytes there is nothing to walk.
    raw = args.text or b""
    if b"body" not in raw and not any("\ufffd" in n or n.encode() in raw for n in bodies):
        return []
    for node in _ts.walk(args):
        kind = node.type  # once: each read of .type makes a new str
        whole = (kind == "member_expression" and _is_ctx_body(node, ctx)) or (
            kind in {"identifier", "shorthand_property_identifier"} and _ts.text(node) in bodies
        )
        if whole and not _is_accessed(node):
            return [
                module.finding(
                    node,
                    "SC104",
                    "warning",
                    f"`{_short(node)}` logs the whole event payload; log ids and metadata "
                    "instead (payloads can carry personal data and secrets)",
                )
            ]
    return []


def _is_accessed(node: Node) -> bool:
    """Whether ``node`` is the object of ``node.x`` / ``node[x]`` (so only a part is used)."""
    parent = node.parent
    if parent is None or parent.type not in {"member_expression", "subscript_expression"}:
        return False
    obj = parent.child_by_field_name("object")
    return obj is not None and (obj.start_byte, obj.end_byte) == (node.start_byte, node.end_byte)


def _short(node: Node) -> str:
    text = " ".join(_ts.text(node).split())
    return text if len(text) <= 60 else text[:57] + "..."


# --- SC106 -----------------------------------------------------------------------------------


def check_secrets(project: Project) -> list[Finding]:
    """SC106 over every non-test .ts file under node/ (routes and clients leak secrets too).

    Args:
        project: The app.

    Returns:
        At most one finding per log call.
    """
    findings: list[Finding] = []
    for path in project.ts_files():
        module = project.module(path)
        if module is None:
            continue
        for node in _log_calls(module).values():
            found = calls.secret_logged(module, node)
            if found is not None:
                findings.append(found)
    return findings
