"""Names scaffold derives never collide: with template internals, globals, other components."""

from __future__ import annotations

from pathlib import Path

import pytest

from scaffold.errors import ConflictError
from scaffold.events import add_event
from scaffold.publishers import add_publisher
from scaffold.workers import add_worker
from tests.helpers import make_app, snapshot


@pytest.mark.parametrize(
    ("name", "clash"),
    [
        ("process-item", "'processItem', a name the worker code already uses"),
        ("run-once", "'runOnce', a name the worker code already uses"),
        ("mark-done", "'markDone', a name the worker code already uses"),
        ("claim", "'claim', a name the worker code already uses"),
        ("work", "'work', a name the worker code already uses"),
        ("exports", "'exports', a name the runtime reserves"),
    ],
)
def test_worker_names_that_clash_with_template_names_are_refused(
    tmp_path: Path, gen_cache: Path, name: str, clash: str
) -> None:
    app = make_app("generated", tmp_path / "app", gen_cache)
    before = snapshot(app)
    with pytest.raises(ConflictError, match=rf"worker name .* gives the identifier {clash}"):
        add_worker(app, name)
    assert snapshot(app) == before


@pytest.mark.parametrize("name", ["work", "run-once", "key-of", "exports", "payload"])
def test_consumer_names_that_clash_are_refused(tmp_path: Path, gen_cache: Path, name: str) -> None:
    app = make_app("generated", tmp_path / "app", gen_cache)
    before = snapshot(app)
    with pytest.raises(ConflictError, match="handler name .* gives the identifier"):
        add_event(app, name, sender="acme.partner", topics=["x"])
    assert snapshot(app) == before


@pytest.mark.parametrize("name", ["claim", "mark-done", "setup", "process-item"])
def test_names_a_template_uses_elsewhere_but_not_beside_the_handler_are_fine(
    tmp_path: Path, gen_cache: Path, name: str
) -> None:
    app = make_app("generated", tmp_path / "app", gen_cache)
    result = add_event(app, name, sender="acme.partner", topics=["x"])
    assert result.created


def test_consumer_named_like_the_example_topic_gets_its_own_test(
    tmp_path: Path, gen_cache: Path
) -> None:
    app = make_app("generated", tmp_path / "app", gen_cache)
    publisher_test = app / "node/__tests__/publishers/itemsSyncRequested.test.ts"
    kept = publisher_test.read_bytes()
    result = add_event(app, "items-sync-requested", sender="acme.partner", topics=["x"])
    assert "node/__tests__/events/itemsSyncRequested.test.ts" in result.created
    assert not result.notes
    assert publisher_test.read_bytes() == kept


def test_topic_that_clashes_with_the_publisher_template_is_refused(
    tmp_path: Path, gen_cache: Path
) -> None:
    app = make_app("generated", tmp_path / "app", gen_cache)
    clash = "topic 'max-id-length' gives the identifier 'MAX_ID_LENGTH'"
    with pytest.raises(ConflictError, match=clash):
        add_publisher(app, "max-id-length")
