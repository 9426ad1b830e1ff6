"""The README graph and CHANGELOG an edit writes equal a full redraw from the app on disk.

add-*/remove-* draw the README graph from an inventory that reads the imports of files seen
before from a cache keyed by their bytes, and parses a handler only when its imports reach a
publisher's name (issue 20, item 8: an add-event in an app with hundreds of handlers must not
parse them all). These tests hold the result to what a full read of the app gives after every
step of a sequence of edits, hand edits in between.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from scaffold import _app_docs, _facts_cache, _service_map, inventory
from scaffold.events import add_event, remove_event
from scaffold.inventory import GRAPH_END, GRAPH_START
from scaffold.publishers import add_publisher
from scaffold.workers import add_worker, remove_worker
from tests.helpers import count_parses, make_app

SENDER = "vtex.orders-broadcast"


def _full(app: Path) -> tuple[inventory.Inventory, str, str]:
    return (
        inventory.read_app(app),
        (app / "README.md").read_text(encoding="utf-8"),
        (app / "CHANGELOG.md").read_text(encoding="utf-8"),
    )


def _call_publisher(app: Path, handler: str) -> None:
    """Hand edit: the handler calls the app's publisher (its imports now reach it)."""
    path = app / "node/events" / f"{handler}.ts"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        "import { publishItemsSyncRequested } from '../publishers/itemsSyncRequested'\n"
        + text
        + "\nexport const again = (ctx: any) => publishItemsSyncRequested(ctx, 'j', ['a'])\n",
        encoding="utf-8",
    )
    events_index = app / "node/events/index.ts"
    map_text = events_index.read_text(encoding="utf-8")
    # The registered function is the one that publishes.
    events_index.write_text(
        map_text.replace(
            f"import {{ {handler} }} from './{handler}'",
            f"import {{ again as {handler} }} from './{handler}'",
        ),
        encoding="utf-8",
    )


STEPS = [
    ("add-event", lambda app: add_event(app, "first-one", sender=SENDER, topics=["order-created"])),
    ("add-worker", lambda app: add_worker(app, "reindex", batch=False, route=False)),
    ("add-publisher", lambda app: add_publisher(app, "stock-changed")),
    (
        "add-event",
        lambda app: add_event(app, "second-one", sender="acme.partner", topics=["a.b", "a-b"]),
    ),
    ("hand edit", lambda app: _call_publisher(app, "firstOne")),
    ("add-event", lambda app: add_event(app, "third-one", sender=SENDER, topics=["order-created"])),
    ("add-worker", lambda app: add_worker(app, "bulk-sync")),
    ("remove-event", lambda app: remove_event(app, "second-one")),
    ("remove-worker", lambda app: remove_worker(app, "reindex")),
    ("remove-event", lambda app: remove_event(app, "first-one")),
    ("remove-worker", lambda app: remove_worker(app, "bulk-sync")),
    ("remove-event", lambda app: remove_event(app, "third-one")),
]


def _hand_edit_readme(app: Path) -> None:
    readme = app / "README.md"
    text = readme.read_text(encoding="utf-8")
    start, end = text.index(GRAPH_START), text.index(GRAPH_END)
    # Text of the person's own around the block, and the block itself tampered with.
    text = "Intro of my own.\r\n\n" + text[:start] + GRAPH_START + "\nstale\n" + text[end:]
    readme.write_text(text + "\nNotes after.\n", encoding="utf-8")


def _no_block(app: Path) -> None:
    readme = app / "README.md"
    text = readme.read_text(encoding="utf-8")
    start, end = text.index(GRAPH_START), text.index(GRAPH_END) + len(GRAPH_END)
    readme.write_text(text[:start] + text[end:], encoding="utf-8")


