"""Time ``scaffold check`` on an app with 200 event handlers, next to a hello-world typer CLI.

Run: ``.venv/bin/python benchmarks/check_200.py [N] [--runs R]``. Prints the handler count, the
number of findings, in-process timings of ``check_app`` (parse + all rules; the first, cold run
also loads the tree-sitter grammar), then the median wall time of the ``scaffold check``
command and of a hello-world typer command (both as fresh processes), and their ratio. The goal
is a ratio of at most 1.3. Last comes the floor under a first run: the time tree-sitter
alone takes to parse the app's files (no rule run), beside the hello world. Figures only;
nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import _timing

from scaffold.check import check_app

HELLO = """\
import typer

app = typer.Typer()


@app.command()
def hello(name: str = "world") -> None:
    typer.echo(f"hello {name}")


app()
"""

HANDLER = """\
import type {{ EventContext }} from '@vtex/api'

import type {{ Clients }} from '../clients'
import {{ markFailed, runOnce }} from '../support/processing'

export async function handler{i}(ctx: EventContext<Clients>) {{
  const {{ orderId }} = ctx.body as {{ orderId: string }}
  try {{
    await runOnce(ctx, 'handler{i}', orderId, async () => {{
      await ctx.clients.partner.sendOrder(orderId)
      await ctx.clients.vbase.saveJSON('orders', orderId, {{ orderId }})
    }})
  }} catch (error) {{
    await markFailed(ctx, 'handler{i}', orderId, error)
    throw error
  }}
  ctx.vtex.logger.info({{ message: 'done', orderId }})
}}
"""


LEDGER = """\
export async function runOnce(ctx: any, scope: string, key: string, work: () => Promise<void>) {
  const path = `${scope}/${key}`
  const record = await ctx.clients.vbase.getJSON('ledger', path, true)
  if (record?.status === 'done') return
  await work()
  await ctx.clients.vbase.saveJSON('ledger', path, { status: 'done' })
}

export async function markFailed(ctx: any, scope: string, key: string, error: unknown) {
  await ctx.clients.vbase.saveJSON('ledger', `${scope}/${key}`, { status: 'failed' })
}
"""


def generate(root: Path, count: int) -> None:
    """Write an app with ``count`` handlers (half consumers, half workers) under ``root``."""
    (root / "node" / "events").mkdir(parents=True)
    (root / "node" / "workers").mkdir()
    (root / "node" / "support").mkdir()
    (root / "node" / "support" / "processing.ts").write_text(LEDGER)
    (root / "manifest.json").write_text(
        json.dumps(
            {
                "vendor": "acme",
                "name": "bench",
                "version": "0.1.0",
                "builders": {"node": "7.x"},
                "policies": [{"name": "colossus-fire-event"}, {"name": "vbase-read-write"}],
            }
        )
    )
    events = {f"handler{i}": {"sender": "acme.bench", "topics": [f"t{i}"]} for i in range(count)}
    (root / "node" / "service.json").write_text(json.dumps({"memory": 256, "events": events}))
    imports = []
    for i in range(count):
        folder = "events" if i % 2 == 0 else "workers"
        (root / "node" / folder / f"handler{i}.ts").write_text(HANDLER.format(i=i))
        imports.append(f"import {{ handler{i} }} from '../{folder}/handler{i}'")
    entries = ",\n".join(f"  handler{i}" for i in range(count))
    (root / "node" / "events" / "index.ts").write_text(
        "\n".join(imports) + f"\n\nexport const events = {{\n{entries},\n}}\n"
    )
    (root / "node" / "index.ts").write_text(
        "import { Service } from '@vtex/api'\nimport { events } from './events'\n\n"
        "export default new Service({ events })\n"
    )


def wall(args: list[str], runs: int, env: dict[str, str]) -> list[float]:
    """Wall times of ``runs`` fresh processes of one command (see ``_timing`` for pairs)."""
    return _timing.interleaved({"command": args}, runs, env)["command"]


def main() -> None:
    """Generate the app, time check in process and as a command, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("count", nargs="?", type=int, default=200)
    parser.add_argument("--runs", type=int, default=11)
    options = parser.parse_args()
    count, runs = options.count, options.runs
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "bench"
        generate(root, count)
        parse = parse_only(root)
        timings = []
        findings = []
        for _ in range(4):
            start = time.perf_counter()
            findings = check_app(root)
            timings.append(time.perf_counter() - start)
        print(
            f"{count} handlers, {len(findings)} findings: in process cold "
            f"{timings[0] * 1000:.0f} ms, best of 3 warm {min(timings[1:]) * 1000:.0f} ms"
        )
        hello = Path(tmp) / "hello.py"
        hello.write_text(HELLO)
        command = [sys.executable, "-m", "scaffold", "check", str(root)]
        env = _timing.environment({"SCAFFOLD_CACHE_DIR": str(Path(tmp) / "cache")})
        times = _timing.interleaved(
            {
                "typer hello world": [sys.executable, str(hello)],
                "scaffold check --no-cache": [*command, "--no-cache"],
                "scaffold check (cache hit)": command,
            },
            runs,
            env,
        )
    _timing.report(times, "typer hello world", 1.3)
    base = statistics.median(times["typer hello world"])
    count, took, nodes, walked = parse
    print(
        f"floor of a first run: tree-sitter parses the {count} .ts files in {took * 1000:.0f} ms"
        f" ({took / base:.0%} of the hello world's median); one Python walk over their"
        f" {nodes} nodes takes {walked * 1000:.0f} ms ({walked / base:.0%}); best of 5"
    )


def parse_only(root: Path) -> tuple[int, float, int, float]:
    """Best of 5: parsing every .ts file (grammar loaded), and walking every node once."""
    from scaffold import _ts

    sources = [path.read_bytes() for path in sorted(root.rglob("*.ts"))]
    _ts.parse(b"")
    best = walked = float("inf")
    nodes = 0
    for _ in range(5):
        start = time.perf_counter()
        trees = [_ts.parse(source) for source in sources]
        best = min(best, time.perf_counter() - start)
        start = time.perf_counter()
        nodes = sum(len(_ts.walk(tree.root_node)) for tree in trees)
        walked = min(walked, time.perf_counter() - start)
    return len(sources), best, nodes, walked


if __name__ == "__main__":
    main()
