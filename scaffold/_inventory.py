"""What an app's events, workers, publishers and routes are: the model ``list`` and ``graph`` draw.

The Service maps are read with the resolver ``scaffold check`` and the add-* commands use
(:mod:`scaffold._service_map`), so the three can never disagree about what is registered.
Everything here reads files through one function (``rel -> bytes | None``), so the same
inventory describes an app on disk or an edit planned in a ChangeSet (the README graph block).
"""

from __future__ import annotations

import json
import posixpath
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from scaffold import _app_files, _ts
from scaffold import _read as _read_file
from scaffold._app_files import import_candidates, is_test
from scaffold._facts_cache import Fact, Facts, names_one
from scaffold._service_json import section, topics_of
from scaffold._service_map import Entry, Resolver, ServiceMap, Source
from scaffold._vtex import INDEX, MANIFEST, SERVICE
from scaffold.errors import ProjectError

if TYPE_CHECKING:
    from tree_sitter import Node

Reader = Callable[[str], "bytes | None"]
Kind = Literal["event", "worker", "publisher", "route"]

MARKER = b"// >>>"
_MAX_FILES = 400


class Item(NamedTuple):
    """One event handler, worker, publisher or route of the app.

    Attributes:
        id: The handler or route id (a publisher: its function name).
        kind: ``event`` (another app's event), ``worker`` (the app's own event),
            ``publisher`` or ``route``.
        sender: Who sends the event (events and workers).
        topics: The topics it consumes (events, workers) or publishes (publishers).
        path: The route's path.
        methods: The route's HTTP methods.
        files: ``file:line`` of each function it runs, in order (middlewares first).
        declared: Declared in node/service.json (None for publishers).
        registered: In the map given to ``new Service`` (None: publishers, or the map
            cannot be read there).
        missing_policies: Manifest policies the code it runs needs and lacks.
        publishes: Ids of the publishers its code reaches through imports.
        marker: ``file:line`` of the ``// >>>`` side effect left to write, if any.
    """

    id: str
    kind: Kind
    sender: str | None = None
    topics: tuple[str, ...] = ()
    path: str | None = None
    methods: tuple[str, ...] = ()
    files: tuple[str, ...] = ()
    declared: bool | None = None
    registered: bool | None = None
    missing_policies: tuple[str, ...] = ()
    publishes: tuple[str, ...] = ()
    marker: str | None = None

    @property
    def policies_ok(self) -> bool:
        """True when the manifest has every policy its code needs."""
        return not self.missing_policies

    @property
    def trigger(self) -> str:
        """What makes it run, in a few words (``sender: topic`` or ``POST /path``)."""
        if self.kind == "route":
            return f"{'|'.join(self.methods) or '*'} {self.path or '?'}"
        if self.kind == "publisher":
            return f"-> {', '.join(self.topics) or '?'}"
        return f"{self.sender or '?'}: {', '.join(self.topics) or '?'}"


@dataclass
class Inventory:
    """An app's items and what could not be read.

    Attributes:
        app_id: ``vendor.name`` from manifest.json.
        items: Events and workers, then routes, then publishers, each in map order.
        problems: Why part of a map could not be read (as ``scaffold check`` says, SC003).
    """

    app_id: str
    items: list[Item] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def of(self, *kinds: Kind) -> list[Item]:
        """Return the items of these kinds, in order."""
        return [item for item in self.items if item.kind in kinds]

    def to_json(self) -> str:
        """Return the inventory as JSON (what ``scaffold list --json`` prints)."""
        items = []
        for item in self.items:
            data = item._asdict()
            data["policies_ok"] = item.policies_ok
            items.append(data)
        return json.dumps({"app": self.app_id, "items": items, "problems": self.problems}, indent=2)


Parses = dict[tuple[str, bytes], Source]


