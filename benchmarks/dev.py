"""Figures of ``scaffold dev``: time to ready, ``emit`` round trip, memory.

Generates the example app (VBase), installs its dependencies from the shared cache
(SCAFFOLD_NODE_CACHE), and prints:

- time from ``scaffold dev`` to its ``ready:`` line after a first build (``--clean``: tsc from
  nothing, the platform transpiled, the runtime booted) and on a warm restart (incremental
  tsc, cached platform), median of RUNS each;
- the round trip of ``scaffold emit`` (a fresh CLI process: Python start-up included) and of
  the broker alone (POST /_scaffold/emit), median over EMITS, for a handler that only logs
  (a handler added for this: no ledger, no store call);
- resident memory of the three processes (scaffold, the node platform, the app's runtime).

    .venv/bin/python benchmarks/dev.py [--runs 3] [--emits 50]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scaffold.new import AppAnswers, create_app  # noqa: E402
from tests import nodeapp  # noqa: E402
from tests.devrun import Dev, free_port, request, scaffold  # noqa: E402

PING = """
import type { EventContext, IOClients } from '@vtex/api'

export async function ping(ctx: EventContext<IOClients>) {
  ctx.vtex.logger.info({ message: 'ping' })
}
"""


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _app(folder: Path) -> Path:
    app = folder / "order-sync"
    answers = AppAnswers(
        vendor="acme",
        name="order-sync",
        title="Order Sync",
        description="",
        store="vbase",
        example=True,
    )
    create_app(app, answers)
    (app / "node/events/ping.ts").write_text(PING)
    index = app / "node/events/index.ts"
    text = index.read_text()
    text = "import { ping } from './ping'\n" + text
    text = text.replace("export const events = {", "export const events = {\n  ping,", 1)
    index.write_text(text)
    service = app / "node/service.json"
    service.write_text(
        service.read_text().replace(
            '"events": {',
            '"events": {\n    "ping": { "sender": "acme.bench", "topics": ["ping"] },',
            1,
        )
    )
    nodeapp.ensure_node_modules(app / "node")
    return app


def _ready(app: Path, port: int, *extra: str) -> tuple[float, Dev]:
    started = time.monotonic()
    dev = Dev(app, port, *extra)
    dev.wait_for("ready: ")
    return time.monotonic() - started, dev


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--emits", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = _app(Path(tmp))
        assert "ping," in (app / "node/events/index.ts").read_text(), "events map not found"
        port = free_port()
        first, warm = [], []
        for _ in range(args.runs):
            took, dev = _ready(app, port, "--clean")
            first.append(took)
            dev.stop()
            took, dev = _ready(app, port)
            warm.append(took)
            dev.stop()

        _, dev = _ready(app, port)
        try:
            emit = ["emit", "ping", "--sender", "acme.bench", "--data", "{}", "--port", str(port)]
            cli, broker = [], []
            for _ in range(args.emits):
                started = time.monotonic()
                done = scaffold(*emit, cwd=app)
                cli.append(time.monotonic() - started)
                assert done.returncode == 0, done.stderr
                started = time.monotonic()
                status, answer = request(
                    f"http://127.0.0.1:{port}/_scaffold/emit",
                    "POST",
                    {"sender": "acme.bench", "topic": "ping", "data": {}},
                )
                broker.append(time.monotonic() - started)
                assert status == 200 and answer["deliveries"][0]["ok"], answer
            pids = dev.status()
            rss = {
                "scaffold (python)": _rss_kib(dev.process.pid),
                "platform (node)": _rss_kib(pids["pid"]),
                "app runtime (node)": _rss_kib(pids["appPid"]),
            }
        finally:
            dev.stop()

    def ms(values: list[float]) -> str:
        return f"{statistics.median(values) * 1000:.0f} ms (min {min(values) * 1000:.0f})"

    print(f"ready after a first build (--clean), median of {args.runs}: {ms(first)}")
    print(f"ready on a warm restart, median of {args.runs}:            {ms(warm)}")
    print(f"scaffold emit round trip, median of {args.emits}:            {ms(cli)}")
    print(f"broker round trip (POST /_scaffold/emit), median of {args.emits}: {ms(broker)}")
    for name, kib in rss.items():
        print(f"memory {name}: {kib / 1024:.0f} MiB")
    print(f"memory in all: {sum(rss.values()) / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
