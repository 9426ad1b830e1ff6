"""Shared planning for the ``add-*`` / ``remove-*`` commands: one app, one ChangeSet.

An :class:`Edit` reads the app through its ChangeSet (so later steps see earlier planned
writes), renders component templates, edits JSON and the Service maps, and collects notes
for the person. Nothing touches the disk until the caller applies ``edit.changes``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from scaffold import _app_files, _clashes, _json_edit, _names, _project, _service_json, _vtex
from scaffold._changes import ChangeSet, Diffs, Written
from scaffold._vtex import (
    DEFAULT_STORE,
    HTTP_HELPERS,
    INDEX,
    PLATFORM,
    PLATFORM_MODEL,
    PROCESSING,
    PROCESSING_TEST,
    SERVICE,
    Store,
)
from scaffold.errors import ConflictError, InvalidAnswerError, ProjectError

if TYPE_CHECKING:
    from scaffold._inventory import Inventory

# (template, file) of the support code every handler imports; http.ts serves the routes.
SUPPORT_FILES: tuple[tuple[str, str], ...] = (
    ("templates/components/support/processing.ts.jinja", PROCESSING),
    ("templates/components/support/processing.test.ts.jinja", PROCESSING_TEST),
    ("templates/components/support/platform.ts.jinja", PLATFORM),
    ("templates/components/support/platformModel.ts.jinja", PLATFORM_MODEL),
    ("templates/components/support/http.ts.jinja", HTTP_HELPERS),
)


@dataclass
class Result(Written):
    """What an editing command did (or, before ``apply``, would do); files as :class:`Written`.

    Attributes:
        command: The command name (``add-event``...).
        name: The handler id or topic the command was about.
        root: The app root.
        notes: Things the person should know (files kept, flags ignored).
        message: Why nothing changed, when nothing did.
        inventory: The app's inventory as the edit leaves it, when the edit already read
            it (to redraw the README graph), so next steps need not read it again.
    """

    command: str
    name: str
    root: Path
    notes: list[str] = field(default_factory=list)
    message: str = ""
    inventory: Inventory | None = field(default=None, repr=False, compare=False)

    def to_json(self) -> str:
        """The machine-readable summary an editing command's ``--json`` prints."""
        return json.dumps(
            {
                "command": self.command,
                "name": self.name,
                "root": str(self.root),
                "dry_run": self.dry_run,
                "unchanged": self.unchanged,
                **self.files_json(),
                "notes": self.notes,
                "message": self.message,
            },
            indent=2,
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
        self._located: dict[str, tuple[Any, dict[str, bytes | None]]] = {}  # see _locate
        # The Service maps as _locate read them, with the bytes of every file it read.
        self._maps: dict[str, tuple[Any, dict[str, bytes | None]]] = {}
        # `scaffold new` made this app: it owns the support files, both service.json
        # sections and its (possibly empty) folders, so undo leaves those alone.
        self.generated = (self.root / ".copier-answers.yml").is_file()
        self.changes.remove_empty_folders = not self.generated
        if not self.app.vendor or not self.app.name:
            raise ProjectError("manifest.json: `vendor` and `name` are required; add them")
        # They reach TypeScript strings, route paths and senders: refuse what is not an id.
        for key, validate in (
            ("vendor", _names.validate_vendor),
            ("name", _names.validate_app_name),
        ):
            try:
                validate(str(getattr(self.app, key)))
            except InvalidAnswerError as error:
                raise ProjectError(f"manifest.json: `{key}`: {error}; fix it there") from None

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
        return _service_json.section(self.service(), section)

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

        See :func:`scaffold._clashes.check_names`.

        Raises:
            ConflictError: Naming the identifier and what it clashes with.
        """
        _clashes.check_names(
            lambda names: self.render(template, names), template, variables, what, value
        )

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
        """Plan ``set_key`` on a JSON file (an add-* records a top-level object it creates)."""
        from scaffold import _provenance

        data = self.require(rel, "the service declaration")
        if len(path) == 1:
            found = _json_edit.get(data, path, None, name=rel)
            if found is None:
                _provenance.note_created(self, f"{rel} {path[0]}")
            elif found == {}:
                what = f"{rel} {path[0]}"
                _provenance.note_empty(self, what, data, _provenance.json_brace(data, path[0]))
        self.write(rel, _json_edit.set_key(data, path, key, value, name=rel))

    def remove_json_key(self, rel: str, path: tuple[str, ...], key: str) -> None:
        """Plan ``remove_key`` on a JSON file."""
        data = self.require(rel, "the service declaration")
        self.write(rel, _json_edit.remove_key(data, path, key, name=rel))

    def add_policies(self, policies: list[dict[str, Any]]) -> None:
        """Plan adding each policy to manifest.json once, recording what an add-* brought.

        Args:
            policies: Policy objects (``{"name": ...}``).
        """
        from scaffold import _provenance

        fresh = any(change.kind == "create" for change in self.changes.changes)
        _provenance.add_policies(self, policies, fresh=fresh)

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
            found = _vtex.detect_store(existing)
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
        names = set(_app_files.ts_files(self.root))
        names |= {c.rel for c in self.changes.changes if c.rel.endswith(".ts")}
        out: dict[str, bytes] = {}
        for rel in sorted(names):
            data = self.read(rel)
            if data is not None:
                out[rel] = data
        return out

    def refuse_other_handler(self, ident: str, kind: Literal["consumer", "worker"]) -> None:
        """Refuse to remove ``ident`` as a ``kind`` when only the other kind's module exists.

        Args:
            ident: The handler id.
            kind: What the remove-* command removes.

        Raises:
            ConflictError: Naming the command that removes the other kind.
        """
        other: Literal["consumer", "worker"] = "worker" if kind == "consumer" else "consumer"
        theirs = _vtex.component_file(other, ident)
        if self.read(_vtex.component_file(kind, ident)) is None and self.read(theirs) is not None:
            remover = "remove-worker" if other == "worker" else "remove-event"
            raise ConflictError(
                f"{ident!r} is a {other} ({theirs}), not a {kind}: run `scaffold {remover} {ident}`"
            )

    # --- the Service maps -------------------------------------------------------------

    def _locate(self, prop: Literal["events", "routes"], hint: str) -> Any:
        from scaffold import _ts_edit

        index = self.require(INDEX, "the entry point that calls new Service")
        # The bytes of every file the search read: while none has changed, the map is
        # where it was found (an add-* asks twice: is the key there, then add it).
        cached = self._located.get(prop)
        if cached is not None and all(self.read(rel) == data for rel, data in cached[1].items()):
            return cached[0]
        seen: dict[str, bytes | None] = {INDEX: index}

        def read(rel: str) -> bytes | None:
            data = seen[rel] = self.read(rel)
            return data

        keep: dict[str, Any] = {}
        location = _ts_edit.locate_events(
            index, read, index_file=INDEX, hint=hint, prop=prop, keep=keep
        )
        self._located[prop] = (location, seen)
        self._maps[prop] = (keep[prop], seen)
        return location

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
        from scaffold import _provenance

        if location.missing:
            _provenance.note_created(self, f"{location.file} {prop}")
        elif not location.keys:
            brace = location.offset + (3 if source.startswith(b"\xef\xbb\xbf") else 0)
            _provenance.note_empty(self, f"{location.file} {prop}", source, brace)

    def unregister(self, prop: Literal["events", "routes"], key: str, module_file: str) -> None:
        """Plan removing ``key`` and its import from a map (inverse of :meth:`register`)."""
        from scaffold import _provenance, _ts_edit

        location = self._locate(prop, _ts_edit.manual_hint(key, key, module_file))
        source = self.require(location.file, "the map's module")
        spec = _ts_edit.relative_import(location.file, module_file)
        what = f"{location.file} {prop}"
        created = _provenance.was_created(self, what)
        after = _ts_edit.remove_handler(source, location, key, key, spec, created=created)
        self.write(location.file, after)
        if created and location.keys == (key,):
            _provenance.forget_created(self, what)
        elif location.keys == (key,) and not self._locate(prop, "").missing:
            emptied = self._locate(prop, "")  # where the map's `{` is now
            brace = emptied.offset + (3 if after.startswith(b"\xef\xbb\xbf") else 0)
            self.write(location.file, _provenance.restore_empty(self, what, after, brace))

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
        from scaffold import _provenance

        service = self.service()
        what = f"{SERVICE} {prop}"
        created = _provenance.was_created(self, what)
        if created is None:
            last = not self.generated and isinstance(service, dict) and list(service)[-1:] == [prop]
        else:
            last = created
        data = self.require(SERVICE, "the service declaration")
        data = _json_edit.remove_key(data, (prop,), key, prune_empty=last, name=SERVICE)
        brace = _provenance.json_brace(data, prop)
        self.write(SERVICE, _provenance.restore_empty(self, what, data, brace))
        if created and list(self.declared(prop)) == []:
            _provenance.forget_created(self, what)

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
        out.record(self.changes.changes)
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
        from scaffold import _app_docs, _provenance

        # The app's README graph and CHANGELOG follow the code.
        after = _app_docs.refresh(self.changes, focus={self.name}, maps=self._maps)
        # NOTE: the provenance record may be git-ignored: remove-* then keeps every policy.
        created = [
            change.rel
            for change in self.changes.changes
            if change.kind == "create" and change.rel != _provenance.RECORD
        ]
        ignored = _project.ignore_rules(self.root, created)
        if ignored:
            rel, rule = next(iter(ignored.items()))
            raise ProjectError(
                f"{rel} would be ignored by git ({rule}), so the app would not build from a "
                "clone; narrow that rule (or re-include the folder with a `!` rule) and run again"
            )
        result = self.result(dry_run=dry_run)
        result.diff = Diffs(self.changes.changes)
        result.inventory = after
        if not dry_run and not result.unchanged:
            self.changes.apply()
        return result
