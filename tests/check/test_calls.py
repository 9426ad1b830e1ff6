"""SC105 and SC106 (``_rules/calls.py``): floating promises and logged secrets."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.check_apps import make_app, rule_findings

FLOATING = {
    "client-call": "ctx.clients.masterdata.createDocument({ dataEntity: 'OS', fields: { id } })",
    "destructured-client": "events.sendEvent('', 'order.synced', { id })",
    "async-helper-fire-and-forget": "runImport(ctx)",
    "imported-async-function": "notifyPartner(ctx, id)",
    "promise-all": "Promise.all([ctx.clients.events.sendEvent('', 'a', { id })])",
    "then-chain": "ctx.clients.partner.postOrder(id).then(() => undefined)",
    "for-each-async": "ctx.body.items.forEach(async (item: any) => { await runImport(ctx) })",
}


def floating_app(root: Path, statement: str) -> Path:
    source = f"""
import {{ notifyPartner }} from '../support/notify'

async function runImport(ctx: any) {{
  await ctx.clients.importer.start(ctx.body.id)
}}

export async function handler(ctx: any) {{
  const {{ events }} = ctx.clients
  const id = ctx.body.orderId
  {statement}
}}
"""
    notify = "export async function notifyPartner(ctx: any, id: string) { return id }\n"
    return make_app(root, source, {"node/support/notify.ts": notify})


@pytest.mark.parametrize("statement", FLOATING.values(), ids=FLOATING.keys())
def test_floating_promises_in_handlers_are_errors(tmp_path: Path, statement: str) -> None:
    assert rule_findings(floating_app(tmp_path, statement), "SC105") == [
        ("node/events/handler.ts", 11, "error")
    ]


AWAITED = {
    "awaited": "await events.sendEvent('', 'order.synced', { id })",
    "returned": "return events.sendEvent('', 'order.synced', { id })",
    "sync-helper": "ctx.vtex.logger.info({ message: 'ok', id })",
    "for-each-sync": "ctx.body.items.forEach((item: any) => ctx.vtex.logger.info({ item }))",
    "awaited-all": "await Promise.all(ctx.body.items.map((i: any) => runImport(ctx)))",
    "explicit-void": "void runImport(ctx)",
    "handler-on-a-kept-promise": "const p = runImport(ctx); p.catch(() => undefined); await p",
}


@pytest.mark.parametrize("statement", AWAITED.values(), ids=AWAITED.keys())
def test_awaited_or_sync_calls_are_not_floating(tmp_path: Path, statement: str) -> None:
    assert rule_findings(floating_app(tmp_path, statement), "SC105") == []


SECRETS = {
    "auth-token": "ctx.vtex.logger.info({ message: 'call', token: ctx.vtex.authToken })",
    "admin-token": "console.log('admin', ctx.vtex.adminUserAuthToken)",
    "shorthand": "ctx.vtex.logger.info({ message: 'call', appToken })",
    "authorization-header": "logger.info({ auth: headers.Authorization })",
    "header-by-name": "logger.debug({ key: headers['X-VTEX-API-AppToken'] })",
    "bearer-template": "logger.info(`calling with Bearer ${ctx.vtex.storeUserAuthToken}`)",
    # Each below has a word only in a form the quick byte test must still let through.
    "dashed-header": "logger.info({ key: headers['x-api-key'] })",
    "upper-case-key": "logger.info({ PASSWORD: ctx.body.pw })",
    "camel-case": "logger.info({ message: 'call', apiKey: ctx.body.k })",
    "non-ascii-long-s": "logger.info({ message: 'call', \u017fecret: ctx.body.k })",
}


def secret_app(root: Path, statement: str) -> Path:
    source = f"""
export async function handler(ctx: any) {{
  const {{ logger }} = ctx.vtex
  const appToken = String(ctx.body.appToken)
  const headers = {{ Authorization: `Bearer ${{appToken}}`, 'X-VTEX-API-AppToken': 'k' }}
  {statement}
}}
"""
    return make_app(root, source)


@pytest.mark.parametrize("statement", SECRETS.values(), ids=SECRETS.keys())
def test_logged_secrets_are_errors(tmp_path: Path, statement: str) -> None:
    assert rule_findings(secret_app(tmp_path, statement), "SC106") == [
        ("node/events/handler.ts", 6, "error")
    ]


NOT_SECRETS = {
    "presence-only": "logger.info({ message: 'call', hasToken: Boolean(appToken) })",
    "length": "logger.info({ message: 'call', tokenLength: appToken.length })",
    "flag": "logger.info({ message: 'call', hasToken: !!appToken })",
    "flag-variable": "logger.info({ message: 'call', hasAdminToken: appToken !== '' })",
    "other-fields": "logger.info({ message: 'call', orderId: ctx.body.orderId })",
}


@pytest.mark.parametrize("statement", NOT_SECRETS.values(), ids=NOT_SECRETS.keys())
def test_logging_about_a_secret_is_fine(tmp_path: Path, statement: str) -> None:
    assert rule_findings(secret_app(tmp_path, statement), "SC106") == []


def test_secrets_logged_in_routes_are_found_too(tmp_path: Path) -> None:
    route = "export function r(ctx: any) { console.log(ctx.vtex.authToken) }\n"
    root = make_app(tmp_path, "export async function handler() {}\n", {"node/routes/r.ts": route})
    assert rule_findings(root, "SC106") == [("node/routes/r.ts", 1, "error")]
