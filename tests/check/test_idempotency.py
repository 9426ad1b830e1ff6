"""SC101 reasons about paths: guards are recognised by what the code does, not by names.

Each case is a small hand-written app with one handler (node/events/handler.ts).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from scaffold.check import check_app
from tests.check_apps import FIXTURES, app_from, found, make_app, rule_findings

LEDGER = """\
export async function runOnce(
  ctx: any, { scope, key }: { scope: string; key: string }, work: () => Promise<void>
) {
  const current = await ctx.clients.vbase.getRawJSON('ledger', `${scope}/${key}`, true)
  if (current?.data?.status === 'done') return { outcome: 'done' }
  await work()
  const etag = current?.headers?.etag
  await ctx.clients.vbase.saveJSON('ledger', `${scope}/${key}`, { status: 'done' }, undefined, etag)
  return { outcome: 'processed' }
}
"""
DONE_HELPER = """\
export async function alreadyDone(ctx: any, id: string): Promise<boolean> {
  const marker = await ctx.clients.vbase.getJSON('done', id, true)
  return marker !== null
}
"""
SEND = "await ctx.clients.events.sendEvent('', 'order.synced', { id })"

GUARDED = {
    "vbase-read-early-return": f"""
export async function handler(ctx: any) {{
  const id = ctx.body.orderId
  const done = await ctx.clients.vbase.getJSON('orders', id, true)
  if (done?.status === 'done') return
  {SEND}
  await ctx.clients.vbase.saveJSON('orders', id, {{ status: 'done' }})
}}
""",
    "destructured-vbase": """
export async function handler(ctx: any) {
  const { vbase, events } = ctx.clients
  const id = ctx.body.orderId
  const done = await vbase.getJSON('orders', id, true)
  if (done) {
    ctx.vtex.logger.info({ message: 'skip', id })
    return
  }
  await events.sendEvent('', 'order.synced', { id })
  await vbase.saveJSON('orders', id, { status: 'done' })
}
""",
    "raw-json-and-etag-conditional-save": """
export async function handler(ctx: any) {
  const { vbase } = ctx.clients
  const id = ctx.body.orderId
  const raw = await vbase.getRawJSON('orders', id, true)
  const count = (raw?.data?.count ?? 0) + 1
  await vbase.saveJSON('orders', id, { count }, undefined, raw?.headers?.etag)
}
""",
    "master-data-get-document": f"""
export async function handler(ctx: any) {{
  const id = ctx.body.orderId
  const doc = await ctx.clients.masterdata.getDocument({{ dataEntity: 'OS', id, fields: ['id'] }})
  if (doc) throw new Error('already synced')
  {SEND}
  await ctx.clients.masterdata.createDocument({{ dataEntity: 'OS', id, fields: {{}} }})
}}
""",
    "master-data-search-documents": """
export async function handler({ clients: { masterdata }, body }: any) {
  const id = body.orderId
  const rows = await masterdata.searchDocuments({
    dataEntity: 'OS', fields: ['id'], where: `orderId=${id}`, pagination: { page: 1, pageSize: 1 },
  })
  if (rows.length > 0) return
  await masterdata.createDocument({ dataEntity: 'OS', fields: { orderId: id } })
}
""",
    "compare-then-act": f"""
export async function handler(ctx: any) {{
  const id = ctx.body.orderId
  const hash = String(ctx.body.hash)
  const stored = await ctx.clients.vbase.getJSON('hashes', id, true)
  if (stored?.hash !== hash) {{
    {SEND}
    await ctx.clients.vbase.saveJSON('hashes', id, {{ hash }})
  }}
}}
""",
    "same-file-helper-returning-a-boolean": f"""
async function isSynced(ctx: any, id: string) {{
  const marker = await ctx.clients.vbase.getJSON('synced', id, true)
  return Boolean(marker)
}}

