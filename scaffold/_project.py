"""Find and read an existing app: its root, manifest, service.json, clients type, test setup."""

from __future__ import annotations

import json
import os
import posixpath
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

from scaffold import _read as _read_file
from scaffold._vtex import INDEX, MANIFEST, PACKAGE, TESTS_TSCONFIG, TSCONFIG
from scaffold.errors import ProjectError


def find_app_root(start: Path, *, how: str = "pass -C PATH") -> Path:
    """Return the folder holding ``manifest.json``, searching ``start`` and its parents.

    Args:
        start: Where to start (usually the current folder or ``-C``).
        how: How the command is given another folder, for the message.

    Returns:
        The app root.

    Raises:
        ProjectError: If no manifest.json is found up to the filesystem root.
    """
    start = start.absolute()
    if not start.exists():
        raise ProjectError(f"{start} does not exist: {how} of an existing app")
    for folder in (start, *start.parents):
        if (folder / MANIFEST).is_file():
            return folder
    raise ProjectError(
        f"no manifest.json in {start} or its parents: run inside a VTEX IO app or {how}"
    )


def read_json(path: Path, *, root: Path | None = None) -> Any:
    """Read a JSON file, turning any failure into one clear line.

    Args:
        path: The file.
        root: The app root, to show ``path`` relative to it.

    Returns:
        The parsed value.

    Raises:
        ProjectError: If the file is missing or is not valid JSON.
    """
    shown = path.relative_to(root).as_posix() if root else str(path)
    try:
        raw = _read_file.read_bytes(path)
    except FileNotFoundError:
        raise ProjectError(f"{shown} is missing: is this a VTEX IO node app?") from None
    except OSError as error:
        raise ProjectError(f"cannot read {shown}: {error.strerror}") from None
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        where = (
            f"{shown}:{error.lineno}:{error.colno}"
            if isinstance(error, json.JSONDecodeError)
            else shown
        )
        raise ProjectError(f"{where}: not valid JSON ({error}); fix it and run again") from None


class App(NamedTuple):
    """An app on disk, as far as scaffold needs to know it."""

    root: Path
    manifest: dict[str, Any]

    @property
    def vendor(self) -> str:
        """The manifest's ``vendor``."""
        return str(self.manifest.get("vendor", ""))

    @property
    def name(self) -> str:
        """The manifest's ``name``."""
        return str(self.manifest.get("name", ""))

    @property
    def app_id(self) -> str:
        """``vendor.name``: the sender of the app's own events."""
        return f"{self.vendor}.{self.name}"

    @property
    def node(self) -> Path:
        """The ``node/`` folder."""
        return self.root / "node"


def load_app(start: Path) -> App:
    """Find the app containing ``start`` and read its manifest.

    Args:
        start: A folder inside the app.

    Returns:
        The app.

    Raises:
        ProjectError: If no app is found or its manifest is broken.
    """
    root = find_app_root(start)
    manifest = read_json(root / MANIFEST, root=root)
    if not isinstance(manifest, dict):
        raise ProjectError("manifest.json: expected a JSON object at the top level")
    return App(root=root, manifest=manifest)


# --- the host app: what the code scaffold adds must fit --------------------------------

ReadFile = Callable[[str], "bytes | None"]
"""Return a file's bytes given its path relative to the app root, or ``None``."""

# Only a ServiceContext serves HTTP handlers (ctx.req, ctx.status...): apps built around
# events often declare `type Context = EventContext<Clients, State>` instead.
_GLOBAL_CONTEXT = re.compile(rb"\btype\s+Context\s*(?:<[^=]*>)?\s*=\s*ServiceContext\b")


class Clients(NamedTuple):
    """The clients type the app's Service uses, as code in ``node/<folder>/`` must name it.

    Attributes:
        name: The type's name (``Clients``; ``IOClients`` when the app has none of its own).
        module: The import specifier from a file one folder below ``node/`` (``../clients``),
            or ``""`` when the type comes from ``@vtex/api``.
        context: The app declares a global ``Context`` type (``ServiceContext<...>``).
    """

    name: str = "IOClients"
    module: str = ""
    context: bool = False


