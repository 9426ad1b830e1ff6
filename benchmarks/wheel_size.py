"""Print what the template's release history costs in the wheel (bytes), per release count.

Clones this repository (its commits, not the working tree) into a temporary folder, builds
the wheel with no release tags (no history), then tags every Nth commit that holds the
template as a release (v0.1.0, v0.2.0, ...) and builds again: the wheel then carries the
git bundle of those releases (hatch_build.py). For comparison it also prints the size of one
release's template as a .tar.gz, the cost per release of shipping rendered snapshots.

Run: ``.venv/bin/python benchmarks/wheel_size.py [--every N]``. Figures only.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GIT = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.com"]


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run([*GIT, *args], cwd=cwd, check=True, capture_output=True, text=True)
    return done.stdout


def build(src: Path, out: Path) -> tuple[Path, float]:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", str(out)],
        cwd=src,
        check=True,
        capture_output=True,
    )
    (wheel,) = out.glob("*.whl")
    return wheel, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--every", type=int, default=10, help="tag every Nth commit")
    every = parser.parse_args().every
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "scaffold"
        git(Path(tmp), "clone", "-q", "--no-tags", str(ROOT), str(repo))
        plain, plain_s = build(repo, Path(tmp) / "plain")
        commits = git(repo, "rev-list", "--reverse", "HEAD").split()
        templated = [c for c in commits if "copier.yml" in git(repo, "ls-tree", "--name-only", c)]
        releases = [*templated[every - 1 :: every], templated[-1]]
        for n, commit in enumerate(dict.fromkeys(releases), start=1):
            git(repo, "tag", f"v0.{n}.0", commit)
        tagged, tagged_s = build(repo, Path(tmp) / "tagged")
        with zipfile.ZipFile(tagged) as archive:
            bundle = archive.getinfo("scaffold/_template/history.bundle").file_size
        snapshot = Path(tmp) / "snapshot.tar.gz"
        with tarfile.open(snapshot, "w:gz") as archive:
            for part in ("copier.yml", "templates"):
                archive.add(repo / part, arcname=part)
        count = len(dict.fromkeys(releases))
        sizes = [path.stat().st_size for path in (plain, tagged, snapshot)]
    print(
        f"wheel without history: {sizes[0]} bytes (built in {plain_s:.1f} s)\n"
        f"wheel with {count} releases (1 in {every} of {len(templated)} template commits): "
        f"{sizes[1]} bytes (built in {tagged_s:.1f} s)\n"
        f"history bundle: {bundle} bytes, {bundle // count} per release\n"
        f"one release as a rendered snapshot (.tar.gz): {sizes[2]} bytes"
    )


if __name__ == "__main__":
    main()
