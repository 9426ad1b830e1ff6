"""Loading an app's files for the rules: parsed .ts modules, JSON with key positions."""

from __future__ import annotations

import json
import os
import posixpath
import re
import stat
from bisect import bisect_right
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scaffold import _read as _read_file
from scaffold import _ts
from scaffold._app_files import ts_files
from scaffold._rules._base import Finding, Severity
from scaffold._service_map import Resolver

if TYPE_CHECKING:
    from tree_sitter import Node, Tree

# The node types the rules look up with Module.nodes: one walk finds them all (see
# scaffold._ts.INDEXED, which also holds the types the service map looks for).
INDEXED = _ts.INDEXED
_SUPPRESS = re.compile(r"scaffold-check:\s*ignore\b([\sA-Za-z0-9,-]*)")


@dataclass
class Module:
    """A parsed TypeScript file.

    Attributes:
        path: Absolute path.
        rel: Path relative to the app root, ``/``-separated.
        source: The bytes that were parsed (BOM removed).
        tree: The tree-sitter tree.
    """

    path: Path
    rel: str
    source: bytes
    tree: Tree
    _suppressed: dict[int, frozenset[str]] | None = field(default=None, repr=False)
    _index: dict[str, list[Node]] | None = field(default=None, repr=False)
    _root: Node | None = field(default=None, repr=False)
    _imports: list[_ts.Imported] | None = field(default=None, repr=False)
    memo: dict[str, Any] = field(default_factory=dict, repr=False)
    """What the rules derive from the module once and share (e.g. its log calls)."""

    @property
    def root(self) -> Node:
        """The ``program`` node (one object: the children it has listed stay listed)."""
        if self._root is None:
            self._root = self.tree.root_node
        return self._root

    @property
    def imports(self) -> list[_ts.Imported]:
        """The names its top-level imports bind (:func:`scaffold._ts.imported_names`), read
        once."""
        if self._imports is None:
            self._imports = _ts.imported_names(self.root)
        return self._imports

    def nodes(self, *types: str) -> list[Node]:
        """Every node of these types in the file, in document order (indexed on first use).

        The types the rules ask for (:data:`INDEXED`) are found by one walk over the named
        nodes per file (:func:`scaffold._ts.index`). Any other type is found by walking the
        whole tree once.

        Args:
            types: tree-sitter node types, e.g. ``"call_expression"``.

        Returns:
            The nodes, outer before inner when they start at the same byte.
        """
        if self._index is None:
            self._index = _ts.index(self.root)
        if not INDEXED.issuperset(types) and "" not in self._index:
            for node in _ts.walk(self.root):
                if node.type not in INDEXED:
                    self._index.setdefault(node.type, []).append(node)
            self._index[""] = []  # the rest is indexed too
        if len(types) == 1:
            return self._index.get(types[0], [])
        found = [node for kind in types for node in self._index.get(kind, [])]
        return sorted(found, key=lambda n: (n.start_byte, -n.end_byte))

    def position(self, node: Node) -> tuple[int, int]:
        """Return the 1-based line and character column where ``node`` starts.

        Args:
            node: A node of this module's tree.

        Returns:
            ``(line, column)``.
        """
        row, col = node.start_point
        line_start = node.start_byte - col
        prefix = self.source[line_start : node.start_byte].decode("utf-8", errors="replace")
        return row + 1, len(prefix) + 1

    def finding(
        self,
        node: Node,
        rule: str,
        severity: Severity,
        message: str,
        data: tuple[tuple[str, str], ...] = (),
    ) -> Finding:
        """Build a finding located at ``node``.

        Args:
            node: Where the problem is.
            rule: Rule id.
            severity: Severity of this finding.
            message: One-line message.
            data: What it is about, for a fixer (:attr:`Finding.data`).

        Returns:
            The finding.
        """
        line, col = self.position(node)
        return Finding(self.rel, line, col, rule, severity, message, data)

    def suppressed(self, line: int, rule: str) -> bool:
        """Return whether a ``// scaffold-check: ignore [IDS]`` comment silences a finding.

        The comment applies to its own line and the line after it; without ids it silences
        every rule there.

        Args:
            line: 1-based line of the finding.
            rule: The finding's rule id.

        Returns:
            True if the finding is silenced.
        """
        if self._suppressed is None:
            self._suppressed = {}
            for node in self.nodes("comment"):
                match = _SUPPRESS.search(_ts.text(node))
                if match is None:
                    continue
                ids = frozenset(re.findall(r"SC\d{3}", match.group(1).upper()))
                first = node.start_point[0] + 1
                for covered in (first, node.end_point[0] + 2):
                    self._suppressed[covered] = self._suppressed.get(covered, frozenset()) | (
                        ids or frozenset({"*"})
                    )
        ids = self._suppressed.get(line, frozenset())
        return "*" in ids or rule in ids


