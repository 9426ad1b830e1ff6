"""Time ``scaffold check`` against what bounds it and against the peer a user would run.

Run: ``.venv/bin/python benchmarks/check_200.py [--runs R] [--eslint-runs E] [--no-eslint]
[--instructions]``.
Prints, side by side from one run (wall time of fresh processes, interleaved; see _timing):

- a first run (``--no-cache``) on 200 handlers against the **floor**: a typer command that
  only loads the tree-sitter grammar and parses every .ts file of the app (goal <= 1.3x).
  The floor coerces its options without pydantic, as scaffold.cli does. ``scaffold check``
  with a plain command line no longer starts typer at all (scaffold._entry), so the same
  run is also shown against the **bare floor**, a script that only parses every file: the
  like-for-like figure for check's own work;
- a **cache hit** against a typer hello world (goal <= 1.05x). The hello world is plain
  typer 0.29, which imports pydantic (~70 ms) to coerce its option value; scaffold does not;
- the **cost per extra handler**: (first run at 1000 - first run at 200) / 800 (goal
  <= 0.5 ms);
- against **eslint** with typescript-eslint's ``recommended`` rules (no type information)
  at 1, 50, 200 and 1000 handlers (goal <= 0.2x). eslint, typescript-eslint and typescript
  are installed from npm once into a cache folder (``$SCAFFOLD_BENCH_CACHE`` or
  ``~/.cache/scaffold-bench``), never into the project;
- with ``--instructions``, the same commands' instruction counts under valgrind's
  callgrind (one run each; the same from run to run, unlike wall time on a shared machine);
- in process: ``check_app`` cold and warm, the parse of every file alone, one Python walk
  over every node, and where a run's time goes step by step (reading and parsing, the node
  index, then each check of the rule registry): what to profile next.

Every command runs with the app as its current folder and no path argument, as a user
types it. Figures only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
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


FLOOR = """\
from pathlib import Path

import typer
from typer._coercion import PassThroughRuntimeParam
from typer.core import TyperCommand


class Command(TyperCommand):
    def parse_args(self, ctx, args):
        for param in self.get_params(ctx):  # as scaffold.cli does: no pydantic for --help
            if getattr(param, "_runtime_param", "absent") is None:
                info = param.type_descriptor
                param._runtime_param = PassThroughRuntimeParam(
                    parameter_info=info.parameter_info, annotation=info.annotation
                )
        return super().parse_args(ctx, args)


app = typer.Typer()


@app.command(cls=Command)
def parse() -> None:
    from scaffold import _ts

    for path in sorted(Path("node").rglob("*.ts")):
        _ts.parse(path.read_bytes())


app()
"""
BARE_FLOOR = """\
from pathlib import Path

from scaffold import _ts

for path in sorted(Path("node").rglob("*.ts")):
    _ts.parse(path.read_bytes())
