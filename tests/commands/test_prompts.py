"""The interactive flow of ``scaffold new`` on a real pseudo-terminal (pexpect)."""

from __future__ import annotations

import sys
from pathlib import Path

import pexpect
import yaml

from tests.helpers import spawn_scaffold

DOWN = "\x1b[B"


def spawn(args: list[str], cwd: Path) -> pexpect.spawn:
    return spawn_scaffold(["new", *args], cwd)


def test_prompts_ask_only_what_is_missing(tmp_path: Path) -> None:
    child = spawn(["stock-feed", "--description", "Given by flag"], tmp_path)
    child.expect("Vendor")
    child.sendline("acme")
    child.expect("App name")
    child.sendline("")  # accept the default taken from DEST
    child.expect("Title")
    child.sendline("")  # accept "Stock Feed"
    child.expect("Where idempotency and status records live")
    child.send(DOWN)
    child.send("\r")
    child.expect("example consumer")
    child.send("n")
    child.expect(r"Create these \d+ files\?")
    child.sendline("y")
    child.expect("Created acme.stock-feed")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    answers = yaml.safe_load((tmp_path / "stock-feed" / ".copier-answers.yml").read_text())
    assert answers["vendor"] == "acme"
    assert answers["name"] == "stock-feed"
    assert answers["title"] == "Stock Feed"
    assert answers["description"] == "Given by flag"
    assert answers["store"] == "masterdata"
    assert answers["example"] is False


def test_prompt_rejects_bad_vendor_until_fixed(tmp_path: Path) -> None:
    child = spawn(["app", "--name", "app", "--defaults"], tmp_path)
    # --defaults never asks: the required vendor is an error even on a terminal
    child.expect("missing vendor")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1

    child = spawn(
        ["app", "--name", "app", "--store", "vbase", "--no-example", "--title", "T"], tmp_path
    )
    child.expect("Vendor")
    child.sendline("Bad-Vendor")
    child.expect("invalid vendor")
    child.send("\x15")  # Ctrl-U: clear the line
    child.sendline("acme")
    child.expect("description")
    child.sendline("")
    child.expect(r"Create these \d+ files\?")
    child.sendline("")
    child.expect("Created acme.app")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_ctrl_c_aborts_and_writes_nothing(tmp_path: Path) -> None:
    child = spawn(["app"], tmp_path)
    child.expect("Vendor")
    child.sendcontrol("c")
    child.expect("aborted, nothing was written")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert not (tmp_path / "app").exists()


def test_no_prompt_when_stdin_is_not_a_tty(tmp_path: Path) -> None:
    # stdout is a terminal but stdin is a pipe: must not prompt, must fail fast
    child = pexpect.spawn(
        "/bin/sh",
        ["-c", f"echo | {sys.executable} -m scaffold new app"],
        cwd=str(tmp_path),
        encoding="utf-8",
        timeout=20,
    )
    child.expect("missing vendor")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1


def test_new_shows_the_files_and_writes_nothing_when_declined(tmp_path: Path) -> None:
    child = spawn(["app", "--vendor", "acme", "--store", "vbase", "--no-example"], tmp_path)
    child.expect("App name")
    child.sendline("")
    child.expect("Title")
    child.sendline("")
    child.expect("description")
    child.sendline("")
    child.expect("acme.app \\(vbase\\) in ")
    child.expect("node/service.json")
    child.expect(r"Create these (\d+) files\?")
    count = int(child.match.group(1))
    child.send("n")
    child.expect("nothing written")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1
    assert not (tmp_path / "app").exists()
    assert count > 10


def test_new_dot_in_an_empty_folder_is_named_after_it(tmp_path: Path) -> None:
    folder = tmp_path / "my-app"
    folder.mkdir()
    child = spawn([".", "--vendor", "acme", "--store", "vbase", "--no-example"], folder)
    child.expect(r"App name \(e\.g\. order-sync\)")
    child.sendline("")  # the default: the folder's name
    child.expect("Title")
    child.sendline("")
    child.expect("description")
    child.sendline("")
    child.expect("Create these")
    child.sendline("")
    child.expect("Created acme.my-app")
    child.expect("Next steps:")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    manifest = (folder / "manifest.json").read_text(encoding="utf-8")
    assert '"name": "my-app"' in manifest
