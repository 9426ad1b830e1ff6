"""Run a generated app's own toolchain (npm install, tsc, jest) with one shared install.

``npm install`` of @vtex/api + TypeScript + jest costs ~40 s and ~250 MB, so it runs once per
distinct set of dependencies into a cache folder, and each app under test gets a symlink.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

CACHE = Path(os.environ.get("SCAFFOLD_NODE_CACHE", Path(__file__).resolve().parents[1] / ".cache"))


def _deps_key(package: dict[str, object]) -> str:
    wanted = {k: package.get(k) for k in ("dependencies", "devDependencies", "overrides")}
    return hashlib.sha256(json.dumps(wanted, sort_keys=True).encode()).hexdigest()[:16]


def ensure_node_modules(node_dir: Path) -> Path:
    """Install ``node_dir/package.json``'s dependencies once, and link them into ``node_dir``.

    Args:
        node_dir: A generated app's ``node/`` folder.

    Returns:
        The cached install folder.
    """
    package = json.loads((node_dir / "package.json").read_text(encoding="utf-8"))
    target = CACHE / "node-deps" / _deps_key(package)
    target.mkdir(parents=True, exist_ok=True)
    with (target / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # pytest-xdist workers share the cache
        if not (target / "node_modules" / ".scaffold-complete").exists():
            shutil.rmtree(target / "node_modules", ignore_errors=True)
            shutil.copy(node_dir / "package.json", target / "package.json")
            subprocess.run(
                ["npm", "install", "--no-audit", "--no-fund", "--loglevel=error"],
                cwd=target,
                check=True,
            )
            (target / "node_modules" / ".scaffold-complete").touch()
    link = node_dir / "node_modules"
    if not link.exists():
        link.symlink_to(target / "node_modules", target_is_directory=True)
    return target


def run(node_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run a command in ``node_dir`` and capture its output (does not raise).

    Args:
        node_dir: A generated app's ``node/`` folder.
        *args: The command line.

    Returns:
        The finished process.
    """
    return subprocess.run(
        list(args), cwd=node_dir, text=True, capture_output=True, check=False, timeout=600
    )


def typecheck(node_dir: Path) -> subprocess.CompletedProcess[str]:
    """Type-check the app against the real @vtex/api (``tsc --noEmit``), then its tests.

    Generated apps keep jest's types out of the build: ``__tests__/tsconfig.json`` extends
    the app's and adds them, so both projects are checked when it exists.
    """
    ensure_node_modules(node_dir)
    tsc = ["node", "node_modules/typescript/bin/tsc", "--noEmit", "-p"]
    result = run(node_dir, *tsc, ".")
    if result.returncode == 0 and (node_dir / "__tests__" / "tsconfig.json").is_file():
        result = run(node_dir, *tsc, "__tests__")
    return result


def jest(node_dir: Path) -> subprocess.CompletedProcess[str]:
    """Run the app's own tests with jest (``npm test``)."""
    ensure_node_modules(node_dir)
    return run(node_dir, "npm", "test", "--silent")