class Project:
    """An app's files, each read and parsed at most once.

    Args:
        root: The app root (the folder holding manifest.json).
    """

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.node = self.root / "node"
        self.findings: list[Finding] = []
        self._modules: dict[Path, Module | None] = {}
        self._folders: dict[str, str] = {}
        self._listed: dict[tuple[str, ...], list[Path]] = {}  # three rules list the same files
        self._resolver: Resolver[Module] | None = None
        self._paths: dict[str, Path] = {}
        self._rels: dict[Path, str] = {}  # the other way round: no relative_to for these

    @property
    def resolver(self) -> Resolver[Module]:
        """The one resolver of names across the app's modules: the events map and the
        rules follow the same imports, each file's bindings and exports read once."""
        if self._resolver is None:
            self._resolver = Resolver(lambda rel: self.module(self.path(rel)))
        return self._resolver

    def rel(self, path: Path) -> str:
        """Return ``path`` relative to the app root, ``/``-separated."""
        known = self._rels.get(path)
        if known is not None:
            return known
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()

    def module(self, path: Path) -> Module | None:
        """Parse a .ts file once; a file that does not parse cleanly also yields an SC000.

        Args:
            path: Absolute path of the file.

        Returns:
            The module (possibly with error nodes), or None if it cannot be read.
        """
        if path in self._modules:  # already seen under this spelling: skip realpath
            return self._modules[path]
        given = path
        path = self._real(path)
        if path in self._modules:
            self._modules[given] = self._modules[path]
            return self._modules[path]
        module: Module | None = None
        try:
            raw = _read_file.read_bytes(path)
        except OSError as error:
            raw = None
            if path.exists():
                self.unreadable(self.rel(given), error)  # the app's name, not a link's target
        if raw is not None:
            source = raw.removeprefix(_ts.BOM)
            module = Module(path, self.rel(path), source, _ts.parse(source))
            if module.root.has_error:
                bad = _ts.first_error(module.root)
                self.findings.append(
                    module.finding(
                        bad,
                        "SC000",
                        "warning",
                        "tree-sitter cannot parse this file; findings here may be incomplete",
                    )
                )
        self._modules[path] = self._modules[given] = module
        return module

    def read_rels(self) -> set[str]:
        """The paths (relative to the root) of the modules read so far: each is a regular
        file that was there when it was read.

        Returns:
            A new set.
        """
        return {module.rel for module in self._modules.values() if module is not None}

    def _real(self, path: Path) -> Path:
        """``path.resolve()``, resolving each folder once (a file costs one ``lstat``)."""
        # On strings: a Path's parent, join and comparison each parse parts again.
        parent, name = os.path.split(str(path))
        folder = self._folders.get(parent)
        if folder is None:
            folder = self._folders[parent] = str(Path(parent).resolve())
        real = path if folder == parent else Path(folder, name)
        try:
            link = stat.S_ISLNK(os.lstat(real).st_mode)
        except (OSError, ValueError):  # as Path.is_symlink
            link = False
        return real.resolve() if link else real

    def unreadable(self, rel: str, error: OSError) -> None:
        """Record that a file exists but cannot be read (an SC000 error, once per file)."""
        why = error.strerror or type(error).__name__
        finding = Finding(rel, 1, 1, "SC000", "error", f"cannot read this file ({why})")
        if finding not in self.findings:
            self.findings.append(finding)

    def ts_files(self, *folders: str) -> list[Path]:
        """List the .ts files under ``node/<folder>`` (or all of ``node/``), tests excluded.

        Args:
            folders: Folder names under ``node/``; none means the whole ``node/`` folder.

        Returns:
            Sorted absolute paths.
        """
        if folders in self._listed:
            return self._listed[folders]
        found: set[str] = set()
        for base in [f"node/{name}" for name in folders] or ["node"]:
            found.update(ts_files(self.root, base, tests=False, onerror=self._unlistable))
        # Sorted as paths sort (part by part), without making and comparing Path objects.
        ordered = sorted(found, key=lambda rel: rel.split("/"))
        self._listed[folders] = [self.path(rel) for rel in ordered]
        return self._listed[folders]

    def path(self, rel: str) -> Path:
        """``root / rel``, one object per path: every lookup of it reuses its hash."""
        found = self._paths.get(rel)
        if found is None:
            found = self._paths[rel] = self.root / rel
            if posixpath.normpath(rel) == rel:  # what relative_to would give back
                self._rels.setdefault(found, rel)
        return found

    def _unlistable(self, error: OSError) -> None:
        if error.filename and Path(error.filename).exists():
            self.unreadable(self.rel(Path(error.filename)), error)

    def json(self, rel: str) -> JsonFile | None:
        """Read a JSON file; invalid JSON yields an SC000 error and None.

        Args:
            rel: Path relative to the app root.

        Returns:
            The parsed file, or None if it is missing or invalid.
        """
        path = self.root / rel
        try:
            text = _read_file.read_bytes(path).decode("utf-8-sig")
            data = json.loads(text)
        except OSError as error:
            if path.exists():
                self.unreadable(rel, error)
            return None
        except UnicodeDecodeError as error:
            self.findings.append(
                Finding(rel, 1, 1, "SC000", "error", f"not UTF-8 ({error.reason})")
            )
            return None
        except json.JSONDecodeError as error:
            self.findings.append(
                Finding(
                    rel, error.lineno, error.colno, "SC000", "error", f"not valid JSON: {error.msg}"
                )
            )
            return None
        return JsonFile(rel, text, data)