class Specs:
    """Import specifiers of files by the digest of their bytes (see :mod:`scaffold._import_cache`).

    Attributes:
        known: What an earlier run found (loaded from the cache).
        used: What this run read or found, to save for the next one.
    """

    def __init__(self, known: dict[str, list[str]] | None = None) -> None:
        self.known: dict[str, list[str]] = dict(known or {})
        self.used: dict[str, list[str]] = {}
        self._loaded = set(self.known)
        # The same bytes (a file both inventories of an edit read): digested once.
        self._seen: dict[bytes, list[str]] = {}

    @property
    def changed(self) -> bool:
        """Whether what this run used differs from what was loaded (worth saving)."""
        return set(self.used) != self._loaded

    def keep(self, key: str, specs: list[str]) -> None:
        """Keep what another cache knew of a file's bytes (by their digest) for next time."""
        self.used[key] = specs

    def of(self, data: bytes, parse: Callable[[], Source]) -> list[str]:
        """The specifiers of a file with these bytes; ``parse`` is called only on a miss."""
        if data in self._seen:
            return self._seen[data]
        from scaffold._import_cache import digest

        key = digest(data)
        found = self.known.get(key)
        if found is None:
            found = _specifiers(parse())
            self.known[key] = found
        self.used[key] = found
        self._seen[data] = found
        return found


class Shared:
    """What two views of one app (before and after an edit) can share about its files.

    A file the edit does not change has the same bytes in both, so whether it names some
    words is the same; and so are the modules its imports resolve to, unless one of the
    paths an import may name is one the edit changes (creates or deletes).

    Args:
        changed: The paths the edit changes, relative to the app root.
    """

    def __init__(self, changed: Collection[str]) -> None:
        self.changed = frozenset(changed)
        self.imports: dict[str, list[str]] = {}
        self.named: dict[tuple[str, frozenset[str]], bool] = {}
        # (folder, specifier) -> (module, candidates), when no candidate is a changed path.
        self.resolved: dict[tuple[str, str], tuple[str | None, list[str]]] = {}


def _specifiers(source: Source) -> list[str]:
    """What the import and export-from statements of a file name, in order."""
    out = []
    for statement in source.root.named_children:
        if statement.type not in {"import_statement", "export_statement"}:
            continue
        spec_node = statement.child_by_field_name("source")
        if spec_node is not None:
            out.append("".join(_ts.text(p) for p in spec_node.named_children))
    return out


