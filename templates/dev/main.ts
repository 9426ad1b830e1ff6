/**
 * `scaffold dev`'s node side: the platform model behind its HTTP server (VBase, Master Data,
 * the events broker), the app on the @vtex/api runtime in a child process, and a few control
 * routes under `/_scaffold/` for `scaffold emit`, `scaffold records` and rebuilds. The model,
 * the server and the boot harness are the generated app's own test support, rendered from
 * the same templates and compiled with the app's TypeScript next to this file.
 *
 * Talks to scaffold over stdout, one JSON object per line; state is saved to `stateFile`.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'fs'
import type http from 'http'
import { join } from 'path'

import { PlatformModel } from './platformModel'
import { PlatformServer } from './platformServer'
import type { DeliveryAttempt, Route, Subscription } from './platformServer'
import { bootApp } from './runtime'
import type { RunningApp } from './runtime'

interface Config {
  nodeDir: string
  entry: string
  serviceFile: string
  stateFile: string
  workDir: string
  port: number
  account: string
  workspace: string
  app: string
  appId: string
  redelivery?: { maxAttempts?: number; firstDelayMs?: number; maxDelayMs?: number }
}

const config = JSON.parse(process.env.SCAFFOLD_DEV ?? '{}') as Config
const say = (entry: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(entry)}\n`)

const model = new PlatformModel()
loadState()

let saveTimer: NodeJS.Timeout | undefined
function saveState() {
  const vbase = model.vbase as unknown as { files: Map<string, unknown>; version: number }
  const state = {
    vbase: { files: [...vbase.files.entries()], version: vbase.version },
    masterdata: { documents: [...model.masterdata.documents.entries()] },
  }
  writeFileSync(`${config.stateFile}.tmp`, JSON.stringify(state))
  renameSync(`${config.stateFile}.tmp`, config.stateFile)
}
function scheduleSave() {
  if (saveTimer === undefined) {
    saveTimer = setTimeout(() => {
      saveTimer = undefined
      saveState()
    }, 50)
  }
}
function loadState() {
  if (!existsSync(config.stateFile)) return
  const state = JSON.parse(readFileSync(config.stateFile, 'utf8')) as {
    vbase: { files: Array<[string, { etag: string; body: string }]>; version: number }
    masterdata: { documents: Array<[string, Record<string, unknown>]> }
  }
  for (const [id, file] of state.vbase.files) model.vbase.files.set(id, file)
  // The model's etag counter is private to it; carry it over so no etag is ever reused.
  ;(model.vbase as unknown as { version: number }).version = state.vbase.version
  for (const [id, doc] of state.masterdata.documents) model.masterdata.documents.set(id, doc)
}

function subscriptions(service: { events?: Record<string, { sender?: string; keys?: string[]; topics?: string[] }> }): Subscription[] {
  return Object.entries(service.events ?? {}).map(([handler, spec]) => ({
    handler,
    sender: spec.sender ?? '',
    topics: spec.topics ?? spec.keys ?? [],
  }))
}

function routesOf(service: Record<string, unknown>): Route[] {
  return Object.entries((service.routes ?? {}) as Record<string, { path: string; public?: boolean }>).map(([id, r]) => ({
    id,
    path: r.path,
    public: r.public === true,
  }))
}

/** Ledger records in either store: objects with scope, key and status. */
function records(): unknown[] {
  const found: unknown[] = []
  const visit = (value: unknown) => {
    if (!value || typeof value !== 'object') return
    const v = value as Record<string, unknown>
    if (typeof v.status === 'string' && typeof v.scope === 'string' && 'key' in v) found.push(v)
    else if (v.record) visit(v.record)
  }
  model.vbase.values().forEach(visit)
  model.masterdata.documents.forEach(visit)
  return found
}

function readJson(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    let text = ''
    req.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')))
    req.on('end', () => {
      try {
        resolve(text ? (JSON.parse(text) as Record<string, unknown>) : {})
      } catch (error) {
        reject(error)
      }
    })
  })
}

const send = (res: http.ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' })
  res.end(JSON.stringify(body))
}

let service = JSON.parse(readFileSync(config.serviceFile, 'utf8')) as Record<string, unknown>
let app: RunningApp | undefined
let booting: Promise<void> | undefined

