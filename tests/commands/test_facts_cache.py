"""The facts cache behind the README/CHANGELOG refresh: trusted by stat, never stale.

An add-* in an app with hundreds of handlers does not read the handlers it leaves alone: what
the docs need of each (its imports, whether it names a publisher) is kept with its ``lstat``
(:mod:`scaffold._facts_cache`). These tests hold it to its rules: a file that may have changed
is read again (a change the stat cannot show, made within the racy window; a swap for a
symlink, a FIFO; a folder that cannot be entered), and a cache that is gone, corrupt or cannot
be written changes nothing but the speed.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from scaffold import _app_docs, _facts_cache, _read, inventory
from scaffold.errors import ProjectError
from scaffold.events import add_event
from tests.helpers import count_parses, make_app

WORKER = "node/workers/syncItems.ts"
SECOND = 1_000_000_000


@pytest.fixture
def at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Entries are trusted as soon as a later run starts (as if 2 s had passed each time)."""
    monkeypatch.setattr(_facts_cache, "RACY_NS", 0)


def _grown(tmp_path: Path, gen_cache: Path, count: int = 3) -> Path:
    app = make_app("generated", tmp_path / "app", gen_cache)
    for n in range(count):  # each edit leaves what it read in the cache
        add_event(app, f"partner-{n}", sender="acme.partner", topics=[f"topic-{n}"])
    return app