export async function handler(ctx: any) {{
  const id = ctx.body.orderId
  if (await isSynced(ctx, id)) return
  {SEND}
  await ctx.clients.vbase.saveJSON('synced', id, {{}})
}}
""",
    "imported-helper-returning-a-boolean": f"""
import {{ alreadyDone }} from '../support/done'

export async function handler(ctx: any) {{
  const id = ctx.body.orderId
  const done = await alreadyDone(ctx, id)
  if (done) return
  {SEND}
}}
""",
    "ledger-run-once-callback": """
import { runOnce } from '../support/ledger'

export async function handler(ctx: any) {
  const id = ctx.body.orderId
  await runOnce(ctx, { scope: 'sync', key: id }, async () => {
    await ctx.clients.events.sendEvent('', 'order.synced', { id })
  })
}
""",
    "decision-on-the-run-once-result": f"""
import {{ runOnce }} from '../support/ledger'

export async function handler(ctx: any) {{
  const id = ctx.body.orderId
  const {{ outcome }} = await runOnce(ctx, {{ scope: 'sync', key: id }}, async () => undefined)
  if (outcome !== 'processed') return
  {SEND}
}}
""",
    "guard-in-every-branch": f"""
export async function handler(ctx: any) {{
  const id = ctx.body.orderId
  if (ctx.body.kind === 'a') {{
    if (await ctx.clients.vbase.getJSON('a', id, true)) return
  }} else {{
    if (await ctx.clients.vbase.getJSON('b', id, true)) return
  }}
  {SEND}
  if (ctx.body.kind === 'a') await ctx.clients.vbase.saveJSON('a', id, {{}})
  else await ctx.clients.vbase.saveJSON('b', id, {{}})
}}
""",
    "short-circuit-on-a-read": """
export async function handler(ctx: any) {
  const id = ctx.body.orderId
  const seen = await ctx.clients.vbase.getJSON('seen', id, true)
  seen || (await ctx.clients.events.sendEvent('', 'x', { id }))
  await ctx.clients.vbase.saveJSON('seen', id, {})
}
""",
    "fixed-key-read-compared-with-the-payload": """
export async function handler(ctx: any) {
  const { cursor } = ctx.body
  const { data, headers } = await ctx.clients.vbase.getRawJSON('jobs', 'state.json', true)
  if (cursor < (data?.cursor ?? 0)) return
  await ctx.clients.events.sendEvent('', 'next', { cursor: cursor + 1 })
  await ctx.clients.vbase.saveJSON('jobs', 'state.json', { cursor }, undefined, headers.etag)
}
""",
    "continue-in-a-loop": """
export async function handler(ctx: any) {
  for (const id of ctx.body.ids) {
    const done = await ctx.clients.vbase.getJSON('items', id, true)
    if (done) continue
    await ctx.clients.events.sendEvent('', 'item', { id })
    await ctx.clients.vbase.saveJSON('items', id, {})
  }
}
""",
}

# Runners that read durable state: only the first decides before calling the callback.
RUNNERS = """\
async function withRetry(work: () => Promise<void>) {
  try {
    await work()
  } catch {
    await work()
  }
}

export async function runLocked(ctx: any, key: string, work: () => Promise<void>) {
  const done = await ctx.clients.vbase.getJSON('done', key, true)
  if (done) return
  await withRetry(work)
  await ctx.clients.vbase.saveJSON('done', key, { at: Date.now() })
}

export async function runCareless(ctx: any, key: string, work: () => Promise<void>) {
  const done = await ctx.clients.vbase.getJSON('done', key, true)
  ctx.vtex.logger.info({ message: 'running', key, seen: Boolean(done) })
  await work()
  await ctx.clients.vbase.saveJSON('done', key, { at: Date.now() })
}

