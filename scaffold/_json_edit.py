"""Format-preserving edits of JSON files: bytes in, bytes out, untouched bytes untouched.

Every function parses the text with a small hand-written scanner that records the byte
span of each value, key and comma, then splices only the bytes that must change. New
members are rendered in the file's own style: its indent unit (spaces or a tab), line
ending (``\\n`` or ``\\r\\n``), key/colon spacing and one-line vs expanded containers.
The BOM, the final newline, key order and every other line stay as they were.

NOTE: the scanner is hand-written on purpose. The standard ``json`` module gives no
positions. Of the packages on PyPI we looked at, none is a well-kept library that
edits plain JSON byte-for-byte: ``json-five`` and ``json5kit`` round-trip JSON5 through
their own model (and re-emit what they parsed), ``commentjson``, ``json5``, ``hjson``
and ``demjson3`` only load and dump, ``jsonc-parser`` strips comments, ``jsonc-edit``
and ``jsonc-document`` are young bindings with little use, and ``tomlkit`` (the model
for this kind of tool) is TOML only. The files we edit (manifest.json, service.json,
package.json) are strict JSON, so a ~150-line scanner is the smaller risk.

Removing what an add inserted restores the original bytes exactly: an add splices
``,<EOL><indent><member>`` after the last member (or fills an empty ``{}``), and a
remove deletes exactly that span.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, NamedTuple

from scaffold._json_scan import BOM, Node, Scanner, load, nodes, parse
from scaffold.errors import ProjectError, ScaffoldError

JsonPath = Sequence[str]


class Style(NamedTuple):
    """How a JSON file is written.

    Attributes:
        bom: The file starts with a UTF-8 byte order mark.
        eol: ``"\\n"`` or ``"\\r\\n"``.
        indent: One indent level: some spaces or a tab.
        final_newline: The file ends with a line ending.
        colon: What separates a key from its value (usually ``": "``).
        inline_scalar_arrays: Arrays of plain values are written on one line.
    """

    bom: bool = False
    eol: str = "\n"
    indent: str = "  "
    final_newline: bool = True
    colon: str = ": "
    inline_scalar_arrays: bool = True


def detect_style(data: bytes, root: Node | None = None) -> Style:
    """Work out how a JSON file is written.

    Args:
        data: The file's bytes (must be valid JSON for the container checks).
        root: ``data`` already scanned (it is scanned here otherwise).

    Returns:
        The file's style; defaults (2 spaces, ``\\n``) for what the file does not show.
    """
    text = data.decode("utf-8", errors="replace")
    eol = "\r\n" if "\r\n" in text else "\n"
    indent = "  "
    for line in text.splitlines():
        stripped = line.lstrip(" \t")
        if stripped and stripped != line:
            lead = line[: len(line) - len(stripped)]
            indent = "\t" if lead.startswith("\t") else lead
            break
    colon = ": "
    inline_arrays = True
    try:
        root = root if root is not None else Scanner(data).value()
    except (ScaffoldError, IndexError):
        root = None
    if root is not None:
        for node in nodes(root, data):
            if node.kind == "object" and node.keys and colon == ": ":
                gap = data[node.key_starts[0] : node.children[0].start]
                gap = gap[gap.rindex(b'"') + 1 :]
                if b"\n" not in gap:
                    colon = gap.decode()
                break
        for node in nodes(root, data):
            if (
                node.kind == "array"
                and node.children
                and all(c.kind == "scalar" for c in node.children)
            ):
                inline_arrays = b"\n" not in data[node.start : node.end]
                break
    return Style(
        bom=data.startswith(BOM),
        eol=eol,
        indent=indent,
        final_newline=data.endswith(b"\n"),
        colon=colon,
        inline_scalar_arrays=inline_arrays,
    )


def _scalar(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _inline(value: Any, style: Style, pad: bool) -> str:
    space = " " if pad else ""
    if isinstance(value, dict):
        if not value:
            return "{}"
        inner = ", ".join(
            f"{_scalar(k)}{style.colon}{_inline(v, style, pad)}" for k, v in value.items()
        )
        return f"{{{space}{inner}{space}}}"
    if isinstance(value, list):
        return "[" + ", ".join(_inline(v, style, pad) for v in value) + "]"
    return _scalar(value)


def _render(value: Any, style: Style, indent: str) -> str:
    """Render ``value`` expanded, as it would appear on a line indented by ``indent``."""
    inner = indent + style.indent
    if isinstance(value, dict) and value:
        members = [
            f"{inner}{_scalar(k)}{style.colon}{_render(v, style, inner)}" for k, v in value.items()
        ]
        return "{" + style.eol + ("," + style.eol).join(members) + style.eol + indent + "}"
    if isinstance(value, list) and value:
        if style.inline_scalar_arrays and not any(isinstance(v, dict | list) for v in value):
            return _inline(value, style, pad=False)
        items = [inner + _render(v, style, inner) for v in value]
        return "[" + style.eol + ("," + style.eol).join(items) + style.eol + indent + "]"
    return _inline(value, style, pad=False)


def _line_indent(data: bytes, pos: int) -> tuple[str, bool]:
    """The whitespace that starts ``pos``'s line, and whether only whitespace precedes ``pos``."""
    start = data.rfind(b"\n", 0, pos) + 1
    if data.startswith(BOM, start):
        start += len(BOM)
    before = data[start:pos]
    lead = before[: len(before) - len(before.lstrip(b" \t"))]
    return lead.decode(), lead == before