class _Files:
    """Parsed .ts files of the app, each read once, through a reader.

    ``parses`` may be shared by several inventories (before and after an edit): keyed on
    a file's path and bytes, so a file the edit does not change is parsed once. With
    ``specs``, a file whose imports are known from its bytes is not parsed to follow them.
    """

    def __init__(
        self,
        read: Reader,
        parses: Parses | None = None,
        specs: Specs | None = None,
        facts: Facts | None = None,
        shared: Shared | None = None,
    ):
        self.read = read
        self._parses: Parses = parses if parses is not None else {}
        self._specs = specs
        self._facts = facts
        self._shared = shared
        self._cache: dict[str, Source | None] = {}
        self._data: dict[str, bytes | None] = {}
        self._needs: dict[str, list[str]] = {}
        self._imports: dict[str, list[str]] = {}
        self._resolved: dict[tuple[str, str], tuple[str | None, list[str]]] = {}
        self._resolved_in: dict[tuple[str, str], tuple[str | None, list[str]]] = {}
        self._closures: dict[str, frozenset[str]] = {}
        self._named_in: dict[tuple[frozenset[str], frozenset[str]], bool] = {}
        self._resolver: Resolver[Source] | None = None
        self.named: dict[tuple[str, frozenset[str]], bool] = {}  # see names_one

    def data(self, rel: str) -> bytes | None:
        """A file's bytes, read once (``None``: missing)."""
        if rel not in self._data:
            data = self._data[rel] = self.read(rel) if not rel.startswith("..") else None
            if data is not None and self._facts is not None:
                self._facts.learn(rel, data, None)
        return self._data[rel]

    def _fact(self, rel: str) -> Fact | None:
        """What the facts cache trusts of ``rel`` (None: read it; or it was read already)."""
        if self._facts is None or rel in self._data:
            return None
        return self._facts.get(rel)

    def exists(self, rel: str) -> bool:
        """Whether the file exists (as read through the reader)."""
        data = self._data
        if rel in data:
            return data[rel] is not None
        if self._facts is not None and self._facts.get(rel) is not None:
            return True
        return self.data(rel) is not None

    def names_one(self, rel: str, words: frozenset[str]) -> bool:
        """Whether the bytes of ``rel`` name one of ``words`` (a missing file: no)."""
        key = (rel, words)
        found = self.named.get(key)
        if found is None:
            shared = self._shared
            if shared is not None and rel in shared.changed:
                shared = None
            found = shared.named.get(key) if shared is not None else None
            if found is None:
                fact = self._fact(rel)
                asked = self._facts.asked(words) if self._facts is not None else ""
                if fact is not None and asked in fact.words:
                    found = bool(fact.words[asked])
                else:
                    found = names_one(self.data(rel) or b"", words)
                if shared is not None:
                    shared.named[key] = found
            self.named[key] = found
        return found

    def load(self, rel: str) -> Source | None:
        if rel not in self._cache:
            data = self.data(rel)
            if data is None:
                self._cache[rel] = None
            else:
                key = (rel, data)
                if key not in self._parses:
                    self._parses[key] = Source.parse(rel, data)
                self._cache[rel] = self._parses[key]
        return self._cache[rel]

    def resolver(self) -> Resolver[Source]:
        """One resolver for following calls and strings, sharing what it has read."""
        if self._resolver is None:
            self._resolver = Resolver[Source](self.load)
        return self._resolver

    def needs(self, rel: str) -> list[str]:
        """The manifest policies the clients a module uses need (a test module: none)."""
        if rel not in self._needs:
            from scaffold._vtex import CLIENT_POLICIES, CLIENT_USES, used_client

            found: list[str] = []
            source = self.load(rel)
            # A client's name is in the bytes wherever the code names it (keys and
            # properties are matched as written): a file without any needs no walk.
            named = not is_test(rel) and self.names_one(rel, frozenset(CLIENT_POLICIES))
            source = self.load(rel) if named else None
            for node in _ts.walk(source.root) if source is not None and named else []:
                if node.type not in CLIENT_USES:
                    continue
                name = used_client(node)
                if name in CLIENT_POLICIES and CLIENT_POLICIES[name][0] not in found:
                    found.append(CLIENT_POLICIES[name][0])
            self._needs[rel] = found
        return self._needs[rel]

    def imports(self, rel: str) -> list[str]:
        """The app modules a file imports or re-exports (relative specifiers only)."""
        if rel in self._imports:
            return self._imports[rel]
        shared = self._shared
        if shared is not None and rel in shared.imports:
            self._imports[rel] = shared.imports[rel]
            return self._imports[rel]
        clean = shared is not None and rel not in shared.changed
        out: list[str] = []
        for spec in self._specifiers_of(rel):
            found, candidates = self.resolve(rel, spec)
            if found is not None:
                out.append(found)
            if clean and shared is not None and not shared.changed.isdisjoint(candidates):
                clean = False  # it resolves differently before and after the edit
        self._imports[rel] = out
        if clean and shared is not None:
            shared.imports[rel] = out
        return out

    def resolve(self, rel: str, spec: str) -> tuple[str | None, list[str]]:
        """The module a relative import of ``rel`` names (None: none), and the candidates.

        Handlers in one folder import the same modules: each (folder, specifier) is worked
        out once, and once for both views of an edit when none of the candidates is a path
        the edit changes (then they exist in both or in neither).
        """
        found = self._resolved_in.get((rel, spec))
        if found is not None:
            return found
        key = (posixpath.dirname(rel), spec)
        found = self._resolved.get(key)
        if found is None:
            shared = self._shared
            found = shared.resolved.get(key) if shared is not None else None
            if found is None:
                candidates = import_candidates(rel, spec)
                module = next((c for c in candidates if self.exists(c)), None)
                found = (module, candidates)
                if shared is not None and shared.changed.isdisjoint(candidates):
                    shared.resolved[key] = found
            self._resolved[key] = found
        self._resolved_in[(rel, spec)] = found
        return found

    def _specifiers_of(self, rel: str) -> list[str]:
        """The specifiers of a file's imports: trusted facts, else its bytes (none: missing)."""
        fact = self._fact(rel)
        if fact is not None and fact.specs is not None:
            if self._specs is not None and fact.digest:
                self._specs.keep(fact.digest, fact.specs)  # for when the stat changes
            return fact.specs
        data = self.data(rel)
        if data is None:
            return []

        def parse() -> Source:
            source = self.load(rel)
            assert source is not None  # its bytes were read
            return source

        specs = self._specs.of(data, parse) if self._specs is not None else _specifiers(parse())
        if self._facts is not None:
            self._facts.learn(rel, data, specs)
        return specs

    def closure(self, rel: str) -> frozenset[str]:
        """The modules :meth:`reach` finds from ``rel`` alone, as a set (worked out once)."""
        found = self._closures.get(rel)
        if found is None:
            found = self._closures[rel] = frozenset(self.reach([rel]))
        return found

    def named_in(self, modules: frozenset[str], words: frozenset[str]) -> bool:
        """Whether one of ``modules`` names one of ``words`` (per set of modules, once)."""
        key = (modules, words)
        found = self._named_in.get(key)
        if found is None:
            found = self._named_in[key] = any(self.names_one(rel, words) for rel in modules)
        return found

    def reach(self, starts: list[str]) -> list[str]:
        """Every module reachable from ``starts`` through relative imports, in order met."""
        seen: list[str] = []
        met: set[str] = set()  # what seen holds (a 200-handler app reaches 200+ modules)
        stack = list(reversed(starts))
        while stack and len(seen) < _MAX_FILES:
            rel = stack.pop()
            if rel in met:
                continue
            if not self.exists(rel):
                continue
            seen.append(rel)
            met.add(rel)
            stack.extend(reversed(self.imports(rel)))
        return seen


