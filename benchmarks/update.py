"""Print how long ``scaffold update`` takes on a generated app (wall time).

Builds a local git repository of this checkout's template tagged v1.0.0 and v1.1.0 (one
template file changed), makes an app at v1.0.0, then times ``scaffold update --template``
to v1.1.0 on fresh copies, and the "up to date" answer; then the same update from the git
bundle a wheel carries (hatch_build.py makes it from the tags), which is what a bare
``scaffold update`` of an installed scaffold reads.

Run: ``.venv/bin/python benchmarks/update.py [--runs N]``. Figures only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GIT = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.com"]


def git(cwd: Path, *args: str) -> None:
    subprocess.run([*GIT, *args], cwd=cwd, check=True, capture_output=True)


def timed(args: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(args, cwd=cwd, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    scaffold = [sys.executable, "-m", "scaffold"]
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "template"
        repo.mkdir()
        shutil.copy2(ROOT / "copier.yml", repo / "copier.yml")
        shutil.copytree(ROOT / "templates", repo / "templates")
        git(repo, "init", "-q")
        git(repo, "add", "-A")
        git(repo, "commit", "-qm", "v1.0.0")
        git(repo, "tag", "v1.0.0")
        index = repo / "templates/app/node/index.ts"
        index.write_text("// v1.1.0\n" + index.read_text())
        git(repo, "commit", "-qam", "v1.1.0")
        git(repo, "tag", "v1.1.0")
        sys.path.insert(0, str(ROOT))
        from scaffold._answers import AppAnswers
        from scaffold.new import create_app

        base = Path(tmp) / "app"
        create_app(
            base,
            AppAnswers("acme", "order-sync", "Order Sync", "", "vbase", True),
            template=str(repo),
            ref="v1.0.0",
        )
        git(base, "init", "-q")
        git(base, "add", "-A")
        git(base, "commit", "-qm", "app")
        sys.path.insert(0, str(ROOT))  # hatch_build.py
        from hatch_build import make_bundle

        bundle = Path(tmp) / "history.bundle"
        make_bundle(repo, bundle)
        updates, current, from_bundle = [], [], []
        for i in range(runs):
            app = Path(tmp) / f"run{i}"
            shutil.copytree(base, app, symlinks=True)
            updates.append(timed([*scaffold, "update", "--template", str(repo)], app))
            git(app, "commit", "-qam", "updated")
            current.append(timed([*scaffold, "update", "--template", str(repo)], app))
            app = Path(tmp) / f"bundle{i}"
            shutil.copytree(base, app, symlinks=True)
            from_bundle.append(timed([*scaffold, "update", "--template", str(bundle)], app))
    print(
        f"scaffold update v1.0.0 -> v1.1.0: median {statistics.median(updates):.2f} s "
        f"(min {min(updates):.2f}, max {max(updates):.2f}, {runs} runs)\n"
        f"scaffold update when up to date: median {statistics.median(current):.2f} s\n"
        f"scaffold update v1.0.0 -> v1.1.0 from the wheel's bundle: median "
        f"{statistics.median(from_bundle):.2f} s"
    )


if __name__ == "__main__":
    main()
