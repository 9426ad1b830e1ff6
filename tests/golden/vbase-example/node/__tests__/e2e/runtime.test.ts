/**
 * The app as the platform runs it: booted on @vtex/api's own runtime in a child process
 * (`../runtime.ts`), its VBase, Master Data and Events clients sent by `HTTP_PROXY` to the
 * same platform model the unit tests use, served over HTTP (`../platformServer.ts`). Events
 * arrive as the broker sends them (`POST /<account>/<workspace>/_events` with its headers),
 * routes are called at their private paths. Run with `npm run test:e2e` (not part of
 * `npm test`: nock, which the unit tests load, would intercept this file's HTTP).
 */
import { mkdtempSync, readFileSync, rmSync } from 'fs'
import http from 'http'
import { tmpdir } from 'os'
import { join } from 'path'

import { PlatformModel } from '../platformModel'
import type { ModelRequest } from '../platformModel'
import { PlatformServer } from '../platformServer'
import type { Route, Subscription } from '../platformServer'
import { bootApp } from '../runtime'
import type { RunningApp } from '../runtime'

// Booting the runtime takes seconds, more on a loaded machine.
jest.setTimeout(120_000)

const ACCOUNT = 'testaccount'
const WORKSPACE = 'dev'
const APP = "acme.order-sync"
const NODE_DIR = join(__dirname, '..', '..')
const ORDERS = 'vtex.orders-broadcast'
const ORDER = {
  domain: 'Marketplace',
  orderId: '1385470512345-01',
  currentState: 'invoiced',
  lastState: 'handling',
  currentChangeDate: '2024-05-06T14:03:12.0000000Z',
}

interface ServiceJson {
  events: Record<string, { sender: string; topics: string[] }>
  routes: Record<string, { path: string; public?: boolean }>
}

const service = JSON.parse(readFileSync(join(NODE_DIR, 'service.json'), 'utf8')) as ServiceJson
const subscriptions: Subscription[] = Object.entries(service.events).map(([handler, e]) => ({
  handler,
  sender: e.sender,
  topics: e.topics,
}))
const routes: Route[] = Object.entries(service.routes).map(([id, r]) => ({ id, path: r.path, public: r.public }))

let model: PlatformModel
let server: PlatformServer
let app: RunningApp
let base: string
let workDir: string
const logs: string[] = []

beforeAll(async () => {
  model = new PlatformModel()
  // One attempt per delivery: the tests look at the runtime's own answer to the broker.
  server = new PlatformServer({
    model,
    account: ACCOUNT,
    workspace: WORKSPACE,
    app: APP,
    subscriptions,
    routes,
    redelivery: { maxAttempts: 1 },
  })
  const port = await server.listen(0)
  base = `http://127.0.0.1:${port}`
  workDir = mkdtempSync(join(tmpdir(), 'app-runtime-'))
  app = await bootApp({
    nodeDir: NODE_DIR,
    entry: join(NODE_DIR, 'index.ts'),
    service,
    workDir,
    proxy: base,
    account: ACCOUNT,
    workspace: WORKSPACE,
    appId: `${APP}@0.0.0`,
    onLine: (line) => logs.push(line),
  })
  server.appPort = app.port
})

afterAll(async () => {
  await app?.stop()
  await server?.close()
  if (workDir) rmSync(workDir, { recursive: true, force: true })
})

/** The messages of the app's log entries (JSON lines on its stdout). */
function messages(): string[] {
  return logs.flatMap((line) => {
    try {
      const entry = JSON.parse(line) as { __VTEX_IO_LOG?: boolean; data?: { message?: string } }
      return entry.__VTEX_IO_LOG && entry.data?.message ? [entry.data.message] : []
    } catch {
      return []
    }
  })
}

/** The ledger records in the model, whichever store holds them. */
function records(scope: string): Array<{ key: string; status: string; attempts: number }> {
  const all = [...model.vbase.values(), ...model.masterdata.documents.values()] as Array<Record<string, unknown>>
  return all.filter((r) => r.scope === scope) as unknown as Array<{ key: string; status: string; attempts: number }>
}

async function deliver(sender: string, topic: string, body: unknown): Promise<number> {
  const [delivery] = await server.deliver(sender, topic, body)
  return delivery.attempts[0].status
}