def _splice(data: bytes, start: int, end: int, text: str) -> bytes:
    return data[:start] + text.encode("utf-8") + data[end:]


def _insert(data: bytes, node: Node, style: Style, key: str | None, value: Any) -> bytes:
    """Add ``value`` (under ``key`` for an object) after the last child of ``node``."""
    prefix = "" if key is None else _scalar(key) + style.colon
    open_indent, _ = _line_indent(data, node.start)
    if not node.children:
        indent = open_indent + style.indent
        text = style.eol + indent + prefix + _render(value, style, indent) + style.eol + open_indent
        return _splice(data, node.start + 1, node.end - 1, text)
    last = node.children[-1]
    if b"\n" not in data[node.start : node.end]:
        if len(node.children) > 1:
            after = node.children[0].end
            comma = after + len(data[after:]) - len(data[after:].lstrip(b" \t"))
            spaced = data[comma + 1 : comma + 2] == b" "
        else:
            spaced = style.colon.endswith(" ")
        sep = ", " if spaced else ","
        sample = last if last.kind != "scalar" and last.has_items else node
        pad = data[sample.start + 1 : sample.start + 2] == b" "
        return _splice(data, last.end, last.end, sep + prefix + _inline(value, style, pad))
    indent, alone = _line_indent(data, node.item_start(len(node.children) - 1))
    if not alone:
        indent = open_indent + style.indent
    if (
        node.kind == "array"
        and last.kind != "scalar"
        and last.has_items
        and isinstance(value, dict | list)
        and b"\n" not in data[last.start : last.end]
    ):
        rendered = _inline(value, style, pad=data[last.start + 1 : last.start + 2] == b" ")
    else:
        rendered = _render(value, style, indent)
    return _splice(data, last.end, last.end, "," + style.eol + indent + prefix + rendered)


def _remove(data: bytes, node: Node, index: int) -> bytes:
    """Delete child ``index`` of ``node`` with its comma (the inverse of ``_insert``)."""
    if len(node.children) == 1:
        return data[: node.start + 1] + data[node.end - 1 :]
    if index == len(node.children) - 1:
        return data[: node.children[index - 1].end] + data[node.children[index].end :]
    return data[: node.item_start(index)] + data[node.item_start(index + 1) :]


def _walk(root: Node, path: JsonPath, name: str) -> tuple[Node | None, int]:
    """Follow ``path`` through objects; return the deepest node reached and its depth."""
    node = root
    for depth, part in enumerate(path):
        if node.kind != "object":
            break
        index = node.find(part)
        if index is None:
            return node, depth
        node = node.children[index]
    else:
        return node, len(path)
    where = ".".join(path[:depth]) or "the top level"
    raise ProjectError(f"{name}: expected an object at {where}; fix it by hand and run again")


def _value_at(value: Any, path: JsonPath) -> Any:
    for part in path:
        value = value[part]
    return value


def _check(out: bytes, expected: Any, name: str) -> bytes:
    if json.loads(out.decode("utf-8-sig")) != expected:
        raise ScaffoldError(f"internal error: an edit of {name} did not give the expected JSON")
    return out


def get(data: bytes, path: JsonPath, default: Any = None, *, name: str = "JSON") -> Any:
    """Return the value at ``path`` (a sequence of object keys), or ``default``.

    Args:
        data: The JSON file's bytes.
        path: Keys from the top-level object down.
        default: What to return when a key on the way is missing.
        name: The file name to show in errors.

    Returns:
        The parsed value, or ``default``.

    Raises:
        ProjectError: If the text is not valid JSON.
    """
    value = load(data, name)
    for part in path:
        if not isinstance(value, dict) or part not in value:
            return default
        value = value[part]
    return value


def _nest(path: JsonPath, value: Any) -> Any:
    for part in reversed(path):
        value = {part: value}
    return value