export async function runForced(ctx: any, key: string, work: () => Promise<void>) {
  const done = await ctx.clients.vbase.getJSON('done', key, true)
  if (ctx.body?.force) await work()
  if (done) return
  await work()
}
"""
FILES = {
    "node/support/done.ts": DONE_HELPER,
    "node/support/ledger.ts": LEDGER,
    "node/support/runners.ts": RUNNERS,
}


def runner_call(runner: str) -> str:
    return f"""
import {{ {runner} }} from '../support/runners'

export async function handler(ctx: any) {{
  const id = ctx.body.orderId
  await {runner}(ctx, id, async () => {{
    {SEND}
  }})
}}
"""


GUARDED["runner-handing-the-callback-on-after-deciding"] = runner_call("runLocked")


@pytest.mark.parametrize("source", GUARDED.values(), ids=GUARDED.keys())
def test_guards_recognised_by_what_the_code_does(tmp_path: Path, source: str) -> None:
    assert rule_findings(make_app(tmp_path, source, FILES), "SC101") == []


PIPELINE_GUARD = """
export async function checkDone(ctx: any, next: () => Promise<void>) {
  const id = ctx.body.orderId
  const done = await ctx.clients.vbase.getJSON('done', id, true)
  if (done) return
  await next()
  await ctx.clients.vbase.saveJSON('done', id, { at: Date.now() })
}
"""
PIPELINE_WORK = f"""
export async function handler(ctx: any) {{
  const id = ctx.body.orderId
  {SEND}
}}
"""


def test_middleware_array_is_one_pipeline(tmp_path: Path) -> None:
    root = make_app(
        tmp_path,
        PIPELINE_WORK,
        {"node/events/checkDone.ts": PIPELINE_GUARD},
        events="{ handler: [checkDone, handler] }",
        imports="import { handler } from './events/handler'\n"
        "import { checkDone } from './events/checkDone'",
    )
    assert rule_findings(root, "SC101") == []


def test_a_middleware_that_does_not_guard_guards_nothing(tmp_path: Path) -> None:
    logger = "export async function log(ctx: any, next: any) { await next() }\n"
    root = make_app(
        tmp_path,
        PIPELINE_WORK,
        {"node/events/log.ts": logger},
        events="{ handler: [log, handler] }",
        imports="import { handler } from './events/handler'\nimport { log } from './events/log'",
    )
    assert rule_findings(root, "SC101") == [("node/events/handler.ts", 4, "error")]


REJECTED = {
    "client-method-named-claim": f"""
export async function handler(ctx: any) {{
  const id = ctx.body.orderId
  await ctx.clients.promotions.claimCoupon(id)
  {SEND}
}}
""",
    "local-helper-named-dedupe": f"""
function dedupeItems(items: string[]) {{
  return [...new Set(items)]
}}

export async function handler(ctx: any) {{
  const id = dedupeItems(ctx.body.ids)[0]
  if (!id) return
  {SEND}
}}
""",
    "local-helper-named-is-processed-without-a-read": f"""
function isProcessed(body: any) {{
  return body.status === 'processed'
}}

export async function handler(ctx: any) {{
  const id = ctx.body.orderId
  if (isProcessed(ctx.body)) return
  {SEND}
}}
""",
    "guard-in-an-unrelated-branch": f"""
export async function handler(ctx: any) {{
  const id = ctx.body.orderId
  if (ctx.body.retry) {{
    const done = await ctx.clients.vbase.getJSON('done', id, true)
    if (done) return
  }}
  {SEND}
}}
""",
    "effect-after-the-run-once-callback": f"""
import {{ runOnce }} from '../support/ledger'

export async function handler(ctx: any) {{
  const id = ctx.body.orderId
  await runOnce(ctx, {{ scope: 'sync', key: id }}, async () => undefined)
  {SEND}
}}
""",
    "read-that-decides-nothing": f"""
export async function handler(ctx: any) {{
  const id = ctx.body.orderId
  const done = await ctx.clients.vbase.getJSON('done', id, true)
  ctx.vtex.logger.info({{ message: 'seen', id, done: Boolean(done) }})
  {SEND}
}}
""",
    "settings-read-with-a-fixed-key": f"""