@pytest.mark.parametrize("shape", ["generated", "hand-edited-readme", "no-graph-block"])
@pytest.mark.parametrize("cache", ["warm", "none", "trusted"])
def test_every_step_equals_a_full_redraw(
    shape: str, cache: str, tmp_path: Path, gen_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app("generated", tmp_path / "app", gen_cache)
    if shape == "hand-edited-readme":
        _hand_edit_readme(app)
    elif shape == "no-graph-block":
        _no_block(app)
    if cache == "trusted":  # facts of files are trusted by stat from the next edit on
        monkeypatch.setattr(_facts_cache, "RACY_NS", 0)
    if cache == "none":  # a cache folder that cannot be made: every file is parsed
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "file"))
        (tmp_path / "file").write_text("not a folder", encoding="utf-8")
    drawn: list[str] = []
    for what, step in STEPS:
        before, readme, changelog = _full(app)
        result = step(app)
        if result is None:  # a hand edit: the next command's redraw shows it
            continue
        after = inventory.read_app(app)
        forgotten = _app_docs.forget_removed(readme, before, after, lambda r: (app / r).exists())
        expected_readme = _app_docs.replace_block(forgotten, after)
        assert (app / "README.md").read_text(encoding="utf-8") == expected_readme, what
        expected_log = _app_docs.update_changelog(changelog, before, after)
        assert (app / "CHANGELOG.md").read_text(encoding="utf-8") == expected_log, what
        # What next steps read about the item the command is about is all there.
        focused = [item for item in after.items if item.id == result.name]
        assert result.inventory is not None
        assert [i for i in result.inventory.items if i.id == result.name] == focused, what
        assert [i.publishes for i in result.inventory.items] == [
            i.publishes for i in after.items
        ], what
        drawn.append((app / "README.md").read_text(encoding="utf-8"))
    # The hand edit's publisher call was drawn by the commands after it.
    assert any("handler_thirdOne" in t and "handler_firstOne --> pub_" in t for t in drawn) == (
        shape != "no-graph-block"
    )


