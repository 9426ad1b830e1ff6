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
import { PlatformModel } from './platformModel'
import type { ModelRequest } from './platformModel'

export { EventsModel, MasterDataModel, PlatformModel, VBaseModel } from './platformModel'
export type { Hook, ModelRequest, Reply } from './platformModel'

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

const realNow = Date.now.bind(Date)
let clockOffset = 0

/** Moves `Date.now()` forward (e.g. past a lease) without waiting; createTestApp resets it. */
export function advanceClock(ms: number) {
  clockOffset += ms
  Date.now = () => realNow() + clockOffset
}

const json = (body: unknown) => (body === undefined ? '' : JSON.stringify(body))

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