def _reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every file read from disk from now on (as paths relative to nothing: absolute)."""
    read: list[str] = []
    original = _read.read_bytes

    def counting(path: Path, limit: int = _read.MAX_BYTES) -> bytes:
        read.append(Path(path).as_posix())
        return original(path, limit)

    monkeypatch.setattr(_read, "read_bytes", counting)
    return read


def _equals_full_redraw(
    app: Path, step: Callable[[], object], read: list[str] | None = None
) -> None:
    """Run ``step`` (an edit) and compare README/CHANGELOG with a full read of the app.

    ``read`` (from :func:`_reads`) is left holding what the step alone read.
    """
    before = inventory.read_app(app)
    readme = (app / "README.md").read_text(encoding="utf-8")
    changelog = (app / "CHANGELOG.md").read_text(encoding="utf-8")
    start = len(read) if read is not None else 0
    step()
    by_step = read[start:] if read is not None else []
    after = inventory.read_app(app)
    if read is not None:
        read[:] = by_step
    expected = _app_docs.replace_block(
        _app_docs.forget_removed(readme, before, after, lambda r: (app / r).exists()), after
    )
    assert (app / "README.md").read_text(encoding="utf-8") == expected
    expected_log = _app_docs.update_changelog(changelog, before, after)
    assert (app / "CHANGELOG.md").read_text(encoding="utf-8") == expected_log


def test_a_warm_add_event_reads_none_of_the_handlers_it_leaves_alone(
    tmp_path: Path, gen_cache: Path, monkeypatch: pytest.MonkeyPatch, at_once: None
) -> None:
    app = _grown(tmp_path, gen_cache)
    read = _reads(monkeypatch)
    step = lambda: add_event(app, "newest", sender="acme.partner", topics=["t"])  # noqa: E731
    _equals_full_redraw(app, step, read)
    others = [p.split("/app/", 1)[1] for p in read if "/node/events/partner" in p]
    # Only the one the last edit wrote (that edit took no facts of the files it wrote).
    assert others == ["node/events/partner2.ts"]
    assert "handler_newest" in (app / "README.md").read_text(encoding="utf-8")


def test_without_the_wait_every_file_is_read(
    tmp_path: Path, gen_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Files written less than 2 s before their facts were taken are not trusted.
    app = _grown(tmp_path, gen_cache)
    read = _reads(monkeypatch)
    add_event(app, "newest", sender="acme.partner", topics=["t"])
    assert {f"node/events/partner{n}.ts" for n in range(3)} <= {
        p.split("/app/", 1)[1] for p in read
    }


def test_a_hand_edit_is_seen(
    tmp_path: Path, gen_cache: Path, monkeypatch: pytest.MonkeyPatch, at_once: None
) -> None:
    app = _grown(tmp_path, gen_cache)
    handler = app / "node/events/partner0.ts"
    # Same size, mtime put back: the stat still differs (ctime), so the file is read again.
    info = handler.stat()
    text = handler.read_text(encoding="utf-8")
    changed = text.replace("EventContext", "EventKontext", 1)
    assert len(changed) == len(text) and changed != text
    handler.write_text(changed, encoding="utf-8")
    os.utime(handler, ns=(info.st_atime_ns, info.st_mtime_ns))
    read = _reads(monkeypatch)
    step = lambda: add_event(app, "newest", sender="acme.partner", topics=["t"])  # noqa: E731
    _equals_full_redraw(app, step, read)
    assert any(p.endswith("node/events/partner0.ts") for p in read)


class _CoarseClock:
    """A file system whose timestamps only move every 2 s (FAT, some network mounts).

    Every file written in this window shows the same mtime and ctime, so a change that
    keeps a file's size keeps its whole stat.
    """

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = 1_800_000_000 * SECOND
        real = _facts_cache._stat

        def coarse(path: str) -> _facts_cache.Stat:
            info = real(path)
            return info._replace(mtime_ns=self.stamp, ctime_ns=self.stamp)

        self.stamp = self.now
        monkeypatch.setattr(_facts_cache, "_stat", coarse)
        monkeypatch.setattr(_facts_cache, "_now", lambda: self.now)


def _one_handler(tmp_path: Path) -> tuple[Path, str]:
    """An app folder with one handler file importing a helper: (app root, its path)."""
    app = tmp_path / "app"
    (app / "node/events").mkdir(parents=True)
    rel = "node/events/a.ts"
    (app / rel).write_bytes(b"import x from '../support/processing'\n")
    return app, rel


def _facts_of(app: Path, rel: str) -> _facts_cache.Facts:
    facts = _facts_cache.Facts(app)
    facts.learn(rel, (app / rel).read_bytes(), ["../support/processing"])
    facts.asked({"sendEvent"})
    facts.save()
    return _facts_cache.Facts(app)


def test_a_change_the_stat_cannot_show_within_the_racy_window_is_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = _CoarseClock(monkeypatch)
    app, rel = _one_handler(tmp_path)
    clock.now += SECOND // 2  # the facts are taken in the same tick the file was written
    assert _facts_of(app, rel).get(rel) is None  # may change unseen: read it
    # The same bytes, facts taken after the window: trusted.
    clock.now += 3 * SECOND
    fact = _facts_of(app, rel).get(rel)
    assert fact is not None
    assert fact.specs == ["../support/processing"]
    assert fact.words == {"sendEvent": False}


def test_a_same_size_rewrite_in_one_clock_tick_is_not_missed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = _CoarseClock(monkeypatch)
    app, rel = _one_handler(tmp_path)
    clock.now += SECOND // 2
    _facts_of(app, rel)
    # Rewritten in place in the same tick: same inode, size, mtime and ctime.
    (app / rel).write_bytes(b"import x from '../support/sendEvent!'\n")
    clock.now += 3 * SECOND
    assert _facts_cache.Facts(app).get(rel) is None


@pytest.mark.parametrize("swap", ["symlink-inside", "symlink-outside", "fifo"])
def test_a_file_swapped_for_something_else_is_read_as_before(
    swap: str, tmp_path: Path, gen_cache: Path, at_once: None
) -> None:
    app = _grown(tmp_path, gen_cache)
    worker = app / WORKER
    data = worker.read_bytes()
    worker.unlink()
    if swap == "fifo":
        os.mkfifo(worker)
        expected = r"cannot read node/workers/syncItems\.ts: it is a FIFO"
    elif swap == "symlink-outside":
        (tmp_path / "elsewhere.ts").write_bytes(data)
        worker.symlink_to(tmp_path / "elsewhere.ts")
        expected = r"node/workers/syncItems\.ts leads outside the app"
    else:
        (app / "node/workers/real.ts").write_bytes(data)
        worker.symlink_to("real.ts")
        expected = ""
    if expected:
        with pytest.raises(ProjectError, match=expected):
            add_event(app, "newest", sender="acme.partner", topics=["t"])
        assert "newest" not in (app / "README.md").read_text(encoding="utf-8")
    else:
        _equals_full_redraw(
            app, lambda: add_event(app, "newest", sender="acme.partner", topics=["t"])
        )


def test_an_unreadable_file_is_refused_as_before(
    tmp_path: Path, gen_cache: Path, at_once: None
) -> None:
    app = _grown(tmp_path, gen_cache)
    (app / WORKER).chmod(0o000)
    with pytest.raises(ProjectError, match=r"cannot read node/workers/syncItems\.ts: it has no"):
        add_event(app, "newest", sender="acme.partner", topics=["t"])


def _with_a_helper(tmp_path: Path, gen_cache: Path) -> Path:
    """An app whose first handler imports a module of a folder nothing else reads."""
    app = make_app("generated", tmp_path / "app", gen_cache)
    (app / "node/lib").mkdir()
    (app / "node/lib/format.ts").write_text("export const pad = (s: string) => ` ${s}`\n")
    add_event(app, "partner-0", sender="acme.partner", topics=["topic-0"])
    handler = app / "node/events/partner0.ts"
    handler.write_text("import '../lib/format'\n" + handler.read_text(encoding="utf-8"))
    for n in (1, 2):  # the facts of node/lib/format.ts are taken (and trusted after)
        add_event(app, f"partner-{n}", sender="acme.partner", topics=[f"topic-{n}"])
    return app


def test_a_folder_that_cannot_be_entered_is_refused_as_before(
    tmp_path: Path, gen_cache: Path, at_once: None
) -> None:
    # chmod of the folder does not touch the stat of the files in it.
    app = _with_a_helper(tmp_path, gen_cache)
    (app / "node/lib").chmod(0o644)
    try:
        with pytest.raises(ProjectError, match=r"cannot enter node/lib/: it has no execute"):
            add_event(app, "newest", sender="acme.partner", topics=["t"])
    finally:
        (app / "node/lib").chmod(0o755)


def test_a_folder_moved_out_of_the_app_behind_a_symlink_is_refused_as_before(
    tmp_path: Path, gen_cache: Path, at_once: None
) -> None:
    # The file keeps its inode, size and times: only the folder's real path tells.
    app = _with_a_helper(tmp_path, gen_cache)
    (app / "node/lib").rename(tmp_path / "lib")
    (app / "node/lib").symlink_to(tmp_path / "lib")
    with pytest.raises(ProjectError, match=r"node/lib/format\.ts leads outside the app"):
        add_event(app, "newest", sender="acme.partner", topics=["t"])


@pytest.mark.parametrize("cache", ["deleted", "corrupt", "unwritable"])
def test_a_cache_that_is_gone_or_broken_changes_nothing_but_speed(
    cache: str,
    tmp_path: Path,
    gen_cache: Path,
    monkeypatch: pytest.MonkeyPatch,
    at_once: None,
) -> None:
    app = _grown(tmp_path, gen_cache)
    folder = Path(os.environ["XDG_CACHE_HOME"]) / "scaffold" / "facts"
    entries = list(folder.iterdir())
    assert entries  # the edits above left their facts
    if cache == "deleted":
        for entry in entries:
            entry.unlink()
        folder.rmdir()
    elif cache == "corrupt":
        for entry in entries:
            broken = {"node/events/partner0.ts": [1]}  # an entry of the wrong shape
            entry.write_text(json.dumps({"version": _facts_cache.VERSION, "files": broken}))
    else:
        for entry in entries:
            entry.unlink()
        folder.rmdir()
        folder.write_text("not a folder", encoding="utf-8")
    _equals_full_redraw(app, lambda: add_event(app, "newest", sender="acme.partner", topics=["t"]))
    _equals_full_redraw(app, lambda: add_event(app, "newer", sender="acme.partner", topics=["u"]))


def test_only_a_readable_regular_file_is_trusted_whatever_its_stat_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # On a file system whose clock does not move, a chmod leaves the whole stat as it was:
    # the mode itself must still say a file a read would accept.
    clock = _CoarseClock(monkeypatch)
    app, rel = _one_handler(tmp_path)
    clock.now += 3 * SECOND
    assert _facts_of(app, rel).get(rel) is not None
    (app / rel).chmod(0o000)
    try:
        assert _facts_cache.Facts(app).get(rel) is None
    finally:
        (app / rel).chmod(0o644)


def test_files_whose_stat_changed_are_read_but_not_parsed(
    tmp_path: Path, gen_cache: Path, monkeypatch: pytest.MonkeyPatch, at_once: None
) -> None:
    # A checkout or a `touch` changes every stat, not the bytes: the import specifiers of
    # the handlers are still known by their bytes, so none of them is parsed.
    app = _grown(tmp_path, gen_cache)
    add_event(app, "partner-3", sender="acme.partner", topics=["topic-3"])  # all trusted now
    for handler in (app / "node/events").glob("partner*.ts"):
        os.utime(handler)
    parsed = count_parses(monkeypatch)
    read = _reads(monkeypatch)
    by_step: list[str] = []

    def step() -> None:
        start = len(parsed)
        add_event(app, "newest", sender="acme.partner", topics=["t"])
        by_step.extend(parsed[start:])

    _equals_full_redraw(app, step, read)
    assert any(p.endswith("node/events/partner0.ts") for p in read)  # read again ...
    assert [rel for rel in by_step if rel.startswith("node/events/partner")] == []  # ... only
