"""SC101: a side effect must be reached only through a decision on durable state.

Events are delivered at least once. A side effect is *guarded* when, on every path that
reaches it, a read of durable state decides whether to continue: a VBase or Master Data read
(``getJSON``, ``getRawJSON``, ``getFile``, ``getDocument``, ``searchDocuments``...), or a call
to a function (same file or imported) whose body reads one, or a value derived from either.
The walk is structural, over statements in order:

- ``if (<decision>) return|throw|continue`` guards what follows; effects inside the branches
  of ``if (<decision>)``, ``<decision> && x``, ``<decision> ? a : b`` and
  ``switch (<decision>)`` are guarded (compare-then-act);
- a guard inside one branch does not guard what follows the ``if`` unless every branch that
  falls through is guarded; a loop's or a ``catch``'s guards stay inside them;
- a callback handed to a function that reads durable state (a ledger runner such as
  ``runOnce(ctx, { scope, key }, work)``) runs guarded when the runner calls it only where
  its own read has decided (a runner that reads and then calls ``work()`` regardless guards
  nothing); what follows the call is not guarded;
- an etag-conditional write (``saveJSON(b, p, data, tracing, etag)``) is its own guard;
- a middleware array is one pipeline: a member whose every ``next()`` is reached guarded
  guards the members after it.

Unguarded effects are graded by what repeating them does: creating, sending, publishing,
posting, incrementing, or writing a value computed from an earlier read is an error; an
upsert, PUT/PATCH, set, replace or delete is a warning (harmless to repeat only if it writes
the same absolute value).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar, NamedTuple

from scaffold import _ts
from scaffold._ts import _NOT_NAMES, _PLAIN_CHAIN, _WRAPPERS, FUNCTION_TYPES, member_chain, unwrap

if TYPE_CHECKING:
    from collections.abc import Iterable

    from tree_sitter import Node

    from scaffold._rules._base import Finding, Severity
    from scaffold._rules._source import Module
    from scaffold._rules.effects import Does

# A handler made by a factory (``createHandler(work)``): the factory's parameters that name
# functions, bound to what the call passes (``work`` -> ``processItem``).
Bindings = Mapping[str, tuple["Module", "Node"]]

# Methods that read durable state (VBase and Master Data), whatever the receiver is called.
DURABLE_READS = frozenset(
    {
        "getjson",
        "getrawjson",
        "getfile",
        "getdocument",
        "searchdocuments",
        "searchdocumentswithpaginationinfo",
        "scrolldocuments",
    }
)
UPSERTS = ("createorupdate", "addorupdate", "insertorupdate")
# Method-name prefixes of client calls that are side effects, and how bad a repeat is.
ERROR_VERBS = (
    "create",
    "send",
    "publish",
    "post",
    "notify",
    "insert",
    "increment",
    "add",
    "register",
    "upload",
    "enqueue",
)
WARNING_VERBS = (
    "save",
    "update",
    "upsert",
    "put",
    "patch",
    "delete",
    "remove",
    "set",
    "replace",
    "modify",
    "cancel",
    "write",
    "sync",
    *UPSERTS,
)
HTTP_LIBRARIES = frozenset({"axios", "got", "superagent", "http", "https", "fetch"})
# Conditional writes: method -> index of the etag (ifMatch) argument.
CONDITIONAL = {"savejson": 4, "deletefile": 3, "savefile": 5}
# Expressions with nothing inside that the walk acts on (a call, a function, an assignment).
_INERT = frozenset(
    {"identifier", "property_identifier", "this", "string", "number", "true", "false", "null"}
)
_EXITS = frozenset({"return_statement", "throw_statement", "break_statement", "continue_statement"})
_LOOPS = frozenset(
    {"for_statement", "for_in_statement", "while_statement", "do_statement", "for_of_statement"}
)


class Effect(NamedTuple):
    """An unguarded side effect: where to report it and how bad repeating it is."""

    node: Node
    severity: Severity
    why: str


@dataclass
class _Run:
    """The result of walking one function."""

    effects: list[Effect] = field(default_factory=list)
    next_states: list[bool] = field(default_factory=list)
    callback_states: list[bool] = field(default_factory=list)  # at each call of a watched name


class Analyzer:
    """Walks handler functions; resolves calls to same-file and imported functions.

    Args:
        resolve: Maps (module, callee expression) to the (module, function node) it names,
            or None when it cannot be followed (a package, a parameter...).
        clients: Per module, names destructured from ``ctx.clients`` (-> the client's name).
        does: What a call does when that is known from its target (an HTTP library call, a
            method of the app's own client class), else None.
        writes: Whether the app writes a store (see :func:`store_key`) anywhere; a read of
            a store the app never writes (a user, a product) cannot tell whether this unit's
            work was done, so it decides nothing. None: every store counts.
        read_methods: The (lower-case) names of the reads the app adds in its own subclasses
            of ``VBase`` / ``MasterData`` (e.g. a read past the SDK's single-flight map);
            they count like ``getJSON``. None: none.
    """

    def __init__(
        self,
        resolve: Callable[[Module, Node, str | None], tuple[Module, Node] | None],
        clients: Callable[[Module], Mapping[str, str]],
        does: Callable[[Module, Node], Does | None],
        writes: Callable[[str], bool] | None = None,
        read_methods: Callable[[], frozenset[str]] | None = None,
    ) -> None:
        self._resolve = resolve
        self._clients = clients
        self.does = does
        self._writes = writes
        self._read_methods = read_methods
        self._reads: dict[tuple[str, int], bool] = {}
        self._globals: dict[str, set[str]] = {}
        self._helper: dict[tuple[str, int, frozenset[str]], Effect | None] = {}
        self._runs_guarded: dict[tuple[str, int, int], bool] = {}
        self._stores: dict[str, set[str]] = {}

    # --- public ---------------------------------------------------------------------------

    def pipeline(self, members: list[tuple[Module, Node, Bindings]]) -> list[tuple[Module, Effect]]:
        """Analyze the members of one events entry in order (one member: a plain handler).

        Args:
            members: The (module, function, bindings) of each middleware, in order; the
                bindings of a handler a factory made name the functions it was given.

        Returns:
            The worst unguarded effect of each member that has one.
        """
        out: list[tuple[Module, Effect]] = []
        guarded = False
        for module, function, bindings in members:
            run = _Run()
            walk = _Walk(self, module, run)
            walk.bound = bindings
            walk.function(function, guarded)
            worst = _worst(run.effects)
            if worst is not None:
                out.append((module, worst))
            if run.next_states and all(run.next_states):
                guarded = True
        return out

    # --- helpers for the walk -------------------------------------------------------------

    def resolve(
        self, module: Module, callee: Node, text: str | None = None
    ) -> tuple[Module, Node] | None:
        """The function a callee names, if it can be followed (``text``: the callee's, when
        already read)."""
        return self._resolve(module, callee, text)

    def resolve_call(self, module: Module, facts: CallFacts) -> tuple[Module, Node] | None:
        """:meth:`resolve` of a call's callee (``facts``: its :func:`call_facts`).

        A callee written as a plain chain of three or more names (``ctx.clients.x.send``)
        has a member expression for its object: no name the resolver follows (a namespace
        import's ``ns.f``, a module object's ``obj.f``) is written so, and ``resolve`` would
        read the object from the tree only to say so.
        """
        if facts.callee is None:
            return None
        if facts.plain and facts.text is not None and facts.text.count(".") >= 2:
            return None
        return self._resolve(module, facts.callee, facts.text)

    def clients(self, module: Module) -> Mapping[str, str]:
        """Names destructured from the clients in ``module`` (-> the client's name)."""
        return self._clients(module)

    def reads_durable(self, module: Module, function: Node, depth: int = 0) -> bool:
        """Whether ``function`` (or what it calls, followed) reads VBase or Master Data."""
        key = (module.rel, function.start_byte)
        if key in self._reads:
            return self._reads[key]
        self._reads[key] = False  # recursion
        found = False
        calls = calls_within(module, function)
        for node in calls if calls is not None else _ts.walk(function):
            if node.type != "call_expression":
                continue
            if self.keyed_read(module, node):
                found = True
                break
            facts = call_facts(module, node)
            if facts.callee is None or depth > 6:
                continue
            target = self.resolve_call(module, facts)
            if target is not None and self.reads_durable(*target, depth=depth + 1):
                found = True
                break
        self._reads[key] = found
        return found

    def runs_guarded(self, module: Module, runner: Node, index: int) -> bool:
        """Whether a runner that reads durable state calls its ``index``-th argument (a
        callback) only where that read has decided.

        The runner's body is walked like a handler's, noting the guard state at each call of
        the parameter. A callback the runner never calls by that name (stored, handed on,
        a destructured parameter) cannot be followed: it counts as guarded, as before.
        """
        key = (module.rel, runner.start_byte, index)
        if key in self._runs_guarded:
            return self._runs_guarded[key]
        self._runs_guarded[key] = True  # recursion
        params = runner.child_by_field_name("parameters")
        declared = (
            [p for p in params.named_children if p.type.endswith("_parameter")]
            if params is not None
            else []
        )
        pattern = declared[index].child_by_field_name("pattern") if index < len(declared) else None
        found = True
        if pattern is not None and pattern.type == "identifier":
            run = _Run()
            walk = _Walk(self, module, run)
            walk.watched = _ts.text(pattern)
            walk.function(runner, False)
            found = all(run.callback_states)
        self._runs_guarded[key] = found
        return found

    def keyed_read(self, module: Module, call: Node) -> bool:
        """A VBase / Master Data read whose key depends on this delivery.

        A read keyed only by constants (``getJSON(BUCKET, 'settings')``: app settings, a
        config file) says nothing about whether this event was already handled; a read is
        keyed when an argument uses a local name, a parameter or the payload.
        """
        if not self.durable_read(module, call):
            return False
        args = call_facts(module, call).args
        if args is None:
            return False
        constants = self.module_names(module)
        for node in _ts.walk(args):
            if node.type in {"identifier", "shorthand_property_identifier"}:
                name = _ts.text(node)
                if name in {"ctx", "context", "undefined"}:
                    parent = node.parent
                    if parent is not None and parent.type == "member_expression":
                        chain = member_chain(parent.parent or parent)
                        if {"body", "state", "key"} & set(chain[1:3]):
                            return self.maintained(module, call)
                    continue
                if name not in constants:
                    return self.maintained(module, call)
        return False

    def durable_read(self, module: Module, call: Node) -> bool:
        """A VBase / Master Data read: the SDK's, or one the app adds in a subclass."""
        facts = call_facts(module, call)
        if facts.kind != "member_expression":
            return False  # as is_durable_read
        method = facts.name.lower()
        if method in DURABLE_READS:
            return True
        return self._read_methods is not None and method in self._read_methods()

    def maintained(self, module: Module, read: Node) -> bool:
        """Whether the app writes the store ``read`` reads (or the store cannot be named)."""
        if self._writes is None:
            return True
        store = store_key(module, call_facts(module, read).values)
        return not store or self._writes(store)

    def marker_stores(self, module: Module) -> set[str]:
        """The VBase buckets and Master Data entities ``module`` reads keyed by a delivery:
        writing a status there records the decision (a ledger's marker), it is no effect."""
        if module.rel not in self._stores:
            self._stores[module.rel] = {
                store
                for call in module.nodes("call_expression")
                if self.keyed_read(module, call)
                and (store := _store_of(call_facts(module, call).values))
            }
        return self._stores[module.rel]

    def module_names(self, module: Module) -> set[str]:
        """Names bound at the top level of ``module`` (imports, constants, functions)."""
        if module.rel not in self._globals:
            self._globals[module.rel] = _top_level_names(module.root)
        return self._globals[module.rel]

    def helper_effect(
        self, module: Module, function: Node, read: frozenset[str] = frozenset()
    ) -> Effect | None:
        """The worst unguarded effect of a same-file helper called from an unguarded place.

        ``read`` names the helper's parameters that receive a value read from storage.
        """
        key = (module.rel, function.start_byte, read)
        if key in self._helper:
            return self._helper[key]
        self._helper[key] = None  # recursion
        run = _Run()
        _Walk(self, module, run).function(function, False, set(read))
        worst = _worst(run.effects)
        self._helper[key] = worst
        return worst


def callee_of(call: Node) -> Node | None:
    """A call's callee, unwrapped; tree-sitter puts ``await`` of ``await a.f<T>()`` there."""
    callee = call.child_by_field_name("function")
    if callee is None:
        return None
    if callee.type == "await_expression":
        inner = callee.named_children
        if inner:
            callee = inner[0]
    return unwrap(callee)


def method_of(call: Node) -> str:
    """The last name of a call's callee (``b`` for ``a.b()``, ``f`` for ``f()``), or ``""``."""
    callee = callee_of(call)
    if callee is None:
        return ""
    if callee.type == "identifier":
        return _ts.text(callee)
    prop = callee.child_by_field_name("property") if callee.type == "member_expression" else None
    return _ts.text(prop) if prop is not None else ""


class CallFacts(NamedTuple):
    """What the checks ask of a call, read from the tree once per call (:func:`call_facts`).

    Attributes:
        callee: :func:`callee_of`.
        kind: The callee's node type (``""`` without a callee).
        name: :func:`method_of`.
        chain: :func:`scaffold._ts.member_chain` of a member-expression callee, else ``[]``.
        awaited: Whether the ``function`` field is an ``await_expression`` (tree-sitter's
            reading of ``await a.f<T>()``); :func:`scaffold._ts.callee_name` is then ``""``.
        args: The ``arguments`` node.
        values: The arguments, comments left out.
        plain: A member-expression callee written as a plain chain
            (:func:`scaffold._ts.is_plain_chain`): nothing inside it calls.
        text: The callee's text when it was read (a name, a member expression), else None.
    """

    callee: Node | None
    kind: str
    name: str
    chain: list[str]
    awaited: bool
    args: Node | None
    values: list[Node]
    plain: bool = False
    text: str | None = None


def call_facts(module: Module, call: Node) -> CallFacts:
    """The :class:`CallFacts` of a call of ``module``, read once per run.

    SC101's walk, the stores the app writes, SC103-SC105 and the log calls of SC104 and
    SC106 all ask about the same calls; each tree-sitter accessor makes new Python objects
    (a field lookup, a node's text), so the answers are kept per call node (hash: its id).
    """
    memo: dict[Node, CallFacts] | None = module.memo.get("call_facts")
    if memo is None:
        memo = module.memo["call_facts"] = {}
    found = memo.get(call)
    if found is None:
        found = memo[call] = _read_call(call)
    return found


def _read_call(call: Node) -> CallFacts:
    function = call.child_by_field_name("function")
    args = call.child_by_field_name("arguments")
    values = _values(args)
    if function is None:
        return CallFacts(None, "", "", [], False, args, values)
    callee = function
    kind = function.type  # read once: each read of .type makes a new str
    awaited = kind == "await_expression"
    if awaited:
        inner = function.named_children
        if inner:
            callee = inner[0]
            kind = callee.type
    if kind in _WRAPPERS:
        callee = unwrap(callee)
        kind = callee.type
    if kind == "identifier":
        name = _ts.text(callee)
        return CallFacts(callee, kind, name, [], awaited, args, values, False, name)
    if kind != "member_expression":
        return CallFacts(callee, kind, "", [], awaited, args, values)
    # member_chain and is_plain_chain, on the callee's text read once.
    whole = _ts.text(callee)
    plain = _PLAIN_CHAIN.match(whole) is not None
    if plain:
        names = whole.replace("?.", ".").split(".")
        chain = [] if names[0] in _NOT_NAMES else names
    else:
        chain = _ts.chain_by_tree(callee)
    if chain:  # its last name is the property's text, read from the same tree
        return CallFacts(callee, kind, chain[-1], chain, awaited, args, values, plain, whole)
    prop = callee.child_by_field_name("property")
    name = _ts.text(prop) if prop is not None else ""
    return CallFacts(callee, kind, name, chain, awaited, args, values, plain, whole)


def calls_within(module: Module, node: Node) -> list[Node] | None:
    """The calls in ``node``'s subtree (``node`` included), in document order, from the
    module's index instead of a walk over every node.

    Nodes nest by their bytes: a call (never empty) lies in the subtree exactly when its
    bytes lie within ``node``'s. None when a call of no width (error recovery) makes that
    unclear: the caller walks then.
    """
    calls = module.nodes("call_expression")
    start, end = node.start_byte, node.end_byte
    out: list[Node] = []
    for index in range(bisect_left(calls, start, key=_start_byte), len(calls)):
        call = calls[index]
        first, last = call.start_byte, call.end_byte
        if first > end:
            break
        if last <= first:
            return None
        if last <= end:
            out.append(call)
    return out


def _start_byte(node: Node) -> int:
    return node.start_byte


def is_durable_read(call: Node, extra: frozenset[str] = frozenset()) -> bool:
    """``x.getJSON(...)``, ``x.getDocument(...)`` and the other VBase / Master Data reads,
    and the methods named in ``extra`` (see :func:`store_read_methods`)."""
    callee = callee_of(call)
    if callee is None or callee.type != "member_expression":
        return False
    method = method_of(call).lower()
    return method in DURABLE_READS or method in extra


# The @vtex/api store clients an app subclasses to add reads of its own.
_STORE_CLIENTS = frozenset({"VBase", "MasterData"})
_HTTP_GETS = frozenset({"get", "getraw", "getbuffer", "getstream", "getwithbody"})


def store_read_methods(module: Module) -> set[str]:
    """Lower-case names of the methods that ``module``'s subclasses of ``VBase`` or
    ``MasterData`` define and that GET through ``this.http``: reads of the same store."""
    out: set[str] = set()
    for cls in module.nodes("class_declaration"):
        if _ts.superclass(cls) not in _STORE_CLIENTS:
            continue
        body = cls.child_by_field_name("body")
        for method in body.named_children if body is not None else []:
            name = method.child_by_field_name("name")
            if method.type != "method_definition" or name is None:
                continue
            if any(
                node.type == "call_expression"
                and (callee := callee_of(node)) is not None
                and member_chain(callee)[:2] == ["this", "http"]
                and method_of(node).lower() in _HTTP_GETS
                for node in _ts.walk(method)
            ):
                out.add(_ts.text(name).lower())
    return out


def _worst(effects: list[Effect]) -> Effect | None:
    errors = [e for e in effects if e.severity == "error"]
    chosen = errors or effects
    return chosen[0] if chosen else None


@dataclass(slots=True)
class _State:
    guarded: bool
    tainted: set[str]  # values that depend on a read keyed by this delivery
    read: set[str] = field(default_factory=set)  # values that depend on any durable read

    def but(self, guarded: bool) -> _State:
        # The sets are shared and only ever updated in place, so the same guard is this state.
        return self if guarded == self.guarded else _State(guarded, self.tainted, self.read)


class _Walk:
    """One walk over one function's statements, collecting unguarded effects into ``run``."""

    def __init__(self, analyzer: Analyzer, module: Module, run: _Run) -> None:
        self.a = analyzer
        self.module = module
        self.run = run
        self.clients = analyzer.clients(module)
        self.inlined: list[Node] = []
        self.bound: Bindings = {}
        self.watched = ""  # a runner's callback parameter: the state at each call is noted
        # Whether `next` can be an argument at all: the module's bytes hold that name.
        self.nexts = b"next" in module.source

    def closure(self, function: Node, state: _State) -> None:
        """A callback runs in the state it is made in and sees the names around it.

        ``items.map(item => ...)`` over read values passes read values to ``item``.
        """
        inner = _State(state.guarded, set(state.tainted), set(state.read))
        values = state.read | state.tainted
        # Without read values there is nothing to pass on: the call around is not looked up.
        call = function.parent.parent if values and function.parent is not None else None
        callee = (
            call_facts(self.module, call).callee
            if call is not None and call.type == "call_expression"
            else None
        )
        if callee is not None and callee.type == "member_expression":
            receiver = callee.child_by_field_name("object")
            if receiver is not None and _mentions(receiver, values):
                params = function.child_by_field_name("parameters") or function.child_by_field_name(
                    "parameter"
                )
                if params is not None:
                    inner.read |= _names(params)
        self.body(function, inner)

    def function(self, function: Node, guarded: bool, read: set[str] | None = None) -> None:
        self.body(function, _State(guarded, set(), read or set()))

    def body(self, function: Node, state: _State) -> None:
        """Walk a function's body (a block, or an arrow's expression) in ``state``."""
        body = function.child_by_field_name("body")
        if body is None:
            return
        if body.type == "statement_block":
            self.block(body.named_children, state)
        else:
            self.expr(body, state)

    # --- statements -----------------------------------------------------------------------

    def block(self, statements: Iterable[Node], state: _State) -> tuple[bool, bool]:
        """Walk statements in order; return (guarded at the end, always exits)."""
        guarded = state.guarded
        for statement in statements:
            guarded, exits = self.statement(statement, state.but(guarded))
            if exits:
                return guarded, True
        return guarded, False

    def statement(self, node: Node, state: _State) -> tuple[bool, bool]:
        kind = node.type
        if kind == "statement_block":
            return self.block(node.named_children, state)
        if kind == "if_statement":
            return self.if_statement(node, state)
        if kind in _EXITS:
            for child in node.named_children:
                self.expr(child, state)
            return state.guarded, True
        handler = self._STATEMENTS.get(kind)
        if handler is not None:
            return handler(self, node, state)
        if kind in {"function_declaration", "class_declaration", "comment", "empty_statement"}:
            return state.guarded, False
        self.expr(node, state)
        return state.guarded, False

    def loop(self, node: Node, state: _State) -> tuple[bool, bool]:
        for child in node.named_children:
            if child.type == "statement_block" or child.type.endswith("_statement"):
                self.statement(child, state)
            else:
                self.expr(child, state)
        return state.guarded, False

    def switch(self, node: Node, state: _State) -> tuple[bool, bool]:
        value = node.child_by_field_name("value")
        decides = value is not None and self.decides(value, state)
        if value is not None:
            self.expr(value, state)
        body = node.child_by_field_name("body")
        for case in body.named_children if body is not None else []:
            inner = state.but(state.guarded or decides)
            self.block(
                [c for c in case.named_children if c.type.endswith(("statement", "block"))],
                inner,
            )
        return state.guarded, False

    def declaration(self, node: Node, state: _State) -> tuple[bool, bool]:
        for declarator in node.named_children:
            value = declarator.child_by_field_name("value")
            name = declarator.child_by_field_name("name")
            if value is None:
                continue
            if name is not None:
                self.bind(name, value, state)
            self.expr(value, state)
        return state.guarded, False

    _STATEMENTS: ClassVar[dict[str, Callable[[_Walk, Node, _State], tuple[bool, bool]]]] = {
        **dict.fromkeys(_LOOPS, loop),
        "try_statement": lambda self, node, state: self.try_statement(node, state),
        "switch_statement": switch,
        "lexical_declaration": declaration,
        "variable_declaration": declaration,
    }

    def if_statement(self, node: Node, state: _State) -> tuple[bool, bool]:
        condition = node.child_by_field_name("condition")
        decides = condition is not None and self.decides(condition, state)
        if condition is not None:
            self.expr(condition, state)
        inner = state.but(state.guarded or decides)
        branches: list[tuple[bool, bool]] = []
        consequence = node.child_by_field_name("consequence")
        if consequence is not None:
            branches.append(self.statement(consequence, inner))
        alternative = node.child_by_field_name("alternative")
        if alternative is not None:
            rest = [c for c in alternative.named_children if c.type != "comment"]
            branches.append(self.block(rest, inner))
        else:
            branches.append((state.guarded, False))
        if all(exits for _, exits in branches):
            return True, True
        if decides and any(exits for _, exits in branches):
            return True, False
        return all(guarded for guarded, exits in branches if not exits), False

    def try_statement(self, node: Node, state: _State) -> tuple[bool, bool]:
        outcomes: list[tuple[bool, bool]] = []
        body = node.child_by_field_name("body")
        if body is not None:
            outcomes.append(self.block(body.named_children, state))
        handler = node.child_by_field_name("handler")
        if handler is not None:
            catch_body = handler.child_by_field_name("body")
            if catch_body is not None:
                outcomes.append(self.block(catch_body.named_children, state))
        finalizer = node.child_by_field_name("finalizer")
        if finalizer is not None:
            for child in finalizer.named_children:
                self.statement(child, state)
        falls = [guarded for guarded, exits in outcomes if not exits]
        if not falls:
            return state.guarded, bool(outcomes)
        return state.guarded or all(falls), False

    # --- expressions ----------------------------------------------------------------------

    def decides(self, node: Node, state: _State, nodes: list[Node] | None = None) -> bool:
        """Whether an expression's value depends on durable state about this delivery.

        That is a read keyed by the delivery (or a value derived from one), or a value read
        with a fixed key compared with something local (``stored.cursor < from``).
        ``nodes``: ``_ts.walk(node)`` when the caller has it already.
        """
        if not state.tainted and not state.read:
            # No name can decide (nor make `read` true): only a read among the calls can.
            return self.any_read(node, nodes)
        read = local = False
        for child in _ts.walk(node) if nodes is None else nodes:
            kind = child.type  # one str per node: the accessor makes a new one each call
            if kind == "identifier":
                name = _ts.text(child)
                if name in state.tainted:
                    return True
                if name in state.read:
                    read = True
                elif self.is_local(child):
                    local = True
            elif kind == "call_expression" and self.reads(child):
                return True
        return read and local

    def any_read(self, node: Node, nodes: list[Node] | None) -> bool:
        """Whether a call in ``node`` (``nodes``: its nodes or calls, when known) reads."""
        if nodes is None:
            nodes = calls_within(self.module, node)
        for child in nodes if nodes is not None else _ts.walk(node):
            if child.type == "call_expression" and self.reads(child):
                return True
        return False

    def is_local(self, identifier: Node) -> bool:
        """A name bound in the function (a parameter, a local), not a module constant."""
        name = _ts.text(identifier)
        if name in {"undefined", "ctx", "context", "null", "true", "false"}:
            parent = identifier.parent
            chain = member_chain(parent) if parent is not None else []
            return "body" in chain[1:2]
        return name not in self.a.module_names(self.module)

    def bind(self, target: Node, value: Node, state: _State) -> None:
        """Record the names ``target`` binds when ``value`` depends on a read."""
        if not state.tainted and not state.read:
            # Nothing read yet: only the calls in ``value`` matter, found in the index.
            calls = calls_within(self.module, value)
            if calls is not None:
                if self.decides(value, state, calls):
                    state.tainted |= _names(target)
                if any(self.a.durable_read(self.module, call) for call in calls):
                    state.read |= _names(target)
                return
        nodes = _ts.walk(value)  # one walk for both questions
        if self.decides(value, state, nodes):
            state.tainted |= _names(target)
        read = state.read
        for n in nodes:
            kind = n.type
            if (kind == "identifier" and read and _ts.text(n) in read) or (
                kind == "call_expression" and self.a.durable_read(self.module, n)
            ):
                state.read |= _names(target)
                break

    def reads(self, call: Node) -> bool:
        if self.a.keyed_read(self.module, call):
            return True
        target = self.a.resolve_call(self.module, call_facts(self.module, call))
        return target is not None and self.a.reads_durable(*target)

    def expr(self, node: Node, state: _State) -> None:
        kind = node.type
        if kind in _INERT or (kind == "member_expression" and _ts.is_plain_chain(node)):
            return  # nothing inside can call, make a function or assign
        if kind in FUNCTION_TYPES:
            self.closure(node, state)
            return
        if kind == "call_expression":
            self.call(node, state)
            return
        if kind in {"binary_expression", "ternary_expression"} and self.branching(node, state):
            return
        if kind == "assignment_expression":
            left = node.child_by_field_name("left")
            right = node.child_by_field_name("right")
            if left is not None and right is not None:
                self.bind(left, right, state)
        for child in node.named_children:
            self.expr(child, state)

    def branching(self, node: Node, state: _State) -> bool:
        """``a && b``, ``a || b``, ``a ?? b``, ``c ? a : b``: what follows the test is guarded
        when the test decides; returns False for other binary operators."""
        if node.type == "binary_expression":
            operator = node.child_by_field_name("operator")
            if operator is None or _ts.text(operator) not in {"&&", "||", "??"}:
                return False
            test = node.child_by_field_name("left")
        else:
            test = node.child_by_field_name("condition")
        decides = test is not None and self.decides(test, state)
        for child in node.named_children:
            inner = state if child == test else state.but(state.guarded or decides)
            self.expr(child, inner)
        return True

    def mutation(self, facts: CallFacts, state: _State) -> None:
        """``list.push(read)`` makes ``list`` a read value too."""
        callee, args = facts.callee, facts.args
        if (
            callee is not None
            and facts.kind == "member_expression"
            and facts.name in {"push", "unshift", "set", "add"}
            and args is not None
        ):
            receiver = callee.child_by_field_name("object")
            if receiver is not None and unwrap(receiver).type == "identifier":
                self.bind(unwrap(receiver), args, state)

    def call(self, call: Node, state: _State) -> None:
        facts = call_facts(self.module, call)
        callee, args = facts.callee, facts.args
        if callee is not None and facts.kind != "identifier" and not facts.plain:
            self.expr(callee, state)  # (an identifier or a plain chain is inert)
        self.mutation(facts, state)
        target = self.target(facts)
        self.arguments(target, facts.values, state)
        named = facts.name if facts.kind == "identifier" else None
        if self.watched and named == self.watched:
            self.run.callback_states.append(state.guarded)
        if named == "next":
            self.run.next_states.append(state.guarded)
            return
        if state.guarded and not (self.nexts and _passes_next(args)):
            return
        effect = None if state.guarded else self.effect(call, facts, state)
        if effect is not None:
            self.run.effects.append(effect)
            return
        if target is not None and callee is not None:
            if (
                target[0] is self.module
                and named is not None
                and self.nexts
                and _passes_next(args)
                and target[1] not in self.inlined
            ):
                # A helper handed `next` is part of the middleware: walk it in place.
                self.inlined.append(target[1])
                self.function(target[1], state.guarded)
                return
            found = self.a.helper_effect(*target, self.read_params(target[1], args, state))
            if found is not None:
                self.run.effects.append(Effect(call, found.severity, found.why))

    def target(self, facts: CallFacts) -> tuple[Module, Node] | None:
        """The function a callee names: followed through imports, or (``work(ctx, body)``
        in a handler a factory made) the function the factory was given."""
        if facts.callee is None:
            return None
        target = self.a.resolve_call(self.module, facts)
        given = self.bound.get(facts.name) if facts.kind == "identifier" else None
        if target is not None or given is None:
            return target
        function = unwrap(given[1])
        return (given[0], function) if function.type in FUNCTION_TYPES else self.a.resolve(*given)

    def arguments(
        self, target: tuple[Module, Node] | None, values: list[Node], state: _State
    ) -> None:
        """Walk a call's arguments; a callback handed to a runner that guards it is guarded."""
        runner = target is not None and self.a.reads_durable(*target)
        for index, arg in enumerate(values):
            guards = (
                target is not None
                and runner
                and unwrap(arg).type in FUNCTION_TYPES
                and self.a.runs_guarded(*target, index)
            )
            self.expr(arg, state.but(True) if guards else state)

    def read_params(self, function: Node, args: Node | None, state: _State) -> frozenset[str]:
        """The helper's parameters that receive a value read from storage at this call."""
        params = function.child_by_field_name("parameters")
        if args is None or params is None:
            return frozenset()
        values = state.read | state.tainted
        if not values:
            return frozenset()
        names = [p.child_by_field_name("pattern") for p in params.named_children]
        out: set[str] = set()
        for name, arg in zip(names, args.named_children, strict=False):
            if name is not None and _mentions(arg, values):
                out |= _names(name)
        return frozenset(out)

    def effect(self, call: Node, facts: CallFacts, state: _State) -> Effect | None:
        if facts.callee is None:
            return None
        values = facts.values
        known = self.a.does(self.module, call)
        if known is not None:  # an HTTP library, a method of the app's own client class
            if known.severity is None:
                return None
            if known.severity == "error":
                return Effect(call, "error", known.why)
            return self.write(call, values, state, known.why)
        method = self.client_method(facts)
        etag = CONDITIONAL.get(method)
        if etag is not None and len(values) > etag and _ts.text(values[etag]) != "undefined":
            return None  # compare-and-set: a stale etag is refused (412)
        if method.startswith(ERROR_VERBS) and not method.startswith(UPSERTS):
            return Effect(call, "error", "repeats")
        if method and method.startswith(WARNING_VERBS):
            why = "delete" if method.startswith(("delete", "remove", "cancel")) else "write"
            effect = self.write(call, values, state, why)
            if effect.why != "derived" and _store_of(values) in self.a.marker_stores(self.module):
                return None  # the state this module reads to decide: a marker, not an effect
            return effect
        return None

    def client_method(self, facts: CallFacts) -> str:
        """The method name (lower case) of a call on a client or HTTP library, else ``""``."""
        chain = facts.chain
        receiver = chain[:-1]
        if receiver and (
            "clients" in receiver or receiver[0] in self.clients or receiver[0] in HTTP_LIBRARIES
        ):
            return chain[-1].lower()
        return ""

    def write(self, call: Node, values: list[Node], state: _State, why: str) -> Effect:
        """A write that is harmless to repeat, unless what it writes was computed from a read."""
        names = state.read | state.tainted
        if any(_mentions(value, names) for value in values):
            return Effect(call, "error", "derived")
        return Effect(call, "warning", why)


def _values(args: Node | None) -> list[Node]:
    return [a for a in args.named_children if a.type != "comment"] if args is not None else []


def _store_of(values: list[Node]) -> str:
    """The bucket (VBase: the first argument) or entity (Master Data: ``dataEntity``) a
    store call names, as written; ``""`` when it names none."""
    if not values:
        return ""
    first = unwrap(values[0])
    if first.type != "object":
        return _ts.text(first)
    for pair in first.named_children:
        key = pair.child_by_field_name("key") if pair.type == "pair" else None
        if key is not None and _ts.text(key) == "dataEntity":
            value = pair.child_by_field_name("value")
            return _ts.text(value) if value is not None else ""
        if pair.type == "shorthand_property_identifier" and _ts.text(pair) == "dataEntity":
            return "dataEntity"
    return ""


# Store calls that write a record (VBase, Master Data): the stores they name are maintained.
_WRITES = ("save", "create", "update", "upsert", "put", "patch")


def written_stores(module: Module) -> set[str]:
    """The stores (see :func:`store_key`) ``module`` writes: ``saveJSON(bucket, ...)``,
    ``createDocument({ dataEntity })``, ``updatePartialDocument({ dataEntity, ... })``..."""
    out: set[str] = set()
    for call in module.nodes("call_expression"):
        facts = call_facts(module, call)
        if facts.kind == "member_expression" and facts.name.lower().startswith(_WRITES):
            store = store_key(module, facts.values)
            if store:
                out.add(store)
    return out


def store_key(module: Module, values: list[Node]) -> str:
    """The bucket or data entity a store call names: a string's value, or the value of a
    module constant bound to a string; otherwise the expression as written."""
    store = _store_of(values)
    if store.isidentifier():
        for declarator in module.nodes("variable_declarator"):
            found = _ts.sides(declarator)
            if found is None:
                continue
            name, value = found
            if (
                _ts.text(name) == store
                and unwrap(value).type == "string"
                and declarator.parent is not None
                and declarator.parent.parent is not None
                and declarator.parent.parent.type in {"program", "export_statement"}
            ):
                return _ts.string_text(unwrap(value))
        return store
    if store[:1] in {"'", '"'}:
        return store[1:-1]
    return store


def _mentions(node: Node, names: set[str]) -> bool:
    """Whether an identifier in ``node`` (itself included) is one of ``names``."""
    return bool(names) and any(
        n.type == "identifier" and _ts.text(n) in names for n in _ts.walk(node)
    )


def _passes_next(args: Node | None) -> bool:
    return args is not None and any(
        a.type == "identifier" and _ts.text(a) == "next" for a in args.named_children
    )


def _top_level_names(root: Node) -> set[str]:
    """Names bound at a module's top level: imports, consts, functions, classes."""
    names: set[str] = set()
    for statement in root.named_children:
        target = statement.child_by_field_name("declaration") or statement
        if target.type == "import_statement":
            names |= {
                _ts.text(n)
                for n in _ts.walk(target)
                if n.type == "identifier" and n.parent is not None and n.parent.type != "string"
            }
        elif target.type in {"lexical_declaration", "variable_declaration"}:
            for declarator in target.named_children:
                name = declarator.child_by_field_name("name")
                if name is not None:
                    names |= _names(name)
        else:
            name = target.child_by_field_name("name")
            if name is not None:
                names.add(_ts.text(name))
    return names


def _names(pattern: Node) -> set[str]:
    if pattern.type == "identifier":
        return {_ts.text(pattern)}
    names: set[str] = set()
    for node in _ts.walk(pattern):
        if node.type in {"shorthand_property_identifier_pattern", "identifier"}:
            names.add(_ts.text(node))
    return names


def message(effect: Effect, short: str) -> str:
    """The one-line message of an SC101 finding."""
    if effect.why == "repeats":
        return (
            f"`{short}` creates, sends or adds something, and no read of stored state decides "
            "before it whether this delivery was already handled: a duplicate delivery repeats it"
        )
    if effect.why == "derived":
        return (
            f"`{short}` writes a value computed from an earlier read, and nothing decides on "
            "that read first: a duplicate or concurrent delivery loses or doubles the update"
        )
    if effect.why == "delete":
        return (
            f"`{short}` deletes with no check of stored state first: harmless to repeat only "
            "if deleting what is already gone succeeds (no 404 that fails the event)"
        )
    return (
        f"`{short}` writes with no check of stored state first: harmless to repeat only if it "
        "writes the same absolute value every time (an upsert/PUT of payload data)"
    )


def report(module: Module, effect: Effect, short: str) -> Finding:
    """Build the SC101 finding for an unguarded effect."""
    return module.finding(effect.node, "SC101", effect.severity, message(effect, short))
