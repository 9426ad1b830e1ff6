/**
 * An in-process model of the VTEX services the app calls — VBase, Master Data and Events —
 * that answers the real @vtex/api clients' HTTP requests (intercepted with nock). The
 * clients, their memoization, retries and headers are the SDK's own; only the network is
 * replaced. Import this module first in every test file: @vtex/api reads the app's identity
 * from the environment when it loads.
 */
process.env.VTEX_APP_ID = process.env.VTEX_APP_ID || 'vtex.ledger-test@0.0.1'

/* eslint-disable import/first */
import { randomUUID } from 'crypto'
import { Readable } from 'stream'

import type { EventContext, IOContext, Logger } from '@vtex/api'
import nock from 'nock'

import { Clients } from '../clients'

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

const realNow = Date.now.bind(Date)
let clockOffset = 0

/** Moves `Date.now()` forward (e.g. past a lease) without waiting; createTestApp resets it. */
export function advanceClock(ms: number) {
  clockOffset += ms
  Date.now = () => realNow() + clockOffset
}

export interface ModelRequest {
  service: 'vbase' | 'masterdata' | 'events'
  method: string
  /** Path without the query string, e.g. `/vbase/v2/acct/ws/buckets/app/b/files/x.json`. */
  path: string
  query: URLSearchParams
  headers: Record<string, string>
  body: unknown
}

type Reply = [number, unknown?, Record<string, string>?]

/** Runs before a request is applied (the request is in flight) or after it was applied
 * (the response is in flight): return a promise to hold it there. */
export type Hook = (request: ModelRequest) => void | Promise<void>

const json = (body: unknown) => (body === undefined ? '' : JSON.stringify(body))

const bodyText = (body: unknown) => (typeof body === 'string' ? body : JSON.stringify(body ?? null))

/** VBase: files by bucket + path, an etag per version, If-Match -> 412, 404 when missing. */
export class VBaseModel {
  public readonly files = new Map<string, { etag: string; body: string }>()
  private version = 0

  public handle({ method, path, query, headers, body }: ModelRequest): Reply {
    const match = /^\/vbase\/v2\/[^/]+\/[^/]+\/buckets\/([^/]+)\/([^/]+)\/files(?:\/(.+))?$/.exec(path)
    if (!match) return [404, { message: `no VBase route ${method} ${path}` }]
    const [, app, bucket, file] = match
    const prefix = `${app}/${bucket}/`
    if (!file) {
      if (method !== 'GET') return [405]
      const wanted = query.get('prefix') ?? ''
      const names = [...this.files.keys()]
        .filter((id) => id.startsWith(prefix + wanted))
        .map((id) => id.slice(prefix.length))
        .sort()
      const start = Number(query.get('next') ?? 0)
      const limit = Number(query.get('limit') ?? 1000)
      const page = names.slice(start, start + limit)
      const next = start + limit < names.length ? String(start + limit) : ''
      return [200, { data: page.map((name) => ({ path: name, hash: this.files.get(prefix + name)!.etag })), next }]
    }
    const id = prefix + decodeURIComponent(file)
    const stored = this.files.get(id)
    const ifMatch = headers['if-match']
    switch (method) {
      case 'GET':
        if (!stored) return [404, { code: 'FileNotFound', message: 'The requested file was not found' }]
        return [200, stored.body, { etag: stored.etag, 'content-type': 'application/json' }]
      case 'PUT': {
        if (ifMatch !== undefined && stored?.etag !== ifMatch) {
          return [412, { code: 'PreconditionFailed', message: 'etag mismatch' }]
        }
        const etag = `"${++this.version}"`
        this.files.set(id, { etag, body: bodyText(body) })
        return [200, [{ path: file, hash: etag }]]
      }
      case 'DELETE':
        if (!stored) return [404, { code: 'FileNotFound' }]
        if (ifMatch !== undefined && stored.etag !== ifMatch) return [412, { code: 'PreconditionFailed' }]
        this.files.delete(id)
        return [204]
      default:
        return [405]
    }
  }

  /** The stored JSON files, parsed. */
  public values(): unknown[] {
    return [...this.files.values()].map(({ body }) => JSON.parse(body) as unknown)
  }
}

type Document = Record<string, unknown>

/** Master Data (v1 documents API): documents by id, PUT/PATCH/POST/DELETE, search by field. */
export class MasterDataModel {
  public readonly documents = new Map<string, Document>()

