"""SC101 and SC105 judge a call by what it does: the requests behind the app's own client
methods, the HTTP method of fetch/axios/got, the writes of imported helpers, the store a
guard reads, and whether the callee returns a promise at all."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.check_apps import make_app, rule_findings

PARTNER = """\
import type { InstanceOptions, IOContext } from '@vtex/api'
import { ExternalClient } from '@vtex/api'

import { deliver } from '../support/deliver'

class PartnerBase extends ExternalClient {
  constructor(context: IOContext, options?: InstanceOptions) {
    super('https://partner.example.com', context, options)
  }

  protected submit(path: string, data: unknown) {
    return this.http.post(path, data)
  }
}

export default class Partner extends PartnerBase {
  public charge(id: string) {
    return this.http.post(`/charges/${id}`, {})
  }

  public async track(id: string): Promise<void> {
    await this.http.request({ method: 'POST', url: '/track', data: { id } })
  }

  public refund = async (id: string) => this.submit('/refunds', { id })

  public sendReport(id: string) {
    return this.http.get(`/reports/${id}`)
  }

  public replace(id: string) {
    return this.http.put(`/orders/${id}`, { id })
  }

  public forget(id: string) {
    return this.http.delete(`/orders/${id}`)
  }

  public notifyAll(id: string) {
    return deliver(this.http, id)
  }

  public setLocale(locale: string) {
    this.options = { ...this.options, headers: { 'x-locale': locale } }
  }

  private options: Record<string, unknown> = {}
}
"""
CLIENTS = """\
import { IOClients } from '@vtex/api'
import { Catalog } from '@vtex/clients'

import Partner from './partner'

export class Clients extends IOClients {
  public get partner() {
    return this.getOrSet('partner', Partner)
  }

  public get catalog() {
    return this.getOrSet('catalog', Catalog)
  }
}
"""
HELPER = """\
export async function notifyPartner(ctx: any, id: string) {
  await ctx.clients.events.sendEvent('', 'partner.notified', { id })
}

export function describe(id: string) {
  return `order ${id}`
}
"""
FILES = {
    "node/clients/partner.ts": PARTNER,
    "node/clients/index.ts": CLIENTS,
    "node/support/notify.ts": HELPER,
}


def handler(statement: str) -> str:
    return f"""
import axios from 'axios'
import got from 'got'
import nodeFetch from 'node-fetch'
import {{ describe, notifyPartner }} from '../support/notify'

export async function handler(ctx: any) {{
  const {{ partner: p }} = ctx.clients
  const id = ctx.body.orderId
  {statement}
}}
"""


LINE = 10
GRADES = {
    # the app's own client: what the method's body requests, not its name
    "client-post-named-like-nothing": ("await ctx.clients.partner.charge(id)", "error"),
    "client-request-with-a-method": ("await ctx.clients.partner.track(id)", "error"),
    "client-arrow-field-through-a-superclass": ("await ctx.clients.partner.refund(id)", "error"),
    "destructured-client-renamed": ("await p.charge(id)", "error"),
    "client-put": ("await ctx.clients.partner.replace(id)", "warning"),
    "client-delete": ("await ctx.clients.partner.forget(id)", "warning"),
    # a body that hands its request on to what cannot be followed: judged by name
    "client-method-handing-its-http-on": ("await ctx.clients.partner.notifyAll(id)", "error"),
    # HTTP libraries by their method
    "fetch-post": ("await fetch(`https://x.example/${id}`, { method: 'POST' })", "error"),
    "fetch-put": ("await fetch(`https://x.example/${id}`, { method: 'PUT' })", "warning"),
    "node-fetch-delete": (
        "await nodeFetch(`https://x.example/${id}`, { method: 'DELETE' })",
        "warning",
    ),
    "axios-config": (
        "await axios({ method: 'post', url: 'https://x.example', data: { id } })",
        "error",
    ),
    "got-post": ("await got.post('https://x.example', { json: { id } })", "error"),
    "got-options": ("await got('https://x.example', { method: 'PATCH', json: { id } })", "warning"),
    # imported helpers are followed
    "imported-helper": ("await notifyPartner(ctx, id)", "error"),
    # a package's client is still graded by name
    "package-client": ("await ctx.clients.catalog.createProduct({ id })", "error"),
}


@pytest.mark.parametrize(("statement", "severity"), GRADES.values(), ids=GRADES.keys())
def test_side_effects_are_graded_by_what_they_do(
    tmp_path: Path, statement: str, severity: str
) -> None:
    root = make_app(tmp_path, handler(statement), FILES)
    assert rule_findings(root, "SC101") == [("node/events/handler.ts", LINE, severity)]


NOT_EFFECTS = {
    "client-get-named-like-a-send": "await ctx.clients.partner.sendReport(id)",
    "client-sync-setter": "ctx.clients.partner.setLocale('en')",
    "fetch-without-method": "await fetch(`https://x.example/${id}`)",
    "fetch-get": "await fetch(`https://x.example/${id}`, { method: 'GET' })",
    "axios-get": "await axios.get(`https://x.example/${id}`)",
    "axios-instance": "const api = axios.create({ baseURL: 'https://x.example' })",
    "imported-pure-helper": "ctx.vtex.logger.info({ message: describe(id) })",
}


@pytest.mark.parametrize("statement", NOT_EFFECTS.values(), ids=NOT_EFFECTS.keys())
def test_calls_that_write_nothing_are_not_side_effects(tmp_path: Path, statement: str) -> None:
    root = make_app(tmp_path, handler(statement), FILES)
    assert rule_findings(root, "SC101") == []


def test_a_read_of_a_store_the_app_never_writes_is_no_guard(tmp_path: Path) -> None:
    fetch_user = """
