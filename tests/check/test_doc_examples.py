"""Every rule in docs/check.md has a wrong and a right example, and `check` agrees with both."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scaffold.check import RULES, check_app
from tests.check_apps import make_app

DOC = Path(__file__).parents[2] / "docs" / "check.md"
BLOCK = re.compile(
    r"^```(?P<lang>\w+) (?P<kind>wrong|right) (?P<rule>SC\d{3})(?: file=(?P<file>\S+))?\n"
    r"(?P<body>.*?)^```$",
    re.MULTILINE | re.DOTALL,
)
HANDLER = """\
import { runOnce } from '../support/processing'

export async function handler(ctx: Context) {
  const { orderId } = ctx.body
  await runOnce(ctx, { scope: 'handler', key: orderId }, async () => {
    await ctx.clients.events.sendEvent('', 'order.synced', { orderId })
  })
}
"""
LEDGER = """\
export async function runOnce(
  ctx: Context,
  { scope, key }: { scope: string; key: string },
  work: () => Promise<void>
) {
  const path = `${scope}/${key}`
  const record = await ctx.clients.vbase.getJSON<{ status: string }>('ledger', path, true)
  if (record?.status === 'done') return
  await work()
  await ctx.clients.vbase.saveJSON('ledger', path, { status: 'done' })
}

export async function markFailed(ctx: Context, scope: string, key: string, error: unknown) {
  const reason = String(error)
  await ctx.clients.vbase.saveJSON('ledger', `${scope}/${key}`, { status: 'failed', reason })
}
"""
EXAMPLES = [m.groupdict() for m in BLOCK.finditer(DOC.read_text())]
# Inside an example, `// file: <path>` starts another file of the same app.
MORE_FILES = re.compile(r"^// file: (\S+)\n", re.MULTILINE)


def split_files(target: str, body: str) -> dict[str, str]:
    """The example's files: its own text, then each `// file:` section."""
    parts = MORE_FILES.split(body)
    files = {target: parts[0]}
    files.update(zip(parts[1::2], parts[2::2], strict=True))
    return files


def test_every_rule_has_a_wrong_and_a_right_example() -> None:
    documented = {(e["rule"], e["kind"]) for e in EXAMPLES}
    assert documented == {(r.id, kind) for r in RULES for kind in ("wrong", "right")}


@pytest.mark.parametrize("example", EXAMPLES, ids=[f"{e['rule']}-{e['kind']}" for e in EXAMPLES])
def test_doc_example_runs_through_check(tmp_path: Path, example: dict[str, str]) -> None:
    target = example["file"] or "node/events/handler.ts"
    files = {"node/support/processing.ts": LEDGER, **split_files(target, example["body"])}
    handler = files.pop("node/events/handler.ts", HANDLER)
    root = make_app(tmp_path, handler, files)
    rules = {f.rule for f in check_app(root)}
    if example["kind"] == "wrong":
        assert example["rule"] in rules
    else:
        assert rules == set()
