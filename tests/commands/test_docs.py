"""Every statement of the docs that can be run is run; the command reference matches --help.

Each ```sh / ```console block of README.md and docs/*.md runs with bash (``set -e``), in its
own subshell, in a workspace that starts inside a generated app (``order-sync``, with the
example handlers). Blocks of one page run in order and share the files they make, like a
reader following the page. A command segment (between ``&&``, ``;`` or a new line) whose
program cannot run here is dropped only if :data:`NOT_RUN` says why.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scaffold.cli import app as cli
from tests.helpers import make_app

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
RUNNABLE = {"sh", "bash", "shell", "console"}

# Programs the examples call that cannot run in a hermetic test, and why.
NOT_RUN: dict[str, str] = {
    "python3": "creates a virtualenv; CI's .ci/run does exactly this before the tests",
    ".venv/bin/pip": "installs from PyPI; CI's .ci/run does exactly this",
    ".venv/bin/pytest": "the test suite itself",
    "npm": "installs from the npm registry; the `node` tests run npm install/test on apps",
    "vtex": "needs the VTEX Toolbelt and an account",
    "curl": "calls a linked app in a VTEX workspace",
}
_FENCE = re.compile(r"^```(\S*)[^\n]*\n(.*?)^```", re.M | re.S)


def blocks(page: Path) -> list[str]:
    """The runnable code blocks of a page (console blocks: only the ``$ `` lines)."""
    out = []
    for lang, body in _FENCE.findall(page.read_text(encoding="utf-8")):
        if lang not in RUNNABLE:
            continue
        if lang == "console":
            body = "\n".join(line[2:] for line in body.splitlines() if line.startswith("$ "))
        out.append(body)
    return out


def runnable(block: str) -> tuple[str, list[str]]:
    """The block as bash with the segments in NOT_RUN dropped; and the segments dropped."""
    lines, dropped = [], []
    for line in block.splitlines():
        code = line.split("  #", 1)[0].split(" # ", 1)[0].strip()
        if not code or code.startswith("#"):
            continue
        kept = []
        for segment in re.split(r"\s*&&\s*|\s*;\s*", code):
            program = segment.split()[0]
            if program in NOT_RUN:
                dropped.append(segment)
                continue
            if program == ".venv/bin/scaffold":
                segment = segment.replace(".venv/bin/scaffold", "scaffold", 1)
            assert program in {"scaffold", "cd", "mkdir", ".venv/bin/scaffold"}, (
                f"{segment!r}: run it here or declare in NOT_RUN why it cannot run"
            )
            kept.append(segment)
        if kept:
            lines.append(" && ".join(kept))
    return "\n".join(lines), dropped


EXAMPLES = [page for page in PAGES if blocks(page)]


def test_the_pages_with_commands_have_examples() -> None:
    names = {page.relative_to(ROOT).as_posix() for page in EXAMPLES}
    assert {"README.md", "docs/README.md", "docs/commands.md", "docs/check.md"} <= names


@pytest.mark.parametrize("page", EXAMPLES, ids=[p.relative_to(ROOT).as_posix() for p in EXAMPLES])
def test_every_example_runs(page: Path, tmp_path: Path, gen_cache: Path) -> None:
    found = blocks(page)
    app = make_app("generated", tmp_path / "order-sync", gen_cache)
    bin_dir = Path(sys.executable).parent
    assert (bin_dir / "scaffold").exists(), "install the package (pip install -e .) first"
    env = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "NO_COLOR": "1",
    }
    ran = 0
    work = tmp_path / "work"
    work.mkdir()
    for block in found:
        script, _ = runnable(block)
        if not script:
            continue
        # A block that creates apps runs where a person would: outside any app (`new`
        # refuses to nest one), as does one that goes into an app made there; the others
        # run in the generated app.
        cwd = work if "scaffold new" in script or script.startswith("cd ") else app
        done = subprocess.run(
            ["bash", "-e", "-c", f"( {script}\n)"],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, f"{page.name}:\n{script}\n---\n{done.stdout}{done.stderr}"
        ran += script.count("scaffold ")
    assert ran, f"no scaffold command was run from {page.name}"
    shutil.rmtree(tmp_path / "order-sync")


def test_readme_first_app_is_what_it_says(tmp_path: Path, gen_cache: Path) -> None:
    """The README's first-app block ends with a clean check of an app with a new handler."""
    readme_blocks = [b for b in blocks(ROOT / "README.md") if "add-event" in b]
    assert readme_blocks
    assert "order-status-changed" in readme_blocks[0]  # the topic fires on every status change
    assert "order-created " not in "\n".join(blocks(ROOT / "README.md"))


