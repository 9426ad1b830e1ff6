/**
 * The platform model (`platformModel.ts`) served over HTTP, for an app that runs on the
 * @vtex/api runtime in its own process (the end-to-end tests, `scaffold dev`). Start the app
 * with `HTTP_PROXY` pointing here and `VTEX_IO=true`: its VBase, Master Data and Events
 * clients then reach this server, which answers them from the same model the unit tests use.
 *
 * It is also the events broker: an event the app publishes (a PUT to the courier) and an
 * event `deliver()` is given go to every handler of the app that subscribes to (sender,
 * topic), as `POST /<account>/<workspace>/_events` with the platform's headers; a non-2xx
 * answer is delivered again after a growing delay, up to a cap. Any other request is passed
 * on to the app, so routes answer at `/<account>/<workspace><path>` as on VTEX.
 * Node's own `http` only: nothing here but the model and the wire.
 */
import { randomUUID } from 'crypto'
import http from 'http'

import type { ModelRequest, PlatformModel } from './platformModel'

export interface Subscription {
  handler: string
  sender: string
  topics: string[]
}

export interface Route {
  id: string
  path: string
  public?: boolean
}

export interface Redelivery {
  /** Attempts in all, the first delivery included. */
  maxAttempts: number
  firstDelayMs: number
  maxDelayMs: number
}

