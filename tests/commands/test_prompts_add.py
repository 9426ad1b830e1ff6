"""The prompts of ``scaffold add-event`` on a real pseudo-terminal (pexpect)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pexpect
import pytest

from scaffold._answers import AppAnswers
from scaffold.new import create_app
from tests.helpers import spawn_scaffold

CLEAR_LINE = "\x15"  # Ctrl-U


@pytest.fixture
def app(tmp_path: Path) -> Path:
    root = tmp_path / "app"
    create_app(root, AppAnswers("acme", "order-sync", "Order Sync", "", "vbase", False))
    return root


def events_of(app: Path) -> dict[str, object]:
    service = json.loads((app / "node/service.json").read_text(encoding="utf-8"))
    events = service.get("events", {})
    assert isinstance(events, dict)
    return events


def finish(child: pexpect.spawn) -> None:
    child.expect("create node/events/orderCreated.ts")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before


def test_add_event_asks_sender_and_topic(app: Path, tmp_path: Path) -> None:
    child = spawn_scaffold(["add-event", "order-created", "-C", str(app)], tmp_path)
    child.expect(r"Sender app \(vendor\.app-name")
    child.sendline("vtex.orders-broadcast")
    child.expect(r"Topic \(e\.g\. order-status-updated\)")
    child.sendline("order-created")
    child.expect(r"Another topic \(Enter when done\)")
    child.sendline("")
    finish(child)
    assert events_of(app)["orderCreated"] == {
        "sender": "vtex.orders-broadcast",
        "topics": ["order-created"],
    }


def test_bad_sender_and_topic_are_rejected_at_the_prompt(app: Path, tmp_path: Path) -> None:
    child = spawn_scaffold(["add-event", "order-created", "-C", str(app)], tmp_path)
    child.expect("Sender app")
    child.sendline("vtex.orders-broadcast@1.x")
    child.expect("invalid sender 'vtex.orders-broadcast@1.x'")
    child.send(CLEAR_LINE)
    child.sendline("vtex.broadcaster")
    child.expect("Topic")
    child.sendline("has space")
    child.expect("invalid topic 'has space'")
    child.send(CLEAR_LINE)
    child.sendline("broadcaster.notification")
    child.expect("Another topic")
    child.sendline("")
    finish(child)
    assert events_of(app)["orderCreated"] == {
        "sender": "vtex.broadcaster",
        "topics": ["broadcaster.notification"],
    }


def test_add_event_without_name_asks_it_and_several_topics(app: Path, tmp_path: Path) -> None:
    child = spawn_scaffold(["add-event", "-C", str(app)], tmp_path)
    child.expect(r"Handler name \(e\.g\. order-status-changed\)")
    child.sendline("order/created")  # same rule as the argument: no path separators
    child.expect("invalid handler name 'order/created'")
    child.send(CLEAR_LINE)
    child.sendline("order-created")
    child.expect("Sender app")
    child.sendline("vtex.orders-broadcast")
    child.expect("Topic")
    child.sendline("order-status-updated")
    child.expect("Another topic")
    child.sendline("bad topic")
    child.expect("invalid topic 'bad topic'")
    child.send(CLEAR_LINE)
    child.sendline("order-created")
    child.expect("Another topic")
    child.sendline("order-created")  # a repeat is ignored
    child.expect("Another topic")
    child.sendline("")
    finish(child)
    assert events_of(app)["orderCreated"] == {
        "sender": "vtex.orders-broadcast",
        "topics": ["order-status-updated", "order-created"],
    }


def test_add_worker_and_remove_event_ask_the_name(app: Path, tmp_path: Path) -> None:
    child = spawn_scaffold(["add-worker", "--no-batch", "--no-route", "-C", str(app)], tmp_path)
    child.expect(r"Worker name \(e\.g\. sync-items\)")
    child.sendline("reindex")
    child.expect("create node/workers/reindex.ts")
    child.expect("Next steps:")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert "reindex" in events_of(app)

    child = spawn_scaffold(["add-publisher", "-C", str(app)], tmp_path)
    child.expect(r"Topic to publish \(e\.g\. item-changed\)")
    child.sendline("item-changed")
    child.expect("create node/publishers/itemChanged.ts")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0

    add = spawn_scaffold(
        ["add-event", "x", "--sender", "a.b", "--topic", "t", "-C", str(app)], tmp_path
    )
    add.expect(pexpect.EOF)
    child = spawn_scaffold(["remove-event", "-C", str(app)], tmp_path)
    child.expect("Handler name")
    child.sendline("x")
    child.expect("delete node/events/x.ts")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert "x" not in events_of(app)


def test_no_prompt_when_stdout_is_not_a_terminal(app: Path, tmp_path: Path) -> None:
    # stdin is a terminal, stdout a pipe: asking would hide the question, so it is an error
    child = pexpect.spawn(
        "/bin/sh",
        ["-c", f"{sys.executable} -m scaffold add-event -C {app} 2>&1 | cat"],
        cwd=str(tmp_path),
        encoding="utf-8",
        timeout=20,
    )
    child.expect("missing NAME: pass it")
    child.expect(pexpect.EOF)
    child.close()
    assert "Handler name" not in str(child.before)
    assert "orderCreated" not in events_of(app)


def test_yes_never_prompts(app: Path, tmp_path: Path) -> None:
    child = spawn_scaffold(["add-event", "-y", "-C", str(app)], tmp_path)
    child.expect("missing NAME")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1


def test_a_long_validation_message_wraps_on_a_narrow_terminal(app: Path, tmp_path: Path) -> None:
    child = spawn_scaffold(["add-event", "-C", str(app)], tmp_path)
    child.setwinsize(24, 60)  # before the prompt is drawn: Python takes longer to start
    child.expect("Handler name")
    child.sendline("order/created")
    child.expect("invalid handler name 'order/created'")
    # the fix hint at the end of the message is shown, on the following lines
    child.expect(r"no path separators")
    child.expect(r"order-created\)")
    child.sendcontrol("c")
    child.expect(pexpect.EOF)
    child.close()
    assert "orderCreated" not in events_of(app)


@pytest.mark.parametrize(
    ("add", "remove", "question", "answer", "deleted"),
    [
        (["add-worker", "sync-items"], "remove-worker", "Worker name", "sync-items", "syncItems"),
        (
            ["add-publisher", "item-changed"],
            "remove-publisher",
            "Topic of the publisher",
            "item-changed",
            "itemChanged",
        ),
    ],
    ids=["remove-worker", "remove-publisher"],
)
def test_remove_commands_ask_for_a_missing_name(
    app: Path, tmp_path: Path, add: list[str], remove: str, question: str, answer: str, deleted: str
) -> None:
    before = spawn_scaffold([*add, "-y", "-C", str(app)], tmp_path)
    before.expect(pexpect.EOF)
    before.close()
    assert before.exitstatus == 0, before.before
    refused = spawn_scaffold([remove, "-y", "-C", str(app)], tmp_path)
    refused.expect("missing (NAME|TOPIC): pass it")
    refused.expect(pexpect.EOF)
    refused.close()
    assert refused.exitstatus == 1
    child = spawn_scaffold([remove, "-C", str(app)], tmp_path)
    child.expect(question)
    child.sendline(answer)
    child.expect(f"delete node/\\w+/{deleted}\\.ts")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
