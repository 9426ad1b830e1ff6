"""Bad inputs: every one gives one clear line, a non-zero exit, and zero bytes changed.

Each case is a row of docs/reliability.md (its id is the test id); ``test_every_row_has_a_test``
checks the table and the tests agree. The whole work folder (the app, any file outside it that
a symlink points to, data files) is snapshotted byte for byte, with modes and links, before and
after.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scaffold.cli import app as cli
from scaffold.publishers import add_publisher
from tests.reliability import Entry, one_error_line, tree_state

FIXTURE = Path(__file__).parents[1] / "fixtures" / "apps" / "inline-semicolons"
DOC = Path(__file__).parents[2] / "docs" / "reliability.md"

Setup = Callable[[Path], None]  # given the work folder; the app is work/app


@dataclass(frozen=True)
class Case:
    id: str
    args: list[str]
    expect: str  # a regex the one error line must match
    setup: Setup | None = None


def add(name: str = "orderPaid", sender: str = "vtex.orders-broadcast", topic: str = "order-paid"):
    return ["add-event", name, "--sender", sender, "--topic", topic]


def new(*extra: str, vendor: str = "acme", name: str = "order-sync", dest: str = "dest"):
    return ["new", dest, "--vendor", vendor, "--name", name, "--defaults", *extra]


def write(rel: str, data: bytes) -> Setup:
    def setup(work: Path) -> None:
        path = work / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)

    return setup


def remove(rel: str) -> Setup:
    def setup(work: Path) -> None:
        path = work / rel
        shutil.rmtree(path) if path.is_dir() else path.unlink()

    return setup


def chmod(rel: str, mode: int) -> Setup:
    return lambda work: (work / rel).chmod(mode)


def append(rel: str, data: bytes) -> Setup:
    return lambda work: (work / rel).write_bytes((work / rel).read_bytes() + data)


def link_outside(rel: str) -> Setup:
    """Move ``rel`` out of the app and leave a symlink to it in its place."""

    def setup(work: Path) -> None:
        inside, outside = work / rel, work / "outside" / Path(rel).name
        outside.parent.mkdir(exist_ok=True)
        shutil.move(inside, outside)
        inside.symlink_to(outside, target_is_directory=outside.is_dir())

    return setup


def link_loop(rel: str) -> Setup:
    def setup(work: Path) -> None:
        (work / rel).unlink()
        (work / rel).symlink_to(work / rel)

    return setup


def publisher_exists(topic: str) -> Setup:
    return lambda work: add_publisher(work / "app", topic) and None


def as_folder(rel: str) -> Setup:
    def setup(work: Path) -> None:
        (work / rel).unlink()
        (work / rel).mkdir()

    return setup


LONG = "a" * 300
CASES: list[Case] = [
    # --- names -----------------------------------------------------------------------------
    Case("name-empty", add(""), r"empty handler name"),
    Case("name-65-chars", add("a" * 65), r"too long: 65 characters, at most 64"),
    Case("name-300-chars", add(LONG), r"too long: 300 characters, at most 64"),
    Case("worker-name-300-chars", ["add-worker", LONG], r"worker name .* too long"),
    Case("remove-name-300-chars", ["remove-event", LONG], r"too long: 300 characters"),
    Case("publisher-topic-300-chars", ["add-publisher", LONG], r"topic .* too long"),
    Case("name-cyrillic-lookalike", add("\u043erder"), r"U\+043E, which is not a plain ASCII"),
    Case("name-fullwidth-lookalike", add("\uff4frder"), r"U\+FF4F"),
    Case("name-dot-dot-path", add("../x"), r"no path separators"),
    Case("name-absolute-path", add("/tmp/x"), r"no path separators"),
    Case("name-reserved-word", add("class"), r"'class' is a reserved word"),
    Case("name-reserved-after-case", add("Events"), r"'events' is a reserved word"),
    Case("name-trailing-hyphen", add("a-"), r"ambiguous handler name 'a-'.*become 'a'"),
    Case("name-doubled-hyphen", add("a--b"), r"ambiguous .* \(e\.g\. a-b or aB\)"),
    Case("name-mixed-separators", add("a_b-c"), r"ambiguous"),
    Case("name-shouting", add("HTTPServer"), r"ambiguous .* http-server or httpServer"),
    Case("worker-name-trailing-hyphen", ["add-worker", "sync-"], r"ambiguous worker name"),
    Case(
        "name-case-collision",
        add("order-created", sender="vtex.other", topic="x"),
        r"already declares event 'orderCreated' with sender vtex\.orders-broadcast",
    ),
    Case(
        "topic-case-collision",
        ["add-publisher", "item.changed"],
        r"node/publishers/itemChanged\.ts already publishes topic 'item-changed'",
        publisher_exists("item-changed"),
    ),
    Case("sender-quote-injection", add(sender="vtex.x';alert(1)//"), r"invalid sender"),
    Case("sender-too-long", add(sender="a" * 64 + ".x"), r"sender .* too long"),
    Case("sender-without-vendor", add(sender="orders-broadcast"), r"invalid sender"),
    Case("topic-empty", add(topic=""), r"empty topic"),
    Case("topic-quote", add(topic="a'b"), r"invalid topic"),
    Case("topic-template-literal", add(topic="${x}"), r"invalid topic"),
    Case("topic-backtick", add(topic="a`b"), r"invalid topic"),
    Case("topic-newline", add(topic="a\nb"), r"invalid topic"),
    Case("topic-65-chars", add(topic="t" * 65), r"topic .* too long"),
    Case("vendor-empty", new(vendor=""), r"empty vendor"),
    Case("vendor-64-chars", new(vendor="a" * 64), r"vendor .* too long: 64 .* at most 63"),
    Case("vendor-300-chars", new(vendor=LONG), r"vendor .* too long"),
    Case("vendor-lookalike", new(vendor="\u0430cme"), r"U\+0430"),
    Case("vendor-uppercase", new(vendor="Acme"), r"invalid vendor 'Acme'"),
    Case("app-name-64-chars", new(name="a" * 64), r"app name .* too long"),
    Case("app-name-300-chars", new(name=LONG), r"app name .* too long"),
    Case("app-name-dot-dot", new(name="../x"), r"invalid app name"),
    Case("app-name-trailing-hyphen", new(name="sync-"), r"invalid app name"),
    Case("dest-300-chars", new(dest=LONG), r"destination folder name .* too long"),
    Case("dest-300-chars-nested", new(dest=f"sub/{LONG}/x"), r"too long"),
    Case("dest-is-a-file", new(), r"exists and is not a folder", write("dest", b"x")),
    Case("dest-not-empty", new(), r"is not empty", write("dest/keep.txt", b"x")),
    Case("title-newline", new("--title", "a\nb"), r"control character U\+000A"),
    Case("title-carriage-return", new("--title", "a\rb"), r"control character U\+000D"),
    Case("title-terminal-escape", new("--title", "\x1b[31mred"), r"U\+001B"),
    Case("description-line-separator", new("--description", "a\u2028b"), r"U\+2028"),
    Case("title-301-chars", new("--title", "t" * 301), r"title .* too long"),
    Case(
        "data-file-not-utf8",
        ["new", "dest", "--data-file", "answers.yml", "--defaults"],
        r"--data-file answers\.yml: byte 9 is not UTF-8",
        write("answers.yml", b"vendor: a\xff\n"),
    ),
    Case(
        "data-file-malformed",
        ["new", "dest", "--data-file", "answers.yml", "--defaults"],
        r"cannot parse --data-file answers\.yml:\d+: not valid YAML",
        write("answers.yml", b"vendor: [acme\n"),
    ),
    Case(
        "data-file-missing",
        ["new", "dest", "--data-file", "answers.yml", "--defaults"],
        r"cannot read --data-file answers\.yml",
    ),
    Case(
        "data-file-unknown-key",
        ["new", "dest", "--data-file", "answers.yml", "--defaults"],
        r"unknown answer 'colour'",
        write("answers.yml", b"colour: red\n"),
    ),
    # --- project shapes ----------------------------------------------------------------------
    Case("no-manifest", add(), r"no manifest\.json in", remove("app/manifest.json")),
    Case("no-node-folder", add(), r"node/service\.json is missing", remove("app/node")),
    Case(
        "no-service-json", add(), r"node/service\.json is missing", remove("app/node/service.json")
    ),
    Case("no-index-ts", add(), r"node/index\.ts is missing", remove("app/node/index.ts")),
    Case(
        "manifest-malformed",
        add(),
        r"manifest\.json:2:1: not valid JSON",
        write("app/manifest.json", b'{"vendor": "acme",\n'),
    ),
    Case(
        "manifest-not-object", add(), r"expected a JSON object", write("app/manifest.json", b"[]")
    ),
    Case(
        "manifest-no-vendor",
        add(),
        r"`vendor` and `name` are required",
        write("app/manifest.json", b'{"name": "x"}'),
    ),
    Case(
        "service-malformed",
        add(),
        r"node/service\.json:4:1: not valid JSON",
        write("app/node/service.json", b'{\n  "memory": 256,\n  "events": {\n'),
    ),
    Case(
        "service-duplicate-key",
        add(),
        r"node/service\.json:3:3: key 'events' appears twice",
        write("app/node/service.json", b'{\n  "events": {},\n  "events": {}\n}\n'),
    ),
    Case(
        "manifest-duplicate-key",
        add(),
        r"manifest\.json:1:\d+: key 'policies' appears twice",
        write(
            "app/manifest.json", b'{"vendor": "acme", "name": "x", "policies": [], "policies": []}'
        ),
    ),
    Case(
        "service-not-utf8",
        add(),
        r"node/service\.json:1:25: not UTF-8",
        write("app/node/service.json", b'{"memory": 256, "d":"caf\xe9"}'),
    ),
    Case(
        "index-does-not-parse",
        add(),
        r"node/index\.ts:\d+: cannot parse this TypeScript",
        append("app/node/index.ts", b"\nexport const x = {\n"),
    ),
    Case(
        "index-invalid-utf8-in-code",
        add(),
        r"node/index\.ts:\d+: cannot parse this TypeScript",
        append("app/node/index.ts", b"\nconst s = \xff\n"),
    ),
    Case(
        "service-unreadable",
        add(),
        r"cannot read node/service\.json: it has no read permission",
        chmod("app/node/service.json", 0o000),
    ),
    Case(
        "index-unreadable",
        add(),
        r"cannot read node/index\.ts: it has no read permission",
        chmod("app/node/index.ts", 0o000),
    ),
    Case(
        "events-folder-without-x",
        add(),
        r"cannot enter node/events/: it has no execute",
        chmod("app/node/events", 0o644),
    ),
    Case(
        "service-read-only",
        add(),
        r"node/service\.json is read-only; nothing was written",
        chmod("app/node/service.json", 0o444),
    ),
    Case(
        "events-folder-read-only",
        add(),
        r"node/events is read-only; nothing was written",
        chmod("app/node/events", 0o555),
    ),
    Case(
        "node-folder-read-only",
        add(),
        r"node is read-only",
        chmod("app/node", 0o555),
    ),
    Case(
        "service-symlink-outside",
        add(),
        r"node/service\.json leads outside the app",
        link_outside("app/node/service.json"),
    ),
    Case(
        "events-folder-symlink-outside",
        add(),
        r"node/events/orderPaid\.ts leads outside the app",
        link_outside("app/node/events"),
    ),
    Case(
        "service-symlink-loop",
        add(),
        r"cannot follow node/service\.json",
        link_loop("app/node/service.json"),
    ),
    Case(
        "service-is-a-folder",
        add(),
        r"node/service\.json is a folder",
        as_folder("app/node/service.json"),
    ),
]


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A work folder holding a copy of a hand-written fixture app at ``app/``; the cwd."""
    shutil.copytree(FIXTURE, tmp_path / "app")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(case: Case, work: Path) -> None:
    if case.setup is not None:
        case.setup(work)
    before = _outside_user_cache(tree_state(work))
    args = case.args if case.args[0] == "new" else [*case.args, "-C", str(work / "app")]
    result = CliRunner().invoke(cli, args)
    line = one_error_line(result)
    assert re.search(case.expect, line), line
    assert len(line) < 400, line  # one readable line, even for a 300-character input
    assert _outside_user_cache(tree_state(work)) == before


