"""Shared planning for the ``add-*`` / ``remove-*`` commands: one app, one ChangeSet.

An :class:`Edit` reads the app through its ChangeSet (so later steps see earlier planned
writes), renders component templates, edits JSON and the Service maps, and collects notes
for the person. Nothing touches the disk until the caller applies ``edit.changes``.
"""

from __future__ import annotations

import os
import posixpath
import re
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from scaffold import _json_edit, _names, _project
from scaffold._changes import ChangeSet, Result
from scaffold._vtex import (
    DEFAULT_STORE,
    FIRE_POLICY,
    HTTP_HELPERS,
    INDEX,
    LOGS_POLICY,
    MANIFEST,
    PROCESSING,
    SERVICE,
    STORE_POLICIES,
    STORES,
    Store,
)
from scaffold.errors import ConflictError, ProjectError

PROCESSING_TEST = "node/__tests__/processing.test.ts"
PLATFORM = "node/__tests__/platform.ts"
PLATFORM_MODEL = "node/__tests__/platformModel.ts"

# (template, file) of the support code every handler imports; http.ts serves the routes.
SUPPORT_FILES: tuple[tuple[str, str], ...] = (
    ("templates/components/support/processing.ts.jinja", PROCESSING),
    ("templates/components/support/processing.test.ts.jinja", PROCESSING_TEST),
    ("templates/components/support/platform.ts.jinja", PLATFORM),
    ("templates/components/support/platformModel.ts.jinja", PLATFORM_MODEL),
    ("templates/components/support/http.ts.jinja", HTTP_HELPERS),
)