def read_app(root: Path) -> Inventory:
    """Read the inventory of the app at ``root`` from disk.

    Args:
        root: The app root (the folder holding manifest.json).

    Returns:
        The inventory.

    Raises:
        ProjectError: If manifest.json or node/service.json is missing or not JSON.
    """

    def read(rel: str) -> bytes | None:
        try:
            return _read_file.read_bytes(root / rel)
        except OSError:
            return None

    return inventory(read, ts_files(root))


def ts_files(root: Path) -> list[str]:
    """The .ts files under ``root/node`` (tests and node_modules excluded), sorted.

    Args:
        root: The app root.

    Returns:
        Paths relative to ``root``.
    """
    return sorted(_app_files.ts_files(root, tests=False, rglob=True))


def listed(rel: str) -> bool:
    """Tell whether :func:`ts_files` lists ``rel`` when it exists (tests and deps aside).

    Args:
        rel: A path relative to the app root.

    Returns:
        True for a module of the app's own code under ``node/``.
    """
    return rel.split("/")[0] == "node" and rel.endswith(".ts") and not is_test(rel)


def inventory(
    read: Reader,
    listing: list[str] | None = None,
    *,
    details: bool = True,
    parses: Parses | None = None,
    focus: Collection[str] | None = None,
    specs: Specs | None = None,
    facts: Facts | None = None,
    shared: Shared | None = None,
    maps: Mapping[str, tuple[ServiceMap[Source], dict[str, bytes | None]]] | None = None,
) -> Inventory:
    """Read an app's events, workers, publishers and routes through ``read``.

    Args:
        read: Returns a file's bytes by path relative to the app root, or None.
        listing: Every .ts file of the app, so publishers nobody imports yet are found too.
        details: Also find each item's missing policies, the publishers it calls and its
            ``// >>>`` marker; without, those stay empty (what a CHANGELOG line needs is
            all there: ids, kinds, senders, topics, route paths and methods).
        parses: Parsed files to share with other inventories, keyed on path and bytes.
        focus: With details, only the items with these ids (and publishers, which are
            parsed anyway) get their files, missing policies and marker; every item still
            gets exactly the publishers it calls (what the graph draws), and a handler
            whose imports reach no publisher's name is not even parsed. None: every item
            in full.
        specs: Import specifiers known by the bytes of files, so those are not parsed to
            follow their imports (and what this run finds is added).
        facts: What earlier runs learned of files this read leaves alone, trusted by their
            stat (:mod:`scaffold._facts_cache`): such a file is not read at all, and what
            this run reads is recorded there.
        shared: What another view of the app (before or after an edit) found of the files
            the edit does not change.
        maps: Without details, Service maps already read elsewhere (``events``/``routes``
            -> the map and the bytes of every file read for it): the events map is taken
            as it is while ``read`` gives those same bytes (it is a function of them).

    Returns:
        The inventory.

    Raises:
        ProjectError: If manifest.json or node/service.json is missing or not JSON.
    """
    manifest = _json(read, MANIFEST)
    service = _json(read, SERVICE)
    app_id = f"{manifest.get('vendor', '')}.{manifest.get('name', '')}"
    policies = {
        str(p["name"])
        for p in manifest.get("policies") or []
        if isinstance(p, dict) and "name" in p
    }
    files = _Files(read, parses, specs, facts, shared)
    out = Inventory(app_id)
    index = files.load(INDEX)
    reachable = files.reach([INDEX]) if index is not None else []
    reached = set(reachable)
    others = [rel for rel in listing or [] if rel not in reached]
    publishers = _publishers(files, [*reachable, *others])
    names = frozenset(pub.id for pub in publishers)
    calls = _Calls(files, names)

    def wanted(key: str) -> bool:
        return focus is None or key in focus

    def follow(resolver: Resolver[Source], where: Source, entry: Entry) -> bool:
        if not details or focus is None or entry.key in focus:
            return details
        return not _calls_none(files, resolver, where, entry, names)

    for prop in ("events", "routes"):
        declared = section(service, prop)
        # A handler's functions serve only the details; a route's give its methods too.
        # Without details a handler's value is not followed (a route's is: its methods).
        known = maps.get(prop) if maps is not None and not details and prop == "events" else None
        if known is not None and any(files.data(rel) != data for rel, data in known[1].items()):
            known = None  # read from other bytes
        found = _read_map(
            files,
            index,
            prop,
            out.problems,
            True if prop == "routes" else follow,
            known[0] if known is not None else None,
        )
        registered, complete = found if found is not None else ({}, False)
        for key in [*declared, *(k for k in registered if k not in declared)]:
            fns, verbs = registered.get(key, ([], []))
            decl = declared.get(key)
            decl = decl if isinstance(decl, dict) else {}
            pubs: list[str] = []
            for fn in fns if details else []:
                pubs += [name for name in calls.of(fn.source, fn.node) if name not in pubs]
            sender = decl.get("sender") if isinstance(decl.get("sender"), str) else None
            path = decl.get("path") if isinstance(decl.get("path"), str) else None
            kind: Kind = "route" if prop == "routes" else "event"
            full = details and wanted(key)
            out.items.append(
                Item(
                    key,
                    "worker" if kind == "event" and sender == app_id else kind,
                    sender=sender if kind == "event" else None,
                    topics=tuple(topics_of(decl)) if kind == "event" else (),
                    path=path if kind == "route" else None,
                    methods=tuple(verbs),
                    files=tuple(fn.ref for fn in fns) if wanted(key) else (),
                    declared=key in declared,
                    registered=True if key in registered else (False if complete else None),
                    missing_policies=_missing_policies(
                        files, files.reach([fn.source.rel for fn in fns]), policies
                    )
                    if full
                    else (),
                    publishes=tuple(pubs),
                    marker=_marker(files, [fn.ref for fn in fns]) if full else None,
                )
            )
    for pub in publishers:
        missing = (
            _missing_policies(files, files.reach([pub.source.rel]), policies) if details else ()
        )
        out.items.append(
            Item(pub.id, "publisher", topics=pub.topics, files=pub.files, missing_policies=missing)
        )
    return out