class TestSetup(NamedTuple):
    """Whether the app can compile and run the jest tests scaffold adds.

    Attributes:
        ready: Tests can be added as they are.
        reason: Why not, as a clause (``node/package.json has no jest``), when not ready.
    """

    ready: bool
    reason: str = ""


class Host(NamedTuple):
    """What scaffold read from an app before writing into it.

    Attributes:
        clients: The clients type and where it comes from.
        tests: Whether the app can take the tests.
    """

    clients: Clients
    tests: TestSetup

    def template_vars(self) -> dict[str, object]:
        """The variables component templates use to fit this app.

        Returns:
            ``clients_type``, ``clients_from`` (``""``: from @vtex/api) and
            ``context_type`` (``Context`` or a ``ServiceContext<...>`` built here).
        """
        context = "Context" if self.clients.context else f"ServiceContext<{self.clients.name}>"
        return {
            "clients_type": self.clients.name,
            "clients_from": self.clients.module,
            "context_type": context,
        }


DEFAULT_HOST_VARS: dict[str, object] = {
    "clients_type": "Clients",
    "clients_from": "../clients",
    "context_type": "Context",
}
"""What ``scaffold new`` renders: its own ``Clients`` class and global ``Context``."""


def read_host(root: Path, read: ReadFile, index_file: str = INDEX) -> Host:
    """Read the clients type and the test setup of the app at ``root``.

    Args:
        root: The app root.
        read: Reads a file as planned so far (path relative to the root).
        index_file: The file that calls ``new Service``.

    Returns:
        What the app uses.
    """
    return Host(read_clients(root, read, index_file), read_test_setup(read))


def read_clients(root: Path, read: ReadFile, index_file: str = INDEX) -> Clients:
    """Find the clients type ``new Service`` is built with, and how to import it.

    Looked for, in order: ``new Service<C, ...>``, then ``clients: { implementation: C }``
    (inline, a const, or imported). A name that cannot be followed to an exported type or a
    module that exists gives ``IOClients``: every app's clients extend it, so handlers typed
    with it fit any Service.

    Args:
        root: The app root (to find a global ``Context`` declaration).
        read: Reads a file as planned so far.
        index_file: The file that calls ``new Service``.

    Returns:
        The clients type.
    """
    from scaffold import _service_map

    context = _declares_global_context(root, read, index_file)
    data = read(index_file)
    if data is None:
        return Clients(context=context)

    def load(rel: str) -> _service_map.Source | None:
        found = read(rel)
        return None if found is None else _service_map.Source.parse(rel, found)

    index = _service_map.Source.parse(index_file, data)
    found = _service_map.Resolver(load, "clients").service_map(index)
    for file, name in _clients_names(index, found):
        clients = _import_of(file, name, read)
        if clients is not None:
            return Clients(clients[0], clients[1], context)
    return Clients(context=context)


def _clients_names(index: Any, found: Any) -> list[tuple[Any, str]]:
    """Where the clients type is named: ``new Service<C>``, then ``implementation: C``."""
    from scaffold import _ts

    candidates: list[tuple[Any, str]] = []
    if found.service is not None:
        args = found.service.child_by_field_name("type_arguments")
        first = args.named_children[0] if args is not None and args.named_children else None
        if first is not None and first.type == "type_identifier":
            candidates.append((index, _ts.text(first)))
    if found.map is None or found.map[1].type != "object":
        return candidates
    file, obj = found.map
    for member in obj.named_children:
        if member.type == "shorthand_property_identifier" and _ts.text(member) == "implementation":
            candidates.append((file, "implementation"))
        key = member.child_by_field_name("key")
        value = member.child_by_field_name("value")
        if member.type == "pair" and key is not None and _ts.key_text(key) == "implementation":
            if value is not None and value.type == "identifier":
                candidates.append((file, _ts.text(value)))
    return candidates