function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body))
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}/${ACCOUNT}/${WORKSPACE}${path}`, { method, agent: false }, (res) => {
      let text = ''
      res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }))
    })
    req.on('error', reject)
    if (data) req.setHeader('content-type', 'application/json')
    req.end(data)
  })
}

/** Hold matching requests at the model until `open()`: a delivery caught mid-flight. */
function hold(matches: (request: ModelRequest) => boolean) {
  let open!: () => void
  const opened = new Promise<void>((resolve) => (open = resolve))
  let reached!: () => void
  const arrived = new Promise<void>((resolve) => (reached = resolve))
  let armed = true
  model.before(async (request) => {
    if (armed && matches(request)) {
      armed = false
      reached()
      await opened
    }
  })
  return { open, arrived }
}

const count = (value: string) => messages().filter((m) => m === value).length

/** The app's stdout reaches us apart from its HTTP answers: wait for a log line to arrive. */
async function logged(value: string, times = 1) {
  for (let waited = 0; count(value) < times; waited += 50) {
    if (waited > 30_000) throw new Error(`no ${times} x ${value} in the app's logs:\n${messages().join('\n')}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

test('an order event runs its side effect once: 204, and 204 again for the duplicate', async () => {
  expect(await deliver(ORDERS, 'order-status-updated', ORDER)).toBe(204)
  expect(await deliver(ORDERS, 'order-status-updated', ORDER)).toBe(204)
  await logged('orderStatusUpdated.done') // the duplicate's, written after the first one's lines
  expect(count('orderStatusUpdated.process')).toBe(1)
  const [record] = records('orderStatusUpdated')
  expect(record).toMatchObject({ status: 'done', attempts: 1 })
})

test('a malformed event is answered 204 and recorded rejected', async () => {
  expect(await deliver(ORDERS, 'order-status-updated', {})).toBe(204)
  expect(records('orderStatusUpdated').map((r) => r.status).sort()).toEqual(['done', 'rejected'])
})

test('a duplicate that arrives while the first delivery holds the unit is answered 503', async () => {
  const order = { ...ORDER, orderId: 'busy-order-1' }
  // The first delivery is held as it records `done`: the unit is claimed, the lease live.
  const held = hold((r) => r.method !== 'GET' && JSON.stringify(r.body ?? '').includes('"status":"done"'))
  const first = deliver(ORDERS, 'order-status-updated', order)
  await held.arrived
  expect(await deliver(ORDERS, 'order-status-updated', order)).toBe(503)
  held.open()
  expect(await first).toBe(204)
  await logged('orderStatusUpdated.processed', 2) // this order's and the first test's
  expect(count('orderStatusUpdated.process')).toBe(2)
})

test('a store that fails is answered with a 5xx, so the broker delivers it again', async () => {
  const order = { ...ORDER, orderId: 'store-down-1' }
  let failing = true
  model.fault((r) => (failing && r.method !== 'GET' ? 503 : undefined))
  const status = await deliver(ORDERS, 'order-status-updated', order)
  failing = false
  expect(status).toBeGreaterThanOrEqual(500)
  expect(status).toBeLessThan(600)
  // The redelivery runs it.
  expect(await deliver(ORDERS, 'order-status-updated', order)).toBe(204)
  expect(records('orderStatusUpdated').find((r) => r.key.startsWith('store-down-1'))).toMatchObject({ status: 'done' })
})

test('the job route answers 202 at its private path and the worker finishes every item', async () => {
  const jobs = service.routes.syncItemsJobs.path
  const posted = await call('POST', jobs, { itemIds: ['sku-1', 'sku-2', 'sku-3'] })
  expect(posted.status).toBe(202)
  // The route published the job: the courier delivers it to the worker.
  await server.settled()
  const job = await call('GET', `${jobs}/${posted.body.jobId}`)
  expect(job.status).toBe(200)
  expect(job.body).toMatchObject({ status: 'done', summary: { total: 3, done: 3, failed: 0 } })
  expect(records(`syncItems:job:${posted.body.jobId}`).map((r) => r.status)).toEqual(['done', 'done', 'done'])
})