def _calls_none(
    files: _Files, resolver: Resolver[Source], where: Source, entry: Entry, names: frozenset[str]
) -> bool:
    """Whether what ``entry`` registers is sure to call none of the publishers ``names``.

    True when no publisher exists, or when each value is a name imported from an app
    module and no module those imports reach names a publisher in its bytes: following the
    value and the calls it makes never leaves those modules, so no call can name one.
    Anything else (a local binding, an array, a call, a package...) is followed in full.
    """
    if not names:
        return True
    for value in entry.values:
        if value.type not in {"identifier", "shorthand_property_identifier"}:
            return False
        name = _ts.text(value)
        imported = None if resolver.binds(where, name) else resolver.imported(where, name)
        if imported is None:
            return False
        module, _ = files.resolve(where.rel, imported[1])
        if module is None:
            return False
        # What the module reaches is itself and what each of its imports reaches (handlers
        # share those: each is walked once). A walk cut at _MAX_FILES is that size, so a
        # union that size or more is what a walk from the module would have cut too.
        below = [files.closure(rel) for rel in files.imports(module)]
        # The union is no larger than the sizes added up: only a large one is built.
        if 1 + sum(map(len, below)) >= _MAX_FILES and (
            len(frozenset({module}).union(*below)) >= _MAX_FILES
        ):
            return False
        if files.names_one(module, names) or any(files.named_in(c, names) for c in below):
            return False
    return True