class Edit:
    """A planned edit of one app.

    Args:
        start: A folder inside the app (``-C``).
        command: The command name, for the result.
        name: What the command is about, for the result.
    """

    def __init__(self, start: Path, command: str, name: str) -> None:
        self.app = _project.load_app(start)
        self.root = self.app.root
        self.changes = ChangeSet(self.root)
        self.notes: list[str] = []
        self.skipped_tests: list[str] = []
        self.message: str | None = None
        self.command = command
        self.name = name
        # `scaffold new` made this app: it owns the support files, both service.json
        # sections and its (possibly empty) folders, so undo leaves those alone.
        self.generated = (self.root / ".copier-answers.yml").is_file()
        self.changes.remove_empty_folders = not self.generated
        if not self.app.vendor or not self.app.name:
            raise ProjectError("manifest.json: `vendor` and `name` are required; add them")

    # --- reading ----------------------------------------------------------------------

    def read(self, rel: str) -> bytes | None:
        """Return a file's bytes as planned so far (``None``: missing).

        Args:
            rel: Path relative to the app root.

        Returns:
            The bytes, or ``None``.
        """
        if rel.startswith(".."):
            return None
        return self.changes.read(Path(rel))

    def require(self, rel: str, why: str) -> bytes:
        """Return a file's bytes, or refuse when it is missing.

        Args:
            rel: Path relative to the app root.
            why: What the file is, for the message.

        Returns:
            The bytes.

        Raises:
            ProjectError: If the file does not exist.
        """
        data = self.read(rel)
        if data is None:
            raise ProjectError(f"{rel} is missing ({why}); is {self.root} a VTEX IO node app?")
        return data

    def service(self) -> Any:
        """Return the parsed node/service.json as planned so far."""
        return _json_edit.get(self.require(SERVICE, "the service declaration"), (), name=SERVICE)

    def declared(self, section: Literal["events", "routes"]) -> dict[str, Any]:
        """Return ``events`` or ``routes`` of node/service.json (empty if absent)."""
        value = self.service()
        found = value.get(section) if isinstance(value, dict) else None
        return found if isinstance(found, dict) else {}

    # --- writing ----------------------------------------------------------------------

    def write(self, rel: str, data: bytes) -> None:
        """Plan to write ``data`` to ``rel``."""
        self.changes.write(Path(rel), data)

    def render(self, template: str, variables: dict[str, Any]) -> bytes:
        """Render one component template to bytes.

        Args:
            template: Path under the template root.
            variables: Its variables (from :func:`scaffold._names.component_vars`).

        Returns:
            The rendered bytes.
        """
        from scaffold import _render

        merged = {**self.host.template_vars(), **variables}
        return _render.render(template, **merged).encode("utf-8")

    def check_names(self, template: str, variables: dict[str, Any], what: str, value: str) -> None:
        """Refuse names that would clash with a name the template itself uses.

        The template is rendered twice: with placeholder names, to learn every identifier
        it uses on its own (imports, helpers, locals), and with the real names. A derived
        identifier (``create<Name>Handler``, ``<Name>Payload``...) that equals one of those,
        another derived one, or a global the runtime owns would be a duplicate declaration
        or a shadowed name: refused before anything is written.

        Args:
            template: The component template.
            variables: Its real variables.
            what: How to call the name in the message (``worker name``...).
            value: The name as given.

        Raises:
            ConflictError: Naming the identifier and what it clashes with.
        """
        sentinel = {k: v for k, v in _SENTINELS.items() if k in variables}
        own = _identifiers(self.render(template, {**variables, **sentinel}))
        internals = {name for name in own if not _SENTINEL_WORD.search(name)}
        derived: dict[str, str] = {}
        for name in sorted(own - internals):
            real = _SENTINEL_WORD.sub(lambda m: str(variables[_SENTINEL_KEYS[m.group(0)]]), name)
            if real in internals or real in _names.GLOBALS:
                whose = (
                    "a name the runtime reserves"
                    if real in _names.GLOBALS
                    else f"a name the {_template_kind(template)} code already uses"
                )
                raise ConflictError(
                    f"{what} {value!r} gives the identifier {real!r}, {whose}; pick another {what}"
                )
            if real in derived and derived[real] != name:
                raise ConflictError(
                    f"{what} {value!r} gives the identifier {real!r} twice in the "
                    f"{_template_kind(template)} code; pick another {what}"
                )
            derived[real] = name

    @cached_property
    def host(self) -> _project.Host:
        """What the app uses that added code must fit: clients type, test setup."""
        return _project.read_host(self.root, self.read)

    def create_test(self, rel: str, template: str, variables: dict[str, Any]) -> None:
        """Plan a jest test file, when the app can compile and run it.

        Otherwise the test is skipped, and one note (added by :meth:`result`) says why and
        how to add tests.

        Args:
            rel: Path relative to the app root.
            template: Its component template.
            variables: The template's variables.
        """
        if not self.host.tests.ready:
            self.skipped_tests.append(rel)
            return
        if not self.create(rel, self.render(template, variables)):
            self.notes.append(f"kept {rel}: it differs from the template (edited by hand?)")

    def create(self, rel: str, data: bytes) -> bool:
        """Plan to create ``rel`` unless it exists; never overwrite.

        Args:
            rel: Path relative to the app root.
            data: The content.

        Returns:
            True if the file is (or will be) exactly ``data``; False if another file
            is already there (left alone).
        """
        current = self.read(rel)
        if current is None:
            self.write(rel, data)
            return True
        return current == data

    def set_json_key(self, rel: str, path: tuple[str, ...], key: str, value: Any) -> None:
        """Plan ``set_key`` on a JSON file."""
        data = self.require(rel, "the service declaration")
        self.write(rel, _json_edit.set_key(data, path, key, value, name=rel))

    def remove_json_key(self, rel: str, path: tuple[str, ...], key: str) -> None:
        """Plan ``remove_key`` on a JSON file."""
        data = self.require(rel, "the service declaration")
        self.write(rel, _json_edit.remove_key(data, path, key, name=rel))

    def add_policies(self, policies: list[dict[str, Any]]) -> None:
        """Plan adding each policy to manifest.json once.

        Args:
            policies: Policy objects (``{"name": ...}``).
        """
        data = self.require(MANIFEST, "the app manifest")
        for policy in policies:
            data = _json_edit.append_item(data, ("policies",), policy, name=MANIFEST)
        self.write(MANIFEST, data)

    def ensure_support(self, store: Store | None, *, routes: bool) -> Store:
        """Plan the shared support files the components import, where missing.

        When ``node/support/processing.ts`` exists, its backend wins: a ``store`` that
        disagrees gives a note and is ignored. Other support files are created only if
        missing and never overwritten.

        Args:
            store: The backend asked for (``--store``), or ``None`` for the default.
            routes: Also make sure ``node/support/http.ts`` exists (route helpers).

        Returns:
            The ledger backend the app uses, whose policies the handler needs.
        """
        existing = self.read(PROCESSING)
        if existing is not None:
            found = detect_store(existing)
            if found is None:
                return store or DEFAULT_STORE
            if store is not None and store != found:
                self.notes.append(
                    f"--store {store} ignored: {PROCESSING} already keeps its records in "
                    f"{found}, and every handler shares that ledger"
                )
            store = found
        store = store or DEFAULT_STORE
        for template, rel in SUPPORT_FILES:
            ledger = "processing" in rel
            if rel.endswith("http.ts") and not routes:
                continue  # only route handlers read request bodies
            if "__tests__" in rel and not self.host.tests.ready:
                continue
            if rel == PLATFORM_MODEL and b"./platformModel" not in (
                self.read(PLATFORM) or b"./platformModel"
            ):
                continue  # a platform.ts from before the split holds its own model
            if (existing is None or not ledger) and self.read(rel) is None:
                self.write(rel, self.render(template, {"store": store}))  # never overwrite
        return store

    # --- undo -------------------------------------------------------------------------

    def delete_if_ours(self, rel: str, renders: list[bytes]) -> None:
        """Plan deleting ``rel`` if it is exactly one of ``renders``; else keep it, saying so.

        Args:
            rel: Path relative to the app root.
            renders: What scaffold would have written there (one per possible variant).
        """
        current = self.read(rel)
        if current is None:
            return
        if current in renders:
            self.changes.delete(Path(rel))
        else:
            self.notes.append(f"kept {rel}: it differs from what scaffold wrote (edited by hand?)")

    def node_sources(self) -> dict[str, bytes]:
        """Every ``.ts`` file under ``node/`` as planned so far (node_modules aside)."""
        names: set[str] = set()
        for folder, dirs, files in os.walk(self.root / "node"):
            dirs[:] = [d for d in dirs if d != "node_modules" and not d.startswith(".")]
            base = Path(folder).relative_to(self.root).as_posix()
            names.update(f"{base}/{name}" for name in files if name.endswith(".ts"))
        names |= {c.rel for c in self.changes.changes if c.rel.endswith(".ts")}
        out: dict[str, bytes] = {}
        for rel in sorted(names):
            data = self.read(rel)
            if data is not None:
                out[rel] = data
        return out

    def imported_by(self, target: str, sources: dict[str, bytes]) -> list[str]:
        """The files among ``sources`` that import the module ``target`` (``node/x/y.ts``).

        Args:
            target: The module's path relative to the app root.
            sources: Files to look in, from :meth:`node_sources`.

        Returns:
            Their paths.
        """
        base = target.removesuffix(".ts")
        out = []
        for rel, data in sources.items():
            if rel == target:
                continue
            for spec in _IMPORT_SPEC.findall(data):
                text = spec.decode("utf-8", "replace")
                if not text.startswith("."):
                    continue
                resolved = posixpath.normpath(posixpath.join(posixpath.dirname(rel), text))
                if resolved.removesuffix(".ts").removesuffix(".js") in {base, f"{base}/index"}:
                    out.append(rel)
                    break
        return out

    def prune_unused(self) -> None:
        """Plan removing support files and policies that nothing in the app uses any more.

        Support files go only in an app ``scaffold new`` did not make (a generated app
        owns them), only when no other module imports them, and only if they are exactly
        what scaffold writes. A policy goes when it is one the add-* commands add and no
        module (tests aside) uses what needs it; the knowledge is the policy check's.
        """
        if not self.generated:
            self._prune_support()
        self._prune_policies()

    def _prune_support(self) -> None:
        templates = {rel: template for template, rel in SUPPORT_FILES}

        def unused(rel: str, *, besides: tuple[str, ...] = ()) -> bool:
            users = self.imported_by(rel, self.node_sources())
            return self.read(rel) is not None and not [u for u in users if u not in besides]

        def drop(rel: str) -> None:
            self.delete_if_ours(rel, [self.render(templates[rel], {"store": s}) for s in STORES])

        if unused(HTTP_HELPERS):
            drop(HTTP_HELPERS)
        if unused(PROCESSING, besides=(PROCESSING_TEST, PLATFORM)) and self.read(PROCESSING_TEST):
            drop(PROCESSING_TEST)
        if unused(PLATFORM):
            drop(PLATFORM)
        if unused(PLATFORM_MODEL):
            drop(PLATFORM_MODEL)
        if unused(PROCESSING):
            drop(PROCESSING)

    def _prune_policies(self) -> None:
        sources = {
            rel: data for rel, data in self.node_sources().items() if "/__tests__/" not in rel
        }
        needed = _policy_needs(b"\n".join(sources.values()))
        # What the removed code (add-* wrote it) needed: only those policies can go.
        removed = b"\n".join(
            c.before or b""
            for c in self.changes.changes
            if c.kind == "delete" and c.rel.endswith(".ts") and "/__tests__/" not in c.rel
        )
        served = _policy_needs(removed)
        data = self.require(MANIFEST, "the app manifest")
        parsed = _json_edit.get(data, (), name=MANIFEST)
        # NOTE: append_item adds a missing `policies` last; one the app had elsewhere stays.
        last = isinstance(parsed, dict) and list(parsed)[-1:] == ["policies"]
        ours = [FIRE_POLICY, LOGS_POLICY, *(p for store in STORES for p in STORE_POLICIES[store])]
        policies = parsed.get("policies") if isinstance(parsed, dict) else None
        items = policies if isinstance(policies, list) else []
        # NOTE: only the run of add-* policies at the end of the array, where append_item
        # put them: a policy the app already had in the middle serves code scaffold cannot
        # see (custom clients, GraphQL), so it stays even when no module names its client.
        tail = len(items)
        while tail > 0 and items[tail - 1] in ours:
            tail -= 1
        # What git holds (committed, else staged) is the app's own: it stays.
        known = _project.git_version(self.root, MANIFEST)
        kept = _json_edit.get(known, ("policies",), [], name=MANIFEST) if known else []
        kept = kept if isinstance(kept, list) else []
        for policy in reversed(items[tail:]):
            name = str(policy["name"])
            # outbound-access (api.vtex.com/dataentities) serves the Master Data client
            key = name if name in needed else "ADMIN_DS"
            if not served[key] or needed[key] or policy in kept:
                break  # it stays, and so does everything the app had before it
            data = _json_edit.remove_item(
                data, ("policies",), policy, prune_empty=last, name=MANIFEST
            )
        self.write(MANIFEST, data)

    # --- the Service maps -------------------------------------------------------------

    def _locate(self, prop: Literal["events", "routes"], hint: str) -> Any:
        from scaffold import _ts_edit

        index = self.require(INDEX, "the entry point that calls new Service")
        return _ts_edit.locate_events(index, self.read, index_file=INDEX, hint=hint, prop=prop)

    def registered(self, prop: Literal["events", "routes"], key: str, module_file: str) -> bool:
        """Tell whether ``key`` is already in the Service's ``events``/``routes`` map.

        Args:
            prop: Which map.
            key: The handler or route id.
            module_file: The module that exports it (for the by-hand hint).

        Returns:
            True if the map has the key.
        """
        from scaffold import _ts_edit

        location = self._locate(prop, _ts_edit.manual_hint(key, key, module_file))
        return bool(location.has_handler(key))

    def register(self, prop: Literal["events", "routes"], key: str, module_file: str) -> None:
        """Plan adding ``key`` (exported by ``module_file`` under that name) to a map.

        Args:
            prop: ``events`` or ``routes``.
            key: The id (same as the exported name).
            module_file: The module that exports it, relative to the app root.
        """
        from scaffold import _ts_edit

        hint = _ts_edit.manual_hint(key, key, module_file)
        if prop == "routes":
            hint = hint.replace("events object", "routes object")
        location = self._locate(prop, hint)
        source = self.require(location.file, "the map's module")
        spec = _ts_edit.relative_import(location.file, module_file)
        self.write(location.file, _ts_edit.add_handler(source, location, key, key, spec))

    def unregister(self, prop: Literal["events", "routes"], key: str, module_file: str) -> None:
        """Plan removing ``key`` and its import from a map (inverse of :meth:`register`)."""
        from scaffold import _ts_edit

        location = self._locate(prop, _ts_edit.manual_hint(key, key, module_file))
        source = self.require(location.file, "the map's module")
        spec = _ts_edit.relative_import(location.file, module_file)
        self.write(location.file, _ts_edit.remove_handler(source, location, key, key, spec))

    def drop_handler(self, prop: Literal["events", "routes"], key: str, module_file: str) -> None:
        """Plan removing ``key`` from a Service map and from service.json (add's inverse).

        A map's option goes with its last key only if it has the shape add-* creates inline
        in ``new Service``, and a service.json section only if it is the file's last key
        (where add-* puts one it creates); an empty map the app already had elsewhere
        (``events: {}``) stays, in both files.

        Args:
            prop: ``events`` or ``routes``.
            key: The handler or route id.
            module_file: The module that exports it, relative to the app root.
        """

        if self.registered(prop, key, module_file):
            self.unregister(prop, key, module_file)
        if key not in self.declared(prop):
            return
        # NOTE: set_key appends a section it creates as the last key of service.json; one
        # the app already had elsewhere stays, even empty.
        service = self.service()
        last = not self.generated and isinstance(service, dict) and list(service)[-1:] == [prop]
        data = self.require(SERVICE, "the service declaration")
        self.write(
            SERVICE, _json_edit.remove_key(data, (prop,), key, prune_empty=last, name=SERVICE)
        )

    # --- result -----------------------------------------------------------------------

    def result(self, *, dry_run: bool = False) -> Result:
        """Summarize the planned changes.

        Args:
            dry_run: Whether the caller will not apply them.

        Returns:
            The result (lists of files and the notes).
        """
        out = Result(self.command, self.name, self.root, notes=list(self.notes), dry_run=dry_run)
        if self.skipped_tests:
            out.notes.append(
                f"tests not added ({self.host.tests.reason}): "
                + ", ".join(self.skipped_tests)
                + "; set up jest and run the command again (docs/commands.md, Tests in an "
                "existing app)"
            )
        if not self.changes.changes:
            out.message = self.message or f"{self.name}: already present; nothing changed"
        for change in self.changes.changes:
            {"create": out.created, "modify": out.modified, "delete": out.deleted}[
                change.kind
            ].append(change.rel)
        return out

    def finish(self, *, dry_run: bool) -> Result:
        """Summarize this edit and, unless ``dry_run``, apply it atomically.

        Args:
            dry_run: Only report and diff; write nothing.

        Returns:
            The result, with the unified diff of every file in ``diff``.

        Raises:
            ProjectError: If git would ignore a file the edit creates (it would not be
                committed, and the app would not build elsewhere).
        """
        from scaffold import _app_docs

        after = _app_docs.refresh(self)  # the app's README graph and CHANGELOG follow the code
        created = [change.rel for change in self.changes.changes if change.kind == "create"]
        ignored = _project.ignore_rules(self.root, created)
        if ignored:
            rel, rule = next(iter(ignored.items()))
            raise ProjectError(
                f"{rel} would be ignored by git ({rule}), so the app would not build from a "
                "clone; narrow that rule (or re-include the folder with a `!` rule) and run again"
            )
        result = self.result(dry_run=dry_run)
        result.diff = self.changes.diff()
        result.inventory = after
        if not dry_run and not result.unchanged:
            self.changes.apply()
        return result