def _import_of(file: Any, name: str, read: ReadFile) -> tuple[str, str] | None:
    """``(type name, specifier from node/<dir>/)`` to import ``name`` as seen in ``file``."""
    from scaffold import _ts

    for statement in file.root.named_children:
        if statement.type == "import_statement":
            source = statement.child_by_field_name("source")
            clause = next((c for c in statement.named_children if c.type == "import_clause"), None)
            if source is None or clause is None:
                continue
            spec = "".join(_ts.text(p) for p in source.named_children)
            for part in clause.named_children:
                if part.type != "named_imports":
                    continue
                for item in part.named_children:
                    imported = item.child_by_field_name("name")
                    local = item.child_by_field_name("alias") or imported
                    if imported is None or local is None or _ts.text(local) != name:
                        continue
                    return _from_node_dir(file.rel, spec, _ts.text(imported), read)
        declaration = statement.child_by_field_name("declaration")
        if statement.type == "export_statement" and declaration is not None:
            ident = declaration.child_by_field_name("name")
            if (
                declaration.type in {"class_declaration", "interface_declaration"}
                and ident is not None
                and _ts.text(ident) == name
                and not any(c.type == "default" for c in statement.children)
            ):
                module = posixpath.splitext(file.rel)[0]
                return _from_node_dir(file.rel, "./" + posixpath.basename(module), name, read)
    return None


def _from_node_dir(rel: str, spec: str, name: str, read: ReadFile) -> tuple[str, str] | None:
    """Re-express ``spec`` (imported in ``rel``) for a file in a folder below ``node/``."""
    if not spec.startswith("."):
        return (name, "") if spec == "@vtex/api" and name == "IOClients" else (name, spec)
    from scaffold._app_files import import_candidates

    candidates = import_candidates(rel, spec)
    if not any(read(candidate) is not None for candidate in candidates):
        return None
    base = candidates[0].removesuffix(".ts")
    if not base.startswith("node/"):
        return None
    inside = base.removeprefix("node/").removesuffix("/index")
    return name, f"../{inside}"


def _declares_global_context(root: Path, read: ReadFile, index_file: str) -> bool:
    """Whether a module of the app declares a global ``Context`` that is a ServiceContext."""
    from scaffold._app_files import TEST_FOLDERS, ts_files

    def declares(rel: str) -> bool:
        data = read(rel)
        return bool(data and b"declare global" in data and _GLOBAL_CONTEXT.search(data))

    # The index first (where a generated app declares it): the others are listed only
    # when it does not (a .d.ts counts: that is where a global is declared).
    if declares(index_file):
        return True
    return any(
        declares(rel)
        for rel in ts_files(root, rglob=True)
        if not TEST_FOLDERS & set(rel.split("/")) and rel != index_file
    )


def read_test_setup(read: ReadFile) -> TestSetup:
    """Tell whether jest tests added under ``node/__tests__/`` would compile and run.

    They need jest itself (``@vtex/test-tools`` brings jest 25, which runs the shared fakes
    as a suite and cannot load today's ``@vtex/api``), jest's types (``@types/jest``),
    ``nock`` (the tests answer the real clients' HTTP with a model of the services), and a
    tsconfig that lets those types in: its own ``__tests__/tsconfig.json``, or a
    build ``tsconfig.json`` whose ``types`` (when given) lists ``jest``.

    Args:
        read: Reads a file as planned so far.

    Returns:
        Ready, or why not.
    """
    package = _loose_json(read(PACKAGE))
    deps: dict[str, Any] = {}
    for section in ("dependencies", "devDependencies"):
        value = package.get(section)
        deps |= value if isinstance(value, dict) else {}
    if "jest" not in deps:
        if "@vtex/test-tools" in deps:
            # NOTE: its jest 25 runs every file under __tests__ as a suite (the shared fakes
            # too) and cannot resolve the package exports @vtex/api 6.5x loads at run time.
            return TestSetup(
                False, "node/package.json runs jest through @vtex/test-tools (jest 25)"
            )
        return TestSetup(False, "node/package.json has no jest")
    if "@types/jest" not in deps:
        return TestSetup(False, "node/package.json has no @types/jest")
    if "nock" not in deps:
        # The tests run the real @vtex/api clients against an HTTP model (nock).
        return TestSetup(False, "node/package.json has no nock")
    if read(TESTS_TSCONFIG) is not None:
        return TestSetup(True)
    options = _loose_json(read(TSCONFIG)).get("compilerOptions")
    types = options.get("types") if isinstance(options, dict) else None
    if isinstance(types, list) and "jest" not in types:
        return TestSetup(False, 'node/tsconfig.json lists "types" without "jest"')
    return TestSetup(True)