export async function handler(ctx: any) {{
  const id = ctx.body.orderId
  const settings = await ctx.clients.vbase.getJSON('settings', 'config', true)
  if (!settings?.enabled) return
  {SEND}
}}
""",
    "guard-only-inside-a-catch": f"""
export async function handler(ctx: any) {{
  const id = ctx.body.orderId
  try {{
    await ctx.clients.orders.getOrder(id)
  }} catch (error) {{
    if (await ctx.clients.vbase.getJSON('done', id, true)) return
    throw error
  }}
  {SEND}
}}
""",
}


# A runner guards its callback only where its own read has decided.
REJECTED["runner-that-reads-but-never-decides"] = runner_call("runCareless")
REJECTED["runner-calling-the-callback-once-before-deciding"] = runner_call("runForced")


@pytest.mark.parametrize("source", REJECTED.values(), ids=REJECTED.keys())
def test_wrongly_accepted_guards_are_rejected(tmp_path: Path, source: str) -> None:
    findings = rule_findings(make_app(tmp_path, source, FILES), "SC101")
    assert [severity for _, _, severity in findings] == ["error"]
    assert "sendEvent" in source.splitlines()[findings[0][1] - 1]


def effect(call: str) -> str:
    return f"""
import axios from 'axios'

export async function handler(ctx: any) {{
  const id = ctx.body.orderId
  await {call}
}}
"""


GRADES = {
    "ctx.clients.masterdata.createDocument({ dataEntity: 'OS', fields: { id } })": "error",
    "ctx.clients.events.sendEvent('', 'x', { id })": "error",
    "ctx.clients.partner.publishOrder(id)": "error",
    "axios.post('https://partner.example/orders', { id })": "error",
    "ctx.clients.stats.incrementCounter(id)": "error",
    "ctx.clients.cart.addItem(id)": "error",
    "ctx.clients.webhooks.registerHook(id)": "error",
    "ctx.clients.files.upload(id, 'body')": "error",
    "ctx.clients.vbase.saveJSON('orders', id, { id, status: ctx.body.status })": "warning",
    "ctx.clients.masterdata.updatePartialDocument({ dataEntity: 'OS', id, fields: {} })": (
        "warning"
    ),
    "ctx.clients.masterdata.createOrUpdatePartialDocument({ dataEntity: 'OS', id })": ("warning"),
    "axios.put(`https://partner.example/orders/${id}`, { id })": "warning",
    "ctx.clients.vbase.deleteFile('orders', id)": "warning",
    "ctx.clients.oms.cancelOrder(id)": "warning",
    "ctx.clients.catalog.modifySku(id, {})": "warning",
    "ctx.clients.catalog.setPrice(id, 10)": "warning",
    "ctx.clients.catalog.replaceImages(id, [])": "warning",
}


@pytest.mark.parametrize(("call", "severity"), GRADES.items(), ids=list(GRADES))
def test_unguarded_effects_are_graded_by_what_a_repeat_does(
    tmp_path: Path, call: str, severity: str
) -> None:
    assert rule_findings(make_app(tmp_path, effect(call)), "SC101") == [
        ("node/events/handler.ts", 6, severity)
    ]


def test_a_value_computed_from_an_unchecked_read_is_an_error(tmp_path: Path) -> None:
    source = """
export async function handler(ctx: any) {
  const id = ctx.body.orderId
  const stats = await ctx.clients.vbase.getJSON('stats', 'all', true)
  await ctx.clients.vbase.saveJSON('stats', 'all', { count: (stats?.count ?? 0) + 1 })
}
"""
    findings = rule_findings(make_app(tmp_path, source), "SC101")
    assert findings == [("node/events/handler.ts", 5, "error")]


def test_warning_message_says_when_a_repeat_is_harmless(tmp_path: Path) -> None:
    root = make_app(tmp_path, effect("ctx.clients.vbase.saveJSON('o', id, { id })"))
    (finding,) = check_app(root, select=["SC101"])
    assert "harmless to repeat only if" in finding.message


def test_unguarded_local_helper_is_reported_at_the_call(tmp_path: Path) -> None:
    source = """