  public handle({ method, path, query, headers, body }: ModelRequest): Reply {
    const match = /^\/api\/dataentities\/([^/]+)\/(documents|search)(?:\/([^/]+))?$/.exec(path)
    if (!match) return [404, { Message: `no Master Data route ${method} ${path}` }]
    const [, entity, kind, id] = match
    const fields = (query.get('_fields') ?? '').split(',').filter(Boolean)
    const fieldsIn = (body ?? {}) as Document

    if (kind === 'search') {
      if (method !== 'GET') return [405]
      const clauses = (query.get('_where') ?? '')
        .split(/\s+AND\s+/i)
        .filter(Boolean)
        .map((clause) => {
          const [field, raw] = clause.split('=')
          return [field.trim(), raw.trim().replace(/^"(.*)"$/, '$1')] as const
        })
      const [, from, to] = /resources=(\d+)-(\d+)/.exec(headers['rest-range'] ?? '') ?? [, '0', '100']
      const found = [...this.documents.entries()]
        .filter(([docKey]) => docKey.startsWith(`${entity}/`))
        .map(([, doc]) => doc)
        .filter((doc) => clauses.every(([field, value]) => String(doc[field]) === value))
      const page = found.slice(Number(from), Number(to)).map((doc) => pick(doc, fields))
      return [200, page, { 'rest-content-range': `resources ${from}-${to}/${found.length}` }]
    }

    const docId = id ?? (typeof fieldsIn.id === 'string' ? fieldsIn.id : undefined)
    const key = `${entity}/${docId}`
    const stored = this.documents.get(key)
    const created = (newId: string) => [200, { Id: `${entity}-${newId}`, Href: `/${entity}/${newId}`, DocumentId: newId }]
    switch (method) {
      case 'GET':
        if (!docId || !stored) return [404, { Message: 'Document not found' }]
        return [200, pick(stored, fields)]
      case 'PATCH':
        if (!docId) return [400, { Message: 'id required' }]
        if (id && !stored) return [404, { Message: 'Document not found' }]
        this.documents.set(key, { ...stored, ...fieldsIn, id: docId })
        return created(docId) as Reply
      case 'PUT':
        if (!docId) return [400, { Message: 'id required' }]
        this.documents.set(key, { ...fieldsIn, id: docId })
        return created(docId) as Reply
      case 'POST': {
        const newId = docId ?? randomUUID()
        this.documents.set(`${entity}/${newId}`, { ...fieldsIn, id: newId })
        return [201, { Id: `${entity}-${newId}`, Href: `/${entity}/${newId}`, DocumentId: newId }]
      }
      case 'DELETE':
        if (!stored) return [404, { Message: 'Document not found' }]
        this.documents.delete(key)
        return [204]
      default:
        return [405]
    }
  }
}

const pick = (doc: Document, fields: string[]) =>
  fields.length === 0 || fields.includes('_all')
    ? { ...doc }
    : Object.fromEntries(fields.filter((f) => f in doc).map((f) => [f, doc[f]]))

/** Events (courier): accepts every event and records it. */
export class EventsModel {
  public readonly sent: Array<{ route: string; resource: string; message: unknown }> = []
  public failWith?: number

  public handle({ method, path, query, body }: ModelRequest): Reply {
    const match = /^\/courier\/v0\/[^/]+\/[^/]+\/events\/(.+)$/.exec(path)
    if (!match || method !== 'PUT') return [404, { message: `no Events route ${method} ${path}` }]
    if (this.failWith) return [this.failWith, { message: 'colossus unavailable' }]
    this.sent.push({ route: decodeURIComponent(match[1]), resource: query.get('resource') ?? '', message: body })
    return [204]
  }
}

export class PlatformModel {
  public readonly vbase = new VBaseModel()
  public readonly masterdata = new MasterDataModel()
  public readonly events = new EventsModel()
  public readonly requests: ModelRequest[] = []
  private readonly beforeHooks: Hook[] = []
  private readonly afterHooks: Hook[] = []
  private readonly faults: Array<(request: ModelRequest) => number | undefined> = []
  private readonly losses: Array<(request: ModelRequest) => boolean> = []

  /** Hold or observe requests before they are applied. */
  public before(hook: Hook) {
    this.beforeHooks.push(hook)
  }

  /** Hold or observe requests after they were applied, before the client sees the answer. */
  public after(hook: Hook) {
    this.afterHooks.push(hook)
  }

  /** Answer matching requests with this error status instead of applying them. */
  public fault(status: (request: ModelRequest) => number | undefined) {
    this.faults.push(status)
  }

  /** Apply matching requests, then lose their answer: the router in front of the service
   * gave up waiting and answers 504, though the request landed (the SDK retries a PUT on a
   * 5xx, not a PATCH). */
  public loseAnswer(match: (request: ModelRequest) => boolean) {
    this.losses.push(match)
  }

  public async answer(request: ModelRequest): Promise<Reply> {
    for (const hook of this.beforeHooks) await hook(request)
    this.requests.push(request)
    for (const fault of this.faults) {
      const status = fault(request)
      if (status !== undefined) return [status, { message: 'injected fault' }]
    }
    const reply = this[request.service].handle(request)
    for (const hook of this.afterHooks) await hook(request)
    return this.losses.some((lost) => lost(request)) ? [504, { message: 'upstream timed out' }] : reply
  }

  /** Everything stored, as text (to check what reached the stores). */
  public storedText(): string {
    return JSON.stringify([...this.vbase.values(), ...this.masterdata.documents.values()])
  }
}