# --- the command reference against --help -------------------------------------------------

COMMANDS = [
    "new",
    "check",
    "list",
    "graph",
    "docs",
    "add-event",
    "add-worker",
    "add-publisher",
    "remove-event",
    "remove-worker",
    "remove-publisher",
    "update",
]
EDITORS = {
    "add-event",
    "add-worker",
    "add-publisher",
    "remove-event",
    "remove-worker",
    "remove-publisher",
}
_FLAG = re.compile(r"(?<![\w-])--[a-z][a-z-]*(?![A-Za-z])")


def help_text(command: str) -> str:
    result = CliRunner().invoke(cli, [command, "--help"], terminal_width=100)
    assert result.exit_code == 0
    return result.output


def section(text: str, title: str) -> str:
    match = re.search(rf"^#+ {re.escape(title)}\n(.*?)(?=^#+ |\Z)", text, re.M | re.S)
    assert match, f"docs/commands.md has no section `{title}`"
    return match.group(1)


@pytest.mark.parametrize("command", COMMANDS)
def test_command_reference_matches_help(command: str) -> None:
    reference = (ROOT / "docs" / "commands.md").read_text(encoding="utf-8")
    documented = section(reference, command)
    if command in EDITORS:
        documented += section(reference, "add-event, add-worker, add-publisher, remove-event")
    options = help_text(command).split("\nOptions:\n", 1)[1]
    in_help = set(_FLAG.findall(options)) - {"--help"}
    in_docs = set(_FLAG.findall(documented))
    everywhere = set(in_docs)
    if command == "check":  # its page details every flag
        everywhere |= set(_FLAG.findall((ROOT / "docs" / "check.md").read_text("utf-8")))
    assert in_help <= everywhere, f"undocumented: {sorted(in_help - everywhere)}"
    if command not in EDITORS:  # the shared section also names the other commands' flags
        assert in_docs <= in_help, f"not in `{command} --help`: {sorted(in_docs - in_help)}"


@pytest.mark.parametrize("command", COMMANDS)
def test_help_reads_like_a_person_wrote_it(command: str) -> None:
    text = help_text(command)
    assert text.count("Examples:") == 1
    for python_type in ("<str>", "<list[str]>", "<path>", "{name}", "{topic}", "<bool>"):
        assert python_type not in text
    usage = text.splitlines()[0]
    assert "{" not in usage and "<" not in usage
    for line in text.split("Examples:", 1)[1].split("\n\n", 1)[0].splitlines()[1:]:
        assert line.strip().startswith(("scaffold ", "--")), line


def test_docs_command_prints_the_installed_pages(runner: CliRunner) -> None:
    listing = runner.invoke(cli, ["docs"])
    assert listing.exit_code == 0
    for topic, page in (
        ("guide", "README.md"),
        ("commands", "commands.md"),
        ("patterns", "patterns.md"),
        ("check", "check.md"),
        ("reliability", "reliability.md"),
    ):
        assert topic in listing.output
        shown = runner.invoke(cli, ["docs", topic])
        assert shown.exit_code == 0
        assert shown.output == (ROOT / "docs" / page).read_text(encoding="utf-8")
    bad = runner.invoke(cli, ["docs", "nope"])
    assert bad.exit_code == 1 and "choose one of guide, commands" in bad.output


def test_wheel_ships_the_docs() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '"docs" = "scaffold/_docs"' in pyproject
    # every page `scaffold docs` knows is a file that exists, so the wheel carries it
    from scaffold import _docs

    for topic in _docs.TOPICS:
        assert _docs.read(topic)
