"""Reading the host app before writing into it: its clients type and its test setup."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from scaffold._project import Clients, ignore_rules, read_clients, read_test_setup
from scaffold.errors import ProjectError
from scaffold.events import add_event
from tests.helpers import make_app, snapshot, write_tree


def reader(root: Path):  # type: ignore[no-untyped-def]
    def read(rel: str) -> bytes | None:
        path = root / rel
        return path.read_bytes() if path.is_file() else None

    return read


CLASS = "import { IOClients } from '@vtex/api'\nexport class Clients extends IOClients {}\n"
CONTEXT = (
    "import type { ServiceContext } from '@vtex/api'\nimport type { Clients } from '../clients'\n"
    "declare global {\n  type Context = ServiceContext<Clients>\n}\nexport {}\n"
)


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        pytest.param(
            {
                "node/index.ts": "import { Service, IOClients } from '@vtex/api'\n"
                "export default new Service<IOClients>({})\n"
            },
            Clients("IOClients", "", False),
            id="wishlist-IOClients-type-argument",
        ),
        pytest.param(
            {
                "node/index.ts": "import { Service } from '@vtex/api'\n"
                "export default new Service({})\n"
            },
            Clients("IOClients", "", False),
            id="no-clients-at-all",
        ),
        pytest.param(
            {
                "node/index.ts": "import { Service } from '@vtex/api'\n"
                "import { Clients } from './clients'\n"
                "export default new Service({ clients: { implementation: Clients } })\n",
                "node/clients/index.ts": CLASS,
            },
            Clients("Clients", "../clients", False),
            id="inline-implementation",
        ),
        pytest.param(
            {
                "node/index.ts": "import { Service } from '@vtex/api'\n"
                "import clients from './clients'\n"
                "import type { Clients as Bag } from './clients'\n"
                "export default new Service<Bag>({ clients })\n",
                "node/clients/index.ts": CLASS + "export default { implementation: Clients }\n",
                "node/typings/global.d.ts": CONTEXT,
            },
            Clients("Clients", "../clients", True),
            id="seller-style-type-argument-aliased-and-global-context",
        ),
        pytest.param(
            {
                "node/index.ts": "import { Service } from '@vtex/api'\n"
                "import { Clients } from './clients'\n"
                "declare global {\n  type Context = EventContext<Clients, State>\n}\n"
                "export default new Service<Clients, State>({\n"
                "  clients: { implementation: Clients },\n})\n",
                "node/clients/index.ts": CLASS,
            },
            Clients("Clients", "../clients", False),
            id="global-context-that-is-an-event-context-is-not-used",
        ),
        pytest.param(
            {
                "node/index.ts": "import { Service } from '@vtex/api'\n"
                "import clients from './config'\n"
                "export default new Service({ clients })\n",
                "node/config.ts": "import { Clients } from './services/io'\n"
                "export default { implementation: Clients }\n",
                "node/services/io.ts": CLASS,
            },
            Clients("Clients", "../services/io", False),
            id="clients-declared-in-another-file",
        ),
        pytest.param(
            {
                "node/index.ts": "import { IOClients, Service } from '@vtex/api'\n"
                "class Clients extends IOClients {}\n"
                "export default new Service<Clients>({ clients: { implementation: Clients } })\n"
            },
            Clients("IOClients", "", False),
            id="not-exported-falls-back-to-IOClients",
        ),
        pytest.param(
            {
                "node/index.ts": "import { Service } from '@vtex/api'\n"
                "import { Clients } from './clients'\n"
                "export default new Service<Clients>({})\n"
            },
            Clients("IOClients", "", False),
            id="module-missing-falls-back-to-IOClients",
        ),
    ],
)
def test_clients_type_is_read_from_the_service(
    tmp_path: Path, files: dict[str, str], expected: Clients
) -> None:
    root = write_tree(tmp_path, files)
    assert read_clients(root, reader(root)) == expected


def package(deps: dict[str, str]) -> str:
    return json.dumps({"devDependencies": deps})


@pytest.mark.parametrize(
    ("files", "ready", "why"),
    [
        ({"node/package.json": package({"typescript": "5"})}, False, "no jest"),
        (
            {"node/package.json": package({"@vtex/test-tools": "3", "@types/jest": "26"})},
            False,
            "through @vtex/test-tools (jest 25)",
        ),
        ({"node/package.json": package({"jest": "29"})}, False, "no @types/jest"),
        (
            {"node/package.json": package({"jest": "29", "@types/jest": "29"})},
            False,
            "no nock",
        ),
        (
            {
                "node/package.json": package({"jest": "29", "@types/jest": "29", "nock": "14"}),
                "node/tsconfig.json": '{"compilerOptions": {"types": ["node"]}}',
            },
            False,
            'without "jest"',
        ),
        (
            {
                "node/package.json": package({"jest": "29", "@types/jest": "29", "nock": "14"}),
                "node/tsconfig.json": (
                    '{\n  // VTEX style\n  "compilerOptions": {"types": ["node", "jest"],},\n}'
                ),
            },
            True,
            "",
        ),
        (
            {
                "node/package.json": package({"jest": "29", "@types/jest": "29", "nock": "14"}),
                "node/tsconfig.json": '{"compilerOptions": {"types": ["node"]}}',
                "node/__tests__/tsconfig.json": '{"compilerOptions": {"types": ["jest"]}}',
            },
            True,
            "",
        ),
        (
            {"node/package.json": package({"jest": "29", "@types/jest": "29", "nock": "14"})},
            True,
            "",
        ),
    ],
)
def test_test_setup_is_read_from_package_and_tsconfig(
    tmp_path: Path, files: dict[str, str], ready: bool, why: str
) -> None:
    setup = read_test_setup(reader(write_tree(tmp_path, files)))
    assert setup.ready is ready
    assert why in setup.reason


VTEX_GITIGNORE = (
    "yarn-error.log\nnode_modules/\ndocs/_book/\n.tmp\n.idea\nnpm-debug.log\n.build/\nlib\n"
)


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True)


@pytest.mark.parametrize("repo", [True, False], ids=["git", "no-repo"])
def test_ignore_rules_name_the_rule_like_git(tmp_path: Path, repo: bool) -> None:
    root = write_tree(tmp_path / "app", {".gitignore": VTEX_GITIGNORE, "node/.gitignore": "gen/\n"})
    if repo:
        _git(root, "init", "-q")
    rels = ["node/lib/processing.ts", "node/support/processing.ts", "node/gen/x.ts", "a.log"]
    assert ignore_rules(root, rels) == {
        "node/lib/processing.ts": ".gitignore:8: lib",
        "node/gen/x.ts": "node/.gitignore:1: gen/",
    }


def test_a_file_in_an_ignored_folder_stays_ignored_without_git(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {".gitignore": "lib\n!node/lib/keep.ts\n"})
    assert ignore_rules(root, ["node/lib/keep.ts"]) == {"node/lib/keep.ts": ".gitignore:1: lib"}


@pytest.mark.parametrize("repo", [True, False], ids=["git", "no-repo"])
def test_add_event_refuses_to_create_an_ignored_file(
    tmp_path: Path, gen_cache: Path, repo: bool
) -> None:
    app = make_app("no-events", tmp_path / "app", gen_cache)
    (app / ".gitignore").write_text("node_modules/\nsupport\n", encoding="utf-8")
    if repo:
        _git(app, "init", "-q")
    before = snapshot(app)
    with pytest.raises(
        ProjectError, match=r"node/support/.* ignored by git \(\.gitignore:2: support\)"
    ):
        add_event(app, "order-paid", sender="vtex.orders-broadcast", topics=["order-paid"])
    assert snapshot(app) == before


def test_vtex_gitignore_does_not_stop_add_event(tmp_path: Path, gen_cache: Path) -> None:
    app = make_app("no-events", tmp_path / "app", gen_cache)
    (app / ".gitignore").write_text(VTEX_GITIGNORE, encoding="utf-8")
    _git(app, "init", "-q")
    result = add_event(app, "order-paid", sender="vtex.orders-broadcast", topics=["order-paid"])
    assert "node/support/processing.ts" in result.created
    assert ignore_rules(app, result.created) == {}


@pytest.mark.parametrize("where", ["root", "parent", "symlink"])
def test_git_is_asked_wherever_it_finds_the_repository(
    tmp_path: Path, where: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A rule only git knows (the global excludes file) shows whether git was asked.
    excludes = tmp_path / "excludes"
    excludes.write_text("*.gen.ts\n", encoding="utf-8")
    config = tmp_path / "gitconfig"
    config.write_text(f"[core]\n\texcludesFile = {excludes}\n", encoding="utf-8")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    repo = tmp_path / "repo"
    app = write_tree(repo / "apps" / "app" if where != "root" else repo, {"manifest.json": "{}"})
    _git(repo, "init", "-q")
    if where == "symlink":
        (tmp_path / "link").symlink_to(repo / "apps", target_is_directory=True)
        app = tmp_path / "link" / "app"
    assert list(ignore_rules(app, ["node/x.gen.ts", "node/y.ts"])) == ["node/x.gen.ts"]


def test_no_git_process_without_a_repository(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_tree(tmp_path / "app", {".gitignore": "lib\n"})
    monkeypatch.delenv("GIT_DIR", raising=False)
    monkeypatch.delenv("GIT_WORK_TREE", raising=False)

    def no_process(*args: object, **kwargs: object) -> None:
        raise AssertionError("git was started with no repository to ask")

    monkeypatch.setattr(subprocess, "run", no_process)
    assert ignore_rules(root, ["node/lib/a.ts"]) == {"node/lib/a.ts": ".gitignore:1: lib"}


# Lines in the shapes real .gitignore files use (VTEX's, Node's, editors'), and some odd ones.
GITIGNORE_LINES = [
    *VTEX_GITIGNORE.splitlines(),
    "# a comment",
    "",
    "   ",
    "*.log",
    "/dist",
    "build/",
    "**/lib",
    "lib/**",
    "a/**/b",
    "node/**/*.gen.ts",
    "?upport",
    "s*t",
    "*",
    "**",
    "/*",
    "!node/lib/keep.ts",
    "NODE/Support",
    "support ",
    "*.ts",
    "node/events/",
    "events",
    "/node/x.ts",
    "**/__tests__/**",
    "[sS]upport",
    "\\#hash",
    "\\!bang",
    "proc*ing.ts",
    "*/support/*",
    "node_modules",
    ".DS_Store",
    "coverage/",
]
GITIGNORE_PATHS = [
    "node/",
    "node/support/",
    "node/support/processing.ts",
    "node/lib/",
    "node/lib/keep.ts",
    "node/events/",
    "node/events/order-paid.ts",
    "node/events/__tests__/",
    "node/events/__tests__/order-paid.test.ts",
    "node/x.ts",
    "node/x.gen.ts",
    "#hash",
    "!bang",
    "a/b",
    "a/x/y/b",
    "dist",
    "manifest.json",
]


@pytest.mark.parametrize("line", GITIGNORE_LINES)
def test_the_gitignore_prefilter_never_hides_a_match(line: str) -> None:
    """pathspec is skipped only when _may_match says no line can match: never wrongly."""
    import pathspec

    from scaffold._project import _may_match

    spec = pathspec.GitIgnoreSpec.from_lines([line])
    for path in GITIGNORE_PATHS:
        if spec.check_file(path).include is not None:
            assert _may_match(line, path), (line, path)


def test_the_gitignore_prefilter_rules_out_unrelated_lines() -> None:
    from scaffold._project import _may_match

    assert not any(
        _may_match(line, "node/support/processing.ts") for line in VTEX_GITIGNORE.splitlines()
    )
    assert not _may_match("*.log", "node/events/order-paid.ts")
    assert not _may_match("**/gen/", "node/events/")
    assert _may_match("lib", "node/lib/")
    assert _may_match("**/support/*.ts", "node/support/processing.ts")


def test_pathspec_is_loaded_only_for_a_line_that_may_match(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "app", {".gitignore": "node_modules/\ncoverage/\n*.log\n"})
    code = (
        "import sys; from pathlib import Path; from scaffold._project import ignore_rules\n"
        "r = ignore_rules(Path(sys.argv[1]), sys.argv[2:])\n"
        "print(sorted(r), 'pathspec' in sys.modules)"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("GIT_DIR", "GIT_WORK_TREE")}

    def run(*rels: str) -> str:
        argv = [sys.executable, "-c", code, str(root), *rels]
        return subprocess.run(argv, capture_output=True, text=True, check=True, env=env).stdout

    assert run("node/events/a.ts", "node/support/b.ts").split() == ["[]", "False"]
    assert run("node/events/a.ts", "debug.log").split() == ["['debug.log']", "True"]