let active: PlatformModel | undefined

function intercept(origin: string, service: (path: string) => ModelRequest['service']) {
  for (const method of ['GET', 'PUT', 'PATCH', 'POST', 'DELETE', 'HEAD']) {
    nock(origin)
      .persist()
      .intercept(/.*/, method)
      .reply(async function (uri, body) {
        if (!active) throw new Error('no platform model: call createTestApp() first')
        const url = new URL(uri, origin)
        const request: ModelRequest = {
          service: service(url.pathname),
          method,
          path: url.pathname,
          query: url.searchParams,
          headers: Object.fromEntries(Object.entries(this.req.headers).map(([k, v]) => [k.toLowerCase(), String(v)])),
          body: body === '' ? undefined : body,
        }
        const [status, replyBody, headers] = await active.answer(request)
        return [status, typeof replyBody === 'string' ? replyBody : json(replyBody), headers ?? {}] as const
      })
  }
}

// Every store call is a real HTTP round trip through the SDK (a few ms each): leave room
// on a loaded machine.
jest.setTimeout(30_000)
nock.disableNetConnect()
intercept('https://infra.io.vtex.com', (path) => (path.startsWith('/courier/') ? 'events' : 'vbase'))
intercept('http://api.vtex.com', () => 'masterdata')

export class TestLogger {
  public readonly entries: Array<{ level: 'info' | 'warn' | 'error'; entry: unknown }> = []
  public info = (entry: unknown) => this.entries.push({ level: 'info', entry })
  public warn = (entry: unknown) => this.entries.push({ level: 'warn', entry })
  public error = (entry: unknown) => this.entries.push({ level: 'error', entry })
  public debug = () => undefined
  public log = (entry: unknown, level: 'info' | 'warn' | 'error') => this.entries.push({ level, entry })

  public text() {
    return JSON.stringify(this.entries)
  }

  public messages(level?: 'info' | 'warn' | 'error') {
    return this.entries
      .filter((e) => level === undefined || e.level === level)
      .map((e) => (e.entry as { message?: string }).message)
  }
}

export interface RouteRequest {
  method: string
  params?: Record<string, string>
  headers?: Record<string, string>
  body?: unknown
}

/** Client options like a Service's (node/index.ts of a generated app). */
const CLIENT_OPTIONS = { default: { retries: 2, timeout: 3000 } }

/** One model of the platform, and contexts for deliveries and requests built like the
 * runtime builds them: a fresh IOContext and a fresh client set for each one. */
export function createTestApp() {
  const platform = new PlatformModel()
  active = platform
  clockOffset = 0
  Date.now = realNow
  const logger = new TestLogger()

  const ioContext = (route: IOContext['route']): IOContext =>
    ({
      account: 'testaccount',
      workspace: 'dev',
      authToken: 'test-app-token',
      region: 'aws-us-east-1',
      production: false,
      product: '',
      platform: 'vtex',
      userAgent: 'vtex.ledger-test@0.0.1',
      requestId: randomUUID(),
      operationId: randomUUID(),
      route,
      logger: logger as unknown as Logger,
      tracer: { isTraceSampled: false } as unknown as IOContext['tracer'],
    }) as IOContext

  /** A context for code that only needs `ctx.vtex` (the ledger). */
  const ledger = () => ({ vtex: ioContext({ id: 'test', params: {}, type: 'event' }) })

  /** A fresh context per delivery, sharing the platform: what a redelivery looks like. */
  const event = (body: unknown, { sender = 'vtex.test-sender', key = 'test-topic' } = {}) => {
    const vtex = ioContext({ id: 'event', params: {}, type: 'event' })
    const clients = new Clients(CLIENT_OPTIONS, vtex)
    return { clients, vtex, body, key, sender, subject: '', state: {}, timings: {}, metrics: {} } as unknown as EventContext<Clients>
  }

  const route = ({ method, params = {}, headers = {}, body }: RouteRequest) => {
    const vtex = ioContext({ id: 'route', params, type: 'private' })
    const responseHeaders: Record<string, string> = {}
    const requestHeaders = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]))
    const ctx = {
      clients: new Clients(CLIENT_OPTIONS, vtex),
      vtex,
      method,
      req: Readable.from(body === undefined ? [] : [Buffer.from(typeof body === 'string' ? body : JSON.stringify(body))]),
      headers: requestHeaders,
      get: (name: string) => requestHeaders[name.toLowerCase()] ?? '',
      status: 404,
      body: undefined as unknown,
      state: {},
      set: (name: string, value: string) => {
        responseHeaders[name.toLowerCase()] = value
      },
      responseHeaders,
    }
    return ctx as unknown as Context & { body: unknown; responseHeaders: Record<string, string> }
  }

  return { platform, logger, ledger, event, route }
}

/** A promise and the function that settles it: to hold a request until the test says so. */
export function gate() {
  let open!: () => void
  const opened = new Promise<void>((resolve) => {
    open = resolve
  })
  return { open, opened }
}
