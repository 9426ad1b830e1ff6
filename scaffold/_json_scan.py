"""The one JSON scanner: where each value, key and comma of a JSON document is written.

The standard ``json`` module gives no positions. :mod:`scaffold._json_edit` splices edits
at these positions, and the lint rules (:mod:`scaffold._rules._source`) place findings on
the key they are about; both read JSON through :func:`load` (strict, a repeated key is an
error). Hand-written on purpose: see :mod:`scaffold._json_edit` for the libraries weighed.
"""

from __future__ import annotations

import json
import json.scanner
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from scaffold.errors import ProjectError, ScaffoldError

BOM = b"\xef\xbb\xbf"
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_CONTROL = re.compile(rb"[\x00-\x1f]")
_SPACE = re.compile(rb"[ \t\r\n]*")  # JSON's whitespace
# NOTE: NaN and Infinity are not JSON, but Python's json module reads them, and so do we.
_LITERAL = re.compile(
    rb"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?|true|false|null|NaN|-?Infinity"
)


@dataclass
class Node:
    kind: Literal["object", "array", "scalar"]
    start: int
    end: int = 0
    keys: list[str] = field(default_factory=list)
    key_starts: list[int] = field(default_factory=list)
    children: list[Node] = field(default_factory=list)
    # A container skipped in one step (see Scanner's ``keep``): its keys and children were
    # not recorded; ``size`` is how many it has.
    lazy: bool = False
    size: int = 0

    @property
    def has_items(self) -> bool:
        """Whether the container has members (or items), recorded or not."""
        return bool(self.children) or self.size > 0

    def find(self, key: str) -> int | None:
        """Index of the last member named ``key`` (the one JSON parsers keep)."""
        for index in range(len(self.keys) - 1, -1, -1):
            if self.keys[index] == key:
                return index
        return None

    def item_start(self, index: int) -> int:
        return self.key_starts[index] if self.kind == "object" else self.children[index].start


class Scanner:
    """Scan one JSON value (the document's, or the one at ``pos``).

    With ``keep``, a container deeper than that (the top level is depth 0) is skipped by
    the standard library's C scanner in one step and recorded as a ``lazy`` node (start,
    end and size only): what an edit at depth ``keep`` needs, for a fraction of the work
    in a large file. Only for ASCII text, whose character offsets are its byte offsets.
    """

    def __init__(self, data: bytes, keep: int | None = None, pos: int | None = None) -> None:
        self.data = data
        self.pos = (len(BOM) if data.startswith(BOM) else 0) if pos is None else pos
        self.depth = -1
        self._skip: Any = None
        if keep is not None and data.isascii():
            self.keep = keep
            self._text = data.decode("ascii")
            self._skip = json.scanner.make_scanner(json.JSONDecoder())  # type: ignore[arg-type]
        else:
            self.keep = -1
            self._text = ""

    def skip(self) -> None:
        match = _SPACE.match(self.data, self.pos)
        assert match is not None  # it matches the empty string
        self.pos = match.end()

    def expect(self, char: bytes) -> None:
        self.skip()
        if self.data[self.pos : self.pos + 1] != char:
            raise ScaffoldError(f"JSON scanner: expected {char!r} at byte {self.pos}")
        self.pos += 1

    def string(self) -> tuple[str, int, int]:
        match = _STRING.match(self.data, self.pos)
        if not match:
            raise ScaffoldError(f"JSON scanner: expected a string at byte {self.pos}")
        self.pos = match.end()
        raw = match.group()
        if b"\\" not in raw and not _CONTROL.search(raw):
            # No escape and nothing json.loads would refuse: the text is the value.
            return raw[1:-1].decode("utf-8"), match.start(), match.end()
        return json.loads(raw.decode("utf-8")), match.start(), match.end()

    def value(self) -> Node:
        self.skip()
        start = self.pos
        char = self.data[start : start + 1]
        if char == b"{":
            return self._container("object", b"}")
        if char == b"[":
            return self._container("array", b"]")
        if char == b'"':
            self.string()
            return Node("scalar", start, self.pos)
        match = _LITERAL.match(self.data, start)
        if not match:
            raise ScaffoldError(f"JSON scanner: unexpected byte at {start}")
        self.pos = match.end()
        return Node("scalar", start, self.pos)

    def _container(self, kind: Literal["object", "array"], close: bytes) -> Node:
        if self._skip is not None and self.depth >= self.keep:
            value, end = self._skip(self._text, self.pos)
            node = Node(kind, self.pos, end, lazy=True, size=len(value))
            self.pos = end
            return node
        self.depth += 1
        try:
            return self._members(kind, close)
        finally:
            self.depth -= 1

    def _members(self, kind: Literal["object", "array"], close: bytes) -> Node:
        node = Node(kind, self.pos)
        self.pos += 1
        self.skip()
        if self.data[self.pos : self.pos + 1] == close:
            self.pos += 1
            node.end = self.pos
            return node
        while True:
            self.skip()
            if kind == "object":
                key, key_start, _ = self.string()
                node.keys.append(key)
                node.key_starts.append(key_start)
                self.expect(b":")
            node.children.append(self.value())
            self.skip()
            char = self.data[self.pos : self.pos + 1]
            self.pos += 1
            if char == close:
                node.end = self.pos
                return node
            if char != b",":
                raise ScaffoldError(f"JSON scanner: expected ',' at byte {self.pos - 1}")