_SEND_EVENT = frozenset({"sendEvent"})


def _read_map(
    files: _Files,
    index: Source | None,
    prop: str,
    problems: list[str],
    functions: bool | Callable[[Resolver[Source], Source, Entry], bool] = True,
    known: ServiceMap[Source] | None = None,
) -> tuple[dict[str, tuple[list[_Fn], list[str]]], bool] | None:
    """Key -> (functions, HTTP verbs) of the Service's ``prop`` map, and whether it is complete.

    Without ``functions`` (or for an entry it returns False for) the values are not
    followed: the key maps to ``([], [])``. ``known``: the map as read from the same
    bytes elsewhere (its values must not need following).
    """
    if index is None:
        return None
    resolver = Resolver[Source](files.load, prop)
    found = known if known is not None else resolver.service_map(index)
    complete = _readable(found, prop, problems)
    where = found.map[0] if found.map else index
    registered: dict[str, tuple[list[_Fn], list[str]]] = {}
    for entry in found.entries:
        if entry.key is not None:
            verbs: list[str] = []
            wanted = functions(resolver, where, entry) if callable(functions) else functions
            values = entry.values if wanted else ()
            fns = [fn for value in values for fn in _functions(resolver, where, value, verbs)]
            registered[entry.key] = (fns, verbs)
    return registered, complete


def _json(read: Reader, rel: str) -> dict[str, Any]:
    data = read(rel)
    if data is None:
        raise ProjectError(f"{rel} is missing: is this a VTEX IO node app?")
    try:
        value = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ProjectError(f"{rel}: not valid JSON ({error}); fix it and run again") from None
    if not isinstance(value, dict):
        raise ProjectError(f"{rel}: expected a JSON object at the top level")
    return value


def _readable(found: Any, prop: str, problems: list[str]) -> bool:
    """Record what stops the map from being read; True when every key is known."""
    if found.service is None:
        if prop == "events":
            problems.append(f"{INDEX}: no `new Service(...)` found")
        return False
    complete = True
    for problem in found.problems:
        line = problem.node.start_point[0] + 1
        problems.append(f"{problem.file.rel}:{line}: {problem.reason}")
        if problem.kind != "shape" or any(e.key is None for e in found.entries):
            complete = False
    if found.map is not None and found.map[1].type != "object":
        complete = False
    if found.map is None and found.options_spread is not None:
        complete = False
    return complete


def _ref(source: Source, node: Node) -> str:
    return f"{source.rel}:{node.start_point[0] + 1}"


class _Fn(NamedTuple):
    """A function (or whatever a map value resolves to) and its file."""

    source: Source
    node: Node

    @property
    def ref(self) -> str:
        return _ref(self.source, self.node)


class _Calls:
    """The publishers functions call, each function's answer worked out once.

    Handlers share helpers (the ledger's ``runOnce``...): without the memo, each handler
    walks them again. An answer depends on the function and the depth left, both in the key.
    """

    def __init__(self, files: _Files, names: frozenset[str]) -> None:
        self.files = files
        self.names = names
        self._found: dict[tuple[str, int, int], list[str]] = {}

    def of(self, source: Source, node: Node, depth: int = 0) -> list[str]:
        """The publishers ``node`` calls, directly or through the functions it calls, in
        the order met, each once."""
        key = (source.rel, node.id, depth)
        if key in self._found:
            return self._found[key]
        out: list[str] = []
        resolver = self.files.resolver()
        for call in _ts.walk(node) if self.names else []:
            if call.type != "call_expression":
                continue
            callee = _ts.callee_name(call)
            if callee in self.names:
                if callee not in out:
                    out.append(callee)
                continue
            function = call.child_by_field_name("function")
            if depth >= 3 or function is None or _ts.unwrap(function).type != "identifier":
                continue
            where, target = resolver.follow(source, function)
            # Not itself (trees of equal bytes are shared: the file tells them apart).
            same = target.id == node.id and where.rel == source.rel
            if not same and target.type in _ts.FUNCTION_TYPES | {"function_declaration"}:
                out += [name for name in self.of(where, target, depth + 1) if name not in out]
        self._found[key] = out
        return out