"""
SIZES = (1, 50, 200, 1000)
ESLINT_PACKAGES = ("eslint@10", "typescript-eslint@8", "typescript@5")
ESLINT_CONFIG = (
    "import tseslint from 'typescript-eslint'\n\nexport default tseslint.configs.recommended\n"
)


def eslint_command() -> list[str]:
    """``node eslint.js --config ...``, installing eslint + typescript-eslint once if needed."""
    cache = Path(
        os.environ.get("SCAFFOLD_BENCH_CACHE") or Path.home() / ".cache" / "scaffold-bench"
    )
    folder = cache / "eslint"
    binary = folder / "node_modules" / "eslint" / "bin" / "eslint.js"
    if not binary.exists():
        if shutil.which("npm") is None:
            raise SystemExit("npm is needed for the eslint comparison (or pass --no-eslint)")
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "package.json").write_text('{"private": true}\n')
        subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", "--silent", *ESLINT_PACKAGES],
            cwd=folder,
            check=True,
        )
    config = folder / "eslint.config.mjs"
    config.write_text(ESLINT_CONFIG)
    return ["node", str(binary), "--config", str(config), "node"]


def ratio_line(label: str, value: float, base: float, goal: float, unit: str = "x") -> str:
    verdict = "meets" if value / base <= goal else "MISSES"
    return f"  {label}: {value / base:.2f}{unit} (goal <= {goal}{unit}: {verdict})"


def main() -> None:
    """Generate the apps, time everything, print the figures side by side."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--eslint-runs", type=int, default=5)
    parser.add_argument("--no-eslint", action="store_true")
    parser.add_argument(
        "--instructions",
        action="store_true",
        help="also count instructions under valgrind (load-independent; ~3 minutes)",
    )
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        apps = {size: Path(tmp) / f"app{size}" for size in SIZES}
        for size, root in apps.items():
            generate(root, size)
        root = apps[200]
        parse = parse_only(root)
        phases = breakdown(root)
        timings = []
        findings = []
        for _ in range(4):
            start = time.perf_counter()
            findings = check_app(root)
            timings.append(time.perf_counter() - start)
        for name, text in (("hello.py", HELLO), ("floor.py", FLOOR), ("bare.py", BARE_FLOOR)):
            (Path(tmp) / name).write_text(text)
        check = [sys.executable, "-m", "scaffold", "check"]
        env = _timing.environment(
            {
                "SCAFFOLD_CACHE_DIR": str(Path(tmp) / "cache"),
                # the floor imports scaffold._ts from this checkout, as scaffold does
                "PYTHONPATH": str(Path(__file__).resolve().parents[1]),
            }
        )
        commands: dict[str, list[str]] = {
            "typer hello world": [sys.executable, str(Path(tmp) / "hello.py")],
            "floor (typer + parse 200)": [sys.executable, str(Path(tmp) / "floor.py")],
            "bare floor (parse 200)": [sys.executable, str(Path(tmp) / "bare.py")],
            "check 200 (cache hit)": check,
            **{f"check {n} --no-cache": [*check, "--no-cache"] for n in SIZES},
        }
        cwd = {label: str(root) for label in commands}
        cwd.update({f"check {n} --no-cache": str(apps[n]) for n in SIZES})
        times = _timing.interleaved(commands, options.runs, env, cwd=cwd)
        counted = (
            _timing.instructions(
                {k: v for k, v in commands.items() if k != "typer hello world"}, env, cwd
            )
            if options.instructions
            else {}
        )
        peer: dict[str, list[float]] = {}
        if not options.no_eslint:
            eslint = eslint_command()
            peer = _timing.interleaved(
                {f"eslint {n}": eslint for n in SIZES},
                options.eslint_runs,
                env,
                cwd={f"eslint {n}": str(apps[n]) for n in SIZES},
            )
    median = {label: statistics.median(values) for label, values in {**times, **peer}.items()}
    print(
        f"200 handlers, {len(findings)} findings: in process cold {timings[0] * 1000:.0f} ms, "
        f"best of 3 warm {min(timings[1:]) * 1000:.0f} ms; parsing every file alone "
        f"{parse[1] * 1000:.0f} ms, one walk over their {parse[2]} nodes {parse[3] * 1000:.0f} ms"
    )
    print(
        "where the in-process time goes (best of 5, each step after the ones before it): "
        + ", ".join(f"{name} {took * 1000:.0f} ms" for name, took in phases)
    )
    print("wall time of a fresh process, interleaved runs (median, fastest):")
    for label, values in {**times, **peer}.items():
        print(f"  {label:<34}  {median[label] * 1000:6.0f} ms  {min(values) * 1000:6.0f} ms")
    print("goals:")
    print(
        ratio_line(
            "first run at 200 / floor",
            median["check 200 --no-cache"],
            median["floor (typer + parse 200)"],
            1.3,
        )
    )
    bare = median["check 200 --no-cache"] / median["bare floor (parse 200)"]
    print(f"  first run at 200 / bare floor (no typer in either): {bare:.2f}x (like for like)")
    print(
        ratio_line(
            "cache hit / typer hello world",
            median["check 200 (cache hit)"],
            median["typer hello world"],
            1.05,
        )
    )
    per = (median["check 1000 --no-cache"] - median["check 200 --no-cache"]) / 800
    verdict = "meets" if per <= 0.0005 else "MISSES"
    print(
        f"  cost per extra handler (1000 vs 200): {per * 1000:.2f} ms (goal <= 0.5 ms: {verdict})"
    )
    if counted:
        print_instructions(counted)
    for n in SIZES if peer else ():
        print(
            ratio_line(
                f"check / eslint+typescript-eslint at {n}",
                median[f"check {n} --no-cache"],
                median[f"eslint {n}"],
                0.2,
            )
        )


def print_instructions(counted: dict[str, int]) -> None:
    """The goals again, in instructions executed (callgrind): the same from run to run."""
    print("instructions executed (callgrind; load-independent):")
    for label, count in counted.items():
        print(f"  {label:<34}  {count / 1e6:8.1f} M")
    floor = counted["floor (typer + parse 200)"]
    first = counted["check 200 --no-cache"]
    per = (counted["check 1000 --no-cache"] - first) / 800
    print(f"  first run at 200 / floor: {first / floor:.2f}x (goal <= 1.3x)")
    bare = counted["bare floor (parse 200)"]
    print(f"  first run at 200 / bare floor (no typer in either): {first / bare:.2f}x")
    print(f"  per extra handler (1000 vs 200): {per / 1e6:.2f} M instructions")


def breakdown(root: Path) -> list[tuple[str, float]]:
    """Time the steps of ``check_app`` on ``root`` in process, each after the ones before.

    Reading and parsing every file (and finding the events map), indexing the nodes the
    rules look up (one tree-sitter query per file), then each check of the registry.
    """
    from scaffold._rules import _checks

    def index(ctx: _checks.Context) -> None:
        for path in ctx.project.ts_files():
            module = ctx.project.module(path)
            if module is not None:
                module.nodes("call_expression")

    names = [
        name for name in dict.fromkeys(r.check for r in _checks.RULES) if name != "parse_errors"
    ]
    best: dict[str, float] = {}
    for _ in range(5):
        ctx = _checks.Context(root)
        steps = [("read + parse + events map", _checks.parse_errors), ("node index", index)]
        steps += [(name, getattr(_checks, name)) for name in names]
        for label, step in steps:
            start = time.perf_counter()
            step(ctx)
            took = time.perf_counter() - start
            best[label] = min(best.get(label, took), took)
    return list(best.items())


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