def set_key(data: bytes, path: JsonPath, key: str, value: Any, *, name: str = "JSON") -> bytes:
    """Set ``key`` in the object at ``path``, adding missing objects on the way.

    A new key goes after the object's last member; an existing key with an equal
    value changes nothing; an existing key with another value has just its value
    replaced.

    Args:
        data: The JSON file's bytes.
        path: Keys of the object to edit, from the top level (``()`` for the top).
        key: The member to set.
        value: Any JSON-serialisable value.
        name: The file name to show in errors.

    Returns:
        The new bytes (``data`` itself when nothing changes).

    Raises:
        ProjectError: If the text is not JSON or something on ``path`` is not an object.
    """
    # Only the objects on the path are recorded in full: a 200-event service.json is
    # mostly declarations the edit steps over.
    parsed, root = parse(data, name, keep=len(path))
    node, depth = _walk(root, path, name)
    assert node is not None
    if node.kind != "object":
        raise ProjectError(
            f"{name}: expected an object at {'.'.join(path) or 'the top level'}; "
            "fix it by hand and run again"
        )
    target = _value_at(parsed, path[:depth])
    style = detect_style(data, root)
    if depth < len(path):
        target[path[depth]] = _nest(path[depth + 1 :], {key: value})
        out = _insert(data, node, style, path[depth], _nest(path[depth + 1 :], {key: value}))
        return _check(out, parsed, name)
    index = node.find(key)
    if index is None:
        out = _insert(data, node, style, key, value)
    else:
        child = node.children[index]
        if json.loads(data[child.start : child.end].decode("utf-8")) == value:
            return data
        indent, _ = _line_indent(data, node.key_starts[index])
        out = _splice(data, child.start, child.end, _render(value, style, indent))
    target[key] = value
    return _check(out, parsed, name)


def _prune(data: bytes, path: JsonPath, name: str) -> bytes:
    while path:
        parsed, root = parse(data, name)
        node, depth = _walk(root, path, name)
        if node is None or depth < len(path) or node.children:
            return data
        parent, _ = _walk(root, path[:-1], name)
        assert parent is not None
        index = parent.find(path[-1])
        assert index is not None
        del _value_at(parsed, path[:-1])[path[-1]]
        data = _check(_remove(data, parent, index), parsed, name)
        path = path[:-1]
    return data


def remove_key(
    data: bytes, path: JsonPath, key: str, *, prune_empty: bool = False, name: str = "JSON"
) -> bytes:
    """Remove ``key`` from the object at ``path``: the exact inverse of ``set_key`` adding it.

    Args:
        data: The JSON file's bytes.
        path: Keys of the object to edit, from the top level.
        key: The member to remove; nothing happens if it is not there.
        prune_empty: Also remove objects on ``path`` left empty (the inverse of
            ``set_key`` creating them).
        name: The file name to show in errors.

    Returns:
        The new bytes (``data`` itself when nothing changes).

    Raises:
        ProjectError: If the text is not valid JSON.
    """
    parsed, root = parse(data, name)
    node, depth = _walk(root, path, name)
    if node is None or depth < len(path) or node.kind != "object":
        return data
    index = node.find(key)
    if index is None:
        return data
    container = _value_at(parsed, path)
    # NOTE: with duplicate keys, removing the last one re-exposes an earlier one.
    if node.keys.count(key) > 1:
        raise ProjectError(f"{name}: {key!r} appears more than once; remove it by hand")
    del container[key]
    out = _check(_remove(data, node, index), parsed, name)
    return _prune(out, path, name) if prune_empty else out


def _array(data: bytes, path: JsonPath, name: str) -> tuple[Any, Node | None]:
    parsed, root = parse(data, name)
    node, depth = _walk(root, path, name)
    if depth < len(path):
        return parsed, None
    assert node is not None
    if node.kind != "array":
        raise ProjectError(
            f"{name}: expected an array at {'.'.join(path)}; fix it by hand and run again"
        )
    return parsed, node


def _items(data: bytes, node: Node) -> list[Any]:
    return [json.loads(data[c.start : c.end].decode("utf-8")) for c in node.children]


def append_item(data: bytes, path: JsonPath, value: Any, *, name: str = "JSON") -> bytes:
    """Append ``value`` to the array at ``path`` unless an equal item is already there.

    A missing array (and missing objects above it) is created as ``[value]``.

    Args:
        data: The JSON file's bytes.
        path: Keys of the array, from the top level (at least one key).
        value: Any JSON-serialisable value.
        name: The file name to show in errors.

    Returns:
        The new bytes (``data`` itself when nothing changes).

    Raises:
        ProjectError: If the text is not JSON or ``path`` leads to something else.
    """
    parsed, node = _array(data, path, name)
    if node is None:
        return set_key(data, path[:-1], path[-1], [value], name=name)
    if value in _items(data, node):
        return data
    _value_at(parsed, path).append(value)
    return _check(_insert(data, node, detect_style(data), None, value), parsed, name)


def remove_item(
    data: bytes, path: JsonPath, value: Any, *, prune_empty: bool = False, name: str = "JSON"
) -> bytes:
    """Remove the last item equal to ``value`` from the array at ``path``.

    The exact inverse of :func:`append_item` adding it, with the same arguments, result and
    errors; nothing happens if no item equals ``value``. With ``prune_empty``, the array and
    the objects on ``path`` it leaves empty go too.
    """
    parsed, node = _array(data, path, name)
    if node is None:
        return data
    items = _items(data, node)
    matches = [i for i, item in enumerate(items) if item == value]
    if not matches:
        return data
    del _value_at(parsed, path)[matches[-1]]
    out = _check(_remove(data, node, matches[-1]), parsed, name)
    return _prune(out, path, name) if prune_empty else out
