"""Measure the window in which two first deliveries of one unit can both run the work.

Generates the example app for each store, adds a throw-away jest file that drives the
generated orders consumer through the real @vtex/api clients against the in-process HTTP
model, with a random delay on every store request (0..JITTER ms, or 100..200 ms for a
fraction SLOW of them: a slow request) and the second delivery started OFFSET ms after the
first, and prints how many of TRIALS pairs ran the side effect twice. Needs Node 20 + npm
(uses the shared install cache, SCAFFOLD_NODE_CACHE).

    .venv/bin/python benchmarks/ledger_window.py [--trials 40] [--jitter 10] [--slow 0.1]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scaffold.new import AppAnswers, create_app  # noqa: E402
from tests import nodeapp  # noqa: E402

OFFSETS = [0, 2, 5, 10, 20, 40, 80]

MEASURE = """
import { createTestApp, sleep } from './platform'
import { createOrderStatusUpdatedHandler } from '../events/orderStatusUpdated'

const TRIALS = Number(process.env.TRIALS)
const JITTER = Number(process.env.JITTER)
const SLOW = Number(process.env.SLOW)
const OFFSETS: number[] = JSON.parse(process.env.OFFSETS ?? '[]')

it('measures', async () => {
  const rows: Array<{ offset: number; twice: number; once: number; none: number }> = []
  for (const offset of OFFSETS) {
    const row = { offset, twice: 0, once: 0, none: 0 }
    for (let trial = 0; trial < TRIALS; trial++) {
      const app = createTestApp()
      const slow = () => Math.random() < SLOW
      const delay = () => (slow() ? 100 + Math.random() * 100 : Math.random() * JITTER)
      app.platform.before(() => sleep(delay()))
      let runs = 0
      const handler = createOrderStatusUpdatedHandler(async () => {
        runs++
      })
      const body = { orderId: `o-${trial}`, currentState: 'invoiced', currentChangeDate: 'x' }
      const deliver = () => handler(app.event(body, { sender: 'vtex.orders-broadcast', key: 'k' }))
      const first = deliver().catch(() => undefined)
      await sleep(offset)
      await Promise.all([first, deliver().catch(() => undefined)])
      if (runs >= 2) row.twice++
      else if (runs === 1) row.once++
      else row.none++
    }
    rows.push(row)
  }
  console.log('MEASURED ' + JSON.stringify(rows))
}, 600_000)
"""


def measure(store: str, trials: int, jitter: int, slow: float) -> list[dict[str, int]]:
    root = Path(tempfile.mkdtemp(prefix=f"ledger-window-{store}-")) / "app"
    create_app(root, AppAnswers("acme", "order-sync", "Order Sync", "", store, True))
    node_dir = root / "node"
    (node_dir / "__tests__" / "window.test.ts").write_text(MEASURE, encoding="utf-8")
    nodeapp.ensure_node_modules(node_dir)
    env = f"TRIALS={trials} JITTER={jitter} SLOW={slow} OFFSETS='{json.dumps(OFFSETS)}'"
    result = nodeapp.run(node_dir, "sh", "-c", f"{env} npx jest __tests__/window.test.ts")
    for line in (result.stdout + result.stderr).splitlines():
        if "MEASURED " in line:
            rows: list[dict[str, int]] = json.loads(line.split("MEASURED ", 1)[1])
            return rows
    raise SystemExit(result.stdout + result.stderr)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=40)
    parser.add_argument("--jitter", type=int, default=10)
    parser.add_argument("--slow", type=float, default=0.0)
    args = parser.parse_args()
    for store in ("vbase", "masterdata"):
        rows = measure(store, args.trials, args.jitter, args.slow)
        print(
            f"{store}: {args.trials} pairs per offset, 0-{args.jitter} ms per store request, "
            f"{args.slow:.0%} of requests slow (100-200 ms)"
        )
        print("  offset ms | ran twice | ran once | ran none")
        for row in rows:
            print(f"  {row['offset']:>9} | {row['twice']:>9} | {row['once']:>8} | {row['none']:>8}")


if __name__ == "__main__":
    main()