# Placeholder values that cannot occur in a template, to tell its own names from derived ones.
_SENTINELS: dict[str, str] = {
    "handler_id": "qqzh",
    "handler_pascal": "Qqzh",
    "handler_const": "QQZH",
    "handler_kebab": "qqzh",
    "topic": "qqzt",
    "topic_camel": "qqzt",
    "topic_pascal": "Qqzt",
    "topic_const": "QQZT",
}
_SENTINEL_KEYS = {
    "qqzh": "handler_id",
    "Qqzh": "handler_pascal",
    "QQZH": "handler_const",
    "qqzt": "topic_camel",
    "Qqzt": "topic_pascal",
    "QQZT": "topic_const",
}
_SENTINEL_WORD = re.compile("|".join(_SENTINEL_KEYS))
_IDENTIFIER_NODES = frozenset(
    {
        "identifier",
        "type_identifier",
        "shorthand_property_identifier",
        "shorthand_property_identifier_pattern",
    }
)


_IMPORT_SPEC = re.compile(rb"""(?:from|import|require\()\s*['"]([^'"]+)['"]""")


def _policy_needs(code: bytes) -> dict[str, bool]:
    """Which add-* policies ``code`` needs: the policy check's clients, and the logger."""
    return {
        FIRE_POLICY["name"]: b".sendEvent(" in code,
        "vbase-read-write": bool(re.search(rb"\bvbase\b", code)),
        "ADMIN_DS": bool(re.search(rb"\bmasterdata\b", code)),
        LOGS_POLICY["name"]: bool(re.search(rb"\blogger\b", code)),
    }