async function store(ctx: any, id: string) {
  await ctx.clients.masterdata.createDocument({ dataEntity: 'OS', fields: { id } })
}

export async function handler(ctx: any) {
  await store(ctx, ctx.body.orderId)
}
"""
    assert rule_findings(make_app(tmp_path, source), "SC101") == [
        ("node/events/handler.ts", 7, "error")
    ]


def test_a_helper_writing_a_read_value_is_an_error_at_the_call(tmp_path: Path) -> None:
    source = """
async function close(ctx: any, quote: any) {
  quote.history.push('closed')
  const { masterdata } = ctx.clients
  await masterdata.updateEntireDocument({ dataEntity: 'QT', id: quote.id, fields: quote })
}

export async function handler(ctx: any) {
  const { masterdata } = ctx.clients
  const quote = await masterdata.getDocument({ dataEntity: 'QT', id: ctx.body.id, fields: [] })
  const quotes = []
  quotes.push(quote)
  await Promise.all(quotes.map((q) => close(ctx, q)))
}
"""
    (finding,) = check_app(make_app(tmp_path, source), select=["SC101"])
    assert (finding.line, finding.severity) == (13, "error")
    assert "computed from an earlier read" in finding.message


def test_a_settings_middleware_guards_nothing(tmp_path: Path) -> None:
    settings = """
export async function settings(ctx: any, next: () => Promise<void>) {
  const config = await ctx.clients.vbase.getJSON('app', 'settings', true)
  if (!config.token) throw new Error('not configured')
  ctx.state.token = config.token
  await next()
}
"""
    root = make_app(
        tmp_path,
        PIPELINE_WORK,
        {"node/events/settings.ts": settings},
        events="{ handler: [settings, handler] }",
        imports="import { handler } from './events/handler'\n"
        "import { settings } from './events/settings'",
    )
    assert rule_findings(root, "SC101") == [("node/events/handler.ts", 4, "error")]


def test_unguarded_side_effects_are_reported_guarded_ones_are_not() -> None:
    assert found(FIXTURES / "idempotency", "SC101") == {
        ("node/events/orders.ts", 2, 9, "SC101", "error"),  # sendOrder, no check
        ("node/events/orders.ts", 11, 9, "SC101", "warning"),  # a local helper upserts
        ("node/events/orders.ts", 18, 9, "SC101", "error"),  # destructured client
        # guarded (a VBase read decides first) and runOnce(...) in workers/batch.ts, whose
        # support/processing.ts reads VBase before running the callback: not reported
    }


def test_unregistered_exported_function_under_events_is_still_analyzed(tmp_path: Path) -> None:
    root = app_from(
        tmp_path,
        {
            "node/events/extra.ts": (
                "export const extra = async (ctx: Context) => {\n"
                "  await ctx.clients.events.sendEvent('', 'x', { id: ctx.body.id })\n"
                "}\n"
            )
        },
    )
    assert found(root, "SC101") == {("node/events/extra.ts", 2, 9, "SC101", "error")}


def test_claim_before_effect_is_a_guard(tmp_path: Path) -> None:
    # `claim` is the good fixture's support/processing.ts one: it reads VBase.
    root = app_from(
        tmp_path,
        {
            "node/events/extra.ts": (
                "import { claim } from '../support/processing'\n"
                "export async function extra(ctx: Context) {\n"
                "  if (!(await claim(ctx, 'x', ctx.body.id))) return\n"
                "  await ctx.clients.events.sendEvent('', 'x', { id: ctx.body.id })\n"
                "}\n"
            )
        },
    )
    assert found(root, "SC101") == set()
