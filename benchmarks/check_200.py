"""Time ``scaffold check`` on a generated app with 200 event handlers.

Run: ``.venv/bin/python benchmarks/check_200.py [N]``. Prints the handler count, the number
of findings and the best of three wall-clock timings of ``check_app`` (parse + all rules),
plus the first, cold run (which also loads the tree-sitter grammar).
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

from scaffold.check import check_app

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


def generate(root: Path, count: int) -> None:
    """Write an app with ``count`` handlers (half consumers, half workers) under ``root``."""
    (root / "node" / "events").mkdir(parents=True)
    (root / "node" / "workers").mkdir()
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


def main() -> None:
    """Generate the app, run the check four times, print the timings."""
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "bench"
        generate(root, count)
        timings = []
        findings = []
        for _ in range(4):
            start = time.perf_counter()
            findings = check_app(root)
            timings.append(time.perf_counter() - start)
        print(
            f"{count} handlers, {len(findings)} findings: cold {timings[0] * 1000:.0f} ms, "
            f"best of 3 warm {min(timings[1:]) * 1000:.0f} ms"
        )


if __name__ == "__main__":
    main()
