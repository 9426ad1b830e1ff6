/**
 * The app as the platform runs it, for the end-to-end tests beside this file: booted on
 * @vtex/api's own runtime in a child process (`../runtime.ts`), its VBase, Master Data and
 * Events clients sent by `HTTP_PROXY` to the same platform model the unit tests use, served
 * over HTTP (`../platformServer.ts`). Events arrive as the broker sends them
 * (`POST /<account>/<workspace>/_events` with its headers), routes are called at their
 * private paths. Run with `npm run test:e2e` (not part of `npm test`: nock, which the unit
 * tests load, would intercept this HTTP).
 *
 * A test file calls `bootApp()` at its top level: the app boots before its tests and stops
 * after them. One test file per handler, so removing a handler removes its tests.
 */
import { mkdtempSync, readFileSync, rmSync } from 'fs'
import http from 'http'
import { tmpdir } from 'os'
import { join } from 'path'

import { PlatformModel } from '../platformModel'
import type { ModelRequest } from '../platformModel'
import { PlatformServer } from '../platformServer'
import type { Route, Subscription } from '../platformServer'
import { bootApp as bootRuntime } from '../runtime'
import type { RunningApp } from '../runtime'

export const ACCOUNT = 'testaccount'
export const WORKSPACE = 'dev'
const NODE_DIR = join(__dirname, '..', '..')

export interface ServiceJson {
  events: Record<string, { sender: string; topics: string[] }>
  routes: Record<string, { path: string; public?: boolean }>
}

export interface LedgerRecord {
  key: string
  status: string
  attempts: number
}

export class AppUnderTest {
  readonly service: ServiceJson = JSON.parse(readFileSync(join(NODE_DIR, 'service.json'), 'utf8'))
  readonly logs: string[] = []
  private state?: { model: PlatformModel; server: PlatformServer; app: RunningApp; base: string; workDir: string }

  /** The platform model behind the app's clients (set once the app is booted). */
  get model(): PlatformModel {
    return this.booted().model
  }

  /** The broker and router in front of the app. */
  get server(): PlatformServer {
    return this.booted().server
  }

  async start(): Promise<void> {
    const manifest = JSON.parse(readFileSync(join(NODE_DIR, '..', 'manifest.json'), 'utf8'))
    const appName = `${manifest.vendor}.${manifest.name}`
    const subscriptions: Subscription[] = Object.entries(this.service.events).map(([handler, e]) => ({
      handler,
      sender: e.sender,
      topics: e.topics,
    }))
    const routes: Route[] = Object.entries(this.service.routes ?? {}).map(([id, r]) => ({
      id,
      path: r.path,
      public: r.public,
    }))
    const model = new PlatformModel()
    // One attempt per delivery: the tests look at the runtime's own answer to the broker.
    const server = new PlatformServer({
      model,
      account: ACCOUNT,
      workspace: WORKSPACE,
      app: appName,
      subscriptions,
      routes,
      redelivery: { maxAttempts: 1 },
    })
    const port = await server.listen(0)
    const base = `http://127.0.0.1:${port}`
    const workDir = mkdtempSync(join(tmpdir(), 'app-runtime-'))
    try {
      const app = await bootRuntime({
        nodeDir: NODE_DIR,
        entry: join(NODE_DIR, 'index.ts'),
        service: this.service,
        workDir,
        proxy: base,
        account: ACCOUNT,
        workspace: WORKSPACE,
        appId: `${appName}@0.0.0`,
        onLine: (line) => this.logs.push(line),
      })
      server.appPort = app.port
      this.state = { model, server, app, base, workDir }
    } catch (error) {
      await server.close()
      rmSync(workDir, { recursive: true, force: true })
      throw error
    }
  }

  async stop(): Promise<void> {
    const state = this.state
    this.state = undefined
    if (!state) return
    await state.app.stop()
    await state.server.close()
    rmSync(state.workDir, { recursive: true, force: true })
  }

  /** The messages of the app's log entries (JSON lines on its stdout). */
  messages(): string[] {
    return this.logs.flatMap((line) => {
      try {
        const entry = JSON.parse(line) as { __VTEX_IO_LOG?: boolean; data?: { message?: string } }
        return entry.__VTEX_IO_LOG && entry.data?.message ? [entry.data.message] : []
      } catch {
        return []
      }
    })
  }

  /** How many log entries carry this message. */
  count(message: string): number {
    return this.messages().filter((m) => m === message).length
  }

  /** The app's stdout reaches us apart from its HTTP answers: wait for a log line to arrive. */
  async logged(message: string, times = 1): Promise<void> {
    for (let waited = 0; this.count(message) < times; waited += 50) {
      if (waited > 30_000) {
        throw new Error(`no ${times} x ${message} in the app's logs:\n${this.messages().join('\n')}`)
      }
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }

  /** The ledger records in the model, whichever store holds them. */
  records(scope: string): LedgerRecord[] {
    const { model } = this.booted()
    const all = [...model.vbase.values(), ...model.masterdata.documents.values()] as Array<Record<string, unknown>>
    return all.filter((r) => r.scope === scope) as unknown as LedgerRecord[]
  }

  /** Deliver an event as the broker does; the app's HTTP status. */
  async deliver(sender: string, topic: string, body: unknown): Promise<number> {
    const [delivery] = await this.booted().server.deliver(sender, topic, body)
    return delivery.attempts[0].status
  }

  /** Call a route at its private path, as VTEX's router forwards it. */
  call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
    const { base } = this.booted()
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
  hold(matches: (request: ModelRequest) => boolean): { open: () => void; arrived: Promise<void> } {
    let open!: () => void
    const opened = new Promise<void>((resolve) => (open = resolve))
    let reached!: () => void
    const arrived = new Promise<void>((resolve) => (reached = resolve))
    let armed = true
    this.booted().model.before(async (request) => {
      if (armed && matches(request)) {
        armed = false
        reached()
        await opened
      }
    })
    return { open, arrived }
  }

  private booted() {
    if (!this.state) throw new Error('the app is not running: call bootApp() at the top of the test file')
    return this.state
  }
}

/** Boot the app before the calling file's tests and stop it after them. */
export function bootApp(): AppUnderTest {
  // Booting the runtime takes seconds, more on a loaded machine.
  jest.setTimeout(120_000)
  const app = new AppUnderTest()
  beforeAll(() => app.start())
  afterAll(() => app.stop())
  return app
}