class _DuplicateKeyError(Exception):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKeyError(key)
        out[key] = value
    return out


def _line_col(data: bytes, pos: int) -> str:
    line = data.count(b"\n", 0, pos) + 1
    column = pos - (data.rfind(b"\n", 0, pos) + 1) + 1
    return f"{line}:{column}"


def _duplicate_at(data: bytes) -> int:
    """Byte offset of the first repeated key (its second occurrence)."""
    for node in nodes(Scanner(data).value()):
        seen: set[str] = set()
        for key, start in zip(node.keys, node.key_starts, strict=True):
            if key in seen:
                return start
            seen.add(key)
    return 0  # pragma: no cover - json found one, so the scanner does too


def load(data: bytes, name: str) -> Any:
    """Parse strict JSON; a repeated key is an error (parsers silently keep the last one)."""
    try:
        return json.loads(data.decode("utf-8-sig"), object_pairs_hook=_no_duplicates)
    except UnicodeDecodeError as error:
        where = _line_col(data, error.start + (len(BOM) if data.startswith(BOM) else 0))
        raise ProjectError(
            f"{name}:{where}: not UTF-8 ({error.reason}); save it as UTF-8 and run again"
        ) from None
    except _DuplicateKeyError as error:
        raise ProjectError(
            f"{name}:{_line_col(data, _duplicate_at(data))}: key {error.args[0]!r} appears "
            "twice in one object (only the last one counts); remove one and run again"
        ) from None
    except json.JSONDecodeError as error:
        raise ProjectError(
            f"{name}:{error.lineno}:{error.colno}: not valid JSON ({error.msg}); "
            "fix it and run again"
        ) from None


def parse(data: bytes, name: str, keep: int | None = None) -> tuple[Any, Node]:
    """The value of strict JSON (see :func:`load`) and where its parts are written.

    Args:
        data: The document's bytes.
        name: The file name to show in errors.
        keep: Record containers down to this depth only (see :class:`Scanner`).

    Returns:
        The value, and its top-level node.
    """
    value = load(data, name)
    return value, Scanner(data, keep).value()


def key_offsets(data: bytes) -> dict[tuple[str, ...], int]:
    """Return where each object key of a valid JSON document is written.

    Args:
        data: The document's bytes (already known to be valid JSON; a BOM is skipped).

    Returns:
        ``{path: byte offset of the key's opening quote}``; array items count as keys
        ``"0"``, ``"1"``...; a repeated key keeps its first position.
    """
    out: dict[tuple[str, ...], int] = {}

    def visit(node: Node, path: tuple[str, ...]) -> None:
        if node.kind == "object":
            for key, start, child in zip(node.keys, node.key_starts, node.children, strict=True):
                out.setdefault((*path, key), start)
                visit(child, (*path, key))
        elif node.kind == "array":
            for index, child in enumerate(node.children):
                visit(child, (*path, str(index)))

    visit(Scanner(data).value(), ())
    return out


def nodes(node: Node, data: bytes = b"") -> Iterator[Node]:
    """``node`` and every node under it, in document order.

    A lazy node (see :class:`Scanner`) is scanned in full when it is met, from ``data``.
    """
    stack = [node]
    while stack:
        current = stack.pop()
        if current.lazy:
            current = Scanner(data, pos=current.start).value()
        yield current
        stack.extend(reversed(current.children))
