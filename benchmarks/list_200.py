"""Time ``scaffold list`` / ``scaffold graph`` on an app with 200 handlers, and what the README
graph refresh adds to ``add-event``.

Run: ``.venv/bin/python benchmarks/list_200.py [N] [--runs R]``. Uses the app of
``benchmarks/check_200.py`` (half consumers, half workers). Prints the in-process time of one
inventory (cold: grammar load included; warm: best of 3), then the median wall time of
``scaffold list``, ``scaffold graph`` and a typer hello world as fresh processes, then the
in-process time of ``add_event`` on that app with and without the graph markers in its README
(the refresh reads the app twice: before and after the edit). Figures only; nothing asserted.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from scaffold import inventory
from scaffold.events import add_event

HERE = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location("check_200", HERE / "check_200.py")
assert _spec is not None and _spec.loader is not None
check_200 = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(check_200)


def timed_add(root: Path, readme: str | None) -> float:
    """Seconds of one add_event on a fresh copy of ``root`` (README.md as given)."""
    with tempfile.TemporaryDirectory() as tmp:
        app = Path(tmp) / "app"
        shutil.copytree(root, app)
        (app / "node" / "clients").mkdir(exist_ok=True)
        (app / "node" / "clients" / "index.ts").write_text(
            "import { IOClients } from '@vtex/api'\nexport class Clients extends IOClients {}\n"
        )
        if readme is not None:
            (app / "README.md").write_text(readme)
        start = time.perf_counter()
        add_event(app, "new-one", sender="vtex.orders-broadcast", topics=["order-status-updated"])
        return time.perf_counter() - start


def main() -> None:
    """Generate the app, time the inventory, the commands and the refresh; print figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("count", nargs="?", type=int, default=200)
    parser.add_argument("--runs", type=int, default=7)
    options = parser.parse_args()
    count, runs = options.count, options.runs
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "bench"
        check_200.generate(root, count)
        timings = []
        for _ in range(4):
            start = time.perf_counter()
            inv = inventory.read_app(root)
            timings.append(time.perf_counter() - start)
        print(
            f"{count} handlers, {len(inv.items)} items: inventory in process cold "
            f"{timings[0] * 1000:.0f} ms, best of 3 warm {min(timings[1:]) * 1000:.0f} ms"
        )
        hello = Path(tmp) / "hello.py"
        hello.write_text(check_200.HELLO)
        env = dict(os.environ)
        rows = {
            "typer hello world": [sys.executable, str(hello)],
            "scaffold list": [sys.executable, "-m", "scaffold", "list", str(root)],
            "scaffold graph": [sys.executable, "-m", "scaffold", "graph", str(root)],
        }
        medians = {k: statistics.median(check_200.wall(v, runs, env)) for k, v in rows.items()}
        print(f"median of {runs} runs, wall time of a fresh process:")
        for label, seconds in medians.items():
            ratio = seconds / medians["typer hello world"]
            print(f"  {label:<20} {seconds * 1000:6.0f} ms  ratio {ratio:.2f}")
        block = f"# bench\n\n{inventory.GRAPH_START}\n{inventory.GRAPH_END}\n"
        plain = min(timed_add(root, None) for _ in range(3))
        marked = min(timed_add(root, block) for _ in range(3))
        print(
            f"add_event, best of 3: {plain * 1000:.0f} ms without the README markers, "
            f"{marked * 1000:.0f} ms with them (graph redrawn)"
        )


if __name__ == "__main__":
    main()
