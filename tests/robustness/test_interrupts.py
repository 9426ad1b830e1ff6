"""Ctrl-C and Ctrl-D at any prompt: one behaviour, one message, nothing written.

Both mean "stop": exit 130 and the line ``error: aborted, nothing was written`` (before this
was fixed, Ctrl-D printed click's ``Aborted!`` and exited 1). Run on a real pseudo-terminal.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pexpect
import pytest

from tests.helpers import spawn_scaffold
from tests.reliability import tree_state

FIXTURE = Path(__file__).parents[1] / "fixtures" / "apps" / "inline-semicolons"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
KEYS = {"ctrl-c": "\x03", "ctrl-d": "\x04"}

# (command, what the prompt shows) for each kind of prompt: text (questionary.text with
# validation), the select list, the confirm before writing, and add-event's own prompts.
PROMPTS: dict[str, tuple[list[str], list[str]]] = {
    "new-vendor": (["new", "dest"], ["Vendor"]),
    "new-store-choice": (
        ["new", "dest", "--vendor", "acme", "--name", "x", "--title", "T", "--description", ""],
        ["idempotency"],
    ),
    "new-confirm": (
        [
            "new",
            "dest",
            "--vendor",
            "acme",
            "--name",
            "x",
            "--title",
            "T",
            "--description",
            "",
            "--store",
            "vbase",
            "--no-example",
        ],
        [r"Create these \d+ files"],
    ),
    "add-event-name": (["add-event", "-C", "app"], ["(?i)handler"]),
    "add-event-sender": (["add-event", "order-paid", "-C", "app"], ["Sender app"]),
    "new-prefilled-name": (["new", "dest", "--vendor", "acme"], ["App name"]),
}


@pytest.mark.parametrize("key", KEYS)
@pytest.mark.parametrize("prompt", PROMPTS)
def test_cancel_at_a_prompt(tmp_path: Path, prompt: str, key: str) -> None:
    shutil.copytree(FIXTURE, tmp_path / "app")
    before = tree_state(tmp_path)
    args, shown = PROMPTS[prompt]
    child = spawn_scaffold(args, tmp_path)
    for pattern in shown:
        child.expect(pattern)
    child.send(KEYS[key])
    child.expect(pexpect.EOF)
    child.close()
    tail = ANSI.sub("", child.before).replace("\r", "")
    assert child.exitstatus == 130, tail
    assert tail.rstrip().endswith("error: aborted, nothing was written"), tail
    assert "Aborted!" not in tail and "Traceback" not in tail
    assert tree_state(tmp_path) == before
