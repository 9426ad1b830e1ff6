"""The TypeScript layer's fast paths agree with reading the tree node by node."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scaffold import _ts

ROOT = Path(__file__).resolve().parents[2]

TRICKY = [
    "a.b",
    "this.x.y",
    "a?.b.c",
    "ctx.clients.vbase.saveJSON",
    "this.#secret.value",
    "$x._y$.z9",
    "super.handle",
    "import.meta.url",
    "new.target.name",
    "(ctx as any).clients.vbase",
    "ctx!.body.items",
    "ctx.\n  clients.\n  vbase",
    "ctx /* c */ .body",
    "f().x",
    "a['b'].c",
    "a[0].b",
    "(a, b).c",
    "<any>ctx.body",
    "ctx.body!.id",
    "(await load()).items",
    "`t`.length",
    "café.naïve",
]


def _member_expressions(source: bytes) -> list:
    tree = _ts.parse(source)
    return [node for node in _ts.walk(tree.root_node) if node.type == "member_expression"]


def _corpus() -> list[Path]:
    files = [p for base in ("templates", "tests/fixtures") for p in (ROOT / base).rglob("*.ts*")]
    return sorted(p for p in files if re.search(r"\.ts(\.jinja)?$", p.name))


def test_member_chain_fast_path_agrees_on_tricky_forms() -> None:
    seen_fast = 0
    for form in TRICKY:
        nodes = _member_expressions(f"{form};\n".encode())
        assert nodes, form
        for node in nodes:
            assert _ts.member_chain(node) == _ts.chain_by_tree(node), form
            seen_fast += bool(_ts._PLAIN_CHAIN.match(_ts.text(node)))
    assert seen_fast >= 5  # the fast path is exercised, not just the general one


def test_member_chain_fast_path_agrees_on_every_member_expression_we_ship() -> None:
    files = _corpus()
    assert len(files) > 20
    count = 0
    for path in files:
        for node in _member_expressions(path.read_bytes()):
            assert _ts.member_chain(node) == _ts.chain_by_tree(node), (path, _ts.text(node))
            count += 1
    assert count > 500


@pytest.mark.parametrize("form", ["super.x.y", "import.meta.url", "new.target.x"])
def test_member_chain_of_a_non_name_root_is_empty(form: str) -> None:
    (node, *_) = _member_expressions(f"{form};\n".encode())
    assert _ts.member_chain(node) == []


IMPORTS = [
    "import { a } from './x'",
    "import { a as b, c } from './x'",
    "import { type A } from './x'",
    "import { type as t } from './x'",
    "import { type A as B, typeof as c } from './x'",
    "import { a /* why */ as b } from './x'",
    "import { 'string name' as s } from './x'",
    "import { default as d } from './x'",
    "import {\n  a,\n  b as\n    c,\n} from './x'",
    'import d, { e } from "./x"',
    "import * as ns from 'x'",
    "import type { T } from '@vtex/api'",
    "import { a } from './with\\'quote'",
    "import { a } from './with\\u0041escape'",
    "import { a } from './unterminated",
    "import { a as } from './x'",
    "import { $x, _y as $z9 } from './x'",
]


def _nodes_of(source: bytes, kind: str) -> list:
    return [node for node in _ts.walk(_ts.parse(source).root_node) if node.type == kind]


def test_import_fast_paths_agree_on_tricky_forms() -> None:
    fast = 0
    for form in IMPORTS:
        source = f"{form};\n".encode()
        for node in _nodes_of(source, "import_specifier"):
            assert _ts.specifier_names(node) == _ts.specifier_names_by_tree(node), form
            fast += bool(_ts._SPECIFIER.match(_ts.text(node)))
        for node in _nodes_of(source, "string"):
            assert _ts.quoted(node) == _ts.string_text(node), form
    assert fast >= 8  # the fast path is exercised, not just the general one


def test_import_fast_paths_agree_on_every_file_we_ship() -> None:
    count = 0
    for path in _corpus():
        source = path.read_bytes()
        for node in _nodes_of(source, "import_specifier"):
            assert _ts.specifier_names(node) == _ts.specifier_names_by_tree(node), path
            count += 1
        for node in _nodes_of(source, "string"):
            assert _ts.quoted(node) == _ts.string_text(node), (path, _ts.text(node))
    assert count > 100


PLAIN_STATEMENTS = [
    "import d from './x'",
    "import type X, { Y } from './x'",
    'import d, * as ns from "./x"',
    "import {} from './x'",
    "import { a, } from './x'",
    "import Xfrom './x'",
    "import type from './x'",
    "import typeof X from './x'",
    "import j from './a.json' with { type: 'json' }",
    "import x = require('./x')",
    "import './side-effect'",
    "import { a } from 'h//x' // why",
]


def _names(items: list) -> list[tuple[int, str, str, str]]:
    return [(i.statement.start_byte, i.local, i.imported, i.source) for i in items]


def test_imported_names_read_from_text_agree_with_the_tree() -> None:
    plain = 0
    for form in IMPORTS + PLAIN_STATEMENTS:
        root = _ts.parse(f"{form};\n".encode()).root_node
        assert _names(_ts.imported_names(root)) == _names(_ts.imports(root)), form
        plain += any(_ts._plain_import(s) is not None for s in root.named_children)
    assert plain >= 10  # the text path is exercised, not just the tree's
    for path in _corpus():
        root = _ts.parse(path.read_bytes()).root_node
        assert _names(_ts.imported_names(root)) == _names(_ts.imports(root)), path


def test_the_index_walk_finds_what_a_query_of_the_same_types_finds() -> None:
    import tree_sitter

    query = tree_sitter.Query(
        _ts.language(), "[" + " ".join(f"({kind})" for kind in sorted(_ts.INDEXED)) + "] @node"
    )
    sources = [path.read_bytes() for path in _corpus()]
    sources += [
        b"import { a, // c\n b } from './y'\nf()\n",
        b"import /* c */ x from 'y'\nconst s = 'a' + `b${g()}`\n",
        b"import { broken from 'y'\nh(\n",
    ]
    for source in sources:
        root = _ts.parse(source).root_node
        cursor = tree_sitter.QueryCursor(query)
        queried = [n for _, match in cursor.matches(root) for n in match["node"]]
        spans = [(n.start_byte, n.end_byte, n.type) for n in queried]
        assert [(n.start_byte, n.end_byte, n.type) for n in _ts.indexed(root)] == spans
        by_type = {
            kind: [(n.start_byte, n.end_byte, n.type) for n in nodes]
            for kind, nodes in _ts.index(root).items()
        }
        assert by_type == {kind: [s for s in spans if s[2] == kind] for kind in by_type}
        assert sum(map(len, by_type.values())) == len(spans)


def test_imports_reads_aliases_and_modifiers() -> None:
    source = b"import d, { a as b, type T, c } from './x'\nimport * as ns from '../y'\n"
    found = [(i.local, i.imported, i.source) for i in _ts.imports(_ts.parse(source).root_node)]
    assert found == [
        ("d", "default", "./x"),
        ("b", "a", "./x"),
        ("T", "T", "./x"),
        ("c", "c", "./x"),
        ("ns", "*", "../y"),
    ]


def test_the_same_bytes_give_the_same_tree_and_a_fresh_import_list() -> None:
    # An edit reads a 200-handler events map several times: each version is parsed once.
    source = b"import { a } from './a'\nimport b from '../b'\nexport const x = { a, b }\n"
    tree = _ts.parse(source)
    assert _ts.parse(bytes(source)) is tree
    first = _ts.imports(tree.root_node)
    assert [(i.local, i.source) for i in first] == [("a", "./a"), ("b", "../b")]
    first.clear()  # a caller's list is its own
    again = _ts.imports(_ts.parse(source).root_node)
    assert [(i.local, i.source) for i in again] == [("a", "./a"), ("b", "../b")]
    other = _ts.parse(source + b"import c from './c'\n")
    assert other is not tree
    assert [i.local for i in _ts.imports(other.root_node)] == ["a", "b", "c"]


def test_a_tree_pushed_out_is_parsed_again_and_its_imports_read_again() -> None:
    source = b"import { kept } from './kept'\n"
    tree = _ts.parse(source)
    for n in range(_ts._KEPT):  # fill the memo with other files
        _ts.parse(f"export const v{n} = {n}\n".encode())
    again = _ts.parse(source)
    assert again is not tree
    assert [i.local for i in _ts.imports(again.root_node)] == ["kept"]