def _outside_user_cache(state: dict[str, Entry]) -> dict[str, Entry]:
    """The tree without the private HOME's cache folder (and HOME itself, made for it).

    Compiled component templates are kept there by whichever test of a process renders
    first, so whether a case finds the cache made depends on test order, not on the case.
    """
    cache = ("home", "home/.cache")
    return {
        rel: e
        for rel, e in state.items()
        if rel not in cache and not rel.startswith("home/.cache/")
    }


def test_case_ids_are_unique() -> None:
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids))


# --- accepted on purpose: a normalised name is echoed, odd-but-valid shapes are edited ----------


@pytest.mark.parametrize(
    ("typed", "ident"),
    [("order-paid", "orderPaid"), ("order_paid", "orderPaid"), ("OrderPaid", "orderPaid")],
)
def test_normalised_name_is_echoed(work: Path, typed: str, ident: str) -> None:
    result = CliRunner().invoke(cli, [*add(typed), "-C", str(work / "app")])
    assert result.exit_code == 0, result.output
    assert f"note: using handler id {ident} (from {typed!r})" in result.output
    assert (work / "app" / f"node/events/{ident}.ts").is_file()


def test_name_typed_as_the_id_is_not_echoed(work: Path) -> None:
    result = CliRunner().invoke(cli, [*add("orderPaid"), "-C", str(work / "app")])
    assert result.exit_code == 0, result.output
    assert "note: using" not in result.output