export interface PlatformServerOptions {
  model: PlatformModel
  account: string
  workspace: string
  /** `vendor.name`: the sender of the events the app publishes. */
  app: string
  subscriptions: Subscription[]
  /** `routes` of service.json: public ones are found by path, as VTEX's router does. */
  routes?: Route[]
  redelivery?: Partial<Redelivery>
  /** Called with every delivery attempt and broker note. */
  onEvent?: (entry: DeliveryAttempt) => void
  /** Called after a request changed the model (to save it). */
  onChange?: () => void
  /** Answers requests of its own (e.g. `/_scaffold/...`) before they are passed to the app:
   * resolves `true` when it answered. */
  control?: (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => Promise<boolean>
}

export interface DeliveryAttempt {
  handler: string
  sender: string
  topic: string
  attempt: number
  status: number
  ms: number
  /** Why the broker gives up or waits, when it does. */
  next?: 'retry' | 'give-up' | 'done'
  delayMs?: number
}

export interface Delivery {
  handler: string
  attempts: DeliveryAttempt[]
  ok: boolean
}

// About a minute in all: longer than the generated ledger's first backoff (10 s), so a unit
// that failed once is retried within one `scaffold emit`.
const DEFAULT_REDELIVERY: Redelivery = { maxAttempts: 8, firstDelayMs: 1000, maxDelayMs: 15_000 }

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

const CHANGES = new Set(['PUT', 'PATCH', 'POST', 'DELETE'])

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

function parseBody(raw: Buffer, contentType: string | undefined): unknown {
  if (raw.length === 0) return undefined
  const text = raw.toString('utf8')
  if ((contentType ?? '').includes('json') || /^[[{"]/.test(text.trim())) {
    try {
      return JSON.parse(text) as unknown
    } catch {
      return text
    }
  }
  return text
}

/** The model's service for a request the app's clients sent through the proxy, if any. */
export function serviceOf(host: string, path: string): ModelRequest['service'] | undefined {
  if (path.startsWith('/courier/')) return 'events'
  if (path.startsWith('/vbase/')) return 'vbase'
  if (path.startsWith('/api/dataentities/') || host.startsWith('api.vtex')) return 'masterdata'
  return undefined
}

export class PlatformServer {
  public readonly server: http.Server
  /** Where the app's runtime listens; requests that are not for the model go there. */
  public appPort?: number
  /** Who subscribes to what (`events` of service.json); replace it when that changes. */
  public subscriptions: Subscription[]
  public routes: Route[]
  private readonly redelivery: Redelivery
  private readonly pending = new Set<Promise<unknown>>()

  constructor(private readonly options: PlatformServerOptions) {
    this.redelivery = { ...DEFAULT_REDELIVERY, ...options.redelivery }
    this.subscriptions = options.subscriptions
    this.routes = options.routes ?? []
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ message: String(error) }))
      })
    })
    this.server.keepAliveTimeout = 1000
  }

  public listen(port: number, host = '127.0.0.1'): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject)
      this.server.listen(port, host, () => {
        this.server.off('error', reject)
        const address = this.server.address()
        resolve(typeof address === 'object' && address ? address.port : port)
      })
    })
  }

  public async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve())
      this.server.closeAllConnections()
    })
  }

  /** Deliveries the courier started that have not finished (redeliveries included). */
  public async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending])
  }

  /** The handlers that subscribe to (sender, topic). */
  public handlersOf(sender: string, topic: string): string[] {
    return this.subscriptions
      .filter((s) => s.sender === sender && s.topics.includes(topic))
      .map((s) => s.handler)
  }

  /** Deliver one event to every subscribed handler like the broker, redelivering non-2xx. */
  public async deliver(sender: string, topic: string, body: unknown, subject = ''): Promise<Delivery[]> {
    return Promise.all(this.handlersOf(sender, topic).map((handler) => this.deliverTo(handler, sender, topic, body, subject)))
  }

  private async deliverTo(handler: string, sender: string, topic: string, body: unknown, subject: string): Promise<Delivery> {
    const attempts: DeliveryAttempt[] = []
    const { maxAttempts, firstDelayMs, maxDelayMs } = this.redelivery
    for (let attempt = 1; ; attempt++) {
      const started = Date.now()
      const status = await this.post(handler, sender, topic, body, subject)
      const entry: DeliveryAttempt = { handler, sender, topic, attempt, status, ms: Date.now() - started }
      attempts.push(entry)
      const ok = status >= 200 && status < 300
      if (ok || attempt >= maxAttempts) {
        entry.next = ok ? 'done' : 'give-up'
        this.options.onEvent?.(entry)
        return { handler, attempts, ok }
      }
      entry.next = 'retry'
      entry.delayMs = Math.min(maxDelayMs, firstDelayMs * 2 ** (attempt - 1))
      this.options.onEvent?.(entry)
      await sleep(entry.delayMs)
    }
  }

  /** One attempt: the platform's `_events` request to the app; 0 when it cannot be reached. */
  private post(handler: string, sender: string, topic: string, body: unknown, subject: string): Promise<number> {
    const { account, workspace } = this.options
    const data = Buffer.from(JSON.stringify(body ?? {}))
    return new Promise((resolve) => {
      if (this.appPort === undefined) return resolve(0)
      const req = http.request(
        {
          host: '127.0.0.1',
          port: this.appPort,
          method: 'POST',
          path: `/${account}/${workspace}/_events`,
          agent: false,
          headers: {
            'content-type': 'application/json',
            'content-length': String(data.length),
            'x-event-handler-id': handler,
            'x-event-sender': sender,
            'x-event-key': topic,
            'x-event-subject': subject,
            'x-vtex-account': account,
            'x-vtex-workspace': workspace,
            'x-vtex-credential': 'local-app-token',
            'x-request-id': randomUUID(),
            'x-vtex-operation-id': randomUUID(),
          },
        },
        (res) => {
          res.resume()
          res.on('end', () => resolve(res.statusCode ?? 0))
        },
      )
      req.on('error', () => resolve(0))
      req.end(data)
    })
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    // A proxied request names its target in full (`GET http://infra.io.vtex.com/vbase/...`).
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`)
    const proxied = /^https?:\/\//.test(req.url ?? '')
    const service = proxied ? serviceOf(url.host, url.pathname) : undefined
    if (service) return this.answerModel(service, url, req, res)
    if (proxied) {
      res.writeHead(502, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ message: `the local platform does not serve ${url.host}${url.pathname}` }))
      return
    }
    if (this.options.control && (await this.options.control(req, res, url))) return
    return this.forward(req, res)
  }

  private async answerModel(service: ModelRequest['service'], url: URL, req: http.IncomingMessage, res: http.ServerResponse) {
    const method = req.method ?? 'GET'
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), String(v)]))
    const request: ModelRequest = {
      service,
      method,
      path: url.pathname,
      query: url.searchParams,
      headers,
      body: parseBody(await readBody(req), req.headers['content-type']),
    }
    const [status, body, replyHeaders] = await this.options.model.answer(request)
    const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body)
    res.writeHead(status, { 'content-type': 'application/json', ...(replyHeaders ?? {}) })
    res.end(text)
    if (CHANGES.has(method) && status < 300) this.options.onChange?.()
    if (service === 'events' && method === 'PUT' && status < 300) {
      const topic = decodeURIComponent(url.pathname.split('/events/')[1] ?? '')
      const delivery = this.deliver(this.options.app, topic, request.body, url.searchParams.get('resource') ?? '')
      this.pending.add(delivery)
      void delivery.finally(() => this.pending.delete(delivery))
    }
  }

  /** The router's headers for a public route: the runtime finds the handler by them. */
  private publicRoute(url: string): Record<string, string> {
    const path = url.split('?')[0]
    for (const route of this.routes.filter((r) => r.public)) {
      const names: string[] = []
      const pattern = route.path.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\/:(\w+)|\/\*(\w+)/g, (_, name, rest) => {
        names.push(name ?? rest)
        return name ? '/([^/]+)' : '/(.*)'
      })
      const found = new RegExp(`^${pattern}$`).exec(path)
      if (!found) continue
      const params = new URLSearchParams(names.map((name, i): [string, string] => [name, decodeURIComponent(found[i + 1])]))
      return {
        'x-colossus-route-id': route.id,
        'x-colossus-route-declarer': this.options.app,
        'x-colossus-params': params.toString(),
      }
    }
    return {}
  }

  /** Pass a request on to the app's runtime, as the platform's router does. */
  private forward(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    return new Promise((resolve) => {
      if (this.appPort === undefined) {
        res.writeHead(503, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ message: 'the app is not running (yet)' }))
        return resolve()
      }
      const { account, workspace } = this.options
      // What VTEX's router adds before a request reaches a replica (it has already checked
      // the caller: the local platform does not enforce route policies).
      const headers = {
        'x-vtex-account': account,
        'x-vtex-workspace': workspace,
        'x-vtex-credential': 'local-app-token',
        'x-forwarded-host': req.headers.host ?? '127.0.0.1',
        'x-request-id': randomUUID(),
        'x-vtex-operation-id': randomUUID(),
        ...this.publicRoute(req.url ?? '/'),
        ...req.headers,
      }
      const upstream = http.request(
        { host: '127.0.0.1', port: this.appPort, method: req.method, path: req.url, headers, agent: false },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers)
          answer.pipe(res)
          answer.on('end', () => resolve())
        },
      )
      upstream.on('error', (error) => {
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ message: `the app did not answer: ${error.message}` }))
        resolve()
      })
      req.pipe(upstream)
    })
  }
}
