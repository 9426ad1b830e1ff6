/**
 * In-memory stand-ins for the @vtex/api clients the app uses. Both storage fakes are always
 * present, so the same tests run whichever backend support/processing.ts uses. Every call
 * yields to the event loop first, so concurrent deliveries interleave like real I/O.
 */
import { randomUUID } from 'crypto'
import { Readable } from 'stream'

import type { EventContext, IOContext, IOResponse } from '@vtex/api'

import type { Clients } from '../clients'
import type { LedgerContext } from '../support/processing'

export const tick = () => new Promise<void>((resolve) => setImmediate(resolve))
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** Shaped like the axios error the SDK's HTTP client throws: the status is on `response`. */
export class FakeHttpError extends Error {
  public readonly isAxiosError = true
  public readonly response: { status: number; data: unknown; headers: Record<string, string> }

  constructor(status: number, data: unknown = { message: `status ${status}` }) {
    super(`Request failed with status code ${status}`)
    this.response = { status, data, headers: {} }
  }
}

export class FakeVBase {
  public readonly files = new Map<string, { etag: string; body: string }>()
  private version = 0

  public async getRawJSON<T>(bucket: string, path: string, nullIfNotFound?: boolean): Promise<IOResponse<T>> {
    await tick()
    const file = this.files.get(`${bucket}/${path}`)
    if (!file) {
      // Like the SDK: with nullIfNotFound a 404 resolves with data null, otherwise it throws.
      if (nullIfNotFound) return { data: null as T, headers: {}, status: 404 }
      throw new FakeHttpError(404)
    }
    return { data: JSON.parse(file.body) as T, headers: { etag: file.etag }, status: 200 }
  }

  public async getJSON<T>(bucket: string, path: string, nullIfNotFound?: boolean): Promise<T> {
    return (await this.getRawJSON<T>(bucket, path, nullIfNotFound)).data
  }

  public async saveJSON<T>(bucket: string, path: string, data: T, _tracing?: unknown, ifMatch?: string) {
    await tick()
    const id = `${bucket}/${path}`
    if (ifMatch && this.files.get(id)?.etag !== ifMatch) throw new FakeHttpError(412)
    const etag = `"${++this.version}"`
    this.files.set(id, { etag, body: JSON.stringify(data) })
    return [{ path, hash: etag }]
  }

  public async deleteFile(bucket: string, path: string, _tracing?: unknown, ifMatch?: string) {
    await tick()
    const id = `${bucket}/${path}`
    const file = this.files.get(id)
    if (!file) throw new FakeHttpError(404)
    if (ifMatch && file.etag !== ifMatch) throw new FakeHttpError(412)
    this.files.delete(id)
    return { data: undefined, headers: {}, status: 204 }
  }
}

type Document = Record<string, unknown>

export class FakeMasterData {
  public readonly documents = new Map<string, Document>()

  public async getDocument<T>({ dataEntity, id, fields }: { dataEntity: string; id: string; fields: string[] }) {
    await tick()
    const doc = this.documents.get(`${dataEntity}/${id}`)
    if (!doc) throw new FakeHttpError(404)
    return pick(doc, fields) as T
  }

  public async createDocument({ dataEntity, fields }: { dataEntity: string; fields: object }) {
    return this.createOrUpdatePartialDocument({ dataEntity, fields, id: randomUUID() })
  }

  public async createOrUpdatePartialDocument({ dataEntity, fields, id }: { dataEntity: string; fields: object; id?: string }) {
    await tick()
    const docId = id ?? randomUUID()
    const key = `${dataEntity}/${docId}`
    this.documents.set(key, { ...this.documents.get(key), ...fields, id: docId })
    return { Id: `${dataEntity}-${docId}`, Href: `/${key}`, DocumentId: docId }
  }

  public async updatePartialDocument({ dataEntity, id, fields }: { dataEntity: string; id: string; fields: object }) {
    await tick()
    const key = `${dataEntity}/${id}`
    const doc = this.documents.get(key)
    if (!doc) throw new FakeHttpError(404)
    this.documents.set(key, { ...doc, ...fields })
  }

  /** Supports `where` clauses of the form `a=1 AND b="x"`. */
  public async searchDocuments<T>({
    dataEntity,
    fields,
    where,
    pagination: { page, pageSize },
  }: {
    dataEntity: string
    fields: string[]
    where?: string
    pagination: { page: number; pageSize: number }
  }) {
    await tick()
    const clauses = (where ? where.split(/\s+AND\s+/i) : []).map((clause) => {
      const [field, raw] = clause.split('=')
      return [field.trim(), raw.trim().replace(/^"(.*)"$/, '$1')] as const
    })
    const matches = [...this.documents.entries()]
      .filter(([key]) => key.startsWith(`${dataEntity}/`))
      .map(([, doc]) => doc)
      .filter((doc) => clauses.every(([field, value]) => String(doc[field]) === value))
    return matches.slice((page - 1) * pageSize, page * pageSize).map((doc) => pick(doc, fields)) as T[]
  }
}

const pick = (doc: Document, fields: string[]) =>
  fields.includes('_all') ? { ...doc } : Object.fromEntries(fields.filter((f) => f in doc).map((f) => [f, doc[f]]))

export class FakeEvents {
  public readonly sent: Array<{ appId: string; route: string; message: unknown }> = []
  public failWith?: Error

  public async sendEvent(appId: string, route: string, message?: unknown) {
    await tick()
    if (this.failWith) throw this.failWith
    this.sent.push({ appId, route, message })
  }
}

export class FakeLogger {
  public readonly entries: Array<{ level: 'info' | 'warn' | 'error'; entry: unknown }> = []
  public info = (entry: unknown) => this.entries.push({ level: 'info', entry })
  public warn = (entry: unknown) => this.entries.push({ level: 'warn', entry })
  public error = (entry: unknown) => this.entries.push({ level: 'error', entry })
  public debug = () => undefined

  public text() {
    return JSON.stringify(this.entries)
  }
}

export interface RouteRequest {
  method: string
  params?: Record<string, string>
  body?: unknown
}

export function createTestApp() {
  const vbase = new FakeVBase()
  const masterdata = new FakeMasterData()
  const events = new FakeEvents()
  const logger = new FakeLogger()
  const clients = { vbase, masterdata, events } as unknown as Clients
  const vtex = {
    account: 'testaccount',
    workspace: 'dev',
    logger,
    route: { id: 'test', params: {}, type: 'event' },
  } as unknown as IOContext
  const ledger: LedgerContext = { clients, vtex }

  /** A fresh context per delivery, sharing the stores: what a redelivery looks like. */
  const event = (body: unknown, { sender = 'vtex.test-sender', key = 'test-topic' } = {}) =>
    ({ clients, vtex, body, key, sender, subject: '', state: {}, timings: {}, metrics: {} }) as EventContext<Clients>

  const route = ({ method, params = {}, body }: RouteRequest) => {
    const headers: Record<string, string> = {}
    const ctx = {
      clients,
      vtex: { ...vtex, route: { id: 'route', params, type: 'private' } },
      method,
      req: Readable.from(body === undefined ? [] : [Buffer.from(typeof body === 'string' ? body : JSON.stringify(body))]),
      status: 404,
      body: undefined as unknown,
      state: {},
      set: (name: string, value: string) => {
        headers[name.toLowerCase()] = value
      },
      responseHeaders: headers,
    }
    return ctx as unknown as Context & { body: unknown; responseHeaders: Record<string, string> }
  }

  return { vbase, masterdata, events, logger, clients, ledger, event, route }
}