def test_non_utf8_byte_in_a_comment_is_kept(work: Path) -> None:
    index = work / "app" / "node" / "index.ts"
    original = b"// caf\xe9 (latin-1)\n" + index.read_bytes()
    index.write_bytes(original)
    result = CliRunner().invoke(cli, [*add(), "-C", str(work / "app")])
    assert result.exit_code == 0, result.output
    edited = index.read_bytes()
    assert edited.startswith(b"// caf\xe9 (latin-1)\n")
    assert b"orderPaid" in edited


def test_data_file_with_bom_is_read(work: Path) -> None:
    (work / "answers.yml").write_bytes(b"\xef\xbb\xbfvendor: acme\nname: order-sync\n")
    result = CliRunner().invoke(
        cli, ["new", "dest", "--data-file", "answers.yml", "--defaults", "--dry-run"]
    )
    assert result.exit_code == 0, result.output


def test_concurrent_edit_is_refused_while_locked(work: Path) -> None:
    import fcntl
    import os

    root = work / "app"
    before = tree_state(work)
    fd = os.open(root, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        result = CliRunner().invoke(cli, [*add(), "-C", str(root)])
    finally:
        os.close(fd)
    line = one_error_line(result)
    assert "another scaffold command is changing" in line
    assert tree_state(work) == before
    again = CliRunner().invoke(cli, [*add(), "-C", str(root)])
    assert again.exit_code == 0, again.output  # the lock went with its holder


# --- the table in docs/reliability.md and these tests agree ----------------------------------

_ROW_TEST = re.compile(r"`(tests/[\w/]+\.py::[^`]+)`")


def _collected(files: set[str]) -> set[str]:
    """Every test id in ``files``, whatever subset this run selected."""
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:xdist", *sorted(files)],
        cwd=DOC.parents[1],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {line.strip() for line in out.splitlines() if "::" in line}


def test_every_row_has_a_test() -> None:
    text = DOC.read_text(encoding="utf-8")
    referenced = set(_ROW_TEST.findall(text))
    collected = _collected({ref.split("::")[0] for ref in referenced})
    missing = sorted(ref for ref in referenced if ref not in collected)
    assert not missing, f"rows of docs/reliability.md name tests that do not exist: {missing}"
    rows = [line for line in text.splitlines() if line.startswith("| ") and "`tests/" in line]
    assert all(_ROW_TEST.search(row) for row in rows)
    for case in CASES:
        row = f"tests/robustness/test_reliability.py::test_bad_input[{case.id}]"
        assert row in referenced, case.id


# --- every command, on every broken shape: never a traceback, never a half-written app ----------

COMMANDS = {
    "check": ["check"],
    "list": ["list"],
    "graph": ["graph"],
    "update": ["update"],
    "add-worker": ["add-worker", "syncStock"],
    "add-publisher": ["add-publisher", "stock-changed"],
    "remove-event": ["remove-event", "orderCreated"],
    "remove-worker": ["remove-worker", "syncItems"],
    "remove-publisher": ["remove-publisher", "item-changed"],
}
SHAPES = [c for c in CASES if c.args[0] == "add-event" and c.setup is not None]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_on_every_broken_shape(command: str, tmp_path: Path) -> None:
    """A command may succeed where it does not need the broken file; it never crashes."""
    for case in SHAPES:
        work = tmp_path / case.id
        shutil.copytree(FIXTURE, work / "app")
        assert case.setup is not None
        case.setup(work)
        before = tree_state(work)
        args = COMMANDS[command]
        where = [str(work / "app")] if command in {"check", "list", "graph", "update"} else []
        where = where or ["-C", str(work / "app")]
        result = CliRunner().invoke(cli, [*args, *where])
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            case.id,
            result.output,
        )
        assert "Traceback" not in result.output, case.id
        if result.exit_code != 0:
            assert tree_state(work) == before, case.id
            if command != "check":  # check prints its findings, then exits 1
                one_error_line(result)