def _identifiers(source: bytes) -> set[str]:
    """Every name a TypeScript file binds or refers to (not property names, strings)."""
    from scaffold import _ts

    return {
        _ts.text(node)
        for node in _ts.walk(_ts.parse(source).root_node)
        if node.type in _IDENTIFIER_NODES
    }


def _template_kind(template: str) -> str:
    """``consumer``, ``worker``... from a component template's path, for messages."""
    parts = template.split("/")
    kind = parts[-2] if len(parts) > 1 else template
    return f"{kind} test" if ".test." in parts[-1] else kind


def detect_store(processing: bytes) -> Store | None:
    """Tell which backend an existing ``support/processing.ts`` keeps its records in.

    Args:
        processing: The file's bytes.

    Returns:
        ``masterdata``, ``vbase``, or ``None`` if neither client is used.
    """
    # The ledger builds its own client (`new MasterData(`); older ledgers used ctx.clients.
    if b"new MasterData(" in processing or b"clients.masterdata" in processing:
        return "masterdata"
    # `extends VBase`: the ledger's VBase subclass (reads past the SDK's single-flight map).
    if any(mark in processing for mark in (b"new VBase(", b"extends VBase", b"clients.vbase")):
        return "vbase"
    return None


def topics_of(declaration: Any) -> list[str]:
    """Return the topics an event declaration lists (``topics`` and ``keys`` together).

    Args:
        declaration: One value of service.json ``events``.

    Returns:
        The topics, in order, without repeats.
    """
    if not isinstance(declaration, dict):
        return []
    out: list[str] = []
    for field_name in ("topics", "keys"):
        values = declaration.get(field_name)
        for value in values if isinstance(values, list) else []:
            if isinstance(value, str) and value not in out:
                out.append(value)
    return out


def same_declaration(declaration: Any, sender: str, topics: list[str]) -> bool:
    """Tell whether a service.json event declares this sender and these topics.

    Args:
        declaration: One value of service.json ``events``.
        sender: The expected sender.
        topics: The expected topics (order does not matter).

    Returns:
        True if they match.
    """
    return (
        isinstance(declaration, dict)
        and declaration.get("sender") == sender
        and set(topics_of(declaration)) == set(topics)
    )


def describe(declaration: Any) -> str:
    """Show an event declaration briefly (``sender vtex.x, topics a, b``)."""
    if not isinstance(declaration, dict):
        return "something that is not an object"
    return f"sender {declaration.get('sender')}, topics {', '.join(topics_of(declaration))}"


def parse_store(value: str | None) -> Store | None:
    """Validate ``--store``.

    Args:
        value: The flag's value, or ``None``.

    Returns:
        The store, or ``None`` when not given.

    Raises:
        InvalidAnswerError: If it is not one of :data:`STORES`.
    """
    if value is None:
        return None
    for store in STORES:
        if value.strip() == store:
            return store
    from scaffold.errors import InvalidAnswerError

    raise InvalidAnswerError(f"invalid --store {value!r}: choose one of {', '.join(STORES)}")