def test_an_add_event_parses_neither_the_other_handlers_nor_their_imports(
    tmp_path: Path, gen_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app("generated", tmp_path / "app", gen_cache)
    for n in range(6):  # each edit leaves what it read in the cache, as a person's edits do
        add_event(app, f"partner-{n}", sender="acme.partner", topics=[f"topic-{n}"])
    parsed = count_parses(monkeypatch)
    result = add_event(app, "newest", sender="acme.partner", topics=["t"])
    assert "README.md" in result.modified
    assert "handler_newest" in (app / "README.md").read_text(encoding="utf-8")
    others = [rel for rel in parsed if rel.startswith("node/events/partner")]
    assert others == []  # each of them was read through its cached imports only
    assert "node/events/newest.ts" in parsed  # the one the edit is about, in full


def _prose(app: Path) -> str:
    """The README above the graph block (what `new` wrote as text)."""
    text = (app / "README.md").read_text(encoding="utf-8")
    return text[: text.index(GRAPH_START)]


def test_removing_the_examples_takes_their_rows_and_side_effects_out_of_the_readme(
    tmp_path: Path, gen_cache: Path
) -> None:
    app = make_app("generated", tmp_path / "app", gen_cache)
    assert "Replace the two marked side effects: `processOrderStatusUpdated`" in _prose(app)
    remove_event(app, "order-status-updated")
    prose = _prose(app)
    assert "orderStatusUpdated" not in prose
    assert "| worker `syncItems` | `node/workers/syncItems.ts` |" in prose
    assert (
        "\n\nReplace the marked side effect: `processItem` in `node/workers/syncItems.ts`.\n\n"
        in prose
    )
    remove_worker(app, "sync-items")
    prose = _prose(app)
    assert "syncItems" not in prose and "itemsSyncRequested" not in prose
    assert "marked side effect" not in prose
    assert "|---|---|---|\n| processing ledger | `node/support/processing.ts` |" in prose
    assert "\n\n\n" not in (app / "README.md").read_text(encoding="utf-8")


def test_removing_the_examples_takes_the_sections_about_them_out_too(
    tmp_path: Path, gen_cache: Path
) -> None:
    app = make_app("generated", tmp_path / "app", gen_cache)
    readme = app / "README.md"
    remove_event(app, "order-status-updated")
    text = readme.read_text(encoding="utf-8")
    assert "order-status-updated" not in text and "Order events: the unit" not in text
    # What is about the worker stays while the worker does.
    for kept in ("- Jobs: the route records", "### Call the routes", "sync-items/jobs/JOB_ID"):
        assert kept in text
    remove_worker(app, "sync-items")
    text = readme.read_text(encoding="utf-8")
    for gone in ("syncItems", "sync-items", "Call the routes", "scaffold:example"):
        assert gone not in text
    assert "```sh\nscaffold records " in text  # the generic part of "Run it locally"
    assert "\n\n\n" not in text


def test_an_example_section_without_its_end_line_stays(tmp_path: Path, gen_cache: Path) -> None:
    app = make_app("generated", tmp_path / "app", gen_cache)
    readme = app / "README.md"
    text = readme.read_text(encoding="utf-8")
    broken = text.replace("### Call the routes", "### Calling them", 1)
    cut = broken.index("### Calling them")
    end = broken.index("<!-- scaffold:example:end -->", cut)
    broken = broken[:end] + broken[end + len("<!-- scaffold:example:end -->\n") :]
    readme.write_text(broken, encoding="utf-8")
    remove_worker(app, "sync-items")
    assert "### Calling them" in readme.read_text(encoding="utf-8")


def test_text_the_person_reworded_stays(tmp_path: Path, gen_cache: Path) -> None:
    app = make_app("generated", tmp_path / "app", gen_cache)
    readme = app / "README.md"
    mine = readme.read_text(encoding="utf-8").replace(
        "Replace the two marked side effects:", "My own words about"
    )
    mine = mine.replace("| event handler `orderStatusUpdated` |", "| our order handler |")
    readme.write_text(mine, encoding="utf-8")
    remove_event(app, "order-status-updated")
    prose = _prose(app)
    assert "My own words about `processOrderStatusUpdated`" in prose
    assert "| our order handler |" in prose
    # A hand-written README without the graph block is never touched.
    other = make_app("generated", tmp_path / "other", gen_cache)
    _no_block(other)
    before = (other / "README.md").read_bytes()
    remove_worker(other, "sync-items")
    assert (other / "README.md").read_bytes() == before


def test_an_add_event_reads_the_events_map_once_before_and_once_after(
    tmp_path: Path, gen_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app("generated", tmp_path / "app", gen_cache)
    add_event(app, "partner-0", sender="acme.partner", topics=["topic-0"])
    read: list[str] = []
    original = _service_map.Resolver.service_map

    def counting(self: _service_map.Resolver[Any], index: Any) -> Any:
        read.append(self.prop)
        return original(self, index)

    monkeypatch.setattr(_service_map.Resolver, "service_map", counting)
    result = add_event(app, "newest", sender="acme.partner", topics=["t"])
    assert "handler_newest" in (app / "README.md").read_text(encoding="utf-8")
    assert "CHANGELOG.md" in result.modified
    # The edit's lookup serves the state before too; the state after is read anew.
    assert read.count("events") == 2


def test_a_map_read_from_other_bytes_is_not_taken(tmp_path: Path, gen_cache: Path) -> None:
    from scaffold import _inventory, _ts_edit

    app = make_app("generated", tmp_path / "app", gen_cache)
    seen: dict[str, bytes | None] = {}

    def disk(rel: str) -> bytes | None:
        path = app / rel
        return path.read_bytes() if path.is_file() else None

    def reading(rel: str) -> bytes | None:
        data = seen[rel] = disk(rel)
        return data

    keep: dict[str, Any] = {}
    index = reading("node/index.ts")
    assert index is not None
    _ts_edit.locate_events(index, reading, keep=keep)
    stale = {"events": (keep["events"], dict(seen))}
    add_event(app, "later", sender="acme.partner", topics=["t"])  # the map changes on disk
    fresh = _inventory.inventory(disk, details=False)
    taken = _inventory.inventory(disk, details=False, maps=stale)
    assert "later" in [item.id for item in fresh.items if item.registered]
    assert taken.to_json() == fresh.to_json()


def _legacy_publisher(app: Path) -> None:
    """Hand edit: a publisher in ``publishers/stockChanged/index.ts``, called by a handler.

    ``add-publisher stock-changed`` then creates ``publishers/stockChanged.ts``, which the
    handler's ``../publishers/stockChanged`` names first: the import resolves to another
    module once the edit is applied than on disk before it.
    """
    folder = app / "node/publishers/stockChanged"
    folder.mkdir()
    (folder / "index.ts").write_text(
        "import type { Clients } from '../../clients'\n\n"
        "export async function publishLegacyStock(ctx: { clients: Clients }, id: string) {\n"
        "  await ctx.clients.events.sendEvent('', 'legacy-stock', { id })\n"
        "}\n",
        encoding="utf-8",
    )
    handler = app / "node/events/orderStatusUpdated.ts"
    handler.write_text(
        "import { publishLegacyStock } from '../publishers/stockChanged'\n"
        + handler.read_text(encoding="utf-8")
        + "\nexport const legacy = (ctx: any) => publishLegacyStock(ctx, 'x')\n",
        encoding="utf-8",
    )
    events_index = app / "node/events/index.ts"
    events_index.write_text(
        events_index.read_text(encoding="utf-8").replace(
            "import { orderStatusUpdated } from './orderStatusUpdated'",
            "import { legacy as orderStatusUpdated } from './orderStatusUpdated'",
        ),
        encoding="utf-8",
    )


@pytest.mark.parametrize("cache", ["warm", "trusted"])
def test_an_import_the_edit_makes_name_another_module_is_resolved_in_each_view(
    cache: str, tmp_path: Path, gen_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The two views of an edit share how imports resolve, except where the edit creates
    or deletes a file an import may name: then each view resolves it on its own."""
    app = make_app("generated", tmp_path / "app", gen_cache)
    if cache == "trusted":
        monkeypatch.setattr(_facts_cache, "RACY_NS", 0)
    _legacy_publisher(app)
    add_event(app, "warm-up", sender=SENDER, topics=["order-created"])  # facts learned
    for what, step in (
        ("add-publisher", lambda: add_publisher(app, "stock-changed")),
        ("add-event", lambda: add_event(app, "later-one", sender=SENDER, topics=["x"])),
        ("remove-event", lambda: remove_event(app, "later-one")),
    ):
        before, readme, changelog = _full(app)
        step()
        after = inventory.read_app(app)
        forgotten = _app_docs.forget_removed(readme, before, after, lambda r: (app / r).exists())
        assert (app / "README.md").read_text(encoding="utf-8") == _app_docs.replace_block(
            forgotten, after
        ), what
        assert (app / "CHANGELOG.md").read_text(encoding="utf-8") == _app_docs.update_changelog(
            changelog, before, after
        ), what
    # The legacy publisher was in the graph all along, beside the one the edits added.
    assert "publishLegacyStock" in (app / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("first", ["after", "before"])
def test_each_view_resolves_an_import_the_edit_changes_on_its_own(first: str) -> None:
    """Shared resolutions stop at a path the edit creates: each view keeps its own answer."""
    from scaffold._inventory import Shared, _Files

    handler = b"import { x } from '../publishers/stockChanged'\nimport { C } from '../clients'\n"
    disk = {
        "node/events/a.ts": handler,
        "node/events/b.ts": handler,
        "node/clients/index.ts": b"export class C {}\n",
        "node/publishers/stockChanged/index.ts": b"export const x = 1\n",
    }
    planned = {**disk, "node/publishers/stockChanged.ts": b"export const x = 2\n"}
    shared = Shared({"node/publishers/stockChanged.ts"})
    views = {
        "before": _Files(disk.get, shared=shared),
        "after": _Files(planned.get, shared=shared),
    }
    expected = {
        "before": "node/publishers/stockChanged/index.ts",
        "after": "node/publishers/stockChanged.ts",
    }
    order = [first, "after" if first == "before" else "before"]
    for view in order:
        assert views[view].imports("node/events/a.ts") == [
            expected[view],
            "node/clients/index.ts",
        ], view
        assert (
            views[view].resolve("node/events/b.ts", "../publishers/stockChanged")[0]
            == (expected[view])
        ), view
    # What no changed path can affect is worked out once, for both views.
    assert set(shared.resolved) == {("node/events", "../clients")}