class JsonFile:
    """A parsed JSON file that knows where each object key is written.

    Args:
        rel: Path relative to the app root.
        text: The decoded text (already known to be valid JSON).
        data: The parsed value.
    """

    def __init__(self, rel: str, text: str, data: Any) -> None:
        self.rel = rel
        self.text = text
        self.data = data
        self._data = text.encode("utf-8")
        self._keys: dict[tuple[str, ...], int] | None = None
        self._lines = [0] + [m.end() for m in re.finditer(b"\n", self._data)]

    def position(self, *path: str) -> tuple[int, int]:
        """Return the 1-based line and column of the key at ``path`` (or its parents).

        Args:
            path: Object keys from the top, e.g. ``("events", "orderCreated", "keys")``.

        Returns:
            Where that key is written; the nearest written ancestor, or 1:1.
        """
        if self._keys is None:
            from scaffold._json_scan import key_offsets  # only a JSON finding needs it

            self._keys = key_offsets(self._data)
        while path and path not in self._keys:
            path = path[:-1]
        offset = self._keys.get(path, 0)
        line = bisect_right(self._lines, offset)
        column = self._data[self._lines[line - 1] : offset].decode("utf-8", errors="replace")
        return line, len(column) + 1

    def finding(
        self,
        path: tuple[str, ...],
        rule: str,
        severity: Severity,
        message: str,
        data: tuple[tuple[str, str], ...] = (),
    ) -> Finding:
        """Build a finding located at the key ``path`` (object keys from the top).

        The other arguments are :meth:`Module.finding`'s.
        """
        line, col = self.position(*path)
        return Finding(self.rel, line, col, rule, severity, message, data)