def _loose_json(data: bytes | None) -> dict[str, Any]:
    """Parse JSON (or tsconfig's JSON with comments) into a dict; ``{}`` if it cannot."""
    if data is None:
        return {}
    text = data.decode("utf-8-sig", errors="replace")
    for attempt in (text, _strip_json_comments(text)):
        try:
            value = json.loads(attempt)
        except json.JSONDecodeError:
            continue
        return value if isinstance(value, dict) else {}
    return {}


def _strip_json_comments(text: str) -> str:
    """Drop ``//`` and ``/* */`` comments and trailing commas outside strings."""
    out = re.sub(
        r'("(?:\\.|[^"\\])*")|//[^\n]*|/\*.*?\*/', lambda m: m.group(1) or "", text, flags=re.S
    )
    return re.sub(r",(\s*[}\]])", r"\1", out)


# --- git-ignore rules ---------------------------------------------------------------------


def ignore_rules(root: Path, rels: list[str]) -> dict[str, str]:
    """Tell which of ``rels`` git would ignore, and by which rule.

    Asks git (``git check-ignore``: every source of rules, global excludes included) when
    ``root`` is in a work tree; otherwise reads the ``.gitignore`` files from ``root`` down.

    Args:
        root: The app root.
        rels: Paths relative to ``root`` (files that do not exist yet are fine).

    Returns:
        ``{rel: "<source>:<line>: <pattern>"}`` for each ignored path.
    """
    if not rels:
        return {}
    found = _git_check_ignore(root, rels)
    return found if found is not None else _gitignore_files(root, rels)