def _functions(
    resolver: Resolver[Source], file: Source, value: Node, verbs: list[str]
) -> list[_Fn]:
    """``file:line`` of each function a map value runs; a ``method({...})`` gives its verbs."""
    where, node = resolver.follow(file, value)
    if node.type == "call_expression" and _ts.callee_name(node) == "method":
        args = node.child_by_field_name("arguments")
        obj = next((a for a in args.named_children if a.type == "object"), None) if args else None
        refs: list[_Fn] = []
        for member in obj.named_children if obj is not None else []:
            if member.type == "pair":
                key = member.child_by_field_name("key")
                inner = member.child_by_field_name("value")
                verb = _ts.key_text(key) if key is not None else None
                if verb and inner is not None:
                    verbs.append(verb.upper())
                    inner = _ts.unwrap(inner)
                    parts = inner.named_children if inner.type == "array" else [inner]
                    for part in parts:
                        refs += _functions(resolver, where, part, [])
            elif member.type == "shorthand_property_identifier":
                verbs.append(_ts.text(member).upper())
                refs += _functions(resolver, where, member, [])
        return refs
    if node.type == "array":
        return [r for part in node.named_children for r in _functions(resolver, where, part, verbs)]
    return [_Fn(where, node)]


class _Publisher(NamedTuple):
    id: str
    topics: tuple[str, ...]
    files: tuple[str, ...]
    source: Source


def _publishers(files: _Files, modules: list[str]) -> list[_Publisher]:
    """Every function that calls ``*.sendEvent(app, topic, ...)``, with the topic it sends."""
    out: dict[str, _Publisher] = {}
    for rel in modules:
        if is_test(rel):
            continue
        # Only a file that names sendEvent is parsed.
        source = files.load(rel) if files.names_one(rel, _SEND_EVENT) else None
        if source is None:
            continue
        resolver = files.resolver()
        for node in _ts.walk(source.root):
            if node.type != "call_expression" or _ts.callee_name(node) != "sendEvent":
                continue
            args = node.child_by_field_name("arguments")
            members = [a for a in args.named_children if a.type != "comment"] if args else []
            if len(members) < 2:
                continue  # not the Events client's sendEvent(app, topic, payload?)
            topic = _string(resolver, source, members[1])
            owner = _enclosing_name(node) or posixpath.splitext(posixpath.basename(rel))[0]
            ref = _ref(source, node)
            previous = out.get(owner)
            topics = (previous.topics if previous else ()) + ((topic or "?"),)
            out[owner] = _Publisher(
                owner,
                tuple(dict.fromkeys(topics)),
                previous.files if previous else (ref,),
                source,
            )
    return list(out.values())


def _string(resolver: Resolver[Source], source: Source, node: Node) -> str | None:
    _, found = resolver.follow(source, node)
    if found.type == "string":
        return "".join(_ts.text(p) for p in found.named_children)
    if found.type == "template_string" and not any(
        c.type == "template_substitution" for c in found.named_children
    ):
        return _ts.text(found)[1:-1]
    return None


def _enclosing_name(node: Node) -> str | None:
    current = node.parent
    while current is not None:
        if current.type == "pair" and current.child_by_field_name("value") is not None:
            value = current.child_by_field_name("value")
            key = current.child_by_field_name("key")
            if value is not None and value.type in _ts.FUNCTION_TYPES and key is not None:
                return _ts.key_text(key)
        if current.type in {"function_declaration", "method_definition"}:
            name = current.child_by_field_name("name")
            return _ts.text(name) if name is not None else None
        if current.type == "variable_declarator":
            name = current.child_by_field_name("name")
            return _ts.text(name) if name is not None else None
        current = current.parent
    return None


def _missing_policies(files: _Files, modules: list[str], policies: set[str]) -> tuple[str, ...]:
    needed: list[str] = []
    for rel in modules:
        for policy in files.needs(rel):
            if policy not in policies and policy not in needed:
                needed.append(policy)
    return tuple(needed)


def _marker(files: _Files, refs: list[str]) -> str | None:
    for rel in dict.fromkeys(ref.rsplit(":", 1)[0] for ref in refs):
        data = files.data(rel)
        if data is None:
            continue
        for number, line in enumerate(data.splitlines(), 1):
            if line.lstrip().startswith(MARKER):
                return f"{rel}:{number}"
    return None
