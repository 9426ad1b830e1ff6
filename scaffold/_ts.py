"""The one place that loads the tree-sitter TypeScript grammar (lazily: it is not free)."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tree_sitter import Node, Parser, Tree


@cache
def parser() -> Parser:
    """Return a shared parser for TypeScript (not TSX).

    Returns:
        A tree-sitter parser configured with the TypeScript grammar.
    """
    import tree_sitter
    import tree_sitter_typescript

    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_typescript.language_typescript()))


def parse(source: bytes) -> Tree:
    """Parse TypeScript source bytes.

    Args:
        source: The file's bytes (any line endings, with or without a BOM).

    Returns:
        The syntax tree; check ``tree.root_node.has_error`` before trusting it for edits.
    """
    return parser().parse(source)


def text(node: Node) -> str:
    """Return a node's source text.

    Args:
        node: A node of a tree parsed from bytes.

    Returns:
        The text, decoded as UTF-8.
    """
    return (node.text or b"").decode("utf-8", errors="replace")


def walk(node: Node) -> list[Node]:
    """Return ``node`` and all its descendants in document order (iteratively).

    Args:
        node: The root to start from.

    Returns:
        Every node of the subtree.
    """
    out: list[Node] = []
    stack = [node]
    while stack:
        current = stack.pop()
        out.append(current)
        stack.extend(reversed(current.children))
    return out