export async function handler(ctx: any) {
  const { userId, orderId } = ctx.body
  const user = await ctx.clients.masterdata.getDocument({ dataEntity: 'CL', id: userId })
  if (!user) return
  await ctx.clients.events.sendEvent('', 'order.confirmed', { orderId })
}
"""
    assert rule_findings(make_app(tmp_path / "a", fetch_user), "SC101") == [
        ("node/events/handler.ts", 6, "error")
    ]
    marker = fetch_user.replace("'CL', id: userId", "'SENT', id: orderId").replace(
        "'order.confirmed', { orderId })",
        "'order.confirmed', { orderId })\n"
        "  await ctx.clients.masterdata.createDocument({ dataEntity: 'SENT', id: orderId })",
    )
    assert rule_findings(make_app(tmp_path / "b", marker), "SC101") == []


def test_a_read_the_app_adds_in_a_store_client_subclass_is_a_guard(tmp_path: Path) -> None:
    """A VBase subclass's own GET (e.g. a read past the SDK's single-flight map) decides
    like ``getJSON``; the same class with no read of the marker decides nothing."""
    store = """
import { VBase } from '@vtex/api'

export class FreshVBase extends VBase {
  public readFresh(bucket: string, path: string) {
    return this.http.getRaw(`/buckets/app/${bucket}/files/${path}`, { nullIfNotFound: true })
  }
}
"""
    source = """
import { FreshVBase } from '../support/store'

export async function handler(ctx: any) {
  const { orderId } = ctx.body
  const vbase = new FreshVBase(ctx.vtex)
  const sent = await vbase.readFresh('sent', orderId)
  if (sent.data) return
  await ctx.clients.events.sendEvent('', 'order.confirmed', { orderId })
  await vbase.saveJSON('sent', orderId, { at: Date.now() })
}
"""
    guarded = make_app(tmp_path / "a", source, {"node/support/store.ts": store})
    assert rule_findings(guarded, "SC101") == []
    unread = source.replace("readFresh('sent', orderId)", "listFiles('sent')")
    assert rule_findings(
        make_app(tmp_path / "b", unread, {"node/support/store.ts": store}), "SC101"
    ) == [("node/events/handler.ts", 9, "error")]


def test_a_factory_made_handler_runs_the_work_it_was_given(tmp_path: Path) -> None:
    source = """
import {{ runOnce }} from '../support/processing'

export const work = async (ctx: any, id: string) => {{
  await ctx.clients.partner.charge(id)
}}

function createHandler(run: (ctx: any, id: string) => Promise<void>) {{
  return async function handler(ctx: any) {{
    const id = ctx.body.orderId
    {call}
  }}
}}

export const handler = createHandler(work)
"""
    ledger = """
export async function runOnce(ctx: any, { scope, key }: any, work: () => Promise<void>) {
  const done = await ctx.clients.vbase.getJSON('ledger', `${scope}/${key}`, true)
  if (done) return
  await work()
  await ctx.clients.vbase.saveJSON('ledger', `${scope}/${key}`, { done: true })
}
"""
    files = {**FILES, "node/support/processing.ts": ledger}
    guarded = source.format(call="await runOnce(ctx, { scope: 's', key: id }, () => run(ctx, id))")
    assert rule_findings(make_app(tmp_path / "a", guarded, files), "SC101") == []
    unguarded = source.format(call="await run(ctx, id)")
    assert rule_findings(make_app(tmp_path / "b", unguarded, files), "SC101") == [
        ("node/events/handler.ts", 11, "error")
    ]


FLOATING = {
    "async-client-method": ("ctx.clients.partner.track(id)", 1),
    "client-method-returning-a-request": ("ctx.clients.partner.charge(id)", 1),
    "package-client": ("ctx.clients.catalog.getSkuById(id)", 1),
    "fetch": ("fetch(`https://x.example/${id}`)", 1),
    "sync-client-setter": ("ctx.clients.partner.setLocale('en')", 0),
    "axios-instance": ("axios.create({ baseURL: 'https://x.example' })", 0),
    "sync-imported-helper": ("describe(id)", 0),
}


@pytest.mark.parametrize(("statement", "count"), FLOATING.values(), ids=FLOATING.keys())
def test_floating_only_when_the_callee_returns_a_promise(
    tmp_path: Path, statement: str, count: int
) -> None:
    root = make_app(tmp_path, handler(statement), FILES)
    assert rule_findings(root, "SC105") == [("node/events/handler.ts", LINE, "error")] * count
