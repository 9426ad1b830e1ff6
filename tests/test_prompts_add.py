"""The prompts of ``scaffold add-event`` on a real pseudo-terminal (pexpect)."""

from __future__ import annotations

import json
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
