"""The rules added for real code: floating promises, logged secrets, missing modules, helpers,
errors turned into values, unreadable files, service.json cpu and memory."""

from __future__ import annotations

from pathlib import Path

import pytest

from scaffold.check import check_app
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


def test_missing_handler_module_is_an_error(tmp_path: Path) -> None:
    root = make_app(
        tmp_path,
        "export async function handler() {}\n",
        imports="import { handler } from './events/handler'\n"
        "import { other } from './events/other'\n"
        "import { clients } from './clients'",
        files={"node/clients/index.ts": "export const clients = {}\n"},
    )
    assert rule_findings(root, "SC004") == [("node/index.ts", 3, "error")]


def test_payload_logged_and_swallowed_inside_a_same_file_helper(tmp_path: Path) -> None:
    helper = """
async function sync(ctx: any) {
  ctx.vtex.logger.info({ message: 'sync', body: ctx.body })
  try {
    await ctx.clients.partner.syncOrder(ctx.body.id)
  } catch (e) {
    return
  }
}

export async function handler(ctx: any, next: any) {
  await sync(ctx)
  await next()
}
"""
    root = make_app(
        tmp_path,
        "export async function handler() {}\n",
        {"node/middlewares/handler.ts": helper},
        imports="import { handler } from './middlewares/handler'",
    )
    found = {(f.rule, f.line, f.severity) for f in check_app(root, select=["SC103", "SC104"])}
    assert found == {("SC104", 3, "warning"), ("SC103", 6, "error")}


def test_catch_turning_every_error_into_a_value_is_an_error(tmp_path: Path) -> None:
    source = """
export async function handler(ctx: any) {
  const ok = await ctx.clients.vbase
    .saveJSON('b', 'f', { at: 1 }, undefined, ctx.body.etag)
    .catch((e: any) => e?.response?.status != 412)
  if (ok) await ctx.clients.events.sendEvent('', 'next', {})
}
"""
    (finding,) = check_app(make_app(tmp_path, source), select=["SC103"])
    assert (finding.line, finding.severity) == (5, "error")
    assert "turns every error into a value" in finding.message


def test_calling_something_named_error_is_not_recording(tmp_path: Path) -> None:
    source = """
function handleError(e: unknown) {
  return String(e)
}

export async function handler(ctx: any) {
  try {
    await ctx.clients.partner.syncOrder(ctx.body.id)
  } catch (e) {
    handleError(e)
  }
}
"""
    assert rule_findings(make_app(tmp_path, source), "SC103") == [
        ("node/events/handler.ts", 9, "warning")
    ]


def test_unreadable_manifest_is_a_finding(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_app(tmp_path, "export async function handler() {}\n")
    real = Path.read_bytes

    def deny(path: Path) -> bytes:
        if path.name in {"handler.ts", "manifest.json"}:
            raise PermissionError(13, "Permission denied")
        return real(path)

    monkeypatch.setattr(Path, "read_bytes", deny)
    found = {(f.path, f.rule, f.severity) for f in check_app(root, select=["SC000"])}
    assert found == {
        ("manifest.json", "SC000", "error"),
        ("node/events/handler.ts", "SC000", "error"),
    }


def test_a_read_falling_back_to_a_default_is_a_warning(tmp_path: Path) -> None:
    source = """
export async function handler(ctx: any) {
  const tenant = await ctx.clients.tenant.info({ nullIfNotFound: true }).catch(() => null)
  ctx.vtex.logger.info({ message: 'locale', locale: tenant?.defaultLocale })
}
"""
    assert rule_findings(make_app(tmp_path, source), "SC103") == [
        ("node/events/handler.ts", 3, "warning")
    ]