const server = new PlatformServer({
  model,
  account: config.account,
  workspace: config.workspace,
  app: config.app,
  subscriptions: subscriptions(service),
  routes: routesOf(service),
  redelivery: config.redelivery,
  onChange: scheduleSave,
  onEvent: (attempt: DeliveryAttempt) => say({ kind: 'delivery', ...attempt }),
  control: async (req, res, url) => {
    if (!url.pathname.startsWith('/_scaffold/')) return false
    const what = url.pathname.slice('/_scaffold/'.length)
    if (what === 'status' && req.method === 'GET') {
      send(res, 200, { app: config.appId, running: app !== undefined, pid: process.pid, appPid: app?.child.pid })
    } else if (what === 'records' && req.method === 'GET') {
      send(res, 200, records())
    } else if (what === 'emit' && req.method === 'POST') {
      const { sender, topic, data, times = 1, concurrent = 1 } = (await readJson(req)) as {
        sender: string
        topic: string
        data: unknown
        times?: number
        concurrent?: number
      }
      const handlers = server.handlersOf(sender, topic)
      if (handlers.length === 0) {
        send(res, 404, { message: `no handler of ${config.app} subscribes to ${sender} / ${topic}` })
        return true
      }
      const deliveries = []
      for (let round = 0; round < times; round++) {
        const batch = await Promise.all(Array.from({ length: concurrent }, () => server.deliver(sender, topic, data)))
        deliveries.push(...batch.flat())
      }
      send(res, 200, { deliveries })
    } else if (what === 'restart' && req.method === 'POST') {
      try {
        await restart()
        send(res, 200, { port: app?.port })
      } catch (error) {
        send(res, 500, { message: (error as Error).message })
      }
    } else {
      send(res, 404, { message: `no control route ${req.method} ${url.pathname}` })
    }
    return true
  },
})

async function start() {
  service = JSON.parse(readFileSync(config.serviceFile, 'utf8')) as Record<string, unknown>
  server.subscriptions = subscriptions(service)
  server.routes = routesOf(service)
  const running = await bootApp({
    nodeDir: config.nodeDir,
    entry: config.entry,
    service,
    workDir: config.workDir,
    proxy: `http://127.0.0.1:${port}`,
    account: config.account,
    workspace: config.workspace,
    appId: config.appId,
    onLine: (line, stream) => say({ kind: 'app', stream, line }),
    onExit: (code, signal) => {
      if (app === running) {
        app = undefined
        server.appPort = undefined
        say({ kind: 'exit', code, signal })
      }
    },
  })
  app = running
  server.appPort = running.port
}

async function restart() {
  if (booting) await booting.catch(() => undefined)
  booting = (async () => {
    const old = app
    app = undefined
    server.appPort = undefined
    await old?.stop()
    await start()
  })()
  await booting
}

let port = config.port
let stopping = false
async function stop() {
  if (stopping) return
  stopping = true
  await app?.stop(2000)
  if (saveTimer) clearTimeout(saveTimer)
  saveState()
  await server.close()
  process.exit(0)
}
process.on('SIGTERM', () => void stop())
process.on('SIGINT', () => void stop())
// scaffold holds our stdin: if it goes away (even killed outright), so do we.
process.stdin.on('end', () => void stop())
process.stdin.on('error', () => void stop())
process.stdin.resume()

async function main() {
  try {
    port = await server.listen(config.port)
  } catch (error) {
    say({ kind: 'fatal', message: `port ${config.port} is busy (${(error as Error).message})` })
    process.exit(3)
  }
  try {
    await restart()
  } catch (error) {
    say({ kind: 'fatal', message: (error as Error).message })
    await stop()
    return
  }
  const routes = Object.entries((service.routes ?? {}) as Record<string, { path: string; public?: boolean }>).map(
    ([id, route]) => ({
      id,
      public: route.public === true,
      url: route.public === true ? `http://127.0.0.1:${port}${route.path}` : `http://127.0.0.1:${port}/${config.account}/${config.workspace}${route.path}`,
    }),
  )
  say({ kind: 'ready', url: `http://127.0.0.1:${port}`, routes, state: join(config.stateFile) })
}

void main()