def _git_check_ignore(root: Path, rels: list[str]) -> dict[str, str] | None:
    """``git check-ignore -v``; ``None`` when there is no git or no repository."""
    import subprocess

    if not _maybe_in_repository(root):
        return None  # git would find no repository from here (exit 128): spare the process
    try:
        done = subprocess.run(
            ["git", "-C", str(root), "check-ignore", "-v", "-z", "--stdin"],
            input=b"\0".join(rel.encode() for rel in rels) + b"\0",
            capture_output=True,
            check=False,
            timeout=30,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode not in (0, 1):
        return None  # 128: not a git repository
    fields = done.stdout.split(b"\0")
    out: dict[str, str] = {}
    for i in range(0, len(fields) - 3, 4):
        source, line, pattern, path = (f.decode("utf-8", "replace") for f in fields[i : i + 4])
        if source and not pattern.startswith("!"):
            shown = Path(source)
            if shown.is_absolute():
                shown = Path(os.path.relpath(shown, root))
            out[path] = f"{shown.as_posix()}:{line}: {pattern}"
    return out


def _maybe_in_repository(root: Path) -> bool:
    """False only when git cannot find a repository from ``root``: no ``GIT_DIR`` and no
    ``.git`` in ``root`` or above it, along its path as given or as resolved."""
    if "GIT_DIR" in os.environ or "GIT_WORK_TREE" in os.environ:
        return True
    given, real = root.absolute(), root.resolve()
    folders = {given, *given.parents, real, *real.parents}
    return any((folder / ".git").exists() for folder in folders)


def _gitignore_files(root: Path, rels: list[str]) -> dict[str, str]:
    """Match ``rels`` against the ``.gitignore`` files of ``root`` and its subfolders.

    Like git, a file inside an ignored folder is ignored whatever later rules say.
    """
    out: dict[str, str] = {}
    files: dict[str, list[str] | None] = {}
    specs: dict[str, Any] = {}
    for rel in rels:
        parts = rel.split("/")
        for end in range(1, len(parts) + 1):
            path = "/".join(parts[:end]) + ("/" if end < len(parts) else "")
            rule = _ignored_by_files(root, path, files, specs)
            if rule is not None:
                out[rel] = rule
                break
    return out


def _ignored_by_files(
    root: Path, path: str, files: dict[str, list[str] | None], specs: dict[str, Any]
) -> str | None:
    """The rule that ignores ``path`` (a folder ends with ``/``), deepest file last.

    ``files`` caches each folder's ``.gitignore`` lines (``None``: no file) and ``specs``
    their compiled form, built (and pathspec imported) only for a file with a line that
    :func:`_may_match` the path: most edits create paths no rule can touch.
    """
    parts = path.rstrip("/").split("/")
    verdict: tuple[bool, str] | None = None
    for depth in range(len(parts)):
        folder = "/".join(parts[:depth])
        if folder not in files:
            ignore = root / folder / ".gitignore"
            files[folder] = (
                ignore.read_text(encoding="utf-8", errors="replace").splitlines()
                if ignore.is_file()
                else None
            )
        lines = files[folder]
        below = path[len(folder) + 1 :] if folder else path
        if lines is None or not any(_may_match(line, below) for line in lines):
            continue
        if folder not in specs:
            import pathspec

            specs[folder] = pathspec.GitIgnoreSpec.from_lines(lines)
        result = specs[folder].check_file(below)
        if result.include is not None and result.index is not None:
            shown = (Path(folder) / ".gitignore").as_posix()
            verdict = (result.include, f"{shown}:{result.index + 1}: {lines[result.index].strip()}")
    return verdict[1] if verdict is not None and verdict[0] else None


# Where a gitignore pattern's literal text is cut: wildcards and slashes (``**/`` and a
# leading ``/`` match an empty prefix, so a slash is not required to occur).
_NOT_LITERAL = re.compile(r"[*?/]+")


def _may_match(line: str, path: str) -> bool:
    """Whether the ``.gitignore`` line could match ``path`` at all: a cheap necessary test.

    Wildcards (``*``, ``**``, ``?``) stand only for characters of the path, and a slash may
    fall away (``**/``, a leading ``/``), so every run of other characters in the line must
    occur in the path as it is (case aside: git may ignore case). A line with an escape or a
    bracket expression is always a "maybe".
    Written by hand as a filter only: when it says "maybe", pathspec decides.

    Args:
        line: One line of a ``.gitignore`` file.
        path: A path relative to that file's folder (a folder ends with ``/``).

    Returns:
        False only when no gitignore matching could make the line match the path.
    """
    pattern = line.strip()
    if not pattern or pattern.startswith("#"):
        return False
    if "\\" in pattern or "[" in pattern:
        return True
    where = path.lower()
    pieces = _NOT_LITERAL.split(pattern.removeprefix("!").lower())
    return all(piece in where for piece in pieces)


def git_version(root: Path, rel: str) -> bytes | None:
    """The committed (else staged) bytes of ``rel``, if ``root`` is in a git work tree.

    Args:
        root: The app root.
        rel: A path relative to it.

    Returns:
        The bytes git holds, or ``None`` (no git, no repository, not tracked).
    """
    import subprocess

    for spec in (f"HEAD:./{rel}", f":./{rel}"):
        try:
            done = subprocess.run(
                ["git", "-C", str(root), "show", spec], capture_output=True, check=False, timeout=30
            )
        except (OSError, subprocess.SubprocessError):
            return None
        if done.returncode == 0:
            return done.stdout
    return None
