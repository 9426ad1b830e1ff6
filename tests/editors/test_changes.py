from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from scaffold._changes import ChangeSet, Diffs
from scaffold.errors import ProjectError
from tests.helpers import snapshot, write_tree


def test_plan_writes_nothing_until_apply(tmp_path: Path) -> None:
    write_tree(tmp_path, {"a.txt": b"one\n", "gone.txt": b"bye\n"})
    changes = ChangeSet(tmp_path)
    changes.write(Path("a.txt"), b"one\ntwo\n")
    changes.write(tmp_path / "new/deep/b.txt", b"b\n")
    changes.delete(Path("gone.txt"))
    assert snapshot(tmp_path) == {"a.txt": b"one\n", "gone.txt": b"bye\n"}
    assert [(c.rel, c.kind) for c in changes.changes] == [
        ("a.txt", "modify"),
        ("gone.txt", "delete"),
        ("new/deep/b.txt", "create"),
    ]
    assert changes.read(Path("a.txt")) == b"one\ntwo\n"
    assert changes.read(Path("gone.txt")) is None

    applied = changes.apply()
    assert len(applied) == 3
    assert snapshot(tmp_path) == {"a.txt": b"one\ntwo\n", "new/deep/b.txt": b"b\n"}
    assert not list(tmp_path.rglob("*.tmp"))


def test_writing_the_same_bytes_is_empty(tmp_path: Path) -> None:
    write_tree(tmp_path, {"a.txt": b"same\n"})
    changes = ChangeSet(tmp_path)
    assert changes.is_empty
    changes.write(Path("a.txt"), b"same\n")
    changes.delete(Path("missing.txt"))
    assert changes.is_empty
    assert changes.diff() == {}
    assert changes.apply() == []


def test_later_write_replaces_earlier_plan(tmp_path: Path) -> None:
    write_tree(tmp_path, {"a.txt": b"x\n"})
    changes = ChangeSet(tmp_path)
    changes.write(Path("a.txt"), b"y\n")
    changes.write(Path("a.txt"), b"x\n")
    assert changes.is_empty


def test_diff_is_unified_with_relative_paths(tmp_path: Path) -> None:
    write_tree(tmp_path, {"node/service.json": b'{\n  "a": 1\n}\n', "old.txt": b"z\n"})
    changes = ChangeSet(tmp_path)
    changes.write(Path("node/service.json"), b'{\n  "a": 1,\n  "b": 2\n}\n')
    changes.write(Path("node/new.ts"), b"export {}\n")
    changes.delete(Path("old.txt"))
    diffs = changes.diff()
    assert list(diffs) == ["node/new.ts", "node/service.json", "old.txt"]
    assert diffs["node/service.json"] == (
        "--- a/node/service.json\n+++ b/node/service.json\n"
        '@@ -1,3 +1,4 @@\n {\n-  "a": 1\n+  "a": 1,\n+  "b": 2\n }\n'
    )
    assert diffs["node/new.ts"].startswith("--- /dev/null\n+++ b/node/new.ts\n")
    assert diffs["old.txt"].startswith("--- a/old.txt\n+++ /dev/null\n")


def test_lazy_diffs_are_the_diffs_of_the_plan_even_once_applied(tmp_path: Path) -> None:
    write_tree(tmp_path, {"a.txt": b"one\n", "old.txt": b"z\n"})
    changes = ChangeSet(tmp_path)
    changes.write(Path("a.txt"), b"one\ntwo\n")
    changes.delete(Path("old.txt"))
    lazy = Diffs(changes.changes)
    expected = changes.diff()
    changes.apply()
    assert dict(lazy) == expected and list(lazy) == ["a.txt", "old.txt"]
    assert lazy["a.txt"].endswith(" one\n+two\n") and len(lazy) == 2


def test_diff_keeps_crlf_and_marks_missing_final_newline(tmp_path: Path) -> None:
    write_tree(tmp_path, {"a.txt": b"one\r\ntwo"})
    changes = ChangeSet(tmp_path)
    changes.write(Path("a.txt"), b"one\r\ntwo\r\nthree")
    text = changes.diff()["a.txt"]
    assert "-two\n\\ No newline at end of file\n" in text
    assert "+two\r\n+three\n\\ No newline at end of file\n" in text


def test_apply_keeps_file_mode(tmp_path: Path) -> None:
    write_tree(tmp_path, {"run.sh": b"echo\n"})
    (tmp_path / "run.sh").chmod(0o750)
    changes = ChangeSet(tmp_path)
    changes.write(Path("run.sh"), b"echo hi\n")
    changes.apply()
    assert stat.S_IMODE((tmp_path / "run.sh").stat().st_mode) == 0o750


def test_new_files_follow_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        changes = ChangeSet(tmp_path)
        changes.write(Path("n.txt"), b"n\n")
        changes.apply()
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "n.txt").stat().st_mode) == 0o640


def test_failure_rolls_everything_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_tree(tmp_path, {"a.txt": b"a\n", "b.txt": b"b\n", "c.txt": b"c\n"})
    before = snapshot(tmp_path)
    changes = ChangeSet(tmp_path)
    changes.write(Path("a.txt"), b"A\n")
    changes.write(Path("b.txt"), b"B\n")
    changes.write(Path("new/dir/x.txt"), b"x\n")
    changes.delete(Path("c.txt"))

    real_replace = Path.replace
    calls = []

    def flaky(self: Path, target: str | os.PathLike[str]) -> Path:
        calls.append(self)
        if Path(target).name == "new" or Path(target).name == "x.txt":
            raise PermissionError(13, "Permission denied", str(target))
        return real_replace(self, target)

    monkeypatch.setattr(Path, "replace", flaky)
    with pytest.raises(ProjectError, match=r"cannot write new/dir/x\.txt: Permission denied"):
        changes.apply()
    monkeypatch.undo()
    assert snapshot(tmp_path) == before
    assert not (tmp_path / "new").exists()
    assert len(calls) >= 3


def test_file_changed_since_planning_is_refused(tmp_path: Path) -> None:
    write_tree(tmp_path, {"a.txt": b"a\n", "b.txt": b"b\n"})
    changes = ChangeSet(tmp_path)
    changes.write(Path("a.txt"), b"A\n")
    changes.write(Path("b.txt"), b"B\n")
    (tmp_path / "b.txt").write_bytes(b"edited meanwhile\n")
    with pytest.raises(ProjectError, match=r"b\.txt changed on disk"):
        changes.apply()
    assert snapshot(tmp_path) == {"a.txt": b"a\n", "b.txt": b"edited meanwhile\n"}


def test_created_file_that_appeared_meanwhile_is_refused(tmp_path: Path) -> None:
    changes = ChangeSet(tmp_path)
    changes.write(Path("n.txt"), b"mine\n")
    (tmp_path / "n.txt").write_bytes(b"theirs\n")
    with pytest.raises(ProjectError, match="n.txt changed on disk"):
        changes.apply()
    assert (tmp_path / "n.txt").read_bytes() == b"theirs\n"
