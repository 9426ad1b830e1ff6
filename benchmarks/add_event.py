"""Wall time of `scaffold add-event` on a generated app and on an app with 200 events.

Run: .venv/bin/python benchmarks/add_event.py
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scaffold.events import add_event
from scaffold.new import AppAnswers, create_app

ARGS = ["--sender", "vtex.orders-broadcast", "--topic", "order-status-updated", "-y"]


def _cli(app: Path, name: str) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "scaffold", "add-event", name, *ARGS, "-C", str(app)],
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - start


def _grow(app: Path, count: int) -> None:
    """Declare and register ``count`` generic consumers through the API (one edit each)."""
    for i in range(count):
        add_event(app, f"partner-event-{i}", sender="acme.partner", topics=[f"topic-{i}"])


def main() -> None:
    """Print the figures."""
    with tempfile.TemporaryDirectory() as tmp:
        answers = AppAnswers("acme", "order-sync", "Order Sync", "", "vbase", True)
        small = Path(tmp) / "small"
        create_app(small, answers)
        big = Path(tmp) / "big"
        create_app(big, answers)
        start = time.perf_counter()
        _grow(big, 200)
        grow = time.perf_counter() - start
        events = json.loads((big / "node/service.json").read_text())["events"]
        print(f"built an app with {len(events)} events in {grow:.1f} s (API, in-process)")
        for label, app in (("generated app", small), (f"{len(events)}-event app", big)):
            times = sorted(_cli(app, f"bench-{i}") for i in range(5))
            print(
                f"add-event CLI on the {label}: median {times[2] * 1000:.0f} ms, "
                f"min {times[0] * 1000:.0f} ms (5 runs, process start included)"
            )
        start = time.perf_counter()
        add_event(big, "in-process", sender="acme.partner", topics=["x"])
        took = (time.perf_counter() - start) * 1000
        print(f"add-event API on the big app, in-process: {took:.0f} ms")


if __name__ == "__main__":
    main()
