"""How many add-*/remove-* round trips give back the exact bytes of real apps.

For every app under the given roots (a folder holding manifest.json and node/service.json),
each sequence runs on a fresh copy in a temporary folder, once without git and once as a
git repository with everything committed; the tree's bytes after the removes are compared
with the copy's bytes before the adds (``.git`` aside).

Run: .venv/bin/python benchmarks/round_trip.py [ROOT ...]   (default: /work/real/*)
Prints one line per app, sequence and mode that does not round-trip, then the totals.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from scaffold.errors import ScaffoldError
from scaffold.events import add_event, remove_event
from scaffold.publishers import add_publisher, remove_publisher
from scaffold.workers import add_worker, remove_worker

Step = Callable[[Path], object]

SEQUENCES: dict[str, list[Step]] = {
    "event": [
        lambda r: add_event(r, "rt-probe", sender="vtex.orders-broadcast", topics=["order-x"]),
        lambda r: remove_event(r, "rt-probe"),
    ],
    "worker": [
        lambda r: add_worker(r, "rt-sync"),
        lambda r: remove_worker(r, "rt-sync"),
    ],
    "publisher": [
        lambda r: add_publisher(r, "rt-changed"),
        lambda r: remove_publisher(r, "rt-changed"),
    ],
    "all": [
        lambda r: add_event(r, "rt-probe", sender="vtex.orders-broadcast", topics=["order-x"]),
        lambda r: add_worker(r, "rt-sync"),
        lambda r: add_publisher(r, "rt-changed"),
        lambda r: remove_publisher(r, "rt-changed"),
        lambda r: remove_worker(r, "rt-sync"),
        lambda r: remove_event(r, "rt-probe"),
    ],
}


def apps(roots: list[Path]) -> list[Path]:
    """Every folder under ``roots`` with a manifest.json and a node/service.json."""
    found = []
    for root in roots:
        for manifest in sorted(root.rglob("manifest.json")):
            parts = manifest.relative_to(root).parts
            if "node_modules" in parts or ".git" in parts:
                continue
            if (manifest.parent / "node" / "service.json").is_file():
                found.append(manifest.parent)
    return found


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file's bytes under ``root`` (``.git`` aside), by relative path."""
    out = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if rel.parts[0] == ".git" or not path.is_file() or path.is_symlink():
            continue
        out[rel.as_posix()] = path.read_bytes()
    return out


def git(root: Path, *args: str) -> None:
    """Run git quietly in ``root``."""
    subprocess.run(
        ["git", "-c", "user.email=rt@example.com", "-c", "user.name=rt", *args],
        cwd=root,
        check=True,
        capture_output=True,
    )


def run(app: Path, steps: list[Step], *, with_git: bool, work: Path) -> str | None:
    """Run ``steps`` on a copy of ``app``; ``None`` when the bytes came back, else why not."""
    copy = work / app.name
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(app, copy, symlinks=True, ignore=shutil.ignore_patterns(".git"))
    if with_git:
        git(copy, "init", "-q")
        git(copy, "add", "-A")
        git(copy, "commit", "-q", "-m", "start")
    before = snapshot(copy)
    for step in steps:
        try:
            step(copy)
        except ScaffoldError as error:
            return f"refused: {error}"
    after = snapshot(copy)
    if after == before:
        return None
    diffs = sorted(set(before) ^ set(after)) + sorted(
        rel for rel in set(before) & set(after) if before[rel] != after[rel]
    )
    return "differs: " + ", ".join(diffs)


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser()
    parser.add_argument("roots", nargs="*", type=Path)
    args = parser.parse_args()
    roots = args.roots or sorted(p for p in Path("/work/real").iterdir() if p.is_dir())
    found = apps(roots)
    total = exact = refused = 0
    with tempfile.TemporaryDirectory() as tmp:
        for app in found:
            for name, steps in SEQUENCES.items():
                for with_git in (False, True):
                    total += 1
                    why = run(app, steps, with_git=with_git, work=Path(tmp))
                    if why is None:
                        exact += 1
                        continue
                    refused += why.startswith("refused")
                    mode = "git" if with_git else "no git"
                    print(f"{app} [{name}, {mode}]: {why}")
    print(
        f"{len(found)} apps, {total} round trips: {exact} exact, "
        f"{refused} refused, {total - exact - refused} not exact"
    )
    sys.exit(0)


if __name__ == "__main__":
    main()
